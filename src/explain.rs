//! Looks recognised statuses up in the knowledge base and turns each into a finding: the
//! explanation that the renderers print and the JSON contract carries.

use crate::code::{Class, EnhancedCode, basic_class};
use crate::kb::model::*;
use crate::kb::{Kb, Match};
use crate::recognize::{InputKind, Status};
use serde::Serialize;

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
    let by_phrase = kb.phrase_group(evidence).map(|r| match r {
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

/// The `[[phrase]]` group for failures to reach the server, resolved by the kind of input.
const CONNECT: &str = "connect";
/// The `[[phrase]]` group for bare refusals, resolved by the SMTP stage.
const ACCESS: &str = "access";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_most_specific_first() {
        let kb = Kb::builtin();
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
            assert_eq!(kb.phrase_group(text), want, "{text}");
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
