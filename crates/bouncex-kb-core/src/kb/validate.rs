//! Checks a knowledge-base file beyond what serde enforces: code syntax, duplicates, class
//! versus bounce, reasons from the shared vocabulary, related codes and providers that
//! exist, regexes that compile. Shared with `build.rs`, so only std, regex and the model.

use crate::code::{CodeKey, EnhancedCode};
use crate::kb::model::*;
use std::collections::{HashMap, HashSet};

/// Where a problem is: the table (`code`), the entry's index among that table's entries,
/// and a piece of text near the problem (a field name or value) to pin the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub table: &'static str,
    pub index: usize,
    pub near: String,
    pub message: String,
}

/// A problem placed in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Validates `file`; when it overlays `base`, names it refers to may live in either.
pub fn validate(file: &RawKb, base: Option<&RawKb>) -> Vec<Problem> {
    let mut v = Validator {
        problems: Vec::new(),
    };
    let replaces = file
        .meta
        .as_ref()
        .and_then(|m| m.replace_builtin)
        .unwrap_or(false);
    let base = if replaces { None } else { base };
    v.classes(file, base.is_none());
    v.subjects(file, base.is_none());
    v.basics(file);
    let known_codes = KnownCodes::new(
        file.code
            .iter()
            .chain(base.into_iter().flat_map(|b| b.code.iter()))
            .map(|c| c.code.as_str()),
    );
    let known_providers: HashSet<&str> = file
        .provider
        .iter()
        .chain(base.into_iter().flat_map(|b| b.provider.iter()))
        .map(|p| p.id.as_str())
        .collect();
    // The base's ranges an overlay keeps (those it does not replace by the same key).
    let base_ranges: Vec<CodeKey> = base
        .into_iter()
        .flat_map(|b| b.code.iter())
        .filter(|c| !file.code.iter().any(|f| f.code == c.code))
        .filter_map(|c| c.code.parse::<CodeKey>().ok())
        .filter(CodeKey::is_range)
        .collect();
    let shared: Vec<&RawShared> = file
        .shared
        .iter()
        .chain(base.into_iter().flat_map(|b| b.shared.iter()))
        .collect();
    let known_mtas: Vec<&RawMta> = file
        .mta
        .iter()
        .chain(base.into_iter().flat_map(|b| b.mta.iter()))
        .collect();
    v.shared_rows(file);
    v.mtas(file);
    v.retry_defaults(file, &known_mtas, base.is_none());
    v.codes(file, &known_codes, &known_providers, &base_ranges);
    v.references(file, &shared);
    v.providers(file);
    v.blocklists(file);
    v.reasons(file, base.is_none(), &known_codes);
    v.rules(file, base, &known_codes);
    let known_sources: Vec<&RawSource> = file
        .source
        .iter()
        .chain(base.into_iter().flat_map(|b| b.source.iter()))
        .collect();
    v.source_rows(file);
    v.sources(file, &known_sources);
    if base.is_none() {
        // A whole knowledge base sources every entry; an overlay is held to it by
        // `kb check` (`check_file`), not when it is loaded with --kb.
        v.problems.extend(unsourced(file));
    }
    v.problems
}

/// How a knowledge-base source names a public document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `RFC 3463` or `RFC 3463 §3.2`.
    Rfc,
    /// An http(s) URL.
    Url,
    /// The id of a `[[source]]` row (kebab-case).
    Id,
}

/// What kind of source `s` is, or `None` when it names no public document the way
/// sources must (a free-text note, a file name, a bare page title).
pub fn source_kind(s: &str) -> Option<SourceKind> {
    if let Some(rest) = s.strip_prefix("RFC ") {
        let (number, section) = match rest.split_once(" \u{a7}") {
            Some((n, sec)) => (n, Some(sec)),
            None => (rest, None),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let number_ok = digits(number) && number.len() <= 5 && !number.starts_with('0');
        let section_ok = section.is_none_or(|sec| sec.split('.').all(digits));
        return (number_ok && section_ok).then_some(SourceKind::Rfc);
    }
    for scheme in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let ok = host.contains('.')
                && !host.starts_with('.')
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control());
            return ok.then_some(SourceKind::Url);
        }
    }
    is_id(s).then_some(SourceKind::Id)
}

/// The entries of `file` that name no source or no `checked` date: every `[[basic]]`,
/// `[[code]]`, `[[provider]]`, `[[provider.meaning]]` and `[[blocklist]]` must.
pub fn unsourced(file: &RawKb) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut need = |table: &'static str,
                    index: usize,
                    near: &str,
                    what: &str,
                    sources: &[String],
                    checked: &Option<String>| {
        let missing: Vec<&str> = [
            ("sources", sources.is_empty()),
            ("checked", checked.is_none()),
        ]
        .into_iter()
        .filter_map(|(f, m)| m.then_some(f))
        .collect();
        if !missing.is_empty() {
            problems.push(Problem {
                table,
                index,
                near: near.to_string(),
                message: format!(
                    "{what} has no `{}`: name its public sources (RFC section, URL or \
                     [[source]] id) and the date they were checked",
                    missing.join("` and no `")
                ),
            });
        }
    };
    for (i, b) in file.basic.iter().enumerate() {
        need(
            "basic",
            i,
            "",
            &format!("basic reply {}", b.code),
            &b.sources,
            &b.checked,
        );
    }
    for (i, c) in file.code.iter().enumerate() {
        need(
            "code",
            i,
            "",
            &format!("code {}", c.code),
            &c.sources,
            &c.checked,
        );
    }
    for (i, p) in file.provider.iter().enumerate() {
        need(
            "provider",
            i,
            "",
            &format!("provider {}", p.id),
            &p.sources,
            &p.checked,
        );
        for m in &p.meaning {
            need(
                "provider",
                i,
                &meaning_near(m),
                &format!("a meaning row of provider {}", p.id),
                &m.sources,
                &m.checked,
            );
        }
    }
    for (i, b) in file.blocklist.iter().enumerate() {
        need(
            "blocklist",
            i,
            "",
            &format!("blocklist {}", b.id),
            &b.sources,
            &b.checked,
        );
    }
    problems
}

/// Text that pins a provider meaning row in its file: the start of its meaning, up to
/// anything TOML might have escaped.
fn meaning_near(m: &RawProviderMeaning) -> String {
    m.meaning
        .chars()
        .take_while(|c| !matches!(c, '"' | '\\' | '\''))
        .take(32)
        .collect::<String>()
        .trim_end()
        .to_string()
}

struct Validator {
    problems: Vec<Problem>,
}

/// The codes a file (with the base it overlays) defines: single codes and ranges.
struct KnownCodes<'a> {
    keys: HashSet<&'a str>,
    parsed: Vec<CodeKey>,
}

impl<'a> KnownCodes<'a> {
    fn new(keys: impl Iterator<Item = &'a str>) -> Self {
        let keys: HashSet<&str> = keys.collect();
        let parsed = keys.iter().filter_map(|k| k.parse().ok()).collect();
        KnownCodes { keys, parsed }
    }

    /// Whether `code` (a code or a range key) names an entry, or a code inside a range.
    fn resolves(&self, code: &str) -> bool {
        self.keys.contains(code)
            || code
                .parse::<EnhancedCode>()
                .is_ok_and(|c| self.parsed.iter().any(|k| k.contains(&c)))
    }
}

impl Validator {
    fn push(&mut self, table: &'static str, index: usize, near: &str, message: String) {
        self.problems.push(Problem {
            table,
            index,
            near: near.to_string(),
            message,
        });
    }

    fn regexes(&mut self, table: &'static str, index: usize, patterns: &[String]) {
        for p in patterns {
            if let Some(problem) = pattern_cost_problem(p) {
                // An empty pattern is found in the file by its quotes.
                let near = if p.is_empty() { "\"\"" } else { p.as_str() };
                self.push(table, index, near, problem);
            } else if let Err(e) = compile_pattern(p) {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                self.push(
                    table,
                    index,
                    p,
                    format!("regex `{p}` does not compile: {first}"),
                );
            }
        }
    }

    fn classes(&mut self, file: &RawKb, whole: bool) {
        let mut seen = HashSet::new();
        for (i, c) in file.class.iter().enumerate() {
            let expected = match c.class {
                2 => Bounce::None,
                4 => Bounce::Soft,
                5 => Bounce::Hard,
                _ => {
                    self.push(
                        "class",
                        i,
                        "class",
                        format!("class {} is not 2, 4 or 5", c.class),
                    );
                    continue;
                }
            };
            if !seen.insert(c.class) {
                self.push(
                    "class",
                    i,
                    "class",
                    format!("class {} is defined twice", c.class),
                );
            }
            if c.bounce != expected {
                self.push(
                    "class",
                    i,
                    "bounce",
                    bounce_message(c.class, c.bounce, expected),
                );
            }
            if let Some(r) = &c.retry {
                self.retry("class", i, r);
            }
        }
        if whole {
            for class in [2u8, 4, 5] {
                if !seen.contains(&class) {
                    self.push("class", 0, "", format!("class {class} is missing"));
                }
            }
        }
    }

    fn subjects(&mut self, file: &RawKb, whole: bool) {
        let mut seen = HashSet::new();
        for (i, s) in file.subject.iter().enumerate() {
            if !seen.insert(s.subject) {
                self.push(
                    "subject",
                    i,
                    "subject",
                    format!("subject {} is defined twice", s.subject),
                );
            }
        }
        if whole {
            for subject in 0u16..=7 {
                if !seen.contains(&subject) {
                    self.push("subject", 0, "", format!("subject {subject} is missing"));
                }
            }
        }
    }

    fn basics(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, b) in file.basic.iter().enumerate() {
            let first = b.code / 100;
            if !(200..=599).contains(&b.code) {
                self.push(
                    "basic",
                    i,
                    "code",
                    format!("basic code {} is not 2xx-5xx", b.code),
                );
                continue;
            }
            if !seen.insert(b.code) {
                self.push(
                    "basic",
                    i,
                    "code",
                    format!("basic code {} is defined twice", b.code),
                );
            }
            let expected = match first {
                4 => Bounce::Soft,
                5 => Bounce::Hard,
                _ => Bounce::None,
            };
            if b.bounce != expected {
                self.push(
                    "basic",
                    i,
                    "bounce",
                    bounce_message(first as u8, b.bounce, expected),
                );
            }
            for e in &b.enhanced {
                match parse_code(e) {
                    None => self.push(
                        "basic",
                        i,
                        e,
                        format!("`{e}` is not an enhanced status code"),
                    ),
                    Some(class) if class as u16 != first => self.push(
                        "basic",
                        i,
                        e,
                        format!(
                            "enhanced code {e} is of another class than basic code {}",
                            b.code
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn codes(
        &mut self,
        file: &RawKb,
        known: &KnownCodes,
        providers: &HashSet<&str>,
        base_ranges: &[CodeKey],
    ) {
        let mut seen = HashSet::new();
        let mut ranges: Vec<CodeKey> = base_ranges.to_vec();
        for (i, c) in file.code.iter().enumerate() {
            let key = if c.code.contains('-') {
                c.code.parse::<CodeKey>().map_err(|e| e.to_string())
            } else {
                c.code.parse::<CodeKey>().map_err(|_| {
                    format!(
                        "`{}` is not an enhanced status code (class.subject.detail, class 2/4/5, \
                         1-3 digits each, no leading zeros) nor a range (5.7.606-649)",
                        c.code
                    )
                })
            };
            let key = match key {
                Ok(k) => k,
                Err(message) => {
                    self.push("code", i, &c.code, message);
                    continue;
                }
            };
            let class = key.low.class.digit();
            if key.is_range() {
                // Ranges may not overlap one another; a single code inside one is allowed
                // and wins over it.
                if let Some(other) = ranges.iter().find(|k| k.overlaps(&key)) {
                    self.push(
                        "code",
                        i,
                        &c.code,
                        format!("range {key} overlaps range {other}"),
                    );
                }
                ranges.push(key);
            }
            if !seen.insert(c.code.as_str()) {
                self.push(
                    "code",
                    i,
                    &c.code,
                    format!("code {} is defined twice", c.code),
                );
            }
            let expected = match class {
                2 => Bounce::None,
                4 => Bounce::Soft,
                _ => Bounce::Hard,
            };
            if c.bounce != expected {
                self.push(
                    "code",
                    i,
                    "bounce",
                    bounce_message(class, c.bounce, expected),
                );
            }
            if class == 2 && c.action != Action::None {
                self.push(
                    "code",
                    i,
                    "action",
                    format!("{} is a success: action must be none", c.code),
                );
            }
            if class != 2 && c.action == Action::None {
                self.push(
                    "code",
                    i,
                    "action",
                    format!("{} is a failure: action cannot be none", c.code),
                );
            }
            if let Some(p) = &c.provider
                && !providers.contains(p.as_str())
            {
                self.push("code", i, p, format!("provider `{p}` is not defined"));
            }
            for r in &c.related {
                if r.code == c.code {
                    self.push(
                        "code",
                        i,
                        &r.code,
                        format!("{} lists itself as related", c.code),
                    );
                } else if !known.resolves(&r.code) {
                    self.push(
                        "code",
                        i,
                        &r.code,
                        format!("related code {} is not defined", r.code),
                    );
                }
            }
            if let Some(r) = &c.retry {
                self.retry("code", i, r);
            }
            self.regexes("code", i, &c.patterns);
        }
    }

    fn retry(&mut self, table: &'static str, index: usize, retry: &RawRetry) {
        self.durations(
            table,
            index,
            retry.schedule.iter().chain(retry.gives_up_after.as_ref()),
        );
    }

    fn durations<'a>(
        &mut self,
        table: &'static str,
        index: usize,
        durations: impl IntoIterator<Item = &'a String>,
    ) {
        for d in durations {
            if parse_duration(d).is_none() {
                self.push(
                    table,
                    index,
                    d,
                    format!("`{d}` is not a duration like 30m, 4h or 5d"),
                );
            }
        }
    }

    fn mtas(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, m) in file.mta.iter().enumerate() {
            if !is_id(&m.id) {
                self.push(
                    "mta",
                    i,
                    &m.id,
                    format!("mta id `{}` must be lower-case letters, digits or -", m.id),
                );
            }
            if !seen.insert(m.id.as_str()) {
                self.push("mta", i, &m.id, format!("mta {} is defined twice", m.id));
            }
            self.durations(
                "mta",
                i,
                m.schedule
                    .iter()
                    .chain(std::iter::once(&m.gives_up_after))
                    .chain(m.warns_after.as_ref()),
            );
            if m.sources.is_empty() {
                self.push("mta", i, "sources", format!("mta {} names no source", m.id));
            }
            if !is_date(&m.checked) {
                self.push(
                    "mta",
                    i,
                    "checked",
                    format!("checked `{}` is not a date like 2026-12-06", m.checked),
                );
            }
        }
    }

    fn retry_defaults(&mut self, file: &RawKb, mtas: &[&RawMta], whole: bool) {
        let Some(d) = &file.retry_defaults else {
            if whole && file.class.iter().any(|c| c.class == 4) {
                self.push(
                    "retry_defaults",
                    0,
                    "",
                    "a whole knowledge base needs [retry_defaults] and its [[mta]] rows".into(),
                );
            }
            return;
        };
        if !mtas.iter().any(|m| m.id == d.reference) {
            self.push(
                "retry_defaults",
                0,
                &d.reference,
                format!("reference mta `{}` is not defined", d.reference),
            );
        }
        let mut seen = HashSet::new();
        for r in &d.reason {
            if !seen.insert(r.reason) {
                self.push(
                    "retry_defaults",
                    0,
                    r.reason.as_str(),
                    format!("reason {} has two retry rows", r.reason),
                );
            }
        }
    }

    fn shared_rows(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, s) in file.shared.iter().enumerate() {
            if !is_id(&s.id) {
                self.push(
                    "shared",
                    i,
                    &s.id,
                    format!(
                        "shared id `{}` must be lower-case letters, digits or -",
                        s.id
                    ),
                );
            }
            if !seen.insert(s.id.as_str()) {
                self.push(
                    "shared",
                    i,
                    &s.id,
                    format!("shared row {} is defined twice", s.id),
                );
            }
            let row = [
                s.stage.is_some(),
                s.symptom.is_some(),
                s.cause.is_some(),
                s.next_step.is_some(),
            ];
            let whole_row = row.iter().all(|&b| b);
            let no_row = !row.iter().any(|&b| b);
            if !(s.text.is_some() && no_row || s.text.is_none() && whole_row) {
                self.push(
                    "shared",
                    i,
                    &s.id,
                    format!(
                        "shared row {} needs either `text` (a cause or fix) or all of stage, \
                         symptom, cause and next_step (a troubleshooting row)",
                        s.id
                    ),
                );
            }
        }
    }

    /// Every reference to a shared row names one that exists, of the right kind.
    fn references(&mut self, file: &RawKb, shared: &[&RawShared]) {
        let find = |id: &str| shared.iter().find(|s| s.id == id);
        for (i, c) in file.code.iter().enumerate() {
            for item in c.causes.iter().chain(&c.fixes.sender).chain(&c.fixes.admin) {
                if !item.starts_with(SHARED_PREFIX) {
                    continue;
                }
                match shared_ref(item).and_then(find) {
                    None => self.push("code", i, item, format!("`{item}` refers to no shared row")),
                    Some(s) if s.text.is_none() => self.push(
                        "code",
                        i,
                        item,
                        format!(
                            "shared row {} is a troubleshooting row, not a cause or fix",
                            s.id
                        ),
                    ),
                    Some(_) => {}
                }
            }
            for row in &c.troubleshooting {
                let Some(id) = &row.shared else {
                    if row.symptom.is_empty() || row.cause.is_empty() || row.next_step.is_empty() {
                        self.push(
                            "code",
                            i,
                            "[[code.troubleshooting]]",
                            "a troubleshooting row needs symptom, cause and next_step, or \
                             `shared`"
                                .into(),
                        );
                    }
                    continue;
                };
                if !row.symptom.is_empty() || !row.cause.is_empty() || !row.next_step.is_empty() {
                    self.push(
                        "code",
                        i,
                        id,
                        format!("a row that uses shared row {id} cannot add its own text"),
                    );
                }
                match find(id) {
                    None => self.push(
                        "code",
                        i,
                        id,
                        format!("shared = \"{id}\" refers to no shared row"),
                    ),
                    Some(s) if s.text.is_some() => self.push(
                        "code",
                        i,
                        id,
                        format!("shared row {id} is a cause or fix, not a troubleshooting row"),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn providers(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, p) in file.provider.iter().enumerate() {
            if p.id.is_empty()
                || p.id
                    .bytes()
                    .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
            {
                self.push(
                    "provider",
                    i,
                    &p.id,
                    format!(
                        "provider id `{}` must be lower-case letters, digits or -",
                        p.id
                    ),
                );
            }
            if !seen.insert(p.id.as_str()) {
                self.push(
                    "provider",
                    i,
                    &p.id,
                    format!("provider {} is defined twice", p.id),
                );
            }
            self.regexes("provider", i, &p.hosts);
            self.regexes("provider", i, &p.tokens);
            self.regexes("provider", i, &p.reports);
            for m in &p.meaning {
                if m.code.is_none() && m.pattern.is_none() {
                    self.push(
                        "provider",
                        i,
                        "meaning",
                        "a provider meaning needs a code, a pattern or both".into(),
                    );
                }
                if let Some(code) = &m.code
                    && parse_code(code).is_none()
                {
                    self.push(
                        "provider",
                        i,
                        code,
                        format!("`{code}` is not an enhanced status code"),
                    );
                }
                if let Some(pattern) = &m.pattern {
                    self.regexes("provider", i, std::slice::from_ref(pattern));
                }
                // `any` names no stage (it is for troubleshooting rows); a stage listed twice
                // is a typo for another.
                for (j, stage) in m.stage.iter().enumerate() {
                    if *stage == Stage::Any || m.stage[..j].contains(stage) {
                        self.push(
                            "provider",
                            i,
                            "stage",
                            format!(
                                "a provider meaning's stage list names SMTP stages, each once: \
                                 `{stage}` does not fit"
                            ),
                        );
                    }
                }
                if m.action == Some(Action::None) {
                    self.push(
                        "provider",
                        i,
                        "action",
                        "a provider meaning describes a failure: its action cannot be none".into(),
                    );
                }
            }
        }
    }

    fn blocklists(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, b) in file.blocklist.iter().enumerate() {
            if !seen.insert(b.id.as_str()) {
                self.push(
                    "blocklist",
                    i,
                    &b.id,
                    format!("blocklist {} is defined twice", b.id),
                );
            }
            self.regexes("blocklist", i, &b.tokens);
        }
    }

    fn reasons(&mut self, file: &RawKb, whole: bool, known: &KnownCodes) {
        let mut seen = HashSet::new();
        for (i, r) in file.reason.iter().enumerate() {
            if !seen.insert(r.id) {
                self.push(
                    "reason",
                    i,
                    r.id.as_str(),
                    format!("reason {} is defined twice", r.id),
                );
            }
            if let Some(code) = &r.code {
                // `X.s.d`: the permanent entry must exist (the temporary one may not).
                let permanent = code.strip_prefix("X.").map(|rest| format!("5.{rest}"));
                if !permanent.as_deref().is_some_and(|c| known.resolves(c)) {
                    self.push(
                        "reason",
                        i,
                        code,
                        format!(
                            "reason {}: code {code} is not X.subject.detail with a 5.x entry",
                            r.id
                        ),
                    );
                }
            }
        }
        if whole {
            for r in Reason::ALL {
                if !seen.contains(&r) {
                    self.push(
                        "reason",
                        0,
                        "",
                        format!("reason {r} is missing from the vocabulary"),
                    );
                }
            }
        }
    }

    /// Each rule is well-formed, and each of its examples is decided by it: it matches one of
    /// the rule's patterns, and no rule tried earlier in the same context catches it first
    /// (as rustc's tidy checks its error index). Rules of the base count as earlier too.
    fn rules(&mut self, file: &RawKb, base: Option<&RawKb>, known: &KnownCodes) {
        let mut seen = HashSet::new();
        for (i, r) in file.rule.iter().enumerate() {
            if !seen.insert(r.id.as_str()) {
                self.push("rule", i, &r.id, format!("rule {} is defined twice", r.id));
            }
            if r.source.trim().is_empty() {
                self.push(
                    "rule",
                    i,
                    "source",
                    format!("rule {} names no source", r.id),
                );
            }
            for id in &r.when.decided_by {
                let decider = file
                    .rule
                    .iter()
                    .chain(base.iter().flat_map(|b| &b.rule))
                    .find(|d| &d.id == id);
                let problem = match decider {
                    _ if r.replaces.is_empty() => Some(
                        "sets decided_by, which only a recast rule (replaces) reads".to_string(),
                    ),
                    None => Some(format!("is decided_by rule {id}, which does not exist")),
                    Some(d) if !d.replaces.is_empty() => Some(format!(
                        "is decided_by rule {id}, a recast rule, which decides nothing"
                    )),
                    Some(d) if !r.replaces.contains(&d.reason) => Some(format!(
                        "is decided_by rule {id}, whose reason {} it does not replace",
                        d.reason.as_str()
                    )),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    self.push("rule", i, "when", format!("rule {} {problem}", r.id));
                }
            }
            if r.when.reason_worded.is_some() && r.replaces.is_empty() {
                self.push(
                    "rule",
                    i,
                    "when",
                    format!(
                        "rule {} sets reason_worded, which only a recast rule (replaces) reads",
                        r.id
                    ),
                );
            }
            for code in &r.when.code {
                let rest = format!("{}.{}", code.subject, code.detail);
                if ![4, 5]
                    .iter()
                    .any(|c| known.resolves(&format!("{c}.{rest}")))
                {
                    self.push(
                        "rule",
                        i,
                        "when",
                        format!("rule {}: code {code} has no entry in either class", r.id),
                    );
                }
            }
            if r.all_patterns().next().is_some() && r.examples.is_empty() && r.replaces.is_empty() {
                self.push(
                    "rule",
                    i,
                    "patterns",
                    format!("rule {} has patterns but no examples", r.id),
                );
            }
            self.regexes("rule", i, &r.patterns);
            for inference in &r.infers {
                self.inference(i, r, inference, known);
            }
        }
        if self.problems.iter().any(|p| p.table == "rule") {
            return;
        }
        // The rules in force: the base's, with this file's replacing them by id.
        let mut rules: Vec<&RawRule> = base.map_or_else(Vec::new, |b| b.rule.iter().collect());
        for r in &file.rule {
            match rules.iter().position(|b| b.id == r.id) {
                Some(at) => rules[at] = r,
                None => rules.push(r),
            }
        }
        self.wordings_written_once(file, base, &rules);
        let compiled: Vec<Vec<regex::bytes::Regex>> = rules
            .iter()
            .map(|r| {
                r.all_patterns()
                    .filter_map(|p| compile_pattern(p).ok())
                    .collect()
            })
            .collect();
        let order: Vec<usize> = rule_order(rules.iter().map(|r| r.priority))
            .into_iter()
            .filter(|&i| rules[i].replaces.is_empty())
            .collect();
        for (i, r) in file.rule.iter().enumerate() {
            let Some(me) = rules.iter().position(|o| o.id == r.id) else {
                continue;
            };
            for example in &r.examples {
                let text = fold(example);
                // The rules tried before this one in every context where it applies; a rule
                // without patterns catches whatever reaches it.
                let earlier = order
                    .iter()
                    .copied()
                    .take_while(|&k| k != me)
                    .filter(|&k| rules[k].when.is_implied_by(&r.when));
                let matches = |k: usize| compiled[k].iter().any(|re| re.is_match(text.as_bytes()));
                if let Some(k) = earlier
                    .into_iter()
                    .find(|&k| compiled[k].is_empty() || matches(k))
                {
                    self.push(
                        "rule",
                        i,
                        example,
                        format!(
                            "example of rule {} is caught first by rule {} ({})",
                            r.id, rules[k].id, rules[k].reason
                        ),
                    );
                } else if !matches(me) {
                    self.push(
                        "rule",
                        i,
                        example,
                        format!("example of rule {} matches none of its patterns", r.id),
                    );
                }
            }
        }
    }
}

impl Validator {
    /// A `[[rule.infers]]` row: codes that exist on their own (a range names no one code),
    /// and at least one pattern.
    fn inference(&mut self, i: usize, r: &RawRule, inference: &RawInference, known: &KnownCodes) {
        if inference.codes.is_empty() || inference.patterns.is_empty() {
            self.push(
                "rule",
                i,
                "infers",
                format!("rule {}: an infers row needs codes and patterns", r.id),
            );
        }
        for code in &inference.codes {
            if code.parse::<EnhancedCode>().is_err() || !known.keys.contains(code.as_str()) {
                self.push(
                    "rule",
                    i,
                    code,
                    format!(
                        "rule {}: infers code {code}, which has no entry of its own",
                        r.id
                    ),
                );
            }
        }
        self.regexes("rule", i, &inference.patterns);
    }

    /// A wording is written once: a code entry's pattern that a rule in force also holds
    /// belongs in that rule's `[[rule.infers]]` (the rule decides its reason, the row its
    /// code).
    fn wordings_written_once(&mut self, file: &RawKb, base: Option<&RawKb>, rules: &[&RawRule]) {
        let mut owner: HashMap<&str, (&str, bool)> = HashMap::new();
        for r in rules {
            // Suggest the rule without conditions: a row places its code whatever `when` says.
            let plain = r.when == RuleWhen::default();
            for p in r.all_patterns() {
                let at = owner.entry(p.as_str()).or_insert((r.id.as_str(), plain));
                if plain && !at.1 {
                    *at = (r.id.as_str(), true);
                }
            }
        }
        let file_rules: HashSet<&str> = file.rule.iter().map(|r| r.id.as_str()).collect();
        let replaced: HashSet<&str> = file.code.iter().map(|c| c.code.as_str()).collect();
        let base_codes = base
            .into_iter()
            .flat_map(|b| &b.code)
            .filter(|c| !replaced.contains(c.code.as_str()));
        let codes = (file.code.iter().enumerate().map(|(i, c)| (Some(i), c)))
            .chain(base_codes.map(|c| (None, c)));
        for (at, c) in codes {
            for p in &c.patterns {
                let Some(&(rule, _)) = owner.get(p.as_str()) else {
                    continue;
                };
                // A clash between two built-in rows is the built-in file's to report.
                let (table, index) = match at {
                    Some(i) => ("code", i),
                    None if file_rules.contains(rule) => {
                        let i = file.rule.iter().position(|r| r.id == rule).unwrap_or(0);
                        ("rule", i)
                    }
                    None => continue,
                };
                let already = (rules.iter().filter(|r| r.id == rule))
                    .flat_map(|r| &r.infers)
                    .any(|i| i.codes.contains(&c.code) && i.patterns.contains(p));
                let message = if already {
                    format!(
                        "pattern `{p}` of code {} is written in rule {rule} too, which already \
                         infers {} from it: leave it out here",
                        c.code, c.code
                    )
                } else {
                    format!(
                        "pattern `{p}` of code {} is written in rule {rule} too: write it once, \
                         in the rule's [[rule.infers]] with codes = [\"{}\"]",
                        c.code, c.code
                    )
                };
                self.push(table, index, p, message);
            }
        }
    }

    fn source_rows(&mut self, file: &RawKb) {
        let mut seen = HashSet::new();
        for (i, s) in file.source.iter().enumerate() {
            if !is_id(&s.id) {
                self.push(
                    "source",
                    i,
                    &s.id,
                    format!(
                        "source id `{}` must be lower-case letters, digits or -",
                        s.id
                    ),
                );
            }
            if !seen.insert(s.id.as_str()) {
                self.push(
                    "source",
                    i,
                    &s.id,
                    format!("source {} is defined twice", s.id),
                );
            }
            if s.title.trim().is_empty() {
                self.push(
                    "source",
                    i,
                    "title",
                    format!("source {} has no title", s.id),
                );
            }
            if source_kind(&s.url) != Some(SourceKind::Url) {
                self.push(
                    "source",
                    i,
                    &s.url,
                    format!("source {}: `{}` is not an http(s) URL", s.id, s.url),
                );
            }
        }
    }

    /// Every source an entry names is public (an RFC section, an http(s) URL, or a known
    /// `[[source]]` id), and every `checked` is a date.
    fn sources(&mut self, file: &RawKb, known: &[&RawSource]) {
        let check = |v: &mut Validator,
                     table: &'static str,
                     index: usize,
                     sources: &[String],
                     checked: &Option<String>| {
            for s in sources {
                match source_kind(s) {
                    Some(SourceKind::Id) if !known.iter().any(|k| k.id == *s) => v.push(
                        table,
                        index,
                        s,
                        format!("source `{s}` is not the id of a [[source]] row"),
                    ),
                    Some(_) => {}
                    None => v.push(
                        table,
                        index,
                        s,
                        format!(
                            "source `{s}` is not public: write an RFC section (`RFC 3463 \u{a7}3.2`), \
                             an http(s) URL or the id of a [[source]] row"
                        ),
                    ),
                }
            }
            if let Some(d) = checked
                && !is_date(d)
            {
                v.push(
                    table,
                    index,
                    d,
                    format!("checked `{d}` is not a date like 2026-12-06"),
                );
            }
        };
        for (i, b) in file.basic.iter().enumerate() {
            check(self, "basic", i, &b.sources, &b.checked);
        }
        for (i, c) in file.code.iter().enumerate() {
            check(self, "code", i, &c.sources, &c.checked);
        }
        for (i, p) in file.provider.iter().enumerate() {
            check(self, "provider", i, &p.sources, &p.checked);
            for m in &p.meaning {
                check(self, "provider", i, &m.sources, &m.checked);
            }
        }
        for (i, b) in file.blocklist.iter().enumerate() {
            check(self, "blocklist", i, &b.sources, &b.checked);
        }
    }
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `YYYY-MM-DD`, with a month of 01-12 and a day of 01-31.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let number = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u8>().ok());
    shape
        && number(5..7).is_some_and(|m| (1..=12).contains(&m))
        && number(8..10).is_some_and(|d| (1..=31).contains(&d))
}

/// One list row of an entry, as the repetition lint compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Cause,
    SenderFix,
    AdminFix,
    Troubleshooting,
}

impl RowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Cause => "cause",
            RowKind::SenderFix => "sender fix",
            RowKind::AdminFix => "admin fix",
            RowKind::Troubleshooting => "troubleshooting row",
        }
    }
}

/// The rows written out in an entry (references to shared rows are written once, so they
/// are left out), each with its kind and its text folded for comparison.
pub fn written_rows(code: &RawCode) -> Vec<(RowKind, String)> {
    let mut rows = Vec::new();
    let lists = [
        (RowKind::Cause, &code.causes),
        (RowKind::SenderFix, &code.fixes.sender),
        (RowKind::AdminFix, &code.fixes.admin),
    ];
    for (kind, list) in lists {
        rows.extend(
            list.iter()
                .filter(|s| shared_ref(s).is_none())
                .map(|s| (kind, fold(s))),
        );
    }
    rows.extend(
        code.troubleshooting
            .iter()
            .filter(|t| t.shared.is_none())
            .map(|t| {
                (
                    RowKind::Troubleshooting,
                    fold(&format!("{} | {} | {}", t.symptom, t.cause, t.next_step)),
                )
            }),
    );
    rows
}

/// The repetition lint: every cause, fix or troubleshooting row of `file` written word for
/// word (white space aside) in another entry of `file` or of `base`. Such a row belongs in
/// `[[shared]]`, written once, or in words that say what differs for each code.
pub fn repeated_rows(file: &RawKb, base: Option<&RawKb>) -> Vec<Problem> {
    use std::collections::HashMap;
    let mut owners: HashMap<String, Vec<&str>> = HashMap::new();
    let replaced: HashSet<&str> = file.code.iter().map(|c| c.code.as_str()).collect();
    let base_codes = base
        .into_iter()
        .flat_map(|b| b.code.iter())
        .filter(|c| !replaced.contains(c.code.as_str()));
    for c in file.code.iter().chain(base_codes) {
        for (_, text) in written_rows(c) {
            let list = owners.entry(text).or_default();
            if !list.contains(&c.code.as_str()) {
                list.push(&c.code);
            }
        }
    }
    let mut problems = Vec::new();
    for (i, c) in file.code.iter().enumerate() {
        for (kind, text) in written_rows(c) {
            let others: Vec<&str> = owners[&text]
                .iter()
                .copied()
                .filter(|o| *o != c.code)
                .collect();
            if others.is_empty() {
                continue;
            }
            // The first words of the row pin it in the file (a long row wraps in TOML).
            let near: String = text.chars().take(24).collect();
            problems.push(Problem {
                table: "code",
                index: i,
                near: near.trim_end().to_string(),
                message: format!(
                    "{} of {} is repeated word for word in {}: write it once in [[shared]] \
                     and reference it, or say what differs for this code",
                    kind.as_str(),
                    c.code,
                    others.join(", ")
                ),
            });
        }
    }
    problems
}

/// Like `parse_and_validate`, then the repetition lint, whose findings are errors too: what
/// `bouncex kb check FILE` reports.
pub fn check_file(file: &str, text: &str, base: Option<&RawKb>) -> Result<RawKb, Vec<KbError>> {
    let raw = parse_and_validate(file, text, base)?;
    let replaces = raw
        .meta
        .as_ref()
        .and_then(|m| m.replace_builtin)
        .unwrap_or(false);
    let mut problems = repeated_rows(&raw, if replaces { None } else { base });
    if !replaces && base.is_some() {
        // An overlay loaded with --kb may leave sources out; `kb check` holds it to them
        // (a whole knowledge base is held to them by `validate` itself).
        problems.extend(unsourced(&raw));
    }
    if problems.is_empty() {
        return Ok(raw);
    }
    let mut located: Vec<KbError> = locate(text, &problems)
        .into_iter()
        .map(|p| KbError {
            file: file.to_string(),
            line: p.line,
            column: p.column,
            message: p.message,
        })
        .collect();
    located.sort_by_key(|e| (e.line, e.column));
    Err(located)
}

/// White space folded to single spaces, as the text rules are matched against.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Largest compiled program of one pattern. The built-in knowledge base's largest
/// (`.{1,255}` in a phrase) takes about 35 KB; one of 360 KB (`.{0,3000}zz`) can take
/// seconds over a long reply.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 16;

/// Largest span a counted repetition may allow, nested repetitions multiplied: a phrase
/// needs a gap of a line at most (`.{1,255}`), and nesting them (`(.{0,20}z){0,20}`) makes
/// the matcher track every way the text could split.
pub const MAX_REPETITION: u64 = 255;

/// Compiles a knowledge-base pattern the one way it is used: case-insensitive, over bytes,
/// with ASCII classes. The patterns are English phrases; Unicode tables would make
/// compiling hundreds of them cost far more than the match.
pub fn compile_pattern(pattern: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(false)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
}

/// Why a pattern that compiles still cannot be used: it matches the empty text (and so
/// every reply), or its repetitions could cost seconds on a long text.
pub fn pattern_cost_problem(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .ok()?;
    if hir.properties().minimum_len() == Some(0) {
        return Some(format!(
            "pattern `{pattern}` can match empty text, so it would match every reply"
        ));
    }
    let span = repetition_span(&hir);
    (span > MAX_REPETITION).then(|| {
        format!(
            "pattern `{pattern}` repeats up to {span} times (nested counts multiplied); \
             keep it within {MAX_REPETITION}, as `.{{0,255}}` at most"
        )
    })
}

/// The largest product of counted repetition bounds along one nesting path; an open
/// bound (`*`, `+`) counts 1, as the matcher need not count it.
fn repetition_span(hir: &regex_syntax::hir::Hir) -> u64 {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Repetition(r) => {
            let own = u64::from(r.max.unwrap_or(1).max(1));
            own.saturating_mul(repetition_span(&r.sub))
        }
        HirKind::Capture(c) => repetition_span(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().map(repetition_span).max().unwrap_or(1)
        }
        _ => 1,
    }
}

fn bounce_message(class: u8, got: Bounce, expected: Bounce) -> String {
    format!(
        "bounce `{}` does not fit class {class}: a {class}xx status is `{}`",
        got.as_str(),
        expected.as_str()
    )
}

/// The class digit of a syntactically valid enhanced code.
fn parse_code(code: &str) -> Option<u8> {
    code.parse::<EnhancedCode>().ok().map(|c| c.class.digit())
}

/// Parses `90s`, `30m`, `4h`, `5d` into seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let (num, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: u64 = num.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    Some(n * scale)
}

/// Places each problem at a line and column of `text`: the entry's header, then the first
/// occurrence of the problem's `near` text inside that entry.
pub fn locate(text: &str, problems: &[Problem]) -> Vec<LocatedProblem> {
    let lines: Vec<&str> = text.lines().collect();
    let header_lines = |table: &str| -> Vec<usize> {
        let single = format!("[{table}]");
        let array = format!("[[{table}]]");
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let squashed: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                squashed == array || squashed == single
            })
            .map(|(n, _)| n)
            .collect()
    };
    // Each table's headers found once, however many problems it has.
    let mut headers_of: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    problems
        .iter()
        .map(|p| {
            let headers = headers_of
                .entry(p.table)
                .or_insert_with(|| header_lines(p.table));
            let start = headers.get(p.index).copied().unwrap_or(0);
            // The entry runs until the next top-level header of any array table.
            let end = lines
                .iter()
                .enumerate()
                .skip(start + 1)
                .find(|(_, l)| {
                    let t = l.trim_start();
                    t.starts_with("[[") && !t.starts_with(&format!("[[{}.", p.table))
                        || (t.starts_with('[')
                            && !t.starts_with("[[")
                            && !t.starts_with(&format!("[{}.", p.table)))
                })
                .map(|(n, _)| n)
                .unwrap_or(lines.len());
            let (line, column) = if p.near.is_empty() {
                (start, 0)
            } else {
                (start..end)
                    .find_map(|n| {
                        lines[n]
                            .find(&p.near)
                            .map(|c| (n, lines[n][..c].chars().count()))
                    })
                    .unwrap_or((start, 0))
            };
            LocatedProblem {
                line: line + 1,
                column: column + 1,
                message: p.message.clone(),
            }
        })
        .collect()
}

/// A problem with a knowledge-base file, placed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for KbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line per problem: a value quoted in the message may hold line breaks.
        let message = self.message.replace('\r', "\\r").replace('\n', "\\n");
        write!(f, "{}:{}:{}: {message}", self.file, self.line, self.column)
    }
}

/// Parses and validates a knowledge-base file. Every problem found is returned, in file
/// order; syntax errors stop at the first.
pub fn parse_and_validate(
    file: &str,
    text: &str,
    base: Option<&RawKb>,
) -> Result<RawKb, Vec<KbError>> {
    let raw: RawKb = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        let message = e.message().trim().replace('\n', " ");
        vec![KbError {
            file: file.to_string(),
            line,
            column,
            message,
        }]
    })?;
    let problems = validate(&raw, base);
    if problems.is_empty() {
        return Ok(raw);
    }
    let mut located: Vec<KbError> = locate(text, &problems)
        .into_iter()
        .map(|p| KbError {
            file: file.to_string(),
            line: p.line,
            column: p.column,
            message: p.message,
        })
        .collect();
    located.sort_by_key(|e| (e.line, e.column));
    Err(located)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(id: &str, causes: &[&str]) -> RawCode {
        let text = format!(
            "[[code]]\ncode = \"{id}\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\n"
        );
        let mut kb: RawKb = toml::from_str(&text).unwrap();
        let mut c = kb.code.remove(0);
        c.causes = causes.iter().map(|s| s.to_string()).collect();
        c
    }

    #[test]
    fn a_reference_is_an_at_sign_and_a_kebab_case_id() {
        assert_eq!(shared_ref("@dane-tlsa-2"), Some("dane-tlsa-2"));
        assert_eq!(shared_ref("@"), None);
        assert_eq!(shared_ref("@Not An Id"), None);
        assert_eq!(shared_ref("Mail to @example.org bounced"), None);
    }

    #[test]
    fn repeated_rows_are_found_across_entries_but_not_within_one_or_in_references() {
        let mut kb = RawKb::default();
        kb.code
            .push(code("4.3.98", &["Same words.", "Own words.", "@x"]));
        kb.code
            .push(code("4.3.99", &["Same  words.", "@x", "Other words."]));
        let problems = repeated_rows(&kb, None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("cause of 4.3.98"));
        // The base entry an overlay replaces does not count against it.
        let over = RawKb {
            code: vec![code("4.3.98", &["Same words."])],
            ..RawKb::default()
        };
        let base = RawKb {
            code: vec![code("4.3.98", &["Same words."])],
            ..RawKb::default()
        };
        assert!(repeated_rows(&over, Some(&base)).is_empty());
    }

    #[test]
    fn references_are_resolved_from_the_file_then_the_base() {
        let shared = |id: &str, text: &str| RawShared {
            id: id.into(),
            text: Some(text.into()),
            stage: None,
            symptom: None,
            cause: None,
            next_step: None,
        };
        let mut kb = RawKb {
            code: vec![code("4.3.99", &["@mine", "@theirs", "@missing", "plain"])],
            shared: vec![shared("mine", "From the file.")],
            ..RawKb::default()
        };
        kb.resolve_shared(&[
            shared("theirs", "From the base."),
            shared("mine", "Shadowed."),
        ]);
        assert_eq!(
            kb.code[0].causes,
            ["From the file.", "From the base.", "@missing", "plain"]
        );
    }
}
