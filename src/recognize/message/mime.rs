//! The MIME side of a bounce: its top-level headers and its parts, decoded (base64,
//! quoted-printable, charsets), in order — without the quoted original message, whose
//! codes are not the bounce's.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// What a part holds, as far as bounce reading cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Plain,
    Html,
    /// `message/delivery-status` or `message/global-delivery-status` (RFC 3464, RFC 6533).
    DeliveryStatus,
    /// `message/feedback-report` (RFC 5965).
    FeedbackReport,
    /// `text/rfc822-headers`: the original message's headers only.
    OriginalHeaders,
}

#[derive(Debug, Clone)]
pub struct Part {
    pub kind: PartKind,
    pub text: String,
}

/// A bounce message, parsed.
#[derive(Debug, Default)]
pub struct Mail {
    /// Top-level header fields, names lower-cased, values unfolded.
    pub headers: Vec<(String, String)>,
    pub subject: String,
    /// `report-type` of a top-level or nested `multipart/report`.
    pub report_type: Option<String>,
    pub parts: Vec<Part>,
    /// Header fields of the quoted original message (a `message/rfc822` part or
    /// `text/rfc822-headers`), names lower-cased.
    pub original: Vec<(String, String)>,
    /// An attached message that is itself a delivery status notification (a bounce a
    /// gateway wrapped in its own notice), raw.
    pub attached_report: Option<Vec<u8>>,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn original_header(&self, name: &str) -> Option<&str> {
        self.original
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A bounce body pasted without its headers: one plain text part.
    pub fn from_body_text(text: String) -> Mail {
        Mail {
            parts: vec![Part {
                kind: PartKind::Plain,
                text,
            }],
            ..Mail::default()
        }
    }
}

/// Nested multiparts deeper than this are not read (a hostile message could nest forever).
const MAX_DEPTH: usize = 16;

/// Parses a message; `None` when it has no header block at all.
pub fn parse(raw: &[u8]) -> Option<Mail> {
    let message = MessageParser::default().parse(raw)?;
    let mut mail = Mail {
        headers: header_fields(&message),
        subject: message.subject().unwrap_or_default().to_string(),
        ..Mail::default()
    };
    if message.parts.is_empty() {
        return Some(mail);
    }
    walk(&message, 0, 0, &mut mail);
    Some(mail)
}

fn header_fields(message: &Message<'_>) -> Vec<(String, String)> {
    message
        .headers_raw()
        .map(|(name, value)| (name.to_ascii_lowercase(), unfold(value)))
        .collect()
}

/// Joins folded header lines (RFC 5322 §2.2.3) into one line.
pub fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, line) in value.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if i > 0 {
            out.push(' ');
        }
        out.push_str(line.trim());
    }
    out.trim().to_string()
}

fn walk(message: &Message<'_>, id: u32, depth: usize, mail: &mut Mail) {
    let Some(part) = message.parts.get(id as usize) else {
        return;
    };
    let ctype = part.content_type();
    let (main, sub) = ctype.map_or((String::new(), String::new()), |c| {
        (
            c.ctype().to_ascii_lowercase(),
            c.subtype().unwrap_or_default().to_ascii_lowercase(),
        )
    });
    match &part.body {
        PartType::Multipart(children) => {
            if depth >= MAX_DEPTH {
                return;
            }
            if sub == "report"
                && mail.report_type.is_none()
                && let Some(t) = ctype.and_then(|c| c.attribute("report-type"))
            {
                mail.report_type = Some(t.to_ascii_lowercase());
            }
            for child in children {
                // A part that lists itself (or an ancestor) would loop; ids only grow.
                if *child > id {
                    walk(message, *child, depth + 1, mail);
                }
            }
        }
        PartType::Message(nested) => {
            // The quoted original: keep its headers (recipients, sender), never its codes.
            if mail.original.is_empty() {
                mail.original = header_fields(nested);
            }
            let is_report = nested.content_type().is_some_and(|c| {
                c.subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
                    && c.attribute("report-type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
            });
            if is_report && mail.attached_report.is_none() {
                mail.attached_report = Some(nested.raw_message().to_vec());
            }
        }
        PartType::Text(text) => {
            let kind = match (main.as_str(), sub.as_str()) {
                ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                    if mail.original.is_empty() {
                        mail.original = headers_of_text(text);
                    }
                    Some(PartKind::OriginalHeaders)
                }
                ("message", "delivery-status" | "global-delivery-status") => {
                    Some(delivery_status_or_prose(text))
                }
                ("message", "feedback-report") => Some(PartKind::FeedbackReport),
                ("message", _) => None,
                ("text", "html") => Some(PartKind::Html),
                // Any other text, and a multipart whose boundary never appears (mail-parser
                // hands it over as text): read it as plain text.
                _ => Some(PartKind::Plain),
            };
            if kind == Some(PartKind::Plain) && mail.attached_report.is_none() {
                mail.attached_report = inline_report(text).map(|r| r.as_bytes().to_vec());
            }
            if let Some(kind) = kind {
                mail.parts.push(Part {
                    kind,
                    text: text.to_string(),
                });
            }
        }
        PartType::Html(html) => mail.parts.push(Part {
            kind: PartKind::Html,
            text: html.to_string(),
        }),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let kind = match (main.as_str(), sub.as_str()) {
                ("message", "delivery-status" | "global-delivery-status") => {
                    delivery_status_or_prose(&text)
                }
                ("message", "feedback-report") => PartKind::FeedbackReport,
                ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                    if mail.original.is_empty() {
                        mail.original = headers_of_text(&text);
                    }
                    PartKind::OriginalHeaders
                }
                // A multipart without a boundary: its body is all there is to read.
                ("multipart", _) | ("text", _) => PartKind::Plain,
                // A message/rfc822 part mail-parser could not parse: still the original.
                _ => return,
            };
            mail.parts.push(Part { kind, text });
        }
    }
}

/// A whole delivery report quoted inline in a text part, as a mail client forwards a
/// bounce "inline" or an ISP's help desk resends one: from the first line of the header
/// block that declares `Content-Type: multipart/report; report-type=delivery-status`
/// (RFC 3462 §1) to the end of the text. `None` when no such header block is there.
pub fn inline_report(text: &str) -> Option<&str> {
    const NEEDLE: &str = "content-type: multipart/report";
    let lower_head = |line: &str| {
        line.get(..NEEDLE.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(NEEDLE))
    };
    let mut block_start: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare.trim().is_empty() {
            block_start = None;
        } else if bare.starts_with([' ', '\t']) || bare.starts_with("From ") {
            // A folded field, or the mbox separator a forwarded message keeps.
            block_start.get_or_insert(offset);
        } else if is_field_line(bare) {
            let start = *block_start.get_or_insert(offset);
            if lower_head(bare) && field_value_names(&text[offset..], "delivery-status") {
                return Some(&text[start..]);
            }
        } else {
            block_start = None;
        }
        offset += line.len();
    }
    None
}

/// A part labelled `message/delivery-status` holds fields (RFC 3464 §2.1); some MTAs
/// (Openwave InterMail's "This Message was undeliverable due to the following reason:")
/// label their human-readable notice that way too, and its words are the only reason given.
fn delivery_status_or_prose(text: &str) -> PartKind {
    let first = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty());
    match first {
        Some(line) if !is_field_line(line) => PartKind::Plain,
        _ => PartKind::DeliveryStatus,
    }
}

/// Whether the field at the start of `text`, with its folded lines, contains `word`.
fn field_value_names(text: &str, word: &str) -> bool {
    let mut lines = text.lines();
    let first = lines.next().into_iter();
    let folded = lines.take_while(|l| l.starts_with([' ', '\t']));
    first
        .chain(folded)
        .any(|l| l.to_ascii_lowercase().contains(word))
}

/// `Name: value` with a header field name (RFC 5322 §3.6.8).
fn is_field_line(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Header fields written out as text (a `text/rfc822-headers` part, or the header block of
/// an original message quoted inline), up to the first blank line.
pub fn headers_of_text(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if fields.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if is_field_line(line) => {
                fields.push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
            _ => break,
        }
    }
    fields
}

/// The visible text of an HTML part, for bounces that come as HTML only.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while !rest.is_empty() {
        if let Some(end_tag) = skip_until {
            match find_ci(rest, end_tag) {
                Some(i) => {
                    let after = &rest[i..];
                    rest = after.find('>').map_or("", |j| &after[j + 1..]);
                    skip_until = None;
                }
                None => break,
            }
            continue;
        }
        match rest.find('<') {
            Some(i) => {
                out.push_str(&rest[..i]);
                let tag_end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
                let tag = rest[i..tag_end].to_ascii_lowercase();
                if tag.starts_with("<script") {
                    skip_until = Some("</script");
                } else if tag.starts_with("<style") {
                    skip_until = Some("</style");
                }
                let block = [
                    "<br", "<p", "</p", "<div", "</div", "<tr", "</tr", "<li", "<h",
                ]
                .iter()
                .any(|t| tag.starts_with(t));
                if block {
                    out.push('\n');
                } else if tag.starts_with("<td") || tag.starts_with("<th") {
                    out.push(' ');
                }
                rest = &rest[tag_end..];
            }
            None => {
                out.push_str(rest);
                break;
            }
        }
    }
    decode_entities(&out)
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let entity = &after[1..e];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_quoted_inline_starts_at_its_header_block() {
        let text = "See below.\n\
            Content-Type: text/plain is what I use.\n\
            \n\
            From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\n\
            Return-Path: <>\n\
            Subject: Undelivered Mail Returned to Sender\n\
            Content-Type: multipart/report; report-type=delivery-status;\n\
            \tboundary=\"x\"\n\
            \n\
            --x\n";
        let report = inline_report(text).expect("a quoted report");
        assert!(report.starts_with("From MAILER-DAEMON"), "{report}");
        // A text that only talks about reports, or a multipart/report of another kind.
        assert_eq!(
            inline_report("Content-Type: multipart/report is RFC 6522's."),
            None
        );
        assert_eq!(
            inline_report(
                "From: a@b.example\nContent-Type: multipart/report; report-type=disposition-notification\n\nx"
            ),
            None
        );
    }

    #[test]
    fn multipart_report_parts_in_order_without_the_original() {
        let raw = "From: MAILER-DAEMON@example.org\r\n\
            Subject: Undelivered Mail\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
            \r\n\
            --b1\r\n\
            Content-Type: text/plain; charset=utf-8\r\n\
            Content-Transfer-Encoding: base64\r\n\
            \r\n\
            VGhlIG1haWwgc3lzdGVt\r\n\
            --b1\r\n\
            Content-Type: message/delivery-status\r\n\
            \r\n\
            Final-Recipient: rfc822; a@example.com\r\n\
            Status: 5.1.1\r\n\
            --b1\r\n\
            Content-Type: message/rfc822\r\n\
            \r\n\
            To: a@example.com\r\n\
            Subject: hi\r\n\
            \r\n\
            550 5.7.1 not this one\r\n\
            --b1--\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.report_type.as_deref(), Some("delivery-status"));
        assert_eq!(mail.subject, "Undelivered Mail");
        let kinds: Vec<PartKind> = mail.parts.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PartKind::Plain, PartKind::DeliveryStatus]);
        assert_eq!(mail.parts[0].text, "The mail system");
        assert!(mail.parts[1].text.contains("Status: 5.1.1"));
        assert_eq!(mail.original_header("to"), Some("a@example.com"));
        assert!(mail.parts.iter().all(|p| !p.text.contains("not this one")));
    }

    #[test]
    fn a_notice_labelled_delivery_status_is_read_as_text() {
        // Openwave InterMail labels its human-readable notice message/delivery-status.
        let raw = "From: Mail Administrator <Postmaster@example.com>\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\
            \n\
            --b\n\
            Content-Type: message/delivery-status;\n\
            \n\
            This Message was undeliverable due to the following reason:\n\
            \n\
            <u@example.com> has restricted SMS e-mail\n\
            --b\n\
            Content-Type: message/delivery-status\n\
            \n\
            Reporting-MTA: dns; mta.example.com\n\
            \n\
            Final-Recipient: RFC822; <u@example.com>\n\
            Action: failed\n\
            Status: 5.3.0\n\
            --b--\n";
        let mail = parse(raw.as_bytes()).unwrap();
        let kinds: Vec<PartKind> = mail.parts.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PartKind::Plain, PartKind::DeliveryStatus]);
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("<p>Delivery&nbsp;failed</p><style>x{}</style><b>a &lt;b&gt;</b>"),
            "\nDelivery failed\na <b>"
        );
    }

    #[test]
    fn header_block_written_as_text() {
        let h =
            headers_of_text("\nTo: a@example.org,\n b@example.org\nFrom: c@example.org\n\nbody: x");
        assert_eq!(
            h,
            [
                ("to".to_string(), "a@example.org, b@example.org".to_string()),
                ("from".to_string(), "c@example.org".to_string())
            ]
        );
    }
}
