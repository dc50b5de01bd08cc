//! `sigil admin-token create|list|delete`: bearer tokens for the admin API, stored hashed.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{emit, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum AdminTokenCommand {
    /// Create an admin token; it is printed once.
    Create(CreateArgs),
    /// List admin tokens (never the tokens themselves).
    List(JsonArg),
    /// Delete an admin token by id.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What the token is for.
    #[arg(long, default_value = "admin")]
    name: String,
    /// Lifetime in seconds (at least 1); no expiry when absent.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_ttl)]
    ttl: Option<u64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The token's id (from `list`; may begin with '-').
    #[arg(allow_hyphen_values = true)]
    id: String,
    #[arg(long)]
    json: bool,
}

pub async fn run(
    store: &StoreArgs,
    command: AdminTokenCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let opened = context::open(&store.resolve()?).await?;
    match command {
        AdminTokenCommand::Create(args) => {
            let (token, record) = opened
                .provisioner()
                .await?
                .create_admin_token(&args.name, args.ttl)
                .await?;
            let value = json!({ "id": record.id, "name": record.name, "token": token, "expires_at": record.expires_at });
            emit(
                out,
                args.json,
                &value,
                &format!(
                    "admin token {} ({}):\n{token}\n(shown once: store it now)\n",
                    record.id, record.name
                ),
            )
        }
        AdminTokenCommand::List(args) => {
            let tokens = opened.store.list_admin_tokens().await?;
            let text: String = tokens
                .iter()
                .map(|t| {
                    format!(
                        "{:<14} {:<20} created {}  last used {}\n",
                        t.id,
                        t.name,
                        time(t.created_at),
                        t.last_used_at.map_or("never".to_owned(), time)
                    )
                })
                .collect();
            let value = json!(tokens.iter().map(|t| json!({"id": t.id, "name": t.name, "created_at": t.created_at, "expires_at": t.expires_at, "last_used_at": t.last_used_at})).collect::<Vec<_>>());
            emit(out, args.json, &value, &text)
        }
        AdminTokenCommand::Delete(args) => {
            opened
                .provisioner()
                .await?
                .delete_admin_token(&args.id)
                .await?;
            emit(
                out,
                args.json,
                &json!({ "deleted": args.id }),
                &format!("deleted admin token {}\n", args.id),
            )
        }
    }
}

/// A lifetime in seconds. Negative numbers are parsed (rather than taken for a flag) so that
/// the refusal names the mistake; zero is refused by `create_admin_token` itself.
fn parse_ttl(value: &str) -> Result<u64, String> {
    match value.parse::<i64>() {
        Ok(ttl) if ttl < 0 => Err("a lifetime cannot be negative; give seconds, at least 1".into()),
        _ => value
            .parse()
            .map_err(|_| "not a number of seconds".to_owned()),
    }
}
