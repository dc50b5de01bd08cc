//! The database file a pool is opened on, watched: a file removed, renamed away or replaced
//! under a running server must not go on being written through connections that still hold
//! the old one (what they write would be lost with it), nor be silently recreated empty, nor
//! be opened next to the old database's `-wal` and `-shm` files (SQLite would apply the old
//! database's log to it: corruption).
//!
//! Each connection is checked as the pool hands it out against the file the store first
//! opened (its device and inode):
//! * the same file: served;
//! * no file at the path (moved away, removed): the connection is closed, and since after
//!   the first open the pool no longer creates a missing file, every call fails as
//!   [`crate::StoreError::Unavailable`] (`SQLITE_CANTOPEN`) until the file is put back —
//!   then the store recovers by itself;
//! * another file (a copy restored under a running server): the store stops opening the path
//!   at all, and stays unavailable until the process restarts (one error line says so).
//!
//! Checking costs one `stat` per acquisition.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// What identifies a file on this machine (device and inode), where the platform says.
type Identity = (u64, u64);

#[cfg(unix)]
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

/// Held by the store: when the last copy of the store goes, the watch lets go of the pool
/// (the pool's hooks hold the watch, so the watch must not hold the pool for longer).
#[derive(Debug)]
pub(super) struct Watch {
    watched: Arc<Watched>,
}

#[derive(Debug)]
struct Watched {
    path: PathBuf,
    /// The file the first connection opened.
    original: Mutex<Option<Identity>>,
    /// The pool, to stop it opening a replaced file.
    pool: Mutex<Option<SqlitePool>>,
    /// Options that open nothing: what the pool connects with once the file was replaced.
    unopenable: SqliteConnectOptions,
    replaced: AtomicBool,
}

impl Watched {
    /// Whether a connection is on the file the store opened, as the path names it now.
    fn still_current(&self) -> bool {
        let now = identity(&self.path);
        let original = *self.original.lock().unwrap_or_else(PoisonError::into_inner);
        match (now, original) {
            (Some(now), Some(original)) if now == original => true,
            (Some(_), Some(_)) => {
                self.refuse_replaced();
                false
            }
            _ => false,
        }
    }

    /// A connection has just opened the path: the first one names the file; a later one on
    /// another file (swapped in between two checks) is refused.
    fn opened(&self) -> bool {
        let now = identity(&self.path);
        let mut original = self.original.lock().unwrap_or_else(PoisonError::into_inner);
        match *original {
            None => {
                *original = now;
                true
            }
            Some(first) if now == Some(first) => true,
            Some(_) => {
                drop(original);
                self.refuse_replaced();
                false
            }
        }
    }

    fn refuse_replaced(&self) {
        if !self.replaced.swap(true, Ordering::SeqCst) {
            tracing::error!(path = %self.path.display(),
                "the database file was replaced under the running server; refusing to open it \
                 (a restored copy needs a restart, without the old -wal and -shm files)");
        }
        if let Some(pool) = &*self.pool.lock().unwrap_or_else(PoisonError::into_inner) {
            pool.set_connect_options(self.unopenable.clone());
        }
    }
}

/// `pool` with the hooks that watch the file `options` open, and the watch the store keeps
/// ([`Watch::attach`] it to the pool once connected). `None` for an in-memory database.
pub(super) fn watch(
    pool: SqlitePoolOptions,
    options: &SqliteConnectOptions,
) -> (SqlitePoolOptions, Option<Watch>) {
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path == Path::new(":memory:") {
        return (pool, None);
    }
    let unopenable = options
        .clone()
        .filename(
            path.with_file_name(".sigil-replaced-database")
                .join("none.db"),
        )
        .create_if_missing(false);
    let watched = Arc::new(Watched {
        path: path.to_path_buf(),
        original: Mutex::default(),
        pool: Mutex::default(),
        unopenable,
        replaced: AtomicBool::new(false),
    });
    let on_connect = watched.clone();
    let pool = pool
        .after_connect(move |_conn, _meta| {
            let opened = on_connect.opened();
            Box::pin(async move {
                if opened {
                    Ok(())
                } else {
                    Err(sqlx::Error::Io(std::io::Error::other(
                        "the database file was replaced",
                    )))
                }
            })
        })
        .before_acquire({
            let watched = watched.clone();
            move |_conn, _meta| {
                let current = watched.still_current();
                Box::pin(async move { Ok(current) })
            }
        });
    (pool, Some(Watch { watched }))
}

impl Watch {
    /// Lets the watch stop `pool` opening a replaced file.
    pub(super) fn attach(&self, pool: &SqlitePool) {
        *self
            .watched
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(pool.clone());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.watched
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}
