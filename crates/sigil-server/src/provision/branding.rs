//! A realm's look: its brand (name, logo, colour) and its theme (templates replacing Sigil's
//! by name, as Keycloak's themes do). Checked here before they are stored, so the CLI says
//! what is wrong; a server that loads a broken one anyway (edited in the database) refuses it
//! and keeps serving the realm's last good state.

use std::collections::BTreeMap;
use std::path::Path;

use sigil_store::{RealmBrand, RealmName};

use super::Provisioner;
use crate::ServerError;
use crate::ui::templates::{Brand, Page, Templates};

impl Provisioner {
    /// Sets the realm's brand fields that are `Some` and, with `theme`, replaces its theme.
    pub async fn set_branding(
        &self,
        realm: &RealmName,
        brand: RealmBrand,
        theme: Option<BTreeMap<String, String>>,
    ) -> Result<(), ServerError> {
        let mut record = self.realm(realm).await?;
        let settings = &mut record.settings;
        if brand.name.is_some() {
            settings.brand.name = brand.name;
        }
        if brand.logo_uri.is_some() {
            settings.brand.logo_uri = brand.logo_uri;
        }
        if brand.colour.is_some() {
            settings.brand.colour = brand.colour;
        }
        if let Some(theme) = theme {
            settings.theme = theme;
        }
        Brand::from_settings(&settings.brand).map_err(ServerError::Invalid)?;
        Templates::new(&settings.theme).map_err(|e| ServerError::Invalid(e.to_string()))?;
        self.store
            .update_realm_settings(realm, &record.settings)
            .await?;
        Ok(())
    }
}

/// Reads a theme directory: every file named like one of Sigil's templates (`login.html`,
/// …); any other `.html` file is an error, so a misspelt name is not silently ignored.
pub fn read_theme_dir(dir: &Path) -> Result<BTreeMap<String, String>, ServerError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ServerError::Invalid(format!("cannot read {}: {e}", dir.display())))?;
    let mut theme = BTreeMap::new();
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".html") {
            continue;
        }
        if !Page::TEMPLATES.iter().any(|(known, _)| *known == name) {
            return Err(ServerError::Invalid(format!(
                "{}: not a template Sigil has",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(&path)?;
        theme.insert(name.to_owned(), text);
    }
    Ok(theme)
}
