//! What a user's fields may hold. Checked once here, for the CLI, the admin API and tests
//! alike, so tokens built from a user never need to check again.

use serde_json::{Map, Value};

use crate::ServerError;

/// Claim names Sigil sets itself: JWT's registered claims (RFC 7519 §4.1), the ID token's
/// (OIDC Core §2, §3.1.3.6), logout's (OIDC Back-Channel Logout §2.4), RFC 9068's and
/// RFC 8693's. A custom claim of these names would forge protocol meaning.
const PROTOCOL_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "c_hash",
    "s_hash",
    "sid",
    "events",
    "client_id",
    "scope",
    "scp",
    "cnf",
    "act",
    "may_act",
    "typ",
];

/// OIDC Core §5.1 standard claims that come from a field of the user, not from `claims`.
const FIELD_CLAIMS: &[&str] = &[
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "groups",
    "updated_at",
    "preferred_username",
];

/// The most custom-claim JSON a user carries: it rides in every token and userinfo answer.
const MAX_CLAIMS_BYTES: usize = 8 * 1024;

fn invalid(message: String) -> ServerError {
    ServerError::Invalid(message)
}

/// A username: trimmed, 1 to 128 characters, none of them control characters.
pub(super) fn username(raw: &str) -> Result<String, ServerError> {
    let username = raw.trim();
    if username.is_empty()
        || username.chars().count() > 128
        || username.chars().any(char::is_control)
    {
        return Err(invalid(
            "a username has 1 to 128 printable characters".into(),
        ));
    }
    Ok(username.to_owned())
}

/// A text field (`name`, …): trimmed, empty means none, at most 256 characters, no control
/// characters.
pub(super) fn optional_text(raw: Option<&str>, field: &str) -> Result<Option<String>, ServerError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 256 || text.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{field} has at most 256 printable characters"
        )));
    }
    Ok(Some(text.to_owned()))
}

/// An email address, sanity-checked (not RFC 5321 in full: delivery is the real test): one
/// `@`, a local part of 1 to 64 bytes without spaces, a domain of dot-separated labels of
/// letters, digits and hyphens, at most 254 bytes in all.
pub(super) fn email(text: &str) -> Result<String, ServerError> {
    let bad = || invalid(format!("{text:?} is not an email address"));
    let (local, domain) = text.split_once('@').ok_or_else(bad)?;
    let local_ok = (1..=64).contains(&local.len())
        && !local.contains('@')
        && local.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if text.len() > 254 || !local_ok || !domain_ok {
        return Err(bad());
    }
    Ok(text.to_owned())
}

/// `email_verified` says something about an address: without one it must be false.
pub(super) fn email_verified(email: Option<&String>, verified: bool) -> Result<bool, ServerError> {
    if verified && email.is_none() {
        return Err(invalid("email_verified needs an email".into()));
    }
    Ok(verified)
}

/// Custom claims: names of 1 to 128 printable characters without spaces, none reserved, all
/// of them at most [`MAX_CLAIMS_BYTES`] of JSON.
pub(super) fn claims(claims: Map<String, Value>) -> Result<Map<String, Value>, ServerError> {
    for name in claims.keys() {
        if name.is_empty()
            || name.chars().count() > 128
            || name.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(invalid(format!(
                "claim name {name:?} must have 1 to 128 printable characters and no spaces"
            )));
        }
        if PROTOCOL_CLAIMS.contains(&name.as_str()) {
            return Err(invalid(format!(
                "claim {name:?} is reserved: Sigil sets it in tokens itself"
            )));
        }
        if FIELD_CLAIMS.contains(&name.as_str()) {
            return Err(invalid(format!(
                "claim {name:?} comes from the user's own field of that name; set the field instead"
            )));
        }
    }
    let size = Value::Object(claims.clone()).to_string().len();
    if size > MAX_CLAIMS_BYTES {
        return Err(invalid(format!(
            "custom claims take {size} bytes of JSON; at most {MAX_CLAIMS_BYTES} are allowed"
        )));
    }
    Ok(claims)
}

/// Group names: trimmed, 1 to 128 printable characters, duplicates dropped (first kept).
pub(super) fn groups(groups: Vec<String>) -> Result<Vec<String>, ServerError> {
    let mut kept: Vec<String> = Vec::with_capacity(groups.len());
    for group in groups {
        let group = group.trim();
        if group.is_empty() || group.chars().count() > 128 || group.chars().any(char::is_control) {
            return Err(invalid(format!(
                "group {group:?} must have 1 to 128 printable characters"
            )));
        }
        if !kept.iter().any(|g| g == group) {
            kept.push(group.to_owned());
        }
    }
    Ok(kept)
}

/// Scope values (RFC 6749 §3.3 `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`), duplicates
/// dropped. An empty list stays empty: it means "nothing", unlike no list.
pub(super) fn scopes(scopes: Vec<String>) -> Result<Vec<String>, ServerError> {
    let mut kept: Vec<String> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let valid = !scope.is_empty()
            && scope
                .chars()
                .all(|c| c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c));
        if !valid {
            return Err(invalid(format!(
                "scope {scope:?} has characters RFC 6749 §3.3 does not allow"
            )));
        }
        if !kept.contains(&scope) {
            kept.push(scope);
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@example.com",
            "first.last+tag@sub.example.co.nz",
            "ü@exämple.de",
        ] {
            assert_eq!(email(good).unwrap(), good);
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            "a@example.com.",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn reserved_and_malformed_claim_names_are_refused() {
        for name in [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "email",
            "groups",
            "",
            "a b",
        ] {
            let mut map = Map::new();
            map.insert(name.into(), Value::from(1));
            assert!(claims(map).is_err(), "{name:?}");
        }
        let mut fine = Map::new();
        fine.insert("department".into(), Value::from("R&D"));
        assert!(claims(fine).is_ok());
        let mut huge = Map::new();
        huge.insert("blob".into(), Value::from("x".repeat(MAX_CLAIMS_BYTES)));
        assert!(claims(huge).is_err());
    }

    #[test]
    fn scope_tokens_and_groups() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            scopes(s(&["openid", "api:read", "openid"])).unwrap(),
            s(&["openid", "api:read"])
        );
        assert_eq!(scopes(Vec::new()).unwrap(), Vec::<String>::new());
        for bad in ["", "a b", "quote\"", "back\\slash", "é"] {
            assert!(scopes(s(&[bad])).is_err(), "{bad:?}");
        }
        assert_eq!(
            groups(s(&[" staff ", "staff", "admins"])).unwrap(),
            s(&["staff", "admins"])
        );
        assert!(groups(s(&[""])).is_err());
    }
}
