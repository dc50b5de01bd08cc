//! `sigil verify`: verify a token against its issuer's published keys and say why it fails,
//! or (`--decode`) show what it contains without verifying anything.
//!
//! Algorithms: `--alg` pins them. Without it, the command takes the asymmetric algorithms
//! the issuer's discovery document advertises (`id_token_signing_alg_values_supported`) and
//! prints that it did, so a reader never mistakes them for a pin of their own. `--jwks-url`
//! skips discovery and therefore needs `--alg`. Without `--aud` the audience is not
//! checked, and the output says so.
//!
//! Exit status: 0 valid, 1 invalid (the reason on stdout, and as one line on stderr), 2 for
//! usage errors.

use super::time;
use std::io::{Read as _, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::{Value, json};
use sigil_jose::dangerous::{self, Unverified};
use sigil_jose::{Algorithm, Error as JoseError};
use sigil_verify::discovery::{self, ProviderMetadata};
use sigil_verify::{Error, HttpClient, HttpOptions, SignedBy, VerifiedToken, Verifier};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The token (a "Bearer " prefix is ignored); "-" reads it from standard input.
    token: String,
    /// Only decode the token; the signature and claims are NOT checked.
    #[arg(long, conflicts_with_all = ["issuer", "aud", "alg", "jwks_url", "typ"])]
    decode: bool,
    /// The issuer URL: `iss` must equal it exactly; its discovery document names the keys.
    #[arg(long, required_unless_present = "decode")]
    issuer: Option<String>,
    /// An accepted audience (repeatable). Without it the audience is not checked.
    #[arg(long = "aud", value_name = "AUDIENCE")]
    aud: Vec<String>,
    /// An allowed algorithm (repeatable). Default: those the discovery document advertises.
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_alg)]
    alg: Vec<Algorithm>,
    /// Fetch the keys from this JWKS URL instead of discovering it (needs --alg).
    #[arg(long, value_name = "URL", requires = "alg")]
    jwks_url: Option<String>,
    /// Require this header `typ`, e.g. at+jwt.
    #[arg(long)]
    typ: Option<String>,
    /// Clock skew tolerated on exp, nbf and iat, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    leeway: u64,
    /// Also fetch plain-http URLs on non-loopback hosts.
    #[arg(long)]
    allow_http: bool,
    /// Print one JSON object: {valid, header, claims, error: {kind, message}, ...}.
    #[arg(long)]
    json: bool,
}

fn parse_alg(value: &str) -> Result<Algorithm, String> {
    if value.to_ascii_uppercase().starts_with("HS") {
        return Err("HMAC tokens are checked with a shared secret, which sigil verify does not take; choose an asymmetric algorithm".to_owned());
    }
    value.parse().map_err(|_| {
        let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
        format!("unknown algorithm (choose one of {})", names.join(", "))
    })
}

/// Where the allowed algorithms came from.
enum Pin {
    Flags(Vec<Algorithm>),
    Discovery(Vec<Algorithm>),
}

pub fn run(args: &VerifyArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let token = read_token(&args.token)?;
    let decoded = dangerous::decode_unverified(&token);
    if args.decode {
        return print_decoded(&decoded.context("cannot decode the token")?, args.json, out);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (pin, outcome) = runtime.block_on(verify(args, &token));
    let report = Report {
        decoded: decoded.ok(),
        pin,
        audience_checked: !args.aud.is_empty(),
        outcome,
    };
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report.to_json())?)?;
    } else {
        report.print(out)?;
    }
    match &report.outcome {
        Ok(_) => Ok(()),
        Err(e) => bail!("the token is not valid: {}", sentence(e)),
    }
}

fn read_token(arg: &str) -> anyhow::Result<String> {
    let mut token = arg.to_owned();
    if arg == "-" {
        token.clear();
        std::io::stdin()
            .read_to_string(&mut token)
            .context("cannot read the token from standard input")?;
    }
    let token = token.trim();
    let token = match token.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => token,
    };
    Ok(token.to_owned())
}

async fn verify(args: &VerifyArgs, token: &str) -> (Option<Pin>, Result<VerifiedToken, Error>) {
    let issuer = args.issuer.clone().unwrap_or_default();
    let client = match HttpClient::new(HttpOptions {
        allow_plain_http: args.allow_http,
        ..HttpOptions::default()
    }) {
        Ok(client) => client,
        Err(e) => return (None, Err(e)),
    };
    let mut builder = Verifier::builder()
        .issuer(&issuer)
        .leeway(Duration::from_secs(args.leeway))
        .http_client(client.clone());
    builder = match &args.aud[..] {
        [] => builder.no_audience_check(),
        audiences => builder.audience(audiences.iter().cloned()),
    };
    if let Some(typ) = &args.typ {
        builder = builder.typ(typ);
    }
    let pin = if let Some(url) = &args.jwks_url {
        builder = builder.jwks_url(url);
        Pin::Flags(args.alg.clone())
    } else {
        let metadata: ProviderMetadata = match discovery::discover(&client, &issuer).await {
            Ok(metadata) => metadata,
            Err(e) => return (None, Err(e)),
        };
        let pin = match &args.alg[..] {
            [] => Pin::Discovery(metadata.asymmetric_signing_algorithms()),
            algs => Pin::Flags(algs.to_vec()),
        };
        builder = builder.provider_metadata(metadata);
        pin
    };
    let algorithms = match &pin {
        Pin::Discovery(algs) if algs.is_empty() => {
            let why = "the discovery document advertises no algorithm Sigil verifies; pass --alg";
            return (Some(pin), Err(Error::Config(why.to_owned())));
        }
        Pin::Flags(algs) | Pin::Discovery(algs) => algs.clone(),
    };
    let outcome = match builder.allowed_algorithms(algorithms).build() {
        Ok(verifier) => verifier.verify(token).await,
        Err(e) => Err(e),
    };
    (Some(pin), outcome)
}

struct Report {
    decoded: Option<Unverified>,
    pin: Option<Pin>,
    audience_checked: bool,
    outcome: Result<VerifiedToken, Error>,
}

impl Report {
    fn print(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let trusted = self.outcome.is_ok();
        if let Some(decoded) = &self.decoded {
            let note = if trusted { "" } else { " (not verified)" };
            writeln!(out, "Header{note}")?;
            writeln!(out, "{}", serde_json::to_string_pretty(&decoded.header)?)?;
            writeln!(out, "Claims{note}")?;
            let claims = decoded.payload.clone().unwrap_or(Value::Null);
            writeln!(out, "{}", serde_json::to_string_pretty(&claims)?)?;
        }
        match &self.pin {
            Some(Pin::Flags(algs)) => writeln!(out, "Algorithms: {} (--alg)", names(algs))?,
            Some(Pin::Discovery(algs)) => writeln!(
                out,
                "Algorithms: {} (advertised by the issuer's discovery document; pin them with --alg)",
                names(algs)
            )?,
            None => {}
        }
        if !self.audience_checked {
            writeln!(out, "Audience: not checked (pass --aud to check it)")?;
        }
        match &self.outcome {
            Ok(verified) => writeln!(out, "VALID — {}", verdict(verified))?,
            Err(e) => writeln!(out, "INVALID — {}", sentence(e))?,
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let header = self.decoded.as_ref().map(|d| d.header.clone());
        let claims = self.decoded.as_ref().and_then(|d| d.payload.clone());
        let (algorithms, from) = match &self.pin {
            Some(Pin::Flags(algs)) => (names(algs), "flags"),
            Some(Pin::Discovery(algs)) => (names(algs), "discovery"),
            None => (String::new(), "none"),
        };
        let mut report = json!({
            "valid": self.outcome.is_ok(),
            "header": header,
            "claims": claims,
            "error": null,
            "algorithms": algorithms.split(", ").filter(|a| !a.is_empty()).collect::<Vec<_>>(),
            "algorithms_from": from,
            "audience_checked": self.audience_checked,
        });
        match &self.outcome {
            Ok(verified) => {
                report["signed_by"] = match &verified.signed_by {
                    SignedBy::Key { kid, alg } => json!({"kid": kid, "alg": alg}),
                    SignedBy::LegacyHs256 => json!({"legacy_hs256": true}),
                };
                report["claims"] = json!(verified.claims);
            }
            Err(e) => report["error"] = json!({"kind": e.kind(), "message": sentence(e)}),
        }
        report
    }
}

fn print_decoded(decoded: &Unverified, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    const BANNER: &str = "UNVERIFIED DECODE — the signature was not checked";
    if json {
        let report = json!({
            "unverified": true,
            "note": BANNER,
            "header": decoded.header,
            "payload": decoded.payload,
            "signature_bytes": decoded.signature_len,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    writeln!(out, "{BANNER}")?;
    writeln!(out, "Header")?;
    writeln!(out, "{}", serde_json::to_string_pretty(&decoded.header)?)?;
    if let Err(e) = &decoded.checked_header {
        writeln!(out, "(Sigil would refuse this header: {e})")?;
    }
    writeln!(out, "Payload")?;
    match &decoded.payload {
        Some(payload) => writeln!(out, "{}", serde_json::to_string_pretty(payload)?)?,
        None => writeln!(out, "(not JSON)")?,
    }
    writeln!(
        out,
        "Signature: {} bytes, not checked",
        decoded.signature_len
    )?;
    Ok(())
}

fn names(algs: &[Algorithm]) -> String {
    algs.iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `signature by kid "k1" (ES256), issuer https://…, expires in 59m 58s`.
fn verdict(verified: &VerifiedToken) -> String {
    let by = match &verified.signed_by {
        SignedBy::Key {
            kid: Some(kid),
            alg,
        } => format!("signature by kid {kid:?} ({alg})"),
        SignedBy::Key { kid: None, alg } => format!("signature by a key without kid ({alg})"),
        SignedBy::LegacyHs256 => "signature by the legacy HS256 secret".to_owned(),
    };
    let issuer = verified.claims.iss.as_deref().unwrap_or("(none)");
    let expiry = match verified.claims.exp {
        Some(exp) => format!("expires in {}", span(exp.0.saturating_sub(now()))),
        None => "does not expire".to_owned(),
    };
    format!("{by}, issuer {issuer}, {expiry}")
}

/// One human sentence; times are shown as dates and distances, not bare numbers.
fn sentence(e: &Error) -> String {
    let text = match e {
        Error::Token(JoseError::Expired { exp, now, leeway }) => format!(
            "the token expired {} ago, at {} (now {}, leeway {leeway}s)",
            span(now.saturating_sub(*exp)),
            time(*exp),
            time(*now)
        ),
        Error::Token(JoseError::NotYetValid { nbf, now, leeway }) => format!(
            "the token is not valid for another {}, until {} (now {}, leeway {leeway}s)",
            span(nbf.saturating_sub(*now)),
            time(*nbf),
            time(*now)
        ),
        Error::Token(JoseError::IssuedInFuture { iat, now, leeway }) => format!(
            "the token claims to be issued {} in the future, at {} (now {}, leeway {leeway}s)",
            span(iat.saturating_sub(*now)),
            time(*iat),
            time(*now)
        ),
        other => other.to_string(),
    };
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// A distance in time: `3d 4h`, `2h 5m`, `59m 58s`, `7s`.
fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans_read_as_people_write_them() {
        assert_eq!(time(0), "1970-01-01T00:00:00Z");
        assert_eq!(time(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(time(-1), "1969-12-31T23:59:59Z");
        assert_eq!(span(7), "7s");
        assert_eq!(span(3_598), "59m 58s");
        assert_eq!(span(7_500), "2h 5m");
        assert_eq!(span(3 * 86_400 + 4 * 3_600 + 5), "3d 4h");
        assert_eq!(span(-5), "0s");
    }

    #[test]
    fn a_bearer_prefix_and_whitespace_are_ignored() {
        assert_eq!(read_token("  Bearer a.b.c \n").unwrap(), "a.b.c");
        assert_eq!(read_token("a.b.c").unwrap(), "a.b.c");
    }
}
