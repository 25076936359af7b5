//! Property tests of the recognisers on hostile input: arbitrary text and bytes never make
//! them panic, what they find is really there, and what they report is consistent.

use bouncex::code::{Class, EnhancedCode, basic_class, find_enhanced};
use bouncex::explain::{Finding, explain};
use bouncex::kb::Kb;
use bouncex::kb::model::Bounce;
use bouncex::recognize::message::recognise_message;
use bouncex::recognize::{Status, log, recognise};
use bouncex::render::sanitize;
use bouncex::render::text::{TextOptions, findings as render_text};
use proptest::prelude::*;
use std::sync::LazyLock;

static KB: LazyLock<Kb> = LazyLock::new(Kb::builtin);

/// Pieces of the inputs the recognisers look for, so that random text often comes close
/// to a real reply, log line or bounce and exercises more than the "nothing here" path.
const FRAGMENTS: &[&str] = &[
    "550",
    "451",
    "421",
    "250",
    "354",
    "5.1.1",
    "4.7.0",
    "2.0.0",
    "5.7.26",
    "4.3.2",
    "5.9.999",
    "4.16.55.1",
    "198.51.100.7",
    "-",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    ":",
    ";",
    ".",
    "=",
    "#",
    "'",
    "\"",
    "(",
    ")",
    "[",
    "]",
    "<a@example.org>",
    "Jun 10 11:02:18 mail ",
    "Sep 14 21:40:0",
    "\u{fffd}",
    "2026-06-10T11:05:02.123+00:00 mx ",
    "postfix/smtp[123]: 4B7C21F3A9: ",
    "to=<b@example.com>, ",
    "relay=mx.example.org[192.0.2.1]:25, ",
    "dsn=5.1.1, ",
    "status=deferred ",
    "status=bounced ",
    "status=expired ",
    "(host mx.example.org[192.0.2.1] said: ",
    "(in reply to RCPT TO command))",
    "2026-06-10 12:00:01 1abcDE-000123-AB ** ",
    "SMTP error from remote mail server after RCPT TO:<a@b.example>: ",
    "sendmail[42]: x1: ",
    "stat=Deferred: ",
    "Remote Server returned '",
    "RESOLVER.ADR.RecipNotFound",
    ">>> RCPT To:<a@b.example>",
    "<<< ",
    "Postfix ",
    "version ",
    "v",
    "mailbox is full",
    "user unknown",
    "gsmtp",
    "protection.outlook.com",
    "Diagnostic-Code: smtp; ",
    "Status: ",
    "Action: failed",
    "Final-Recipient: rfc822; a@b.example",
    "\u{1b}[31m",
    "\u{7}",
    "\u{9b}",
    "\u{202e}",
    "é",
    "日本",
    "\u{feff}",
];

/// Text built from random characters and recogniser-shaped fragments, at most ~2 KB.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => "\\PC{0,8}",
        1 => proptest::collection::vec(any::<char>(), 0..8)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        1 => "[0-9.]{1,12}",
    ];
    proptest::collection::vec(piece, 0..128).prop_map(|v| {
        let mut s = v.concat();
        s.truncate(s.floor_char_boundary(2048));
        s
    })
}

/// Bytes shaped like a bounce message (headers, MIME parts, encodings) with random bytes
/// mixed in.
fn hostile_message() -> impl Strategy<Value = Vec<u8>> {
    const HEADERS: &[&str] = &[
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n",
        "From MAILER-DAEMON Thu Jun 10 11:02:18 2026\n",
        "Subject: Undelivered Mail Returned to Sender\r\n",
        "To: sender@example.com\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n",
        "Content-Type: multipart/mixed; boundary=B\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
    ];
    const BODY: &[&str] = &[
        "\r\n",
        "\n",
        "--B\r\n",
        "--B--\r\n",
        "--C\r\n",
        "Content-Type: message/delivery-status\r\n",
        "Content-Type: text/rfc822-headers\r\n",
        "Content-Type: message/rfc822\r\n",
        "Content-Type: multipart/alternative; boundary=C\r\n",
        "Content-Type: text/html\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Reporting-MTA: dns; mx.example.org\r\n",
        "Final-Recipient: rfc822; a@example.org\r\n",
        "Original-Recipient: rfc822;",
        "Action: failed\r\n",
        "Action: delayed\r\n",
        "Status: 5.1.1\r\n",
        "Status: 4.4.7\r\n",
        "Remote-MTA: dns; mx.example.org\r\n",
        "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: User unknown\r\n",
        " continued folded line\r\n",
        "NTUwIDUuMS4xIFVzZXIgdW5rbm93bg==",
        "=3D=20=\r\n",
        "=E9=",
        "=?utf-8?B?w6k=?=",
        "<p>550 5.7.1 <b>blocked</b></p>",
        "This is the mail system at host mx.example.org.\n",
        "I'm sorry to have to inform you that your message could not be delivered.\n",
        "<a@example.org>: host mx.example.org said: 550 5.1.1 unknown\n",
        "Feedback-Type: abuse\r\n",
        "Auto-Submitted: auto-replied\r\n",
    ];
    let head = proptest::collection::vec(proptest::sample::select(HEADERS), 0..8);
    let body_piece = prop_oneof![
        4 => proptest::sample::select(BODY).prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
    ];
    let body = proptest::collection::vec(body_piece, 0..96);
    (head, body).prop_map(|(head, body)| {
        let mut out: Vec<u8> = head.concat().into_bytes();
        for piece in body {
            out.extend_from_slice(&piece);
        }
        out.truncate(4096);
        out
    })
}

/// Server words without anything that looks like a number, a code or an address.
fn server_words() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z ,;:!?'()<>@_]{0,120}"
}

fn enhanced_code() -> impl Strategy<Value = EnhancedCode> {
    (
        prop_oneof![
            Just(Class::Success),
            Just(Class::Transient),
            Just(Class::Permanent)
        ],
        0u16..1000,
        0u16..1000,
    )
        .prop_map(|(class, s, d)| EnhancedCode::new(class, s, d))
}

/// A basic code of the same class: `Xyz` with y in 0–5 (RFC 5321 §4.2).
fn basic_for(class: Class) -> impl Strategy<Value = u16> {
    (0u16..=5, 0u16..=9).prop_map(move |(y, z)| u16::from(class.digit()) * 100 + y * 10 + z)
}

/// The finding's bounce type follows its class, and its class follows what the status
/// states: the basic code's class when it has one (it is what the MTA acts on), else the
/// enhanced code's; an MTA outcome that agrees with the enhanced code outranks the basic.
fn check_finding(status: &Status, f: &Finding) -> Result<(), TestCaseError> {
    let class = f.class;
    let expected_bounce = match class {
        Some(Class::Success) | None => Bounce::None,
        Some(Class::Transient) => Bounce::Soft,
        Some(Class::Permanent) => Bounce::Hard,
    };
    prop_assert_eq!(f.bounce, expected_bounce, "status {:?}", status);
    if let Some(code) = status.code {
        let basic = status.basic.and_then(basic_class);
        if status.outcome.is_some() {
            // The reporting MTA's own outcome may side with the enhanced code against the
            // remote basic code (Postfix `status=expired` after a 451): one of the two.
            prop_assert!(
                class == Some(code.class) || class == basic,
                "status {:?}",
                status
            );
        } else {
            prop_assert_eq!(
                class,
                Some(basic.unwrap_or(code.class)),
                "status {:?}",
                status
            );
        }
        prop_assert_eq!(f.code.clone(), Some(code.to_string()));
    }
    Ok(())
}

/// Explains every status and renders the findings as plain text, which must then hold no
/// raw control character: text from the input is shown escaped.
fn explain_and_render(statuses: &[Status]) -> Result<(), TestCaseError> {
    let mut findings = Vec::new();
    for status in statuses {
        if let Some(f) = explain(&KB, status) {
            check_finding(status, &f)?;
            findings.push(f);
        }
    }
    let mut out = Vec::new();
    render_text(
        &mut out,
        &findings,
        TextOptions {
            color: false,
            width: 80,
            full: true,
        },
    )
    .unwrap();
    let text = String::from_utf8(out).expect("text output is UTF-8");
    prop_assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in {text:?}"
    );
    Ok(())
}

fn all_statuses(text: &str) -> Vec<Status> {
    let (mut statuses, rest) = recognise(text);
    statuses.extend(rest);
    statuses
}

proptest! {
    #[test]
    fn find_enhanced_never_panics_and_spans_round_trip(text in hostile_text()) {
        let mut last_end = 0;
        for loc in find_enhanced(&text) {
            prop_assert!(loc.start >= last_end, "spans overlap or go backwards");
            prop_assert!(loc.start < loc.end && loc.end <= text.len());
            let slice = &text[loc.start..loc.end];
            prop_assert_eq!(slice.parse::<EnhancedCode>(), Ok(loc.code));
            prop_assert_eq!(loc.code.to_string(), slice);
            last_end = loc.end;
        }
    }

    #[test]
    fn find_enhanced_on_arbitrary_unicode(text in "\\PC{0,400}|.{0,400}") {
        for loc in find_enhanced(&text) {
            prop_assert_eq!(text[loc.start..loc.end].parse::<EnhancedCode>(), Ok(loc.code));
        }
    }

    #[test]
    fn recognise_and_explain_never_panic(text in hostile_text()) {
        let statuses = all_statuses(&text);
        for s in &statuses {
            prop_assert!(s.line >= 1, "line numbers are 1-based: {:?}", s);
        }
        explain_and_render(&statuses)?;
    }

    #[test]
    fn log_parse_never_panics(text in hostile_text()) {
        for line in text.lines() {
            if let Some(rec) = log::parse(line) {
                let _ = rec.code();
            }
        }
    }

    #[test]
    fn recognise_message_never_panics_on_random_bytes(
        raw in proptest::collection::vec(any::<u8>(), 0..2048)
    ) {
        let statuses = recognise_message(&raw);
        explain_and_render(&statuses)?;
    }

    #[test]
    fn recognise_message_never_panics_on_message_shapes(raw in hostile_message()) {
        let statuses = recognise_message(&raw);
        explain_and_render(&statuses)?;
    }

    #[test]
    fn a_valid_reply_is_recognised_with_its_codes(
        (basic, code) in enhanced_code()
            .prop_flat_map(|code| (basic_for(code.class), Just(code))),
        words in server_words(),
    ) {
        let line = format!("{basic} {code} {words}");
        let statuses = all_statuses(&line);
        prop_assert_eq!(statuses.len(), 1, "{:?} -> {:?}", line, statuses);
        prop_assert_eq!(statuses[0].basic, Some(basic));
        prop_assert_eq!(statuses[0].code, Some(code));
        let f = explain(&KB, &statuses[0]).expect("a reply is always explained");
        check_finding(&statuses[0], &f)?;
        prop_assert_eq!(f.basic, Some(basic));
    }

    #[test]
    fn a_multi_line_reply_is_one_status(
        (basic, code) in enhanced_code()
            .prop_flat_map(|code| (basic_for(code.class), Just(code))),
        lines in proptest::collection::vec(server_words(), 1..6),
    ) {
        let mut text = String::new();
        for (i, words) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            text.push_str(&format!("{basic}{sep}{code} {words}\n"));
        }
        let statuses = all_statuses(&text);
        prop_assert_eq!(statuses.len(), 1, "{:?} -> {:?}", text, statuses);
        prop_assert_eq!(statuses[0].basic, Some(basic));
        prop_assert_eq!(statuses[0].code, Some(code));
    }

    #[test]
    fn an_ipv4_like_number_is_never_a_code(
        a in prop_oneof![Just(2u8), Just(4u8), Just(5u8)],
        b in any::<u8>(),
        c in any::<u8>(),
        d in any::<u8>(),
        before in hostile_text(),
        after in hostile_text(),
        words_before in server_words(),
        words_after in server_words(),
    ) {
        let ip = format!("{a}.{b}.{c}.{d}");
        for sep in ["", " ", "[", "(", "=", "#"] {
            let text = format!("{before}{sep}{ip}{after}");
            let ip_start = before.len() + sep.len();
            let ip_end = ip_start + ip.len();
            for loc in find_enhanced(&text) {
                prop_assert!(
                    loc.end <= ip_start || loc.start >= ip_end,
                    "{} reported inside the address {} in {:?}", loc.code, ip, text
                );
            }
        }
        // In words alone, the address is the only number: nothing states a code.
        let text = format!("{words_before} {ip} {words_after}");
        for s in all_statuses(&text) {
            prop_assert!(s.code.is_none() || s.code_inferred, "{:?} from {:?}", s, text);
        }
    }

    #[test]
    fn sanitize_leaves_no_control_characters(
        chars in proptest::collection::vec(
            prop_oneof![
                2 => any::<char>(),
                2 => (0u32..0x20).prop_map(|n| char::from_u32(n).unwrap()),
                1 => (0x7fu32..0xa0).prop_map(|n| char::from_u32(n).unwrap()),
                1 => prop_oneof![0x202au32..=0x202e, 0x2066u32..=0x2069]
                    .prop_map(|n| char::from_u32(n).unwrap()),
                2 => "[ -~]".prop_map(|s| s.chars().next().unwrap()),
            ],
            0..512,
        )
    ) {
        let input: String = chars.into_iter().collect();
        let out = sanitize(&input);
        for c in out.chars() {
            prop_assert!(
                !(c.is_control() && c != '\n'),
                "control {:?} left in {:?}", c, out
            );
            prop_assert!(
                !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
                "bidi control {:?} left in {:?}", c, out
            );
        }
        // Nothing is lost: the newlines and the printable text stay.
        prop_assert_eq!(
            out.matches('\n').count(),
            input.matches('\n').count()
        );
    }
}
