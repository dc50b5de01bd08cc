//! `sigil migrate`: bring the database's schema up to date as a step of its own (a deploy
//! that migrates before it starts new servers). Opening a store migrates it, under the
//! backend's lock, so this is also what every other command does first — unless
//! `--skip-migrations` says to leave that to this command.

use std::io::Write;

use crate::config::StoreArgs;
use crate::context;

pub async fn run(store: &StoreArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let settings = store.resolve()?;
    let opened = context::migrate_store(&settings).await?;
    writeln!(
        out,
        "the {} database's schema is up to date",
        opened.backend()
    )?;
    Ok(())
}
