//! `sigil serve`: run the OpenID provider. With no configuration this is dev mode: data in
//! `./sigil-data`, a generated master key, the default realm and a demo client, printed with a
//! ready-to-paste `curl`.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use sigil_server::connections::ConnectionLimits;
use sigil_server::op::clients::JwksUriPolicy;
use sigil_server::{Server, ServerConfig};

use crate::config::{DEFAULT_LISTEN, FileConfig, StoreArgs, listen_addr};
use crate::{bootstrap, context, logging};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SIGIL_LISTEN")]
    listen: Option<String>,
    /// `max-age` of JWKS and discovery responses, in seconds [default: 900].
    #[arg(long, env = "SIGIL_JWKS_MAX_AGE")]
    jwks_max_age: Option<u64>,
    /// Log format: text or json.
    #[arg(long, env = "SIGIL_LOG_FORMAT")]
    log_format: Option<String>,
    /// Connections served at once; more wait to be accepted [default: 1024].
    #[arg(long, env = "SIGIL_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,
    /// Seconds a request head may take to arrive complete [default: 10].
    #[arg(long, env = "SIGIL_HEADER_READ_TIMEOUT", value_name = "SECONDS")]
    header_read_timeout: Option<u64>,
    /// Seconds a connection may stay silent before it is closed [default: 5].
    #[arg(long, env = "SIGIL_IDLE_TIMEOUT", value_name = "SECONDS")]
    idle_timeout: Option<u64>,
    #[command(flatten)]
    keys: bootstrap::ConfiguredKeys,
    /// Start even if another `sigil serve` holds this SQLite database (several nodes on one
    /// SQLite file: at your own risk; PostgreSQL is made for that).
    #[arg(long, env = "SIGIL_ALLOW_SHARED_SQLITE")]
    allow_shared_sqlite: bool,
}

pub fn run(store: &StoreArgs, args: ServeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // `ready_ms` counts what an operator waits for: settings, store, keys, bootstrap.
    let started_at = Instant::now();
    let settings = store.resolve()?;
    let production = settings.production;
    if production {
        bootstrap::check_production(&settings)?;
    }
    logging::init(
        args.log_format
            .as_deref()
            .or(settings.file.log_format.as_deref()),
    )?;
    let _lock = serve_lock(&settings, args.allow_shared_sqlite)?;
    let listen = args
        .listen
        .clone()
        .or_else(|| settings.file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let config = ServerConfig {
        listen: listen_addr(&listen)?,
        issuer: settings.issuer.clone(),
        jwks_max_age_secs: args
            .jwks_max_age
            .or(settings.file.jwks_max_age)
            .unwrap_or(900),
        refresh_interval: Duration::from_secs(1),
        rotation_interval: Duration::from_secs(60),
        started_at,
        connections: connection_limits(&args, &settings.file)?,
        playground: !production,
        jwks_uri_policy: if production {
            JwksUriPolicy::HttpsOnly
        } else {
            JwksUriPolicy::AllowLoopbackHttp
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let opened = context::open(&settings).await?;
        let server = Server::build(
            config,
            opened.store.clone(),
            opened.master.clone(),
            opened.clock.clone(),
            opened.rng.clone(),
        )
        .await?;
        // One hashing pool for the process: the demo user's password and sign-ins share it.
        let provisioner = opened
            .provisioner()
            .await?
            .with_password_hashing(server.passwords().clone());
        // Commands that sign without a server (`sigil token …`) sign for this issuer.
        provisioner.record_served_issuer(server.issuer()).await?;
        let shutdown = shutdown_signal()?;
        let report = bootstrap::ensure_defaults(
            &provisioner,
            &settings,
            &args.keys,
            production,
            server.issuer(),
        )
        .await?;
        report.print(
            out,
            server.issuer(),
            server.local_addr(),
            &opened.master_source,
        )?;
        out.flush()?;
        server.run(shutdown).await?;
        Ok(())
    })
}

/// The data directory's lock, held until `serve` returns, unless the operator allowed
/// sharing (then nothing is taken, so a locked database does not stop this node).
fn serve_lock(
    settings: &crate::config::StoreSettings,
    allow_shared: bool,
) -> anyhow::Result<Option<crate::lock::ServeLock>> {
    if allow_shared {
        tracing::warn!(
            "--allow-shared-sqlite: not locking the database; several nodes belong on PostgreSQL"
        );
        return Ok(None);
    }
    crate::lock::exclusive(settings)
}

/// Completes on SIGINT or SIGTERM. The handlers are installed now, before the banner tells
/// anyone the server is there, so an early SIGTERM is still a graceful stop.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down: finishing in-flight requests");
    })
}

/// Flags over the file over [`ConnectionLimits::default`]; zero is refused (it would serve
/// nothing, or close every connection at once).
fn connection_limits(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<ConnectionLimits> {
    let defaults = ConnectionLimits::default();
    let seconds =
        |flag: Option<u64>, file: Option<u64>, name: &str, default: Duration| match flag.or(file) {
            Some(0) => bail!("--{name} must be at least 1 second"),
            Some(secs) => Ok(Duration::from_secs(secs)),
            None => Ok(default),
        };
    let max_connections = match args.max_connections.or(file.max_connections) {
        Some(0) => bail!("--max-connections must be at least 1"),
        Some(n) => n,
        None => defaults.max_connections,
    };
    Ok(ConnectionLimits {
        max_connections,
        header_read_timeout: seconds(
            args.header_read_timeout,
            file.header_read_timeout,
            "header-read-timeout",
            defaults.header_read_timeout,
        )?,
        idle_timeout: seconds(
            args.idle_timeout,
            file.idle_timeout,
            "idle-timeout",
            defaults.idle_timeout,
        )?,
    })
}
