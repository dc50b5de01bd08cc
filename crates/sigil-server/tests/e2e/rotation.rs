//! The key lifecycle over time (injected clock): two full rotations, walked step by step, with
//! what the JWKS publishes and which key signs asserted at every step; tokens signed before a
//! rotation keep verifying with an independent JOSE library until their key is removed.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sigil_server::clock::Clock;
use sigil_server::keys::lifecycle;
use sigil_server::keys::rotation::{self, Outcome};
use sigil_server::random::SystemRng;
use sigil_server::seal::MasterKey;
use sigil_server::{Server, ServerConfig};
use sigil_store::sqlite::SqliteStore;
use sigil_store::{RealmName, Store};

use crate::support::{START, TestServer, parts, verify_with_jsonwebtoken};

const DAY: i64 = 86_400;
const PERIOD: i64 = 7 * DAY;

/// The published signing kids (`encryption_keys.rs` walks the `use: enc` ones).
async fn published(server: &TestServer) -> Vec<String> {
    let (_, jwks) = server.get_json("/realms/rot/jwks.json").await;
    let mut kids: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "sig")
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    kids.sort();
    kids
}

async fn signer(server: &TestServer, auth: (&str, &str)) -> String {
    let token = server.token("rot", auth, &[]).await;
    parts(&token).0["kid"].as_str().unwrap().to_owned()
}

/// Moves the clock and waits until the server shows `kids` published and `signing` signing.
async fn expect(
    server: &TestServer,
    auth: (&str, &str),
    at: i64,
    kids: &[&String],
    signing: &String,
) {
    server.clock.set(at);
    let mut want: Vec<String> = kids.iter().map(|k| (*k).clone()).collect();
    want.sort();
    for _ in 0..100 {
        if published(server).await == want && signer(server, auth).await == *signing {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "at {at}: published {:?} (want {want:?}), signer {} (want {signing})",
        published(server).await,
        signer(server, auth).await
    );
}

/// The kid of the key scheduled after `known`, once the server has published it.
async fn newcomer(server: &TestServer, known: &[&String]) -> String {
    for _ in 0..100 {
        if let Some(kid) = published(server)
            .await
            .into_iter()
            .find(|k| !known.contains(&k))
        {
            return kid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no new key was scheduled");
}

#[tokio::test]
async fn two_full_rotations_with_prepublication_and_retention() {
    let server = TestServer::start().await;
    server.realm("rot", &[]).await;
    let name = RealmName::new("rot").unwrap();
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
    assert_eq!((retention, lead), (DAY + 300, 1200));
    let (id, secret) = server.client("rot", "svc").await;
    let auth = (id.as_str(), secret.as_str());

    let k1 = published(&server).await.remove(0);
    expect(&server, auth, START, &[&k1], &k1).await;
    // Not due yet one second before the pre-publication window opens.
    expect(&server, auth, START + PERIOD - lead - 1, &[&k1], &k1).await;

    // Due: K2 is published at once, but K1 keeps signing until K2's activation.
    server.clock.set(START + PERIOD - lead);
    let k2 = newcomer(&server, &[&k1]).await;
    expect(&server, auth, START + PERIOD - lead, &[&k1, &k2], &k1).await;
    let admin = server
        .provisioner
        .create_admin_token("t", None)
        .await
        .unwrap()
        .0;
    let minted = server
        .http
        .post(server.url("/admin/v1/realms/rot/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "u1", "aud": "rp", "ttl": 3600}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let t1 = minted["token"].as_str().unwrap().to_owned();
    assert_eq!(
        parts(&t1).0["kid"],
        k1.as_str(),
        "signed by K1 before the rotation"
    );
    expect(&server, auth, START + PERIOD - 1, &[&k1, &k2], &k1).await;

    // K2 activates: it signs; K1 is previous and still published, so T1 still verifies.
    expect(&server, auth, START + PERIOD, &[&k1, &k2], &k2).await;
    let jwks_url = server.url("/realms/rot/jwks.json");
    let issuer = server.issuer("rot");
    verify_with_jsonwebtoken(
        &server.http,
        &jwks_url,
        &t1,
        &issuer,
        Some("rp"),
        server.clock.now(),
    )
    .await;
    // Everything K1 signed has expired before K1 is removed.
    let t1_exp = parts(&t1).1["exp"].as_i64().unwrap();
    assert!(t1_exp < START + PERIOD + retention);
    expect(
        &server,
        auth,
        START + PERIOD + retention - 1,
        &[&k1, &k2],
        &k2,
    )
    .await;
    expect(&server, auth, START + PERIOD + retention, &[&k2], &k2).await;

    // Second rotation, same walk.
    server.clock.set(START + 2 * PERIOD - lead);
    let k3 = newcomer(&server, &[&k2]).await;
    expect(&server, auth, START + 2 * PERIOD - lead, &[&k2, &k3], &k2).await;
    expect(&server, auth, START + 2 * PERIOD, &[&k2, &k3], &k3).await;
    expect(&server, auth, START + 2 * PERIOD + retention, &[&k3], &k3).await;
    assert!(
        k1 != k2 && k2 != k3 && k1 != k3,
        "every rotation brings a new kid"
    );

    // Early retirement of a previous key: tokens it signed stop verifying at once.
    let t3 = server.token("rot", auth, &[]).await;
    server
        .provisioner
        .rotate(&name, &[], lead, true)
        .await
        .unwrap();
    let k4 = newcomer(&server, &[&k3]).await;
    expect(
        &server,
        auth,
        START + 2 * PERIOD + retention,
        &[&k3, &k4],
        &k4,
    )
    .await;
    let retired = server.provisioner.retire(&name, &k3).await.unwrap();
    assert_eq!(retired.was, lifecycle::KeyState::Previous);
    expect(&server, auth, START + 2 * PERIOD + retention, &[&k4], &k4).await;
    let keys: jsonwebtoken::jwk::JwkSet = server
        .http
        .get(&jwks_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        keys.find(parts(&t3).0["kid"].as_str().unwrap()).is_none(),
        "a retired key no longer verifies"
    );
    assert!(
        server.provisioner.retire(&name, &k4).await.is_err(),
        "the current key cannot be retired"
    );
    server.stop().await;
}

#[tokio::test]
async fn two_servers_on_one_database_schedule_exactly_one_next_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sigil.db");
    let clock = Arc::new(sigil_server::clock::ManualClock::new(START));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let master = Arc::new(MasterKey::from_bytes(&[7; 32]).unwrap());
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let provisioner = sigil_server::provision::Provisioner::new(
        first.clone(),
        master.clone(),
        dyn_clock.clone(),
        Arc::new(SystemRng::new()),
    )
    .await
    .unwrap();
    provisioner
        .create_realm(
            &RealmName::default_realm(),
            &[sigil_jose::Algorithm::ES256],
            2048,
        )
        .await
        .unwrap();

    let mut stops = Vec::new();
    for _ in 0..2 {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            rotation_interval: Duration::from_millis(20),
            refresh_interval: Duration::from_millis(50),
            ..ServerConfig::default()
        };
        let server = Server::build(
            config,
            store,
            master.clone(),
            dyn_clock.clone(),
            Arc::new(SystemRng::new()),
        )
        .await
        .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        stops.push((tx, task));
    }
    // Both nodes see the rotation fall due at the same moment.
    let due = START + 30 * DAY - lifecycle::prepublication(900);
    clock.set(due);
    // And two more direct attempts race head to head, on two connections.
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let realm = first
        .get_realm(&RealmName::default_realm())
        .await
        .unwrap()
        .unwrap();
    let (a, b) = tokio::join!(
        rotation::rotate_due(&*first, &master, &realm, 1200, due),
        rotation::rotate_due(&*other, &master, &realm, 1200, due),
    );
    let outcomes: Vec<Outcome> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .map(|(_, o)| o)
        .collect();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Scheduled { .. } | Outcome::AlreadyScheduled)),
        "{outcomes:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    for alg in ["RS256", "ES256"] {
        let keys = first.list_keys(&RealmName::default_realm()).await.unwrap();
        let of_alg = keys.iter().filter(|k| k.alg == alg).count();
        assert_eq!(of_alg, 2, "{alg}: the current key and exactly one next key");
    }
    for (tx, task) in stops {
        let _ = tx.send(());
        task.await.unwrap().unwrap();
    }
}
