//! Knowledge-base patterns, compiled only when they could match. Each pattern's prefix
//! literals are extracted up front (cheap: a parse, no compile) and searched for all at
//! once with Aho-Corasick, in one pass over the text; a pattern is compiled the first time
//! a text contains one of its literals. A reply therefore compiles a handful of regexes,
//! not the hundreds the knowledge base holds.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use std::sync::OnceLock;

/// One pattern of an owner (a code entry, a provider, a blocklist, a reason rule).
struct Pattern {
    owner: usize,
    source: String,
    /// Lower-case literals one of which starts every match; `None` when none can be told.
    literals: Option<Vec<Vec<u8>>>,
    regex: OnceLock<Regex>,
}

/// Patterns in file order; earlier owners win ties.
pub struct PatternList {
    patterns: Vec<Pattern>,
    /// Every pattern's literals, and for each literal the pattern it belongs to.
    literals: AhoCorasick,
    literal_owner: Vec<usize>,
}

/// The prefix literals of `pattern`, lower-cased, when every match must start with one
/// of them and each is long enough to be worth testing.
fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 3) {
        return None;
    }
    Some(
        literals
            .iter()
            .map(|l| l.as_bytes().to_ascii_lowercase())
            .collect(),
    )
}

/// Longest text a pattern runs on: what explains a bounce is in its first lines (the
/// longest text kept for inference is as long), and a bound keeps one pattern's cost
/// bounded however long a line is.
pub const MAX_PATTERN_TEXT: usize = 64 * 1024;

fn bounded(text: &str) -> &[u8] {
    &text.as_bytes()[..text.floor_char_boundary(MAX_PATTERN_TEXT.min(text.len()))]
}

impl PatternList {
    pub fn new<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> PatternList {
        let patterns = patterns
            .into_iter()
            .map(|(owner, source)| Pattern {
                owner,
                source: source.to_string(),
                literals: prefix_literals(source),
                regex: OnceLock::new(),
            })
            .collect::<Vec<Pattern>>();
        let mut literal_owner = Vec::new();
        let mut all = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            for lit in p.literals.iter().flatten() {
                literal_owner.push(i);
                all.push(lit.clone());
            }
        }
        let literals = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // Built on every run: the NFA builds fastest, and texts here are short.
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .build(&all)
            .unwrap_or_else(|e| unreachable!("literal automaton of {} literals: {e}", all.len()));
        PatternList {
            patterns,
            literals,
            literal_owner,
        }
    }

    /// The patterns that can match `text`, in order, each with its compiled regex.
    fn candidates<'s>(&'s self, text: &'s [u8]) -> impl Iterator<Item = (usize, &'s Regex)> + 's {
        let mut present: Vec<bool> = self.patterns.iter().map(|p| p.literals.is_none()).collect();
        for m in self.literals.find_overlapping_iter(text) {
            present[self.literal_owner[m.pattern().as_usize()]] = true;
        }
        self.patterns
            .iter()
            .zip(present)
            .filter(|(_, ok)| *ok)
            .map(|(p, _)| {
                let regex = p.regex.get_or_init(|| super::compiled(&p.source));
                (p.owner, regex)
            })
    }

    /// The owner of the first pattern that matches.
    pub fn first(&self, text: &str) -> Option<usize> {
        let bytes = bounded(text);
        self.candidates(bytes)
            .find(|(_, r)| r.is_match(bytes))
            .map(|(owner, _)| owner)
    }

    /// Every match: (owner, length of the matched text).
    pub fn matches(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = bounded(text);
        self.candidates(bytes)
            .filter_map(|(owner, r)| r.find(bytes).map(|m| (owner, m.len())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_prefilter_without_changing_results() {
        assert_eq!(
            prefix_literals("mailbox (is )?full"),
            Some(vec![b"mailbox is full".to_vec(), b"mailbox full".to_vec()])
        );
        assert_eq!(prefix_literals(".{0,80}not accepted"), None);
        assert!(prefix_literals("(user|recipient) unknown").is_some());
        let list = PatternList::new([
            (0, "mailbox (is )?full"),
            (1, "USER UNKNOWN"),
            (2, ".*quota"),
        ]);
        assert_eq!(list.first("Mailbox is FULL"), Some(0));
        assert_eq!(list.first("550 user unknown"), Some(1));
        assert_eq!(list.first("over quota"), Some(2));
        assert_eq!(list.first("nothing"), None);
        assert_eq!(
            list.matches("user unknown, over quota"),
            vec![(1, 12), (2, 24)]
        );
    }
}
