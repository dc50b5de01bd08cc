//! Hashing and verifying on cheap parameters (the real ones cost ~1 s per hash unoptimised).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use super::*;
use crate::random::{ControlledRng, SystemRng};

/// Small enough to run fast, real enough to be argon2id.
const CHEAP: HashParams = HashParams {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};

fn hashing(params: HashParams, permits: usize) -> PasswordHashing {
    PasswordHashing::new(params, HashPool::new(permits)).unwrap()
}

fn pw(text: &str) -> Password {
    Password::new(text.to_owned()).unwrap()
}

#[tokio::test]
async fn a_hash_verifies_its_password_and_no_other() {
    let h = hashing(CHEAP, 1);
    let stored = h
        .hash(&pw("correct horse"), &SystemRng::new())
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
        "{stored}"
    );
    assert_eq!(
        h.verify(&pw("correct horse"), &stored).await.unwrap(),
        Verification::Match {
            needs_rehash: false
        }
    );
    for wrong in ["correct horsf", "Correct horse", "correct horse ", ""] {
        assert_eq!(
            h.verify(&Password::candidate(wrong.into()), &stored)
                .await
                .unwrap(),
            Verification::Mismatch,
            "{wrong:?}"
        );
    }
    let again = h
        .hash(&pw("correct horse"), &SystemRng::new())
        .await
        .unwrap();
    assert_ne!(stored, again, "a fresh salt each time");
}

#[tokio::test]
async fn a_hash_made_with_other_parameters_verifies_and_asks_for_a_rehash() {
    let old = hashing(CHEAP, 1);
    let stored = old
        .hash(&pw("correct horse"), &SystemRng::new())
        .await
        .unwrap();
    for params in [
        HashParams {
            iterations: 2,
            ..CHEAP
        },
        HashParams {
            memory_kib: 512,
            ..CHEAP
        },
        HashParams {
            parallelism: 2,
            ..CHEAP
        },
    ] {
        let new = hashing(params, 1);
        assert_eq!(
            new.verify(&pw("correct horse"), &stored).await.unwrap(),
            Verification::Match { needs_rehash: true },
            "{params:?}"
        );
        assert_eq!(
            new.verify(&pw("wrong horse"), &stored).await.unwrap(),
            Verification::Mismatch
        );
        let rehashed = new
            .hash(&pw("correct horse"), &SystemRng::new())
            .await
            .unwrap();
        assert_eq!(
            new.verify(&pw("correct horse"), &rehashed).await.unwrap(),
            Verification::Match {
                needs_rehash: false
            }
        );
    }
}

#[tokio::test]
async fn other_argon2_variants_verify_and_ask_for_a_rehash() {
    // argon2i, same password, as another system would have stored it.
    let params = argon2::Params::new(256, 1, 1, Some(32)).unwrap();
    let argon2i = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params);
    let stored = argon2::PasswordHasher::hash_password_with_salt(
        &argon2i,
        b"correct horse",
        b"0123456789abcdef",
    )
    .unwrap()
    .to_string();
    assert_eq!(
        hashing(CHEAP, 1)
            .verify(&pw("correct horse"), &stored)
            .await
            .unwrap(),
        Verification::Match { needs_rehash: true }
    );
}

#[tokio::test]
async fn unusable_stored_hashes_are_errors_not_mismatches() {
    let h = hashing(CHEAP, 1);
    for stored in [
        "",
        "plaintext",
        "$2b$12$abcdefghijklmnopqrstuuCSsN2lQ2x3c5Yk8t2qzM4p5r6s7t8u9", // bcrypt
        // asks for 4 GiB: refused before any work
        "$argon2id$v=19$m=4194304,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
    ] {
        let result = h.verify(&pw("correct horse"), stored).await;
        assert!(
            matches!(result, Err(PasswordError::StoredHash(_))),
            "{stored}: {result:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_user_costs_a_verification_and_never_matches() {
    let h = hashing(CHEAP, 1);
    h.verify_unknown_user(&pw("correct horse")).await.unwrap();
    h.verify_unknown_user(&pw("anything else")).await.unwrap();
    // The dummy was hashed once, then verified against twice: three jobs on the pool.
    assert_eq!(h.pool().running(), 0);
    let dummy = h.dummy_hash().unwrap();
    assert!(
        dummy.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
        "same cost as a real hash"
    );
}

/// A pool of one never runs two hashes at once, however many are asked for together.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_of_one_runs_one_hash_at_a_time() {
    let h = hashing(CHEAP, 1);
    let rng = std::sync::Arc::new(SystemRng::new());
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let h = h.clone();
            let rng = rng.clone();
            tokio::spawn(async move { h.hash(&pw(&format!("password {i}")), &*rng).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(h.pool().peak(), 1);
    assert_eq!(h.pool().running(), 0);
}

#[tokio::test]
async fn no_salt_no_hash() {
    let rng = ControlledRng::new();
    rng.set_failing(true);
    let result = hashing(CHEAP, 1).hash(&pw("correct horse"), &rng).await;
    assert!(
        matches!(result, Err(PasswordError::Random(_))),
        "{result:?}"
    );
}

#[test]
fn the_policy() {
    assert_eq!(
        Password::new("short".into()).unwrap_err(),
        PolicyViolation::TooShort
    );
    assert_eq!(
        Password::new("1234567".into()).unwrap_err(),
        PolicyViolation::TooShort
    );
    assert!(Password::new("12345678".into()).is_ok());
    // Characters, not bytes: eight of them in 16 bytes is long enough.
    assert!(Password::new("ääääääää".into()).is_ok());
    assert!(Password::new("x".repeat(password::MAX_BYTES)).is_ok());
    assert_eq!(
        Password::new("x".repeat(password::MAX_BYTES + 1)).unwrap_err(),
        PolicyViolation::TooLong
    );
    for control in ["with\ttab!", "new\nline!", "escape\u{1b}[0m", "nul\0byte!"] {
        assert_eq!(
            Password::new(control.into()).unwrap_err(),
            PolicyViolation::ControlCharacter,
            "{control:?}"
        );
    }
}

#[test]
fn passwords_are_redacted() {
    let password = pw("hunter2hunter2");
    assert_eq!(format!("{password:?}"), "Password([redacted])");
}

#[test]
fn parameters_out_of_range_are_refused() {
    let result = PasswordHashing::new(
        HashParams {
            memory_kib: 1,
            ..CHEAP
        },
        HashPool::new(1),
    );
    assert!(matches!(result, Err(PasswordError::Hash(_))), "{result:?}");
}
