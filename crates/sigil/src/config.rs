//! Configuration: `sigil.toml`, then `SIGIL_*` environment variables, then flags — weakest to
//! strongest. Raw values are parsed here and validated once into the types the library takes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Deserialize;

/// Where the store is and how to unlock it; every command that touches the store takes these.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "SIGIL_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory for the embedded SQLite database and dev-mode files [default: ./sigil-data].
    #[arg(long, env = "SIGIL_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://FILE, or postgres://USER@HOST/DB with sqlx's parameters such
    /// as sslmode=require); overrides the data directory's database.
    #[arg(long, env = "SIGIL_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// PostgreSQL: connections this process opens at most [default: 10].
    #[arg(
        long,
        env = "SIGIL_DATABASE_POOL_SIZE",
        global = true,
        value_name = "N"
    )]
    pub database_pool_size: Option<u32>,
    /// PostgreSQL: seconds to wait for a connection before a request fails as unavailable
    /// [default: 5].
    #[arg(
        long,
        env = "SIGIL_DATABASE_CONNECT_TIMEOUT",
        global = true,
        value_name = "SECONDS"
    )]
    pub database_connect_timeout: Option<u64>,
    /// PostgreSQL: seconds any one statement may run [default: 10].
    #[arg(
        long,
        env = "SIGIL_DATABASE_STATEMENT_TIMEOUT",
        global = true,
        value_name = "SECONDS"
    )]
    pub database_statement_timeout: Option<u64>,
    /// PostgreSQL: do not apply pending migrations on start (run `sigil migrate` as a deploy
    /// step); a schema older than this Sigil's is then refused. SQLite always migrates.
    #[arg(long, env = "SIGIL_SKIP_MIGRATIONS", global = true)]
    pub skip_migrations: bool,
    /// File holding the base64 master key (else SIGIL_MASTER_KEY, else dev mode's generated one).
    #[arg(
        long,
        env = "SIGIL_MASTER_KEY_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub master_key_file: Option<PathBuf>,
    /// Public base URL (the default realm's issuer) [default: http:// + the listen address].
    #[arg(long, env = "SIGIL_ISSUER", global = true, value_name = "URL")]
    pub issuer: Option<String>,
    /// Production mode: `serve` refuses to start without an external master key and an https
    /// issuer and creates no demo client; clients may use http redirect URIs only to loopback.
    #[arg(long, env = "SIGIL_PRODUCTION", global = true)]
    pub production: bool,
}

/// `sigil.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub issuer: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_pool_size: Option<u32>,
    pub database_connect_timeout: Option<u64>,
    pub database_statement_timeout: Option<u64>,
    pub skip_migrations: Option<bool>,
    pub master_key_file: Option<PathBuf>,
    pub jwks_max_age: Option<u64>,
    pub log_format: Option<String>,
    pub production: Option<bool>,
    pub max_connections: Option<usize>,
    pub header_read_timeout: Option<u64>,
    pub idle_timeout: Option<u64>,
}

impl FileConfig {
    /// Reads the file if one is named.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// The listen address used when none is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The data directory used when none is configured.
pub const DEFAULT_DATA_DIR: &str = "sigil-data";

/// Resolved store settings.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// How a PostgreSQL store uses its database.
    pub database: DatabaseSettings,
    pub master_key_file: Option<PathBuf>,
    pub issuer: Option<String>,
    /// `--production`, `SIGIL_PRODUCTION` or `production = true` in the file.
    pub production: bool,
    pub file: std::sync::Arc<FileConfig>,
}

impl StoreArgs {
    /// Merges flags/env (already merged by clap) over the file over defaults.
    pub fn resolve(&self) -> anyhow::Result<StoreSettings> {
        let file = FileConfig::load(self.config.as_deref())?;
        Ok(StoreSettings {
            data_dir: self
                .data_dir
                .clone()
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            database_url: self
                .database_url
                .clone()
                .or_else(|| file.database_url.clone()),
            database: DatabaseSettings::resolve(self, &file)?,
            master_key_file: self
                .master_key_file
                .clone()
                .or_else(|| file.master_key_file.clone()),
            issuer: self.issuer.clone().or_else(|| file.issuer.clone()),
            production: self.production || file.production.unwrap_or(false),
            file: std::sync::Arc::new(file),
        })
    }
}

/// A PostgreSQL store's pool and timeouts, and whether opening it migrates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    pub pool_size: u32,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    /// `--skip-migrations`: a server (or command) opening the store only checks its schema.
    pub skip_migrations: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            pool_size: 10,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            skip_migrations: false,
        }
    }
}

impl DatabaseSettings {
    /// Flags and environment over the file over the defaults; zero is refused (a pool of no
    /// connections, or a timeout that fails everything, is a typo, not a choice).
    fn resolve(args: &StoreArgs, file: &FileConfig) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let pool_size = args
            .database_pool_size
            .or(file.database_pool_size)
            .unwrap_or(defaults.pool_size);
        let seconds = |flag: &str, value: Option<u64>, default: Duration| match value {
            Some(0) => bail!("--{flag} must be at least 1 second"),
            Some(secs) => Ok(Duration::from_secs(secs)),
            None => Ok(default),
        };
        if pool_size == 0 {
            bail!("--database-pool-size must be at least 1");
        }
        Ok(Self {
            pool_size,
            connect_timeout: seconds(
                "database-connect-timeout",
                args.database_connect_timeout
                    .or(file.database_connect_timeout),
                defaults.connect_timeout,
            )?,
            statement_timeout: seconds(
                "database-statement-timeout",
                args.database_statement_timeout
                    .or(file.database_statement_timeout),
                defaults.statement_timeout,
            )?,
            skip_migrations: args.skip_migrations || file.skip_migrations.unwrap_or(false),
        })
    }
}

impl StoreSettings {
    /// The public base URL for commands that sign tokens without a server: the configured
    /// issuer, else what `sigil serve` would default to.
    pub fn base_url(&self, listen: Option<&str>) -> anyhow::Result<String> {
        let url = match &self.issuer {
            Some(issuer) => issuer.clone(),
            None => format!(
                "http://{}",
                listen
                    .or(self.file.listen.as_deref())
                    .unwrap_or(DEFAULT_LISTEN)
            ),
        };
        Ok(sigil_server::provision::validate_base_url(&url)?)
    }
}

/// Parses a listen address.
pub fn listen_addr(value: &str) -> anyhow::Result<SocketAddr> {
    match value.parse() {
        Ok(addr) => Ok(addr),
        Err(_) => bail!("--listen {value:?} is not an address like 127.0.0.1:8080"),
    }
}
