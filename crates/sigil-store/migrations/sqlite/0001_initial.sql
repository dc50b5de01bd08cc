-- Sigil schema v1 (SQLite). Times are Unix seconds; lists are JSON arrays.
CREATE TABLE realms (
    name        TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE signing_keys (
    realm           TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    kid             TEXT NOT NULL,
    alg             TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    private_sealed  BLOB,
    created_at      INTEGER NOT NULL,
    publish_at      INTEGER NOT NULL,
    activate_at     INTEGER NOT NULL,
    retired_at      INTEGER,
    origin          TEXT NOT NULL,
    PRIMARY KEY (realm, kid)
) STRICT;

CREATE TABLE clients (
    realm                  TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    client_id              TEXT NOT NULL,
    name                   TEXT NOT NULL,
    secret_hash            BLOB,
    auth_method            TEXT NOT NULL,
    grant_types            TEXT NOT NULL,
    redirect_uris          TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    audiences              TEXT NOT NULL,
    access_token_ttl_secs  INTEGER,
    signing_alg            TEXT,
    created_at             INTEGER NOT NULL,
    PRIMARY KEY (realm, client_id)
) STRICT;

CREATE TABLE users (
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    username    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (realm, id),
    UNIQUE (realm, username)
) STRICT;

-- Revoked JWTs (access tokens and personal access tokens) until they expire. `position` is
-- the revocation feed servers follow to keep revocations in memory: AUTOINCREMENT, so a
-- position is never reused even after the purge deletes the newest row.
CREATE TABLE revoked_tokens (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    jti         TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    UNIQUE (realm, jti)
) STRICT;
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

CREATE TABLE personal_access_tokens (
    realm         TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    jti           TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER,
    PRIMARY KEY (realm, jti)
) STRICT;
CREATE INDEX personal_access_tokens_by_user ON personal_access_tokens (realm, user_id);

CREATE TABLE admin_tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    BLOB NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER
) STRICT;

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
