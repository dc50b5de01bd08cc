//! Signing in with a username and password (the login form of OIDC Core §3.1.2.3), with
//! failed attempts throttled per account and per client address.
//!
//! **Invariants:** the answer to a wrong password, an unknown user and a disabled user is the
//! same, and costs the same (an unknown user costs `verify_unknown_user`, a dummy argon2
//! verification); past the throttle, no password is checked at all. The counters live in the
//! store (`ThrottleStore`), so the limit holds across nodes.

pub mod throttle;

use std::net::IpAddr;

use sigil_store::UserRecord;

use crate::op::Context;
use crate::realms::RealmState;
use crate::ui::PageError;
use crate::users::{Password, PasswordHashing, Verification};

/// How a sign-in attempt ended.
#[derive(Debug)]
pub enum Outcome {
    /// The password is right and the user may sign in.
    SignedIn(Box<UserRecord>),
    /// Wrong username or password, or a disabled user: one generic answer.
    Refused,
    /// Too many failures for this account or address: not checked; wait.
    Throttled,
}

/// Checks `username` and `password` in `realm`; `addr` is the client's address, when known.
pub async fn sign_in(
    ctx: &Context,
    realm: &RealmState,
    passwords: &PasswordHashing,
    username: &str,
    password: &Password,
    addr: Option<IpAddr>,
) -> Result<Outcome, PageError> {
    let limits = throttle::Limits::of(&realm.settings);
    let addr_key = addr.map(throttle::addr_key);
    if let Some(key) = &addr_key
        && throttle::exceeded(ctx, realm, key, limits).await?
    {
        return Ok(Outcome::Throttled);
    }
    let user = ctx
        .store
        .get_user_by_username(&realm.name, username)
        .await
        .map_err(store_page)?;
    // An unknown name is counted under its own key, so it is throttled exactly like an
    // account: the throttle must not tell which names exist either.
    let user_key = match &user {
        Some(u) => throttle::user_key(&u.id),
        None => throttle::unknown_name_key(username),
    };
    if throttle::exceeded(ctx, realm, &user_key, limits).await? {
        return Ok(Outcome::Throttled);
    }
    let verification = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
        Some(hash) => passwords.verify(password, hash).await,
        None => passwords
            .verify_unknown_user(password)
            .await
            .map(|()| Verification::Mismatch),
    }
    .map_err(|e| {
        tracing::error!(error = %e, realm = %realm.name, "password verification failed");
        PageError::server_error()
    })?;
    match (user, verification) {
        (Some(user), Verification::Match { needs_rehash }) if !user.disabled => {
            ctx.store
                .clear_login_failures(&realm.name, &user_key)
                .await
                .map_err(store_page)?;
            if needs_rehash {
                rehash(ctx, realm, passwords, &user, password).await;
            }
            Ok(Outcome::SignedIn(Box::new(user)))
        }
        _ => {
            for key in addr_key.iter().chain(std::iter::once(&user_key)) {
                throttle::record_failure(ctx, realm, key, limits).await?;
            }
            Ok(Outcome::Refused)
        }
    }
}

/// Stores the password hashed with the current parameters (RFC 9106 §4: parameters grow
/// over time); a failure here does not fail the sign-in, it is tried again next time.
async fn rehash(
    ctx: &Context,
    realm: &RealmState,
    passwords: &PasswordHashing,
    user: &UserRecord,
    password: &Password,
) {
    let hash = match passwords.hash(password, &*ctx.rng).await {
        Ok(hash) => hash,
        Err(e) => {
            tracing::warn!(error = %e, realm = %realm.name, "rehash failed");
            return;
        }
    };
    let mut updated = user.clone();
    updated.password_hash = Some(hash);
    updated.updated_at = ctx.now();
    if let Err(e) = ctx.store.update_user(&realm.name, &updated).await {
        tracing::warn!(error = %e, realm = %realm.name, "storing a rehashed password failed");
    }
}

/// A store failure as a page: 503 when the database is down, else a logged 500.
pub fn store_page(e: sigil_store::StoreError) -> PageError {
    tracing::error!(error = %e, "store failure during sign-in");
    if e.is_unavailable() {
        PageError::unavailable()
    } else {
        PageError::server_error()
    }
}
