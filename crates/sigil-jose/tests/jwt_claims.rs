//! JWT claims and their validation (RFC 7519 §4.1, RFC 9068 §4) with `now` passed in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use serde_json::json;
use sigil_jose::jwt::{self, AudienceCheck, TYP_ACCESS_TOKEN};
use sigil_jose::{
    Algorithm, Audience, Claims, Error, KeySpec, NumericDate, PrivateKey, SigningKey, Validation,
    VerifyingKey,
};

const ISS: &str = "https://id.example.com";
const NOW: NumericDate = NumericDate(1_800_000_000);

fn keys() -> (SigningKey, VerifyingKey) {
    let signer = SigningKey::new(
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        Algorithm::EdDSA,
        None,
    )
    .unwrap();
    let verifier = VerifyingKey::from_jwk(signer.public_jwk().clone()).unwrap();
    (signer, verifier)
}

fn claims() -> Claims {
    Claims {
        iss: Some(ISS.into()),
        sub: Some("alice".into()),
        aud: Some(Audience::One("api".into())),
        exp: Some(NOW.plus(600)),
        iat: Some(NOW),
        jti: Some("j1".into()),
        ..Claims::default()
    }
}

fn validation() -> Validation {
    Validation::new(ISS, AudienceCheck::OneOf(vec!["api".into()]))
}

fn check(
    claims: &Claims,
    typ: Option<&str>,
    validation: &Validation,
    now: NumericDate,
) -> Result<Claims, Error> {
    let (signer, verifier) = keys();
    let token = jwt::sign(&signer, typ, claims).unwrap();
    jwt::verify(&token, &verifier, &[Algorithm::EdDSA], validation, now)
}

#[test]
fn a_valid_token_round_trips_with_extra_claims() {
    let mut c = claims();
    c.extra.insert("company_id".into(), json!(42));
    c.extra.insert("email".into(), json!("alice@example.com"));
    let got = check(&c, Some("JWT"), &validation(), NOW).unwrap();
    assert_eq!(got, c);
}

#[test]
fn time_claims_with_leeway() {
    let v = validation(); // 60 s leeway
    let exp = NOW.plus(600);
    assert!(check(&claims(), None, &v, exp.plus(59)).is_ok());
    assert_eq!(
        check(&claims(), None, &v, exp.plus(60)).unwrap_err(),
        Error::Expired {
            exp: exp.0,
            now: exp.0 + 60,
            leeway: 60
        }
    );
    let mut future = claims();
    future.nbf = Some(NOW.plus(120));
    assert!(matches!(
        check(&future, None, &v, NOW),
        Err(Error::NotYetValid { .. })
    ));
    assert!(check(&future, None, &v, NOW.plus(60)).is_ok());
    let mut issued_later = claims();
    issued_later.iat = Some(NOW.plus(61));
    assert!(matches!(
        check(&issued_later, None, &v, NOW),
        Err(Error::IssuedInFuture { .. })
    ));
    let mut no_exp = claims();
    no_exp.exp = None;
    assert_eq!(
        check(&no_exp, None, &v, NOW).unwrap_err(),
        Error::MissingClaim("exp")
    );
    let mut lenient = validation();
    lenient.require_exp = false;
    assert!(check(&no_exp, None, &lenient, NOW).is_ok());
    let mut strict = validation();
    strict.leeway_secs = 0;
    assert!(matches!(
        check(&claims(), None, &strict, exp),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn issuer_must_match_exactly() {
    let mut c = claims();
    c.iss = Some(format!("{ISS}/"));
    assert_eq!(
        check(&c, None, &validation(), NOW).unwrap_err(),
        Error::IssuerMismatch {
            expected: ISS.into(),
            found: Some(format!("{ISS}/"))
        }
    );
    c.iss = None;
    assert!(matches!(
        check(&c, None, &validation(), NOW),
        Err(Error::IssuerMismatch { found: None, .. })
    ));
}

#[test]
fn audience_is_required_unless_explicitly_disabled() {
    let mut c = claims();
    c.aud = Some(Audience::Many(vec!["other".into(), "api".into()]));
    assert!(check(&c, None, &validation(), NOW).is_ok());
    c.aud = Some(Audience::Many(vec!["other".into()]));
    assert_eq!(
        check(&c, None, &validation(), NOW).unwrap_err(),
        Error::AudienceMismatch {
            expected: vec!["api".into()],
            found: vec!["other".into()]
        }
    );
    c.aud = None;
    assert!(matches!(
        check(&c, None, &validation(), NOW),
        Err(Error::AudienceMismatch { .. })
    ));
    let disabled = Validation::new(ISS, AudienceCheck::Disabled);
    assert!(check(&c, None, &disabled, NOW).is_ok());
}

#[test]
fn typ_is_compared_as_rfc_7515_says() {
    let mut v = validation();
    v.typ = Some(TYP_ACCESS_TOKEN.into());
    assert!(check(&claims(), Some("at+jwt"), &v, NOW).is_ok());
    assert!(check(&claims(), Some("application/AT+JWT"), &v, NOW).is_ok());
    assert_eq!(
        check(&claims(), Some("JWT"), &v, NOW).unwrap_err(),
        Error::TypeMismatch {
            expected: "at+jwt".into(),
            found: Some("JWT".into())
        }
    );
    assert!(matches!(
        check(&claims(), None, &v, NOW),
        Err(Error::TypeMismatch { found: None, .. })
    ));
}

#[test]
fn required_claims() {
    let mut v = validation();
    v.required_claims = vec!["jti".into(), "company_id".into()];
    assert!(
        matches!(check(&claims(), None, &v, NOW), Err(Error::InvalidClaims(m)) if m.contains("company_id"))
    );
    let mut c = claims();
    c.extra.insert("company_id".into(), json!(1));
    assert!(check(&c, None, &v, NOW).is_ok());
}

#[test]
fn numeric_dates_must_be_numbers() {
    // A string `exp` must not be mistaken for an absent one (CVE-2026-25537's class of bug).
    let (signer, verifier) = keys();
    for payload in [
        json!({"iss": ISS, "aud": "api", "exp": "9999999999"}),
        json!({"iss": ISS, "aud": "api", "exp": true}),
        json!({"iss": ISS, "aud": "api", "exp": null}),
        json!({"iss": ISS, "aud": 7, "exp": NOW.0 + 60}),
        json!(["not", "an", "object"]),
        json!({"iss": null, "aud": "api", "exp": NOW.0 + 60}),
        json!({"iss": ISS, "aud": ["api", 7], "exp": NOW.0 + 60}),
    ] {
        let token = sigil_jose::jws::sign(&signer, None, payload.to_string().as_bytes()).unwrap();
        let err =
            jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW).unwrap_err();
        assert!(matches!(err, Error::InvalidClaims(_)), "{payload}: {err:?}");
    }
    // Fractional seconds are allowed and truncated toward the past.
    let token = sigil_jose::jws::sign(
        &signer,
        None,
        json!({"iss": ISS, "aud": "api", "exp": NOW.0 as f64 + 0.5})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let c = jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW).unwrap();
    assert_eq!(c.exp, Some(NOW));
}

#[test]
fn duplicate_claim_names_are_refused() {
    // RFC 7519 §4: a parser must reject duplicates or keep only the last; Sigil rejects.
    let (signer, verifier) = keys();
    for payload in [
        format!(
            r#"{{"iss":"{ISS}","aud":"api","exp":{},"exp":1}}"#,
            NOW.0 + 60
        ),
        format!(
            r#"{{"iss":"{ISS}","aud":"api","exp":{},"role":"user","role":"admin"}}"#,
            NOW.0 + 60
        ),
        // The same names spelled with escapes are the same names.
        format!(
            r#"{{"iss":"{ISS}","aud":"api","exp":{},"\u0065xp":1}}"#,
            NOW.0 + 60
        ),
        format!(
            r#"{{"iss":"{ISS}","aud":"api","exp":{},"role":"user","r\u006fle":"admin"}}"#,
            NOW.0 + 60
        ),
    ] {
        let token = sigil_jose::jws::sign(&signer, None, payload.as_bytes()).unwrap();
        let err =
            jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW).unwrap_err();
        assert!(
            matches!(err, Error::InvalidClaims(ref m) if m.contains("duplicate")),
            "{payload}: {err:?}"
        );
    }
}

#[test]
fn escaped_claim_names_are_read_as_their_text() {
    let (signer, verifier) = keys();
    let payload = format!(
        r#"{{"\u0069ss":"{ISS}","aud":"api","exp":{},"r\u006fle":"admin"}}"#,
        NOW.0 + 60
    );
    let token = sigil_jose::jws::sign(&signer, None, payload.as_bytes()).unwrap();
    let c = jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW).unwrap();
    assert_eq!(c.iss.as_deref(), Some(ISS));
    assert_eq!(c.extra.get("role"), Some(&json!("admin")));
}

#[test]
fn a_payload_that_is_not_utf8_is_refused() {
    // RFC 7519 §7.2 step 10: the payload must be UTF-8 JSON, also where no claim is read.
    let (signer, verifier) = keys();
    let mut payload =
        format!(r#"{{"iss":"{ISS}","aud":"api","exp":{},"x":""#, NOW.0 + 60).into_bytes();
    payload.extend_from_slice(&[0xff, b'"', b'}']);
    let token = sigil_jose::jws::sign(&signer, None, &payload).unwrap();
    let err = jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW).unwrap_err();
    assert!(matches!(err, Error::InvalidClaims(_)), "{err:?}");
}

#[test]
fn claims_of_any_size_round_trip() {
    // Small claims are decoded on the stack, large ones on the heap: both read the same.
    let (signer, verifier) = keys();
    for len in [0, 10, 700, 800, 5000] {
        let mut c = claims();
        c.extra.insert("pad".into(), json!("x".repeat(len)));
        let token = jwt::sign(&signer, Some(TYP_ACCESS_TOKEN), &c).unwrap();
        let back = jwt::verify(&token, &verifier, &[Algorithm::EdDSA], &validation(), NOW);
        assert_eq!(back.unwrap(), c, "{len}");
    }
}
