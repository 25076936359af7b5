//! The knowledge base as written in `codes.toml`: raw serde structs, one per table.
//!
//! Used by bouncex's `build.rs` too, which parses and validates `codes.toml` at build time
//! and embeds it in binary form.

use serde::{Deserialize, Serialize};

/// The whole file. Every table is optional so that an overlay (`--kb`) may carry only the
/// entries it changes; a file that replaces the built-in one must hold classes and subjects.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawKb {
    #[serde(default)]
    pub meta: Option<RawMeta>,
    #[serde(default)]
    pub class: Vec<RawClass>,
    #[serde(default)]
    pub subject: Vec<RawSubject>,
    #[serde(default)]
    pub basic: Vec<RawBasic>,
    #[serde(default)]
    pub code: Vec<RawCode>,
    #[serde(default)]
    pub provider: Vec<RawProvider>,
    #[serde(default)]
    pub blocklist: Vec<RawBlocklist>,
    /// The reason vocabulary: what each reason means and calls for.
    #[serde(default)]
    pub reason: Vec<RawReasonKind>,
    /// The one table of rules that decides a finding's reason.
    #[serde(default)]
    pub rule: Vec<RawRule>,
    /// What every temporary failure shares: how mail systems retry, once for all codes.
    #[serde(default)]
    pub retry_defaults: Option<RawRetryDefaults>,
    /// The sending MTAs whose default retry behaviour every transient finding shows.
    #[serde(default)]
    pub mta: Vec<RawMta>,
    /// Rows several entries share, written once and referenced by id (`"@id"` in a list of
    /// causes or fixes, `shared = "id"` for a troubleshooting row).
    #[serde(default)]
    pub shared: Vec<RawShared>,
    /// Public documents entries cite by id in `sources`, each written once with its URL.
    #[serde(default)]
    pub source: Vec<RawSource>,
}

/// A public document (a provider's page, a registry) that entries cite by its id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Kebab-case id (`ms-exo-ndr`).
    pub id: String,
    /// Who publishes it and its title (`Microsoft Learn: ...`), shown with the URL.
    pub title: String,
    /// An http(s) URL.
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    /// Version of the knowledge base's content, shown by `--version`.
    #[serde(default)]
    pub version: Option<String>,
    /// `true`: this file is a whole knowledge base and replaces the built-in one.
    /// Absent or `false`: its entries overlay the built-in ones, entry by entry.
    #[serde(default)]
    pub replace_builtin: Option<bool>,
}

/// A class (2, 4, 5): the fallback when neither the code nor its subject is known.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub class: u8,
    pub name: String,
    pub bounce: Bounce,
    pub severity: Severity,
    pub action: Action,
    pub summary: String,
    pub meaning: String,
    /// What the sending MTA does next with a status of this class.
    pub next: String,
    #[serde(default)]
    pub retry: Option<RawRetry>,
}

/// A subject (X.0 to X.7): the fallback when a code's detail is not registered.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubject {
    pub subject: u16,
    pub name: String,
    pub meaning: String,
    /// Whose side such problems are usually on.
    pub whose_problem: String,
    /// Reason (bounce-processor vocabulary) for an unregistered detail of this subject.
    pub reason_transient: Reason,
    pub reason_permanent: Reason,
}

/// A basic SMTP reply code (RFC 5321 and extensions).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasic {
    pub code: u16,
    pub title: String,
    pub meaning: String,
    /// SMTP commands (or `CONNECT`) that return it.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Enhanced codes it usually carries.
    #[serde(default)]
    pub enhanced: Vec<String>,
    pub bounce: Bounce,
    pub severity: Severity,
    pub reason: Reason,
    pub action: Action,
    /// Public sources: `RFC 3463 §3.2`, an http(s) URL, or the id of a `[[source]]` row.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the facts were last checked against those sources (`YYYY-MM-DD`).
    #[serde(default)]
    pub checked: Option<String>,
}

/// One enhanced status code, registered (IANA) or a provider's own.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCode {
    /// One code (`4.3.2`) or a range of details a provider documents as one entry
    /// (`5.7.606-649`); a single-code entry inside a range wins over the range.
    pub code: String,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub meaning: Option<String>,
    /// Basic reply codes it usually comes with.
    #[serde(default)]
    pub basic: Vec<u16>,
    /// Public sources: `RFC 3463 §3.2`, an http(s) URL, or the id of a `[[source]]` row.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the facts were last checked against those sources (`YYYY-MM-DD`).
    #[serde(default)]
    pub checked: Option<String>,
    pub bounce: Bounce,
    pub severity: Severity,
    pub reason: Reason,
    pub action: Action,
    /// Set for codes a provider uses outside the IANA registry: the provider's id.
    #[serde(default)]
    pub provider: Option<String>,
    /// Set when the registry deprecates the code: what to use instead.
    #[serde(default)]
    pub deprecated: Option<String>,
    #[serde(default)]
    pub retry: Option<RawRetry>,
    #[serde(default)]
    pub causes: Vec<String>,
    #[serde(default)]
    pub fixes: RawFixes,
    #[serde(default)]
    pub troubleshooting: Vec<RawTroubleshooting>,
    #[serde(default)]
    pub related: Vec<RawRelated>,
    /// Regexes that recognise this status in text that carries no code.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Real-looking replies or log lines that carry this code.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// What a code or class adds to the MTAs' own retrying. The MTAs' schedules live in
/// `[[mta]]`; a `schedule` here must be one of theirs (never invented), and is best left out.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    /// Waits between attempts (`5m`, `1h`): only ever a real MTA's schedule.
    #[serde(default)]
    pub schedule: Vec<String>,
    /// When retrying stops, when it differs from the MTAs' defaults.
    #[serde(default)]
    pub gives_up_after: Option<String>,
    /// How retrying plays out for this status, in a sentence or two.
    #[serde(default)]
    pub note: Option<String>,
    /// When a person should step in, when it differs from the general advice.
    #[serde(default)]
    pub step_in: Option<String>,
}

/// The knowledge base's one statement of how temporary failures are retried.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetryDefaults {
    /// The `[[mta]]` whose schedule a finding's `retry.schedule` shows when its code names none.
    pub reference: String,
    /// When a person should step in, whatever the code.
    pub step_in: String,
    /// What differs for findings of one reason (greylisting, rate limits).
    #[serde(default)]
    pub reason: Vec<RawReasonRetry>,
}

/// How retrying plays out for every finding of one reason.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReasonRetry {
    pub reason: Reason,
    /// What the retries do for this reason.
    pub note: String,
    /// When a person should step in for this reason.
    #[serde(default)]
    pub step_in: Option<String>,
    /// The public documents this rests on.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A sending MTA's default retry behaviour, from its own documentation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMta {
    /// Lower-case id (`postfix`).
    pub id: String,
    pub name: String,
    /// One line: the back-off and the give-up time, with setting names.
    pub summary: String,
    /// How it retries, in our words, with its setting names.
    pub retries: String,
    /// The waits between attempts its defaults give, when they form a fixed list.
    #[serde(default)]
    pub schedule: Vec<String>,
    /// Its retry rule, in its own syntax, when it has one (Exim's `F,2h,15m; ...`).
    #[serde(default)]
    pub rule: Option<String>,
    /// When it stops retrying and returns the message, by default.
    pub gives_up_after: String,
    /// When it first warns the sender that the message is delayed, by default; absent: never.
    #[serde(default)]
    pub warns_after: Option<String>,
    /// The settings that decide the above, with their default values.
    pub settings: Vec<RawMtaSetting>,
    /// The public documents the values come from.
    pub sources: Vec<String>,
    /// When the values were last checked against those documents (`YYYY-MM-DD`).
    pub checked: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMtaSetting {
    pub name: String,
    pub default: String,
}

/// A row several entries share: a cause or fix (`text`), or a troubleshooting row.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawShared {
    /// Kebab-case id that entries reference.
    pub id: String,
    /// A cause or fix, referenced as `"@id"` in `causes` or `fixes`.
    #[serde(default)]
    pub text: Option<String>,
    /// A troubleshooting row, referenced as `shared = "id"` in `[[code.troubleshooting]]`.
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub symptom: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub next_step: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixes {
    #[serde(default)]
    pub sender: Vec<String>,
    #[serde(default)]
    pub admin: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTroubleshooting {
    /// Set (with no other field) to use the shared row of this id.
    #[serde(default)]
    pub shared: Option<String>,
    #[serde(default = "any_stage")]
    pub stage: Stage,
    #[serde(default)]
    pub symptom: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub next_step: String,
}

fn any_stage() -> Stage {
    Stage::Any
}

/// The prefix that makes a cause or fix a reference to a shared row: `"@dane-tlsa-rollover"`.
pub const SHARED_PREFIX: char = '@';

/// The shared row a list item refers to, if it is a reference.
pub fn shared_ref(item: &str) -> Option<&str> {
    item.strip_prefix(SHARED_PREFIX).filter(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

impl RawKb {
    /// Replaces every reference to a shared row in the code entries by the row itself,
    /// looking ids up in this file's shared rows, then in `base`'s. Unknown ids stay as they
    /// are (validation reports them).
    pub fn resolve_shared(&mut self, base: &[RawShared]) {
        let rows: Vec<RawShared> = self.shared.iter().chain(base).cloned().collect();
        let find = |id: &str| rows.iter().find(|r| r.id == id);
        for code in &mut self.code {
            for item in code
                .causes
                .iter_mut()
                .chain(code.fixes.sender.iter_mut())
                .chain(code.fixes.admin.iter_mut())
            {
                if let Some(text) = shared_ref(item).and_then(find).and_then(|r| r.text.clone()) {
                    *item = text;
                }
            }
            for row in &mut code.troubleshooting {
                let Some(shared) = row.shared.as_deref().and_then(find) else {
                    continue;
                };
                if let (Some(stage), Some(symptom), Some(cause), Some(next_step)) = (
                    shared.stage,
                    &shared.symptom,
                    &shared.cause,
                    &shared.next_step,
                ) {
                    *row = RawTroubleshooting {
                        shared: None,
                        stage,
                        symptom: symptom.clone(),
                        cause: cause.clone(),
                        next_step: next_step.clone(),
                    };
                }
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelated {
    pub code: String,
    pub difference: String,
}

/// A receiving provider or gateway, and how to recognise it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    pub id: String,
    pub name: String,
    /// What to know about sending to it, in a sentence or two.
    pub about: String,
    /// Regexes matched (case-insensitively) against the remote host name.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Regexes matched (case-insensitively) against the reply text.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Regexes matched (case-insensitively) against a bounce's own header lines
    /// (`name: value`, one per line): the product that wrote the report, which then speaks
    /// for its replies whatever host they name.
    #[serde(default)]
    pub reports: Vec<String>,
    #[serde(default)]
    pub postmaster: Option<String>,
    /// Public sources: `RFC 3463 §3.2`, an http(s) URL, or the id of a `[[source]]` row.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the facts were last checked against those sources (`YYYY-MM-DD`).
    #[serde(default)]
    pub checked: Option<String>,
    /// The provider's own meaning for a code, or for a token in its replies.
    #[serde(default)]
    pub meaning: Vec<RawProviderMeaning>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProviderMeaning {
    /// The code this meaning applies to (`5.7.26`), or none when `pattern` alone decides.
    #[serde(default)]
    pub code: Option<String>,
    /// A regex the reply text must match (e.g. `\[TSS04\]`).
    #[serde(default)]
    pub pattern: Option<String>,
    /// The SMTP stages the row applies at; empty: any stage, or none named. A provider may
    /// give the same words a different meaning before and after DATA.
    #[serde(default)]
    pub stage: Vec<Stage>,
    /// A short headline for the finding in the provider's terms; it replaces the code's
    /// title when the provider's meaning differs from the registry's.
    #[serde(default)]
    pub title: Option<String>,
    pub meaning: String,
    /// The reason this meaning implies, when it differs from the code's.
    #[serde(default)]
    pub reason: Option<Reason>,
    /// The action this meaning calls for, when it differs from what the reason implies.
    #[serde(default)]
    pub action: Option<Action>,
    /// Public sources: `RFC 3463 §3.2`, an http(s) URL, or the id of a `[[source]]` row.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the facts were last checked against those sources (`YYYY-MM-DD`).
    #[serde(default)]
    pub checked: Option<String>,
}

impl RawProviderMeaning {
    /// Whether the row allows a status at `stage` (`None`: the input names no stage). A row
    /// that names stages needs a status at one of them.
    pub fn allows_stage(&self, stage: Option<Stage>) -> bool {
        self.stage.is_empty() || stage.is_some_and(|s| self.stage.contains(&s))
    }

    /// How many conditions the row names (code, pattern, stage): of the rows that apply,
    /// the one naming the most is the provider's most specific meaning.
    pub fn specificity(&self) -> usize {
        usize::from(self.code.is_some())
            + usize::from(self.pattern.is_some())
            + usize::from(!self.stage.is_empty())
    }
}

/// A DNS blocklist: evidence for the cause when a reply names it, never the provider.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBlocklist {
    pub id: String,
    pub name: String,
    pub about: String,
    pub tokens: Vec<String>,
    #[serde(default)]
    pub delist: Option<String>,
    /// Public sources: `RFC 3463 §3.2`, an http(s) URL, or the id of a `[[source]]` row.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the facts were last checked against those sources (`YYYY-MM-DD`).
    #[serde(default)]
    pub checked: Option<String>,
}

/// One reason of the vocabulary: what it means, how firmly a code stating it holds, and
/// what it calls for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReasonKind {
    pub id: Reason,
    pub description: String,
    pub strength: Strength,
    /// What a permanent failure with this reason calls for, when not the code's action.
    #[serde(default)]
    pub permanent_action: Option<Action>,
    /// What a temporary failure with this reason calls for, when not `retry`.
    #[serde(default)]
    pub transient_action: Option<Action>,
    /// The RFC 3463 code that names this reason exactly, as `X.2.2` (either class): the code
    /// a text that states none gets when its words give this reason and no code entry's
    /// wording placed it. Only for reasons one code names.
    #[serde(default)]
    pub code: Option<String>,
    /// The class words that give this reason but state no code and no class are read in;
    /// absent: permanent (a wording such as "no such user" names a lasting condition).
    #[serde(default)]
    pub worded_class: Option<FailureClass>,
}

/// How firmly a status code's own reason holds against wording that refines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Names the problem exactly (`userunknown` for 5.1.1): only decisive wording overrides.
    Precise,
    /// A reason, but a broad one (`securityerror` for 5.7.1): refining wording overrides.
    Plain,
    /// Says nothing (`undefined`, `onhold`): any rule overrides.
    Generic,
}

/// A rule that decides a finding's reason: wording the server's text carries, the context
/// it must come in, or both. See docs/knowledge-base.md for the decision order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub reason: Reason,
    /// Higher is tried first; ties go to the earlier rule in the file.
    pub priority: u16,
    /// Regexes on the server's words; any one matching is enough. None: context alone.
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub when: RuleWhen,
    /// A recast: applies after a reason is chosen, and turns these reasons into `reason`.
    #[serde(default)]
    pub replaces: Vec<Reason>,
    /// Who writes this wording (MTA, provider) and the public document or RFC section.
    pub source: String,
    /// Texts this rule must decide; `kb check` fails when another rule catches one first.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Wordings of this rule that also name a code: a text that states none and says one of
    /// them is explained as that code. They count as the rule's patterns too.
    #[serde(default)]
    pub infers: Vec<RawInference>,
}

/// Some of a rule's wordings and the codes they name (`[[rule.infers]]`): written once, in
/// the rule, rather than again in each code entry's `patterns`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInference {
    /// Exact codes with an entry of their own; with one of each class, the text's class picks.
    pub codes: Vec<String>,
    pub patterns: Vec<String>,
}

impl RawRule {
    /// Every wording of the rule: its own patterns, then those that also infer a code.
    pub fn all_patterns(&self) -> impl Iterator<Item = &String> {
        (self.patterns.iter()).chain(self.infers.iter().flat_map(|i| &i.patterns))
    }
}

/// The context a rule needs; every list given must contain the input's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleWhen {
    #[serde(default)]
    pub input: Vec<InputScope>,
    #[serde(default)]
    pub stage: Vec<Stage>,
    #[serde(default)]
    pub class: Vec<FailureClass>,
    #[serde(default)]
    pub subject: Vec<u16>,
    /// Subjects the code must not have; a finding with no code passes.
    #[serde(default)]
    pub subject_not: Vec<u16>,
    /// Exact codes of either class, as `X.1.7`: for the few codes whose detail, not their
    /// subject, says whom the failure is about.
    #[serde(default)]
    pub code: Vec<AnyClassCode>,
    #[serde(default)]
    pub outcome: Vec<String>,
    /// A report's `Diagnostic-Code` type, lower-case (`x-unix`: a local program's exit
    /// status, RFC 3464 §2.3.6).
    #[serde(default)]
    pub diagnostic_type: Vec<String>,
    /// `false`: only when the input names no SMTP stage; `true`: only when it names one.
    #[serde(default)]
    pub stage_known: Option<bool>,
    /// `true`: only when the input states its code; `false`: only when it states none (the
    /// code was inferred, or there is none).
    #[serde(default)]
    pub code_stated: Option<bool>,
    /// The strength of the code's own reason (see `Strength`).
    #[serde(default)]
    pub code_strength: Vec<Strength>,
    /// `true`: only when the input carries a basic reply code (550); `false`: only without.
    #[serde(default)]
    pub basic_known: Option<bool>,
    /// `false`: only when the input carries none of the server's own words (a report with
    /// a Status and nothing else); `true`: only when it carries some.
    #[serde(default)]
    pub server_words: Option<bool>,
    /// Recast rules only: `true` when the reason to recast was read from the server's words,
    /// `false` when it came from the code or the provider.
    #[serde(default)]
    pub reason_worded: Option<bool>,
    /// Recast rules only: the ids of the rules whose decision this recasts (a wording whose
    /// reason depends on the input is written once, in the rule that reads it).
    #[serde(default)]
    pub decided_by: Vec<String>,
}

impl RuleWhen {
    /// Whether these conditions hold wherever `other`'s hold: each list is unrestricted
    /// or contains all of `other`'s.
    pub fn is_implied_by(&self, other: &RuleWhen) -> bool {
        fn covers<T: PartialEq>(mine: &[T], theirs: &[T]) -> bool {
            mine.is_empty() || (!theirs.is_empty() && theirs.iter().all(|t| mine.contains(t)))
        }
        covers(&self.input, &other.input)
            && covers(&self.stage, &other.stage)
            && covers(&self.class, &other.class)
            && covers(&self.subject, &other.subject)
            && self.subject_not.iter().all(|s| {
                other.subject_not.contains(s)
                    || (!other.subject.is_empty() && !other.subject.contains(s))
            })
            && covers(&self.code, &other.code)
            && covers(&self.outcome, &other.outcome)
            && covers(&self.diagnostic_type, &other.diagnostic_type)
            && (self.stage_known.is_none() || self.stage_known == other.stage_known)
            && (self.code_stated.is_none() || self.code_stated == other.code_stated)
            && covers(&self.code_strength, &other.code_strength)
            && (self.basic_known.is_none() || self.basic_known == other.basic_known)
            && (self.server_words.is_none() || self.server_words == other.server_words)
            && (self.reason_worded.is_none() || self.reason_worded == other.reason_worded)
            && covers(&self.decided_by, &other.decided_by)
    }
}

/// An enhanced code's subject and detail, written `X.1.7`: the same code in either class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyClassCode {
    pub subject: u16,
    pub detail: u16,
}

impl std::str::FromStr for AnyClassCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a code of either class, written like `X.1.7`");
        let rest = s.strip_prefix("X.").ok_or_else(bad)?;
        let (subject, detail) = rest.split_once('.').ok_or_else(bad)?;
        let number = |n: &str| crate::code::sub_code(n).ok_or_else(bad);
        Ok(AnyClassCode {
            subject: number(subject)?,
            detail: number(detail)?,
        })
    }
}

impl std::fmt::Display for AnyClassCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "X.{}.{}", self.subject, self.detail)
    }
}

impl<'de> Deserialize<'de> for AnyClassCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for AnyClassCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a rule's conditions are checked against: the finding being explained.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleContext {
    pub input: Option<InputScope>,
    pub stage: Option<Stage>,
    pub class: Option<FailureClass>,
    pub subject: Option<u16>,
    pub detail: Option<u16>,
    pub outcome: Option<String>,
    /// A report's `Diagnostic-Code` type, lower-cased.
    pub diagnostic_type: Option<String>,
    /// Whether the input states an enhanced code (`Some(false)` when it was inferred or
    /// there is none; `None` only where no finding is being decided).
    pub code_stated: Option<bool>,
    /// The strength of the code's own reason.
    pub code_strength: Option<Strength>,
    /// Whether the input carries a basic reply code.
    pub basic_known: bool,
    /// Whether the input carries any of the server's own words.
    pub server_words: bool,
}

impl RuleWhen {
    /// Whether the conditions hold for `ctx`: each list is empty or holds its value.
    pub fn holds(&self, ctx: &RuleContext) -> bool {
        fn has<T: PartialEq>(list: &[T], value: Option<&T>) -> bool {
            list.is_empty() || value.is_some_and(|v| list.contains(v))
        }
        has(&self.input, ctx.input.as_ref())
            && has(&self.stage, ctx.stage.as_ref())
            && has(&self.class, ctx.class.as_ref())
            && has(&self.subject, ctx.subject.as_ref())
            && ctx.subject.is_none_or(|s| !self.subject_not.contains(&s))
            && (self.code.is_empty()
                || ctx
                    .subject
                    .zip(ctx.detail)
                    .is_some_and(|(subject, detail)| {
                        self.code.contains(&AnyClassCode { subject, detail })
                    }))
            && has(&self.outcome, ctx.outcome.as_ref())
            && has(&self.diagnostic_type, ctx.diagnostic_type.as_ref())
            && self.stage_known.is_none_or(|k| k == ctx.stage.is_some())
            && self.code_stated.is_none_or(|k| Some(k) == ctx.code_stated)
            && has(&self.code_strength, ctx.code_strength.as_ref())
            && self.basic_known.is_none_or(|k| k == ctx.basic_known)
            && self.server_words.is_none_or(|k| k == ctx.server_words)
    }
}

/// The indexes of `rules` in the order they are tried: highest priority first, then file
/// order.
pub fn rule_order(priorities: impl IntoIterator<Item = u16>) -> Vec<usize> {
    let mut keyed: Vec<(std::cmp::Reverse<u16>, usize)> = priorities
        .into_iter()
        .enumerate()
        .map(|(i, p)| (std::cmp::Reverse(p), i))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Where the knowledge base's implicit candidates stand among the rules' priorities.
pub mod priority {
    /// The provider's own meaning for the code or a token in its reply.
    pub const PROVIDER: u16 = 350;
    /// The code's own reason, when its strength is `precise`.
    pub const PRECISE_CODE: u16 = 200;
    /// The code's own reason, when its strength is `plain`.
    pub const PLAIN_CODE: u16 = 50;
}

/// The kind of input a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputScope {
    /// A bounce message (DSN or plain-text bounce).
    Message,
    /// An MTA log line.
    Log,
    /// An SMTP reply, a code, or a reply quoted in text.
    Reply,
    /// Words with no code.
    Text,
}

/// A failure's class, as rules name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureClass {
    Transient,
    Permanent,
}

/// The bounce-reason vocabulary bounce processors share (Sisimai's), plus `greylisted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    Authfailure,
    Badreputation,
    Blocked,
    Contenterror,
    Delivered,
    Exceedlimit,
    Expired,
    Feedback,
    Filtered,
    Greylisted,
    Hasmoved,
    Hostunknown,
    Mailboxfull,
    Mailererror,
    Mesgtoobig,
    Networkerror,
    Norelaying,
    Notaccept,
    Notcompliantrfc,
    Onhold,
    Policyviolation,
    /// Sending faster than the receiver allows. Sisimai 5.1 and older overlays say `speeding`.
    #[serde(alias = "speeding")]
    Ratelimited,
    Rejected,
    Requireptr,
    Securityerror,
    Spamdetected,
    Suspend,
    Syntaxerror,
    Systemerror,
    Systemfull,
    Toomanyconn,
    Undefined,
    Userunknown,
    Vacation,
    Virusdetected,
}

impl Reason {
    pub const ALL: [Reason; 35] = [
        Reason::Authfailure,
        Reason::Badreputation,
        Reason::Blocked,
        Reason::Contenterror,
        Reason::Delivered,
        Reason::Exceedlimit,
        Reason::Expired,
        Reason::Feedback,
        Reason::Filtered,
        Reason::Greylisted,
        Reason::Hasmoved,
        Reason::Hostunknown,
        Reason::Mailboxfull,
        Reason::Mailererror,
        Reason::Mesgtoobig,
        Reason::Networkerror,
        Reason::Norelaying,
        Reason::Notaccept,
        Reason::Notcompliantrfc,
        Reason::Onhold,
        Reason::Policyviolation,
        Reason::Ratelimited,
        Reason::Rejected,
        Reason::Requireptr,
        Reason::Securityerror,
        Reason::Spamdetected,
        Reason::Suspend,
        Reason::Syntaxerror,
        Reason::Systemerror,
        Reason::Systemfull,
        Reason::Toomanyconn,
        Reason::Undefined,
        Reason::Userunknown,
        Reason::Vacation,
        Reason::Virusdetected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Authfailure => "authfailure",
            Reason::Badreputation => "badreputation",
            Reason::Blocked => "blocked",
            Reason::Contenterror => "contenterror",
            Reason::Delivered => "delivered",
            Reason::Exceedlimit => "exceedlimit",
            Reason::Expired => "expired",
            Reason::Feedback => "feedback",
            Reason::Filtered => "filtered",
            Reason::Greylisted => "greylisted",
            Reason::Hasmoved => "hasmoved",
            Reason::Hostunknown => "hostunknown",
            Reason::Mailboxfull => "mailboxfull",
            Reason::Mailererror => "mailererror",
            Reason::Mesgtoobig => "mesgtoobig",
            Reason::Networkerror => "networkerror",
            Reason::Norelaying => "norelaying",
            Reason::Notaccept => "notaccept",
            Reason::Notcompliantrfc => "notcompliantrfc",
            Reason::Onhold => "onhold",
            Reason::Policyviolation => "policyviolation",
            Reason::Ratelimited => "ratelimited",
            Reason::Rejected => "rejected",
            Reason::Requireptr => "requireptr",
            Reason::Securityerror => "securityerror",
            Reason::Spamdetected => "spamdetected",
            Reason::Suspend => "suspend",
            Reason::Syntaxerror => "syntaxerror",
            Reason::Systemerror => "systemerror",
            Reason::Systemfull => "systemfull",
            Reason::Toomanyconn => "toomanyconn",
            Reason::Undefined => "undefined",
            Reason::Userunknown => "userunknown",
            Reason::Vacation => "vacation",
            Reason::Virusdetected => "virusdetected",
        }
    }
}

/// `Display` as the JSON and TOML spelling.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Reason, Bounce, Severity, Action, Stage);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bounce {
    None,
    Soft,
    Hard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    None,
    Retry,
    FixSender,
    Suppress,
    ContactRecipient,
}

/// Where in an SMTP session a status arose. `Any` is for troubleshooting rows that are
/// about a pattern rather than a stage (e.g. "only one provider defers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Connect,
    Helo,
    Starttls,
    Auth,
    Mail,
    Rcpt,
    Data,
    EndOfData,
    Any,
}

impl Bounce {
    pub fn as_str(self) -> &'static str {
        match self {
            Bounce::None => "none",
            Bounce::Soft => "soft",
            Bounce::Hard => "hard",
        }
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "none",
            Action::Retry => "retry",
            Action::FixSender => "fix-sender",
            Action::Suppress => "suppress",
            Action::ContactRecipient => "contact-recipient",
        }
    }
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Connect,
        Stage::Helo,
        Stage::Starttls,
        Stage::Auth,
        Stage::Mail,
        Stage::Rcpt,
        Stage::Data,
        Stage::EndOfData,
        Stage::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Helo => "helo",
            Stage::Starttls => "starttls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::EndOfData => "end-of-data",
            Stage::Any => "any",
        }
    }

    /// How the stage reads in a table: the SMTP command or moment it names.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Helo => "HELO/EHLO",
            Stage::Starttls => "STARTTLS",
            Stage::Auth => "AUTH",
            Stage::Mail => "MAIL FROM",
            Stage::Rcpt => "RCPT TO",
            Stage::Data => "DATA",
            Stage::EndOfData => "end of DATA",
            Stage::Any => "any stage",
        }
    }
}

/// Where one row's postcard blob lies in the embedded knowledge base: (offset, length).
pub type Blob = (u32, u32);

/// The embedded knowledge base's table of contents: meta, classes, subjects and the other
/// small tables every finding needs, then, for every other row (code entries, basic replies,
/// providers, blocklists, reasons, rules), where its own postcard blob lies. `build.rs`
/// writes it as a little-endian `u32` length, this index, then the blobs; a lookup decodes
/// only the rows it reads, so an explain never decodes the whole knowledge base.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EmbeddedIndex {
    /// Meta, classes, subjects, retry defaults, MTAs, shared rows and sources.
    pub base: RawKb,
    /// Each code entry's code (or range), in code order.
    pub codes: Vec<(String, Blob)>,
    /// Each basic reply's code, in file order.
    pub basics: Vec<(u16, Blob)>,
    /// Each provider's id and number of meaning rows, in file order.
    pub providers: Vec<(String, u32, Blob)>,
    pub blocklists: Vec<Blob>,
    pub reasons: Vec<(Reason, Blob)>,
    /// What deciding a reason reads of each rule, in file order.
    pub rules: Vec<(RuleHead, Blob)>,
}

/// What deciding a finding's reason reads of a rule (`Kb::decide_reason`): every rule is
/// tried for most inputs, and this much of it decodes in a fraction of the whole row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RuleHead {
    pub id: String,
    pub reason: Reason,
    pub priority: u16,
    /// Whether the rule has patterns (then one of them must match).
    pub patterned: bool,
    pub when: RuleWhen,
    pub replaces: Vec<Reason>,
}

impl From<&RawRule> for RuleHead {
    fn from(r: &RawRule) -> RuleHead {
        RuleHead {
            id: r.id.clone(),
            reason: r.reason,
            priority: r.priority,
            patterned: r.all_patterns().next().is_some(),
            when: r.when.clone(),
            replaces: r.replaces.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AnyClassCode, Reason, RuleContext, RuleWhen};

    #[derive(serde::Deserialize)]
    struct Row {
        reason: Reason,
    }

    #[test]
    fn sisimai_5_1_speeding_reads_as_ratelimited() {
        let row: Row = toml::from_str("reason = \"speeding\"").unwrap();
        assert_eq!(row.reason, Reason::Ratelimited);
        assert_eq!(Reason::Ratelimited.to_string(), "ratelimited");
    }

    #[test]
    fn a_rule_names_a_code_of_either_class() {
        let when: RuleWhen = toml::from_str("code = [\"X.1.7\", \"X.1.8\"]").unwrap();
        assert_eq!(
            when.code[1],
            AnyClassCode {
                subject: 1,
                detail: 8
            }
        );
        assert_eq!(when.code[0].to_string(), "X.1.7");
        let ctx = |subject, detail| RuleContext {
            subject,
            detail,
            ..RuleContext::default()
        };
        assert!(when.holds(&ctx(Some(1), Some(7))));
        assert!(!when.holds(&ctx(Some(1), Some(1))));
        assert!(!when.holds(&ctx(None, None)), "no code is not X.1.7");
        for bad in ["5.1.7", "X.1", "X.1.x", "X.1.7.2", "X.1234.1", "X..7"] {
            let text = format!("code = [\"{bad}\"]");
            let err = toml::from_str::<RuleWhen>(&text).unwrap_err().to_string();
            assert!(err.contains("written like `X.1.7`"), "{bad}: {err}");
        }
    }
}
