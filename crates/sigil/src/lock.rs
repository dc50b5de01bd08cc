//! One `sigil serve` per SQLite database: an exclusive lock on a file beside the database,
//! held for the life of the process. Several nodes on one SQLite file would each cache realm
//! state and race key rotation through a database built for one writer; PostgreSQL is where
//! several nodes belong. The store commands do not lock: they are short and meant to run
//! while a server does.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::config::StoreSettings;
use crate::context;

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "sigil.lock";

/// A held lock; released when dropped (and by the kernel when the process ends, so a crash
/// leaves no stale lock).
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

/// Takes the exclusive lock for the store `settings` name, or refuses with one line naming
/// the data directory (or database file). Nothing is locked for a database that is not a
/// SQLite file.
pub fn exclusive(settings: &StoreSettings) -> anyhow::Result<Option<ServeLock>> {
    let Some((path, what)) = lock_path(settings)? else {
        return Ok(None);
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ServeLock { _file: file })),
        Err(TryLockError::WouldBlock) => bail!(
            "{what} is already served by another `sigil serve` (it holds {}); SQLite takes one node — run several nodes on PostgreSQL, or pass --allow-shared-sqlite (SIGIL_ALLOW_SHARED_SQLITE=true) to share it anyway",
            path.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Where the lock lives, and how to name what it guards: `sigil.lock` in the data directory,
/// or `FILE.lock` beside a `sqlite://FILE` database. `None` for an in-memory database or
/// another kind of URL (which `context::open` accepts or refuses on its own).
fn lock_path(settings: &StoreSettings) -> anyhow::Result<Option<(PathBuf, String)>> {
    let Some(url) = settings.database_url.as_deref() else {
        context::create_private_dir(&settings.data_dir)?;
        let what = format!("data directory {}", settings.data_dir.display());
        return Ok(Some((settings.data_dir.join(LOCK_FILE), what)));
    };
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(None);
    };
    // `sqlite://FILE`, `sqlite:FILE`, each with optional `?options`.
    let file = rest.strip_prefix("//").unwrap_or(rest);
    let file = file.split('?').next().unwrap_or(file);
    if file.is_empty() || file.contains(":memory:") {
        return Ok(None);
    }
    let mut lock = Path::new(file).as_os_str().to_owned();
    lock.push(".lock");
    Ok(Some((PathBuf::from(lock), format!("database {file}"))))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    fn settings(database_url: Option<&str>) -> StoreSettings {
        StoreSettings {
            data_dir: std::env::temp_dir(),
            database_url: database_url.map(str::to_owned),
            database: crate::config::DatabaseSettings::default(),
            master_key_file: None,
            issuer: None,
            production: false,
            file: std::sync::Arc::default(),
        }
    }

    #[test]
    fn a_sqlite_url_locks_a_file_beside_the_database() {
        for (url, lock) in [
            (
                "sqlite:///var/lib/sigil/db.sqlite",
                "/var/lib/sigil/db.sqlite.lock",
            ),
            ("sqlite://rel/db?mode=rwc", "rel/db.lock"),
            ("sqlite:db", "db.lock"),
        ] {
            let (path, _) = lock_path(&settings(Some(url))).unwrap().unwrap();
            assert_eq!(path, PathBuf::from(lock), "{url}");
        }
        for url in ["sqlite::memory:", "postgres://db/sigil"] {
            assert!(lock_path(&settings(Some(url))).unwrap().is_none(), "{url}");
        }
    }
}
