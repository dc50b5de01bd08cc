//! The server layer's error for building, starting and provisioning (request handling has
//! its own response types: `OAuthError`, `AdminError`).

/// What can stop the server from starting or a provisioning step from completing.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Configuration that cannot work (the message says what to change).
    #[error("{0}")]
    Config(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] sigil_store::StoreError),
    /// A key or token operation failed.
    #[error(transparent)]
    Jose(#[from] sigil_jose::Error),
    /// The random number generator failed: nothing that needs a secret can be made now.
    #[error(transparent)]
    Random(#[from] crate::random::RandomError),
    /// Sealing or unsealing failed.
    #[error("{0}")]
    Crypto(String),
    /// A request to provision something that conflicts with what exists or is not allowed.
    #[error("{0}")]
    Invalid(String),
    /// A redirect URI a client may not register (RFC 7591 §3.2.2 `invalid_redirect_uri`).
    #[error(transparent)]
    RedirectUri(#[from] crate::clients::RedirectUriError),
    /// Hashing or verifying a password failed, or a new one breaks the policy.
    #[error(transparent)]
    Password(#[from] crate::users::PasswordError),
    /// Binding or serving failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    /// Whether the database is down or busy (so the same step may work later), as opposed to
    /// a bug, bad data or bad input.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_unavailable())
    }
}
