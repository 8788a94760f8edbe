//! Validation results that name the offending field.
use serde::Serialize;

/// Why a single value is unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// Machine-readable code, e.g. `too_long`, `invalid_email`.
    pub code: &'static str,
    /// Plain-English explanation.
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// One failed rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldViolation {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// All failed rules of one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, invalid: Invalid) -> Self {
        let mut v = Self::new();
        v.add(field, invalid);
        v
    }

    pub fn add(&mut self, field: &str, invalid: Invalid) {
        self.0.push(FieldViolation {
            field: field.to_owned(),
            code: invalid.code.to_owned(),
            message: invalid.message,
        });
    }

    /// Records the error of `result` under `field`, returning the value if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Trims `raw` and checks its length (in characters) is within `min..=max`.
pub fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        return Err(if min == 1 {
            Invalid::new("required", "must not be empty")
        } else {
            Invalid::new("too_short", format!("must be at least {min} characters"))
        });
    }
    if n > max {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(
            "control_characters",
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// Like [`bounded_text`] for a list: at most `max_items`, each item checked.
pub fn bounded_list(
    raw: &[String],
    max_items: usize,
    max_len: usize,
) -> Result<Vec<String>, Invalid> {
    if raw.len() > max_items {
        return Err(Invalid::new(
            "too_many",
            format!("must have at most {max_items} items"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, item) in raw.iter().enumerate() {
        let v = bounded_text(item, 1, max_len)
            .map_err(|e| Invalid::new(e.code, format!("item {i} {}", e.message)))?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
            out.push(v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_limits() {
        assert_eq!(bounded_text("  ab ", 1, 5).unwrap(), "ab");
        assert_eq!(bounded_text("   ", 1, 5).unwrap_err().code, "required");
        assert_eq!(bounded_text("abcdef", 1, 5).unwrap_err().code, "too_long");
        assert_eq!(
            bounded_text("a\u{0}b", 1, 5).unwrap_err().code,
            "control_characters"
        );
        assert_eq!(bounded_text("é漢字", 1, 3).unwrap(), "é漢字");
    }

    #[test]
    fn bounded_list_dedups_case_insensitively() {
        let l = vec!["A".to_owned(), "a".to_owned(), "b".to_owned()];
        assert_eq!(bounded_list(&l, 5, 10).unwrap(), vec!["A", "b"]);
        assert_eq!(bounded_list(&l, 2, 10).unwrap_err().code, "too_many");
    }

    #[test]
    fn violations_collect() {
        let mut v = Violations::new();
        assert_eq!(v.check("x", Ok::<_, Invalid>(1)), Some(1));
        assert!(
            v.check::<i32>("y", Err(Invalid::new("bad", "no")))
                .is_none()
        );
        assert_eq!(v.0[0].field, "y");
        assert!(v.into_result().is_err());
    }
}
