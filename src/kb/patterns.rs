//! Knowledge-base patterns, compiled only when they could match. Each list comes with a table
//! of its patterns' prefix literals (`literal_table`; the built-in lists' tables are written
//! by `build.rs` and read in place), searched in one pass over the text; a pattern is
//! compiled the first time a text contains one of its literals. A reply therefore compiles a
//! handful of regexes, not the hundreds the knowledge base holds, and nothing is built at
//! start. Most patterns are literals only (`mailbox (is )?full`): those are never compiled,
//! their literals are their matches.

use super::literal_table::{self, LiteralTable, Look};
use regex_automata::meta::Regex;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use std::borrow::Cow;
use std::sync::OnceLock;

/// `pattern` compiled as `validate::compile_pattern` does (case-insensitive, ASCII only, on
/// bytes, the same size limit), for a text that is searched once or a few times: the meta
/// engine without its literal prefilter, one-pass DFA, backtracker or full DFA, whose
/// building costs more than it saves on texts this short. Every engine finds the same
/// matches.
fn compiled(pattern: &str) -> Regex {
    let config = Regex::config()
        .nfa_size_limit(Some(super::validate::PATTERN_SIZE_LIMIT))
        .utf8_empty(false)
        .which_captures(WhichCaptures::Implicit)
        .auto_prefilter(false)
        .onepass(false)
        .backtrack(false)
        .dfa(false);
    let syntax = syntax::Config::new()
        .case_insensitive(true)
        .unicode(false)
        .utf8(false);
    Regex::builder()
        .configure(config)
        .syntax(syntax)
        .build(pattern)
        // Validation compiled every pattern already; an error here is a bug in validation.
        .unwrap_or_else(|e| unreachable!("validated regex {pattern} failed: {e}"))
}

/// Patterns in order, each with its owner (a code entry, a provider, a blocklist, a reason
/// rule); earlier owners win ties.
pub struct PatternList {
    table: LiteralTable,
    regexes: Vec<OnceLock<Regex>>,
}

/// Longest text a pattern runs on: what explains a bounce is in its first lines (the
/// longest text kept for inference is as long), and a bound keeps one pattern's cost
/// bounded however long a line is.
pub const MAX_PATTERN_TEXT: usize = 64 * 1024;

fn bounded(text: &str) -> &[u8] {
    &text.as_bytes()[..text.floor_char_boundary(MAX_PATTERN_TEXT.min(text.len()))]
}

impl PatternList {
    /// Builds the list of `patterns` (owner, source), in order.
    pub fn new<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> PatternList {
        PatternList::from_table(Cow::Owned(literal_table::build(patterns)))
    }

    /// The list a table written by `literal_table::build` holds.
    pub fn from_table(bytes: Cow<'static, [u8]>) -> PatternList {
        let table = LiteralTable::new(bytes)
            .unwrap_or_else(|| unreachable!("pattern tables are written by literal_table::build"));
        PatternList {
            regexes: (0..table.len()).map(|_| OnceLock::new()).collect(),
            table,
        }
    }

    /// Which patterns `text` could match.
    pub fn present(&self, text: &[u8]) -> Vec<bool> {
        let mut present = vec![false; self.table.len()];
        self.table.mark(text, &mut present);
        present
    }

    fn regex(&self, p: usize) -> &Regex {
        self.regexes[p].get_or_init(|| compiled(self.table.source(p)))
    }

    /// The patterns that can match `text`, in order.
    fn candidates(&self, text: &[u8]) -> impl Iterator<Item = usize> {
        self.present(text)
            .into_iter()
            .enumerate()
            .filter(|(_, ok)| *ok)
            .map(|(p, _)| p)
    }

    /// Whether candidate `p` matches `text`.
    fn candidate_matches(&self, p: usize, text: &[u8]) -> bool {
        match self.table.exact(p) {
            Some(literals) => leftmost_first(literals, text).is_some(),
            None => self.regex(p).is_match(text),
        }
    }

    /// The owner of the first pattern that matches.
    pub fn first(&self, text: &str) -> Option<usize> {
        let bytes = bounded(text);
        self.candidates(bytes)
            .find(|&p| self.candidate_matches(p, bytes))
            .map(|p| self.table.owner(p))
    }

    /// Every match: (owner, length of the matched text).
    pub fn matches(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = bounded(text);
        self.candidates(bytes)
            .filter_map(|p| {
                let len = match self.table.exact(p) {
                    Some(literals) => leftmost_first(literals, bytes),
                    None => self.regex(p).find(bytes).map(|m| m.len()),
                };
                len.map(|len| (self.table.owner(p), len))
            })
            .collect()
    }

    /// Whether one of `owner`'s patterns matches `text`, given `present` (`present(text)`).
    pub fn owner_matches(&self, owner: usize, present: &[bool], text: &[u8]) -> bool {
        self.table
            .owned_by(owner)
            .any(|p| present[p] && self.candidate_matches(p, text))
    }
}

/// The length of the match a regex of these alternatives (each a lower-case literal with
/// the look-arounds before and after it) finds in `text`, in any case: the leftmost, and of
/// those starting there the first in order of preference.
fn leftmost_first<'a>(
    literals: impl Iterator<Item = (&'a [u8], Look, Look)> + Clone,
    text: &[u8],
) -> Option<usize> {
    let mut starts = [false; 256];
    for (literal, _, _) in literals.clone() {
        starts[usize::from(literal[0])] = true;
    }
    (0..text.len())
        .filter(|&i| starts[usize::from(text[i].to_ascii_lowercase())])
        .find_map(|i| {
            literals.clone().find_map(|(l, before, after)| {
                let end = i + l.len();
                (text.get(i..end).is_some_and(|w| w.eq_ignore_ascii_case(l))
                    && before.holds(text, i)
                    && after.holds(text, end))
                .then_some(l.len())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::literal_table::prefix_literals;
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

    /// Every built-in pattern read as literals only finds what its regex finds, on every
    /// example text of the knowledge base and on its literals in other cases and contexts.
    #[test]
    fn exact_literals_find_what_the_regex_finds() {
        use super::super::{Kb, builtin_patterns, literal_table::PatternSet};
        let raw = Kb::builtin().into_raw();
        let texts: Vec<String> = raw
            .code
            .iter()
            .flat_map(|c| c.examples.iter().chain(&c.patterns))
            .chain(
                raw.rule
                    .iter()
                    .flat_map(|r| r.examples.iter().chain(&r.patterns)),
            )
            .cloned()
            .collect();
        let sets = [
            PatternSet::Codes,
            PatternSet::Hosts,
            PatternSet::Tokens,
            PatternSet::Meanings,
            PatternSet::Blocklists,
            PatternSet::Rules,
        ];
        let mut exact = 0;
        for set in sets {
            let list = builtin_patterns(set);
            let present: Vec<Vec<bool>> =
                texts.iter().map(|t| list.present(t.as_bytes())).collect();
            for p in 0..list.table.len() {
                let regex = list.regex(p);
                // The prefilter never leaves out a text the regex matches.
                for (text, present) in texts.iter().zip(&present) {
                    if !present[p] {
                        assert!(
                            !regex.is_match(text.as_bytes()),
                            "pattern {:?} left out on {text:?}",
                            list.table.source(p)
                        );
                    }
                }
                let Some(literals) = list.table.exact(p) else {
                    continue;
                };
                exact += 1;
                let literals: Vec<(&[u8], Look, Look)> = literals.collect();
                // The texts where it may match, and a few where it does not.
                let mut mine: Vec<String> = (texts.iter().zip(&present))
                    .filter(|(_, present)| present[p])
                    .map(|(t, _)| t.clone())
                    .take(8)
                    .chain(texts.iter().skip(p % 97).step_by(97).take(3).cloned())
                    .collect();
                for (i, (l, _, _)) in literals.iter().enumerate() {
                    let l = String::from_utf8_lossy(l);
                    let upper = l.to_uppercase();
                    let next = String::from_utf8_lossy(literals[(i + 1) % literals.len()].0);
                    mine.push(format!("550 {upper} (in reply to RCPT TO)"));
                    mine.push(format!("{l}{l}x{next}"));
                    mine.push(format!("x{next} {l}"));
                    mine.push(format!("{l}"));
                    mine.push(format!("a{l}_ {l}."));
                    // The literal short of its last character (patterns may end in
                    // non-ASCII words: Domino's Japanese reports).
                    let cut = l.char_indices().last().map_or(0, |(i, _)| i);
                    mine.push(l[..cut].to_string());
                }
                for text in &mine {
                    let bytes = text.as_bytes();
                    assert_eq!(
                        leftmost_first(literals.iter().copied(), bytes),
                        regex.find(bytes).map(|m| m.len()),
                        "pattern {:?} on {text:?}",
                        list.table.source(p)
                    );
                }
            }
        }
        // Most of the knowledge base's patterns are literals only.
        assert!(exact > 1100, "{exact} exact patterns");
    }

    #[test]
    fn literals_with_anchors_and_word_boundaries_match_without_a_regex() {
        let list = PatternList::new([
            (0, r"\brejected\.?$"),
            (1, r"^relay denied|\buser (is )?unknown\b"),
            (2, r"(mailbox|user)\b.{0,40}\bdisabled"),
        ]);
        assert!(list.table.exact(0).is_some() && list.table.exact(1).is_some());
        assert!(list.table.exact(2).is_none());
        assert_eq!(list.matches("Mail REJECTED."), vec![(0, 9)]);
        assert_eq!(list.matches("unrejected"), vec![]);
        assert_eq!(list.matches("rejected, then rejected"), vec![(0, 8)]);
        assert_eq!(list.first("the user is unknown here"), Some(1));
        assert_eq!(list.first("superuser unknown"), None);
        assert_eq!(list.first("Relay denied"), Some(1));
        assert_eq!(list.first("no: relay denied"), None);
        // The suffix literal must occur too before the regex is tried.
        assert!(!list.present(b"mailbox full")[2]);
        assert_eq!(list.first("Mailbox is disabled"), Some(2));
    }

    #[test]
    fn owners_and_presence() {
        let list = PatternList::new([
            (0, "no such user"),
            (2, "quota (exceeded|full)"),
            (2, "unknown user"),
        ]);
        let text = b"452 Quota Full";
        let present = list.present(text);
        assert_eq!(present, vec![false, true, false]);
        assert!(list.owner_matches(2, &present, text));
        assert!(!list.owner_matches(0, &present, text));
        assert!(!list.owner_matches(1, &present, text));
        assert!(!list.owner_matches(3, &present, text));
    }
}
