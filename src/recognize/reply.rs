//! SMTP replies (RFC 5321 §4.2, RFC 2034 §4): `550 5.1.1 text`, and multi-line replies
//! whose `550-5.1.1` continuation lines make one reply.

use super::{InputKind, Status, fold_whitespace, non_empty};
use crate::code::{EnhancedCode, find_enhanced, parse_basic};

/// One line of a reply: `NNN`, then `-` (more lines follow) or a space (last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    pub basic: u16,
    pub last: bool,
    pub enhanced: Option<EnhancedCode>,
    /// The text after the codes.
    pub text: &'a str,
}

impl<'a> ReplyLine<'a> {
    pub fn parse(line: &'a str) -> Option<ReplyLine<'a>> {
        let line = line.trim_start().trim_end_matches(['\r', '\n']);
        let basic = parse_basic(line.get(..3)?)?;
        let rest = &line[3..];
        let (last, text) = match rest.as_bytes().first() {
            None => (true, ""),
            Some(b' ') | Some(b'\t') => (true, &rest[1..]),
            Some(b'-') => (false, &rest[1..]),
            _ => return None,
        };
        let text = text.trim_start();
        let (enhanced, text) = match text.split_once(|c: char| c.is_whitespace()) {
            Some((first, after)) => match first.parse::<EnhancedCode>() {
                Ok(code) => (Some(code), after),
                Err(_) => (None, text),
            },
            None => match text.parse::<EnhancedCode>() {
                Ok(code) => (Some(code), ""),
                Err(_) => (None, text),
            },
        };
        // A bare "550" alone on a line is a basic code, not a reply.
        if text.is_empty() && enhanced.is_none() && last {
            return None;
        }
        Some(ReplyLine {
            basic,
            last,
            enhanced,
            text,
        })
    }
}

/// A reply being read, line by line.
#[derive(Debug)]
pub struct PendingReply {
    line: usize,
    basic: u16,
    enhanced: Option<EnhancedCode>,
    raw: String,
    text: String,
}

impl PendingReply {
    pub fn start(line_no: usize, line: &str, rl: &ReplyLine) -> PendingReply {
        PendingReply {
            line: line_no,
            basic: rl.basic,
            enhanced: rl.enhanced,
            raw: line.trim().to_string(),
            text: rl.text.trim().to_string(),
        }
    }

    /// Whether `rl` continues this reply: the same basic code (RFC 5321 §4.2.1).
    pub fn accepts(&self, rl: &ReplyLine) -> bool {
        rl.basic == self.basic
    }

    pub fn push(&mut self, line: &str, rl: &ReplyLine) {
        // Bound what one reply may hold: RFC 5321 lines are 512 octets; be generous.
        if self.raw.len() < 64 * 1024 {
            self.raw.push('\n');
            self.raw.push_str(line.trim());
            self.text.push(' ');
            self.text.push_str(rl.text.trim());
        }
        self.enhanced = self.enhanced.or(rl.enhanced);
    }

    pub fn finish(self) -> Status {
        let mut s = Status::new(InputKind::Reply, self.line, self.raw);
        let text = fold_whitespace(&self.text);
        s.basic = Some(self.basic);
        // RFC 2034 puts the enhanced code first; some servers put it later in the text.
        s.code = self
            .enhanced
            .or_else(|| find_enhanced(&text).first().map(|l| l.code));
        s.server_text = non_empty(&text);
        s
    }
}

/// The basic code just before an enhanced code at `start` (`550 5.1.1`, `550-5.1.1`,
/// `smtp; 550 5.1.1`, `#550 5.1.1`).
pub fn basic_before(line: &str, start: usize) -> Option<u16> {
    let before = line[..start].trim_end_matches([' ', '-', '\t']);
    let len = before.len();
    if len < 3 || !before.is_char_boundary(len - 3) {
        return None;
    }
    let candidate = &before[len - 3..];
    let boundary = before[..len - 3]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.');
    if boundary {
        parse_basic(candidate)
    } else {
        None
    }
}

/// Where the server's words end when the next status on the line starts with a basic code:
/// the text up to `end` without that trailing `NNN`.
pub fn trim_basic_suffix(text: &str, floor: usize) -> usize {
    let trimmed = text.trim_end_matches([' ', '-', '\t']);
    if trimmed.len() >= floor + 3
        && trimmed.is_char_boundary(trimmed.len() - 3)
        && parse_basic(&trimmed[trimmed.len() - 3..]).is_some()
    {
        trimmed.len() - 3
    } else {
        text.len()
    }
}

/// A basic reply inside a line, where an MTA quotes the server: `said: 550 Mailbox
/// unavailable`, `smtp; 554 delivery error`. Returns the code and the words after it.
pub fn embedded_basic_reply(line: &str) -> Option<(u16, &str)> {
    let bytes = line.as_bytes();
    for i in 0..bytes.len().saturating_sub(3) {
        let after_marker = i == 0
            || matches!(bytes[i - 1], b' ' | b'\'' | b'"' | b'(' | b'[' | b'<')
                && (i < 2
                    || matches!(
                        bytes[i - 2],
                        b':' | b';' | b'\'' | b'"' | b'(' | b'[' | b' ' | b'<'
                    ));
        if !after_marker || !line.is_char_boundary(i) || !line.is_char_boundary(i + 3) {
            continue;
        }
        let Some(basic) = parse_basic(&line[i..i + 3]) else {
            continue;
        };
        let follows = bytes.get(i + 3);
        if !matches!(follows, Some(b' ') | Some(b'-')) {
            continue;
        }
        let prev_char = line[..i].trim_end().chars().next_back();
        if i == 0 || matches!(prev_char, Some(':' | ';' | '\'' | '"' | '(' | '[' | '<')) {
            let rest = &line[i + 4..];
            if rest
                .trim_start()
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '<' || c == '[')
            {
                return Some((basic, rest));
            }
        }
    }
    None
}

/// The recipient a reply names, when it names one the way servers do: Postfix's
/// `<a@b>: Recipient address rejected: ...` and `<a@b>: Relay access denied`
/// (smtpd_check.c), Exchange's `Unable to relay for a@b`, `recipient <a@b>` (Haraka's
/// outbound `recipient <a@b> rejected:`, `Recipient <a@b> unknown`), an echo of the command
/// the reply answers (Exim's `SMTP error from remote mail server after RCPT TO:<a@b>:`, a
/// client's `RCPT TO <a@b> failed:`), or Stalwart's report line `<a@b> (host 'mx' rejected
/// ...)`, `<a@b> (connection to 'mx' failed: ...)` (crates/smtp, queue/dsn.rs).
pub fn named_recipient(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let bracketed = |open: usize| -> Option<&str> {
        let close = open + text[open..].find('>')?;
        let addr = &text[open + 1..close];
        (addr.contains('@') && !addr.contains([' ', '<'])).then_some(addr)
    };
    if let Some(at) = lower.find("rcpt to") {
        let rest = text[at + 7..].trim_start_matches([':', ' ']);
        if rest.starts_with('<')
            && let Some(addr) = bracketed(text.len() - rest.len())
        {
            return Some(addr);
        }
    }
    // Sentences that name the recipient: Exchange's "Unable to relay for a@b", Gmail's
    // "Your message wasn't delivered to a@b because ...", Outlook's "Your message to a@b
    // couldn't be delivered.", Gmail's German "Ihre Nachricht an a@b konnte nicht zugestellt
    // werden."
    const LEADS: [&str; 6] = [
        "unable to relay for ",
        "wasn't delivered to ",
        "was not delivered to ",
        "could not be delivered to ",
        "your message to ",
        "ihre nachricht an ",
    ];
    for lead in LEADS {
        if let Some(at) = lower.find(lead) {
            let word = text[at + lead.len()..]
                .split([' ', ',', ';'])
                .next()
                .unwrap_or_default()
                .trim_end_matches(['.', ':', '\'', '"'])
                .trim_matches(['<', '>']);
            if word.contains('@') && !word.contains(['<', '>', '"']) {
                return Some(word);
            }
        }
    }
    if let Some(at) = lower.find("recipient <")
        && let Some(addr) = bracketed(at + "recipient ".len())
    {
        return Some(addr);
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('<')
        && let Some(addr) = bracketed(text.len() - trimmed.len())
        && trimmed[addr.len() + 2..].starts_with(" (")
    {
        return Some(addr);
    }
    [">: recipient address rejected", ">: relay access denied"]
        .iter()
        .find_map(|tail| lower.find(tail))
        .and_then(|close| text[..close].rfind('<'))
        .and_then(bracketed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_line_shapes() {
        let rl = ReplyLine::parse("550-5.1.1 The email account").unwrap();
        assert_eq!(
            (rl.basic, rl.last, rl.text),
            (550, false, "The email account")
        );
        assert_eq!(rl.enhanced.unwrap().to_string(), "5.1.1");
        let rl = ReplyLine::parse("552 Message size exceeds fixed limit").unwrap();
        assert_eq!((rl.enhanced, rl.last), (None, true));
        assert!(ReplyLine::parse("550").is_none());
        assert!(ReplyLine::parse("5500 x").is_none());
        assert!(ReplyLine::parse("Jun 10 11:02:18").is_none());
    }

    #[test]
    fn basic_code_before_enhanced() {
        let line = "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: unknown";
        let at = line.find("5.1.1").unwrap();
        assert_eq!(basic_before(line, at), Some(550));
        let line = "dsn=5.1.1, status=bounced";
        assert_eq!(basic_before(line, 4), None);
        let line = "x 1550 5.1.1 y";
        assert_eq!(basic_before(line, 7), None);
    }

    #[test]
    fn quoted_basic_reply() {
        assert_eq!(
            embedded_basic_reply("host mx.example.org said: 550 Mailbox unavailable"),
            Some((550, "Mailbox unavailable"))
        );
        assert_eq!(embedded_basic_reply("waited 450 seconds"), None);
    }

    #[test]
    fn replies_name_their_recipient_as_servers_write_it() {
        for (text, want) in [
            (
                "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
                Some("bob@example.org"),
            ),
            (
                "554 5.7.1 <bob@example.org>: Relay access denied",
                Some("bob@example.org"),
            ),
            (
                "H=mx.example.org [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 451 Internal resource temporarily unavailable",
                Some("bob@example.org"),
            ),
            (
                "RCPT TO <bob@example.org> failed: 5.7.1 <bob@example.org>: Relay access denied",
                Some("bob@example.org"),
            ),
            (
                "550 5.7.1 Unable to relay for bob@example.org",
                Some("bob@example.org"),
            ),
            (
                "[outbound] recipient <bob@example.org> rejected: 550 5.1.1 The email account that you tried to reach does not exist.",
                Some("bob@example.org"),
            ),
            // The sender, a client host, or no address at all: no recipient.
            (
                "553 5.7.1 <a@example.net>: Sender address rejected: not owned by user",
                None,
            ),
            (
                "550 Recipient <bob@example.org> unknown",
                Some("bob@example.org"),
            ),
            (
                "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.9]",
                None,
            ),
            ("550 5.7.1 RCPT TO:<> refused", None),
            ("421 4.7.0 Try again later", None),
            (
                "<bob@example.org> (connection to 'mx.example.org' failed: Connection timeout)",
                Some("bob@example.org"),
            ),
            ("<bob@example.org>: no parenthesis", None),
            (
                "Your message wasn't delivered to bob@example.org because the address couldn't be found.",
                Some("bob@example.org"),
            ),
            (
                "Your message to bob@example.org couldn't be delivered.",
                Some("bob@example.org"),
            ),
            ("Your message to the Test mailing-list was rejected", None),
        ] {
            assert_eq!(named_recipient(text), want, "{text}");
        }
    }
}
