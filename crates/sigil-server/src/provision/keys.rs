//! Key administration for `sigil keys list|rotate|import|retire` and configured keys.

use sigil_jose::jwe::KeyManagement;
use sigil_jose::{Algorithm, Kid};
use sigil_store::{KeyRecord, RealmName};

use super::Provisioner;
use crate::ServerError;
use crate::keys::lifecycle::{self, KeyState, Timeline};
use crate::keys::{KeyAlg, import, rotation};

/// A key with its state and timeline now.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The stored record.
    pub record: KeyRecord,
    /// Its state now.
    pub state: KeyState,
    /// When it publishes, signs, stops signing, is removed.
    pub timeline: Timeline,
}

/// What retiring a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    /// The key's state before.
    pub was: KeyState,
}

impl Provisioner {
    /// Every key of the realm with its state and timeline.
    pub async fn keys(&self, realm: &RealmName) -> Result<Vec<KeyInfo>, ServerError> {
        let settings = self.realm(realm).await?.settings;
        let retention = lifecycle::retention(&settings);
        let now = self.now();
        let records = self.store.list_keys(realm).await?;
        Ok(records
            .iter()
            .map(|record| KeyInfo {
                record: record.clone(),
                state: lifecycle::state_at(&records, record, retention, now),
                timeline: lifecycle::timeline(&records, record, retention),
            })
            .collect())
    }

    /// Schedules a new key for each of `algs` (all the realm's, signing and encryption, when
    /// empty), signing (or current, for a decryption key) after `lead` seconds — or at once
    /// with `immediate`.
    pub async fn rotate(
        &self,
        realm: &RealmName,
        algs: &[KeyAlg],
        lead: i64,
        immediate: bool,
    ) -> Result<Vec<(KeyAlg, rotation::Outcome)>, ServerError> {
        let record = self.realm(realm).await?;
        let held = rotation::algorithms(&record)?;
        let algs: Vec<KeyAlg> = if algs.is_empty() {
            held.clone()
        } else {
            algs.to_vec()
        };
        let mut outcomes = Vec::new();
        for alg in algs {
            if !held.contains(&alg) {
                let what = match alg {
                    KeyAlg::Sign(_) => "sign with",
                    KeyAlg::Decrypt(_) => "keep encryption keys for",
                };
                return Err(ServerError::Invalid(format!(
                    "realm {realm} does not {what} {alg}"
                )));
            }
            let outcome = rotation::rotate(
                &*self.store,
                &self.master,
                &record,
                alg,
                lead,
                immediate,
                self.now(),
            )
            .await?;
            outcomes.push((alg, outcome));
        }
        Ok(outcomes)
    }

    /// Imports a private key PEM; it signs after `lead` seconds, or at once with `immediate`.
    /// The realm starts signing with the key's algorithm if it did not.
    pub async fn import_key(
        &self,
        realm: &RealmName,
        pem_text: &str,
        alg: Option<Algorithm>,
        kid: Option<Kid>,
        lead: i64,
        immediate: bool,
    ) -> Result<Option<KeyRecord>, ServerError> {
        let mut record = self.realm(realm).await?;
        let now = self.now();
        let alg = match alg {
            Some(alg) => alg,
            None => import::default_algorithm(sigil_jose::pem::parse_private_key(pem_text)?.kind()),
        };
        let activate_at = if immediate {
            let keys = self.store.list_keys(realm).await?;
            rotation::immediate_activation(&keys, alg.as_str(), now)
        } else {
            now + lead
        };
        let import = import::SigningKeyImport {
            pem: pem_text,
            alg: Some(alg),
            kid,
            activate_at,
        };
        let imported =
            import::import_signing_key(&*self.store, &self.master, &record, import, now).await?;
        if let Some(key) = &imported
            && !record.settings.signing_algs.contains(&key.alg)
        {
            record.settings.signing_algs.push(key.alg.clone());
            self.store
                .update_realm_settings(realm, &record.settings)
                .await?;
        }
        Ok(imported)
    }

    /// Publishes a previous public key for verification only.
    pub async fn import_previous_public_key(
        &self,
        realm: &RealmName,
        pem_text: &str,
        alg: Option<Algorithm>,
        kid: Option<Kid>,
    ) -> Result<Option<KeyRecord>, ServerError> {
        let record = self.realm(realm).await?;
        import::import_previous_public_key(&*self.store, &record, pem_text, alg, kid, self.now())
            .await
    }

    /// Sets the encryption algorithms `realm` keeps decryption keys for (`sigil realm update
    /// --encryption-alg`). A newly listed one gets a key published and current at once: no
    /// client can hold a JWKS with a key that was never published, so there is nothing to
    /// wait for. The keys of an algorithm no longer listed are retired now: they leave the
    /// JWKS and stop decrypting.
    pub async fn set_encryption_algs(
        &self,
        realm: &RealmName,
        algs: &[KeyManagement],
    ) -> Result<(), ServerError> {
        let mut record = self.realm(realm).await?;
        let mut names: Vec<String> = Vec::new();
        for alg in algs {
            let name = KeyAlg::encryption(alg.as_str())?.as_str().to_owned();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let now = self.now();
        let keys = self.keys(realm).await?;
        for name in &names {
            let held = keys
                .iter()
                .any(|k| &k.record.alg == name && k.state != KeyState::Removed);
            if !held {
                let alg = KeyAlg::encryption(name)?;
                self.add_key(realm, alg.into(), record.settings.rsa_bits as usize, now)
                    .await?;
            }
        }
        for key in &keys {
            let dropped = matches!(key.record.alg.parse::<KeyAlg>(), Ok(KeyAlg::Decrypt(_)))
                && !names.contains(&key.record.alg);
            if dropped && key.state != KeyState::Removed {
                self.store.retire_key(realm, &key.record.kid, now).await?;
            }
        }
        record.settings.encryption_algs = names;
        self.store
            .update_realm_settings(realm, &record.settings)
            .await?;
        Ok(())
    }

    /// Sets how long a generated key signs before its successor takes over (1 to 365 days).
    pub async fn set_rotation_period(
        &self,
        realm: &RealmName,
        days: u64,
    ) -> Result<(), ServerError> {
        if !(1..=365).contains(&days) {
            return Err(ServerError::Invalid(
                "the rotation period is 1 to 365 days".into(),
            ));
        }
        let mut record = self.realm(realm).await?;
        record.settings.rotation_period_secs = days * 86_400;
        self.store
            .update_realm_settings(realm, &record.settings)
            .await?;
        Ok(())
    }

    /// Removes a key now. A current key is refused unless another key of its algorithm
    /// can sign, so a realm never loses its signer by accident.
    pub async fn retire(&self, realm: &RealmName, kid: &str) -> Result<Retirement, ServerError> {
        let keys = self.keys(realm).await?;
        let Some(target) = keys.iter().find(|k| k.record.kid == kid) else {
            return Err(ServerError::Invalid(format!(
                "no key {kid} in realm {realm}"
            )));
        };
        if target.state == KeyState::Removed {
            return Err(ServerError::Invalid(format!(
                "key {kid} is already removed"
            )));
        }
        if target.state == KeyState::Current {
            let what = match target.record.alg.parse::<KeyAlg>() {
                Ok(KeyAlg::Decrypt(_)) => "encryption",
                _ => "signing",
            };
            return Err(ServerError::Invalid(format!(
                "key {kid} is the current {} {what} key; run `sigil keys rotate --now --alg {}` first",
                target.record.alg, target.record.alg
            )));
        }
        self.store.retire_key(realm, kid, self.now()).await?;
        Ok(Retirement { was: target.state })
    }
}
