//! Opening what a command works on: the store and the master key, resolved from the settings.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use sigil_server::clients::RedirectUriPolicy;
use sigil_server::clock::{Clock, SystemClock};
use sigil_server::provision::Provisioner;
use sigil_server::random::{Rng, SystemRng};
use sigil_server::seal::MasterKey;
use sigil_store::Store;
use sigil_store::postgres::{PgOptions, PostgresStore};
use sigil_store::sqlite::SqliteStore;

use crate::config::StoreSettings;

/// The environment variable holding the master key's base64 text.
pub const ENV_MASTER_KEY: &str = "SIGIL_MASTER_KEY";

/// An opened store with its master key.
pub struct Opened {
    pub store: Arc<dyn Store>,
    pub master: Arc<MasterKey>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    /// Where the master key came from, for the start-up message.
    pub master_source: String,
    /// Whether this is production (see [`StoreSettings::production`]).
    pub production: bool,
}

impl Opened {
    /// A provisioner over this store, with the policies of this deployment.
    pub async fn provisioner(&self) -> anyhow::Result<Provisioner> {
        let redirect_policy = if self.production {
            RedirectUriPolicy::Production
        } else {
            RedirectUriPolicy::Development
        };
        Ok(Provisioner::new(
            self.store.clone(),
            self.master.clone(),
            self.clock.clone(),
            self.rng.clone(),
        )
        .await?
        .with_redirect_policy(redirect_policy))
    }
}

/// Opens the store and the master key.
pub async fn open(settings: &StoreSettings) -> anyhow::Result<Opened> {
    let store = open_store(settings).await?;
    let (master, master_source) = master_key(settings)?;
    Ok(Opened {
        store,
        master: Arc::new(master),
        clock: Arc::new(SystemClock),
        rng: Arc::new(SystemRng::new()),
        master_source,
        production: settings.production,
    })
}

/// Opens the store the settings name, migrating it unless migrations are skipped.
pub async fn open_store(settings: &StoreSettings) -> anyhow::Result<Arc<dyn Store>> {
    open_store_migrating(settings, !settings.database.skip_migrations).await
}

/// Opens the store and migrates it whatever the settings say (`sigil migrate`).
pub async fn migrate_store(settings: &StoreSettings) -> anyhow::Result<Arc<dyn Store>> {
    open_store_migrating(settings, true).await
}

async fn open_store_migrating(
    settings: &StoreSettings,
    migrate: bool,
) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match settings.database_url.as_deref() {
        Some(url) if url.starts_with("sqlite:") => Arc::new(SqliteStore::connect(url).await?),
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            let database = &settings.database;
            let options = PgOptions {
                max_connections: database.pool_size,
                connect_timeout: database.connect_timeout,
                statement_timeout: database.statement_timeout,
                migrate,
            };
            let store = PostgresStore::connect(url, &options).await?;
            if !migrate {
                // Serving on a schema older than the code would fail request by request;
                // refusing to start says what to do once.
                store.check_schema_current().await?;
            }
            Arc::new(store)
        }
        Some(url) => bail!(
            "unsupported database URL {:?}: use sqlite://FILE or postgres://…",
            redact(url)
        ),
        None => {
            create_private_dir(&settings.data_dir)?;
            Arc::new(SqliteStore::open(&settings.data_dir.join("sigil.db")).await?)
        }
    })
}

fn master_key(settings: &StoreSettings) -> anyhow::Result<(MasterKey, String)> {
    if let Ok(text) = std::env::var(ENV_MASTER_KEY) {
        return Ok((MasterKey::from_text(&text)?, ENV_MASTER_KEY.to_owned()));
    }
    if let Some(path) = &settings.master_key_file {
        return Ok((MasterKey::from_file(path)?, path.display().to_string()));
    }
    create_private_dir(&settings.data_dir)?;
    let path = settings.data_dir.join("master.key");
    let (key, created) = MasterKey::load_or_create(&path)?;
    if created {
        tracing::warn!(path = %path.display(), "generated a master key in the data directory (dev mode); supply SIGIL_MASTER_KEY in production");
    }
    Ok((key, format!("{} (dev mode)", path.display())))
}

pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}
