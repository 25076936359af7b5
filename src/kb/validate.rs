//! Checks a knowledge-base file beyond what serde enforces: code syntax, duplicates, class
//! versus bounce, reasons from the shared vocabulary, related codes and providers that
//! exist, regexes that compile. Shared with `build.rs`, so only std, regex and the model.

use crate::code::EnhancedCode;
use crate::kb::model::*;
use std::collections::HashSet;

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
    let known_codes: HashSet<&str> = file
        .code
        .iter()
        .chain(base.into_iter().flat_map(|b| b.code.iter()))
        .map(|c| c.code.as_str())
        .collect();
    let known_providers: HashSet<&str> = file
        .provider
        .iter()
        .chain(base.into_iter().flat_map(|b| b.provider.iter()))
        .map(|p| p.id.as_str())
        .collect();
    v.codes(file, &known_codes, &known_providers);
    v.providers(file);
    v.blocklists(file);
    v.reasons(file, base.is_none());
    v.rules(file, base);
    v.problems
}

struct Validator {
    problems: Vec<Problem>,
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

    fn codes(&mut self, file: &RawKb, known: &HashSet<&str>, providers: &HashSet<&str>) {
        let mut seen = HashSet::new();
        for (i, c) in file.code.iter().enumerate() {
            let Some(class) = parse_code(&c.code) else {
                self.push(
                    "code",
                    i,
                    &c.code,
                    format!(
                        "`{}` is not an enhanced status code (class.subject.detail, class 2/4/5, \
                         1-3 digits each, no leading zeros)",
                        c.code
                    ),
                );
                continue;
            };
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
                } else if !known.contains(r.code.as_str()) {
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
        for d in retry
            .schedule
            .iter()
            .chain(std::iter::once(&retry.gives_up_after))
        {
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

    fn reasons(&mut self, file: &RawKb, whole: bool) {
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
    fn rules(&mut self, file: &RawKb, base: Option<&RawKb>) {
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
            if !r.patterns.is_empty() && r.examples.is_empty() && r.replaces.is_empty() {
                self.push(
                    "rule",
                    i,
                    "patterns",
                    format!("rule {} has patterns but no examples", r.id),
                );
            }
            self.regexes("rule", i, &r.patterns);
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
        let compiled: Vec<Vec<regex::bytes::Regex>> = rules
            .iter()
            .map(|r| {
                r.patterns
                    .iter()
                    .filter_map(|p| compile_pattern(p).ok())
                    .collect()
            })
            .collect();
        let order: Vec<usize> = rule_order(rules.iter().copied())
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
