//! Claiming due emails (`peerhub_persistence::outbox::claim_due_emails`,
//! the notifier's side of the outbox): parallel claimers, as on several
//! nodes, take each message once, and what they claim is marked `sending`.
//! The test server's own notifier polls the same outbox (and, without SMTP,
//! marks what it claims `sent`), so it is a fourth claimer here.
use chrono::{Duration, Utc};
use peerhub_persistence::entities::outbox;
use peerhub_persistence::outbox::claim_due_emails;
use peerhub_persistence::sea_orm::{ActiveValue::Set, EntityTrait};
use peerhub_tests::*;

/// Inserts `n` due email messages; answers their ids.
async fn due_emails(app: &TestApp, n: usize) -> Vec<String> {
    let now = Utc::now() - Duration::seconds(1);
    let rows: Vec<outbox::ActiveModel> = (0..n)
        .map(|i| outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            created_at: Set(now),
            kind: Set("email".into()),
            topic: Set("account.password_changed".into()),
            network_id: Set(None),
            aggregate_type: Set("user".into()),
            aggregate_id: Set(format!("u{i}")),
            recipient: Set(Some(format!("person{i}@nhs.net"))),
            payload: Set("{}".into()),
            status: Set("pending".into()),
            attempts: Set(0),
            available_at: Set(now),
            sent_at: Set(None),
            last_error: Set(None),
            request_id: Set(None),
        })
        .collect();
    let ids = rows
        .iter()
        .map(|r| match &r.id {
            Set(id) => id.clone(),
            _ => String::new(),
        })
        .collect();
    outbox::Entity::insert_many(rows)
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    ids
}

dual! {
    async fn parallel_email_claims_take_each_message_once(app) {
        let ids = due_emails(app, 120).await;
        let (a, b, c) = tokio::join!(
            claim_due_emails(&app.db, 50),
            claim_due_emails(&app.db, 50),
            claim_due_emails(&app.db, 50)
        );
        let mine: Vec<String> = [a.unwrap(), b.unwrap(), c.unwrap()]
            .into_iter()
            .flat_map(|batch| {
                assert!(batch.len() <= 50);
                batch.into_iter().map(|m| {
                    assert_eq!(m.status, "sending");
                    m.id
                })
            })
            .collect();
        let mut distinct = mine.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), mine.len(), "a message was claimed twice");
        assert!(mine.iter().all(|id| ids.contains(id)));
        // Every other message was claimed (and sent) by the server's notifier.
        let all = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        let start = std::time::Instant::now();
        loop {
            let sent = app.count(&format!("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND id IN ({all})")).await;
            if sent as usize + mine.len() == ids.len() {
                break;
            }
            assert!(start.elapsed().as_secs() < 15, "{sent} sent and {} claimed of {}", mine.len(), ids.len());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Mine are still `sending`: nobody else claimed them.
        let list = mine.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE status = 'sending' AND id IN ({list})")).await,
            mine.len() as i64
        );
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND id IN ({all})")).await, 0);
        assert!(claim_due_emails(&app.db, 50).await.unwrap().is_empty());
    }
}
