//! Wycheproof signature-verification vectors, every test of every JWS-shaped group, run through
//! the public API: a [`PublicJwk`] built from the group's key, [`VerifyingKey::from_jwk`], then
//! [`VerifyingKey::verify`] with the JWS algorithm the group corresponds to.
//!
//! * ECDSA P-256/SHA-256 and P-384/SHA-384 in the IEEE P1363 form (`r || s`, the JWS form of
//!   RFC 7518 §3.4) → ES256 / ES384; and the same curves' DER-form sets, none of whose
//!   signatures may ever be accepted by a JWS verifier.
//! * Ed25519 → EdDSA (RFC 8037).
//! * RSASSA-PKCS1-v1_5 with SHA-256/384/512 and moduli of 2048 bits or more → RS256/384/512.
//! * RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash → PS256/384/512
//!   (RFC 7518 §3.5). Groups of other shapes are not JWS algorithms: they are skipped, counted
//!   and reported.
//!
//! Expectations: `valid` ⇒ `Ok`, `invalid` ⇒ `Err`, `acceptable` ⇒ either (recorded). A group
//! whose key the library refuses counts as "every test rejected", which is a failure only for
//! `valid` tests. Every set prints a one-line summary and asserts that the number of executed
//! tests is the number of tests in its JWS-shaped groups, so nothing is skipped silently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;

use sigil_jose::jwk::{PublicJwk, PublicKeyParams};
use sigil_jose::{Algorithm, Error, VerifyingKey};
use wycheproof::{EdwardsCurve, EllipticCurve, HashFunction, Mgf, TestResult};

// ---------------------------------------------------------------------------------------------
// Bookkeeping shared by every family.
// ---------------------------------------------------------------------------------------------

/// One Wycheproof test, independent of the family it comes from.
struct Case<'a> {
    tc_id: usize,
    comment: &'a str,
    flags: String,
    result: TestResult,
    msg: &'a [u8],
    sig: &'a [u8],
}

impl<'a> Case<'a> {
    fn new(
        tc_id: usize,
        comment: &'a str,
        flags: &[impl Debug],
        result: TestResult,
        msg: &'a [u8],
        sig: &'a [u8],
    ) -> Self {
        Self {
            tc_id,
            comment,
            flags: format!("{flags:?}"),
            result,
            msg,
            sig,
        }
    }

    fn describe(&self) -> String {
        format!(
            "tcId {} ({:?}, {:?}, flags {})",
            self.tc_id, self.result, self.comment, self.flags
        )
    }
}

/// What happened to one test set.
#[derive(Default)]
struct Tally {
    set: String,
    /// Tests in the set, as the file declares (`numberOfTests`).
    total: usize,
    /// Tests in JWS-shaped groups, counted before anything runs.
    expected: usize,
    /// Tests actually checked (a refused key still counts: its tests were all rejected).
    executed: usize,
    valid: usize,
    invalid: usize,
    acceptable: usize,
    /// `acceptable` tests that verified.
    acceptable_accepted: Vec<usize>,
    skipped_groups: usize,
    skipped_tests: usize,
    /// Groups whose key `PublicJwk::from_params` / `VerifyingKey::from_jwk` refused.
    keys_rejected: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn new(set: impl Into<String>, total: usize) -> Self {
        Self {
            set: set.into(),
            total,
            ..Self::default()
        }
    }

    fn skip_group(&mut self, tests: usize) {
        self.skipped_groups += 1;
        self.skipped_tests += tests;
    }

    fn count(&mut self, case: &Case<'_>) {
        self.executed += 1;
        match case.result {
            TestResult::Valid => self.valid += 1,
            TestResult::Invalid => self.invalid += 1,
            TestResult::Acceptable => self.acceptable += 1,
        }
    }

    /// A JWS-shaped group: `valid` ⇒ Ok, `invalid` ⇒ Err, `acceptable` ⇒ either.
    fn run_group(
        &mut self,
        key: Result<VerifyingKey, Error>,
        alg: Algorithm,
        cases: Vec<Case<'_>>,
    ) {
        self.expected += cases.len();
        let key = match key {
            Ok(key) => key,
            Err(e) => {
                let ids: Vec<usize> = cases.iter().map(|c| c.tc_id).collect();
                self.keys_rejected
                    .push(format!("key of tcIds {ids:?}: {e}"));
                for case in &cases {
                    self.count(case);
                    if case.result == TestResult::Valid {
                        self.failures.push(format!(
                            "{} {}: a valid test, but its key was refused: {e}",
                            self.set,
                            case.describe()
                        ));
                    }
                }
                return;
            }
        };
        for case in &cases {
            self.count(case);
            let outcome = key.verify(alg, case.msg, case.sig);
            match (case.result, &outcome) {
                (TestResult::Valid, Ok(())) | (TestResult::Invalid, Err(_)) => {}
                (TestResult::Acceptable, Ok(())) => self.acceptable_accepted.push(case.tc_id),
                (TestResult::Acceptable, Err(_)) => {}
                (TestResult::Valid, Err(e)) => self.failures.push(format!(
                    "{} {}: {alg} rejected a valid signature: {e}",
                    self.set,
                    case.describe()
                )),
                (TestResult::Invalid, Ok(())) => self.failures.push(format!(
                    "{} {}: {alg} ACCEPTED an invalid signature",
                    self.set,
                    case.describe()
                )),
            }
        }
    }

    /// A DER-encoded ECDSA group: whatever Wycheproof expects, a JWS verifier must say Err.
    fn run_der_group(
        &mut self,
        key: Result<VerifyingKey, Error>,
        alg: Algorithm,
        cases: Vec<Case<'_>>,
    ) {
        self.expected += cases.len();
        let key = match key {
            Ok(key) => Some(key),
            Err(e) => {
                self.keys_rejected.push(format!("{e}"));
                None
            }
        };
        for case in &cases {
            self.count(case);
            if let Some(key) = &key
                && key.verify(alg, case.msg, case.sig).is_ok()
            {
                self.failures.push(format!(
                    "{} {}: {alg} ACCEPTED a DER-encoded ECDSA signature",
                    self.set,
                    case.describe()
                ));
            }
        }
    }

    /// Prints the summary line and checks that nothing was skipped silently.
    fn finish(&self) {
        println!(
            "{}: executed {} (valid {}, invalid {}, acceptable {} of which accepted {}{}), \
             skipped groups {} ({} tests), refused keys {}",
            self.set,
            self.executed,
            self.valid,
            self.invalid,
            self.acceptable,
            self.acceptable_accepted.len(),
            if self.acceptable_accepted.is_empty() {
                String::new()
            } else {
                format!(" {:?}", self.acceptable_accepted)
            },
            self.skipped_groups,
            self.skipped_tests,
            self.keys_rejected.len(),
        );
        for refused in &self.keys_rejected {
            println!("    refused key: {refused}");
        }
        assert_eq!(
            self.executed, self.expected,
            "{}: executed tests differ from the tests of the JWS-shaped groups",
            self.set
        );
        assert_eq!(
            self.executed + self.skipped_tests,
            self.total,
            "{}: executed + skipped differ from numberOfTests",
            self.set
        );
    }
}

/// Runs every set, prints every summary, then fails with every failure at once.
fn conclude(tallies: &[Tally]) {
    for tally in tallies {
        tally.finish();
    }
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Keys, built as JWKs with the full checks of `PublicJwk::from_params`.
// ---------------------------------------------------------------------------------------------

fn verifying_key(params: PublicKeyParams) -> Result<VerifyingKey, Error> {
    PublicJwk::from_params(params).and_then(VerifyingKey::from_jwk)
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

fn rsa_key(key: &wycheproof::RsaPublic) -> Result<VerifyingKey, Error> {
    verifying_key(PublicKeyParams::Rsa {
        n: strip_leading_zeros(&key.n),
        e: strip_leading_zeros(&key.e),
    })
}

/// The group's uncompressed SEC1 point `04 || x || y`, split into fixed-size coordinates.
fn ec_key(key: &wycheproof::EcdsaPublic, alg: Algorithm) -> Result<VerifyingKey, Error> {
    let size = match alg {
        Algorithm::ES256 => 32,
        Algorithm::ES384 => 48,
        other => panic!("{other} is not ECDSA"),
    };
    let point: &[u8] = &key.key;
    assert_eq!(point.len(), 1 + 2 * size, "uncompressed point length");
    assert_eq!(point[0], 0x04, "uncompressed point tag");
    let (x, y) = point[1..].split_at(size);
    let (x, y) = (x.to_vec(), y.to_vec());
    verifying_key(match alg {
        Algorithm::ES256 => PublicKeyParams::P256 { x, y },
        _ => PublicKeyParams::P384 { x, y },
    })
}

/// The JWS RSA algorithm for a hash, if JWS has one.
fn rsa_alg(hash: HashFunction, pss: bool) -> Option<Algorithm> {
    Some(match (hash, pss) {
        (HashFunction::Sha2_256, false) => Algorithm::RS256,
        (HashFunction::Sha2_384, false) => Algorithm::RS384,
        (HashFunction::Sha2_512, false) => Algorithm::RS512,
        (HashFunction::Sha2_256, true) => Algorithm::PS256,
        (HashFunction::Sha2_384, true) => Algorithm::PS384,
        (HashFunction::Sha2_512, true) => Algorithm::PS512,
        _ => return None,
    })
}

fn hash_len(hash: HashFunction) -> usize {
    match hash {
        HashFunction::Sha2_256 => 32,
        HashFunction::Sha2_384 => 48,
        HashFunction::Sha2_512 => 64,
        other => panic!("no JWS algorithm uses {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA
// ---------------------------------------------------------------------------------------------

fn ecdsa_set(
    name: wycheproof::ecdsa::TestName,
    curve: EllipticCurve,
    hash: HashFunction,
    alg: Algorithm,
    der: bool,
) -> Tally {
    use wycheproof::ecdsa::{TestGroupTypeId, TestSet};
    let set = TestSet::load(name).unwrap();
    let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
    let wanted_type = if der {
        TestGroupTypeId::Ecdsa
    } else {
        TestGroupTypeId::EcdsaP1363
    };
    for group in &set.test_groups {
        if group.test_type != wanted_type || group.key.curve != curve || group.hash != hash {
            tally.skip_group(group.tests.len());
            continue;
        }
        let cases = group
            .tests
            .iter()
            .map(|t| Case::new(t.tc_id, &t.comment, &t.flags, t.result, &t.msg, &t.sig))
            .collect();
        let key = ec_key(&group.key, alg);
        if der {
            tally.run_der_group(key, alg, cases);
        } else {
            tally.run_group(key, alg, cases);
        }
    }
    assert!(tally.expected > 0, "{}: no JWS-shaped group", tally.set);
    tally
}

#[test]
fn ecdsa_p1363_es256_es384() {
    use wycheproof::ecdsa::TestName;
    let tallies = [
        ecdsa_set(
            TestName::EcdsaSecp256r1Sha256P1363,
            EllipticCurve::Secp256r1,
            HashFunction::Sha2_256,
            Algorithm::ES256,
            false,
        ),
        ecdsa_set(
            TestName::EcdsaSecp384r1Sha384P1363,
            EllipticCurve::Secp384r1,
            HashFunction::Sha2_384,
            Algorithm::ES384,
            false,
        ),
    ];
    for tally in &tallies {
        assert_eq!(
            tally.skipped_groups, 0,
            "{}: every group is ES-shaped",
            tally.set
        );
        assert!(tally.valid > 0 && tally.invalid > 0, "{}", tally.set);
    }
    conclude(&tallies);
}

#[test]
fn ecdsa_der_signatures_are_never_accepted() {
    use wycheproof::ecdsa::TestName;
    let tallies = [
        ecdsa_set(
            TestName::EcdsaSecp256r1Sha256,
            EllipticCurve::Secp256r1,
            HashFunction::Sha2_256,
            Algorithm::ES256,
            true,
        ),
        ecdsa_set(
            TestName::EcdsaSecp384r1Sha384,
            EllipticCurve::Secp384r1,
            HashFunction::Sha2_384,
            Algorithm::ES384,
            true,
        ),
    ];
    for tally in &tallies {
        assert_eq!(tally.skipped_groups, 0, "{}", tally.set);
        // The DER sets hold many signatures that are valid in DER form: the point of this
        // test is that the JWS verifier refuses them anyway.
        assert!(tally.valid > 100, "{}", tally.set);
        assert!(tally.keys_rejected.is_empty(), "{}", tally.set);
    }
    conclude(&tallies);
}

// ---------------------------------------------------------------------------------------------
// Ed25519
// ---------------------------------------------------------------------------------------------

#[test]
fn eddsa_ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut tally = Tally::new("Ed25519", set.number_of_tests);
    for group in &set.test_groups {
        if group.key.curve != EdwardsCurve::Ed25519 {
            tally.skip_group(group.tests.len());
            continue;
        }
        let cases = group
            .tests
            .iter()
            .map(|t| Case::new(t.tc_id, &t.comment, &t.flags, t.result, &t.msg, &t.sig))
            .collect();
        let key = verifying_key(PublicKeyParams::Ed25519 {
            x: group.key.pk.to_vec(),
        });
        tally.run_group(key, Algorithm::EdDSA, cases);
    }
    assert_eq!(tally.skipped_groups, 0);
    assert!(tally.valid > 0 && tally.invalid > 0);
    conclude(&[tally]);
}

// ---------------------------------------------------------------------------------------------
// RSASSA-PKCS1-v1_5
// ---------------------------------------------------------------------------------------------

#[test]
fn rsa_pkcs1_rs256_rs384_rs512() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut tallies = Vec::new();
    let mut not_jws = Vec::new();
    // Every set the crate ships; those without a JWS-shaped group (SHA-224, SHA-3,
    // SHA-512/t) are listed below and must be exactly the ones expected.
    for name in TestName::all() {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        for group in &set.test_groups {
            match rsa_alg(group.hash, false) {
                Some(alg) if group.key_size >= 2048 => {
                    let cases = group
                        .tests
                        .iter()
                        .map(|t| Case::new(t.tc_id, &t.comment, &t.flags, t.result, &t.msg, &t.sig))
                        .collect();
                    tally.run_group(rsa_key(&group.key), alg, cases);
                }
                _ => tally.skip_group(group.tests.len()),
            }
        }
        if tally.expected == 0 {
            not_jws.push(name);
        } else {
            tallies.push(tally);
        }
    }
    println!("sets without a JWS-shaped group (not run): {not_jws:?}");
    let run: Vec<&str> = tallies.iter().map(|t| t.set.as_str()).collect();
    assert_eq!(
        run,
        [
            "Rsa2048Sha256",
            "Rsa2048Sha384",
            "Rsa2048Sha512",
            "Rsa3072Sha256",
            "Rsa3072Sha384",
            "Rsa3072Sha512",
            "Rsa4096Sha256",
            "Rsa4096Sha384",
            "Rsa4096Sha512",
            "Rsa8192Sha256",
            "Rsa8192Sha384",
            "Rsa8192Sha512",
        ]
    );
    for tally in &tallies {
        assert!(tally.executed > 0 && tally.valid > 0, "{}", tally.set);
    }
    // No set has a key under 2048 bits, so check the floor directly: a Wycheproof modulus
    // without its top octet (2040 bits) is refused.
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let key = &set.test_groups[0].key;
    let n = strip_leading_zeros(&key.n);
    let small = verifying_key(PublicKeyParams::Rsa {
        n: n[1..].to_vec(),
        e: strip_leading_zeros(&key.e),
    });
    assert!(matches!(small, Err(Error::KeyTooSmall { .. })), "{small:?}");
    conclude(&tallies);
}

// ---------------------------------------------------------------------------------------------
// RSASSA-PSS
// ---------------------------------------------------------------------------------------------

/// PSS groups with a JWS hash and MGF1 over it but another salt length are not JWS-shaped
/// (RFC 7518 §3.5 fixes the salt length); what the verifier makes of their valid signatures is
/// observed and printed, not asserted.
#[derive(Default)]
struct OtherSalts {
    valid: usize,
    accepted: usize,
}

impl OtherSalts {
    fn observe(&mut self, group: &wycheproof::rsa_pss_verify::TestGroup) {
        let Some(alg) = rsa_alg(group.hash, true) else {
            return;
        };
        if group.mgf != Mgf::Mgf1 || group.mgf_hash != Some(group.hash) {
            return;
        }
        let Ok(key) = rsa_key(&group.key) else {
            return;
        };
        for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
            self.valid += 1;
            if key.verify(alg, &test.msg, &test.sig).is_ok() {
                self.accepted += 1;
            }
        }
    }
}

#[test]
fn rsa_pss_ps256_ps384_ps512() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut other_salts = OtherSalts::default();
    let mut tallies = Vec::new();
    let mut not_jws = Vec::new();
    for name in TestName::all() {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        for group in &set.test_groups {
            let alg = rsa_alg(group.hash, true).filter(|_| {
                group.mgf == Mgf::Mgf1
                    && group.mgf_hash == Some(group.hash)
                    && group.salt_size == hash_len(group.hash)
                    && group.key_size >= 2048
            });
            match alg {
                Some(alg) => {
                    let cases = group
                        .tests
                        .iter()
                        .map(|t| Case::new(t.tc_id, &t.comment, &t.flags, t.result, &t.msg, &t.sig))
                        .collect();
                    tally.run_group(rsa_key(&group.key), alg, cases);
                }
                None => {
                    tally.skip_group(group.tests.len());
                    other_salts.observe(group);
                }
            }
        }
        if tally.expected == 0 {
            not_jws.push(name);
        } else {
            tallies.push(tally);
        }
    }
    println!("sets without a JWS-shaped group (not run): {not_jws:?}");
    println!(
        "informational, not asserted: of {} Wycheproof-valid PSS signatures whose salt length \
         differs from the hash length (SHA-2, MGF1 over the same hash), PS256/384/512 accepted {}",
        other_salts.valid, other_salts.accepted
    );
    let run: Vec<&str> = tallies.iter().map(|t| t.set.as_str()).collect();
    assert_eq!(
        run,
        [
            "RsaPss2048Sha256Mgf1SaltLen32WithParams",
            "RsaPss2048Sha256Mgf1SaltLen32",
            "RsaPss2048Sha384Mgf1SaltLen48",
            "RsaPss3072Sha256Mgf1SaltLen32WithParams",
            "RsaPss3072Sha256Mgf1SaltLen32",
            "RsaPss4096Sha256Mgf1SaltLen32",
            "RsaPss4096Sha384Mgf1SaltLen48",
            "RsaPss4096Sha512Mgf1SaltLen64WithParams",
            "RsaPss4096Sha512Mgf1SaltLen64",
            "RsaPssmiscWithParams",
            "RsaPssmisc",
        ]
    );
    for tally in &tallies {
        assert!(tally.executed > 0 && tally.valid > 0, "{}", tally.set);
    }
    conclude(&tallies);
}
