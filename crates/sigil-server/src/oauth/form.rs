//! Strict `application/x-www-form-urlencoded` bodies for OAuth endpoints.
//!
//! RFC 6749 §3.1/§3.2: parameters must not be repeated, and a parameter sent without a value is
//! treated as omitted. The parameters of a request, whether from a query string or a body:
//! reading the body is HTTP's business (`http::read_form`), so `op` can take a `Form`.

use std::collections::HashMap;

use super::OAuthError;

/// A parsed form: each parameter at most once.
#[derive(Debug, Default, Clone)]
pub struct Form {
    params: HashMap<String, String>,
}

impl Form {
    /// Parses an encoded form.
    pub fn parse(bytes: &[u8]) -> Result<Self, OAuthError> {
        let mut params = HashMap::new();
        for (name, value) in form_urlencoded::parse(bytes) {
            if params.contains_key(name.as_ref()) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {name} must not be repeated"
                )));
            }
            params.insert(name.into_owned(), value.into_owned());
        }
        // Insert first, filter after: an empty duplicate is still a duplicate.
        params.retain(|_, v| !v.is_empty());
        Ok(Self { params })
    }

    /// A form of these parameters (a request object's, OIDC Core §6.1); a later duplicate
    /// replaces an earlier one, and empty values are omitted as when parsing.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut params: HashMap<String, String> = pairs.into_iter().collect();
        params.retain(|_, v| !v.is_empty());
        Self { params }
    }

    /// The value of a parameter, if sent with a value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The parameters form-encoded again (in no particular order), to carry a request
    /// across an interaction (`op::interaction`) and parse it back with [`Form::parse`].
    pub fn encode(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(&self.params);
        out.finish()
    }

    /// Sets `name` to `value`, replacing what was there.
    pub fn insert(&mut self, name: &str, value: &str) {
        self.params.insert(name.to_owned(), value.to_owned());
    }

    /// The form without the parameters `names`.
    pub fn without(mut self, names: &[&str]) -> Self {
        self.params
            .retain(|name, _| !names.contains(&name.as_str()));
        self
    }

    /// The value of a required parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter {name} is required")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_omitted() {
        assert!(Form::parse(b"a=1&a=2").is_err());
        assert!(Form::parse(b"a=&a=2").is_err());
        let form = Form::parse(b"a=1&b=&c=x%20y+z").unwrap();
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.get("b"), None);
        assert_eq!(form.get("c"), Some("x y z"));
        assert!(form.require("b").is_err());
        let mut form = form.without(&["a"]);
        form.insert("d", "1");
        assert_eq!((form.get("a"), form.get("d")), (None, Some("1")));
    }
}
