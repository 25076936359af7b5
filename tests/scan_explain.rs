//! Every `scan` event carries what `explain` says of its line: code, bounce, reason, action,
//! recipient and remote host, field by field. Checked over generated logs (random lines
//! here; `gen-maillog.py` logs and the eval cases' log lines when `../shared` is present).

mod common;
use common::{bouncex, ndjson, scratch_dir, scratch_file};
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Compares scan's events with explain's findings over one log; returns how many events
/// were compared.
fn same_answers(name: &str, log: &str) -> Result<usize, String> {
    let file = scratch_file("same", name, log);
    let path = file.path();
    let events = ndjson(&["scan"], path);
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin(log.as_bytes().to_vec())
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut by_line: HashMap<u64, Vec<&serde_json::Value>> = HashMap::new();
    for f in &findings {
        by_line
            .entry(f["input"]["line"].as_u64().unwrap())
            .or_default()
            .push(f);
    }
    for e in &events {
        let line = e["line"].as_u64().unwrap();
        let found = by_line
            .get(&line)
            .ok_or_else(|| format!("explain has no finding for line {line}: {e}"))?;
        if found.len() != 1 {
            return Err(format!("line {line}: {} findings", found.len()));
        }
        let f = found[0];
        for key in [
            "code",
            "bounce",
            "reason",
            "action",
            "recipient",
            "remote_host",
        ] {
            if e[key] != f[key] {
                return Err(format!(
                    "line {line} {key}: scan {} explain {}\n{}",
                    e[key], f[key], f["input"]["text"]
                ));
            }
        }
    }
    Ok(events.len())
}

const MIXED: &str = "\
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.2, status=deferred (host mx.example.org[198.51.100.1] said: 451 4.3.2 System not accepting network messages (in reply to RCPT TO command))
Jun 10 10:00:01 mail postfix/smtp[1]: BBBBB22222: to=<b@Example.NET>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection timed out)
Jun 10 10:00:02 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, dsn=2.0.0, status=sent (250 2.6.0 Message accepted)
Jun 10 10:00:03 mail postfix/smtp[1]: CCCCC33333: to=<c@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.0.26]:25, delay=1, dsn=5.7.26, status=bounced (host gmail-smtp-in.l.google.com[142.250.0.26] said: 550-5.7.26 This mail has been blocked because the sender is unauthenticated. - gsmtp (in reply to end of DATA command))
Jun 10 10:00:04 mail postfix/smtp[1]: DDDDD44444: to=<spam@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, dsn=4.2.0, status=deferred (host mx.example.org[198.51.100.1] said: 450 4.2.0 <spam@example.org>: Recipient address rejected: Greylisted (in reply to RCPT TO command))
Jun 15 10:00:01 mail postfix/qmgr[2]: AAAAA11111: from=<s@example.com>, status=expired, returned to sender
Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: to=<gina@example.com>, delay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.com. [198.51.100.30], dsn=5.0.0, stat=Service unavailable: 550 5.1.1 User unknown
Jun 10 11:03:00 mail sendmail[1241]: 5AAB2I3o001241: to=<hal@example.org>, delay=00:00:02, mailer=esmtp, pri=120000, relay=mx.example.org. [198.51.100.31], dsn=4.3.2, stat=Deferred: 451 4.3.2 System not accepting network messages
2026-06-10 12:00:01 1sGxyz-000200-CD ** eve@example.com R=dnslookup T=remote_smtp H=aspmx.l.google.com [142.250.0.26]: SMTP error from remote mail server after pipelined end of data: 550-5.7.1 [203.0.113.9] Our system has detected that this message is likely unsolicited mail. - gsmtp
2026-06-10 12:02:00 1sGxyz-000210-CD == ivy@slow.example R=dnslookup T=remote_smtp defer (110): Connection timed out
2026-06-10 12:03:00 1sGxyz-000203-CD ** old@example.net: retry timeout exceeded
2026-06-10 12:04:00 1sGxyz-000204-CD => bob@example.com R=dnslookup T=remote_smtp H=mx.example.com [198.51.100.5]
";

#[test]
fn scan_and_explain_agree_on_every_mta() {
    assert_eq!(same_answers("mixed.log", MIXED), Ok(12));
}

fn reply() -> impl Strategy<Value = (String, &'static str)> {
    prop_oneof![
        Just(("451 4.3.2 System not accepting network messages".to_string(), "deferred")),
        Just(("452 4.2.2 <%r>: Mailbox full".to_string(), "deferred")),
        Just(("450 4.2.0 <%r>: Recipient address rejected: Greylisted, see http://postgrey.example/".to_string(), "deferred")),
        Just(("421 4.7.0 [TSS04] Messages from 203.0.113.45 temporarily deferred".to_string(), "deferred")),
        Just(("451 4.7.500 Server busy. Please try again later from [203.0.113.45]. (S77719) [X.eop-eur04.prod.protection.outlook.com]".to_string(), "deferred")),
        Just(("550 5.1.1 <%r>: Recipient address rejected: User unknown in virtual mailbox table".to_string(), "bounced")),
        Just(("554 5.7.1 Service unavailable; Client host [203.0.113.45] blocked using zen.spamhaus.org".to_string(), "bounced")),
        Just(("552 Message size exceeds fixed limit".to_string(), "bounced")),
        Just(("550 Mailbox unavailable".to_string(), "bounced")),
        Just(("250 2.0.0 Ok: queued as 4F3A".to_string(), "sent")),
        "[a-z ]{0,30}".prop_map(|w| (format!("451 {w}"), "deferred")),
        "[a-z ]{0,30}".prop_map(|w| (format!("550 5.{} {w}", 1), "bounced")),
    ]
}

fn log_line() -> impl Strategy<Value = String> {
    (
        reply(),
        prop_oneof![Just("gmail.com"), Just("Example.ORG"), Just("outlook.com")],
        "[a-zA-Z]{1,8}",
        prop_oneof![Just("RCPT TO"), Just("end of DATA"), Just("MAIL FROM")],
        prop_oneof![Just("mx.example.org"), Just("gmail-smtp-in.l.google.com")],
        prop::option::of(prop_oneof![Just("4.0.0"), Just("5.0.0"), Just("4.4.1")]),
    )
        .prop_map(|((text, status), domain, user, stage, mx, dsn)| {
            let rcpt = format!("{user}@{domain}");
            let text = text.replace("%r", &rcpt);
            let dsn = dsn.map_or(String::new(), |d| format!("dsn={d}, "));
            format!(
                "Jun 10 10:00:00 mail postfix/smtp[1]: ABCDE12345: to=<{rcpt}>, relay={mx}[192.0.2.1]:25, delay=1, {dsn}status={status} (host {mx}[192.0.2.1] said: {text} (in reply to {stage} command))"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn scan_and_explain_agree_on_generated_lines(lines in prop::collection::vec(log_line(), 1..12)) {
        let log = lines.join("\n") + "\n";
        let n = same_answers("generated.log", &log).map_err(TestCaseError::fail)?;
        prop_assert_eq!(n, lines.len());
    }
}

fn shared() -> Option<PathBuf> {
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    s.join("tools/gen-maillog.py").is_file().then_some(s)
}

#[test]
fn scan_and_explain_agree_on_gen_maillog_logs() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared not found");
        return;
    };
    for (seed, rfc3339) in [("3", false), ("11", true)] {
        let scratch = scratch_dir(&format!("gen-{seed}"));
        let dir = scratch.path();
        let log = dir.join("mail.log");
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(shared.join("tools/gen-maillog.py"))
            .args(["--messages", "400", "--seed", seed, "--out"])
            .arg(&log)
            .arg("--truth")
            .arg(dir.join("truth.json"));
        if rfc3339 {
            cmd.arg("--rfc3339");
        }
        if !cmd.status().is_ok_and(|s| s.success()) {
            eprintln!("skipped: python3 could not run gen-maillog.py");
            return;
        }
        let text = std::fs::read_to_string(&log).unwrap();
        let n = same_answers(&format!("gen-{seed}.log"), &text).unwrap();
        assert!(n > 400, "{n} events");
    }
}

#[test]
fn scan_and_explain_agree_on_the_eval_log_lines() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared not found");
        return;
    };
    let Ok(cases) = std::fs::read_to_string(shared.join("eval/cases.jsonl")) else {
        return;
    };
    // The cases' inputs that are single lines, read as one log.
    let lines: Vec<String> = cases
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|c| c["input"].as_str().map(str::to_string))
        .filter(|i| !i.contains('\n'))
        .collect();
    let n = same_answers("eval.log", &(lines.join("\n") + "\n")).unwrap();
    assert!(n > 0, "no log lines among the eval cases");
}
