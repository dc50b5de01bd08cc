//! `sigil realm create|list|update`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::json;
use sigil_jose::Algorithm;
use sigil_store::Realm;

use super::{emit, parse_alg, parse_encryption_alg, realm_name, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum RealmCommand {
    /// Create a realm with an RS256 key (and a key for each --alg).
    Create(CreateArgs),
    /// List realms.
    List(ListArgs),
    /// Change a realm: enable algorithms, legacy HS256 acceptance.
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Realm name: 1 to 63 of a-z, 0-9 and '-'.
    name: String,
    /// Also sign with this algorithm (repeatable): ES256, EdDSA, PS256, …
    #[arg(long = "alg", value_parser = parse_alg)]
    algs: Vec<Algorithm>,
    /// RSA key size for the realm's RSA keys.
    #[arg(long, default_value_t = 3072)]
    rsa_bits: usize,
    /// Keep encryption keys (`use: enc`, for encrypted request objects) for these algorithms
    /// only (repeatable) [default: RSA-OAEP-256 and ECDH-ES+A256KW].
    #[arg(long = "encryption-alg", value_parser = parse_encryption_alg, conflicts_with = "no_encryption_keys")]
    encryption_algs: Vec<sigil_jose::jwe::KeyManagement>,
    /// Keep no encryption keys: clients cannot encrypt request objects to the realm.
    #[arg(long)]
    no_encryption_keys: bool,
    /// Rotate generated keys every N days [default: 30].
    #[arg(long, value_name = "DAYS")]
    rotation_period_days: Option<u64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// At most this many realms (default: every realm).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// Only realms whose names sort after this one: the next page starts after the last
    /// name of the previous one.
    #[arg(long, value_name = "NAME")]
    after: Option<String>,
    #[arg(long)]
    json: bool,
}

/// Realms read per store query: thousands of realms are listed a page at a time.
const LIST_PAGE: u32 = 500;

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The realm.
    name: String,
    /// Start signing with this algorithm too (repeatable).
    #[arg(long = "alg", value_parser = parse_alg)]
    algs: Vec<Algorithm>,
    /// Keep encryption keys (`use: enc`, for encrypted request objects) for exactly these
    /// algorithms (repeatable): RSA-OAEP-256, ECDH-ES+A256KW. A new one gets a key at once;
    /// the keys of one left out are retired now.
    #[arg(long = "encryption-alg", value_parser = parse_encryption_alg, conflicts_with = "no_encryption_keys")]
    encryption_algs: Vec<sigil_jose::jwe::KeyManagement>,
    /// Keep no encryption keys: retire them now (clients can no longer encrypt to the realm).
    #[arg(long)]
    no_encryption_keys: bool,
    /// Accept legacy HS256 tokens signed with the secret in this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["legacy_hs256_secret_file", "disable_legacy_hs256"])]
    legacy_hs256_secret_env: Option<String>,
    /// Accept legacy HS256 tokens signed with the secret in this file.
    #[arg(long, value_name = "FILE", conflicts_with = "disable_legacy_hs256")]
    legacy_hs256_secret_file: Option<PathBuf>,
    /// Stop accepting legacy HS256 tokens.
    #[arg(long)]
    disable_legacy_hs256: bool,
    /// Rotate generated keys every N days.
    #[arg(long, value_name = "DAYS")]
    rotation_period_days: Option<u64>,
    /// The name the realm's sign-in pages show.
    #[arg(long, value_name = "NAME")]
    brand_name: Option<String>,
    /// The logo the realm's pages show (an https URL).
    #[arg(long, value_name = "URL")]
    brand_logo: Option<String>,
    /// The pages' accent colour (#rgb or #rrggbb).
    #[arg(long, value_name = "COLOUR")]
    brand_colour: Option<String>,
    /// Replace the realm's theme with the templates in DIR (login.html, consent.html, …).
    #[arg(long, value_name = "DIR")]
    theme_dir: Option<PathBuf>,
    /// Accept authorization requests only through the PAR endpoint (RFC 9126), or again not.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    require_par: Option<bool>,
    #[arg(long)]
    json: bool,
}

pub async fn run(
    store: &StoreArgs,
    command: RealmCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let opened = context::open(&store.resolve()?).await?;
    let provisioner = opened.provisioner().await?;
    match command {
        RealmCommand::Create(args) => {
            let name = realm_name(&args.name)?;
            if let Some(days) = args.rotation_period_days
                && !(1..=365).contains(&days)
            {
                anyhow::bail!("the rotation period is 1 to 365 days");
            }
            let mut realm = if args.encryption_algs.is_empty() && !args.no_encryption_keys {
                provisioner
                    .create_realm(&name, &args.algs, args.rsa_bits)
                    .await?
            } else {
                provisioner
                    .create_realm_encrypting(
                        &name,
                        &args.algs,
                        args.rsa_bits,
                        &args.encryption_algs,
                    )
                    .await?
            };
            if let Some(days) = args.rotation_period_days {
                provisioner.set_rotation_period(&name, days).await?;
                realm = provisioner.realm(&name).await?;
            }
            emit(
                out,
                args.json,
                &describe(&realm),
                &format!(
                    "created realm {} (algorithms: {})\n",
                    realm.name,
                    realm.settings.signing_algs.join(", ")
                ),
            )
        }
        RealmCommand::List(args) => {
            let mut after = args.after.as_deref().map(realm_name).transpose()?;
            let mut left = args.limit.unwrap_or(u32::MAX);
            let mut realms = Vec::new();
            while left > 0 {
                let asked = left.min(LIST_PAGE);
                let page = opened.store.list_realms_page(after.as_ref(), asked).await?;
                let got = u32::try_from(page.len()).unwrap_or(asked);
                after = page.last().map(|r| r.name.clone());
                realms.extend(page);
                if got < asked {
                    break;
                }
                left -= got;
            }
            let text: String = realms
                .iter()
                .map(|r| {
                    format!(
                        "{:<24} {:<24} created {}\n",
                        r.name,
                        r.settings.signing_algs.join(","),
                        time(r.created_at)
                    )
                })
                .collect();
            emit(
                out,
                args.json,
                &json!(realms.iter().map(describe).collect::<Vec<_>>()),
                &text,
            )
        }
        RealmCommand::Update(args) => {
            let name = realm_name(&args.name)?;
            if !args.algs.is_empty() {
                provisioner.enable_algorithms(&name, &args.algs).await?;
            }
            if let Some(days) = args.rotation_period_days {
                provisioner.set_rotation_period(&name, days).await?;
            }
            if !args.encryption_algs.is_empty() || args.no_encryption_keys {
                provisioner
                    .set_encryption_algs(&name, &args.encryption_algs)
                    .await?;
            }
            if let Some(required) = args.require_par {
                provisioner
                    .set_require_pushed_authorization_requests(&name, required)
                    .await?;
            }
            let secret = match (
                &args.legacy_hs256_secret_env,
                &args.legacy_hs256_secret_file,
            ) {
                (Some(var), _) => Some(
                    std::env::var(var)
                        .with_context(|| format!("environment variable {var} is not set"))?
                        .into_bytes(),
                ),
                (None, Some(path)) => Some(
                    std::fs::read(path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                ),
                (None, None) => None,
            };
            if let Some(secret) = secret {
                let secret = zeroize::Zeroizing::new(secret);
                provisioner
                    .set_legacy_hs256(&name, Some(secret.trim_ascii()))
                    .await?;
            } else if args.disable_legacy_hs256 {
                provisioner.set_legacy_hs256(&name, None).await?;
            }
            let branded = args.brand_name.is_some()
                || args.brand_logo.is_some()
                || args.brand_colour.is_some()
                || args.theme_dir.is_some();
            if branded {
                let theme = args
                    .theme_dir
                    .as_deref()
                    .map(sigil_server::provision::read_theme_dir)
                    .transpose()?;
                let brand = sigil_store::RealmBrand {
                    name: args.brand_name,
                    logo_uri: args.brand_logo,
                    colour: args.brand_colour,
                };
                provisioner.set_branding(&name, brand, theme).await?;
            }
            let realm = provisioner.realm(&name).await?;
            emit(
                out,
                args.json,
                &describe(&realm),
                &format!(
                    "updated realm {} (algorithms: {}; encryption: {}; legacy HS256: {})\n",
                    realm.name,
                    realm.settings.signing_algs.join(", "),
                    if realm.settings.encryption_algs.is_empty() {
                        "none".to_owned()
                    } else {
                        realm.settings.encryption_algs.join(", ")
                    },
                    if realm.settings.legacy_hs256_sealed.is_some() {
                        "accepted"
                    } else {
                        "off"
                    }
                ),
            )
        }
    }
}

fn describe(realm: &Realm) -> serde_json::Value {
    json!({
        "name": realm.name.as_str(),
        "signing_algs": realm.settings.signing_algs,
        "encryption_algs": realm.settings.encryption_algs,
        "rsa_bits": realm.settings.rsa_bits,
        "access_token_ttl": realm.settings.access_token_ttl_secs,
        "legacy_hs256": realm.settings.legacy_hs256_sealed.is_some(),
        "rotation_period_days": realm.settings.rotation_period_secs / 86_400,
        "brand": realm.settings.brand,
        "theme": realm.settings.theme.keys().collect::<Vec<_>>(),
        "require_pushed_authorization_requests": realm.settings.require_pushed_authorization_requests,
        "created_at": realm.created_at,
    })
}
