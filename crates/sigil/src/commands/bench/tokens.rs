//! Checking what the OP issues with `sigil-verify`, against the JWK Set fetched once at the
//! start (static keys: a refetch mid-run would add load the OP did not ask for), and the
//! per-flow secrets a relying party makes: `state`, `nonce` and the PKCE pair (RFC 7636).

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use serde_json::{Map, Value};
use sigil_jose::{Algorithm, JwkSet, base64url};
use sigil_verify::Verifier;

use super::failure::Failure;

/// Verifiers for ID tokens (audience: the client) and JWT access tokens (any audience: the
/// resource is the OP's business, not the bench's).
#[derive(Debug)]
pub struct TokenCheck {
    id_tokens: Option<Verifier>,
    access_tokens: Verifier,
}

impl TokenCheck {
    pub fn new(issuer: &str, keys: &JwkSet, client_id: Option<&str>) -> anyhow::Result<Self> {
        // Any asymmetric algorithm whose key the OP publishes: the bench measures an OP, it
        // does not pin one (HMAC is never among them).
        let builder = || {
            Verifier::builder()
                .issuer(issuer)
                .static_keys(keys.clone())
                .allowed_algorithms(Algorithm::ALL)
        };
        let id_tokens = client_id
            .map(|id| builder().audience([id]).build())
            .transpose()?;
        let access_tokens = builder().no_audience_check().build()?;
        Ok(Self {
            id_tokens,
            access_tokens,
        })
    }

    /// An access token: a JWT (three parts) must verify; an opaque one is the OP's choice.
    pub async fn access_token(&self, token: &str) -> Result<(), Failure> {
        if token.is_empty() {
            return Err(Failure::BadResponse("an empty access_token".into()));
        }
        if token.split('.').count() == 3 {
            self.access_tokens
                .verify(token)
                .await
                .map_err(|e| Failure::BadToken(format!("access token: {e}")))?;
        }
        Ok(())
    }

    /// An ID token (OIDC Core §3.1.3.7): it verifies for this client, and carries `nonce`
    /// when one was sent. Its claims, for the `sub`.
    pub async fn id_token(
        &self,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<Map<String, Value>, Failure> {
        let verifier = self.id_tokens.as_ref().ok_or_else(|| {
            Failure::BadToken("an ID token, but no --client-id to check its audience".into())
        })?;
        let verified = verifier
            .verify(token)
            .await
            .map_err(|e| Failure::BadToken(format!("ID token: {e}")))?;
        if let Some(nonce) = nonce
            && verified.claims.extra.get("nonce").and_then(Value::as_str) != Some(nonce)
        {
            return Err(Failure::NonceMismatch);
        }
        let mut claims = verified.claims.extra;
        if let Some(sub) = verified.claims.sub {
            claims.insert("sub".into(), Value::String(sub));
        }
        Ok(claims)
    }
}

/// 32 random bytes, base64url: a `state`, a `nonce` or a PKCE verifier (RFC 7636 §4.1: 43
/// characters of the unreserved set).
pub fn random_token(rng: &SystemRandom) -> Result<String, Failure> {
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes)
        .map_err(|_| Failure::Transport("the system random generator failed".into()))?;
    Ok(base64url::encode(bytes))
}

/// RFC 7636 §4.2 S256: BASE64URL(SHA256(verifier)).
pub fn s256(verifier: &str) -> String {
    base64url::encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn s256_is_rfc_7636_appendix_b() {
        assert_eq!(
            super::s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
