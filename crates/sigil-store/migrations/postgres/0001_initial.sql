-- Sigil schema (PostgreSQL). No PostgreSQL deployment predates schema version 6, so this step
-- creates version 6 at once; steps 2 to 6 only keep the numbering aligned with SQLite's, so
-- that version N means the same schema on both backends.
--
-- Times are Unix seconds (BIGINT), as on SQLite; digests and sealed blobs are BYTEA; lists and
-- objects are JSON text with the shapes the records have. Names and ids that are listed in
-- order use COLLATE "C": byte order, as SQLite compares.

CREATE TABLE realms (
    name        TEXT COLLATE "C" PRIMARY KEY,
    settings    TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);

-- A key is published no later than it starts signing (a verifier must find it before the
-- first token it signs); its origin is one of the two the lifecycle knows.
CREATE TABLE signing_keys (
    realm           TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    kid             TEXT COLLATE "C" NOT NULL,
    alg             TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    private_sealed  BYTEA,
    created_at      BIGINT NOT NULL,
    publish_at      BIGINT NOT NULL,
    activate_at     BIGINT NOT NULL,
    retired_at      BIGINT,
    origin          TEXT NOT NULL,
    PRIMARY KEY (realm, kid),
    CONSTRAINT signing_keys_rules
        CHECK (publish_at <= activate_at AND origin IN ('generated', 'imported'))
);

CREATE TABLE clients (
    realm                  TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    client_id              TEXT COLLATE "C" NOT NULL,
    name                   TEXT NOT NULL,
    secret_hash            BYTEA,
    auth_method            TEXT NOT NULL,
    grant_types            TEXT NOT NULL,
    redirect_uris          TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    audiences              TEXT NOT NULL,
    access_token_ttl_secs  BIGINT,
    signing_alg            TEXT,
    created_at             BIGINT NOT NULL,
    -- `ClientSettings` as one JSON document: new registration members need no migration.
    settings               TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (realm, client_id)
);

-- `groups` is an SQL keyword, hence `user_groups`. `allowed_scopes` NULL: no narrowing;
-- '[]': nothing. The JSON columns hold the shapes the record has, whatever the caller sent.
CREATE TABLE users (
    realm           TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id              TEXT COLLATE "C" NOT NULL,
    username        TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL DEFAULT 0,
    email           TEXT,
    email_verified  BOOLEAN NOT NULL DEFAULT FALSE,
    name            TEXT,
    given_name      TEXT,
    family_name     TEXT,
    claims          TEXT NOT NULL DEFAULT '{}',
    user_groups     TEXT NOT NULL DEFAULT '[]',
    allowed_scopes  TEXT,
    password_hash   TEXT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (realm, id),
    UNIQUE (realm, username),
    CONSTRAINT users_rules CHECK (
        json_typeof(claims::json) = 'object'
        AND json_typeof(user_groups::json) = 'array'
        AND (allowed_scopes IS NULL OR json_typeof(allowed_scopes::json) = 'array'))
);

CREATE TABLE personal_access_tokens (
    realm         TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    jti           TEXT COLLATE "C" NOT NULL,
    user_id       TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT,
    PRIMARY KEY (realm, jti),
    CONSTRAINT personal_access_tokens_rules CHECK (expires_at > created_at)
);
CREATE INDEX personal_access_tokens_by_user ON personal_access_tokens (realm, user_id);

CREATE TABLE admin_tokens (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT
);

CREATE TABLE meta (
    key    TEXT COLLATE "C" PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The revocation feed servers follow by position. A sequence would not do: its values are
-- handed out at once and commit in any order, so a reader that has seen position 7 can miss a
-- 6 that commits later. Positions come from the one row of `feed_counter` instead, taken with
-- `UPDATE … RETURNING` inside the writing transaction: its row lock is held until commit, so
-- the next writer gets the next position only after this one is visible, and positions become
-- visible in increasing order. Every writer takes the counter last in its transaction (after
-- any other row it locks), so the counter never takes part in a deadlock.
CREATE TABLE feed_counter (
    id     SMALLINT PRIMARY KEY CHECK (id = 1),
    value  BIGINT NOT NULL
);
INSERT INTO feed_counter (id, value) VALUES (1, 0);

CREATE TABLE revocation_feed (
    position    BIGINT PRIMARY KEY,
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('token', 'grant', 'session', 'client')),
    id          TEXT COLLATE "C" NOT NULL,
    expires_at  BIGINT NOT NULL,
    UNIQUE (realm, kind, id)
);
CREATE INDEX revocation_feed_by_realm ON revocation_feed (realm, position);
CREATE INDEX revocation_feed_by_expiry ON revocation_feed (expires_at);

-- RFC 6749 §4.1.2: single-use authorization codes, by digest; the used row stays so that a
-- replay is recognised.
CREATE TABLE authorization_codes (
    realm           TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    code_hash       BYTEA NOT NULL,
    grant_id        TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    claims          TEXT,
    auth_time       BIGINT NOT NULL,
    amr             TEXT NOT NULL,
    acr             TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    PRIMARY KEY (realm, code_hash),
    CHECK (expires_at > created_at)
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

CREATE TABLE grants (
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    client_id   TEXT COLLATE "C" NOT NULL,
    user_id     TEXT COLLATE "C" NOT NULL,
    session_id  TEXT,
    scope       TEXT NOT NULL,
    auth_time   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    amr         TEXT NOT NULL DEFAULT '[]',
    claims      TEXT,
    PRIMARY KEY (realm, id),
    CHECK (expires_at > created_at)
);
CREATE INDEX grants_by_user ON grants (realm, user_id);
CREATE INDEX grants_by_client ON grants (realm, client_id);

-- RFC 6749 §6, RFC 9700 §4.14.2: refresh tokens by digest, rotated on every use; a rotated
-- token keeps its sealed successor for the grace window.
CREATE TABLE refresh_tokens (
    realm             TEXT COLLATE "C" NOT NULL,
    token_hash        BYTEA NOT NULL,
    grant_id          TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    rotated_at        BIGINT,
    successor_sealed  BYTEA,
    revoked_at        BIGINT,
    PRIMARY KEY (realm, token_hash),
    FOREIGN KEY (realm, grant_id) REFERENCES grants (realm, id) ON DELETE CASCADE,
    CHECK (expires_at > created_at)
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (realm, grant_id);

-- OIDC Core §3.1.2.1: login sessions; only the digest of the cookie's secret is here.
CREATE TABLE sessions (
    realm         TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id            TEXT COLLATE "C" NOT NULL,
    secret_hash   BYTEA NOT NULL,
    user_id       TEXT COLLATE "C" NOT NULL,
    auth_time     BIGINT NOT NULL,
    amr           TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    PRIMARY KEY (realm, id),
    UNIQUE (realm, secret_hash),
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_by_user ON sessions (realm, user_id);

CREATE TABLE consents (
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL,
    client_id   TEXT COLLATE "C" NOT NULL,
    scopes      TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (realm, user_id, client_id)
);
CREATE INDEX consents_by_client ON consents (realm, client_id);

-- Failed logins per key ("user:<id>", "addr:<ip>") in fixed windows, shared by every node.
CREATE TABLE login_failures (
    realm            TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    key              TEXT COLLATE "C" NOT NULL,
    failures         BIGINT NOT NULL,
    window_start     BIGINT NOT NULL,
    last_failure_at  BIGINT NOT NULL,
    PRIMARY KEY (realm, key)
);
