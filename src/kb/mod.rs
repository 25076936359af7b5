//! The knowledge base: the model (`model`), its validation (`validate`), and the loaded,
//! indexed form the rest of bouncex looks things up in.

use bouncex_kb_core::kb::literal_table;
pub use bouncex_kb_core::kb::{model, validate};
use literal_table::{
    PatternSet, blocklist_patterns, code_patterns, meaning_patterns, rule_patterns,
};
mod patterns;

use crate::code::{Class, CodeKey, EnhancedCode};
use model::*;
pub use patterns::PatternList;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
pub use validate::KbError;

/// `codes.toml`, parsed and validated by `build.rs`.
static BUILTIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kb.bin"));

/// The built-in knowledge base's pattern tables, written by `build.rs`
/// (`literal_table::build_sets`).
static BUILTIN_PATTERNS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/patterns.bin"));

/// The built-in table of `set`.
fn builtin_patterns(set: PatternSet) -> PatternList {
    let word = |i: usize| {
        let b = BUILTIN_PATTERNS
            .get(i * 4..i * 4 + 4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_else(|| unreachable!("build.rs writes the pattern header"));
        u32::from_le_bytes(b) as usize
    };
    let (offset, len) = (word(set as usize * 2), word(set as usize * 2 + 1));
    let table = BUILTIN_PATTERNS
        .get(offset..offset + len)
        .unwrap_or_else(|| unreachable!("build.rs writes the pattern tables"));
    PatternList::from_table(Cow::Borrowed(table))
}

/// Parses and checks a knowledge-base file against a base: `validate::parse_and_validate`,
/// or `validate::check_file`, which adds the repetition lint.
type Checker = fn(&str, &str, Option<&RawKb>) -> Result<RawKb, Vec<KbError>>;

/// A loaded, validated knowledge base with its indexes.
pub struct Kb {
    /// Meta, classes, subjects, retry defaults, MTAs, shared rows and sources (the other
    /// tables are rows below).
    raw: RawKb,
    entries: Vec<Row<RawCode>>,
    /// Single-code entries by code.
    codes: HashMap<EnhancedCode, usize>,
    /// Range entries (`5.7.606-649`), in code order.
    ranges: Vec<(CodeKey, usize)>,
    subjects: HashMap<u16, usize>,
    basics: Vec<(u16, Row<RawBasic>)>,
    providers: Vec<ProviderRow>,
    blocklists: Vec<Row<RawBlocklist>>,
    reasons: Vec<(Reason, Row<RawReasonKind>)>,
    rules: Vec<(RuleHead, Row<RawRule>)>,
    /// The pattern lists come from `BUILTIN_PATTERNS` (else they are built from the tables).
    builtin_patterns: bool,
    code_patterns: OnceLock<PatternList>,
    provider_patterns: OnceLock<ProviderPatterns>,
    blocklist_patterns: OnceLock<PatternList>,
    rule_patterns: OnceLock<RulePatterns>,
}

/// A provider's id and meaning-row count, known without decoding the provider.
struct ProviderRow {
    id: String,
    meanings: usize,
    row: Row<RawProvider>,
}

/// One row of a table: decoded from its embedded blob on first use, or loaded from a file.
/// Boxed, so that the rows an input never reads cost a few words each.
struct Row<T> {
    blob: &'static [u8],
    cell: OnceLock<Box<T>>,
}

impl<T: serde::de::DeserializeOwned> Row<T> {
    fn get(&self) -> &T {
        self.cell.get_or_init(|| {
            postcard::from_bytes(self.blob)
                .unwrap_or_else(|e| unreachable!("build.rs wrote this row: {e}"))
        })
    }

    fn embedded(blobs: &'static [u8], (offset, length): Blob) -> Row<T> {
        Row {
            blob: &blobs[offset as usize..(offset + length) as usize],
            cell: OnceLock::new(),
        }
    }

    fn loaded(row: T) -> Row<T> {
        Row {
            blob: &[],
            cell: OnceLock::from(Box::new(row)),
        }
    }

    fn into_inner(self) -> T {
        self.get();
        *self
            .cell
            .into_inner()
            .unwrap_or_else(|| unreachable!("decoded just above"))
    }
}

/// How a status was matched to an entry (RFC 3463's fallback order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Exact,
    /// The code lies inside a range entry (`5.7.620` in `5.7.606-649`).
    Range,
    Subject,
    Class,
}

impl std::fmt::Display for Match {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Range => "range",
            Match::Subject => "subject",
            Match::Class => "class",
        }
    }
}

/// The reason rules' patterns, and the rules in the order they are tried.
struct RulePatterns {
    list: PatternList,
    /// Rules that decide a reason, highest priority first.
    decide: Vec<usize>,
    /// Rules that recast a decided reason, highest priority first.
    recast: Vec<usize>,
}

/// Each group of patterns is prepared on first use, and each pattern compiled only once
/// a text could match it (see `patterns`): explaining a bare code prepares none.
struct ProviderPatterns {
    hosts: PatternList,
    tokens: PatternList,
    reports: PatternList,
    /// Every provider's meaning rows' patterns, owned by row, counted across providers.
    meanings: PatternList,
    /// Per provider, the number of its first row in that count.
    first_row: Vec<usize>,
}

impl Kb {
    /// The knowledge base built into the binary.
    pub fn builtin() -> Kb {
        let corrupt = |e: &dyn std::fmt::Display| -> ! {
            unreachable!("build.rs writes the embedded knowledge base: {e}")
        };
        let len =
            u32::from_le_bytes(BUILTIN[..4].try_into().unwrap_or_else(|e| corrupt(&e))) as usize;
        let index: EmbeddedIndex =
            postcard::from_bytes(&BUILTIN[4..4 + len]).unwrap_or_else(|e| corrupt(&e));
        let blobs: &'static [u8] = &BUILTIN[4 + len..];
        let mut kb = Kb::assemble(
            index.base,
            (index.codes.into_iter())
                .map(|(code, at)| (code, Row::embedded(blobs, at)))
                .collect(),
        );
        kb.basics = (index.basics.into_iter())
            .map(|(code, at)| (code, Row::embedded(blobs, at)))
            .collect();
        kb.providers = (index.providers.into_iter())
            .map(|(id, meanings, at)| ProviderRow {
                id,
                meanings: meanings as usize,
                row: Row::embedded(blobs, at),
            })
            .collect();
        kb.blocklists = (index.blocklists.into_iter())
            .map(|at| Row::embedded(blobs, at))
            .collect();
        kb.reasons = (index.reasons.into_iter())
            .map(|(id, at)| (id, Row::embedded(blobs, at)))
            .collect();
        kb.rules = (index.rules.into_iter())
            .map(|(head, at)| (head, Row::embedded(blobs, at)))
            .collect();
        kb.builtin_patterns = true;
        kb
    }

    /// The whole knowledge base as raw tables, every row decoded.
    fn into_raw(self) -> RawKb {
        let mut raw = self.raw;
        raw.code = self.entries.into_iter().map(Row::into_inner).collect();
        raw.basic = (self.basics.into_iter())
            .map(|(_, r)| r.into_inner())
            .collect();
        raw.provider = (self.providers.into_iter())
            .map(|p| p.row.into_inner())
            .collect();
        raw.blocklist = self.blocklists.into_iter().map(Row::into_inner).collect();
        raw.reason = (self.reasons.into_iter())
            .map(|(_, r)| r.into_inner())
            .collect();
        raw.rule = self
            .rules
            .into_iter()
            .map(|(_, r)| r.into_inner())
            .collect();
        raw
    }

    /// Loads `text` (named `file` in errors) over the built-in knowledge base, or instead of
    /// it when the file says `replace_builtin = true`.
    pub fn load(file: &str, text: &str) -> Result<Kb, Vec<KbError>> {
        Kb::load_checked(file, text, validate::parse_and_validate)
    }

    /// Like `load`, with the repetition lint too (`bouncex kb check FILE`): a cause, fix or
    /// troubleshooting row written word for word in another entry is an error.
    pub fn check(file: &str, text: &str) -> Result<Kb, Vec<KbError>> {
        Kb::load_checked(file, text, validate::check_file)
    }

    fn load_checked(file: &str, text: &str, check: Checker) -> Result<Kb, Vec<KbError>> {
        let builtin = Kb::builtin().into_raw();
        let mut raw = check(file, text, Some(&builtin))?;
        let replaces = raw
            .meta
            .as_ref()
            .and_then(|m| m.replace_builtin)
            .unwrap_or(false);
        raw.resolve_shared(if replaces { &[] } else { &builtin.shared });
        Ok(Kb::from_raw(if replaces {
            raw
        } else {
            overlay(builtin, raw)
        }))
    }

    fn from_raw(mut raw: RawKb) -> Kb {
        let mut codes = std::mem::take(&mut raw.code);
        codes.sort_by_key(|c| c.code.parse::<CodeKey>().ok());
        let basic = std::mem::take(&mut raw.basic);
        let provider = std::mem::take(&mut raw.provider);
        let blocklist = std::mem::take(&mut raw.blocklist);
        let reason = std::mem::take(&mut raw.reason);
        let rule = std::mem::take(&mut raw.rule);
        let mut kb = Kb::assemble(
            raw,
            (codes.into_iter())
                .map(|c| (c.code.clone(), Row::loaded(c)))
                .collect(),
        );
        kb.basics = (basic.into_iter())
            .map(|b| (b.code, Row::loaded(b)))
            .collect();
        kb.providers = (provider.into_iter())
            .map(|p| ProviderRow {
                id: p.id.clone(),
                meanings: p.meaning.len(),
                row: Row::loaded(p),
            })
            .collect();
        kb.blocklists = blocklist.into_iter().map(Row::loaded).collect();
        kb.reasons = (reason.into_iter())
            .map(|r| (r.id, Row::loaded(r)))
            .collect();
        kb.rules = (rule.into_iter())
            .map(|r| (RuleHead::from(&r), Row::loaded(r)))
            .collect();
        kb
    }

    /// The knowledge base of `raw` (meta, classes, subjects and the small tables) and of the
    /// code entries `entries` (code or range, row), in code order; its other tables empty.
    fn assemble(raw: RawKb, entries: Vec<(String, Row<RawCode>)>) -> Kb {
        let subjects = raw
            .subject
            .iter()
            .enumerate()
            .map(|(i, s)| (s.subject, i))
            .collect();
        let mut codes = HashMap::new();
        let mut ranges = Vec::new();
        for (i, (key, _)) in entries.iter().enumerate() {
            match key.parse::<CodeKey>() {
                Ok(k) if k.is_range() => ranges.push((k, i)),
                Ok(k) => {
                    codes.insert(k.low, i);
                }
                Err(_) => {}
            }
        }
        Kb {
            raw,
            entries: entries.into_iter().map(|(_, row)| row).collect(),
            codes,
            ranges,
            subjects,
            basics: Vec::new(),
            providers: Vec::new(),
            blocklists: Vec::new(),
            reasons: Vec::new(),
            rules: Vec::new(),
            builtin_patterns: false,
            code_patterns: OnceLock::new(),
            provider_patterns: OnceLock::new(),
            blocklist_patterns: OnceLock::new(),
            rule_patterns: OnceLock::new(),
        }
    }

    pub fn version(&self) -> &str {
        self.raw
            .meta
            .as_ref()
            .and_then(|m| m.version.as_deref())
            .unwrap_or("unversioned")
    }

    /// Every code entry, in code order.
    pub fn codes(&self) -> impl ExactSizeIterator<Item = &RawCode> {
        self.entries.iter().map(Row::get)
    }

    /// The entry for a code: its own, else the range entry it lies in.
    pub fn code(&self, code: &EnhancedCode) -> Option<&RawCode> {
        self.lookup_entry(code).map(|(_, e)| e)
    }

    fn lookup_entry(&self, code: &EnhancedCode) -> Option<(Match, &RawCode)> {
        if let Some(&i) = self.codes.get(code) {
            return Some((Match::Exact, self.entries[i].get()));
        }
        self.ranges
            .iter()
            .find(|(k, _)| k.contains(code))
            .map(|&(_, i)| (Match::Range, self.entries[i].get()))
    }

    /// The entry for a code or a range key written as text (`4.3.2`, `5.7.606-649`).
    pub fn code_by_str(&self, code: &str) -> Option<&RawCode> {
        self.code(&code.parse::<CodeKey>().ok()?.low)
    }

    pub fn class(&self, class: Class) -> Option<&RawClass> {
        self.raw.class.iter().find(|c| c.class == class.digit())
    }

    pub fn subject(&self, subject: u16) -> Option<&RawSubject> {
        self.subjects.get(&subject).map(|&i| &self.raw.subject[i])
    }

    /// How temporary failures are retried, whatever the code (`[retry_defaults]`).
    pub fn retry_defaults(&self) -> Option<&RawRetryDefaults> {
        self.raw.retry_defaults.as_ref()
    }

    /// The references a user sees for an entry's `sources`: an RFC section as written
    /// (`RFC 3463 §3.2`), a `[[source]]` row as its title and URL, a URL as it is. Anything
    /// that names no public document is left out, so an overlay's note never shows.
    pub fn references(&self, sources: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in sources {
            let shown = match validate::source_kind(s) {
                Some(validate::SourceKind::Rfc | validate::SourceKind::Url) => s.clone(),
                Some(validate::SourceKind::Id) => match self.raw.source.iter().find(|r| r.id == *s)
                {
                    Some(r) if validate::source_kind(&r.url) == Some(validate::SourceKind::Url) => {
                        format!("{} {}", r.title, r.url)
                    }
                    _ => continue,
                },
                None => continue,
            };
            if !out.contains(&shown) {
                out.push(shown);
            }
        }
        out
    }

    /// The sending MTAs whose default retrying every transient finding shows.
    pub fn mtas(&self) -> &[RawMta] {
        &self.raw.mta
    }

    pub fn mta(&self, id: &str) -> Option<&RawMta> {
        self.raw.mta.iter().find(|m| m.id == id)
    }

    /// The basic reply codes the knowledge base knows, in its order.
    pub fn basics(&self) -> impl Iterator<Item = &RawBasic> {
        self.basics.iter().map(|(_, b)| b.get())
    }

    pub fn basic(&self, code: u16) -> Option<&RawBasic> {
        let (_, row) = self.basics.iter().find(|(c, _)| *c == code)?;
        Some(row.get())
    }

    pub fn provider(&self, id: &str) -> Option<&RawProvider> {
        self.providers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.row.get())
    }

    /// Every provider, in file order (each decoded).
    fn all_providers(&self) -> impl Iterator<Item = &RawProvider> + Clone {
        self.providers.iter().map(|p| p.row.get())
    }

    /// The entry for a code (its own, else a range's), falling back to its subject, then its
    /// class (RFC 3463 §2).
    /// A single-code entry wins over a range that contains it.
    pub fn lookup(&self, code: &EnhancedCode) -> (Match, Option<&RawCode>) {
        if let Some((matched, entry)) = self.lookup_entry(code) {
            (matched, Some(entry))
        } else if self.subject(code.subject).is_some() {
            (Match::Subject, None)
        } else {
            (Match::Class, None)
        }
    }

    /// The list `set`: built in, or built from this knowledge base's tables by `build`.
    fn pattern_list(&self, set: PatternSet, build: impl FnOnce() -> PatternList) -> PatternList {
        if self.builtin_patterns {
            builtin_patterns(set)
        } else {
            build()
        }
    }

    fn code_patterns(&self) -> &PatternList {
        self.code_patterns.get_or_init(|| {
            self.pattern_list(PatternSet::Codes, || {
                let codes: Vec<&RawCode> = self.codes().collect();
                let rules = self.rules.iter().map(|(_, r)| r.get());
                PatternList::new(code_patterns(&codes, rules))
            })
        })
    }

    fn provider_patterns(&self) -> &ProviderPatterns {
        self.provider_patterns.get_or_init(|| {
            let per = |set, f: fn(&RawProvider) -> &Vec<String>| {
                self.pattern_list(set, || {
                    PatternList::new(literal_table::provider_patterns(self.all_providers(), f))
                })
            };
            let first_row = (self.providers.iter())
                .scan(0, |row, p| {
                    let first = *row;
                    *row += p.meanings;
                    Some(first)
                })
                .collect();
            ProviderPatterns {
                hosts: per(PatternSet::Hosts, |p| &p.hosts),
                tokens: per(PatternSet::Tokens, |p| &p.tokens),
                reports: per(PatternSet::Reports, |p| &p.reports),
                meanings: self.pattern_list(PatternSet::Meanings, || {
                    PatternList::new(meaning_patterns(self.all_providers()))
                }),
                first_row,
            }
        })
    }

    /// Infers the most likely code from text that carries none: the entry whose pattern
    /// matches the longest stretch of the text, within the class `want` when given. With no
    /// class to go by, a tie goes to the permanent entry: wording such as "no such user"
    /// names a lasting condition, and the 4.x twins exist for servers configured to defer it
    /// (Postfix `soft_bounce`, RFC 5321 §4.2.5).
    pub fn infer(&self, text: &str, want: Option<Class>) -> Option<&RawCode> {
        let in_class = |entry: usize, class: Class| {
            self.entries[entry]
                .get()
                .code
                .starts_with(char::from(b'0' + class.digit()))
        };
        let mut best: Option<(bool, usize, bool, usize)> = None;
        for (entry, len) in self.code_patterns().matches(text) {
            let class_ok = want.is_none_or(|w| in_class(entry, w));
            let permanent = in_class(entry, Class::Permanent);
            let key = (class_ok, len, permanent, usize::MAX - entry);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
        let (class_ok, _, _, inv) = best?;
        if !class_ok {
            return None;
        }
        Some(self.entries[usize::MAX - inv].get())
    }

    /// The product whose report headers (`name: value` lines) say it wrote the report.
    pub fn recognise_report_writer(&self, headers: &str) -> Option<&RawProvider> {
        let m = self.provider_patterns();
        headers
            .lines()
            .find_map(|line| m.reports.first(line))
            .map(|i| self.providers[i].row.get())
    }

    /// The provider a remote host name belongs to.
    pub fn provider_by_host(&self, host: &str) -> Option<&RawProvider> {
        let m = self.provider_patterns();
        m.hosts.first(host).map(|i| self.providers[i].row.get())
    }

    /// The provider a token in a reply (its rule tags, its help URLs) points to.
    pub fn provider_by_token(&self, text: &str) -> Option<&RawProvider> {
        let m = self.provider_patterns();
        m.tokens.first(text).map(|i| self.providers[i].row.get())
    }

    /// The provider's own meaning for this code or for a token in the text, at `stage`: of
    /// the rows whose code, pattern and stages all allow the status, the one naming the most
    /// of them; ties go to the earlier row.
    pub fn provider_meaning<'a>(
        &'a self,
        provider: &RawProvider,
        code: Option<&str>,
        stage: Option<Stage>,
        text: &str,
    ) -> Option<&'a RawProviderMeaning> {
        let pi = self.providers.iter().position(|p| p.id == provider.id)?;
        let rows = &self.providers[pi].row.get().meaning;
        let patterns = self.provider_patterns();
        let first_row = patterns.first_row[pi];
        let text = text.as_bytes();
        let mut present = None;
        let mut best: Option<&RawProviderMeaning> = None;
        for (row, meaning) in rows.iter().enumerate() {
            if best.is_some_and(|b| b.specificity() >= meaning.specificity()) {
                continue;
            }
            let code_ok = meaning.code.as_deref().is_none_or(|c| Some(c) == code);
            // The pattern is tried (and compiled) only when the code and stage allow the row.
            let mut pattern_ok = || {
                meaning.pattern.is_none() || {
                    let present = present.get_or_insert_with(|| patterns.meanings.present(text));
                    patterns
                        .meanings
                        .owner_matches(first_row + row, present, text)
                }
            };
            if code_ok && meaning.allows_stage(stage) && pattern_ok() {
                best = Some(meaning);
            }
        }
        best
    }

    /// The blocklist a reply names, if any.
    pub fn recognise_blocklist(&self, text: &str) -> Option<&RawBlocklist> {
        let set = self.blocklist_patterns.get_or_init(|| {
            self.pattern_list(PatternSet::Blocklists, || {
                PatternList::new(blocklist_patterns(self.blocklists.iter().map(Row::get)))
            })
        });
        set.first(text).map(|i| self.blocklists[i].get())
    }

    /// The reason vocabulary entry for `reason`.
    pub fn reason(&self, reason: Reason) -> Option<&RawReasonKind> {
        let (_, row) = self.reasons.iter().find(|(r, _)| *r == reason)?;
        Some(row.get())
    }

    /// The code of `class` that names `reason` exactly (its `[[reason]]` row's `code`),
    /// when the knowledge base has an entry for it.
    pub fn reason_code(&self, reason: Reason, class: Class) -> Option<EnhancedCode> {
        let rest = self.reason(reason)?.code.as_deref()?.strip_prefix("X.")?;
        let code: EnhancedCode = format!("{}.{rest}", class.digit()).parse().ok()?;
        self.codes.contains_key(&code).then_some(code)
    }

    fn rule_patterns(&self) -> &RulePatterns {
        self.rule_patterns.get_or_init(|| {
            let rules = &self.rules;
            let order = rule_order(rules.iter().map(|(head, _)| head.priority));
            RulePatterns {
                list: self.pattern_list(PatternSet::Rules, || {
                    PatternList::new(rule_patterns(rules.iter().map(|(_, r)| r.get())))
                }),
                decide: order
                    .iter()
                    .copied()
                    .filter(|&i| rules[i].0.replaces.is_empty())
                    .collect(),
                recast: order
                    .into_iter()
                    .filter(|&i| !rules[i].0.replaces.is_empty())
                    .collect(),
            }
        })
    }

    /// The reason for a finding, decided in one order (docs/knowledge-base.md): the rules
    /// and the implicit candidates — the provider's reason, the code's own reason by its
    /// strength — highest priority first; then the first recast rule that applies.
    pub fn decide_reason(
        &self,
        ctx: &RuleContext,
        text: &str,
        provider: Option<Reason>,
        code: Option<Reason>,
    ) -> Reason {
        let rules: &[(RuleHead, _)] = &self.rules;
        let rules = |i: usize| &rules[i].0;
        let patterns = self.rule_patterns();
        let mut worded = vec![false; self.rules.len()];
        for (owner, _) in patterns.list.matches(text) {
            worded[owner] = true;
        }
        let applies = |i: usize| rules(i).when.holds(ctx) && (!rules(i).patterned || worded[i]);
        let code_priority = code.and_then(|r| match self.reason(r).map(|k| k.strength) {
            Some(Strength::Precise) => Some(priority::PRECISE_CODE),
            Some(Strength::Plain) => Some(priority::PLAIN_CODE),
            Some(Strength::Generic) | None => None,
        });
        let implicit = [
            provider.map(|r| (priority::PROVIDER, r)),
            code.zip(code_priority).map(|(r, p)| (p, r)),
        ];
        let mut chosen = None;
        // Whether the reason was read from the server's words (a patterned rule).
        let mut worded = false;
        // The rule that decided, when one did (not the provider or the code).
        let mut decided = None;
        for &i in &patterns.decide {
            let beaten_by = implicit
                .iter()
                .flatten()
                .find(|(p, _)| *p > rules(i).priority);
            if let Some((_, r)) = beaten_by {
                chosen = Some(*r);
                break;
            }
            if applies(i) {
                chosen = Some(rules(i).reason);
                worded = rules(i).patterned;
                decided = Some(i);
                break;
            }
        }
        let chosen = chosen.or(provider).or(code).unwrap_or(Reason::Undefined);
        // A provider's own meaning is its last word: recasts refine general wording only.
        if provider == Some(chosen) {
            return chosen;
        }
        patterns
            .recast
            .iter()
            .find(|&&i| {
                let by = &rules(i).when.decided_by;
                rules(i).replaces.contains(&chosen)
                    && rules(i).when.reason_worded.is_none_or(|w| w == worded)
                    && (by.is_empty() || decided.is_some_and(|d| by.contains(&rules(d).id)))
                    && applies(i)
            })
            .map_or(chosen, |&i| rules(i).reason)
    }

    /// What a failure of `class` with `reason` calls for; `stated` is the code's own action,
    /// when the code's own reason is the one decided.
    pub fn action_for(
        &self,
        class: Option<Class>,
        reason: Reason,
        stated: Option<Action>,
    ) -> Action {
        let kind = self.reason(reason);
        match class {
            Some(Class::Success) => Action::None,
            Some(Class::Transient) => kind
                .and_then(|k| k.transient_action)
                .unwrap_or(Action::Retry),
            Some(Class::Permanent) => {
                kind.and_then(|k| k.permanent_action)
                    .unwrap_or(match stated {
                        // A permanent failure whose reason is not the address: the sender has
                        // something to change.
                        None | Some(Action::Suppress | Action::None | Action::Retry) => {
                            Action::FixSender
                        }
                        Some(other) => other,
                    })
            }
            None => stated.unwrap_or(Action::None),
        }
    }

    /// Codes whose text mentions every word, best matches first.
    pub fn search(&self, words: &[String]) -> Vec<&RawCode> {
        let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let phrase = words.join(" ");
        // The wording servers use for a code: its own patterns and the rules' infers rows.
        let rules: Vec<&RawRule> = self.rules.iter().map(|(_, r)| r.get()).collect();
        let mut scored: Vec<(u32, usize)> = self
            .codes()
            .enumerate()
            .filter_map(|(i, c)| {
                let inferred = (rules.iter().flat_map(|r| &r.infers))
                    .filter(|inference| inference.codes.contains(&c.code))
                    .flat_map(|inference| &inference.patterns);
                let wordings: Vec<&str> = (c.patterns.iter())
                    .chain(inferred)
                    .map(String::as_str)
                    .collect();
                let key = c.code.parse::<CodeKey>().ok();
                let provider_notes: Vec<&str> = self
                    .all_providers()
                    .flat_map(|p| p.meaning.iter())
                    .filter(|m| {
                        let code = m.code.as_deref().and_then(|m| m.parse().ok());
                        key.zip(code).is_some_and(|(k, code)| k.contains(&code))
                    })
                    .flat_map(|m| m.title.as_deref().into_iter().chain([m.meaning.as_str()]))
                    .collect();
                let mut total = 0;
                for w in &words {
                    let score = score_word(c, &wordings, &provider_notes, w);
                    if score == 0 {
                        return None;
                    }
                    total += score;
                }
                if words.len() > 1 {
                    total += score_phrase(c, &wordings, &phrase);
                }
                Some((total, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .map(|(_, i)| self.entries[i].get())
            .collect()
    }
}

/// How strongly the words together, in order, point at an entry: a phrase found in the
/// title or the patterns (the wording servers use) outranks the same words scattered.
fn score_phrase(c: &RawCode, wordings: &[&str], phrase: &str) -> u32 {
    let has = |s: &str| s.to_lowercase().contains(phrase);
    if has(&c.title) {
        150
    } else if wordings.iter().any(|p| has(p)) || c.examples.iter().any(|e| has(e)) {
        120
    } else if has(&c.summary) {
        60
    } else if c.meaning.as_deref().is_some_and(has) || c.causes.iter().any(|s| has(s)) {
        30
    } else {
        0
    }
}

/// How strongly one search word points at an entry: title beats wordings beats summary
/// beats meaning, causes and provider notes.
fn score_word(c: &RawCode, wordings: &[&str], provider_notes: &[&str], word: &str) -> u32 {
    let has = |s: &str| s.to_lowercase().contains(word);
    let mut score = 0;
    if c.code == word {
        score += 100;
    }
    if has(&c.title) {
        score += 40;
    }
    if wordings.iter().any(|p| has(p)) {
        score += 25;
    }
    if has(&c.summary) {
        score += 20;
    }
    if c.reason.as_str() == word {
        score += 15;
    }
    if c.meaning.as_deref().is_some_and(has) {
        score += 8;
    }
    if c.causes.iter().any(|s| has(s)) {
        score += 4;
    }
    if provider_notes.iter().any(|s| has(s)) {
        score += 4;
    }
    score
}

/// `over` replaces `base` entry by entry (codes by code, basic replies by number, the rest
/// by id); what `over` does not mention stays.
fn overlay(mut base: RawKb, over: RawKb) -> RawKb {
    // By key through an index: linear in both tables, however large the overlay.
    fn merge<T>(base: &mut Vec<T>, over: Vec<T>, key: impl Fn(&T) -> String) {
        let mut at: HashMap<String, usize> =
            base.iter().enumerate().map(|(i, b)| (key(b), i)).collect();
        for item in over {
            match at.get(&key(&item)) {
                Some(&i) => base[i] = item,
                None => {
                    at.insert(key(&item), base.len());
                    base.push(item);
                }
            }
        }
    }
    if let Some(meta) = over.meta {
        let version = meta
            .version
            .or(base.meta.as_ref().and_then(|m| m.version.clone()));
        base.meta = Some(RawMeta {
            version,
            replace_builtin: Some(false),
        });
    }
    merge(&mut base.class, over.class, |c| c.class.to_string());
    merge(&mut base.subject, over.subject, |s| s.subject.to_string());
    merge(&mut base.basic, over.basic, |b| b.code.to_string());
    merge(&mut base.code, over.code, |c| c.code.clone());
    merge(&mut base.provider, over.provider, |p| p.id.clone());
    merge(&mut base.blocklist, over.blocklist, |b| b.id.clone());
    merge(&mut base.reason, over.reason, |r| r.id.to_string());
    merge(&mut base.rule, over.rule, |r| r.id.clone());
    merge(&mut base.mta, over.mta, |m| m.id.clone());
    merge(&mut base.shared, over.shared, |s| s.id.clone());
    merge(&mut base.source, over.source, |s| s.id.clone());
    if over.retry_defaults.is_some() {
        base.retry_defaults = over.retry_defaults;
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_pattern_tables_are_the_ones_the_tables_give() {
        let raw = Kb::builtin().into_raw();
        let built = literal_table::build_sets(&raw.code, &raw);
        assert!(
            built == BUILTIN_PATTERNS,
            "patterns.bin differs from build_sets"
        );
    }

    #[test]
    fn a_loaded_file_builds_its_own_pattern_lists() {
        let file = "[[code]]\ncode = \"5.1.99\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"hard\"\n\
            severity = \"low\"\nreason = \"userunknown\"\naction = \"suppress\"\n\
            patterns = ['mailbox froze (solid|hard)']\n";
        let kb = match Kb::load("test.toml", file) {
            Ok(kb) => kb,
            Err(errors) => panic!("{errors:?}"),
        };
        let got = kb.infer("the MAILBOX froze hard overnight", None);
        assert_eq!(got.map(|c| c.code.as_str()), Some("5.1.99"));
        // The built-in entries' patterns are still there, in lists built on load.
        let got = kb.infer("Sorry, no mailbox here by that name.", None);
        assert_eq!(
            got.map(|c| c.code.as_str()),
            Kb::builtin()
                .infer("Sorry, no mailbox here by that name.", None)
                .map(|c| c.code.as_str())
        );
        assert!(got.is_some());
    }

    /// Of the rows that allow a status, the one naming the most conditions wins; ties go to
    /// the earlier row, and a row with stages needs a status at one of them.
    #[test]
    fn the_most_specific_provider_row_wins() {
        let row = |conditions: &str, meaning: &str| {
            format!(
                "[[provider.meaning]]\n{conditions}\nmeaning = \"{meaning}\"\n\
                 sources = [\"https://gw.example.org\"]\nchecked = \"2026-12-07\"\n"
            )
        };
        let file = [
            "[[provider]]\nid = \"gw\"\nname = \"GW\"\nabout = \"Ours.\"\n\
             sources = [\"https://gw.example.org\"]\nchecked = \"2026-12-07\"\n"
                .to_string(),
            row("pattern = 'refused'", "words"),
            row("code = \"5.0.0\"", "code"),
            row("code = \"5.2.0\"\npattern = 'refused'", "code and words"),
            row("pattern = 'refused'\nstage = [\"data\"]", "words at data"),
            row(
                "code = \"5.0.0\"\npattern = 'refused'\nstage = [\"rcpt\"]",
                "all three",
            ),
        ]
        .concat();
        let kb = match Kb::load("gw.toml", &file) {
            Ok(kb) => kb,
            Err(errors) => panic!("{errors:?}"),
        };
        let gw = kb.provider("gw").unwrap();
        let pick = |code: &str, stage: Option<Stage>, text: &str| {
            kb.provider_meaning(gw, Some(code), stage, text)
                .map(|m| m.meaning.as_str())
        };
        assert_eq!(pick("5.1.1", None, "refused"), Some("words"));
        assert_eq!(pick("5.0.0", None, "other"), Some("code"));
        // One condition each: the earlier row.
        assert_eq!(pick("5.0.0", None, "refused"), Some("words"));
        // Two each (code and words, words at data): the earlier row again.
        assert_eq!(
            pick("5.2.0", Some(Stage::Data), "refused"),
            Some("code and words")
        );
        assert_eq!(
            pick("5.1.1", Some(Stage::Data), "refused"),
            Some("words at data")
        );
        assert_eq!(pick("5.1.1", Some(Stage::Rcpt), "refused"), Some("words"));
        assert_eq!(
            pick("5.0.0", Some(Stage::Rcpt), "refused"),
            Some("all three")
        );
        assert_eq!(pick("5.1.1", None, "other"), None);
    }
}
