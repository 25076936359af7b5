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

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || c == '\t'
        // Bidirectional overrides and isolates can reorder what a reader sees.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
    }
}
