//! Sign and verify per algorithm: the raw primitive against a whole JWT (claims → compact
//! token, and back with validation). Target: the JWT costs ≤ 10% more than the primitive.
//!
//! `cargo bench -p sigil-jose --bench jws` (figures in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
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

fn bench(c: &mut Criterion) {
    let claims = claims();
    let validation = Validation::new(
        ISS,
        AudienceCheck::OneOf(vec!["https://api.example.com".into()]),
    );
    for (name, alg, spec) in cases() {
        let signer =
            SigningKey::new(PrivateKey::generate(spec).expect("keygen"), alg, None).expect("key");
        let verifier = VerifyingKey::from_jwk(signer.public_jwk().clone()).expect("jwk");
        let token = jwt::sign(&signer, Some("at+jwt"), &claims).expect("sign");
        // The raw primitive signs the same bytes a token's signature covers.
        let input = token[..token.rfind('.').expect("dot")].to_owned();
        let signature = signer.sign(input.as_bytes()).expect("sign");

        let mut group = c.benchmark_group(name);
        group.bench_function("sign/raw", |b| {
            b.iter(|| signer.sign(black_box(input.as_bytes())))
        });
        group.bench_function("sign/jwt", |b| {
            b.iter(|| jwt::sign(&signer, Some("at+jwt"), black_box(&claims)))
        });
        group.bench_function("verify/raw", |b| {
            b.iter(|| verifier.verify(alg, black_box(input.as_bytes()), black_box(&signature)))
        });
        group.bench_function("verify/jwt", |b| {
            b.iter(|| jwt::verify(black_box(&token), &verifier, &[alg], &validation, NOW))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
