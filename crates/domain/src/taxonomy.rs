//! The profession and level taxonomy used by profiles, eligibility rules and
//! matching. Codes are stable API values; labels are for people.

use crate::validation::Invalid;

/// `(code, label)` of every profession PeerHub knows, after the
/// Psychological Professions taxonomy and the guild's practitioner roles.
pub const PROFESSIONS: &[(&str, &str)] = &[
    ("PWP", "Psychological Wellbeing Practitioner"),
    ("CYWP", "Children and Young People's Wellbeing Practitioner"),
    ("CWP", "Children's Wellbeing Practitioner"),
    ("EMHP", "Education Mental Health Practitioner"),
    ("MHWP", "Mental Health Wellbeing Practitioner"),
    ("CAP", "Clinical Associate in Psychology"),
    ("AP", "Assistant Practitioner / Assistant Psychologist"),
    ("APP", "Aspiring Psychological Professional"),
    ("CPPO", "Chief Psychological Professions Officer"),
    ("CLINICAL_PSYCHOLOGIST", "Clinical Psychologist"),
    ("COUNSELLING_PSYCHOLOGIST", "Counselling Psychologist"),
    ("FORENSIC_PSYCHOLOGIST", "Forensic Psychologist"),
    ("HEALTH_PSYCHOLOGIST", "Health Psychologist"),
    ("EDUCATIONAL_PSYCHOLOGIST", "Educational Psychologist"),
    ("OCCUPATIONAL_PSYCHOLOGIST", "Occupational Psychologist"),
    ("CBT_THERAPIST", "Cognitive Behavioural Psychotherapist"),
    ("PSYCHOTHERAPIST", "Psychotherapist"),
    (
        "CHILD_PSYCHOTHERAPIST",
        "Child and Adolescent Psychotherapist",
    ),
    ("FAMILY_THERAPIST", "Family and Systemic Psychotherapist"),
    ("ARTS_THERAPIST", "Arts Therapist"),
    ("COUNSELLOR", "Counsellor"),
    (
        "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        "Positive Psychology Practitioner",
    ),
    ("PEER_SUPPORT_WORKER", "Peer Support Worker"),
    ("NURSE", "Nurse"),
    ("DOCTOR", "Doctor"),
    ("ALLIED_HEALTH_PROFESSIONAL", "Allied Health Professional"),
    ("SOCIAL_WORKER", "Social Worker"),
    ("SOCIAL_CARE_WORKER", "Social Care Worker"),
    ("EDUCATION_PROVIDER", "Education or Training Provider"),
    ("PSYCHOLOGY_STUDENT", "Psychology Student"),
    ("EXPERT_BY_EXPERIENCE", "Expert by Experience"),
    ("OTHER", "Other"),
];

/// Career levels, least to most experienced.
pub const LEVELS: &[(&str, &str)] = &[
    ("trainee", "Trainee"),
    ("qualified", "Qualified"),
    ("senior", "Senior"),
    ("lead", "Lead"),
];

pub fn parse_profession(raw: &str) -> Result<String, Invalid> {
    let code = raw.trim().to_ascii_uppercase();
    if PROFESSIONS.iter().any(|(c, _)| *c == code) {
        Ok(code)
    } else {
        Err(Invalid::new(
            "unknown_profession",
            format!(
                "must be a profession code from the taxonomy ({}); see GET /v1/taxonomy",
                PROFESSIONS
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

pub fn parse_level(raw: &str) -> Result<String, Invalid> {
    let code = raw.trim().to_ascii_lowercase();
    if LEVELS.iter().any(|(c, _)| *c == code) {
        Ok(code)
    } else {
        Err(Invalid::new(
            "unknown_level",
            "must be one of trainee, qualified, senior, lead",
        ))
    }
}

/// Rank of a level (0 = trainee), for "at least as experienced" rules.
pub fn level_rank(code: &str) -> Option<usize> {
    LEVELS.iter().position(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn professions_are_case_insensitive_codes() {
        assert_eq!(parse_profession("pwp").unwrap(), "PWP");
        assert!(parse_profession("wizard").is_err());
        assert_eq!(parse_level("Senior").unwrap(), "senior");
        assert!(parse_level("guru").is_err());
        assert!(level_rank("lead") > level_rank("trainee"));
    }
}
