//! HTML forms as a browser submits them (HTML Living Standard §4.10.21, "constructing the
//! entry list"), for server-rendered login and consent pages: hidden fields kept, text and
//! password fields filled, checked boxes included, and the one submit button pressed.
//!
//! The scanner reads tags, not a DOM: enough for pages that work without JavaScript, which is
//! what an OP's login page must be for `sigil bench` to drive it.

/// One `<form>` and its controls, in document order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute, as written (decoded); the page's URL when absent.
    pub action: Option<String>,
    /// `get` or `post` (lower case).
    pub method: String,
    pub controls: Vec<Control>,
}

/// An `<input>` or `<button>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// `type`, lower case; `text` for an input and `submit` for a button without one.
    pub kind: String,
    pub name: Option<String>,
    pub value: String,
    pub checked: bool,
    pub is_button: bool,
}

/// Names a login field goes by (Sigil's `username`, node-oidc-provider's `login`, Keycloak's
/// `username`, and the usual others).
const LOGIN_NAMES: [&str; 7] = [
    "username",
    "login",
    "user",
    "email",
    "identifier",
    "user_name",
    "name",
];
/// Words of a button that grants (Sigil's `decision=approve`, Keycloak's `accept`).
const APPROVE: [&str; 7] = [
    "approve", "allow", "accept", "yes", "consent", "grant", "continue",
];
/// Words of a button that refuses.
const REFUSE: [&str; 5] = ["deny", "cancel", "no", "reject", "decline"];

impl Form {
    /// Whether the form asks for a password (a login form).
    pub fn asks_password(&self) -> bool {
        self.controls
            .iter()
            .any(|c| !c.is_button && c.kind == "password")
    }

    /// The entry list: every named field with its value, `username` in the login field and
    /// `password` in each password field, and the submit button that approves (or the first
    /// named one that does not refuse).
    pub fn entries(&self, username: &str, password: &str) -> Vec<(String, String)> {
        let login_field = self.login_field();
        let mut entries = Vec::new();
        for (index, control) in self.controls.iter().enumerate() {
            let Some(name) = &control.name else { continue };
            if control.is_submit() {
                continue;
            }
            let value = match control.kind.as_str() {
                "password" => password.to_owned(),
                "checkbox" | "radio" if !control.checked => continue,
                "checkbox" | "radio" if control.value.is_empty() => "on".to_owned(),
                "reset" | "button" | "image" | "file" => continue,
                _ if Some(index) == login_field => username.to_owned(),
                _ => control.value.clone(),
            };
            entries.push((name.clone(), value));
        }
        if let Some(button) = self.submitter()
            && let Some(name) = &button.name
        {
            entries.push((name.clone(), button.value.clone()));
        }
        entries
    }

    /// The text field that takes the username: one named like a login field, else the first
    /// empty text field — only in a form that asks for a password.
    fn login_field(&self) -> Option<usize> {
        if !self.asks_password() {
            return None;
        }
        let texts = || {
            self.controls.iter().enumerate().filter(|(_, c)| {
                !c.is_button && c.name.is_some() && matches!(c.kind.as_str(), "text" | "email")
            })
        };
        let named = texts().find(|(_, c)| {
            c.name
                .as_deref()
                .is_some_and(|n| LOGIN_NAMES.contains(&n.to_ascii_lowercase().as_str()))
        });
        named
            .or_else(|| texts().find(|(_, c)| c.value.is_empty()))
            .map(|(index, _)| index)
    }

    fn submitter(&self) -> Option<&Control> {
        let buttons: Vec<&Control> = self
            .controls
            .iter()
            .filter(|c| c.is_submit() && c.name.is_some())
            .collect();
        let says = |c: &Control, words: &[&str]| {
            let name = c.name.as_deref().unwrap_or("").to_ascii_lowercase();
            let value = c.value.to_ascii_lowercase();
            words.iter().any(|w| name == *w || value == *w)
        };
        buttons
            .iter()
            .find(|c| says(c, &APPROVE))
            .or_else(|| buttons.iter().find(|c| !says(c, &REFUSE)))
            .copied()
    }
}

impl Control {
    fn is_submit(&self) -> bool {
        self.kind == "submit" || (self.is_button && self.kind == "image")
    }
}

/// The forms of a page.
pub fn forms(html: &str) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let mut open = false;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        // Comments and raw-text elements may hold '<' that are not tags.
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        let (name, attributes) = split_name(tag);
        match name.as_str() {
            "script" | "style" | "textarea" | "title" => {
                let close = format!("</{name}");
                rest = find_ignore_case(rest, &close).map_or("", |i| &rest[i..]);
            }
            "form" => {
                let attrs = parse_attributes(attributes);
                forms.push(Form {
                    action: attr(&attrs, "action").map(str::to_owned),
                    method: attr(&attrs, "method").unwrap_or("get").to_ascii_lowercase(),
                    controls: Vec::new(),
                });
                open = true;
            }
            "/form" => open = false,
            "input" | "button" if open => {
                let attrs = parse_attributes(attributes);
                let is_button = name == "button";
                let default = if is_button { "submit" } else { "text" };
                let control = Control {
                    kind: attr(&attrs, "type").unwrap_or(default).to_ascii_lowercase(),
                    name: attr(&attrs, "name").map(str::to_owned),
                    value: attr(&attrs, "value").unwrap_or("").to_owned(),
                    checked: attrs.iter().any(|(k, _)| k == "checked"),
                    is_button,
                };
                if let Some(form) = forms.last_mut() {
                    form.controls.push(control);
                }
            }
            _ => {}
        }
    }
    forms
}

/// The index of the `>` that ends the tag, outside quoted attribute values.
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    tag.len()
}

fn split_name(tag: &str) -> (String, &str) {
    // A closing tag keeps its '/', so that `</form>` reads as "/form".
    let start = usize::from(tag.starts_with('/'));
    let end = tag[start..]
        .find(|c: char| c.is_ascii_whitespace() || c == '/')
        .map_or(tag.len(), |i| i + start);
    (tag[..end].to_ascii_lowercase(), &tag[end..])
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

/// `name="value"`, `name='value'`, `name=value` and bare `name`, names lower-cased and
/// values with their character references decoded.
fn parse_attributes(mut text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if text.is_empty() {
            return attributes;
        }
        let name_end = text
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(text.len());
        let name = text[..name_end].to_ascii_lowercase();
        text = text[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = text.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, rest) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = decode_references(raw);
            text = rest;
        }
        if !name.is_empty() {
            attributes.push((name, value));
        }
    }
}

fn attr<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Numeric references and the named ones templates emit.
pub fn decode_references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(entries: &[(String, String)]) -> Vec<(&str, &str)> {
        entries
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn sigils_login_and_consent_pages() {
        let login = r#"<style nonce="x">a > b { }</style><form method="post" action="&#x2f;login?x=1&amp;y=2">
<input type="hidden" name="csrf" value="c&#x27;1">
<input type="hidden" name="interaction" value="i1">
<input type="text" id="username" name="username" value="" autocomplete="username" required autofocus>
<input type="password" id="password" name="password" required>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>"#;
        let forms = forms(login);
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].action.as_deref(), Some("/login?x=1&y=2"));
        assert_eq!(forms[0].method, "post");
        assert!(forms[0].asks_password());
        assert_eq!(
            pairs(&forms[0].entries("alice", "pw")),
            [
                ("csrf", "c'1"),
                ("interaction", "i1"),
                ("username", "alice"),
                ("password", "pw")
            ]
        );
        let consent = r#"<form method="post" action="/consent">
<input type="hidden" name="csrf" value="c"><input type="hidden" name="interaction" value="i">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Allow</button></form>"#;
        let form = &super::forms(consent)[0];
        assert!(!form.asks_password());
        assert_eq!(
            pairs(&form.entries("alice", "pw")),
            [("csrf", "c"), ("interaction", "i"), ("decision", "approve")]
        );
    }

    #[test]
    fn node_oidc_provider_and_keycloak_shapes() {
        let node = r#"<!-- <form action="/nope"> --><form autocomplete="off" action="http://127.0.0.1:3000/interaction/u1" method="post">
<input type="hidden" name="prompt" value="login"/>
<input required type=text name="login" placeholder="Enter any login" autofocus="on">
<input required type="password" name="password" placeholder="and password">
<button type="submit" class="login login-submit">Sign-in</button></form>
<form action="/abort"><button>Cancel</button></form>"#;
        let forms = forms(node);
        assert_eq!(forms.len(), 2);
        assert_eq!(
            forms[0].action.as_deref(),
            Some("http://127.0.0.1:3000/interaction/u1")
        );
        assert_eq!(
            pairs(&forms[0].entries("u", "p")),
            [("prompt", "login"), ("login", "u"), ("password", "p")]
        );
        let keycloak = r#"<form id="kc-form" action="https://kc/x?code=1&amp;tab=2" method="POST">
<input id="kc-accept" name="accept" type="submit" value="Yes"/>
<input name="cancel" type="submit" value="No"/><input type="checkbox" name="remember" checked></form>"#;
        let form = &super::forms(keycloak)[0];
        assert_eq!(form.method, "post");
        assert_eq!(
            pairs(&form.entries("u", "p")),
            [("remember", "on"), ("accept", "Yes")]
        );
    }

    #[test]
    fn character_references() {
        assert_eq!(
            decode_references("a&amp;b&#47;c&#x2F;&lt;&zz;&"),
            "a&b/c/<&zz;&"
        );
    }
}
