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
    pub code_source: Option<CodeSource>,
    pub basic: Option<u16>,
    #[serde(rename = "match")]
    pub matched: Option<Match>,
    pub class: Option<Class>,
    pub bounce: Bounce,
    pub reason: Reason,
    pub action: Action,
    pub severity: Severity,
    pub title: String,
    pub subject: Option<SubjectRef>,
    pub summary: String,
    pub meaning: Option<String>,
    pub references: Vec<String>,
    pub retry: Option<Retry>,
    pub causes: Vec<String>,
    pub fixes: Fixes,
    pub stage: Option<Stage>,
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

/// Whether the code was written in the input or inferred from its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeSource {
    Stated,
    Inferred,
}

#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub kind: &'static str,
    pub line: usize,
    /// The status's input, shared with it (and with every other status of its line).
    #[serde(serialize_with = "shared_str")]
    pub text: std::sync::Arc<str>,
}

fn shared_str<S: serde::Serializer>(text: &std::sync::Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
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
    pub stage: Stage,
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

/// Explains one status. `None` only for plain text in which nothing could be inferred.
pub fn explain(kb: &Kb, status: &Status) -> Option<Finding> {
    let evidence = evidence_text(status);
    let mut code_source = status.code.map(|_| {
        if status.code_inferred {
            CodeSource::Inferred
        } else {
            CodeSource::Stated
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
            code_source = Some(CodeSource::Inferred);
        } else if status.basic.is_none()
            && let Some(class) = outcome_class
        {
            // An outcome with no code and no words the knowledge base knows (a bounce that
            // says only that it failed, a log line's `defer (111)`): RFC 3463's class-level
            // code.
            code = Some(EnhancedCode::new(class, 0, 0));
            code_source = Some(CodeSource::Inferred);
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
    if code_source == Some(CodeSource::Inferred) {
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
            Reason::Feedback,
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
            Reason::Vacation,
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
    f.reason = reason;
    f.title = title.into();
    f.summary = summary.into();
    f.meaning = Some(meaning.into());
    f.next = Some(next.into());
    f.references = references;
    f.severity = Severity::Low;
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
    f.stage = status.stage;
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
    f.matched = Some(matched);
    f.class = Some(effective);
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
            f.reason = e.reason;
            f.severity = e.severity;
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
                        Class::Transient => s.reason_transient,
                        _ => s.reason_permanent,
                    };
                }
                _ => {
                    f.title = format!("{class_name} (subject {} not registered)", code.subject);
                    f.summary = format!(
                        "An unregistered code: only its class is known, so RFC 3463 says to read it as {}.",
                        class_name.to_lowercase()
                    );
                    f.meaning = class_entry.map(|c| c.meaning.clone());
                    f.reason = Reason::Undefined;
                }
            }
            f.severity = class_entry.map_or(Severity::Medium, |c| c.severity);
            f.references = vec!["RFC 3463".into()];
        }
    }
    if stated_class == Class::Success {
        f.reason = Reason::Delivered;
    }
    let entry_action = acting
        .map(|e| e.action)
        .or(class_entry.map(|c| c.action))
        .unwrap_or(Action::Retry);
    f.action = entry_action;
    if effective == Class::Transient {
        let retry = acting
            .and_then(|e| e.retry.as_ref())
            .or(class_entry.and_then(|c| c.retry.as_ref()));
        f.retry = retry.map(Retry::from);
    }
    if effective != stated_class {
        f.severity = acting.map_or(f.severity, |e| e.severity);
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
    f.class = class;
    f.next = class_entry.map(|c| c.next.clone());
    match kb.basic(basic) {
        Some(b) => {
            f.matched = Some(Match::Exact);
            f.title = b.title.clone();
            f.summary = format!("Basic SMTP reply {basic}: {}", b.title);
            f.meaning = Some(b.meaning.clone());
            f.references = b.references.clone();
            f.reason = b.reason;
            f.action = b.action;
            f.severity = b.severity;
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
            f.matched = Some(Match::Class);
            f.title = class_entry.map_or_else(|| format!("Reply {basic}"), |c| c.name.clone());
            f.summary = format!(
                "Unlisted basic reply {basic}: RFC 5321 says to read it by its first digit."
            );
            f.meaning = class_entry.map(|c| c.meaning.clone());
            f.reason = Reason::Undefined;
            f.action = class_entry.map_or(Action::None, |c| c.action);
            f.severity = class_entry.map_or(Severity::Low, |c| c.severity);
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
        provider_reason = meaning.and_then(|m| m.reason);
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
    if f.class == Some(Class::Success) {
        return;
    }
    let context = RuleContext {
        input: Some(input_scope(status.kind)),
        stage: status.stage,
        class: match f.class {
            Some(Class::Transient) => Some(FailureClass::Transient),
            Some(Class::Permanent) => Some(FailureClass::Permanent),
            _ => None,
        },
        subject: f
            .code
            .as_deref()
            .and_then(|c| c.parse::<EnhancedCode>().ok())
            .map(|c| c.subject),
        outcome: status.outcome.clone(),
        code_stated: f.code_source.map(|s| s == CodeSource::Stated),
        code_strength: kb.reason(f.reason).map(|k| k.strength),
        basic_known: status.basic.is_some(),
    };
    f.reason = kb.decide_reason(&context, evidence, provider_reason, Some(f.reason));
    f.action = kb.action_for(f.class, f.reason, f.action);
}

/// The kind of input, as the reason rules name it.
fn input_scope(kind: InputKind) -> InputScope {
    match kind {
        InputKind::Dsn => InputScope::Message,
        InputKind::Log => InputScope::Log,
        InputKind::Text => InputScope::Text,
        InputKind::Code | InputKind::Basic | InputKind::Reply => InputScope::Reply,
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
            text: std::sync::Arc::from(""),
        },
        code: None,
        code_source: None,
        basic: None,
        matched: None,
        class: None,
        bounce,
        reason: Reason::Undefined,
        action: Action::None,
        severity: Severity::Medium,
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
        stage: r.stage,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of(text: &str) -> Reason {
        let kb = Kb::builtin();
        let (statuses, rest) = crate::recognize::recognise(text);
        let status = statuses.into_iter().chain(rest).next().expect("a status");
        explain(&kb, &status).expect("a finding").reason
    }

    #[test]
    fn wording_decides_over_a_broad_code() {
        assert_eq!(
            reason_of("550 5.7.1 Relay access denied"),
            Reason::Norelaying
        );
        assert_eq!(
            reason_of(
                "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown in local recipient table"
            ),
            Reason::Userunknown
        );
        assert_eq!(reason_of("452 4.2.2 Mailbox is full"), Reason::Mailboxfull);
    }

    #[test]
    fn context_decides_when_the_words_do_not() {
        assert_eq!(
            reason_of(
                "Jun 10 10:00:00 mx postfix/smtp[1]: 1A2B3C: to=<a@example.org>, relay=none, delay=1, status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)"
            ),
            Reason::Networkerror
        );
    }

    #[test]
    fn actions_follow_the_reason_table() {
        let kb = Kb::builtin();
        let act = |c, r| kb.action_for(Some(c), r, Action::Retry);
        assert_eq!(act(Class::Transient, Reason::Userunknown), Action::Suppress);
        assert_eq!(act(Class::Transient, Reason::Mailboxfull), Action::Retry);
        assert_eq!(act(Class::Permanent, Reason::Notaccept), Action::Suppress);
        assert_eq!(act(Class::Transient, Reason::Notaccept), Action::Retry);
        assert_eq!(
            act(Class::Permanent, Reason::Mailboxfull),
            Action::ContactRecipient
        );
        assert_eq!(
            act(Class::Permanent, Reason::Spamdetected),
            Action::FixSender
        );
    }
}
