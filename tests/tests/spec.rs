//! The OpenAPI document as an SDK generator sees it. Plain tests over
//! `peerhub_http::openapi()` (what the server serves and `peerhub openapi`
//! prints); no server, no database.
//!
//! Each test lists every offender (method, path, field) so the fix can be
//! made in the source (a handler's doc comment or `#[utoipa::path]`, a DTO,
//! or `openapi::finish`), never by editing the JSON.
//!
//! `committed_document_is_current` is the one check that the committed
//! openapi/openapi.json is that document (`make openapi` regenerates it).
use std::collections::BTreeMap;

use peerhub_http::middleware::idempotency_exempt;
use serde_json::{Map, Value};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Property and parameter names that hold a closed set of values.
const CLOSED_NAMES: [&str; 10] = [
    "status", "kind", "role", "decision", "mode", "response", "verdict", "category", "scope",
    "scopes",
];

/// The committed copy of the document, relative to this crate.
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");

/// The generated document, as JSON.
fn document() -> Value {
    serde_json::to_value(peerhub_http::openapi()).expect("the generated document serialises")
}

/// The committed openapi/openapi.json is, byte for byte, what `peerhub
/// openapi` prints (and the server serves).
#[test]
fn committed_document_is_current() {
    let generated = peerhub_http::openapi_json(&peerhub_http::openapi());
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    if committed == generated {
        return;
    }
    let first = generated
        .lines()
        .zip(committed.lines())
        .position(|(g, c)| g != c)
        .unwrap_or_else(|| generated.lines().count().min(committed.lines().count()));
    let line = |doc: &str| doc.lines().nth(first).unwrap_or("<end of file>").to_owned();
    panic!(
        "openapi/openapi.json is stale: run `make openapi`\n\
         first difference at line {}:\n  generated: {}\n  committed: {}",
        first + 1,
        line(&generated),
        line(&committed)
    );
}

/// One operation of a document.
struct Op<'a> {
    method: &'static str,
    path: &'a str,
    op: &'a Map<String, Value>,
}

impl Op<'_> {
    fn at(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn parameters(&self) -> impl Iterator<Item = &Value> {
        self.op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    }

    fn responses(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
    }
}

fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method).and_then(Value::as_object) {
                ops.push(Op { method, path, op });
            }
        }
    }
    ops
}

/// Follows a local `$ref` (any depth); the value itself when it has none.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// Runs `check` on the document and fails with every offender.
fn assert_clean(what: &str, check: impl Fn(&Value) -> Vec<String>) {
    let offenders = check(&document());
    let report: String = offenders.iter().map(|o| format!("\n  - {o}")).collect();
    assert!(
        offenders.is_empty(),
        "{what}: {} offender(s){report}",
        offenders.len()
    );
}

// ------------------------------------------------------------------ (a)

fn is_closed_name(name: &str) -> bool {
    CLOSED_NAMES.contains(&name)
        || name.ends_with("_status")
        || name.ends_with("_kind")
        || name.ends_with("_role")
}

fn has_type(s: &Value, t: &str) -> bool {
    match s.get("type") {
        Some(Value::String(x)) => x == t,
        Some(Value::Array(xs)) => xs.iter().any(|x| x == t),
        _ => false,
    }
}

/// Whether a schema admits a free string where a closed set belongs: a
/// `string` (or `[string, null]`) without `enum` or `const`, following
/// `$ref`s, `allOf`/`oneOf`/`anyOf` and array `items`.
fn bare_string(doc: &Value, s: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let s = resolve(doc, s);
    if s.get("enum").is_some() || s.get("const").is_some() {
        return false;
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        // An intersection is closed as soon as one part is.
        let closed = all.iter().any(|p| {
            let p = resolve(doc, p);
            p.get("enum").is_some() || p.get("const").is_some()
        });
        if closed {
            return false;
        }
        if all.iter().any(|p| bare_string(doc, p, depth + 1)) {
            return true;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array)
            && alts.iter().any(|p| bare_string(doc, p, depth + 1))
        {
            return true;
        }
    }
    if has_type(s, "array")
        && let Some(items) = s.get("items")
    {
        return bare_string(doc, items, depth + 1);
    }
    has_type(s, "string")
}

/// Readable location of a JSON pointer inside a schema: property names
/// joined by dots, `[]` for array items.
fn field_path(segments: &[String]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < segments.len() {
        match segments[i].as_str() {
            "properties" if i + 1 < segments.len() => {
                if !out.is_empty() && !out.ends_with('.') {
                    out.push('.');
                }
                out.push_str(&segments[i + 1]);
                i += 2;
                continue;
            }
            "items" => out.push_str("[]"),
            "schema" | "content" | "application/json" => {}
            "allOf" | "oneOf" | "anyOf" if i + 1 < segments.len() => {
                out.push_str(&format!("<{}#{}>", segments[i], segments[i + 1]));
                i += 2;
                continue;
            }
            other => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(other);
            }
        }
        i += 1;
    }
    out
}

/// Walks every schema under `v`, reporting closed-set properties that are
/// bare strings.
fn walk_schemas(doc: &Value, v: &Value, at: &str, segs: &mut Vec<String>, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(props) = m.get("properties").and_then(Value::as_object) {
                for (name, s) in props {
                    if is_closed_name(name) && bare_string(doc, s, 0) {
                        segs.push("properties".into());
                        segs.push(name.clone());
                        out.push(format!(
                            "{at}: field `{}` is a bare string (no enum)",
                            field_path(segs)
                        ));
                        segs.pop();
                        segs.pop();
                    }
                }
            }
            for (k, child) in m {
                if matches!(k.as_str(), "example" | "examples" | "$ref") {
                    continue;
                }
                segs.push(k.clone());
                walk_schemas(doc, child, at, segs, out);
                segs.pop();
            }
        }
        Value::Array(xs) => {
            for (i, child) in xs.iter().enumerate() {
                segs.push(i.to_string());
                walk_schemas(doc, child, at, segs, out);
                segs.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn closed_sets_are_enums() {
    assert_clean(
        "(a) closed sets (status, kind, role, … scopes, *_status, *_kind, *_role) must be enums",
        |doc| {
            let mut out = Vec::new();
            for (name, schema) in doc["components"]["schemas"]
                .as_object()
                .into_iter()
                .flatten()
            {
                walk_schemas(
                    doc,
                    schema,
                    &format!("schema {name}"),
                    &mut Vec::new(),
                    &mut out,
                );
            }
            for op in operations(doc) {
                for p in op.parameters() {
                    let p = resolve(doc, p);
                    let name = p["name"].as_str().unwrap_or_default();
                    if is_closed_name(name) && bare_string(doc, &p["schema"], 0) {
                        out.push(format!(
                            "{}: parameter `{name}` ({}) is a bare string (no enum)",
                            op.at(),
                            p["in"].as_str().unwrap_or("?")
                        ));
                    }
                }
                if let Some(body) = op.op.get("requestBody") {
                    walk_schemas(
                        doc,
                        resolve(doc, body),
                        &format!("{} request body", op.at()),
                        &mut Vec::new(),
                        &mut out,
                    );
                }
                for (status, r) in op.responses() {
                    if r.get("$ref").is_none() {
                        walk_schemas(
                            doc,
                            r,
                            &format!("{} response {status}", op.at()),
                            &mut Vec::new(),
                            &mut out,
                        );
                    }
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (b)

fn is_page_schema(doc: &Value, s: &Value) -> bool {
    let s = resolve(doc, s);
    s["properties"].get("items").is_some() && s["properties"].get("next_cursor").is_some()
}

#[test]
fn lists_declare_link() {
    assert_clean(
        "(b) every list (200 is a page with `items` and `next_cursor`) declares the `Link` header",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                let Some(ok) = op.op.get("responses").and_then(|r| r.get("200")) else {
                    continue;
                };
                let ok = resolve(doc, ok);
                let page = ok["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(_, c)| is_page_schema(doc, &c["schema"]));
                let link = ok["headers"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(k, _)| k.eq_ignore_ascii_case("link"));
                if page && !link {
                    out.push(format!(
                        "{}: 200 is a page without a `Link` header",
                        op.at()
                    ));
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (c)

#[test]
fn summaries_are_short_and_descriptions_present() {
    assert_clean(
        "(c) every operation has a one-line summary of at most 80 characters and a description",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                match op.op.get("summary").and_then(Value::as_str) {
                    None | Some("") => out.push(format!("{}: no summary", op.at())),
                    Some(s) => {
                        let n = s.chars().count();
                        if s.contains('\n') {
                            out.push(format!(
                                "{}: summary has {} lines: {:?}",
                                op.at(),
                                s.lines().count(),
                                s
                            ));
                        } else if n > 80 {
                            out.push(format!("{}: summary is {n} characters: {s:?}", op.at()));
                        }
                    }
                }
                if op
                    .op
                    .get("description")
                    .and_then(Value::as_str)
                    .is_none_or(|d| d.trim().is_empty())
                {
                    out.push(format!("{}: no description", op.at()));
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (d)

#[test]
fn security_is_explicit() {
    assert_clean(
        "(d) every operation states its security (`[]` when public)",
        |doc| {
            let schemes = &doc["components"]["securitySchemes"];
            let mut out = Vec::new();
            for op in operations(doc) {
                match op.op.get("security").and_then(Value::as_array) {
                    None => out.push(format!("{}: no `security`", op.at())),
                    Some(reqs) => {
                        for name in reqs
                            .iter()
                            .filter_map(Value::as_object)
                            .flat_map(|r| r.keys())
                        {
                            if schemes.get(name).is_none() {
                                out.push(format!("{}: unknown security scheme `{name}`", op.at()));
                            }
                        }
                    }
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (e)

#[test]
fn idempotency_key_where_the_middleware_honours_it() {
    assert_clean(
        "(e) `Idempotency-Key` is declared on exactly the POSTs the middleware honours it on",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                let honoured = op.method == "post" && !idempotency_exempt(op.path);
                let declared: Vec<&Value> = op
                    .parameters()
                    .filter(|p| {
                        let p = resolve(doc, p);
                        p["in"] == "header"
                            && p["name"]
                                .as_str()
                                .is_some_and(|n| n.eq_ignore_ascii_case("Idempotency-Key"))
                    })
                    .collect();
                match (honoured, declared.len()) {
                    (true, 0) => out.push(format!("{}: no `Idempotency-Key` parameter", op.at())),
                    (false, n) if n > 0 => out.push(format!(
                        "{}: declares `Idempotency-Key`, which the middleware ignores here",
                        op.at()
                    )),
                    (_, n) if n > 1 => {
                        out.push(format!("{}: `Idempotency-Key` declared {n} times", op.at()))
                    }
                    _ => {}
                }
                if honoured {
                    for (status, r) in op.responses() {
                        let replayed = status.starts_with('2')
                            && resolve(doc, r)["headers"]
                                .get("Idempotent-Replayed")
                                .is_none();
                        if replayed {
                            out.push(format!(
                                "{}: {status} does not declare `Idempotent-Replayed`",
                                op.at()
                            ));
                        }
                    }
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (f)

#[test]
fn no_catch_all_responses() {
    assert_clean(
        "(f) no `4XX`/`5XX` catch-all responses: declare the statuses that can happen",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                for (status, _) in op.responses() {
                    if status.to_ascii_uppercase().ends_with("XX") || status == "default" {
                        out.push(format!("{}: `{status}`", op.at()));
                    }
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ (g)

#[test]
fn operation_ids_are_unique() {
    assert_clean("(g) every operation has a unique operationId", |doc| {
        let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut out = Vec::new();
        for op in operations(doc) {
            match op.op.get("operationId").and_then(Value::as_str) {
                Some(id) => seen.entry(id).or_default().push(op.at()),
                None => out.push(format!("{}: no operationId", op.at())),
            }
        }
        for (id, at) in seen {
            if at.len() > 1 {
                out.push(format!("operationId `{id}` on {}", at.join(", ")));
            }
        }
        out
    });
}

// ------------------------------------------------------------------ (h)

#[test]
fn problem_responses_are_references() {
    assert_clean(
        "(h) every problem (4xx/5xx) response is a `$ref` to components/responses",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                for (status, r) in op.responses() {
                    let problem = status.starts_with('4')
                        || status.starts_with('5')
                        || r["content"].get("application/problem+json").is_some();
                    if !problem {
                        continue;
                    }
                    match r.get("$ref").and_then(Value::as_str) {
                        Some(to) if to.starts_with("#/components/responses/") => {}
                        Some(to) => out.push(format!("{}: {status} refers to {to}", op.at())),
                        None => out.push(format!("{}: {status} is inline", op.at())),
                    }
                }
            }
            out
        },
    );
}

// ------------------------------------------------------------------ more

/// Every `$ref` in the document points at something that exists.
#[test]
fn references_resolve() {
    fn walk(doc: &Value, v: &Value, at: &mut Vec<String>, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str)
                    && r.strip_prefix('#').and_then(|p| doc.pointer(p)).is_none()
                {
                    out.push(format!("{}: `{r}` does not resolve", at.join("/")));
                }
                for (k, child) in m {
                    if matches!(k.as_str(), "example" | "examples") {
                        continue;
                    }
                    at.push(k.clone());
                    walk(doc, child, at, out);
                    at.pop();
                }
            }
            Value::Array(xs) => {
                for (i, child) in xs.iter().enumerate() {
                    at.push(i.to_string());
                    walk(doc, child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    assert_clean("every `$ref` resolves", |doc| {
        let mut out = Vec::new();
        walk(doc, doc, &mut Vec::new(), &mut out);
        out
    });
}

/// Every response names its request id; 429 and 503 say when to retry.
#[test]
fn shared_headers_are_declared() {
    assert_clean(
        "every response declares `X-Request-Id`; 429 and 503 declare `Retry-After`",
        |doc| {
            let mut out = Vec::new();
            for op in operations(doc) {
                for (status, r) in op.responses() {
                    let headers = &resolve(doc, r)["headers"];
                    if headers.get("X-Request-Id").is_none() {
                        out.push(format!("{}: {status} without `X-Request-Id`", op.at()));
                    }
                    if (status == "429" || status == "503") && headers.get("Retry-After").is_none()
                    {
                        out.push(format!("{}: {status} without `Retry-After`", op.at()));
                    }
                }
            }
            out
        },
    );
}

/// Schema examples use the enum values the schema declares (a closed set
/// whose OpenAPI `enum` is not its wire form shows up here first).
#[test]
fn examples_match_enums() {
    fn enum_of<'a>(doc: &'a Value, s: &'a Value) -> Option<&'a Vec<Value>> {
        let s = resolve(doc, s);
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            return Some(e);
        }
        ["allOf", "oneOf", "anyOf"]
            .iter()
            .filter_map(|k| s.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|p| enum_of(doc, p))
    }
    fn check(doc: &Value, at: &str, schema: &Value, example: &Value, out: &mut Vec<String>) {
        let schema = resolve(doc, schema);
        match example {
            Value::Object(fields) => {
                for (name, v) in fields {
                    if let Some(prop) = schema["properties"].get(name) {
                        check(doc, &format!("{at}.{name}"), prop, v, out);
                    }
                }
            }
            Value::Array(xs) => {
                if let Some(items) = schema.get("items") {
                    for (i, v) in xs.iter().enumerate() {
                        check(doc, &format!("{at}[{i}]"), items, v, out);
                    }
                }
            }
            Value::Null => {}
            v => {
                if let Some(allowed) = enum_of(doc, schema)
                    && !allowed.contains(v)
                {
                    out.push(format!("{at}: example {v} is not one of {allowed:?}"));
                }
            }
        }
    }
    assert_clean(
        "schema examples use the values their enums declare",
        |doc| {
            let mut out = Vec::new();
            for (name, schema) in doc["components"]["schemas"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if let Some(example) = schema.get("example") {
                    check(doc, &format!("schema {name}"), schema, example, &mut out);
                }
            }
            out
        },
    );
}
