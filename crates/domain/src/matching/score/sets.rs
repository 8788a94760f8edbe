//! The closed sets of scoring: programme kinds, meeting modes, score
//! features and sensitive attributes.
use crate::closed_set;

closed_set!(
    /// The kind of a matching programme. `mutual`: peer exchange, any two
    /// members waiting pair up. `supporter`: trained, supervised
    /// supporters with a capacity give 1:1 support to peers who ask for it.
    ProgrammeKind { Mutual => "mutual", Supporter => "supporter" }
);

closed_set!(
    /// How a requester wants to meet the other person: `in_person`, `online`
    /// or `either` (the same as stating nothing).
    PreferredMeetingMode { InPerson => "in_person", Online => "online", Either => "either" }
);

closed_set!(
    /// A feature of the score: each has its weight, and every reason names
    /// the one its points come from.
    ScoreFeature {
        /// The same profession.
        Profession => "profession",
        /// Specialties in common.
        Specialties => "specialties",
        /// Level fit.
        Level => "level",
        /// The same region, meeting in person.
        Region => "region",
        /// Shared interests.
        Interests => "interests",
        /// The requester's stated preferences met.
        Preferences => "preferences",
    }
);

closed_set!(
    /// A sensitive attribute a profile may self-declare
    /// ([`SensitiveAttributes`](crate::profile::SensitiveAttributes)) and a preference may name.
    SensitiveAttribute {
        Gender => "gender",
        Ethnicity => "ethnicity",
        AgeBand => "age_band",
        SexualOrientation => "sexual_orientation",
        Disability => "disability",
        ReligionOrBelief => "religion_or_belief",
        Culture => "culture",
    }
);
