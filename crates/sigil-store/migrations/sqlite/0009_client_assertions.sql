-- private_key_jwt (RFC 7523 §3 item 7): each client assertion's `jti` is accepted once, on
-- every node; a row is kept until the assertion could no longer be accepted anyway.
CREATE TABLE client_assertions (
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,
    jti         TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (realm, client_id, jti)
) STRICT;
-- The janitor deletes by expiry, in bounded batches.
CREATE INDEX client_assertions_by_expiry ON client_assertions (expires_at);
