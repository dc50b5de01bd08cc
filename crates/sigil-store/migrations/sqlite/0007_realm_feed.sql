-- Realm changes enter the revocation feed (kind 'realm'), so that a server reads one feed for
-- every realm instead of polling each. SQLite cannot alter a CHECK: the table is rebuilt,
-- keeping every position and the AUTOINCREMENT counter (a running server may have read a
-- position that is purged now; it must never be handed out again).
CREATE TABLE revocation_feed_v7 (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    realm       TEXT NOT NULL REFERENCES realms(name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('token', 'grant', 'session', 'client', 'realm')),
    id          TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    UNIQUE (realm, kind, id)
) STRICT;
INSERT INTO revocation_feed_v7 (position, realm, kind, id, expires_at)
    SELECT position, realm, kind, id, expires_at FROM revocation_feed;
CREATE TEMP TABLE feed_counter_v7 AS
    SELECT COALESCE(MAX(seq), 0) AS seq FROM sqlite_sequence WHERE name = 'revocation_feed';
DROP TABLE revocation_feed;
ALTER TABLE revocation_feed_v7 RENAME TO revocation_feed;
DELETE FROM sqlite_sequence WHERE name = 'revocation_feed';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'revocation_feed', MAX(
        (SELECT seq FROM feed_counter_v7),
        COALESCE((SELECT MAX(position) FROM revocation_feed), 0));
DROP TABLE feed_counter_v7;
CREATE INDEX revocation_feed_by_realm ON revocation_feed (realm, position);
CREATE INDEX revocation_feed_by_expiry ON revocation_feed (expires_at);
-- The janitor deletes by expiry, in bounded batches: without these, each batch scans.
CREATE INDEX grants_by_expiry ON grants (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
