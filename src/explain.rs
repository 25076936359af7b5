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
    /// The knowledge base's example replies for the code, for the full text form; not part
    /// of the JSON contract.
    #[serde(skip)]
    pub examples: Vec<String>,
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

/// What happens to a temporary failure: the MTAs' own retrying, written once in the
/// knowledge base (`[[mta]]`, `[retry_defaults]`), and what this code or reason adds.
#[derive(Debug, Clone, Serialize)]
pub struct Retry {
    /// Waits between attempts: the code's own (always a real MTA's) or the reference MTA's.
    pub schedule: Vec<String>,
    /// When retrying stops: the code's own, else the reference MTA's default.
    pub gives_up_after: String,
    /// How retrying plays out for this code.
    pub note: Option<String>,
    // Additions to the first schema (allowed: additions never break scripts).
    /// The id of the `mta` whose default schedule `schedule` is; null when it is none of them.
    pub schedule_mta: Option<String>,
    /// How retrying plays out for this finding's reason (greylisting, rate limits).
    pub reason_note: Option<String>,
    /// When a person should step in.
    pub step_in: Option<String>,
    /// What each sending MTA does by default, with its setting names.
    pub mta: Vec<MtaRetry>,
    /// The id of the `mta` that holds this message, when the input shows which (a log
    /// line's program, a report's own template); null when it does not.
    pub sending_mta: Option<String>,
    /// What the report itself says of how long its MTA keeps retrying, in its words
    /// ("It will be retried until it is 5 day(s) old"); null when it says nothing.
    pub report_horizon: Option<String>,
    /// Whether `step_in` is the code's own (then the reason's does not replace it).
    #[serde(skip)]
    pub own_step_in: bool,
}

/// One sending MTA's default retry behaviour.
#[derive(Debug, Clone, Serialize)]
pub struct MtaRetry {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub retries: String,
    /// The waits between attempts its defaults give; null when they form no fixed list.
    pub schedule: Option<Vec<String>>,
    /// Its retry rule in its own syntax; null when it has none.
    pub rule: Option<String>,
    pub gives_up_after: String,
    /// When it first warns the sender of the delay; null: it does not by default.
    pub warns_after: Option<String>,
    pub settings: Vec<MtaSetting>,
    pub sources: Vec<String>,
    pub checked: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MtaSetting {
    pub name: String,
    pub default: String,
}

impl From<&RawMta> for MtaRetry {
    fn from(m: &RawMta) -> MtaRetry {
        MtaRetry {
            id: m.id.clone(),
            name: m.name.clone(),
            summary: m.summary.clone(),
            retries: m.retries.clone(),
            schedule: (!m.schedule.is_empty()).then(|| m.schedule.clone()),
            rule: m.rule.clone(),
            gives_up_after: m.gives_up_after.clone(),
            warns_after: m.warns_after.clone(),
            settings: m
                .settings
                .iter()
                .map(|s| MtaSetting {
                    name: s.name.clone(),
                    default: s.default.clone(),
                })
                .collect(),
            sources: m.sources.clone(),
            checked: m.checked.clone(),
        }
    }
}

/// The retry section of a temporary failure: the MTAs' defaults, then what `own` (the
/// code's or class's `retry`) and the reason add.
fn retry_for(kb: &Kb, own: Option<&RawRetry>, reason: Reason) -> Option<Retry> {
    let defaults = kb.retry_defaults();
    if own.is_none() && defaults.is_none() {
        return None;
    }
    let own = own.cloned().unwrap_or_default();
    let reference = defaults.and_then(|d| kb.mta(&d.reference));
    let schedule = if own.schedule.is_empty() {
        reference.map(|m| m.schedule.clone()).unwrap_or_default()
    } else {
        own.schedule.clone()
    };
    let schedule_mta = kb
        .mtas()
        .iter()
        .find(|m| !schedule.is_empty() && m.schedule == schedule)
        .map(|m| m.id.clone());
    let gives_up_after = own
        .gives_up_after
        .clone()
        .or_else(|| reference.map(|m| m.gives_up_after.clone()))
        .unwrap_or_default();
    let mut retry = Retry {
        schedule,
        gives_up_after,
        note: own.note.clone(),
        schedule_mta,
        reason_note: None,
        step_in: own.step_in.clone(),
        mta: kb.mtas().iter().map(MtaRetry::from).collect(),
        sending_mta: None,
        report_horizon: None,
        own_step_in: own.step_in.is_some(),
    };
    refine_retry(kb, &mut retry, reason);
    Some(retry)
}

/// Sets what the finding's reason adds to its retry section, and who should step in when.
fn refine_retry(kb: &Kb, retry: &mut Retry, reason: Reason) {
    let defaults = kb.retry_defaults();
    let row = defaults.and_then(|d| d.reason.iter().find(|r| r.reason == reason));
    retry.reason_note = row.map(|r| r.note.clone());
    if !retry.own_step_in {
        retry.step_in = row
            .and_then(|r| r.step_in.clone())
            .or_else(|| defaults.map(|d| d.step_in.clone()));
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

/// What a status comes to: its code (stated or inferred), class, bounce type, reason and
/// action. The one classification both `explain` (around which it builds a finding) and
/// `scan` (which gives it to every event) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub code: Option<EnhancedCode>,
    pub code_source: Option<CodeSource>,
    pub class: Option<Class>,
    pub bounce: Bounce,
    pub reason: Reason,
    pub action: Action,
    /// A message that reports no failure at all: a complaint or an auto-reply.
    pub not_a_bounce: bool,
}

/// Whether the verdict of a status may read its wording and remote host: not for a bare
/// code, nor for a status whose code says it succeeded. (`scan` caches verdicts by what they
/// read.)
pub fn reads_evidence(status: &Status) -> bool {
    reads_evidence_of(status.kind, status.code, status.basic)
}

/// `reads_evidence` for a status of `kind` with `code` and `basic`, before it is built.
pub fn reads_evidence_of(kind: InputKind, code: Option<EnhancedCode>, basic: Option<u16>) -> bool {
    if matches!(kind, InputKind::Code | InputKind::Basic) {
        return false;
    }
    let class = basic.and_then(basic_class).or(code.map(|c| c.class));
    !(code.is_some() && class == Some(Class::Success))
}

/// Classifies one status. `None` only for plain text in which nothing could be inferred.
pub fn verdict(kb: &Kb, status: &Status) -> Option<Verdict> {
    verdict_with(kb, status, &evidence_text(status))
}

fn verdict_with(kb: &Kb, status: &Status, evidence: &str) -> Option<Verdict> {
    let mut code_source = status.code.map(|_| {
        if status.code_inferred {
            CodeSource::Inferred
        } else {
            CodeSource::Stated
        }
    });
    let mut code = status.code;
    // No code stated and no code entry's wording placed one: the reason the words give may.
    let mut code_open = false;
    if code.is_none() && status.kind != InputKind::Basic {
        if let Some(reason) = not_a_bounce_reason(status) {
            return Some(Verdict {
                code: None,
                code_source: None,
                class: None,
                bounce: Bounce::None,
                reason,
                action: Action::None,
                not_a_bounce: true,
            });
        }
        // The basic code, when there is one, says which class to infer within; else what
        // the reporting MTA did (a DSN's `Action: failed` is permanent).
        let outcome_class = outcome_class(status);
        let want = status.basic.and_then(basic_class).or(outcome_class);
        // A delivery that states no code (an Exim `=>` line) is a success whatever its
        // words say: the class-level code, with nothing to infer.
        let inferred = match want {
            Some(Class::Success) => None,
            _ => kb
                .infer(evidence, want)
                .and_then(|e| e.code.parse::<crate::code::CodeKey>().ok())
                .map(|k| k.low),
        };
        code_open = inferred.is_none() && want != Some(Class::Success);
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
            // Words with no code and no class that a rule still recognises: the reason's
            // class-level code, in the class its `[[reason]]` row reads such words in.
            if status.outside_report {
                return None;
            }
            let class = worded_class(kb, status, evidence)?;
            code = Some(EnhancedCode::new(class, 0, 0));
            code_source = Some(CodeSource::Inferred);
        }
    }
    let (class, mut reason, mut action) = match (code, status.basic) {
        (Some(code), _) => {
            let (class, reason, action) = code_base(kb, code, effective_class(status, code));
            (Some(class), reason, action)
        }
        (None, Some(basic)) => basic_base(kb, basic),
        (None, None) => return None,
    };
    // A bare code carries no evidence: nothing to recognise a provider or reason from.
    if !matches!(status.kind, InputKind::Code | InputKind::Basic) && class != Some(Class::Success) {
        let provider_meaning = provider_for(kb, status, evidence, code.as_ref()).and_then(|p| {
            let code = code.map(|c| c.to_string());
            kb.provider_meaning(p, code.as_deref(), status.stage, evidence)
        });
        let provider_reason = provider_meaning.and_then(|m| m.reason);
        let provider_action = provider_meaning.and_then(|m| m.action);
        let context = RuleContext {
            input: Some(input_scope(status.kind)),
            stage: status.stage,
            class: match class {
                Some(Class::Transient) => Some(FailureClass::Transient),
                Some(Class::Permanent) => Some(FailureClass::Permanent),
                _ => None,
            },
            subject: code.map(|c| c.subject),
            detail: code.map(|c| c.detail),
            outcome: status.outcome.clone(),
            diagnostic_type: status.diagnostic_type.clone(),
            // No enhanced code at all is no stated one: whether the words also infer a code
            // must not decide the rules.
            code_stated: Some(code_source == Some(CodeSource::Stated)),
            code_strength: kb.reason(reason).map(|k| k.strength),
            basic_known: status.basic.is_some(),
            server_words: status.has_server_words(),
        };
        let code_reason = reason;
        reason = kb.decide_reason(&context, evidence, provider_reason, Some(reason));
        if code_open && let Some(c) = class.and_then(|class| kb.reason_code(reason, class)) {
            // "User mailbox exceeds allowed size" with no code is a 5.2.2 (RFC 3463 §3.3),
            // explained as one, not as the class-level 5.0.0.
            code = Some(c);
            code_source = Some(CodeSource::Inferred);
        }
        // The code's own action speaks for the code's own reason only: a bare 552 says
        // "storage exceeded" (ask the recipient), but not when its words name a header fault.
        let stated = (reason == code_reason).then_some(action);
        action = kb.action_for(class, reason, stated);
        // A provider row's action stands when its reason held (or it named none): the provider
        // knows, for instance, that a deferral of its own will never clear ("Retrying will NOT
        // succeed").
        if let Some(a) = provider_action
            && provider_reason.is_none_or(|r| r == reason)
        {
            action = a;
        }
    }
    Some(Verdict {
        code,
        code_source,
        class,
        bounce: class.map_or(Bounce::None, bounce_of),
        reason,
        action,
        not_a_bounce: false,
    })
}

/// The class of words that state no code, no reply code and no outcome, when a rule
/// recognises a reason in them (`undefined` and `onhold` are none): the reason's
/// `worded_class`, else permanent.
fn worded_class(kb: &Kb, status: &Status, evidence: &str) -> Option<Class> {
    let context = RuleContext {
        input: Some(input_scope(status.kind)),
        stage: status.stage,
        code_stated: Some(false),
        server_words: status.has_server_words(),
        ..RuleContext::default()
    };
    let reason = kb.decide_reason(&context, evidence, None, None);
    if matches!(reason, Reason::Undefined | Reason::Onhold) {
        return None;
    }
    Some(match kb.reason(reason).and_then(|k| k.worded_class) {
        Some(FailureClass::Transient) => Class::Transient,
        _ => Class::Permanent,
    })
}

/// The class of a failure with `code`: the basic reply code's when the two disagree (RFC
/// 3463 with RFC 2034 §4: the sending MTA acts on the basic code), unless the MTA's own
/// outcome sides with the enhanced code. Postfix logs `dsn=4.0.0, status=deferred` for a
/// `554` greeting (smtp_skip_5xx_greeting) and then tries again: it was deferred, whatever
/// the remote said.
fn effective_class(status: &Status, code: EnhancedCode) -> Class {
    if outcome_class(status) == Some(code.class) {
        return code.class;
    }
    status.basic.and_then(basic_class).unwrap_or(code.class)
}

/// The class, reason and action a code gives before its wording is read. When the basic
/// code disagrees in class, the basic code decides the class, and the action follows the
/// sibling entry of that class (same subject and detail) when there is one.
fn code_base(kb: &Kb, code: EnhancedCode, effective: Class) -> (Class, Reason, Action) {
    let (matched, entry) = kb.lookup(&code);
    let stated = code.class;
    let class_entry = kb.class(effective);
    let acting = if effective != stated {
        kb.code(&EnhancedCode::new(effective, code.subject, code.detail))
    } else {
        entry
    };
    let reason = if stated == Class::Success {
        Reason::Delivered
    } else {
        match (entry, matched, kb.subject(code.subject)) {
            (Some(e), _, _) => e.reason,
            (None, Match::Subject, Some(s)) if stated == Class::Transient => s.reason_transient,
            (None, Match::Subject, Some(s)) => s.reason_permanent,
            _ => Reason::Undefined,
        }
    };
    let action = acting
        .map(|e| e.action)
        .or(class_entry.map(|c| c.action))
        .unwrap_or(Action::Retry);
    (effective, reason, action)
}

/// The class, reason and action a basic reply code alone gives (RFC 5321 §4.2: an unknown
/// one is read by its first digit).
fn basic_base(kb: &Kb, basic: u16) -> (Option<Class>, Reason, Action) {
    let class = basic_class(basic);
    match kb.basic(basic) {
        Some(b) => (class, b.reason, b.action),
        None => (
            class,
            Reason::Undefined,
            class
                .and_then(|c| kb.class(c))
                .map_or(Action::None, |c| c.action),
        ),
    }
}

/// The provider a status points to: by the remote host, the product whose headers say it
/// wrote the report, or the server's words; for input that is not a log line, by its whole
/// text too (a log line's other fields name the recipient's domain, not the server that
/// answered).
///
/// When nothing names the provider, a code that only one provider uses (a Microsoft 5.7.7xx,
/// a Gmail 4.7.40: its entry names the provider) points to it: no other server writes it.
fn provider_for<'k>(
    kb: &'k Kb,
    status: &Status,
    evidence: &str,
    code: Option<&EnhancedCode>,
) -> Option<&'k RawProvider> {
    // The server that answered speaks first; then the product that wrote the report (its
    // own reading of the reply); then a token in the reply.
    status
        .speaking_host()
        .and_then(|h| kb.provider_by_host(h))
        .or_else(|| kb.recognise_report_writer(status.report_headers.as_deref()?))
        .or_else(|| kb.provider_by_token(evidence))
        .or_else(|| {
            (status.kind != InputKind::Log && status.server_text.is_some())
                .then(|| kb.provider_by_token(&status.text))
                .flatten()
        })
        .or_else(|| {
            let (_, entry) = kb.lookup(code?);
            kb.provider(entry?.provider.as_deref()?)
        })
}

const RETURNED_AFTER_RETRYING: &str = "The sending MTA has stopped retrying and returned \
    the message: this temporary failure lasted until its queue lifetime ran out. Nothing is \
    queued any more; sending again is a new attempt, which succeeds once the condition has \
    cleared.";

/// Explains one status. `None` only for plain text in which nothing could be inferred.
pub fn explain(kb: &Kb, status: &Status) -> Option<Finding> {
    let evidence = evidence_text(status);
    let v = verdict_with(kb, status, &evidence)?;
    if v.not_a_bounce {
        return not_a_bounce(status);
    }
    let mut f = match (v.code, status.basic) {
        (Some(code), _) => from_code(kb, status, code),
        (None, Some(_)) => from_basic(kb, status),
        (None, None) => return None,
    };
    f.code_source = v.code_source;
    f.class = v.class;
    f.bounce = v.bounce;
    f.reason = v.reason;
    f.action = v.action;
    carry_input(&mut f, status);
    // A temporary failure the sending MTA has already returned (`Action: failed` over a
    // 4.x.x, Exim's "retry timeout exceeded", under whatever Status): its retrying is over,
    // not to come.
    let returned = matches!(
        status.outcome.as_deref(),
        Some("failed" | "expired" | "bounced")
    );
    if returned && (f.class == Some(Class::Transient) || f.reason == Reason::Expired) {
        f.retry = None;
        f.next = Some(RETURNED_AFTER_RETRYING.into());
    }
    if v.code_source == Some(CodeSource::Inferred) {
        f.warnings
            .push("no status code in the input: the code was inferred from its wording".into());
    }
    if !matches!(status.kind, InputKind::Code | InputKind::Basic) {
        show_provider_and_blocklist(kb, status, &evidence, v.code.as_ref(), &mut f);
        if let Some(retry) = &mut f.retry {
            refine_retry(kb, retry, f.reason);
            retry.sending_mta = status
                .sending_mta
                .map(|m| m.id())
                .filter(|id| kb.mta(id).is_some())
                .map(str::to_string);
            retry.report_horizon = status.retry_horizon.clone();
        }
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

/// The reason of a message that looks like a bounce but reports none (see `not_a_bounce`).
fn not_a_bounce_reason(status: &Status) -> Option<Reason> {
    if status.kind != InputKind::Dsn {
        return None;
    }
    match status.outcome.as_deref()? {
        "feedback" => Some(Reason::Feedback),
        "auto-reply" => Some(Reason::Vacation),
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
/// Mail addresses' local parts are masked (`<x@example.org>`): who the recipient is says
/// nothing about why the mail failed, and a local part such as `spam` must not read as
/// evidence.
fn evidence_text(status: &Status) -> String {
    evidence_of(status.server_text.as_deref().unwrap_or(&status.text)).into_owned()
}

/// The evidence of a status whose server text (else whole text) is `text`: borrowed when
/// it needs neither folding nor masking, as `scan` asks it of every failed attempt.
pub fn evidence_of(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match crate::recognize::fold_whitespace_cow(text) {
        Cow::Borrowed(t) if !t.contains('@') => Cow::Borrowed(t),
        folded => Cow::Owned(mask_local_parts(&folded)),
    }
}

/// Everything of a status's text its verdict may read: the evidence, and the whole input
/// when a provider may be recognised from it (see `provider_for`).
pub fn verdict_wording(status: &Status) -> String {
    let mut w = evidence_text(status);
    if status.kind != InputKind::Log && status.server_text.is_some() {
        w.push('\0');
        w.push_str(&status.text);
    }
    w
}

/// Replaces the local part of every `local@domain` with `x`.
fn mask_local_parts(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    let is_local = |c: char| c.is_alphanumeric() || "._%+-=!#$&'*/?^`{|}~".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_local(c))
            .last()
            .map_or(at, |(i, _)| i);
        let domain_follows = rest[at + 1..].starts_with(|c: char| c.is_alphanumeric());
        out.push_str(&before[..start]);
        if start < at && domain_follows {
            out.push('x');
        } else {
            out.push_str(&before[start..]);
        }
        out.push('@');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

fn from_code(kb: &Kb, status: &Status, code: EnhancedCode) -> Finding {
    let (matched, entry) = kb.lookup(&code);
    let stated_class = code.class;
    let effective = effective_class(status, code);
    let mut warnings = Vec::new();
    if let Some(expired) = status.expired_as {
        warnings.push(format!(
            "the report's own status is {expired} (delivery time expired): the queue gave up; \
             {code} is the failure of the last attempt, which the report quotes"
        ));
    }
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
            f.references = kb.references(&e.sources);
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
            f.severity = e.severity;
            f.deprecated = e.deprecated.clone();
            f.examples = e.examples.clone();
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
                }
                _ => {
                    f.title = format!("{class_name} (subject {} not registered)", code.subject);
                    f.summary = format!(
                        "An unregistered code: only its class is known, so RFC 3463 says to read it as {}.",
                        class_name.to_lowercase()
                    );
                    f.meaning = class_entry.map(|c| c.meaning.clone());
                }
            }
            f.severity = class_entry.map_or(Severity::Medium, |c| c.severity);
            f.references = vec!["RFC 3463".into()];
        }
    }
    if effective == Class::Transient {
        let retry = acting
            .and_then(|e| e.retry.as_ref())
            .or(class_entry.and_then(|c| c.retry.as_ref()));
        f.retry = retry_for(kb, retry, f.reason);
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
            f.references = kb.references(&b.sources);
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
            f.severity = class_entry.map_or(Severity::Low, |c| c.severity);
            f.references = vec!["RFC 5321 §4.2".into()];
        }
    }
    if class == Some(Class::Transient) {
        f.retry = retry_for(kb, class_entry.and_then(|c| c.retry.as_ref()), f.reason);
    }
    f
}

/// The provider and blocklist the evidence names, shown with the finding.
fn show_provider_and_blocklist(
    kb: &Kb,
    status: &Status,
    evidence: &str,
    code: Option<&EnhancedCode>,
    f: &mut Finding,
) {
    if let Some(p) = provider_for(kb, status, evidence, code) {
        let meaning = kb.provider_meaning(p, f.code.as_deref(), status.stage, evidence);
        // The provider's own meaning leads: its headline and its sentence are the finding's;
        // the registry's meaning for the code stays in `meaning`, after it.
        if let Some(m) = meaning {
            if let Some(t) = &m.title {
                f.title = t.clone();
            }
            f.summary = m.meaning.clone();
            // The provider's documents come first among the references, as its meaning does.
            let mut references = kb.references(&m.sources);
            for r in std::mem::take(&mut f.references) {
                if !references.contains(&r) {
                    references.push(r);
                }
            }
            f.references = references;
        }
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
        examples: Vec::new(),
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
    fn local_parts_are_masked_in_evidence() {
        assert_eq!(
            mask_local_parts("550 5.1.1 <spam.trap+1@Example.org>: unknown; see a@b"),
            "550 5.1.1 <x@Example.org>: unknown; see x@b"
        );
        assert_eq!(mask_local_parts("no address @ here"), "no address @ here");
        assert_eq!(mask_local_parts("é@ü.example"), "x@ü.example");
    }

    #[test]
    fn actions_follow_the_reason_table() {
        let kb = Kb::builtin();
        let act = |c, r| kb.action_for(Some(c), r, None);
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
