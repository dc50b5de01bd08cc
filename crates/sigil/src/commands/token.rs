//! `sigil token mint` (trusted minting, seed 000) and `sigil token pat create|list|revoke`
//! (personal access tokens, seed 002). Both sign with the realm's keys straight from the
//! store, so they work without a running server.

use std::io::Write;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use sigil_jose::Algorithm;
use sigil_server::tokens::mint;

use super::{emit, parse_alg, realm_name, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a JWT for a subject your own backend authenticated.
    Mint(MintArgs),
    /// Personal access tokens: create, list, revoke.
    #[command(subcommand)]
    Pat(PatCommand),
}

#[derive(Debug, Args)]
pub struct MintArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    /// The subject (`sub`); generated user ids may begin with '-'.
    #[arg(long, allow_hyphen_values = true)]
    sub: String,
    /// Audience (repeatable).
    #[arg(long = "aud")]
    audiences: Vec<String>,
    /// Lifetime in seconds [default: 600].
    #[arg(long)]
    ttl: Option<u64>,
    /// Extra claim NAME=VALUE (repeatable); VALUE is JSON if it parses, else a string.
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    claims: Vec<String>,
    /// Signing algorithm [default: RS256].
    #[arg(long, value_parser = parse_alg)]
    alg: Option<Algorithm>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PatCommand {
    /// Create a personal access token for a user; the token is printed once.
    Create(PatCreateArgs),
    /// List personal access tokens with their last use.
    List(PatListArgs),
    /// Revoke a personal access token by its id (jti).
    Revoke(PatRevokeArgs),
}

#[derive(Debug, Args)]
pub struct PatCreateArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    /// The user's username.
    #[arg(long)]
    user: String,
    /// A name for the token.
    #[arg(long)]
    name: String,
    /// Lifetime in days (at most 90).
    #[arg(long, default_value_t = 30)]
    ttl_days: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PatListArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    /// Only this user's tokens (username).
    #[arg(long)]
    user: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PatRevokeArgs {
    /// The token's id (jti; may begin with '-').
    #[arg(allow_hyphen_values = true)]
    id: String,
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

pub async fn run(
    store: &StoreArgs,
    command: TokenCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let settings = store.resolve()?;
    let opened = context::open(&settings).await?;
    let provisioner = opened.provisioner().await?;
    let now = provisioner.now();
    match command {
        TokenCommand::Mint(args) => {
            let realm = realm_name(&args.realm)?;
            // The arguments first: a malformed --claim is the mistake to report.
            let request = mint::MintRequest {
                subject: args.sub,
                audiences: args.audiences,
                ttl_secs: args.ttl,
                claims: parse_claims(&args.claims)?,
                alg: args.alg,
            };
            let state = provisioner
                .realm_state(&realm, &issuer(&settings, &provisioner).await?)
                .await?;
            let minted = mint::mint(&state, &request, now, provisioner.rng())?;
            let value = json!({ "token": minted.token, "expires_at": minted.expires_at, "expires_in": minted.expires_in, "kid": minted.kid, "alg": minted.alg.as_str() });
            emit(out, args.json, &value, &format!("{}\n", minted.token))
        }
        TokenCommand::Pat(PatCommand::Create(args)) => {
            let realm = realm_name(&args.realm)?;
            let (issued, user) = provisioner
                .create_pat(
                    &realm,
                    &args.user,
                    &args.name,
                    args.ttl_days.saturating_mul(86_400),
                    &issuer(&settings, &provisioner).await?,
                )
                .await?;
            let value = json!({ "token": issued.token, "id": issued.record.jti, "name": issued.record.name, "user": user.username, "expires_at": issued.record.expires_at });
            emit(
                out,
                args.json,
                &value,
                &format!(
                    "personal access token {} for {} (expires {}):\n{}\n(shown once: store it now)\n",
                    issued.record.jti,
                    user.username,
                    time(issued.record.expires_at),
                    issued.token
                ),
            )
        }
        TokenCommand::Pat(PatCommand::List(args)) => {
            let realm = realm_name(&args.realm)?;
            let pats = provisioner.list_pats(&realm, args.user.as_deref()).await?;
            let text: String = pats
                .iter()
                .map(|p| {
                    let status = match p.revoked_at {
                        Some(at) => format!("revoked {}", time(at)),
                        None if p.expires_at <= now => "expired".to_owned(),
                        None => format!("expires {}", time(p.expires_at)),
                    };
                    format!(
                        "{:<24} {:<20} {:<36} last used {:<22} {status}\n",
                        p.jti,
                        p.name,
                        p.user_id,
                        p.last_used_at.map_or("never".to_owned(), time)
                    )
                })
                .collect();
            let value = json!(pats.iter().map(|p| json!({"id": p.jti, "name": p.name, "user_id": p.user_id, "created_at": p.created_at, "expires_at": p.expires_at, "last_used_at": p.last_used_at, "revoked_at": p.revoked_at})).collect::<Vec<_>>());
            emit(out, args.json, &value, &text)
        }
        TokenCommand::Pat(PatCommand::Revoke(args)) => {
            let realm = realm_name(&args.realm)?;
            provisioner.revoke_pat(&realm, &args.id).await?;
            emit(
                out,
                args.json,
                &json!({ "revoked": args.id }),
                &format!(
                    "revoked personal access token {}: in effect on running servers within their refresh interval (about a second)\n",
                    args.id
                ),
            )
        }
    }
}

/// The public base URL to sign for: the configured issuer (`--issuer`, `SIGIL_ISSUER`, the
/// config file), else the one `sigil serve` recorded, so that the token's `iss` is what the
/// server verifies (RFC 7519 §4.1.1). Guessing a default would print tokens no server accepts.
async fn issuer(
    settings: &crate::config::StoreSettings,
    provisioner: &sigil_server::provision::Provisioner,
) -> anyhow::Result<String> {
    if settings.issuer.is_some() {
        return settings.base_url(None);
    }
    match provisioner.served_issuer().await? {
        Some(issuer) => Ok(issuer),
        None => bail!("no issuer known: pass --issuer or start `sigil serve` once"),
    }
}

/// `NAME=VALUE` pairs; VALUE is JSON when it parses (numbers, booleans, objects), else text.
pub(super) fn parse_claims(pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut claims = Map::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--claim {pair:?} is not NAME=VALUE"))?;
        if name.is_empty() {
            bail!("--claim {pair:?} has an empty name");
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::from(value));
        claims.insert(name.to_owned(), value);
    }
    Ok(claims)
}
