//! Key states, derived from the timestamps stored with each key (never stored themselves), so
//! every node computes the same published set and the same signer:
//!
//! **next** (published, not signing) → **current** (signing) → **previous** (published, no
//! longer signing) → **removed**.
//!
//! * A key signs from `activate_at`, and stops when a newer key of its algorithm activates
//!   (`superseded_at`).
//! * A superseded key stays published for the realm's [`retention`]: the longest lifetime of
//!   anything it can have signed, so no token outlives the key that verifies it.
//! * `retired_at` removes a key at a given time: early retirement, or the scheduled end of an
//!   imported verification-only key.

use sigil_store::{KeyRecord, RealmSettings};

/// The cap on a client's access-token lifetime (`sigil client create --access-token-ttl`).
pub const CLIENT_ACCESS_TOKEN_TTL_CAP: u64 = 86_400;
/// Clock skew tolerated between nodes and verifiers, added to every waiting period.
pub const SKEW_MARGIN_SECS: i64 = 300;

/// Where a key stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Not yet published.
    Pending,
    /// Published, not yet signing.
    Next,
    /// Signing (the newest activated key of its algorithm).
    Current,
    /// Published for verification only.
    Previous,
    /// Neither published nor signing.
    Removed,
}

impl KeyState {
    /// Whether the JWKS lists the key.
    pub fn is_published(self) -> bool {
        matches!(self, Self::Next | Self::Current | Self::Previous)
    }

    /// The name shown by `sigil keys list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Next => "next",
            Self::Current => "current",
            Self::Previous => "previous",
            Self::Removed => "removed",
        }
    }
}

/// How long a superseded key stays published: the longest lifetime of an access token (the
/// realm's, or a client's up to the cap), a personal access token or a minted token, plus
/// the skew margin. Computed from configuration, not guessed.
pub fn retention(settings: &RealmSettings) -> i64 {
    let longest = [
        settings.access_token_ttl_secs,
        CLIENT_ACCESS_TOKEN_TTL_CAP,
        settings.pat_max_ttl_secs,
        settings.minted_token_max_ttl_secs,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    i64::try_from(longest).unwrap_or(i64::MAX / 2) + SKEW_MARGIN_SECS
}

/// How long before it signs a new key must be published: one JWKS cache lifetime plus the
/// skew margin, so a verifier holding a cached JWKS never meets an unknown `kid`.
pub fn prepublication(jwks_max_age_secs: u64) -> i64 {
    i64::try_from(jwks_max_age_secs).unwrap_or(i64::MAX / 2) + SKEW_MARGIN_SECS
}

/// A key's past and future, as far as the stored keys tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// Published from.
    pub publish_at: i64,
    /// Signs from; `None` for verification-only keys.
    pub activate_at: Option<i64>,
    /// Stops signing (a newer key of the algorithm activates), if known.
    pub superseded_at: Option<i64>,
    /// Unpublished from, if known.
    pub remove_at: Option<i64>,
}

/// The timeline of `key` among `all` keys of the realm.
pub fn timeline(all: &[KeyRecord], key: &KeyRecord, retention: i64) -> Timeline {
    let signs = key.private_sealed.is_some();
    let superseded_at = signs.then(|| successor_activation(all, key)).flatten();
    let natural_removal = superseded_at.map(|at| at.saturating_add(retention));
    let remove_at = match (key.retired_at, natural_removal) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Timeline {
        publish_at: key.publish_at,
        activate_at: signs.then_some(key.activate_at),
        superseded_at: superseded_at.map(|at| remove_at.map_or(at, |r| at.min(r))),
        remove_at,
    }
}

/// When the first newer signing key of the same algorithm activates (one retired before
/// activating never does).
fn successor_activation(all: &[KeyRecord], key: &KeyRecord) -> Option<i64> {
    all.iter()
        .filter(|other| {
            other.alg == key.alg
                && other.private_sealed.is_some()
                && (other.activate_at, &other.kid) > (key.activate_at, &key.kid)
                && other.retired_at.is_none_or(|r| r > other.activate_at)
        })
        .map(|other| other.activate_at)
        .min()
}

/// The state of `key` at `now`.
pub fn state_at(all: &[KeyRecord], key: &KeyRecord, retention: i64, now: i64) -> KeyState {
    let t = timeline(all, key, retention);
    if t.remove_at.is_some_and(|at| at <= now) {
        KeyState::Removed
    } else if t.publish_at > now {
        KeyState::Pending
    } else {
        match t.activate_at {
            None => KeyState::Previous,
            Some(at) if at > now => KeyState::Next,
            Some(_) if t.superseded_at.is_some_and(|at| at <= now) => KeyState::Previous,
            Some(_) => KeyState::Current,
        }
    }
}

/// The state of every key at `now`, in the order given.
pub fn states(keys: &[KeyRecord], retention: i64, now: i64) -> Vec<KeyState> {
    keys.iter()
        .map(|key| state_at(keys, key, retention, now))
        .collect()
}

/// The next time any key changes state after `now`, so a cached key set knows when to rebuild.
pub fn next_transition(keys: &[KeyRecord], retention: i64, now: i64) -> Option<i64> {
    keys.iter()
        .flat_map(|key| {
            let t = timeline(keys, key, retention);
            [
                Some(t.publish_at),
                t.activate_at,
                t.superseded_at,
                t.remove_at,
            ]
        })
        .flatten()
        .filter(|&at| at > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, alg: &str, activate_at: i64) -> KeyRecord {
        KeyRecord {
            kid: kid.into(),
            alg: alg.into(),
            public_jwk: String::new(),
            private_sealed: Some(vec![1]),
            created_at: activate_at - 100,
            publish_at: activate_at - 100,
            activate_at,
            retired_at: None,
            origin: "generated".into(),
        }
    }

    #[test]
    fn a_rotation_walks_next_current_previous_removed() {
        let keys = vec![
            key("k1", "RS256", 1000),
            key("k2", "RS256", 2000),
            key("e1", "ES256", 1500),
        ];
        let retention = 500;
        let at = |now| states(&keys, retention, now);
        use KeyState::*;
        assert_eq!(at(899), [Pending, Pending, Pending]);
        assert_eq!(at(1000), [Current, Pending, Pending]);
        assert_eq!(at(1600), [Current, Pending, Current]);
        assert_eq!(at(1900), [Current, Next, Current]);
        assert_eq!(
            at(2000),
            [Previous, Current, Current],
            "k2 signs from its activation"
        );
        assert_eq!(at(2499), [Previous, Current, Current]);
        assert_eq!(
            at(2500),
            [Removed, Current, Current],
            "k1 removed after the retention"
        );
        assert_eq!(next_transition(&keys, retention, 1950), Some(2000));
        assert_eq!(next_transition(&keys, retention, 2000), Some(2500));
    }

    #[test]
    fn retirement_and_verification_only_keys() {
        let mut keys = vec![key("k1", "RS256", 1000), key("k2", "RS256", 2000)];
        keys[1].retired_at = Some(1500); // retired before it ever signed
        assert_eq!(
            states(&keys, 500, 2100),
            [KeyState::Current, KeyState::Removed]
        );
        let mut old = key("old", "RS256", 0);
        old.private_sealed = None;
        old.retired_at = Some(3000);
        let keys = vec![old];
        assert_eq!(states(&keys, 500, 2999), [KeyState::Previous]);
        assert_eq!(states(&keys, 500, 3000), [KeyState::Removed]);
    }

    #[test]
    fn retention_covers_the_longest_token_lifetime() {
        let settings = RealmSettings::default();
        assert_eq!(
            retention(&settings),
            90 * 86_400 + SKEW_MARGIN_SECS,
            "PATs live 90 days"
        );
        assert_eq!(prepublication(900), 1200);
    }
}
