//! `sigil`: the command-line entry point. Glue only — every rule lives in a library crate.
//!
//! Raw arguments are parsed by clap, validated into library types in each command's file,
//! and errors leave as one line on stderr with a non-zero exit status.

mod bootstrap;
mod commands;
mod config;
mod context;
mod lock;
mod logging;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let mut out = std::io::stdout().lock();
    match commands::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            // `{:#}` joins anyhow's context chain into one line.
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to stdout as clap renders them; real usage errors are cut to their
/// first line so that a script sees one clear sentence.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("error: invalid arguments");
    let _ = writeln!(std::io::stderr(), "{first}");
    ExitCode::from(2)
}
