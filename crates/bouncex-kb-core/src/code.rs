//! Status codes: enhanced (`4.3.2`, RFC 3463) and basic (`451`, RFC 5321), their syntax and
//! the rules for telling a real code from a dotted number that only looks like one.

use std::fmt;
use std::str::FromStr;

/// The class digit of a status: what the sending MTA does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Success,
    Transient,
    Permanent,
}

impl Class {
    pub fn from_digit(d: u8) -> Option<Class> {
        match d {
            2 => Some(Class::Success),
            4 => Some(Class::Transient),
            5 => Some(Class::Permanent),
            _ => None,
        }
    }

    pub fn digit(self) -> u8 {
        match self {
            Class::Success => 2,
            Class::Transient => 4,
            Class::Permanent => 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Success => "success",
            Class::Transient => "transient",
            Class::Permanent => "permanent",
        }
    }
}

/// An enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    pub class: Class,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedCode {
    pub fn new(class: Class, subject: u16, detail: u16) -> Self {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class.digit(), self.subject, self.detail)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSyntaxError(pub String);

impl fmt::Display for CodeSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodeSyntaxError {}

/// Parses one numeric sub-code: 1–3 digits, no leading zero (RFC 3463 §2).
pub(crate) fn sub_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 3
        && b.iter().all(u8::is_ascii_digit)
        && (b == b"0" || b[0] != b'0');
    ok.then(|| b.iter().fold(0, |n, &d| n * 10 + u16::from(d - b'0')))
}

impl EnhancedCode {
    /// Reads `class.subject.detail`; `None` for anything else. What `parse` does, without
    /// building an error message: log readers try it on many words that are not codes.
    pub fn read(s: &str) -> Option<EnhancedCode> {
        let class = match s.as_bytes() {
            [b'2', b'.', ..] => Class::Success,
            [b'4', b'.', ..] => Class::Transient,
            [b'5', b'.', ..] => Class::Permanent,
            _ => return None,
        };
        let (subject, detail) = s[2..].split_once('.')?;
        if detail.contains('.') {
            return None;
        }
        Some(EnhancedCode::new(
            class,
            sub_code(subject)?,
            sub_code(detail)?,
        ))
    }
}

impl FromStr for EnhancedCode {
    type Err = CodeSyntaxError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EnhancedCode::read(s).ok_or_else(|| {
            CodeSyntaxError(format!(
                "`{s}` is not an enhanced status code (class.subject.detail: class 2, 4 or 5, \
                 then 1-3 digits each, no leading zeros)"
            ))
        })
    }
}

/// A knowledge-base key: one enhanced code (`4.3.2`), or a range of details under one class
/// and subject (`5.7.606-649`) that a provider documents as a single entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeKey {
    /// The first code of the key (the only one for a single code).
    pub low: EnhancedCode,
    /// The last detail the key covers, inclusive; equal to `low.detail` for a single code.
    pub high: u16,
}

impl CodeKey {
    pub fn is_range(&self) -> bool {
        self.high != self.low.detail
    }

    /// Whether `code` is this key's code or lies inside its range.
    pub fn contains(&self, code: &EnhancedCode) -> bool {
        code.class == self.low.class
            && code.subject == self.low.subject
            && (self.low.detail..=self.high).contains(&code.detail)
    }

    /// Whether two keys share at least one code.
    pub fn overlaps(&self, other: &CodeKey) -> bool {
        self.low.class == other.low.class
            && self.low.subject == other.low.subject
            && self.low.detail <= other.high
            && other.low.detail <= self.high
    }
}

impl fmt::Display for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_range() {
            write!(f, "{}-{}", self.low, self.high)
        } else {
            write!(f, "{}", self.low)
        }
    }
}

impl FromStr for CodeKey {
    type Err = CodeSyntaxError;

    /// `4.3.2`, or `class.subject.low-high` with `low < high`, both details written as
    /// RFC 3463 writes them (1-3 digits, no leading zeros).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((first, high)) = s.split_once('-') else {
            let low: EnhancedCode = s.parse()?;
            return Ok(CodeKey {
                low,
                high: low.detail,
            });
        };
        let err = |why: &str| {
            CodeSyntaxError(format!(
                "`{s}` is not a code range ({why}; a range is class.subject.low-high, e.g. \
                 5.7.606-649)"
            ))
        };
        let low: EnhancedCode = first
            .parse()
            .map_err(|_| err("its first code is not valid"))?;
        let high = sub_code(high).ok_or_else(|| err("its last detail is not 1-3 digits"))?;
        if high <= low.detail {
            return Err(err("its last detail must be greater than its first"));
        }
        Ok(CodeKey { low, high })
    }
}

/// A basic reply code such as 550: three digits, the first 2–5 (RFC 5321 §4.2).
pub fn parse_basic(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let ok = b.len() == 3
        && (b'2'..=b'5').contains(&b[0])
        && (b'0'..=b'5').contains(&b[1])
        && b[2].is_ascii_digit();
    if ok { s.parse().ok() } else { None }
}

/// The class a basic reply code belongs to, if it has one (3xx has none).
pub fn basic_class(basic: u16) -> Option<Class> {
    Class::from_digit((basic / 100) as u8)
}

/// An enhanced code found in running text, with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub code: EnhancedCode,
    pub start: usize,
    pub end: usize,
}

/// Finds every enhanced status code in `text`, skipping dotted numbers that are something
/// else: IP addresses (`5.1.1.1`), four-part ids (`4.16.55.1`), versions (`3.5.6`,
/// `v2.4.1`, `Postfix 3.5.6`), decimals inside longer numbers and codes glued to words.
pub fn find_enhanced(text: &str) -> Vec<Located> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !matches!(b, b'2' | b'4' | b'5') || (i > 0 && !left_boundary(bytes, i)) {
            i += 1;
            continue;
        }
        let Some(end) = dotted_end(bytes, i) else {
            i += 1;
            continue;
        };
        let candidate = &text[i..end];
        if let Some(code) = EnhancedCode::read(candidate)
            && right_boundary(bytes, end)
            && !looks_like_version(text, i)
        {
            found.push(Located {
                code,
                start: i,
                end,
            });
        }
        i = end.max(i + 1);
    }
    found
}

/// The end of a run `d.d+.d+` starting at `start` with exactly three dot-separated parts, or
/// `None` when the run has another shape (a fourth part makes it an address or an id).
fn dotted_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    let mut parts = 0;
    loop {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return None;
        }
        parts += 1;
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        break;
    }
    (parts == 3).then_some(i)
}

fn left_boundary(bytes: &[u8], i: usize) -> bool {
    let prev = bytes[i - 1];
    // `550-5.1.1`: the hyphen of a multi-line reply's continuation.
    if prev == b'-' && i >= 4 && bytes[i - 4..i - 1].iter().all(u8::is_ascii_digit) {
        return i == 4 || !bytes[i - 5].is_ascii_alphanumeric();
    }
    // `#5.1.1` (Exchange, qmail) and `dsn=5.1.1`, `(5.1.1)`, `[4.7.0]` are fine; a digit,
    // dot, letter or hyphen before it means it is part of something longer.
    !(prev.is_ascii_alphanumeric() || prev == b'.' || prev == b'_' || prev == b'-' || prev == b'/')
}

fn right_boundary(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        None => true,
        Some(&b) => {
            !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'/' || b == b'%')
        }
    }
}

/// A code right after "version", "v" or a software name is a version number.
fn looks_like_version(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end();
    let word: String = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let word = word.trim_end_matches([':', '/', '=']);
    const SOFTWARE: &[&str] = &[
        "version",
        "ver",
        "v",
        "postfix",
        "exim",
        "sendmail",
        "qmail",
        "courier",
        "dovecot",
        "opensmtpd",
        "haraka",
        "release",
        "rev",
        "build",
        "openssl",
        "tls",
        "tlsv1",
    ];
    SOFTWARE.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_keys_are_codes_or_ranges() {
        let single: CodeKey = "4.3.2".parse().unwrap();
        assert!(!single.is_range());
        assert_eq!(single.to_string(), "4.3.2");
        let range: CodeKey = "5.7.606-649".parse().unwrap();
        assert!(range.is_range());
        assert_eq!(range.to_string(), "5.7.606-649");
        assert!(range.contains(&"5.7.620".parse().unwrap()));
        assert!(range.contains(&"5.7.649".parse().unwrap()));
        assert!(!range.contains(&"5.7.650".parse().unwrap()));
        assert!(!range.contains(&"4.7.620".parse().unwrap()));
        assert!(range.overlaps(&"5.7.600-606".parse().unwrap()));
        assert!(!range.overlaps(&"5.7.650-699".parse().unwrap()));
        assert!(!range.overlaps(&"4.7.606-649".parse().unwrap()));
        for bad in [
            "5.7.649-606",
            "5.7.606-606",
            "5.7.606-0649",
            "5.7.606-",
            "5.7-9.1",
            "6.7.1-2",
        ] {
            assert!(bad.parse::<CodeKey>().is_err(), "{bad}");
        }
    }

    fn codes(text: &str) -> Vec<String> {
        find_enhanced(text)
            .iter()
            .map(|l| l.code.to_string())
            .collect()
    }

    #[test]
    fn parses_registered_and_unregistered_codes() {
        assert_eq!(
            "4.3.2".parse::<EnhancedCode>().unwrap().to_string(),
            "4.3.2"
        );
        assert_eq!("4.7.500".parse::<EnhancedCode>().unwrap().detail, 500);
        assert!("5.1.99".parse::<EnhancedCode>().is_ok());
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "3.1.1", "5.01.1", "5.1", "5.1.1.1", "5.1.1000", "5..1", "", "5.1.1 ",
        ] {
            assert!(bad.parse::<EnhancedCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn basic_codes() {
        assert_eq!(parse_basic("550"), Some(550));
        assert_eq!(parse_basic("421"), Some(421));
        assert_eq!(parse_basic("199"), None);
        assert_eq!(parse_basic("560"), None);
        assert_eq!(basic_class(354), None);
    }

    #[test]
    fn finds_codes_in_replies() {
        assert_eq!(
            codes("451 4.3.2 System not accepting network messages"),
            ["4.3.2"]
        );
        assert_eq!(codes("550-5.1.1 The email account"), ["5.1.1"]);
        assert_eq!(codes("dsn=4.3.2, status=deferred"), ["4.3.2"]);
        assert_eq!(
            codes("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##"),
            ["5.1.1"]
        );
        assert_eq!(codes("Status: 5.1.1 (bad mailbox)"), ["5.1.1"]);
    }

    #[test]
    fn skips_dotted_numbers_that_are_not_codes() {
        assert!(codes("Connection refused by 4.2.2.2").is_empty());
        assert!(codes("relay=5.1.1.1[5.1.1.1]:25").is_empty());
        assert!(codes("deferred due to user complaints - 4.16.55.1").is_empty());
        assert!(codes("ESMTP Postfix 3.5.6 ready").is_empty());
        assert!(codes("Exim version 4.96.1").is_empty());
        assert!(codes("build v2.4.1").is_empty());
        assert!(codes("delay 12.5.2 s").is_empty());
        assert!(codes("x-id 2.0.0abc").is_empty());
    }
}
