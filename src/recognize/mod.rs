//! Input recognition: finds the statuses in what a user pastes — codes, replies, log
//! lines, bounce messages, or plain text — and says what each piece was.

pub mod log;
pub mod message;
pub mod reply;

use crate::code::{EnhancedCode, find_enhanced, parse_basic};
use crate::kb::model::Stage;
use reply::{PendingReply, ReplyLine};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

/// What kind of input a status was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Code,
    Basic,
    Reply,
    Log,
    Dsn,
    Text,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Code => "code",
            InputKind::Basic => "basic",
            InputKind::Reply => "reply",
            InputKind::Log => "log",
            InputKind::Dsn => "dsn",
            InputKind::Text => "text",
        }
    }
}

/// One status recognised in the input, before it is looked up in the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: InputKind,
    /// 1-based line of the input where it starts.
    pub line: usize,
    /// The input it was read from (a line, a whole multi-line reply, a DSN block), shared
    /// by every status found in it: a line of many codes is held once, not once per code.
    pub text: Arc<str>,
    pub basic: Option<u16>,
    /// The enhanced code the input states; `None` when it states none.
    pub code: Option<EnhancedCode>,
    /// The remote server's own words, without codes.
    pub server_text: Option<String>,
    pub recipient: Option<String>,
    pub remote_host: Option<String>,
    /// The host that wrote the report (a DSN's `Reporting-MTA`), when it names itself.
    pub reporting_host: Option<String>,
    /// The report's own header lines (`name: value`), which may name the product that
    /// wrote it (`X-NAI-Header: Modified by McAfee ...`); shared by the report's statuses.
    pub report_headers: Option<Arc<str>>,
    pub stage: Option<Stage>,
    /// What the reporting MTA did: a log's `status=` or a DSN's `Action:`.
    pub outcome: Option<String>,
    /// The recogniser read the code off what the input says happened (a Postfix
    /// `status=expired`), rather than finding it written.
    pub code_inferred: bool,
    /// The X.4.7 ("delivery time expired") the report stated, when `code` is instead the
    /// code of the last attempt's failure that the report also quotes.
    pub expired_as: Option<EnhancedCode>,
    /// The MTA that holds the message and retries it, when the input shows which: a log
    /// line's program, a report's own template.
    pub sending_mta: Option<log::Mta>,
    /// A delay notice's own words on how long its MTA keeps retrying ("It will be retried
    /// until it is 5 day(s) old").
    pub retry_horizon: Option<String>,
    /// A report's `Diagnostic-Code` type, lower-cased (`smtp`, `x-unix`).
    pub diagnostic_type: Option<String>,
    /// Words of a message that no reader took for a report: a code they state, or one a
    /// code entry's wording places, still counts, but a reason recognised in them alone
    /// does not make the message a failure (a phishing mail that mentions a full mailbox).
    pub outside_report: bool,
}

impl Status {
    pub fn new(kind: InputKind, line: usize, text: impl Into<Arc<str>>) -> Status {
        Status {
            kind,
            line,
            text: text.into(),
            basic: None,
            code: None,
            server_text: None,
            recipient: None,
            remote_host: None,
            reporting_host: None,
            report_headers: None,
            stage: None,
            outcome: None,
            code_inferred: false,
            expired_as: None,
            sending_mta: None,
            retry_horizon: None,
            diagnostic_type: None,
            outside_report: false,
        }
    }

    /// Whether the status carries the server's own words. A report's are its diagnostic or
    /// the prose about the recipient, never its fields; a bare code carries none.
    pub fn has_server_words(&self) -> bool {
        match self.server_text.as_deref() {
            Some(t) => !t.trim().is_empty(),
            None => !matches!(
                self.kind,
                InputKind::Dsn | InputKind::Code | InputKind::Basic
            ),
        }
    }

    /// The host whose words the status carries: the remote host, else the host that wrote
    /// the report. A report names the remote MTA it tried (RFC 3464 §2.3.5); one that names
    /// none was decided where it was written, so a provider's own report speaks for it.
    pub fn speaking_host(&self) -> Option<&str> {
        self.remote_host
            .as_deref()
            .or(self.reporting_host.as_deref())
    }
}

/// How much text without any code is kept for inferring a status from it.
const INFERENCE_TEXT_LIMIT: usize = 64 * 1024;

/// Most statuses read from one line. A real line states a handful (an SMTP transcript a
/// few); each finding carries its line, so without a bound a line of thousands of codes
/// would cost time and output quadratic in its length.
pub const MAX_STATUSES_PER_LINE: usize = 100;

/// Reads input line by line, in bounded memory, and emits statuses in input order.
#[derive(Default)]
pub struct Recognizer {
    line_no: usize,
    pending: Option<PendingReply>,
    emitted: usize,
    /// The first lines of text, kept to infer a status when the input states none.
    plain: String,
    plain_start: usize,
    /// The last command of a Sendmail-style transcript (`>>> RCPT To:<a>`), for the stage
    /// of the `<<<` reply that follows it.
    transcript_stage: Option<Stage>,
    /// The command an Exim line names before the reply on the lines below it (`SMTP error
    /// from remote mail server after end of data:`), for the next status read.
    announced_stage: Option<Stage>,
    /// What was left out to stay bounded, for the caller to report (one note per kind).
    cut: Option<String>,
    /// Courier's last lines (at most 64), for the outcome line that follows its reply lines,
    /// as `scan` pairs them (`log::courier_reply`).
    courier_replies: std::collections::VecDeque<String>,
    /// Statuses whose paragraph may still name their stage on a later line.
    held: Vec<Status>,
    /// Their paragraph so far, lines joined by a space.
    held_paragraph: String,
    held_lines: usize,
}

/// Lines a held status's paragraph is read for, at most.
const PARAGRAPH_LINES: usize = 12;

impl Recognizer {
    pub fn new() -> Recognizer {
        Recognizer::default()
    }

    /// Feeds one line (without its line ending).
    pub fn push_line(&mut self, line: &str, out: &mut Vec<Status>) {
        self.line_no += 1;
        let before = out.len();
        let line = without_markdown_escapes(line);
        self.recognise_line(&line, out);
        self.emitted += out.len() - before;
        self.hold_for_wrapped_marker(&line, out, before);
    }

    /// A reply pasted as its MTA wrapped it puts the stage marker on a later line of its
    /// paragraph: Postfix's `said: 550 5.7.1 Message rejected as spam by Content` /
    /// `Filtering. (in reply to end of DATA command)`. A reply or text that names no stage
    /// on its own line is held until its paragraph ends (a blank line, the next status, or
    /// [`PARAGRAPH_LINES`] lines) and takes the stage the paragraph names.
    fn hold_for_wrapped_marker(&mut self, line: &str, out: &mut Vec<Status>, before: usize) {
        let new: Vec<Status> = out.drain(before..).collect();
        if !self.held.is_empty() {
            let continues = new.is_empty() && !line.trim().is_empty();
            if continues && self.held_lines < PARAGRAPH_LINES {
                self.held_paragraph.push(' ');
                self.held_paragraph.push_str(line.trim());
                self.held_lines += 1;
                if let Some(stage) = log::explicit_stage_marker(&self.held_paragraph) {
                    for s in self.held.iter_mut().filter(|s| s.stage.is_none()) {
                        s.stage = Some(stage);
                    }
                    out.append(&mut self.held);
                }
            } else {
                out.append(&mut self.held);
            }
        }
        let unstaged =
            |s: &Status| s.stage.is_none() && matches!(s.kind, InputKind::Reply | InputKind::Text);
        if new.iter().any(unstaged) {
            self.held = new;
            self.held_paragraph = line.trim().to_string();
            self.held_lines = 1;
        } else {
            out.extend(new);
        }
    }

    fn recognise_line(&mut self, line: &str, out: &mut Vec<Status>) {
        let trimmed = line.trim_start();
        // A session transcript marks the client's lines `>>> ` (Sendmail's and Exim's
        // reports) or `C: ` (MailKit's protocol log, RFC 5321's examples) and the server's
        // `<<< ` or `S: `.
        if let Some(command) = trimmed
            .strip_prefix(">>> ")
            .or_else(|| trimmed.strip_prefix("C: "))
        {
            self.transcript_stage = log::command_stage(command);
            return;
        }
        let server = trimmed
            .strip_prefix("<<< ")
            .or_else(|| trimmed.strip_prefix("S: "));
        let (line, stage_hint) = match server {
            Some(reply) => (reply, self.transcript_stage),
            None => (line, None),
        };
        let before = out.len();
        self.recognise_plain_line(line, out);
        if let Some(stage) = self.announced_stage
            && out.len() > before
        {
            self.announced_stage = None;
            out[before..]
                .iter_mut()
                .filter(|s| s.stage.is_none())
                .for_each(|s| s.stage = Some(stage));
        }
        if out.len() == before {
            self.announced_stage = announced_stage(trimmed).or(self.announced_stage);
        }
        // Statuses of one line share its text: read the recipient it names once.
        let mut named: Option<(Arc<str>, Naming)> = None;
        for s in &mut out[before..] {
            let naming = match &named {
                Some((text, naming)) if Arc::ptr_eq(text, &s.text) => naming.clone(),
                _ => Naming::of(s),
            };
            naming.apply(s);
            named = Some((s.text.clone(), naming));
        }
        // Statuses of one line share its text: read its stage marker once.
        let mut last: Option<(Arc<str>, Option<Stage>)> = None;
        for s in &mut out[before..] {
            if s.stage.is_none() && stage_hint.is_some() {
                s.stage = stage_hint;
            } else if s.stage.is_none() {
                let stage = match &last {
                    Some((text, stage)) if Arc::ptr_eq(text, &s.text) => *stage,
                    _ => log::stage_marker(&s.text),
                };
                last = Some((s.text.clone(), stage));
                s.stage = stage;
            }
        }
    }

    /// What was left out of the input to keep time and memory bounded, if anything: one
    /// line to show the user.
    pub fn cut(&self) -> Option<&str> {
        self.cut.as_deref()
    }

    fn recognise_plain_line(&mut self, line: &str, out: &mut Vec<Status>) {
        let parsed = ReplyLine::parse(line);
        if let Some(pending) = &mut self.pending {
            if let Some(rl) = &parsed
                && pending.accepts(rl)
            {
                pending.push(line, rl);
                if rl.last {
                    out.extend(self.pending.take().map(PendingReply::finish));
                }
                return;
            }
            out.extend(self.pending.take().map(PendingReply::finish));
        }
        if parsed.is_none()
            && let Some(mut rec) = log::parse(line)
        {
            if rec.mta == Some(log::Mta::Courier) {
                self.pair_courier(line, &mut rec);
            }
            out.extend(log::to_statuses(&rec, self.line_no, line));
            return;
        }
        if let Some(rl) = parsed {
            let pending = PendingReply::start(self.line_no, line, &rl);
            if rl.last {
                out.push(pending.finish());
            } else {
                self.pending = Some(pending);
            }
            return;
        }
        if self.recognise_in_text(line, out) {
            return;
        }
        if self.plain.len() < INFERENCE_TEXT_LIMIT && !line.trim().is_empty() {
            if self.plain.is_empty() {
                self.plain_start = self.line_no;
            }
            let room = INFERENCE_TEXT_LIMIT - self.plain.len();
            self.plain.push_str(truncate_at_char(line, room));
            self.plain.push('\n');
        }
    }

    /// Courier logs a reply line by line, then the attempt's outcome with no reply: the
    /// outcome takes the reply lines logged for it just before.
    fn pair_courier(&mut self, line: &str, rec: &mut log::LogRecord<'_>) {
        if log::needs_reply_before(rec) {
            let before: Vec<&str> = self.courier_replies.iter().map(String::as_str).collect();
            if let Some(reply) = log::courier_reply(&before.join("\n"), line) {
                log::take_reply(rec, &reply);
            }
        }
        if self.courier_replies.len() == 64 {
            self.courier_replies.pop_front();
        }
        self.courier_replies.push_back(line.to_string());
    }

    /// Codes inside a line that is not itself a reply: `4.3.2` alone, `dsn=5.1.1`,
    /// `attempt 1: 421 4.7.0 Try again later`, or `... said: 550 Mailbox unavailable`.
    fn recognise_in_text(&mut self, line: &str, out: &mut Vec<Status>) -> bool {
        let trimmed = line.trim();
        if let Some(basic) = parse_basic(trimmed) {
            let mut s = Status::new(InputKind::Basic, self.line_no, trimmed);
            s.basic = Some(basic);
            out.push(s);
            return true;
        }
        let located = find_enhanced(line);
        if located.is_empty() {
            return match reply::embedded_basic_reply(line) {
                Some((basic, text)) => {
                    let mut s = Status::new(InputKind::Reply, self.line_no, trimmed);
                    s.basic = Some(basic);
                    s.server_text = non_empty(text);
                    out.push(s);
                    true
                }
                None => false,
            };
        }
        let shared: Arc<str> = Arc::from(trimmed);
        let mut seen = HashSet::new();
        for (n, loc) in located.iter().enumerate() {
            if !seen.insert(loc.code) {
                continue;
            }
            if seen.len() > MAX_STATUSES_PER_LINE {
                let distinct = located.iter().map(|l| l.code).collect::<HashSet<_>>().len();
                self.cut.get_or_insert_with(|| {
                    format!(
                        "line {} states {distinct} status codes; only the first \
                         {MAX_STATUSES_PER_LINE} are explained",
                        self.line_no
                    )
                });
                break;
            }
            let basic = reply::basic_before(line, loc.start);
            let kind = if trimmed == &line[loc.start..loc.end] {
                InputKind::Code
            } else if basic.is_some() {
                InputKind::Reply
            } else {
                InputKind::Text
            };
            let mut s = Status::new(kind, self.line_no, shared.clone());
            s.code = Some(loc.code);
            s.basic = basic;
            if kind != InputKind::Code {
                // The server's words run from this code to the next one on the line. Words
                // with no basic code may put theirs around it instead: before a code that
                // closes them ("mailbox full 5.2.2"), around one in parentheses (qmail's
                // "No mailbox here by that name. (#5.1.1)", chkuser's "(#5.1.1 - chkuser)",
                // "Delivery failed (5.1.1) because ...").
                let end = located.get(n + 1).map_or(line.len(), |next| next.start);
                let end = reply::trim_basic_suffix(&line[..end], loc.end);
                let after = &line[loc.end..end];
                let start = n.checked_sub(1).map_or(0, |p| located[p].end);
                // Only a code right inside the parentheses: "(#5.1.1", "(5.1.1".
                let before = line[start..loc.start].trim_end_matches('#').trim_end();
                let opening = before.ends_with('(').then(|| before.len() - 1);
                let closing = opening.and_then(|_| after.find(')'));
                s.server_text = match (kind, opening, closing) {
                    (InputKind::Text, Some(open), Some(close)) => {
                        let before = line[start..start + open].trim_end();
                        let rest = after[close + 1..].trim_start();
                        non_empty(&format!("{before} {rest}"))
                    }
                    (InputKind::Text, _, _)
                        if !after.bytes().any(|b| b.is_ascii_alphanumeric()) =>
                    {
                        non_empty(
                            line[start..loc.start]
                                .trim_end_matches(['(', '#', '[', ' ', '\t', '-', ':']),
                        )
                    }
                    _ => non_empty(after),
                };
            }
            out.push(s);
        }
        true
    }

    /// Ends the input: flushes a reply still open, and when nothing stated a status, hands
    /// back the plain text for inference.
    pub fn finish(mut self, out: &mut Vec<Status>) -> Option<Status> {
        out.append(&mut self.held);
        if let Some(p) = self.pending.take() {
            let mut s = p.finish();
            Naming::of(&s).apply(&mut s);
            out.push(s);
            self.emitted += 1;
        }
        (self.emitted == 0 && !self.plain.trim().is_empty()).then(|| {
            let text = self.plain.trim_end().to_string();
            let mut s = Status::new(InputKind::Text, self.plain_start, text.as_str());
            // Words pasted without a code still say where the session broke ("Remote host
            // closed connection in response to RCPT TO").
            s.stage = log::stage_marker(&text);
            s.server_text = Some(text);
            Naming::of(&s).apply(&mut s);
            s
        })
    }
}

/// `line` without the backslashes Markdown puts before punctuation when a log line is pasted
/// into an issue tracker and copied back (`to=\<bob\@example.org>, relay=mx\[192.0.2.1]`).
/// Only a line that holds such an escape before `<`, `@` or `[` is rewritten: mail logs and
/// replies write none.
fn without_markdown_escapes(line: &str) -> Cow<'_, str> {
    let b = line.as_bytes();
    let escaped =
        memchr::memchr_iter(b'\\', b).any(|i| matches!(b.get(i + 1), Some(b'<' | b'@' | b'[')));
    if !escaped {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && "<>@[]_*#\\`".contains(next) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The stage a line announces for the reply on the lines below it: Exim's `SMTP error from
/// remote mail server after RCPT TO:<a@b>:` with nothing after the colon (transports/smtp.c;
/// Exim's reports put the reply on the next lines), Postfix's `refused to talk to me:`.
fn announced_stage(line: &str) -> Option<Stage> {
    let rest = line.trim_end().strip_suffix(':')?;
    // Postfix's `host mx[ip] refused to talk to me:` with the greeting's reply wrapped onto
    // the next line (smtp_proto.c).
    if rest.ends_with("refused to talk to me") {
        return Some(Stage::Connect);
    }
    let at = memchr::memmem::find(rest.as_bytes(), b" after ")?;
    rest[..at]
        .ends_with("remote mail server")
        .then(|| log::command_stage(&rest[at + " after ".len()..]))
        .flatten()
}

/// What a pasted reply or rejection line says of its recipient. A Postfix rejection line
/// (`NOQUEUE: reject: RCPT from ...: 554 5.7.1 ...; from=<x> to=<a@b> ...`) names it in
/// `to=`, and the command refused in its own words (smtpd.c), which outranks any marker in
/// the reply; its envelope is no part of the server's words.
#[derive(Clone, Default)]
struct Naming {
    recipient: Option<String>,
    stage: Option<Stage>,
    rejection_line: bool,
}

impl Naming {
    fn of(s: &Status) -> Naming {
        if s.recipient.is_some() || !matches!(s.kind, InputKind::Reply | InputKind::Text) {
            return Naming::default();
        }
        match log::parse_reject(&s.text) {
            Some(reject) => Naming {
                recipient: reject.recipient.map(str::to_string),
                stage: reject.stage(),
                rejection_line: true,
            },
            None => Naming {
                recipient: reply::named_recipient(&s.text).map(str::to_string),
                ..Naming::default()
            },
        }
    }

    fn apply(&self, s: &mut Status) {
        if s.recipient.is_none() {
            s.recipient.clone_from(&self.recipient);
        }
        s.stage = self.stage.or(s.stage);
        if self.rejection_line
            && let Some(words) = &mut s.server_text
        {
            let kept = log::reject_words(words).len();
            words.truncate(kept);
        }
    }
}

/// Whether `hay` holds any of `needles` (lower-case ASCII), ignoring ASCII case.
pub(crate) fn contains_any_ignore_case(hay: &str, needles: &[&str]) -> bool {
    let lower = hay.to_ascii_lowercase();
    needles
        .iter()
        .any(|n| memchr::memmem::find(lower.as_bytes(), n.as_bytes()).is_some())
}

/// Whether input starting with `head` is a whole email message, or a bounce body pasted
/// without its headers, rather than lines to read one by one. A log line's timestamp
/// (`2026-06-10T00:00:09+00:00 ...`) can look like a header name followed by a colon, so a
/// leading timestamp rules a message out.
pub fn is_message(head: &[u8]) -> bool {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let timestamped = std::str::from_utf8(first_line)
        .ok()
        .and_then(log::leading_timestamp)
        .is_some();
    !timestamped && (message::looks_like_message(head) || message::looks_like_bounce_body(head))
}

/// Recognises a whole input held in memory, deciding as `explain` does whether it is a
/// message or lines to read one by one.
pub fn recognise_input(raw: &[u8]) -> Vec<Status> {
    if is_message(raw) {
        return message::recognise_message(raw);
    }
    let (mut out, rest) = recognise(&String::from_utf8_lossy(raw));
    out.extend(rest);
    out
}

/// Recognises a whole text at once.
pub fn recognise(text: &str) -> (Vec<Status>, Option<Status>) {
    let mut r = Recognizer::new();
    let mut out = Vec::new();
    for line in text.lines() {
        r.push_line(line, &mut out);
    }
    let rest = r.finish(&mut out);
    (out, rest)
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    non_empty_cow(s).map(Cow::into_owned)
}

/// `non_empty`, borrowing the text when it needs no folding.
pub(crate) fn non_empty_cow(s: &str) -> Option<Cow<'_, str>> {
    let folded = fold_whitespace_cow(
        s.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == ':' || c == ';'),
    );
    (!folded.is_empty()).then_some(folded)
}

/// Collapses runs of white space to one space.
pub fn fold_whitespace(s: &str) -> String {
    fold_whitespace_cow(s).into_owned()
}

/// `fold_whitespace`, borrowing the text when it is folded already (most text is): `scan`
/// folds every failed attempt's reply.
pub fn fold_whitespace_cow(s: &str) -> Cow<'_, str> {
    // Most text is folded already: ASCII, single spaces between words, no other white space.
    // Tested without a branch per byte (this runs on every reply `scan` reads).
    let b = s.as_bytes();
    let odd = b.iter().fold(false, |odd, &c| {
        odd | (c >= 0x80) | (c.wrapping_sub(b'\t') <= b'\r' - b'\t')
    });
    let doubled = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(false, |d, (&x, &y)| d | ((x == b' ') & (y == b' ')));
    let folded = !odd && !doubled && b.first() != Some(&b' ') && b.last() != Some(&b' ');
    if folded || s.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

fn truncate_at_char(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max.min(s.len()))]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Option<String>, Option<u16>, InputKind)> {
        recognise(text)
            .0
            .into_iter()
            .map(|s| (s.code.map(|c| c.to_string()), s.basic, s.kind))
            .collect()
    }

    #[test]
    fn markdown_escapes_of_a_pasted_log_line_are_undone() {
        let line = r"to=\<bob\@example.org>, relay=mx.example.org\[192.0.2.17]:25, status=deferred";
        assert_eq!(
            without_markdown_escapes(line),
            "to=<bob@example.org>, relay=mx.example.org[192.0.2.17]:25, status=deferred"
        );
        // A backslash before other text, or an escaped backslash, is kept as written.
        assert_eq!(without_markdown_escapes(r"C:\temp\x"), r"C:\temp\x");
        assert_eq!(without_markdown_escapes(r"a \\<b"), r"a \<b");
    }

    #[test]
    fn bare_codes_and_basic_codes() {
        assert_eq!(
            codes("4.3.2"),
            [(Some("4.3.2".into()), None, InputKind::Code)]
        );
        assert_eq!(codes("421"), [(None, Some(421), InputKind::Basic)]);
        assert_eq!(codes("4.3.1 4.2.2").len(), 2);
    }

    #[test]
    fn one_line_reply() {
        let (s, _) = recognise("451 4.3.2 System not accepting network messages");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].basic, Some(451));
        assert_eq!(
            s[0].server_text.as_deref(),
            Some("System not accepting network messages")
        );
        assert_eq!(s[0].kind, InputKind::Reply);
    }

    #[test]
    fn multi_line_reply_is_one_status() {
        let text = "550-5.7.26 Unauthenticated email from example.com is not accepted due to\n\
                    550-5.7.26 domain's DMARC policy. Please contact the administrator of\n\
                    550 5.7.26  https://support.google.com/mail/?p=DmarcRejection x - gsmtp";
        let (s, _) = recognise(text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 1);
        assert!(
            s[0].server_text.as_deref().unwrap().starts_with(
                "Unauthenticated email from example.com is not accepted due to domain's"
            )
        );
        assert!(!s[0].server_text.as_deref().unwrap().contains("550"));
    }

    /// Words with a code and no basic code: the words after the code, else around it.
    #[test]
    fn words_around_a_code_in_text() {
        let words = |text: &str| recognise(text).0[0].server_text.clone();
        for (text, want) in [
            (
                "Sorry, no mailbox here by that name. (#5.1.1)",
                "Sorry, no mailbox here by that name.",
            ),
            (
                "sorry, that domain isn't mine (#5.7.1 - chkuser)",
                "sorry, that domain isn't mine",
            ),
            (
                "Delivery failed (5.1.1) because the user is unknown",
                "Delivery failed because the user is unknown",
            ),
            ("mailbox full 5.2.2", "mailbox full"),
            ("status 5.2.2: mailbox full", "mailbox full"),
            // A parenthesis further away is no code's own.
            (
                "Delivery (first try) failed: 5.1.1 user unknown (bob)",
                "user unknown (bob)",
            ),
        ] {
            assert_eq!(words(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn several_replies_in_order() {
        let text = "attempt 1: 421 4.7.0 Try again later\nattempt 2: 250 2.0.0 OK";
        assert_eq!(
            codes(text),
            [
                (Some("4.7.0".into()), Some(421), InputKind::Reply),
                (Some("2.0.0".into()), Some(250), InputKind::Reply)
            ]
        );
    }

    #[test]
    fn basic_reply_without_enhanced_code() {
        assert_eq!(
            codes("552 Message size exceeds fixed limit"),
            [(None, Some(552), InputKind::Reply)]
        );
    }

    #[test]
    fn whitespace_folds() {
        for (raw, want) in [
            ("a b", "a b"),
            (" a  b\t", "a b"),
            ("a\u{a0}b", "a b"),
            ("a\u{b}b", "a b"),
            ("é b", "é b"),
            ("", ""),
            ("  ", ""),
        ] {
            assert_eq!(fold_whitespace(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn plain_text_is_kept_for_inference() {
        let (s, rest) = recognise("Sorry, no mailbox here by that name.");
        assert!(s.is_empty());
        assert_eq!(
            rest.unwrap().server_text.as_deref(),
            Some("Sorry, no mailbox here by that name.")
        );
    }

    #[test]
    fn ids_and_addresses_are_not_codes() {
        let (s, _) = recognise(
            "421 4.7.0 [TSS04] Messages from 198.51.100.77 temporarily deferred - 4.16.55.1",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].code.unwrap().to_string(), "4.7.0");
        let (s, rest) = recognise("Connection refused by 4.2.2.2");
        assert!(s.is_empty() && rest.is_some());
    }
}
