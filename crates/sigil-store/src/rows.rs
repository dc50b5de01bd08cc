//! From rows to records, for both backends.
//!
//! The two backends keep the same columns under the same names, so a record is decoded by the
//! same code on both. sqlx's rows are not generic enough to write that once as functions (each
//! column type would need its own `Decode` bound per database), so [`decoders!`] holds the
//! text once and each backend instantiates it for its row type (`sqlite::records`,
//! `postgres::records`). The conversions the backends share are plain functions here.

use crate::{Result, StoreError};

/// Renames a uniqueness conflict after the record it is about.
pub(crate) fn conflict_as(what: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what()),
        other => other,
    }
}

pub(crate) fn to_u32(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn parse_list(text: &str) -> Result<Vec<String>> {
    Ok(serde_json::from_str(text)?)
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The record decoders, for the row type `$row`.
macro_rules! decoders {
    ($row:ty) => {
        use crate::rows::{parse_list, to_u64};
        use crate::*;
        use sqlx::Row as _;

        pub(crate) fn admin_token(row: &$row) -> Result<AdminTokenRecord> {
            Ok(AdminTokenRecord {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                token_hash: row.try_get("token_hash")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                last_used_at: row.try_get("last_used_at")?,
            })
        }

        pub(crate) fn client(row: &$row) -> Result<ClientRecord> {
            let ttl: Option<i64> = row.try_get("access_token_ttl_secs")?;
            Ok(ClientRecord {
                client_id: row.try_get("client_id")?,
                name: row.try_get("name")?,
                secret_hash: row.try_get("secret_hash")?,
                auth_method: row.try_get("auth_method")?,
                grant_types: parse_list(row.try_get("grant_types")?)?,
                redirect_uris: parse_list(row.try_get("redirect_uris")?)?,
                scopes: parse_list(row.try_get("scopes")?)?,
                audiences: parse_list(row.try_get("audiences")?)?,
                access_token_ttl_secs: ttl.map(to_u64),
                signing_alg: row.try_get("signing_alg")?,
                created_at: row.try_get("created_at")?,
                settings: serde_json::from_str(row.try_get("settings")?)?,
            })
        }

        pub(crate) fn code(row: &$row) -> Result<CodeRecord> {
            Ok(CodeRecord {
                code_hash: row.try_get("code_hash")?,
                grant_id: row.try_get("grant_id")?,
                client_id: row.try_get("client_id")?,
                user_id: row.try_get("user_id")?,
                session_id: row.try_get("session_id")?,
                redirect_uri: row.try_get("redirect_uri")?,
                scope: row.try_get("scope")?,
                nonce: row.try_get("nonce")?,
                code_challenge: row.try_get("code_challenge")?,
                claims: row.try_get("claims")?,
                auth_time: row.try_get("auth_time")?,
                amr: parse_list(row.try_get("amr")?)?,
                acr: row.try_get("acr")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        }

        pub(crate) fn entry(row: &$row) -> Result<Revocation> {
            let kind: String = row.try_get("kind")?;
            Ok(Revocation {
                position: row.try_get("position")?,
                kind: FeedKind::from_name(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("revocation feed kind {kind:?}")))?,
                id: row.try_get("id")?,
                expires_at: row.try_get("expires_at")?,
            })
        }

        pub(crate) fn grant(row: &$row) -> Result<GrantRecord> {
            Ok(GrantRecord {
                id: row.try_get("id")?,
                client_id: row.try_get("client_id")?,
                user_id: row.try_get("user_id")?,
                session_id: row.try_get("session_id")?,
                scope: row.try_get("scope")?,
                auth_time: row.try_get("auth_time")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
                amr: parse_list(row.try_get("amr")?)?,
                claims: row.try_get("claims")?,
            })
        }

        pub(crate) fn key(row: &$row) -> Result<KeyRecord> {
            Ok(KeyRecord {
                kid: row.try_get("kid")?,
                alg: row.try_get("alg")?,
                public_jwk: row.try_get("public_jwk")?,
                private_sealed: row.try_get("private_sealed")?,
                created_at: row.try_get("created_at")?,
                publish_at: row.try_get("publish_at")?,
                activate_at: row.try_get("activate_at")?,
                retired_at: row.try_get("retired_at")?,
                origin: row.try_get("origin")?,
            })
        }

        pub(crate) fn realm(row: &$row) -> Result<Realm> {
            let name: String = row.try_get("name")?;
            let settings: String = row.try_get("settings")?;
            Ok(Realm {
                name: RealmName::new(name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                settings: serde_json::from_str(&settings)?,
                version: row.try_get("version")?,
                created_at: row.try_get("created_at")?,
            })
        }

        pub(crate) fn session(row: &$row) -> Result<SessionRecord> {
            Ok(SessionRecord {
                id: row.try_get("id")?,
                secret_hash: row.try_get("secret_hash")?,
                user_id: row.try_get("user_id")?,
                auth_time: row.try_get("auth_time")?,
                amr: parse_list(row.try_get("amr")?)?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                expires_at: row.try_get("expires_at")?,
                ended_at: row.try_get("ended_at")?,
            })
        }

        pub(crate) fn pat(row: &$row) -> Result<PatRecord> {
            Ok(PatRecord {
                jti: row.try_get("jti")?,
                user_id: row.try_get("user_id")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                last_used_at: row.try_get("last_used_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        pub(crate) fn user(row: &$row) -> Result<UserRecord> {
            let claims: String = row.try_get("claims")?;
            let groups: String = row.try_get("user_groups")?;
            let allowed: Option<String> = row.try_get("allowed_scopes")?;
            Ok(UserRecord {
                id: row.try_get("id")?,
                username: row.try_get("username")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                email: row.try_get("email")?,
                email_verified: row.try_get("email_verified")?,
                name: row.try_get("name")?,
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
                claims: serde_json::from_str(&claims)?,
                groups: parse_list(&groups)?,
                allowed_scopes: allowed.as_deref().map(parse_list).transpose()?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get("disabled")?,
            })
        }
    };
}
pub(crate) use decoders;
