//! The pages people see — login, consent, logout, errors, the form_post response — rendered
//! from minijinja templates. Sigil ships a default for each; a realm may replace any of them at
//! runtime (its theme, as Keycloak's themes do) and set its branding.
//!
//! **Invariants:** every value is HTML-escaped (minijinja escapes `.html` templates); a realm's
//! theme is compiled when the realm loads, so a broken template is refused then, never shown
//! to a person half-rendered; a template can name only the pages below (no filesystem access:
//! there is no loader).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use minijinja::{Environment, Value};
use serde::Serialize;

/// A page Sigil renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The sign-in form.
    Login,
    /// The consent form.
    Consent,
    /// An error that must not go back to the client.
    Error,
    /// The auto-submitting response of `response_mode=form_post` (OAuth 2.0 Form Post
    /// Response Mode §2).
    FormPost,
    /// "Sign out?" (RP-Initiated Logout 1.0 §2, when the request cannot be trusted).
    Logout,
    /// "You are signed out".
    LoggedOut,
}

impl Page {
    /// Every page, with the shared layout first.
    pub const TEMPLATES: [(&'static str, &'static str); 7] = [
        ("layout.html", include_str!("templates/layout.html")),
        ("login.html", include_str!("templates/login.html")),
        ("consent.html", include_str!("templates/consent.html")),
        ("error.html", include_str!("templates/error.html")),
        ("form_post.html", include_str!("templates/form_post.html")),
        ("logout.html", include_str!("templates/logout.html")),
        ("logged_out.html", include_str!("templates/logged_out.html")),
    ];

    /// The template's name.
    pub fn template(self) -> &'static str {
        match self {
            Self::Login => "login.html",
            Self::Consent => "consent.html",
            Self::Error => "error.html",
            Self::FormPost => "form_post.html",
            Self::Logout => "logout.html",
            Self::LoggedOut => "logged_out.html",
        }
    }
}

/// How a realm presents itself on its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Brand {
    /// The name in the header and titles.
    pub name: String,
    /// A logo (https URL).
    pub logo_uri: Option<String>,
    /// The accent colour (a CSS colour: `#rgb`/`#rrggbb`).
    pub colour: String,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            name: "Sigil".to_owned(),
            logo_uri: None,
            colour: "#3b5bdb".to_owned(),
        }
    }
}

impl Brand {
    /// A realm's branding over the defaults. The colour goes into CSS, where HTML escaping
    /// does not protect: only `#rgb`/`#rrggbb` is accepted; the logo must be https (the
    /// pages' CSP loads images from https only).
    pub fn from_settings(settings: &sigil_store::RealmBrand) -> Result<Self, String> {
        let mut brand = Self::default();
        if let Some(name) = &settings.name {
            brand.name.clone_from(name);
        }
        if let Some(colour) = &settings.colour {
            let hex = colour.strip_prefix('#').unwrap_or("");
            if !matches!(hex.len(), 3 | 6) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("colour {colour:?} is not #rgb or #rrggbb"));
            }
            brand.colour.clone_from(colour);
        }
        if let Some(logo) = &settings.logo_uri {
            if !logo.starts_with("https://") {
                return Err(format!("logo {logo:?} is not an https URL"));
            }
            brand.logo_uri = Some(logo.clone());
        }
        Ok(brand)
    }
}

/// Why a theme or a page could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A theme replaces a template Sigil does not have.
    #[error("unknown template {0:?}; the templates are {known}", known = known())]
    Unknown(String),
    /// A template does not compile or render.
    #[error("template {name}: {detail}")]
    Broken {
        /// Which.
        name: String,
        /// What minijinja said.
        detail: String,
    },
}

fn known() -> String {
    Page::TEMPLATES
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One realm's compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The defaults, with `theme` replacing any of them by name.
    pub fn new(theme: &BTreeMap<String, String>) -> Result<Self, TemplateError> {
        if let Some(unknown) = theme
            .keys()
            .find(|name| !Page::TEMPLATES.iter().any(|(known, _)| known == name))
        {
            return Err(TemplateError::Unknown(unknown.clone()));
        }
        let mut env = Environment::new();
        for (name, default) in Page::TEMPLATES {
            let source = theme
                .get(name)
                .cloned()
                .unwrap_or_else(|| default.to_owned());
            env.add_template_owned(name, source)
                .map_err(|e| broken(name, &e))?;
        }
        Ok(Self { env })
    }

    /// The defaults alone.
    pub fn defaults() -> Result<Self, TemplateError> {
        Self::new(&BTreeMap::new())
    }

    /// A realm's templates: [`Self::new`], except that every realm without a theme shares
    /// one compiled set of the defaults (about 200 KiB each: with thousands of realms,
    /// most of a server's memory).
    pub fn for_theme(theme: &BTreeMap<String, String>) -> Result<Arc<Self>, TemplateError> {
        static DEFAULTS: OnceLock<Arc<Templates>> = OnceLock::new();
        if !theme.is_empty() {
            return Ok(Arc::new(Self::new(theme)?));
        }
        if let Some(shared) = DEFAULTS.get() {
            return Ok(shared.clone());
        }
        let compiled = Arc::new(Self::defaults()?);
        Ok(DEFAULTS.get_or_init(|| compiled).clone())
    }

    /// Renders `page` with `context` (a serialisable value; `brand` and `nonce` are expected
    /// by the layout).
    pub fn render(&self, page: Page, context: impl Serialize) -> Result<String, TemplateError> {
        let template = self
            .env
            .get_template(page.template())
            .map_err(|e| broken(page.template(), &e))?;
        template
            .render(Value::from(minijinja::value::Serde(&context)))
            .map_err(|e| broken(page.template(), &e))
    }
}

fn broken(name: &str, e: &minijinja::Error) -> TemplateError {
    TemplateError::Broken {
        name: name.to_owned(),
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn context(extra: serde_json::Value) -> serde_json::Value {
        let mut base = serde_json::json!({"brand": Brand::default(), "nonce": "n0nce"});
        if let (Some(base), serde_json::Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
        base
    }

    #[test]
    fn every_default_page_renders_and_escapes() {
        let templates = Templates::defaults().unwrap();
        let evil = "<script>alert(1)</script>";
        let login = templates
            .render(
                Page::Login,
                context(serde_json::json!({
                    "action": "/login", "csrf": "c", "interaction": "i",
                    "username": evil, "error": "Wrong username or password.",
                    "client": {"name": evil},
                })),
            )
            .unwrap();
        assert!(!login.contains(evil), "escaped");
        assert!(login.contains("&lt;script&gt;"));
        assert!(login.contains(r#"<label for="password">Password</label>"#));
        assert!(login.contains(r#"name="csrf" value="c""#));
        for page in [
            Page::Consent,
            Page::Error,
            Page::FormPost,
            Page::Logout,
            Page::LoggedOut,
        ] {
            let html = templates
                .render(
                    page,
                    context(serde_json::json!({
                        "action": "https://app.example/cb", "csrf": "c", "interaction": "i",
                        "client": {"name": "App"}, "scopes": [{"name": "openid", "description": "Sign you in"}],
                        "username": "alice", "title": "T", "message": "M",
                        "fields": {"code": "abc", "state": "s"},
                    })),
                )
                .unwrap();
            assert!(html.starts_with("<!doctype html>"), "{page:?}");
            assert!(html.contains(r#"<style nonce="n0nce">"#), "{page:?}");
        }
    }

    /// Regression: a `null` username rendered as the text "none" in the field, and a browser
    /// typing into it signed in as "demonone".
    #[test]
    fn absent_values_render_as_nothing() {
        let templates = Templates::defaults().unwrap();
        let login = templates
            .render(
                Page::Login,
                context(serde_json::json!({
                    "action": "/login", "csrf": "c", "interaction": "i",
                    "username": null, "client": null, "error": null, "lang": null,
                })),
            )
            .unwrap();
        assert!(login.contains(r#"name="username" value="""#), "{login}");
        assert!(login.contains(r#"<html lang="en">"#));
        assert!(!login.to_lowercase().contains(r#"value="none""#));
    }

    #[test]
    fn a_theme_replaces_pages_by_name_and_is_checked_when_loaded() {
        let theme = BTreeMap::from([(
            "error.html".to_owned(),
            "{% extends \"layout.html\" %}{% block main %}<p class=acme>{{ message }}</p>{% endblock %}"
                .to_owned(),
        )]);
        let templates = Templates::new(&theme).unwrap();
        let html = templates
            .render(
                Page::Error,
                context(serde_json::json!({"title": "t", "message": "m"})),
            )
            .unwrap();
        assert!(html.contains("<p class=acme>m</p>"));
        let unknown = BTreeMap::from([("admin.html".to_owned(), "x".to_owned())]);
        assert!(matches!(
            Templates::new(&unknown),
            Err(TemplateError::Unknown(_))
        ));
        let broken = BTreeMap::from([("login.html".to_owned(), "{% if %}".to_owned())]);
        assert!(matches!(
            Templates::new(&broken),
            Err(TemplateError::Broken { .. })
        ));
    }
}
