//! The load: set-up (a probe, then each virtual user's own, none of it measured), then the
//! virtual users run iterations until the duration or the request count is spent, Ctrl-C, or
//! the hard stop.
//!
//! Two models. Closed (the default): each user starts its next iteration when the last one
//! ends, and latency is from its start. Open (`--rate R`): iteration *i* is due at
//! `start + i/R` whoever is free; a user that takes it late still measures from the due time,
//! so a stalled server shows in the latency instead of silently lowering the load (no
//! coordinated omission, as in wrk2).

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use tokio::task::JoinSet;

use super::agent::Agent;
use super::failure;
use super::report;
use super::scenarios::{Shared, UserState};
use super::stats::Stats;

/// How much load, for how long.
#[derive(Debug, Clone)]
pub struct Plan {
    pub connections: usize,
    pub duration: Option<Duration>,
    pub requests: Option<u64>,
    pub rate: Option<f64>,
    pub warmup: Duration,
    pub timeout: Duration,
    pub progress: bool,
}

#[derive(Debug)]
pub struct Outcome {
    pub stats: Stats,
    /// From the end of the warm-up to the last iteration (or Ctrl-C).
    pub elapsed: Duration,
    pub interrupted: bool,
}

/// Shared between the users: the next open-model slot, the request budget, the stop flag.
#[derive(Debug, Default)]
struct Control {
    next: AtomicU64,
    budget: AtomicU64,
    stop: AtomicBool,
}

#[derive(Debug, Clone, Copy)]
struct Timing {
    start: Instant,
    measure_from: Instant,
    deadline: Option<Instant>,
    requests: Option<u64>,
    rate: Option<f64>,
}

type SharedStats = Arc<Mutex<Stats>>;

/// Set-up, then the run. Set-up failures are errors (one line, before any load); the run's
/// failures are counted.
pub async fn run(shared: Arc<Shared>, plan: &Plan, mut probe: Agent) -> anyhow::Result<Outcome> {
    let users = tokio::select! {
        users = set_up(&shared, plan, &mut probe) => users?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted during set-up"),
    };
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let timing = Timing {
        start,
        measure_from,
        deadline: plan.duration.map(|d| measure_from + d),
        requests: plan.requests,
        rate: plan.rate,
    };
    let control = Arc::new(Control::default());
    let mut all_stats = Vec::with_capacity(users.len());
    let mut tasks = JoinSet::new();
    for (agent, state) in users {
        let stats = Arc::new(Mutex::new(Stats::new()?));
        all_stats.push(stats.clone());
        let (shared, control) = (shared.clone(), control.clone());
        tasks.spawn(virtual_user(shared, agent, state, control, stats, timing));
    }
    // Past the deadline, users finish the iteration in hand; this bounds the wait for one
    // that hangs on a slow OP (each request has its own timeout, but a flow has several).
    let hard_stop = timing.deadline.map(|d| d + plan.timeout * 2);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut signals = true;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut shown = (0, 0);
    let interrupted = loop {
        tokio::select! {
            joined = tasks.join_next() => if joined.is_none() { break false },
            result = &mut ctrl_c, if signals => {
                if result.is_ok() {
                    control.stop.store(true, Ordering::Relaxed);
                    tasks.abort_all();
                    break true;
                }
                signals = false;
            }
            () = sleep_until(hard_stop) => {
                tasks.abort_all();
                break false;
            }
            _ = ticker.tick(), if plan.progress => {
                let now = totals(&all_stats);
                progress(&timing, now, shown);
                shown = now;
            }
        }
    };
    let end = Instant::now();
    if plan.progress {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    let mut stats = Stats::new()?;
    for user in &all_stats {
        stats.merge(&user.lock().unwrap_or_else(PoisonError::into_inner));
    }
    Ok(Outcome {
        stats,
        elapsed: end.saturating_duration_since(measure_from),
        interrupted,
    })
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The probe, then every user's set-up at once (a login each, for most flow scenarios).
async fn set_up(
    shared: &Arc<Shared>,
    plan: &Plan,
    probe: &mut Agent,
) -> anyhow::Result<Vec<(Agent, UserState)>> {
    let global = shared
        .global_setup(probe)
        .await
        .map_err(|f| anyhow!("set-up: {}", failure::in_set_up(&f)))?;
    let origins = shared.provider.origins();
    let mut tasks = JoinSet::new();
    for index in 0..plan.connections {
        let mut agent = probe.user(origins.clone());
        let (shared, global) = (shared.clone(), global.clone());
        tasks.spawn(async move {
            let state = shared.setup_user(&mut agent, global.as_ref()).await;
            (index, agent, state)
        });
    }
    let mut users = Vec::with_capacity(plan.connections);
    while let Some(joined) = tasks.join_next().await {
        let (index, agent, state) = joined?;
        match state {
            Ok(state) => users.push((agent, state)),
            Err(failure) => {
                tasks.abort_all();
                anyhow::bail!(
                    "set-up of virtual user {}: {}",
                    index + 1,
                    failure::in_set_up(&failure)
                );
            }
        }
    }
    Ok(users)
}

async fn virtual_user(
    shared: Arc<Shared>,
    mut agent: Agent,
    mut state: UserState,
    control: Arc<Control>,
    stats: SharedStats,
    timing: Timing,
) {
    loop {
        if control.stop.load(Ordering::Relaxed) {
            return;
        }
        let due = match timing.rate {
            Some(rate) => {
                let slot = control.next.fetch_add(1, Ordering::Relaxed);
                #[allow(clippy::cast_precision_loss)] // slots stay far below 2^52
                let offset = Duration::from_secs_f64(slot as f64 / rate);
                timing.start + offset
            }
            None => Instant::now(),
        };
        if timing.deadline.is_some_and(|deadline| due >= deadline) {
            return;
        }
        let counted = due >= timing.measure_from;
        if counted
            && let Some(limit) = timing.requests
            && control.budget.fetch_add(1, Ordering::Relaxed) >= limit
        {
            return;
        }
        // Only the open model waits: tokio's timer has a 1 ms grain, and a sleep until "now"
        // would add up to a millisecond to every closed-loop iteration.
        if timing.rate.is_some() && due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let sent = agent.sent;
        let outcome = shared.iterate(&mut agent, &mut state).await;
        let latency = due.elapsed();
        if counted {
            stats.lock().unwrap_or_else(PoisonError::into_inner).record(
                &outcome,
                latency,
                agent.sent - sent,
            );
        }
    }
}

fn totals(all: &[SharedStats]) -> (u64, u64) {
    all.iter().fold((0, 0), |(ok, failed), s| {
        let s = s.lock().unwrap_or_else(PoisonError::into_inner);
        (ok + s.ok, failed + s.failed())
    })
}

/// The live line on a terminal: time, counts, and the last second's rate.
fn progress(timing: &Timing, (ok, failed): (u64, u64), (last_ok, _): (u64, u64)) {
    let now = Instant::now();
    let line = if now < timing.measure_from {
        format!(
            "warm-up, {:.0} s left",
            (timing.measure_from - now).as_secs_f64()
        )
    } else {
        format!(
            "{:>5.0} s  {} ok  {} failed  {}/s",
            (now - timing.measure_from).as_secs_f64(),
            report::thousands(ok),
            report::thousands(failed),
            report::thousands(ok.saturating_sub(last_ok)),
        )
    };
    let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
}
