//! The knowledge base as written in `codes.toml`: raw serde structs, one per table.
//!
//! Shared with `build.rs`, which parses and validates `codes.toml` at build time and embeds
//! it in binary form; so this file depends on nothing but serde and std.

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
    #[serde(default)]
    pub reason: Vec<RawReason>,
    #[serde(default)]
    pub phrase: Vec<RawPhrase>,
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
    pub reason_transient: String,
    pub reason_permanent: String,
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
    pub reason: String,
    pub action: Action,
    #[serde(default)]
    pub references: Vec<String>,
}

/// One enhanced status code, registered (IANA) or a provider's own.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCode {
    pub code: String,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub meaning: Option<String>,
    /// Basic reply codes it usually comes with.
    #[serde(default)]
    pub basic: Vec<u16>,
    #[serde(default)]
    pub references: Vec<String>,
    pub bounce: Bounce,
    pub severity: Severity,
    pub reason: String,
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

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    /// Delays between attempts, as durations (`30m`, `1h`, `1d`).
    pub schedule: Vec<String>,
    /// When a typical MTA stops retrying and returns the message.
    pub gives_up_after: String,
    /// How the retrying plays out for this status, in a sentence or two.
    #[serde(default)]
    pub note: Option<String>,
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
    pub stage: Stage,
    pub symptom: String,
    pub cause: String,
    pub next_step: String,
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
    #[serde(default)]
    pub postmaster: Option<String>,
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
    pub meaning: String,
    /// The reason this meaning implies, when it differs from the code's.
    #[serde(default)]
    pub reason: Option<String>,
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
}

/// Text that decides the bounce reason whatever the code says (e.g. "relay access denied").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub id: String,
    pub description: String,
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Wording in a bounce or reply that names its reason outright, whatever the code says
/// ("user unknown", "mailbox full"). Groups are tried in file order; the first with a
/// matching pattern wins. `group` is a reason, or `connect` (the server could not be
/// reached) or `access` (a bare refusal), which the context resolves.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhrase {
    pub group: String,
    pub patterns: Vec<String>,
}

/// The `[[phrase]]` groups that are not reasons themselves.
pub const PHRASE_CONTEXT_GROUPS: &[&str] = &["connect", "access"];

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

/// The bounce-reason vocabulary bounce processors share (Sisimai's).
pub const REASONS: &[&str] = &[
    "authfailure",
    "badreputation",
    "blocked",
    "contenterror",
    "delivered",
    "exceedlimit",
    "expired",
    "feedback",
    "filtered",
    "hasmoved",
    "hostunknown",
    "mailboxfull",
    "mailererror",
    "mesgtoobig",
    "networkerror",
    "norelaying",
    "notaccept",
    "notcompliantrfc",
    "onhold",
    "policyviolation",
    "ratelimited",
    "rejected",
    "requireptr",
    "securityerror",
    "spamdetected",
    "speeding",
    "suspend",
    "syntaxerror",
    "systemerror",
    "systemfull",
    "toomanyconn",
    "undefined",
    "userunknown",
    "vacation",
    "virusdetected",
];

/// The embedded knowledge base's table of contents: everything but the code entries, and
/// where each code entry's own postcard blob lies. `build.rs` writes it as a little-endian
/// `u32` length, this index, then the blobs; a lookup decodes only the entry it needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EmbeddedIndex {
    /// Meta, classes and subjects: what every lookup needs.
    pub base: RawKb,
    /// (offset, length) of a blob holding the basic replies, providers, blocklists and
    /// reason rules, which only replies and text need.
    pub tables: (u32, u32),
    /// (code, offset, length) of each entry's blob, in code order.
    pub codes: Vec<(String, u32, u32)>,
}
