//! `sigil user create|update|set-password|disable|enable|delete|show|list`: glue over
//! `Provisioner`'s user methods. A password is read from stdin, never from the arguments (which
//! other local users can see in the process list), and no output shows its hash.

use std::io::{BufRead as _, Write};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sigil_server::provision::{UserChanges, UserSpec};
use sigil_server::users::Password;
use sigil_store::UserRecord;
use zeroize::Zeroizing;

use super::token::parse_claims;
use super::{emit, realm_name, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(CreateArgs),
    /// Change a user's profile, claims, groups or allowed scopes.
    Update(UpdateArgs),
    /// Set a user's password (read as one line from stdin).
    SetPassword(SetPasswordArgs),
    /// Disable a user: no more sign-ins; its tokens and sessions end.
    Disable(NamedArgs),
    /// Let a disabled user sign in again.
    Enable(NamedArgs),
    /// Delete a user (everything it holds ends first).
    Delete(NamedArgs),
    /// Show one user.
    Show(NamedArgs),
    /// List a realm's users.
    List(ListArgs),
}

/// The profile options `create` and `update` share.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The `email` claim (update: an empty value removes it).
    #[arg(long)]
    email: Option<String>,
    /// The `name` claim (update: an empty value removes it).
    #[arg(long)]
    name: Option<String>,
    /// The `given_name` claim (update: an empty value removes it).
    #[arg(long)]
    given_name: Option<String>,
    /// The `family_name` claim (update: an empty value removes it).
    #[arg(long)]
    family_name: Option<String>,
    /// A custom claim NAME=VALUE (repeatable); VALUE is JSON if it parses, else a string.
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    claims: Vec<String>,
    /// A group (repeatable; update: replaces the user's groups).
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// Scopes any client may be granted for the user (repeatable or space-separated; '' for
    /// none at all). Without it, no narrowing.
    #[arg(long = "allowed-scope", value_name = "SCOPE")]
    allowed_scopes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The username.
    username: String,
    #[arg(long, default_value = "default")]
    realm: String,
    /// Read the password as one line from stdin.
    #[arg(long)]
    password_stdin: bool,
    /// Mark the email as verified.
    #[arg(long)]
    email_verified: bool,
    #[command(flatten)]
    profile: ProfileArgs,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The username.
    username: String,
    #[arg(long, default_value = "default")]
    realm: String,
    /// Whether the email is verified (`--email-verified` or `--email-verified=false`).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    email_verified: Option<bool>,
    #[command(flatten)]
    profile: ProfileArgs,
    /// Remove a custom claim (repeatable).
    #[arg(long = "remove-claim", value_name = "NAME")]
    remove_claims: Vec<String>,
    /// Remove every group.
    #[arg(long, conflicts_with = "groups")]
    clear_groups: bool,
    /// Remove the narrowing: clients may be granted any of their scopes again.
    #[arg(long, conflicts_with = "allowed_scopes")]
    clear_allowed_scopes: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    /// The username.
    username: String,
    #[arg(long, default_value = "default")]
    realm: String,
    /// Read the password as one line from stdin (the only way: never in the arguments).
    #[arg(long)]
    password_stdin: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct NamedArgs {
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
    let provisioner = opened.provisioner().await?;
    match command {
        UserCommand::Create(args) => {
            let realm = realm_name(&args.realm)?;
            let password = if args.password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let p = args.profile;
            let spec = UserSpec {
                username: args.username,
                password,
                email: p.email,
                email_verified: args.email_verified,
                name: p.name,
                given_name: p.given_name,
                family_name: p.family_name,
                claims: parse_claims(&p.claims)?,
                groups: p.groups,
                allowed_scopes: scope_list(&p.allowed_scopes),
            };
            let user = provisioner.create_user_with(&realm, spec).await?;
            let text = format!("created user {} (sub {})\n", user.username, user.id);
            emit(out, args.json, &user_json(&user), &text)
        }
        UserCommand::Update(args) => {
            let realm = realm_name(&args.realm)?;
            let p = args.profile;
            let clear_empty = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.is_empty()));
            let changes = UserChanges {
                email: clear_empty(p.email),
                email_verified: args.email_verified,
                name: clear_empty(p.name),
                given_name: clear_empty(p.given_name),
                family_name: clear_empty(p.family_name),
                set_claims: parse_claims(&p.claims)?,
                remove_claims: args.remove_claims,
                groups: if args.clear_groups {
                    Some(Vec::new())
                } else {
                    Some(p.groups).filter(|g| !g.is_empty())
                },
                allowed_scopes: if args.clear_allowed_scopes {
                    Some(None)
                } else {
                    scope_list(&p.allowed_scopes).map(Some)
                },
            };
            let user = provisioner
                .update_user(&realm, &args.username, changes)
                .await?;
            let text = format!("updated user {}\n", user.username);
            emit(out, args.json, &user_json(&user), &text)
        }
        UserCommand::SetPassword(args) => {
            let realm = realm_name(&args.realm)?;
            if !args.password_stdin {
                bail!("set-password reads the password from stdin: pass --password-stdin");
            }
            let password = read_password()?;
            let user = provisioner
                .set_password(&realm, &args.username, &password)
                .await?;
            let text = format!("set the password of user {}\n", user.username);
            emit(out, args.json, &user_json(&user), &text)
        }
        UserCommand::Disable(args) => {
            let realm = realm_name(&args.realm)?;
            let user = provisioner.disable_user(&realm, &args.username).await?;
            let text = format!("disabled user {}\n", user.username);
            emit(out, args.json, &user_json(&user), &text)
        }
        UserCommand::Enable(args) => {
            let realm = realm_name(&args.realm)?;
            let user = provisioner.enable_user(&realm, &args.username).await?;
            let text = format!("enabled user {}\n", user.username);
            emit(out, args.json, &user_json(&user), &text)
        }
        UserCommand::Delete(args) => {
            let realm = realm_name(&args.realm)?;
            let user = provisioner.delete_user(&realm, &args.username).await?;
            let value = json!({ "id": user.id, "username": user.username, "deleted": true });
            let text = format!("deleted user {} (sub {})\n", user.username, user.id);
            emit(out, args.json, &value, &text)
        }
        UserCommand::Show(args) => {
            let user = provisioner
                .user(&realm_name(&args.realm)?, &args.username)
                .await?;
            emit(out, args.json, &user_json(&user), &describe(&user))
        }
        UserCommand::List(args) => {
            let users = provisioner.list_users(&realm_name(&args.realm)?).await?;
            let text: String = users.iter().map(line).collect();
            let value = Value::Array(users.iter().map(user_json).collect());
            emit(out, args.json, &value, &text)
        }
    }
}

/// One line from stdin, without its line ending; the policy is checked by `Password::new`.
fn read_password() -> anyhow::Result<Password> {
    let mut line = Zeroizing::new(String::new());
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    if read == 0 {
        bail!("--password-stdin: stdin is empty; pipe the password in as one line");
    }
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    Ok(Password::new(text.to_owned())?)
}

/// `--allowed-scope` values, each split on spaces; `None` when the option was not given.
fn scope_list(values: &[String]) -> Option<Vec<String>> {
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .flat_map(|v| v.split_whitespace())
            .map(str::to_owned)
            .collect(),
    )
}

/// The user as JSON: every field but the password hash, of which only the existence shows.
fn user_json(u: &UserRecord) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "created_at": u.created_at,
        "updated_at": u.updated_at,
        "email": u.email,
        "email_verified": u.email_verified,
        "name": u.name,
        "given_name": u.given_name,
        "family_name": u.family_name,
        "claims": u.claims,
        "groups": u.groups,
        "allowed_scopes": u.allowed_scopes,
        "has_password": u.password_hash.is_some(),
        "disabled": u.disabled,
    })
}

fn line(u: &UserRecord) -> String {
    let mut flags = String::new();
    if u.disabled {
        flags.push_str("  disabled");
    }
    if u.password_hash.is_none() {
        flags.push_str("  no password");
    }
    format!(
        "{:<24} {}  created {}{flags}\n",
        u.username,
        u.id,
        time(u.created_at)
    )
}

fn describe(u: &UserRecord) -> String {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let allowed = match &u.allowed_scopes {
        None => "any (no narrowing)".to_owned(),
        Some(s) if s.is_empty() => "none".to_owned(),
        Some(s) => s.join(" "),
    };
    format!(
        "username:        {}\nsub:             {}\nemail:           {}{}\nname:            {}\n\
         given name:      {}\nfamily name:     {}\ngroups:          {}\nallowed scopes:  {}\n\
         claims:          {}\npassword:        {}\nstatus:          {}\ncreated:         {}\n\
         updated:         {}\n",
        u.username,
        u.id,
        or_none(&u.email),
        if u.email_verified { " (verified)" } else { "" },
        or_none(&u.name),
        or_none(&u.given_name),
        or_none(&u.family_name),
        u.groups.join(", "),
        allowed,
        Value::Object(u.claims.clone()),
        if u.password_hash.is_some() {
            "set"
        } else {
            "not set"
        },
        if u.disabled { "disabled" } else { "enabled" },
        time(u.created_at),
        time(u.updated_at),
    )
}
