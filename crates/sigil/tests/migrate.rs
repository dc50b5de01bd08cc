//! `sigil migrate`: the schema step of a deploy, run as an operator would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use common::sigil;

#[test]
fn migrate_creates_the_schema_once_and_the_store_is_usable_after() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for _ in 0..2 {
        let output = sigil(&data).arg("migrate").output().unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "the sqlite database's schema is up to date\n"
        );
    }
    assert!(data.join("sigil.db").exists());
    let created = sigil(&data)
        .args(["realm", "create", "acme"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
}

#[test]
fn migrate_refuses_an_unknown_database_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = sigil(dir.path())
        .args(["migrate", "--database-url", "mysql://root:hunter2@db/sigil"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "no password in messages: {stderr}"
    );
}
