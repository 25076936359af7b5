//! Looks recognised statuses up in the knowledge base and turns each into a finding: the
//! explanation that the renderers print and the JSON contract carries.

use crate::code::{Class, EnhancedCode, basic_class};
use crate::kb::model::*;
use crate::kb::{Kb, Match};
use crate::recognize::{InputKind, Status};
use serde::Serialize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub input: Input,
    pub code: Option<String>,
    pub code_source: Option<&'static str>,
    pub basic: Option<u16>,
    #[serde(rename = "match")]
    pub matched: Option<&'static str>,
    pub class: Option<&'static str>,
    pub bounce: &'static str,
    pub reason: String,
    pub action: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub subject: Option<SubjectRef>,
    pub summary: String,
    pub meaning: Option<String>,
    pub references: Vec<String>,
    pub retry: Option<Retry>,
    pub causes: Vec<String>,
    pub fixes: Fixes,
    pub stage: Option<&'static str>,
    pub troubleshooting: Vec<TroubleRow>,
    pub provider: Option<ProviderRef>,
    pub recipient: Option<String>,
    pub remote_host: Option<String>,
    pub server_text: Option<String>,
    pub related: Vec<RelatedRef>,
    pub warnings: Vec<String>,
    // Additions to the SPEC's schema (allowed: additions never break scripts).
    /// What the sending MTA does next with this status.
    pub next: Option<String>,
    /// The basic reply codes this status usually comes with.
    pub usual_basic: Vec<u16>,
    /// The DNS blocklist the reply names, evidence for the cause.
    pub blocklist: Option<BlocklistRef>,
    /// What the reporting MTA did: a log's `status=` or a DSN's `Action:`.
    pub outcome: Option<String>,
    /// Set when the registry deprecates the code.
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub kind: &'static str,
    pub line: usize,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectRef {
    pub code: u16,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Retry {
    pub schedule: Vec<String>,
    pub gives_up_after: String,
    pub note: Option<String>,
}

impl From<&RawRetry> for Retry {
    fn from(r: &RawRetry) -> Retry {
        Retry {
            schedule: r.schedule.clone(),
            gives_up_after: r.gives_up_after.clone(),
            note: r.note.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Fixes {
    pub sender: Vec<String>,
    pub admin: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TroubleRow {
    pub stage: &'static str,
    pub symptom: String,
    pub cause: String,
    pub next_step: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderRef {
    pub id: String,
    pub name: String,
    pub meaning: Option<String>,
    pub about: String,
    pub postmaster: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedRef {
    pub code: String,
    pub title: Option<String>,
    pub difference: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlocklistRef {
    pub id: String,
    pub name: String,
    pub about: String,
    pub delist: Option<String>,
}

/// Reasons that say the address itself is bad: the only ones a sender should suppress on.
const ADDRESS_REASONS: &[&str] = &["userunknown", "hostunknown", "hasmoved"];
/// Reasons an entry states that are more precise than anything text rules could add.
const PRECISE_REASONS: &[&str] = &[
    "userunknown",
    "hostunknown",
    "hasmoved",
    "mailboxfull",
    "mesgtoobig",
    "suspend",
    "expired",
    "authfailure",
    "requireptr",
    "systemfull",
    "notaccept",
    "delivered",
];

/// Explains one status. `None` only for plain text in which nothing could be inferred.
pub fn explain(kb: &Kb, status: &Status) -> Option<Finding> {
    let evidence = evidence_text(status);
    let mut code_source = status.code.map(|_| {
        if status.code_inferred {
            "inferred"
        } else {
            "stated"
        }
    });
    let mut code = status.code;
    if code.is_none() && status.kind != InputKind::Basic {
        if let Some(f) = not_a_bounce(status) {
            return Some(f);
        }
        // The basic code, when there is one, says which class to infer within; else what
        // the reporting MTA did (a DSN's `Action: failed` is permanent).
        let outcome_class = outcome_class(status);
        let want = status
            .basic
            .and_then(basic_class)
            .or(outcome_class)
            .filter(|c| *c != Class::Success);
        let inferred = kb
            .infer(&evidence, want)
            .and_then(|e| e.code.parse::<EnhancedCode>().ok());
        if inferred.is_some() {
            code = inferred;
            code_source = Some("inferred");
        } else if status.basic.is_none()
            && let Some(class) = outcome_class
        {
            // An outcome with no code and no words the knowledge base knows (a bounce that
            // says only that it failed, a log line's `defer (111)`): RFC 3463's class-level
            // code.
            code = Some(EnhancedCode::new(class, 0, 0));
            code_source = Some("inferred");
        } else if status.basic.is_none() && status.outcome.is_none() {
            return None;
        }
    }
    let mut f = match (code, status.basic) {
        (Some(code), _) => from_code(kb, status, code),
        (None, Some(_)) => from_basic(kb, status),
        (None, None) => return None,
    };
    f.code_source = code_source;
    carry_input(&mut f, status);
    if code_source == Some("inferred") {
        f.warnings
            .push("no status code in the input: the code was inferred from its wording".into());
    }
    // A bare code carries no evidence: nothing to recognise a provider or reason from.
    if !matches!(status.kind, InputKind::Code | InputKind::Basic) {
        apply_provider_and_evidence(kb, status, &evidence, &mut f);
    }
    Some(f)
}

/// The class the reporting MTA's outcome implies when the input states no code: a DSN's
/// `Action:` or a log line's `status=`.
fn outcome_class(status: &Status) -> Option<Class> {
    match status.outcome.as_deref()? {
        "failed" | "expired" | "bounced" => Some(Class::Permanent),
        "delayed" | "deferred" => Some(Class::Transient),
        "delivered" | "relayed" | "expanded" | "sent" => Some(Class::Success),
        _ => None,
    }
}

/// Messages that look like bounces but report none: a feedback (complaint) report or an
/// auto-reply. Nothing failed, so there is no code, no class and nothing to retry.
fn not_a_bounce(status: &Status) -> Option<Finding> {
    if status.kind != InputKind::Dsn {
        return None;
    }
    let (reason, title, summary, meaning, next, references) = match status.outcome.as_deref()? {
        "feedback" => (
            "feedback",
            "Feedback report (complaint)",
            "A mailbox provider reports that a recipient marked the message as spam or \
             asked to unsubscribe; nothing bounced. Stop mailing that recipient.",
            "A feedback report (ARF, RFC 5965, or a provider's own complaint notice) is not \
             a delivery failure: the message reached the mailbox, and the recipient then \
             reported it as unwanted. Providers send these through feedback loops so the \
             sender can react. Complaints weigh on the sending domain's and IP's reputation \
             far more than bounces do, and a high complaint rate leads to blocks.",
            "Nothing is retried, because nothing failed. Unsubscribe the recipient named in \
             the report, and check why the mail was unwanted (consent, frequency, content).",
            vec!["RFC 5965".to_string()],
        ),
        "auto-reply" => (
            "vacation",
            "Auto-reply (vacation or out of office)",
            "An automatic reply from the recipient's mailbox; the message was delivered \
             and nothing bounced.",
            "An automatic response (RFC 3834) such as a vacation or out-of-office notice: the \
             recipient's mailbox answered on its own after the message was delivered. The \
             address is valid and nothing failed; it is not a soft bounce either.",
            "Nothing to retry or suppress. Read the reply if it names another contact or a \
             return date.",
            vec!["RFC 3834".to_string()],
        ),
        _ => return None,
    };
    let mut f = blank(Bounce::None);
    f.reason = reason.into();
    f.title = title.into();
    f.summary = summary.into();
    f.meaning = Some(meaning.into());
    f.next = Some(next.into());
    f.references = references;
    f.severity = "low";
    carry_input(&mut f, status);
    Some(f)
}

/// What a finding reports straight from its input: where it was, and what was parsed.
fn carry_input(f: &mut Finding, status: &Status) {
    f.input = Input {
        kind: status.kind.as_str(),
        line: status.line,
        text: status.text.clone(),
    };
    f.recipient = status.recipient.clone();
    f.remote_host = status.remote_host.clone();
    f.server_text = status.server_text.clone();
    f.stage = status.stage.map(Stage::as_str);
    f.outcome = status.outcome.clone();
}

/// The text that can tell provider, blocklist and reason: the server's words, else the input.
fn evidence_text(status: &Status) -> String {
    crate::recognize::fold_whitespace(status.server_text.as_deref().unwrap_or(&status.text))
}

fn from_code(kb: &Kb, status: &Status, code: EnhancedCode) -> Finding {
    let (matched, entry) = kb.lookup(&code);
    let stated_class = code.class;
    let effective = status.basic.and_then(basic_class).unwrap_or(stated_class);
    let mut warnings = Vec::new();
    if effective != stated_class {
        warnings.push(format!(
            "basic code {} and enhanced code {code} disagree in class; RFC 3463 (with RFC 2034 §4) \
             requires them to match, and the sending MTA acts on the basic code, so this is a {} \
             failure",
            status.basic.unwrap_or_default(),
            if effective == Class::Transient {
                "temporary"
            } else {
                "permanent"
            }
        ));
    }
    let class_entry = kb.class(effective);
    let subject = kb.subject(code.subject);
    // With a class mismatch, what happens next follows the basic code's class: take the
    // sibling entry (same subject and detail) of that class when there is one.
    let acting = if effective != stated_class {
        kb.code(&EnhancedCode::new(effective, code.subject, code.detail))
    } else {
        entry
    };
    let bounce = bounce_of(effective);
    let mut f = blank(bounce);
    f.code = Some(code.to_string());
    f.basic = status.basic;
    f.matched = Some(matched.as_str());
    f.class = Some(effective.as_str());
    f.subject = subject.map(|s| SubjectRef {
        code: code.subject,
        name: s.name.clone(),
    });
    f.next = class_entry.map(|c| c.next.clone());
    match entry {
        Some(e) => {
            f.title = e.title.clone();
            f.summary = e.summary.clone();
            f.meaning = e.meaning.clone();
            f.references = e.references.clone();
            f.causes = e.causes.clone();
            f.fixes = Fixes {
                sender: e.fixes.sender.clone(),
                admin: e.fixes.admin.clone(),
            };
            f.troubleshooting = e.troubleshooting.iter().map(trouble_row).collect();
            f.related = e
                .related
                .iter()
                .map(|r| related_ref(kb, &r.code, &r.difference))
                .collect();
            f.usual_basic = e.basic.clone();
            f.reason = e.reason.clone();
            f.severity = e.severity.as_str();
            f.deprecated = e.deprecated.clone();
        }
        None => {
            let class_name = class_entry.map_or("Unknown class", |c| c.name.as_str());
            match (matched, subject) {
                (Match::Subject, Some(s)) => {
                    f.title = format!(
                        "{}, {} (detail {} not registered)",
                        s.name,
                        class_name.to_lowercase(),
                        code.detail
                    );
                    f.summary = format!(
                        "An unregistered {} code: RFC 3463 says to read it by its subject, {}.",
                        class_name.to_lowercase(),
                        s.name.to_lowercase()
                    );
                    f.meaning = Some(format!("{} {}", s.meaning, s.whose_problem));
                    f.reason = match stated_class {
                        Class::Transient => s.reason_transient.clone(),
                        _ => s.reason_permanent.clone(),
                    };
                }
                _ => {
                    f.title = format!("{class_name} (subject {} not registered)", code.subject);
                    f.summary = format!(
                        "An unregistered code: only its class is known, so RFC 3463 says to read it as {}.",
                        class_name.to_lowercase()
                    );
                    f.meaning = class_entry.map(|c| c.meaning.clone());
                    f.reason = "undefined".into();
                }
            }
            f.severity = class_entry.map_or("medium", |c| c.severity.as_str());
            f.references = vec!["RFC 3463".into()];
        }
    }
    if stated_class == Class::Success {
        f.reason = "delivered".into();
    }
    let entry_action = acting
        .map(|e| e.action)
        .or(class_entry.map(|c| c.action))
        .unwrap_or(Action::Retry);
    f.action = entry_action.as_str();
    if effective == Class::Transient {
        let retry = acting
            .and_then(|e| e.retry.as_ref())
            .or(class_entry.and_then(|c| c.retry.as_ref()));
        f.retry = retry.map(Retry::from);
    }
    if effective != stated_class {
        f.severity = acting.map_or(f.severity, |e| e.severity.as_str());
    }
    f.warnings = warnings;
    f
}

fn from_basic(kb: &Kb, status: &Status) -> Finding {
    let basic = status.basic.unwrap_or_default();
    let class = basic_class(basic);
    let class_entry = class.and_then(|c| kb.class(c));
    let mut f = blank(class.map_or(Bounce::None, bounce_of));
    f.basic = Some(basic);
    f.class = class.map(Class::as_str);
    f.next = class_entry.map(|c| c.next.clone());
    match kb.basic(basic) {
        Some(b) => {
            f.matched = Some(Match::Exact.as_str());
            f.title = b.title.clone();
            f.summary = format!("Basic SMTP reply {basic}: {}", b.title);
            f.meaning = Some(b.meaning.clone());
            f.references = b.references.clone();
            f.reason = b.reason.clone();
            f.action = b.action.as_str();
            f.severity = b.severity.as_str();
            f.related = b
                .enhanced
                .iter()
                .map(|code| {
                    let difference = kb
                        .code_by_str(code)
                        .map_or_else(String::new, |e| e.summary.clone());
                    related_ref(kb, code, &difference)
                })
                .collect();
        }
        None => {
            // RFC 5321 §4.2: an unknown reply code is read by its first digit.
            f.matched = Some(Match::Class.as_str());
            f.title = class_entry.map_or_else(|| format!("Reply {basic}"), |c| c.name.clone());
            f.summary = format!(
                "Unlisted basic reply {basic}: RFC 5321 says to read it by its first digit."
            );
            f.meaning = class_entry.map(|c| c.meaning.clone());
            f.reason = "undefined".into();
            f.action = class_entry.map_or("none", |c| c.action.as_str());
            f.severity = class_entry.map_or("low", |c| c.severity.as_str());
            f.references = vec!["RFC 5321 §4.2".into()];
        }
    }
    if class == Some(Class::Transient) {
        f.retry = class_entry.and_then(|c| c.retry.as_ref()).map(Retry::from);
    }
    f
}

/// Provider, blocklist and the reason the text decides; then the action that follows.
fn apply_provider_and_evidence(kb: &Kb, status: &Status, evidence: &str, f: &mut Finding) {
    let host = status.remote_host.as_deref();
    let mut provider_reason = None;
    if let Some(p) = kb
        .recognise_provider(evidence, host)
        .or_else(|| kb.recognise_provider(&status.text, host))
    {
        let meaning = kb.provider_meaning(p, f.code.as_deref(), evidence);
        provider_reason = meaning.and_then(|m| m.reason.clone());
        f.provider = Some(ProviderRef {
            id: p.id.clone(),
            name: p.name.clone(),
            meaning: meaning.map(|m| m.meaning.clone()),
            about: p.about.clone(),
            postmaster: p.postmaster.clone(),
        });
    }
    if let Some(b) = kb.recognise_blocklist(evidence) {
        f.blocklist = Some(BlocklistRef {
            id: b.id.clone(),
            name: b.name.clone(),
            about: b.about.clone(),
            delist: b.delist.clone(),
        });
    }
    if f.class == Some("success") {
        return;
    }
    f.reason = match provider_reason {
        Some(reason) => reason,
        None => reason_for(kb, status, evidence, &f.reason),
    };
    f.action = action_for(f.class, &f.reason, f.action);
}

/// The bounce reason: the server's words first (they name the problem), then the code's
/// own reason, then what the reporting MTA did and at which stage.
fn reason_for(kb: &Kb, status: &Status, evidence: &str, code_reason: &str) -> String {
    let message = status.kind == InputKind::Dsn;
    let permanent = status
        .code
        .map(|c| c.class == Class::Permanent)
        .unwrap_or_else(|| status.basic.and_then(basic_class) == Some(Class::Permanent));
    let generic = matches!(code_reason, "undefined" | "onhold" | "");
    let by_phrase = reason_by_phrase(evidence).map(|r| match r {
        CONNECT if message => "expired",
        CONNECT => "networkerror",
        ACCESS => match status.stage {
            Some(Stage::Mail) => "rejected",
            Some(Stage::Connect | Stage::Helo) => "blocked",
            _ if !generic => code_reason,
            _ => "blocked",
        },
        r => r,
    });
    let reason = reason_by_evidence(kb, status, evidence, code_reason, by_phrase, generic);
    // Whatever the words, a bounce's refusal at MAIL FROM is about the sender, not the
    // recipient's address.
    let at_mail = status.stage == Some(Stage::Mail) && permanent && message;
    if at_mail
        && matches!(
            reason.as_str(),
            "securityerror" | "hostunknown" | "userunknown" | "filtered"
        )
    {
        return "rejected".into();
    }
    // A delay notice whose words name nothing precise: the message is waiting to expire.
    let delayed = message && status.outcome.as_deref() == Some("delayed");
    if delayed && matches!(reason.as_str(), "networkerror" | "undefined" | "onhold") {
        return "expired".into();
    }
    reason
}

/// The reason from the phrases, the code and the KB's text rules, in that order.
fn reason_by_evidence(
    kb: &Kb,
    status: &Status,
    evidence: &str,
    code_reason: &str,
    by_phrase: Option<&str>,
    generic: bool,
) -> String {
    let message = status.kind == InputKind::Dsn;
    let stated = status.code.filter(|_| !status.code_inferred);
    let permanent = status
        .code
        .map(|c| c.class == Class::Permanent)
        .unwrap_or_else(|| status.basic.and_then(basic_class) == Some(Class::Permanent));
    if let Some(r) = by_phrase {
        if r == "userunknown" && message && !user_unknown_at_rcpt(status, stated) {
            // A bounce that says "user unknown" outside the RCPT stage, under a code that
            // is not an address code: a content filter speaking, not a missing mailbox.
            return "filtered".into();
        }
        return r.into();
    }
    if !generic
        && !PRECISE_REASONS.contains(&code_reason)
        && let Some(r) = kb.reason_from_text(evidence)
    {
        return r.to_string();
    }
    if !generic {
        return code_reason.into();
    }
    if let Some(r) = kb.reason_from_text(evidence) {
        return r.to_string();
    }
    match (status.stage, status.outcome.as_deref()) {
        (Some(Stage::Mail), _) if permanent => "rejected".into(),
        (Some(Stage::Connect | Stage::Helo), _) if permanent => "blocked".into(),
        (_, Some("delayed" | "expired")) => "expired".into(),
        _ if message && status.server_text.is_some() => "onhold".into(),
        _ => code_reason.into(),
    }
}

/// Whether "user unknown" in a bounce means the mailbox does not exist: said at RCPT, under
/// an address code, or in a plain bounce that quotes no reply at all.
fn user_unknown_at_rcpt(status: &Status, stated: Option<EnhancedCode>) -> bool {
    match status.stage {
        Some(Stage::Rcpt) => true,
        Some(Stage::Data | Stage::EndOfData) => false,
        // X.1.x codes are about addresses (RFC 3463 §3.2), X.2.1 about the mailbox.
        _ => {
            stated.is_some_and(|c| c.subject == 1 || (c.subject, c.detail) == (2, 1))
                || (stated.is_none() && status.basic.is_none())
        }
    }
}

/// The action the final reason calls for: suppress exactly when the address is bad.
fn action_for(class: Option<&str>, reason: &str, stated: &'static str) -> &'static str {
    match class {
        Some("success") => "none",
        // A mailbox or domain that does not exist stays so, whatever class the server gave.
        Some("transient") if ADDRESS_REASONS.contains(&reason) => "suppress",
        Some("transient") => "retry",
        Some("permanent") => {
            if ADDRESS_REASONS.contains(&reason) || reason == "notaccept" {
                "suppress"
            } else if matches!(reason, "mailboxfull" | "suspend") {
                "contact-recipient"
            } else if stated == "suppress" || stated == "none" || stated == "retry" {
                "fix-sender"
            } else {
                stated
            }
        }
        _ => stated,
    }
}

fn bounce_of(class: Class) -> Bounce {
    match class {
        Class::Success => Bounce::None,
        Class::Transient => Bounce::Soft,
        Class::Permanent => Bounce::Hard,
    }
}

fn blank(bounce: Bounce) -> Finding {
    Finding {
        input: Input {
            kind: "text",
            line: 0,
            text: String::new(),
        },
        code: None,
        code_source: None,
        basic: None,
        matched: None,
        class: None,
        bounce: bounce.as_str(),
        reason: "undefined".into(),
        action: "none",
        severity: "medium",
        title: String::new(),
        subject: None,
        summary: String::new(),
        meaning: None,
        references: Vec::new(),
        retry: None,
        causes: Vec::new(),
        fixes: Fixes::default(),
        stage: None,
        troubleshooting: Vec::new(),
        provider: None,
        recipient: None,
        remote_host: None,
        server_text: None,
        related: Vec::new(),
        warnings: Vec::new(),
        next: None,
        usual_basic: Vec::new(),
        blocklist: None,
        outcome: None,
        deprecated: None,
    }
}

fn trouble_row(r: &RawTroubleshooting) -> TroubleRow {
    TroubleRow {
        stage: r.stage.as_str(),
        symptom: r.symptom.clone(),
        cause: r.cause.clone(),
        next_step: r.next_step.clone(),
    }
}

fn related_ref(kb: &Kb, code: &str, difference: &str) -> RelatedRef {
    RelatedRef {
        code: code.to_string(),
        title: kb.code_by_str(code).map(|e| e.title.clone()),
        difference: difference.to_string(),
    }
}

/// Phrases that decide a bounce reason, in the vocabulary bounce processors share
/// (Sisimai's), the more specific reasons first: the first reason with a matching phrase
/// wins. Matched case-insensitively against the server's whitespace-folded words.
const REASON_PHRASES: &[(&str, &[&str])] = &[
    (
        "contenterror",
        &[
            r"duplicate header",
            r"improper use of 8-bit data",
            r"message contains invalid header",
            r"invalid (message|mime) (content|structure)",
            r"media error",
        ],
    ),
    (
        "mailererror",
        &[
            r"mailer error",
            r"command died with status",
            r"command failed",
            r"\bpipe to \|",
            r"procmail",
            r"x-unix;",
        ],
    ),
    (
        "networkerror",
        &[
            r"\bdns error\b",
            r"host not found, try again",
            r"host name lookup fail",
            r"temporary failure in name resolution",
            r"(maximum )?hop count exceeded",
            r"too many hops",
            r"routing loop",
            r"message looping",
        ],
    ),
    (
        "authfailure",
        &[
            r"\bdmarc\b",
            r"\bspf\b",
            r"\bdkim\b",
            r"sender policy framework",
            r"domainkeys",
            r"multiple authentication checks failed",
            r"authentication checks? (did not pass|failed)",
        ],
    ),
    (
        "requireptr",
        &[
            r"\bptr (resource )?record",
            r"dns ptr",
            r"reverse dns",
            r"reverse (host ?name|lookup|mapping)",
            r"\brdns\b",
            r"cannot find your (reverse )?hostname",
            r"ip name lookup failed",
            r"unverif(y|i)able sending ips?",
            r"no ptr",
            r"forward dns entry does not point",
        ],
    ),
    (
        "badreputation",
        &[
            r"(low|poor|bad) reputation",
            r"(ip|sender|sending|domain) reputation",
            r"temporarily deferred due to (unexpected volume or )?user complaints",
        ],
    ),
    (
        "norelaying",
        &[
            r"relay(ing)? (access )?(denied|not permitted|prohibited|not allowed)",
            r"not permitted to relay",
            r"(we|i) do not relay",
            r"unable to relay",
            r"no relaying",
            r"relaying mail to .{1,80} is not allowed",
            r"not an open relay",
            r"not allowed to relay",
            r"isn'?t in my list of allowed rcpthosts",
            r"this system is not configured to relay",
        ],
    ),
    (
        "rejected",
        &[
            r"sender address rejected",
            r"sender (email )?address (has been )?(rejected|blacklisted|refused)",
            r"sender verify failed",
            r"sender verification (failed|failure)",
            r"sender (domain|address) (not found|does not exist|unknown|must exist|is empty)",
            r"invalid sender",
            r"sender (is )?(not allowed|denied|rejected|spammer|not pre-approved)",
            r"bogus mail from",
            r"null sender is not allowed",
            r"empty (envelope )?senders? not allowed",
            r"domain of sender address",
            r"unroutable sender address",
            r"(from|sender): domain is invalid",
            r"domain is invalid\. please provide a valid from",
            r"returned mail not accepted here",
            r"sending to/from an address that has been (black|block)listed",
            r"your (email )?address has been (black|block)listed",
            r"not a member of this (mailing )?list",
            r"not allowed to post to this (mailing )?list",
            r"\bbatv\b",
            r"purported responsible address",
            r"you'?re sending this from a different address",
            r"google groups",
            r"groups\.google\.com/support",
        ],
    ),
    (
        "virusdetected",
        &[
            r"\bvirus (was |has been )?(found|detected|identified)",
            r"(contains|contained|carries|infected with) (a |an )?(known )?(virus|malware)",
            r"(virus|malware)[ -]infected",
            r"\bmalware (was |has been )?(found|detected)",
        ],
    ),
    (
        "spamdetected",
        &[
            r"\bspam (message|content|detected|score|filter|rejected|suspected|not accepted|check)",
            r"(rejected|blocked|classified|identified|detected|flagged|marked|considered|treated) as (spam|junk|bulk)",
            r"rejected due to spam",
            r"suspected (of being )?spam",
            r"(looks|appears|seems) (to be |like |similar to )?(spam|junk)",
            r"likely (to be )?(spam|unsolicited)",
            r"unsolicited (mail|bulk|commercial)",
            r"probability of (being )?spam",
            r"message content rejected",
            r"content filter rejection",
            r"spamassassin",
            r"blacklisted url in message",
            r"(^|[ :;-])spam([.!]|$)",
            r"mail rejete\. mail rejected",
            r"recurrent pattern detection",
        ],
    ),
    (
        "policyviolation",
        &[
            r"policy violation",
            r"violat(es|ed|ion of) (our|the|local|content|sending) [a-z ]{0,20}polic",
            r"not accepted for policy reasons",
            r"rejected (due to|by|for) (local |content |administrative )?polic",
            r"due to local policy",
            r"administrative prohibition",
            r"\bheader error\b",
            r"illegal attachment",
            r"host network not allowed",
            r"denied by policy",
            r"mass mailer",
            r"content presents a potential",
        ],
    ),
    (
        "toomanyconn",
        &[
            r"too many (concurrent |simultaneous |parallel )?(smtp )?(connections|sessions)",
            r"connection (rate )?limit (exceeded|reached)",
            r"(maximum|max) (number of )?(concurrent )?(server )?connections",
            r"all server ports are busy",
            r"too many recipients",
            r"trop de connexions",
            r"\bip frequency",
            r"rate[ -]limit",
            r"too many (messages|emails|mails) (sent|from|per|in)",
            r"exceeded the max emails per",
            r"sending too fast",
        ],
    ),
    (
        "mailboxfull",
        &[
            r"mailbox (is |was )?full",
            r"mail ?folder is full",
            r"inbox is full",
            r"full mailbox",
            r"mailbox (size limit|quota)",
            r"over (the |its |their |disk )?(allowed |storage )?quota",
            r"quota (has been |was )?exceeded",
            r"exceed(ed|s|ing) (the |its |their |his |her )?(storage |mailbox |disk |mail )?quota",
            r"storage quota",
            r"disk quota",
            r"mailbox exceeded the local limit",
            r"messages in recipient'?s mailbox exceeded",
            r"(not|insufficient) (enough )?(storage|disk) space (in|for) (the )?(mailbox|recipient)",
            r"user'?s space has been used up",
            r"exceeded storage allocation",
            r"mailbox would exceed",
            r"boite du destinataire pleine",
        ],
    ),
    (
        "mesgtoobig",
        &[
            r"(message|email|mail) (size )?(exceeds|is too (big|large)|too (big|large))",
            r"message file too big",
            r"(message|mail) size limit",
            r"size limit exceeded",
            r"exceeds (the )?(fixed |maximum |max )?(message )?size limit",
            r"size exceeds (the )?(fixed |maximum )",
            r"max(imum)? message size exceeded",
            r"message length exceeds",
            r"taille limite du message",
        ],
    ),
    (
        "exceedlimit",
        &[r"header size exceeds", r"too many (headers|header lines)"],
    ),
    (
        "notcompliantrfc",
        &[
            r"not rfc ?5322 compliant",
            r"rfc ?5322 (compliance|violation)",
            r"multiple (from|date|subject|to|sender) headers",
            r"multiple addresses in from",
        ],
    ),
    (
        "suspend",
        &[
            r"(account|mailbox|user)\b.{0,40}\b(is|has been) (disabled|suspended|inactive|deactivated|locked|discontinued)",
            r"(account|mailbox|recipient( address)?|user) (disabled|suspended|inactive|deactivated)",
            r"deactivated mailbox",
            r"disabled (recipient|account|mailbox|user)",
            r"mailbox is frozen",
            r"mailbox currently suspended",
            r"account is locked",
            r"boite du destinataire archivee",
        ],
    ),
    (
        "hasmoved",
        &[
            r"user not local; please try",
            r"(mailbox|address|user|recipient) has (been )?moved",
            r"moved to a new (address|mailbox|domain)",
        ],
    ),
    (
        "notaccept",
        &[
            r"\bnull ?mx\b",
            r"(host|domain|server)( [a-z0-9.-]+)? does not accept (any )?mail",
            r"no mx (record )?found",
            r"couldn'?t find a mail exchanger",
            r"mx or srv record indicated no smtp service",
            r"mail receiving disabled",
            r"not accepting (any )?mail",
        ],
    ),
    (
        "hostunknown",
        &[
            r"host (or domain name )?not found",
            r"host unknown",
            r"unknown host",
            r"domain not found",
            r"domain (name )?(does not|doesn'?t) exist",
            r"domain (is )?not reachable",
            r"domain unknown",
            r"unknown domain",
            r"no such domain",
            r"domain must exist",
            r"unrouteable (address|mail domain)",
            r"\bnxdomain\b",
            r"couldn'?t find any host (named|by that name)",
            r"illegal host/domain name",
            r"bad destination system address",
            r"account or domain may not exist",
            r"name or service not known",
            r"^[a-z0-9.-]+\.[a-z]{2,} does not exist",
        ],
    ),
    (
        "userunknown",
        &[
            r"user unknown",
            r"unknown user",
            r"unknown (recipient|address|e-?mail address|local ?part)",
            r"(recipient|address|user|mailbox) (is )?unknown",
            r"no such (user|mailbox|recipient|account|person|address)",
            r"no mailbox",
            r"no (account|one) (by that name|at this address)",
            r"doesn'?t have an? [a-z0-9.-]+ account",
            r"(mailbox|user|account|address|recipient|e-?mail account)\b.{0,40}\b(does not|doesn'?t|did not) exist",
            r"(user|recipient|mailbox|address) not (found|exist|known|active|listed)",
            r"(invalid|bad|illegal) (recipient|mailbox|user|address|destination mailbox)",
            r"unknown or illegal (user|alias)",
            r"recipient name is not recognized",
            r"not listed in (the )?(domino directory|public name & address book)",
            r"invalid final delivery userid",
            r"no valid recipients",
            r"not a valid (recipient|user|mailbox)",
            r"is not a known user",
            r"resolver\.adr\.recip(ient)?notfound",
            r"recipient not found",
            r"mailbox (not found|unavailable|invalid|not present|is unavailable)",
            r"address (is )?(invalid|no longer valid)",
            r"utilisateur inconnu",
            r"unable to deliver message to <",
            r"this address no longer accepts mail",
            r"user (does not|doesn'?t) exist",
            r"recipient address rejected\.?$",
        ],
    ),
    (
        "filtered",
        &[
            r"refused due to recipient preferences",
            r"user refuses to receive",
            r"message filtered",
            r"rejected due to user rules",
            r"blocked by the recipient",
            r"not accepting mail from you",
            r"resolver\.rst\.notauthorized",
        ],
    ),
    (
        "securityerror",
        &[
            r"authentication (is )?required",
            r"must (be )?authenticat",
            r"not authenticated",
            r"delivery not authorized",
            r"recipient address rejected: access denied",
            r"tls (is )?required",
            r"must issue a starttls",
            r"encryption required",
            r"unauthenticated senders not allowed",
            r"smtp authentication",
        ],
    ),
    (
        "blocked",
        &[
            r"blocked using ",
            r"\b(is|are|was|been) (listed|blacklisted|blocklisted)",
            r"listed (at|on|in|by) [a-z0-9-]+\.[a-z0-9.-]+",
            r"\bblack ?listed\b",
            r"\bblock ?listed\b",
            r"on (our|the|a) (block|black|deny) ?list",
            r"\b(spamhaus|spamcop|sorbs|barracuda ?central|dnsbl|rbl)\b",
            r"blocked (by|for|due|because|from)",
            r"has been blocked",
            r"\bblocked\b",
            r"\b(ip|client|your network|your host) (address )?(is )?(not allowed|banned|refused|rejected|denied)",
            r"banned sending ip",
            r"not accepting connections",
            r"no access from mail server",
            r"open relay",
            r"use the smtp server of your isp",
            r"(client|sender) host rejected",
            r"weren'?t sent\. we recommend that you contact your internet service provider",
            r"connection refused by",
            r"refused to talk to me",
            r"service refuse",
        ],
    ),
    (
        // Refused without saying why: at MAIL FROM the sender was rejected, at connection
        // the client was blocked.
        ACCESS,
        &[r"access denied", r"\brejected\.?$"],
    ),
    (
        "systemfull",
        &[
            r"insufficient system storage",
            r"mail system full",
            r"no space left on device",
            r"disk (is )?full",
            r"insufficient disk space",
        ],
    ),
    (
        "systemerror",
        &[
            r"internal (system |server )?error",
            r"temporary local problem",
            r"local (configuration )?error",
            r"server configuration error",
            r"system config(uration)? error",
            r"temporary lookup failure",
            r"local error in processing",
            r"could not load drd",
            r"service currently unavailable",
            r"unable to contact ldap server",
            r"insufficient permission",
            r"loops back to myself",
            r"mail loop",
            r"it would create a mail loop",
            r"interrupted system call",
            r"can'?t create user output file",
        ],
    ),
    (
        "networkerror",
        &[
            r"no route to host",
            r"name service error",
            r"network is unreachable",
            r"host is unreachable",
            r"lost connection with",
            r"connection reset",
            r"malformed (or unexpected )?name server reply",
            r"dns (lookup|records for the destination)",
            r"unable to resolve route",
        ],
    ),
    (
        "expired",
        &[
            r"retry timeout exceeded",
            r"(message|delivery|envelope) (time )?expired",
            r"queue\.expired",
            r"delivery time expired",
            r"(message|mail) (has been |was )?in (the )?queue too long",
            r"unable to deliver message after multiple retries",
            r"could not deliver for the last",
            r"was not delivered within",
            r"did not accept our requests to connect",
            r"(message|delivery) timed out",
            r"has not been delivered for",
        ],
    ),
    (
        // Could not reach the server at all: in a bounce the retries ran out (expired);
        // in a log line it is the network error of one attempt.
        CONNECT,
        &[
            r"connection timed out",
            r"operation timed out",
            r"timed out while",
            r"connection refused",
            r"couldn'?t connect",
            r"unable to connect",
            r"could not connect",
            r"host not reachable",
        ],
    ),
];

/// The phrase group for failures to reach the server, resolved by the kind of input.
const CONNECT: &str = "connect";
/// The phrase group for bare refusals, resolved by the SMTP stage.
const ACCESS: &str = "access";

/// The reason the phrases of `REASON_PHRASES` give `text`, if any.
fn reason_by_phrase(text: &str) -> Option<&'static str> {
    // Each phrase is compiled only once a text contains its leading words (see
    // `kb::PatternList`); the first group, in table order, with a matching phrase wins.
    static TABLE: OnceLock<crate::kb::PatternList> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let phrases = REASON_PHRASES.iter().enumerate();
        crate::kb::PatternList::new(
            phrases.flat_map(|(i, (_, list))| list.iter().map(move |p| (i, *p))),
        )
    });
    table.first(text).map(|i| REASON_PHRASES[i].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_most_specific_first() {
        for (text, want) in [
            (
                "Recipient address rejected: User unknown in local recipient table",
                Some("userunknown"),
            ),
            ("Mailbox is full", Some("mailboxfull")),
            (
                "Client host [192.0.2.1] blocked using zen.spamhaus.org",
                Some("blocked"),
            ),
            (
                "Sender address rejected: Domain not found",
                Some("rejected"),
            ),
            (
                "Name service error for domain x: Host not found, try again",
                Some("networkerror"),
            ),
            (
                "Host or domain name not found. Name service error for name=x",
                Some("hostunknown"),
            ),
            (
                "550 5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy",
                Some("authfailure"),
            ),
            (
                "connect to mx.example.org: Connection timed out",
                Some(CONNECT),
            ),
            ("Access denied", Some(ACCESS)),
            ("Hello there", None),
        ] {
            assert_eq!(reason_by_phrase(text), want, "{text}");
        }
    }

    #[test]
    fn address_reasons_suppress_whatever_the_class() {
        assert_eq!(
            action_for(Some("transient"), "userunknown", "retry"),
            "suppress"
        );
        assert_eq!(
            action_for(Some("transient"), "mailboxfull", "retry"),
            "retry"
        );
        assert_eq!(
            action_for(Some("permanent"), "notaccept", "fix-sender"),
            "suppress"
        );
        assert_eq!(action_for(Some("transient"), "notaccept", "retry"), "retry");
    }
}
