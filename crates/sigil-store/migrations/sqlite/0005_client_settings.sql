-- A client's OpenID Connect metadata and per-client policies (`ClientSettings`), as one JSON
-- document: new registration members (OIDC Dynamic Client Registration 1.0 §2) need no schema
-- change. Existing clients get the defaults.
ALTER TABLE clients ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
