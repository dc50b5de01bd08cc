-- People: authorization codes, grants and refresh tokens, login sessions, consents, the login
-- throttle, and a revocation feed that carries more than JWTs. Every key starts with the realm.

-- The revocation feed, now with a kind per thing it names (token, grant, session, client).
-- It replaces `revoked_tokens`, whose rows become `token` entries at the same positions;
-- the AUTOINCREMENT counter is carried over, so no position is ever reused across the change.
CREATE TABLE revocation_feed (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('token', 'grant', 'session', 'client')),
    id          TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    UNIQUE (realm, kind, id)
) STRICT;
INSERT INTO revocation_feed (position, realm, kind, id, expires_at)
    SELECT position, realm, 'token', jti, expires_at FROM revoked_tokens;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'revocation_feed', seq FROM sqlite_sequence WHERE name = 'revoked_tokens'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'revocation_feed');
UPDATE sqlite_sequence
    SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'revoked_tokens'), 0))
    WHERE name = 'revocation_feed';
DROP TABLE revoked_tokens;
-- A server follows its realm's feed by position; the purge goes by expiry.
CREATE INDEX revocation_feed_by_realm ON revocation_feed (realm, position);
CREATE INDEX revocation_feed_by_expiry ON revocation_feed (expires_at);

-- RFC 6749 §4.1.2: single-use authorization codes, by digest. `used_at` marks a redemption;
-- the row stays so that a replay is recognised (and what the first use issued revoked).
CREATE TABLE authorization_codes (
    realm           TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    code_hash       BLOB NOT NULL,
    grant_id        TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    claims          TEXT,
    auth_time       INTEGER NOT NULL,
    amr             TEXT NOT NULL,
    acr             TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    PRIMARY KEY (realm, code_hash),
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Grants: what one authorization gave one client for one user.
CREATE TABLE grants (
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    session_id  TEXT,
    scope       TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    PRIMARY KEY (realm, id),
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX grants_by_user ON grants (realm, user_id);
CREATE INDEX grants_by_client ON grants (realm, client_id);

-- RFC 6749 §6, RFC 9700 §4.14.2: refresh tokens by digest, rotated on every use. A rotated
-- token keeps its successor (sealed by the server) for the grace window; presenting it later
-- is reuse and revokes the grant.
CREATE TABLE refresh_tokens (
    realm             TEXT NOT NULL,
    token_hash        BLOB NOT NULL,
    grant_id          TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    rotated_at        INTEGER,
    successor_sealed  BLOB,
    revoked_at        INTEGER,
    PRIMARY KEY (realm, token_hash),
    FOREIGN KEY (realm, grant_id) REFERENCES grants (realm, id) ON DELETE CASCADE,
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (realm, grant_id);

-- OIDC Core §3.1.2.1: login sessions. The cookie carries a secret; only its digest is here.
CREATE TABLE sessions (
    realm         TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    secret_hash   BLOB NOT NULL,
    user_id       TEXT NOT NULL,
    auth_time     INTEGER NOT NULL,
    amr           TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    PRIMARY KEY (realm, id),
    UNIQUE (realm, secret_hash),
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX sessions_by_user ON sessions (realm, user_id);

-- Consent per user and client; scopes are a JSON array.
CREATE TABLE consents (
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (realm, user_id, client_id)
) STRICT;
CREATE INDEX consents_by_client ON consents (realm, client_id);

-- Failed logins per key ("user:<id>", "addr:<ip>") in fixed windows, shared by every node.
CREATE TABLE login_failures (
    realm            TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    key              TEXT NOT NULL,
    failures         INTEGER NOT NULL,
    window_start     INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL,
    PRIMARY KEY (realm, key)
) STRICT;
