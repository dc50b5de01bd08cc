//! Scheduling new keys: automatically on a realm's rotation period, or on demand.
//!
//! A scheduled key is published at once and signs only after [`prepublication`]: one JWKS
//! cache lifetime plus a margin. Its predecessor keeps signing until then and stays published
//! for the realm's retention afterwards. Nodes racing to schedule the same rotation insert
//! exactly one key (`insert_next_key_if_absent`).
//!
//! Decryption keys (`use: enc`) rotate the same way on the same period: a next key is
//! published (and decrypts) before it becomes current, and a previous one decrypts until its
//! retention ends. One difference: an encryption algorithm the realm lists but holds no key
//! for gets one scheduled here — how realms made before encryption keys existed get theirs,
//! the first time any node's rotator runs, with no migration (the same atomic insert lets
//! exactly one node win).
//!
//! [`prepublication`]: super::lifecycle::prepublication

use sigil_store::{KeyRecord, Realm, Store};

use super::KeyAlg;
use super::generate::{self, KeyTimes};
use super::lifecycle::{self, KeyState};
use crate::ServerError;
use crate::seal::MasterKey;

/// What a rotation check decided for one algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A next key was published; it signs from `activate_at`.
    Scheduled {
        /// The new key's id.
        kid: String,
        /// When it starts signing.
        activate_at: i64,
    },
    /// A key was made current at once (the algorithm had no signer, or `--now`).
    Activated {
        /// The new key's id.
        kid: String,
    },
    /// A next key is already waiting (here or scheduled by another node meanwhile).
    AlreadyScheduled,
    /// Not due before `due_at`.
    NotDue {
        /// When the next key will be scheduled.
        due_at: i64,
    },
    /// The algorithm has no signing key at all (all retired): an operator must act
    /// (`sigil keys rotate --now`). Not repaired automatically, so that a realm being created
    /// or a key being imported elsewhere is never raced.
    NoSigner,
    /// The current key was imported: rotating it is the operator's job.
    OperatorManaged {
        /// The imported key.
        kid: String,
    },
}

/// The keys of `alg` in `keys` at `now`: the current one and whether a next one waits.
fn standing(
    keys: &[KeyRecord],
    alg: KeyAlg,
    retention: i64,
    now: i64,
) -> (Option<&KeyRecord>, bool) {
    let mut current = None;
    let mut waiting = false;
    for key in keys.iter().filter(|k| k.alg == alg.as_str()) {
        match lifecycle::state_at(keys, key, retention, now) {
            KeyState::Current => current = Some(key),
            KeyState::Next | KeyState::Pending if key.private_sealed.is_some() => waiting = true,
            _ => {}
        }
    }
    (current, waiting)
}

/// Schedules what is due in `realm` at `now`: for each of its signing and encryption
/// algorithms, a next key once the current one is within `lead` of the end of its rotation
/// period; for an encryption algorithm without any key, a first one.
pub async fn rotate_due(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    lead: i64,
    now: i64,
) -> Result<Vec<(KeyAlg, Outcome)>, ServerError> {
    let keys = store.list_keys(&realm.name).await?;
    let retention = lifecycle::retention(&realm.settings);
    let period = i64::try_from(realm.settings.rotation_period_secs).unwrap_or(i64::MAX / 2);
    let mut outcomes = Vec::new();
    for alg in algorithms(realm)? {
        let outcome = match standing(&keys, alg, retention, now) {
            (_, true) => Outcome::AlreadyScheduled,
            (None, false) if matches!(alg, KeyAlg::Decrypt(_)) => {
                schedule(store, master, realm, alg, now, now + lead).await?
            }
            (None, false) => {
                tracing::warn!(realm = %realm.name, %alg, "no signing key; run `sigil keys rotate --now`");
                Outcome::NoSigner
            }
            (Some(current), false) if current.origin != "generated" => Outcome::OperatorManaged {
                kid: current.kid.clone(),
            },
            (Some(current), false) => {
                let due_at = current
                    .activate_at
                    .saturating_add(period)
                    .saturating_sub(lead);
                if now < due_at {
                    Outcome::NotDue { due_at }
                } else {
                    let activate_at = (now + lead).max(current.activate_at.saturating_add(period));
                    schedule(store, master, realm, alg, now, activate_at).await?
                }
            }
        };
        if !matches!(
            outcome,
            Outcome::NotDue { .. } | Outcome::AlreadyScheduled | Outcome::OperatorManaged { .. }
        ) {
            tracing::info!(realm = %realm.name, %alg, ?outcome, "key rotation");
        }
        outcomes.push((alg, outcome));
    }
    Ok(outcomes)
}

/// Schedules a rotation of `alg` now (`sigil keys rotate`): a next key signing after `lead`,
/// or, with `immediate`, a key that signs at once.
pub async fn rotate(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    alg: KeyAlg,
    lead: i64,
    immediate: bool,
    now: i64,
) -> Result<Outcome, ServerError> {
    if immediate {
        return activate_now(store, master, realm, alg, now).await;
    }
    schedule(store, master, realm, alg, now, now + lead).await
}

async fn schedule(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    alg: KeyAlg,
    now: i64,
    activate_at: i64,
) -> Result<Outcome, ServerError> {
    let key = generate::generate(alg, realm.settings.rsa_bits as usize).await?;
    let times = KeyTimes {
        created_at: now,
        publish_at: now,
        activate_at,
    };
    let record = generate::record(master, &realm.name, key, alg, None, times, "generated")?;
    if store
        .insert_next_key_if_absent(&realm.name, &record, now)
        .await?
    {
        Ok(Outcome::Scheduled {
            kid: record.kid,
            activate_at,
        })
    } else {
        Ok(Outcome::AlreadyScheduled)
    }
}

async fn activate_now(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    alg: KeyAlg,
    now: i64,
) -> Result<Outcome, ServerError> {
    let key = generate::generate(alg, realm.settings.rsa_bits as usize).await?;
    let keys = store.list_keys(&realm.name).await?;
    let activate_at = immediate_activation(&keys, alg.as_str(), now);
    let times = KeyTimes {
        created_at: now,
        publish_at: now,
        activate_at,
    };
    let record = generate::record(master, &realm.name, key, alg, None, times, "generated")?;
    store.insert_key(&realm.name, &record).await?;
    Ok(Outcome::Activated { kid: record.kid })
}

/// When a key meant to sign "now" activates: now, or one second after the newest key of its
/// algorithm that already signs, so that it is strictly the newest (a tie would be broken by
/// kid, not by intent). Keys scheduled for later keep their schedule.
pub fn immediate_activation(keys: &[KeyRecord], alg: &str, now: i64) -> i64 {
    keys.iter()
        .filter(|k| k.alg == alg && k.private_sealed.is_some() && k.activate_at <= now)
        .map(|k| k.activate_at.saturating_add(1))
        .fold(now, i64::max)
}

/// The realm's signing algorithms, then its encryption algorithms.
pub fn algorithms(realm: &Realm) -> Result<Vec<KeyAlg>, ServerError> {
    let signing = realm.settings.signing_algs.iter().map(|a| {
        a.parse::<sigil_jose::Algorithm>()
            .map(KeyAlg::Sign)
            .map_err(ServerError::from)
    });
    let encryption = realm
        .settings
        .encryption_algs
        .iter()
        .map(|a| KeyAlg::encryption(a).map(KeyAlg::Decrypt));
    signing.chain(encryption).collect()
}
