//! The realm's encryption keys (seed 003: the JWK set is also used "to encrypt OpenID Connect
//! request objects to the server"): published next to the signing keys with `use: enc`,
//! never used to sign or verify, rotated by the signing keys' lifecycle on the injected
//! clock, and given to realms made before they existed by the rotator.
//!
//! The JWEs are made by jwcrypto (`jwcrypto_encrypt.py`), an implementation independent of
//! sigil-jose, to the keys the test fetched from `/jwks.json`.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};
use sigil_jose::Algorithm;
use sigil_server::clock::Clock;
use sigil_server::keys::generate::{self, KeyTimes};
use sigil_server::keys::lifecycle::{self, KeyState};
use sigil_server::keys::rotation::{self, Outcome};
use sigil_server::seal::MasterKey;
use sigil_store::sqlite::SqliteStore;
use sigil_store::{Realm, RealmName, RealmSettings, Store};

use crate::support::{START, TestServer, parts};

const DAY: i64 = 86_400;
const PERIOD: i64 = 7 * DAY;

/// The `use: enc` members of a realm's JWKS, by kid.
pub async fn enc_keys(server: &TestServer, realm: &str) -> Vec<Value> {
    let path = format!("{}/jwks.json", crate::support::realm_path(realm));
    let (status, jwks) = server.get_json(&path).await;
    assert_eq!(status, 200);
    let mut keys: Vec<Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "enc")
        .cloned()
        .collect();
    keys.sort_by_key(|k| k["kid"].as_str().unwrap().to_owned());
    keys
}

pub fn kids(keys: &[Value]) -> Vec<String> {
    keys.iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The published keys of `alg`.
pub fn of_alg<'a>(keys: &'a [Value], alg: &str) -> Vec<&'a Value> {
    keys.iter().filter(|k| k["alg"] == alg).collect()
}

/// Encrypts `plaintext` to `jwk` with jwcrypto; `header` adds protected members. `None` when
/// jwcrypto is not installed (the caller skips, saying so) — except under `CI=true`, where
/// that fails the test: `.ci/install-deps` installs it.
pub fn jwcrypto_encrypt(
    jwk: &Value,
    alg: &str,
    enc: &str,
    plaintext: &str,
    header: Value,
) -> Option<String> {
    let python = std::env::var("SIGIL_TEST_PYTHON").unwrap_or_else(|_| {
        // Debian's interpreter, where `.ci/install-deps` puts python3-jwcrypto, whatever
        // else `python3` names on PATH.
        if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".into()
        } else {
            "python3".into()
        }
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/jwcrypto_encrypt.py");
    let missing = |why: String| -> Option<String> {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("jwcrypto is required under CI=true: {why}");
        }
        #[allow(clippy::print_stderr)] // the one line that says the test was skipped
        {
            eprintln!("skipping: jwcrypto is not available ({why})");
        }
        None
    };
    let mut child = match Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return missing(format!("{python}: {e}")),
    };
    let request = json!({
        "jwk": jwk, "alg": alg, "enc": enc, "plaintext": plaintext, "header": header,
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Some(String::from_utf8(output.stdout).unwrap().trim().to_owned()),
        Some(3) => missing(stderr.trim().to_owned()),
        _ => panic!("jwcrypto_encrypt.py failed: {stderr}"),
    }
}

/// What the realm's keys make of `jwe` now: the inner JWS, or the refusal.
async fn decrypt(server: &TestServer, realm: &str, jwe: &str) -> Result<String, String> {
    let state = server
        .provisioner
        .realm_state(&RealmName::new(realm).unwrap(), &server.base)
        .await
        .unwrap();
    state
        .keys
        .decrypt_request_object(jwe, None, server.clock.now())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn enc_jwks_publishes_encryption_keys_beside_the_signing_keys() {
    let server = TestServer::start().await;
    // A realm as `sigil realm create` makes it: the encryption keys are the default's.
    server.realm("acme", &[Algorithm::ES256]).await;
    let (_, jwks) = server.get_json("/realms/acme/jwks.json").await;
    let all = jwks["keys"].as_array().unwrap();
    let enc = enc_keys(&server, "acme").await;
    assert_eq!(
        enc.len(),
        2,
        "one RSA-OAEP-256 and one ECDH-ES+A256KW key: {jwks}"
    );
    let rsa = of_alg(&enc, "RSA-OAEP-256");
    let ec = of_alg(&enc, "ECDH-ES+A256KW");
    assert_eq!((rsa.len(), ec.len()), (1, 1));
    assert_eq!(rsa[0]["kty"], "RSA");
    assert_eq!(
        (ec[0]["kty"].as_str(), ec[0]["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    for key in &enc {
        let parsed = sigil_jose::jwe::EncryptionJwk::from_value(key).unwrap();
        assert_eq!(
            key["kid"].as_str(),
            Some(parsed.thumbprint().as_str()),
            "the kid is the RFC 7638 thumbprint"
        );
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "no private member {private}");
        }
    }
    let mut every_kid: Vec<&str> = all.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    every_kid.sort_unstable();
    every_kid.dedup();
    assert_eq!(
        every_kid.len(),
        4,
        "two signing and two encryption keys, distinct kids"
    );

    // A signature-key reader skips them (RFC 7517 §5), saying why; nothing signs with them.
    let body = server
        .http
        .get(server.url("/realms/acme/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let set = sigil_jose::JwkSet::from_json(&body).unwrap();
    assert_eq!(set.keys.len(), 2);
    assert!(
        set.keys
            .iter()
            .all(|k| k.key_use.as_ref().map(|u| u.as_str()) == Some("sig"))
    );
    let mut skipped: Vec<Option<String>> = set.skipped.iter().map(|s| s.kid.clone()).collect();
    skipped.sort();
    assert_eq!(
        skipped,
        kids(&enc).into_iter().map(Some).collect::<Vec<_>>()
    );
    for alg in ["RS256", "ES256"] {
        let spec = sigil_server::provision::ClientSpec {
            client_id: Some(format!("svc-{alg}")),
            signing_alg: Some(alg.parse().unwrap()),
            audiences: vec!["https://api.example".into()],
            ..Default::default()
        };
        let (id, secret) = server.client_with("acme", spec).await;
        let token = server.token("acme", (&id, &secret), &[]).await;
        let kid = parts(&token).0["kid"].as_str().unwrap().to_owned();
        assert!(
            !kids(&enc).contains(&kid),
            "{alg} signed with an encryption key"
        );
        // sigil-verify, reading the same JWKS, verifies with the signing key.
        let verifier = sigil_verify::Verifier::builder()
            .issuer(server.issuer("acme"))
            .allowed_algorithms([Algorithm::RS256, Algorithm::ES256])
            .audience(["https://api.example"])
            .clock(Arc::new(sigil_verify::ManualClock::at_unix(START as u64)))
            .build()
            .unwrap();
        verifier.verify(&token).await.unwrap();
    }

    // Discovery says what clients may encrypt request objects with.
    let (_, discovery) = server
        .get_json("/realms/acme/.well-known/openid-configuration")
        .await;
    assert_eq!(
        discovery["request_object_encryption_alg_values_supported"],
        json!(["RSA-OAEP-256", "ECDH-ES+A256KW"])
    );
    assert_eq!(
        discovery["request_object_encryption_enc_values_supported"],
        json!(["A256GCM", "A128CBC-HS256"])
    );
    server.stop().await;
}

/// Moves the clock and waits until `realm`'s JWKS publishes exactly `want` as `use: enc`.
pub async fn expect_enc_in(
    server: &TestServer,
    realm: &str,
    at: i64,
    want: &[&String],
) -> Vec<Value> {
    server.clock.set(at);
    let mut want: Vec<String> = want.iter().map(|k| (*k).clone()).collect();
    want.sort();
    for _ in 0..100 {
        let keys = enc_keys(server, realm).await;
        if kids(&keys) == want {
            return keys;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "at {at}: published {:?}, want {want:?}",
        kids(&enc_keys(server, realm).await)
    );
}

/// Moves the clock and waits until `realm`'s JWKS publishes `count` `use: enc` keys.
pub async fn expect_enc_count(
    server: &TestServer,
    realm: &str,
    at: i64,
    count: usize,
) -> Vec<Value> {
    server.clock.set(at);
    for _ in 0..100 {
        let keys = enc_keys(server, realm).await;
        if keys.len() == count {
            return keys;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "at {at}: published {:?}, want {count}",
        enc_keys(server, realm).await
    );
}

async fn expect_enc(server: &TestServer, at: i64, want: &[&String]) -> Vec<Value> {
    expect_enc_in(server, "encrot", at, want).await
}

async fn state_of(server: &TestServer, kid: &str) -> KeyState {
    let name = RealmName::new("encrot").unwrap();
    let keys = server.provisioner.keys(&name).await.unwrap();
    keys.iter().find(|k| k.record.kid == kid).unwrap().state
}

#[tokio::test]
async fn enc_keys_rotate_next_current_previous_gone_and_decrypt_while_published() {
    let server = TestServer::start().await;
    server.realm("encrot", &[]).await;
    let name = RealmName::new("encrot").unwrap();
    let mut realm = server.store.get_realm(&name).await.unwrap().unwrap();
    realm.settings.rotation_period_secs = PERIOD as u64;
    realm.settings.pat_max_ttl_secs = DAY as u64;
    realm.settings.minted_token_max_ttl_secs = 3600;
    server
        .store
        .update_realm_settings(&name, &realm.settings)
        .await
        .unwrap();
    let retention = lifecycle::retention(&realm.settings);
    let lead = lifecycle::prepublication(900);

    let first = enc_keys(&server, "encrot").await;
    let (rsa1, ec1) = (
        of_alg(&first, "RSA-OAEP-256")[0].clone(),
        of_alg(&first, "ECDH-ES+A256KW")[0].clone(),
    );
    let (rsa1_kid, ec1_kid) = (
        rsa1["kid"].as_str().unwrap().to_owned(),
        ec1["kid"].as_str().unwrap().to_owned(),
    );
    assert_eq!(state_of(&server, &rsa1_kid).await, KeyState::Current);
    let Some(to_rsa1) = jwcrypto_encrypt(
        &rsa1,
        "RSA-OAEP-256",
        "A256GCM",
        "h.p.s",
        json!({"cty": "JWT"}),
    ) else {
        return;
    };
    let to_ec1 = jwcrypto_encrypt(
        &ec1,
        "ECDH-ES+A256KW",
        "A128CBC-HS256",
        "h.p.s",
        json!({"cty": "JWT"}),
    )
    .unwrap();
    assert_eq!(
        decrypt(&server, "encrot", &to_rsa1).await.as_deref(),
        Ok("h.p.s")
    );
    assert_eq!(
        decrypt(&server, "encrot", &to_ec1).await.as_deref(),
        Ok("h.p.s")
    );

    // Due: the next keys are published at once (and decrypt), the first stay current.
    expect_enc(&server, START + PERIOD - lead - 1, &[&rsa1_kid, &ec1_kid]).await;
    // A next key per algorithm.
    let next = expect_enc_count(&server, "encrot", START + PERIOD - lead, 4).await;
    let rsa2 = of_alg(&next, "RSA-OAEP-256")
        .into_iter()
        .find(|k| k["kid"] != rsa1_kid.as_str())
        .unwrap()
        .clone();
    let ec2 = of_alg(&next, "ECDH-ES+A256KW")
        .into_iter()
        .find(|k| k["kid"] != ec1_kid.as_str())
        .unwrap()
        .clone();
    let (rsa2_kid, ec2_kid) = (
        rsa2["kid"].as_str().unwrap().to_owned(),
        ec2["kid"].as_str().unwrap().to_owned(),
    );
    assert_eq!(state_of(&server, &rsa2_kid).await, KeyState::Next);
    let to_rsa2 =
        jwcrypto_encrypt(&rsa2, "RSA-OAEP-256", "A128CBC-HS256", "n.e.w", json!({})).unwrap();
    assert_eq!(
        decrypt(&server, "encrot", &to_rsa2).await.as_deref(),
        Ok("n.e.w"),
        "a next key decrypts"
    );

    // The next keys become current; the first ones are previous and still decrypt.
    let all = [&rsa1_kid, &ec1_kid, &rsa2_kid, &ec2_kid];
    expect_enc(&server, START + PERIOD, &all).await;
    assert_eq!(state_of(&server, &rsa2_kid).await, KeyState::Current);
    assert_eq!(state_of(&server, &rsa1_kid).await, KeyState::Previous);
    assert_eq!(
        decrypt(&server, "encrot", &to_rsa1).await.as_deref(),
        Ok("h.p.s")
    );
    let late = jwcrypto_encrypt(&ec1, "ECDH-ES+A256KW", "A256GCM", "l.a.t", json!({})).unwrap();
    assert_eq!(
        decrypt(&server, "encrot", &late).await.as_deref(),
        Ok("l.a.t")
    );
    expect_enc(&server, START + PERIOD + retention - 1, &all).await;

    // Past retention: gone from the JWKS, and what was encrypted to them no longer decrypts.
    expect_enc(&server, START + PERIOD + retention, &[&rsa2_kid, &ec2_kid]).await;
    assert_eq!(state_of(&server, &rsa1_kid).await, KeyState::Removed);
    for jwe in [&to_rsa1, &to_ec1, &late] {
        assert!(decrypt(&server, "encrot", jwe).await.is_err());
    }
    assert_eq!(
        decrypt(&server, "encrot", &to_rsa2).await.as_deref(),
        Ok("n.e.w")
    );
    server.stop().await;
}

/// A realm as one made before encryption keys existed: a signing key and nothing else.
async fn old_realm(store: &dyn Store, master: &MasterKey, name: &str) -> Realm {
    let name = RealmName::new(name).unwrap();
    let key = generate::generate(Algorithm::ES256, 2048).await.unwrap();
    let record = generate::record(
        master,
        &name,
        key,
        Algorithm::ES256,
        None,
        KeyTimes::immediate(START),
        "generated",
    )
    .unwrap();
    let realm = Realm {
        name,
        settings: RealmSettings {
            signing_algs: vec!["ES256".into()],
            rsa_bits: 2048,
            ..RealmSettings::default()
        },
        version: 1,
        created_at: START,
    };
    store.insert_realm(&realm, &[record]).await.unwrap();
    realm
}

#[tokio::test]
async fn enc_a_realm_without_encryption_keys_gets_them_from_the_rotator() {
    let server = TestServer::start().await;
    let master = MasterKey::from_bytes(&[42; 32]).unwrap();
    old_realm(&*server.store, &master, "old").await;
    server
        .eventually(
            "the rotator gives the old realm its encryption keys",
            || async { enc_keys(&server, "old").await.len() == 2 },
        )
        .await;
    let keys = enc_keys(&server, "old").await;
    for alg in ["RSA-OAEP-256", "ECDH-ES+A256KW"] {
        assert_eq!(of_alg(&keys, alg).len(), 1, "{alg}: {keys:?}");
    }
    // Published before they are current: the pre-publication of any scheduled key.
    for kid in kids(&keys) {
        let keys = server
            .provisioner
            .keys(&RealmName::new("old").unwrap())
            .await
            .unwrap();
        assert_eq!(
            keys.iter().find(|k| k.record.kid == kid).unwrap().state,
            KeyState::Next
        );
    }
    let Some(jwe) = jwcrypto_encrypt(
        &keys[0],
        keys[0]["alg"].as_str().unwrap(),
        "A256GCM",
        "a.b.c",
        json!({}),
    ) else {
        return;
    };
    assert_eq!(
        decrypt(&server, "old", &jwe).await.as_deref(),
        Ok("a.b.c"),
        "a next key decrypts"
    );
    server.stop().await;
}

#[tokio::test]
async fn enc_racing_rotators_give_an_old_realm_one_key_per_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sigil.db");
    let master = MasterKey::from_bytes(&[7; 32]).unwrap();
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let realm = old_realm(&*first, &master, "old").await;
    let (a, b) = tokio::join!(
        rotation::rotate_due(&*first, &master, &realm, 1200, START),
        rotation::rotate_due(&*other, &master, &realm, 1200, START),
    );
    let outcomes: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    let scheduled = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Scheduled { .. }))
        .count();
    assert_eq!(scheduled, 2, "one per encryption algorithm: {outcomes:?}");
    let keys = first.list_keys(&realm.name).await.unwrap();
    for alg in ["RSA-OAEP-256", "ECDH-ES+A256KW"] {
        let of_alg: Vec<_> = keys.iter().filter(|k| k.alg == alg).collect();
        assert_eq!(of_alg.len(), 1, "{alg}");
        assert_eq!(
            (of_alg[0].publish_at, of_alg[0].activate_at),
            (START, START + 1200),
            "published now, current after the lead"
        );
    }
}
