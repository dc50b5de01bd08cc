-- Rules the store enforces whatever the caller checked (SQLite cannot add a CHECK to an
-- existing table; these triggers are its equivalent and fail with SQLITE_CONSTRAINT_TRIGGER).

-- A key is published no later than it starts signing: a verifier must be able to find it
-- before the first token it signs. Its origin is one of the two the lifecycle knows.
CREATE TRIGGER signing_keys_rules BEFORE INSERT ON signing_keys
WHEN NEW.publish_at > NEW.activate_at OR NEW.origin NOT IN ('generated', 'imported')
BEGIN
    SELECT RAISE(ABORT, 'signing_keys: publish_at must not follow activate_at, origin must be generated or imported');
END;

-- A personal access token expires after it was issued.
CREATE TRIGGER personal_access_tokens_rules BEFORE INSERT ON personal_access_tokens
WHEN NEW.expires_at <= NEW.created_at
BEGIN
    SELECT RAISE(ABORT, 'personal_access_tokens: expires_at must follow created_at');
END;
