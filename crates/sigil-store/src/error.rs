//! The storage layer's one error type, and how database errors map onto it.
//!
//! The split that matters to callers is *whose fault*: [`StoreError::Unavailable`] is the only
//! variant worth retrying (the database is down, busy or unreachable); every other variant is
//! an answer about the request or a bug, and retrying it gives the same answer.

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique name or id is already taken (the message says which).
    #[error("{0} already exists")]
    Conflict(String),
    /// The realm a call is scoped to does not exist.
    #[error("realm {0:?} does not exist")]
    UnknownRealm(String),
    /// The record a call acts on does not exist (a query that must return a row returned
    /// none, or an update of one named row matched nothing). The message says which.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database refused a write that breaks a rule of the schema other than uniqueness: a
    /// foreign key, a `CHECK`, `NOT NULL`, a column type (SQLite `SQLITE_CONSTRAINT_*`,
    /// PostgreSQL SQLSTATE class 23). The caller passed what it should have validated.
    #[error("the database refused the change: {0}")]
    Constraint(String),
    /// The database rejected the statement itself (SQL it does not understand, a missing
    /// table or column, a value it cannot bind): a bug in Sigil or a schema it does not know.
    #[error("the database rejected a query: {0}")]
    Query(String),
    /// The database cannot be reached or is too busy to answer: I/O, TLS, a protocol error, a
    /// pool that timed out or closed, SQLite busy or locked, a crashed worker. Worth a retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data does not decode (a bug or tampering; never expected).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database URL or file is not usable.
    #[error("invalid database configuration: {0}")]
    Config(String),
}

impl StoreError {
    /// Whether the database itself is the problem, so that the same call may work later. Only
    /// this deserves `503`/`temporarily_unavailable`; the rest are `4xx` answers or bugs.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // Messages end up on one log line or one CLI line.
        let text = || one_line(&e.to_string());
        match &e {
            sqlx::Error::Database(db) => from_database(db.as_ref()),
            sqlx::Error::RowNotFound => Self::NotFound("the queried row does not exist".into()),
            sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } => Self::Corrupt(text()),
            sqlx::Error::Configuration(_) => Self::Config(text()),
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(text()),
            // InvalidArgument, TypeNotFound, ColumnNotFound, ColumnIndexOutOfBounds, Encode,
            // InvalidSavePointStatement, BeginFailed and what sqlx adds later: the statement or
            // its use is wrong.
            _ => Self::Query(text()),
        }
    }
}

/// Sorts an error the database returned by its code: SQLite's extended result code, or
/// PostgreSQL's SQLSTATE.
fn from_database(db: &dyn sqlx::error::DatabaseError) -> StoreError {
    use sqlx::error::ErrorKind;
    let message = one_line(db.message());
    match db.kind() {
        ErrorKind::UniqueViolation => return StoreError::Conflict(message),
        ErrorKind::ForeignKeyViolation
        | ErrorKind::NotNullViolation
        | ErrorKind::CheckViolation
        | ErrorKind::ExclusionViolation => return StoreError::Constraint(message),
        _ => {}
    }
    let code = db.code().unwrap_or_default();
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        sqlite(code.parse().unwrap_or(0), message)
    } else {
        postgres(&code, message)
    }
}

/// <https://www.sqlite.org/rescode.html>: the primary code is the low byte.
fn sqlite(extended: i32, message: String) -> StoreError {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const NOMEM: i32 = 7;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    const PROTOCOL: i32 = 15;
    const CONSTRAINT: i32 = 19;
    match extended & 0xff {
        // Another writer holds the lock past the busy timeout, or the file or disk is not
        // there or full at the moment: the database, not the request.
        BUSY | LOCKED | NOMEM | IOERR | FULL | CANTOPEN | PROTOCOL => {
            StoreError::Unavailable(message)
        }
        // Trigger (`RAISE(ABORT, …)`) and datatype constraints, which sqlx leaves unclassified.
        CONSTRAINT => StoreError::Constraint(message),
        _ => StoreError::Query(message),
    }
}

/// <https://www.postgresql.org/docs/current/errcodes-appendix.html>.
fn postgres(sqlstate: &str, message: String) -> StoreError {
    match sqlstate {
        // A read-only transaction (a standby, or a primary being demoted) and a lock that
        // was not free (`lock_timeout`, `NOWAIT`): the database's state, not the request.
        "25006" | "55P03" => return StoreError::Unavailable(message),
        _ => {}
    }
    match sqlstate.get(..2).unwrap_or_default() {
        // Connection exception, insufficient resources, operator intervention (a cancelled
        // statement — `statement_timeout`, 57014 — and shutdowns, 57P01–57P03), system
        // error, transaction rollback (serialization failure, deadlock).
        "08" | "53" | "57" | "58" | "40" => StoreError::Unavailable(message),
        // Integrity rules, and data the column cannot hold (invalid text for its type, bad
        // UTF-8, a number out of range): what the caller should have validated.
        "23" | "22" => StoreError::Constraint(message),
        _ => StoreError::Query(message),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// The mapping, on errors a real SQLite database returns.
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: fail loudly

    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

    use super::StoreError;

    async fn memory() -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;
             CREATE TABLE child (
                 id INTEGER PRIMARY KEY,
                 parent INTEGER NOT NULL REFERENCES parent(id),
                 size INTEGER NOT NULL CHECK (size > 0)) STRICT;
             CREATE TRIGGER child_rule BEFORE INSERT ON child WHEN NEW.size = 13
             BEGIN SELECT RAISE(ABORT, 'unlucky'); END;
             INSERT INTO parent (id) VALUES (1);",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool
    }

    fn variant(e: &StoreError) -> &'static str {
        match e {
            StoreError::Conflict(_) => "Conflict",
            StoreError::UnknownRealm(_) => "UnknownRealm",
            StoreError::NotFound(_) => "NotFound",
            StoreError::Constraint(_) => "Constraint",
            StoreError::Query(_) => "Query",
            StoreError::Unavailable(_) => "Unavailable",
            StoreError::Corrupt(_) => "Corrupt",
            StoreError::Config(_) => "Config",
        }
    }

    async fn run(pool: &SqlitePool, sql: &'static str) -> StoreError {
        match sqlx::raw_sql(sql).execute(pool).await {
            Ok(_) => panic!("{sql} succeeded"),
            Err(e) => e.into(),
        }
    }

    /// Errors that are the request's or the code's fault: each has its variant, none says
    /// "unavailable".
    #[tokio::test]
    async fn schema_and_statement_errors_are_not_outages() {
        let pool = memory().await;
        let cases = [
            ("INSERT INTO parent (id) VALUES (1)", "Conflict"),
            (
                "INSERT INTO child (parent, size) VALUES (2, 1)",
                "Constraint",
            ), // foreign key
            (
                "INSERT INTO child (parent, size) VALUES (1, 0)",
                "Constraint",
            ), // check
            (
                "INSERT INTO child (parent, size) VALUES (1, NULL)",
                "Constraint",
            ), // not null
            (
                "INSERT INTO child (parent, size) VALUES (1, 'big')",
                "Constraint",
            ), // STRICT type
            (
                "INSERT INTO child (parent, size) VALUES (1, 13)",
                "Constraint",
            ), // trigger
            ("SELECT * FROM nowhere", "Query"),
            ("SELEKT 1", "Query"),
        ];
        for (sql, expected) in cases {
            let error = run(&pool, sql).await;
            assert_eq!(variant(&error), expected, "{sql}: {error:?}");
            assert!(!error.is_unavailable(), "{sql}");
        }
        let missing = sqlx::query("SELECT id FROM parent WHERE id = 99")
            .fetch_one(&pool)
            .await
            .unwrap_err();
        let missing = StoreError::from(missing);
        assert!(matches!(missing, StoreError::NotFound(_)), "{missing:?}");
    }

    /// PostgreSQL's SQLSTATEs: data errors and integrity rules are the caller's; a cancelled
    /// statement, a shutdown, a read-only standby, a lock not granted, exhausted resources and
    /// a lost connection are outages; the rest are the statement's.
    #[test]
    fn postgres_sqlstates_sort_by_whose_fault() {
        let cases = [
            ("23503", "Constraint"),
            ("23514", "Constraint"),
            ("22021", "Constraint"),
            ("22P02", "Constraint"),
            ("22003", "Constraint"),
            ("57014", "Unavailable"),
            ("57P01", "Unavailable"),
            ("57P02", "Unavailable"),
            ("57P03", "Unavailable"),
            ("25006", "Unavailable"),
            ("55P03", "Unavailable"),
            ("53300", "Unavailable"),
            ("08006", "Unavailable"),
            ("40001", "Unavailable"),
            ("42P01", "Query"),
            ("42601", "Query"),
            ("25P02", "Query"),
        ];
        for (sqlstate, expected) in cases {
            let error = super::postgres(sqlstate, sqlstate.to_owned());
            assert_eq!(variant(&error), expected, "{sqlstate}");
        }
    }

    /// A closed pool, a pool with no free connection, and a database another writer holds
    /// locked are outages: worth a retry, `503` to a client.
    #[tokio::test]
    async fn an_unreachable_or_busy_database_is_unavailable() {
        let pool = memory().await;
        let held = pool.acquire().await.unwrap();
        let starved = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_millis(10));
        // Lazily: opening the one connection may take longer than 10 ms on a loaded machine,
        // so it is retried until it opens; the timeout under test is the second acquire's,
        // which cannot succeed while the only connection is held.
        let starved = starved.connect_lazy_with(SqliteConnectOptions::new().in_memory(true));
        let mut attempts = 0;
        let _only = loop {
            match starved.acquire().await {
                Ok(connection) => break connection,
                Err(sqlx::Error::PoolTimedOut) if attempts < 1_000 => attempts += 1,
                Err(e) => panic!("the one connection never opened: {e}"),
            }
        };
        let timed_out = StoreError::from(starved.acquire().await.unwrap_err());
        assert!(timed_out.is_unavailable() && timed_out.to_string().contains("timed out"));
        drop(held);

        pool.close().await;
        let closed = StoreError::from(sqlx::query("SELECT 1").execute(&pool).await.unwrap_err());
        assert!(closed.is_unavailable() && closed.to_string().contains("closed"));

        // Two connections to one file: the second finds the write lock taken and, with no
        // busy timeout, gives up at once with SQLITE_BUSY.
        let dir = tempfile::tempdir().unwrap();
        let file = SqliteConnectOptions::new()
            .filename(dir.path().join("busy.db"))
            .create_if_missing(true)
            .busy_timeout(Duration::ZERO);
        let writer = SqlitePool::connect_with(file.clone()).await.unwrap();
        let other = SqlitePool::connect_with(file).await.unwrap();
        let _lock = writer.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let busy = StoreError::from(other.begin_with("BEGIN IMMEDIATE").await.unwrap_err());
        assert!(
            busy.is_unavailable() && busy.to_string().contains("locked"),
            "{busy}"
        );
    }
}
