//! People, credentials and roles.
use icu_properties::CodePointSetData;
use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use crate::validation::Invalid;

/// A normalised email address: NFKC-normalised, trimmed and lower-cased, so
/// that full-width or other compatibility forms of one address compare equal
/// (`ｓａｍ@ｎｈｓ.ｎｅｔ` is `sam@nhs.net`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Accepts `local@domain` with a dotted domain of letters, digits and
    /// hyphens. Deliberately stricter than RFC 5322: no quoted local parts,
    /// no IP literals, no spaces. The input is NFKC-normalised, trimmed and
    /// lower-cased first; invisible or text-direction characters
    /// ([`is_invisible`]) are refused with `invisible_characters`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        // Far longer than any address even before normalisation (NFKC can
        // turn one character into many, so the length is checked again).
        if raw.len() > 4 * Self::MAX_LEN {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let s: String = raw.trim().nfkc().collect();
        let s = s.trim().to_lowercase();
        let bad = || {
            Invalid::new(
                "invalid_email",
                "must be an email address like name@nhs.net",
            )
        };
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.chars().any(is_invisible) {
            return Err(Invalid::new(
                "invisible_characters",
                "must not contain invisible or text-direction characters (such as zero-width spaces or right-to-left marks); type the address rather than pasting it",
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return Err(bad());
        }
        parse_domain(domain).map_err(|_| bad())?;
        if !domain.contains('.') {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a DNS domain name (lower-cased): labels of letters, digits
/// and inner hyphens, 1–63 characters each, 253 at most in all.
pub fn parse_domain(raw: &str) -> Result<String, Invalid> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    let bad = || Invalid::new("invalid_domain", "must be a domain name like nhs.net");
    if d.is_empty() || d.len() > 253 {
        return Err(bad());
    }
    for label in d.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad());
        }
    }
    Ok(d)
}

/// True when `email`'s domain is `allowed` itself or a subdomain of it:
/// `nhs.net` allows `x@nhs.net` and `x@trust.nhs.net`, not `x@evilnhs.net`.
pub fn domain_allowed(email: &Email, allowed: &[String]) -> bool {
    let domain = email.domain();
    allowed.iter().any(|a| {
        let a = a.trim().trim_end_matches('.').to_ascii_lowercase();
        !a.is_empty()
            && (domain == a
                || (domain.len() > a.len()
                    && domain.ends_with(&a)
                    && domain.as_bytes()[domain.len() - a.len() - 1] == b'.'))
    })
}

/// True for a character that is not displayed or that changes the direction
/// of the text around it: Unicode `Bidi_Control` (U+061C, U+200E/F,
/// U+202A–U+202E, U+2066–U+2069) or `Default_Ignorable_Code_Point`
/// (zero-width spaces and joiners, U+FEFF, the soft hyphen, variation
/// selectors, Hangul fillers, tag characters, …). The sets come from the
/// Unicode Character Database compiled into `icu_properties` (ICU4X).
pub fn is_invisible(c: char) -> bool {
    CodePointSetData::new::<BidiControl>().contains(c)
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

/// Shortest and longest password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
/// The lowest zxcvbn score (0–4) a new password may have. 3 means zxcvbn
/// estimates at least 10^8 guesses.
pub const PASSWORD_MIN_SCORE: u8 = 3;
/// Parts of the email address or context shorter than this (in characters)
/// are not looked for inside a password.
const PERSONAL_MIN_CHARS: usize = 4;

/// The password rule, stated to users in docs and CLI help. Each failure
/// has its own, more specific message.
pub const PASSWORD_RULE: &str = "must be 12 to 128 characters, not all the same character, not the email address, not built from the email address or the network's name, and not a common or easily guessed password";

const PERSONAL_INFO_ADVICE: &str =
    "Use a few words that have nothing to do with you or this network.";

/// Checks a new password against [`PASSWORD_RULE`], with no context.
pub fn check_password(password: &str, email: Option<&str>) -> Result<(), Invalid> {
    check_new_password(password, email, &[])
}

/// Checks a new password against [`PASSWORD_RULE`]. `context` holds other
/// words tied to the account, such as the network's name: the password must
/// not be built from them or from `email`.
///
/// Codes, checked in this order:
/// - `weak_password`: not 12 to 128 characters, one character repeated, or
///   the email address or its local part itself;
/// - `contains_personal_info`: contains the email address, its local part or
///   a context string (compared case-insensitively, ignoring punctuation and
///   spaces, for values of 4 characters or more); or at least half of it is
///   made of such values and their words; or it is guessable (below) mainly
///   thanks to them;
/// - `too_common`: zxcvbn scores it below [`PASSWORD_MIN_SCORE`] and it is,
///   or is close to, a password from zxcvbn's frequency list;
/// - `too_guessable`: zxcvbn scores it below [`PASSWORD_MIN_SCORE`] for any
///   other reason (keyboard rows, repeats, sequences, dates, single words).
///
/// The email, its local part, its domain labels and each context string
/// (and its words) are given to zxcvbn as user inputs, so passwords built
/// from them score low.
pub fn check_new_password(
    password: &str,
    email: Option<&str>,
    context: &[&str],
) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(Invalid::new(
            "weak_password",
            format!(
                "must be 12 to 128 characters; this one has {n}. A few unrelated words make a long password that is still easy to remember."
            ),
        ));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(Invalid::new(
            "weak_password",
            format!("must be 12 to 128 characters; this one has {n}."),
        ));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(Invalid::new(
            "weak_password",
            "must not be one character repeated. A few unrelated words make a strong password.",
        ));
    }
    if let Some(e) = email
        && (password.eq_ignore_ascii_case(e)
            || e.split('@')
                .next()
                .is_some_and(|l| password.eq_ignore_ascii_case(l)))
    {
        return Err(Invalid::new(
            "weak_password",
            "must not be your email address or the part of it before the @.",
        ));
    }

    let personal = Personal::new(email, context);
    let folded = fold(password);
    if personal.whole.iter().any(|w| folded.contains(w.as_str())) {
        return Err(personal_info(
            "must not contain your email address, the part of it before the @, or the network's name.",
        ));
    }

    let inputs: Vec<&str> = personal.zxcvbn.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if personal.covers_half(password, &entropy) {
        return Err(personal_info(
            "must not be built from your email address or the network's name.",
        ));
    }
    if u8::from(entropy.score()) >= PASSWORD_MIN_SCORE {
        return Ok(());
    }
    let feedback = entropy
        .feedback()
        .map(|f| f.to_string().trim().to_owned())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "Add another word or two. Uncommon words are better.".to_owned());
    let uses_personal = entropy.sequence().iter().any(|m| match &m.pattern {
        MatchPattern::Dictionary(d) => personal.is_piece(&d.matched_word),
        _ => false,
    });
    if uses_personal {
        return Err(personal_info(
            "is too easy to guess for someone who knows your email address or the network's name.",
        ));
    }
    let common = entropy
        .feedback()
        .and_then(|f| f.warning())
        .is_some_and(|w| {
            matches!(
                w,
                Warning::ThisIsATop10Password
                    | Warning::ThisIsATop100Password
                    | Warning::ThisIsACommonPassword
                    | Warning::ThisIsSimilarToACommonlyUsedPassword
            )
        });
    if common {
        Err(Invalid::new(
            "too_common",
            format!(
                "is a commonly used password, or too close to one, so it would be among the first guesses. {feedback}"
            ),
        ))
    } else {
        Err(Invalid::new(
            "too_guessable",
            format!("is too easy to guess. {feedback}"),
        ))
    }
}

fn personal_info(what: &str) -> Invalid {
    Invalid::new(
        "contains_personal_info",
        format!("{what} {PERSONAL_INFO_ADVICE}"),
    )
}

/// NFKC, lower-cased, letters and digits only: `Sam.Patel` → `sampatel`.
fn fold(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The lower-cased words (runs of letters and digits) of `s`.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// What a password must not be built from: the email address and context.
struct Personal {
    /// User inputs for zxcvbn (lower-cased, de-duplicated): the email, its
    /// local part and its words, its domain labels, each context string,
    /// its folded form and its words.
    zxcvbn: Vec<String>,
    /// Folded whole values (email, local part, each context string) of at
    /// least [`PERSONAL_MIN_CHARS`]: the folded password must contain none.
    whole: Vec<String>,
    /// Lower-cased values and words of at least [`PERSONAL_MIN_CHARS`] whose
    /// occurrences count towards "built from". Domain labels are left out:
    /// they are shared by everyone in the organisation.
    pieces: Vec<String>,
}

impl Personal {
    fn new(email: Option<&str>, context: &[&str]) -> Self {
        let mut p = Self {
            zxcvbn: Vec::new(),
            whole: Vec::new(),
            pieces: Vec::new(),
        };
        if let Some(e) = email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
        {
            let (local, domain) = e.rsplit_once('@').unwrap_or((e.as_str(), ""));
            p.add_whole(&e);
            p.add_whole(local);
            for w in words(local) {
                p.add_input(&w);
                p.add_piece(&w);
            }
            for label in words(domain) {
                p.add_input(&label);
            }
        }
        for c in context {
            let c = c.trim().to_lowercase();
            if c.is_empty() {
                continue;
            }
            p.add_whole(&c);
            let folded = fold(&c);
            p.add_input(&folded);
            p.add_piece(&folded);
            for w in words(&c) {
                p.add_input(&w);
                p.add_piece(&w);
            }
        }
        p
    }

    /// A value that is both a zxcvbn input and, when long enough, a whole
    /// value and a piece.
    fn add_whole(&mut self, value: &str) {
        self.add_input(value);
        self.add_piece(value);
        let folded = fold(value);
        if folded.chars().count() >= PERSONAL_MIN_CHARS && !self.whole.contains(&folded) {
            self.whole.push(folded);
        }
    }

    fn add_input(&mut self, value: &str) {
        if !value.is_empty() && !self.zxcvbn.iter().any(|v| v == value) {
            self.zxcvbn.push(value.to_owned());
        }
    }

    fn add_piece(&mut self, value: &str) {
        if value.chars().count() >= PERSONAL_MIN_CHARS && !self.is_piece(value) {
            self.pieces.push(value.to_owned());
        }
    }

    fn is_piece(&self, value: &str) -> bool {
        self.pieces.iter().any(|p| p == value)
    }

    /// True when at least half of the password's characters belong to
    /// occurrences of the pieces: found literally (case-insensitively) or by
    /// zxcvbn (which also sees reversed and l33t-spelt words).
    fn covers_half(&self, password: &str, entropy: &zxcvbn::Entropy) -> bool {
        let lower: Vec<char> = password
            .chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect();
        if lower.is_empty() {
            return false;
        }
        let mut covered = vec![false; lower.len()];
        for piece in &self.pieces {
            let piece: Vec<char> = piece.chars().collect();
            if piece.is_empty() || piece.len() > lower.len() {
                continue;
            }
            for start in 0..=lower.len() - piece.len() {
                if lower[start..start + piece.len()] == piece[..] {
                    covered[start..start + piece.len()].fill(true);
                }
            }
        }
        for m in entropy.sequence() {
            if let MatchPattern::Dictionary(d) = &m.pattern
                && self.is_piece(&d.matched_word)
            {
                for i in m.i..=m.j {
                    if let Some(c) = covered.get_mut(i) {
                        *c = true;
                    }
                }
            }
        }
        2 * covered.iter().filter(|c| **c).count() >= lower.len()
    }
}

/// Display names: 1–100 characters once trimmed, not only whitespace, no
/// control characters, and no invisible or text-direction characters
/// ([`is_invisible`], code `invisible_characters`), which could hide or
/// reorder what other members see.
pub fn parse_display_name(raw: &str) -> Result<String, Invalid> {
    let name = crate::validation::bounded_text(raw, 1, 100)?;
    if name.chars().all(char::is_whitespace) {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if name.chars().any(is_invisible) {
        return Err(Invalid::new(
            "invisible_characters",
            "must not contain invisible or text-direction characters (such as zero-width spaces, joiners or right-to-left overrides)",
        ));
    }
    Ok(name)
}

crate::closed_set!(
    /// Where an account stands: `pending_verification` until the email
    /// address is proven, then `active`; a platform admin may make it
    /// `disabled` (and `active` again); `erased` at the person's request
    /// (pseudonymised, cannot log in).
    UserStatus {
        PendingVerification => "pending_verification",
        Active => "active",
        Disabled => "disabled",
        /// Erased at the person's request: pseudonymised, cannot log in.
        Erased => "erased",
    }
);

crate::closed_set!(
    /// A person's role within one network. A manager outranks a member
    /// (the order of the variants).
    NetworkRole { Member => "member", Manager => "manager" }
);

crate::closed_set!(
    /// What an API token may do. Tokens act for their owner, limited to
    /// these; each operation that accepts tokens names the scope it needs.
    ApiTokenScope {
        MembershipsRead => "memberships:read",
        ReportsRead => "reports:read",
        UsersRead => "users:read",
        NetworksRead => "networks:read",
        MetricsRead => "metrics:read",
    }
);

crate::closed_set!(
    /// The state a registration leaves the account in: always
    /// `pending_verification` (the same answer whether or not the address
    /// already has an account).
    RegistrationStatus { PendingVerification => "pending_verification" }
);

crate::closed_set!(
    /// How to present an access token: always `Bearer` (RFC 6750), in
    /// `Authorization: Bearer <token>`.
    TokenType { Bearer => "Bearer" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_normalises_and_rejects_garbage() {
        assert_eq!(
            Email::parse(" A.B@NHS.net ").unwrap().as_str(),
            "a.b@nhs.net"
        );
        for bad in [
            "",
            "x",
            "x@",
            "@nhs.net",
            "x@nhs",
            "a b@nhs.net",
            "x@-a.net",
            "a..b@nhs.net",
            "x@nhs..net",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@nhs.net", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
    }

    #[test]
    fn domain_match_is_exact_or_subdomain() {
        let allowed = vec!["nhs.net".to_owned(), "Gov.UK".to_owned()];
        let ok = |e: &str| domain_allowed(&Email::parse(e).unwrap(), &allowed);
        assert!(ok("x@nhs.net"));
        assert!(ok("X@NHS.NET"));
        assert!(ok("x@trust.nhs.net"));
        assert!(ok("x@dept.gov.uk"));
        assert!(!ok("x@evilnhs.net"));
        assert!(!ok("x@nhs.net.evil.com"));
        assert!(!ok("x@gmail.com"));
        assert!(!domain_allowed(&Email::parse("x@nhs.net").unwrap(), &[]));
    }

    #[test]
    fn email_applies_nfkc_before_comparing() {
        let plain = Email::parse("sam@nhs.net").unwrap();
        for variant in [
            "ｓａｍ@ｎｈｓ.ｎｅｔ",
            "ＳＡＭ＠ＮＨＳ．ＮＥＴ",
            " Sam@NHS.net\u{3000}",
            "\u{3000}ｓam@nhs.net",
        ] {
            assert_eq!(Email::parse(variant).unwrap(), plain, "{variant:?}");
        }
        // Compatibility ligatures and superscripts fold to their letters.
        assert_eq!(
            Email::parse("ﬁona@nhs.net").unwrap().as_str(),
            "fiona@nhs.net"
        );
        assert_eq!(
            Email::parse("sam²@nhs.net").unwrap().as_str(),
            "sam2@nhs.net"
        );
    }

    #[test]
    fn email_refuses_invisible_and_direction_characters() {
        for bad in [
            "sa\u{200B}m@nhs.net",
            "sam\u{200D}@nhs.net",
            "\u{FEFF}sam@nhs.net",
            "sam@nhs\u{00AD}.net",
            "sam@\u{202E}ten.shn",
            "sam\u{200E}@nhs.net",
            "sam@nhs.net\u{2066}",
            "sam\u{E0041}@nhs.net",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                "invisible_characters",
                "{bad:?}"
            );
        }
        assert_eq!(
            Email::parse(&"a".repeat(2000)).unwrap_err().code,
            "too_long"
        );
    }

    fn code(password: &str, email: Option<&str>, context: &[&str]) -> &'static str {
        match check_new_password(password, email, context) {
            Ok(()) => "ok",
            Err(e) => {
                assert!(!e.message.is_empty());
                e.code
            }
        }
    }

    #[test]
    fn password_rule() {
        assert!(check_password("short", None).is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", None).is_err());
        assert!(check_password("correct horse battery", None).is_ok());
        assert!(check_password("someone@nhs.net", Some("someone@nhs.net")).is_err());
        assert!(check_password("firstname.lastname", Some("firstname.lastname@nhs.net")).is_err());
        assert!(check_password(&"ab".repeat(65), None).is_err());
    }

    #[test]
    fn password_length_and_repeats_keep_weak_password() {
        assert_eq!(code("short", None, &[]), "weak_password");
        assert!(
            check_password("short", None)
                .unwrap_err()
                .message
                .contains("12 to 128 characters")
        );
        assert_eq!(code(&"x".repeat(129), None, &[]), "weak_password");
        assert_eq!(code("aaaaaaaaaaaaaaaa", None, &[]), "weak_password");
        assert_eq!(
            code("sam@nhs.net", Some("sam@nhs.net"), &[]),
            "weak_password"
        );
        assert_eq!(
            code("alex@gmail.com", Some("alex@gmail.com"), &[]),
            "weak_password"
        );
        assert_eq!(
            code(
                "Firstname.Lastname",
                Some("firstname.lastname@nhs.net"),
                &[]
            ),
            "weak_password"
        );
    }

    #[test]
    fn common_passwords_are_too_common() {
        for p in [
            "password123456",
            "qwertyuiop123",
            "Password1234",
            "iloveyou12345",
            "letmein123456",
            "Welcome123456",
            "P@ssw0rd12345",
        ] {
            let e = check_password(p, None).unwrap_err();
            assert_eq!(e.code, "too_common", "{p}: {}", e.message);
            assert!(e.message.contains("common"), "{p}: {}", e.message);
        }
    }

    #[test]
    fn guessable_passwords_are_too_guessable() {
        for p in [
            "abcdefghijklmn",
            "abcabcabcabcabc",
            "horsehorsehorse",
            "13579135791357",
        ] {
            let e = check_password(p, None).unwrap_err();
            assert_eq!(e.code, "too_guessable", "{p}: {}", e.message);
            assert!(e.message.len() > "is too easy to guess. ".len(), "{p}");
        }
    }

    #[test]
    fn passwords_built_from_the_network_name_are_refused() {
        let ctx = ["Psychological Professions Network"];
        for p in [
            "PsychologicalProfessions2026",
            "psychological professions network",
            "Psychological-Professions-Network!",
            "Psych0logicalPr0fessions!",
            "2026ProfessionsPsychological",
        ] {
            assert_eq!(
                code(p, Some("sam@nhs.net"), &ctx),
                "contains_personal_info",
                "{p}"
            );
        }
        // Without the context the same password is not personal.
        assert_ne!(
            code("PsychologicalProfessions2026", Some("sam@nhs.net"), &[]),
            "contains_personal_info"
        );
        // A strong password that happens to share a word is fine.
        assert_eq!(
            code(
                "psychological tangerine bicycle harbour",
                Some("sam@nhs.net"),
                &ctx
            ),
            "ok"
        );
    }

    #[test]
    fn passwords_built_from_the_email_are_refused() {
        let email = Some("priya.shah@nhs.net");
        for p in [
            "priya.shah2026!",
            "PriyaShah-1990",
            "my password is priya.shah",
            "Shah.Priya.2026",
            "priya.shah@nhs.net!",
        ] {
            assert_eq!(code(p, email, &[]), "contains_personal_info", "{p}");
        }
        assert_eq!(
            code("sam.patel-horse-battery", Some("sam.patel@nhs.net"), &[]),
            "contains_personal_info"
        );
        // Local parts under 4 characters are not looked for literally.
        assert_eq!(
            code("ops long passphrase", Some("ops@example.org"), &[]),
            "ok"
        );
    }

    #[test]
    fn strong_passwords_pass() {
        for p in [
            "tangerine bicycle harbour",
            "violet-otter-cinnamon-rain",
            "Xq7#mP2!vL9@wR4$",
            "the quiet lighthouse keeps counting gulls",
            &"correct horse battery staple ".repeat(4)[..112],
        ] {
            assert_eq!(
                code(p, Some("sam@nhs.net"), &["Peer Support Network"]),
                "ok",
                "{p}"
            );
        }
    }

    /// Every password the tests, demo data, CI scripts and docs rely on being
    /// accepted, with the addresses (and network names) they are used with.
    #[test]
    fn passwords_used_by_tests_demo_and_docs_still_pass() {
        let networks = [
            "Psychological Professions Network",
            "Chief Psychological Professions Officers (CPPO)",
            "Positive Psychology Guild",
            "alpha",
        ];
        let emails = [
            "admin@peerhub.test",
            "sam@nhs.net",
            "sam.patel@nhs.net",
            "maya.okafor@nhs.net",
            "priya.shah@nhs.net",
            "alex.jones@gmail.com",
            "boss@nhs.net",
            "pend@nhs.net",
            "late@nhs.net",
            "formula@nhs.net",
            "supporter.life@nhs.net",
            "aaron.blake@positivepsychologyguild.org",
            "priscilla.young@positivepsychologyguild.org",
            "ops@example.org",
            "x@example.org",
            "contract-admin@example.org",
            "kim.member@trust.nhs.net",
            "sam.patel@nhs.net",
        ];
        let passwords = [
            // tests/src/lib.rs PASSWORD
            "correct horse battery staple",
            // crates/server/src/demo/people.rs DEMO_PASSWORD
            "peerhub-demo-2026",
            // tests/tests/e2e/networks.rs
            "another long passphrase",
            // crates/server/tests/cli.rs
            "ops long passphrase",
            // .ci/contract.sh ADMIN_PASSWORD
            "Contract-Check-Passw0rd!",
            // docs/api-guide.md and OpenAPI examples
            "kim long passphrase",
            "alex long passphrase",
            "a long passphrase",
            // accepted by the previous rule's own test
            "correct horse battery",
        ];
        for p in passwords {
            for e in emails {
                assert_eq!(code(p, Some(e), &networks), "ok", "{p} / {e}");
                assert_eq!(code(p, Some(e), &[]), "ok", "{p} / {e}");
            }
            assert_eq!(code(p, None, &[]), "ok", "{p}");
        }
        // tests/tests/e2e/networks.rs invites alex@gmail.com.
        for p in ["correct horse battery staple", "another long passphrase"] {
            assert_eq!(code(p, Some("alex@gmail.com"), &networks), "ok", "{p}");
        }
        // But a password holding a local part of 4+ characters is refused.
        assert_eq!(
            code("alex long passphrase", Some("alex@gmail.com"), &[]),
            "contains_personal_info"
        );
    }

    #[test]
    fn display_names_refuse_direction_controls() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let name = format!("Sam{c}Patel");
            assert_eq!(
                parse_display_name(&name).unwrap_err().code,
                "invisible_characters",
                "U+{:04X}",
                c as u32
            );
        }
        // The classic RLO trick: shows as "Sam Patelexe.gpj".
        assert_eq!(
            parse_display_name("Sam Patel\u{202E}gpj.exe")
                .unwrap_err()
                .code,
            "invisible_characters"
        );
    }

    #[test]
    fn display_names_refuse_default_ignorables() {
        for c in [
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{1160}',
            '\u{17B4}',
            '\u{17B5}',
            '\u{180B}',
            '\u{180E}',
            '\u{180F}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{3164}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{FFA0}',
            '\u{1BCA0}',
            '\u{1BCA3}',
            '\u{1D173}',
            '\u{1D17A}',
            '\u{E0000}',
            '\u{E0001}',
            '\u{E007F}',
            '\u{E0FFF}',
        ] {
            let name = format!("Sam{c}Patel");
            assert_eq!(
                parse_display_name(&name).unwrap_err().code,
                "invisible_characters",
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn display_names_refuse_empty_and_invisible_only() {
        for empty in ["", "   ", "\u{3000}\u{2003} ", "\t\n"] {
            assert_eq!(
                parse_display_name(empty).unwrap_err().code,
                "required",
                "{empty:?}"
            );
        }
        for invisible in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            " \u{FEFF} ",
            "\u{3164}",
        ] {
            assert_eq!(
                parse_display_name(invisible).unwrap_err().code,
                "invisible_characters",
                "{invisible:?}"
            );
        }
    }

    #[test]
    fn display_names_keep_ordinary_text() {
        for name in [
            "Sam Patel",
            "Zoë O'Brien-Smith",
            "محمد علي",
            "李小龍",
            "Ṣadé Adú",
            "  Ana Lima ",
        ] {
            assert_eq!(parse_display_name(name).unwrap(), name.trim());
        }
        assert_eq!(
            parse_display_name(&"x".repeat(101)).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            parse_display_name("a\u{7}b").unwrap_err().code,
            "control_characters"
        );
    }

    #[test]
    fn scopes_round_trip() {
        for s in ApiTokenScope::ALL {
            assert_eq!(ApiTokenScope::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ApiTokenScope::parse("admin"), None);
        assert_eq!(
            serde_json::to_string(&ApiTokenScope::UsersRead).unwrap(),
            "\"users:read\""
        );
    }

    #[test]
    fn account_codes_are_the_stored_and_wire_forms() {
        assert_eq!(
            UserStatus::parse("pending_verification"),
            Some(UserStatus::PendingVerification)
        );
        assert_eq!(UserStatus::Erased.as_str(), "erased");
        assert_eq!(UserStatus::parse("Active"), None);
        // Raising a role compares variants: a manager outranks a member.
        assert!(NetworkRole::Manager > NetworkRole::Member);
        assert_eq!(
            NetworkRole::parse_field("owner").unwrap_err().message,
            "must be one of member, manager"
        );
        assert_eq!(
            serde_json::to_string(&TokenType::Bearer).unwrap(),
            "\"Bearer\""
        );
        assert_eq!(
            RegistrationStatus::PendingVerification.as_str(),
            UserStatus::PendingVerification.as_str()
        );
    }
}
