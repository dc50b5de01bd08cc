//! `prompt` (OIDC Core §3.1.2.1): what the client asks of the interaction.

use crate::oauth::OAuthError;

/// The parsed `prompt` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `none`: no page may be shown; a needed one is an error at the client (§3.1.2.6).
    pub none: bool,
    /// `login` (or `select_account`, which Sigil, with one account per browser, treats
    /// alike): authenticate again even with a session.
    pub login: bool,
    /// `consent`: ask again even if consent is on record.
    pub consent: bool,
}

impl Prompt {
    /// Parses a space-separated `prompt`; unknown values are refused, and `none` must stand
    /// alone (§3.1.2.1: "If this parameter contains none with any other value, an error is
    /// returned").
    pub fn parse(value: Option<&str>) -> Result<Self, OAuthError> {
        let mut prompt = Self::default();
        let Some(value) = value else {
            return Ok(prompt);
        };
        let mut count = 0;
        for word in value.split(' ').filter(|w| !w.is_empty()) {
            count += 1;
            match word {
                "none" => prompt.none = true,
                "login" | "select_account" => prompt.login = true,
                "consent" => prompt.consent = true,
                _ => return Err(OAuthError::invalid_request("unknown prompt value")),
            }
        }
        if prompt.none && count > 1 {
            return Err(OAuthError::invalid_request(
                "prompt=none cannot be combined with other values",
            ));
        }
        Ok(prompt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_values_parse_and_none_stands_alone() {
        let p = Prompt::parse(Some("login consent")).unwrap_or_default();
        assert!(p.login && p.consent && !p.none);
        assert!(Prompt::parse(Some("select_account")).is_ok_and(|p| p.login));
        assert!(Prompt::parse(Some("none")).is_ok_and(|p| p.none));
        assert!(Prompt::parse(Some("none login")).is_err());
        assert!(Prompt::parse(Some("bogus")).is_err());
        assert_eq!(Prompt::parse(None).ok(), Some(Prompt::default()));
    }
}
