//! Comparing texts and codes trimmed and case-insensitively (quickly: most
//! pairs differ at the first character), and the small grading rules.
use super::participant::Participant;
use super::sets::PreferredMeetingMode;
use crate::taxonomy::LEVELS;

/// `s` without leading and trailing white space, like [`str::trim`]; quick
/// when it starts and ends with a visible ASCII character, as most texts do.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Whether two texts or codes are the same, trimmed and case-insensitively:
/// whether their [`key`]s are equal, without building them.
pub(super) fn same_key(a: &str, b: &str) -> bool {
    if equal(a, b) {
        return true;
    }
    let (a, b) = (trim(a), trim(b));
    // Most texts differ from the first character: two ASCII characters that
    // are not the same letter whatever the case lower-case differently.
    if let (Some(x), Some(y)) = (a.as_bytes().first(), b.as_bytes().first())
        && x.is_ascii()
        && y.is_ascii()
        && !x.eq_ignore_ascii_case(y)
    {
        return false;
    }
    // Equal up to the case of ASCII letters (other bytes equal): the same
    // characters up to case.
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// `a == b`, quicker when they differ in length or first byte, as most
/// short texts that differ do.
pub(super) fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// `s` trimmed and lower-cased: `same_key(a, b)` is `key(a) == key(b)`, and
/// a key is its own key.
pub(super) fn key(s: &str) -> String {
    let s = trim(s);
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.chars().flat_map(char::to_lowercase).collect()
    }
}

/// A non-empty trimmed value.
pub(super) fn value(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(trim).filter(|s| !s.is_empty())
}

/// Whether `a` and `b` are the same key: [`same_key`], or plain equality
/// when both are [`key`]s already (`KEYED`: texts of [`Keyed`] participants).
pub(super) fn same_as<const KEYED: bool>(a: &str, b: &str) -> bool {
    if KEYED { equal(a, b) } else { same_key(a, b) }
}

pub(super) fn same<const KEYED: bool>(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((value(a), value(b)), (Some(x), Some(y)) if same_as::<KEYED>(x, y))
}

/// Whether `s` is in one of the lists of `theirs`.
pub(super) fn in_any<const KEYED: bool>(s: &str, theirs: &[&[String]]) -> bool {
    theirs
        .iter()
        .any(|l| l.iter().any(|t| same_as::<KEYED>(s, t)))
}

/// Items of `mine` (trimmed, in order, first spelling kept) also in one of
/// the lists of `theirs`.
/// Lists are short (at most 30 items), so pairwise comparison is cheapest.
pub(super) fn common<'a>(mine: &'a [String], theirs: &[&[String]]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for s in mine.iter().map(|s| trim(s)).filter(|s| !s.is_empty()) {
        if in_any::<false>(s, theirs) && !out.iter().any(|o| same_key(o, s)) {
            out.push(s);
        }
    }
    out
}

/// `common(mine, theirs).len().min(cap)` for `cap` 1 or 2, allocating
/// nothing: it is enough to know the first item in common.
pub(super) fn count_common<const KEYED: bool>(
    mine: &[String],
    theirs: &[&[String]],
    cap: usize,
) -> usize {
    let mut first: Option<&str> = None;
    for s in mine.iter().map(|s| trim(s)).filter(|s| !s.is_empty()) {
        match first {
            Some(f) if same_as::<KEYED>(f, s) => {}
            _ if !in_any::<KEYED>(s, theirs) => {}
            Some(_) => return 2.min(cap),
            None if cap <= 1 => return 1,
            None => first = Some(s),
        }
    }
    usize::from(first.is_some())
}

/// The number of items in common for [`graded`] (exact when explaining,
/// else at most 2, which [`graded`] does not tell from more), and the items
/// when explaining.
pub(super) fn shared<'a, const KEYED: bool>(
    mine: &'a [String],
    theirs: &[String],
    explain: bool,
) -> (usize, Vec<&'a str>) {
    if explain {
        let items = common(mine, &[theirs]);
        (items.len(), items)
    } else {
        (count_common::<KEYED>(mine, &[theirs], 2), Vec::new())
    }
}

/// Rank of a level (0 = trainee), whatever its case.
pub(super) fn rank<const KEYED: bool>(level: &str) -> Option<usize> {
    // The codes are keys.
    LEVELS
        .iter()
        .position(|(code, _)| same_as::<KEYED>(code, level))
}

/// Half the points, rounded up.
pub(super) fn half(w: i64) -> i64 {
    w - w / 2
}

/// Full points for 2 or more items in common, half for 1.
pub(super) fn graded(n: usize, w: i64) -> i64 {
    match n {
        0 => 0,
        1 => half(w),
        _ => w,
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn humanise(attribute: &str) -> String {
    attribute.replace('_', " ")
}

pub(super) fn mode(p: &Participant) -> PreferredMeetingMode {
    p.preferences.mode.unwrap_or(PreferredMeetingMode::Either)
}
