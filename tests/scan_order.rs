//! `bouncex scan` whatever the file order and the number of hosts (issue 13): rotated logs
//! read oldest first, (host, queue id) pairing, RFC 3339 times, inbound rejects, greylisting,
//! unreadable inputs skipped with exit 2.

mod common;
use common::{bouncex, json_of, scratch_dir};
use std::io::Write;

fn scan_json(args: &[&str]) -> serde_json::Value {
    let mut cmd = bouncex();
    cmd.args(["scan", "--format", "json", "--year", "2026"])
        .args(args);
    json_of(&mut cmd)
}

/// A Postfix log with a known shape: every fourth message deferred twice (at hour h and
/// h+1) then delivered; every tenth bounced; the rest sent. Messages span two weeks, so
/// the halves split mid-deferral for some.
fn postfix_log(host: &str, messages: usize) -> String {
    let mut lines = Vec::new();
    let stamp = |secs: u64| {
        let day = 10 + secs / 86400;
        let s = secs % 86400;
        format!(
            "Jun {day:2} {:02}:{:02}:{:02}",
            s / 3600,
            s % 3600 / 60,
            s % 60
        )
    };
    for m in 0..messages as u64 {
        let t = m * 1200;
        let qid = format!("{:010X}", 0xA000000 + m);
        let rcpt = format!("user{m}@d{}.example", m % 5);
        if m % 4 == 0 {
            for (k, dt) in [0u64, 3600].iter().enumerate() {
                let r = if k == 0 {
                    rcpt.to_uppercase()
                } else {
                    rcpt.clone()
                };
                lines.push((t + dt, format!("{host} postfix/smtp[1]: {qid}: to=<{r}>, relay=mx.d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.2, status=deferred (host mx.d.example[192.0.2.1] said: 451 4.3.2 System not accepting network messages (in reply to RCPT TO command))")));
            }
            lines.push((t + 7300, format!("{host} postfix/smtp[1]: {qid}: to=<{rcpt}>, relay=mx.d.example[192.0.2.1]:25, delay=7300, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X{m})")));
        } else if m % 10 == 1 {
            lines.push((t, format!("{host} postfix/smtp[1]: {qid}: to=<{rcpt}>, relay=mx.d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.d.example[192.0.2.1] said: 550 5.1.1 <{rcpt}>: User unknown (in reply to RCPT TO command))")));
        } else {
            lines.push((t, format!("{host} postfix/smtp[1]: {qid}: to=<{rcpt}>, relay=mx.d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)")));
        }
    }
    lines.sort_by_key(|(t, _)| *t);
    lines
        .into_iter()
        .map(|(t, l)| format!("{} {l}\n", stamp(t)))
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

#[test]
fn rotated_halves_named_newest_first_give_the_one_file_figures() {
    let log = postfix_log("mail", 400);
    let scratch = scratch_dir("order-rotated");
    let d = scratch.path();
    let whole = d.join("whole.log");
    std::fs::write(&whole, &log).unwrap();
    let cut = log[..log.len() / 2].rfind('\n').unwrap() + 1;
    let old = d.join("mail.log.1.gz");
    let new = d.join("mail.log");
    std::fs::write(&old, gzip(&log.as_bytes()[..cut])).unwrap();
    std::fs::write(&new, &log[cut..]).unwrap();
    let one = scan_json(&[whole.to_str().unwrap()]);
    let split = scan_json(&[new.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(one["deferrals"], split["deferrals"]);
    assert_eq!(one["codes"], split["codes"]);
    assert_eq!(one["events"], split["events"]);
    assert_eq!(one["deferrals"]["messages"], 100);
    assert_eq!(one["deferrals"]["delivered_later"], 100);
    assert_eq!(one["deferrals"]["pending"], 0);
}

#[test]
fn logs_without_timestamps_order_by_logrotate_names() {
    // The same halves with their timestamps cut off: logrotate's naming decides.
    let log: String = postfix_log("mail", 200)
        .lines()
        .map(|l| format!("{}\n", &l[16..]))
        .collect();
    let scratch = scratch_dir("order-names");
    let d = scratch.path();
    let cut = log[..log.len() / 2].rfind('\n').unwrap() + 1;
    std::fs::write(d.join("mail.log.2.gz"), gzip(&log.as_bytes()[..cut])).unwrap();
    std::fs::write(d.join("mail.log"), &log[cut..]).unwrap();
    std::fs::write(d.join("whole.log"), &log).unwrap();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let one = scan_json(&[&p("whole.log")]);
    let split = scan_json(&[&p("mail.log"), &p("mail.log.2.gz")]);
    assert_eq!(one["deferrals"]["delivered_later"], 50);
    assert_eq!(one["deferrals"], split["deferrals"]);
    // No timestamps: the delays are unknown, not zero.
    assert!(one["deferrals"]["time_to_delivery_s"]["median"].is_null());
    assert!(one["by_hour"].is_null());
    assert!(one["first_time"].is_null());
}

#[test]
fn queue_ids_pair_per_host_from_the_syslog_field_or_the_folder() {
    let a = postfix_log("mail1", 200);
    let b = postfix_log("mail2", 200);
    // One syslog server: both hosts in one file, interleaved by time.
    let mut merged: Vec<&str> = a.lines().chain(b.lines()).collect();
    merged.sort_by_key(|l| &l[..15]);
    let scratch = scratch_dir("order-hosts");
    let d = scratch.path();
    let both = d.join("all.log");
    std::fs::write(&both, merged.join("\n") + "\n").unwrap();
    let r = scan_json(&[both.to_str().unwrap()]);
    assert_eq!(r["deferrals"]["messages"], 100);
    assert_eq!(r["deferrals"]["delivered_later"], 100);
    let hosts = r["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0]["host"], "mail1");
    assert_eq!(hosts[0]["deferrals"]["messages"], 50);
    // Logs without a host field (Exim): the folder names the host.
    let exim = |id: &str, flag: &str, min: u32| {
        format!(
            "2026-06-10 12:{min:02}:00 1sGxyz-{id}-CD {flag} a@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.8]: SMTP error from remote mail server after RCPT TO:<a@example.net>: 451 4.3.2 busy\n"
        )
    };
    for host in ["h1", "h2"] {
        std::fs::create_dir_all(d.join(host)).unwrap();
        let text = exim("000200", "==", 0) + &exim("000200", "=>", 30).replace(": SMTP error from remote mail server after RCPT TO:<a@example.net>: 451 4.3.2 busy", "");
        std::fs::write(d.join(host).join("mainlog"), text).unwrap();
    }
    let p = |h: &str| d.join(h).join("mainlog").to_str().unwrap().to_string();
    let r = scan_json(&[&p("h1"), &p("h2")]);
    assert_eq!(r["deferrals"]["messages"], 2);
    assert_eq!(r["deferrals"]["delivered_later"], 2);
    assert_eq!(r["hosts"][1]["host"], "h2");
}

#[test]
fn ndjson_times_are_rfc3339_with_file_and_line() {
    let scratch = scratch_dir("order-ndjson");
    let d = scratch.path();
    let path = d.join("mail.log");
    std::fs::write(&path, postfix_log("mail", 20)).unwrap();
    let out = bouncex()
        .args(["scan", "--format", "ndjson", "--year", "2025"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rfc3339 =
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$").unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!events.is_empty());
    for (i, e) in events.iter().enumerate() {
        let t = e["time"].as_str().unwrap();
        assert!(rfc3339.is_match(t), "{t}");
        assert!(t.starts_with("2025-06-"), "--year sets the year: {t}");
        assert_eq!(e["host"], "mail");
        assert_eq!(e["line"], i as u64 + 1);
        assert!(e["file"].as_str().unwrap().ends_with("mail.log"));
        for key in ["reason", "action", "bounce", "code"] {
            assert!(!e[key].is_null(), "{key} in {e}");
        }
    }
    // Without --year, a year-less log's year comes from its modification time.
    let out = bouncex()
        .args(["scan", "--format", "ndjson"])
        .arg(&path)
        .output()
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(rfc3339.is_match(first["time"].as_str().unwrap()));
}

#[test]
fn exim_defer_and_timeout_get_explains_codes() {
    let lines = [
        "2026-06-10 12:02:00 1sGxyz-000210-CD == ivy@slow.example R=dnslookup T=remote_smtp defer (110): Connection timed out",
        "2026-06-10 12:03:00 1sGxyz-000203-CD ** old@example.net: retry timeout exceeded",
    ];
    let scratch = scratch_dir("order-exim");
    let d = scratch.path();
    let path = d.join("mainlog");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let events = common::ndjson(&["scan"], &path);
    assert_eq!(events.len(), 2);
    for (e, line) in events.iter().zip(lines) {
        let f = common::explain_json(line);
        let f = &f["findings"][0];
        assert!(e["code"].is_string(), "{e}");
        for key in ["code", "bounce", "reason", "action"] {
            assert_eq!(e[key], f[key], "{key} for {line}");
        }
    }
    // "retry timeout exceeded" is Exim's expiry (retry.c): counted as expired, like
    // Postfix's `status=expired`, not as a second failed attempt.
    let r = scan_json(&[path.to_str().unwrap()]);
    assert_eq!((r["soft"].as_u64(), r["hard"].as_u64()), (Some(1), Some(0)));
    assert_eq!(r["by_status"]["expired"], 1, "{r:#}");
    assert_eq!(events[1]["status"], "expired");
}

#[test]
fn inbound_rejects_are_their_own_section_and_greylisting_is_no_block() {
    let log = "\
Jun 10 10:00:02 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@b.example> to=<spam@example.org> proto=ESMTP helo=<x>
Jun 10 10:00:03 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from mail.example.net[198.51.100.9]: 450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html; from=<c@example.net> to=<bob@example.org> proto=ESMTP helo=<mail.example.net>
Jun 10 10:05:00 mx postfix/smtp[9]: ABCDE12345: to=<a@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=1, delays=0/0/0/1, dsn=4.2.0, status=deferred (host mx.example.com[198.51.100.30] said: 450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (in reply to RCPT TO command))
";
    let scratch = scratch_dir("order-rejects");
    let d = scratch.path();
    let path = d.join("mail.log");
    std::fs::write(&path, log).unwrap();
    let r = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(r["events"], 1, "rejects are not delivery attempts");
    let ir = &r["inbound_rejects"];
    assert_eq!(ir["total"], 2);
    assert_eq!(ir["greylisted"], 1);
    let codes: Vec<&str> = ir["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"5.7.1") && codes.contains(&"4.2.0"),
        "{codes:?}"
    );
    assert_eq!(ir["clients"].as_array().unwrap().len(), 2);
    assert!(
        ir["recipient_domains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["domain"] == "example.org" && d["count"] == 2)
    );
    assert_eq!(r["greylisted"], 1);
    let reasons: Vec<&str> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["greylisted"], "never counted as a block");
    let out = bouncex()
        .args(["scan", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Inbound rejects"), "{text}");
    assert!(text.contains("5.7.1"), "{text}");
    assert!(
        text.contains("greylisted (clears on retry, never a block): 1"),
        "{text}"
    );
}

#[test]
fn an_unreadable_entry_is_reported_and_skipped_with_exit_2() {
    let scratch = scratch_dir("order-broken");
    let d = scratch.path();
    let log = d.join("mail.log");
    std::fs::write(&log, postfix_log("mail", 8)).unwrap();
    let maildir = d.join("Maildir");
    std::fs::create_dir_all(maildir.join("cur")).unwrap();
    // A damaged gzip file among the messages.
    std::fs::write(
        maildir.join("cur/1.gz"),
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
    )
    .unwrap();
    let missing = d.join("gone.log");
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .arg(&missing)
        .arg(&maildir)
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("gone.log"), "{err}");
    assert!(err.contains("1.gz"), "{err}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["events"], 12, "the readable log was scanned whole");
}

#[test]
fn message_events_take_their_time_from_date() {
    let dsn = "Date: Tue, 10 Jun 2026 10:00:02 +0200\r\nFrom: MAILER-DAEMON@example.org\r\nTo: sender@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n";
    let scratch = scratch_dir("order-date");
    let d = scratch.path();
    let path = d.join("bounce.eml");
    std::fs::write(&path, dsn).unwrap();
    let out = bouncex()
        .args(["scan", "--format", "ndjson"])
        .arg(&path)
        .output()
        .unwrap();
    let e: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(e["time"], "2026-06-10T10:00:02+02:00");
    assert_eq!(e["reason"], "userunknown");
}

/// Courier logs a reply line by line, then the attempt's outcome with no reply
/// (`,status: failure`); a delivery is `,success: `. Its events take the reply logged before
/// them, and `explain` reads the same lines the same way.
#[test]
fn courier_outcomes_take_the_reply_logged_before_them() {
    let log = "\
2026-12-07T20:41:23.279218+00:00 vm courierd: started,id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,module=esmtp,host=example.net,addr=<bob@example.net>
2026-12-07T20:41:23.285230+00:00 vm courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>: 550-5.1.1 The email account that you tried to reach does not exist. Please try
2026-12-07T20:41:23.285240+00:00 vm courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>: 550 5.1.1 double-checking the recipient's email address for typos - gsmtp
2026-12-07T20:41:23.285257+00:00 vm courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>,status: failure
2026-12-07T20:41:24.100000+00:00 vm courieresmtp: id=00000000000C0741.000000006B1719F8.00006C1B,from=<s@example.org>,addr=<ann@example.net>: 450 4.2.0 <ann@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html
2026-12-07T20:41:24.100020+00:00 vm courieresmtp: id=00000000000C0741.000000006B1719F8.00006C1B,from=<s@example.org>,addr=<ann@example.net>,status: deferred
2026-12-07T20:46:24.200000+00:00 vm courieresmtp: id=00000000000C0741.000000006B1719F8.00006C1B,from=<s@example.org>,addr=<ann@example.net>,size=2799,success: delivered: mx.example.net [192.0.2.7]
";
    let scratch = scratch_dir("order-courier");
    let d = scratch.path();
    let path = d.join("mail.log");
    std::fs::write(&path, log).unwrap();
    let events = common::ndjson(&["scan"], &path);
    let summary: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e["status"].as_str(),
                e["recipient"].as_str(),
                e["code"].as_str(),
                e["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("bounced"),
                Some("bob@example.net"),
                Some("5.1.1"),
                Some("userunknown")
            ),
            (
                Some("deferred"),
                Some("ann@example.net"),
                Some("4.2.0"),
                Some("greylisted")
            ),
            (
                Some("sent"),
                Some("ann@example.net"),
                Some("2.0.0"),
                Some("delivered")
            ),
        ],
        "{events:#?}"
    );
    let r = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(r["deferrals"]["delivered_later"], 1, "{r:#}");
    // `explain` over the same lines gives each outcome line the same verdict.
    let doc = common::json_of(bouncex().args(["explain", "--json"]).arg(&path));
    for e in &events {
        let f = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["input"]["line"] == e["line"])
            .unwrap();
        for key in ["code", "reason", "bounce"] {
            assert_eq!(f[key], e[key], "{key} at line {}", e["line"]);
        }
    }
}
