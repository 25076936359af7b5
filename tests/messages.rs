//! `bouncex explain < bounce.eml`: whole bounce messages, one finding per failed recipient,
//! read from the failure part only. Every fixture is synthetic and written here.

mod common;
use common::{bouncex, explain_json, explain_stdin, first, qmail_bounce};
use serde_json::Value;

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings array")
}

fn by_recipient<'a>(doc: &'a Value, rcpt: &str) -> &'a Value {
    findings(doc)
        .iter()
        .find(|f| f["recipient"] == rcpt)
        .unwrap_or_else(|| panic!("no finding for {rcpt} in {doc:#}"))
}

fn codes(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["code"].as_str().unwrap_or("null").to_string())
        .collect()
}

const DSN_TWO_RECIPIENTS: &str = "\
Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary=\"B0UNDARY/mx.example.org\"

This is a MIME-encapsulated message.

--B0UNDARY/mx.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: base64

VGhpcyBpcyB0aGUgbWFpbCBzeXN0ZW0gYXQgaG9zdCBteC5leGFtcGxlLm9yZy4KCkknbSBzb3Jy
eSB0byBoYXZlIHRvIGluZm9ybSB5b3UgdGhhdCB5b3VyIG1lc3NhZ2UgY291bGQgbm90CmJlIGRl
bGl2ZXJlZCB0byBvbmUgb3IgbW9yZSByZWNpcGllbnRzLgoKPGFubkBleGFtcGxlLm5ldD46IGhv
c3QgbXguZXhhbXBsZS5uZXRbMTkyLjAuMi4xMF0gc2FpZDogNTUwIDUuMS4xCiAgICA8YW5uQGV4
YW1wbGUubmV0PjogUmVjaXBpZW50IGFkZHJlc3MgcmVqZWN0ZWQ6IFVzZXIgdW5rbm93biAoaW4g
cmVwbHkgdG8gUkNQVAogICAgVE8gY29tbWFuZCkK

--B0UNDARY/mx.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

UmVwb3J0aW5nLU1UQTogZG5zOyBteC5leGFtcGxlLm9yZwpBcnJpdmFsLURhdGU6IE1vbiwgMyBK
dW4gMjAyNCAxMDowMDowMCArMDAwMAoKRmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFubkBleGFt
cGxlLm5ldApPcmlnaW5hbC1SZWNpcGllbnQ6IHJmYzgyMjthbm5AZXhhbXBsZS5uZXQKQWN0aW9u
OiBmYWlsZWQKU3RhdHVzOiA1LjEuMQpSZW1vdGUtTVRBOiBkbnM7IG14LmV4YW1wbGUubmV0CkRp
YWdub3N0aWMtQ29kZTogc210cDsgNTUwIDUuMS4xIDxhbm5AZXhhbXBsZS5uZXQ+OiBSZWNpcGll
bnQgYWRkcmVzcyByZWplY3RlZDoKICAgIFVzZXIgdW5rbm93bgoKRmluYWwtUmVjaXBpZW50OiBy
ZmM4MjI7IGJvYkBleGFtcGxlLmNvbQpBY3Rpb246IGRlbGF5ZWQKU3RhdHVzOiA0LjIuMgpSZW1v
dGUtTVRBOiBkbnM7IG14LmV4YW1wbGUuY29tCkRpYWdub3N0aWMtQ29kZTogc210cDsgNDUyLTQu
Mi4yIFRoZSBlbWFpbCBhY2NvdW50IHRoYXQgeW91IHRyaWVkIHRvIHJlYWNoIGlzIG92ZXIKICAg
IHF1b3RhLiA0NTIgNC4yLjIgUGxlYXNlIGRpcmVjdCB0aGUgcmVjaXBpZW50IHRvIHRoZSBoZWxw
IHBhZ2UuCldpbGwtUmV0cnktVW50aWw6IFdlZCwgNSBKdW4gMjAyNCAxMDowMDowMCArMDAwMAo=

--B0UNDARY/mx.example.org
Content-Description: Undelivered Message
Content-Type: message/rfc822

From: sender@example.org
To: ann@example.net, bob@example.com
Subject: quarterly report

As discussed: our old server answered 550 5.7.1 Relaying denied last week.

--B0UNDARY/mx.example.org--
";

#[test]
fn dsn_with_two_recipients_and_base64_parts() {
    let doc = explain_json(DSN_TWO_RECIPIENTS);
    assert_eq!(findings(&doc).len(), 2, "{doc:#}");
    let ann = by_recipient(&doc, "ann@example.net");
    assert_eq!(ann["input"]["kind"], "dsn");
    assert_eq!(ann["code"], "5.1.1");
    assert_eq!(ann["basic"], 550);
    assert_eq!(ann["class"], "permanent");
    assert_eq!(ann["reason"], "userunknown");
    assert_eq!(ann["action"], "suppress");
    assert_eq!(ann["outcome"], "failed");
    assert_eq!(ann["remote_host"], "mx.example.net");
    // The fields do not name the stage; the human-readable part does.
    assert_eq!(ann["stage"], "rcpt");
    assert_eq!(
        ann["server_text"],
        "<ann@example.net>: Recipient address rejected: User unknown"
    );
    let bob = by_recipient(&doc, "bob@example.com");
    assert_eq!(bob["code"], "4.2.2");
    assert_eq!(bob["basic"], 452);
    assert_eq!(bob["bounce"], "soft");
    assert_eq!(bob["outcome"], "delayed");
    assert_eq!(bob["reason"], "mailboxfull");
    assert_eq!(bob["action"], "retry");
    // A flattened multi-line reply: its repeated `452 4.2.2` prefixes are gone.
    assert_eq!(
        bob["server_text"],
        "The email account that you tried to reach is over quota. Please direct the recipient to the help page."
    );
    // The quoted original's code is not the bounce's.
    assert!(!codes(&doc).contains(&"5.7.1".to_string()));
}

#[test]
fn qmail_bounce_with_two_recipients() {
    let doc = explain_json(
        "From: MAILER-DAEMON@mx.example.jp\n\
         To: sender@example.jp\n\
         Subject: failure notice\n\
         \n\
         Hi. This is the qmail-send program at mx.example.jp.\n\
         I'm afraid I wasn't able to deliver your message to the following addresses.\n\
         This is a permanent error; I've given up. Sorry it didn't work out.\n\
         \n\
         <amy@example.net>:\n\
         Sorry, no mailbox here by that name. (#5.1.1)\n\
         \n\
         <ben@example.org>:\n\
         192.0.2.5 does not like recipient.\n\
         Remote host said: 552 5.2.2 <ben@example.org>: Mailbox full\n\
         Giving up on 192.0.2.5.\n\
         \n\
         --- Below this line is a copy of the message.\n\
         \n\
         From: sender@example.jp\n\
         To: amy@example.net, ben@example.org\n\
         Subject: hello\n\
         \n\
         The gateway said 554 5.7.1 last time.\n",
    );
    assert_eq!(codes(&doc), ["5.1.1", "5.2.2"]);
    let amy = by_recipient(&doc, "amy@example.net");
    assert_eq!(amy["reason"], "userunknown");
    assert_eq!(amy["action"], "suppress");
    assert_eq!(amy["input"]["line"], 9);
    let ben = by_recipient(&doc, "ben@example.org");
    assert_eq!(ben["basic"], 552);
    assert_eq!(ben["reason"], "mailboxfull");
    assert_eq!(ben["action"], "contact-recipient");
    assert_eq!(ben["remote_host"], "192.0.2.5");
}

#[test]
fn exim_bounce_quoted_printable() {
    let doc = explain_json(
        "From: Mail Delivery System <Mailer-Daemon@mail.example.org>\n\
         To: sender@example.org\n\
         Subject: Mail delivery failed: returning message to sender\n\
         X-Failed-Recipients: carol@example.com\n\
         Auto-Submitted: auto-replied\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=iso-8859-1\n\
         Content-Transfer-Encoding: quoted-printable\n\
         \n\
         This message was created automatically by mail delivery software.\n\
         \n\
         A message that you sent could not be delivered to one or more of its\n\
         recipients. This is a permanent error. The following address(es) failed:\n\
         \n\
         \x20\x20carol@example.com\n\
         \x20\x20\x20\x20host mx.example.com [192.0.2.20]\n\
         \x20\x20\x20\x20SMTP error from remote mail server after RCPT TO:<carol@example.com>:\n\
         \x20\x20\x20\x20550 5.1.1 <carol@example.com>: Recipient address rejected: Utilisateur =\n\
         inconnu (r=E9f. 42)\n\
         \n\
         ------ This is a copy of the message, including all the headers. ------\n\
         \n\
         From: sender@example.org\n\
         To: carol@example.com\n\
         Subject: hi\n\
         \n\
         Last time: 550 5.7.1 Relaying denied\n",
    );
    assert_eq!(codes(&doc), ["5.1.1"]);
    let f = &findings(&doc)[0];
    assert_eq!(f["recipient"], "carol@example.com");
    assert_eq!(f["basic"], 550);
    assert_eq!(f["stage"], "rcpt");
    assert_eq!(f["remote_host"], "mx.example.com");
    assert_eq!(f["reason"], "userunknown");
    assert_eq!(
        f["server_text"],
        "<carol@example.com>: Recipient address rejected: Utilisateur inconnu (réf. 42)"
    );
}

#[test]
fn postfix_bounce_without_dsn() {
    let doc = explain_json(
        "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n\
         To: sender@example.org\n\
         Subject: Undelivered Mail Returned to Sender\n\
         \n\
         This is the mail system at host mail.example.org.\n\
         \n\
         I'm sorry to have to inform you that your message could not\n\
         be delivered to one or more recipients. It's attached below.\n\
         \n\
         \x20                  The mail system\n\
         \n\
         <dave@example.com>: host mx.example.com[192.0.2.30] said: 554 5.7.1 Service\n\
         \x20   unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org\n\
         \x20   (in reply to RCPT TO command)\n",
    );
    assert_eq!(codes(&doc), ["5.7.1"]);
    let f = &findings(&doc)[0];
    assert_eq!(f["recipient"], "dave@example.com");
    assert_eq!(f["basic"], 554);
    assert_eq!(f["stage"], "rcpt");
    assert_eq!(f["remote_host"], "mx.example.com");
    assert_eq!(f["reason"], "blocked");
    assert_eq!(f["action"], "fix-sender");
    assert_eq!(f["outcome"], "failed");
}

#[test]
fn arf_feedback_report_is_not_a_bounce() {
    let doc = explain_json(
        "From: feedback@fbl.example.net\n\
         To: abuse@example.org\n\
         Subject: Abuse report\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=feedback-report; boundary=\"arf\"\n\
         \n\
         --arf\n\
         Content-Type: text/plain\n\
         \n\
         This is an email abuse report for a message received from 192.0.2.1.\n\
         \n\
         --arf\n\
         Content-Type: message/feedback-report\n\
         \n\
         Feedback-Type: abuse\n\
         User-Agent: ExampleFBL/1.0\n\
         Version: 1\n\
         Original-Mail-From: <news@example.org>\n\
         Original-Rcpt-To: <erin@example.com>\n\
         Source-IP: 192.0.2.1\n\
         \n\
         --arf\n\
         Content-Type: message/rfc822\n\
         \n\
         From: news@example.org\n\
         To: erin@example.com\n\
         Subject: offers\n\
         \n\
         550 5.7.1 is not in this report\n\
         --arf--\n",
    );
    assert_eq!(findings(&doc).len(), 1);
    let f = &findings(&doc)[0];
    assert_eq!(f["recipient"], "erin@example.com");
    assert_eq!(f["reason"], "feedback");
    assert_eq!(f["code"], Value::Null);
    assert_eq!(f["bounce"], "none");
    assert_eq!(f["action"], "none");
    assert_eq!(f["outcome"], "feedback");
}

#[test]
fn auto_reply_is_vacation() {
    let doc = explain_json(
        "From: Fay <fay@example.com>\n\
         To: sender@example.org\n\
         Subject: Automatic reply: project plan\n\
         Auto-Submitted: auto-replied\n\
         \n\
         I am out of the office until Monday and will reply when I am back.\n",
    );
    assert_eq!(findings(&doc).len(), 1);
    let f = &findings(&doc)[0];
    assert_eq!(f["reason"], "vacation");
    assert_eq!(f["code"], Value::Null);
    assert_eq!(f["bounce"], "none");
    assert_eq!(f["recipient"], "fay@example.com");
}

#[test]
fn delivered_dsn_is_delivered() {
    let doc = explain_json(
        "From: MAILER-DAEMON@mx.example.org\n\
         Subject: Successful Mail Delivery Report\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\n\
         \n\
         --d\n\
         Content-Type: text/plain\n\
         \n\
         Your message was successfully delivered.\n\
         \n\
         --d\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.example.org\n\
         \n\
         Final-Recipient: rfc822; gus@example.net\n\
         Action: delivered\n\
         Status: 2.0.0\n\
         Diagnostic-Code: smtp; 250 2.0.0 OK queued as 12345\n\
         --d--\n",
    );
    let f = &findings(&doc)[0];
    assert_eq!(
        (&f["code"], &f["reason"], &f["action"], &f["outcome"]),
        (
            &Value::from("2.0.0"),
            &Value::from("delivered"),
            &Value::from("none"),
            &Value::from("delivered")
        )
    );
}

#[test]
fn codes_in_the_quoted_original_are_not_reported() {
    // The failure part states no code; the quoted original is full of them.
    let doc = explain_json(
        "From: MAILER-DAEMON@mx.example.org\n\
         To: sender@example.org\n\
         Subject: Warning: message delayed\n\
         X-Failed-Recipients: hal@example.net\n\
         \n\
         This message was created automatically by mail delivery software.\n\
         A message that you sent has not yet been delivered to one or more of its\n\
         recipients after more than 24 hours on the queue.\n\
         \n\
         \x20 hal@example.net\n\
         \x20   Delay reason: connection to mx.example.net timed out\n\
         \n\
         ------ This is a copy of the message, including all the headers. ------\n\
         \n\
         From: sender@example.org\n\
         To: hal@example.net\n\
         Subject: fwd: your bounce\n\
         \n\
         > 550 5.1.1 <x@example.net>: Recipient address rejected\n\
         > 554 5.7.1 Service unavailable\n",
    );
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = &findings(&doc)[0];
    assert_eq!(f["recipient"], "hal@example.net");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["outcome"], "delayed");
    assert!(f["code"].as_str().unwrap_or("").starts_with("4."), "{f:#}");
}

#[test]
fn message_without_any_status_exits_1() {
    bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin("From: ivy@example.org\nTo: jo@example.com\nSubject: lunch\n\nNoon at the usual place?\n")
        .assert()
        .code(1);
}

#[test]
fn malformed_messages_do_not_crash() {
    for input in [
        "Content-Type: multipart/report; boundary=\"x\"\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; @\nStatus: 9.9.9\n",
        "Content-Type: multipart/mixed; boundary=\"\"\n\n\u{0}\u{1}--\n--\n",
        "From: a@example.org\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!\n",
        "Subject: x\n\n<a@example.org>:\n550-\n550",
    ] {
        let out = explain_stdin(input);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{input:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut bytes =
        b"From: MAILER-DAEMON@example.org\nSubject: failure notice\n\n<k@example.org>:\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0xc3, b'5', b'5', b'0', b' ', 0x80, b'\n']);
    let out = explain_stdin(bytes);
    assert!(matches!(out.status.code(), Some(0 | 1)));
}

#[test]
fn text_output_shows_no_escape_from_the_bounce() {
    let out = bouncex()
        .args(["explain", "--color", "never"])
        .write_stdin(
            "From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n\n<kim@example.net>:\nRemote host said: 550 5.1.1 \u{1b}[31mno such user\u{7}\n",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kim@example.net"));
}

#[test]
fn pasted_postfix_body_without_headers() {
    // As a user copies it out of a mail client: no headers, the reply wrapped mid-code.
    let body = "\
This is the mail system at host mailer.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

                   The mail system

<ann@example.net>: host mx.example.net[192.0.2.10] said: 450
    4.2.1 <ann@example.net>: Recipient address rejected: this mailbox
    is inactive and has been disabled (in reply to RCPT TO command)
";
    let doc = explain_json(body);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "ann@example.net");
    assert_eq!(f["code"], "4.2.1");
    assert_eq!(f["basic"], 450);
    assert_eq!(f["class"], "transient");
    assert_eq!(f["stage"], "rcpt");
    assert_eq!(
        f["server_text"],
        "<ann@example.net>: Recipient address rejected: this mailbox is inactive and has been disabled"
    );
}

#[test]
fn pasted_delivery_status_fields_alone() {
    // The per-recipient block of a DSN, copied on its own: the fields are the report.
    let block = "\
Final-Recipient: rfc822; ann@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown
";
    let doc = explain_json(block);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "ann@example.net");
    assert_eq!(f["code"], "5.1.1");
    assert_eq!(f["reason"], "userunknown");
    // Without a diagnostic, the Status field alone decides.
    let doc =
        explain_json("Final-Recipient: rfc822; bo@example.net\nAction: failed\nStatus: 5.3.0\n");
    assert_eq!(by_recipient(&doc, "bo@example.net")["code"], "5.3.0");
}

#[test]
fn pasted_bodies_in_other_mtas_words_are_read_as_bounces() {
    // Exim behind a smarthost: its opening line is not the usual one, but the notice says
    // what failed and for whom.
    let exim = "\
This message was created automatically by the SMTP relay on relay.example.org.

A message that you sent could not be delivered to all of its recipients.
The following address(es) failed:

  ann@example.net
    SMTP error from remote mail server after RCPT TO:<ann@example.net>:
    host mx.example.net [192.0.2.22]: 550 5.1.1 <ann@example.net>:
    Recipient address rejected: User unknown in local recipient table
";
    let doc = explain_json(exim);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "ann@example.net");
    assert_eq!(f["code"], "5.1.1");
    assert_eq!(f["stage"], "rcpt");
    assert_eq!(f["reason"], "userunknown");
    // A notice in unknown words above the delivery-status fields a mail client shows.
    let dsn = "\
Your message to <ann> was automatically rejected:
Not enough disk space

Final-Recipient: RFC822; ann@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: SMTP; 550 5.1.1 <ann@example.net>... User Unknown
";
    let doc = explain_json(dsn);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    assert_eq!(by_recipient(&doc, "ann@example.net")["code"], "5.1.1");
    // A transcript's accepted sender is no recipient.
    let transcript = "\
The attached message had PERMANENT fatal delivery errors!

--- Session Transcript ---
 MAIL From:<list@example.org> SIZE=1861
 250 <list@example.org>, Sender ok
 RCPT To:<bea@example.net>
 552 Message for <bea@example.net> would exceed mailbox quota
";
    let doc = explain_json(transcript);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    assert_eq!(
        by_recipient(&doc, "bea@example.net")["reason"],
        "mailboxfull"
    );
}

/// Exim returns a message on "retry timeout exceeded" only after temporary errors (its
/// retry rules cover nothing else): the failure is a temporary one that outlasted the
/// retries, RFC 3463's 4.4.7, and nothing is queued any more.
#[test]
fn exim_retry_timeout_is_a_temporary_failure_returned() {
    let bounce = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
         To: alice@example.org\n\
         Subject: Mail delivery failed: returning message to sender\n\
         \n\
         This message was created automatically by mail delivery software.\n\
         \n\
         A message that you sent could not be delivered to one or more of its\n\
         recipients. This is a permanent error. The following address(es) failed:\n\
         \n\
         \x20 bob@example.net\n\
         \x20   mailbox is full: retry timeout exceeded\n\
         \n\
         ------ This is a copy of the message, including all the headers. ------\n\
         \n\
         Subject: hello\n";
    let doc = explain_json(bounce);
    let f = by_recipient(&doc, "bob@example.net");
    assert_eq!(f["code"], "4.4.7", "{f:#}");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["reason"], "mailboxfull");
    assert!(f["retry"].is_null(), "{f:#}");
    let out = bouncex()
        .args(["explain"])
        .write_stdin(bounce)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stopped retrying"), "{text}");
    assert!(!text.contains("retries on its own"), "{text}");
    assert!(
        !text.contains("by default returns the message after"),
        "{text}"
    );
    // Its report part says `Status: 5.0.0` (failed): the code stated stands, and the
    // message was still never refused, so sending again later is the remedy.
    let doc = explain_json(&common::exim_report(
        "A message that you sent could not be delivered to one or more of its\n\
         recipients. This is a permanent error. The following address(es) failed:\n\
         \n\
         \x20 carol@example.net\n\
         \x20   retry timeout exceeded\n",
        "Action: failed\nFinal-Recipient: rfc822;carol@example.net\nStatus: 5.0.0\n",
    ));
    let f = by_recipient(&doc, "carol@example.net");
    assert_eq!(f["code"], "5.0.0", "{f:#}");
    assert_eq!(f["reason"], "expired");
    assert_eq!(f["action"], "retry");
    assert!(
        f["next"]
            .as_str()
            .unwrap_or_default()
            .contains("stopped retrying"),
        "{f:#}"
    );
}

/// A forwarder's pipe that fails: Exim names the pipe on one line and the address that
/// generated it on the next (deliver.c print_address_information), and its DSN part gives
/// no Diagnostic-Code. The pipe's output, returned too, names other addresses.
#[test]
fn exim_failed_pipe_is_the_generating_address_mailer_error() {
    let doc = explain_json(&common::exim_report(
        "This message was created automatically by mail delivery software.\n\
         \n\
         A message that you sent could not be delivered to one or more of its\n\
         recipients. This is a permanent error. The following address(es) failed:\n\
         \n\
         \x20 pipe to |/home/shop/bin/ticket.php\n\
         \x20   generated by support@example.org\n\
         \n\
         The following text was generated during the delivery attempt:\n\
         \n\
         ------ pipe to |/home/shop/bin/ticket.php\n\
         \x20      generated by support@example.org ------\n\
         \n\
         Could not open input stream\n\
         Notify: admin@example.org\n",
        "Action: failed\nFinal-Recipient: rfc822;support@example.org\nStatus: 5.0.0\n",
    ));
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "support@example.org");
    assert_eq!(f["reason"], "mailererror", "{f:#}");
    assert_eq!(f["class"], "permanent");
}

/// IMail's notice is one line and then the returned message: pasted, its words above
/// "Original message follows" make it a bounce, and the reason they give names the code.
#[test]
fn pasted_one_line_notice_above_the_original() {
    let body = "User mailbox exceeds allowed size: ann@example.net\n\n\n\
                Original message follows.\n\n\
                Received: from client.example.org by mx.example.net\n\
                Subject: hello\n\n\
                hi\n";
    let doc = explain_json(body);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "ann@example.net");
    assert_eq!(f["reason"], "mailboxfull");
    assert_eq!(f["code"], "5.2.2");
    assert_eq!(f["code_source"], "inferred");
}

#[test]
fn pasted_gmail_delay_without_code() {
    let body = "\n** Delivery incomplete **\n\nThere was a temporary problem delivering your \
                message to bea@example.net. Gmail will retry for 46 more hours. You'll be \
                notified if the delivery fails permanently.\n";
    let doc = explain_json(body);
    let f = by_recipient(&doc, "bea@example.net");
    assert_eq!(f["class"], "transient");
    assert_eq!(f["code_source"], "inferred");
}

#[test]
fn transcript_greeting_and_quoted_versions_are_no_findings() {
    // An MDaemon-style transcript under an Exchange-style summary of the original.
    let doc = explain_json(
        "From: MDaemon@mx.example.net\n\
         To: list-bounces@example.org\n\
         Subject: Permanent Delivery Failure\n\
         \n\
         Your message\n\
         \x20 To:      list@example.org\n\
         \x20 Subject: RELEASED Mailman 2.0.12\n\
         did not reach the following recipient(s):\n\
         \n\
         > cy@example.net\n\
         \n\
         --- Session Transcript ---\n\
         \x20220 mx.example.net ESMTP MDaemon 3.5.2 ready\n\
         \x20MAIL From:<list-bounces@example.org>\n\
         \x20250 <list-bounces@example.org>, Sender ok\n\
         \x20RCPT To:<cy@example.net>\n\
         \x20552 Message for <cy@example.net> would exceed mailbox quota\n\
         \x20QUIT\n",
    );
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "cy@example.net");
    assert_eq!(f["basic"], 552);
    assert_eq!(f["class"], "permanent");
    assert_eq!(f["stage"], "rcpt");
}

#[test]
fn aol_screen_name_without_a_code() {
    let doc = explain_json(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@aol.example.com>\n\
         To: <list-bounces@example.org>\n\
         Subject: Mail Delivery Problem\n\
         \n\
         Your mail to the following recipients could not be delivered because\n\
         they are not accepting mail from list-bounces@example.org:\n\
         \tscreenname\n",
    );
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "screenname@aol.example.com");
    assert_eq!(f["class"], "permanent");
    assert_eq!(f["code_source"], "inferred");
}

#[test]
fn challenge_response_notice_is_not_a_bounce() {
    let out = common::explain_stdin(
        "From: noreply@cr.example.net\n\
         To: sender@example.org\n\
         Subject: Re: Hello\n\
         \n\
         Your message to dee@example.net is waiting: sender not pre-approved.\n\
         Please verify that you are a human by following the link below.\n",
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    for f in doc["findings"].as_array().into_iter().flatten() {
        assert!(
            !matches!(f["class"].as_str(), Some("permanent" | "transient")),
            "{doc:#}"
        );
    }
}

/// A read receipt comes from a null return path like a bounce (RFC 8098 §2.1); Outlook's is
/// TNEF with nothing readable but its subject. It reports no failure. Neither does a ticket
/// system's notification from a null return path that quotes a customer's address.
#[test]
fn a_read_receipt_or_notification_from_a_null_sender_is_not_a_bounce() {
    let out = common::explain_stdin(
        "Return-Path: <>\n\
         From: \"Carol\" <carol@example.net>\n\
         To: alice@example.org\n\
         Subject: Read: project plan\n\
         MIME-Version: 1.0\n\
         Content-Type: application/ms-tnef; name=\"winmail.dat\"\n\
         Content-Transfer-Encoding: base64\n\
         \n\
         eJ8+IhsNAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA4gQAAAAAAADmAAEIgAcAIAAAAElQTS5NaWNy\n",
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(findings(&doc).is_empty(), "{doc:#}");
    // Nothing recognised: exit 1, as for any input without a status.
    assert_eq!(out.status.code(), Some(1));
    let out = common::explain_stdin(
        "Return-Path: <>\n\
         From: Helpdesk <helpdesk@example.net>\n\
         To: agent@example.net\n\
         Subject: [T1003] New ticket notification\n\
         \n\
         There is a new ticket in \"Abuse\":\n\
         \"Carol\" <carol@example.org> wrote:\n\
         > hello\n",
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(findings(&doc).is_empty(), "{doc:#}");
}

/// A notice an MTA labels `message/delivery-status` though it is prose (Openwave
/// InterMail): its words are the reason, read next to the real report's fields.
#[test]
fn a_notice_in_a_mislabelled_part_gives_the_reason() {
    let doc = explain_json(
        "From: Mail Administrator <Postmaster@example.com>\n\
         To: alice@example.org\n\
         Subject: Mail System Error - Returned Mail\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\
         \n\
         --b\n\
         Content-Type: message/delivery-status;\n\
         \n\
         This Message was undeliverable due to the following reason:\n\
         \n\
         <bob@example.com> has restricted SMS e-mail\n\
         \n\
         --b\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mta.example.com\n\
         \n\
         Final-Recipient: RFC822; <bob@example.com>\n\
         Action: failed\n\
         Status: 5.3.0\n\
         \n\
         --b--\n",
    );
    let f = by_recipient(&doc, "bob@example.com");
    assert_eq!(f["code"], "5.3.0", "{f:#}");
    assert_eq!(f["reason"], "filtered", "{f:#}");
}

/// A report that names no remote MTA was decided by the MTA that wrote it: when that MTA is a
/// provider's, the provider's own meaning applies (Outlook.com's 5.5.0 "mailbox unavailable"
/// is its no-such-user). The same report from an unknown host is read by the general rules.
#[test]
fn a_providers_own_report_speaks_for_the_provider() {
    let report = |reporting_mta: &str| {
        format!(
            "From: postmaster@outlook.com\nTo: alice@example.org\nSubject: Undeliverable: hello\n\
             MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; \
             boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nDelivery has failed to these \
             recipients or groups:\n\nbob@hotmail.example\n\n--b1\nContent-Type: \
             message/delivery-status\n\nReporting-MTA: dns; {reporting_mta}\n\n\
             Final-Recipient: rfc822; bob@hotmail.example\nAction: failed\nStatus: 5.5.0\n\
             Diagnostic-Code: smtp; 550 5.5.0 Requested action not taken: mailbox unavailable\n\n\
             --b1--\n"
        )
    };
    let doc = explain_json(&report("DM6PR01MB1234.namprd01.prod.outlook.com"));
    let f = by_recipient(&doc, "bob@hotmail.example");
    assert_eq!(f["provider"]["id"], "microsoft", "{f:#}");
    assert_eq!(f["reason"], "userunknown", "{f:#}");
    assert_eq!(f["action"], "suppress", "{f:#}");
    assert_eq!(
        f["remote_host"],
        Value::Null,
        "the reporting MTA is not a remote host"
    );

    let doc = explain_json(&report("mx.example.net"));
    let f = by_recipient(&doc, "bob@hotmail.example");
    assert_eq!(f["provider"], Value::Null, "{f:#}");
    // The general rules read the words: a missing mailbox, but with no SMTP stage named in
    // a report a filter's refusal (the recast rules), not the provider's final word.
    assert_eq!(f["reason"], "filtered", "{f:#}");
}

/// A help desk forwarding a bounce "inline": the whole report, headers and MIME parts, is
/// text inside a plain message (a mail client's inline forward, an ISP's resend).
const FORWARDED_INLINE: &str = "\
From: helpdesk@isp.example
To: customer@example.org
Subject: Fwd: returned mail
Content-Type: text/plain; charset=us-ascii

Hello, the bounce you asked about is below. Call us at 555 0100 if it happens again.

-------- Forwarded message --------
From MAILER-DAEMON  Mon Jun  3 10:00:00 2024
Return-Path: <>
From: MAILER-DAEMON@relay.isp.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status;
\tboundary=\"R1/relay.isp.example\"

--R1/relay.isp.example
Content-Type: text/plain; charset=us-ascii

<dora@example.net>: host mx.example.net[192.0.2.7] refused to talk to me:
    421 Service not available, closing transmission channel

--R1/relay.isp.example
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.isp.example

Final-Recipient: rfc822; dora@example.net
Action: failed
Status: 4.0.0
Diagnostic-Code: X-Postfix; delivery temporarily suspended: host
    mx.example.net[192.0.2.7] refused to talk to me: 421 Service not available,
    closing transmission channel

--R1/relay.isp.example--
";

#[test]
fn a_bounce_forwarded_inline_is_read_as_the_report_it_quotes() {
    let doc = explain_json(FORWARDED_INLINE);
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    let f = &found[0];
    assert_eq!(f["recipient"], "dora@example.net");
    assert_eq!(f["code"], "4.0.0");
    assert_eq!(f["code_source"], "stated");
    assert_eq!(f["reason"], "blocked", "{f:#}");
}

/// A Postfix bounce whose one failure came after DATA, with `reply` as the server's words.
fn postfix_bounce_after_data(reply: &str) -> Value {
    explain_json(&format!(
        "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n\
         Subject: Undelivered Mail Returned to Sender\n\
         \n\
         This is the mail system at host mail.example.org.\n\
         \n\
         <erin@example.com>: host mx.example.com[192.0.2.30] said: {reply}\n\
         \x20   (in reply to end of DATA command)\n"
    ))
}

#[test]
fn user_unknown_after_data_is_a_filter_unless_the_code_names_the_address() {
    // An LMTP store or a late recipient check: the stated 5.1.1 says the mailbox is missing.
    let lmtp = postfix_bounce_after_data("550 5.1.1 <erin@example.com>: User unknown");
    assert_eq!(findings(&lmtp)[0]["reason"], "userunknown", "{lmtp:#}");
    assert_eq!(findings(&lmtp)[0]["action"], "suppress");
    // The same words under a policy code, or under no code, come from a content filter.
    let policy = postfix_bounce_after_data("550 5.7.1 <erin@example.com>: User unknown");
    assert_eq!(findings(&policy)[0]["reason"], "filtered", "{policy:#}");
    let bare = postfix_bounce_after_data("550 <erin@example.com>: User unknown");
    assert_eq!(findings(&bare)[0]["reason"], "filtered", "{bare:#}");
}

#[test]
fn an_expired_report_shows_the_last_attempts_failure_and_says_it_expired() {
    let doc = dsn_with(
        "4.4.7",
        "554 4.4.7 Message expired: unable to deliver in 840\n minutes.<421 4.4.2 Connection timed out>",
    );
    let f = &findings(&doc)[0];
    assert_eq!(f["code"], "4.4.2", "{f:#}");
    assert_eq!(f["reason"], "expired");
    assert_eq!(f["outcome"], "failed");
    let warnings = f["warnings"].to_string();
    assert!(
        warnings.contains("4.4.7 (delivery time expired)"),
        "{warnings}"
    );
}

/// A one-recipient DSN with these `Status` and `Diagnostic-Code` values.
fn dsn_with(status: &str, diagnostic: &str) -> Value {
    explain_json(&format!(
        "From: MAILER-DAEMON@out.example.org\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\
         \n\
         --b\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; out.example.org\n\
         \n\
         Final-Recipient: rfc822; gus@example.net\n\
         Action: failed\n\
         Status: {status}\n\
         Diagnostic-Code: smtp; {diagnostic}\n\
         \n\
         --b--\n"
    ))
}

#[test]
fn status_and_reply_of_different_classes_side_with_the_basic_code() {
    // The server said 550 5.5.0; the reporting MTA wrote 4.5.0: the reply is what was said.
    let doc = dsn_with("4.5.0", "550 5.5.0 Service refused, please try later");
    assert_eq!(findings(&doc)[0]["code"], "5.5.0", "{doc:#}");
    // A reply whose basic code sides with the Status field leaves the field's code.
    let doc = dsn_with("5.1.1", "550 4.1.1 mailbox unknown");
    assert_eq!(findings(&doc)[0]["code"], "5.1.1", "{doc:#}");
}

#[test]
fn a_transcript_in_the_text_part_names_the_stage_of_a_one_recipient_report() {
    let doc = explain_json(
        "From: MAILER-DAEMON@relay.example.org\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\
         \n\
         --b\n\
         \n\
         \x20  ----- The following addresses had permanent fatal errors -----\n\
         <hal@example.net>\n\
         \n\
         \x20  ----- Transcript of session follows -----\n\
         >>> RCPT TO:<hal@example.net>\n\
         <<< 553 Invalid recipient hal@example.net\n\
         \n\
         --b\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; relay.example.org\n\
         \n\
         Final-Recipient: RFC822; <hal@example.net>\n\
         Action: failed\n\
         Status: 5.7.1\n\
         Diagnostic-Code: SMTP; 553 Invalid recipient hal@example.net\n\
         \n\
         --b--\n",
    );
    let f = &findings(&doc)[0];
    assert_eq!(f["stage"], "rcpt", "{f:#}");
    // Refused at RCPT: the recipient itself, not a content filter.
    assert_eq!(f["reason"], "userunknown");
}

#[test]
fn a_quoted_address_after_the_code_keeps_the_words_after_it() {
    let doc = dsn_with(
        "5.0.0",
        "550 'gus@example.net' is not a\n registered gateway user",
    );
    let f = &findings(&doc)[0];
    assert_eq!(
        f["server_text"], "'gus@example.net' is not a registered gateway user",
        "{f:#}"
    );
}

#[test]
fn a_list_managers_refusal_of_a_post_is_a_failure_for_the_list() {
    let notice = "From: cats-admin@example.org\n\
         To: ivy@example.net\n\
         Subject: You ivy@example.net are not member (cats ML)\n\
         X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]\n\
         List-Subscribe: <mailto:cats-ctl@example.org?body=subscribe>\n\
         \n\
         You are not a member of this mailing list <cats@example.org>.\n\
         \n\
         If you know the general guide of this list, please send mail with\n\
         the mail body\n\
         \n\
         \tguide\n\
         \n\
         to the address\n\
         \n\
         \tcats-ctl@example.org\n";
    let doc = explain_json(notice);
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["recipient"], "cats@example.org");
    assert_eq!(found[0]["reason"], "rejected");
    // An ordinary list post that mentions the rule is no bounce.
    let post = format!(
        "From: ivy@example.net\nTo: cats@example.org\nList-Id: <cats.example.org>\n\
         Subject: rules\n\n{}Only members may post to this list, as you know.\n",
        "Hello all,\n".repeat(9)
    );
    bouncex()
        .args(["explain"])
        .write_stdin(post)
        .assert()
        .code(1);
}

/// A bounce forwarded as plain text, as a user sends it on to a help desk.
const FORWARDED_AS_TEXT: &str = "\
From: Alice Admin <alice@corp.example>
To: helpdesk@corp.example
Subject: Fwd: Mail delivery failed
Date: Mon, 7 Dec 2026 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Can you look at this one?

---------- Forwarded message ---------
From: Mail Delivery System <Mailer-Daemon@mx.example.org>
Date: Tue, 10 Feb 2026 15:46:08 +0300
Subject: Mail delivery failed
To: news@example.org

news@example.org, this message was created automatically by mail delivery software.

A message sent by

  <list@example.org>

could not be delivered to one or more of its recipients. The following
address(es) failed:

  ann@example.net
    SMTP error from remote mail server after RCPT TO:<ann@example.net>:
    host mx.example.net [198.51.100.10]: 550 5.1.1 No such user
";

#[test]
fn a_bounce_forwarded_as_text_names_the_failed_recipient_only() {
    // Not the forwarder, not the forwarded notice's From or To, not the sender Exim names.
    let doc = explain_json(FORWARDED_AS_TEXT);
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["recipient"], "ann@example.net");
    assert_eq!(found[0]["reason"], "userunknown");
    // A forwarded out-of-office reply: who is away is the forwarded notice's From.
    let away = "From: Alice Admin <alice@corp.example>\nTo: helpdesk@corp.example\nSubject: Fwd: Out of office\n\nFYI\n\n-------- Forwarded Message --------\nFrom: Bob <bob@example.net>\nSubject: Out of office\nTo: alice@corp.example\n\nI am out of the office until Monday and will reply on my return.\n";
    let doc = explain_json(away);
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["reason"], "vacation");
    assert_eq!(found[0]["recipient"], "bob@example.net");
}

#[test]
fn a_bounce_quoted_in_a_reply_is_read_as_the_bounce() {
    // Pasted from a reply in which the mail client quoted the bounce.
    let quoted = "\
> This is the mail system at host mailer.example.org.
>
> I'm sorry to have to inform you that your message could not
> be delivered to one or more recipients.
>
> <ann@example.net>: host mx.example.net[192.0.2.10] said: 550 5.1.1
>     <ann@example.net>: Recipient address rejected: User unknown (in reply
>     to RCPT TO command)
";
    let doc = explain_json(quoted);
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "ann@example.net");
    assert_eq!(f["code"], "5.1.1");
    assert_eq!(f["stage"], "rcpt");
    // Lines of a log are not unquoted into anything else.
    let doc = explain_json("> 550 5.1.1 <ann@example.net>: Recipient address rejected");
    assert_eq!(findings(&doc)[0]["code"], "5.1.1");
}

#[test]
fn a_delay_keeps_the_network_trouble_its_notice_names() {
    // OpenSMTPD's delay notice names why it is still waiting.
    let notice = |why: &str| common::opensmtpd_delay("ivy@example.net", why);
    let f = first(&explain_json(&notice("Network error on destination MXs"))).clone();
    assert_eq!(f["class"], "transient", "{f:#}");
    assert_eq!(f["reason"], "networkerror", "{f:#}");
    // With no cause named, the notice is only waiting on the queue's lifetime.
    let f = first(&explain_json(&notice("Envelope delayed"))).clone();
    assert_eq!(f["reason"], "expired", "{f:#}");
}

#[test]
fn the_paragraph_after_the_recipient_list_is_the_templates_not_the_recipients() {
    // OpenSMTPD goes on after the list with "Please note that this is only a temporary
    // failure report."; it is no part of why the recipient waits.
    let notice = common::opensmtpd_delay("ivy@example.net", "Connection closed unexpectedly");
    let f = first(&explain_json(&notice)).clone();
    assert_eq!(f["server_text"], "Connection closed unexpectedly", "{f:#}");
    assert_eq!(f["reason"], "networkerror", "{f:#}");
    // Exim's delay warning closes with "No action is required on your part."
    let warning = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
        To: sender@example.org\n\
        Subject: Warning: message 1xaeZO-0005y5-1f delayed 24 hours\n\
        \n\
        This message was created automatically by mail delivery software.\n\
        A message that you sent has not yet been delivered to one or more of its\n\
        recipients after more than 24 hours on the queue on mx.example.org.\n\
        \n\
        The address to which the message has not yet been delivered is:\n\
        \n\
        \x20 kim@example.net\n\
        \x20   Delay reason: mailbox is full\n\
        \n\
        No action is required on your part. Delivery attempts will continue for\n\
        some time, and this warning may be repeated at intervals if the message\n\
        remains undelivered.\n";
    let f = first(&explain_json(warning)).clone();
    assert_eq!(f["server_text"], "Delay reason: mailbox is full", "{f:#}");
    assert_eq!(f["reason"], "mailboxfull", "{f:#}");
    assert_eq!(f["class"], "transient", "{f:#}");
}

#[test]
fn a_local_program_under_a_broad_status_is_a_mailer_error() {
    // Postfix pipe(8)/local(8): `Diagnostic-Code: x-unix; ...` under 5.3.0.
    let doc = explain_json(&common::exim_report(
        "",
        "Final-Recipient: rfc822; lee@example.org\n\
         Action: failed\n\
         Status: 5.3.0\n\
         Diagnostic-Code: x-unix; unknown mail system error 1\n",
    ));
    let f = first(&doc);
    assert_eq!(
        (&f["code"], &f["reason"]),
        (&"5.3.0".into(), &"mailererror".into()),
        "{f:#}"
    );
    // A security status keeps its own reading.
    let doc = explain_json(&common::exim_report(
        "",
        "Final-Recipient: rfc822; lee@example.org\n\
         Action: failed\n\
         Status: 5.7.0\n\
         Diagnostic-Code: x-unix; permission denied\n",
    ));
    assert_ne!(first(&doc)["reason"], "mailererror", "{doc:#}");
}

#[test]
fn whether_words_also_infer_a_code_does_not_change_the_reason() {
    // Exim, refused after the message was sent, with a basic code only. "no such user"
    // happens to infer 5.1.1 and "mailbox not found" infers no code; both are the same
    // refusal after DATA, which the rules read as a filter's, not a directory miss.
    let exim = |reply: &str| {
        format!(
            "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
             To: sender@example.org\n\
             Subject: Mail delivery failed: returning message to sender\n\
             \n\
             This message was created automatically by mail delivery software.\n\
             \n\
             A message that you sent could not be delivered to one or more of its\n\
             recipients. This is a permanent error. The following address(es) failed:\n\
             \n\
             \x20 ann@example.net\n\
             \x20   SMTP error from remote mail server after end of data:\n\
             \x20   host mx.example.net [192.0.2.22]: {reply}\n"
        )
    };
    for reply in ["550 no such user", "550 mailbox not found"] {
        let f = first(&explain_json(&exim(reply))).clone();
        assert_eq!(f["stage"], "end-of-data", "{reply}: {f:#}");
        assert_eq!(f["reason"], "filtered", "{reply}: {f:#}");
    }
}

/// Exim's report names the remote MTA by name and then by address and port (`X-ip;
/// [192.0.2.7]:2525`): the name is shown, and an address alone is shown without its port.
#[test]
fn remote_mta_is_shown_by_name_and_without_a_port() {
    let report = |remote: &str| {
        common::exim_report(
            "",
            &format!(
                "Action: failed\nFinal-Recipient: rfc822;dee@example.net\nStatus: 5.0.0\n\
                 {remote}Diagnostic-Code: smtp; 550 Go away\n"
            ),
        )
    };
    let doc = explain_json(&report(
        "Remote-MTA: dns; mx.example.net\nRemote-MTA: X-ip; [192.0.2.7]:2525\n",
    ));
    assert_eq!(first(&doc)["remote_host"], "mx.example.net", "{doc:#}");
    let doc = explain_json(&report("Remote-MTA: X-ip; [192.0.2.7]:2525\n"));
    assert_eq!(first(&doc)["remote_host"], "192.0.2.7", "{doc:#}");
}

/// An address redirected elsewhere (an alias, a .forward): Exim reports the failure under
/// the address it was sent on to, `(generated from a@x)`, and its report names the address
/// the sender used. Pasted with the report's fields below the prose, the prose still
/// explains that recipient.
#[test]
fn pasted_exim_redirect_failure_is_read_from_the_generated_address() {
    let doc = explain_json(
        "This message was created automatically by mail delivery software.\n\
         \n\
         A message that you sent could not be delivered to one or more of its\n\
         recipients. This is a permanent error. The following address(es) failed:\n\
         \n\
         \x20 bob.smith@mail.example.net\n\
         \x20   (generated from info@example.org)\n\
         \x20   host mx.example.net [192.0.2.5]\n\
         \x20   SMTP error from remote mail server after RCPT TO:<bob.smith@mail.example.net>:\n\
         \x20   550 5.2.1 The email account that you tried to reach is disabled.\n\
         \n\
         Reporting-MTA: dns; mail.example.org\n\
         \n\
         Action: failed\n\
         Final-Recipient: rfc822;info@example.org\n\
         Status: 5.0.0\n",
    );
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "info@example.org");
    assert_eq!(f["code"], "5.2.1", "{f:#}");
    assert_eq!(f["reason"], "suspend");
    let text = f["server_text"].as_str().unwrap_or_default();
    assert!(!text.contains("generated from"), "{text}");
    assert!(!text.contains("Action:"), "{text}");
}

/// A sender who wrote to themselves gets the bounce at the failed address: the report's
/// own `To:` is then its failed recipient, and the prose under that address still explains
/// it (Exim's "Unrouteable address", Exim's X-Failed-Recipients in a plain bounce).
#[test]
fn a_failed_recipient_that_is_also_the_bounces_addressee_keeps_its_prose() {
    let prose = "A message that you sent could not be delivered to one or more of its\n\
                 recipients. This is a permanent error. The following address(es) failed:\n\
                 \n\
                 \x20 ann@example.org\n\
                 \x20   Unrouteable address\n";
    let fields = "Action: failed\nFinal-Recipient: rfc822;ann@example.org\nStatus: 5.0.0\n";
    let report = format!(
        "To: ann@example.org\n{}",
        common::exim_report(prose, fields)
    );
    let f = by_recipient(&explain_json(&report), "ann@example.org").clone();
    assert_eq!(f["reason"], "hostunknown", "{f:#}");
    let plain = format!(
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
         To: ann@example.org\n\
         X-Failed-Recipients: ann@example.org\n\
         Subject: Mail delivery failed: returning message to sender\n\
         \n\
         This message was created automatically by mail delivery software.\n\
         \n\
         {prose}\n\
         ------ This is a copy of the message, including all the headers. ------\n\
         From: ann@example.org\n\
         To: ann@example.org\n"
    );
    let f = by_recipient(&explain_json(&plain), "ann@example.org").clone();
    assert_eq!(f["reason"], "hostunknown", "{f:#}");
}

/// A report that gives a Status and no words at all (Exim when the failure had no message,
/// Postfix's "Delivery report unavailable") is `undefined`; words nobody recognises are
/// `onhold`, for a person to read.
#[test]
fn a_report_without_words_is_undefined_and_unread_words_are_onhold() {
    let fields = "Action: failed\nFinal-Recipient: rfc822;dee@example.net\nStatus: 5.0.0\n";
    let reason = |prose: &str| {
        let doc = explain_json(&common::exim_report(prose, fields));
        by_recipient(&doc, "dee@example.net")["reason"].clone()
    };
    let failed = "A message that you sent could not be delivered to one or more of its\n\
                  recipients. This is a permanent error. The following address(es) failed:\n\
                  \n\
                  \x20 dee@example.net\n";
    assert_eq!(reason(failed), "undefined");
    assert_eq!(reason(""), "undefined");
    // The text says there are no words to read, and where they are.
    let text = common::wide_text(&[], &common::exim_report(failed, fields));
    assert!(
        text.contains("none: the report gives no reason; the reporting MTA's log has it"),
        "{text}"
    );
    assert_eq!(
        reason(&format!("{failed}\x20   Number 2 has come to grief\n")),
        "onhold"
    );
    let postfix = "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n\
                   Subject: Undelivered Mail Returned to Sender\n\
                   Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\
                   \n\
                   --B\n\
                   Content-Type: text/plain\n\
                   \n\
                   This is the mail system at host mx.example.org.\n\
                   \n\
                   I'm sorry to have to inform you that your message could not\n\
                   be delivered to one or more recipients. It's attached below.\n\
                   \n\
                   \x20                  The mail system\n\
                   \n\
                   \t--- Delivery report unavailable ---\n\
                   \n\
                   --B\n\
                   Content-Type: message/delivery-status\n\
                   \n\
                   Reporting-MTA: dns; mx.example.org\n\
                   \n\
                   Final-Recipient: rfc822; dee@example.net\n\
                   Action: failed\n\
                   Status: 5.0.0\n\
                   \n\
                   --B--\n";
    let doc = explain_json(postfix);
    assert_eq!(by_recipient(&doc, "dee@example.net")["reason"], "undefined");
    // Pasted without its headers and MIME lines, as a user copies it.
    let pasted: String = postfix
        .lines()
        .skip_while(|l| !l.starts_with("This is the mail system"))
        .filter(|l| !l.starts_with("--B") && !l.starts_with("Content-Type"))
        .map(|l| format!("{l}\n"))
        .collect();
    let doc = explain_json(&pasted);
    assert_eq!(first(&doc)["reason"], "undefined", "{doc:#}");
}

/// A Sendmail report in its own template: `text` above the DSN part, `fields` in it.
fn sendmail_report(text: &str, fields: &str) -> String {
    format!(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n\
         To: ann@example.org\n\
         Subject: Returned mail: see transcript for details\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\
         \n\
         --B\n\
         \n\
         The original message was received at Mon, 7 Dec 2026 13:44:14 GMT\n\
         from localhost [127.0.0.1]\n\
         \n\
         {text}\n\
         --B\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.example.org\n\
         \n\
         {fields}\n\
         --B--\n"
    )
}

/// Sendmail records the last reply it got, which after a refused greeting is its QUIT's
/// `221 2.0.0 Bye`: the failure is the greeting in the transcript, not a delivery.
#[test]
fn sendmail_recorded_quit_reply_is_no_delivery() {
    let doc = explain_json(&sendmail_report(
        "   ----- Transcript of session follows -----\n\
         ... while talking to mx.example.net.:\n\
         <<< 421 4.7.0 mx.example.net Too many connections from your IP\n\
         <bob@example.net>... Deferred: 421 4.7.0 mx.example.net Too many connections from your IP\n\
         Warning: message still undelivered after 4 hours\n",
        "Final-Recipient: RFC822; bob@example.net\n\
         Action: delayed\n\
         Status: 4.5.0\n\
         Diagnostic-Code: SMTP; 221 2.0.0 Bye\n",
    ));
    let f = by_recipient(&doc, "bob@example.net");
    assert_eq!(f["class"], "transient", "{f:#}");
    assert_eq!(f["code"], "4.7.0");
    assert_eq!(f["reason"], "toomanyconn");
    assert_eq!(f["stage"], "connect");
}

/// A local mailer's failure: Sendmail's fields say only `X-Unix; 1`, and its transcript
/// holds `554 5.3.0 unknown mailer error 1` (deliver.c); a one-recipient report's
/// transcript is that recipient's.
#[test]
fn sendmail_local_mailer_error_is_read_from_the_transcript() {
    let doc = explain_json(&sendmail_report(
        "   ----- The following addresses had permanent fatal errors -----\n\
         |/usr/local/bin/ticket\n\
         \x20   (reason: 1)\n\
         \x20   (expanded from: <help@example.org>)\n\
         \n\
         \x20  ----- Transcript of session follows -----\n\
         554 5.3.0 unknown mailer error 1\n",
        "Final-Recipient: RFC822; help@example.org\n\
         X-Actual-Recipient: X-Unix; |/usr/local/bin/ticket\n\
         Action: failed\n\
         Status: 5.0.0\n\
         Diagnostic-Code: X-Unix; 1\n",
    ));
    let f = by_recipient(&doc, "help@example.org");
    assert_eq!(f["code"], "5.3.0", "{f:#}");
    assert_eq!(f["reason"], "mailererror");
}

/// A 554 greeting, which Sendmail reports under `Status: 5.5.0` with the reply right after
/// `... while talking to`: the stage is the connection, and nothing was sent that could be
/// malformed, so the client was refused (RFC 5321 §3.1).
#[test]
fn sendmail_greeting_refusal_is_a_block_at_connect() {
    let doc = explain_json(&sendmail_report(
        "   ----- The following addresses had permanent fatal errors -----\n\
         <bob@example.net>\n\
         \x20   (reason: 554 mx.example.net ESMTP not accepting messages)\n\
         \n\
         \x20  ----- Transcript of session follows -----\n\
         ... while talking to mx.example.net.:\n\
         <<< 554 mx.example.net ESMTP not accepting messages\n\
         554 5.0.0 Service unavailable\n",
        "Final-Recipient: RFC822; bob@example.net\n\
         Action: failed\n\
         Status: 5.5.0\n\
         Diagnostic-Code: SMTP; 554 mx.example.net ESMTP not accepting messages\n",
    ));
    let f = by_recipient(&doc, "bob@example.net");
    assert_eq!(f["stage"], "connect", "{f:#}");
    assert_eq!(f["reason"], "blocked");
}

/// DMA (the DragonFly Mail Agent, bounce.c) names the failed recipient in its bounce's
/// `X-Original-To:`, and the returned headers name the message's other recipients.
#[test]
fn dma_bounce_names_the_failed_recipient_in_x_original_to() {
    let doc = explain_json(
        "Received: from MAILER-DAEMON\n\
         \tid f0167\n\
         \tby mx.example.org (DragonFly Mail Agent v0.13);\n\
         \tMon, 07 Dec 2026 13:52:29 +0000\n\
         X-Original-To: <bad@example.net>\n\
         From: MAILER-DAEMON <>\n\
         To: ann@example.org\n\
         Subject: Mail delivery failed\n\
         \n\
         This is the DragonFly Mail Agent v0.13 at mx.example.org.\n\
         \n\
         There was an error delivering your mail to <bad@example.net>.\n\
         \n\
         mx.example.net [192.0.2.8] did not like our RCPT TO:\n\
         550 5.1.1 <bad@example.net>: Recipient address rejected: User unknown\n\
         \n\
         Message headers follow.\n\
         \n\
         From: Ann <ann@example.org>\n\
         To: good@example.net, bad@example.net\n\
         Subject: hello\n",
    );
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    let f = by_recipient(&doc, "bad@example.net");
    assert_eq!(f["code"], "5.1.1", "{f:#}");
    assert_eq!(f["stage"], "rcpt");
}

/// A Sendmail 8.17 report about three recipients, in the shape Debian's Sendmail writes it:
/// a local program that failed (`X-Unix; 1` under `Status: 5.0.0`), a remote refusal whose
/// multi-line reply the `Diagnostic-Code` cuts after its first line, and a domain with no
/// DNS whose fields carry no diagnostic (its transcript line names it).
#[test]
fn sendmail_report_about_a_program_a_cut_reply_and_a_dns_failure() {
    let report = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n\
To: <ann@example.org>\n\
Subject: Returned mail: see transcript for details\n\
MIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\
\n\
--B\n\
\n\
   ----- The following addresses had permanent fatal errors -----\n\
\"|/usr/local/bin/filter\"\n\
    (reason: 1)\n\
    (expanded from: <hank@mx.example.org>)\n\
<bob@example.net>\n\
    (reason: 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely)\n\
<info@nohost.invalid>\n\
\n\
   ----- Transcript of session follows -----\n\
554 5.3.0 unknown mailer error 1\n\
... while talking to mx.example.net.:\n\
>>> DATA\n\
<<< 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely\n\
<<< 550-5.7.1 suspicious due to the very low reputation of the sending IP address.\n\
<<< 550 5.7.1 Please visit https://support.google.com/mail/answer/188131 - gsmtp\n\
554 5.0.0 Service unavailable\n\
550 5.1.2 <info@nohost.invalid>... Host unknown (Name server: nohost.invalid: host not found)\n\
\n\
--B\n\
Content-Type: message/delivery-status\n\
\n\
Reporting-MTA: dns; mx.example.org\n\
\n\
Final-Recipient: RFC822; hank@mx.example.org\n\
X-Actual-Recipient: X-Unix; |/usr/local/bin/filter\n\
Action: failed\n\
Status: 5.0.0\n\
Diagnostic-Code: X-Unix; 1\n\
\n\
Final-Recipient: RFC822; bob@example.net\n\
Action: failed\n\
Status: 5.7.1\n\
Remote-MTA: DNS; mx.example.net\n\
Diagnostic-Code: SMTP; 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely\n\
\n\
Final-Recipient: RFC822; info@nohost.invalid\n\
Action: failed\n\
Status: 5.1.2\n\
Remote-MTA: DNS; nohost.invalid\n\
\n\
--B--\n";
    let doc = explain_json(report);
    assert_eq!(findings(&doc).len(), 3, "{doc:#}");
    let program = by_recipient(&doc, "hank@mx.example.org");
    assert_eq!(program["reason"], "mailererror", "{program:#}");
    let remote = by_recipient(&doc, "bob@example.net");
    assert_eq!(remote["reason"], "badreputation", "{remote:#}");
    let words = remote["server_text"].as_str().unwrap();
    assert!(words.ends_with("- gsmtp"), "{words}");
    let dns = by_recipient(&doc, "info@nohost.invalid");
    assert_eq!(
        (&dns["code"], &dns["reason"]),
        (&"5.1.2".into(), &"hostunknown".into()),
        "{dns:#}"
    );
}

/// DragonFly Mail Agent names the greeting "connect" when the server refuses it.
#[test]
fn dma_bounce_of_a_refused_greeting_names_the_connect_stage() {
    let doc = explain_json(
        "From: MAILER-DAEMON <>\n\
         Subject: Mail delivery failed\n\
         \n\
         This is the DragonFly Mail Agent v0.13 at mx.example.org.\n\
         \n\
         There was an error delivering your mail to <bob@example.net>.\n\
         \n\
         mx.example.net [192.0.2.8] did not like our connect:\n\
         554 5.7.1 mx.example.net ESMTP not accepting messages from 192.0.2.1: listed at bl.spamcop.net\n\
         \n\
         Message headers follow.\n",
    );
    let f = by_recipient(&doc, "bob@example.net");
    assert_eq!(
        (&f["stage"], &f["reason"]),
        (&"connect".into(), &"blocked".into()),
        "{f:#}"
    );
}

/// qmail-remote ends every permanent remote failure with "Giving up on <ip>.": that is no
/// expiry, even when the reply's basic code is one qmail passes on unparsed (chkuser's 571).
#[test]
fn qmail_giving_up_on_a_host_is_no_expiry() {
    let doc = explain_json(&qmail_bounce(
        "bob@example.net",
        "192.0.2.25 does not like recipient.\n\
         Remote host said: 571 sorry, sender address has invalid format (#5.7.1 - chkuser)\n\
         Giving up on 192.0.2.25.",
    ));
    let f = by_recipient(&doc, "bob@example.net");
    assert_eq!(
        (&f["reason"], &f["action"]),
        (&"rejected".into(), &"fix-sender".into()),
        "{f:#}"
    );
}

#[test]
fn local_addresses_under_a_dotless_domain_keep_their_own_words() {
    // Exim with a dotless qualify_domain lists `user@localhost` on a line of its own; the
    // remote address above it has no words of its own and must not take theirs.
    let prose = "A message that you sent has not yet been delivered to one or more of its\n\
                 recipients after more than 1 minutes on the queue on mx.example.org.\n\
                 \n\
                 The addresses to which the message has not yet been delivered are:\n\
                 \n\
                 \x20 info@refused.example\n\
                 \x20 quotauser@localhost\n\
                 \x20   Delay reason: mailbox is full\n";
    let doc = explain_json(&common::exim_report(
        prose,
        "Action: delayed\n\
         Final-Recipient: rfc822;info@refused.example\n\
         Status: 4.0.0\n\
         \n\
         Action: delayed\n\
         Final-Recipient: rfc822;quotauser@localhost\n\
         Status: 4.0.0\n",
    ));
    let of = |rcpt: &str| by_recipient(&doc, rcpt);
    assert_eq!(
        of("quotauser@localhost")["reason"],
        "mailboxfull",
        "{doc:#}"
    );
    assert_ne!(
        of("info@refused.example")["reason"],
        "mailboxfull",
        "{doc:#}"
    );
}

#[test]
fn a_quoted_local_part_is_a_recipient_of_its_own() {
    // RFC 5321 §4.1.2 allows a quoted local part ("john..doe"@...); Postfix prints it as is.
    let body = "This is the mail system at host mx.example.net.\n\n\
                I'm sorry to have to inform you that your message could not\n\
                be delivered to one or more recipients.\n\n\
                \x20                  The mail system\n\n\
                <\"john..doe\"@example.org>: host mx.example.org[192.0.2.2] said: 550 5.1.1\n\
                \x20   <\"john..doe\"@example.org>... User Unknown (in reply to RCPT TO command)\n\n\
                <amy@example.org>: host mx.example.org[192.0.2.2] said: 452 4.2.2 Mailbox full\n\
                \x20   (in reply to RCPT TO command)\n";
    let doc = explain_json(body);
    let quoted = by_recipient(&doc, "\"john..doe\"@example.org");
    assert_eq!(quoted["reason"], "userunknown", "{doc:#}");
    assert_eq!(quoted["stage"], "rcpt", "{doc:#}");
    assert_eq!(
        by_recipient(&doc, "amy@example.org")["reason"],
        "mailboxfull"
    );
    assert_eq!(findings(&doc).len(), 2, "{doc:#}");
}

#[test]
fn a_failed_pipe_is_its_dotless_owners_failure() {
    // Exim names a failed pipe by its command and its owner, `generated by user@localhost`
    // under a dotless qualify_domain; the report's Status says nothing more.
    let prose = "A message that you sent could not be delivered to one or more of its\n\
                 recipients. This is a permanent error. The following address(es) failed:\n\
                 \n\
                 \x20 pipe to |/usr/local/bin/ticket-import\n\
                 \x20   generated by helpdesk@localhost\n\
                 \x20   local delivery failed\n";
    let doc = explain_json(&common::exim_report(
        prose,
        "Action: failed\n\
         Final-Recipient: rfc822;helpdesk@localhost\n\
         Status: 5.0.0\n",
    ));
    let finding = by_recipient(&doc, "helpdesk@localhost");
    assert_eq!(finding["reason"], "mailererror", "{doc:#}");
    assert!(
        finding["server_text"]
            .as_str()
            .is_some_and(|t| t.contains("ticket-import")),
        "{doc:#}"
    );
}

#[test]
fn a_message_that_is_no_report_gives_no_reason_from_its_words_alone() {
    // A phishing mail in a failure's words: no reader takes it for a report, and a reason
    // its words give is no failure of its own.
    let raw = "From: IT Helpdesk <helpdesk@phish.example>\nTo: me@example.com\n\
               Subject: Action required\n\n\
               Dear user, a message infected by virus was found in your account.\n\
               Verify your account within 24 hours at http://phish.example/verify\n";
    bouncex()
        .args(["explain", "--json"])
        .write_stdin(raw)
        .assert()
        .code(1);
}

#[test]
fn a_daemon_sender_or_a_failure_subject_alone_is_no_bounce() {
    // A test mail from MAILER-DAEMON, an "Undeliverable:" subject over a test body, and a
    // phishing mail sent as "postmaster@": nothing in their text says a delivery failed.
    for raw in [
        "From: MAILER-DAEMON@mta.example.net (Mail Delivery System)\nTo: me@example.com\n\
         Subject: Test\n\nHi\n",
        "From: postmaster@example.net\nTo: me@example.com\nSubject: Undeliverable: Some subject\n\n\
         Test message\n",
        "From: Account Team <postmaster@mg.example.net>\nTo: me@example.com\n\
         Subject: Verify your account\n\nYour account will be blocked unless you verify it today.\n",
    ] {
        let out = explain_stdin(raw);
        assert_eq!(out.status.code(), Some(1), "{raw}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(doc["findings"], serde_json::json!([]), "{raw}");
    }
    // The same daemon naming the address it failed for is a bounce.
    let doc = explain_json(
        "From: MAILER-DAEMON@mta.example.net\nTo: me@example.com\nSubject: Test\n\n\
         <bob@example.org>: 550 5.1.1 User unknown\n",
    );
    assert_eq!(first(&doc)["recipient"], "bob@example.org", "{doc:#}");
}

#[test]
fn a_help_address_whose_sentence_wraps_is_no_recipient() {
    let raw = "From: Mail Delivery Subsystem <mailer-daemon@example.edu>\nTo: me@example.com\n\
               Subject: Delivery Status Notification (Failure)\n\n\
               Your message could not be delivered: at least one invalid address in the\n\
               @example.edu domain.\n\n\
               If you need help determining the cause of the delivery failure, please contact\n\
               the IT Service Desk at 707 555-0100 or via email at desk@example.edu.\n";
    let doc = explain_json(raw);
    for f in findings(&doc) {
        assert_ne!(f["recipient"], "desk@example.edu", "{doc:#}");
    }
}

#[test]
fn quoted_header_fields_and_their_folded_lines_name_no_recipient() {
    // Sun Internet Mail Server quotes the returned message's fields, `Message-id:` folded
    // onto the next line; Exchange 5.5 quotes a `To:` list that a client re-wrapped.
    let raw = "From: Internet Mail Delivery <postmaster@mail.example.net>\nTo: me@example.com\n\
               Subject: Delivery Notification: Delivery has failed\n\n\
               This report relates to a message you sent with the following header fields:\n\n\
               \x20 Message-id:\n   <3891F8E9@mbx.example.com>\n\
               \x20 To:      a@example.com; b@example.com;\n\
               c@example.net; d@example.net\n\n\
               Your message cannot be delivered to the following recipients:\n\n\
               \x20 Recipient address: roger@mail.example.net\n\
               \x20 Reason: recipient reached disk quota\n";
    let doc = explain_json(raw);
    let recipients: Vec<_> = findings(&doc)
        .iter()
        .map(|f| f["recipient"].clone())
        .collect();
    assert_eq!(
        recipients,
        [Value::from("roger@mail.example.net")],
        "{doc:#}"
    );
    assert_eq!(first(&doc)["reason"], "mailboxfull", "{doc:#}");
}

#[test]
fn a_success_notice_in_prose_reports_delivery_not_failure() {
    // Exchange's relay notice: the message left, the destination may send no report.
    let raw = "From: postmaster@example.com\nTo: me@example.com\n\
               Subject: Delivery Status Notification (Relay)\n\n\
               This is an automatically generated Delivery Status Notification.\n\n\
               Your message has been successfully relayed to the following recipients, but the \
               requested delivery status notifications may not be generated by the destination.\n\n\
               \x20      bob@example.org\n";
    let doc = explain_json(raw);
    let f = first(&doc);
    assert_eq!(
        (&f["recipient"], &f["bounce"], &f["reason"], &f["action"]),
        (
            &"bob@example.org".into(),
            &"none".into(),
            &"delivered".into(),
            &"none".into()
        ),
        "{doc:#}"
    );
}

/// A look-alike passed on by a mailing list: "Undeliverable" from "Postmaster", a greeting
/// to the list's address, a link to click and the list's footer. It names no failed
/// recipient and returns no original message, so it reports nothing.
#[test]
fn a_phishing_lure_through_a_list_reports_nothing() {
    let lure = "From: Postmaster <devel@lists.example.org>\nTo: devel@lists.example.org\nSubject: [Devel] Undeliverable: Incoming messages failure\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/html\n\n<p>Dear devel@lists.example.org,</p><p>Your incoming messages have been placed on hold. Review them below.</p><a href=\"https://login.example.net/\">Email Account Settings</a>\n--b\nContent-Type: text/plain\n\n_______________________________________________\nDevel mailing list\ndevel@lists.example.org\nhttps://lists.example.org/mailman/listinfo/devel\n--b--\n";
    let out = explain_stdin(lure);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&doc).len(), 0, "{doc}");
    // A real notice that lost its own text but returns the original is still read.
    let ndr = "From: exchange.administrator@example.com\nTo: bob@example.net\nSubject: Undeliverable: Weekend plans\n\n--------- Inline attachment follows ---------\n\nFrom: </O=EXAMPLE/OU=NA/CN=RECIPIENTS/CN=BOB>\nTo: 'alice@example.org'\nDate: Friday, November 23, 2001 3:22:00 GMT\nSubject: Weekend plans\n\nSee you there.\n";
    let doc: serde_json::Value = serde_json::from_slice(&explain_stdin(ndr).stdout).unwrap();
    assert_eq!(findings(&doc).len(), 1, "{doc}");
}

/// Backscatter of spam forged "from" a list to the same list: the bounce's own receiver is
/// the recipient that failed, listed alone under the notice's heading.
#[test]
fn a_bounce_to_the_address_that_failed_names_it() {
    let ndr = "From: postmaster@mx.example.net\nTo: devel@lists.example.org\nSubject: Message undeliverable: Biggest giveaway\n\nYour message did not reach some or all of the intended recipients.\n\n   Sent: 6 May 2023 14:30:06 -0600\n   Subject: Biggest giveaway\n\nThe following recipient(s) could not be reached:\n\ndevel@lists.example.org\n   Error Type: SMTP\n   Remote server (192.0.2.136) issued an error.\n   hMailServer sent: RCPT TO:<devel@lists.example.org>\n   Remote server replied: 451 4.7.1 <devel@lists.example.org>: Recipient address rejected: Greylisted, please try again later\n";
    let doc = explain_json(ndr);
    assert_eq!(first(&doc)["recipient"], "devel@lists.example.org", "{doc}");
    assert_eq!(first(&doc)["reason"], "greylisted", "{doc}");
}
