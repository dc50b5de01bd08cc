-- Initial access tokens of dynamic registration (RFC 7591 §3: the realm's `registration =
-- token` policy). Only the SHA-256 of a token is kept; `uses` counts spent registrations and
-- is raised by one conditional UPDATE, so concurrent registrations never exceed `max_uses`.
CREATE TABLE initial_access_tokens (
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    token_hash  BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    max_uses    INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
    uses        INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    PRIMARY KEY (realm, token_hash)
);
