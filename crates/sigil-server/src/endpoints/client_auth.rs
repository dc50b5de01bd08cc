//! Reading client credentials out of a request (RFC 6749 §2.3.1): the `Authorization: Basic`
//! header, `client_id`/`client_secret` in the form, or a `client_assertion` (RFC 7521 §4.2,
//! RFC 7523 §2.2). Which client they name and whether they prove it is
//! `op::clients::authenticate`'s decision; this module only parses.

use axum::http::HeaderMap;
use base64::Engine as _;

use crate::http::RepeatedAuthorization;
use crate::oauth::{Form, OAuthError};
use crate::op::clients::ClientCredentials;
use crate::op::clients::assertion::JWT_BEARER;

/// The credentials of a token, introspection or revocation request: exactly one method.
pub fn credentials(headers: &HeaderMap, form: &Form) -> Result<ClientCredentials, OAuthError> {
    let basic = crate::http::authorization(headers)
        .map_err(|_| OAuthError::invalid_request(RepeatedAuthorization::DESCRIPTION))?
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let body_secret = form.get("client_secret");
    let assertion_type = form.get("client_assertion_type");
    let assertion = form.get("client_assertion");
    if assertion_type.is_some() || assertion.is_some() {
        if basic.is_some() || body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method per request, not a client_assertion and a secret",
            ));
        }
        return assertion_credentials(form, assertion_type, assertion);
    }
    match (basic, body_secret) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "use one client authentication method per request, not both Basic and client_secret",
        )),
        (Some(credentials), None) => {
            let (client_id, secret) = decode_basic(credentials)?;
            if form
                .get("client_id")
                .is_some_and(|body_id| body_id != client_id)
            {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the authenticated client",
                ));
            }
            Ok(ClientCredentials::SecretBasic { client_id, secret })
        }
        (None, Some(secret)) => Ok(ClientCredentials::SecretPost {
            client_id: form.require("client_id")?.to_owned(),
            secret: secret.to_owned(),
        }),
        (None, None) => match form.get("client_id") {
            Some(id) => Ok(ClientCredentials::None {
                client_id: id.to_owned(),
            }),
            None => Err(OAuthError::invalid_client("no client authentication")),
        },
    }
}

/// RFC 7521 §4.2: both parameters, the JWT type (RFC 7523 §2.2). The client is the form's
/// `client_id` when given (RFC 7521 §4.2 makes it optional), else the one the assertion names
/// in `sub`: read without verification only to pick whose keys verify it, and checked again
/// on the verified claims.
fn assertion_credentials(
    form: &Form,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
) -> Result<ClientCredentials, OAuthError> {
    let (Some(assertion_type), Some(assertion)) = (assertion_type, assertion) else {
        return Err(OAuthError::invalid_request(
            "client_assertion and client_assertion_type go together",
        ));
    };
    if assertion_type != JWT_BEARER {
        return Err(OAuthError::invalid_client(format!(
            "unsupported client_assertion_type {assertion_type:?}"
        )));
    }
    let client_id = match form.get("client_id") {
        Some(id) => id.to_owned(),
        None => sigil_jose::dangerous::decode_unverified(assertion)
            .ok()
            .and_then(|decoded| decoded.payload)
            .and_then(|claims| claims.get("sub")?.as_str().map(str::to_owned))
            .ok_or_else(|| OAuthError::invalid_client("client assertion names no client"))?,
    };
    Ok(ClientCredentials::JwtBearer {
        client_id,
        assertion: assertion.to_owned(),
    })
}

/// RFC 6749 §2.3.1: `base64(urlencode(id) ":" urlencode(secret))`, where `urlencode` is the
/// application/x-www-form-urlencoded encoding (Appendix B): `+` is a space and `%XX` a byte.
///
/// The split is at the first raw `:`, so an id holding `:` must be encoded (`%3A`); a secret
/// may hold a raw one. Characters a client left unencoded (`&`, `=`, `%` not followed by two
/// hex digits, non-ASCII UTF-8) are taken as themselves, never as separators. A value that is
/// not UTF-8 once decoded is `invalid_client`.
fn decode_basic(credentials: &str) -> Result<(String, String), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .map_err(|_| bad())?;
    let colon = decoded.iter().position(|&b| b == b':').ok_or_else(bad)?;
    let (id, secret) = (&decoded[..colon], &decoded[colon + 1..]);
    let id = form_decode(id).ok_or_else(bad)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((id, form_decode(secret).ok_or_else(bad)?))
}

/// One application/x-www-form-urlencoded value (RFC 6749 Appendix B): `+` → space, then
/// percent-decoding; `None` unless the result is UTF-8.
fn form_decode(value: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = value
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::ErrorCode;

    fn basic(user_pass: &[u8]) -> Result<(String, String), OAuthError> {
        decode_basic(&base64::engine::general_purpose::STANDARD.encode(user_pass))
    }

    /// RFC 6749 §2.3.1 with Appendix B's encoding: each row is what the client put inside
    /// the base64, and the id and secret it means.
    #[test]
    fn basic_credentials_are_form_decoded() {
        let cases: [(&[u8], &str, &str); 16] = [
            (b"my%3Aapp:s%2Bcret+x", "my:app", "s+cret x"),
            (b"plain:secret", "plain", "secret"),
            // Encoded & = + % : in the id and the secret.
            (
                b"a%26b%3Dc%2Bd%25e%3Af:s%26t%3Du%2Bv%25w%3Ax",
                "a&b=c+d%e:f",
                "s&t=u+v%w:x",
            ),
            // Left raw by the client: & and = are data, not separators; so is a lone %.
            (b"a&b=c:s&t=u", "a&b=c", "s&t=u"),
            (b"a&b:&=", "a&b", "&="),
            (b"100%:50%zz", "100%", "50%zz"),
            (b"a%2:b%", "a%2", "b%"),
            // A raw + is a space (Appendix B); an encoded one is a plus.
            (b"a+b:c+d", "a b", "c d"),
            (b"a%2Bb:c%2bd", "a+b", "c+d"),
            // Only the first raw : splits.
            (b"id:se:cr:et", "id", "se:cr:et"),
            (b"id:", "id", ""),
            // Non-ASCII, percent-encoded UTF-8 and raw UTF-8.
            (
                b"caf%C3%A9:%E2%82%AC%F0%9F%94%91",
                "caf\u{e9}",
                "\u{20ac}\u{1f511}",
            ),
            (
                "caf\u{e9}:\u{20ac}\u{1f511}".as_bytes(),
                "caf\u{e9}",
                "\u{20ac}\u{1f511}",
            ),
            (b"%63lient:%73ecret", "client", "secret"),
            (b"%7E%21:%20", "~!", " "),
            (b"a%3a:b", "a:", "b"),
        ];
        for (raw, id, secret) in cases {
            let decoded = basic(raw);
            let shown = String::from_utf8_lossy(raw);
            let (got_id, got_secret) = decoded.unwrap_or_else(|e| panic!("{shown}: {e:?}"));
            assert_eq!(
                (got_id.as_str(), got_secret.as_str()),
                (id, secret),
                "{shown}"
            );
        }
    }

    #[test]
    fn malformed_basic_credentials_are_invalid_client() {
        let refused: [&[u8]; 6] = [
            b"nocolon",
            b":secret",
            // Not UTF-8 once decoded: encoded, raw, in the id or the secret.
            b"%FF:secret",
            b"id:%C3%28",
            b"\xff:secret",
            b"id:\xc3",
        ];
        for raw in refused {
            let e = basic(raw).err();
            assert_eq!(
                e.map(|e| e.code),
                Some(ErrorCode::InvalidClient),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        assert!(decode_basic("!!").is_err());
    }
}
