//! `Verifier::verify` with a warm JWKS cache against what it is built on and what it
//! replaces, for ES256 and RS256-2048, on the same token and key:
//!
//! * `raw` — the signature primitive alone (`VerifyingKey::verify` on the signing input);
//! * `jose` — `sigil_jose::jwt::verify`: parse, verify, claims, validation;
//! * `verifier` — `Verifier::verify`, keys fetched once from a JWKS server on 127.0.0.1
//!   (the cache is warm, so each call is a read-locked `Arc` clone plus the `jose` work);
//! * `jsonwebtoken` — `jsonwebtoken::decode` (aws-lc-rs backend) with issuer and audience.
//!
//! Targets: `verifier` ≤ 1.15 × `jose`, and no slower than `jsonwebtoken`.
//! `cargo bench -p sigil-verify --bench verify` (figures in docs/benchmarks.md).
//!
//! On a shared machine, `SIGIL_BENCH_INTERLEAVED=1 cargo bench -p sigil-verify --bench
//! verify` instead runs the four variants in alternating batches and reports the median of
//! the per-round times and ratios, so that load from elsewhere hits all of them alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group};
use serde_json::json;
use sigil_jose::jwk::{Kid, PublicKeyParams};
use sigil_jose::jwt::{self, AudienceCheck};
use sigil_jose::{
    Algorithm, Audience, Claims, JwkSet, KeySpec, NumericDate, PrivateKey, SigningKey, Validation,
    VerifyingKey, base64url,
};
use sigil_verify::{ManualClock, Verifier};

const NOW: NumericDate = NumericDate(1_800_000_000);
const ISS: &str = "https://id.example.com/realms/acme";
const AUD: &str = "https://api.example.com";

/// The claims of the sigil-jose bench: an RFC 9068 access token of about 280 bytes.
fn claims() -> Claims {
    let mut claims = Claims {
        iss: Some(ISS.into()),
        sub: Some("service-account-billing".into()),
        aud: Some(Audience::One(AUD.into())),
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

/// Polls a future that must complete without waiting (a warm cache never awaits).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a warm-cache verification waited"),
    }
}

/// Serves `jwks` on 127.0.0.1:0 from `runtime`; returns the URL.
fn serve_jwks(runtime: &tokio::runtime::Runtime, jwks: String) -> String {
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let app = Router::new().route("/jwks", get(move || async move { jwks }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    })
}

fn decoding_key(params: &PublicKeyParams) -> jsonwebtoken::DecodingKey {
    match params {
        PublicKeyParams::Rsa { n, e } => jsonwebtoken::DecodingKey::from_rsa_components(
            &base64url::encode(n),
            &base64url::encode(e),
        ),
        PublicKeyParams::P256 { x, y } => jsonwebtoken::DecodingKey::from_ec_components(
            &base64url::encode(x),
            &base64url::encode(y),
        ),
        other => panic!("not benched: {other:?}"),
    }
    .unwrap()
}

/// A named way of verifying the token.
type Variant = (&'static str, Box<dyn FnMut()>);

/// One algorithm's four ways of verifying the same token.
struct Case {
    name: &'static str,
    variants: Vec<Variant>,
}

fn cases(runtime: &tokio::runtime::Runtime) -> Vec<Case> {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let claims = claims();
    let validation = Validation::new(ISS, AudienceCheck::OneOf(vec![AUD.into()]));
    let algs = [
        (
            "ES256",
            Algorithm::ES256,
            KeySpec::P256,
            jsonwebtoken::Algorithm::ES256,
        ),
        (
            "RS256-2048",
            Algorithm::RS256,
            KeySpec::Rsa { bits: 2048 },
            jsonwebtoken::Algorithm::RS256,
        ),
    ];
    let mut cases = Vec::new();
    for (name, alg, spec, jwt_alg) in algs {
        let kid = Kid::new(format!("{name}-key")).unwrap();
        let signer = SigningKey::new(PrivateKey::generate(spec).unwrap(), alg, Some(kid)).unwrap();
        let key = VerifyingKey::from_jwk(signer.public_jwk().clone()).unwrap();
        let token = jwt::sign(&signer, Some("at+jwt"), &claims).unwrap();
        let input = token[..token.rfind('.').unwrap()].to_owned();
        let signature = base64url::decode(&token[token.rfind('.').unwrap() + 1..]).unwrap();

        let jwks = JwkSet::new(vec![signer.public_jwk().clone()]).to_json();
        let verifier = Verifier::builder()
            .issuer(ISS)
            .jwks_url(serve_jwks(runtime, jwks))
            .allowed_algorithms([alg])
            .audience([AUD])
            .clock(Arc::new(ManualClock::new(std::time::Duration::from_secs(
                NOW.0 as u64,
            ))))
            .build()
            .unwrap();
        runtime.block_on(verifier.warm_up()).unwrap();
        ready(verifier.verify(&token)).unwrap();

        let jwt_key = decoding_key(&signer.public_jwk().params);
        let mut jwt_validation = jsonwebtoken::Validation::new(jwt_alg);
        jwt_validation.set_issuer(&[ISS]);
        jwt_validation.set_audience(&[AUD]);
        jsonwebtoken::decode::<Claims>(&token, &jwt_key, &jwt_validation).unwrap();

        let (t1, t2, t3) = (token.clone(), token.clone(), token);
        let (key2, validation) = (key.clone(), validation.clone());
        let variants: Vec<Variant> = vec![
            (
                "raw",
                Box::new(move || {
                    black_box(key.verify(alg, black_box(input.as_bytes()), black_box(&signature)))
                        .unwrap();
                }),
            ),
            (
                "jose",
                Box::new(move || {
                    black_box(jwt::verify(black_box(&t1), &key2, &[alg], &validation, NOW))
                        .unwrap();
                }),
            ),
            (
                "verifier",
                Box::new(move || {
                    black_box(ready(verifier.verify(black_box(&t2)))).unwrap();
                }),
            ),
            (
                "jsonwebtoken",
                Box::new(move || {
                    black_box(jsonwebtoken::decode::<Claims>(
                        black_box(&t3),
                        &jwt_key,
                        &jwt_validation,
                    ))
                    .unwrap();
                }),
            ),
        ];
        cases.push(Case { name, variants });
    }
    cases
}

fn bench(c: &mut Criterion) {
    let runtime = runtime();
    for mut case in cases(&runtime) {
        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        for (variant, f) in &mut case.variants {
            group.bench_function(*variant, |b| b.iter(&mut *f));
        }
        group.finish();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Alternating batches of ~20 ms per variant, 41 rounds; medians of times and of ratios.
fn interleaved() {
    let runtime = runtime();
    for mut case in cases(&runtime) {
        let batch = {
            let f = &mut case.variants[0].1;
            let start = Instant::now();
            for _ in 0..50 {
                f();
            }
            (50.0 * 0.02 / start.elapsed().as_secs_f64()).ceil() as u32
        };
        let n = case.variants.len();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
        for _ in 0..41 {
            for (i, (_, f)) in case.variants.iter_mut().enumerate() {
                let start = Instant::now();
                for _ in 0..batch {
                    f();
                }
                times[i].push(start.elapsed().as_secs_f64() * 1e6 / f64::from(batch));
            }
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let ratio = |a: usize, b: usize| {
            median(times[a].iter().zip(&times[b]).map(|(x, y)| x / y).collect())
        };
        for (i, (variant, _)) in case.variants.iter().enumerate() {
            println!(
                "verify/{}/{variant}: median {:.2} µs",
                case.name,
                median(times[i].clone())
            );
        }
        println!(
            "verify/{}: verifier/jose {:.3}, verifier/raw {:.3}, jose/raw {:.3}, verifier/jsonwebtoken {:.3}",
            case.name,
            ratio(2, 1),
            ratio(2, 0),
            ratio(1, 0),
            ratio(2, 3)
        );
    }
}

fn main() {
    if std::env::var_os("SIGIL_BENCH_INTERLEAVED").is_some() {
        interleaved();
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
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
