//! Rendering: findings and code lists as text (for people) or JSON (for scripts). The
//! caller decides colour and width; nothing here asks the environment.

pub mod json;
pub mod scan;
pub mod text;

use serde::Serialize;

/// One row of `list` and `search` output.
#[derive(Debug, Clone, Serialize)]
pub struct CodeRow {
    pub code: String,
    pub title: String,
    pub summary: String,
    pub class: &'static str,
    pub bounce: &'static str,
    pub severity: &'static str,
    pub reason: &'static str,
    pub action: &'static str,
    pub provider: Option<String>,
    /// What to do about it, in a line: the knowledge base's first fix for the sender, else
    /// its summary (what `scan` shows as a code's advice). `null` for basic reply codes.
    pub advice: Option<String>,
}

/// Makes input-derived text safe for a terminal: control characters and escape sequences
/// are shown as visible escapes (`\x1b`, `\x07`), never emitted raw.
pub fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if is_unsafe(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{n:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters never written raw: controls (C0, DEL, C1: the start of every escape
/// sequence), and the invisible ones that can make a reader see something other than what
/// is there: zero-width characters and direction marks (U+200B-U+200F), line and paragraph
/// separators, bidirectional embeddings, overrides and isolates (U+202A-U+202E,
/// U+2066-U+2069), the Arabic letter mark, the byte-order mark and tag characters (the
/// same set fd escapes in file names, widened to the invisible formatting characters).
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || c == '\t'
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061c}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(sanitize("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(sanitize("plain text"), "plain text");
        assert_eq!(sanitize("\u{9b}x"), "\\x9bx");
        assert_eq!(sanitize("rtl\u{202e}x"), "rtl\\u{202e}x");
        assert_eq!(sanitize("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(sanitize("\u{2067}iso\u{2069}"), "\\u{2067}iso\\u{2069}");
        assert_eq!(sanitize("\u{feff}bom"), "\\u{feff}bom");
        assert_eq!(sanitize("tag\u{e0041}"), "tag\\u{e0041}");
        assert_eq!(
            sanitize("caf\u{e9} \u{65e5}\u{672c}"),
            "caf\u{e9} \u{65e5}\u{672c}"
        );
    }
}
