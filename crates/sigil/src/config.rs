//! Configuration: `sigil.toml`, then `SIGIL_*` environment variables, then flags — weakest to
//! strongest. Raw values are parsed here and validated once into the types the library takes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    /// Database URL (sqlite://FILE); overrides the data directory's database.
    #[arg(long, env = "SIGIL_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,
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
