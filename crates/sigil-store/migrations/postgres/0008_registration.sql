-- Initial access tokens of dynamic registration (RFC 7591 §3: the realm's `registration =
-- token` policy). Only the SHA-256 of a token is kept; `uses` counts spent registrations and
-- is raised by one conditional UPDATE (a racer waits on the row lock and re-checks), so
-- concurrent registrations never exceed `max_uses`.
CREATE TABLE initial_access_tokens (
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    max_uses    BIGINT CHECK (max_uses IS NULL OR max_uses > 0),
    uses        BIGINT NOT NULL DEFAULT 0 CHECK (uses >= 0),
    PRIMARY KEY (realm, token_hash)
);
