//! Dynamic client registration (RFC 7591 §3) and its management protocol (RFC 7592): who may
//! register (the realm's policy, initial access tokens, the per-address limit), the request's
//! metadata through the one client validator (`Provisioner::create_client`), and the
//! registration access token with which the client later reads, replaces or deletes its
//! registration.
//!
//! The registration access token is 256 random bits; only its SHA-256 is stored
//! (`DynamicRegistration::access_token_sha256`), compared in constant time, and a replacement
//! rotates it. A registered client is in the store at once, and the client cache never
//! remembers a miss, so every node serves it on its first request without a realm reload;
//! a replacement or deletion reaches other nodes through the feed's client entry (and this
//! node's cache at once).

pub mod metadata;

use std::net::IpAddr;

use serde_json::{Map, Value};
use sigil_store::{ClientRecord, DynamicRegistration, RegistrationPolicy};

use crate::ServerError;
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::Context;
use crate::op::login::throttle::addr_key;
use crate::op::subject;
use crate::provision::Provisioner;
use crate::random;
use crate::realms::RealmState;
use crate::routes::{Endpoint, url};
use metadata::MetadataError;

/// The largest registration request read (metadata beyond this is refused with 413).
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Open registrations are counted per address in windows of this length.
pub const REGISTRATION_WINDOW_SECS: i64 = 3600;

/// A registration (or replacement) that succeeded: the members to answer with.
#[derive(Debug)]
pub struct Registered(pub Map<String, Value>);

/// Who is asking, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The `Authorization: Bearer` token, when sent.
    pub bearer: Option<&'a str>,
    /// The peer address.
    pub address: Option<IpAddr>,
}

fn invalid_token(debug: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, "the access token is not valid").with_debug(debug)
}

impl From<MetadataError> for OAuthError {
    fn from(e: MetadataError) -> Self {
        match e {
            MetadataError::RedirectUri(m) => Self::new(ErrorCode::InvalidRedirectUri, m),
            MetadataError::Member(m) => Self::new(ErrorCode::InvalidClientMetadata, m),
        }
    }
}

/// A provisioning refusal in RFC 7591 §3.2.2's terms; anything else keeps its own meaning.
fn refused(e: ServerError) -> OAuthError {
    match e {
        ServerError::RedirectUri(e) => {
            OAuthError::new(ErrorCode::InvalidRedirectUri, format!("redirect_uris: {e}"))
        }
        ServerError::Invalid(m) => OAuthError::new(ErrorCode::InvalidClientMetadata, m),
        ServerError::Random(e) => e.into(),
        ServerError::Store(e) => e.into(),
        other => OAuthError::server_error(other.to_string()),
    }
}

/// The realm's policy admits this caller: `closed` nobody (403), `token` a caller with an
/// initial access token that has a use left (spent here, atomically), `open` anyone within
/// the per-address hourly limit (counted in the store, so across nodes).
async fn admit(ctx: &Context, realm: &RealmState, caller: Caller<'_>) -> Result<(), OAuthError> {
    match realm.settings.registration {
        RegistrationPolicy::Closed => Err(OAuthError::registration_closed()),
        RegistrationPolicy::Token => {
            let Some(token) = caller.bearer else {
                return Err(invalid_token("no initial access token"));
            };
            let spent = ctx
                .store
                .spend_initial_access_token(&realm.name, &random::digest(token), ctx.now())
                .await?;
            if spent {
                Ok(())
            } else {
                Err(invalid_token(
                    "unknown, expired or used-up initial access token",
                ))
            }
        }
        RegistrationPolicy::Open => {
            let key = match caller.address {
                Some(address) => format!("register:{}", addr_key(address)),
                None => "register:unknown".to_owned(),
            };
            let (count, _) = ctx
                .store
                .record_login_failure(&realm.name, &key, ctx.now(), REGISTRATION_WINDOW_SECS)
                .await?;
            if count > realm.settings.registrations_per_hour {
                return Err(OAuthError::too_many_registrations());
            }
            Ok(())
        }
    }
}

/// RFC 7591 §3.1: registers a client from `members` and answers §3.2.1's response.
pub async fn register(
    ctx: &Context,
    provisioner: &Provisioner,
    realm: &RealmState,
    caller: Caller<'_>,
    members: &Map<String, Value>,
) -> Result<Registered, OAuthError> {
    // A closed realm says so before reading anything. Otherwise the metadata is checked
    // before an initial access token's use is spent or the address's count goes up: a typo
    // costs nothing.
    if realm.settings.registration == RegistrationPolicy::Closed {
        admit(ctx, realm, caller).await?;
    }
    let requested = metadata::parse(members)?;
    if realm.settings.registration == RegistrationPolicy::Open {
        metadata::check_open_registration(&requested)?;
    }
    admit(ctx, realm, caller).await?;
    let (access_token, registration) = new_access_token(ctx, caller.address)?;
    let mut spec = requested.spec;
    spec.settings.registration = Some(registration);
    let (client, secret) = provisioner
        .create_client(&realm.name, spec)
        .await
        .map_err(refused)?;
    tracing::info!(
        realm = %realm.name,
        client_id = client.client_id,
        from = caller.address.map(|a| a.to_string()),
        "client registered itself"
    );
    Ok(response(realm, &client, secret, &access_token))
}

/// A fresh registration access token and what is stored of it.
fn new_access_token(
    ctx: &Context,
    address: Option<IpAddr>,
) -> Result<(String, DynamicRegistration), OAuthError> {
    let token = random::token(&*ctx.rng, 32)?;
    let registration = DynamicRegistration {
        access_token_sha256: sigil_jose::base64url::encode(random::digest(&token)),
        registered_at: ctx.now(),
        registered_from: address.map(|a| a.to_string()),
    };
    Ok((token, registration))
}

fn response(
    realm: &RealmState,
    client: &ClientRecord,
    secret: Option<String>,
    access_token: &str,
) -> Registered {
    let mut members = echo(realm, client);
    if let Some(secret) = secret {
        members.insert("client_secret".into(), Value::from(secret));
    }
    members.insert(
        "registration_access_token".into(),
        Value::from(access_token),
    );
    Registered(members)
}

/// The metadata of `client` with its `registration_client_uri`.
fn echo(realm: &RealmState, client: &ClientRecord) -> Map<String, Value> {
    let subject_type = match crate::op::clients::ClientMetadata::parse(client) {
        Ok(parsed) => subject::subject_type(realm, &parsed).as_str(),
        Err(_) => "public",
    };
    let mut members = metadata::echo(client, subject_type);
    members.insert(
        "registration_client_uri".into(),
        Value::from(registration_client_uri(realm, &client.client_id)),
    );
    members
}

/// RFC 7592 §1: where the client manages its registration.
pub fn registration_client_uri(realm: &RealmState, client_id: &str) -> String {
    format!("{}/{client_id}", url(&realm.issuer, Endpoint::Register))
}

/// The registered client `client_id` whose registration access token is `bearer` (RFC 7592
/// §3: `401 invalid_token` for an absent or wrong token, and — so that tokens cannot be used
/// to learn which clients exist — for an unknown client too).
async fn authorized(
    ctx: &Context,
    realm: &RealmState,
    client_id: &str,
    bearer: Option<&str>,
) -> Result<ClientRecord, OAuthError> {
    let Some(token) = bearer else {
        return Err(invalid_token("no registration access token"));
    };
    let Some(client) = ctx.store.get_client(&realm.name, client_id).await? else {
        return Err(invalid_token("no such client"));
    };
    let Some(registration) = &client.settings.registration else {
        return Err(invalid_token("the client did not register itself"));
    };
    let presented = sigil_jose::base64url::encode(random::digest(token));
    if aws_lc_rs::constant_time::verify_slices_are_equal(
        presented.as_bytes(),
        registration.access_token_sha256.as_bytes(),
    )
    .is_err()
    {
        return Err(invalid_token("wrong registration access token"));
    }
    Ok(client)
}

/// RFC 7592 §2.1: the client's current registration (no secret or token: only their digests
/// are kept).
pub async fn read(
    ctx: &Context,
    realm: &RealmState,
    client_id: &str,
    bearer: Option<&str>,
) -> Result<Registered, OAuthError> {
    let client = authorized(ctx, realm, client_id, bearer).await?;
    Ok(Registered(echo(realm, &client)))
}

/// RFC 7592 §2.2: replaces every member of the registration (those absent take their
/// defaults) and rotates the registration access token.
pub async fn update(
    ctx: &Context,
    provisioner: &Provisioner,
    realm: &RealmState,
    client_id: &str,
    caller: Caller<'_>,
    members: &Map<String, Value>,
) -> Result<Registered, OAuthError> {
    let current = authorized(ctx, realm, client_id, caller.bearer).await?;
    let requested = metadata::parse(members)?;
    // Updating cannot widen what an anonymous registration may hold.
    if realm.settings.registration == RegistrationPolicy::Open {
        metadata::check_open_registration(&requested)?;
    }
    // §2.2: the request names the client it replaces.
    if requested.client_id.as_deref() != Some(client_id) {
        return Err(OAuthError::new(
            ErrorCode::InvalidClientMetadata,
            "client_id must be the registered client's",
        ));
    }
    if let Some(secret) = &requested.client_secret {
        let matches = current.secret_hash.as_deref().is_some_and(|stored| {
            aws_lc_rs::constant_time::verify_slices_are_equal(&random::digest(secret), stored)
                .is_ok()
        });
        if !matches {
            return Err(OAuthError::new(
                ErrorCode::InvalidClientMetadata,
                "client_secret is not the registered client's",
            ));
        }
    }
    let (access_token, mut registration) = new_access_token(ctx, caller.address)?;
    if let Some(previous) = &current.settings.registration {
        // Review shows where it first came from; registered_at is the last change.
        registration.registered_from = previous.registered_from.clone();
    }
    let mut spec = requested.spec;
    spec.settings.registration = Some(registration);
    let client = provisioner
        .replace_client(&realm.name, &current, spec)
        .await
        .map_err(refused)?;
    // The feed tells other nodes; this one forgets the old registration now.
    realm.forget_clients(std::slice::from_ref(&client.client_id));
    Ok(response(realm, &client, None, &access_token))
}

/// RFC 7592 §2.3: deletes the client (and through `delete_client` its grants and consents);
/// the registration access token dies with it.
pub async fn delete(
    ctx: &Context,
    provisioner: &Provisioner,
    realm: &RealmState,
    client_id: &str,
    bearer: Option<&str>,
) -> Result<(), OAuthError> {
    let client = authorized(ctx, realm, client_id, bearer).await?;
    provisioner
        .delete_client(&realm.name, &client.client_id)
        .await
        .map_err(refused)?;
    realm.forget_clients(std::slice::from_ref(&client.client_id));
    Ok(())
}
