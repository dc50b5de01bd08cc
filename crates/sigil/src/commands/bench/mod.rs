//! `sigil bench`: a load tool for any OpenID Provider, driven through its discovery
//! document — as `pgbench` is for PostgreSQL. A client-side command: it opens no store and
//! reads no master key.
//!
//! Secrets come from standard input only, never from the command line: with
//! `--client-secret-stdin` the first line is the client secret; with `--password-stdin` the
//! next line (the first, without a secret) is the user's password. Neither is ever printed.
//!
//! Exit status: 0 when every measured iteration was good, 1 when some failed (the report is
//! printed first) or the set-up failed (one line), 2 for usage errors.

mod agent;
mod config;
mod cookies;
mod failure;
mod flow;
mod form;
mod grants;
mod provider;
mod report;
mod runner;
mod scenarios;
mod stats;
mod tokens;

use std::io::{BufRead as _, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use zeroize::Zeroizing;

use self::agent::Agent;
use self::provider::Provider;
use self::runner::Plan;
use self::scenarios::{Inputs, Scenario, Shared};

/// A secret read from standard input, wiped when dropped.
type Secret = Zeroizing<String>;

/// The duration of a run given neither `--duration` nor `--requests`.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
#[command(
    after_help = "Secrets are read from standard input: with both --client-secret-stdin \
and --password-stdin, the first line is the client secret and the second the password."
)]
pub struct BenchArgs {
    /// The OP's issuer; every endpoint comes from its discovery document.
    #[arg(long, value_name = "URL")]
    issuer: String,
    /// What one iteration is.
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// The client (confidential, or public for the flows without a secret).
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Read the client secret from the first line of standard input.
    #[arg(long)]
    client_secret_stdin: bool,
    /// The user the flow scenarios sign in as.
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Read the user's password from standard input (the line after the secret, if any).
    #[arg(long)]
    password_stdin: bool,
    /// The client's registered redirect URI (flows; never fetched: the code is read from the
    /// redirect to it).
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// The scope: of the flows [default: openid; refresh adds offline_access], or of
    /// client-credentials and introspect [default: none sent].
    #[arg(long)]
    scope: Option<String>,
    /// An RFC 8707 resource for the client-credentials token (e.g. an OP's opaque-token API).
    #[arg(long, value_name = "URI")]
    resource: Option<String>,
    /// Virtual users, each with its own cookie jar and one keep-alive connection in use.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Seconds measured [default: 10 without --requests].
    #[arg(long, value_name = "SECONDS", value_parser = positive_seconds)]
    duration: Option<Duration>,
    /// Iterations measured (the run also stops at --duration, if given).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// A fixed arrival rate (iterations per second; latency from each one's due time).
    #[arg(long, value_name = "PER_SECOND", value_parser = positive_rate)]
    rate: Option<f64>,
    /// Seconds run first and not counted.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "0")]
    warmup: Duration,
    /// Seconds each HTTP request may take.
    #[arg(long, value_name = "SECONDS", value_parser = positive_seconds, default_value = "10")]
    timeout: Duration,
    /// Also talk plain http to hosts that are not loopback (secrets travel in the clear).
    #[arg(long)]
    allow_http: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{value:?} is not a number of seconds"))
}

fn positive_seconds(value: &str) -> Result<Duration, String> {
    match seconds(value)? {
        d if d.is_zero() => Err("must be more than 0 seconds".to_owned()),
        d => Ok(d),
    }
}

fn positive_rate(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("{value:?} is not a rate above 0 per second")),
    }
}

pub fn run(args: BenchArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let (client_secret, password) = read_secrets(&args)?;
    let plan = Plan {
        connections: usize::from(args.connections),
        duration: match (args.duration, args.requests) {
            (None, None) => Some(DEFAULT_DURATION),
            (duration, _) => duration,
        },
        requests: args.requests,
        rate: args.rate,
        warmup: args.warmup,
        timeout: args.timeout,
        progress: !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let inputs = Inputs {
        client_id: args.client_id.clone(),
        client_secret,
        username: args.username.clone(),
        password,
        redirect_uri: args.redirect_uri.clone(),
        scope: args.scope.clone(),
        resource: args.resource.clone(),
    };
    // The load generator uses every core it is allowed (taskset pins it); on one core, a
    // single-threaded runtime spares the hand-offs between a worker and the scheduler.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut builder = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(async {
        let mut probe = Agent::probe(plan.timeout)?;
        let provider = Provider::discover(&mut probe, &args.issuer, args.allow_http).await?;
        let shared = Arc::new(Shared::new(args.scenario, provider, inputs)?);
        runner::run(shared, &plan, probe).await
    })?;
    let header = report::Header {
        scenario: args.scenario.name(),
        issuer: &args.issuer,
        plan: &plan,
    };
    if args.json {
        writeln!(out, "{}", report::json(&header, &outcome))?;
    } else {
        report::text(&header, &outcome, out)?;
    }
    let failed = outcome.stats.failed();
    if failed > 0 {
        bail!(
            "{} of {} iterations failed",
            report::thousands(failed),
            report::thousands(failed + outcome.stats.ok)
        );
    }
    Ok(())
}

/// The client secret, then the password, one line each from standard input.
fn read_secrets(args: &BenchArgs) -> anyhow::Result<(Option<Secret>, Option<Secret>)> {
    if !args.client_secret_stdin && !args.password_stdin {
        return Ok((None, None));
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    let mut next = |what: &str| -> anyhow::Result<Secret> {
        let mut line = Zeroizing::new(String::new());
        lines
            .read_line(&mut line)
            .with_context(|| format!("cannot read the {what} from standard input"))?;
        let value = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
        if value.is_empty() {
            bail!("standard input has no {what} line");
        }
        Ok(value)
    };
    let secret = args
        .client_secret_stdin
        .then(|| next("client secret"))
        .transpose()?;
    let password = args.password_stdin.then(|| next("password")).transpose()?;
    Ok((secret, password))
}
