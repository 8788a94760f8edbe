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

crate::closed_set!(
    /// A profession code from the taxonomy (`GET /v1/taxonomy` gives each
    /// one's label), after the Psychological Professions taxonomy and the
    /// guild's practitioner roles.
    Profession {
        Pwp => "PWP",
        Cywp => "CYWP",
        Cwp => "CWP",
        Emhp => "EMHP",
        Mhwp => "MHWP",
        Cap => "CAP",
        Ap => "AP",
        App => "APP",
        Cppo => "CPPO",
        ClinicalPsychologist => "CLINICAL_PSYCHOLOGIST",
        CounsellingPsychologist => "COUNSELLING_PSYCHOLOGIST",
        ForensicPsychologist => "FORENSIC_PSYCHOLOGIST",
        HealthPsychologist => "HEALTH_PSYCHOLOGIST",
        EducationalPsychologist => "EDUCATIONAL_PSYCHOLOGIST",
        OccupationalPsychologist => "OCCUPATIONAL_PSYCHOLOGIST",
        CbtTherapist => "CBT_THERAPIST",
        Psychotherapist => "PSYCHOTHERAPIST",
        ChildPsychotherapist => "CHILD_PSYCHOTHERAPIST",
        FamilyTherapist => "FAMILY_THERAPIST",
        ArtsTherapist => "ARTS_THERAPIST",
        Counsellor => "COUNSELLOR",
        PositivePsychologyPractitioner => "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        PeerSupportWorker => "PEER_SUPPORT_WORKER",
        Nurse => "NURSE",
        Doctor => "DOCTOR",
        AlliedHealthProfessional => "ALLIED_HEALTH_PROFESSIONAL",
        SocialWorker => "SOCIAL_WORKER",
        SocialCareWorker => "SOCIAL_CARE_WORKER",
        EducationProvider => "EDUCATION_PROVIDER",
        PsychologyStudent => "PSYCHOLOGY_STUDENT",
        ExpertByExperience => "EXPERT_BY_EXPERIENCE",
        Other => "OTHER",
    }
);

crate::closed_set!(
    /// A career level, least to most experienced (the order of the
    /// variants, used by "at least as experienced" rules).
    CareerLevel { Trainee => "trainee", Qualified => "qualified", Senior => "senior", Lead => "lead" }
);

impl Profession {
    /// The label people read (from [`PROFESSIONS`]).
    pub fn label(self) -> &'static str {
        label_of(PROFESSIONS, self.as_str())
    }
}

impl CareerLevel {
    /// The label people read (from [`LEVELS`]).
    pub fn label(self) -> &'static str {
        label_of(LEVELS, self.as_str())
    }

    /// 0 for a trainee, up to 3 for a lead.
    pub fn rank(self) -> usize {
        self as usize
    }
}

fn label_of(table: &'static [(&'static str, &'static str)], code: &str) -> &'static str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| *l)
}

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

    #[test]
    fn the_enums_list_the_taxonomy_tables_in_order() {
        let codes =
            |t: &[(&'static str, &'static str)]| t.iter().map(|(c, _)| *c).collect::<Vec<_>>();
        let prof: Vec<&str> = Profession::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(prof, codes(PROFESSIONS));
        let lev: Vec<&str> = CareerLevel::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(lev, codes(LEVELS));
        for p in Profession::ALL {
            assert_eq!(parse_profession(p.as_str()).unwrap(), p.as_str());
            assert!(!p.label().is_empty());
        }
        for l in CareerLevel::ALL {
            assert_eq!(Some(l.rank()), level_rank(l.as_str()));
            assert!(!l.label().is_empty());
        }
        assert_eq!(
            Profession::Pwp.label(),
            "Psychological Wellbeing Practitioner"
        );
        assert!(CareerLevel::Lead > CareerLevel::Trainee);
    }
}
