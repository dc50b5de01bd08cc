//! Clients that sign: key pairs made with aws-lc-rs, JWTs signed by `jsonwebtoken` (an
//! implementation independent of sigil-jose), and a local HTTP server publishing a client's
//! JWK Set at its `jwks_uri`, counting the fetches.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use sigil_server::provision::ClientSpec;
use sigil_store::ClientSettings;

use crate::people_support::REDIRECT;
use crate::support::TestServer;

/// RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client's key pair: the private half for `jsonwebtoken`, the public half as a JWK.
pub struct ClientKey {
    pub kid: String,
    pub alg: jsonwebtoken::Algorithm,
    encoding: EncodingKey,
    pub jwk: Value,
}

impl ClientKey {
    /// A P-256 key for ES256.
    pub fn es256(kid: &str) -> Self {
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).unwrap();
        let pair = signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap();
        // The uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        let (x, y) = point[1..].split_at(32);
        Self {
            kid: kid.into(),
            alg: jsonwebtoken::Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
            }),
        }
    }

    /// An Ed25519 key for EdDSA (without `alg` in its JWK: any algorithm its type fits).
    pub fn ed25519(kid: &str) -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Self {
            kid: kid.into(),
            alg: jsonwebtoken::Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "OKP", "crv": "Ed25519", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            }),
        }
    }

    /// `claims` signed with this key, its `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.encoding).unwrap()
    }

    /// `claims` signed with this key under another `kid`.
    pub fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(kid.into());
        encode(&header, claims, &self.encoding).unwrap()
    }
}

/// A JWK Set of these keys.
pub fn jwks(keys: &[&ClientKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
}

/// `claims` as an unsigned JWT (`alg: none`, RFC 7519 §6).
pub fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// `claims` signed with HS256 under `secret`.
pub fn hs256(secret: &[u8], kid: &str, claims: &Value) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// The claims of a client assertion (RFC 7523 §3) from `client_id` to `aud`, valid for
/// `lifetime` seconds from `now`, with this `jti`.
pub fn assertion_claims(client_id: &str, aud: &str, now: i64, lifetime: i64, jti: &str) -> Value {
    json!({
        "iss": client_id, "sub": client_id, "aud": aud, "jti": jti,
        "iat": now, "exp": now + lifetime,
    })
}

/// A `private_key_jwt` client registered with `settings` (its `jwks` or `jwks_uri`) for the
/// client credentials and code grants.
pub async fn signing_client(server: &TestServer, id: &str, settings: ClientSettings) {
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some(id.into()),
                auth_method: Some("private_key_jwt".into()),
                grant_types: vec![
                    "client_credentials".into(),
                    "authorization_code".into(),
                    "refresh_token".into(),
                ],
                redirect_uris: vec![REDIRECT.into()],
                scopes: ["openid", "profile", "email", "api:read"]
                    .map(String::from)
                    .to_vec(),
                settings,
                ..ClientSpec::default()
            },
        )
        .await;
}

/// POSTs `form` to `path` with no Basic credentials; the status and the JSON body.
pub async fn post(server: &TestServer, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = server
        .http
        .post(server.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A client's key server: serves whatever JWK Set it is given at `/jwks.json`, and counts.
pub struct JwksServer {
    pub uri: String,
    document: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start(document: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (document.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = served.lock().unwrap().to_string();
                    ([("content-type", "application/jwk-set+json")], body)
                }
            }),
        );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            uri,
            document,
            fetches,
            _task: task,
        }
    }

    /// From now on, serves `document`.
    pub fn publish(&self, document: Value) {
        *self.document.lock().unwrap() = document;
    }

    /// How many times the set was fetched.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}
