//! Reproducers of issue 16 outside `scan`: each test is named after what broke. Inputs are
//! sized to cross every cap (so the quadratic or unbounded path would be taken) while
//! staying fast; the timings and peak memory of full-size inputs are in the notes.

mod common;
use common::{bouncex, explain_json, scratch_dir};
use std::collections::HashSet;
use std::process::Stdio;

/// The binary as a plain `std::process::Command`, for tests that set up its streams.
fn std_cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bouncex"));
    cmd.env_remove("BOUNCEX_KB").env_remove("COLUMNS");
    cmd
}

fn stderr_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

/// `n` distinct enhanced codes, space-separated, on one line.
fn codes_line(n: usize) -> String {
    let mut codes = Vec::new();
    'all: for class in [4, 5] {
        for subject in 0..100 {
            for detail in 0..100 {
                if codes.len() == n {
                    break 'all;
                }
                codes.push(format!("{class}.{subject}.{detail}"));
            }
        }
    }
    codes.join(" ")
}

#[test]
fn a_line_of_thousands_of_codes_is_not_copied_per_code() {
    let line = codes_line(5000);
    assert!(line.len() > 30_000);
    let out = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(format!("{line}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 100, "the per-line cap");
    assert_eq!(findings[0]["code"], "4.0.0");
    assert_eq!(findings[99]["code"], "4.0.99");
    assert_eq!(findings[0]["input"]["text"].as_str(), Some(line.as_str()));
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].contains("line 1 states 5000 status codes") && err[0].contains("first 100"),
        "{err:?}"
    );
}

#[test]
fn a_line_within_the_cap_keeps_every_code_and_says_nothing() {
    let line = codes_line(100);
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(line)
        .output()
        .unwrap();
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 100);
    assert!(out.stderr.is_empty());
}

/// A multipart/report with one delivery-status part per recipient, the first `dupes`
/// recipients listed twice.
fn many_part_bounce(parts: usize, dupes: usize) -> String {
    let mut s = String::from(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.com\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n",
    );
    for i in (0..parts).chain(0..dupes) {
        s.push_str(&format!(
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n\
             Final-Recipient: rfc822; user{i}@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        ));
    }
    s.push_str("--B--\r\n");
    s
}

#[test]
fn a_bounce_of_thousands_of_delivery_status_parts_is_capped_per_message() {
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(many_part_bounce(2500, 300))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let recipients: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(f["code"], "5.1.1");
            f["recipient"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(recipients.len(), 1000, "1,000 recipients a message");
    assert_eq!(recipients[0], "user0@example.org");
    assert_eq!(recipients[999], "user999@example.org");
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("more than 1000 recipients"), "{err:?}");
}

#[test]
fn a_recipient_repeated_across_parts_is_reported_once() {
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(many_part_bounce(40, 40))
        .output()
        .unwrap();
    let recipients: HashSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(recipients.len(), 40);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 40);
    assert!(out.stderr.is_empty());
}

#[test]
fn the_json_document_is_written_as_findings_come_and_matches_ndjson() {
    let input = "550 5.1.1 User unknown\n451 4.7.1 Greylisted\n".repeat(5000);
    let json = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let ndjson = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(input)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let from_doc = doc["findings"].as_array().unwrap();
    let from_lines: Vec<serde_json::Value> = String::from_utf8_lossy(&ndjson.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_doc.len(), 10_000);
    assert_eq!(from_doc, &from_lines);
    // Pretty-printed as a whole document would be: two-space indents, a closing newline.
    let text = String::from_utf8(json.stdout).unwrap();
    assert!(
        text.starts_with("{\n  \"bouncex\": \"1\",\n  \"findings\": [\n    {\n      \"input\"")
    );
    assert!(text.ends_with("\n    }\n  ]\n}\n"));
}

#[test]
fn an_empty_json_document_is_still_whole() {
    let out = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin("nothing to see here\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\n  \"bouncex\": \"1\",\n  \"findings\": []\n}\n"
    );
}

fn overlay_code(code: &str, title: &str) -> String {
    format!(
        "[[code]]\ncode = \"{code}\"\ntitle = \"{title}\"\nsummary = \"Local meaning.\"\n\
         bounce = \"hard\"\nseverity = \"low\"\nreason = \"undefined\"\naction = \"fix-sender\"\n\
         sources = [\"RFC 3463\"]\nchecked = \"2026-12-06\"\n"
    )
}

#[test]
fn a_large_overlay_merges_by_key() {
    let scratch = scratch_dir("bounds-overlay");
    let dir = scratch.path();
    let path = dir.join("big.toml");
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&overlay_code(
            &format!("5.{}.{}", 10 + i / 1000, i % 1000),
            "Ours",
        ));
    }
    text.push_str(&overlay_code("5.1.1", "Replaced by the overlay"));
    std::fs::write(&path, text).unwrap();
    let out = bouncex()
        .args(["explain", "--json", "5.14.999", "5.1.1", "5.1.2", "--kb"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["title"], "Ours");
    assert_eq!(doc["findings"][0]["match"], "exact");
    assert_eq!(doc["findings"][1]["title"], "Replaced by the overlay");
    assert_eq!(doc["findings"][2]["code"], "5.1.2");
    assert_ne!(doc["findings"][2]["title"], "Ours");
    let out = bouncex().args(["kb", "check"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_device_as_knowledge_base_is_refused_at_once() {
    let out = bouncex()
        .args(["--kb", "/dev/zero", "explain", "5.1.1"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].contains("/dev/zero") && err[0].contains("NUL"),
        "{err:?}"
    );
}

#[test]
fn an_empty_bouncex_kb_counts_as_unset() {
    let out = bouncex()
        .env("BOUNCEX_KB", "")
        .args(["explain", "--json", "4.2.2"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "4.2.2");
}

fn kb_check_of(name: &str, text: &str) -> std::process::Output {
    let scratch = scratch_dir(&format!("bounds-{name}"));
    let dir = scratch.path();
    let path = dir.join("kb.toml");
    std::fs::write(&path, text).unwrap();
    bouncex().args(["kb", "check"]).arg(&path).output().unwrap()
}

#[test]
fn costly_and_match_anything_patterns_are_rejected_with_their_place() {
    let mut text = String::new();
    text.push_str(&overlay_code("5.9.1", "Slow"));
    text.push_str("patterns = [\"quota .{0,3000}zz\"]\n");
    text.push_str(&overlay_code("5.9.2", "Nested"));
    text.push_str("patterns = [\"over (?:.{0,20}z){0,20}zz\"]\n");
    text.push_str(&overlay_code("5.9.3", "Anything"));
    text.push_str("patterns = [\".*\"]\n");
    text.push_str(&overlay_code("5.9.4", "Empty"));
    text.push_str("patterns = [\"\"]\n");
    text.push_str(&overlay_code("5.9.5", "Fine"));
    text.push_str("patterns = [\"sender .{1,255} does not accept mail\"]\n");
    let out = kb_check_of("patterns", &text);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 4, "{err:?}");
    assert!(
        err[0].contains("kb.toml:11:") && err[0].contains("repeats up to 3000"),
        "{err:?}"
    );
    assert!(
        err[1].contains("kb.toml:22:") && err[1].contains("repeats up to 400"),
        "{err:?}"
    );
    assert!(
        err[2].contains("kb.toml:33:") && err[2].contains("empty text"),
        "{err:?}"
    );
    assert!(
        err[3].contains("kb.toml:44:13:") && err[3].contains("empty text"),
        "{err:?}"
    );
    assert!(
        err[..3].iter().all(|e| e.contains(":14: pattern")),
        "{err:?}"
    );
}

#[test]
fn a_kb_value_with_a_line_break_gives_a_one_line_error() {
    let out = kb_check_of("newline", "[[code]]\ncode = \"5.1.1\\nx\"\ntitle = \"t\"\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("kb.toml:"), "{err:?}");
}

fn to_full_device(args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = std_cmd();
    cmd.args(args)
        .stdout(full)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn an_output_error_names_standard_output_not_the_input() {
    let scratch = scratch_dir("bounds-full");
    let dir = scratch.path();
    let log = dir.join("big.log");
    let line = "Jun 10 11:02:18 mail postfix/smtp[4242]: 4B7C21F3A9: to=<a@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n";
    std::fs::write(&log, line.repeat(20_000)).unwrap();
    let log = log.to_str().unwrap();
    for args in [
        &["scan", "--format", "ndjson", log][..],
        &["explain", "5.1.1"][..],
        &["list"][..],
    ] {
        let out = to_full_device(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr_lines(&out);
        assert_eq!(err.len(), 1, "{args:?}: {err:?}");
        assert!(
            err[0].starts_with("bouncex: cannot write to standard output:"),
            "{err:?}"
        );
        assert!(!err[0].contains("big.log"), "{err:?}");
    }
}

#[test]
fn help_and_version_into_a_full_device_fail() {
    for flag in ["--help", "--version"] {
        let out = to_full_device(&[flag]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = stderr_lines(&out);
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0].contains("cannot write to standard output"),
            "{err:?}"
        );
    }
}

/// Supervisors, `nohup` and Python's `subprocess.DEVNULL` give `/dev/null` opened
/// read-write, which is also what Rust puts on a closed stream: only a closed one is an
/// error.
#[test]
fn dev_null_opened_read_write_is_not_a_closed_output() {
    let null = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = std_cmd()
        .args(["explain", "5.1.1"])
        .stdin(Stdio::null())
        .stdout(null)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_closed_standard_output_is_an_error() {
    let mut cmd = std_cmd();
    cmd.args(["explain", "5.1.1"]).stdin(Stdio::null());
    // Close fd 1 in the child before it runs, as `bouncex >&-` does.
    use std::os::unix::process::CommandExt;
    unsafe {
        cmd.pre_exec(|| {
            if libc_close(1) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output: it is closed"));
}

unsafe extern "C" {
    #[link_name = "close"]
    fn libc_close(fd: i32) -> i32;
}

#[test]
fn a_broken_pipe_stays_quiet() {
    let mut child = std_cmd()
        .args(["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_line_longer_than_a_mebibyte_is_cut_and_said_so() {
    let mut input = b"550 5.1.1 User unknown ".to_vec();
    input.resize((1 << 20) + 4096, b'x');
    input.extend_from_slice(b"\n451 4.7.1 Greylisted\n");
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let codes: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["code"].to_string())
        .collect();
    assert_eq!(codes, ["\"5.1.1\"", "\"4.7.1\""]);
    let err = stderr_lines(&out);
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].contains("line 1 is longer than 1 MiB"), "{err:?}");
}

#[test]
fn a_bounce_whose_original_follows_unmarked_reads_only_its_own_words() {
    // A pasted Postfix notice followed by megabytes of the original with no separator: the
    // words past the first 256 KiB are not the notice's, and every test of the words ran
    // over all of them (a 50 MB paste took 45 s).
    let mut body = String::from(
        "This is the mail system at host mx.example.org.\n\n\
         <ann@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 unknown user\n\n",
    );
    while body.len() < 3 << 20 {
        body.push_str("a line of the original message, quoted without any separator\n");
    }
    body.push_str("<bo@example.net>: host mx.example.net[192.0.2.1] said: 552 5.2.2 full\n");
    let doc = explain_json(&body);
    let found = doc["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["recipient"], "ann@example.net");
}

/// A report of a thousand recipients whose prose names a thousand other addresses: each
/// recipient is looked up among the prose blocks once, by name or by the address it was
/// redirected from, not by reading every block's lines again.
#[test]
fn a_thousand_recipients_against_a_thousand_prose_blocks() {
    let n = 1000;
    let prose: String = (0..n)
        .map(|i| {
            let lines: String = (0..20)
                .map(|j| format!("    line {j} of the text\n"))
                .collect();
            format!("  other{i}@example.net\n{lines}")
        })
        .collect();
    let fields: String = (0..n)
        .map(|i| {
            format!(
                "Final-Recipient: rfc822; user{i}@example.org\nAction: failed\nStatus: 5.0.0\n\n"
            )
        })
        .collect();
    let doc = explain_json(&format!(
        "From: MAILER-DAEMON@example.net\n\
         Subject: Undelivered Mail Returned to Sender\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n\
         --B\nContent-Type: text/plain\n\nThe following address(es) failed:\n\n{prose}\
         --B\nContent-Type: message/delivery-status\n\n\
         Reporting-MTA: dns; mx.example.net\n\n{fields}--B--\n"
    ));
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), n);
    // No prose block names these recipients: their words are the fields' alone.
    assert!(
        findings.iter().all(|f| f["server_text"].is_null()),
        "{:#}",
        findings[0]
    );
}
