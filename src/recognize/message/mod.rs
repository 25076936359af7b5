//! Whole bounce messages: RFC 3464 delivery status notifications, the plain-text bounces
//! MTAs and providers send without one, Amazon SES notifications, and the messages that
//! look like bounces but are not (ARF feedback reports, auto-replies). One status per
//! recipient, read only from the failure part — never from the quoted original message.

mod diag;
mod dsn;
mod mime;
mod plain;
mod scan;
mod ses;

use super::log::Mta;
use super::{InputKind, Status, non_empty, recognise};
use crate::code::{Class, EnhancedCode, basic_class};
use diag::{Diagnosis, diagnose};
use mime::{Mail, PartKind};
use std::collections::HashSet;

/// Whether input that starts with `head` is an email message (headers first).
pub fn looks_like_message(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    // Some saved messages open with a line of white space before the headers.
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if first.starts_with("From ") {
        return true;
    }
    // A field name has two letters at least (`To`, `Cc`): `C:` and `S:` open the lines of
    // a session transcript (MailKit's protocol log, RFC 5321's examples), not a header.
    let is_header = |l: &str| {
        l.split_once(':').is_some_and(|(name, _)| {
            name.len() >= 2 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    is_header(first)
        && lines
            .take(3)
            .filter(|l| is_header(l) || l.starts_with([' ', '\t']))
            .count()
            >= 1
}

/// Whether input that starts with `head` is a bounce body pasted without its headers, or
/// a bounce quoted in a reply (every line behind `> `).
pub fn looks_like_bounce_body(head: &[u8]) -> bool {
    let head = &head[..head.len().min(8192)];
    plain::looks_like_bounce_body(&String::from_utf8_lossy(head))
        || unquoted(head).is_some_and(|u| {
            looks_like_message(&u) || plain::looks_like_bounce_body(&String::from_utf8_lossy(&u))
        })
}

/// The text without one level of reply quoting, when it is quoted: at least three lines,
/// and nearly all of them (nine in ten) behind `>`, as a mail client quotes a message it
/// replies to. Lines keep their numbers.
fn unquoted(raw: &[u8]) -> Option<Vec<u8>> {
    let lines = || raw.split(|&b| b == b'\n').map(|l| l.trim_ascii_start());
    let (mut quoted, mut filled) = (0usize, 0usize);
    for l in lines().filter(|l| !l.is_empty()) {
        filled += 1;
        quoted += usize::from(l.starts_with(b">"));
    }
    if filled < 3 || quoted * 10 < filled * 9 {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    for l in lines() {
        let l = l.strip_prefix(b">").unwrap_or(l);
        out.extend_from_slice(l.strip_prefix(b" ").unwrap_or(l));
        out.push(b'\n');
    }
    out.pop();
    Some(out)
}

/// Every status a bounce message reports: one per recipient. An mbox holding several
/// messages gives each message's statuses in turn.
pub fn recognise_message(raw: &[u8]) -> Vec<Status> {
    recognise_message_noted(raw).0
}

/// As [`recognise_message`], and says what was left out to stay bounded: recipients past
/// [`plain::MAX_RECIPIENTS`] in one message.
pub fn recognise_message_noted(raw: &[u8]) -> (Vec<Status>, Option<String>) {
    // A bounce quoted in a reply, perhaps a reply to a reply: a few levels, no more.
    let mut unquoting = std::borrow::Cow::Borrowed(raw);
    for _ in 0..4 {
        if looks_like_message(&unquoting) {
            break;
        }
        match unquoted(&unquoting) {
            Some(inner) => unquoting = inner.into(),
            None => break,
        }
    }
    let raw = &*unquoting;
    let mut out = Vec::new();
    let mut skipped = 0;
    for (first_line, one) in split_mbox(raw) {
        let before = out.len();
        skipped += recognise_one(one, 0, &mut out);
        for s in &mut out[before..] {
            s.line += first_line - 1;
        }
    }
    let note = (skipped > 0).then(|| {
        format!(
            "a message reports more than {} recipients; {skipped} more were skipped",
            plain::MAX_RECIPIENTS
        )
    });
    (out, note)
}

/// The messages of an mbox (`From ` lines start each), with the line each starts on.
/// Input that is not an mbox is one message.
fn split_mbox(raw: &[u8]) -> Vec<(usize, &[u8])> {
    if !raw.starts_with(b"From ") {
        return vec![(1, raw)];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut line_no = 1;
    let mut pos = 0;
    let mut prev_blank = true;
    while pos < raw.len() {
        let end = memchr::memchr(b'\n', &raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
        let line = &raw[pos..end];
        if pos > 0 && prev_blank && line.starts_with(b"From ") {
            out.push((start_line, &raw[start..pos]));
            start = pos;
            start_line = line_no;
        }
        prev_blank = line.iter().all(|b| b.is_ascii_whitespace());
        pos = end;
        line_no += 1;
    }
    out.push((start_line, &raw[start..]));
    out
}

/// `raw` from its first line that is not white space.
fn skip_blank_lines(raw: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some(end) = memchr::memchr(b'\n', &raw[start..]).map(|i| start + i + 1) {
        if !raw[start..end].iter().all(u8::is_ascii_whitespace) {
            break;
        }
        start = end;
    }
    &raw[start..]
}

/// How deep attached reports are followed (a report inside a report inside ...).
const MAX_ATTACHED: usize = 3;

/// Reads one message; returns how many recipients were skipped past the cap.
fn recognise_one(raw: &[u8], depth: usize, out: &mut Vec<Status>) -> usize {
    // The mbox `From ` line is not a header field.
    let body = match raw.starts_with(b"From ") {
        true => {
            let end = memchr::memchr(b'\n', raw).map_or(raw.len(), |i| i + 1);
            &raw[end..]
        }
        false => raw,
    };
    let body = skip_blank_lines(body);
    // A bounce body copied out of a mail client, without its headers.
    let pasted_body = !looks_like_message(body) && looks_like_bounce_body(body);
    let mail = match pasted_body {
        true => Some(Mail::from_body_text(
            String::from_utf8_lossy(body).into_owned(),
        )),
        false => mime::parse(body),
    };
    let Some(mail) = mail else {
        fallback(&String::from_utf8_lossy(raw), out);
        return 0;
    };
    let before = out.len();
    let ctx = Context::new(mail, raw, !pasted_body);
    if ctx.is_challenge() {
        // RFC 3834 counts challenge-response notices among automatic responses.
        auto_reply(&ctx, out);
    } else if !feedback(&ctx, out) && !ses::recognise(&ctx, out) && !delivery_status(&ctx, out) {
        if let Some(inner) = ctx.mail.attached_report.as_deref()
            && depth < MAX_ATTACHED
        {
            // A gateway's notice wrapping the real report: read the report, and count its
            // lines from where it sits in this message.
            let skipped = recognise_one(inner, depth + 1, out);
            if out.len() > before {
                let head = &inner[..inner.len().min(256)];
                if let Some(at) = memchr::memmem::find(raw, head) {
                    let shift = ctx.line_at(at) - 1;
                    out[before..].iter_mut().for_each(|s| s.line += shift);
                }
                return skipped;
            }
        }
        if ctx.is_auto_reply() && !ctx.is_bounce() {
            auto_reply(&ctx, out);
        } else {
            plain_bounce(&ctx, out);
        }
    }
    if out.len() == before {
        // Not a bounce we can read: still report any status written in its text.
        fallback(&ctx.failure, out);
    }
    ctx.skipped.get()
}

/// Any failure status written in the text, read as pasted text is. A message that is no
/// delivery report reports no success: its `2.0.12` is a version, its `250` a transcript's.
fn fallback(text: &str, out: &mut Vec<Status>) {
    let (statuses, rest) = recognise(text);
    out.extend(
        statuses
            .into_iter()
            .filter(|s| !reports_success(s.code, s.basic)),
    );
    out.extend(rest.map(|mut s| {
        s.outside_report = true;
        s
    }));
}

/// Whether a status read from text reports success: its enhanced code's class, else its
/// basic code's.
fn reports_success(code: Option<EnhancedCode>, basic: Option<u16>) -> bool {
    code.map(|c| c.class)
        .or_else(|| basic.and_then(basic_class))
        == Some(Class::Success)
}

/// What every reader needs: the parsed mail, the failure text, and whose addresses are
/// not failed recipients (the bounce's own sender and receiver, the original's sender).
pub(crate) struct Context<'a> {
    mail: Mail,
    raw: &'a [u8],
    /// Where the body starts in `raw`: addresses are looked up from there, past the headers.
    body_start: usize,
    /// The bounce's own words: text parts up to the quoted original.
    failure: String,
    /// Whether the failure text ended at a quoted original message.
    cut: bool,
    /// The `From:` of a notice forwarded in the text, when someone forwarded the bounce.
    forwarded_from: Option<String>,
    /// The message's own header lines, for the knowledge base to tell who wrote it.
    report_headers: Option<std::sync::Arc<str>>,
    excluded: HashSet<String>,
    bounce: std::cell::OnceCell<bool>,
    /// A body pasted without headers, taken for a bounce on its own words: the
    /// evidence may sit below the cut, in "Original message follows".
    pasted: bool,
    /// Where each line of `raw` ends, found on first use.
    line_ends: std::cell::OnceCell<Vec<usize>>,
    /// Recipients left out past [`plain::MAX_RECIPIENTS`].
    skipped: std::cell::Cell<usize>,
    /// The MTA whose report template this is, which holds the message and retries it.
    sending_mta: Option<Mta>,
    /// What the notice says of how long its MTA keeps retrying.
    retry_horizon: Option<String>,
}

impl<'a> Context<'a> {
    fn new(mail: Mail, raw: &'a [u8], has_headers: bool) -> Context<'a> {
        let (failure, cut) = failure_text(&mail);
        let failure = plain::unwrap_address_paragraphs(&failure);
        let mut excluded = HashSet::new();
        // Not X-Original-To: DMA names the failed recipient there, and where a delivery
        // agent adds it to the bounce it repeats the To.
        for name in [
            "from",
            "to",
            "cc",
            "reply-to",
            "sender",
            "return-path",
            "delivered-to",
            "envelope-to",
        ] {
            for (n, v) in &mail.headers {
                if n == name {
                    excluded.extend(plain::addresses(v).map(str::to_ascii_lowercase));
                }
            }
        }
        for name in ["from", "sender", "return-path", "reply-to", "errors-to"] {
            for (n, v) in &mail.original {
                if n == name {
                    excluded.extend(plain::addresses(v).map(str::to_ascii_lowercase));
                }
            }
        }
        let forwarded = plain::forwarded_header_addresses(&failure);
        excluded.extend(
            forwarded
                .iter()
                .take(16)
                .map(|(_, a)| a.to_ascii_lowercase()),
        );
        let forwarded_from = forwarded
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("from"))
            .map(|(_, a)| a.to_string());
        // An address the text offers for help is nobody's failed recipient, wherever the
        // text repeats it (OCN's Japanese notice repeats its `<support@...>`).
        excluded.extend(
            plain::help_addresses(&failure)
                .take(16)
                .map(str::to_ascii_lowercase),
        );
        let report_headers = has_headers.then(|| report_header_lines(&mail.headers).into());
        let sending_mta = report_template(&failure, &mail);
        let retry_horizon = plain::retry_horizon(&failure);
        Context {
            sending_mta,
            retry_horizon,
            report_headers,
            mail,
            raw,
            body_start: if has_headers { body_start(raw) } else { 0 },
            bounce: std::cell::OnceCell::new(),
            failure,
            cut,
            forwarded_from,
            excluded,
            pasted: !has_headers,
            line_ends: std::cell::OnceCell::new(),
            skipped: std::cell::Cell::new(0),
        }
    }

    /// Who wrote the notice: the `From:` of the one forwarded in the text, else the
    /// message's own.
    fn notice_from(&self) -> Option<&str> {
        self.forwarded_from
            .as_deref()
            .or_else(|| self.header("from").and_then(|v| plain::addresses(v).next()))
    }

    /// An address that is nobody's failed recipient: the bounce's own, the original's
    /// sender, a help address. `failed` lists those the report itself names as failed,
    /// which stand even when they are also one of these (a sender who wrote to themselves).
    fn is_excluded(&self, addr: &str, failed: &HashSet<String>) -> bool {
        let lower = addr.to_ascii_lowercase();
        lower.starts_with("mailer-daemon@")
            || (self.excluded.contains(&lower) && !failed.contains(&lower))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.mail.header(name)
    }

    /// The 1-based line of `raw` where `needle` first appears in the body (else the line
    /// the body starts on).
    fn line_of(&self, needle: &str) -> usize {
        let body = &self.raw[self.body_start..];
        let at = match needle.is_empty() {
            true => None,
            false => memchr::memmem::find(body, needle.as_bytes()),
        };
        self.line_at(self.body_start + at.unwrap_or(0))
    }

    fn line_at(&self, offset: usize) -> usize {
        let ends = self
            .line_ends
            .get_or_init(|| memchr::memchr_iter(b'\n', self.raw).collect());
        1 + ends.partition_point(|&end| end < offset.min(self.raw.len()))
    }

    /// An auto-reply (RFC 3834 `Auto-Submitted: auto-replied`, vacation and out-of-office
    /// headers and subjects).
    fn is_auto_reply(&self) -> bool {
        let h = |n: &str| self.header(n).map(str::to_ascii_lowercase);
        if h("auto-submitted").is_some_and(|v| v.starts_with("auto-replied"))
            || h("x-autoreply").is_some()
            || h("x-autorespond").is_some()
            || h("x-apple-action").is_some_and(|v| v.contains("vacation"))
            || h("precedence").is_some_and(|v| v.contains("auto_reply"))
        {
            return true;
        }
        let s = self.mail.subject.to_ascii_lowercase();
        [
            "auto:",
            "auto reply",
            "auto-reply",
            "autoreply",
            "automatic reply",
            "auto response",
            "autoresponse",
            "out of office",
            "out of the office",
            "away from",
            "on vacation",
            "vacation reply",
            "abwesenheit",
            "réponse automatique",
            "respuesta automática",
        ]
        .iter()
        .any(|p| s.starts_with(p) || s.contains(&format!(": {p}")))
    }

    /// A challenge-response system's notice (Boxbe, Spam Arrest, Mailblocks, ...): the
    /// message is held until the sender proves to be a person, nothing bounced. Some dress
    /// it as a DSN (Boxbe's `Diagnostic-Code: X-Boxbe-Notice; Sender not pre-approved`).
    fn is_challenge(&self) -> bool {
        plain::asks_sender_to_verify(&self.mail.subject)
            || plain::asks_sender_to_verify(&self.failure)
            || self
                .mail
                .parts
                .iter()
                .filter(|p| p.kind == PartKind::DeliveryStatus)
                .any(|p| plain::asks_sender_to_verify(&p.text))
    }

    /// A notice from a mailing-list manager: it sends from the list's own address, with the
    /// list's headers (fml's X-MLServer, ezmlm's Mailing-List, Mailman's, RFC 2919 List-Id).
    fn is_list_manager(&self) -> bool {
        [
            "x-mlserver",
            "x-ml-name",
            "mailing-list",
            "x-mailman-version",
            "list-id",
        ]
        .iter()
        .any(|h| self.header(h).is_some())
    }

    /// Evidence that the message reports a delivery failure.
    fn is_bounce(&self) -> bool {
        *self.bounce.get_or_init(|| self.bounce_evidence())
    }

    fn bounce_evidence(&self) -> bool {
        // Mailer daemons send bounces.
        let daemon = self.header("from").is_some_and(|f| {
            let f = f.to_ascii_lowercase();
            [
                "mailer-daemon",
                "mailer_daemon",
                // MDaemon sends its notices from its own account.
                "mdaemon@",
                "maildaemon",
                "postmaster@",
                "mail delivery",
            ]
            .iter()
            .any(|d| f.contains(d))
        });
        // The body's own say: failure words, or a failing status.
        let body_says_so = || {
            plain::says_undeliverable(&self.failure)
                || recognise(&self.failure).0.iter().any(|s| {
                    s.code.is_some_and(|c| c.class != Class::Success)
                        || s.basic
                            .and_then(basic_class)
                            .is_some_and(|c| c != Class::Success)
                })
        };
        // A null return path is no evidence: RFC 3834 auto-replies, RFC 8098 §2.1 read
        // receipts and ticket systems' notifications are sent from one too. Nor are a
        // daemon's sender address or a failure subject alone: a bounce's text says what
        // failed (RFC 3464 §2), and a message from "postmaster@" whose body says nothing
        // of a failure (a test, a phishing mail) reports none.
        self.pasted
            || (self.is_list_manager() && plain::post_refusal(&self.failure).is_some())
            || self.header("x-failed-recipients").is_some()
            || self.mail.report_type.as_deref() == Some("delivery-status")
            || self
                .mail
                .parts
                .iter()
                .any(|p| p.kind == PartKind::DeliveryStatus)
            || body_says_so()
            || ((daemon || plain::says_undeliverable(&self.mail.subject))
                && (self.failure_names_an_address() || self.returns_original()))
    }

    /// Whether the notice returns the original message, as a bounce does (RFC 3464 §2: the
    /// report's third part) and as an Exchange NDR does even when its own text is lost; a
    /// look-alike that only asks the reader to click returns none.
    fn returns_original(&self) -> bool {
        self.cut || !self.mail.original.is_empty() || plain::quotes_message_headers(&self.failure)
    }

    /// Whether the failure text names an address that may have failed: the recipient a
    /// bounce from a mail daemon lists, however few words it says about it. Not the
    /// bounce's own sender or receiver, nor an address to write to for help or one greeted
    /// ("Dear a@x,"): a look-alike names only those.
    fn failure_names_an_address(&self) -> bool {
        let none = HashSet::new();
        plain::named_addresses(&self.failure, &|a| self.is_excluded(a, &none))
            .next()
            .is_some()
    }

    /// `failed`, `delayed`, `delivered` or `relayed`, for a report that has no DSN
    /// `Action:`.
    fn plain_outcome(&self) -> &'static str {
        if let Some(success) = plain::success_notice(&self.mail.subject, &self.failure) {
            success
        } else if plain::is_delay_notice(&self.mail.subject, &self.failure) {
            "delayed"
        } else {
            "failed"
        }
    }
}

/// The offset just past the header block (the first empty line).
fn body_start(raw: &[u8]) -> usize {
    let lf = memchr::memmem::find(raw, b"\n\n").map(|i| i + 2);
    let crlf = memchr::memmem::find(raw, b"\n\r\n").map(|i| i + 3);
    match (lf, crlf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(0),
    }
}

/// Most of a bounce's own words that are read. A notice says what failed in its first few
/// kilobytes, and lists at most [`plain::MAX_RECIPIENTS`] recipients in less than this; past
/// it is an original quoted without a separator, and reading it all would only cost time
/// (every test of the words runs over them).
const MAX_FAILURE_TEXT: usize = 256 * 1024;

/// The bounce's own words: its text parts (HTML ones when it has no plain text) up to the
/// quoted original message, at most [`MAX_FAILURE_TEXT`] bytes of them.
fn failure_text(mail: &Mail) -> (String, bool) {
    let (mut out, cut) = failure_text_whole(mail);
    if out.len() > MAX_FAILURE_TEXT {
        let end = out[..out.floor_char_boundary(MAX_FAILURE_TEXT)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        out.truncate(end);
    }
    (out, cut)
}

fn failure_text_whole(mail: &Mail) -> (String, bool) {
    let has_plain = mail.parts.iter().any(|p| {
        p.kind == PartKind::Plain && !plain::without_list_footer(&p.text).trim().is_empty()
    });
    let mut out = String::new();
    for part in &mail.parts {
        let converted;
        let text = match part.kind {
            PartKind::Plain => plain::without_list_footer(&part.text),
            PartKind::Html if !has_plain => {
                converted = mime::html_to_text(&part.text);
                converted.as_str()
            }
            PartKind::OriginalHeaders => return (out, true),
            _ => continue,
        };
        let (kept, cut) = plain::before_original(text);
        out.push_str(kept);
        if !kept.ends_with('\n') {
            out.push('\n');
        }
        if cut {
            return (out, true);
        }
    }
    (out, false)
}

/// A message's header lines as `name: value`, one per line, without the trace and signature
/// fields (`Received`, `DKIM-Signature`, `ARC-*`, ...) that name relays, not the writer;
/// bounded to 4 KiB.
fn report_header_lines(headers: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        let trace = matches!(
            name.as_str(),
            "received" | "dkim-signature" | "authentication-results" | "received-spf"
        ) || name.starts_with("arc-")
            || name.starts_with("x-received")
            || name.starts_with("x-google");
        if trace || out.len() + name.len() + value.len() > 4096 {
            continue;
        }
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&crate::recognize::fold_whitespace(value));
        out.push('\n');
    }
    out
}

/// Up to `max` bytes of `s`, cut at a character boundary.
fn bounded(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max.min(s.len()))]
}

/// The recipient's status from a diagnosis, the finding's own text and the outcome.
fn status_from(
    ctx: &Context<'_>,
    recipient: Option<&str>,
    text: &str,
    d: &Diagnosis,
    words: Option<String>,
    outcome: &str,
) -> Status {
    let line = ctx.line_of(recipient.unwrap_or_default());
    let mut s = Status::new(InputKind::Dsn, line, bounded(text.trim(), 4096));
    s.report_headers = ctx.report_headers.clone();
    s.basic = d.basic;
    s.code = d.code;
    s.server_text = words.and_then(|w| non_empty(bounded(&w, 2048)));
    s.recipient = recipient.map(str::to_string);
    s.remote_host = d.host.clone();
    // No text named the stage: the refusal's own words may still imply it.
    s.stage = d.stage.or_else(|| {
        crate::recognize::log::implied_stage(s.server_text.as_deref().unwrap_or(&s.text))
    });
    s.outcome = Some(outcome.to_string());
    s.sending_mta = ctx.sending_mta;
    s.retry_horizon = ctx.retry_horizon.clone();
    s
}

/// The MTA whose own report template the text is: Postfix's bounce(8) ("This is the mail
/// system at host ...", its `X-Postfix-Queue-ID` field), Exim's deliver.c ("This message
/// was created automatically by mail delivery software"), Sendmail's savemail.c ("The
/// original message was received at ..."), Exchange's NDR ("Diagnostic information for
/// administrators"), OpenSMTPD's bounce.c ("This is the MAILER-DAEMON, please DO NOT REPLY
/// to this email").
fn report_template(failure: &str, mail: &Mail) -> Option<Mta> {
    let text = failure.to_ascii_lowercase();
    let says = |words: &str| text.contains(words);
    let postfix_field = mail.parts.iter().any(|p| {
        p.kind == PartKind::DeliveryStatus
            && scan::contains_any_ignore_case(&p.text, &["x-postfix-queue-id:"])
    });
    if postfix_field || says("this is the mail system at host") {
        Some(Mta::Postfix)
    } else if says("this message was created automatically by mail delivery software") {
        Some(Mta::Exim)
    } else if says("the original message was received at") {
        Some(Mta::Sendmail)
    } else if says("diagnostic information for administrators") {
        Some(Mta::Exchange)
    } else if says("this is the mailer-daemon, please do not reply to this email") {
        Some(Mta::OpenSmtpd)
    } else {
        None
    }
}

/// RFC 3464 reports: a delivery-status part, or its fields pasted into the text.
fn delivery_status(ctx: &Context<'_>, out: &mut Vec<Status>) -> bool {
    let mut report = dsn::DsnReport::default();
    let mut skipped = 0;
    for part in &ctx.mail.parts {
        if part.kind == PartKind::DeliveryStatus {
            let r = dsn::parse(&part.text);
            report.reporting_mta = report.reporting_mta.or(r.reporting_mta);
            // One message reports at most MAX_RECIPIENTS, however many parts carry them.
            let room = plain::MAX_RECIPIENTS.saturating_sub(report.recipients.len());
            skipped += r.recipients.len().saturating_sub(room) + r.skipped;
            report
                .recipients
                .extend(r.recipients.into_iter().take(room));
        }
    }
    if report.recipients.is_empty() && dsn::has_fields(&ctx.failure) {
        report = dsn::parse(&ctx.failure);
        skipped = report.skipped;
    }
    // A per-recipient block pasted on its own (`Final-Recipient:`, `Action:`, `Status:`)
    // reads as a header block; its fields are the report.
    if report.recipients.is_empty() {
        // No blank line: the whole input is the header block.
        let end = match ctx.body_start {
            0 => ctx.raw.len(),
            n => n.min(ctx.raw.len()),
        };
        let head = String::from_utf8_lossy(&ctx.raw[..end]);
        if dsn::has_fields(&head) {
            report = dsn::parse(&head);
        }
    }
    if report.recipients.is_empty() {
        return false;
    }
    ctx.skipped.set(ctx.skipped.get() + skipped);
    // The human-readable part often says more than the fields (a transcript, the reply).
    // A reported recipient keeps its prose even when it is also the bounce's own address
    // (a sender who wrote to themselves).
    let reported: HashSet<String> = report
        .recipients
        .iter()
        .filter_map(|r| r.address())
        .map(str::to_ascii_lowercase)
        .collect();
    let (_, blocks) = plain::blocks(&ctx.failure, &|a| ctx.is_excluded(a, &reported));
    // A block whose recipient field is broken takes the address the text names, when the
    // text names just one.
    let recipients: Vec<(&str, &dsn::DsnRecipient)> = report
        .recipients
        .iter()
        .filter_map(|r| {
            r.address()
                .or_else(|| (blocks.len() == 1).then(|| blocks[0].recipient.as_str()))
                .map(|a| (a, r))
        })
        .collect();
    if recipients.is_empty() {
        return false;
    }
    let prose = Prose::of(&blocks);
    let mut seen: HashSet<(String, &str)> = HashSet::new();
    for (addr, r) in recipients {
        if !seen.insert((addr.to_ascii_lowercase(), r.action.as_deref().unwrap_or(""))) {
            continue;
        }
        // `X-Unix; 75` is a local program's exit status, no words: the prose then says what
        // happened ("prog mailer (/bin/sh) exited with EX_TEMPFAIL"), else the field itself.
        let mut exit_status = None;
        let (mut d, mut words) = match r.diagnostic.as_deref() {
            Some(v) => {
                let (d, w) = diag::diagnostic_code(v);
                let mut w = Some(w).filter(|w| !w.is_empty());
                if w.as_ref()
                    .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
                {
                    exit_status = Some(v.trim().to_string());
                    w = None;
                }
                if let Some(whole) = diag::whole_reply(v, &ctx.failure)
                    && (whole.basic, whole.code) == (d.basic, d.code)
                {
                    w = whole.reply_text;
                }
                (d, w)
            }
            None => (Diagnosis::default(), None),
        };
        // A success is no failure's reply: Sendmail records the last reply it got, which
        // after a refused greeting is its QUIT's `221 2.0.0 Bye` (seen from 8.17 under
        // `Status: 4.4.7`). The failing reply is then in the session transcript.
        let failing = !matches!(
            r.action.as_deref(),
            Some("delivered" | "relayed" | "expanded")
        ) && r.status.is_none_or(|s| s.class != Class::Success);
        let succeeded = |d: &Diagnosis| {
            d.basic.and_then(basic_class).or(d.code.map(|c| c.class)) == Some(Class::Success)
        };
        if failing && succeeded(&d) {
            (d, words) = (Diagnosis::default(), None);
        }
        // The prose about this recipient: the block that names it, else the one about the
        // address it was redirected to, else the only one there is.
        let key = addr.to_ascii_lowercase();
        let block = prose
            .by_recipient
            .get(&key)
            .or_else(|| prose.by_origin.get(&key))
            .or(prose.only.as_ref())
            .copied();
        let block_text = block.map(|b| b.text());
        // The block is read when the fields hold no status; its stage then counts below.
        let block_read = !d.has_status() && block_text.is_some();
        if !d.has_status() {
            let about_addr = block_text
                .as_deref()
                .map(|t| diag::reply_naming(t, addr).unwrap_or(t));
            let mut from_text = about_addr.map(diagnose).unwrap_or_default();
            if failing && succeeded(&from_text) {
                // The block quotes the same recorded success (`(reason: 221 2.0.0 Bye)`).
                from_text = Diagnosis::default();
            }
            // Neither the fields nor the block hold the reply, and the report is about one
            // recipient: the reply anywhere in its text is that recipient's. Sendmail puts
            // a local mailer's `554 5.3.0 unknown mailer error 1` (deliver.c) and a refused
            // greeting in the transcript below the address list.
            if !from_text.has_status() && report.recipients.len() == 1 {
                let whole = diagnose(&ctx.failure);
                if whole.has_status() && !(failing && succeeded(&whole)) {
                    from_text = whole;
                }
            }
            if from_text.has_status() {
                d.basic = from_text.basic;
                d.code = d.code.or(from_text.code);
                if from_text.reply_text.is_some() {
                    words = from_text.reply_text.clone();
                }
            }
            d.host = d.host.or(from_text.host);
            d.stage = d.stage.or(from_text.stage);
        }
        if block_read && words.is_none() {
            words = block.map(|b| b.words()).filter(|w| !w.is_empty());
        }
        words = words.or(exit_status);
        // The fields rarely name the stage; the text part often does (`in reply to RCPT TO`).
        // A session transcript (`>>> RCPT TO:<...>` then `<<< 553 ...`) names it too; when
        // the report has one recipient, a transcript anywhere in the text is that one's.
        if d.stage.is_none() {
            let unread_block = block_text.as_deref().filter(|_| !block_read);
            let whole = (report.recipients.len() == 1).then_some(ctx.failure.as_str());
            d.stage = unread_block
                .into_iter()
                .chain(whole)
                .find_map(|t| diagnose(t).stage);
        }
        // RFC 3464's Status is the reporting MTA's verdict; the reply's own enhanced code
        // is more precise when both agree on the class, unless it is the bare X.0.0 ("other
        // undefined status", RFC 3463 §3.1) and the Status names a subject: Sendmail's
        // transcript says "550 5.0.0 ... Insufficient permission" over `Status: 5.3.0`.
        // When they disagree in class, the one the reply's basic code agrees with wins: that
        // is what the server said (RFC 3463 §2: the two classes must match).
        let undefined = |c: EnhancedCode| c.subject == 0 && c.detail == 0;
        let reply_class = d.basic.and_then(basic_class);
        d.code = match (r.status, d.code) {
            (Some(st), Some(dc)) if dc.class == st.class && (!undefined(dc) || undefined(st)) => {
                Some(dc)
            }
            (Some(st), Some(dc)) if dc.class != st.class && reply_class == Some(dc.class) => {
                Some(dc)
            }
            (Some(st), _) => Some(st),
            (None, dc) => dc,
        };
        let expired = d.code.filter(|c| c.subject == 4 && c.detail == 7);
        if let Some(expired) = expired {
            let texts = [r.diagnostic.as_deref(), block_text.as_deref()];
            d.code = Some(diag::cause_of_expiry(
                texts.into_iter().flatten(),
                expired.class,
            ));
        }
        if let Some(mta) = r.remote_mta.as_deref().and_then(mta_name) {
            d.host = Some(mta);
        }
        let outcome = r.action.clone().unwrap_or_else(|| {
            match d.code.map(|c| c.class).or(d.basic.and_then(basic_class)) {
                Some(Class::Success) => "delivered".into(),
                Some(Class::Transient) => "delayed".into(),
                _ => "failed".into(),
            }
        });
        let text = r.lines.join("\n");
        let mut status = status_from(ctx, Some(addr), &text, &d, words, &outcome);
        status.reporting_host = report.reporting_mta.as_deref().and_then(mta_name);
        status.expired_as = expired.filter(|&e| d.code != Some(e));
        status.diagnostic_type = r.diagnostic.as_deref().and_then(diag::diagnostic_type);
        out.push(status);
    }
    true
}

/// The prose blocks of a report's text, found by the recipient they name or by the address
/// it was redirected from; report fields pasted in the text are no prose.
struct Prose<'b> {
    by_recipient: std::collections::HashMap<String, &'b plain::Block>,
    by_origin: std::collections::HashMap<String, &'b plain::Block>,
    /// The only prose block, which a report with one recipient is about.
    only: Option<&'b plain::Block>,
}

impl<'b> Prose<'b> {
    fn of(blocks: &'b [plain::Block]) -> Prose<'b> {
        let prose: Vec<&plain::Block> = blocks.iter().filter(|b| !b.is_report_fields()).collect();
        let mut by_recipient = std::collections::HashMap::new();
        let mut by_origin = std::collections::HashMap::new();
        for &b in &prose {
            by_recipient
                .entry(b.recipient.to_ascii_lowercase())
                .or_insert(b);
            for origin in b.redirected_from() {
                by_origin.entry(origin.to_ascii_lowercase()).or_insert(b);
            }
        }
        Prose {
            by_recipient,
            by_origin,
            only: (prose.len() == 1).then(|| prose[0]),
        }
    }
}

/// The host an MTA field names: `dns; mx.example.org (TCP|192.0.2.1|25)` → `mx.example.org`
/// (the value arrives without its `dns;` type), without the comment, brackets or root dot;
/// Exim's `X-ip; [192.0.2.1]:2525` → `192.0.2.1`, without the port.
fn mta_name(field: &str) -> Option<String> {
    let name = field.split_whitespace().next()?;
    let name = match name.strip_prefix('[') {
        Some(literal) => literal.split(']').next().unwrap_or_default(),
        None => name,
    };
    let name = name.trim_end_matches('.');
    (!name.is_empty()).then(|| name.to_string())
}

/// Plain-text bounces: the recipients the text names, each with the lines about it.
fn plain_bounce(ctx: &Context<'_>, out: &mut Vec<Status>) {
    // An ordinary message that names addresses is not a bounce.
    if !ctx.is_bounce() {
        return;
    }
    if ctx.is_list_manager()
        && let Some((refusal, list)) = plain::post_refusal(&ctx.failure)
    {
        // The post failed at the list, which the refusal names (else its List-Post).
        let list = list.map(str::to_string).or_else(|| {
            ctx.header("list-post")
                .and_then(|v| plain::addresses(v).next().map(str::to_string))
        });
        let d = Diagnosis::default();
        let words = Some(refusal.to_string());
        out.push(status_from(
            ctx,
            list.as_deref(),
            refusal,
            &d,
            words,
            "failed",
        ));
        return;
    }
    let failed_header: Vec<String> = ctx
        .header("x-failed-recipients")
        .map(|v| plain::addresses(v).map(str::to_string).collect())
        .unwrap_or_default();
    // A listed failed recipient keeps its prose even when it is also the bounce's own
    // address (a sender who wrote to themselves).
    let listed: HashSet<String> = failed_header
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let excluded = |a: &str| ctx.is_excluded(a, &listed);
    let (preamble, mut blocks) = plain::blocks(&ctx.failure, &excluded);
    if !failed_header.is_empty() {
        // Exim and others list the failed recipients in a header: trust it over the text.
        let listed = |b: &plain::Block| {
            failed_header
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&b.recipient))
        };
        if blocks.iter().any(listed) {
            blocks.retain(listed);
        }
        for f in &failed_header {
            if !blocks.iter().any(|b| b.recipient.eq_ignore_ascii_case(f)) {
                blocks.push(plain::Block {
                    recipient: f.clone(),
                    lines: ctx.failure.lines().map(str::to_string).collect(),
                });
            }
        }
    }
    if blocks.is_empty() {
        // Backscatter of a forged message comes back to the address it failed for (spam
        // "from" a mailing list to the list): the bounce's own receiver is then the failed
        // recipient, listed alone on its line under the notice's heading.
        let daemon = |a: &str| a.to_ascii_lowercase().starts_with("mailer-daemon@");
        let (_, own) = plain::blocks(&ctx.failure, &daemon);
        blocks = own
            .into_iter()
            .filter(plain::Block::opens_with_address_alone)
            .collect();
    }
    if blocks.is_empty() {
        // AOL lists screen names without their domain, which is the reporting system's.
        let domain = ctx
            .notice_from()
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        if let Some(domain) = domain {
            for name in plain::listed_screen_names(&ctx.failure) {
                blocks.push(plain::Block {
                    recipient: format!("{name}@{domain}"),
                    lines: ctx.failure.lines().map(str::to_string).collect(),
                });
            }
        }
    }
    if blocks.is_empty() {
        // No line names a recipient: the first address the text mentions, else the
        // original message's recipient.
        // Of the addresses it names, the one the original was delivered for, else the first.
        let envelope = original_envelope_recipients(ctx);
        let named: Vec<&str> = plain::named_addresses(&ctx.failure, &excluded)
            .take(64)
            .collect();
        let recipient = named
            .iter()
            .find(|a| envelope.iter().any(|e| e.eq_ignore_ascii_case(a)))
            .or(named.first())
            .map(|a| a.to_string())
            .or_else(|| {
                ctx.mail
                    .original_header("to")
                    .and_then(|v| plain::addresses(v).next().map(str::to_string))
            })
            .or_else(|| quoted_original_to(ctx));
        // A bounce that names no address (a screen name pasted without its domain) still
        // says what failed: one status with no recipient.
        blocks.push(plain::Block {
            recipient: recipient.unwrap_or_default(),
            lines: ctx.failure.lines().map(str::to_string).collect(),
        });
    }
    let outcome = ctx.plain_outcome();
    let single = blocks.len() == 1;
    for b in &blocks {
        let text = b.text();
        let mut d = failure_diagnosis(&text);
        let mut words = d
            .reply_text
            .clone()
            .or_else(|| Some(b.words()).filter(|w| !w.is_empty()));
        if !d.has_status() {
            // What the text says before the first recipient applies to all of them
            // (`Could not be delivered because of 550 5.1.1 ... The following recipients`).
            let whole = format!("{preamble}\n{text}");
            let mut shared = failure_diagnosis(&whole);
            if !shared.has_status() && words.is_none() {
                // A list of addresses followed by one explanation for all of them (Gmail's
                // "Delivery to the following recipients failed permanently").
                shared = failure_diagnosis(&ctx.failure);
            }
            if shared.has_status() {
                words = shared.reply_text.clone().or(words);
                d = Diagnosis {
                    host: d.host.or(shared.host.clone()),
                    stage: d.stage.or(shared.stage),
                    ..shared
                };
            }
        }
        if words.is_none() && single {
            words = Some(crate::recognize::fold_whitespace(&preamble)).filter(|w| !w.is_empty());
        }
        let mut status = status_from(
            ctx,
            Some(b.recipient.as_str()).filter(|r| !r.is_empty()),
            &text,
            &d,
            words,
            outcome,
        );
        if !d.has_status() && plain::says_retries_ran_out(&text) {
            // The failure was temporary and outlasted the retries: RFC 3463's 4.4.7.
            status.code = Some(EnhancedCode::new(Class::Transient, 4, 7));
            status.code_inferred = true;
        }
        out.push(status);
    }
}

/// What a plain-text bounce says about a failure. A success code in it is never the
/// bounce's status (a greeting, a version number): only a delivery report reports success.
fn failure_diagnosis(text: &str) -> Diagnosis {
    let d = diagnose(text);
    if reports_success(d.code, d.basic) {
        return Diagnosis {
            host: d.host,
            stage: d.stage,
            ..Diagnosis::default()
        };
    }
    d
}

/// The text of the original message quoted inline after the failure part.
fn quoted_original<'c>(ctx: &'c Context<'_>) -> Option<&'c str> {
    if !ctx.cut {
        return None;
    }
    let text = ctx
        .mail
        .parts
        .iter()
        .find(|p| p.kind == PartKind::Plain)
        .map(|p| p.text.as_str())?;
    let (kept, _) = plain::before_original(text);
    Some(&text[kept.len()..])
}

/// Who the original message was delivered for, as its `Received:` fields say (attached,
/// or quoted inline, `>`-prefixed or not).
fn original_envelope_recipients(ctx: &Context<'_>) -> Vec<String> {
    let attached = ctx
        .mail
        .original
        .iter()
        .filter(|(n, _)| n == "received")
        .map(|(_, v)| v.as_str());
    let inline = quoted_original(ctx)
        .into_iter()
        .flat_map(|t| t.lines().take(200))
        .filter_map(|l| {
            let l = l.trim_start_matches(['>', ' ']);
            l.get(..9)
                .filter(|h| h.eq_ignore_ascii_case("received:"))
                .map(|_| &l[9..])
        });
    attached
        .chain(inline)
        .filter_map(plain::received_for)
        .take(16)
        .map(str::to_string)
        .collect()
}

/// `To:` of an original message quoted inline after the failure part.
fn quoted_original_to(ctx: &Context<'_>) -> Option<String> {
    quoted_original(ctx)?
        .lines()
        .take(200)
        .find_map(|l| {
            let l = l.trim_start();
            l.get(..3)
                .filter(|h| h.eq_ignore_ascii_case("to:"))
                .and_then(|_| plain::addresses(&l[3..]).next())
        })
        .map(str::to_string)
}

/// ARF feedback reports (RFC 5965) and the providers' own complaint formats: not a
/// bounce, a recipient's complaint. One status per reported recipient.
fn feedback(ctx: &Context<'_>, out: &mut Vec<Status>) -> bool {
    let report = ctx
        .mail
        .parts
        .iter()
        .find(|p| p.kind == PartKind::FeedbackReport);
    let jmrp = ctx.mail.original_header("x-hmxmroriginalrecipient");
    let apple_unsubscribe = ctx
        .header("x-apple-unsubscribe")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let is_arf = ctx.mail.report_type.as_deref() == Some("feedback-report") || report.is_some();
    if !is_arf && jmrp.is_none() && !apple_unsubscribe {
        return false;
    }
    let mut recipients: Vec<String> = Vec::new();
    let mut feedback_type = None;
    if let Some(part) = report {
        for (name, value) in mime::headers_of_text(&part.text) {
            match name.as_str() {
                "original-rcpt-to" | "removal-recipient" => {
                    recipients.extend(plain::addresses(&value).map(str::to_string))
                }
                "feedback-type" => feedback_type = Some(value),
                _ => {}
            }
        }
    }
    if recipients.is_empty() {
        let from_original = jmrp
            .or_else(|| ctx.mail.original_header("to"))
            .map(|v| plain::addresses(v).map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default();
        recipients = from_original;
    }
    if recipients.is_empty() && apple_unsubscribe {
        recipients.extend(
            ctx.header("from")
                .and_then(|v| plain::addresses(v).next())
                .map(str::to_string),
        );
    }
    let summary = match &feedback_type {
        Some(t) => format!("feedback report: {t}"),
        None if apple_unsubscribe => "unsubscribe request".to_string(),
        None => "feedback report".to_string(),
    };
    let text = report.map_or(summary.clone(), |p| p.text.clone());
    let d = Diagnosis::default();
    let mut seen: HashSet<String> = HashSet::new();
    if recipients.is_empty() {
        out.push(status_from(ctx, None, &text, &d, Some(summary), "feedback"));
        return true;
    }
    for r in recipients {
        if seen.len() >= plain::MAX_RECIPIENTS || !seen.insert(r.to_ascii_lowercase()) {
            continue;
        }
        out.push(status_from(
            ctx,
            Some(&r),
            &text,
            &d,
            Some(summary.clone()),
            "feedback",
        ));
    }
    true
}

/// An auto-reply (vacation, out of office): not a bounce; the recipient is who is away.
fn auto_reply(ctx: &Context<'_>, out: &mut Vec<Status>) {
    let who = ctx.notice_from().map(str::to_string);
    let words = crate::recognize::fold_whitespace(bounded(&ctx.failure, 1024));
    let text = format!("Subject: {}", ctx.mail.subject);
    let mut s = status_from(
        ctx,
        None,
        &text,
        &Diagnosis::default(),
        Some(words),
        "auto-reply",
    );
    s.recipient = who;
    out.push(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(raw: &str) -> Vec<Status> {
        recognise_message(raw.as_bytes())
    }

    fn summary(s: &Status) -> (Option<String>, Option<String>, Option<u16>, Option<String>) {
        (
            s.recipient.clone(),
            s.code.map(|c| c.to_string()),
            s.basic,
            s.outcome.clone(),
        )
    }

    #[test]
    fn a_status_with_a_subject_outranks_an_undefined_reply_code() {
        // Sendmail: the transcript's "550 5.0.0" says less than the DSN's `Status: 5.3.0`
        // (a local mailer's EX_NOPERM, `X-Unix; 77`).
        let raw = "From: MAILER-DAEMON@mx.example.org\nTo: me@example.com\nSubject: Returned mail\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\
            Content-Type: text/plain\n\n   ----- The following addresses had permanent fatal errors -----\n\
            <a@example.net>\n\n   ----- Transcript of session follows -----\n\
            550 5.0.0 <a@example.net>... Insufficient permission\n\n--b\n\
            Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n\
            Final-Recipient: RFC822; a@example.net\nAction: failed\nStatus: 5.3.0\n\
            Diagnostic-Code: X-Unix; 77\n\n--b--\n";
        let got: Vec<_> = one(raw).iter().map(summary).collect();
        assert_eq!(got[0].1.as_deref(), Some("5.3.0"), "{got:?}");
    }

    #[test]
    fn dsn_with_two_recipients() {
        let raw = "From: MAILER-DAEMON@mx.example.org\nTo: me@example.com\nSubject: Undelivered Mail Returned to Sender\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\
            Content-Type: text/plain\n\nThe mail system\n\n--b\nContent-Type: message/delivery-status\n\n\
            Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.0.0\n\
            Diagnostic-Code: smtp; 550 5.1.1 <a@example.net>: Recipient address rejected: User unknown\n\n\
            Final-Recipient: rfc822; b@example.net\nAction: delayed\nStatus: 4.2.2\n\n--b\n\
            Content-Type: message/rfc822\n\nTo: a@example.net\n\n550 5.7.1 quoted\n--b--\n";
        let got: Vec<_> = one(raw).iter().map(summary).collect();
        assert_eq!(
            got,
            [
                (
                    Some("a@example.net".into()),
                    Some("5.1.1".into()),
                    Some(550),
                    Some("failed".into())
                ),
                (
                    Some("b@example.net".into()),
                    Some("4.2.2".into()),
                    None,
                    Some("delayed".into())
                ),
            ]
        );
    }

    #[test]
    fn qmail_bounce() {
        let raw = "From: MAILER-DAEMON@mx.example.jp\nTo: me@example.jp\nSubject: failure notice\n\n\
            Hi. This is the qmail-send program at mx.example.jp.\n\
            I'm afraid I wasn't able to deliver your message to the following addresses.\n\n\
            <a@example.net>:\nSorry, I couldn't find any host named example.net. (#5.1.2)\n\n\
            --- Below this line is a copy of the message.\n\nTo: a@example.net\n\n550 5.7.1 no\n";
        let s = one(raw);
        assert_eq!(s.len(), 1);
        assert_eq!(
            summary(&s[0]),
            (
                Some("a@example.net".into()),
                Some("5.1.2".into()),
                None,
                Some("failed".into())
            )
        );
        assert_eq!(s[0].kind, InputKind::Dsn);
        assert_eq!(s[0].line, 8);
    }

    #[test]
    fn mta_field_names_the_host() {
        for (field, want) in [
            ("mx.example.org (TCP|192.0.2.1|25)", Some("mx.example.org")),
            ("mx.example.org.", Some("mx.example.org")),
            ("[192.0.2.1]", Some("192.0.2.1")),
            ("[127.0.0.1]:10001", Some("127.0.0.1")),
            ("[IPv6:2001:db8::1]:25", Some("IPv6:2001:db8::1")),
            ("", None),
        ] {
            assert_eq!(mta_name(field).as_deref(), want, "{field}");
        }
    }

    #[test]
    fn mbox_of_two_messages() {
        let raw = "From MAILER-DAEMON Mon Sep 20 19:29:27 2021\nFrom: x@example.org\nSubject: failure notice\n\n<a@example.net>:\n550 5.1.1 unknown\n\n\
                   From MAILER-DAEMON Mon Sep 20 19:29:28 2021\nFrom: x@example.org\nSubject: failure notice\n\n<b@example.net>:\n552 5.2.2 full\n";
        let s = one(raw);
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.recipient.clone().unwrap(), s.line))
            .collect();
        assert_eq!(
            got,
            [("a@example.net".into(), 5), ("b@example.net".into(), 12)]
        );
    }

    #[test]
    fn not_a_message_falls_back_to_text() {
        let s = one("Subject only\n\n550 5.1.1 unknown");
        assert_eq!(s[0].code.map(|c| c.to_string()).as_deref(), Some("5.1.1"));
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for raw in [
            &b"From: a\n\n"[..],
            b"Content-Type: multipart/report; boundary=x\n\n--x\n--x--",
            b"Content-Type: multipart/mixed; boundary=\"\"\n\n\xff\xfe--\n",
            b"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n",
            b"Content-Transfer-Encoding: base64\nContent-Type: message/delivery-status\n\n!!!!",
            b"From \n",
            b"",
        ] {
            let _ = recognise_message(raw);
        }
    }
}
