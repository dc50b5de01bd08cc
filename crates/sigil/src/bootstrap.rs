//! What `sigil serve` sets up before it serves: the `default` realm with its keys (generated, or
//! the configured signing key of seed 002's deployment), and in dev mode a `demo` client whose
//! secret is kept in the data directory so every start prints the same ready-to-paste `curl`.
//! Production mode first checks that nothing dev-only is relied on.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use sigil_jose::{Algorithm, Kid, pem};
use sigil_server::endpoints::playground::PLAYGROUND_CLIENT_ID;
use sigil_server::provision::{ClientSpec, Provisioner, UserSpec};
use sigil_server::users::Password;
use sigil_store::RealmName;

use crate::config::StoreSettings;
use crate::context::ENV_MASTER_KEY;

/// A signing key configured from outside (seed 002: `JWT_PRIVATE_KEY`, `JWT_KEY_ID`,
/// `JWT_PREVIOUS_PUBLIC_KEY`, …), for the default realm.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfiguredKeys {
    /// Signing key PEM (PKCS#8, PKCS#1 or SEC1); literal \n accepted.
    #[arg(
        long,
        env = "SIGIL_SIGNING_KEY",
        hide_env_values = true,
        value_name = "PEM"
    )]
    signing_key: Option<String>,
    /// File holding the signing key PEM.
    #[arg(
        long,
        env = "SIGIL_SIGNING_KEY_FILE",
        value_name = "FILE",
        conflicts_with = "signing_key"
    )]
    signing_key_file: Option<PathBuf>,
    /// Key id of the signing key [default: its RFC 7638 thumbprint].
    #[arg(long, env = "SIGIL_SIGNING_KEY_ID")]
    signing_key_id: Option<String>,
    /// Algorithm of the signing key [default: by key type].
    #[arg(long, env = "SIGIL_SIGNING_ALG", value_parser = crate::commands::parse_alg)]
    signing_alg: Option<Algorithm>,
    /// The previous public key PEM, published for verification during a rotation.
    #[arg(long, env = "SIGIL_PREVIOUS_PUBLIC_KEY", value_name = "PEM")]
    previous_public_key: Option<String>,
    /// Key id of the previous public key [default: its thumbprint].
    #[arg(long, env = "SIGIL_PREVIOUS_KEY_ID")]
    previous_key_id: Option<String>,
}

impl ConfiguredKeys {
    fn signing_pem(&self) -> anyhow::Result<Option<String>> {
        match (&self.signing_key, &self.signing_key_file) {
            (Some(pem), _) => Ok(Some(pem.clone())),
            (None, Some(path)) => {
                Ok(Some(std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read signing key {}", path.display())
                })?))
            }
            (None, None) => Ok(None),
        }
    }
}

/// Production mode refuses to start — with one line naming what is missing — without a master
/// key from outside the data directory or with a non-https issuer.
pub fn check_production(settings: &StoreSettings) -> anyhow::Result<()> {
    let external_key = std::env::var_os(ENV_MASTER_KEY).is_some()
        || settings.master_key_file.as_ref().is_some_and(|file| {
            let inside = |dir: &std::path::Path| {
                std::fs::canonicalize(file)
                    .ok()
                    .zip(std::fs::canonicalize(dir).ok())
                    .is_some_and(|(f, d)| f.starts_with(d))
            };
            !inside(&settings.data_dir)
        });
    if !external_key {
        bail!(
            "production mode needs a master key from outside the data directory: set {ENV_MASTER_KEY} or --master-key-file"
        );
    }
    match settings.issuer.as_deref() {
        Some(issuer) if issuer.starts_with("https://") => Ok(()),
        Some(issuer) => bail!("production mode needs an https issuer, not {issuer}"),
        None => {
            bail!("production mode needs an https issuer: set --issuer https://… or SIGIL_ISSUER")
        }
    }
}

/// The demo client's id.
pub const DEMO_CLIENT_ID: &str = "demo";
const DEMO_FILE: &str = "demo-client.json";

#[derive(Debug, Serialize, Deserialize)]
struct DemoClient {
    client_id: String,
    client_secret: String,
}

/// The dev-mode person, for the playground's sign-in.
const DEMO_USER: &str = "demo";
/// Where dev mode keeps the demo user's generated password, so every start prints it.
const DEMO_USER_FILE: &str = "demo-user.json";

#[derive(Debug, Serialize, Deserialize)]
struct DemoUser {
    username: String,
    password: String,
}

/// What bootstrap found or made.
#[derive(Debug)]
pub struct Report {
    created_realm: bool,
    demo: Option<(String, Option<String>)>,
    /// The demo user and, when known, its password.
    demo_user: Option<(String, Option<String>)>,
    data_dir: Option<PathBuf>,
}

/// Creates the default realm (with the configured key, if any) and, in dev mode, the demo
/// client, the playground's client and the demo user when missing; `issuer` is the base URL
/// the server serves.
pub async fn ensure_defaults(
    provisioner: &Provisioner,
    settings: &StoreSettings,
    keys: &ConfiguredKeys,
    production: bool,
    issuer: &str,
) -> anyhow::Result<Report> {
    let default = RealmName::default_realm();
    let signing_pem = keys.signing_pem()?;
    // Parse before anything is created: a bad or too-small key stops the start with one line.
    let configured_alg = match &signing_pem {
        Some(text) => {
            let key = pem::parse_private_key(text).context("SIGIL_SIGNING_KEY")?;
            Some(
                keys.signing_alg
                    .unwrap_or_else(|| sigil_server::keys::import::default_algorithm(key.kind())),
            )
        }
        None => None,
    };
    let created_realm = if provisioner.store().get_realm(&default).await?.is_none() {
        tracing::info!("creating the default realm and its keys");
        provisioner
            .create_realm_except(&default, &[], 3072, configured_alg)
            .await?;
        true
    } else {
        false
    };
    if let Some(text) = &signing_pem {
        let kid = keys
            .signing_key_id
            .clone()
            .map(Kid::new)
            .transpose()
            .context("SIGIL_SIGNING_KEY_ID")?;
        // A configured key signs at once, as the deployment it configures expects (seed 002).
        if let Some(key) = provisioner
            .import_key(&default, text, configured_alg, kid, 0, true)
            .await?
        {
            tracing::info!(kid = %key.kid, alg = %key.alg, "imported the configured signing key");
        }
    }
    if let Some(text) = &keys.previous_public_key {
        let kid = keys
            .previous_key_id
            .clone()
            .map(Kid::new)
            .transpose()
            .context("SIGIL_PREVIOUS_KEY_ID")?;
        if let Some(key) = provisioner
            .import_previous_public_key(&default, text, None, kid)
            .await?
        {
            tracing::info!(kid = %key.kid, "publishing the configured previous public key for verification");
        }
    }
    if production {
        return Ok(Report {
            created_realm,
            demo: None,
            demo_user: None,
            data_dir: None,
        });
    }
    let in_data_dir = settings.database_url.is_none();
    let demo_path = settings.data_dir.join(DEMO_FILE);
    let demo = if provisioner
        .store()
        .get_client(&default, DEMO_CLIENT_ID)
        .await?
        .is_some()
    {
        let secret = std::fs::read_to_string(&demo_path)
            .ok()
            .and_then(|text| serde_json::from_str::<DemoClient>(&text).ok())
            .map(|d| d.client_secret);
        Some((DEMO_CLIENT_ID.to_owned(), secret))
    } else {
        let spec = ClientSpec {
            client_id: Some(DEMO_CLIENT_ID.to_owned()),
            name: "Demo client (dev mode)".to_owned(),
            scopes: vec!["api:read".to_owned()],
            ..ClientSpec::default()
        };
        let (client, secret) = provisioner.create_client(&default, spec).await?;
        if let (true, Some(secret)) = (in_data_dir, &secret) {
            let record = DemoClient {
                client_id: client.client_id.clone(),
                client_secret: secret.clone(),
            };
            sigil_server::seal::write_private_file(
                &demo_path,
                serde_json::to_string(&record)?.as_bytes(),
            )?;
        }
        Some((client.client_id, secret))
    };
    ensure_playground_client(provisioner, &default, issuer).await?;
    let demo_user = ensure_demo_user(provisioner, &default, settings, in_data_dir).await?;
    Ok(Report {
        created_realm,
        demo,
        demo_user: Some(demo_user),
        data_dir: in_data_dir.then(|| settings.data_dir.clone()),
    })
}

/// The playground's public client: the code flow with PKCE, back to `{issuer}/playground`, and
/// to `http://127.0.0.1/playground` on any port (RFC 8252 §7.3), so a dev server on another
/// port keeps working with the same registration.
async fn ensure_playground_client(
    provisioner: &Provisioner,
    realm: &RealmName,
    issuer: &str,
) -> anyhow::Result<()> {
    if provisioner
        .store()
        .get_client(realm, PLAYGROUND_CLIENT_ID)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let mut redirect_uris = vec!["http://127.0.0.1/playground".to_owned()];
    let own = format!("{issuer}/playground");
    if !own.starts_with("http://127.0.0.1") {
        redirect_uris.push(own);
    }
    let spec = ClientSpec {
        client_id: Some(PLAYGROUND_CLIENT_ID.to_owned()),
        name: "Sigil playground (dev mode)".to_owned(),
        auth_method: Some("none".to_owned()),
        grant_types: vec!["authorization_code".to_owned()],
        redirect_uris,
        scopes: ["openid", "profile", "email"].map(str::to_owned).to_vec(),
        ..ClientSpec::default()
    };
    provisioner.create_client(realm, spec).await?;
    Ok(())
}

/// The demo user, with a generated password kept in the data directory (shown at every
/// start; dev mode only).
async fn ensure_demo_user(
    provisioner: &Provisioner,
    realm: &RealmName,
    settings: &StoreSettings,
    in_data_dir: bool,
) -> anyhow::Result<(String, Option<String>)> {
    let path = settings.data_dir.join(DEMO_USER_FILE);
    if provisioner
        .store()
        .get_user_by_username(realm, DEMO_USER)
        .await?
        .is_some()
    {
        let password = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<DemoUser>(&text).ok())
            .map(|u| u.password);
        return Ok((DEMO_USER.to_owned(), password));
    }
    let password = sigil_server::random::token(provisioner.rng(), 12)?;
    let spec = UserSpec {
        username: DEMO_USER.to_owned(),
        password: Some(Password::new(password.clone())?),
        email: Some("demo@example.com".to_owned()),
        email_verified: true,
        name: Some("Demo User".to_owned()),
        given_name: Some("Demo".to_owned()),
        family_name: Some("User".to_owned()),
        ..UserSpec::default()
    };
    provisioner.create_user_with(realm, spec).await?;
    if in_data_dir {
        let record = DemoUser {
            username: DEMO_USER.to_owned(),
            password: password.clone(),
        };
        sigil_server::seal::write_private_file(&path, serde_json::to_string(&record)?.as_bytes())?;
    }
    Ok((DEMO_USER.to_owned(), Some(password)))
}

impl Report {
    /// The start-up banner.
    pub fn print(
        &self,
        out: &mut dyn Write,
        issuer: &str,
        listening: std::net::SocketAddr,
        master_source: &str,
    ) -> anyhow::Result<()> {
        writeln!(out, "Sigil is starting")?;
        if let Some(dir) = &self.data_dir {
            writeln!(out, "  data:       {} (SQLite)", dir.display())?;
        }
        writeln!(out, "  master key: {master_source}")?;
        if self.created_realm {
            writeln!(out, "  created the default realm with an RS256 key")?;
        }
        writeln!(out, "  issuer:     {issuer}")?;
        writeln!(out, "  listening:  {listening}")?;
        writeln!(
            out,
            "  discovery:  {issuer}/.well-known/openid-configuration"
        )?;
        if let Some((username, password)) = &self.demo_user {
            match password {
                Some(password) => writeln!(out, "  demo user:  {username} / {password}")?,
                None => writeln!(
                    out,
                    "  demo user:  {username} (its password was shown when it was created)"
                )?,
            }
            writeln!(
                out,
                "  playground: {issuer}/playground (sign in with the code flow)"
            )?;
        }
        if let Some((id, secret)) = &self.demo {
            match secret {
                Some(secret) => {
                    writeln!(out, "  demo client: {id} / {secret}")?;
                    writeln!(out, "Get a token:")?;
                    writeln!(
                        out,
                        "  curl -s -u {id}:{secret} -d grant_type=client_credentials {issuer}/token"
                    )?;
                }
                None => writeln!(
                    out,
                    "  demo client: {id} (its secret was shown when it was created)"
                )?,
            }
        }
        Ok(())
    }
}
