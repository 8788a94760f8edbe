//! Who sees what of a complaint, and who may handle it.
//!
//! A complaint names who raised it and says what happened. The person it is
//! about — the member complained about, or the other participant of the
//! match complained about — must never learn either from the API, even when
//! they manage the network: at most they see that a complaint exists. The
//! store looks up the caller's [`Relation`] to a complaint; these rules turn
//! it into what they see ([`view`]) and whether they may act on it
//! ([`handling`]).
use crate::closed_set;

/// How the caller stands to one complaint: facts looked up by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Relation {
    /// They raised it.
    pub complainant: bool,
    /// It is about them: they are the member complained about, or a
    /// participant (other than the complainant) of the match complained
    /// about.
    pub subject: bool,
    /// They handle its network's complaints: a manager of the network, or a
    /// platform admin.
    pub handler: bool,
}

/// What the caller sees of a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintView {
    /// Everything, the complainant, the text and the outcome note included
    /// (`view: "manager"`).
    Full,
    /// The complainant's own view: the status and the text they wrote, not
    /// the managers' outcome note (`view: "complainant"`).
    Complainant,
    /// Only that a complaint exists: its id, network, status and when it was
    /// raised (`view: "involved"`). Never who raised it, what it says, what
    /// it is about or the outcome note.
    ExistenceOnly,
    /// Nothing: answered as if it did not exist (404).
    Hidden,
}

closed_set!(
    /// Which view of a complaint a response holds (its `view` property, which
    /// tells the variants of a complaint apart).
    ComplaintViewKind {
        /// Everything ([`ComplaintView::Full`]).
        Manager => "manager",
        /// The complainant's own view ([`ComplaintView::Complainant`]).
        Complainant => "complainant",
        /// Only that it exists ([`ComplaintView::ExistenceOnly`]).
        Involved => "involved",
    }
);

impl ComplaintView {
    /// The `view` a response of this view carries; `None` for
    /// [`ComplaintView::Hidden`], which has no response.
    pub fn kind(self) -> Option<ComplaintViewKind> {
        match self {
            ComplaintView::Full => Some(ComplaintViewKind::Manager),
            ComplaintView::Complainant => Some(ComplaintViewKind::Complainant),
            ComplaintView::ExistenceOnly => Some(ComplaintViewKind::Involved),
            ComplaintView::Hidden => None,
        }
    }
}

/// Decides what `r` sees:
///
/// 1. The complainant sees their own complaint: the full view when they
///    also handle the network's complaints, the complainant view otherwise.
/// 2. Someone it is about sees at most that it exists: a handler (who would
///    otherwise see everything, and finds it in the network's list) sees
///    [`ComplaintView::ExistenceOnly`]; anyone else sees nothing, as before
///    they were involved.
/// 3. Other handlers see everything.
/// 4. Everyone else sees nothing.
pub fn view(r: Relation) -> ComplaintView {
    match r {
        Relation {
            complainant: true,
            handler,
            ..
        } => {
            if handler {
                ComplaintView::Full
            } else {
                ComplaintView::Complainant
            }
        }
        Relation {
            subject: true,
            handler,
            ..
        } => {
            if handler {
                ComplaintView::ExistenceOnly
            } else {
                ComplaintView::Hidden
            }
        }
        Relation { handler: true, .. } => ComplaintView::Full,
        _ => ComplaintView::Hidden,
    }
}

/// Whether the caller may move a complaint on or record its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// A handler it does not involve.
    Allowed,
    /// A handler who raised it or whom it is about (403
    /// `conflict-of-interest`): another manager or a platform admin handles
    /// it.
    ConflictOfInterest,
    /// Not a handler of its network.
    NotHandler,
}

/// Decides whether `r` may handle the complaint.
pub fn handling(r: Relation) -> Handling {
    if !r.handler {
        Handling::NotHandler
    } else if r.complainant || r.subject {
        Handling::ConflictOfInterest
    } else {
        Handling::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_relation() -> impl Iterator<Item = Relation> {
        (0..8u8).map(|bits| Relation {
            complainant: bits & 1 != 0,
            subject: bits & 2 != 0,
            handler: bits & 4 != 0,
        })
    }

    const fn rel(complainant: bool, subject: bool, handler: bool) -> Relation {
        Relation {
            complainant,
            subject,
            handler,
        }
    }

    #[test]
    fn the_person_a_complaint_is_about_never_sees_who_raised_it_or_what_it_says() {
        // A manager complained about: only that it exists.
        assert_eq!(view(rel(false, true, true)), ComplaintView::ExistenceOnly);
        // A member complained about: nothing, as before.
        assert_eq!(view(rel(false, true, false)), ComplaintView::Hidden);
        for r in every_relation().filter(|r| r.subject && !r.complainant) {
            assert!(
                matches!(
                    view(r),
                    ComplaintView::ExistenceOnly | ComplaintView::Hidden
                ),
                "{r:?} sees {:?}",
                view(r)
            );
        }
    }

    #[test]
    fn complainants_see_their_own_and_handlers_see_the_rest() {
        assert_eq!(view(rel(true, false, false)), ComplaintView::Complainant);
        assert_eq!(view(rel(true, false, true)), ComplaintView::Full);
        assert_eq!(view(rel(false, false, true)), ComplaintView::Full);
        assert_eq!(view(Relation::default()), ComplaintView::Hidden);
        // They wrote it, so their own text is not news to them.
        assert_eq!(view(rel(true, true, false)), ComplaintView::Complainant);
    }

    #[test]
    fn every_visible_view_names_its_kind() {
        assert_eq!(ComplaintView::Full.kind(), Some(ComplaintViewKind::Manager));
        assert_eq!(
            ComplaintView::Complainant.kind(),
            Some(ComplaintViewKind::Complainant)
        );
        assert_eq!(
            ComplaintView::ExistenceOnly.kind(),
            Some(ComplaintViewKind::Involved)
        );
        assert_eq!(ComplaintView::Hidden.kind(), None);
        for r in every_relation() {
            assert_eq!(view(r).kind().is_none(), view(r) == ComplaintView::Hidden);
        }
    }

    #[test]
    fn only_handlers_it_does_not_involve_handle_it() {
        for r in every_relation() {
            let expected = match (r.handler, r.complainant || r.subject) {
                (false, _) => Handling::NotHandler,
                (true, true) => Handling::ConflictOfInterest,
                (true, false) => Handling::Allowed,
            };
            assert_eq!(handling(r), expected, "{r:?}");
            if handling(r) == Handling::Allowed {
                assert_eq!(
                    view(r),
                    ComplaintView::Full,
                    "a handler acts on what they see"
                );
            }
        }
    }
}
