//! Retrying as the MTAs do it (every transient finding names Postfix's, Exim's, Sendmail's
//! and Exchange's defaults), shared knowledge-base rows, and the repetition lint of
//! `bouncex kb check`.

mod common;
use common::{bouncex, json_of, scratch_dir};
use predicates::prelude::*;
use serde_json::Value;

fn findings(args: &[&str]) -> Vec<Value> {
    let doc = json_of(bouncex().args(args));
    doc["findings"].as_array().unwrap().clone()
}

/// The first finding `explain --json` gives for `stdin`.
fn first_of_stdin(stdin: &str) -> Value {
    json_of(bouncex().args(["explain", "--json"]).write_stdin(stdin))["findings"][0].clone()
}

/// The MTA row of a finding's retry section.
fn mta<'a>(f: &'a Value, id: &str) -> &'a Value {
    f["retry"]["mta"]
        .as_array()
        .unwrap_or_else(|| panic!("no retry.mta in {}", f["code"]))
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{} names no {id}", f["code"]))
}

fn settings(m: &Value) -> Vec<String> {
    m["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_retry_of_4_3_2_names_postfix_and_exim_real_behaviour() {
    let f = &findings(&["explain", "--json", "4.3.2"])[0];
    let retry = &f["retry"];
    // The first schema's fields stay: a schedule of durations and a give-up time.
    assert_eq!(
        retry["schedule"],
        serde_json::json!(["5m", "5m", "10m", "20m", "40m", "4000s"])
    );
    assert_eq!(retry["schedule_mta"], "postfix");
    assert_eq!(retry["gives_up_after"], "5d");
    let postfix = mta(f, "postfix");
    assert_eq!(postfix["gives_up_after"], "5d");
    for s in [
        "minimal_backoff_time",
        "maximal_backoff_time",
        "queue_run_delay",
        "maximal_queue_lifetime",
    ] {
        assert!(settings(postfix).contains(&s.to_string()), "Postfix: {s}");
    }
    let exim = mta(f, "exim");
    assert_eq!(exim["rule"], "F,2h,15m; G,16h,1h,1.5; F,4d,6h");
    assert_eq!(exim["gives_up_after"], "4d");
    assert_eq!(exim["warns_after"], "24h");
    assert!(exim["schedule"].is_null());
    assert!(settings(exim).contains(&"delay_warning".to_string()));
    // What is no longer there: the schedule that was made up for this code.
    assert_ne!(
        retry["schedule"],
        serde_json::json!(["1h", "4h", "12h", "24h"])
    );
}

#[test]
fn every_transient_finding_carries_the_mta_defaults_and_when_to_step_in() {
    // Every 4.x.x code the knowledge base lists, a subject fallback, a bare basic code, a
    // reply and a log line.
    // Ranges (`4.7.500-699`) are listed as keys, not codes one would meet in a reply.
    let list = json_of(bouncex().args(["list", "--json", "--class", "4", "--no-basic"]));
    let mut codes: Vec<String> = list["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .filter(|c| !c.contains('-'))
        .collect();
    assert!(codes.len() > 90);
    codes.push("4.3.9".into());
    let mut args: Vec<&str> = vec!["explain", "--json"];
    args.extend(codes.iter().map(String::as_str));
    let mut all = findings(&args);
    all.extend(findings(&["explain", "--json", "421"]));
    all.extend(findings(&[
        "explain",
        "--json",
        "451 4.7.1 Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
    ]));
    all.extend(findings(&[
        "explain",
        "--json",
        "Jan 10 10:00:00 mx postfix/smtp[1]: 4BC2A1: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))",
    ]));
    assert!(all.len() >= codes.len() + 3);
    for f in &all {
        assert_eq!(f["class"], "transient", "{}", f["code"]);
        for (id, setting) in [
            ("postfix", "maximal_queue_lifetime"),
            ("exim", "delay_warning"),
            ("sendmail", "Timeout.queuereturn"),
            ("exchange", "MessageExpirationTimeout"),
        ] {
            let m = mta(f, id);
            assert!(
                settings(m).contains(&setting.to_string()),
                "{}: {id} lacks {setting}",
                f["code"]
            );
            assert!(m["summary"].as_str().unwrap().contains(setting) || id == "exim");
            assert!(!m["sources"].as_array().unwrap().is_empty());
        }
        let step_in = f["retry"]["step_in"].as_str().unwrap_or_default();
        assert!(step_in.starts_with("Step in") || step_in.starts_with("Leave"));
    }
}

#[test]
fn greylisting_and_rate_limits_add_what_differs_for_them() {
    let f = &findings(&[
        "explain",
        "--json",
        "451 4.7.1 Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
    ])[0];
    assert_eq!(f["reason"], "greylisted");
    let note = f["retry"]["reason_note"].as_str().unwrap();
    assert!(note.contains("first retry") && note.contains("greylist delay"));
    // A plain deferral carries no reason note, and the general advice on stepping in.
    let f = &findings(&["explain", "--json", "4.3.2"])[0];
    assert!(f["retry"]["reason_note"].is_null());
    assert!(
        f["retry"]["step_in"]
            .as_str()
            .unwrap()
            .starts_with("Leave a single deferral")
    );
    // A code that is permanent in disguise says to step in at once.
    let f = &findings(&["explain", "--json", "4.1.3"])[0];
    assert!(
        f["retry"]["step_in"]
            .as_str()
            .unwrap()
            .starts_with("Step in right away")
    );
}

#[test]
fn the_text_retry_section_names_each_mta_and_its_settings() {
    // The short form says when each MTA gives up; --full names their schedules and settings.
    bouncex()
        .args(["explain", "4.3.2"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Exim 4d, Sendmail 5d, Exchange Server 2d, Courier 7d, OpenSMTPD 4d.",
        ));
    bouncex()
        .args(["explain", "--full", "4.3.2"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("How the sending MTA retries, by default:")
                .and(predicate::str::contains("- Postfix: "))
                .and(predicate::str::contains("maximal_backoff_time (4000s)"))
                .and(predicate::str::contains("- Exim: "))
                .and(predicate::str::contains("- Courier: "))
                .and(predicate::str::contains("warntime (4h)"))
                .and(predicate::str::contains("F,2h,15m; G,16h,1h,1.5; F,4d,6h"))
                .and(predicate::str::contains("Timeout.queuewarn (4h)"))
                .and(predicate::str::contains("MessageExpirationTimeout (2d)"))
                .and(predicate::str::contains("Typical retry schedule").not()),
        );
    // A permanent failure is not retried: no such section.
    bouncex()
        .args(["explain", "5.1.1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("How the sending MTA retries").not());
}

/// The short form gives a greylisting deferral the reason's note alone; the code's note
/// (about every reason 4.7.1 is given for) waits for --full.
#[test]
fn the_short_form_gives_the_reason_note_instead_of_the_codes() {
    let reply = "451 4.7.1 Greylisted, see http://postgrey.schweikert.ch/help/example.org.html";
    let reason_note = "Greylisting lets the message in on the first retry";
    let code_note = "When the text names greylisting";
    let short = common::wide_text(&[reply], "");
    assert!(
        short.contains(reason_note) && !short.contains(code_note),
        "{short}"
    );
    let full = common::wide_text(&["--full", reply], "");
    assert!(
        full.contains(reason_note) && full.contains(code_note),
        "{full}"
    );
    // Without a reason note, the code's own note is the one shown.
    let other = common::wide_text(&["451 4.7.1 Service unavailable, try again later"], "");
    assert!(other.contains(code_note), "{other}");
}

/// The MTA that holds the message, when the input shows which, is the one whose default is
/// given: a log line's program, a report's own template.
#[test]
fn the_mta_holding_the_message_is_named_when_the_input_shows_it() {
    let log = "Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C3D4E5: to=<ops@example.com>, \
        relay=mx.example.com[198.51.100.30]:25, delay=12, delays=0.1/0/11/0.9, dsn=4.3.2, \
        status=deferred (host mx.example.com[198.51.100.30] said: 451 4.3.2 try later (in reply \
        to RCPT TO command))";
    let f = &findings(&["explain", "--json", log])[0];
    assert_eq!(f["retry"]["sending_mta"], "postfix");
    let text = common::wide_text(&[log], "");
    assert!(
        text.contains("Postfix retries on its own") && !text.contains("Exchange Server"),
        "{text}"
    );
    let exim_delay = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
        Subject: Warning: message 1xaWUM-0000ZH-0l delayed 24 hours\n\
        \n\
        This message was created automatically by mail delivery software.\n\
        \n\
        A message that you sent has not yet been delivered to one or more of its\n\
        recipients after more than 24 hours on the queue on mx.example.org.\n\
        \n\
        \x20 bob@example.net\n\
        \x20   Delay reason: SMTP error from remote mail server after RCPT TO:<bob@example.net>:\n\
        \x20   451 4.7.1 Greylisted, please try again later\n";
    let f = first_of_stdin(exim_delay);
    assert_eq!(f["retry"]["sending_mta"], "exim", "{f:#}");
    let f = first_of_stdin(&common::opensmtpd_delay(
        "bob@example.net",
        "Network error on destination MXs",
    ));
    assert_eq!(f["retry"]["sending_mta"], "opensmtpd", "{f:#}");
    assert_eq!(
        f["retry"]["report_horizon"],
        "The message is kept in the queue for up to 7 days"
    );
    // A reply alone does not say who holds the message.
    let f = &findings(&["explain", "--json", "451 4.3.2 try later"])[0];
    assert!(f["retry"]["sending_mta"].is_null());
    assert!(f["retry"]["report_horizon"].is_null());
}

/// A delay notice that says how long its MTA keeps retrying is quoted: the configured queue
/// lifetime, which may not be the default.
#[test]
fn a_delay_notice_says_how_long_its_mta_keeps_retrying() {
    let notice = "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n\
        Subject: Delayed Mail (still being retried)\n\
        \n\
        This is the mail system at host mx.example.org.\n\
        \n\
        ####################################################################\n\
        # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n\
        ####################################################################\n\
        \n\
        Your message could not be delivered for more than 4 hour(s).\n\
        It will be retried until it is 2 day(s) old.\n\
        \n\
        <dee@example.net>: host mx.example.net[192.0.2.9] said: 451 4.3.0 Temporary\n\
        \x20   failure, try again later (in reply to RCPT TO command)\n";
    let f = first_of_stdin(notice);
    assert_eq!(
        f["retry"]["report_horizon"], "It will be retried until it is 2 day(s) old",
        "{f:#}"
    );
    assert_eq!(f["retry"]["sending_mta"], "postfix");
    let text = common::wide_text(&[], notice);
    assert!(
        text.contains("The report says: It will be retried until it is 2 day(s) old."),
        "{text}"
    );
}

/// What `kb check` asks of every overlay entry: public sources and a checked date.
const SOURCED: &str = "sources = [\"RFC 3463 \u{a7}3.4\"]\nchecked = \"2026-12-06\"\n";

const CODE_HEAD: &str = "title = \"Test status\"\nsummary = \"A test.\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\n";

#[test]
fn kb_check_fails_on_a_row_repeated_word_for_word() {
    let scratch = scratch_dir("repeat");
    let dir = scratch.path();
    let path = dir.join("repeat.toml");
    let text = format!(
        "[[code]]\ncode = \"4.3.98\"\n{CODE_HEAD}causes = [\"The spool disk of the test host is full.\"]\n\n[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}causes = [\"The spool disk of the test host is full.\"]\n"
    );
    std::fs::write(&path, text).unwrap();
    bouncex()
        .args(["kb", "check"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(
                "repeat.toml:9:12: cause of 4.3.98 is repeated word for word in 4.3.99",
            )
            .and(predicate::str::contains(
                "repeat.toml:19:12: cause of 4.3.99 is repeated word for word in 4.3.98",
            )),
        );
    // A row copied from a built-in entry counts as well.
    let copied = dir.join("copied.toml");
    std::fs::write(
        &copied,
        format!(
            "[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}[[code.troubleshooting]]\nstage = \"rcpt\"\nsymptom = \"s\"\ncause = \"c\"\nnext_step = \"n\"\n\n[[code]]\ncode = \"4.3.98\"\n{CODE_HEAD}[[code.troubleshooting]]\nstage = \"rcpt\"\nsymptom = \"s\"\ncause = \"c\"\nnext_step = \"n\"\n"
        ),
    )
    .unwrap();
    bouncex()
        .args(["kb", "check"])
        .arg(&copied)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "troubleshooting row of 4.3.99 is repeated",
        ));
    // Loading it with --kb still works: the lint belongs to `kb check`.
    bouncex()
        .args(["explain", "4.3.99", "--kb"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn a_shared_row_is_written_once_and_referenced() {
    let scratch = scratch_dir("shared");
    let dir = scratch.path();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        format!(
            "[[shared]]\nid = \"test-spool-full\"\ntext = \"The spool disk of the test host is full.\"\n\n[[shared]]\nid = \"test-row\"\nstage = \"data\"\nsymptom = \"The test host answers 452 after DATA.\"\ncause = \"Its spool is full.\"\nnext_step = \"Wait for the retry.\"\n\n[[code]]\ncode = \"4.3.98\"\n{CODE_HEAD}{SOURCED}causes = [\"@test-spool-full\"]\n[[code.troubleshooting]]\nshared = \"test-row\"\n\n[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}{SOURCED}causes = [\"@test-spool-full\", \"Its own cause.\"]\n[[code.troubleshooting]]\nshared = \"test-row\"\n"
        ),
    )
    .unwrap();
    bouncex()
        .args(["kb", "check"])
        .arg(&good)
        .assert()
        .success();
    let doc = json_of(
        bouncex()
            .args(["explain", "--json", "4.3.99", "--kb"])
            .arg(&good),
    );
    let f = &doc["findings"][0];
    assert_eq!(
        f["causes"],
        serde_json::json!(["The spool disk of the test host is full.", "Its own cause."])
    );
    assert_eq!(f["troubleshooting"][0]["stage"], "data");
    assert_eq!(f["troubleshooting"][0]["cause"], "Its spool is full.");

    let cases = [
        (
            "unknown.toml",
            format!("[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}causes = [\"@no-such-row\"]\n"),
            "unknown.toml:9:12",
            "`@no-such-row` refers to no shared row",
        ),
        (
            "unknown-row.toml",
            format!(
                "[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}[[code.troubleshooting]]\nshared = \"missing-row\"\n"
            ),
            "unknown-row.toml:10:11",
            "refers to no shared row",
        ),
        (
            "kind.toml",
            format!(
                "[[shared]]\nid = \"a-row\"\nstage = \"data\"\nsymptom = \"s\"\ncause = \"c\"\nnext_step = \"n\"\n\n[[code]]\ncode = \"4.3.99\"\n{CODE_HEAD}causes = [\"@a-row\"]\n"
            ),
            "kind.toml:16:12",
            "is a troubleshooting row, not a cause or fix",
        ),
        (
            "half.toml",
            "[[shared]]\nid = \"half\"\ntext = \"t\"\nstage = \"data\"\n".to_string(),
            "half.toml:2:7",
            "needs either `text`",
        ),
    ];
    for (name, content, position, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        bouncex()
            .args(["kb", "check"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(position).and(predicate::str::contains(message)));
    }
}

#[test]
fn kb_check_reports_how_much_of_the_builtin_is_repeated() {
    bouncex()
        .args(["kb", "check"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(
            r"\d+ of \d+ causes, fixes and troubleshooting rows are written word for word in more than one entry \(\d+\.\d %\)",
        )
        .unwrap());
}

#[test]
fn an_overlay_mta_replaces_the_builtin_one_by_id() {
    let scratch = scratch_dir("mta");
    let dir = scratch.path();
    let path = dir.join("mta.toml");
    std::fs::write(
        &path,
        "[[mta]]\nid = \"postfix\"\nname = \"Postfix (ours)\"\nsummary = \"tuned: maximal_queue_lifetime 1d\"\nretries = \"Our relay keeps mail for one day.\"\nschedule = [\"5m\", \"10m\"]\ngives_up_after = \"1d\"\nsettings = [{ name = \"maximal_queue_lifetime\", default = \"1d\" }]\nsources = [\"our runbook\"]\nchecked = \"2026-12-06\"\n",
    )
    .unwrap();
    let doc = json_of(
        bouncex()
            .args(["explain", "--json", "4.3.2", "--kb"])
            .arg(&path),
    );
    let f = &doc["findings"][0];
    assert_eq!(f["retry"]["gives_up_after"], "1d");
    assert_eq!(f["retry"]["schedule"], serde_json::json!(["5m", "10m"]));
    assert_eq!(mta(f, "postfix")["name"], "Postfix (ours)");
    assert_eq!(mta(f, "exim")["gives_up_after"], "4d");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[mta]]\nid = \"postfix\"\nname = \"P\"\nsummary = \"s\"\nretries = \"r\"\ngives_up_after = \"5 days\"\nsettings = []\nsources = []\nchecked = \"today\"\n",
    )
    .unwrap();
    bouncex()
        .args(["kb", "check"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.toml:6:19: `5 days` is not a duration")
                .and(predicate::str::contains("names no source"))
                .and(predicate::str::contains("`today` is not a date")),
        );
}
