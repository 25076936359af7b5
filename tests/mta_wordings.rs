//! How MTAs word failures in their own reports, read the way the MTA that writes them means
//! them (the wordings of Sisimai's per-MTA tables, lib/Sisimai/Lhost/*.pm, checked against
//! the MTAs' sources). Every line is synthetic and written here.

mod common;
use common::{explain_json, first, qmail_bounce};

/// The reason `explain` gives for `text`, with its code and stage, as one line to compare.
fn read(text: &str) -> String {
    let doc = explain_json(text);
    let f = first(&doc);
    format!(
        "{} {} {}",
        f["reason"].as_str().unwrap_or("null"),
        f["code"].as_str().unwrap_or("null"),
        f["stage"].as_str().unwrap_or("null")
    )
}

fn reason(text: &str) -> String {
    first(&explain_json(text))["reason"]
        .as_str()
        .unwrap_or("null")
        .to_string()
}

fn assert_reason(want: &str, texts: &[&str]) {
    for text in texts {
        assert_eq!(reason(text), want, "{text}");
    }
}

/// The reason and the action `explain` gives for `text`.
fn assert_verdict(text: &str, reason: &str, action: &str) {
    let doc = explain_json(text);
    let f = first(&doc);
    assert_eq!(f["reason"], reason, "{text}");
    assert_eq!(f["action"], action, "{text}");
}

#[test]
fn amavis_verdicts_and_relay_failures() {
    assert_reason(
        "virusdetected",
        &["554 5.7.0 Reject, queue 7F2A1 - INFECTED: Eicar-Test-Signature"],
    );
    assert_reason(
        "contenterror",
        &["554 5.6.0 Reject, queue 7F2A1 - BAD HEADER: Improper use of control character"],
    );
    // Amavis failing to hand the message back to its MTA is not a relay refusal.
    assert_reason(
        "systemerror",
        &[
            "554 5.4.0 Reject, queue 7F2A1 - unable to relay message back to MTA",
            "451 4.5.0 Error in processing, id=31337-02, temporary MTA failure on relaying",
            "554 5.0.0 Reject, queue 7F2A1 - rejected by next-hop MTA on relaying",
        ],
    );
    // The weak wrapper leaves the embedded reply's own code to decide.
    assert_eq!(
        reason(
            "550 5.1.1 rejected by next-hop MTA on relaying, from MTA(smtp:[127.0.0.1]:10025): 550 5.1.1 <bob@example.org>: User unknown"
        ),
        "userunknown"
    );
}

#[test]
fn exim_address_parser_and_router_wordings() {
    assert_reason(
        "syntaxerror",
        &[
            "550 5.7.0 Syntax error in 'To' header when scanning for receivers: malformed address: <bob@example.org> may not follow \"Bob\"",
            "550 Syntax error in 'From' header: angle-brackets nested too deep",
            "550 5.0.0 expected word or \"<\"",
            "550 5.0.0 domain missing in source-routed address",
        ],
    );
    assert_reason(
        "systemerror",
        &[
            "550 5.0.0 delivery to pipe forbidden",
            "550 5.0.0 delivery to file forbidden",
            "550 5.0.0 local delivery failed",
        ],
    );
    assert_reason(
        "hostunknown",
        &["550 5.0.0 all host address lookups failed permanently"],
    );
    assert_reason("mailboxfull", &["550 5.0.0 error: quota exceed"]);
}

#[test]
fn google_dns_errors_that_name_a_missing_domain() {
    assert_reason(
        "hostunknown",
        &[
            "550 5.0.0 DNS Error: Domain name not found",
            "550 5.0.0 DNS Error: DNS server returned answer with no data",
        ],
    );
    // Other DNS errors stay temporary trouble.
    assert_reason(
        "networkerror",
        &[
            "450 4.0.0 DNS Error: Could not contact DNS servers",
            "550 5.0.0 DNS type 'aaaa' lookup of mx.example.org had no relevant answers.",
        ],
    );
    // A domain whose null MX says it takes no mail (RFC 7505) is no DNS trouble.
    assert_reason(
        "notaccept",
        &[
            "451 4.0.0 DNS Error: 9876 DNS type 'mx' lookup of example.org responded with code NOERROR The domain example.org doesn't receive email according to the administrator: returned Null MX",
        ],
    );
    assert_reason(
        "userunknown",
        &[
            "550 5.0.0 Your message wasn't delivered to bob@example.org because the address couldn't be found. Check for typos or unnecessary spaces and try again.",
        ],
    );
}

#[test]
fn opensmtpd_route_and_destination_failures() {
    assert_reason(
        "networkerror",
        &[
            "550 5.0.0 No valid route to remote MX",
            "550 5.0.0 All routes to destination blocked",
            "450 4.0.0 Temporary failure in MX lookup",
            "550 5.0.0 Address family mismatch on destination MXs",
            "450 4.0.0 Could not retrieve source address",
            "550 5.0.0 Loop detected",
        ],
    );
    assert_reason(
        "notaccept",
        &["550 5.0.0 Destination seem to reject all mails"],
    );
    assert_reason("hostunknown", &["550 5.0.0 Invalid domain name"]);
    assert_reason(
        "securityerror",
        &["450 4.0.0 Could not retrieve credentials"],
    );
    // Its delivery agent (an mda command) that exits non-zero or is killed (smtpd.c).
    assert_reason(
        "mailererror",
        &[
            "550 5.3.0 exited abnormally",
            "450 4.3.0 terminated; signal 9",
        ],
    );
}

#[test]
fn domino_directory_in_every_language() {
    assert_reason(
        "userunknown",
        &[
            "550 5.0.0 El usuario kijitora no se encuentra en el Directorio de Domino",
            "550 5.0.0 Utilisateur kijitora non répertorié dans l'annuaire Domino",
            "550 5.0.0 ユーザー kijitora は Domino ディレクトリには見つかりません",
            "550 5.0.0 ユーザー kijitora はディレクトリのリストにありません",
        ],
    );
    assert_reason(
        "systemerror",
        &["550 5.0.0 Several matches found in Domino Directory"],
    );
    assert_reason(
        "networkerror",
        &["554 5.0.0 Message has exceeded maximum hop count"],
    );
}

#[test]
fn exchange_resolver_tokens_and_ims_codes() {
    assert_reason(
        "systemerror",
        &[
            "550 5.1.4 RESOLVER.ADR.Ambiguous; ambiguous address",
            "550 5.2.0 RESOLVER.ADR.BadPrimary; the primary SMTP address is invalid",
            "550 5.1.0 RESOLVER.ADR.InvalidInSmtp; invalid address",
            "550 5.0.0 MSEXCH:IMS:EXAMPLE:SITE:SERVER01 0 (000D06B5) No proxy for recipient (non-smtp mail?)",
        ],
    );
    assert_reason(
        "toomanyconn",
        &["550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients"],
    );
    assert_reason(
        "networkerror",
        &[
            "554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for the destination domain are configured in a loop",
            "550 5.0.0 MSEXCH:IMS:EXAMPLE:SITE:SERVER01 0 (00120270) Too Many Hops",
        ],
    );
    assert_reason(
        "userunknown",
        &["550 5.0.0 MSEXCH:IMS:EXAMPLE:SITE:SERVER01 0 (000C05A6) Unknown Recipient"],
    );
    assert_reason(
        "contenterror",
        &[
            "554 5.0.0 MSEXCH:IMS:EXAMPLE:SITE:SERVER01 3550 (00050311) Conversion to Internet format failed",
        ],
    );
    assert_reason(
        "securityerror",
        &[
            "550 5.0.0 MSEXCH:IMS:EXAMPLE:SITE:SERVER01 0 (000B0981) 502 Server does not support AUTH",
        ],
    );
}

#[test]
fn qmail_and_qmail_ldap_wordings() {
    assert_reason(
        "systemerror",
        &[
            "451 Temporary failure in LDAP lookup. (#4.4.3)",
            "554 Permanent error while executing qmail-forward. (#5.4.4)",
            "451 Automatic homedir creator crashed. (#4.3.0)",
            "554 /home/bob/bin/filter: /usr/local/bin/perl: bad interpreter: No such file or directory",
        ],
    );
    assert_reason(
        "suspend",
        &["550 Mailaddress is administrativley disabled. (#5.2.1)"],
    );
    assert_reason(
        "exceedlimit",
        &["552 The message exeeded the maximum size the user accepts. (#5.2.3)"],
    );
    assert_reason(
        "systemfull",
        &["552 Requested action not taken: mailbox unavailable (not enough free space)"],
    );
}

#[test]
fn fml_list_reports() {
    assert_reason(
        "systemerror",
        &[
            "550 5.0.0 Loop Alert: dup'ed message id received",
            "550 5.0.0 example-ml@example.org has detected a loop condition so that input mail has not been distributed",
            "550 5.0.0 Duplicated Message-ID",
        ],
    );
    assert_reason(
        "rejected",
        &["550 5.0.0 NOT MEMBER article from alice@example.net (example-ml ML)"],
    );
}

#[test]
fn other_mta_wordings() {
    assert_reason(
        "hostunknown",
        &["550 5.0.0 DNS lookup failure: host mx.example.org not found"],
    );
    assert_reason(
        "systemerror",
        &["550 5.0.0 This domain's DNS violates RFC 1035."],
    );
    // SPF checkers (pypolicyd-spf, Exim's SPF module) may give the SPF project's page as
    // the refusal's only words.
    assert_reason(
        "authfailure",
        &[
            "550 5.7.1 <bob@example.org>: Recipient address rejected: Please see http://www.openspf.net/Why?s=mfrom;id=alice@example.net;ip=192.0.2.7;r=bob@example.org",
            "550 Please see http://www.open-spf.org/Why",
        ],
    );
    // Outlook.com's refusal of a message whose headers break RFC 5322 asks to "ensure" it.
    assert_reason(
        "notcompliantrfc",
        &[
            "550 5.7.0 (COL004-MC4F14) Message could not be delivered. Please ensure the message is RFC 5322 compliant.",
        ],
    );
    // PHPMailer prints its own "Mailer Error:" before the server's reply: no mailer failed.
    assert_reason(
        "securityerror",
        &[
            "Mailer Error: SMTP server error: MAIL FROM command failed Detail: 530 5.5.1 Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError - gsmtp",
        ],
    );
    assert_reason("mailererror", &["554 5.3.0 unknown mailer error 255"]);
    // Outlook.com under the sending domain's DMARC policy.
    assert_reason(
        "authfailure",
        &[
            "550 5.7.0 (COL004-MC1F52) Unfortunately, messages from (192.0.2.7) on behalf of (example.net) could not be delivered due to domain owner policy restrictions.",
        ],
    );
    // Sending services refuse a From their account may not use.
    assert_reason(
        "rejected",
        &[
            "550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements",
            "550 5.7.1 Unconfigured Sending Domain <example.net>",
        ],
    );
    // au (KDDI) EZweb: a stopped account.
    assert_reason(
        "suspend",
        &[
            "550 The user(s) account is disabled.",
            "550 The user(s) account is temporarily limited.",
        ],
    );
}

/// qmail-remote names the command that failed ("does not like recipient.", "failed on DATA
/// command", ...): the stage follows, and with it what a bare 550 at RCPT means.
#[test]
fn qmail_remote_stage_words_set_the_stage() {
    assert_eq!(
        read(
            "192.0.2.25 does not like recipient. Remote host said: 550 Requested action not taken: mailbox unavailable"
        ),
        "userunknown 5.1.1 rcpt"
    );
    assert_eq!(
        read("192.0.2.25 failed on DATA command Remote host said: 554 5.7.1 Message rejected"),
        "securityerror 5.7.1 data"
    );
    let bounce = |line: &str, reply: &str| {
        qmail_bounce(
            "bob@example.org",
            &format!("{line}\nRemote host said: {reply}\nGiving up on 192.0.2.25."),
        )
    };
    for (line, reply, want) in [
        (
            "192.0.2.25 does not like recipient.",
            "550 Requested action not taken: mailbox unavailable",
            "userunknown 5.1.1 rcpt",
        ),
        (
            "192.0.2.25 failed on DATA command",
            "554 5.7.1 Message rejected",
            "securityerror 5.7.1 data",
        ),
        (
            "192.0.2.25 failed after I sent the message.",
            "554 5.7.1 Message rejected",
            "securityerror 5.7.1 end-of-data",
        ),
        (
            "Connected to 192.0.2.25 but sender was rejected.",
            "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
            "rejected 5.7.1 mail",
        ),
        (
            "Connected to 192.0.2.25 but my name was rejected.",
            "550 Bad HELO",
            "blocked null helo",
        ),
    ] {
        assert_eq!(read(&bounce(line, reply)), want, "{line}");
    }
}

#[test]
fn size_wording_without_an_enhanced_code_is_the_systems_limit() {
    // RFC 1870 §6's "552 Message size exceeds fixed maximum message size", shortened as
    // servers write it without an enhanced code; only X.2.x makes it the mailbox's own limit.
    assert_reason(
        "mesgtoobig",
        &["552 Message too large", "550 message too large"],
    );
    assert_eq!(read("message too large"), "mesgtoobig 5.3.4 null");
    assert_reason("exceedlimit", &["552 5.2.3 Message too large"]);
}

/// Exim's notices about a message it refused while receiving it (moan.c), and its routers'
/// refusal to route to itself (rf_self_action.c): no code of their own, so one is inferred.
#[test]
fn exim_receive_time_notices_and_self_routing() {
    assert_eq!(
        read(
            "A message that you sent was longer than the maximum size allowed on this\n\
             system. It was not delivered to any recipients."
        ),
        "mesgtoobig 5.3.4 null"
    );
    assert_eq!(
        read(
            "A message that you sent contained more recipients than allowed on this\n\
             system. It was not delivered to any recipients."
        ),
        "exceedlimit 5.5.3 null"
    );
    assert_eq!(
        read("lowest numbered MX record points to local host"),
        "systemerror 5.4.6 null"
    );
}

/// Courier's own wordings (module.local/local.C, submit.C, libesmtp.C, a ratelimit filter
/// example): its local module names the user in angle brackets, and a HELO check is about
/// the client, never about the recipient's mailbox.
#[test]
fn courier_wordings() {
    assert_reason("userunknown", &["550 User <bob> unknown"]);
    assert_reason(
        "blocked",
        &[
            "517 HELO mail.invalid.example does not exist.",
            "517 HELO mail.example.net does not match 192.0.2.1",
        ],
    );
    assert_reason(
        "ratelimited",
        &["552 192.0.2.1 is sending too much mail, slow down."],
    );
    assert_reason(
        "mesgtoobig",
        &["523 Message length (2000000 bytes) exceeds administrative limit(1000000)."],
    );
}

/// A receiver that could not finish checking an address (Postfix reject_unverified_recipient,
/// Exim callouts) or that stopped taking recipients from a client naming too many bad ones has
/// said nothing about this mailbox: never `userunknown`, never suppress.
#[test]
fn unfinished_address_checks_and_bad_recipient_guards_do_not_suppress() {
    for text in [
        "450 4.1.1 <bob@example.org>: Recipient address rejected: address verification problem",
        "450 4.1.1 <bob@example.org>: Recipient address rejected: unverified address: Address verification in progress",
        "451 Could not complete recipient verify callout",
        "421 4.7.0 mail.example.com Too many bad recipients; closing connection",
        "550 Rejected for too many bad recipients",
        "450 4.1.2 <bob@example.org>... MX lookup failure for example.org",
    ] {
        let doc = explain_json(text);
        let f = first(&doc);
        assert_ne!(f["reason"], "userunknown", "{text}");
        assert_ne!(f["reason"], "hostunknown", "{text}");
        assert_ne!(f["action"], "suppress", "{text}");
    }
    // The verifier's own verdict, quoted after "unverified address:", still decides.
    assert_reason(
        "userunknown",
        &[
            "550 5.1.1 <bob@example.org>: Recipient address rejected: unverified address: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown",
        ],
    );
}

/// Local delivery agents that cannot write a mailbox because of the receiving host's set-up
/// (Postfix local/virtual, Exim appendfile, Sendmail mail.local): the receiver's fault, not a
/// recipient's filter; a quota that stopped the write stays a full mailbox.
#[test]
fn local_mailbox_write_failures_are_the_receivers() {
    assert_reason(
        "systemerror",
        &[
            "450 4.2.0 cannot update mailbox /var/mail/bob for user bob. destination /var/mail/bob is not owned by recipient",
            "550 5.2.0 maildir delivery failed: create maildir file /home/bob/Maildir/tmp/1.P2.mx: Permission denied",
            "450 4.2.0 cannot update mailbox /var/mail/bob for user bob. unable to lock for exclusive access: Resource temporarily unavailable",
            "550 5.2.0 /var/mail/bob: too many links",
        ],
    );
    assert_reason(
        "mailboxfull",
        &[
            "550 5.2.2 cannot update mailbox /var/mail/bob for user bob. unable to create lock file /var/mail/bob.lock: Disk quota exceeded",
        ],
    );
}

/// Postfix, Exim and Sendmail wordings whose reason the words name, whatever the code's own.
#[test]
fn postfix_exim_and_sendmail_server_wordings() {
    assert_reason(
        "ratelimited",
        &["450 4.7.1 Error: too many recipients from 198.51.100.7"],
    );
    assert_reason("toomanyconn", &["452 4.5.3 Error: too many recipients"]);
    assert_reason(
        "expired",
        &["451 4.7.0 message is administratively expired"],
    );
    assert_reason(
        "hostunknown",
        &[
            "550 5.1.2 Name service error for exa_mple.org: invalid host or domain name",
            "2025-01-06 10:00:00 1tXyZa-000AbC-2D ** jdoe@example.org R=dnslookup T=remote_smtp: all host address lookups for 'example.org' failed permanently",
        ],
    );
    assert_reason(
        "contenterror",
        &[
            "552 A message header line is too long",
            "550 maximum allowed line length is 998 octets, got 1200",
        ],
    );
    assert_reason("toomanyconn", &["452 4.3.2 Too many open connections."]);
    assert_reason(
        "requireptr",
        &["451 4.1.8 Client IP address 192.0.2.1 does not resolve"],
    );
    assert_reason(
        "networkerror",
        &["451 4.4.3 Temporary lookup failure of 192.0.2.1 at zen.spamhaus.org"],
    );
    assert_reason(
        "syntaxerror",
        &[
            "554 SMTP synchronization error",
            "503 5.0.0 Need MAIL before RCPT",
        ],
    );
    assert_reason("syntaxerror", &["550 Restricted characters in address"]);
    assert_reason(
        "securityerror",
        &[
            "2025-01-06 10:00:00 1tXyZa-000AbC-2D ** jdoe@example.org R=dnslookup T=remote_smtp: a TLS session is required, but the server did not offer TLS support",
        ],
    );
}

/// Mail stores behind LMTP (Dovecot, Cyrus, Zimbra) report their own trouble with mailbox
/// codes: the words say the store failed, so the address is kept; a recipient's Sieve reject
/// is that recipient's filter.
#[test]
fn mail_store_wordings() {
    for text in [
        "451 4.3.0 <bob@example.org> Invalid user settings. Refer to server log for more information.",
        "451 4.2.0 <bob@example.org> Mailbox doesn't exist: INBOX",
        "451 4.2.1 Mailbox has been moved to another server",
        "451 4.2.0 Mailbox has an invalid format",
    ] {
        assert_verdict(text, "systemerror", "retry");
    }
    // A permanent "mailbox doesn't exist" is still the missing user it says.
    assert_reason(
        "userunknown",
        &["550 5.1.1 <bob@example.org> Mailbox doesn't exist: bob"],
    );
    assert_reason(
        "mailboxfull",
        &["552 5.2.2 <bob@example.org> Too many messages in the mailbox"],
    );
    assert_reason(
        "securityerror",
        &["451 4.2.2 Server accepts messages only on TLS connection"],
    );
    assert_reason(
        "filtered",
        &["550 5.7.1 Your message to <bob@example.org> was automatically rejected: not wanted"],
    );
}

/// RFC 7505: 5.7.27 is the sender's null MX (a refusal of the sender), 5.1.10 the
/// recipient's (the recipient's domain takes no mail, so the address is dead).
#[test]
fn null_mx_of_the_sender_is_no_reason_to_drop_the_recipient() {
    for text in [
        "550 5.7.27 Null MX: example.com does not send mail",
        "501 5.7.27 Domain in MAIL FROM does not have any MX records",
    ] {
        let doc = explain_json(text);
        assert_eq!(first(&doc)["reason"], "rejected", "{text}");
        assert_ne!(first(&doc)["action"], "suppress", "{text}");
    }
    assert_verdict(
        "556 5.1.10 <bob@example.org>: Recipient address rejected: Domain example.org does not accept mail (nullMX)",
        "notaccept",
        "suppress",
    );
}

/// Haraka, hMailServer, Stalwart, IceWarp and filtering services: the client's HELO, a relay
/// refusal per domain and a sender block list are never the recipient's mailbox.
#[test]
fn smaller_mtas_and_filtering_services() {
    assert_reason(
        "blocked",
        &[
            "550 Invalid address format in HELO",
            "550 5.5.2 Invalid address format in HELO",
            "550 HELO host has no forward DNS match",
            "550 5.5.0 Invalid EHLO domain.",
        ],
    );
    assert_reason(
        "norelaying",
        &["550 Mail for that recipient is not accepted here."],
    );
    assert_reason("rejected", &["551 Sender is on domain's blacklist"]);
    assert_reason("suspend", &["550 Account is not active."]);
    assert_reason("mesgtoobig", &["501 5.7.1 Message is too long"]);
    assert_reason("spamdetected", &["550 Mail matches a known spam signature"]);
    assert_reason("requireptr", &["550 Sorry, no FCrDNS match found"]);
    assert_reason(
        "userunknown",
        &[
            "550 5.7.1 <bob@example.org>: Recipient address rejected: User email address is marked as invalid.",
        ],
    );
}

/// Amazon SES's own sending quota is the sender's rate limit, not a recipient's full mailbox.
#[test]
fn a_senders_daily_quota_is_a_rate_limit() {
    let doc = explain_json("554 Throttling failure: Daily message quota exceeded.");
    assert_eq!(first(&doc)["reason"], "ratelimited");
    assert_ne!(first(&doc)["action"], "contact-recipient");
}

/// Postfix's own texts for a failure it saw itself state no code in a report's
/// `Diagnostic-Code: X-Postfix;` line; Postfix's own DSN for each wording (smtp_connect.c,
/// smtp_addr.c, smtp_proto.c) is inferred.
#[test]
fn postfix_client_texts_without_a_code_infer_postfixs_own() {
    for (text, want) in [
        (
            "connect to mx.example.org[192.0.2.1]:25: Network is unreachable",
            "networkerror 4.4.1 connect",
        ),
        (
            "Cannot start TLS: handshake failure",
            "securityerror 4.7.5 null",
        ),
        (
            "message size 30000000 exceeds size limit 20000000 of server mx.example.org[192.0.2.1]",
            "mesgtoobig 5.3.4 null",
        ),
        (
            "unable to look up host example.org: Name or service not known",
            "hostunknown 5.4.4 null",
        ),
    ] {
        assert_eq!(read(&format!("Diagnostic-Code: X-Postfix; {text}")), want);
    }
}

/// Exim's router and transport texts, pasted alone as a bounce shows them (no code of their
/// own), infer the code of what they say (routers/dnslookup.c, transports/smtp.c).
#[test]
fn exim_router_texts_alone_infer_a_code() {
    assert_eq!(
        read("an MX or SRV record indicated no SMTP service"),
        "notaccept 5.1.10 null"
    );
    assert_eq!(
        read("all host address lookups for 'example.com' failed permanently"),
        "hostunknown 5.4.4 null"
    );
    assert_eq!(
        read("failed to lookup IP address for mx.example.com"),
        "hostunknown 5.4.4 null"
    );
}

/// Replies from the providers' reference tables whose words name the cause whatever the code.
#[test]
fn provider_replies_whose_words_decide() {
    let rows = [
        (
            "550 5.1.4 Recipient address reserved by RFC 2606",
            "hostunknown",
            "suppress",
        ),
        (
            "450 4.7.1 <bob@example.org>: Recipient address rejected: 192.0.2.1 is not yet authorized to deliver mail from <a@example.net> to <bob@example.org>. Please try later.",
            "greylisted",
            "retry",
        ),
        (
            "550 5.2.2 Submission quota exceeded",
            "ratelimited",
            "fix-sender",
        ),
        (
            "550 5.2.1 Content Filter agent quarantined this message",
            "spamdetected",
            "fix-sender",
        ),
        (
            "451 VS1-IP Excessive unknown recipients - possible Open Relay (#4.1.8)",
            "blocked",
            "retry",
        ),
        (
            "450 4.1.1 <bob@example.org>: Recipient address rejected: unverified address: host mx.example.org[192.0.2.1] said: 450 4.2.0 Temporary failure",
            "systemerror",
            "retry",
        ),
        // Exchange address book policy routing: the mailbox exists.
        (
            "550 5.3.2 STOREDRV.Deliver: Missing or bad StoreDriver MDB properties",
            "notaccept",
            "contact-recipient",
        ),
    ];
    // Google Workspace's own bounce text states no code: the address is unknown (5.1.1).
    assert_eq!(
        read(
            "Your message wasn't delivered to bob@example.com because the address couldn't be found. Check for typos or unnecessary spaces and try again."
        ),
        "userunknown 5.1.1 null"
    );
    for (text, reason, action) in rows {
        assert_verdict(text, reason, action);
    }
}

/// A refusal of MAIL FROM concerns the sender in a mail log as in a bounce (RFC 5321 §3.3):
/// "<domain> does not exist" there is the sender's domain, never a reason to drop the
/// recipient. And an IP blocked for naming too many unknown users is no unknown user.
#[test]
fn a_refusal_at_mail_from_in_a_log_is_the_senders() {
    let line = "Dec  7 10:00:00 mx postfix/smtp[1]: ABC123: to=<bob@example.jp>, relay=mx.example.jp[192.0.2.9]:25, delay=1, delays=0/0/1/0, dsn=5.0.0, status=bounced (host mx.example.jp[192.0.2.9] said: 553 example-nodns.jp does not exist (in reply to MAIL FROM command))";
    let doc = explain_json(line);
    assert_eq!(first(&doc)["stage"], "mail");
    assert_eq!(first(&doc)["reason"], "rejected");
    assert_eq!(first(&doc)["action"], "fix-sender");
    // Words that name a TLS requirement keep it, whatever command they answered.
    let tls = explain_json(&line.replace(
        "553 example-nodns.jp does not exist",
        "530 5.7.0 Must issue a STARTTLS command first",
    ));
    assert_eq!(first(&tls)["reason"], "securityerror");
    assert_verdict(
        "450 4.7.1 Service refused due to bad behavior - Too many unknown users (SFR_IN_104)",
        "blocked",
        "retry",
    );
}

/// Regional providers' documented refusals (Naver, Libero, Interia, Aliyun, QQ).
#[test]
fn regional_provider_refusals() {
    let rows = [
        (
            "421 4.3.2 Your IP(198.51.100.7) is filtered. You must register your IP to http://realip.naver.com",
            "blocked",
        ),
        ("550 Relay Disabled", "norelaying"),
        ("550 5.7.1 Recipient doesn't want your mail", "filtered"),
        (
            "554 5.7.1 (13)ESO_LOCAL_SPAM: spamed by local spam engine",
            "spamdetected",
        ),
        (
            "550 Frequency of receiving messages is limited. https://service.mail.qq.com/detail/122/1011",
            "ratelimited",
        ),
    ];
    for (text, reason) in rows {
        assert_reason(reason, &[text]);
    }
}

/// RFC 3463's X.1.7 and X.1.8 name the envelope sender: a server's vague "Invalid address"
/// under them must not make the recipient look unknown (and be suppressed).
#[test]
fn sender_address_codes_fault_the_sender() {
    assert_verdict("501 5.1.7 Invalid address", "rejected", "fix-sender");
    assert_verdict(
        "550 5.1.8 <a@gone.example>: Sender address rejected: Domain not found",
        "rejected",
        "fix-sender",
    );
    // The same words under a recipient's code still mean the recipient's address.
    assert_verdict("553 5.1.3 Invalid address", "userunknown", "suppress");
}

/// The qmail family's own wordings (notqmail qmail-smtpd.c and qmail-send.c, sagredo-dev's
/// qmail patches, chkuser, simscan), as replies and pasted alone. Their codes sit at the end
/// in parentheses, `(#5.1.1)` or `(#5.1.1 - chkuser)`: the words are before them.
#[test]
fn qmail_family_wordings() {
    let doc = explain_json("User over quota. (#5.1.1)");
    assert_eq!(first(&doc)["server_text"], "User over quota.");
    assert_eq!(first(&doc)["reason"], "mailboxfull");
    assert_verdict(
        "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
        "rejected",
        "fix-sender",
    );
    assert_verdict(
        "511 sorry, can't find a valid MX for sender domain (#5.1.1 - chkuser)",
        "rejected",
        "fix-sender",
    );
    // A client that named too many bad recipients: nothing is known of this address.
    assert_verdict(
        "421 too many invalid addresses, goodbye (#4.3.0)",
        "blocked",
        "retry",
    );
    assert_verdict(
        "571 sorry, you are violating our security policies (#5.1.1 - chkuser)",
        "blocked",
        "fix-sender",
    );
    assert_reason("norelaying", &["553 we don't relay (#5.7.1)"]);
    assert_reason(
        "networkerror",
        &["451 DNS temporary failure (#4.5.1 - chkuser)"],
    );
    assert_reason(
        "ratelimited",
        &["421 you have exceeded your messaging limits (#4.3.0)"],
    );
    assert_reason(
        "spamdetected",
        &["554 Your email is considered spam (12.30 spam-hits)"],
    );
    assert_reason(
        "virusdetected",
        &["554 Your email was rejected because it contains the Eicar-Test-Signature virus"],
    );
    assert_reason("rejected", &["503 from and auth not the same (#5.5.1)"]);
    assert_reason("securityerror", &["530 Authorization required (#5.7.1)"]);
    assert_reason(
        "networkerror",
        &["CNAME lookup failed temporarily. (#4.4.3)"],
    );
    assert_reason(
        "notcompliantrfc",
        &["451 See https://cr.yp.to/docs/smtplf.html."],
    );
    // qmail-local's deferrals for the receiving host's own broken setup: neither a policy
    // block (#4.7.0) nor a disabled mailbox (#4.2.1).
    assert_reason(
        "systemerror",
        &[
            "Uh-oh: home directory is writable. (#4.7.0)",
            "Unable to chdir to maildir. (#4.2.1)",
        ],
    );
    assert_reason(
        "systemfull",
        &["Unable to write ./Mailbox: out of disk space. (#4.3.0)"],
    );
    // qmail-send gives up on a message that outlived its queue lifetime: a temporary
    // failure that lasted (RFC 3463 §3.5, X.4.7).
    let doc =
        explain_json("I'm not going to try again; this message has been in the queue too long.");
    assert_eq!(
        (&first(&doc)["code"], &first(&doc)["reason"]),
        (&"4.4.7".into(), &"expired".into())
    );
}

/// spamdyke's fixed refusal texts (spamdyke.h): the reply codes are generic, the words name
/// the check.
#[test]
fn spamdyke_refusals() {
    let rows = [
        (
            "554 Refused. You are not following the SMTP protocol.",
            "blocked",
        ),
        ("554 Refused. Access is denied.", "blocked"),
        (
            "554 Refused. Mail is not being accepted at this address.",
            "filtered",
        ),
        (
            "554 Refused. Identical sender and recipient addresses are not allowed.",
            "policyviolation",
        ),
        ("421 Timeout. Talk faster next time.", "networkerror"),
        (
            "554 Refused. Sending to remote addresses (relaying) is not allowed.",
            "norelaying",
        ),
        (
            "421 Refused. The domain of your sender address has no mail exchanger (MX).",
            "rejected",
        ),
    ];
    for (text, reason) in rows {
        assert_reason(reason, &[text]);
    }
}

/// What live OpenSMTPD 6.8, Exim 4.96 and Postfix 3.7 runs wrote themselves, read from
/// their logs and alone: the stage their words name, and the reason.
#[test]
fn sending_mtas_own_session_failures() {
    // OpenSMTPD (mta_session.c, mta.c, mda.c), pasted alone: each infers a code.
    assert_eq!(
        read("Connection closed unexpectedly"),
        "networkerror 4.4.2 null"
    );
    assert_eq!(
        read("IO Error: Connection reset by peer"),
        "networkerror 4.4.2 null"
    );
    assert_eq!(
        read("Network error on destination MXs"),
        "networkerror 4.4.1 null"
    );
    assert_eq!(
        read("TLS required but not supported by remote host"),
        "securityerror 4.7.4 starttls"
    );
    assert_eq!(
        read(
            r#"Dec  7 19:33:58 mx smtpd[14671]: 54a6137cb7ce7fd0 mda delivery evpid=e37868322362cab7 from=<a@example.org> to=<b@example.org> rcpt=<b@example.org> user=b delay=0s result=TempFail stat=Error (temporary failure: "mail.maildir: No such file or directory")"#
        ),
        "mailererror 4.0.0 null"
    );
    // Courier (esmtpclient.c): a route that requires TLS to a server without STARTTLS.
    assert_eq!(
        read("/SECURITY=REQUIRED set, but TLS is not available"),
        "securityerror 4.7.4 null"
    );
    // Exim (transports/smtp.c): the command named after the system's error text.
    assert_eq!(
        read(
            "2026-12-07 19:40:30 1xaeZO-0005xp-16 == bob@example.net R=dnslookup T=remote_smtp defer (110): Connection timed out H=mx.example.net [192.0.2.28]: SMTP timeout after RCPT TO:<bob@example.net>"
        ),
        "networkerror 4.4.1 rcpt"
    );
    assert_eq!(
        read(
            "2026-12-07 19:40:30 1xaeZO-0005xq-18 == bob@example.net R=dnslookup T=remote_smtp defer (-18) H=mx.example.net [192.0.2.29]: Remote host closed connection in response to RCPT TO:<bob@example.net>"
        ),
        "networkerror 4.4.2 rcpt"
    );
    assert_eq!(
        read(
            "2026-12-07 19:40:18 1xaeZO-0005xc-0d == bob@example.net R=dnslookup T=remote_smtp defer (-38) H=mx.example.net [192.0.2.16]: a TLS session is required, but the server did not offer TLS support"
        ),
        "securityerror 4.7.4 starttls"
    );
    // Postfix (smtp_proto.c): the EHLO handshake, and a refused STARTTLS whose reply says
    // the receiver's TLS is broken.
    assert_eq!(
        read(
            "Dec  7 19:41:02 mx postfix/smtp[2202]: 4ABC123: to=<bob@example.net>, relay=mx.example.net[192.0.2.9]:25, delay=1, delays=0/0/1/0, dsn=4.4.2, status=deferred (lost connection with mx.example.net[192.0.2.9] while performing the EHLO handshake)"
        ),
        "networkerror 4.4.2 helo"
    );
    assert_eq!(
        reason(
            "Dec  7 19:41:02 mx postfix/smtp[2202]: 4ABC124: to=<bob@example.net>, relay=mx.example.net[192.0.2.9]:25, delay=1, delays=0/0/1/0, dsn=4.7.0, status=deferred (TLS is required, but host mx.example.net[192.0.2.9] refused to start TLS: 454 4.7.0 TLS not available due to local problem)"
        ),
        "systemerror"
    );
    // Postfix local(8) delivering to a file it cannot create.
    assert_eq!(
        reason(
            "Dec  7 19:41:05 mx postfix/local[2210]: 4ABC125: to=<keep@example.org>, relay=local, delay=0, delays=0/0/0/0, dsn=5.2.0, status=bounced (cannot append message to file /srv/archive/keep: cannot create file exclusively: No such file or directory)"
        ),
        "systemerror"
    );
}

/// An expiry is "delivery time expired" in its transient form (RFC 3463 §3.5): a soft
/// bounce to send again later, from the log of any MTA that writes one.
#[test]
fn expiries_in_logs_are_transient() {
    for line in [
        "Jun 15 11:07:30 mail postfix/qmgr[900]: E5F6A7B8C9: from=<noreply@example.com>, status=expired, returned to sender",
        "Dec  7 19:36:43 mx smtpd[14671]: relay: Expire for 22abb5cebf0ffa1f: from=<a@example.org>, to=<b@example.net>, rcpt=<->, delay=4d, stat=Envelope expired",
        "2026-12-07 19:44:10 1xaeZO-0005xq-18 ** bob@example.net: retry timeout exceeded",
    ] {
        let doc = explain_json(line);
        let f = first(&doc);
        assert_eq!(
            (
                &f["code"],
                &f["class"],
                &f["bounce"],
                &f["reason"],
                &f["action"]
            ),
            (
                &"4.4.7".into(),
                &"transient".into(),
                &"soft".into(),
                &"expired".into(),
                &"retry".into()
            ),
            "{line}"
        );
    }
}

/// Exim logs a delivery to a pipe or file with the address that generated it in angle
/// brackets; that address is the recipient.
#[test]
fn exim_pipe_failures_name_the_generating_address() {
    let doc = explain_json(
        "2026-12-07 19:40:19 1xaeZO-0005xv-1J ** |/usr/local/bin/autoreply <pat@example.org> R=system_aliases T=address_pipe: Child process of address_pipe transport returned 69 (could mean service or program unavailable) from command: /usr/local/bin/autoreply",
    );
    let f = first(&doc);
    assert_eq!(f["recipient"], "pat@example.org", "{f:#}");
    assert_eq!(f["reason"], "mailererror", "{f:#}");
}

/// Wordings of servers and senders outside the big MTAs, each as its software writes it:
/// Go's resolver error quoted by Go MTAs, Apache James, Citadel, SmarterMail, Kerio,
/// ZoneMTA, Dovecot LMTP, nodemailer's smtp-server, rspamd, OpenBSD spamd, Yandex, and
/// Haraka's scanner and bare-LF refusals; Postfix's and ZoneMTA's DANE and MTA-STS failures.
#[test]
fn wordings_of_less_common_servers() {
    for (text, want) in [
        (
            "Could not find mail server: lookup example.org on 192.0.2.53:53: no such host",
            "hostunknown 5.1.2 null",
        ),
        (
            "There are no DNS entries for the hostname example.org.  I cannot determine where to send this message.",
            "hostunknown 5.1.2 null",
        ),
        (
            "bob@example.org: No MX hosts found for <example.org>",
            "hostunknown 5.1.2 null",
        ),
        (
            "Failed all attempts to connect to the recipients mail server. Attempted to send the message to the following ip's: 192.0.2.25",
            "networkerror 4.4.1 null",
        ),
        (
            "Network error: Unable to establish a connection with any of the Mail Exchange (MX) servers listed for \"example.org\"",
            "networkerror 4.4.1 null",
        ),
        ("Mailbox size exceeded", "mailboxfull 5.2.2 null"),
        (
            "451 4.3.0 <bob@example.org> Too many concurrent deliveries for user",
            "toomanyconn 4.3.0 null",
        ),
        (
            "421 mx.example.org Too many connected clients, try again in a moment",
            "toomanyconn null null",
        ),
        (
            "451 4.7.1 Ratelimit \"to_ip_from\" exceeded",
            "ratelimited 4.7.1 null",
        ),
        ("550 5.7.1 Relaying is denied", "norelaying 5.7.1 null"),
        (
            "450 Error connecting to virus scanner",
            "systemerror null null",
        ),
        ("450 spamd scan timeout", "systemerror null null"),
        (
            "TLSA lookup error for mx.example.org:25",
            "securityerror 4.7.5 null",
        ),
        (
            "Policy error: MTA-STS policy check failed for mx.example.org[192.0.2.10] for example.org",
            "securityerror 4.7.5 null",
        ),
        (
            "451 Bare line-feed; see http://haraka.github.io/barelf/",
            "notcompliantrfc null null",
        ),
        (
            "550-Sorry 192.0.2.10\n550-You are trying to send mail from an address listed by one\n550 or more IP-based registries as being a SPAM source.",
            "blocked null null",
        ),
    ] {
        assert_eq!(read(text), want, "{text}");
    }
}

/// Refusals that name a URI blocklist judge the links in the body, not the sending host; a
/// Postfix sender-domain check that happens to query one of those zones stays the sender's.
#[test]
fn uri_blocklists_judge_the_content() {
    assert_reason(
        "spamdetected",
        &[
            "554 Rejected by SURBL.",
            "554 5.7.1 Message rejected: URL listed in multi.surbl.org",
            "550 5.7.1 Message contains a link listed by multi.uribl.com",
        ],
    );
    assert_reason(
        "rejected",
        &["554 5.7.1 <bob@example.net>: Sender address rejected: blocked using multi.uribl.com"],
    );
    assert_reason(
        "blocked",
        &["554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org"],
    );
}

/// Application and queue wordings that name no code: Postal, Haraka, WildDuck, mox, James,
/// Citadel, hMailServer and Exchange, each as its source writes it.
#[test]
fn queue_and_application_wordings() {
    for (text, want) in [
        (
            "Maximum number of delivery attempts (18) has been reached.",
            "expired",
        ),
        (
            "Failure Reason: Too many failures (Tried all MXs)",
            "expired",
        ),
        (
            "No SMTP servers were available for example.com. Tried mx1.example.com and mx2.example.com.",
            "networkerror",
        ),
        (
            "550 5.1.1 You reached a daily sending limit for your account. Limit expires in 5 hours",
            "ratelimited",
        ),
        (
            "452 4.2.2 more than 500 messages in past 1m0s from your ip/network",
            "ratelimited",
        ),
        (
            "The following recipients do not have enough space for storing the email you sent them.",
            "mailboxfull",
        ),
        ("550 message rejected by virus filter", "virusdetected"),
        (
            "451 4.7.0 Failed to establish appropriate TLS channel: Access Denied (in reply to RCPT TO command)",
            "securityerror",
        ),
    ] {
        assert_eq!(reason(text), want, "{text}");
    }
}

/// A list manager's refusal pasted alone (Mailman 2 and 3, Sympa) gives a finding with the
/// reason its words state.
#[test]
fn list_manager_refusals() {
    for (text, want) in [
        (
            "Your message to the Test mailing-list was rejected for the following reasons:\n\nThe message is not from a list member",
            "rejected",
        ),
        (
            "Your message could not be sent because its size (5120 kB) was over the maximum size (5000 kB) allowed on this list.",
            "mesgtoobig",
        ),
        (
            "The following address is not a known mailing list: nosuchlist@lists.example.org",
            "userunknown",
        ),
    ] {
        assert_eq!(reason(text), want, "{text}");
    }
}

/// "Try again later" only says the refusal is temporary: it places no code (4.7.1 would claim
/// a policy refusal the words do not state), and the reply code's own meaning stands.
#[test]
fn try_again_later_names_no_policy() {
    assert_eq!(
        read("421 Too busy; please try again later"),
        "systemerror null null"
    );
    assert_eq!(
        read("450 4.7.1 Greylisted, please try again later"),
        "greylisted 4.7.1 null"
    );
}

/// Wordings found in bounces nobody tuned for (fresh7): SpamAssassin scores, vpopmail's
/// Maildir failure, AT&T's "Addressee unknown", Domino's German directory miss.
#[test]
fn wordings_from_untuned_bounces() {
    for (text, want) in [
        (
            "550 This message scored 9.8 points. Congratulations!",
            "spamdetected",
        ),
        (
            "user does not exist, but will deliver to /home/vpopmail/domains/example.pl/bob/ can not open new email file errno=2 file=/home/vpopmail/domains/example.pl/bob/Maildir/tmp/1.mx,S=3155 system error",
            "systemerror",
        ),
        (
            "553 5.3.0 <bob@example.net>... Addressee unknown, relay=[192.0.2.10] (in reply to RCPT TO command)",
            "userunknown",
        ),
        (
            "550 5.1.1 Benutzer bob (bob@example.org) nicht im Domino-Verzeichnis aufgeführt",
            "userunknown",
        ),
    ] {
        assert_eq!(reason(text), want, "{text}");
    }
}

/// 1&1 / IONOS names the command a remote reply answered: "for TEXT command" is the
/// message text, answered at its end.
#[test]
fn ionos_reports_name_their_stage() {
    assert_eq!(
        read(
            "SMTP error from remote server for RCPT TO command, host: mail.example.org (192.0.2.23) reason: 550 No Such User Here"
        ),
        "userunknown 5.1.1 rcpt"
    );
    assert_eq!(
        read(
            "SMTP error from remote server for TEXT command, host: mx.example.org (192.0.2.50) reason: 550 This message scored 12.4 points. Congratulations!"
        ),
        "spamdetected null end-of-data"
    );
}

/// Stalwart's report lines, pasted alone or inside its report: the recipient first, the
/// stage from the command or the connection it names.
#[test]
fn stalwart_report_lines() {
    let doc = explain_json(
        "<bob@example.org> (connection to 'mx.example.org' failed: Connection timeout)",
    );
    let f = first(&doc);
    assert_eq!(
        (&f["recipient"], &f["reason"], &f["stage"]),
        (
            &"bob@example.org".into(),
            &"networkerror".into(),
            &"connect".into()
        )
    );
    assert_eq!(
        read(
            "<bob@example.org> (host 'mx.example.org' rejected command 'RCPT TO:<bob@example.org>' with code 550 (5.1.2) 'User does not exist')"
        ),
        "userunknown 5.1.2 rcpt"
    );
}

/// A reply pasted as its MTA wrapped it: the stage marker on a later line of the paragraph,
/// or Postfix's "refused to talk to me:" on the line above the greeting's reply.
#[test]
fn stage_markers_on_other_lines_of_a_pasted_reply() {
    assert_eq!(
        read(
            "host mx.example.org[192.0.2.1] said: 550 5.7.1 Message rejected as spam by Content\n    Filtering. (in reply to end of DATA command)"
        ),
        "spamdetected 5.7.1 end-of-data"
    );
    assert_eq!(
        read(
            "host mx.example.de[192.0.2.9] refused to talk to me: \n554 IP=192.0.2.1 - A problem occurred. (BL)"
        ),
        "blocked null connect"
    );
    // A blank line ends the paragraph: the marker below it is another reply's.
    let doc = explain_json("550 5.1.1 nope\n\nfoo (in reply to RCPT TO command)\n");
    assert_eq!(first(&doc)["stage"], serde_json::Value::Null, "{doc}");
}

/// Gmail's and Outlook's notices name the recipient in a sentence, in English and German.
#[test]
fn notices_name_their_recipient_in_a_sentence() {
    let doc = explain_json(
        "Ihre Nachricht an bob@example.se konnte nicht zugestellt werden.\n--\nbob wurde nicht in example.se gefunden.\n",
    );
    let f = first(&doc);
    assert_eq!(
        (&f["recipient"], &f["reason"]),
        (&"bob@example.se".into(), &"userunknown".into()),
        "{doc}"
    );
    let doc = explain_json(
        "Your message to bob@example.org couldn't be delivered.\nbob wasn't found at example.org.\n",
    );
    assert_eq!(first(&doc)["recipient"], "bob@example.org", "{doc}");
}
