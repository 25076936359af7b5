//! MTA log lines: Postfix, Exim, Sendmail and Microsoft Exchange wrappers, behind syslog or
//! RFC 3339 timestamps. A log line is one delivery attempt, read into a [`LogRecord`] that
//! both `explain` (as one status) and `scan` (as one event) use.

use super::{InputKind, Status, non_empty, non_empty_cow};
use crate::code::{EnhancedCode, find_enhanced, parse_basic};
use crate::kb::model::Stage;
use regex::Regex;
use std::borrow::Cow;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mta {
    Postfix,
    Exim,
    Sendmail,
    Exchange,
    OpenSmtpd,
    Courier,
}

impl Mta {
    /// Its id in the knowledge base's `[[mta]]` table.
    pub fn id(self) -> &'static str {
        match self {
            Mta::Postfix => "postfix",
            Mta::Exim => "exim",
            Mta::Sendmail => "sendmail",
            Mta::Exchange => "exchange",
            Mta::OpenSmtpd => "opensmtpd",
            Mta::Courier => "courier",
        }
    }
}

/// What the reporting MTA did with the message for this recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Sent,
    Deferred,
    Bounced,
    Expired,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Deferred => "deferred",
            Outcome::Bounced => "bounced",
            Outcome::Expired => "expired",
        }
    }
}

/// One log line, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogRecord<'a> {
    pub mta: Option<Mta>,
    pub timestamp: Option<&'a str>,
    pub queue_id: Option<&'a str>,
    pub recipient: Option<&'a str>,
    /// The rest of a recipient list after `recipient`, as logged: Sendmail logs one line
    /// for all the recipients one delivery carried (`to=<a@x>,<b@y>`).
    pub more_recipients: Option<&'a str>,
    pub remote_host: Option<&'a str>,
    pub outcome: Option<Outcome>,
    /// The `dsn=` field.
    pub dsn: Option<EnhancedCode>,
    pub basic: Option<u16>,
    /// The enhanced code of the remote reply, when it carries one.
    pub reply_code: Option<EnhancedCode>,
    /// Borrowed from the line when it needs no cleaning (most replies).
    pub server_text: Option<Cow<'a, str>>,
    pub stage: Option<Stage>,
    /// The MTA's own explanation (the parenthesised text, Exim's message).
    pub detail: Option<&'a str>,
}

impl<'a> LogRecord<'a> {
    /// Every recipient the line reports on, in its order.
    pub fn recipients(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let more = self
            .more_recipients
            .unwrap_or("")
            .split(',')
            .map(strip_angle);
        self.recipient
            .into_iter()
            .chain(more)
            .filter(|r| !r.is_empty())
    }

    /// The status the line reports: its reply's code, else its `dsn=`.
    pub fn code(&self) -> Option<EnhancedCode> {
        self.reply_code.or(self.dsn)
    }

    /// The code its status carries, and whether it was inferred: a message that stayed
    /// queued past its lifetime without a code is "delivery time expired", 4.4.7: RFC 3463
    /// §3.5 calls X.4.7 useful only as a persistent transient error, and the MTAs' own
    /// reports of an expiry agree (Postfix keeps the last 4.x.x, OpenSMTPD writes 4.4.7).
    pub fn status_code(&self) -> (Option<EnhancedCode>, bool) {
        match self.code() {
            None if self.outcome == Some(Outcome::Expired) => (
                Some(EnhancedCode::new(crate::code::Class::Transient, 4, 7)),
                true,
            ),
            code => (code, false),
        }
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("static regex: {e}")))
}

/// A syslog (`Jun 10 11:02:18`) or RFC 3339 (`2026-06-10T11:05:02.123+00:00`) or Exim
/// (`2026-06-10 12:00:01`) timestamp at the start of a line.
pub fn leading_timestamp(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    // Syslog: "Jun 10 11:02:18" (day may be space-padded), optional fraction.
    if b.len() >= 15
        && b[0].is_ascii_uppercase()
        && b[3] == b' '
        && b[6] == b' '
        && b[9] == b':'
        && b[12] == b':'
    {
        let end = fraction_end(b, 15);
        // `get`: the byte after the seconds may sit inside a multi-byte character.
        return line.get(..end);
    }
    // RFC 3339 or Exim: "2026-06-10T11:05:02.123+00:00", "2026-06-10 12:00:01 +0200".
    if b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
    {
        let mut end = fraction_end(b, 19);
        if b.get(end) == Some(&b'Z') {
            end += 1;
        } else if matches!(b.get(end), Some(b'+') | Some(b'-')) && digits(end + 1..end + 3) {
            end += if b.get(end + 3) == Some(&b':') { 6 } else { 5 };
        } else if b.get(end) == Some(&b' ')
            && matches!(b.get(end + 1), Some(b'+') | Some(b'-'))
            && digits(end + 2..end + 6)
        {
            end += 6;
        }
        return line.get(..end.min(line.len()));
    }
    None
}

fn fraction_end(b: &[u8], mut i: usize) -> usize {
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

/// Reads a log line of any supported MTA, including the remote reply it quotes.
pub fn parse(line: &str) -> Option<LogRecord<'_>> {
    parse_reading_stage(line, |_| true)
}

/// `parse`, reading the stage markers of a Postfix reply only when `wants_stage` says the
/// record read so far needs them: `scan` leaves them unread for successes, whose verdicts
/// never read the stage.
pub fn parse_reading_stage<'a>(
    line: &'a str,
    wants_stage: impl Fn(&LogRecord<'a>) -> bool,
) -> Option<LogRecord<'a>> {
    if let Some(mut r) = parse_event(line) {
        if r.mta == Some(Mta::Postfix)
            && let Some(d) = r.detail
        {
            read_detail(d, &mut r, wants_stage);
        }
        return Some(r);
    }
    exchange(line)
}

/// Reads the fields of a delivery-attempt line (time, queue id, recipient, relay, dsn,
/// status) without parsing the quoted reply: what `scan` needs, as fast as possible.
pub fn parse_event(line: &str) -> Option<LogRecord<'_>> {
    static POSTFIX: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = POSTFIX.get_or_init(|| memchr::memmem::Finder::new(b"postfix"));
    if let Some(at) = finder.find(line.as_bytes())
        && let Some(rec) = postfix(line, at)
    {
        return Some(rec);
    }
    if let Some(rec) = postfix_unprefixed(line) {
        return Some(rec);
    }
    if line.contains("sendmail[") || line.contains("sm-mta[") || line.contains("sm-msp-queue[") {
        return sendmail(line);
    }
    // Exim lines start with a date; test that before compiling Exim's regex.
    let b = line.as_bytes();
    if b.len() > 20 && b[4] == b'-' && b[10] == b' ' && b[0].is_ascii_digit() {
        return exim(line);
    }
    opensmtpd(line).or_else(|| courier(line))
}

/// A line of a log that `scan` may read: a delivery attempt (`status=`, Sendmail's `stat=`,
/// an Exim flag) or a rejection (`reject: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'t> {
    /// The line's index in the text.
    pub index: usize,
    /// The line, without its line break.
    pub line: &'t [u8],
    /// Whether it holds `reject: `.
    pub may_be_reject: bool,
}

/// Visits the lines of `text` that may be delivery attempts or rejections, and returns how
/// many lines it holds. The markers are searched in the whole text, as grep does, not line
/// by line: most lines of a mail log are connect, cleanup and queue noise, and one search
/// per line costs more than the search itself. Every occurrence counts, so a `stat` in a
/// recipient (`to=<stats@...>`) does not hide the `status=` after it.
pub fn candidate_lines<'t>(text: &'t [u8], mut visit: impl FnMut(Candidate<'t>)) -> usize {
    use std::sync::LazyLock;
    static STAT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"stat"));
    static REJECT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"reject: "));
    // Sendmail's expiry notice has no `stat=` (see `sendmail_expiry`), nor Courier's
    // delivery (`,success: `, see `courier`).
    static EXPIRY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"Cannot send message for "));
    static SUCCESS: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b",success: "));
    // `status=` or `stat=`: neither holds a line break, so a hit lies inside one line.
    let mut statuses = STAT
        .find_iter(text)
        .filter(|&i| {
            let after = &text[i + 4..];
            // Courier: `...,addr=<r>,status: failure`.
            let courier = after.starts_with(b"us: ") && i > 0 && text[i - 1] == b',';
            after.starts_with(b"us=") || after.starts_with(b"=") || courier
        })
        .peekable();
    let mut rejects = REJECT.find_iter(text).peekable();
    let mut expiries = EXPIRY.find_iter(text).peekable();
    // A whole pass costs scan 4 % on logs of other MTAs: look for Courier's deliveries only
    // in a piece whose first 64 KiB show Courier at work (it logs several lines a message).
    let head = &text[..text.len().min(64 * 1024)];
    let courier = memchr::memmem::find(head, b" courier").is_some();
    let mut successes = SUCCESS
        .find_iter(if courier { text } else { &[] })
        .peekable();
    let mut index = 0;
    let mut start = 0;
    let unended = (!text.is_empty() && !text.ends_with(b"\n")).then_some(text.len());
    for end in memchr::memchr_iter(b'\n', text).chain(unended) {
        let line = &text[start..end];
        let status = hit_within(&mut statuses, start, end);
        let may_be_reject = hit_within(&mut rejects, start, end);
        let expiry = hit_within(&mut expiries, start, end);
        let success = hit_within(&mut successes, start, end);
        if status || may_be_reject || expiry || success || exim_flagged(line) {
            visit(Candidate {
                index,
                line,
                may_be_reject,
            });
        }
        index += 1;
        start = end + 1;
    }
    index
}

/// Whether the next of the ascending `hits` at or after `start` lies before `end`.
fn hit_within(
    hits: &mut std::iter::Peekable<impl Iterator<Item = usize>>,
    start: usize,
    end: usize,
) -> bool {
    while hits.next_if(|&i| i < start).is_some() {}
    hits.next_if(|&i| i < end).is_some()
}

/// Exim: `2026-06-10 12:00:01 [+0200] ID ** ...`, the flag within the first 70 bytes.
fn exim_flagged(b: &[u8]) -> bool {
    b.len() > 40
        && b[4] == b'-'
        && b[10] == b' '
        && b[0].is_ascii_digit()
        && b[..b.len().min(70)]
            .windows(4)
            .any(|w| matches!(w, b" ** " | b" == " | b" => " | b" -> " | b" *> "))
}

/// The host field of a syslog line (`Jun 10 11:02:18 mail1 postfix/smtp[8850]: ...`): the
/// word after the timestamp, when a program tag (`name[pid]:` or `name:`) follows it.
pub fn syslog_host(line: &str) -> Option<&str> {
    let ts = leading_timestamp(line)?;
    let rest = line[ts.len()..].strip_prefix(' ')?;
    let space = |s: &str| s.bytes().position(|c| c == b' ');
    let host = &rest[..space(rest)?];
    let after = &rest[host.len() + 1..];
    let tag = &after[..space(after).unwrap_or(after.len())];
    // `name[pid]:` or `name:`.
    let is_tag = tag.len() > 1 && tag.ends_with(':') && !tag.starts_with(['[', ':']);
    let host_like = !host.is_empty() && !host.bytes().any(|c| matches!(c, b'[' | b':' | b'='));
    (is_tag && host_like).then_some(host)
}

/// A Postfix `smtpd` (or `postscreen`, `cleanup`) rejection of incoming mail:
/// `NOQUEUE: reject: RCPT from client[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied;
/// from=<x> to=<a@b> proto=ESMTP helo=<h>`: the receiving side's view, not a delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject<'a> {
    pub timestamp: Option<&'a str>,
    /// The client as Postfix names it: `name[address]`.
    pub client: Option<&'a str>,
    pub recipient: Option<&'a str>,
    /// The command refused: `RCPT`, `END-OF-MESSAGE`, `CONNECT`, ... (smtpd.c names it
    /// before ` from `).
    pub command: Option<&'a str>,
}

impl Reject<'_> {
    /// The stage of the command refused.
    pub fn stage(&self) -> Option<Stage> {
        self.command.and_then(|c| match c {
            "END-OF-MESSAGE" => Some(Stage::EndOfData),
            _ => command_stage(c),
        })
    }
}

/// Reads a Postfix rejection line (`NOQUEUE: reject:`, `QUEUEID: reject:`,
/// `milter-reject:`); `None` for any other line.
pub fn parse_reject(line: &str) -> Option<Reject<'_>> {
    static REJECT: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    static POSTFIX: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let reject = REJECT.get_or_init(|| memchr::memmem::Finder::new(b"reject: "));
    reject.find(line.as_bytes())?;
    let postfix = POSTFIX.get_or_init(|| memchr::memmem::Finder::new(b"postfix"));
    let at = postfix.find(line.as_bytes())?;
    let rest = &line[at..];
    let (at, verb) = [": reject: ", ": milter-reject: "]
        .iter()
        .find_map(|v| rest.find(v).map(|i| (i, i + v.len())))?;
    // `...[pid]: NOQUEUE: reject: ` or `...[pid]: 4F3A2B1C: reject: `.
    let qid = rest[..at].rsplit(": ").next()?;
    if !(qid == "NOQUEUE"
        || (5..=20).contains(&qid.len()) && qid.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return None;
    }
    let body = &rest[verb..];
    let (command, after) = body.split_once(" from ").unzip();
    let client = after
        .and_then(|c| c.find("]:").map(|i| &c[..=i]))
        .filter(|c| c.contains('[') && !c.contains(' '));
    // `to=<a@b>`; pasted through Markdown the angle brackets may be gone (`to=a@b proto=`).
    let recipient = body
        .rsplit_once(" to=")
        .map(|(_, r)| match r.strip_prefix('<') {
            Some(r) => r.split_once('>').map_or("", |(r, _)| r),
            None => r.split(' ').next().unwrap_or_default(),
        })
        .filter(|r| !r.is_empty());
    Some(Reject {
        timestamp: leading_timestamp(line),
        client,
        recipient,
        command,
    })
}

/// The server's words of a Postfix rejection line without the envelope Postfix logs after
/// them (`; from=<x> to=<a@b> proto=ESMTP helo=<h>`, smtpd.c).
pub fn reject_words(text: &str) -> &str {
    text.rfind("; from=").map_or(text, |i| &text[..i])
}

/// Postfix names the host it tried in its own words when `relay=none`.
pub fn host_from_detail(detail: &str) -> Option<&str> {
    // `connect to NAME[`, the pattern's match at the start of the text, read by hand.
    if let Some(rest) = detail.strip_prefix("connect to ") {
        let b = rest.as_bytes();
        let end = b
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
            .unwrap_or(b.len());
        if end > 0 && b[0].is_ascii_alphanumeric() && b.get(end) == Some(&b'[') {
            return Some(&rest[..end]);
        }
    }
    static CONNECT: OnceLock<Regex> = OnceLock::new();
    let connect = re(
        &CONNECT,
        r"(?:connect to|lost connection with|conversation with|host) (?P<host>[A-Za-z0-9][\w.-]*)\[",
    );
    connect
        .captures(detail)
        .and_then(|c| c.name("host"))
        .map(|h| h.as_str())
}

/// Postfix: `postfix/smtp[pid]: QUEUEID: to=<rcpt>, relay=..., dsn=..., status=... (...)`.
/// Hand-parsed with byte searches: `scan` runs this on every line of large logs.
fn postfix(line: &str, at: usize) -> Option<LogRecord<'_>> {
    const DAEMONS: &[&str] = &[
        "smtp", "lmtp", "local", "virtual", "pipe", "error", "retry", "qmgr", "discard", "bounce",
    ];
    let rest = &line[at..];
    let bytes = rest.as_bytes();
    let open = memchr::memchr(b'[', bytes)?;
    let program = &rest[..open];
    let slash = memchr::memrchr(b'/', program.as_bytes())?;
    if !DAEMONS.contains(&&program[slash + 1..]) {
        return None;
    }
    let close = open + memchr::memchr(b']', &bytes[open..])?;
    if bytes.get(close + 1..close + 3) != Some(b": ") {
        return None;
    }
    postfix_delivery(line, &rest[close + 3..])
}

/// A Postfix delivery line pasted without its syslog prefix, from the queue id on:
/// `3019218337A: to=<a@b>, relay=..., dsn=5.7.1, status=bounced (...)`, or from its
/// recipient on (`to=<a@b>, relay=..., status=deferred (...)`).
fn postfix_unprefixed(line: &str) -> Option<LogRecord<'_>> {
    let body = line.trim_start();
    if body.starts_with("to=<") {
        return postfix_delivery_fields(line, None, body);
    }
    let colon = memchr::memchr(b':', body.as_bytes())?;
    body[colon..]
        .starts_with(": to=")
        .then(|| postfix_delivery(line, body))
        .flatten()
}

/// The part of a Postfix delivery line after the program: `QUEUEID: to=<...>, ...,
/// status=... (...)`.
fn postfix_delivery<'a>(line: &'a str, body: &'a str) -> Option<LogRecord<'a>> {
    let colon = memchr::memchr(b':', body.as_bytes())?;
    let qid = &body[..colon];
    if !(5..=20).contains(&qid.len()) || !qid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = body.get(colon + 2..)?;
    postfix_delivery_fields(line, Some(qid), rest)
}

/// The fields of a Postfix delivery line from `to=` on, and the queue id before them.
fn postfix_delivery_fields<'a>(
    line: &'a str,
    qid: Option<&'a str>,
    rest: &'a str,
) -> Option<LogRecord<'a>> {
    static STATUS: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let i = STATUS
        .get_or_init(|| memchr::memmem::Finder::new(b"status="))
        .find(rest.as_bytes())?;
    let (fields, status_part) = (&rest[..i], &rest[i + "status=".len()..]);
    let word_end = status_part
        .bytes()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(status_part.len());
    let outcome = match &status_part[..word_end] {
        "sent" => Outcome::Sent,
        "deferred" => Outcome::Deferred,
        "bounced" => Outcome::Bounced,
        "expired" => Outcome::Expired,
        _ => return None,
    };
    let after = status_part[word_end..].trim_start_matches([',', ' ']);
    let detail = match (
        memchr::memchr(b'(', after.as_bytes()),
        memchr::memrchr(b')', after.as_bytes()),
    ) {
        (Some(a), Some(b)) if b > a => Some(&after[a + 1..b]),
        _ => non_empty_str(after),
    };
    let mut rec = LogRecord {
        mta: Some(Mta::Postfix),
        timestamp: leading_timestamp(line),
        queue_id: qid,
        outcome: Some(outcome),
        detail,
        ..LogRecord::default()
    };
    let mut start = 0;
    let ends = memchr::memchr_iter(b',', fields.as_bytes()).chain(std::iter::once(fields.len()));
    for end in ends {
        let field = fields[start..end].trim_start();
        start = end + 1;
        // The key is what precedes the field's first `=`.
        if let Some(value) = field.strip_prefix("to=") {
            rec.recipient = Some(strip_angle(value.trim_end()));
        } else if let Some(value) = field.strip_prefix("relay=") {
            // Only a network relay names a remote host (`mx.example.org[198.51.100.2]:25`),
            // not `local`, `virtual`, `dovecot` or an LMTP socket (`host[private/lmtp]`).
            let value = value.trim_end();
            let socket = |(i, _): (usize, &str)| {
                value[i..].starts_with("[private/") || value[i..].starts_with("[public/")
            };
            if value.contains('[') && !value.match_indices('[').any(socket) {
                rec.remote_host = Some(host_of(value));
            }
        } else if let Some(value) = field.strip_prefix("dsn=") {
            rec.dsn = EnhancedCode::read(value.trim_end());
        }
    }
    Some(rec)
}

/// Reads an MTA's explanation: the quoted remote reply, the host, the stage.
fn read_detail<'a>(
    detail: &'a str,
    rec: &mut LogRecord<'a>,
    wants_stage: impl Fn(&LogRecord<'a>) -> bool,
) {
    static SAID: OnceLock<Regex> = OnceLock::new();
    // Compiled only when the hand reader below does not decide: an explain is one process,
    // and building this pattern costs more than the rest of reading the line.
    let said = || {
        re(
            &SAID,
            r"(?:host|server) (?P<host>[^\s\[]+)(?:\[[^\]]*\])?(?::\d+)? (?:said|refused to talk to me|said in response to [^:]+):\s*",
        )
    };
    // Postfix's own form at the start of the text (`host mx[192.0.2.1] said: `) is read by
    // hand: the match the pattern below would give, found without it.
    if let Some((host, end, refused)) = postfix_said(detail) {
        if rec.remote_host.is_none() {
            rec.remote_host = Some(host);
        }
        if refused {
            rec.stage = Some(Stage::Connect);
        }
        read_reply(&detail[end..], rec);
    // The reply is the rest of the line (a log line holds no line break): matching only up
    // to it keeps the capture search short.
    } else if let Some(c) = may_name_a_speaker(detail)
        .then(|| said().captures(detail))
        .flatten()
    {
        if rec.remote_host.is_none() {
            rec.remote_host = c.name("host").map(|h| h.as_str());
        }
        if c.get(0)
            .is_some_and(|m| m.as_str().contains("refused to talk to me"))
        {
            rec.stage = Some(Stage::Connect);
        }
        let end = c.get(0).map_or(detail.len(), |m| m.end());
        read_reply(&detail[end..], rec);
    } else {
        read_reply(detail, rec);
    }
    if rec.stage.is_none() && wants_stage(rec) {
        rec.stage = stage_marker(detail);
    }
    if rec.remote_host.is_none() {
        rec.remote_host = host_from_detail(detail);
    }
}

/// Whether `text` holds a word the `SAID` pattern in `read_detail` cannot match without:
/// most replies (`250 2.0.0 Ok: queued as ...`) hold neither, and skip the pattern.
fn may_name_a_speaker(text: &str) -> bool {
    static SAID: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b" said"));
    static REFUSED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b" refused to talk to me"));
    let b = text.as_bytes();
    SAID.find(b).is_some() || REFUSED.find(b).is_some()
}

/// Postfix's `in reply to COMMAND` at the start of `text`, read the way the first branch
/// of the pattern in `stage_marker` reads it: `Some(stage)` when that branch matches here in
/// plain ASCII, `None` to leave it to the pattern.
fn in_reply_to(text: &str) -> Option<Option<Stage>> {
    const HEAD: &str = "in reply to ";
    let head = text.get(..HEAD.len())?;
    if !head.eq_ignore_ascii_case(HEAD) {
        return None;
    }
    let rest = &text[HEAD.len()..];
    // In the pattern's order: `(?:end of )?DATA` tries the longer form first.
    const COMMANDS: [(&str, Option<Stage>); 12] = [
        ("end of data", Some(Stage::EndOfData)),
        ("data", Some(Stage::Data)),
        ("mail from", Some(Stage::Mail)),
        ("rcpt to", Some(Stage::Rcpt)),
        ("helo", Some(Stage::Helo)),
        ("ehlo", Some(Stage::Helo)),
        ("starttls", Some(Stage::Starttls)),
        ("auth", Some(Stage::Auth)),
        ("bdat", Some(Stage::Data)),
        ("xforward", None),
        ("rset", None),
        ("quit", None),
    ];
    COMMANDS.iter().find_map(|&(word, stage)| {
        let got = rest.get(..word.len())?;
        let next = rest.as_bytes().get(word.len());
        // `\b`: the next character is not a word character (ASCII only here).
        let boundary = next.is_none_or(|&c| c < 0x80 && !c.is_ascii_alphanumeric() && c != b'_');
        (got.eq_ignore_ascii_case(word) && boundary).then_some(stage)
    })
}

/// Whether `text` starts with what the `connect` branch of the pattern in `stage_marker`
/// matches (`connect to HOST[ADDR]:25: Connection timed out`), read by hand in ASCII text;
/// `false` leaves it to the pattern.
fn connect_failure(text: &str) -> bool {
    const HEAD: &str = "connect to ";
    let b = text.as_bytes();
    if !b.is_ascii()
        || !b
            .get(..HEAD.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(HEAD.as_bytes()))
    {
        return false;
    }
    // `\S+: `: the word up to the next white space (`\s` includes \x0b), ending in ':'.
    let rest = &b[HEAD.len()..];
    let word = rest
        .iter()
        .position(|&c| matches!(c, b'\t'..=b'\r' | b' '))
        .unwrap_or(rest.len());
    if word < 2 || rest[word - 1] != b':' || rest.get(word) != Some(&b' ') {
        return false;
    }
    let tail = &rest[word + 1..];
    [
        "connection refused",
        "connection timed out",
        "no route to host",
        "network is unreachable",
    ]
    .iter()
    .any(|w| {
        tail.get(..w.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// `host NAME[ADDRESS]:PORT said: ` (or `refused to talk to me: `) at the start of `text`,
/// read the way the `SAID` pattern in `read_detail` reads it (greedy name, optional address
/// and port): the name, where the reply starts and whether the host refused to talk. `None`
/// when the text has another shape; the pattern then decides.
fn postfix_said(text: &str) -> Option<(&str, usize, bool)> {
    let rest = text.strip_prefix("host ")?;
    let b = rest.as_bytes();
    let name_end = b
        .iter()
        .position(|&c| c == b'[' || c.is_ascii_whitespace() || c >= 0x80)
        .unwrap_or(b.len());
    if name_end == 0 || b.get(name_end).is_some_and(|&c| c >= 0x80) {
        return None;
    }
    let mut i = name_end;
    if b.get(i) == Some(&b'[') {
        i += memchr::memchr(b']', &b[i..])? + 1;
    }
    if b.get(i) == Some(&b':') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += 1 + digits;
    }
    let (after, refused) = match rest[i..].strip_prefix(" said:") {
        Some(after) => (after, false),
        None => (rest[i..].strip_prefix(" refused to talk to me:")?, true),
    };
    let reply = after.trim_start();
    Some((&rest[..name_end], text.len() - reply.len(), refused))
}

/// A reply quoted in log text: `451 4.3.2 words (in reply to MAIL FROM command)`.
fn read_reply<'a>(text: &'a str, rec: &mut LogRecord<'a>) {
    let text = text.trim();
    // Postfix appends the stage marker after the reply; it is not the server's words.
    static IN_REPLY_TO: std::sync::LazyLock<memchr::memmem::FinderRev<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::FinderRev::new(b" (in reply to "));
    let words = match IN_REPLY_TO.rfind(text.as_bytes()) {
        Some(i) => &text[..i],
        None => text,
    };
    let basic = words
        .get(..3)
        .and_then(parse_basic)
        .filter(|_| words[3..].starts_with([' ', '-']) || words.len() == 3);
    if let Some(b) = basic {
        rec.basic = Some(b);
        let rest = words[3..].trim_start_matches([' ', '-']);
        let (code, after) = match rest.split_once(' ') {
            Some((first, after)) => match EnhancedCode::read(first) {
                Some(c) => (Some(c), after),
                None => (None, rest),
            },
            None => (EnhancedCode::read(rest), ""),
        };
        // Multi-line replies flattened into one log line repeat `550-5.7.1` prefixes.
        let cleaned = strip_repeated_prefixes_cow(after, b, code);
        rec.reply_code = code.or_else(|| find_enhanced(&cleaned).first().map(|l| l.code));
        rec.server_text = match cleaned {
            Cow::Borrowed(c) => non_empty_cow(c),
            Cow::Owned(c) => non_empty(&c).map(Cow::Owned),
        };
    } else {
        rec.server_text = non_empty_cow(words);
        if rec.reply_code.is_none() && rec.dsn.is_none() {
            rec.reply_code = find_enhanced(words).first().map(|l| l.code);
        }
    }
}

/// Removes the `550-5.7.1 ` / `550 5.7.1 ` prefixes a flattened multi-line reply repeats.
pub fn strip_repeated_prefixes(text: &str, basic: u16, code: Option<EnhancedCode>) -> String {
    strip_repeated_prefixes_cow(text, basic, code).into_owned()
}

/// `strip_repeated_prefixes`, borrowing the text when there is nothing to strip or fold.
fn strip_repeated_prefixes_cow(text: &str, basic: u16, code: Option<EnhancedCode>) -> Cow<'_, str> {
    let digits = [
        b'0' + (basic / 100 % 10) as u8,
        b'0' + (basic / 10 % 10) as u8,
        b'0' + (basic % 10) as u8,
    ];
    let has_digits = if (100..1000).contains(&basic) {
        // Three bytes: a memchr for the first and a compare is cheaper than building a
        // substring searcher for every line scan reads.
        let bytes = text.as_bytes();
        memchr::memchr_iter(digits[0], bytes).any(|i| bytes[i..].starts_with(&digits))
    } else {
        text.contains(basic.to_string().as_str())
    };
    let Some(code) = code.filter(|_| has_digits) else {
        return super::fold_whitespace_cow(text);
    };
    let mut out = text.to_string();
    for sep in ['-', ' '] {
        out = out.replace(&format!("{basic}{sep}{code} "), " ");
    }
    Cow::Owned(super::fold_whitespace(&out))
}

/// Exim main log: `DATE ID ** rcpt R=... T=... H=host [ip]: message` (`**` failed, `==`
/// deferred, `=>` delivered).
fn exim(line: &str) -> Option<LogRecord<'_>> {
    static EXIM: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &EXIM,
        r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?) (?:\[\d+\] )?(?P<id>[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (?P<flag>\*\*|==|=>|->|\*>) (?P<rest>.*)$",
    );
    let caps = r.captures(line)?;
    let rest = caps.name("rest")?.as_str();
    let outcome = match caps.name("flag")?.as_str() {
        // Exim gives up on an address whose retry time ran out with "retry timeout
        // exceeded" (retry.c), after the last error when there is one: the expiry.
        "**" if super::contains_any_ignore_case(rest, &["retry timeout exceeded"]) => {
            Outcome::Expired
        }
        "**" => Outcome::Bounced,
        "==" => Outcome::Deferred,
        _ => Outcome::Sent,
    };
    let recipient = exim_recipient(rest);
    let mut rec = LogRecord {
        mta: Some(Mta::Exim),
        timestamp: caps.name("ts").map(|m| m.as_str()),
        queue_id: caps.name("id").map(|m| m.as_str()),
        recipient,
        outcome: Some(outcome),
        ..LogRecord::default()
    };
    static HOST: OnceLock<Regex> = OnceLock::new();
    rec.remote_host = re(&HOST, r"\bH=(?P<h>[^\s\[]+)")
        .captures(rest)
        .and_then(|c| c.name("h"))
        .map(|h| h.as_str());
    static AFTER: OnceLock<Regex> = OnceLock::new();
    let after = re(
        &AFTER,
        r"SMTP error from remote mail server after (?P<stage>.*?): (?P<reply>\d{3}[ -].*)$",
    );
    if let Some(c) = after.captures(rest) {
        let stage_text = c.name("stage").map_or("", |m| m.as_str());
        rec.stage = command_stage(stage_text);
        rec.detail = c.get(0).map(|m| m.as_str());
        read_reply(c.name("reply").map_or("", |m| m.as_str()), &mut rec);
    } else {
        // The MTA's own words follow the first ": " after the options.
        let detail = rest.split_once(": ").map(|(_, d)| d);
        rec.detail = detail;
        if let Some(d) = detail {
            read_reply(d, &mut rec);
            rec.stage = rec.stage.or_else(|| stage_marker(d));
        }
    }
    Some(rec)
}

/// The address an Exim delivery line is about. A delivery to a pipe or a file names the
/// command or path first and the address that generated it in angle brackets after it
/// (`** |/bin/sh -c "exit 75" <bob@example.org> R=aliases T=address_pipe: ...`); that
/// address is the recipient whose mail failed.
fn exim_recipient(rest: &str) -> Option<&str> {
    let first = rest.split_whitespace().next()?;
    if first.starts_with(['|', '/']) {
        let options = rest.find(" R=").unwrap_or(rest.len());
        let open = rest[..options].rfind(" <")? + 2;
        let close = rest[open..options].find('>')? + open;
        return Some(&rest[open..close]);
    }
    Some(strip_angle(first.trim_end_matches(':')))
}

/// The stage an SMTP command (or the moment an MTA names) starts: a Sendmail transcript's
/// `>>> RCPT To:<a>`, Exim's `after MAIL FROM:<a> SIZE=1`, `pipelined end of data`,
/// `initial connection`, `EHLO host`.
pub fn command_stage(text: &str) -> Option<Stage> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_prefix("pipelined ").unwrap_or(&t);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| t.starts_with(p));
    Some(if starts(&["rcpt"]) {
        Stage::Rcpt
    } else if starts(&["mail"]) {
        Stage::Mail
    } else if t == "." || starts(&["end of data", "sending data block"]) {
        Stage::EndOfData
    } else if starts(&["data", "bdat"]) {
        Stage::Data
    } else if starts(&["initial connection", "connect"]) {
        Stage::Connect
    } else if starts(&["ehlo", "helo"]) {
        Stage::Helo
    } else if starts(&["starttls"]) {
        Stage::Starttls
    } else if starts(&["auth"]) {
        Stage::Auth
    } else {
        return None;
    })
}

/// Sendmail: `sm-mta[pid]: QID: to=<rcpt>, ..., relay=host. [ip], dsn=5.1.1, stat=...`.
fn sendmail(line: &str) -> Option<LogRecord<'_>> {
    static SM: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &SM,
        r"\b(?:sendmail|sm-mta|sm-msp-queue)\[\d+\]: (?P<qid>[0-9A-Za-z]{8,20}): (?P<rest>.*)$",
    );
    let caps = r.captures(line)?;
    let rest = caps.name("rest")?.as_str();
    let message = LogRecord {
        mta: Some(Mta::Sendmail),
        timestamp: leading_timestamp(line),
        queue_id: caps.name("qid").map(|m| m.as_str()),
        ..LogRecord::default()
    };
    if let Some(expiry) = sendmail_expiry(rest) {
        return Some(LogRecord {
            outcome: Some(Outcome::Expired),
            detail: Some(expiry),
            ..message
        });
    }
    // Sendmail 8.16 and later log the server's own reply as `reply=` before `stat=`, which
    // is Sendmail's summary of it ("User unknown" for any 550 to RCPT). The reply may hold
    // commas, so it runs to the last `, stat=`.
    let (fields, reply, stat) = match rest.find("reply=") {
        Some(at) if at == 0 || rest[..at].ends_with(", ") => {
            let (reply, stat) = rest[at + "reply=".len()..].rsplit_once(", stat=")?;
            (&rest[..at], Some(reply), stat)
        }
        _ => {
            let (fields, stat) = rest.split_once("stat=")?;
            (fields, None, stat)
        }
    };
    let mut rec = LogRecord {
        detail: Some(stat),
        ..message
    };
    for field in fields.split(", ") {
        let Some((key, value)) = field.split_once('=') else {
            continue;
        };
        let value = value.trim_end_matches([',', ' ']);
        match key.trim() {
            "to" => {
                // A quoted program or file recipient ("|/usr/bin/procmail -a x,y") is one.
                let (first, more) = if value.starts_with('"') {
                    (value, None)
                } else {
                    value
                        .split_once(',')
                        .map_or((value, None), |(f, m)| (f, Some(m)))
                };
                rec.recipient = Some(strip_angle(first));
                rec.more_recipients = more;
            }
            "relay" => rec.remote_host = sendmail_relay(value),
            "dsn" => rec.dsn = EnhancedCode::read(value),
            _ => {}
        }
    }
    let lower = stat.to_ascii_lowercase();
    rec.outcome = Some(if lower.starts_with("sent") {
        Outcome::Sent
    } else if lower.starts_with("deferred")
        || rec
            .dsn
            .is_some_and(|d| d.class == crate::code::Class::Transient)
    {
        Outcome::Deferred
    } else {
        Outcome::Bounced
    });
    let reply = reply.unwrap_or_else(|| stat.split_once(": ").map_or(stat, |(_, r)| r));
    read_reply(reply, &mut rec);
    rec.stage = stage_marker(stat);
    Some(rec)
}

/// Sendmail's notice that it returns a message it kept past `Timeout.queuereturn`, logged
/// under the message's queue id with the id of the bounce it writes:
/// `QID: BOUNCEID: sender notify: Cannot send message for 5 days` (8.17; older releases say
/// `DSN:` or `return to sender:`).
fn sendmail_expiry(rest: &str) -> Option<&str> {
    let (bounce_id, notice) = rest.split_once(": ")?;
    if !(8..=20).contains(&bounce_id.len()) || !bounce_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let (_, words) = notice.split_once(": ")?;
    words
        .starts_with("Cannot send message for ")
        .then_some(words)
}

/// Sendmail's `relay=mx.example.com. [192.0.2.1]`: the host name, or the address when the
/// relay was given as an address literal (`relay=[192.0.2.1] [192.0.2.1]`, a mailertable
/// or smart host written `[host]`).
fn sendmail_relay(value: &str) -> Option<&str> {
    let name = value.split_whitespace().next()?;
    let host = match name.strip_prefix('[') {
        Some(literal) => literal.split(']').next().unwrap_or(literal),
        None => host_of(name),
    };
    non_empty_str(host)
}

/// OpenSMTPD, in both of its formats: 6.x's `mta_log`/`mda_log` (mta.c, mda.c)
/// `7a4e3bec204bdd86 mta delivery evpid=3e39e3b8d7773964 from=<a@x> to=<b@y> rcpt=<->
/// source="192.0.2.1" relay="mx.example.net (192.0.2.8)" delay=0s result="TempFail"
/// stat="452 4.2.2 ..."`, and `queue_log` (queue.c, and every line of 5.x)
/// `relay: Expire for 3e39e3b8d7773964: from=<a@x>, to=<b@y>, rcpt=<->, delay=4d,
/// stat=Envelope expired`.
fn opensmtpd(line: &str) -> Option<LogRecord<'_>> {
    let (result, evpid, fields) = match line.find(" delivery evpid=") {
        Some(at) => {
            let fields = &line[at + " delivery ".len()..];
            (
                opensmtpd_field(fields, "result")?,
                opensmtpd_field(fields, "evpid")?,
                fields,
            )
        }
        None => {
            let at = line.find("relay: ").or_else(|| line.find("delivery: "))?;
            let (_, rest) = line[at..].split_once(": ")?;
            let (result, rest) = rest.split_once(" for ")?;
            let (evpid, fields) = rest.split_once(": ")?;
            (result, evpid, fields)
        }
    };
    if evpid.len() != 16 || !evpid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let outcome = match result {
        "Ok" => Outcome::Sent,
        "TempFail" => Outcome::Deferred,
        "PermFail" | "Loop" => Outcome::Bounced,
        "Expire" => Outcome::Expired,
        _ => return None,
    };
    let stat = &fields[fields.find("stat=")? + "stat=".len()..];
    let stat = stat.trim_end();
    let stat = stat
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(stat);
    let mut rec = LogRecord {
        mta: Some(Mta::OpenSmtpd),
        timestamp: leading_timestamp(line),
        // An envelope id is its message's id and 32 random bits (queue.c
        // queue_generate_evpid): the message's attempts share its first 8 digits.
        queue_id: Some(&evpid[..8]),
        recipient: opensmtpd_field(fields, "to").map(strip_angle),
        remote_host: opensmtpd_field(fields, "relay")
            .and_then(|r| r.split_whitespace().next())
            .map(host_of),
        outcome: Some(outcome),
        detail: Some(stat),
        ..LogRecord::default()
    };
    if outcome != Outcome::Sent {
        read_reply(stat, &mut rec);
        rec.stage = stage_marker(stat);
        // A multi-line reply's lines are joined as they came, each still led by its
        // enhanced code: `... risk to the5.7.26 sender and ...`.
        if let (Some(code), Some(text)) = (rec.reply_code, rec.server_text.as_deref()) {
            let lead = format!("{code} ");
            if text.contains(&lead) {
                let joined = text.replace(&lead, " ");
                rec.server_text = Some(Cow::Owned(
                    joined.split_whitespace().collect::<Vec<_>>().join(" "),
                ));
            }
        }
    }
    Some(rec)
}

/// The value of `key=` in an OpenSMTPD line: quoted, else up to the next space or comma.
/// Courier's delivery modules (courieresmtp, courierlocal) and courierd log an attempt as one
/// line per line of the reply, `id=<queue id>,from=<s>,addr=<r>: 550 5.1.1 ...`, then its
/// outcome, `id=...,from=<s>,addr=<r>,status: failure` (or `success`, `deferred`); seen from
/// Courier 1.0.16. The outcome line holds no reply: `scan` reads the reply lines before it
/// (`courier_reply`).
fn courier(line: &str) -> Option<LogRecord<'_>> {
    let (_, id, recipient, after) = courier_attempt(line)?;
    let mut rec = LogRecord {
        mta: Some(Mta::Courier),
        timestamp: leading_timestamp(line),
        queue_id: Some(id),
        recipient: Some(recipient),
        ..LogRecord::default()
    };
    // A delivery: `...,addr=<r>,size=2799,success: Message delivered.` (courierlocal) or
    // `...,success: delivered: mx.example.org [192.0.2.7]` (courieresmtp).
    if let Some((_, said)) = after.split_once(",success: ") {
        rec.outcome = Some(Outcome::Sent);
        rec.detail = Some(said);
    } else if let Some(status) = after.strip_prefix(",status: ") {
        rec.outcome = Some(match status.trim_end() {
            "success" => Outcome::Sent,
            "deferred" => Outcome::Deferred,
            "failure" => Outcome::Bounced,
            _ => return None,
        });
    } else {
        let reply = after.strip_prefix(": ")?;
        rec.detail = Some(reply);
        read_reply(reply, &mut rec);
        rec.stage = stage_marker(reply);
    }
    Some(rec)
}

/// A Courier attempt line split as (its key `id=<id>,from=<s>,addr=<r>`, queue id,
/// recipient, what follows the recipient's `>`).
fn courier_attempt(line: &str) -> Option<(&str, &str, &str, &str)> {
    let at = line.find(": id=")?;
    let program = line[..at].rsplit(' ').next()?;
    if !program.starts_with("courier") {
        return None;
    }
    let fields = &line[at + ": id=".len()..];
    let (id, rest) = fields.split_once(",from=<")?;
    let (_, rest) = rest.split_once(">,addr=<")?;
    let (recipient, after) = rest.split_once('>')?;
    let key = &line[at + ": ".len()..line.len() - after.len()];
    Some((key, id, recipient, after))
}

/// The reply a Courier outcome line (`...,addr=<r>,status: failure`) reports, from the reply
/// lines logged for the same attempt just before it in `before` (the log up to that line):
/// the lines after `id=<id>,from=<s>,addr=<r>: `, joined in order, back to the outcome of
/// the attempt before (a retry has the same id and address). Only the last 64 lines are
/// looked at; Courier writes them together.
pub fn courier_reply(before: &str, line: &str) -> Option<String> {
    let (key, ..) = courier_attempt(line)?;
    let mut parts: Vec<&str> = Vec::new();
    for l in before.lines().rev().take(64) {
        let Some(i) = l.find(key) else { continue };
        match l[i + key.len()..].strip_prefix(": ") {
            Some(part) => parts.push(part),
            None => break,
        }
    }
    parts.reverse();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Whether `rec` is a failed or deferred Courier attempt whose reply was logged on the
/// lines before it.
pub fn needs_reply_before(rec: &LogRecord<'_>) -> bool {
    rec.mta == Some(Mta::Courier)
        && matches!(rec.outcome, Some(Outcome::Bounced | Outcome::Deferred))
        && rec.basic.is_none()
}

/// Gives an outcome line the reply logged for it elsewhere (Courier's reply lines): its
/// basic and enhanced code, words and stage.
pub fn take_reply(rec: &mut LogRecord<'_>, reply: &str) {
    let mut read = LogRecord::default();
    read_reply(reply, &mut read);
    rec.basic = read.basic;
    rec.reply_code = read.reply_code;
    rec.server_text = read.server_text.map(|t| Cow::Owned(t.into_owned()));
    rec.stage = rec.stage.or_else(|| stage_marker(reply));
}

fn opensmtpd_field<'a>(fields: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    let start = loop {
        let at = from + fields[from..].find(key)?;
        let after = at + key.len();
        let starts_field = at == 0 || fields[..at].ends_with([' ', ',']);
        if starts_field && fields[after..].starts_with('=') {
            break after + 1;
        }
        from = after;
    };
    let value = &fields[start..];
    match value.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => value.split([' ', ',']).next(),
    }
}

/// Exchange NDR wrappers: `Remote Server returned '550 5.1.1 ...'`, `#550 5.1.1 ... ##`,
/// `#< #5.5.0 smtp;554 ...> #SMTP#`.
fn exchange(line: &str) -> Option<LogRecord<'_>> {
    // Cheap test first: the regex below is only worth compiling for lines that can match.
    if !line.contains('#') && !line.to_ascii_lowercase().contains("returned '") {
        return None;
    }
    static EX: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &EX,
        r"(?i)(?:remote server returned '(?P<a>[^']*)'|#(?P<b>\d{3}[ -]\d\.\d{1,3}\.\d{1,3} [^#]*)##|#< ?#(?P<c>\d\.\d{1,3}\.\d{1,3}) smtp;(?P<d>[^>]*)> ?#SMTP#)",
    );
    let caps = r.captures(line)?;
    let mut rec = LogRecord {
        mta: Some(Mta::Exchange),
        ..LogRecord::default()
    };
    let reply = caps
        .name("a")
        .or(caps.name("b"))
        .or(caps.name("d"))
        .map_or("", |m| m.as_str());
    rec.detail = Some(reply);
    rec.dsn = caps.name("c").and_then(|m| m.as_str().parse().ok());
    read_reply(reply, &mut rec);
    Some(rec)
}

/// Where the first of the words that start a stage marker (`in reply to`, `after `, ...)
/// starts in `text`, ignoring ASCII case. Read by hand, two bytes at a time: `scan` asks
/// this of most replies it reads, and their markers start with one of five letter pairs.
fn first_marker(text: &[u8]) -> Option<usize> {
    // The markers, by the letter pair they start with (the order of PAIRS below).
    const MARKERS: [&[&[u8]]; 5] = [
        &[b"in reply to", b"in response to"],
        &[b"after "],
        &[b"refused to talk", b"remote server for "],
        &[
            b"connection refused",
            b"connection timed out",
            b"connect to",
        ],
        &[
            b"while receiving",
            b"while sending",
            b"while performing the",
        ],
    ];
    // `| 0x20` folds ASCII case; it maps some other bytes onto letters too, which only costs
    // a compare below. Positions are tested 32 at a time in a loop the compiler vectorises.
    const PAIRS: [[u8; 2]; 5] = [*b"in", *b"af", *b"re", *b"co", *b"wh"];
    const CHUNK: usize = 32;
    let is_marker_at = |i: usize| {
        let pair = [text[i] | 0x20, text.get(i + 1).map_or(0, |b| b | 0x20)];
        PAIRS.iter().zip(MARKERS).any(|(p, markers)| {
            *p == pair
                && markers.iter().any(|m| {
                    text[i..]
                        .get(..m.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(m))
                })
        })
    };
    let mut base = 0;
    while base + 1 < text.len() {
        let window = &text[base..text.len().min(base + CHUNK + 1)];
        let mut hits = [false; CHUNK];
        // Written twice on purpose: the whole-block loop has a constant length and is
        // vectorised; folding both into one closure cost scan 7 % more instructions.
        if window.len() == CHUNK + 1 {
            for (k, hit) in hits.iter_mut().enumerate() {
                let (a, b) = (window[k] | 0x20, window[k + 1] | 0x20);
                *hit = PAIRS.iter().any(|p| p[0] == a && p[1] == b);
            }
        } else {
            for (k, hit) in hits.iter_mut().enumerate().take(window.len() - 1) {
                let (a, b) = (window[k] | 0x20, window[k + 1] | 0x20);
                *hit = PAIRS.iter().any(|p| p[0] == a && p[1] == b);
            }
        }
        let mut mask = hits
            .iter()
            .enumerate()
            .fold(0u32, |m, (k, &h)| m | (u32::from(h) << k));
        while mask != 0 {
            let k = mask.trailing_zeros() as usize;
            if is_marker_at(base + k) {
                return Some(base + k);
            }
            mask &= mask - 1;
        }
        base += CHUNK;
    }
    None
}

/// The SMTP stage a reply's text names or implies: its markers first, then what the words
/// of the refusal imply ([`implied_stage`]).
pub fn stage_marker(text: &str) -> Option<Stage> {
    explicit_stage_marker(text).or_else(|| implied_stage(text))
}

/// The SMTP stage named by the markers MTAs write around a reply (`in reply to RCPT TO
/// command`, `after end of data`, qmail-remote's `does not like recipient`). A bounce
/// with several texts (fields, prose, transcript) asks all of them this before it falls
/// back on [`implied_stage`].
pub fn explicit_stage_marker(text: &str) -> Option<Stage> {
    marker_words(text)
        .or_else(|| qmail_remote_stage(text))
        .or_else(|| stalwart_stage(text))
}

/// The stage Stalwart names in its delivery reports (crates/smtp, queue/dsn.rs): `host 'mx'
/// rejected command 'RCPT TO:<a@b>' with code 550 (5.1.1) '...'`, `connection to 'mx'
/// failed: ...`. Literal searches: the words hold no letter case to fold.
fn stalwart_stage(text: &str) -> Option<Stage> {
    let b = text.as_bytes();
    const COMMAND: &str = "rejected command '";
    if let Some(at) = memchr::memmem::find(b, COMMAND.as_bytes()) {
        return command_stage(&text[at + COMMAND.len()..]);
    }
    let at = memchr::memmem::find(b, b"connection to '")?;
    let rest = &text[at + "connection to '".len()..];
    let host_end = rest.find('\'')?;
    rest[host_end..]
        .starts_with("' failed")
        .then_some(Stage::Connect)
}

/// Whether the sending MTA says it required TLS and did not get it, which fails at STARTTLS:
/// Postfix "TLS is required, but was not offered by host" (smtp_proto.c), Exim "a TLS
/// session is required, but the server did not offer TLS support" (transports/smtp.c),
/// OpenSMTPD "TLS required but not supported by remote host" (mta_session.c). They write
/// "TLS" in capitals, so one literal search finds them.
fn tls_required(text: &str) -> bool {
    let Some(at) = memchr::memmem::find(text.as_bytes(), b"TLS ") else {
        return false;
    };
    let rest = &text[at + 4..];
    ["is required", "session is required", "required but"]
        .iter()
        .any(|w| rest.starts_with(w))
}

/// The stage a refusal's own words imply when no marker names one. Postfix smtpd(8) names
/// the restriction class that refused before "rejected:" (smtpd_check.c, `SMTPD_NAME_*`:
/// "Recipient address rejected: ...", "Data command rejected: ...", "End-of-data
/// rejected: ..."). Client, HELO and sender restrictions answer at RCPT TO too by default
/// (postconf(5) smtpd_delay_reject = yes); a marker ("in reply to MAIL FROM command")
/// outranks this.
pub fn implied_stage(text: &str) -> Option<Stage> {
    refusal_class_stage(text).or_else(|| client_stage(text))
}

/// The stage a Postfix refusal's class implies (see [`implied_stage`]).
fn refusal_class_stage(text: &str) -> Option<Stage> {
    const CLASSES: [(&str, Stage); 7] = [
        ("Recipient address", Stage::Rcpt),
        ("Sender address", Stage::Rcpt),
        ("Client host", Stage::Rcpt),
        ("Helo command", Stage::Rcpt),
        ("Client certificate", Stage::Rcpt),
        ("Data command", Stage::Data),
        ("End-of-data", Stage::EndOfData),
    ];
    let at = memchr::memmem::find(text.as_bytes(), b" rejected: ")?;
    stage_of_last_words(&text[..at], &CLASSES)
}

/// The stage of the first of `names` that `before` ends with.
fn stage_of_last_words(before: &str, names: &[(&str, Stage)]) -> Option<Stage> {
    names
        .iter()
        .find(|(name, _)| before.ends_with(name))
        .map(|&(_, stage)| stage)
}

/// The command a sending client names in its own words around the reply it quotes, as the
/// libraries write them: PHPMailer `MAIL FROM command failed`, `RCPT TO command failed`,
/// `DATA END command failed` (SMTP.php); nodemailer `Mail command failed`, `Can't send mail -
/// all recipients were rejected`; Symfony Mailer `Expected response code "220"` (the greeting); and Postfix's
/// `<a@b>: Relay access denied`, its answer to RCPT TO (smtpd_check.c
/// reject_unauth_destination).
fn client_stage(text: &str) -> Option<Stage> {
    let b = text.as_bytes();
    let find = |needle: &str| memchr::memmem::find(b, needle.as_bytes());
    if let Some(at) = find(" command failed") {
        const COMMANDS: [(&str, Stage); 5] = [
            ("DATA END", Stage::EndOfData),
            ("DATA", Stage::Data),
            ("RCPT TO", Stage::Rcpt),
            ("MAIL FROM", Stage::Mail),
            ("MAIL", Stage::Mail),
        ];
        return stage_of_last_words(&text[..at].to_ascii_uppercase(), &COMMANDS);
    }
    if find("all recipients were rejected").is_some() || find(": Relay access denied").is_some() {
        return Some(Stage::Rcpt);
    }
    find("Expected response code \"220\"")
        .or_else(|| find("Expected response code 220 "))
        .map(|_| Stage::Connect)
}

/// The command qmail-remote names in its own words before the reply it quotes
/// (qmail-remote.c: `<host> does not like recipient.`, `<host> failed on DATA command`,
/// `Connected to <host> but sender was rejected.`, ...). qmail writes them in this case,
/// so a literal search stays cheap on the replies that hold none.
pub fn qmail_remote_stage(text: &str) -> Option<Stage> {
    const WORDS: [(&str, Stage); 6] = [
        ("does not like recipient", Stage::Rcpt),
        ("failed on DATA command", Stage::Data),
        ("failed after I sent the message", Stage::EndOfData),
        ("but sender was rejected", Stage::Mail),
        ("but my name was rejected", Stage::Helo),
        ("but greeting failed", Stage::Connect),
    ];
    // One pattern of the six literals, built once: the regex engine searches them together.
    static QMAIL: OnceLock<Regex> = OnceLock::new();
    let pattern = QMAIL.get_or_init(|| {
        let literals = WORDS.map(|(w, _)| w).join("|");
        Regex::new(&literals).unwrap_or_else(|e| unreachable!("static regex: {e}"))
    });
    let found = pattern.find(text)?;
    WORDS
        .iter()
        .find(|(w, _)| *w == found.as_str())
        .map(|&(_, stage)| stage)
}

fn marker_words(text: &str) -> Option<Stage> {
    // Every marker the pattern below knows starts with one of these words: its match
    // cannot start before the first of them.
    let Some(start) = first_marker(text.as_bytes()) else {
        return tls_required(text).then_some(Stage::Starttls);
    };
    if let Some(stage) = in_reply_to(&text[start..]) {
        return stage;
    }
    // Postfix's "host X refused to talk to me: <greeting or EHLO reply>" (smtp_proto.c),
    // read by hand: the regex below costs more with each alternative it has.
    const REFUSED: &[u8] = b"refused to talk to me";
    let refused = text.as_bytes()[start..]
        .get(..REFUSED.len())
        .is_some_and(|t| t.eq_ignore_ascii_case(REFUSED));
    if refused || connect_failure(&text[start..]) {
        return Some(Stage::Connect);
    }
    static MARK: OnceLock<Regex> = OnceLock::new();
    // `in response to` is Exim's "Remote host closed connection in response to RCPT TO"
    // (transports/smtp.c); `while performing the EHLO handshake` is Postfix's (smtp_proto.c);
    // `remote server for TEXT command` is 1&1 / IONOS's "SMTP error from remote server for
    // <command> command", where TEXT is the message text, answered at its end (as recorded
    // in Sisimai lib/Sisimai/Lhost/EinsUndEins.pm).
    let r = re(
        &MARK,
        r"(?i)in reply to (?P<pf>(?:end of )?DATA|MAIL FROM|RCPT TO|HELO|EHLO|STARTTLS|AUTH|BDAT|XFORWARD|RSET|QUIT)\b|(?:after|in response to) (?P<ex>(?:pipelined )?(?:end of data|RCPT TO|MAIL FROM|DATA|initial connection|EHLO|HELO|STARTTLS|AUTH))|(?P<refused>refused to talk to me)|(?P<connect>connect to \S+: (?:connection (?:refused|timed out)|no route to host|network is unreachable)|while receiving the initial server greeting)|(?P<errno>\bconnection (?:refused|timed out)\b)|while sending (?P<sending>RCPT TO|MAIL FROM|end of data|DATA|message body)|while performing the (?P<handshake>EHLO|HELO|LHLO) handshake|remote server for (?P<ionos>RCPT TO|MAIL FROM|DATA|TEXT) command",
    );
    let mut c = r.captures_at(text, start)?;
    // A bare "Connection timed out" is the system's error text; a command named after it
    // says where it happened (Exim: "defer (110): Connection timed out H=...: SMTP timeout
    // after RCPT TO:<a@x>").
    if let Some(errno) = c.name("errno") {
        match r.captures_at(text, errno.end()) {
            Some(later) if later.name("errno").is_none() => c = later,
            _ => return Some(Stage::Connect),
        }
    }
    if c.name("handshake").is_some() {
        return Some(Stage::Helo);
    }
    if let Some(m) = c.name("pf") {
        let t = m.as_str().to_ascii_lowercase();
        return match t.as_str() {
            "end of data" => Some(Stage::EndOfData),
            "data" | "bdat" => Some(Stage::Data),
            "mail from" => Some(Stage::Mail),
            "rcpt to" => Some(Stage::Rcpt),
            "helo" | "ehlo" => Some(Stage::Helo),
            "starttls" => Some(Stage::Starttls),
            "auth" => Some(Stage::Auth),
            _ => None,
        };
    }
    if let Some(m) = c.name("ex") {
        return command_stage(m.as_str());
    }
    if let Some(m) = c.name("ionos") {
        return match m.as_str() {
            t if t.eq_ignore_ascii_case("text") => Some(Stage::EndOfData),
            t => command_stage(t),
        };
    }
    if c.name("refused").is_some() || c.name("connect").is_some() {
        return Some(Stage::Connect);
    }
    let sending = c.name("sending")?.as_str().to_ascii_lowercase();
    Some(match sending.as_str() {
        "rcpt to" => Stage::Rcpt,
        "mail from" => Stage::Mail,
        "data" => Stage::Data,
        _ => Stage::EndOfData,
    })
}

fn strip_angle(s: &str) -> &str {
    s.trim().trim_start_matches('<').trim_end_matches('>')
}

/// `mx.example.org[198.51.100.20]:25` → `mx.example.org`; `mx.example.com.` → without dot.
fn host_of(relay: &str) -> &str {
    let end = memchr::memchr2(b'[', b' ', relay.as_bytes()).unwrap_or(relay.len());
    relay[..end].trim_end_matches('.')
}

fn non_empty_str(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// The status a log line reports, for `explain`.
/// The statuses a log line reports: one per recipient (one with none when it names none).
pub fn to_statuses(rec: &LogRecord<'_>, line_no: usize, line: &str) -> Vec<Status> {
    let first = to_status(rec, line_no, line);
    let more: Vec<Status> = rec
        .recipients()
        .skip(1)
        .map(|r| Status {
            recipient: Some(r.to_string()),
            ..first.clone()
        })
        .collect();
    std::iter::once(first).chain(more).collect()
}

pub fn to_status(rec: &LogRecord<'_>, line_no: usize, line: &str) -> Status {
    let mut s = Status::new(InputKind::Log, line_no, line.trim());
    s.basic = rec.basic;
    (s.code, s.code_inferred) = rec.status_code();
    s.recipient = rec.recipient.map(str::to_string);
    s.remote_host = rec.remote_host.map(str::to_string);
    s.server_text = rec
        .server_text
        .as_deref()
        .map(str::to_string)
        .or_else(|| rec.detail.and_then(non_empty));
    s.stage = rec.stage.or_else(|| stage_marker(line.trim()));
    s.outcome = rec.outcome.map(|o| o.as_str().to_string());
    s.sending_mta = rec.mta;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: &LogRecord) -> String {
        r.code().map(|c| c.to_string()).unwrap_or_default()
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            leading_timestamp("Jun  3 01:02:03 host x"),
            Some("Jun  3 01:02:03")
        );
        assert_eq!(
            leading_timestamp("2026-06-10T11:05:02.123456+00:00 mail"),
            Some("2026-06-10T11:05:02.123456+00:00")
        );
        assert_eq!(
            leading_timestamp("2026-06-10 12:00:01 1sGxyz"),
            Some("2026-06-10 12:00:01")
        );
        assert_eq!(
            leading_timestamp("2026-06-10 12:00:01 +0200 1sGxyz"),
            Some("2026-06-10 12:00:01 +0200")
        );
        assert_eq!(leading_timestamp("550 5.1.1 x"), None);
    }

    #[test]
    fn syslog_shape_ending_inside_a_character_is_no_timestamp() {
        // Found by fuzzing: byte 15 fell inside the U+FFFD of a lossily decoded byte.
        let line = "Sep 14 21:40:0\u{fffd}3 out1 postfix/smtp[7765]: 0B3DF12E9A: to=<a@b.example>";
        assert_eq!(leading_timestamp(line), None);
        assert!(parse(line).is_none_or(|r| r.timestamp.is_none()));
    }

    #[test]
    fn postfix_deferred_with_stage() {
        let line = "Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C3D4E5: to=<ops@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=12, delays=0.1/0/11/0.9, dsn=4.3.2, status=deferred (host mx.example.com[198.51.100.30] said: 451 4.3.2 System not accepting network messages (in reply to MAIL FROM command))";
        let r = parse(line).unwrap();
        assert_eq!(r.mta, Some(Mta::Postfix));
        assert_eq!(r.queue_id, Some("A1B2C3D4E5"));
        assert_eq!(r.recipient, Some("ops@example.com"));
        assert_eq!(r.remote_host, Some("mx.example.com"));
        assert_eq!(r.outcome, Some(Outcome::Deferred));
        assert_eq!((r.basic, code(&r)), (Some(451), "4.3.2".into()));
        assert_eq!(r.stage, Some(Stage::Mail));
        assert_eq!(
            r.server_text.as_deref(),
            Some("System not accepting network messages")
        );
        assert_eq!(r.timestamp, Some("Jun 10 11:04:41"));
    }

    #[test]
    fn postfix_rfc3339_end_of_data() {
        let line = "2026-06-10T11:05:02.123456+00:00 mail postfix/smtp[8851]: B2C3D4E5F6: to=<sales@example.org>, relay=mx2.example.org[198.51.100.21]:25, delay=0.8, delays=0.1/0/0.3/0.4, dsn=5.7.1, status=bounced (host mx2.example.org[198.51.100.21] said: 550 5.7.1 Message content rejected (in reply to end of DATA command))";
        let r = parse(line).unwrap();
        assert_eq!(r.stage, Some(Stage::EndOfData));
        assert_eq!(r.timestamp, Some("2026-06-10T11:05:02.123456+00:00"));
        assert_eq!(r.outcome, Some(Outcome::Bounced));
    }

    #[test]
    fn postfix_connection_refused_and_helo_refusal() {
        let r = parse("Jun 10 11:06:13 mail postfix/smtp[8852]: C3D4E5F6A7: to=<info@example.net>, relay=none, delay=0.5, delays=0.01/0/0.5/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.40]:25: Connection refused)").unwrap();
        assert_eq!((code(&r), r.stage), ("4.4.1".into(), Some(Stage::Connect)));
        assert_eq!(r.remote_host, Some("mx.example.net"));
        let r = parse("Jun 10 11:07:30 mail postfix/smtp[8853]: D4E5F6A7B8: to=<hr@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=0.6, delays=0.02/0/0.5/0, dsn=5.7.1, status=bounced (host mx.example.com[198.51.100.30] refused to talk to me: 554 5.7.1 Helo command rejected: Host not found)").unwrap();
        assert_eq!(
            (code(&r), r.stage, r.basic),
            ("5.7.1".into(), Some(Stage::Connect), Some(554))
        );
    }

    #[test]
    fn postfix_other_daemons() {
        let r = parse("Jun 15 11:07:30 mail postfix/qmgr[900]: E5F6A7B8C9: from=<noreply@example.com>, status=expired, returned to sender").unwrap();
        assert_eq!(r.outcome, Some(Outcome::Expired));
        assert_eq!(r.code(), None);
        let r = parse("Mar  3 04:05:06 host postfix/local[311]: 3F2A1B: to=<bob@example.org>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/bob for user bob. error writing message: Disk quota exceeded)").unwrap();
        assert_eq!((code(&r), r.remote_host), ("5.2.2".into(), None));
        let r = parse("Mar  3 04:05:06 host postfix/lmtp[312]: 4A3B2C: to=<amy@example.org>, relay=mail.example.org[private/dovecot-lmtp], delay=0.2, dsn=2.0.0, status=sent (250 2.0.0 <amy@example.org> Ok: queued as abc)").unwrap();
        assert_eq!((r.outcome, code(&r)), (Some(Outcome::Sent), "2.0.0".into()));
        let r = parse("Mar  3 04:05:06 host postfix-out/smtp[313]: 5B4C3D: to=<x@example.net>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (conversation with mx.example.net[203.0.113.5] timed out while receiving the initial server greeting)").unwrap();
        assert_eq!(r.stage, Some(Stage::Connect));
    }

    #[test]
    fn courier_attempts_and_their_replies() {
        let reply = "2026-12-07T20:41:23.285230+00:00 vm courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>: 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown";
        let r = parse(reply).unwrap();
        assert_eq!(r.mta, Some(Mta::Courier));
        assert_eq!((r.recipient, r.outcome), (Some("bob@example.net"), None));
        assert_eq!((r.basic, code(&r)), (Some(550), "5.1.1".into()));
        let outcome = "2026-12-07T20:41:23.285257+00:00 vm courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>,status: failure";
        let r = parse(outcome).unwrap();
        assert_eq!(r.outcome, Some(Outcome::Bounced));
        assert_eq!(
            r.queue_id,
            Some("00000000000C06C5.000000006B1719F3.00006B82")
        );
        let delivered = "2026-12-07T20:41:23.299919+00:00 vm courierlocal: id=00000000000C06D3.000000006B1719F3.00006B85,from=<>,addr=<s@example.org>,size=3000,success: Message delivered.";
        assert_eq!(parse(delivered).unwrap().outcome, Some(Outcome::Sent));
        // The outcome takes its own attempt's reply lines, not an earlier attempt's.
        let earlier = "x courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>: 451 4.7.1 Greylisted";
        let earlier_outcome = "x courieresmtp: id=00000000000C06C5.000000006B1719F3.00006B82,from=<s@example.org>,addr=<bob@example.net>,status: deferred";
        let other = "x courieresmtp: id=00000000000C06C9.000000006B1719F3.00006B90,from=<s@example.org>,addr=<ann@example.net>: 452 4.2.2 Mailbox full";
        let before = [earlier, earlier_outcome, reply, other].join("\n");
        assert_eq!(
            courier_reply(&before, outcome).as_deref(),
            Some("550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown")
        );
        assert!(parse("Dec  7 20:41:23 vm courierd: completed,id=00000000000C06C5").is_none());
    }

    #[test]
    fn exim_pipe_and_file_deliveries_name_the_address_that_generated_them() {
        let r = parse("2026-12-07 19:40:19 1xaeZO-0005xv-1J ** |/bin/false <pipefail@example.org> R=system_aliases T=address_pipe: Child process of address_pipe transport returned 1 from command: /bin/false").unwrap();
        assert_eq!(r.recipient, Some("pipefail@example.org"));
        let r = parse(r#"2026-12-07 19:40:30 1xaeZO-0005xw-1L == |/bin/sh -c "exit 75" <pipe75@example.org> R=system_aliases T=address_pipe defer (0): Child process of address_pipe transport returned 75 (could mean temporary error) from command: /bin/sh"#).unwrap();
        assert_eq!(r.recipient, Some("pipe75@example.org"));
        assert_eq!(r.outcome, Some(Outcome::Deferred));
        let r = parse("2026-12-07 19:40:31 1xaeZO-0005xx-1M ** /var/mail/archive <keep@example.org> R=file_alias T=address_file: failed to open file").unwrap();
        assert_eq!(r.recipient, Some("keep@example.org"));
    }

    #[test]
    fn exim_failures_and_deferrals() {
        let line = "2026-06-10 12:00:01 1sGxyz-000200-CD ** eve@example.com R=dnslookup T=remote_smtp H=aspmx.l.google.com [142.250.0.26] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from remote mail server after pipelined end of data: 550-5.7.1 [203.0.113.9] Our system has detected that this message is likely unsolicited mail. - gsmtp";
        let r = parse(line).unwrap();
        assert_eq!(r.mta, Some(Mta::Exim));
        assert_eq!(
            (r.recipient, r.stage, code(&r)),
            (
                Some("eve@example.com"),
                Some(Stage::EndOfData),
                "5.7.1".into()
            )
        );
        assert_eq!(r.remote_host, Some("aspmx.l.google.com"));
        let r = parse("2026-06-10 12:01:00 1sGxyz-000201-CD ** frank@example.org R=dnslookup T=remote_smtp H=mx.example.org [198.51.100.20]: SMTP error from remote mail server after MAIL FROM:<bounce@example.com> SIZE=2048: 553 5.1.8 <bounce@example.com>: Sender address rejected: Domain not found").unwrap();
        assert_eq!((r.stage, code(&r)), (Some(Stage::Mail), "5.1.8".into()));
        let r = parse("2026-06-10 12:02:00 1sGxyz-000202-CD == gail@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [198.51.100.8]: SMTP error from remote mail server after RCPT TO:<gail@example.net>: 451 4.7.1 Greylisted, please try again later").unwrap();
        assert_eq!(
            (r.outcome, r.stage, code(&r)),
            (Some(Outcome::Deferred), Some(Stage::Rcpt), "4.7.1".into())
        );
        let r = parse(
            "2026-06-10 12:03:00 1sGxyz-000203-CD ** old@example.net: retry timeout exceeded",
        )
        .unwrap();
        // Exim's expiry (retry.c): the address failed because its retry time ran out.
        assert_eq!(
            (r.outcome, r.server_text.as_deref()),
            (Some(Outcome::Expired), Some("retry timeout exceeded"))
        );
    }

    #[test]
    fn stalwart_names_the_command_or_the_connection() {
        for (text, stage) in [
            (
                "<bob@example.org> (host 'mx.example.org' rejected command 'RCPT TO:<bob@example.org>' with code 550 (5.1.2) 'User does not exist')",
                Stage::Rcpt,
            ),
            (
                "<bob@example.org> (connection to 'mx.example.org' failed: Connection timeout)",
                Stage::Connect,
            ),
        ] {
            assert_eq!(explicit_stage_marker(text), Some(stage), "{text}");
        }
        assert_eq!(explicit_stage_marker("connection to 'mx' was fine"), None);
    }

    #[test]
    fn a_postfix_line_pasted_from_its_queue_id_or_recipient_on() {
        for line in [
            "3019218337A: to=<bob@example.org>, relay=mx.example.org[192.0.2.17]:25, delay=1, dsn=4.0.0, status=deferred (host mx.example.org[192.0.2.17] refused to talk to me: 554 invalid DNS PTR resource record)",
            "to=<bob@example.org>, relay=mx.example.org[192.0.2.17]:25, delay=1, dsn=4.0.0, status=deferred (host mx.example.org[192.0.2.17] refused to talk to me: 554 invalid DNS PTR resource record)",
        ] {
            let r = parse(line).unwrap();
            assert_eq!(
                (r.recipient, r.outcome, r.stage),
                (
                    Some("bob@example.org"),
                    Some(Outcome::Deferred),
                    Some(Stage::Connect)
                ),
                "{line}"
            );
        }
        // Words that start with `to=` and hold no status are no delivery line.
        assert!(parse("to=<bob@example.org> was mentioned").is_none());
    }

    #[test]
    fn ionos_names_the_command_it_was_answered_for() {
        for (text, stage) in [
            (
                "SMTP error from remote server for RCPT TO command, host: mail.example.org (192.0.2.23) reason: 550 No Such User Here",
                Stage::Rcpt,
            ),
            (
                "SMTP error from remote server for TEXT command, host: mx.example.org (192.0.2.50) reason: 550 192.0.2.130 is not allowed to send mail from example.net",
                Stage::EndOfData,
            ),
            (
                "SMTP error from remote server for MAIL FROM command, host: mx.example.org (192.0.2.5) reason: 553 sorry",
                Stage::Mail,
            ),
        ] {
            assert_eq!(stage_marker(text), Some(stage), "{text}");
        }
    }

    #[test]
    fn hand_readers_agree_with_the_patterns() {
        for text in [
            "host mx.example.org[198.51.100.1] said: 451 4.3.2 busy (in reply to RCPT TO command)",
            "host mx.example.org[198.51.100.1]:25 said:  550 no",
            "host mx.example.org said: 550 no",
            "host mx[::1] said in response to end of data: 550 no",
            "host mx.example.org[1.2.3.4] refused to talk to me: 554 go away",
            "host mx.é.example[1.2.3.4] said: 550 no",
            "host mx:x said: 550 no",
            "host mx.example.org[192.0.2.1] refused to talk to me: 421 4.7.0 try later",
            "host mx.example.org refused to talk to me:421 busy",
            "host mx.example.org[192.0.2.1]:25 refused to talk to me 421 no colon",
            "host mx.example.org[192.0.2.1] refused to talk to me: said: 550 x",
            "550 5.1.1 in reply to end of DATA command",
            "451 x (in reply to RCPT TO command)",
            "451 x (In Reply To data command)",
            "451 x (in reply to DATAX command) after RCPT TO:<a@b>",
            "451 x (in reply to xforward command)",
            "451 x (in reply to quit)",
        ] {
            let mut fast = LogRecord::default();
            read_detail(text, &mut fast, |_| true);
            static SAID: OnceLock<Regex> = OnceLock::new();
            let said = re(
                &SAID,
                r"(?:host|server) (?P<host>[^\s\[]+)(?:\[[^\]]*\])?(?::\d+)? (?:said|refused to talk to me|said in response to [^:]+):\s*(?P<reply>.*)$",
            );
            let mut slow = LogRecord::default();
            if let Some(c) = said.captures(text) {
                slow.remote_host = c.name("host").map(|h| h.as_str());
                if c[0].contains("refused to talk to me") {
                    slow.stage = Some(Stage::Connect);
                }
                read_reply(c.name("reply").map_or("", |m| m.as_str()), &mut slow);
            } else {
                read_reply(text, &mut slow);
            }
            if slow.stage.is_none() {
                slow.stage = stage_marker(text);
            }
            if slow.remote_host.is_none() {
                slow.remote_host = host_from_detail(text);
            }
            assert_eq!(fast, slow, "{text}");
        }
        // The hand reader of `in reply to` against the pattern's first branch, anchored.
        let branch = Regex::new(r"^(?i)in reply to (?P<pf>(?:end of )?DATA|MAIL FROM|RCPT TO|HELO|EHLO|STARTTLS|AUTH|BDAT|XFORWARD|RSET|QUIT)\b").unwrap();
        for t in [
            "in reply to end of DATA command",
            "in reply to end of datum",
            "IN REPLY TO rcpt to",
            "in reply to DATAX",
            "in reply to data_x",
            "in reply to mail from:",
            "in reply to",
            "in reply to helo.",
        ] {
            let fast = in_reply_to(t);
            let slow = branch.captures(t).map(|c| c["pf"].to_ascii_lowercase());
            assert_eq!(fast.is_some(), slow.is_some(), "{t}");
        }
        assert_eq!(
            in_reply_to("in reply to end of DATA command"),
            Some(Some(Stage::EndOfData))
        );
        assert_eq!(in_reply_to("in reply to DATAX"), None);
        assert_eq!(in_reply_to("in reply to RSET command"), Some(None));
        assert_eq!(postfix_said("host a[1] said: 5"), Some(("a", 16, false)));
        assert_eq!(
            postfix_said("host a[1] refused to talk to me: 5"),
            Some(("a", 33, true))
        );
        assert_eq!(postfix_said("host a[1] refused: 5"), None);
    }

    #[test]
    fn syslog_hosts() {
        assert_eq!(
            syslog_host("Jun 10 11:02:18 mail1 postfix/smtp[8850]: X: to=<a@b>"),
            Some("mail1")
        );
        assert_eq!(
            syslog_host("2026-06-10T11:05:02+00:00 relay-2 sm-mta[1]: X"),
            Some("relay-2")
        );
        assert_eq!(
            syslog_host("2026-06-10 12:00:01 1sGxyz-000200-CD ** eve@example.com R=x"),
            None
        );
        assert_eq!(syslog_host("550 5.1.1 no"), None);
    }

    #[test]
    fn rejects() {
        let r = parse_reject("Jun 10 10:00:02 mail postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@b.example> to=<spam@example.org> proto=ESMTP helo=<x>").unwrap();
        assert_eq!(r.client, Some("unknown[192.0.2.1]"));
        assert_eq!(r.recipient, Some("spam@example.org"));
        assert_eq!(r.timestamp, Some("Jun 10 10:00:02"));
        let r = parse_reject("Jun 10 10:00:03 mail postfix/cleanup[9]: 4F3A2B1C9D: milter-reject: END-OF-MESSAGE from mx.example.net[198.51.100.7]: 5.7.1 Spam message rejected; from=<a@b.example> to=<c@example.org> proto=ESMTP helo=<x>").unwrap();
        assert_eq!(r.client, Some("mx.example.net[198.51.100.7]"));
        assert!(
            parse_reject(
                "Jun 10 10:00:02 mail postfix/smtpd[123]: connect from unknown[192.0.2.1]"
            )
            .is_none()
        );
        assert!(parse_reject("Jun 10 10:00:02 mail postfix/smtp[1]: AAAAA11111: to=<a@b>, status=sent (250 reject: fine)").is_none());
    }

    #[test]
    fn sendmail_lines() {
        let r = parse("Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: to=<gina@example.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.com. [198.51.100.30], dsn=5.1.1, stat=User unknown").unwrap();
        assert_eq!(
            (r.recipient, code(&r)),
            (Some("gina@example.com"), "5.1.1".into())
        );
        assert_eq!(r.remote_host, Some("mx.example.com"));
        let r = parse("Jun 10 11:03:00 mail sendmail[1241]: 5AAB2I3o001241: to=<hal@example.org>, delay=00:00:02, mailer=esmtp, pri=120000, relay=mx.example.org. [198.51.100.31], dsn=4.3.2, stat=Deferred: 451 4.3.2 System not accepting network messages").unwrap();
        assert_eq!(
            (r.outcome, r.basic, code(&r)),
            (Some(Outcome::Deferred), Some(451), "4.3.2".into())
        );
    }

    /// Sendmail 8.16+ logs the server's reply in `reply=`; `stat=` is its own summary
    /// ("User unknown" for any 550 at RCPT), so the reply's words and code lead. Lines from
    /// Sendmail 8.17.1 (Debian 12) relaying through a mailertable entry `[127.0.0.1]`.
    #[test]
    fn sendmail_reply_field_leads_over_its_summary() {
        let r = parse("Dec  7 17:18:42 vm sendmail[16238]: 6B7HIgJp016236: to=<r01@test.example>, ctladdr=<alice@localhost> (1001/1001), delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30299, relay=[127.0.0.1] [127.0.0.1], dsn=5.7.1, reply=550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please v...directions. AS(1430), stat=User unknown").unwrap();
        assert_eq!((r.basic, code(&r)), (Some(550), "5.7.606".into()));
        assert!(
            r.server_text
                .as_deref()
                .is_some_and(|t| t.starts_with("Access denied, banned"))
        );
        assert_eq!(r.remote_host, Some("127.0.0.1"));
        assert_eq!(r.detail, Some("User unknown"));
        assert_eq!(r.outcome, Some(Outcome::Bounced));
        // The greeting's 421 names the refusal; stat= only says the connection dropped.
        let r = parse("Dec  7 17:18:53 vm sendmail[16501]: 6B7HIr45016499: to=<x01@t421.example>, ctladdr=<alice@localhost> (1001/1001), delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30299, relay=[127.0.0.6] [127.0.0.6], dsn=4.3.2, reply=421 4.3.2 Service not available, closing transmission channel, stat=Deferred: Connection reset by [127.0.0.6]").unwrap();
        assert_eq!((r.basic, code(&r)), (Some(421), "4.3.2".into()));
        assert_eq!(r.outcome, Some(Outcome::Deferred));
        // No reply field (older Sendmail): stat= is all there is.
        let r = parse("Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: to=<gina@example.com>, relay=mx.example.com. [198.51.100.30], dsn=5.1.1, stat=User unknown").unwrap();
        assert_eq!(
            (r.basic, r.server_text.as_deref()),
            (None, Some("User unknown"))
        );
    }

    #[test]
    fn sendmail_expiry_notice() {
        for line in [
            "Dec  7 17:23:16 vm sendmail[17844]: 6B7HIpQP016470: 6B7HNG8b017844: sender notify: Cannot send message for 4 minutes",
            "Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: 5AAB2I3o001241: DSN: Cannot send message for 5 days",
        ] {
            let r = parse(line).unwrap();
            assert_eq!(r.outcome, Some(Outcome::Expired), "{line}");
            assert_eq!(r.recipient, None);
            assert_eq!(r.status_code(), (Some("4.4.7".parse().unwrap()), true));
        }
        // The warning before it is no event.
        assert!(parse("Dec  7 17:20:17 vm sendmail[17460]: 6B7HIpQP016470: 6B7HKG8b017460: sender notify: Warning: could not send message for past 1 minute").is_none());
    }

    #[test]
    fn exchange_wrappers() {
        let r = parse("Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'").unwrap();
        assert_eq!((r.basic, code(&r)), (Some(550), "5.1.10".into()));
        let r = parse("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##").unwrap();
        assert_eq!(code(&r), "5.1.1");
        let r = parse("#< #5.5.0 smtp;554 5.7.1 Service unavailable> #SMTP#").unwrap();
        assert_eq!((r.basic, code(&r)), (Some(554), "5.7.1".into()));
    }

    #[test]
    fn candidate_lines_find_every_status_not_only_the_first_stat() {
        let log = b"\
Jun 10 00:00:01 mail postfix/smtpd[9]: connect from unknown[192.0.2.1]
Jun 10 00:00:02 mail postfix/smtp[1]: AAAAA11111: to=<stats@example.org>, relay=mx.stats.example[198.51.100.1]:25, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 No such user (in reply to RCPT TO command))
Jun 10 00:00:03 mail postfix/qmgr[7]: AAAAA11111: statistics only, no status
Jun 10 00:00:04 mail postfix/smtpd[9]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <x@example.org>: Relay access denied; from=<a@b.example> to=<x@example.org> proto=ESMTP helo=<h>
Jun 10 11:02:18 mail sm-mta[1240]: 5AAB2I3o001240: to=<gina@example.com>, dsn=5.1.1, stat=User unknown
2026-06-10 12:00:00 1sGxyz-000200-CD == gail@example.net R=dnslookup T=remote_smtp defer (-44): 451 4.7.1 Greylisted
Jun 10 00:00:05 mail postfix/smtp[1]: BBBBB22222: to=<b@example.org>, status=sent (250 2.0.0 Ok)";
        let mut found = Vec::new();
        let lines = candidate_lines(log, |c| found.push((c.index, c.may_be_reject)));
        assert_eq!(lines, 7, "the last line has no line break and still counts");
        assert_eq!(
            found,
            [(1, false), (3, true), (4, false), (5, false), (6, false)]
        );
        assert_eq!(candidate_lines(b"", |_| panic!("no lines")), 0);
        assert_eq!(candidate_lines(b"\n\n", |_| panic!("blank lines")), 2);
    }

    #[test]
    fn first_marker_matches_a_plain_search_at_every_offset() {
        let naive = |t: &str| {
            let lower = t.to_ascii_lowercase();
            [
                "in reply to",
                "after ",
                "refused to talk",
                "connection refused",
                "connection timed out",
                "connect to",
                "while receiving",
                "while sending",
            ]
            .iter()
            .filter_map(|m| lower.find(m))
            .min()
        };
        for marker in [
            "IN REPLY TO",
            "After ",
            "connect to",
            "While Sending",
            "cOnNeCtIoN",
        ] {
            // Across the 32-byte blocks the search tests at once, and at the very end.
            for pad in 0..70 {
                let text = format!("{}{marker}", "x".repeat(pad));
                assert_eq!(first_marker(text.as_bytes()), naive(&text), "{text}");
                let text = format!("{} re co in af wh {marker} tail", "é".repeat(pad));
                assert_eq!(first_marker(text.as_bytes()), naive(&text), "{text}");
            }
        }
        assert_eq!(first_marker(b""), None);
        assert_eq!(first_marker(b"i"), None);
    }

    #[test]
    fn stage_markers() {
        assert_eq!(
            stage_marker("(in reply to RCPT TO command)"),
            Some(Stage::Rcpt)
        );
        assert_eq!(
            stage_marker("after RCPT TO:<a@example.org>"),
            Some(Stage::Rcpt)
        );
        assert_eq!(
            stage_marker(
                "lost connection with x[1.2.3.4] while sending end of data -- message may be sent more than once"
            ),
            Some(Stage::EndOfData)
        );
        assert_eq!(stage_marker("nothing here"), None);
        // qmail-remote's own words for the command that failed (qmail-remote.c).
        for (text, stage) in [
            (
                "192.0.2.25 does not like recipient. Remote host said: 550 No such user",
                Stage::Rcpt,
            ),
            (
                "192.0.2.25 failed on DATA command Remote host said: 554 Transaction failed",
                Stage::Data,
            ),
            (
                "192.0.2.25 failed after I sent the message. Remote host said: 554 5.7.1 Rejected",
                Stage::EndOfData,
            ),
            (
                "Connected to 192.0.2.25 but sender was rejected. Remote host said: 553 sorry",
                Stage::Mail,
            ),
            (
                "Connected to 192.0.2.25 but my name was rejected. Remote host said: 550 Bad HELO",
                Stage::Helo,
            ),
            (
                "Connected to 192.0.2.25 but greeting failed. Remote host said: 554 No service",
                Stage::Connect,
            ),
        ] {
            assert_eq!(stage_marker(text), Some(stage), "{text}");
        }
        // Postfix smtpd's restriction classes (smtpd_check.c), and a marker that outranks one.
        for (text, stage) in [
            (
                "554 5.7.1 <a@example.org>: Recipient address rejected: Access denied",
                Some(Stage::Rcpt),
            ),
            (
                "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.9]",
                Some(Stage::Rcpt),
            ),
            (
                "550 5.7.1 <DATA>: Data command rejected: Multi-recipient bounce",
                Some(Stage::Data),
            ),
            (
                "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: too many hops",
                Some(Stage::EndOfData),
            ),
            (
                "553 5.1.8 <b@example.net>: Sender address rejected: Domain not found \
                 (in reply to MAIL FROM command)",
                Some(Stage::Mail),
            ),
            ("550 Message rejected: spam", None),
        ] {
            assert_eq!(stage_marker(text), stage, "{text}");
        }
        // Sending clients name the command around the reply they quote.
        for (text, stage) in [
            (
                "SMTP ERROR: MAIL FROM command failed: 530 5.7.57 Client not authenticated",
                Stage::Mail,
            ),
            (
                "SMTP ERROR: RCPT TO command failed: 550 5.1.1 No such user",
                Stage::Rcpt,
            ),
            (
                "SMTP ERROR: DATA END command failed: 550 Message classified as SPAM",
                Stage::EndOfData,
            ),
            (
                "Mail command failed: 550 5.7.0 From address is not one of your addresses.",
                Stage::Mail,
            ),
            (
                "Can't send mail - all recipients were rejected: 550 5.7.1 Service unavailable",
                Stage::Rcpt,
            ),
            (
                "<a@example.org> (host 'mx.example.org' rejected command 'DATA' with code 550 (5.7.1) 'Service unavailable')",
                Stage::Data,
            ),
            (
                "Expected response code \"220\" but got code \"421\", with message \"421 4.7.0 too many connections\".",
                Stage::Connect,
            ),
            (
                "454 4.7.1 <a@example.org>: Relay access denied",
                Stage::Rcpt,
            ),
        ] {
            assert_eq!(stage_marker(text), Some(stage), "{text}");
        }
        assert_eq!(command_stage("RCPT To:<a@example.org>"), Some(Stage::Rcpt));
        assert_eq!(
            command_stage("pipelined end of data"),
            Some(Stage::EndOfData)
        );
        assert_eq!(command_stage("."), Some(Stage::EndOfData));
        assert_eq!(command_stage("QUIT"), None);
    }

    /// The hand readers of `connect to ...` agree with the patterns they stand in for.
    #[test]
    fn connect_failures_read_by_hand_as_the_patterns_read_them() {
        let branch = Regex::new(r"^(?i)connect to \S+: (?:connection (?:refused|timed out)|no route to host|network is unreachable)").unwrap();
        let host = Regex::new(r"(?:connect to|lost connection with|conversation with|host) (?P<host>[A-Za-z0-9][\w.-]*)\[").unwrap();
        for text in [
            "connect to mx.example.org[192.0.2.1]:25: Connection timed out",
            "Connect To mx.example.org[192.0.2.1]:25: CONNECTION REFUSED",
            "connect to mx.example.org[192.0.2.1]:25: No route to host",
            "connect to mx.example.org[192.0.2.1]:25: Network is unreachable",
            "connect to mx.example.org[192.0.2.1]:25: Connection reset",
            "connect to mx.example.org[192.0.2.1]:25:  Connection timed out",
            "connect to mx.example.org[192.0.2.1]:25:\tConnection timed out",
            "connect to mx.example.org[192.0.2.1]:25 Connection timed out",
            "connect to : Connection timed out",
            "connect to x: connection timed out",
            "connect to mx.ex\u{e9}.org[192.0.2.1]:25: Connection timed out",
            "connect to _mx.example.org[192.0.2.1]:25: Connection timed out",
            "connect to mx.example.org: Connection timed out host b[1]",
            "connect to mx.example.org[192.0.2.1]:25: conne\u{17f}tion timed out",
        ] {
            assert_eq!(
                connect_failure(text),
                branch.is_match(text) && text.is_ascii(),
                "{text}"
            );
            assert_eq!(
                host_from_detail(text),
                host.captures(text)
                    .and_then(|c| c.name("host"))
                    .map(|h| h.as_str()),
                "{text}"
            );
        }
        assert_eq!(
            stage_marker("connect to mx.example.org[192.0.2.1]:25: Connection timed out"),
            Some(Stage::Connect)
        );
    }

    /// Lines written by OpenSMTPD 6.8 (mta.c `mta_log`, mda.c `mda_log`, queue.c
    /// `queue_log`), with the syslog prefix a real log adds.
    #[test]
    fn opensmtpd_attempts_deliveries_and_expiries() {
        let r = parse("Dec  7 10:54:39 mx smtpd[4211]: 7a4e3bec204bdd86 mta delivery evpid=3e39e3b8d7773964 from=<alice@mx.example.test> to=<quota@fake04.test> rcpt=<-> source=\"127.0.0.1\" relay=\"127.0.0.104 (127.0.0.104)\" delay=0s result=\"TempFail\" stat=\"452 4.2.2 The email account that you tried to reach is over quota\"").unwrap();
        assert_eq!(r.mta, Some(Mta::OpenSmtpd));
        assert_eq!(r.queue_id, Some("3e39e3b8"));
        assert_eq!(r.recipient, Some("quota@fake04.test"));
        assert_eq!(r.remote_host, Some("127.0.0.104"));
        assert_eq!(r.outcome, Some(Outcome::Deferred));
        assert_eq!((r.basic, code(&r)), (Some(452), "4.2.2".into()));
        assert_eq!(r.timestamp, Some("Dec  7 10:54:39"));
        let r = parse("Dec  7 10:56:01 mx smtpd[4211]: 7a4e3bf8eeb51c92 mda delivery evpid=743e97359fa54d6a from=<> to=<alice@mx.example.test> rcpt=<alice@mx.example.test> user=alice delay=0s result=Ok stat=Delivered").unwrap();
        assert_eq!(
            (r.outcome, r.queue_id, r.remote_host),
            (Some(Outcome::Sent), Some("743e9735"), None)
        );
        let r = parse("Dec  7 10:58:40 mx smtpd[4209]: relay: Expire for 3e39e3b8d7773964: from=<alice@mx.example.test>, to=<quota@fake04.test>, rcpt=<->, delay=2m, stat=Envelope expired").unwrap();
        assert_eq!(
            (r.outcome, r.queue_id, r.recipient),
            (
                Some(Outcome::Expired),
                Some("3e39e3b8"),
                Some("quota@fake04.test")
            )
        );
        // A relay whose name says postfix is still OpenSMTPD's line.
        let r = parse("Dec  7 11:00:00 mx smtpd[4211]: 7a4e3c24c36f5337 mta delivery evpid=fa842d6939ee2920 from=<a@example.org> to=<b@example.net> rcpt=<-> source=\"192.0.2.4\" relay=\"postfix.example.net (192.0.2.9)\" delay=0s result=\"PermFail\" stat=\"550 5.1.1 <b@example.net>: Recipient address rejected: User unknown\"").unwrap();
        assert_eq!(
            (r.mta, r.outcome, r.remote_host),
            (
                Some(Mta::OpenSmtpd),
                Some(Outcome::Bounced),
                Some("postfix.example.net")
            )
        );
        // Not an envelope id: not OpenSMTPD's.
        assert!(parse("relay: Expire for 3e39e3b8: from=<a@x>, to=<b@y>, stat=x").is_none());
    }

    /// OpenSMTPD joins a multi-line reply's lines as they came, each led by its code.
    #[test]
    fn opensmtpd_multi_line_reply_is_one_text() {
        let r = parse("7a4e3c19042378c0 mta delivery evpid=4014ddb0db2d7330 from=<a@example.org> to=<b@example.net> rcpt=<-> source=\"192.0.2.4\" relay=\"192.0.2.13 (192.0.2.13)\" delay=1s result=\"PermFail\" stat=\"550-5.7.26 This mail is unauthenticated, which poses a security risk to the5.7.26 sender and Gmail users, and has been blocked. - gsmtp\"").unwrap();
        assert_eq!(code(&r), "5.7.26");
        assert_eq!(
            r.server_text.as_deref(),
            Some(
                "This mail is unauthenticated, which poses a security risk to the sender and \
                 Gmail users, and has been blocked. - gsmtp"
            )
        );
    }
}
