//! The post-meeting feedback form, the "Triple A" (docs/governance.md):
//! after a CoP meeting its core team records a summary of what was
//! discussed, the outputs, and points that **advise**, **assure** or
//! **alert** the network's governance. A point of nature `escalation` is
//! raised as an escalation when the form is filed; a `commendation` is
//! reported as it is (a manager may still escalate it).
//!
//! Pure rules: what a form may say, who changes it, and how a change keeps
//! the points (and escalations) it did not touch. Who files one is the
//! access rule `CommunityNeed::Core` (the CoP's core team or a manager).
use crate::account::is_invisible;
use crate::closed_set;
use crate::minutes::bounded_text_multiline;
use crate::validation::{Invalid, Violations, bounded_text};

/// Longest content summary, in characters.
pub const MAX_SUMMARY: usize = 5000;
/// Most outputs a form lists.
pub const MAX_OUTPUTS: usize = 20;
/// Longest output, in characters.
pub const MAX_OUTPUT: usize = 500;
/// Most points a form holds.
pub const MAX_POINTS: usize = 30;
/// Longest point text, in characters.
pub const MAX_POINT_TEXT: usize = 2000;

closed_set!(
    /// What a point does: gives advice, gives assurance, or raises an alert.
    PointKind { Advise => "advise", Assure => "assure", Alert => "alert" }
);

closed_set!(
    /// Whether a point needs action by governance (`escalation`, raised
    /// automatically) or reports good practice (`commendation`).
    PointNature { Escalation => "escalation", Commendation => "commendation" }
);

/// One point as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointInput {
    pub kind: PointKind,
    pub nature: PointNature,
    pub text: String,
}

/// A form as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormInput {
    pub content_summary: String,
    pub outputs: Vec<String>,
    pub points: Vec<PointInput>,
}

/// One point once checked (text trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub kind: PointKind,
    pub nature: PointNature,
    pub text: String,
}

/// A form once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub content_summary: String,
    pub outputs: Vec<String>,
    pub points: Vec<Point>,
}

fn visible(s: String) -> Result<String, Invalid> {
    if s.chars().any(is_invisible) {
        return Err(Invalid::new(
            "invisible_characters",
            "must not contain invisible or text-direction characters (such as zero-width spaces, joiners or right-to-left overrides)",
        ));
    }
    Ok(s)
}

/// Free text that may span lines: 1–`max` characters once trimmed,
/// newlines and tabs allowed, no other control characters, and no
/// invisible or text-direction characters ([`is_invisible`]).
pub fn parse_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let s = bounded_text_multiline(raw, max)?;
    if s.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    visible(s)
}

/// One output: 1–[`MAX_OUTPUT`] characters on one line, no invisible
/// characters.
pub fn parse_output(raw: &str) -> Result<String, Invalid> {
    visible(bounded_text(raw, 1, MAX_OUTPUT)?)
}

/// Checks a whole form: `content_summary` 1–[`MAX_SUMMARY`] characters;
/// at most [`MAX_OUTPUTS`] `outputs` (`outputs[i]` each checked by
/// [`parse_output`]); at most [`MAX_POINTS`] `points` (`points[i].text`
/// 1–[`MAX_POINT_TEXT`] characters). Every violation is named.
pub fn check(input: &FormInput) -> Result<Form, Violations> {
    let mut v = Violations::new();
    let summary = v.check(
        "content_summary",
        parse_text(&input.content_summary, MAX_SUMMARY),
    );
    let mut outputs = Vec::new();
    if input.outputs.len() > MAX_OUTPUTS {
        v.add(
            "outputs",
            Invalid::new("too_many", format!("must have at most {MAX_OUTPUTS} items")),
        );
    } else {
        for (i, o) in input.outputs.iter().enumerate() {
            if let Some(o) = v.check(&format!("outputs[{i}]"), parse_output(o)) {
                outputs.push(o);
            }
        }
    }
    let mut points = Vec::new();
    if input.points.len() > MAX_POINTS {
        v.add(
            "points",
            Invalid::new("too_many", format!("must have at most {MAX_POINTS} items")),
        );
    } else {
        for (i, p) in input.points.iter().enumerate() {
            if let Some(text) = v.check(
                &format!("points[{i}].text"),
                parse_text(&p.text, MAX_POINT_TEXT),
            ) {
                points.push(Point {
                    kind: p.kind,
                    nature: p.nature,
                    text,
                });
            }
        }
    }
    v.into_result()?;
    Ok(Form {
        content_summary: summary.unwrap_or_default(),
        outputs,
        points,
    })
}

/// Why a request about a feedback form is refused. Owns the problem codes
/// and messages (docs/api-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackRefusal {
    /// The meeting already has its form (409 `feedback-exists`).
    Exists,
    /// Someone other than the form's author or a manager changes it (403
    /// `not-feedback-author`).
    NotAuthor,
    /// An escalation of the form has been triaged (409 `feedback-triaged`).
    Triaged,
    /// A manager escalates a point that is already an escalation (409
    /// `already-escalated`).
    AlreadyEscalated,
}

impl FeedbackRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Exists => "feedback-exists",
            Self::NotAuthor => "not-feedback-author",
            Self::Triaged => "feedback-triaged",
            Self::AlreadyEscalated => "already-escalated",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Exists => {
                "this meeting already has its feedback form; change it with PUT and If-Match"
            }
            Self::NotAuthor => {
                "only the person who filed the feedback form or a manager of the network may change it"
            }
            Self::Triaged => {
                "an escalation raised from this form has been triaged, so the form can no longer change"
            }
            Self::AlreadyEscalated => "this point has already been escalated",
        }
    }
}

impl From<FeedbackRefusal> for crate::Refusal {
    fn from(r: FeedbackRefusal) -> Self {
        match r {
            FeedbackRefusal::NotAuthor => crate::Refusal::forbidden(r.code(), r.message()),
            _ => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// Who changes a filed form, and until when: its author or a manager,
/// while none of its escalations has left `raised`.
pub fn may_change(
    is_author: bool,
    is_manager: bool,
    any_triaged: bool,
) -> Result<(), FeedbackRefusal> {
    if !is_author && !is_manager {
        return Err(FeedbackRefusal::NotAuthor);
    }
    if any_triaged {
        return Err(FeedbackRefusal::Triaged);
    }
    Ok(())
}

/// How a change treats the points already stored: for each new point, the
/// index of an old point it keeps (same kind, nature and text, each old
/// point kept at most once, first match in order), or `None` for a new
/// point. Old points not kept are removed, with the escalations raised
/// from them (which are all still `raised`, see [`may_change`]).
pub fn keep(old: &[Point], new: &[Point]) -> Vec<Option<usize>> {
    let mut used = vec![false; old.len()];
    new.iter()
        .map(|n| {
            let i = old
                .iter()
                .enumerate()
                .position(|(i, o)| !used[i] && o == n)?;
            used[i] = true;
            Some(i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(kind: PointKind, nature: PointNature, text: &str) -> PointInput {
        PointInput {
            kind,
            nature,
            text: text.into(),
        }
    }

    fn form(summary: &str, outputs: &[&str], points: Vec<PointInput>) -> FormInput {
        FormInput {
            content_summary: summary.into(),
            outputs: outputs.iter().map(|s| (*s).to_owned()).collect(),
            points,
        }
    }

    #[test]
    fn a_good_form_is_trimmed_and_kept_in_order() {
        let f = check(&form(
            " We discussed caseloads.\nAnd supervision. ",
            &[" A shared template "],
            vec![
                point(
                    PointKind::Alert,
                    PointNature::Escalation,
                    " Waiting lists grow ",
                ),
                point(
                    PointKind::Assure,
                    PointNature::Commendation,
                    "Supervision works",
                ),
            ],
        ))
        .unwrap();
        assert_eq!(
            f.content_summary,
            "We discussed caseloads.\nAnd supervision."
        );
        assert_eq!(f.outputs, ["A shared template"]);
        assert_eq!(f.points[0].text, "Waiting lists grow");
        assert_eq!(f.points[1].kind, PointKind::Assure);
        assert!(check(&form("x", &[], vec![])).is_ok());
    }

    #[test]
    fn limits_are_named_by_field() {
        let fields = |f: FormInput| -> Vec<(String, String)> {
            check(&f)
                .unwrap_err()
                .0
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect()
        };
        let p = |t: &str| point(PointKind::Advise, PointNature::Commendation, t);
        assert_eq!(
            fields(form(" ", &[], vec![])),
            [("content_summary".into(), "required".into())]
        );
        assert_eq!(
            fields(form(&"s".repeat(MAX_SUMMARY + 1), &[], vec![])),
            [("content_summary".into(), "too_long".into())]
        );
        assert!(check(&form(&"s".repeat(MAX_SUMMARY), &[], vec![])).is_ok());
        let many: Vec<&str> = vec!["o"; MAX_OUTPUTS + 1];
        assert_eq!(
            fields(form("s", &many, vec![])),
            [("outputs".into(), "too_many".into())]
        );
        assert!(check(&form("s", &many[..MAX_OUTPUTS], vec![])).is_ok());
        let long = "o".repeat(MAX_OUTPUT + 1);
        assert_eq!(
            fields(form("s", &["ok", "", &long], vec![])),
            [
                ("outputs[1]".into(), "required".into()),
                ("outputs[2]".into(), "too_long".into())
            ]
        );
        assert_eq!(
            fields(form("s", &["a\nb"], vec![])),
            [("outputs[0]".into(), "control_characters".into())]
        );
        let points: Vec<PointInput> = (0..=MAX_POINTS).map(|_| p("t")).collect();
        assert_eq!(
            fields(form("s", &[], points.clone())),
            [("points".into(), "too_many".into())]
        );
        assert!(check(&form("s", &[], points[..MAX_POINTS].to_vec())).is_ok());
        assert_eq!(
            fields(form(
                "s",
                &[],
                vec![p("ok"), p("ok"), p(&"t".repeat(MAX_POINT_TEXT + 1))]
            )),
            [("points[2].text".into(), "too_long".into())]
        );
        assert_eq!(
            fields(form("s", &[], vec![p("  ")])),
            [("points[0].text".into(), "required".into())]
        );
    }

    #[test]
    fn invisible_and_direction_characters_are_refused_everywhere() {
        for bad in ["zero\u{200b}width", "\u{202e}desrever", "soft\u{ad}hyphen"] {
            let e = check(&form(
                bad,
                &[bad],
                vec![point(PointKind::Alert, PointNature::Escalation, bad)],
            ))
            .unwrap_err();
            let got: Vec<(&str, &str)> =
                e.0.iter()
                    .map(|v| (v.field.as_str(), v.code.as_str()))
                    .collect();
            assert_eq!(
                got,
                [
                    ("content_summary", "invisible_characters"),
                    ("outputs[0]", "invisible_characters"),
                    ("points[0].text", "invisible_characters")
                ],
                "{bad:?}"
            );
        }
        // Newlines and tabs are fine in long texts.
        assert!(parse_text("a\n\tb", 10).is_ok());
        assert_eq!(
            parse_text("a\u{7}b", 10).unwrap_err().code,
            "control_characters"
        );
    }

    #[test]
    fn closed_sets_name_their_values() {
        use crate::closed::ClosedSet;
        assert_eq!(PointKind::allowed(), "advise, assure, alert");
        assert_eq!(PointNature::allowed(), "escalation, commendation");
        assert_eq!(
            PointKind::parse_field("warn").unwrap_err().code,
            "invalid_value"
        );
    }

    #[test]
    fn author_or_manager_changes_until_triaged() {
        assert_eq!(may_change(true, false, false), Ok(()));
        assert_eq!(may_change(false, true, false), Ok(()));
        assert_eq!(
            may_change(false, false, false),
            Err(FeedbackRefusal::NotAuthor)
        );
        assert_eq!(may_change(true, true, true), Err(FeedbackRefusal::Triaged));
        assert_eq!(FeedbackRefusal::Triaged.code(), "feedback-triaged");
        let r = crate::Refusal::from(FeedbackRefusal::NotAuthor);
        assert!(matches!(
            r,
            crate::Refusal::Forbidden {
                code: "not-feedback-author",
                ..
            }
        ));
        let r = crate::Refusal::from(FeedbackRefusal::Exists);
        assert!(matches!(
            r,
            crate::Refusal::Conflict {
                code: "feedback-exists",
                ..
            }
        ));
    }

    #[test]
    fn unchanged_points_are_kept_once_each() {
        let pt = |k, n, t: &str| Point {
            kind: k,
            nature: n,
            text: t.into(),
        };
        use PointKind::*;
        use PointNature::*;
        let old = vec![
            pt(Alert, Escalation, "a"),
            pt(Advise, Commendation, "b"),
            pt(Alert, Escalation, "a"),
        ];
        let new = vec![
            pt(Advise, Commendation, "b"),
            pt(Alert, Escalation, "a"),
            pt(Alert, Commendation, "a"),
            pt(Alert, Escalation, "a"),
            pt(Alert, Escalation, "a"),
        ];
        assert_eq!(keep(&old, &new), [Some(1), Some(0), None, Some(2), None]);
        assert_eq!(keep(&old, &[]), Vec::<Option<usize>>::new());
        assert_eq!(keep(&[], &old), [None, None, None]);
    }
}
