//! The password policy.
use unicode_normalization::UnicodeNormalization;
use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use crate::validation::Invalid;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
