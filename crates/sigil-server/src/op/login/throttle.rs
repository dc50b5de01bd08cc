//! Failed-login throttling (OWASP Authentication Cheat Sheet, "Login Throttling"): each
//! account and each client address may fail `login_failures_allowed` times within
//! `login_failure_window_secs`; past that, attempts are refused unchecked until the window
//! (which starts at the first failure) ends. Counted in the store by one atomic upsert per
//! failure, so concurrent failures on any number of nodes all count.

use std::net::IpAddr;

use sigil_store::RealmSettings;

use super::store_page;
use crate::op::Context;
use crate::realms::RealmState;
use crate::ui::PageError;

/// The realm's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    allowed: u32,
    window_secs: i64,
}

impl Limits {
    /// The limits `settings` set.
    pub fn of(settings: &RealmSettings) -> Self {
        Self {
            allowed: settings.login_failures_allowed,
            window_secs: i64::try_from(settings.login_failure_window_secs).unwrap_or(i64::MAX),
        }
    }
}

/// The throttle key of an account.
pub fn user_key(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// The throttle key of a username no account has (case as typed; bounded in length so a
/// long guess cannot make a long key).
pub fn unknown_name_key(username: &str) -> String {
    let name: String = username.chars().take(128).collect();
    format!("name:{name}")
}

/// The throttle key of a client address. IPv6 addresses count per /64: one host usually
/// holds the whole prefix.
pub fn addr_key(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("addr:{v4}"),
            None => {
                let s = v6.segments();
                format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Whether `key` has used up its failures in the current window.
pub async fn exceeded(
    ctx: &Context,
    realm: &RealmState,
    key: &str,
    limits: Limits,
) -> Result<bool, PageError> {
    let (failures, _) = ctx
        .store
        .login_failures(&realm.name, key, ctx.now(), limits.window_secs)
        .await
        .map_err(store_page)?;
    Ok(failures >= limits.allowed)
}

/// Counts one failure for `key`.
pub async fn record_failure(
    ctx: &Context,
    realm: &RealmState,
    key: &str,
    limits: Limits,
) -> Result<(), PageError> {
    let (failures, _) = ctx
        .store
        .record_login_failure(&realm.name, key, ctx.now(), limits.window_secs)
        .await
        .map_err(store_page)?;
    if failures == limits.allowed {
        tracing::warn!(realm = %realm.name, key, "login throttled");
    }
    Ok(())
}
