//! The storage layer's one error type.

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique name or id is already taken (the message says which).
    #[error("{0} already exists")]
    Conflict(String),
    /// The realm a call is scoped to does not exist.
    #[error("realm {0:?} does not exist")]
    UnknownRealm(String),
    /// The database cannot be reached or refused the operation.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data does not decode (a bug or tampering; never expected).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database URL or file is not usable.
    #[error("invalid database configuration: {0}")]
    Config(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.message().to_owned())
            }
            sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } => {
                Self::Corrupt(e.to_string())
            }
            sqlx::Error::Configuration(_) => Self::Config(e.to_string()),
            _ => Self::Unavailable(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}
