//! Plain-text bounces (qmail, Exim, Postfix without DSN, Sendmail transcripts, Exchange,
//! Gmail, Yahoo, Courier, OpenSMTPD, ...): where the failure part ends, which addresses
//! failed, and which lines speak about each.

use super::diag::re;
use super::scan::{self, address_matches};
use regex_lite::Regex;
use std::sync::OnceLock;

/// Every address in `text`, in order.
pub fn addresses(text: &str) -> impl Iterator<Item = &str> {
    address_matches(text).map(|(_, a)| a.trim_end_matches(['.', '-']))
}

/// The address fields in the header block of a forwarded message the text quotes
/// (`---------- Forwarded message ---------` in Gmail, `-------- Forwarded Message --------`
/// in Thunderbird, `Begin forwarded message:` in Apple Mail), as (field name, address).
/// When someone forwards a bounce, its `From:` is the mail system and its `To:` the sender,
/// never a failed recipient.
pub fn forwarded_header_addresses(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim().trim_matches(['-', ' ']).to_ascii_lowercase();
        if t != "forwarded message" && t != "begin forwarded message:" {
            continue;
        }
        for field in lines.by_ref().take(12) {
            let Some((name, value)) = field.split_once(':') else {
                break;
            };
            let name = name.trim();
            if name.contains(' ') {
                break;
            }
            if ["from", "to", "cc", "reply-to"]
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f))
            {
                found.extend(addresses(value).map(|a| (name, a)));
            }
        }
    }
    found
}

/// Where the bounce's own words end and the quoted original message begins: a separator
/// line naming the copy (`------ This is a copy of the message`, `--- Below this line is a
/// copy of the message.`, `----- Original message -----`, `Original message follows.`),
/// or the first header line of a message quoted without one.
pub fn original_starts(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    // A MIME part the parser could not split, holding the original message.
    let attached = t
        .get(..13)
        .is_some_and(|h| h.eq_ignore_ascii_case("content-type:"))
        && ["message/rfc822", "text/rfc822-headers"]
            .iter()
            .any(|k| t[13..].trim_start().to_ascii_lowercase().starts_with(k));
    // `>` when the bounce quotes the original like a reply (LLNL's, MDaemon's).
    scan::is_copy_separator(t)
        || scan::is_copy_sentence(t)
        || scan::starts_quoted_original_header(line)
        || attached
}

/// The lines before the quoted original.
pub fn before_original(text: &str) -> (&str, bool) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if original_starts(line.trim_end_matches(['\r', '\n'])) {
            return (&text[..offset], true);
        }
        offset += line.len();
    }
    (text, false)
}

/// The address a line presents as a failed recipient, if it does: alone on the line
/// (`  a@example.org`, `<a@example.org>:`), first on it (`<a@example.org>: host ...
/// said`, `a@example.org: 550 ...`), or after words that introduce one (`delivering your
/// mail to <a@...>`, `Recipient address: a@...`, `RCPT TO:<a@...>`, `554 <a@...>...`).
/// A success reply's address (`250 <s@...>, Sender ok` in a transcript) was accepted.
pub fn recipient_on_line<'a>(line: &'a str, excluded: &dyn Fn(&str) -> bool) -> Option<&'a str> {
    static LEAD: OnceLock<Regex> = OnceLock::new();
    let lead = || {
        re(
            &LEAD,
            r#"(?i)(?:^[\s*•+>-]*(?:[45]\d{2}\s+|\d{1,2}[.)]\s+|recipient:?\s*)?|(?:\bto|\brcpt(?: to)?|recipients?|address(?:es)?|\buser(?:id)?|\bmailbox|\berrors|\bfailed|rfc822;|account|destinations?)\s*:?\s*)[<"'(\[]*\s*$"#,
        )
    };
    let bytes_excluded_prefix = |prefix: &str| {
        let p = prefix.to_ascii_lowercase();
        p.contains("from") && !p.contains("rcpt") || p.contains("sender") || p.contains("reply-to")
    };
    if is_header_line(line) {
        return None;
    }
    for (start, m) in address_matches(line) {
        let addr = m.trim_end_matches(['.', '-']);
        if excluded(addr) {
            continue;
        }
        let prefix = &line[..start];
        let leads = bare_lead(prefix) || lead().is_match(prefix);
        if leads && !bytes_excluded_prefix(prefix) && !is_help_address(prefix) {
            return Some(addr);
        }
    }
    None
}

/// A prefix that `LEAD` in [`recipient_on_line`] matches with its first alternative and no
/// words (bullets, quotes, white space: `<a@x>:`, `  * a@x`), read without compiling it.
fn bare_lead(prefix: &str) -> bool {
    let rest = prefix.trim_start_matches(|c: char| {
        c.is_ascii() && scan::is_space(c as u8) || matches!(c, '*' | '•' | '+' | '>' | '-')
    });
    let rest = rest.trim_start_matches(['<', '"', '\'', '(', '[']);
    rest.bytes().all(scan::is_space)
}

/// A header field quoted in the bounce's text (`Subject: ...`, `  To:  list@example.org`,
/// `>Received: from ...`, `X-Mailman-Version: 2.0.5`): the original message's, or Exchange's
/// "Your message / To: / Subject: / Sent:" summary. Never a failed recipient, never a status.
pub fn is_header_line(line: &str) -> bool {
    // Some MTAs report a rejection as `From: <sender> RCPT: <recipient> ...`: not a header.
    let reports_rcpt = line.contains(" RCPT: ") || line.contains(" RCPT TO:");
    !reports_rcpt && scan::starts_with_header_field(line)
}

/// An address the bounce names for help, not as a failed recipient: Postfix's "For further
/// assistance, please contact <postmaster@...>", "Please contact Postmaster@... if you
/// have any questions", "send mail to <postmaster@...>", GWAVA's "Any help or comment
/// please send to sysadmin@...".
fn is_help_address(prefix: &str) -> bool {
    static HELP: OnceLock<Regex> = OnceLock::new();
    // Words every alternative holds: most prefixes have none, and skip the pattern.
    let words = [
        "contact",
        "assistance",
        "questions",
        "send ",
        "write to",
        "forward ",
    ];
    scan::contains_any_ignore_case(prefix, &words)
        && re(
        &HELP,
        r"(?i)\b(?:contact|assistance|questions|send (?:e-?)?mail to|please send to|write to|forward (?:it|this(?: message)?) to)\b[^.;]*$",
    )
    .is_match(prefix)
}

/// The addresses the text names that may be failed recipients, in order: not in a quoted
/// header field, not a help address, not the sender, not excluded.
pub fn named_addresses<'a>(
    text: &'a str,
    excluded: &'a dyn Fn(&str) -> bool,
) -> impl Iterator<Item = &'a str> + 'a {
    text.lines()
        .filter(|l| !is_header_line(l))
        .flat_map(move |line| {
            address_matches(line).filter_map(move |(start, m)| {
                let addr = m.trim_end_matches(['.', '-']);
                let prefix = &line[..start];
                let other_role = is_help_address(prefix) || names_sender(prefix);
                (!excluded(addr) && !other_role).then_some(addr)
            })
        })
}

/// The envelope recipient a `Received:` field names (`... for <a@example.org>; date`).
pub fn received_for(value: &str) -> Option<&str> {
    static FOR: OnceLock<Regex> = OnceLock::new();
    let r = re(&FOR, r"(?i)\bfor\s+<?([^<>\s;]+@[^<>\s;]+?)>?\s*(?:;|$)");
    r.captures(value)?.get(1).map(|m| m.as_str())
}

/// Names listed without a domain under "Your mail to the following recipients could not
/// be delivered ...:" (AOL's screen names, one per indented line).
pub fn listed_screen_names(text: &str) -> Vec<&str> {
    static INTRO: OnceLock<Regex> = OnceLock::new();
    static NAME: OnceLock<Regex> = OnceLock::new();
    let intro = re(&INTRO, r"(?i)\bthe following recipients?\b");
    let name = re(&NAME, r"(?i)^\s+([a-z0-9][a-z0-9._+-]{0,63})\s*$");
    let mut names = Vec::new();
    // The sentence may wrap: the list starts after the line that ends it with a colon.
    let mut introduced = false;
    let mut listing = false;
    for line in text.lines() {
        introduced |= intro.is_match(line);
        if introduced && !listing && line.trim_end().ends_with(':') {
            listing = true;
            continue;
        }
        match name.captures(line) {
            Some(c) if listing && names.len() < MAX_RECIPIENTS => {
                names.extend(c.get(1).map(|m| m.as_str()));
            }
            _ if line.trim().is_empty() && names.is_empty() => {}
            _ => listing = false,
        }
    }
    names
}

/// The addresses the text offers for help (`please contact <postmaster@...>`).
pub fn help_addresses(text: &str) -> impl Iterator<Item = &str> {
    address_matches(text)
        .filter(|&(start, _)| {
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            is_help_address(&text[line_start..start])
        })
        .map(|(_, m)| m.trim_end_matches(['.', '-']))
}

/// The sender a bounce names: "not accepting mail from <s@example.org>" (AOL),
/// "messages from s@example.org", or the reader it greets ("Sorry s@example.org. Your mail
/// to the following recipients ...", "Dear s@example.org,"): a notice is written to the
/// sender.
fn names_sender(prefix: &str) -> bool {
    static SENDER: OnceLock<Regex> = OnceLock::new();
    static GREETING: OnceLock<Regex> = OnceLock::new();
    scan::contains_any_ignore_case(prefix, &["from"])
        && re(&SENDER, r#"(?i)\bfrom:?\s*[<"']*\s*$"#).is_match(prefix)
        || re(
            &GREETING,
            r#"(?i)^\s*(?:sorry|dear|hello|hi)[\s,]*[<"']*\s*$"#,
        )
        .is_match(prefix)
}

/// The lines about one failed recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub recipient: String,
    pub lines: Vec<String>,
}

impl Block {
    /// What the lines say, without the line that only names the address.
    pub fn words(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            let t = line.trim();
            let rest = strip_address_lead(t, &self.recipient);
            if rest.is_empty() || is_rule(rest) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(rest);
        }
        crate::recognize::fold_whitespace(&out)
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// `<a@x>: text` → `text`; `a@x` → ``; other lines unchanged.
fn strip_address_lead<'a>(line: &'a str, addr: &str) -> &'a str {
    let t = line.trim_start_matches(['*', '-', '>', ' ', '\t', '•']);
    let t = t.trim_start_matches(['<', '"']);
    let lower_t = t.get(..addr.len()).map(str::to_ascii_lowercase);
    if lower_t.as_deref() == Some(addr.to_ascii_lowercase().as_str()) {
        t[addr.len()..].trim_start_matches(['>', '"', ':', ' ', '\t', ','])
    } else {
        line
    }
}

fn is_rule(t: &str) -> bool {
    t.chars()
        .all(|c| matches!(c, '-' | '=' | '*' | '_' | '|' | ' '))
}

/// Most recipients read from one message: a bounce lists a handful; bounding them keeps a
/// hostile message from making the lookups quadratic.
pub const MAX_RECIPIENTS: usize = 1000;

/// The failure text split into per-recipient blocks, and the lines before the first.
pub fn blocks(text: &str, excluded: &dyn Fn(&str) -> bool) -> (String, Vec<Block>) {
    let mut preamble = String::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut by_address: std::collections::HashMap<String, usize> = Default::default();
    let mut current: Option<usize> = None;
    let mut previous = "";
    for line in text.lines() {
        // Exim names a sender other than the reader on a line of its own, after "A message
        // sent by" (its bounce template): the address is the sender's.
        let introduces_sender = previous
            .trim_end()
            .to_ascii_lowercase()
            .ends_with("sent by");
        if !line.trim().is_empty() {
            previous = line;
        }
        if let Some(addr) = recipient_on_line(line, excluded).filter(|_| !introduces_sender) {
            let idx: Option<usize> = match by_address.get(&addr.to_ascii_lowercase()) {
                Some(&i) => Some(i),
                None if blocks.len() >= MAX_RECIPIENTS => None,
                None => {
                    by_address.insert(addr.to_ascii_lowercase(), blocks.len());
                    blocks.push(Block {
                        recipient: addr.to_string(),
                        lines: Vec::new(),
                    });
                    Some(blocks.len() - 1)
                }
            };
            // Past the limit, a new address's lines are dropped rather than misfiled.
            current = idx;
        }
        match current {
            Some(i) if blocks[i].lines.len() < 200 => blocks[i].lines.push(line.to_string()),
            Some(_) => {}
            None if preamble.len() < 16 * 1024 => {
                preamble.push_str(line);
                preamble.push('\n');
            }
            None => {}
        }
    }
    (preamble, blocks)
}

/// Whether pasted text, without mail headers, is the body of a bounce: a mail system's
/// preamble among its first lines, or a Postfix-style `<addr>: host X said:` block. Single
/// replies, log lines and free text never match, so they keep being read line by line.
pub fn looks_like_bounce_body(text: &str) -> bool {
    static PREAMBLE: OnceLock<Regex> = OnceLock::new();
    let preamble = re(
        &PREAMBLE,
        concat!(
            r"(?im)",
            // Postfix
            r"^\s*this is the mail system at host\b",
            r"|^<[^<>\s]+@[^<>\s]+>(?: \(expanded from <[^<>]*>\))?: (?:host \S|connect to |conversation with |delivery temporarily suspended|domain \S+ does not accept)",
            // qmail
            r"|^\s*hi\. this is the qmail-send program",
            // Exim
            r"|this message was created automatically by mail delivery software",
            // Sendmail
            r"|^\s*-+ ?(?:the following addresses had (?:permanent fatal|transient non-fatal) errors|transcript of session follows)",
            // Exchange Server and Exchange Online
            r"|^\s*delivery has failed to these recipients or groups",
            r"|^\s*your message to \S+@\S+ couldn't be delivered",
            r"|\brejected your message to the following e-?mail addresses",
            r"|^\s*your message did not reach some or all of the intended recipients",
            r"|^\s*(?:the following recipient\(s\)|your message) could not be delivered",
            // Gmail
            r"|^\s*\*\* (?:address not found|delivery incomplete|message not delivered|message blocked|delivery status notification) \*\*",
            r"|^\s*delivery to the following recipients? (?:failed|has been delayed)",
            // Yahoo, AOL
            r"|^\s*sorry, we were unable to deliver your message to the following address",
            // Symantec Email Security.cloud (MessageLabs) and other gateways
            r"|^\s*this is the mail delivery agent at\b",
            r"|\bi was unable to deliver your message to the following addresses",
            r"|your message could not be delivered to one or more recipients",
            r"|message could not\s+be delivered to one or more recipients",
        ),
    );
    let head = &text[..text.floor_char_boundary(text.len().min(8 * 1024))];
    preamble.is_match(head) || reads_as_failure_notice(head)
}

/// A notice in any MTA's words: more than one line, an address, and the words every
/// failure or delay notice uses for what happened ("could not be delivered", "The following
/// address(es) failed", "Undeliverable", "Delivery to the following recipient has been
/// delayed"). Exim, Sendmail, qmail, Domino, Exchange and the mail gateways word their
/// opening lines differently but say this; a single reply or a log line says none of it
/// (RFC 3464 §1: the human-readable part "explains" the failure to a person).
fn reads_as_failure_notice(head: &str) -> bool {
    static WORDS: OnceLock<Regex> = OnceLock::new();
    let words = re_across_lines(
        &WORDS,
        concat!(
            r"(?i)\b(?:could ?n[o']t|cannot|can't|unable to|was ?n[o']t able to|failed to) (?:be )?deliver",
            r"|\b(?:was ?n[o']t|not been|not be|were not|never) delivered",
            r"|\bundeliver(?:able|ed)\b|\bnon-?delivery\b|\breturned mail\b",
            r"|\bdelivery (?:has |have )?(?:failed|failure|problems?|errors?|status notification)",
            r"|\bfailed permanently|\bpermanent (?:fatal )?errors?\b|\bmail delivery (?:failed|failure|system|subsystem)",
            r"|\bthe following (?:address(?:es|\(es\))?|recipients?|users?)(?:\(s\))? (?:had |has |have )?(?:failed|errors|delivery|permanent|transient|could|was|were|did)",
            r"|\bdid not reach\b|\brejected your message\b|\bmessage (?:was |has been )?(?:rejected|bounced|returned)\b",
            r"|\bdelivery (?:to the following|(?:has been |is )?delayed)|\bnot yet been delivered",
            r"|\b(?:error|problem|failure)s?\b[^.\n]{0,40}\bdeliver(?:ing|y)?\b",
            // The original returned below the notice, as a bounce returns it (RFC 3461 §6.2).
            r"|\b(?:original message|returned message|message headers?) (?:follows?|below|(?:is|are) attached)",
            r"|\bcopy of the (?:original )?message\b|-{3,} ?returned message ?-{3,}",
        ),
    );
    let notice = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .nth(1)
        .is_some()
        && words.is_match(head)
        && address_matches(head).next().is_some();
    notice || has_report_structure(head)
}

/// The machine-readable parts a mail client shows below a notice's words: a recipient's
/// delivery-status fields (RFC 3464 §2.3: `Final-Recipient` with its `Action` or `Status`),
/// a session transcript that refused a recipient (Sendmail's `>>> RCPT To:<a@b>` /
/// `<<< 550 ...`, InterScan's `Sent <<< RCPT TO:` / `Received >>> 550`), or an Amazon SES
/// notification's JSON.
fn has_report_structure(head: &str) -> bool {
    static FIELDS: OnceLock<Regex> = OnceLock::new();
    static TRANSCRIPT: OnceLock<Regex> = OnceLock::new();
    let fields = re(
        &FIELDS,
        r"(?ims)^[ \t]*final-recipient[ \t]*:.*^[ \t]*(?:action|status)[ \t]*:|^[ \t]*(?:action|status)[ \t]*:.*^[ \t]*final-recipient[ \t]*:",
    );
    let transcript = re(
        &TRANSCRIPT,
        r"(?ims)\brcpt to: ?<[^<>\s]+@[^<>\s]+>.*^[^\n0-9]{0,24}\b[45][0-9][0-9][ -]",
    );
    // An SNS envelope holds the notification as a string, its quotes escaped.
    let ses = (head.contains("notificationType") || head.contains("eventType"))
        && head.contains("Recipients");
    fields.is_match(head) || transcript.is_match(head) || ses
}

/// Postfix wraps each `<addr>: host X said: reply` paragraph onto indented lines (and a
/// mail client may wrap a pasted one further): joins the paragraph back into one line so
/// the reply keeps its code and words (`said: 450` / `    4.2.1 <addr>: ...`).
pub fn unwrap_address_paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut joining = false;
    for line in text.lines() {
        let continues = line.starts_with([' ', '\t']) && !line.trim().is_empty();
        if joining && continues {
            out.pop();
            out.push(' ');
            out.push_str(line.trim());
            out.push('\n');
            continue;
        }
        joining = scan::opens_address_paragraph(line);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Whether the failure text reports a delay (a warning) rather than a final failure.
pub fn is_delay_notice(subject: &str, text: &str) -> bool {
    static DELAY: OnceLock<Regex> = OnceLock::new();
    let r = re_across_lines(
        &DELAY,
        // Gmail: "Delivery incomplete", "There was a temporary problem delivering your
        // message ... Gmail will retry for 46 more hours"; old Sendmail/Exchange servers:
        // "delivery ... has been postponed"; OpenSMTPD: "A message is delayed for more than
        // 4 hours ... only a temporary failure report" under "Delivery status notification:
        // delayed"; Exchange: "Delivery Status Notification (Delay)".
        r"(?i)temporary problem delivering|\*\* delivery incomplete|will retry (?:for|until)|\bpostponed\b|has not yet been delivered|have not yet been delivered|not been delivered yet|\bdelivery (?:has been |is )?delayed|\bhas been delayed|warning message only|will (?:be retried|continue to (?:try|attempt))|will keep trying|still trying to deliver|delivery attempts will continue|\bdelayed mail\b|message delayed|\bmessage is delayed\b|temporary failure report|notification: delayed|notification \(delay\)",
    );
    r.is_match(subject) || r.is_match(text)
}

/// Words saying the sending MTA returned the message because retrying a temporary failure
/// ran out of time: Exim's retry.c "retry timeout exceeded" and smtp.c "retry time not
/// reached for any host after a long failure period", "all hosts have been failing for a
/// long time". Exim bounces on them only after temporary errors (its retry rules apply to
/// nothing else), so the failure the words name ("mailbox is full: retry timeout
/// exceeded") was a temporary one.
pub fn says_retries_ran_out(text: &str) -> bool {
    static RAN_OUT: OnceLock<Regex> = OnceLock::new();
    let words = ["retry time", "failing for a long time"];
    scan::contains_any_ignore_case(text, &words)
        && re_across_lines(
            &RAN_OUT,
            r"(?i)\bretry timeout exceeded|\bretry time not reached for any host after a long failure period|\ball hosts have been failing for a long time",
        )
        .is_match(text)
}

/// Words of a challenge-response notice: the sender must prove to be a person before the
/// message is delivered.
pub fn asks_sender_to_verify(text: &str) -> bool {
    static CHALLENGE: OnceLock<Regex> = OnceLock::new();
    // A word of each alternative that no line break splits: text without any of them
    // skips compiling and running the pattern.
    let words = [
        "approved",
        "list",
        "human",
        "real",
        "spammer",
        "robot",
        "verify",
        "confirm",
        "challenge",
        "awaiting",
    ];
    scan::contains_any_ignore_case(text, &words)
        && re_across_lines(
        &CHALLENGE,
        r"(?i)sender not pre-?approved|not on (?:my|the recipient's) (?:guest|approved senders?) list|(?:verify|prove) (?:that )?you(?: are|'re) (?:a )?(?:human|real person|not a (?:spammer|robot))|please (?:verify|confirm) (?:your (?:e-?mail|address|message|identity)|that you sent)|(?:add|added) (?:yourself )?to (?:my|the recipient's) (?:guest list|approved senders?|whitelist)|challenge[- ]response|awaiting (?:your )?sender (?:verification|confirmation)",
    )
    .is_match(text)
}

/// `re`, for a pattern of phrases that a wrapped text may break across lines: each space
/// matches any run of white space (`could not\nbe delivered`), ` ?` any or none.
fn re_across_lines(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        let spanning = pattern.replace(" ?", r"\s*").replace(' ', r"\s+");
        Regex::new(&spanning).unwrap_or_else(|e| unreachable!("static regex: {e}"))
    })
}

/// Words of a mailing-list manager refusing a post from someone not on the list: fml
/// ("You are not a member of this mailing list"), Mailman ("Post by non-member to a
/// members-only list", "You are not allowed to post to this mailing list"), ezmlm/Majordomo
/// ("only subscribers may post"). The post failed as surely as a bounced one.
fn refuses_a_post(text: &str) -> bool {
    static REFUSAL: OnceLock<Regex> = OnceLock::new();
    let words = ["member", "post"];
    scan::contains_any_ignore_case(text, &words)
        && re_across_lines(
            &REFUSAL,
            r"(?i)\bnot a member of (?:this|the) (?:mailing )?list|\bpost by non-?member|\bnot allowed to post to (?:this|the) (?:mailing )?list|\bonly (?:subscribers|members) (?:may|can|are allowed to) post|\bmembers-only (?:mailing )?list",
        )
        .is_match(text)
}

/// The line of a list manager's notice that refuses the post, and the list address it
/// names there (fml: `You are not a member of this mailing list <list@example.org>.`).
/// Only the notice's opening lines count: a list post that quotes such words further down
/// is no refusal.
pub fn post_refusal(text: &str) -> Option<(&str, Option<&str>)> {
    let opening = text.lines().filter(|l| !l.trim().is_empty()).take(8);
    let line = opening.into_iter().find(|l| refuses_a_post(l))?;
    Some((line.trim(), addresses(line).next()))
}

/// Words that say a message is a bounce (as opposed to an auto-reply quoting a code).
pub fn says_undeliverable(text: &str) -> bool {
    static BOUNCE: OnceLock<Regex> = OnceLock::new();
    let r = re_across_lines(
        &BOUNCE,
        r"(?i)undeliver|undelivered|could not be delivered|problem delivering|has been postponed|\*\* delivery incomplete|couldn't be delivered|can ?not be delivered|was not delivered|not be delivered|delivery (?:status notification|failure|failed|has failed|problem|to the following)|failed permanently|permanent(?:ly)? (?:error|fatal)|unable to deliver|wasn't able to deliver|not able to deliver|returned mail|returning message|mail delivery (?:failed|system|subsystem|software)|failure notice|did not reach|error delivering|rejected by|delivery error|non-?delivery|mailer-daemon|undeliverable|failed addresses|mail failed|return(?:ed|ing) (?:mail )?to sender|could(?: not|n't) deliver|can(?:not|'t) deliver|not delivered|delivery (?:notification|report)",
    );
    r.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn a_list_managers_refusal_names_the_list() {
        let fml = "You are not a member of this mailing list <cats@example.org>.\n\nIf you know the general guide of this list, please send mail with\nthe mail body\n\n\tguide\n";
        assert_eq!(
            post_refusal(fml),
            Some((
                "You are not a member of this mailing list <cats@example.org>.",
                Some("cats@example.org")
            ))
        );
        let mailman = "You are not allowed to post to this mailing list, and your message has\nbeen automatically rejected.";
        assert!(post_refusal(mailman).is_some_and(|(_, list)| list.is_none()));
        // A post that mentions the rule far down is no refusal.
        let post = format!(
            "{}Only members may post to this list, as you know.\n",
            "Hello all,\n".repeat(9)
        );
        assert_eq!(post_refusal(&post), None);
    }

    #[test]
    fn recipient_lines_of_common_formats() {
        let sender = |a: &str| a == "me@example.jp";
        for (line, want) in [
            ("<kijitora@example.net>:", Some("kijitora@example.net")),
            ("  kijitora@example.net", Some("kijitora@example.net")),
            (
                "<k@example.com>: host mx.example.com[192.0.2.1] said: 550 x",
                Some("k@example.com"),
            ),
            (
                "There was an error delivering your mail to <a@example.org>.",
                Some("a@example.org"),
            ),
            (">>> RCPT To:<a@example.org>", Some("a@example.org")),
            (
                "554 <a@example.edu>... Remote protocol error",
                Some("a@example.edu"),
            ),
            ("   * a@example.com", Some("a@example.com")),
            ("Recipient address: a@example.org", Some("a@example.org")),
            ("a@example.com<mailto:a@example.com>", Some("a@example.com")),
            (
                "From: <postmaster@x.example.jp> RCPT: <u@example.net> 192.0.2.25 does not like recipient.",
                Some("u@example.net"),
            ),
            ("me@example.jp 様", None),
            ("550 5.7.0 <x@example.jp>... Please use your ISP", None),
            ("MAIL FROM: someone@example.com", None),
            (" 250 <s@example.org>, Sender ok", None),
            (
                "    SMTP error from remote mail server after MAIL FROM:<s@example.jp> SIZE=1:",
                None,
            ),
        ] {
            assert_eq!(recipient_on_line(line, &sender), want, "{line}");
        }
    }

    #[test]
    fn copy_of_the_message_markers() {
        for line in [
            "------ This is a copy of the message, including all the headers. ------",
            "--- Below this line is a copy of the message.",
            "----- Original message -----",
            "Original message follows.",
            "   ----- Unsent message follows -----",
            "Received: from mx.example.org by x",
            "|------------------------- Message text follows: ------------------------|",
            "------- Returned Message --------",
            "--- The header of the original message is following. ---",
            "Content-Type: message/rfc822",
            ">Received: from mx.example.org by relay.example.org",
            "Original message as received is as follows:",
        ] {
            assert!(original_starts(line), "{line}");
        }
        for line in [
            // Multi-byte text where a field name would end must not split a character.
            "邮件内容邮件内容邮件",
            "The original message was received at Thu, 29 Apr 2010 23:34:45 +0900",
            "   ----- The following addresses had permanent fatal errors -----",
            "   ----- Transcript of session follows -----",
            "    Received >>> 550 5.1.1 <a@example.org>... user unknown",
        ] {
            assert!(!original_starts(line), "{line}");
        }
    }

    #[test]
    fn pasted_bounce_bodies_are_recognised() {
        for body in [
            "This is the mail system at host mx.example.org.\n\nI'm sorry ...",
            "\n** Address not found **\n\nYour message wasn't delivered to a@example.org",
            "This message was created automatically by mail delivery software.\n",
            "Delivery has failed to these recipients or groups:\n\na@example.org",
            "<a@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown",
            "Hi. This is the qmail-send program at mx.example.org.\n",
            // Exim's smarthost wording and its list of failed addresses.
            "This message was created automatically by the SMTP relay on mx.example.org.\n\nA message that you sent could not be delivered to all of its recipients.\nThe following address(es) failed:\n\n  a@example.org\n",
            // Sendmail, with the preamble lost in the copy.
            "The original message was received at Mon, 1 Jun 2026 10:00:00 +0200\n\n   ----- The following addresses had delivery problems -----\n<a@example.org>   (Unknown user)\n",
            // Lotus Domino.
            "Your message\n\n  Subject: Hello\n\nwas not delivered to:\n\n  a@example.org\n\nbecause:\n\n  User a (a@example.org) not listed in Domino Directory\n",
            // A notice in words we do not know, followed by its delivery-status fields.
            "Your mail to <a> was automatically rejected.\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n",
            // IMail: the failure, then the original it returns.
            "Unknown user: a@example.org\n\n\nOriginal message follows.\n\nDate: Thu, 29 Apr 2008 23:45:10 -0500\n",
            // A session transcript.
            "...\nSent <<< RCPT TO:<a@example.org>\nReceived >>> 550 5.1.1 <a@example.org>... user unknown\n",
        ] {
            assert!(looks_like_bounce_body(body), "{body}");
        }
        for text in [
            "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown",
            "Sorry, no mailbox here by that name.",
            "Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C3D4E5: to=<a@example.org>, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown)",
            "Thanks for your message, I am out of the office until Monday.",
            "Mail to a@example.org could not be delivered.",
            "Hello,\nplease write to a@example.org about the delivery of the parcel.",
        ] {
            assert!(!looks_like_bounce_body(text), "{text}");
        }
    }

    #[test]
    fn postfix_paragraphs_are_rejoined() {
        let text = "The mail system\n\n<a@example.org>: host mx.example.org[192.0.2.1] said: 450\n    4.2.1 <a@example.org>: Recipient address rejected: this mailbox\n    is inactive (in reply to RCPT TO command)\n\n    indented after a blank\n";
        assert_eq!(
            unwrap_address_paragraphs(text),
            "The mail system\n\n<a@example.org>: host mx.example.org[192.0.2.1] said: 450 4.2.1 <a@example.org>: Recipient address rejected: this mailbox is inactive (in reply to RCPT TO command)\n\n    indented after a blank\n"
        );
    }

    #[test]
    fn challenge_response_notices() {
        assert!(asks_sender_to_verify(
            "Diagnostic-Code: X-Boxbe-Notice; Sender not pre-approved.  Follow instructions"
        ));
        assert!(asks_sender_to_verify(
            "To have your message delivered, please verify that\nyou are a human by clicking the link below."
        ));
        assert!(!asks_sender_to_verify(
            "550 Your server requires confirmation. Visit http://mx.example.org/Whitelist.aspx"
        ));
        assert!(!asks_sender_to_verify(
            "550 5.1.1 <a@example.org>: Recipient address rejected"
        ));
    }

    #[test]
    fn bounce_wording_broken_across_lines() {
        assert!(says_undeliverable(
            "your message could not\nbe delivered to one or more recipients"
        ));
        assert!(is_delay_notice(
            "",
            "There was a temporary problem delivering your message to a@example.org. Gmail will retry for 46 more hours."
        ));
        assert!(is_delay_notice(
            "Delivery status notification: delayed",
            "A message is delayed for more than 4 hours for the following\nlist of recipients:"
        ));
        assert!(is_delay_notice("Delivery Status Notification (Delay)", ""));
        assert!(!is_delay_notice(
            "Delivery Status Notification (Failure)",
            "Delivery to the following recipient failed permanently"
        ));
    }

    #[test]
    fn aol_screen_names_and_the_sender_it_names() {
        let text = "Your mail to the following recipients could not be delivered because\nthey are not accepting mail from list@example.org:\n\tscreenname\n\tOther.Name\n\nSee the help pages.\n";
        assert_eq!(listed_screen_names(text), ["screenname", "Other.Name"]);
        assert_eq!(named_addresses(text, &none).next(), None);
        // The reader the notice greets is the sender.
        let greeted = "Sorry me@example.org. Your mail to the following recipients could not be delivered:\n\tscreenname\n";
        assert_eq!(named_addresses(greeted, &none).next(), None);
        assert_eq!(
            named_addresses("Dear me@example.org, mail to a@example.net failed", &none).next(),
            Some("a@example.net")
        );
    }

    #[test]
    fn a_forwarded_bounces_own_from_and_to() {
        let text = "Can you look?\n\n---------- Forwarded message ---------\nFrom: Mail Delivery Subsystem <mailer-daemon@example.net>\nDate: Fri, 28 Apr 2019 23:34:45 -0800\nSubject: Delivery Status Notification (Failure)\nTo: me@example.org\n\nme@example.org, your message to a@example.com failed.\nTo: b@example.com\n";
        assert_eq!(
            forwarded_header_addresses(text),
            [
                ("From", "mailer-daemon@example.net"),
                ("To", "me@example.org")
            ]
        );
        // Gmail's returned original is no forward: its To is the failed recipient.
        let returned = "----- Original message -----\n\nTo: a@example.com\n";
        assert!(forwarded_header_addresses(returned).is_empty());
    }

    #[test]
    fn exims_retry_expiry_words() {
        for text in [
            "  bob@example.net\n    mailbox is full: retry timeout exceeded",
            "retry time not reached for any host after a long failure period",
            "all hosts have been failing for a long time and were last tried after this message arrived",
        ] {
            assert!(says_retries_ran_out(text), "{text}");
        }
        assert!(!says_retries_ran_out(
            "Delivery attempts will continue to be made for 4 days"
        ));
        assert!(!says_retries_ran_out("retry timeout: 30 minutes"));
    }

    #[test]
    fn help_addresses_and_quoted_headers_are_not_recipients() {
        for line in [
            "For further assistance, please contact <postmaster@example.org>",
            "Please contact Postmaster@example.edu if you have any questions.",
            "For further assistance, please send mail to <postmaster@example.org>",
            "Any help or comment please send to sysadmin@example.pl",
            "  To:      list@example.org",
            ">Received: from mx.example.org by relay.example.org for <a@example.org>;",
        ] {
            assert_eq!(recipient_on_line(line, &none), None, "{line}");
            assert_eq!(named_addresses(line, &none).next(), None, "{line}");
        }
    }

    #[test]
    fn envelope_recipient_of_a_received_field() {
        assert_eq!(
            received_for(
                "from mx.example.org (mx.example.org [192.0.2.1]) by relay.example.org with ESMTP id x for <a@example.org>; Sun, 27 May 2001 14:21:25 -0700"
            ),
            Some("a@example.org")
        );
        assert_eq!(
            received_for("from mx.example.org by relay.example.org; Sun, 27 May 2001"),
            None
        );
    }

    #[test]
    fn blocks_per_recipient_merge_repeats() {
        let text = "intro\n<a@example.org>:\n550 5.1.1 unknown\n<b@example.org>:\n552 5.2.2 full\n<a@example.org>:\nagain\n";
        let (pre, b) = blocks(text, &none);
        assert_eq!(pre, "intro\n");
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[0].lines,
            [
                "<a@example.org>:",
                "550 5.1.1 unknown",
                "<a@example.org>:",
                "again"
            ]
        );
        assert_eq!(b[1].words(), "552 5.2.2 full");
    }

    #[test]
    fn exims_named_sender_opens_no_block() {
        let text = "A message sent by\n\n  <s@example.org>\n\ncould not be delivered to one or more of its recipients. The following\naddress(es) failed:\n\n  a@example.net\n    550 5.1.1 unknown\n";
        let (_, b) = blocks(text, &none);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].recipient, "a@example.net");
    }
}
