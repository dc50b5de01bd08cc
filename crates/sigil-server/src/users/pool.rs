//! A bounded pool for CPU-heavy work (password hashing) off the async runtime.
//!
//! One argon2id verification costs ~21 ms of one core and 19 MiB (dependencies.md), so a
//! login flood run straight on `spawn_blocking` would occupy every core and tokio's 512
//! blocking threads, and starve token requests that need a few microseconds each. A semaphore
//! of about one permit per core puts the flood in a queue instead: at most `permits` hashes run
//! at once, each on a blocking thread, and the async workers stay free.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use super::password::PasswordError;

/// At most `permits` jobs at once, each on tokio's blocking pool.
#[derive(Debug, Clone)]
pub struct HashPool {
    permits: Arc<Semaphore>,
    size: usize,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl HashPool {
    /// A pool of `permits` (at least one).
    pub fn new(permits: usize) -> Self {
        let size = permits.max(1);
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
            counts: Arc::default(),
        }
    }

    /// One permit per core the process may use (one if that cannot be known).
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// How many jobs may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many jobs are running now.
    pub fn running(&self) -> usize {
        self.counts.running.load(Ordering::SeqCst)
    }

    /// The most jobs that ever ran at once (never more than [`Self::size`]).
    pub fn peak(&self) -> usize {
        self.counts.peak.load(Ordering::SeqCst)
    }

    /// Runs `job` on a blocking thread once a permit is free; waits in line until then.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PasswordError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Pool("the hashing pool is closed".into()))?;
        let counts = self.counts.clone();
        // The permit moves into the blocking closure: if the caller's future is dropped (a
        // client hung up), the hash still runs to its end, and only then is the permit freed.
        // Dropping it with the future would let more hashes run than there are permits.
        let handle = tokio::task::spawn_blocking(move || {
            let now = counts.running.fetch_add(1, Ordering::SeqCst) + 1;
            counts.peak.fetch_max(now, Ordering::SeqCst);
            let result = job();
            counts.running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            result
        });
        handle
            .await
            .map_err(|e| PasswordError::Pool(format!("a hashing job failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

    use std::sync::Barrier;

    use super::*;

    /// Two permits let two jobs run together: each waits at a barrier for the other, which
    /// only returns if both are running at the same time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pool_of_two_runs_two_at_once() {
        let pool = HashPool::new(2);
        let barrier = Arc::new(Barrier::new(2));
        let job = || {
            let barrier = barrier.clone();
            move || barrier.wait().is_leader()
        };
        let (a, b) = tokio::join!(pool.run(job()), pool.run(job()));
        assert!(a.unwrap() ^ b.unwrap(), "one leader");
        assert_eq!(pool.peak(), 2);
        assert_eq!(pool.running(), 0);
    }

    /// A caller that gives up (its future dropped) does not give back the permit while its
    /// job still runs: the bound holds for work, not for waiting callers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_job_keeps_its_permit_until_it_ends() {
        let pool = HashPool::new(1);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                })
                .await
            }
        });
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        first.abort();
        assert!(first.await.unwrap_err().is_cancelled());
        assert_eq!(pool.running(), 1, "the job runs on");
        assert_eq!(pool.permits.available_permits(), 0, "and holds the permit");
        release_tx.send(()).unwrap();
        assert_eq!(pool.run(|| 7).await.unwrap(), 7, "the next job gets it");
        assert_eq!(pool.peak(), 1);
    }

    #[test]
    fn a_pool_has_at_least_one_permit() {
        assert_eq!(HashPool::new(0).size(), 1);
        assert!(HashPool::per_core().size() >= 1);
    }
}
