//! Sign and verify per algorithm: the raw primitive against a whole JWT (claims → compact
//! token, and back with validation). Target: the JWT costs ≤ 10% more than the primitive.
//!
//! `cargo bench -p sigil-jose --bench jws` (figures in docs/benchmarks.md).
//!
//! On a shared machine, `SIGIL_BENCH_INTERLEAVED=1 cargo bench -p sigil-jose --bench jws`
//! instead runs, per algorithm, `raw` and `jwt` of each operation in alternating ~20 ms
//! batches for 41 rounds in one process and reports the median times and the median of the
//! per-round `jwt / raw` ratios, so that load from elsewhere hits both sides alike. A
//! positional argument (`… --bench jws -- EdDSA`) keeps only the cases whose name contains it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use serde_json::json;
use sigil_jose::jwt::{self, AudienceCheck};
use sigil_jose::{
    Algorithm, Audience, Claims, KeySpec, NumericDate, PrivateKey, SigningKey, Validation,
    VerifyingKey,
};

const NOW: NumericDate = NumericDate(1_800_000_000);
const ISS: &str = "https://id.example.com/realms/acme";

/// An RFC 9068 access token's claims: nine members, about 280 bytes.
fn claims() -> Claims {
    let mut claims = Claims {
        iss: Some(ISS.into()),
        sub: Some("service-account-billing".into()),
        aud: Some(Audience::One("https://api.example.com".into())),
        exp: Some(NOW.plus(600)),
        iat: Some(NOW),
        jti: Some("01JDZ6K3Q4W8M5N7P2R9T0V1X3".into()),
        ..Claims::default()
    };
    claims
        .extra
        .insert("client_id".into(), json!("billing-worker"));
    claims
        .extra
        .insert("scope".into(), json!("invoices:read invoices:write"));
    claims
}

fn cases() -> Vec<(&'static str, Algorithm, KeySpec)> {
    vec![
        ("RS256-2048", Algorithm::RS256, KeySpec::Rsa { bits: 2048 }),
        ("RS256-3072", Algorithm::RS256, KeySpec::Rsa { bits: 3072 }),
        ("PS256-2048", Algorithm::PS256, KeySpec::Rsa { bits: 2048 }),
        ("ES256", Algorithm::ES256, KeySpec::P256),
        ("ES384", Algorithm::ES384, KeySpec::P384),
        ("EdDSA", Algorithm::EdDSA, KeySpec::Ed25519),
    ]
}

/// One algorithm's key pair, claims, validation, and a token and signature made with them.
struct Fixture {
    alg: Algorithm,
    signer: SigningKey,
    verifier: VerifyingKey,
    claims: Claims,
    validation: Validation,
    token: String,
    /// The token's signing input: what the raw primitive signs and verifies.
    input: String,
    signature: Vec<u8>,
}

impl Fixture {
    fn new(alg: Algorithm, spec: KeySpec) -> Self {
        let claims = claims();
        let validation = Validation::new(
            ISS,
            AudienceCheck::OneOf(vec!["https://api.example.com".into()]),
        );
        let signer =
            SigningKey::new(PrivateKey::generate(spec).expect("keygen"), alg, None).expect("key");
        let verifier = VerifyingKey::from_jwk(signer.public_jwk().clone()).expect("jwk");
        let token = jwt::sign(&signer, Some("at+jwt"), &claims).expect("sign");
        // The raw primitive signs the same bytes a token's signature covers.
        let input = token[..token.rfind('.').expect("dot")].to_owned();
        let signature = signer.sign(input.as_bytes()).expect("sign");
        Self {
            alg,
            signer,
            verifier,
            claims,
            validation,
            token,
            input,
            signature,
        }
    }

    fn sign_raw(&self) {
        black_box(self.signer.sign(black_box(self.input.as_bytes()))).unwrap();
    }

    fn sign_jwt(&self) {
        black_box(jwt::sign(
            &self.signer,
            Some("at+jwt"),
            black_box(&self.claims),
        ))
        .unwrap();
    }

    fn verify_raw(&self) {
        black_box(self.verifier.verify(
            self.alg,
            black_box(self.input.as_bytes()),
            black_box(&self.signature),
        ))
        .unwrap();
    }

    fn verify_jwt(&self) {
        black_box(jwt::verify(
            black_box(&self.token),
            &self.verifier,
            &[self.alg],
            &self.validation,
            NOW,
        ))
        .unwrap();
    }
}

fn bench(c: &mut Criterion) {
    for (name, alg, spec) in cases() {
        let f = Fixture::new(alg, spec);
        let mut group = c.benchmark_group(name);
        group.bench_function("sign/raw", |b| b.iter(|| f.sign_raw()));
        group.bench_function("sign/jwt", |b| b.iter(|| f.sign_jwt()));
        group.bench_function("verify/raw", |b| b.iter(|| f.verify_raw()));
        group.bench_function("verify/jwt", |b| b.iter(|| f.verify_jwt()));
        group.finish();
    }
}

/// Rounds of the interleaved mode; odd, so the median is one of them.
const ROUNDS: usize = 41;
/// Target length of one batch, in seconds.
const BATCH_SECS: f64 = 0.02;

/// Calls per batch so that one batch of `f` lasts about [`BATCH_SECS`].
fn batch_len(f: &dyn Fn()) -> u32 {
    for _ in 0..10 {
        f(); // warm caches and the allocator before timing
    }
    let start = Instant::now();
    for _ in 0..20 {
        f();
    }
    let per_call = start.elapsed().as_secs_f64() / 20.0;
    (BATCH_SECS / per_call).ceil().max(1.0) as u32
}

/// Mean time of one call over a batch of `n`, in µs.
fn time_batch(f: &dyn Fn(), n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One operation's `raw` and `jwt` timings, one entry per round.
#[derive(Default)]
struct Pair {
    raw: Vec<f64>,
    jwt: Vec<f64>,
}

impl Pair {
    /// One round: a batch of `raw`, then a batch of `jwt` of the same length.
    fn round(&mut self, raw: &dyn Fn(), jwt: &dyn Fn(), n: u32) {
        self.raw.push(time_batch(raw, n));
        self.jwt.push(time_batch(jwt, n));
    }

    fn report(&self, case: &str, op: &str) {
        let ratios = self.raw.iter().zip(&self.jwt).map(|(r, j)| j / r).collect();
        let ratio = median(ratios);
        println!(
            "{case}/{op}: raw {:.2} µs, jwt {:.2} µs, jwt/raw {ratio:.3} ({:+.1}%)",
            median(self.raw.clone()),
            median(self.jwt.clone()),
            (ratio - 1.0) * 100.0
        );
    }
}

/// Alternating batches per case; the batch length is sized on `raw`, and `jwt` runs the
/// same number of calls, so that each round compares like with like.
fn interleaved(filter: Option<&str>) {
    for (name, alg, spec) in cases() {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let f = Fixture::new(alg, spec);
        let (sign_raw, sign_jwt) = (|| f.sign_raw(), || f.sign_jwt());
        let (verify_raw, verify_jwt) = (|| f.verify_raw(), || f.verify_jwt());
        let sign_n = batch_len(&sign_raw);
        let verify_n = batch_len(&verify_raw);
        let (mut sign, mut verify) = (Pair::default(), Pair::default());
        for _ in 0..ROUNDS {
            sign.round(&sign_raw, &sign_jwt, sign_n);
            verify.round(&verify_raw, &verify_jwt, verify_n);
        }
        sign.report(name, "sign");
        verify.report(name, "verify");
    }
}

fn main() {
    if std::env::var_os("SIGIL_BENCH_INTERLEAVED").is_some() {
        // `cargo bench` passes `--bench`; a positional argument filters cases by name.
        let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
        interleaved(filter.as_deref());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
