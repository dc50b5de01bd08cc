//! `sigil user create|list` (minimal until the login issue completes users).

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{emit, realm_name, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(CreateArgs),
    /// List a realm's users.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The username.
    username: String,
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

pub async fn run(
    store: &StoreArgs,
    command: UserCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let opened = context::open(&store.resolve()?).await?;
    match command {
        UserCommand::Create(args) => {
            let realm = realm_name(&args.realm)?;
            let user = opened
                .provisioner()
                .await?
                .create_user(&realm, &args.username)
                .await?;
            let value =
                json!({ "id": user.id, "username": user.username, "created_at": user.created_at });
            emit(
                out,
                args.json,
                &value,
                &format!("created user {} (sub {})\n", user.username, user.id),
            )
        }
        UserCommand::List(args) => {
            let users = opened.store.list_users(&realm_name(&args.realm)?).await?;
            let text: String = users
                .iter()
                .map(|u| {
                    format!(
                        "{:<24} {}  created {}\n",
                        u.username,
                        u.id,
                        time(u.created_at)
                    )
                })
                .collect();
            let value = json!(users.iter().map(|u| json!({ "id": u.id, "username": u.username, "created_at": u.created_at })).collect::<Vec<_>>());
            emit(out, args.json, &value, &text)
        }
    }
}
