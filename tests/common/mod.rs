//! Shared helpers for the integration tests: run the real binary in a clean environment.
#![allow(dead_code)]

use assert_cmd::Command;

/// The binary with colour and terminal variables cleared, so tests see what a pipe sees.
pub fn bouncex() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bouncex"));
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "TERM",
        "COLUMNS",
        "BOUNCEX_KB",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `explain --format json` with `input` on stdin.
pub fn explain_stdin(input: impl Into<Vec<u8>>) -> std::process::Output {
    bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(input)
        .output()
        .unwrap()
}

/// Runs `explain --format json` on `input` via stdin and returns the parsed document.
pub fn explain_json(input: &str) -> serde_json::Value {
    let out = explain_stdin(input);
    assert!(
        out.status.code() == Some(0),
        "exit {:?} for {input:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs a prepared command, expects exit 0, and parses its JSON output.
pub fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A fresh directory under the system temp dir, named `bouncex-<label>-<random>`, removed
/// with its contents when the returned guard drops.
pub fn scratch_dir(label: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("bouncex-{label}-"))
        .tempdir()
        .unwrap()
}

/// `data` written as `name` in a scratch dir of its own; both are removed on drop.
pub struct ScratchFile {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl ScratchFile {
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

pub fn scratch_file(label: &str, name: &str, data: impl AsRef<[u8]>) -> ScratchFile {
    let dir = scratch_dir(label);
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    ScratchFile { _dir: dir, path }
}

pub fn first(doc: &serde_json::Value) -> &serde_json::Value {
    &doc["findings"][0]
}

/// The 81 enumerated codes of the IANA SMTP Enhanced Status Codes registry, as X.s.d.
pub const REGISTERED: &[&str] = &[
    "X.0.0", "X.1.0", "X.1.1", "X.1.2", "X.1.3", "X.1.4", "X.1.5", "X.1.6", "X.1.7", "X.1.8",
    "X.1.9", "X.1.10", "X.2.0", "X.2.1", "X.2.2", "X.2.3", "X.2.4", "X.3.0", "X.3.1", "X.3.2",
    "X.3.3", "X.3.4", "X.3.5", "X.3.6", "X.4.0", "X.4.1", "X.4.2", "X.4.3", "X.4.4", "X.4.5",
    "X.4.6", "X.4.7", "X.5.0", "X.5.1", "X.5.2", "X.5.3", "X.5.4", "X.5.5", "X.5.6", "X.6.0",
    "X.6.1", "X.6.2", "X.6.3", "X.6.4", "X.6.5", "X.6.6", "X.6.7", "X.6.8", "X.6.9", "X.6.10",
    "X.7.0", "X.7.1", "X.7.2", "X.7.3", "X.7.4", "X.7.5", "X.7.6", "X.7.7", "X.7.8", "X.7.9",
    "X.7.10", "X.7.11", "X.7.12", "X.7.13", "X.7.14", "X.7.15", "X.7.16", "X.7.17", "X.7.18",
    "X.7.19", "X.7.20", "X.7.21", "X.7.22", "X.7.23", "X.7.24", "X.7.25", "X.7.26", "X.7.27",
    "X.7.28", "X.7.29", "X.7.30",
];

/// An Exim bounce as a `multipart/report`: `prose` as its text part (none when empty) and a
/// delivery-status part of `Reporting-MTA: dns; mx.example.org` and one recipient's `fields`.
pub fn exim_report(prose: &str, fields: &str) -> String {
    let text_part = if prose.is_empty() {
        String::new()
    } else {
        format!("--B\nContent-Type: text/plain\n\n{prose}\n")
    };
    format!(
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
         Subject: Mail delivery failed: returning message to sender\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\
         \n\
         {text_part}\
         --B\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.example.org\n\
         \n\
         {fields}\
         \n\
         --B--\n"
    )
}

/// A qmail-send bounce (qmail-send.c's template) about one recipient: `failure` is what
/// qmail-remote or qmail-local wrote for it.
pub fn qmail_bounce(recipient: &str, failure: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\n\
         To: alice@example.net\n\
         Subject: failure notice\n\
         \n\
         Hi. This is the qmail-send program at mx.example.net.\n\
         I'm afraid I wasn't able to deliver your message to the following addresses.\n\
         This is a permanent error; I've given up. Sorry it didn't work out.\n\
         \n\
         <{recipient}>:\n\
         {failure}\n\
         \n\
         --- Below this line is a copy of the message.\n\
         \n\
         From: alice@example.net\n\
         To: {recipient}\n\
         Subject: hello\n\
         \n\
         hi\n"
    )
}

/// OpenSMTPD's delay notice (bounce.c), naming one recipient and why it waits.
pub fn opensmtpd_delay(recipient: &str, why: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.org\n\
         To: sender@example.org\n\
         Subject: Delivery status notification: delayed\n\
         \n\
         \x20   Hi!\n\
         \n\
         \x20   This is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\
         \n\
         \x20   A message is delayed for more than 4 hours for the following\n\
         \x20   list of recipients:\n\
         \n\
         {recipient}: {why}\n\
         \n\
         \x20   Please note that this is only a temporary failure report.\n\
         \x20   The message is kept in the queue for up to 7 days.\n"
    )
}

/// The text `explain` writes for `args` (and `stdin`), wide enough that no phrase wraps.
pub fn wide_text(args: &[&str], stdin: &str) -> String {
    let out = bouncex()
        .env("COLUMNS", "200")
        .arg("explain")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

/// The objects `bouncex <args> --format ndjson <path>` writes, one per line.
pub fn ndjson(args: &[&str], path: &std::path::Path) -> Vec<serde_json::Value> {
    let out = bouncex()
        .args(args)
        .args(["--format", "ndjson"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
