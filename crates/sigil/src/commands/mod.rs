//! The command tree; one module per subcommand.

mod admin_token;
mod bench;
mod client;
mod keys;
mod migrate;
mod realm;
mod serve;
mod token;
mod user;
mod verify;

use std::future::Future;
use std::io::Write;

use clap::{Parser, Subcommand};
use sigil_jose::Algorithm;

use crate::config::StoreArgs;

/// Sigil: an OpenID Connect provider and JWT/JWKS toolkit.
#[derive(Debug, Parser)]
#[command(name = "sigil", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the OpenID provider (dev mode with no configuration).
    Serve(serve::ServeArgs),
    /// Realms: create, list, update.
    #[command(subcommand)]
    Realm(realm::RealmCommand),
    /// OAuth clients: create, list, show, delete.
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Users: create, update, set-password, disable, enable, delete, show, list.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Admin API bearer tokens: create, list, delete.
    #[command(subcommand, name = "admin-token")]
    AdminToken(admin_token::AdminTokenCommand),
    /// Tokens: mint one for a subject, manage personal access tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Signing keys: generate, list, rotate, import, retire.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Apply pending database schema migrations (serve applies them too, unless told not to).
    Migrate,
    /// Verify a token against an issuer's published keys, or decode it (--decode).
    Verify(verify::VerifyArgs),
    /// Load-test any OpenID Provider through its discovery document (client side: no store).
    Bench(Box<bench::BenchArgs>),
}

/// Runs the parsed command, writing its output to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    let store = cli.store;
    match cli.command {
        Command::Serve(args) => serve::run(&store, args, out),
        Command::Realm(command) => block_on(realm::run(&store, command, out)),
        Command::Client(command) => block_on(client::run(&store, command, out)),
        Command::User(command) => block_on(user::run(&store, command, out)),
        Command::AdminToken(command) => block_on(admin_token::run(&store, command, out)),
        Command::Token(command) => block_on(token::run(&store, command, out)),
        Command::Keys(command) => keys::run(&store, command, out),
        Command::Migrate => block_on(migrate::run(&store, out)),
        Command::Verify(args) => verify::run(&args, out),
        Command::Bench(args) => bench::run(*args, out),
    }
}

/// Runs an async command on a small runtime of its own.
pub(crate) fn block_on<F: Future<Output = anyhow::Result<()>>>(future: F) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future)
}

/// Prints `value` as one JSON line, or `text` for people.
pub(crate) fn emit(
    out: &mut dyn Write,
    json: bool,
    value: &serde_json::Value,
    text: &str,
) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{value}")?;
    } else {
        write!(out, "{text}")?;
    }
    Ok(())
}

/// An algorithm from the command line; HMAC is refused with the reason.
pub(crate) fn parse_alg(value: &str) -> Result<Algorithm, String> {
    if value.to_ascii_uppercase().starts_with("HS") {
        return Err("HMAC algorithms share a secret and are never used to sign; choose an asymmetric one such as RS256 or ES256".to_owned());
    }
    value.parse().map_err(|_| {
        let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
        format!("unknown algorithm (choose one of {})", names.join(", "))
    })
}

/// A realm key's algorithm for `sigil keys rotate --alg`: a signing algorithm, or an
/// encryption algorithm the realm keeps decryption keys for.
pub(crate) fn parse_key_alg(value: &str) -> Result<sigil_server::keys::KeyAlg, String> {
    if let Ok(alg) = sigil_server::keys::KeyAlg::encryption(value) {
        return Ok(alg.into());
    }
    parse_alg(value).map(Into::into).map_err(|e| {
        let names: Vec<&str> = sigil_server::keys::ENCRYPTION_ALGS
            .iter()
            .map(|a| a.as_str())
            .collect();
        format!("{e}, or an encryption algorithm ({})", names.join(", "))
    })
}

/// An encryption algorithm for `sigil realm update --encryption-alg`.
pub(crate) fn parse_encryption_alg(value: &str) -> Result<sigil_jose::jwe::KeyManagement, String> {
    sigil_server::keys::KeyAlg::encryption(value).map_err(|e| e.to_string())
}

/// A warning for the operator, on stderr (stdout stays machine-readable).
pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// A realm name from the command line.
pub(crate) fn realm_name(name: &str) -> anyhow::Result<sigil_store::RealmName> {
    Ok(sigil_store::RealmName::new(name)?)
}

/// A Unix time for people (UTC, RFC 3339).
pub(crate) fn time(at: i64) -> String {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant), for a dependency-free UTC rendering.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_utc_times() {
        assert_eq!(super::time(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::time(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(super::time(951_782_400), "2000-02-29T00:00:00Z");
    }
}
