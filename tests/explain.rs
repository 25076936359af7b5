//! `bouncex explain`: every input form, the JSON contract, exit codes, safety.

mod common;
use common::{bouncex, explain_json, first};

#[test]
fn text_explanation_of_4_3_2_has_every_section() {
    let out = bouncex().args(["explain", "4.3.2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "4.3.2",
        "soft bounce (temporary)",
        "What it means",
        "What happens next",
        "Common causes",
        "How to fix it",
        "As the sender",
        "As the receiving system's admin",
        "Troubleshooting by SMTP stage",
        "Related codes",
        "4.3.1",
    ] {
        assert!(text.contains(section), "missing {section:?} in:\n{text}");
    }
}

#[test]
fn json_for_4_3_2_has_every_spec_field_filled() {
    let doc = explain_json("4.3.2");
    assert_eq!(doc["bouncex"], "1");
    let f = first(&doc);
    for key in [
        "input",
        "code",
        "code_source",
        "basic",
        "match",
        "class",
        "bounce",
        "reason",
        "action",
        "severity",
        "title",
        "subject",
        "summary",
        "meaning",
        "references",
        "retry",
        "causes",
        "fixes",
        "stage",
        "troubleshooting",
        "provider",
        "recipient",
        "remote_host",
        "server_text",
        "related",
        "warnings",
    ] {
        assert!(f.get(key).is_some(), "field {key} is absent");
    }
    assert_eq!(f["code"], "4.3.2");
    assert_eq!(f["bounce"], "soft");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["match"], "exact");
    assert_eq!(f["action"], "retry");
    assert_eq!(f["input"]["kind"], "code");
    assert!(f["meaning"].as_str().unwrap().len() > 100);
    assert!(f["causes"].as_array().unwrap().len() >= 4);
    assert!(!f["fixes"]["sender"].as_array().unwrap().is_empty());
    assert!(!f["fixes"]["admin"].as_array().unwrap().is_empty());
    assert!(!f["retry"]["schedule"].as_array().unwrap().is_empty());
    assert!(f["retry"]["gives_up_after"].is_string());
    assert!(!f["troubleshooting"].as_array().unwrap().is_empty());
    assert!(
        f["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "4.3.1")
    );
    assert!(f["provider"].is_null() && f["recipient"].is_null() && f["stage"].is_null());
}

#[test]
fn a_reply_is_parsed_into_its_parts() {
    let doc = explain_json("452 4.3.1 Insufficient system storage");
    let f = first(&doc);
    assert_eq!(f["basic"], 452);
    assert_eq!(f["code"], "4.3.1");
    assert_eq!(f["reason"], "systemfull");
    assert_eq!(f["server_text"], "Insufficient system storage");
    assert_eq!(f["input"]["kind"], "reply");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn unquoted_arguments_are_one_reply_and_two_codes_are_two_findings() {
    let out = bouncex()
        .args([
            "explain",
            "--json",
            "451",
            "4.3.2",
            "System",
            "not",
            "accepting",
            "network",
            "messages",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["basic"], 451);
    let out = bouncex()
        .args(["explain", "--json", "4.3.1", "4.2.2"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["4.3.1", "4.2.2"]);
}

#[test]
fn multi_line_reply_is_one_finding() {
    let input = "550-5.7.25 [203.0.113.9] The IP address sending this message does not have a\n\
                 550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not\n\
                 550 5.7.25 point to the sending IP. - gsmtp";
    let doc = explain_json(input);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(first(&doc)["code"], "5.7.25");
    assert!(
        !first(&doc)["server_text"]
            .as_str()
            .unwrap()
            .contains("550-")
    );
}

#[test]
fn several_statuses_on_stdin_in_order() {
    let doc = explain_json("attempt 1: 421 4.7.0 Try again later\nattempt 2: 250 2.0.0 OK\n");
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0]["code"].as_str(), f[1]["code"].as_str()),
        (Some("4.7.0"), Some("2.0.0"))
    );
    assert_eq!(f[1]["bounce"], "none");
    assert_eq!(f[1]["input"]["line"], 2);
}

#[test]
fn basic_code_alone() {
    let f = explain_json("421");
    assert_eq!(first(&f)["basic"], 421);
    assert_eq!(first(&f)["bounce"], "soft");
    assert_eq!(first(&f)["input"]["kind"], "basic");
    let f = explain_json("552 Message size exceeds fixed limit");
    assert_eq!(first(&f)["basic"], 552);
    assert_eq!(first(&f)["bounce"], "hard");
}

#[test]
fn class_mismatch_warns_and_the_basic_code_decides() {
    let f = explain_json("450 5.2.2 Mailbox is full");
    let f = first(&f);
    assert_eq!(f["basic"], 450);
    assert_eq!(f["bounce"], "soft");
    assert_eq!(f["action"], "retry");
    assert!(f["warnings"][0].as_str().unwrap().contains("RFC 3463"));
}

#[test]
fn unregistered_codes_fall_back_to_subject_then_class() {
    let f = explain_json("5.1.99");
    assert_eq!(
        (first(&f)["match"].as_str(), first(&f)["bounce"].as_str()),
        (Some("subject"), Some("hard"))
    );
    let f = explain_json("4.8.2");
    assert_eq!(
        (first(&f)["match"].as_str(), first(&f)["bounce"].as_str()),
        (Some("class"), Some("soft"))
    );
}

#[test]
fn dotted_numbers_that_are_not_codes() {
    let codes = |input: &str| -> Vec<String> {
        let out = bouncex()
            .args(["explain", "--json", input])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let findings = doc["findings"].as_array().cloned().unwrap_or_default();
        findings
            .iter()
            .map(|f| f["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(!codes("Connection refused by 4.2.2.2").contains(&"4.2.2".to_string()));
    assert!(!codes("relay=5.1.1.1[5.1.1.1]:25 status=deferred").contains(&"5.1.1".to_string()));
    let f = explain_json(
        "421 4.7.0 [TSS04] Messages from 198.51.100.77 temporarily deferred due to user complaints - 4.16.55.1",
    );
    assert_eq!(f["findings"].as_array().unwrap().len(), 1);
    assert_eq!(first(&f)["code"], "4.7.0");
    assert!(!codes("220 mail.example.org ESMTP Postfix 3.5.6").contains(&"3.5.6".to_string()));
}

#[test]
fn exit_status_follows_grep() {
    bouncex()
        .args([
            "explain",
            "Thanks for your message, I am out of the office until Monday.",
        ])
        .assert()
        .code(1);
    bouncex()
        .args(["explain", "--no-such-flag"])
        .assert()
        .code(2);
    bouncex().args(["list", "--class", "3"]).assert().code(2);
}

#[test]
fn escape_sequences_from_the_input_are_shown_escaped() {
    let input =
        "554 5.7.1 \u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7}";
    let out = bouncex()
        .args(["explain", "--color", "never"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\x1b[31mred"));
    let out = bouncex()
        .args(["explain", "--color", "always"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\u{1b}]8;;"),
        "no raw OSC from the input"
    );
}

#[test]
fn ndjson_prints_one_finding_per_line() {
    let out = bouncex()
        .args(["explain", "--format", "ndjson"])
        .write_stdin("4.3.1\n5.1.1\n")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let f: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(f["code"], "5.1.1");
    assert_eq!(f["action"], "suppress");
}

#[test]
fn invalid_utf8_and_binary_input_do_not_panic() {
    let mut input = vec![0xff, 0xfe, 0x00, 0x1b, b'\n'];
    input.extend_from_slice(b"550 5.1.1 user unknown\n\xc3\x28\n");
    let out = bouncex()
        .args(["explain", "--json"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn text_without_a_code_is_inferred_and_says_so() {
    let f = explain_json("Sorry, no mailbox here by that name.");
    let f = first(&f);
    assert_eq!(f["code_source"], "inferred");
    assert_eq!(f["reason"], "userunknown");
    assert!(f["warnings"][0].as_str().unwrap().contains("inferred"));
}

#[test]
fn closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncex"))
        .args(["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status:?}");
    assert!(err.is_empty(), "stderr: {err}");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let esc = |args: &[&str], no_color: bool| {
        let mut cmd = bouncex();
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.args(args).output().unwrap();
        out.stdout.contains(&0x1b)
    };
    assert!(esc(&["explain", "--color", "always", "4.3.2"], false));
    assert!(!esc(&["explain", "--color", "never", "4.3.2"], false));
    assert!(!esc(&["explain", "--color", "auto", "4.3.2"], true));
    assert!(!esc(&["explain", "4.3.2"], false), "a pipe gets no colour");
    assert!(
        !esc(&["explain", "--color", "always", "--json", "4.3.2"], false),
        "JSON is never coloured"
    );
}

#[test]
fn coloured_output_styles_the_verdict_instead_of_showing_its_escapes() {
    let out = bouncex()
        .args(["explain", "--color", "always", "5.1.1"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("\\x1b"),
        "a style was escaped as text: {text}"
    );
    assert!(text.contains("\x1b[31;1mhard bounce (permanent)\x1b[0m"));
}

#[test]
fn greylisting_is_its_own_reason_and_is_retried() {
    for reply in [
        "450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
        "451 4.7.1 Greylisting in action, please come back later",
        // Rspamd's greylisting module says only this by default; postgrey by name.
        "451 4.7.1 Try again later",
        "450 4.7.1 <bob@example.org>: Recipient address rejected: Delayed by postgrey",
    ] {
        let doc = explain_json(reply);
        let f = first(&doc);
        assert_eq!(f["reason"], "greylisted", "{reply}");
        assert_eq!(f["action"], "retry", "{reply}");
        assert_eq!(f["bounce"], "soft", "{reply}");
    }
    // A refusal that names its cause besides is not the greylisting delay.
    let doc = explain_json("421 4.7.0 Service unavailable, try again later");
    assert_ne!(first(&doc)["reason"], "greylisted");
}

#[test]
fn wording_that_is_not_what_the_code_suggests() {
    // A receiver whose own TLS set-up failed: its problem, not a block of the sender.
    let f = explain_json("454 4.7.0 TLS not available due to local problem");
    assert_eq!(first(&f)["reason"], "systemerror");
    assert_eq!(first(&f)["action"], "retry");
    // Mimecast links the same DOC-1369#451 anchor from every 451; the words decide.
    let f = explain_json(
        "451 Open relay not allowed - https://community.mimecast.com/docs/DOC-1369#451 [x.us1]",
    );
    assert_eq!(first(&f)["provider"]["id"], "mimecast");
    assert_eq!(first(&f)["reason"], "norelaying");
    let f = explain_json(
        "451 Internal resources are temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451",
    );
    assert_eq!(first(&f)["reason"], "greylisted");
}

#[test]
fn a_disabled_account_under_a_security_code_is_the_senders_login() {
    let f = explain_json("525 5.7.13 User account disabled (in reply to AUTH command)");
    assert_eq!(first(&f)["reason"], "securityerror");
    assert_eq!(first(&f)["action"], "fix-sender");
    let f = explain_json("550 5.2.1 <bob@example.org>... Mailbox disabled for this recipient");
    assert_eq!(first(&f)["reason"], "suspend");
}

#[test]
fn wording_without_a_class_is_read_as_permanent() {
    for text in ["Error 550: no such user", "no such user"] {
        let f = explain_json(text);
        assert_eq!(first(&f)["code"], "5.1.1", "{text}");
        assert_eq!(first(&f)["bounce"], "hard", "{text}");
    }
}

#[test]
fn words_a_rule_knows_give_a_finding_without_any_code() {
    // No code, no reply code, no code entry's wording: the rule's reason still stands, at
    // its class-level code, permanent unless the reason comes as a deferral by nature.
    for (text, reason, code) in [
        (
            "Message is likely spam. Threshold is 5.0 and the message scored 7.2.",
            "spamdetected",
            "5.0.0",
        ),
        ("Message infected by virus", "virusdetected", "5.0.0"),
        ("BAD DESTINATION MAILBOX ADDRESS", "userunknown", "5.1.1"),
        (
            "<bob@example.org> (too many concurrent connections to remote server)",
            "toomanyconn",
            "4.0.0",
        ),
    ] {
        let doc = explain_json(text);
        let f = first(&doc);
        assert_eq!(f["reason"], reason, "{text}");
        assert_eq!(f["code"], code, "{text}");
        assert_eq!(f["code_source"], "inferred", "{text}");
    }
    // Words nothing recognises still give nothing (exit 1).
    bouncex()
        .args(["explain", "Thanks for your order, it ships tomorrow."])
        .assert()
        .code(1);
}

#[test]
fn wording_refines_a_broad_code_and_the_stage_decides_a_bare_refusal() {
    let doc = explain_json("554 5.7.1 Spam message rejected");
    assert_eq!(first(&doc)["reason"], "spamdetected");
    assert_eq!(first(&doc)["action"], "fix-sender");
    let doc = explain_json(
        "Jun 10 10:00:00 mx postfix/smtp[1]: 1A2B3C: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.7.1 Access denied (in reply to MAIL FROM command))",
    );
    assert_eq!(first(&doc)["stage"], "mail");
    assert_eq!(first(&doc)["reason"], "rejected");
}

#[test]
fn headerless_gmail_text_names_gmail() {
    // Copied out of a bounce without the host name or `gsmtp`: Gmail names itself.
    let f = explain_json(
        "421 4.7.26 This mail has been rate limited because it is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.",
    );
    assert_eq!(first(&f)["provider"]["id"], "gmail");
    assert_eq!(first(&f)["reason"], "authfailure");
    // A Gmail address in the text is the recipient, not the server that answered.
    let f = explain_json("550 5.1.1 <bob@gmail.example> User unknown");
    assert!(first(&f)["provider"].is_null());
}

#[test]
fn size_wording_under_a_mailbox_code_is_the_mailboxs_own_limit() {
    // RFC 3463 X.2.3: a per-mailbox limit below the system's; the RFC 1870 wording that
    // comes with it does not make it the system's limit.
    let f = explain_json("552 5.2.3 Message size exceeds fixed maximum message size (10485760)");
    assert_eq!(first(&f)["reason"], "exceedlimit");
    let f = explain_json("552 5.3.4 Message size exceeds fixed maximum message size");
    assert_eq!(first(&f)["reason"], "mesgtoobig");
}

#[test]
fn outlooks_mailbox_unavailable_under_5_5_0_is_a_missing_mailbox() {
    // Hotmail's answer for an address it does not have: the X.5.0 names no protocol fault.
    let f =
        explain_json("550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).");
    assert_eq!(first(&f)["reason"], "userunknown");
    assert_eq!(first(&f)["action"], "suppress");
    // A real protocol refusal under the same code stays one.
    let f = explain_json("550 5.5.0 Syntax error, command unrecognized");
    assert_eq!(first(&f)["reason"], "syntaxerror");
}

/// Postfix skips a server whose greeting is a 5xx (smtp_skip_5xx_greeting) and logs the
/// attempt as `dsn=4.0.0, status=deferred`: the message is queued for another try, so the
/// MTA's outcome and its code side against the remote's 554, and nothing warns.
#[test]
fn a_deferral_the_mta_logged_stays_temporary_whatever_the_remote_said() {
    let line = "Dec 07 10:54:39 mx postfix/smtp[19195]: 2C90EF0190: to=<ann@example.net>, \
                relay=mx.example.net[192.0.2.8]:25, delay=0, delays=0/0/0/0, dsn=4.0.0, \
                status=deferred (host mx.example.net[192.0.2.8] refused to talk to me: 554 \
                mx.example.net ESMTP not accepting messages)";
    let doc = explain_json(line);
    let f = first(&doc);
    assert_eq!(f["basic"], 554, "{f:#}");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["bounce"], "soft");
    assert_eq!(f["action"], "retry");
    assert_eq!(f["warnings"].as_array().map_or(0, Vec::len), 0, "{f:#}");
    let scan = common::json_of(
        bouncex()
            .args(["scan", "--format", "json"])
            .write_stdin(format!("{line}\n")),
    );
    assert_eq!(scan["soft"], 1, "{scan:#}");
    assert_eq!(scan["hard"], 0);
}

/// An OpenSMTPD delivery attempt: its reply, recipient and relay, and OpenSMTPD's own
/// retry defaults (it holds the message).
#[test]
fn opensmtpd_log_line_is_explained_with_its_retry_defaults() {
    let line = "Dec  7 10:54:39 mx smtpd[4211]: 7a4e3bec204bdd86 mta delivery \
                evpid=3e39e3b8d7773964 from=<ann@example.org> to=<bob@example.net> rcpt=<-> \
                source=\"192.0.2.4\" relay=\"mx.example.net (192.0.2.8)\" delay=0s \
                result=\"TempFail\" stat=\"452 4.2.2 Mailbox full\"";
    let doc = explain_json(line);
    let f = first(&doc);
    assert_eq!(f["input"]["kind"], "log", "{f:#}");
    assert_eq!(f["code"], "4.2.2");
    assert_eq!(f["recipient"], "bob@example.net");
    assert_eq!(f["remote_host"], "mx.example.net");
    assert_eq!(f["outcome"], "deferred");
    assert_eq!(f["retry"]["sending_mta"], "opensmtpd");
}

/// A bare 552 asks the recipient to make room (RFC 5321 §4.2.2, storage exceeded); when its
/// words name another reason, that reason's action applies, not the code's.
#[test]
fn a_codes_action_follows_its_own_reason_only() {
    let storage = explain_json("552 Requested mail action aborted: exceeded storage allocation");
    assert_eq!(first(&storage)["reason"], "mailboxfull");
    assert_eq!(first(&storage)["action"], "contact-recipient");
    let header = explain_json("552 A message header line is too long");
    assert_eq!(first(&header)["reason"], "contenterror");
    assert_eq!(first(&header)["action"], "fix-sender");
}

/// A delivery-status block pasted as one quoted argument reads as it does from standard input:
/// its Final-Recipient and Diagnostic-Code belong together.
#[test]
fn a_multi_line_argument_reads_like_standard_input() {
    let block = "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.0.0\n\
                 Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table\n";
    let from_argument = explain_json(block);
    let piped = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(block)
        .output()
        .unwrap();
    let piped: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(from_argument["findings"], piped["findings"]);
    let f = first(&from_argument);
    assert_eq!(f["recipient"], "bob@example.org");
    assert_eq!(f["code"], "5.1.1");
    assert_eq!(f["reason"], "userunknown");
    assert_eq!(from_argument["findings"].as_array().unwrap().len(), 1);
}

/// A line copied out of a Postfix bounce reads the same as an argument and piped: the failed
/// recipient it names is kept either way.
#[test]
fn a_bounce_line_as_an_argument_keeps_its_recipient() {
    let line = "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)";
    let out = bouncex()
        .args(["explain", "--format", "json", line])
        .output()
        .unwrap();
    let from_argument: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_argument["findings"], explain_json(line)["findings"]);
    assert_eq!(first(&from_argument)["recipient"], "bob@example.org");
    assert_eq!(first(&from_argument)["stage"], "rcpt");
}

#[test]
fn pasted_replies_and_rejection_lines_name_their_recipient() {
    // Postfix's own reply format names the address it refuses (smtpd_check.c).
    let f = first(&explain_json(
        "554 5.7.1 <bob@example.org>: Relay access denied",
    ))
    .clone();
    assert_eq!(f["recipient"], "bob@example.org");
    assert_eq!(f["reason"], "norelaying");
    // A sender refusal names no recipient.
    let doc = explain_json("553 5.7.1 <a@example.net>: Sender address rejected: not owned by user");
    assert!(first(&doc)["recipient"].is_null());
    // Exchange names it after "Unable to relay for", Haraka after "recipient".
    let doc = explain_json("550 5.7.1 Unable to relay for bob@example.org");
    assert_eq!(first(&doc)["recipient"], "bob@example.org");
    let doc = explain_json(
        "[outbound] recipient <bob@example.org> rejected: 550 5.1.1 The email account that you tried to reach does not exist.",
    );
    assert_eq!(first(&doc)["recipient"], "bob@example.org");
    // Exim echoes the command it was answered for.
    let doc = explain_json(
        "H=mx.example.org [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 No such user",
    );
    assert_eq!(first(&doc)["recipient"], "bob@example.org");
    // A Postfix rejection line: the recipient in `to=`, the command refused as the stage,
    // and the envelope after the words left out of them.
    let doc = explain_json(
        "Jun  1 01:06:28 mx postfix/smtpd[2376]: NOQUEUE: reject: RCPT from mail.example.net[192.0.2.22]: 554 5.7.1 Service unavailable; Client host [192.0.2.22] blocked using zen.spamhaus.org; from=<a@example.net> to=<bob@example.org> proto=ESMTP helo=<mail.example.net>",
    );
    let f = first(&doc);
    assert_eq!(f["recipient"], "bob@example.org");
    assert_eq!(f["stage"], "rcpt");
    assert_eq!(f["reason"], "blocked");
    assert!(
        !f["server_text"].as_str().unwrap().contains("proto=ESMTP"),
        "{f:#}"
    );
    let doc = explain_json(
        "May  7 23:04:43 mx postfix/cleanup[717]: 0437429007C5: milter-reject: END-OF-MESSAGE from mail.example.net[192.0.2.22]: 5.7.1 Spam message rejected; from=<a@example.net> to=<bob@example.org> proto=ESMTP helo=<mail.example.net>",
    );
    assert_eq!(first(&doc)["recipient"], "bob@example.org");
    assert_eq!(first(&doc)["stage"], "end-of-data");
}

#[test]
fn an_exim_reply_below_its_command_line_takes_that_stage() {
    // Exim reports put the reply on the lines below "... after <command>:".
    let text = "    SMTP error from remote mail server after end of data:\n\
                \x20   550-5.7.1 This message is not RFC 5322 compliant. There are multiple\n\
                \x20   550 5.7.1 Reply-To headers. - gsmtp\n";
    let doc = explain_json(text);
    assert_eq!(first(&doc)["stage"], "end-of-data", "{doc:#}");
    assert_eq!(first(&doc)["reason"], "notcompliantrfc");
}

#[test]
fn a_postfix_delivery_line_pasted_from_its_queue_id_on_is_a_log_line() {
    let doc = explain_json(
        "3019218337A: to=<bob@example.org>, relay=mx.example.org[192.0.2.27]:25, delay=2.9, delays=0.18/0.05/2.4/0.28, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.27] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command))",
    );
    let f = first(&doc);
    assert_eq!(f["input"]["kind"], "log");
    assert_eq!(f["recipient"], "bob@example.org");
    assert_eq!(f["remote_host"], "mx.example.org");
    assert_eq!(f["outcome"], "bounced");
    assert_eq!(f["reason"], "userunknown");
}

/// The case proptest found: Postfix's own `status=expired` with a 451 left over in the text is
/// an expiry: 4.4.7, transient, as RFC 3463 §3.5 says X.4.7 is, and a soft bounce to retry
/// later, not a refusal.
#[test]
fn an_expired_outcome_outranks_a_stray_451() {
    let doc = explain_json("postfix/smtp[123]: 4B7C21F3A9: status=expired 451");
    let f = first(&doc);
    assert_eq!(f["code"], "4.4.7");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["bounce"], "soft");
    assert_eq!(f["reason"], "expired");
    assert_eq!(f["action"], "retry");
}

/// A session transcript in MailKit's protocol-log form (`C: ` for the client, `S: ` for the
/// server) is read as a transcript, not as a message whose headers are `C` and `S`; the
/// command before a reply is its stage.
#[test]
fn a_client_server_transcript_is_no_message() {
    let doc = explain_json(
        "C: EHLO client.example.net\nS: 250 OK\nC: DATA\nS: 554 5.7.1 Relaying denied\n",
    );
    let f = &doc["findings"][1];
    assert_eq!(f["reason"], "norelaying", "{doc}");
    assert_eq!(f["stage"], "data", "{doc}");
    // With a recipient named it reads as a pasted bounce body: still a finding for it.
    let doc = explain_json(
        "C: MAIL FROM:<a@example.net>\nS: 250 OK\nC: RCPT TO:<b@example.org>\nS: 550 5.7.1 Relaying denied\n",
    );
    assert_eq!(first(&doc)["recipient"], "b@example.org", "{doc}");
    assert_eq!(first(&doc)["reason"], "norelaying", "{doc}");
}
