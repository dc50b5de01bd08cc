//! What can go wrong with one request or flow, by kind: the report counts failures per
//! [`Failure::kind`] and keeps the first message of each kind as an example.

use std::fmt;

/// One failed check. Messages carry what the OP answered (an OAuth `error`, a status), never
/// a secret: bodies are cut to their OAuth error members or to a short prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The connection failed, or the response could not be read.
    Transport(String),
    /// No complete response within `--timeout`.
    Timeout,
    /// An unexpected HTTP status.
    Status { status: u16, detail: String },
    /// A body that should be JSON is not.
    InvalidJson(String),
    /// JSON (or a redirect) without the members the protocol requires.
    BadResponse(String),
    /// A token that does not verify against the OP's keys, or whose claims are wrong.
    BadToken(String),
    /// The authorization response's `state` is not the one sent (RFC 6749 §4.1.2).
    StateMismatch,
    /// The authorization response's `iss` is not the issuer (RFC 9207).
    IssMismatch,
    /// The ID token's `nonce` is not the one sent (OIDC Core §3.1.3.7).
    NonceMismatch,
    /// The login form came back after the credentials were submitted.
    LoginRefused,
    /// The OP answered the authorization request with an error at the redirect URI.
    AuthorizationError(String),
    /// A redirect or a form pointed outside the issuer's and discovery's origins.
    ForeignUrl(String),
    /// A page the flow cannot go on from (no form, no redirect), or too many hops.
    Stuck(String),
}

impl Failure {
    /// The name it is counted under.
    pub fn kind(&self) -> String {
        match self {
            Self::Transport(_) => "transport".to_owned(),
            Self::Timeout => "timeout".to_owned(),
            Self::Status { status, .. } => format!("http_{status}"),
            Self::InvalidJson(_) => "invalid_json".to_owned(),
            Self::BadResponse(_) => "bad_response".to_owned(),
            Self::BadToken(_) => "bad_token".to_owned(),
            Self::StateMismatch => "state_mismatch".to_owned(),
            Self::IssMismatch => "iss_mismatch".to_owned(),
            Self::NonceMismatch => "nonce_mismatch".to_owned(),
            Self::LoginRefused => "login_refused".to_owned(),
            Self::AuthorizationError(_) => "authorization_error".to_owned(),
            Self::ForeignUrl(_) => "foreign_url".to_owned(),
            Self::Stuck(_) => "flow_stuck".to_owned(),
        }
    }

    /// The failure of a reqwest call.
    pub fn from_reqwest(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            return Self::Timeout;
        }
        // `{:#}`-style: reqwest's own message plus its source, on one line.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Transport(message)
    }

    /// An unexpected status, with the OAuth `error` (and description) of a JSON body or the
    /// start of any other body.
    pub fn status(status: u16, body: &str) -> Self {
        Self::Status {
            status,
            detail: oauth_error(body)
                .or_else(|| html_title(body))
                .unwrap_or_else(|| short(body)),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Timeout => write!(f, "no response within the timeout"),
            Self::Status { status, detail } if detail.is_empty() => write!(f, "HTTP {status}"),
            Self::Status { status, detail } => write!(f, "HTTP {status}: {detail}"),
            Self::InvalidJson(e) => write!(f, "the body is not the JSON expected: {e}"),
            Self::BadResponse(e) => write!(f, "unexpected response: {e}"),
            Self::BadToken(e) => write!(f, "a token did not verify: {e}"),
            Self::StateMismatch => write!(f, "the code came back with another state"),
            Self::IssMismatch => write!(f, "the authorization response names another issuer"),
            Self::NonceMismatch => write!(f, "the ID token carries another nonce"),
            Self::LoginRefused => write!(
                f,
                "the OP refused the username or password (the login form came back)"
            ),
            Self::AuthorizationError(e) => write!(f, "the OP answered the authorization with {e}"),
            Self::ForeignUrl(url) => write!(
                f,
                "refused to follow {url}: its origin is neither the issuer's nor one discovery names"
            ),
            Self::Stuck(e) => write!(f, "the flow cannot go on: {e}"),
        }
    }
}

impl std::error::Error for Failure {}

/// A set-up failure as one line for the operator: a refused client says so before the
/// OP's own words (RFC 6749 §5.2 `invalid_client`, 401).
pub fn in_set_up(failure: &Failure) -> String {
    match failure {
        Failure::Status {
            status: 401,
            detail,
        } if detail.starts_with("invalid_client") => {
            format!("the OP refused the client credentials ({failure})")
        }
        _ => failure.to_string(),
    }
}

/// `error: error_description` of an RFC 6749 §5.2 body.
pub fn oauth_error(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?.as_str()?;
    Some(
        match value.get("error_description").and_then(|d| d.as_str()) {
            Some(description) => format!("{error} ({})", short(description)),
            None => error.to_owned(),
        },
    )
}

/// An HTML page is named by its `<title>`: its first line is only a doctype.
fn html_title(body: &str) -> Option<String> {
    let start = body.trim_start();
    if !start.starts_with('<') {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let text_start = open + lower[open..].find('>')? + 1;
    let end = text_start + lower[text_start..].find("</title")?;
    let title = super::form::decode_references(body[text_start..end].trim());
    Some(format!("an HTML page titled {:?}", short(&title)))
}

/// The first line of `text`, at most 120 characters: enough to recognise, short enough for one
/// line of report.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_keep_the_oauth_error_and_count_by_code() {
        let failure = Failure::status(
            401,
            r#"{"error":"invalid_client","error_description":"bad secret"}"#,
        );
        assert_eq!(failure.kind(), "http_401");
        assert_eq!(failure.to_string(), "HTTP 401: invalid_client (bad secret)");
        assert_eq!(
            Failure::status(502, "<html>\n</html>").to_string(),
            "HTTP 502: <html>"
        );
        assert_eq!(Failure::status(500, "").to_string(), "HTTP 500");
        assert_eq!(
            Failure::status(
                429,
                "<!doctype html>\n<html><head><TITLE>Sign in &amp; go</title>"
            )
            .to_string(),
            "HTTP 429: an HTML page titled \"Sign in & go\""
        );
    }
}
