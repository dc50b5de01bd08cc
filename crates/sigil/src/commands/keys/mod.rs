//! `sigil keys generate|list|rotate|import|retire`.

mod generate;
mod manage;

use std::io::Write;

use clap::Subcommand;

use crate::config::StoreArgs;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a signing key and print it with its public key, JWK and kid.
    Generate(generate::GenerateArgs),
    /// List a realm's keys with their state and the times of each transition.
    List(manage::ListArgs),
    /// Schedule a new key: published now, signing after one JWKS cache lifetime (or --now).
    Rotate(manage::RotateArgs),
    /// Import a private key PEM, and/or a previous public key kept for verification.
    Import(manage::ImportArgs),
    /// Remove a key now: tokens it signed stop verifying.
    Retire(manage::RetireArgs),
}

pub fn run(store: &StoreArgs, command: KeysCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate(args) => generate::generate(&args, out),
        KeysCommand::List(args) => super::block_on(manage::list(store, args, out)),
        KeysCommand::Rotate(args) => super::block_on(manage::rotate(store, args, out)),
        KeysCommand::Import(args) => super::block_on(manage::import(store, args, out)),
        KeysCommand::Retire(args) => super::block_on(manage::retire(store, args, out)),
    }
}
