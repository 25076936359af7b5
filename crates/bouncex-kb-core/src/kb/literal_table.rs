//! A list of patterns with each one's prefix literals, laid out flat in bytes so that a
//! table written by `build.rs` is used straight from the binary: nothing is parsed, built or
//! allocated to load it. `mark` tells which patterns a text could match (one of their
//! literals occurs in it, any case); only those are ever compiled (see `patterns`).
//!
//! bouncex's `build.rs` uses this file too: it writes the built-in knowledge base's tables once,
//! at build time; a knowledge-base file loaded at run time gets its tables built on load.
//!
//! A pattern is a candidate when one of its prefix literals and one of its suffix literals
//! occur (either test left out when the pattern has no such literals).
//!
//! A pattern whose literals are exactly its matches (`mailbox (is )?full`, `\buser
//! unknown\b`: no open-ended part, anchors and word boundaries only at either end) needs no
//! regex at all: the table keeps its literals in the order the regex prefers them, each with
//! the look-arounds before and after it, so that the match a regex would find (leftmost,
//! then first preferred) is found without compiling one.
//!
//! Layout, every number a little-endian u32:
//! - header: pattern count, group count, literal count, exact literal count;
//! - patterns, 24 bytes each: owner, source offset, source length, flags (`HAS_PREFIXES`,
//!   `HAS_SUFFIXES`, `EXACT`), first exact literal, exact literal count;
//! - groups (count + 1), 8 bytes each: the literals' first three bytes (`a << 16 | b << 8 |
//!   c`), the group's first literal; the last is a sentinel (`u32::MAX`, literal count);
//! - literals, 12 bytes each, sorted by their bytes: offset, length, pattern * 2 (+ 1 for a
//!   suffix literal);
//! - exact literals, 12 bytes each, by pattern in order of preference: offset, length, the
//!   look-arounds before and after (`Look` codes, `before | after << 8`);
//! - a bitmap of 65536 bits, one per pair of first two bytes a literal starts with;
//! - the strings: pattern sources, then literal bytes (all lower-case).

use crate::kb::model::{RawBlocklist, RawCode, RawKb, RawProvider, RawRule};
use std::borrow::Cow;

const HEADER: usize = 16;
const PATTERN: usize = 24;
const GROUP: usize = 8;
const LITERAL: usize = 12;
const EXACT_LITERAL: usize = 12;
const BITMAP: usize = 65536 / 8;

/// Pattern flags: every match starts with one of its prefix literals; ends with one of its
/// suffix literals; is exactly one of its exact literals.
const HAS_PREFIXES: usize = 1;
const HAS_SUFFIXES: usize = 2;
const EXACT: usize = 4;

/// A look-around at either end of an exact literal (`regex_syntax::hir::Look`, ASCII only
/// as the patterns are compiled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    None = 0,
    Start = 1,
    End = 2,
    Word = 3,
    NotWord = 4,
}

impl Look {
    fn from_hir(hir: &regex_syntax::hir::Hir) -> Option<Look> {
        use regex_syntax::hir::{HirKind, Look as L};
        match hir.kind() {
            HirKind::Look(L::Start) => Some(Look::Start),
            HirKind::Look(L::End) => Some(Look::End),
            HirKind::Look(L::WordAscii) => Some(Look::Word),
            HirKind::Look(L::WordAsciiNegate) => Some(Look::NotWord),
            _ => None,
        }
    }

    fn from_code(code: usize) -> Look {
        match code {
            1 => Look::Start,
            2 => Look::End,
            3 => Look::Word,
            4 => Look::NotWord,
            _ => Look::None,
        }
    }

    /// Whether the look-around holds at `at` in `text`.
    pub fn holds(self, text: &[u8], at: usize) -> bool {
        let word = |i: Option<usize>| {
            i.and_then(|i| text.get(i))
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
        };
        match self {
            Look::None => true,
            Look::Start => at == 0,
            Look::End => at == text.len(),
            Look::Word => word(at.checked_sub(1)) != word(Some(at)),
            Look::NotWord => word(at.checked_sub(1)) == word(Some(at)),
        }
    }
}

/// One exact literal: its bytes (lower-case) and the look-arounds before and after it.
pub type ExactLiteral = (Vec<u8>, Look, Look);

/// What the table keeps of a pattern.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Literals every match starts with (lower-case), when each is long enough to test.
    pub prefixes: Option<Vec<Vec<u8>>>,
    /// Literals every match ends with, likewise.
    pub suffixes: Option<Vec<Vec<u8>>>,
    /// The pattern's matches, when literals say them exactly, in order of preference.
    pub exact: Option<Vec<ExactLiteral>>,
}

fn parse(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

fn extract(
    hir: &regex_syntax::hir::Hir,
    kind: regex_syntax::hir::literal::ExtractKind,
) -> Option<(Vec<Vec<u8>>, bool)> {
    let mut extractor = regex_syntax::hir::literal::Extractor::new();
    extractor.kind(kind);
    let seq = extractor.extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 3) {
        return None;
    }
    let literals = literals
        .iter()
        .map(|l| l.as_bytes().to_ascii_lowercase())
        .collect();
    Some((literals, seq.is_exact()))
}

/// The prefix literals of `pattern`, lower-cased, when every match must start with one
/// of them and each is long enough to be worth testing.
#[cfg_attr(not(test), allow(dead_code))]
pub fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    analyse(pattern).prefixes
}

/// The literals of `pattern`. The pattern is matched case-insensitively on ASCII only
/// (`validate::compile_pattern`): a literal lower-cased stands for the same matches.
pub fn analyse(pattern: &str) -> Analysis {
    use regex_syntax::hir::literal::ExtractKind;
    let Some(hir) = parse(pattern) else {
        return Analysis::default();
    };
    let prefixes = extract(&hir, ExtractKind::Prefix).map(|(l, _)| l);
    let suffixes = extract(&hir, ExtractKind::Suffix).map(|(l, _)| l);
    Analysis {
        prefixes,
        suffixes,
        exact: exact_literals(&hir),
    }
}

/// The literals that are exactly the matches of `hir`: of each top-level alternative in
/// turn, with the look-arounds at its two ends set apart; none when a look-around stands
/// elsewhere or a part is open-ended.
fn exact_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<ExactLiteral>> {
    use regex_syntax::hir::{Hir, HirKind, literal::ExtractKind};
    let hir = match hir.kind() {
        HirKind::Capture(c) => &c.sub,
        _ => hir,
    };
    let branches = match hir.kind() {
        HirKind::Alternation(branches) => branches.as_slice(),
        _ => std::slice::from_ref(hir),
    };
    let mut out = Vec::new();
    for branch in branches {
        let parts = match branch.kind() {
            HirKind::Concat(parts) => parts.as_slice(),
            _ => std::slice::from_ref(branch),
        };
        let before = parts.first().and_then(Look::from_hir);
        let after = parts
            .get(1..)
            .and_then(|p| p.last())
            .and_then(Look::from_hir);
        let core =
            &parts[usize::from(before.is_some())..parts.len() - usize::from(after.is_some())];
        let core = Hir::concat(core.to_vec());
        if !core.properties().look_set().is_empty() {
            return None;
        }
        let (literals, exact) = extract(&core, ExtractKind::Prefix)?;
        if !exact {
            return None;
        }
        let (before, after) = (before.unwrap_or(Look::None), after.unwrap_or(Look::None));
        out.extend(literals.into_iter().map(|l| (l, before, after)));
    }
    Some(out)
}

fn put(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).unwrap_or_else(|_| unreachable!("a pattern table fits in u32"));
    out.extend_from_slice(&n.to_le_bytes());
}

fn key(lit: &[u8]) -> u32 {
    u32::from(lit[0]) << 16 | u32::from(lit[1]) << 8 | u32::from(lit[2])
}

/// Writes the table of `patterns` (owner, source), in the order given.
pub fn build<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> Vec<u8> {
    let patterns: Vec<(usize, &str)> = patterns.into_iter().collect();
    let mut strings = Vec::new();
    let mut rows = Vec::new();
    let mut literals: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut exact: Vec<ExactLiteral> = Vec::new();
    for (i, (owner, source)) in patterns.iter().enumerate() {
        let analysis = analyse(source);
        let first_exact = exact.len();
        let (prefixes, suffixes, flags) = match analysis.exact {
            // Its own literals are what it must contain: no other test is needed.
            Some(lits) => {
                let prefixes = lits.iter().map(|(l, _, _)| l.clone()).collect();
                exact.extend(lits);
                (Some(prefixes), None, HAS_PREFIXES | EXACT)
            }
            None => {
                let flags = if analysis.prefixes.is_some() {
                    HAS_PREFIXES
                } else {
                    0
                } | if analysis.suffixes.is_some() {
                    HAS_SUFFIXES
                } else {
                    0
                };
                (analysis.prefixes, analysis.suffixes, flags)
            }
        };
        rows.push([
            *owner,
            strings.len(),
            source.len(),
            flags,
            first_exact,
            exact.len() - first_exact,
        ]);
        strings.extend_from_slice(source.as_bytes());
        literals.extend(prefixes.into_iter().flatten().map(|l| (l, i * 2)));
        literals.extend(suffixes.into_iter().flatten().map(|l| (l, i * 2 + 1)));
    }
    literals.sort();
    literals.dedup();
    let mut groups: Vec<(u32, usize)> = Vec::new();
    let mut bitmap = vec![0u8; BITMAP];
    for (i, (lit, _)) in literals.iter().enumerate() {
        let k = key(lit);
        if groups.last().is_none_or(|g| g.0 != k) {
            groups.push((k, i));
        }
        let bit = usize::from(lit[0]) << 8 | usize::from(lit[1]);
        bitmap[bit >> 3] |= 1 << (bit & 7);
    }
    let mut out = Vec::new();
    put(&mut out, rows.len());
    put(&mut out, groups.len());
    put(&mut out, literals.len());
    put(&mut out, exact.len());
    for row in &rows {
        for word in row {
            put(&mut out, *word);
        }
    }
    for (k, start) in &groups {
        out.extend_from_slice(&k.to_le_bytes());
        put(&mut out, *start);
    }
    out.extend_from_slice(&u32::MAX.to_le_bytes());
    put(&mut out, literals.len());
    for (lit, tag) in &literals {
        put(&mut out, strings.len());
        put(&mut out, lit.len());
        put(&mut out, *tag);
        strings.extend_from_slice(lit);
    }
    for (lit, before, after) in &exact {
        put(&mut out, strings.len());
        put(&mut out, lit.len());
        put(&mut out, *before as usize | (*after as usize) << 8);
        strings.extend_from_slice(lit);
    }
    out.extend_from_slice(&bitmap);
    out.extend_from_slice(&strings);
    out
}

/// A table written by `build`, read in place.
pub struct LiteralTable {
    bytes: Cow<'static, [u8]>,
    patterns: usize,
    groups: usize,
    literals: usize,
    exact: usize,
}

impl LiteralTable {
    /// Reads a table `build` wrote; `None` when the bytes are not one.
    pub fn new(bytes: Cow<'static, [u8]>) -> Option<LiteralTable> {
        let word = |i: usize| -> Option<usize> {
            let b = bytes.get(i * 4..i * 4 + 4)?;
            Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
        };
        let (patterns, groups, literals, exact) = (word(0)?, word(1)?, word(2)?, word(3)?);
        let table = LiteralTable {
            patterns,
            groups,
            literals,
            exact,
            bytes,
        };
        let strings = table.strings_at();
        if strings > table.bytes.len() {
            return None;
        }
        let fits = |off: usize, len: usize| {
            off.checked_add(len)
                .is_some_and(|e| e + strings <= table.bytes.len())
        };
        // Bounds only: a source's UTF-8 is checked when it is compiled (`source`).
        let sound = (0..patterns).all(|p| {
            let at = table.pattern_at(p);
            let (first, count) = (table.word(at + 16), table.word(at + 20));
            fits(table.word(at + 4), table.word(at + 8))
                && table.word(at + 12) <= (HAS_PREFIXES | HAS_SUFFIXES | EXACT)
                && first.checked_add(count).is_some_and(|end| end <= exact)
        }) && (0..exact).all(|l| {
            let at = table.exact_at(l);
            fits(table.word(at), table.word(at + 4)) && table.word(at + 4) >= 3
        }) && (0..literals).all(|l| {
            let at = table.literal_at(l);
            fits(table.word(at), table.word(at + 4))
                && table.word(at + 4) >= 3
                && table.word(at + 8) / 2 < patterns
        }) && (0..=groups).all(|g| table.word(table.group_at(g) + 4) <= literals);
        sound.then_some(table)
    }

    fn word(&self, at: usize) -> usize {
        let b: [u8; 4] = self.bytes[at..at + 4]
            .try_into()
            .unwrap_or_else(|_| unreachable!("four bytes"));
        u32::from_le_bytes(b) as usize
    }

    fn pattern_at(&self, p: usize) -> usize {
        HEADER + p * PATTERN
    }

    fn group_at(&self, g: usize) -> usize {
        HEADER + self.patterns * PATTERN + g * GROUP
    }

    fn literal_at(&self, l: usize) -> usize {
        self.group_at(self.groups + 1) + l * LITERAL
    }

    fn exact_at(&self, l: usize) -> usize {
        self.literal_at(self.literals) + l * EXACT_LITERAL
    }

    fn bitmap_at(&self) -> usize {
        self.exact_at(self.exact)
    }

    fn strings_at(&self) -> usize {
        self.bitmap_at() + BITMAP
    }

    fn string(&self, at: usize) -> &[u8] {
        let (off, len) = (self.word(at), self.word(at + 4));
        let s = self.strings_at() + off;
        &self.bytes[s..s + len]
    }

    /// How many patterns the table holds.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.patterns
    }

    /// The owner of pattern `p`.
    pub fn owner(&self, p: usize) -> usize {
        self.word(self.pattern_at(p))
    }

    /// The source of pattern `p`.
    pub fn source(&self, p: usize) -> &str {
        std::str::from_utf8(self.string(self.pattern_at(p) + 4))
            .unwrap_or_else(|e| unreachable!("written from a str by build: {e}"))
    }

    /// Pattern `p`'s literals with their look-arounds, in order of preference, when they
    /// are exactly its matches.
    pub fn exact(&self, p: usize) -> Option<impl Iterator<Item = (&[u8], Look, Look)> + Clone> {
        let at = self.pattern_at(p);
        if self.word(at + 12) & EXACT == 0 {
            return None;
        }
        let first = self.word(at + 16);
        Some((first..first + self.word(at + 20)).map(|l| {
            let at = self.exact_at(l);
            let looks = self.word(at + 8);
            (
                self.string(at),
                Look::from_code(looks & 0xff),
                Look::from_code(looks >> 8),
            )
        }))
    }

    /// The patterns owned by `owner`: owners never decrease along the table.
    pub fn owned_by(&self, owner: usize) -> std::ops::Range<usize> {
        let first = |o: usize| {
            let (mut lo, mut hi) = (0, self.patterns);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.owner(mid) < o {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        first(owner)..first(owner + 1)
    }

    /// Sets `present[p]` for every pattern `p` that `text` could match: one of its prefix
    /// literals (if it has any) and one of its suffix literals (likewise) occur in `text`,
    /// in any case.
    pub fn mark(&self, text: &[u8], present: &mut [bool]) {
        // Found literals, by pattern * 2 (+ 1 for a suffix).
        let mut found = vec![false; self.patterns * 2];
        let bitmap = &self.bytes[self.bitmap_at()..self.strings_at()];
        for i in 0..text.len().saturating_sub(2) {
            let a = text[i].to_ascii_lowercase();
            let b = text[i + 1].to_ascii_lowercase();
            let bit = usize::from(a) << 8 | usize::from(b);
            if bitmap[bit >> 3] & (1 << (bit & 7)) == 0 {
                continue;
            }
            let k = key(&[a, b, text[i + 2].to_ascii_lowercase()]);
            let (mut lo, mut hi) = (0, self.groups);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if (self.word(self.group_at(mid)) as u32) < k {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if lo == self.groups || self.word(self.group_at(lo)) as u32 != k {
                continue;
            }
            let (start, end) = (
                self.word(self.group_at(lo) + 4),
                self.word(self.group_at(lo + 1) + 4),
            );
            for l in start..end {
                let at = self.literal_at(l);
                let tag = self.word(at + 8);
                if found[tag] {
                    continue;
                }
                let lit = self.string(at);
                if text
                    .get(i..i + lit.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(lit))
                {
                    found[tag] = true;
                }
            }
        }
        for (p, slot) in present.iter_mut().enumerate().take(self.patterns) {
            let flags = self.word(self.pattern_at(p) + 12);
            *slot = (flags & HAS_PREFIXES == 0 || found[p * 2])
                && (flags & HAS_SUFFIXES == 0 || found[p * 2 + 1]);
        }
    }
}

/// The knowledge base's pattern lists, in the order `build_sets` writes them.
#[derive(Clone, Copy)]
pub enum PatternSet {
    /// Code entries' patterns, owned by entry (in code order).
    Codes,
    /// Providers' host patterns, owned by provider.
    Hosts,
    /// Providers' tokens, owned by provider.
    Tokens,
    /// Providers' meaning rows' patterns, owned by row, counted across providers in order.
    Meanings,
    /// Blocklists' tokens, owned by blocklist.
    Blocklists,
    /// Reason rules' patterns, owned by rule.
    Rules,
    /// Providers' report-header patterns, owned by provider.
    Reports,
}

/// The wordings that place a code in text that states none, owned by the code entry's index
/// in `codes`: each entry's own `patterns`, then the rules' `[[rule.infers]]` wordings.
pub fn code_patterns<'a>(
    codes: &'a [&'a RawCode],
    rules: impl IntoIterator<Item = &'a RawRule>,
) -> impl Iterator<Item = (usize, &'a str)> {
    let own = (codes.iter().enumerate())
        .flat_map(|(i, c)| c.patterns.iter().map(move |p| (i, p.as_str())));
    let inferred = (rules.into_iter())
        .flat_map(|r| &r.infers)
        .flat_map(move |inference| {
            (inference.codes.iter())
                .filter_map(move |code| codes.iter().position(|c| c.code == *code))
                .flat_map(move |i| inference.patterns.iter().map(move |p| (i, p.as_str())))
        });
    own.chain(inferred)
}

pub fn provider_patterns<'a>(
    providers: impl IntoIterator<Item = &'a RawProvider>,
    field: fn(&RawProvider) -> &Vec<String>,
) -> impl Iterator<Item = (usize, &'a str)> {
    providers
        .into_iter()
        .enumerate()
        .flat_map(move |(i, p)| field(p).iter().map(move |r| (i, r.as_str())))
}

pub fn meaning_patterns<'a>(
    providers: impl IntoIterator<Item = &'a RawProvider>,
) -> impl Iterator<Item = (usize, &'a str)> {
    providers
        .into_iter()
        .flat_map(|p| &p.meaning)
        .enumerate()
        .filter_map(|(row, m)| m.pattern.as_deref().map(|p| (row, p)))
}

pub fn blocklist_patterns<'a>(
    lists: impl IntoIterator<Item = &'a RawBlocklist>,
) -> impl Iterator<Item = (usize, &'a str)> {
    lists
        .into_iter()
        .enumerate()
        .flat_map(|(i, b)| b.tokens.iter().map(move |t| (i, t.as_str())))
}

pub fn rule_patterns<'a>(
    rules: impl IntoIterator<Item = &'a RawRule>,
) -> impl Iterator<Item = (usize, &'a str)> {
    rules
        .into_iter()
        .enumerate()
        .flat_map(|(i, r)| r.all_patterns().map(move |p| (i, p.as_str())))
}

/// Every `PatternSet`'s table for `codes` (in code order) and `tables`: a header of (offset,
/// length) pairs, little-endian u32, one per set in order, then the tables.
// `build.rs` writes the built-in tables with it; the library checks them against it (tests).
#[cfg_attr(not(test), allow(dead_code))]
pub fn build_sets(codes: &[RawCode], tables: &RawKb) -> Vec<u8> {
    let sets = [
        build(code_patterns(
            &codes.iter().collect::<Vec<_>>(),
            &tables.rule,
        )),
        build(provider_patterns(&tables.provider, |p| &p.hosts)),
        build(provider_patterns(&tables.provider, |p| &p.tokens)),
        build(meaning_patterns(&tables.provider)),
        build(blocklist_patterns(&tables.blocklist)),
        build(rule_patterns(&tables.rule)),
        build(provider_patterns(&tables.provider, |p| &p.reports)),
    ];
    let mut out = Vec::new();
    let mut offset = sets.len() * 8;
    for set in &sets {
        put(&mut out, offset);
        put(&mut out, set.len());
        offset += set.len();
    }
    for set in sets {
        out.extend_from_slice(&set);
    }
    out
}
