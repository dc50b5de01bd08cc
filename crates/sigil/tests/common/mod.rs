//! Helpers shared by the CLI test binaries: the `sigil` binary, `--json` output, a running
//! `sigil serve`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod signin;

pub fn sigil(data_dir: &Path) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("sigil"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SIGIL_MASTER_KEY")
        .env("SIGIL_LOG", "warn");
    command
}

/// Runs `command` with `input` on its standard input (secrets go this way, never in argv).
pub fn run_with_stdin(mut command: Command, input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `sigil ARGS` on `data_dir` with `input` on standard input.
pub fn with_stdin(data_dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut command = sigil(data_dir);
    command.args(args);
    run_with_stdin(command, input)
}

/// Polls `check` until it holds: a bound on a failure (what a running server learns from the
/// store arrives within its one-second refresh), not a wait.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a store command with `--json` and parses its output.
pub fn json(data_dir: &Path, args: &[&str]) -> Value {
    let output = sigil(data_dir).args(args).arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// How long `sigil serve` may take to print its banner: a bound on a failure, not a wait (a
/// healthy server prints it in well under a second; RSA key generation in a debug build takes
/// a few).
pub const BANNER_TIMEOUT: Duration = Duration::from_secs(60);

/// A `sigil serve` process on a free port; stopped with SIGTERM when dropped.
pub struct Serve {
    pub child: Child,
    pub issuer: String,
    pub banner: String,
}

impl Serve {
    /// `sigil serve` in dev mode on a free port, once its banner has printed the demo curl.
    pub fn start(data_dir: &Path) -> Self {
        let mut command = sigil(data_dir);
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        // The banner ends with the curl line (or the note that the secret was shown before).
        Self::spawn(command, &["curl ", "its secret was shown"])
    }

    /// Runs `command` (a `sigil serve`) until a banner line contains one of `until`. A server
    /// that prints nothing more fails the test after [`BANNER_TIMEOUT`] instead of hanging CI.
    pub fn spawn(mut command: Command, until: &[&str]) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Lines arrive through a channel so that waiting for the next one can time out. The
        // reader goes on reading (and dropping) what the server prints after the banner until
        // the pipe closes: a closed pipe would fail the server's next write.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + BANNER_TIMEOUT;
        let mut banner = String::new();
        let mut issuer = None;
        while !until.iter().any(|marker| banner.contains(marker)) {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line.unwrap(),
                Err(e) => {
                    let _ = child.kill();
                    panic!("sigil serve did not finish its banner ({e:?}); it printed:\n{banner}");
                }
            };
            if let Some(url) = line.trim().strip_prefix("issuer:") {
                issuer = Some(url.trim().to_owned());
            }
            banner.push_str(&line);
            banner.push('\n');
        }
        Self {
            child,
            issuer: issuer.unwrap(),
            banner,
        }
    }

    /// SIGTERM, then the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
