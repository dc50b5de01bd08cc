-- Realm changes enter the revocation feed (kind 'realm'), so that a server reads one feed for
-- every realm instead of polling each.
ALTER TABLE revocation_feed DROP CONSTRAINT revocation_feed_kind_check;
ALTER TABLE revocation_feed ADD CONSTRAINT revocation_feed_kind_check
    CHECK (kind IN ('token', 'grant', 'session', 'client', 'realm'));
-- The janitor deletes by expiry, in bounded batches: without these, each batch scans.
CREATE INDEX grants_by_expiry ON grants (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
