-- private_key_jwt (RFC 7523 §3 item 7): each client assertion's `jti` is accepted once, on
-- every node; a row is kept until the assertion could no longer be accepted anyway.
CREATE TABLE client_assertions (
    realm       TEXT COLLATE "C" NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    client_id   TEXT COLLATE "C" NOT NULL,
    jti         TEXT COLLATE "C" NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (realm, client_id, jti)
);
-- The janitor deletes by expiry, in bounded batches.
CREATE INDEX client_assertions_by_expiry ON client_assertions (expires_at);
