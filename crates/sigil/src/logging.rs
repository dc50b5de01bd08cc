//! Logs through `tracing`: text or JSON, level from `SIGIL_LOG` or `RUST_LOG` (default info).
//! Every request's lines carry its request id (the server's request span).

use anyhow::bail;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for `sigil serve`.
pub fn init(format: Option<&str>) -> anyhow::Result<()> {
    let filter = std::env::var("SIGIL_LOG")
        .ok()
        .map(EnvFilter::new)
        .unwrap_or_else(|| {
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
        });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let installed = match format.unwrap_or("text") {
        "text" => builder.try_init(),
        "json" => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        other => bail!("log format {other:?} is not text or json"),
    };
    // A second init (tests) keeps the first subscriber.
    drop(installed);
    Ok(())
}
