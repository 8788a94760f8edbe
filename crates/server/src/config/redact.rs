//! Hiding the passwords in connection URLs, in the configuration's output
//! and in error messages that quote a URL.

/// The text that replaces a password.
const REDACTED: &str = "redacted";

/// Hides the password in a URL such as `postgres://user:secret@host/db`,
/// and the value of any query parameter whose name contains `pass`
/// (libpq's `?password=`, `sslpassword`, `passfile`). A URL that does not
/// parse (a bad port, say) is redacted textually the same way, so the
/// password never survives a typo elsewhere in the URL.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut u) = url::Url::parse(raw) else {
        return redact_unparsed(raw);
    };
    if u.password().is_some() {
        let _ = u.set_password(Some(REDACTED));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let value = if is_secret_key(&k) {
                    REDACTED.into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Replaces, in `text`, the URL `url` with [`redact_url`]'s form of it and
/// then any remaining copy of its secrets (the password, raw or
/// percent-decoded, and secret query values): error messages quote URLs
/// whole, in part, or decoded.
pub fn redact_in(text: &str, url: &str) -> String {
    if url.is_empty() {
        return text.to_owned();
    }
    let mut out = text.replace(url, &redact_url(url));
    for secret in secrets_of(url) {
        out = out.replace(&secret, REDACTED);
    }
    out
}

fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("pass")
}

/// `scheme://user:password@host…`: the byte range of `password`, found
/// without parsing the rest of the URL.
fn password_range(raw: &str) -> Option<std::ops::Range<usize>> {
    let start = raw.find("://")? + 3;
    let rest = &raw[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

/// The secret query values, as `(start, end)` byte ranges.
fn query_secret_ranges(raw: &str) -> Vec<std::ops::Range<usize>> {
    let Some(q) = raw.find('?') else {
        return Vec::new();
    };
    let end = raw[q..].find('#').map_or(raw.len(), |i| q + i);
    let mut ranges = Vec::new();
    let mut pos = q + 1;
    for pair in raw[q + 1..end].split('&') {
        if let Some(eq) = pair.find('=')
            && is_secret_key(&pair[..eq])
            && eq + 1 < pair.len()
        {
            ranges.push(pos + eq + 1..pos + pair.len());
        }
        pos += pair.len() + 1;
    }
    ranges
}

fn redact_unparsed(raw: &str) -> String {
    let mut ranges = query_secret_ranges(raw);
    ranges.extend(password_range(raw).filter(|r| !r.is_empty()));
    ranges.sort_by_key(|r| std::cmp::Reverse(r.start));
    let mut out = raw.to_owned();
    for r in ranges {
        out.replace_range(r, REDACTED);
    }
    out
}

/// The secrets of `url` as they may appear in a message: raw and
/// percent-decoded, longest first (so a decoded form that contains the raw
/// one is replaced whole).
fn secrets_of(url: &str) -> Vec<String> {
    let mut raw: Vec<&str> = query_secret_ranges(url)
        .into_iter()
        .map(|r| &url[r])
        .collect();
    if let Some(r) = password_range(url) {
        raw.push(&url[r]);
    }
    let mut all: Vec<String> = Vec::new();
    for s in raw.into_iter().filter(|s| !s.is_empty()) {
        all.push(s.to_owned());
        let decoded = url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned());
        if let Some(d) = decoded.filter(|d| !d.is_empty() && d != s) {
            all.push(d);
        }
    }
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:redacted@h/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=secret&sslmode=require"),
            "postgres://h/db?user=u&password=redacted&sslmode=require"
        );
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }

    #[test]
    fn redacts_urls_that_do_not_parse() {
        assert_eq!(
            redact_url("postgres://u:s3cretpw@127.0.0.1:5432:99/x"),
            "postgres://u:redacted@127.0.0.1:5432:99/x"
        );
        assert_eq!(
            redact_url("postgres://u:p@ss@h:bad/x?sslpassword=k&a=b"),
            "postgres://u:redacted@h:bad/x?sslpassword=redacted&a=b"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("postgres://u@h:x/db"), "postgres://u@h:x/db");
    }

    #[test]
    fn redacts_secrets_quoted_in_messages() {
        let url = "postgres://u:s%40cret@127.0.0.1:5432:99/x";
        let msg = format!("error with {url}: password s@cret, raw s%40cret");
        let out = redact_in(&msg, url);
        assert!(!out.contains("cret"), "{out}");
        assert!(out.contains("postgres://u:redacted@127.0.0.1:5432:99/x"));
        assert_eq!(redact_in("nothing here", "sqlite://x.db"), "nothing here");
    }
}
