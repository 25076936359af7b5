//! Reads what a bounce says about one recipient — a DSN `Diagnostic-Code` or the lines an
//! MTA wrote under the address — into the remote server's reply: basic code, enhanced
//! code, the server's words, the remote host and the SMTP stage.

use super::plain::is_header_line;
use crate::code::{Class, EnhancedCode, basic_class, find_enhanced, parse_basic};
use crate::kb::model::Stage;
use crate::recognize::fold_whitespace;
use crate::recognize::reply::ReplyLine;
use regex_lite::Regex;
use std::sync::OnceLock;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    pub basic: Option<u16>,
    pub code: Option<EnhancedCode>,
    /// The server's words when a reply was found (without its codes).
    pub reply_text: Option<String>,
    pub host: Option<String>,
    pub stage: Option<Stage>,
}

impl Diagnosis {
    pub fn has_status(&self) -> bool {
        self.basic.is_some() || self.code.is_some()
    }
}

/// The bounce-message patterns are compiled by `regex-lite`: a bounce is read once per
/// process, and its dozen patterns cost about 4 ms to build with `regex`'s Unicode tables
/// and automata, a tenth of that here. Their classes (`\s`, `\w`, `\b`) and `(?i)` are
/// ASCII-only in regex-lite, which is how bounce texts write these words; the log-line
/// patterns, run on every line of a big log, stay with `regex`.
pub(super) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("static regex: {e}")))
}

/// Longest reply kept: RFC 5321 lines are short, multi-line replies a few dozen lines.
const MAX_REPLY_LINES: usize = 40;

/// Reads a DSN `Diagnostic-Code` value: `smtp; 550 5.1.1 <a@example.org>... User unknown`.
/// Returns the diagnosis and the words without the type and codes.
pub fn diagnostic_code(value: &str) -> (Diagnosis, String) {
    let value = strip_diagnostic_type(value.trim());
    let d = diagnose(value);
    let words = match &d.reply_text {
        Some(t) => t.clone(),
        None => strip_leading_code(value),
    };
    (d, words)
}

/// The whole reply, read from the report's text, when a `Diagnostic-Code` holds only the
/// first lines of a multi-line one: its last line is a continuation (`550-5.7.1 ...`; RFC
/// 5321 §4.2.1: more lines follow). Sendmail keeps only the first line there, and the
/// whole reply in its transcript (`<<< 550-5.7.1 ...` through `<<< 550 5.7.1 ...`).
pub fn whole_reply(value: &str, text: &str) -> Option<Diagnosis> {
    let value = strip_diagnostic_type(value.trim());
    let last = value.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let b = last.as_bytes();
    let unfinished = b.len() > 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b'-';
    if !unfinished {
        return None;
    }
    let first = value.lines().next()?.trim();
    // The line that starts with it, as the transcript quotes the server (`<<< `).
    fn quoted(line: &str) -> Option<&str> {
        line.trim_start().strip_prefix("<<<").map(str::trim_start)
    }
    let unquote = |line| quoted(line).unwrap_or(line.trim_start());
    let mut lines = text
        .lines()
        .skip_while(|l| !unquote(l).starts_with(first))
        .peekable();
    // A quoted reply ends where the quoting does: Sendmail's own line follows it.
    let is_quoted = lines.peek().is_some_and(|l| quoted(l).is_some());
    let reply: Vec<&str> = lines
        .take_while(|l| !is_quoted || quoted(l).is_some())
        .take(MAX_REPLY_LINES)
        .map(unquote)
        .collect();
    let whole = diagnose(&reply.join("\n"));
    whole.reply_text.is_some().then_some(whole)
}

/// `smtp; 550 ...` → `550 ...`; `X-Postfix; connect to ...` → `connect to ...`.
fn strip_diagnostic_type(value: &str) -> &str {
    split_diagnostic_type(value).map_or(value, |(_, rest)| rest)
}

/// A `Diagnostic-Code` value's type (RFC 3464 §2.3.6), lower-cased: `smtp`, `x-unix`.
pub fn diagnostic_type(value: &str) -> Option<String> {
    split_diagnostic_type(value.trim()).map(|(kind, _)| kind.to_ascii_lowercase())
}

fn split_diagnostic_type(value: &str) -> Option<(&str, &str)> {
    let (kind, rest) = value.split_once(';')?;
    let kind_like = !kind.is_empty()
        && kind.len() <= 24
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    kind_like.then(|| (kind, rest.trim_start()))
}

/// Words of a value that starts with a bare enhanced code: `5.1.0 - Unknown address`.
fn strip_leading_code(value: &str) -> String {
    let t = value.trim();
    let rest = match t.split_once(char::is_whitespace) {
        Some((first, rest)) if EnhancedCode::read(first).is_some() => rest,
        _ => t,
    };
    fold_whitespace(rest.trim_start_matches(['-', ' ', ':']))
}

/// The line of `text` in which the reporting MTA states its reply for `addr`: Sendmail's
/// transcript gives each failed address a line `550 5.1.2 <addr>... Host unknown (...)`
/// (err.c prefixes the address and "... " to the message), so in a transcript about several
/// recipients that line, not the first reply, is the one about `addr`.
pub fn reply_naming<'t>(text: &'t str, addr: &str) -> Option<&'t str> {
    let named = format!("<{}>... ", addr.to_ascii_lowercase());
    text.lines().find(|line| {
        let t = line.trim_start();
        let b = t.as_bytes();
        b.len() > named.len() + 4
            && b[..3].iter().all(u8::is_ascii_digit)
            && matches!(b[3], b' ' | b'-')
            && t.to_ascii_lowercase().contains(&named)
    })
}

/// Reads the reply and its context out of a chunk of bounce text (one or more lines).
pub fn diagnose(text: &str) -> Diagnosis {
    let lines: Vec<&str> = text.lines().collect();
    let mut d = Diagnosis::default();
    let mut transcript_stage = None;
    let mut reply_stage = None;
    // The failing reply: in a session transcript the greeting (`220 ...`) and the replies
    // to earlier commands (`250 ... Sender ok`) come first. A success reply is taken only
    // when no reply failed (a DSN's `Diagnostic-Code: smtp; 250 2.0.0 OK`).
    let mut success_reply = None;
    for (i, line) in lines.iter().enumerate() {
        let command = line.trim_start();
        if let Some(cmd) = command
            .strip_prefix(">>> ")
            .or_else(|| is_transcript_command(command).then_some(command))
        {
            transcript_stage = crate::recognize::log::command_stage(cmd).or(transcript_stage);
            continue;
        }
        if is_header_line(line) {
            continue;
        }
        if let Some((pos, basic)) = reply_in_line(line) {
            if basic_class(basic).is_none_or(|c| c == Class::Success) {
                success_reply.get_or_insert((i, pos, basic));
                continue;
            }
            read_reply(&mut d, &lines, (i, pos, basic));
            reply_stage = transcript_stage;
            break;
        }
    }
    if let (None, Some(found)) = (d.basic, success_reply) {
        read_reply(&mut d, &lines, found);
    }
    if d.code.is_none() {
        // A code written apart from the reply: qmail's `(#5.1.1)`, `[#4.1.9]`, Zoho's
        // `ERROR_CODE :5.1.1`, or a status with no reply at all. Quoted header fields
        // (`Subject: ... Mailman 2.0.12`) hold version numbers, not statuses.
        let want = d.basic.and_then(basic_class);
        d.code = lines
            .iter()
            .filter(|l| !is_header_line(l))
            .find_map(|line| {
                find_enhanced(line)
                    .into_iter()
                    .map(|l| l.code)
                    .find(|c| want.is_none_or(|w| w == c.class))
            });
        if d.basic.is_none()
            && let Some(code) = d.code
        {
            d.basic = lines.iter().find_map(|line| basic_near_code(line, code));
        }
    }
    if reply_stage.is_none() {
        // A transcript after the summary (Sendmail): the stage is the command whose reply
        // (`<<< 550 ...`) was the first refusal; what follows it (a DATA answered `503 Bad
        // sequence of commands`) only follows from it. With no refusal quoted, the last
        // command sent.
        reply_stage = transcript_refusal_stage(&lines).or_else(|| {
            lines
                .iter()
                .filter_map(|l| l.trim_start().strip_prefix(">>> "))
                .filter_map(crate::recognize::log::command_stage)
                .next_back()
        });
    }
    d.host = remote_host(text);
    d.stage = reply_stage
        .or_else(|| stage_in(text))
        .or_else(|| crate::recognize::log::explicit_stage_marker(&fold_whitespace(text)));
    d
}

/// The stage of the command a Sendmail-style transcript's first refusal (`<<< 4xx`/`5xx`)
/// answered.
fn transcript_refusal_stage(lines: &[&str]) -> Option<Stage> {
    let mut stage = None;
    for line in lines.iter().map(|l| l.trim_start()) {
        if line.starts_with("... while talking to ") {
            // A new session: until a command is sent, a reply is the greeting's.
            stage = Some(Stage::Connect);
        } else if let Some(command) = line.strip_prefix(">>> ") {
            stage = crate::recognize::log::command_stage(command).or(stage);
        } else if let Some(reply) = line.strip_prefix("<<< ")
            && let Some((_, basic)) = reply_in_line(reply)
            && basic_class(basic).is_some_and(|c| c != Class::Success)
        {
            return stage;
        }
    }
    None
}

fn read_reply(d: &mut Diagnosis, lines: &[&str], (i, pos, basic): (usize, usize, u16)) {
    let (code, words) = collect_reply(lines, i, pos, basic);
    d.basic = Some(basic);
    d.code = code;
    d.reply_text = crate::recognize::non_empty(&words);
}

/// A command line of a session transcript written without `>>>` arrows (MDaemon's
/// "Session Transcript": `RCPT To:<a@example.org>`, `MAIL From:<...> SIZE=1861`).
fn is_transcript_command(line: &str) -> bool {
    let mut words = line.split_whitespace().map(str::to_ascii_uppercase);
    let (verb, argument) = (words.next(), words.next());
    match verb.as_deref() {
        Some("RCPT") => argument.is_some_and(|a| a.starts_with("TO:")),
        Some("MAIL") => argument.is_some_and(|a| a.starts_with("FROM:")),
        Some("DATA" | "QUIT" | "RSET") => argument.is_none(),
        Some("EHLO" | "HELO") => argument.is_some() && words.next().is_none(),
        _ => false,
    }
}

/// Where an SMTP reply starts on a line: at its start (`550 5.1.1 ...`, `<<< 550 ...`), or
/// after the punctuation MTAs quote a reply with (`said: 550 ...`, `returned '550 ...`,
/// `smtp; 550 ...`, `[554 ...`, `#550 ...`).
fn reply_in_line(line: &str) -> Option<(usize, u16)> {
    let bytes = line.as_bytes();
    let start = line.len() - line.trim_start().len();
    let mut i = start;
    while i + 3 <= bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let left_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.';
        let basic = line
            .get(i..i + 3)
            .and_then(parse_basic)
            .filter(|_| left_ok && i + 3 <= bytes.len());
        let Some(basic) = basic else {
            // Skip the rest of this number.
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        };
        let after = bytes.get(i + 3).copied();
        let before = line[start..i].trim_end();
        // A reply quoted whole after the code: Amazon SES's `error 550-'5.2.2 ... full'`.
        if matches!(after, Some(b' ') | Some(b'-'))
            && bytes.get(i + 4) == Some(&b'\'')
            && line[i + 5..]
                .split_whitespace()
                .next()
                .is_some_and(|w| EnhancedCode::read(w).is_some())
        {
            return Some((i, basic));
        }
        // `ERROR_CODE :421, ...`: a bare code after a colon, its text after the comma.
        if after == Some(b',') && before.ends_with(':') {
            return Some((i, basic));
        }
        let shape_ok = match after {
            None => false,
            Some(b' ') | Some(b'-') | Some(b'\t') => {
                let rest = line[i + 4..].trim_start();
                !rest.is_empty()
                    && (rest.starts_with(|c: char| !c.is_ascii_digit())
                        || rest
                            .split(|c: char| c.is_whitespace() || c == ',')
                            .next()
                            .is_some_and(|w| EnhancedCode::read(w).is_some())
                        || starts_with_server_tag(rest))
            }
            _ => false,
        };
        if shape_ok && quoted_position(line, start, i) {
            return Some((i, basic));
        }
        i += 3;
    }
    None
}

/// Whether reply text opens with the server's own tag before its words: Yahoo's sub-code
/// (`554 30 Sorry, your message ...`, `552 1 Requested mail action aborted`) or a
/// session id (`550 2f1c655f95f5cae-a1f55 User not found`).
fn starts_with_server_tag(rest: &str) -> bool {
    let mut words = rest.split_whitespace();
    let (Some(tag), Some(next)) = (words.next(), words.next()) else {
        return false;
    };
    let short_number = tag.len() <= 3 && tag.bytes().all(|b| b.is_ascii_digit());
    let id = tag.bytes().any(|b| b.is_ascii_alphabetic())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (short_number || id) && next.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Whether a code at `i` stands where a reply starts: first on the line (after transcript
/// arrows), or right after quoting punctuation.
fn quoted_position(line: &str, start: usize, i: usize) -> bool {
    let before = line[start..i].trim_end();
    if before.is_empty() {
        return true;
    }
    if matches!(before, "<<<" | "Received >>>" | ">>>" | "<<<<") {
        return true;
    }
    before.ends_with([':', ';', '\'', '"', '(', '[', '<', '#', '=', '>'])
}

/// Reads the reply that starts at `lines[i][pos..]`, with its continuation lines: `550-`
/// lines of a multi-line reply, and the indented lines an MTA wraps a long reply onto.
fn collect_reply(
    lines: &[&str],
    i: usize,
    pos: usize,
    basic: u16,
) -> (Option<EnhancedCode>, String) {
    let line = lines[i];
    let opener = line[..pos].trim_end().chars().next_back();
    let mut first = line[pos..].trim_end();
    // A reply quoted in `'...'`, `[...]`, `(...)`, `<...>`: drop the closing mark.
    let closer = match opener {
        Some('\'') => Some('\''),
        Some('"') => Some('"'),
        Some('[') => Some(']'),
        Some('(') => Some(')'),
        Some('<') => Some('>'),
        _ => None,
    };
    if let Some(c) = closer
        && let Some(stripped) = first.strip_suffix(c)
    {
        first = stripped;
    }
    let unquoted;
    let quoted_code = |inner: &str| {
        inner
            .split_whitespace()
            .next()
            .is_some_and(|w| EnhancedCode::read(w).is_some())
    };
    if first.len() > 5 && first.as_bytes()[4] == b'\'' && quoted_code(&first[5..]) {
        // `550-'5.2.2 text' (more)` → `550 5.2.2 text`; a quoted address or word after the
        // code (`550 'bob@example.org' is not a registered user`) is part of the text.
        let inner = &first[5..];
        let inner = inner.rfind('\'').map_or(inner, |q| &inner[..q]);
        unquoted = format!("{} {inner}", &first[..3]);
        first = &unquoted;
    } else if first.as_bytes().get(3) == Some(&b',') {
        unquoted = format!(
            "{} {}",
            &first[..3],
            first[4..].trim_start_matches([',', ' '])
        );
        first = &unquoted;
    }
    let mut code = None;
    let mut words = String::new();
    let mut more = match ReplyLine::parse(first) {
        Some(rl) => {
            code = rl.enhanced;
            words.push_str(rl.text.trim());
            !rl.last
        }
        None => {
            words.push_str(first[3..].trim_start_matches(['-', ' ']));
            false
        }
    };
    let indent = indent_of(line);
    for next in lines.iter().skip(i + 1).take(MAX_REPLY_LINES) {
        let t = next.trim();
        if t.is_empty() {
            break;
        }
        if let Some(rl) = ReplyLine::parse(t) {
            if rl.basic == basic && (more || rl.enhanced.is_some() && rl.enhanced == code) {
                code = code.or(rl.enhanced);
                words.push(' ');
                words.push_str(rl.text.trim());
                more = !rl.last;
                continue;
            }
            break;
        }
        if more {
            // A `550-` reply whose next line lost its code: still part of it.
            words.push(' ');
            words.push_str(t);
            continue;
        }
        // Exim and others wrap a long reply onto lines indented like the reply itself.
        // Postfix indents the wrapped lines under an unindented `... said: 554 ...` line.
        let wrapped = indent_of(next) > indent || (indent > 0 && indent_of(next) >= indent);
        if wrapped && !is_section_line(t) {
            words.push(' ');
            words.push_str(t);
            continue;
        }
        break;
    }
    // Postfix's stage marker follows the reply; it is not the server's words.
    let words = match words.rfind("(in reply to ") {
        Some(i) if words[i..].trim_end().ends_with("command)") => words[..i].trim_end().to_string(),
        _ => words,
    };
    // A reply quoted inside parentheses (`(reason: 550 ...)`): drop the unmatched `)`.
    let words = match words.strip_suffix(')') {
        Some(w) if w.matches('(').count() < w.matches(')').count() + 1 => w.to_string(),
        _ => words,
    };
    let words = strip_repeated_prefixes(&words, basic, code);
    let want = basic_class(basic);
    let code = code.or_else(|| {
        find_enhanced(&words)
            .into_iter()
            .map(|l| l.code)
            .find(|c| want.is_none_or(|w| w == c.class))
    });
    (code, words)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Lines that start something new rather than continue a wrapped reply.
fn is_section_line(t: &str) -> bool {
    t.starts_with("---")
        || t.starts_with("===")
        || t.starts_with("***")
        || t.starts_with("(generated from")
        || t.starts_with("host ")
        || t.to_ascii_lowercase().starts_with("smtp error from")
}

/// Removes the `550-5.7.1 ` / `550 ` prefixes a flattened multi-line reply repeats.
pub fn strip_repeated_prefixes(text: &str, basic: u16, code: Option<EnhancedCode>) -> String {
    let b = basic.to_string();
    let c = code.map(|c| c.to_string());
    let mut out: Vec<&str> = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let bare = w == b;
        let dashed = w.len() > 3 && w.starts_with(&b) && w.as_bytes()[3] == b'-';
        if bare || dashed {
            let rest = if dashed { &w[4..] } else { "" };
            // `550-5.1.1` glued, `550 5.1.1` spaced, or `550-text` glued.
            if rest.is_empty() {
                if let (Some(next), Some(c)) = (words.peek(), &c)
                    && *next == c
                {
                    words.next();
                }
                continue;
            }
            if c.as_deref() == Some(rest) {
                continue;
            }
            out.push(rest);
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// A basic code written near an enhanced code that it matches in class, as in Zoho's
/// `ERROR_CODE :550, ERROR_CODE :5.1.1`.
fn basic_near_code(line: &str, code: EnhancedCode) -> Option<u16> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i + 3 <= bytes.len() {
        let is_num = bytes[i..i + 3].iter().all(u8::is_ascii_digit)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.')
            && bytes
                .get(i + 3)
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'.');
        if is_num
            && let Some(b) = parse_basic(&line[i..i + 3])
            && basic_class(b) == Some(code.class)
        {
            return Some(b);
        }
        i += 1;
    }
    None
}

/// The code of the failure that made a message expire. X.4.7 ("delivery time expired",
/// RFC 3463 §3.5) says only that the queue gave up; when the report also quotes the last
/// attempt's reply with its own code (Exchange's `'441 4.4.1 Error encountered while
/// communicating with primary target'` under `550 4.4.7 QUEUE.Expired`, WorkMail's
/// `<421 4.4.2 Connection timed out>`), that code says why. Else the X.4.7 of `class` itself.
pub fn cause_of_expiry<'t>(texts: impl IntoIterator<Item = &'t str>, class: Class) -> EnhancedCode {
    let expired = EnhancedCode::new(class, 4, 7);
    texts
        .into_iter()
        .flat_map(|t| t.lines())
        .filter(|l| !is_header_line(l))
        .flat_map(|l| find_enhanced(l).into_iter().map(|found| found.code))
        .find(|c| c.class == class && c.subject != 0 && !(c.subject == 4 && c.detail == 7))
        .unwrap_or(expired)
}

/// The remote host a bounce names: `host mx.example.org [192.0.2.1]`, `Server x[ip]`,
/// `remote host 192.0.2.1 said`, `While talking to x:`, `x [ip] did not like`.
pub fn remote_host(text: &str) -> Option<String> {
    static HOST: OnceLock<Regex> = OnceLock::new();
    // Words each alternative holds; text without any skips compiling the pattern.
    let words = [
        "host",
        "server",
        "[",
        "while talking to ",
        "connected to ",
        "does not like",
        "failed after",
        "failed on",
    ];
    if !super::scan::contains_any_ignore_case(text, &words) {
        return None;
    }
    let r = re(
        &HOST,
        r"(?im)\bhost\s+(?P<a>[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+)\.?\s*\[|\b(?:remote host|host:)\s+(?P<b>[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+)|\bserver\s+(?P<c>[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+)\[|(?P<d>[a-z0-9][a-z0-9.-]*\.[a-z]{2,})\.?\s+\[[0-9a-f.:]+\]\s*(?:did not like|said)|while talking to (?P<e>[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+)\.?:|connected to (?P<f>[0-9a-f.:]+) but|^(?P<g>\d{1,3}(?:\.\d{1,3}){3}) (?:does not like|failed after|failed on)|\bby (?P<h>[a-z0-9][a-z0-9.-]*\.[a-z]{2,})\.?\s+\[[0-9a-f.:]+\]",
    );
    let c = r.captures(text)?;
    ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .find_map(|n| c.name(n))
        .map(|m| m.as_str().trim_end_matches('.').to_string())
}

/// The stage Gmail's older bounces name after the reply they quote, `(state 14).`: the
/// step of its outbound session that failed (6 MAIL, 8, 9 and 12 AUTH, 13 EHLO, 14 RCPT,
/// 15, 17 and 18 DATA), as Sisimai's Gmail reader (lib/Sisimai/Lhost/Gmail.pm) tabulates it
/// from Gmail's notices.
fn gmail_state(text: &str) -> Option<Stage> {
    let at = text.find("(state ")?;
    let rest = &text[at + "(state ".len()..];
    let digits = rest.split(')').next()?;
    Some(match digits.parse::<u8>().ok()? {
        6 => Stage::Mail,
        8 | 9 | 12 => Stage::Auth,
        13 => Stage::Helo,
        14 => Stage::Rcpt,
        15 | 17 | 18 => Stage::Data,
        _ => return None,
    })
}

/// The SMTP stage a bounce names around the reply.
pub fn stage_in(text: &str) -> Option<Stage> {
    // qmail-remote's own words name the command it sent: they lead over words in the reply.
    if let Some(stage) = crate::recognize::log::qmail_remote_stage(text) {
        return Some(stage);
    }
    if let Some(stage) = gmail_state(text) {
        return Some(stage);
    }
    static STAGE: OnceLock<Regex> = OnceLock::new();
    // Words each alternative holds; text without any skips compiling the pattern.
    let words = [
        "after",
        "in reply to",
        "did not like our",
        "while sending",
        "most progress was",
        "smtp:",
        "smtp command",
        "[rcpt_to]",
        "[mail_from]",
        "[data]",
        "sender was rejected",
        "(data)",
        "(rcpt to)",
        "(mail from)",
    ];
    if !super::scan::contains_any_ignore_case(text, &words) {
        return crate::recognize::log::explicit_stage_marker(text);
    }
    let r = re(
        &STAGE,
        r"(?i)(?:\bafter|\bin reply to|did not like our|while sending|most progress was|SMTP:|SMTP command\s*:?\s*)\s*(?:pipelined\s+)?(?P<s>final DATA|end of data|RCPT\b|RCPT TO|MAIL FROM|MAIL\b|DATA|HELO|EHLO|STARTTLS|AUTH|initial connection|connection|connect\b)|\[(?P<t>RCPT_TO|MAIL_FROM|DATA)\]|(?P<v>sender) was rejected|\((?P<u>DATA|RCPT TO|MAIL FROM)\)",
    );
    let Some(c) = r.captures(text) else {
        // The markers MTAs write in their own logs name the stage in a bounce too.
        return crate::recognize::log::explicit_stage_marker(text);
    };
    let word = c
        .name("s")
        .or(c.name("t"))
        .or(c.name("u"))
        .or(c.name("v"))?
        .as_str()
        .to_ascii_lowercase();
    Some(match word.as_str() {
        "final data" | "end of data" => Stage::EndOfData,
        "data" => Stage::Data,
        "mail from" | "mail" | "mail_from" | "sender" => Stage::Mail,
        "helo" | "ehlo" => Stage::Helo,
        "starttls" => Stage::Starttls,
        "auth" => Stage::Auth,
        // DragonFly Mail Agent names the greeting "connect" (net.c READ_REMOTE_CHECK).
        "initial connection" | "connection" | "connect" => Stage::Connect,
        _ => Stage::Rcpt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(d: &Diagnosis) -> String {
        d.code.map(|c| c.to_string()).unwrap_or_default()
    }

    #[test]
    fn an_expiry_takes_the_code_of_the_last_attempt_it_quotes() {
        let transient = Class::Transient;
        // Amazon WorkMail: the last reply in angle brackets.
        let workmail = "554 4.4.7 Message expired: unable to deliver in 840 minutes.\
                        <421 4.4.2 Connection timed out>";
        assert_eq!(cause_of_expiry([workmail], transient).to_string(), "4.4.2");
        // Exchange: the field says only QUEUE.Expired; the text part quotes the last reply.
        let field = "550 4.4.7 QUEUE.Expired; message expired";
        let text = "Remote Server at mx.example.net (192.0.2.9) returned '550 4.4.7 QUEUE.Expired; \
                    message expired'\nRemote Server returned '441 4.4.1 Error encountered while \
                    communicating with primary target IP address'";
        assert_eq!(
            cause_of_expiry([field, text], transient).to_string(),
            "4.4.1"
        );
        // Nothing more precise quoted (a 4.0.0 is not): the expiry itself.
        let bare = "550 4.4.7 QUEUE.Expired; message expired 4.0.0";
        assert_eq!(cause_of_expiry([bare], transient).to_string(), "4.4.7");
        // A code of the other class is another story, not this failure's cause.
        let other = "5.4.7 retry timeout exceeded; earlier 421 4.4.2 timeout";
        assert_eq!(
            cause_of_expiry([other], Class::Permanent).to_string(),
            "5.4.7"
        );
    }

    #[test]
    fn flattened_multi_line_diagnostic() {
        let (d, words) = diagnostic_code(
            "smtp; 550-5.1.1 The email account that you tried to reach does not exist. 550-5.1.1 Please try 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser x - gsmtp",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.1.1".into()));
        assert_eq!(
            words,
            "The email account that you tried to reach does not exist. Please try https://support.google.com/mail/?p=NoSuchUser x - gsmtp"
        );
    }

    #[test]
    fn diagnostic_without_reply() {
        let (d, words) = diagnostic_code(
            "X-Postfix; connect to mx.example.org[192.0.2.1]:25: Connection refused",
        );
        assert_eq!((d.basic, d.code), (None, None));
        assert_eq!(
            words,
            "connect to mx.example.org[192.0.2.1]:25: Connection refused"
        );
        assert_eq!(d.stage, Some(Stage::Connect));
    }

    #[test]
    fn exim_wrapped_reply_with_host_and_stage() {
        let d = diagnose(
            "  kijitora@example.com\n    host mx.example.com [192.0.2.2]\n    SMTP error from remote mail server after end of data:\n    550 5.2.0 <s@example.org> From:\n    Domain is invalid.\n\n",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.2.0".into()));
        assert_eq!(
            d.reply_text.as_deref(),
            Some("<s@example.org> From: Domain is invalid.")
        );
        assert_eq!(d.host.as_deref(), Some("mx.example.com"));
        assert_eq!(d.stage, Some(Stage::EndOfData));
    }

    #[test]
    fn qmail_code_apart_from_reply() {
        let d = diagnose(
            "<k@example.jp>:\nSorry, no SMTP connection got far enough; most progress was RCPT TO response; remote host 192.0.2.32 said: 550 Unknown user k@example.jp\n. (#5.5.0)\n(Other MXes tried: 192.0.2.40 said 550 for RCPT TO response.)",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.5.0".into()));
        assert_eq!(d.reply_text.as_deref(), Some("Unknown user k@example.jp"));
        assert_eq!(d.host.as_deref(), Some("192.0.2.32"));
        assert_eq!(d.stage, Some(Stage::Rcpt));
    }

    #[test]
    fn gmails_state_names_the_stage() {
        let said =
            "The error that the other server returned was: 550 550 Address unknown (state 14).";
        assert_eq!(stage_in(said), Some(Stage::Rcpt));
        assert_eq!(
            stage_in("554 554 Error: no valid recipients (state 15)."),
            Some(Stage::Data)
        );
        assert_eq!(stage_in("in a (state 99) of confusion"), None);
    }

    /// qmail-remote writes the command that failed in its own words before the reply
    /// (qmail-remote.c: "does not like recipient.", "failed on DATA command", ...).
    #[test]
    fn qmail_remote_names_the_stage() {
        for (text, stage) in [
            (
                "<bob@example.org>:\n192.0.2.25 does not like recipient.\nRemote host said: 550 Requested action not taken: mailbox unavailable\nGiving up on 192.0.2.25.",
                Stage::Rcpt,
            ),
            (
                "<bob@example.org>:\n192.0.2.25 failed on DATA command\nRemote host said: 554 Transaction failed\nGiving up on 192.0.2.25.",
                Stage::Data,
            ),
            (
                "<bob@example.org>:\n192.0.2.25 failed after I sent the message.\nRemote host said: 554 5.7.1 Message rejected\nGiving up on 192.0.2.25.",
                Stage::EndOfData,
            ),
            (
                "<bob@example.org>:\nConnected to 192.0.2.25 but sender was rejected.\nRemote host said: 553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\nGiving up on 192.0.2.25.",
                Stage::Mail,
            ),
            (
                "<bob@example.org>:\nConnected to 192.0.2.25 but greeting failed.\nRemote host said: 554 No SMTP service here\nGiving up on 192.0.2.25.",
                Stage::Connect,
            ),
            (
                "<bob@example.org>:\nConnected to 192.0.2.25 but my name was rejected.\nRemote host said: 550 Bad HELO\nGiving up on 192.0.2.25.",
                Stage::Helo,
            ),
        ] {
            assert_eq!(diagnose(text).stage, Some(stage), "{text}");
            assert_eq!(diagnose(text).host.as_deref(), Some("192.0.2.25"), "{text}");
        }
    }

    /// DragonFly Mail Agent names each command it sent (net.c READ_REMOTE_CHECK): "connect"
    /// for the greeting, then "EHLO", "MAIL FROM", "RCPT TO", "DATA", "final DATA".
    #[test]
    fn dragonfly_names_the_command_it_sent() {
        for (said, stage) in [
            ("connect", Stage::Connect),
            ("EHLO", Stage::Helo),
            ("MAIL FROM", Stage::Mail),
            ("RCPT TO", Stage::Rcpt),
            ("DATA", Stage::Data),
            ("final DATA", Stage::EndOfData),
        ] {
            let text = format!(
                "mx.example.net [192.0.2.25] did not like our {said}:\n554 5.7.1 mx.example.net not accepting messages\n\nMessage headers follow."
            );
            assert_eq!(diagnose(&text).stage, Some(stage), "{text}");
        }
    }

    /// Sendmail 8.17 keeps the first line of a multi-line reply in `Diagnostic-Code` and the
    /// whole reply in its transcript.
    #[test]
    fn a_cut_diagnostic_reads_the_whole_reply_from_the_transcript() {
        let transcript = "   ----- Transcript of session follows -----\n... while talking to mx.example.net.:\n>>> DATA\n<<< 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely\n<<< 550-5.7.1 suspicious due to the very low reputation of the sending IP address.\n<<< 550 5.7.1 Please visit https://support.google.com/mail/answer/188131 - gsmtp\n550 5.7.1 <a@example.net>... Service unavailable\n";
        let value =
            "SMTP; 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely";
        let whole = whole_reply(value, transcript).unwrap();
        assert_eq!((whole.basic, code(&whole)), (Some(550), "5.7.1".into()));
        let words = whole.reply_text.unwrap();
        assert!(words.contains("very low reputation"), "{words}");
        assert!(
            !words.contains("<<<") && !words.contains("Service unavailable"),
            "{words}"
        );
        // A finished reply, or one the text does not quote, is left as it is.
        assert!(whole_reply("smtp; 550 5.1.1 No such user", transcript).is_none());
        assert!(whole_reply("smtp; 550-5.1.1 Gone", transcript).is_none());
    }

    #[test]
    fn multi_line_reply_in_text() {
        let d = diagnose(
            "x [192.0.2.27] did not like our final DATA:\n550-5.7.26 Unauthenticated email is not accepted due to domain's\n550-5.7.26 DMARC policy.\n550 5.7.26  https://support.google.com/mail/?p=DmarcRejection - gsmtp\n\nMessage headers follow.",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.7.26".into()));
        assert_eq!(
            d.reply_text.as_deref(),
            Some(
                "Unauthenticated email is not accepted due to domain's DMARC policy. https://support.google.com/mail/?p=DmarcRejection - gsmtp"
            )
        );
        assert_eq!(d.stage, Some(Stage::EndOfData));
    }

    #[test]
    fn quoted_and_transcript_replies() {
        let d = diagnose(
            "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.1.10".into()));
        assert_eq!(
            d.reply_text.as_deref(),
            Some("RESOLVER.ADR.RecipientNotFound; not found")
        );
        let d =
            diagnose("... while talking to mx.example.jp.:\n>>> DATA\n<<< 550 5.7.1 Rejected\n");
        assert_eq!(
            (d.stage, d.host.as_deref()),
            (Some(Stage::Data), Some("mx.example.jp"))
        );
        let d = diagnose(
            "k@example.co.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <k@example.co.jp>... User Unknown",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.1.1".into()));
        let (d, words) = diagnostic_code(
            "smtp; 5.1.0 - Unknown address error 550-'5.2.2 <k@example.jp>... Mailbox Full' (delivery attempts: 0)",
        );
        assert_eq!((d.basic, code(&d)), (Some(550), "5.2.2".into()));
        assert_eq!(words, "<k@example.jp>... Mailbox Full");
        // A quoted address after the code is the start of the text, not a quoted reply.
        let (_, words) =
            diagnostic_code("smtp;  550 'k@example.com' is not a\n registered gateway user");
        assert_eq!(words, "'k@example.com' is not a registered gateway user");
        let d = diagnose("k@example.jp Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.");
        assert_eq!((d.basic, d.code), (Some(421), None));
    }

    #[test]
    fn reply_opening_with_a_server_tag() {
        let d = diagnose(
            "<a@example.org>: host mx.example.org[192.0.2.1] said: 554 30 Sorry, your message to a@example.org cannot be delivered. This mailbox is disabled (554.30).",
        );
        assert_eq!((d.basic, d.code), (Some(554), None));
        let d = diagnose("host mx.example.org said: 550 2f1c655f-a1f55 User not found");
        assert_eq!(d.basic, Some(550));
        assert_eq!(reply_in_line("said: 550 12 34"), None);
    }

    #[test]
    fn transcript_reads_the_failing_reply() {
        // MDaemon's session transcript: greeting and earlier replies first.
        let d = diagnose(
            " 220 mx.example.org ESMTP MDaemon 3.5.2 ready\n EHLO relay.example.com\n 250-mx.example.org Hello\n 250 SIZE 40000000\n MAIL From:<s@example.com> SIZE=1861\n 250 <s@example.com>, Sender ok\n RCPT To:<a@example.org>\n 552 Message for <a@example.org> would exceed mailbox quota\n QUIT\n",
        );
        assert_eq!((d.basic, d.stage), (Some(552), Some(Stage::Rcpt)));
        let (d, _) = diagnostic_code("smtp; 250 2.0.0 OK queued");
        assert_eq!(d.basic, Some(250));
    }

    #[test]
    fn a_sendmail_transcript_after_the_summary_names_the_refused_command() {
        // The 550 answered RCPT; DATA's 503 only follows from it.
        let d = diagnose(
            "<a@example.org>\n    (reason: 550 Unknown user a@example.org)\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n>>> RCPT To:<a@example.org>\n<<< 550 Unknown user a@example.org\n550 5.1.1 <a@example.org>... User unknown\n>>> DATA\n<<< 503 Bad sequence of commands\n",
        );
        assert_eq!((d.basic, d.stage), (Some(550), Some(Stage::Rcpt)));
        let d = diagnose(
            "<a@example.org>\n    (reason: 550 Unknown user a@example.org)\n\n... while talking to mx.example.org.:\n>>> DATA\n<<< 550 Unknown user a@example.org\n554 5.0.0 Service unavailable\n",
        );
        assert_eq!(d.stage, Some(Stage::Data));
        // No refusal quoted: the last command sent.
        let d = diagnose(
            "(reason: 550 Refused)\n>>> MAIL From:<s@example.com>\n<<< 250 OK\n>>> RCPT To:<a@example.org>\n",
        );
        assert_eq!(d.stage, Some(Stage::Rcpt));
        // A refusal before any command: the greeting.
        let d = diagnose(
            "<a@example.org>\n    (reason: 554 mx.example.org not accepting messages)\n\n... while talking to mx.example.org.:\n<<< 554 mx.example.org not accepting messages\n554 5.0.0 Service unavailable\n",
        );
        assert_eq!((d.basic, d.stage), (Some(554), Some(Stage::Connect)));
    }

    #[test]
    fn quoted_headers_hold_no_status() {
        let d = diagnose(
            "  To:      list@example.org\n  Subject: [Announce] RELEASED Mailman 2.0.12\nX-Mailman-Version: 2.0.5\na@example.org on Thu, 11 Jul 2002 16:54:54 -0300\n    The recipient name is not recognized",
        );
        assert_eq!((d.basic, d.code), (None, None));
    }

    #[test]
    fn numbers_that_are_not_replies() {
        assert_eq!(reply_in_line("waited 450 seconds"), None);
        assert_eq!(
            reply_in_line("192.0.2.32 said 550 for RCPT TO response"),
            None
        );
        assert_eq!(reply_in_line("Thu, 29 Apr 2013 23:45:22 +0900"), None);
        assert!(reply_in_line("  550 5.1.1 unknown").is_some());
    }
}
