//! `sigil serve`'s connection limits: set by flag (or `SIGIL_*`, or the file), refused when
//! zero, and in force on the running server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use common::{Serve, sigil};

#[test]
fn zero_limits_are_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, needle) in [
        ("--max-connections", "--max-connections must be at least 1"),
        ("--idle-timeout", "--idle-timeout must be at least 1 second"),
        (
            "--header-read-timeout",
            "--header-read-timeout must be at least 1 second",
        ),
    ] {
        let output = sigil(&dir.path().join("data"))
            .args(["serve", "--listen", "127.0.0.1:0", flag, "0"])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{flag} 0 was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{flag}: {stderr}");
        assert!(stderr.contains(needle), "{flag}: {stderr}");
    }
}

#[test]
fn the_idle_timeout_flag_closes_silent_connections() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = sigil(&dir.path().join("data"));
    command.args(["serve", "--listen", "127.0.0.1:0", "--idle-timeout", "1"]);
    let server = Serve::spawn(command, &["curl ", "its secret was shown"]);
    let addr = server.issuer.trim_start_matches("http://").to_owned();
    let mut silent = TcpStream::connect(&addr).unwrap();
    // A bound on a failure: with the flag in force the server closes within about a second.
    silent
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 16];
    let read = silent.read(&mut buf);
    assert!(
        matches!(read, Ok(0)),
        "the silent connection was not closed: {read:?}"
    );
    assert!(server.stop().success());
}
