//! The result, for people (a few aligned lines) or for machines (`--json`: one object).

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use super::runner::{Outcome, Plan};
use super::stats::Stats;

/// The percentiles reported, with their JSON names.
const PERCENTILES: [(&str, &str, f64); 4] = [
    ("p50", "p50", 50.0),
    ("p90", "p90", 90.0),
    ("p99", "p99", 99.0),
    ("p99.9", "p99_9", 99.9),
];

/// What the report says about the run besides its figures.
#[derive(Debug)]
pub struct Header<'a> {
    pub scenario: &'a str,
    pub issuer: &'a str,
    pub plan: &'a Plan,
}

pub fn json(header: &Header<'_>, outcome: &Outcome) -> Value {
    let stats = &outcome.stats;
    let mut latency = serde_json::Map::new();
    if stats.ok > 0 {
        for (_, name, percentile) in PERCENTILES {
            latency.insert(
                name.into(),
                json!(stats.latency.value_at_percentile(percentile)),
            );
        }
        latency.insert("max".into(), json!(stats.latency.max()));
        latency.insert("min".into(), json!(stats.latency.min()));
        latency.insert("mean".into(), json!(stats.latency.mean().round()));
    }
    json!({
        "scenario": header.scenario,
        "issuer": header.issuer,
        "connections": header.plan.connections,
        "rate": header.plan.rate,
        "warmup_s": header.plan.warmup.as_secs_f64(),
        "duration_s": round3(outcome.elapsed.as_secs_f64()),
        "requests": stats.ok + stats.failed(),
        "ok": stats.ok,
        "failed": stats.failed(),
        "errors": stats.errors,
        "error_examples": stats.examples,
        "http_requests": stats.http_requests,
        "throughput_per_s": round3(per_second(stats.ok, outcome.elapsed)),
        "latency_us": latency,
        "interrupted": outcome.interrupted,
    })
}

pub fn text(header: &Header<'_>, outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let stats = &outcome.stats;
    let plan = header.plan;
    writeln!(
        out,
        "sigil bench: {} against {}",
        header.scenario, header.issuer
    )?;
    let model = match plan.rate {
        Some(rate) => format!("open model at {rate}/s"),
        None => "closed loop".to_owned(),
    };
    let warmup = if plan.warmup.is_zero() {
        String::new()
    } else {
        format!(", after {:.1} s of warm-up", plan.warmup.as_secs_f64())
    };
    writeln!(
        out,
        "  load        {} virtual users, {model}; {:.2} s measured{warmup}",
        plan.connections,
        outcome.elapsed.as_secs_f64()
    )?;
    let total = stats.ok + stats.failed();
    let per = if total > 0 {
        #[allow(clippy::cast_precision_loss)] // a ratio for display
        let ratio = stats.http_requests as f64 / total as f64;
        format!(", {ratio:.1} each")
    } else {
        String::new()
    };
    writeln!(
        out,
        "  iterations  {} ({} ok, {} failed); {} HTTP requests{per}",
        thousands(total),
        thousands(stats.ok),
        thousands(stats.failed()),
        thousands(stats.http_requests),
    )?;
    writeln!(
        out,
        "  throughput  {:.1}/s good",
        per_second(stats.ok, outcome.elapsed)
    )?;
    if stats.ok > 0 {
        let mut line = String::from("  latency    ");
        for (label, _, percentile) in PERCENTILES {
            let micros = stats.latency.value_at_percentile(percentile);
            line.push_str(&format!(" {label} {}", duration(micros)));
        }
        line.push_str(&format!("  max {}", duration(stats.latency.max())));
        writeln!(out, "{line}")?;
    }
    write_errors(stats, out)?;
    if outcome.interrupted {
        writeln!(
            out,
            "  interrupted (Ctrl-C): the figures cover the run until then"
        )?;
    }
    Ok(())
}

fn write_errors(stats: &Stats, out: &mut dyn Write) -> std::io::Result<()> {
    if stats.errors.is_empty() {
        return writeln!(out, "  errors      none");
    }
    for (index, (kind, count)) in stats.errors.iter().enumerate() {
        let label = if index == 0 { "errors" } else { "" };
        let example = stats.examples.get(kind).map_or("", String::as_str);
        writeln!(
            out,
            "  {label:<10}  {kind} {}: {example}",
            thousands(*count)
        )?;
    }
    Ok(())
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        #[allow(clippy::cast_precision_loss)] // a rate for display
        let count = count as f64;
        count / secs
    } else {
        0.0
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Microseconds for people: µs below a millisecond, ms below ten seconds, s above.
fn duration(micros: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let value = micros as f64;
    match micros {
        0..1_000 => format!("{micros} µs"),
        1_000..10_000_000 => format!("{:.2} ms", value / 1e3),
        _ => format!("{:.1} s", value / 1e6),
    }
}

/// 12,345,678.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(850), "850 µs");
        assert_eq!(duration(1_234), "1.23 ms");
        assert_eq!(duration(12_300_000), "12.3 s");
    }
}
