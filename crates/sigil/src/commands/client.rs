//! `sigil client create|list|show|delete`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;
use sigil_jose::Algorithm;
use sigil_server::provision::ClientSpec;
use sigil_store::{ClientRecord, ClientSettings};

use super::{emit, parse_alg, realm_name, time};
use crate::config::StoreArgs;
use crate::context;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; a confidential client's secret is printed once.
    Create(Box<CreateArgs>),
    /// List a realm's clients.
    List(RealmArgs),
    /// Show one client.
    Show(IdArgs),
    /// Delete a client.
    Delete(IdArgs),
}

#[derive(Debug, Args)]
pub struct RealmArgs {
    /// The realm.
    #[arg(long, default_value = "default")]
    realm: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The client_id (generated ids may begin with '-').
    #[arg(allow_hyphen_values = true)]
    client_id: String,
    #[command(flatten)]
    realm: RealmArgs,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    realm: RealmArgs,
    /// Human-readable name.
    #[arg(long, default_value = "")]
    name: String,
    /// client_id to use instead of a generated one.
    #[arg(long)]
    client_id: Option<String>,
    /// Allowed grant type (repeatable): client_credentials, authorization_code, refresh_token.
    #[arg(long = "grant-type")]
    grant_types: Vec<String>,
    /// Redirect URI (repeatable): https, http to a loopback host, or a private-use scheme
    /// such as com.example.app:/cb; stored as written and matched exactly.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Allowed scopes, space-separated or repeated.
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// client_secret_basic (default), client_secret_post, private_key_jwt (with --jwks-file
    /// or --jwks-uri) or none (public client).
    #[arg(long)]
    auth_method: Option<String>,
    /// The client's public keys, a JWK Set file (jwks): for private_key_jwt and signed
    /// request objects.
    #[arg(long, value_name = "PATH", conflicts_with = "jwks_uri")]
    jwks_file: Option<std::path::PathBuf>,
    /// Where the client publishes its JWK Set (jwks_uri, https), fetched and cached.
    #[arg(long, value_name = "URL")]
    jwks_uri: Option<String>,
    /// The one algorithm of its private_key_jwt assertions (token_endpoint_auth_signing_alg).
    #[arg(long, value_name = "ALG")]
    token_endpoint_auth_alg: Option<String>,
    /// The one algorithm of its request objects (request_object_signing_alg).
    #[arg(long, value_name = "ALG")]
    request_object_alg: Option<String>,
    /// Audience of its access tokens (repeatable); the issuer when none.
    #[arg(long = "audience")]
    audiences: Vec<String>,
    /// Access-token lifetime in seconds [default: the realm's, 600].
    #[arg(long)]
    access_token_ttl: Option<u64>,
    /// Access-token signing algorithm [default: RS256]; the realm must have a key for it.
    #[arg(long, value_parser = parse_alg)]
    signing_alg: Option<Algorithm>,
    /// Where RP-initiated logout may return to (repeatable; the redirect URI rules).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// ID-token signing algorithm (id_token_signed_response_alg) [default: the realm's].
    #[arg(long)]
    id_token_alg: Option<String>,
    /// Sign userinfo responses as JWTs with this algorithm (userinfo_signed_response_alg).
    #[arg(long)]
    userinfo_alg: Option<String>,
    /// Logo shown on the login and consent pages (https).
    #[arg(long)]
    logo_uri: Option<String>,
    /// Privacy policy linked from the consent page (https).
    #[arg(long)]
    policy_uri: Option<String>,
    /// Terms of service linked from the consent page (https).
    #[arg(long)]
    tos_uri: Option<String>,
    /// The application's home page (https).
    #[arg(long)]
    client_uri: Option<String>,
    /// A first-party application: its users are not asked for consent.
    #[arg(long)]
    first_party: bool,
    /// Require PKCE although the client is confidential (public clients always need it).
    #[arg(long)]
    require_pkce: bool,
    /// Issue refresh tokens without the offline_access scope (needs the refresh_token grant).
    #[arg(long)]
    refresh_without_offline_access: bool,
    /// Accept its authorization requests only through the PAR endpoint (RFC 9126).
    #[arg(long)]
    require_par: bool,
}

pub async fn run(
    store: &StoreArgs,
    command: ClientCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let settings = store.resolve()?;
    let opened = context::open(&settings).await?;
    let provisioner = opened.provisioner().await?;
    match command {
        ClientCommand::Create(args) => {
            let realm = realm_name(&args.realm.realm)?;
            let jwks = args.jwks_file.as_deref().map(read_jwks).transpose()?;
            let spec = ClientSpec {
                client_id: args.client_id,
                name: args.name,
                grant_types: args.grant_types,
                redirect_uris: args.redirect_uris,
                scopes: args
                    .scopes
                    .iter()
                    .flat_map(|s| s.split_whitespace())
                    .map(str::to_owned)
                    .collect(),
                auth_method: args.auth_method,
                audiences: args.audiences,
                access_token_ttl_secs: args.access_token_ttl,
                signing_alg: args.signing_alg,
                settings: ClientSettings {
                    post_logout_redirect_uris: args.post_logout_redirect_uris,
                    id_token_signed_response_alg: args.id_token_alg,
                    userinfo_signed_response_alg: args.userinfo_alg,
                    logo_uri: args.logo_uri,
                    policy_uri: args.policy_uri,
                    tos_uri: args.tos_uri,
                    client_uri: args.client_uri,
                    first_party: args.first_party,
                    require_pkce: args.require_pkce,
                    refresh_without_offline_access: args.refresh_without_offline_access,
                    require_pushed_authorization_requests: args.require_par,
                    jwks,
                    jwks_uri: args.jwks_uri,
                    token_endpoint_auth_signing_alg: args.token_endpoint_auth_alg,
                    request_object_signing_alg: args.request_object_alg,
                    ..ClientSettings::default()
                },
            };
            let (client, secret) = provisioner.create_client(&realm, spec).await?;
            let mut value = describe(&client);
            value["client_secret"] = json!(secret);
            let mut text = format!("created client {} in realm {realm}\n", client.client_id);
            if let Some(secret) = &secret {
                text.push_str(&format!(
                    "client_secret: {secret}\n(shown once: store it now)\n"
                ));
            }
            emit(out, args.realm.json, &value, &text)
        }
        ClientCommand::List(args) => {
            let clients = provisioner.list_clients(&realm_name(&args.realm)?).await?;
            let text: String = clients
                .iter()
                .map(|c| {
                    format!(
                        "{:<24} {:<20} {:<22} {}\n",
                        c.client_id,
                        c.auth_method,
                        c.grant_types.join(","),
                        c.name
                    )
                })
                .collect();
            emit(
                out,
                args.json,
                &json!(clients.iter().map(describe).collect::<Vec<_>>()),
                &text,
            )
        }
        ClientCommand::Show(args) => {
            let realm = realm_name(&args.realm.realm)?;
            let client = provisioner.client(&realm, &args.client_id).await?;
            let value = describe(&client);
            let text = format!(
                "client_id:    {}\nname:         {}\nauth method:  {}\ngrant types:  {}\nscopes:       {}\naudiences:    {}\nredirects:    {}\ncreated:      {}\n",
                client.client_id,
                client.name,
                client.auth_method,
                client.grant_types.join(" "),
                client.scopes.join(" "),
                client.audiences.join(" "),
                client.redirect_uris.join(" "),
                time(client.created_at)
            );
            emit(out, args.realm.json, &value, &text)
        }
        ClientCommand::Delete(args) => {
            let realm = realm_name(&args.realm.realm)?;
            provisioner.delete_client(&realm, &args.client_id).await?;
            emit(
                out,
                args.realm.json,
                &json!({ "deleted": args.client_id }),
                &format!("deleted client {}\n", args.client_id),
            )
        }
    }
}

/// A JWK Set document from a file; whether its keys are acceptable is the client validator's
/// decision.
fn read_jwks(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read --jwks-file {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("--jwks-file {} is not JSON: {e}", path.display()))
}

fn describe(c: &ClientRecord) -> serde_json::Value {
    json!({
        "client_id": c.client_id,
        "name": c.name,
        "token_endpoint_auth_method": c.auth_method,
        "grant_types": c.grant_types,
        "redirect_uris": c.redirect_uris,
        "scope": c.scopes.join(" "),
        "audiences": c.audiences,
        "access_token_ttl": c.access_token_ttl_secs,
        "signing_alg": c.signing_alg,
        "created_at": c.created_at,
        "settings": c.settings,
    })
}
