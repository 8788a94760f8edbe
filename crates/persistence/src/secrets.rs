//! Random tokens, their hashes, and password hashing.
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::Failure;

/// A URL-safe random token with 256 bits of entropy, optionally prefixed
/// (e.g. `phk_` for API tokens so secret scanners can spot them).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// SHA-256 hex of a high-entropy token. Tokens are stored only as this.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Bounds Argon2 work: each hash holds about 19 MiB for tens of
/// milliseconds, so without a bound a login burst grows memory without
/// limit. At most `concurrency` hashes run at once and at most `queue` wait
/// for a slot (each for at most [`HASH_WAIT`]); anything beyond that is
/// refused at once with [`Failure::Busy`] (503 with `Retry-After`).
struct HashGate {
    slots: tokio::sync::Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

static GATE: OnceLock<HashGate> = OnceLock::new();

/// Longest a hash waits for a slot before the request is refused.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Sets the hashing bound once per process (the server does it at start-up;
/// later calls are ignored). Without it the bound is 2 × cores, queue 32.
pub fn configure_hashing(concurrency: usize, queue: usize) {
    let _ = GATE.set(HashGate::new(concurrency, queue));
}

fn gate() -> &'static HashGate {
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HashGate::new(2 * cores, 32)
    })
}

fn busy() -> Failure {
    Failure::Busy {
        retry_after_secs: 2,
    }
}

impl HashGate {
    fn new(concurrency: usize, queue: usize) -> Self {
        Self {
            slots: tokio::sync::Semaphore::new(concurrency.max(1)),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// Runs CPU-heavy password work on the blocking pool within the bound.
    async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let permit = match self.slots.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(busy());
                }
                let p = tokio::time::timeout(HASH_WAIT, self.slots.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                match p {
                    Ok(Ok(p)) => p,
                    _ => return Err(busy()),
                }
            }
        };
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| Failure::internal(format!("hashing task failed: {e}")))?;
        Ok(out)
    }
}

async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    gate().run(work).await
}

/// Argon2id hash in PHC format. CPU-heavy: runs on the blocking pool,
/// within the hashing bound.
pub async fn hash_password(password: String) -> Result<String, Failure> {
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Failure::internal(format!("password hashing failed: {e}")))
    })
    .await?
}

/// Verifies a password against a PHC hash; with `None` it verifies against
/// a fixed dummy hash so unknown accounts take as long as known ones.
/// `Err(Busy)` when the hashing bound is full.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Failure> {
    bounded(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        match PasswordHash::new(&hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
}

/// Argon2id (default parameters) of a random string nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Lq3Yk0ZAvJWtaTs3Qbx7TC1rJcVNS4nEadrSC9c8xns";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = random_token("phk_");
        let b = random_token("phk_");
        assert_ne!(a, b);
        assert!(a.starts_with("phk_"));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[tokio::test]
    async fn password_round_trip() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse battery".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_refuses_beyond_its_queue_instead_of_waiting() {
        // 1 slot and 1 waiting place: of 6 at once, at least 4 are refused
        // at once, and the ones admitted all finish.
        let gate: &'static HashGate = Box::leak(Box::new(HashGate::new(1, 1)));
        let slow = || std::thread::sleep(std::time::Duration::from_millis(200));
        let tasks: Vec<_> = (0..6).map(|_| tokio::spawn(gate.run(slow))).collect();
        let mut busy = 0;
        let mut done = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => done += 1,
                Err(Failure::Busy { retry_after_secs }) => {
                    assert!(retry_after_secs >= 1);
                    busy += 1
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(busy >= 4, "busy {busy}, done {done}");
        assert!(done >= 1);
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0);
    }
}
