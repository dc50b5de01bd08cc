//! The store-backed key commands: list, rotate, import, retire.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::json;
use sigil_jose::{Algorithm, Kid};
use sigil_server::keys::rotation::Outcome;
use sigil_server::keys::{KeyAlg, lifecycle};

use crate::commands::{emit, parse_alg, parse_key_alg, realm_name, time, warn};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    /// Only this algorithm (repeatable): a signing one (RS256, ES256, …) or an encryption
    /// one (RSA-OAEP-256, ECDH-ES+A256KW); all of the realm's when absent.
    #[arg(long = "alg", value_parser = parse_key_alg)]
    algs: Vec<KeyAlg>,
    /// Sign with the new key at once, skipping pre-publication.
    #[arg(long)]
    now: bool,
    /// The JWKS max-age the server announces (pre-publication waits this plus a margin).
    #[arg(long, env = "SIGIL_JWKS_MAX_AGE")]
    jwks_max_age: Option<u64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    /// Private key PEM file (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", conflicts_with = "key_env")]
    key_file: Option<PathBuf>,
    /// Environment variable holding the private key PEM (literal \n accepted).
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// Algorithm [default: RS256, ES256, ES384 or EdDSA by key type].
    #[arg(long, value_parser = parse_alg)]
    alg: Option<Algorithm>,
    /// Key id [default: the RFC 7638 thumbprint].
    #[arg(long, allow_hyphen_values = true)]
    kid: Option<String>,
    /// Previous public key PEM file, published for verification only.
    #[arg(long, value_name = "FILE", conflicts_with = "previous_public_key_env")]
    previous_public_key_file: Option<PathBuf>,
    /// Environment variable holding the previous public key PEM.
    #[arg(long, value_name = "VAR")]
    previous_public_key_env: Option<String>,
    /// Key id of the previous public key [default: its thumbprint].
    #[arg(long, allow_hyphen_values = true)]
    previous_kid: Option<String>,
    /// Sign with the imported key at once, skipping pre-publication.
    #[arg(long)]
    now: bool,
    #[arg(long, env = "SIGIL_JWKS_MAX_AGE")]
    jwks_max_age: Option<u64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RetireArgs {
    /// The key id (thumbprints may begin with '-').
    #[arg(allow_hyphen_values = true)]
    kid: String,
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

const CACHE_WARNING: &str = "warning: the new key signs at once; verifiers that cached the JWKS in the last max-age will not know its kid until their cache expires";

pub async fn list(store: &StoreArgs, args: ListArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let opened = context::open(&store.resolve()?).await?;
    let keys = opened
        .provisioner()
        .await?
        .keys(&realm_name(&args.realm)?)
        .await?;
    let when = |at: Option<i64>| at.map_or_else(|| "-".to_owned(), time);
    // For a decryption key (`use: enc`), "signs" means "is the current key": the same
    // lifecycle, and it decrypts whenever it is published.
    let mut text = format!(
        "{:<44} {:<14} {:<4} {:<9} {:<9} {:<21} {:<21} {:<21} {:<21}\n",
        "KID",
        "ALG",
        "USE",
        "STATE",
        "ORIGIN",
        "PUBLISHED",
        "SIGNS FROM",
        "STOPS SIGNING",
        "REMOVED"
    );
    let mut rows = Vec::new();
    for k in &keys {
        let t = &k.timeline;
        let key_use = k
            .record
            .alg
            .parse::<KeyAlg>()
            .map_or("sig", KeyAlg::key_use);
        text.push_str(&format!(
            "{:<44} {:<14} {:<4} {:<9} {:<9} {:<21} {:<21} {:<21} {:<21}\n",
            k.record.kid,
            k.record.alg,
            key_use,
            k.state.as_str(),
            k.record.origin,
            time(t.publish_at),
            when(t.activate_at),
            when(t.superseded_at),
            when(t.remove_at)
        ));
        rows.push(json!({
            "kid": k.record.kid, "alg": k.record.alg, "use": key_use, "state": k.state.as_str(), "origin": k.record.origin,
            "published_at": t.publish_at, "activates_at": t.activate_at, "superseded_at": t.superseded_at, "removed_at": t.remove_at,
        }));
    }
    emit(out, args.json, &json!(rows), &text)
}

pub async fn rotate(
    store: &StoreArgs,
    args: RotateArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let settings = store.resolve()?;
    let lead = lifecycle::prepublication(
        args.jwks_max_age
            .or(settings.file.jwks_max_age)
            .unwrap_or(900),
    );
    let opened = context::open(&settings).await?;
    let outcomes = opened
        .provisioner()
        .await?
        .rotate(&realm_name(&args.realm)?, &args.algs, lead, args.now)
        .await?;
    if args.now {
        warn(CACHE_WARNING);
    }
    let mut text = String::new();
    let mut rows = Vec::new();
    for (alg, outcome) in outcomes {
        let (line, row) = match outcome {
            Outcome::Scheduled { kid, activate_at } => (
                format!(
                    "{alg}: scheduled {kid}, published now, signing from {}\n",
                    time(activate_at)
                ),
                json!({"alg": alg.as_str(), "kid": kid, "activates_at": activate_at}),
            ),
            Outcome::Activated { kid } => (
                match alg {
                    KeyAlg::Sign(_) => format!("{alg}: {kid} signs now\n"),
                    KeyAlg::Decrypt(_) => {
                        format!("{alg}: {kid} is the current encryption key now\n")
                    }
                },
                json!({"alg": alg.as_str(), "kid": kid, "activates_at": "now"}),
            ),
            Outcome::AlreadyScheduled => (
                format!(
                    "{alg}: a next key is already scheduled; nothing to do (use --now to sign with a new key at once)\n"
                ),
                json!({"alg": alg.as_str(), "already_scheduled": true}),
            ),
            other => (
                format!("{alg}: {other:?}\n"),
                json!({"alg": alg.as_str(), "outcome": format!("{other:?}")}),
            ),
        };
        text.push_str(&line);
        rows.push(row);
    }
    emit(out, args.json, &json!(rows), &text)
}

pub async fn import(
    store: &StoreArgs,
    args: ImportArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let key = read_pem(
        args.key_file.as_ref(),
        args.key_env.as_deref(),
        "--key-file/--key-env",
    )?;
    let previous = read_pem(
        args.previous_public_key_file.as_ref(),
        args.previous_public_key_env.as_deref(),
        "--previous-public-key-file/--previous-public-key-env",
    )?;
    if key.is_none() && previous.is_none() {
        bail!(
            "nothing to import: give --key-file/--key-env and/or --previous-public-key-file/--previous-public-key-env"
        );
    }
    let settings = store.resolve()?;
    let lead = lifecycle::prepublication(
        args.jwks_max_age
            .or(settings.file.jwks_max_age)
            .unwrap_or(900),
    );
    let opened = context::open(&settings).await?;
    let provisioner = opened.provisioner().await?;
    let realm = realm_name(&args.realm)?;
    let mut text = String::new();
    let mut doc = json!({});
    if let Some(pem) = key {
        let kid = args.kid.map(Kid::new).transpose().context("--kid")?;
        match provisioner
            .import_key(&realm, &pem, args.alg, kid, lead, args.now)
            .await?
        {
            Some(record) => {
                text.push_str(&format!(
                    "imported {} ({}), signing from {}\n",
                    record.kid,
                    record.alg,
                    time(record.activate_at)
                ));
                doc["key"] = json!({"kid": record.kid, "alg": record.alg, "activates_at": record.activate_at});
                if args.now {
                    warn(CACHE_WARNING);
                }
            }
            None => bail!("the realm already has a key with that kid"),
        }
    }
    if let Some(pem) = previous {
        let kid = args
            .previous_kid
            .map(Kid::new)
            .transpose()
            .context("--previous-kid")?;
        match provisioner
            .import_previous_public_key(&realm, &pem, None, kid)
            .await?
        {
            Some(record) => {
                let removed = record.retired_at.unwrap_or_default();
                text.push_str(&format!(
                    "published previous key {} for verification until {}\n",
                    record.kid,
                    time(removed)
                ));
                doc["previous"] =
                    json!({"kid": record.kid, "alg": record.alg, "removed_at": removed});
            }
            None => text.push_str("the previous public key is already published\n"),
        }
    }
    emit(out, args.json, &doc, &text)
}

pub async fn retire(
    store: &StoreArgs,
    args: RetireArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let opened = context::open(&store.resolve()?).await?;
    let retired = opened
        .provisioner()
        .await?
        .retire(&realm_name(&args.realm)?, &args.kid)
        .await?;
    warn(&format!(
        "warning: tokens signed by {} stop verifying once servers pick this up (within seconds)",
        args.kid
    ));
    emit(
        out,
        args.json,
        &json!({"retired": args.kid, "was": retired.was.as_str()}),
        &format!("retired {} (was {})\n", args.kid, retired.was.as_str()),
    )
}

/// A PEM from a file or an environment variable, if either is given.
fn read_pem(
    file: Option<&PathBuf>,
    env: Option<&str>,
    what: &str,
) -> anyhow::Result<Option<String>> {
    match (file, env) {
        (Some(path), _) => {
            Ok(Some(std::fs::read_to_string(path).with_context(|| {
                format!("cannot read {}", path.display())
            })?))
        }
        (None, Some(var)) => {
            Ok(Some(std::env::var(var).with_context(|| {
                format!("{what}: environment variable {var} is not set")
            })?))
        }
        (None, None) => Ok(None),
    }
}
