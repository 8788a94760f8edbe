//! The CSV representation of the governance report: RFC 4180 (CRLF line
//! ends, quoting by the `csv` crate), a header row, one row per CoP, then
//! a `total` row. Booleans are `1`/`0` so that the total row (a count of
//! CoPs) adds up in a spreadsheet; text cells that a spreadsheet would run
//! as a formula get a leading `'` ([`peerhub_domain::csv::neutralise`]).
use peerhub_domain::governance::report::Figures;
use peerhub_persistence::governance::report::Report;

/// The column names, in order.
pub const HEADER: [&str; 30] = [
    "community_id",
    "community_name",
    "status",
    "meetings_expected",
    "meetings_held",
    "meetings_cancelled",
    "invitations",
    "attendances",
    "attendance_rate",
    "members_at_end",
    "joiners",
    "leavers",
    "pending_applications",
    "oldest_pending_days",
    "terms_state",
    "terms_review_due",
    "no_chair",
    "no_secretary",
    "minutes_approved",
    "held_without_approved_minutes",
    "actions_open",
    "actions_overdue",
    "advise",
    "assure",
    "alert",
    "escalation_points",
    "commendation_points",
    "escalations_raised",
    "escalations_open",
    "escalations_overdue",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The cells of one line: identity and state cells first, then figures.
#[allow(clippy::too_many_arguments)]
fn line(
    id: &str,
    name: &str,
    status: &str,
    f: &Figures,
    terms_state: &str,
    terms_review_due: String,
    no_chair: i64,
    no_secretary: i64,
) -> Vec<String> {
    vec![
        id.to_owned(),
        peerhub_domain::csv::neutralise(name).into_owned(),
        status.to_owned(),
        f.meetings_expected.to_string(),
        f.meetings_held.to_string(),
        f.meetings_cancelled.to_string(),
        f.invitations.to_string(),
        f.attendances.to_string(),
        opt(f.attendance_rate()),
        f.members_at_end.to_string(),
        f.joiners.to_string(),
        f.leavers.to_string(),
        f.pending_applications.to_string(),
        opt(f.oldest_pending_days),
        terms_state.to_owned(),
        terms_review_due,
        no_chair.to_string(),
        no_secretary.to_string(),
        f.minutes_approved.to_string(),
        f.held_without_approved_minutes.to_string(),
        f.actions_open.to_string(),
        f.actions_overdue.to_string(),
        f.advise.to_string(),
        f.assure.to_string(),
        f.alert.to_string(),
        f.escalation_points.to_string(),
        f.commendation_points.to_string(),
        f.escalations_raised.to_string(),
        f.escalations_open.to_string(),
        f.escalations_overdue.to_string(),
    ]
}

/// The whole file.
pub fn render(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(256 * (r.rows.len() + 2)));
    w.write_record(HEADER)?;
    for row in &r.rows {
        w.write_record(line(
            &row.community_id,
            &row.name,
            row.status.as_str(),
            &row.figures,
            row.terms.as_str(),
            opt(row.terms_review_due),
            i64::from(row.no_chair),
            i64::from(row.no_secretary),
        ))?;
    }
    let t = &r.total;
    w.write_record(line(
        "",
        "Network total",
        "total",
        &t.figures,
        "",
        String::new(),
        t.without_chair,
        t.without_secretary,
    ))?;
    w.into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}
