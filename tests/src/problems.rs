//! Reading problem+json answers (docs/api-guide.md, "Errors"): the
//! violations of a 422 `validation-failed`, and assertions over them. Every
//! e2e file uses these; none keeps its own copy.
use serde_json::Value;

use crate::Resp;

/// The violations (`errors`) of a problem; empty when it has none.
fn errors(p: &Value) -> &[Value] {
    p["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The `field` of every violation in a problem, in order.
pub fn fields(p: &Value) -> Vec<String> {
    errors(p).iter().map(|e| text(&e["field"])).collect()
}

/// The `(field, code)` of every violation in a problem, in order.
pub fn field_codes(p: &Value) -> Vec<(String, String)> {
    errors(p)
        .iter()
        .map(|e| (text(&e["field"]), text(&e["code"])))
        .collect()
}

/// The violation of `field` (the first, if several); panics when there is
/// none.
#[track_caller]
pub fn violation_of<'a>(p: &'a Value, field: &str) -> &'a Value {
    errors(p)
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no violation of {field:?}: {p}"))
}

/// Asserts a 422 `validation-failed` with a violation of `field` (any code)
/// that has a message; returns the problem.
#[track_caller]
pub fn assert_invalid(r: &Resp, field: &str) -> Value {
    let p = r.problem(422, "validation-failed");
    let hit = errors(&p)
        .iter()
        .any(|e| e["field"] == field && has_message(e));
    assert!(hit, "expected an error for `{field}`: {}", r.text);
    p
}

/// Asserts a 422 `validation-failed` with a violation of `field` with
/// `code` that has a message; returns the problem.
#[track_caller]
pub fn assert_violation(r: &Resp, field: &str, code: &str) -> Value {
    let p = r.problem(422, "validation-failed");
    let hit = errors(&p)
        .iter()
        .any(|e| e["field"] == field && e["code"] == code && has_message(e));
    assert!(hit, "expected {field}/{code}: {}", r.text);
    p
}

/// Asserts a 422 `validation-failed` whose violations are exactly
/// `expected` `(field, code)` pairs, in order; `what` names the case in the
/// failure message.
#[track_caller]
pub fn assert_invalid_all(r: &Resp, expected: &[(&str, &str)], what: &str) -> Value {
    let p = r.problem(422, "validation-failed");
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(field_codes(&p), want, "{what}: {p}");
    p
}

/// Asserts a 422 `validation-failed` with a violation of `field` whose
/// message names every value of `allowed` (an unknown value of a closed
/// set, in a query parameter or a body); returns the problem.
#[track_caller]
pub fn assert_allowed_values(r: &Resp, field: &str, allowed: &[&str]) -> Value {
    let p = r.problem(422, "validation-failed");
    let message = text(&violation_of(&p, field)["message"]);
    for v in allowed {
        assert!(
            message.contains(v),
            "{field}: {message:?} does not name {v}: {p}"
        );
    }
    p
}

/// The message of the violation of `field` in a 422 `validation-failed`.
#[track_caller]
pub fn message_for(r: &Resp, field: &str) -> String {
    let p = r.problem(422, "validation-failed");
    text(&violation_of(&p, field)["message"])
}

fn has_message(e: &Value) -> bool {
    e["message"].as_str().is_some_and(|m| !m.is_empty())
}
