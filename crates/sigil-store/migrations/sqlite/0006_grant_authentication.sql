-- What a grant keeps of the authorization it came from, for the tokens issued from it later:
-- how the person authenticated (`amr`, a JSON array, for refreshed ID tokens) and the OIDC
-- `claims` request parameter (JSON text, honoured by userinfo and refreshed ID tokens).
ALTER TABLE grants ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE grants ADD COLUMN claims TEXT;
