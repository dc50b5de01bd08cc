-- Users complete (People, issue 9): the OIDC standard claims Sigil keeps, custom claims,
-- groups, the owner's scope narrowing, the password's PHC string, and the disabled flag.
-- Lists and objects are JSON text, as elsewhere; booleans are 0/1.

ALTER TABLE users ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET updated_at = created_at;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN claims TEXT NOT NULL DEFAULT '{}';
-- `groups` is an SQL keyword (window frames), hence the prefix.
ALTER TABLE users ADD COLUMN user_groups TEXT NOT NULL DEFAULT '[]';
-- NULL: no narrowing; '[]': nothing. The two must stay apart.
ALTER TABLE users ADD COLUMN allowed_scopes TEXT;
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- The JSON columns hold the shapes the record has, whatever the caller sent.
CREATE TRIGGER users_rules_insert BEFORE INSERT ON users
WHEN json_valid(NEW.claims) = 0 OR json_type(NEW.claims) <> 'object'
  OR json_valid(NEW.user_groups) = 0 OR json_type(NEW.user_groups) <> 'array'
  OR (NEW.allowed_scopes IS NOT NULL
      AND (json_valid(NEW.allowed_scopes) = 0 OR json_type(NEW.allowed_scopes) <> 'array'))
BEGIN
    SELECT RAISE(ABORT, 'users: claims must be a JSON object, user_groups and allowed_scopes JSON arrays');
END;
CREATE TRIGGER users_rules_update BEFORE UPDATE ON users
WHEN json_valid(NEW.claims) = 0 OR json_type(NEW.claims) <> 'object'
  OR json_valid(NEW.user_groups) = 0 OR json_type(NEW.user_groups) <> 'array'
  OR (NEW.allowed_scopes IS NOT NULL
      AND (json_valid(NEW.allowed_scopes) = 0 OR json_type(NEW.allowed_scopes) <> 'array'))
BEGIN
    SELECT RAISE(ABORT, 'users: claims must be a JSON object, user_groups and allowed_scopes JSON arrays');
END;
