//! The knowledge base: the model (`model`), its validation (`validate`), and the loaded,
//! indexed form the rest of bouncex looks things up in.

pub mod model;
pub mod validate;

use crate::code::{Class, EnhancedCode};
use model::*;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use std::sync::OnceLock;
pub use validate::KbError;

/// `codes.toml`, parsed and validated by `build.rs`.
static BUILTIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kb.bin"));

/// A loaded, validated knowledge base with its indexes.
pub struct Kb {
    raw: RawKb,
    codes: HashMap<EnhancedCode, usize>,
    basics: HashMap<u16, usize>,
    subjects: HashMap<u16, usize>,
    providers: HashMap<String, usize>,
    matchers: OnceLock<Matchers>,
}

/// How a status was matched to an entry (RFC 3463's fallback order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Exact,
    Subject,
    Class,
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Subject => "subject",
            Match::Class => "class",
        }
    }
}

/// The regexes, compiled on first use: explaining a bare code never pays for them.
struct Matchers {
    code_set: RegexSet,
    code_regexes: Vec<(usize, Regex)>,
    provider_hosts: Vec<(usize, Regex)>,
    provider_tokens: Vec<(usize, Regex)>,
    provider_meanings: Vec<(usize, usize, Option<Regex>)>,
    blocklists: Vec<(usize, Regex)>,
    reasons: Vec<(usize, Regex)>,
}

fn case_insensitive(pattern: &str) -> Regex {
    // Validation compiled every pattern already; an error here is a bug in validation.
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 24)
        .build()
        .unwrap_or_else(|e| unreachable!("validated regex {pattern} failed: {e}"))
}

impl Kb {
    /// The knowledge base built into the binary.
    pub fn builtin() -> Kb {
        let raw: RawKb = postcard::from_bytes(BUILTIN).unwrap_or_else(|e| {
            unreachable!("the embedded knowledge base is written by build.rs: {e}")
        });
        Kb::from_raw(raw)
    }

    /// Loads `text` (named `file` in errors) over the built-in knowledge base, or instead of
    /// it when the file says `replace_builtin = true`.
    pub fn load(file: &str, text: &str) -> Result<Kb, Vec<KbError>> {
        let builtin = Kb::builtin();
        let raw = validate::parse_and_validate(file, text, Some(&builtin.raw))?;
        let replaces = raw
            .meta
            .as_ref()
            .and_then(|m| m.replace_builtin)
            .unwrap_or(false);
        Ok(Kb::from_raw(if replaces {
            raw
        } else {
            overlay(builtin.raw, raw)
        }))
    }

    fn from_raw(mut raw: RawKb) -> Kb {
        raw.code
            .sort_by_key(|c| c.code.parse::<EnhancedCode>().ok());
        let codes = raw
            .code
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((c.code.parse().ok()?, i)))
            .collect();
        let basics = raw
            .basic
            .iter()
            .enumerate()
            .map(|(i, b)| (b.code, i))
            .collect();
        let subjects = raw
            .subject
            .iter()
            .enumerate()
            .map(|(i, s)| (s.subject, i))
            .collect();
        let providers = raw
            .provider
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Kb {
            raw,
            codes,
            basics,
            subjects,
            providers,
            matchers: OnceLock::new(),
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
    pub fn codes(&self) -> &[RawCode] {
        &self.raw.code
    }

    pub fn code(&self, code: &EnhancedCode) -> Option<&RawCode> {
        self.codes.get(code).map(|&i| &self.raw.code[i])
    }

    pub fn code_by_str(&self, code: &str) -> Option<&RawCode> {
        self.code(&code.parse().ok()?)
    }

    pub fn class(&self, class: Class) -> Option<&RawClass> {
        self.raw.class.iter().find(|c| c.class == class.digit())
    }

    pub fn subject(&self, subject: u16) -> Option<&RawSubject> {
        self.subjects.get(&subject).map(|&i| &self.raw.subject[i])
    }

    pub fn subjects(&self) -> &[RawSubject] {
        &self.raw.subject
    }

    pub fn basic(&self, code: u16) -> Option<&RawBasic> {
        self.basics.get(&code).map(|&i| &self.raw.basic[i])
    }

    pub fn provider(&self, id: &str) -> Option<&RawProvider> {
        self.providers.get(id).map(|&i| &self.raw.provider[i])
    }

    /// The entry for a code, falling back to its subject, then its class (RFC 3463 §2).
    pub fn lookup(&self, code: &EnhancedCode) -> (Match, Option<&RawCode>) {
        if let Some(entry) = self.code(code) {
            (Match::Exact, Some(entry))
        } else if self.subject(code.subject).is_some() {
            (Match::Subject, None)
        } else {
            (Match::Class, None)
        }
    }

    fn matchers(&self) -> &Matchers {
        self.matchers.get_or_init(|| {
            let mut code_regexes = Vec::new();
            for (i, c) in self.raw.code.iter().enumerate() {
                for p in &c.patterns {
                    code_regexes.push((i, case_insensitive(p)));
                }
            }
            let code_set = RegexSetBuilder::new(code_regexes.iter().map(|(_, r)| r.as_str()))
                .case_insensitive(true)
                .size_limit(1 << 26)
                .dfa_size_limit(1 << 26)
                .build()
                .unwrap_or_else(|e| unreachable!("validated regex set failed: {e}"));
            let per = |f: &dyn Fn(&RawProvider) -> &Vec<String>| {
                self.raw
                    .provider
                    .iter()
                    .enumerate()
                    .flat_map(|(i, p)| f(p).iter().map(move |r| (i, case_insensitive(r))))
                    .collect::<Vec<_>>()
            };
            let provider_meanings = self
                .raw
                .provider
                .iter()
                .enumerate()
                .flat_map(|(i, p)| {
                    p.meaning
                        .iter()
                        .enumerate()
                        .map(move |(j, m)| (i, j, m.pattern.as_deref().map(case_insensitive)))
                })
                .collect();
            Matchers {
                code_set,
                code_regexes,
                provider_hosts: per(&|p| &p.hosts),
                provider_tokens: per(&|p| &p.tokens),
                provider_meanings,
                blocklists: self
                    .raw
                    .blocklist
                    .iter()
                    .enumerate()
                    .flat_map(|(i, b)| b.tokens.iter().map(move |t| (i, case_insensitive(t))))
                    .collect(),
                reasons: self
                    .raw
                    .reason
                    .iter()
                    .enumerate()
                    .flat_map(|(i, r)| r.patterns.iter().map(move |p| (i, case_insensitive(p))))
                    .collect(),
            }
        })
    }

    /// Infers the most likely code from text that carries none: the entry whose pattern
    /// matches the longest stretch of the text, preferring the class `want` when given.
    pub fn infer(&self, text: &str, want: Option<Class>) -> Option<&RawCode> {
        let m = self.matchers();
        let mut best: Option<(bool, usize, usize)> = None;
        for idx in m.code_set.matches(text).iter() {
            let (entry, re) = &m.code_regexes[idx];
            let Some(found) = re.find(text) else { continue };
            let class_ok = want.is_none_or(|w| {
                self.raw.code[*entry]
                    .code
                    .starts_with(char::from(b'0' + w.digit()))
            });
            let key = (class_ok, found.len(), usize::MAX - entry);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
        let (class_ok, _, inv) = best?;
        if want.is_some() && !class_ok {
            return None;
        }
        Some(&self.raw.code[usize::MAX - inv])
    }

    /// The provider a reply or remote host name points to.
    pub fn recognise_provider(&self, text: &str, host: Option<&str>) -> Option<&RawProvider> {
        let m = self.matchers();
        let by_host = host.and_then(|h| m.provider_hosts.iter().find(|(_, r)| r.is_match(h)));
        let by_token = || m.provider_tokens.iter().find(|(_, r)| r.is_match(text));
        by_host
            .or_else(by_token)
            .map(|(i, _)| &self.raw.provider[*i])
    }

    /// The provider's own meaning for this code or for a token in the text.
    pub fn provider_meaning<'a>(
        &'a self,
        provider: &RawProvider,
        code: Option<&str>,
        text: &str,
    ) -> Option<&'a RawProviderMeaning> {
        let m = self.matchers();
        let pi = *self.providers.get(&provider.id)?;
        let candidates = m.provider_meanings.iter().filter(|(p, _, _)| *p == pi);
        let mut fallback = None;
        for (_, j, pattern) in candidates {
            let meaning = &self.raw.provider[pi].meaning[*j];
            let code_ok = meaning.code.as_deref().is_none_or(|c| Some(c) == code);
            let pattern_ok = pattern.as_ref().is_none_or(|r| r.is_match(text));
            if code_ok && pattern_ok {
                // A row that names both code and pattern is the most specific.
                if meaning.code.is_some() && pattern.is_some() {
                    return Some(meaning);
                }
                fallback = fallback.or(Some(meaning));
            }
        }
        fallback
    }

    /// The blocklist a reply names, if any.
    pub fn recognise_blocklist(&self, text: &str) -> Option<&RawBlocklist> {
        let m = self.matchers();
        m.blocklists
            .iter()
            .find(|(_, r)| r.is_match(text))
            .map(|(i, _)| &self.raw.blocklist[*i])
    }

    /// The reason the text itself decides, whatever the code says.
    pub fn reason_from_text(&self, text: &str) -> Option<&str> {
        let m = self.matchers();
        m.reasons
            .iter()
            .find(|(_, r)| r.is_match(text))
            .map(|(i, _)| self.raw.reason[*i].id.as_str())
    }

    /// Codes whose text mentions every word, best matches first.
    pub fn search(&self, words: &[String]) -> Vec<&RawCode> {
        let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let mut scored: Vec<(u32, usize)> = self
            .raw
            .code
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let provider_notes: Vec<&str> = self
                    .raw
                    .provider
                    .iter()
                    .flat_map(|p| p.meaning.iter())
                    .filter(|m| m.code.as_deref() == Some(c.code.as_str()))
                    .map(|m| m.meaning.as_str())
                    .collect();
                let mut total = 0;
                for w in &words {
                    let score = score_word(c, &provider_notes, w);
                    if score == 0 {
                        return None;
                    }
                    total += score;
                }
                Some((total, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| &self.raw.code[i]).collect()
    }
}

/// How strongly one search word points at an entry: title beats patterns beats summary
/// beats meaning, causes and provider notes.
fn score_word(c: &RawCode, provider_notes: &[&str], word: &str) -> u32 {
    let has = |s: &str| s.to_lowercase().contains(word);
    let mut score = 0;
    if c.code == word {
        score += 100;
    }
    if has(&c.title) {
        score += 40;
    }
    if c.patterns.iter().any(|p| has(p)) {
        score += 25;
    }
    if has(&c.summary) {
        score += 20;
    }
    if c.reason == word {
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
    fn merge<T>(base: &mut Vec<T>, over: Vec<T>, key: impl Fn(&T) -> String) {
        for item in over {
            match base.iter().position(|b| key(b) == key(&item)) {
                Some(i) => base[i] = item,
                None => base.push(item),
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
    merge(&mut base.reason, over.reason, |r| r.id.clone());
    base
}
