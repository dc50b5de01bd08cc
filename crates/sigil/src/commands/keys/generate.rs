//! `sigil keys generate`: a fresh key and the lines to configure it; needs no store.

use std::io::Write;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};

use crate::commands::parse_alg;
use serde_json::json;
use sigil_jose::algorithm::KeyKind;
use sigil_jose::{Algorithm, KeySpec, Kid, PrivateKey, SigningKey, pem};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Signing algorithm: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA.
    #[arg(long, default_value = "RS256", value_parser = parse_alg)]
    alg: Algorithm,
    /// RSA modulus size: 2048, 3072 (default) or 4096. RSA algorithms only.
    #[arg(long)]
    bits: Option<usize>,
    /// Key id; defaults to the RFC 7638 thumbprint of the public key.
    #[arg(long, allow_hyphen_values = true)]
    kid: Option<String>,
    /// How to print the private key.
    #[arg(long, value_enum, default_value_t = Format::Pem)]
    format: Format,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// PKCS#8 private key and SPKI public key as PEM, then the public JWK.
    Pem,
    /// The private key as a JWK (RFC 7517), then the public JWK.
    Jwk,
    /// Lines for a `.env` file, newlines escaped as `\n`.
    Env,
}

/// The environment variables `sigil serve` reads a signing key from (see README).
pub const ENV_SIGNING_KEY: &str = "SIGIL_SIGNING_KEY";
/// The key id for [`ENV_SIGNING_KEY`].
pub const ENV_SIGNING_KEY_ID: &str = "SIGIL_SIGNING_KEY_ID";
/// The algorithm for [`ENV_SIGNING_KEY`].
pub const ENV_SIGNING_ALG: &str = "SIGIL_SIGNING_ALG";

pub fn generate(args: &GenerateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.bits.is_some() && args.alg.key_kind() != KeyKind::Rsa {
        bail!("--bits applies to RSA algorithms only, not {}", args.alg);
    }
    let spec = KeySpec::for_algorithm(args.alg, args.bits)?;
    let kid = args
        .kid
        .clone()
        .map(Kid::new)
        .transpose()
        .context("--kid")?;
    let key = SigningKey::new(PrivateKey::generate(spec)?, args.alg, kid)?;
    let generated = Generated::new(&key, spec)?;
    if args.json {
        generated.write_json(args.format, out)
    } else {
        generated.write_text(args.format, out)
    }
}

/// Everything `generate` prints, computed once.
struct Generated<'a> {
    key: &'a SigningKey,
    description: String,
    private_pem: zeroize::Zeroizing<String>,
    public_pem: String,
    public_jwk: String,
}

impl<'a> Generated<'a> {
    fn new(key: &'a SigningKey, spec: KeySpec) -> anyhow::Result<Self> {
        let description = match spec {
            KeySpec::Rsa { bits } => format!("RSA-{bits}"),
            KeySpec::P256 => "EC P-256".to_owned(),
            KeySpec::P384 => "EC P-384".to_owned(),
            KeySpec::Ed25519 => "Ed25519".to_owned(),
        };
        Ok(Self {
            key,
            description,
            private_pem: pem::private_key_to_pem(key.private_key())?,
            public_pem: pem::public_key_to_pem(key.private_key())?,
            public_jwk: key.public_jwk().to_json(),
        })
    }

    fn private_jwk(&self) -> anyhow::Result<zeroize::Zeroizing<String>> {
        Ok(self
            .key
            .private_key()
            .to_private_jwk_json(self.key.public_jwk())?)
    }

    /// `KEY="-----BEGIN…\n…"` lines: one line per variable, as `.env` loaders expect.
    fn env_lines(&self) -> String {
        let escaped = self.private_pem.replace('\n', "\\n");
        format!(
            "{ENV_SIGNING_KEY}=\"{escaped}\"\n{ENV_SIGNING_KEY_ID}={}\n{ENV_SIGNING_ALG}={}\n",
            self.key.kid(),
            self.key.alg()
        )
    }

    fn write_text(&self, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
        writeln!(
            out,
            "# {} signing key ({}), kid {}",
            self.key.alg(),
            self.description,
            self.key.kid()
        )?;
        writeln!(
            out,
            "# The private key is secret: keep it in a secret manager or a mounted file."
        )?;
        match format {
            Format::Pem => {
                writeln!(out, "# Private key (PKCS#8)")?;
                write!(out, "{}", self.private_pem.as_str())?;
                writeln!(out, "# Public key (SPKI)")?;
                write!(out, "{}", self.public_pem)?;
            }
            Format::Jwk => {
                writeln!(out, "# Private JWK")?;
                writeln!(out, "{}", self.private_jwk()?.as_str())?;
            }
            Format::Env => {
                writeln!(out, "# Lines for .env (newlines escaped as \\n)")?;
                write!(out, "{}", self.env_lines())?;
            }
        }
        writeln!(out, "# Public JWK (what the JWKS publishes)")?;
        writeln!(out, "{}", self.public_jwk)?;
        Ok(())
    }

    fn write_json(&self, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
        let public_jwk: serde_json::Value = serde_json::from_str(&self.public_jwk)?;
        let mut doc = json!({
            "alg": self.key.alg().as_str(),
            "kid": self.key.kid().as_str(),
            "key": self.description,
            "thumbprint": self.key.public_jwk().thumbprint(),
            "private_key_pem": self.private_pem.as_str(),
            "public_key_pem": self.public_pem,
            "public_jwk": public_jwk,
        });
        match format {
            Format::Pem => {}
            Format::Jwk => {
                doc["private_jwk"] = serde_json::from_str(&self.private_jwk()?)?;
            }
            Format::Env => doc["env"] = json!(self.env_lines()),
        }
        writeln!(out, "{doc}")?;
        Ok(())
    }
}
