//! The OpenAPI 3.1 `webhooks` section (added by `crate::openapi::finish`):
//! what PeerHub sends to a subscription's URL for each event type.
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, Required};

/// The OpenAPI 3.1 `webhooks` section: one entry per event type of the
/// catalogue, the request PeerHub makes to a subscription's URL
/// (docs/integrations.md): a JSON body `{type, timestamp, data}` and the
/// three Standard Webhooks headers.
pub fn webhook_events() -> utoipa::openapi::Paths {
    use peerhub_domain::webhook::EventType;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    let headers = [
        (
            "webhook-id",
            "The message id, `msg_` and the delivery id: the same on every retry and redelivery, so a receiver can drop a duplicate.",
            "msg_0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e",
        ),
        (
            "webhook-timestamp",
            "Seconds since the Unix epoch when this attempt was signed; refuse one too far from your clock (5 minutes) to stop replays.",
            "1765188000",
        ),
        (
            "webhook-signature",
            "Space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}` under the subscription's secret (the base64 after `whsec_`); two while a rotated secret still signs. Accept the request when any one matches.",
            "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
        ),
    ];
    let mut paths = utoipa::openapi::path::PathsBuilder::new();
    for t in EventType::ALL {
        let code = t.as_str();
        let body = ObjectBuilder::new()
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([code])),
            )
            .required("type")
            .property(
                "timestamp",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::DateTime,
                    )))
                    .description(Some("When the event happened.")),
            )
            .required("timestamp")
            .property(
                "data",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("The event's fields: identifiers and what changed, never private note or concern text.")),
            )
            .required("data")
            .examples([serde_json::json!({
                "type": code, "timestamp": "2026-12-08T10:00:00.000Z", "data": {}
            })]);
        let mut op = OperationBuilder::new()
            .operation_id(Some(code))
            .summary(Some(t.summary()))
            .description(Some(if *t == EventType::WebhookPing {
                "Sent by `POST /v1/webhooks/{id}/ping` to that subscription only, whatever its `events` and even while it is disabled. Tried once: it is never retried and never disables the subscription.".to_owned()
            } else {
                format!(
                    "Sent to the enabled subscriptions of the event's network whose `events` include `{code}` (or are `[\"*\"]`). Answer 2xx to acknowledge; any other status, or no answer within 10 seconds, is retried with back-off for about a day; 410 Gone disables the subscription."
                )
            }))
            .tag("webhooks")
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", Content::new(Some(body)))
                    .required(Some(Required::True))
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("Acknowledged (any 2xx); the body is ignored.")
                    .build(),
            );
        if *t != EventType::WebhookPing {
            op = op.response(
                "410",
                ResponseBuilder::new()
                    .description("Gone: the subscription is disabled (`disabled_reason: gone`).")
                    .build(),
            );
        }
        for (name, description, example) in headers {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .example(Some(serde_json::json!(example))),
            );
        }
        let mut op = op.build();
        // PeerHub calls the receiver: no PeerHub credential applies (the
        // receiver checks `webhook-signature`). An explicit `[]` says so.
        op.security = Some(Vec::new());
        paths = paths.path(code, PathItem::new(HttpMethod::Post, op));
    }
    paths.build()
}
