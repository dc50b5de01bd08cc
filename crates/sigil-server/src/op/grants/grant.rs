//! The grants the token endpoint implements (RFC 6749 §4): the one list that dispatch matches
//! exhaustively and discovery advertises. Depends on nothing but the client vocabulary, so
//! that building a realm's metadata needs no service.

use crate::op::clients::{GrantType, TokenEndpointAuthMethod};

/// A grant the token endpoint implements, one module each. Dispatch matches on this
/// exhaustively and discovery lists [`Grant::ALL`], so a new grant cannot be served without
/// being advertised, or advertised without being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 6749 §4.1.3, OIDC Core §3.1.3.
    AuthorizationCode,
    /// RFC 6749 §6, OIDC Core §12.
    RefreshToken,
}

impl Grant {
    /// Every implemented grant.
    pub const ALL: [Grant; 3] = [
        Grant::AuthorizationCode,
        Grant::RefreshToken,
        Grant::ClientCredentials,
    ];

    /// The `grant_type` value.
    pub fn as_str(self) -> &'static str {
        self.grant_type().as_str()
    }

    /// The registered grant type a client needs to use it.
    pub fn grant_type(self) -> GrantType {
        match self {
            Self::ClientCredentials => GrantType::ClientCredentials,
            Self::AuthorizationCode => GrantType::AuthorizationCode,
            Self::RefreshToken => GrantType::RefreshToken,
        }
    }

    /// The grant a `grant_type` names, if implemented.
    pub fn parse(grant_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == grant_type)
    }

    /// Whether a public client (auth method `none`) may use it.
    pub fn allows_public_clients(self) -> bool {
        match self {
            // RFC 6749 §4.4: only confidential clients.
            Self::ClientCredentials => false,
            // RFC 6749 §4.1, RFC 8252 §8.4: native and browser apps, bound by PKCE; their
            // refresh tokens are bound to the client_id they were issued to (RFC 9700 §4.14).
            Self::AuthorizationCode | Self::RefreshToken => true,
        }
    }

    /// The client authentication methods the token endpoint accepts: the confidential ones,
    /// and `none` once a grant admits public clients.
    pub fn token_endpoint_auth_methods() -> impl Iterator<Item = TokenEndpointAuthMethod> {
        let public = Self::ALL.into_iter().any(Self::allows_public_clients);
        TokenEndpointAuthMethod::ALL
            .into_iter()
            .filter(move |m| public || !m.is_public())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grant_round_trips_and_needs_its_registered_type() {
        for grant in Grant::ALL {
            assert_eq!(Grant::parse(grant.as_str()), Some(grant));
            assert_eq!(grant.grant_type().as_str(), grant.as_str());
        }
        assert_eq!(Grant::parse("password"), None);
        assert_eq!(Grant::parse("implicit"), None);
    }

    #[test]
    fn the_token_endpoint_offers_none_only_with_a_public_grant() {
        let methods: Vec<_> = Grant::token_endpoint_auth_methods().collect();
        assert!(Grant::AuthorizationCode.allows_public_clients());
        assert!(!Grant::ClientCredentials.allows_public_clients());
        assert!(methods.contains(&TokenEndpointAuthMethod::None));
        assert!(methods.contains(&TokenEndpointAuthMethod::ClientSecretBasic));
    }
}
