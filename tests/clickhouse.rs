//! What a column store and a row-by-row engine rely on: `classify` answers one row per
//! line, at once; `scan --format ndjson` events carry every documented field; `list` rows
//! carry the advice the scan report shows.

mod common;
use common::{bouncex, scratch_dir};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEFERRED: &str = "Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 <a@example.org>: Mailbox full (in reply to RCPT TO command))";

fn rows(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn classify_answers_each_line_before_the_next_is_written() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncex"))
        .arg("classify")
        .env_remove("BOUNCEX_KB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read answers on a thread, so a bouncex that waits for more input fails the test
    // instead of hanging it.
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    // A multi-line reply's first line: explain would wait for the rest; classify must not.
    let inputs = [
        "550-5.7.26 This mail has been blocked because the sender is",
        DEFERRED,
        "nothing to see here",
    ];
    for (i, input) in inputs.iter().enumerate() {
        writeln!(stdin, "{input}").unwrap();
        stdin.flush().unwrap();
        let got = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no row for line {} while stdin stays open", i + 1));
        let row: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(row["line"], i as u64 + 1);
    }
    drop(stdin);
    reader.join().unwrap();
    assert!(rx.try_recv().is_err(), "one row per line, no more");
    assert!(child.wait().unwrap().success());
}

#[test]
fn classify_prints_exactly_one_compact_row_per_line() {
    let input = format!(
        "{DEFERRED}\n\n550 5.1.1 <b@example.com>: Recipient address rejected: User unknown\nJun 10 10:00:02 mail postfix/smtpd[3]: connect from unknown[192.0.2.1]\n421-4.7.0 [TSS04] Messages from 203.0.113.45 temporarily deferred\r\nmailbox is full"
    );
    let out = bouncex()
        .arg("classify")
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = rows(&out.stdout);
    assert_eq!(
        rows.len(),
        6,
        "one row per line, the last without a newline too"
    );
    let keys = [
        "line",
        "code",
        "basic",
        "class",
        "bounce",
        "reason",
        "action",
        "provider",
        "recipient",
        "remote_host",
        "stage",
    ];
    for (i, r) in rows.iter().enumerate() {
        let obj = r.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "{r}");
        for k in keys {
            assert!(obj.contains_key(k), "row {i} lacks {k}");
        }
        assert_eq!(r["line"], i as u64 + 1);
    }
    let d = &rows[0];
    assert_eq!(d["code"], "4.2.2");
    assert_eq!(d["basic"], 452);
    assert_eq!(d["class"], "transient");
    assert_eq!(d["bounce"], "soft");
    assert_eq!(d["recipient"], "a@example.org");
    assert_eq!(d["remote_host"], "mx.example.org");
    assert_eq!(d["stage"], "rcpt");
    for empty in [&rows[1], &rows[3]] {
        for k in &keys[1..] {
            assert!(
                empty[k].is_null(),
                "{k} of a line without a status: {empty}"
            );
        }
    }
    assert_eq!(rows[2]["code"], "5.1.1");
    assert_eq!(rows[2]["bounce"], "hard");
    assert_eq!(rows[4]["provider"], "yahoo");
    assert!(
        rows[5]["code"].is_string(),
        "a code inferred from the words"
    );
    // Each row agrees with what explain says of the same line alone.
    let explained = bouncex()
        .args(["explain", "--format", "json", "--text", DEFERRED])
        .output()
        .unwrap();
    let f: serde_json::Value = serde_json::from_slice(&explained.stdout).unwrap();
    let f = &f["findings"][0];
    for k in ["code", "bounce", "reason", "action"] {
        assert_eq!(d[k], f[k], "{k}");
    }
    assert_eq!(d["provider"], f["provider"]["id"]);
}

#[test]
fn classify_echoes_keys() {
    let out = bouncex()
        .args(["classify", "--key"])
        .write_stdin("row-17\t550 5.1.1 User unknown\nno tab here\n")
        .output()
        .unwrap();
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["key"], "row-17");
    assert_eq!(rows[0]["code"], "5.1.1");
    assert_eq!(rows[1]["key"], "");
    assert!(rows[1]["code"].is_null());
}

#[test]
fn classify_of_no_input_prints_nothing() {
    let out = bouncex().arg("classify").write_stdin("").output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn events_carry_every_documented_field_and_expiries_their_recipients() {
    let log = "\
2026-06-10T10:00:00.250+02:00 mta1 postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
2026-06-10T10:00:01+02:00 mta1 postfix/smtp[1]: AAAAA11111: to=<B@Example.NET>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection timed out)
2026-06-10T10:00:02+02:00 mta1 postfix/smtpd[3]: connect from unknown[192.0.2.1]
2026-06-15T10:00:02+02:00 mta1 postfix/qmgr[2]: AAAAA11111: from=<s@example.com>, status=expired, returned to sender
";
    let scratch = scratch_dir("ch");
    let dir = scratch.path();
    let path = dir.join("mail.log");
    std::fs::write(&path, log).unwrap();
    let out = bouncex()
        .args(["scan", "--format", "ndjson"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let events = rows(&out.stdout);
    assert_eq!(events.len(), 3);
    let fields = [
        "host",
        "file",
        "line",
        "time",
        "queue_id",
        "recipient",
        "domain",
        "remote_host",
        "status",
        "code",
        "bounce",
        "reason",
        "action",
    ];
    for e in &events {
        for k in fields {
            assert!(e.get(k).is_some(), "{k} missing from {e}");
        }
        assert_eq!(e["host"], "mta1");
        assert!(e["file"].as_str().unwrap().ends_with("mail.log"));
    }
    assert_eq!(events[0]["time"], "2026-06-10T10:00:00.25+02:00");
    assert_eq!(events[0]["line"], 1);
    assert_eq!(events[0]["reason"], "mailboxfull");
    assert_eq!(events[0]["action"], "retry");
    assert!(
        events[0].get("recipients").is_none(),
        "only expiries list recipients"
    );
    let x = &events[2];
    assert_eq!(x["status"], "expired");
    assert_eq!(x["line"], 4);
    assert!(x["recipient"].is_null());
    assert_eq!(
        x["recipients"],
        serde_json::json!(["a@example.org", "b@example.net"])
    );
}

#[test]
fn list_rows_carry_the_advice_scan_shows() {
    let out = bouncex()
        .args(["list", "--format", "ndjson", "--no-basic"])
        .output()
        .unwrap();
    let rows = rows(&out.stdout);
    assert!(rows.iter().all(|r| r["advice"].is_string()), "every code");
    let scan = bouncex()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(format!("{DEFERRED}\n"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let code = &report["codes"][0];
    let row = rows.iter().find(|r| r["code"] == code["code"]).unwrap();
    assert_eq!(row["title"], code["title"]);
    assert_eq!(row["advice"], code["advice"]);
}
