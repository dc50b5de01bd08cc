-- Pushed authorization requests (RFC 9126): the parameters a client pushed, kept under the
-- digest of the request_uri handed back, until the authorization endpoint takes them (once)
-- or they expire.
CREATE TABLE pushed_requests (
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    uri_hash    BYTEA NOT NULL,
    client_id   TEXT COLLATE "C" NOT NULL,
    parameters  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (realm, uri_hash),
    CHECK (expires_at > created_at)
);
CREATE INDEX pushed_requests_by_expiry ON pushed_requests (expires_at);
