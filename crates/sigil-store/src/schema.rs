//! Versioned migrations. Each backend has its own SQL under `migrations/<dialect>/`, with the
//! same numbering, so version N means the same schema everywhere.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Applied in increasing order; never renumbered once released.
    pub version: i64,
    /// What the step does, for the `schema_migrations` table and logs.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// SQLite's steps.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "schema rules",
        sql: include_str!("../migrations/sqlite/0002_schema_rules.sql"),
    },
    Migration {
        version: 3,
        name: "people",
        sql: include_str!("../migrations/sqlite/0003_people.sql"),
    },
    Migration {
        version: 4,
        name: "users",
        sql: include_str!("../migrations/sqlite/0004_users.sql"),
    },
    Migration {
        version: 5,
        name: "client settings",
        sql: include_str!("../migrations/sqlite/0005_client_settings.sql"),
    },
    Migration {
        version: 6,
        name: "grant authentication",
        sql: include_str!("../migrations/sqlite/0006_grant_authentication.sql"),
    },
    Migration {
        version: 7,
        name: "realm feed",
        sql: include_str!("../migrations/sqlite/0007_realm_feed.sql"),
    },
    Migration {
        version: 9,
        name: "client assertions",
        sql: include_str!("../migrations/sqlite/0009_client_assertions.sql"),
    },
    Migration {
        version: 10,
        name: "pushed requests",
        sql: include_str!("../migrations/sqlite/0010_pushed_requests.sql"),
    },
];

/// PostgreSQL's steps: the same versions as [`SQLITE`], each meaning the same schema.
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "schema rules",
        sql: include_str!("../migrations/postgres/0002_schema_rules.sql"),
    },
    Migration {
        version: 3,
        name: "people",
        sql: include_str!("../migrations/postgres/0003_people.sql"),
    },
    Migration {
        version: 4,
        name: "users",
        sql: include_str!("../migrations/postgres/0004_users.sql"),
    },
    Migration {
        version: 5,
        name: "client settings",
        sql: include_str!("../migrations/postgres/0005_client_settings.sql"),
    },
    Migration {
        version: 6,
        name: "grant authentication",
        sql: include_str!("../migrations/postgres/0006_grant_authentication.sql"),
    },
    Migration {
        version: 7,
        name: "realm feed",
        sql: include_str!("../migrations/postgres/0007_realm_feed.sql"),
    },
    Migration {
        version: 9,
        name: "client assertions",
        sql: include_str!("../migrations/postgres/0009_client_assertions.sql"),
    },
    Migration {
        version: 10,
        name: "pushed requests",
        sql: include_str!("../migrations/postgres/0010_pushed_requests.sql"),
    },
];
