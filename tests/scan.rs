//! `bouncex scan`: metrics over logs (plain, gzip, stdin) and bounce messages.

mod common;
use common::{bouncex, json_of, scratch_dir, scratch_file};
use std::io::Write;

const LOG: &str = "\
Dec 31 23:50:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.2, status=deferred (host mx.example.org[198.51.100.1] said: 451 4.3.2 System not accepting network messages (in reply to RCPT TO command))
Dec 31 23:55:00 mail postfix/smtp[1]: BBBBB22222: to=<b@Example.NET>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection timed out)
Jan  1 00:10:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1200, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jan  1 00:20:00 mail postfix/smtp[1]: CCCCC33333: to=<c@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[198.51.100.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))
Jan  1 00:21:00 mail postfix/smtpd[2]: connect from unknown[192.0.2.1]
";

fn scan_json(args: &[&str], stdin: Option<&[u8]>) -> serde_json::Value {
    let mut cmd = bouncex();
    cmd.args(["scan", "--format", "json"]).args(args);
    if let Some(data) = stdin {
        cmd.write_stdin(data.to_vec());
    }
    json_of(&mut cmd)
}

#[test]
fn json_report_over_a_log_crossing_new_year() {
    let file = scratch_file("scan", "mail.log", LOG);
    let path = file.path();
    let r = scan_json(&[path.to_str().unwrap()], None);
    assert_eq!(r["bouncex"], "1");
    assert_eq!(r["lines"], 5);
    assert_eq!(r["events"], 4);
    assert_eq!(r["by_status"]["deferred"], 2);
    assert_eq!(r["by_status"]["sent"], 1);
    assert_eq!(r["by_status"]["bounced"], 1);
    assert_eq!(r["codes"][0]["count"], 1);
    assert!(
        r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "4.3.2" && c["bounce"] == "soft" && c["title"].is_string())
    );
    assert_eq!(r["domains"][0]["domain"], "example.org");
    assert_eq!(r["domains"][0]["count"], 2);
    assert!(
        r["domains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["domain"] == "example.net"),
        "domains are lower-cased"
    );
    assert!(
        r["remote_hosts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["host"] == "mx.example.net")
    );
    assert_eq!(r["by_hour"].as_array().unwrap().len(), 24);
    assert_eq!(r["by_hour"][23], 2);
    let d = &r["deferrals"];
    assert_eq!(
        (
            d["messages"].as_u64(),
            d["delivered_later"].as_u64(),
            d["pending"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(d["retry_success_rate"], 1.0);
    // 23:50 on Dec 31 to 00:10 on Jan 1 is 20 minutes, not minus a year.
    assert_eq!(d["time_to_delivery_s"]["median"], 1200.0);
}

#[test]
fn gzip_and_stdin_give_the_same_report() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(LOG.as_bytes()).unwrap();
    let file = scratch_file("scan", "mail.log.gz", gz.finish().unwrap());
    let path = file.path();
    let from_gz = scan_json(&[path.to_str().unwrap()], None);
    let from_stdin = scan_json(&[], Some(LOG.as_bytes()));
    assert_eq!(from_gz, from_stdin);
}

#[test]
fn ndjson_prints_one_event_per_attempt() {
    let out = bouncex()
        .args(["scan", "--format", "ndjson", "-"])
        .write_stdin(LOG)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 4);
    let e = &events[0];
    for key in [
        "time",
        "queue_id",
        "recipient",
        "domain",
        "remote_host",
        "status",
        "code",
        "bounce",
    ] {
        assert!(e.get(key).is_some(), "event lacks {key}");
    }
    assert_eq!(e["queue_id"], "AAAAA11111");
    assert_eq!(e["status"], "deferred");
    assert_eq!(events[3]["bounce"], "hard");
}

#[test]
fn text_report_has_tables_chart_and_advice() {
    let out = bouncex()
        .args(["scan", "--color", "never", "-"])
        .write_stdin(LOG)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "Status codes",
        "Recipient domains",
        "Remote servers",
        "Deferrals",
        "retry success rate",
        "by hour",
        "█",
        "What to do",
    ] {
        assert!(text.contains(part), "no {part:?} in\n{text}");
    }
}

/// `stat` earlier in a line (a `stats@` mailbox, a relay named `stats`) once hid the line's
/// `status=` from scan's line filter.
#[test]
fn a_recipient_named_stats_is_still_counted() {
    let log = "\
Jun 10 00:00:12 mail postfix/smtp[1782]: CC1E0C1171: to=<stats@example.com>, relay=mx.stats.example.com[198.51.100.3]:25, delay=1.5, delays=0.1/0/0.3/0.2, dsn=5.1.1, status=bounced (host mx.stats.example.com[198.51.100.3] said: 550 5.1.1 No such user (in reply to RCPT TO command))
";
    let r = scan_json(&[], Some(log.as_bytes()));
    assert_eq!(r["events"], 1, "{r}");
    assert_eq!(r["by_status"]["bounced"], 1, "{r}");
}

#[test]
fn exim_and_sendmail_logs() {
    let log = "\
2026-06-10 12:00:00 1sGxyz-000200-CD == gail@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [198.51.100.8]: SMTP error from remote mail server after RCPT TO:<gail@example.net>: 451 4.7.1 Greylisted
2026-06-10 12:30:00 1sGxyz-000200-CD => gail@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.8]
Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: to=<gina@example.com>, delay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.com. [198.51.100.30], dsn=5.1.1, stat=User unknown
";
    let r = scan_json(&[], Some(log.as_bytes()));
    assert_eq!(r["events"], 3);
    assert_eq!(r["deferrals"]["delivered_later"], 1);
    assert_eq!(r["deferrals"]["time_to_delivery_s"]["max"], 1800.0);
    assert_eq!(r["by_status"]["bounced"], 1);
}

/// Sendmail 8.17 (Debian 12), relaying through a mailertable entry `[127.0.0.1]`: one line
/// for both recipients of a delivery, the server's reply in `reply=`, and an address
/// literal as the relay.
const SENDMAIL_8_17: &str = "\
Dec  7 17:18:49 vm sendmail[16446]: 6B7HInCh016444: to=<ok3@test.example>,<ok2@test.example>, ctladdr=<carol@localhost> (1003/1003), delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=60335, relay=[192.0.2.7] [192.0.2.7], dsn=4.7.1, reply=450 4.7.1 <ok3@test.example>: Recipient address rejected: Rate limit exceeded, please try again later, stat=Deferred: 450 4.7.1 <ok3@test.example>: Recipient address rejected: Rate limit exceeded, please try again later
Dec  7 17:19:49 vm sendmail[16447]: 6B7HInCh016444: to=<ok3@test.example>,<ok2@test.example>, ctladdr=<carol@localhost> (1003/1003), delay=00:01:00, xdelay=00:00:00, mailer=esmtp, pri=60335, relay=[192.0.2.7] [192.0.2.7], dsn=2.0.0, stat=Sent (Ok: queued as 4Fake)
Dec  7 17:18:42 vm sendmail[16238]: 6B7HIgJp016236: to=<r01@test.example>, ctladdr=<alice@localhost> (1001/1001), delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30299, relay=[192.0.2.7] [192.0.2.7], dsn=5.7.1, reply=550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/, stat=User unknown
";

#[test]
fn sendmail_lines_count_each_recipient_and_read_the_servers_reply() {
    let r = scan_json(&[], Some(SENDMAIL_8_17.as_bytes()));
    assert_eq!(r["events"], 5, "{r}");
    assert_eq!(r["deferrals"]["delivered_later"], 2, "{r}");
    // A deferred message Sendmail returns after Timeout.queuereturn: its notice has no stat=.
    let expiring = "\
Dec  7 17:18:51 vm sendmail[16472]: 6B7HIpQP016470: to=<r04@test.example>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30299, relay=[192.0.2.7] [192.0.2.7], dsn=4.2.2, reply=452 4.2.2 Over quota, stat=Deferred: 452 4.2.2 Over quota
Dec  7 17:23:16 vm sendmail[17844]: 6B7HIpQP016470: 6B7HNG8b017844: sender notify: Cannot send message for 4 minutes
";
    let r = scan_json(&[], Some(expiring.as_bytes()));
    assert_eq!(r["by_status"]["expired"], 1, "{r}");
    assert_eq!(r["deferrals"]["expired"], 1, "{r}");
    assert_eq!(r["deferrals"]["pending"], 0, "{r}");
    assert_eq!(r["remote_hosts"][0]["host"], "192.0.2.7", "{r}");
    let doc = json_of(
        bouncex()
            .args(["explain", "--json"])
            .write_stdin(SENDMAIL_8_17.lines().next().unwrap()),
    );
    let findings = doc["findings"].as_array().unwrap();
    let recipients: Vec<&str> = findings
        .iter()
        .map(|f| f["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(recipients, ["ok3@test.example", "ok2@test.example"]);
    assert_eq!(findings[1]["reason"], "ratelimited");
    // "User unknown" is Sendmail's summary of any 550 at RCPT; the reply names an IP block.
    let doc = json_of(
        bouncex()
            .args(["explain", "--json"])
            .write_stdin(SENDMAIL_8_17.lines().nth(2).unwrap()),
    );
    assert_eq!(doc["findings"][0]["reason"], "blocked");
    assert_eq!(doc["findings"][0]["action"], "fix-sender");
    assert_eq!(doc["findings"][0]["code"], "5.7.606");
}

#[test]
fn bounce_messages_in_a_maildir_and_an_mbox() {
    let dsn = "From: MAILER-DAEMON@example.org\r\nTo: sender@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.org\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown\r\n\r\n--B--\r\n";
    let scratch = scratch_dir("maildir");
    let dir = scratch.path();
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("new/1.eml"), dsn).unwrap();
    std::fs::write(dir.join("cur/2.eml"), dsn.replace("gone@", "left@")).unwrap();
    let r = scan_json(&[dir.to_str().unwrap()], None);
    assert_eq!(r["events"], 2);
    assert_eq!(r["by_status"]["bounced"], 2);
    assert_eq!(r["codes"][0]["code"], "5.1.1");
    let mbox = format!(
        "From MAILER-DAEMON Mon Jun 10 11:02:18 2026\n{}\nFrom MAILER-DAEMON Mon Jun 10 11:03:18 2026\n{}\n",
        dsn.replace("\r\n", "\n"),
        dsn.replace("\r\n", "\n").replace("gone@", "other@")
    );
    let file = scratch_file("scan", "bounces.mbox", mbox);
    let path = file.path();
    let r = scan_json(&[path.to_str().unwrap()], None);
    assert_eq!(r["events"], 2);
    assert_eq!(r["domains"][0]["domain"], "example.org");
}

#[test]
fn unreadable_path_is_an_error_and_no_events_is_exit_1() {
    bouncex()
        .args(["scan", "/nonexistent/mail.log"])
        .assert()
        .code(2);
    bouncex()
        .args(["scan", "-"])
        .write_stdin("nothing to see\n")
        .assert()
        .code(1);
}

/// OpenSMTPD's log (6.x `mta delivery` lines, queue.c's `relay: Expire for` lines): an
/// envelope id's first 8 digits are its message's id, so a deferral and its later delivery
/// or expiry are one (message, recipient) pair.
#[test]
fn opensmtpd_log_ties_deferrals_to_their_delivery_or_expiry() {
    let log = "\
Dec  7 10:00:00 mx smtpd[4211]: 7a4e3bec204bdd86 mta delivery evpid=3e39e3b8d7773964 from=<ann@example.org> to=<bob@example.net> rcpt=<-> source=\"192.0.2.4\" relay=\"mx.example.net (192.0.2.8)\" delay=0s result=\"TempFail\" stat=\"451 4.7.1 Greylisted, please try again later\"
Dec  7 10:06:40 mx smtpd[4211]: 7a4e3bec204bdd87 mta delivery evpid=3e39e3b8d7773964 from=<ann@example.org> to=<bob@example.net> rcpt=<-> source=\"192.0.2.4\" relay=\"mx.example.net (192.0.2.8)\" delay=6m result=\"Ok\" stat=\"250 2.0.0 Ok: queued as 4F1A2B\"
Dec  7 10:10:00 mx smtpd[4211]: 7a4e3bec204bdd88 mta delivery evpid=91aa00c2a1b2c3d4 from=<ann@example.org> to=<cat@example.com> rcpt=<-> source=\"192.0.2.4\" relay=\"mx.example.com (192.0.2.9)\" delay=0s result=\"TempFail\" stat=\"452 4.2.2 Mailbox full\"
Dec 11 10:10:01 mx smtpd[4209]: relay: Expire for 91aa00c2a1b2c3d4: from=<ann@example.org>, to=<cat@example.com>, rcpt=<->, delay=4d, stat=Envelope expired
Dec 11 11:00:00 mx smtpd[4211]: 7a4e3bec204bdd89 mta delivery evpid=5b5b5b5b01020304 from=<ann@example.org> to=<dan@example.org> rcpt=<-> source=\"192.0.2.4\" relay=\"mx.example.org (192.0.2.10)\" delay=0s result=\"PermFail\" stat=\"550 5.1.1 <dan@example.org>: Recipient address rejected: User unknown\"
";
    let r = scan_json(&["-"], Some(log.as_bytes()));
    assert_eq!(r["by_status"]["sent"], 1, "{r:#}");
    assert_eq!(r["by_status"]["deferred"], 2);
    assert_eq!(r["by_status"]["bounced"], 1);
    assert_eq!(r["by_status"]["expired"], 1);
    assert_eq!((r["soft"].clone(), r["hard"].clone()), (2.into(), 1.into()));
    let d = &r["deferrals"];
    assert_eq!(d["messages"], 2, "{d:#}");
    assert_eq!(d["delivered_later"], 1);
    assert_eq!(d["expired"], 1);
    assert_eq!(d["time_to_delivery_s"]["median"], 400.0);
    assert_eq!(r["greylisted"], 1);
    let hosts: Vec<&str> = r["remote_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["host"].as_str())
        .collect();
    assert!(hosts.contains(&"mx.example.com"), "{hosts:?}");
}
