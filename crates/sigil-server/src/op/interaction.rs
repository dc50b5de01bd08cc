//! The state of one sign-in between `GET /authorize` and the login and consent POSTs,
//! carried in the forms rather than stored: sealed under the master key (AES-256-GCM, context
//! `interaction:<realm>`), so any node can continue it, nobody can read or change it, and it
//! cannot be replayed into another realm. It expires [`TTL_SECS`] after it began.
//!
//! CSRF (OWASP "double submit cookie"): a random token lives in an HttpOnly SameSite=Lax
//! cookie and in a hidden field; the interaction carries it too, so a token from another
//! interaction does not fit. All three are compared in constant time.

use serde::{Deserialize, Serialize};
use sigil_store::RealmName;

use crate::oauth::Form;
use crate::seal::MasterKey;
use crate::ui::PageError;

/// How long a person has to sign in and consent.
pub const TTL_SECS: i64 = 600;

/// One interaction's sealed state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interaction {
    /// The authorization request's parameters, form-encoded: validated again on every step,
    /// so a client changed meanwhile is seen.
    pub request: String,
    /// The CSRF token this interaction's forms carry.
    pub csrf: String,
    /// When it stops being usable.
    pub expires_at: i64,
    /// The session it continues once someone is signed in (the consent step).
    pub session_id: Option<String>,
    /// Whether that session was authenticated in this interaction (so `prompt=login` and
    /// `max_age` are satisfied by it).
    pub fresh_login: bool,
}

impl Interaction {
    /// A new interaction for `request`.
    pub fn new(request: &Form, csrf: String, now: i64) -> Self {
        Self {
            request: request.encode(),
            csrf,
            expires_at: now + TTL_SECS,
            session_id: None,
            fresh_login: false,
        }
    }

    fn context(realm: &RealmName) -> String {
        format!("interaction:{realm}")
    }

    /// The sealed form (base64url), for a hidden field.
    pub fn seal(&self, master: &MasterKey, realm: &RealmName) -> Result<String, PageError> {
        let json = serde_json::to_vec(self).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise an interaction");
            PageError::server_error()
        })?;
        let sealed = master.seal(&Self::context(realm), &json).map_err(|e| {
            tracing::error!(error = %e, "cannot seal an interaction");
            PageError::server_error()
        })?;
        Ok(sigil_jose::base64url::encode(&sealed))
    }

    /// Opens a sealed interaction of `realm` that has not expired by `now`.
    pub fn open(
        master: &MasterKey,
        realm: &RealmName,
        sealed: Option<&str>,
        now: i64,
    ) -> Result<Self, PageError> {
        let refuse = || {
            PageError::bad_request(
                "Sign-in expired",
                "This sign-in page is no longer valid. Go back to the application and try again.",
            )
        };
        let bytes = sealed
            .and_then(sigil_jose::base64url::decode)
            .ok_or_else(refuse)?;
        let json = master
            .open(&Self::context(realm), &bytes)
            .map_err(|_| refuse())?;
        let interaction: Self = serde_json::from_slice(&json).map_err(|_| refuse())?;
        if now >= interaction.expires_at {
            return Err(refuse());
        }
        Ok(interaction)
    }

    /// The authorization request's parameters.
    pub fn params(&self) -> Result<Form, PageError> {
        Form::parse(self.request.as_bytes()).map_err(|_| PageError::server_error())
    }

    /// The double-submit check: the cookie, the form field and the interaction all carry the
    /// same token (constant time).
    pub fn csrf_matches(&self, cookie: Option<&str>, field: Option<&str>) -> bool {
        let same = |a: &str, b: &str| {
            aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
        };
        match (cookie, field) {
            (Some(cookie), Some(field)) => {
                // Both comparisons run, whatever the first says.
                let a = same(cookie, field);
                let b = same(field, &self.csrf);
                a & b
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_interaction_opens_only_in_its_realm_untampered_and_in_time() {
        let master = MasterKey::from_bytes(&[7; 32]).unwrap();
        let acme = RealmName::new("acme").unwrap();
        let other = RealmName::new("other").unwrap();
        let form = Form::parse(b"client_id=web&state=s").unwrap();
        let sealed = Interaction::new(&form, "tok".into(), 100)
            .seal(&master, &acme)
            .unwrap();
        let opened = Interaction::open(&master, &acme, Some(&sealed), 699).unwrap();
        assert_eq!(opened.params().unwrap().get("state"), Some("s"));
        assert!(opened.csrf_matches(Some("tok"), Some("tok")));
        assert!(!opened.csrf_matches(Some("tok"), Some("other")));
        assert!(!opened.csrf_matches(None, Some("tok")));
        assert!(Interaction::open(&master, &acme, Some(&sealed), 700).is_err());
        assert!(Interaction::open(&master, &other, Some(&sealed), 200).is_err());
        let mut bytes = sigil_jose::base64url::decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = sigil_jose::base64url::encode(&bytes);
        assert!(Interaction::open(&master, &acme, Some(&tampered), 200).is_err());
        assert!(Interaction::open(&master, &acme, None, 200).is_err());
    }
}
