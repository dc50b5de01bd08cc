//! The database file a pool is opened on, watched: a file removed, renamed away or replaced
//! under a running server must not go on being written through connections that still hold
//! the old one (what they write would be lost with it), nor be silently recreated empty.
//!
//! Each connection is checked as the pool hands it out: if the path no longer names the file
//! that connection was opened on (its device and inode, and the connection no older than
//! the first connection to that file), the connection is closed and a new one opened on
//! whatever the path names now — the same file put back, or a restored copy. After the first open,
//! the pool no longer creates a missing file, so while nothing is there every call fails as
//! [`crate::StoreError::Unavailable`] (`SQLITE_CANTOPEN`), and the store recovers by itself
//! when the file returns. Checking costs one `stat` per acquisition.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

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

/// The file the pool's connections are opened on now, and since when: a connection opened
/// before then is on an earlier file.
#[derive(Debug, Clone)]
struct Watched {
    current: Arc<Mutex<(Option<Identity>, Instant)>>,
}

/// How much earlier than the first connection to a file another connection may have opened
/// and still be taken to be on it (the two clocks readings are microseconds apart; a file
/// swapped within this window of a connection's opening is not told apart).
const OPENING_SLACK: Duration = Duration::from_millis(100);

impl Watched {
    fn new() -> Self {
        Self {
            current: Arc::new(Mutex::new((None, Instant::now()))),
        }
    }

    /// A connection has just opened the file at `path`.
    fn opened(&self, path: &Path) {
        let now = identity(path);
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.0 != now {
            *current = (now, Instant::now());
        }
    }

    /// Whether a connection opened `age` ago is on the file `path` names now.
    fn still_current(&self, path: &Path, age: Duration) -> bool {
        let Some(now) = identity(path) else {
            return false;
        };
        let current = *self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let opened_at = Instant::now().checked_sub(age);
        current.0 == Some(now) && opened_at.is_none_or(|at| at + OPENING_SLACK >= current.1)
    }
}

/// `pool` with the hooks that watch the file at `path`.
pub(super) fn watch(pool: SqlitePoolOptions, path: PathBuf) -> SqlitePoolOptions {
    let watched = Watched::new();
    let on_connect = (watched.clone(), path.clone());
    pool.after_connect(move |_conn, _meta| {
        let (watched, path) = on_connect.clone();
        Box::pin(async move {
            watched.opened(&path);
            Ok(())
        })
    })
    .before_acquire(move |_conn, meta| {
        let current = watched.still_current(&path, meta.age);
        Box::pin(async move { Ok(current) })
    })
}

/// The file a set of options opens, if it is a file (not `:memory:`).
pub(super) fn path_of(options: &SqliteConnectOptions) -> Option<PathBuf> {
    let name = options.get_filename();
    let in_memory = name.as_os_str().is_empty() || name == Path::new(":memory:");
    (!in_memory).then(|| name.to_path_buf())
}
