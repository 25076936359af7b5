//! Hand-written readers for the bounce-text patterns that every message reaches: explaining
//! one bounce is one process, so a `regex-lite` pattern is compiled for a single use and its
//! compilation, and its PikeVM search, cost more than reading the bytes directly. Each
//! reader here matches exactly what the pattern named in its comment matches (the tests
//! compare them on generated text); `\s` is ASCII white space and `(?i)` ASCII-only, as in
//! `regex-lite`.

/// `\s` of `regex-lite`: `[\t\n\v\f\r ]` (`u8::is_ascii_whitespace` leaves out `\v`).
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `\w` of `regex-lite`, which `\b` looks at.
pub(super) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_local_first(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&*+=^_~-".contains(&b)
}

fn is_local(b: u8) -> bool {
    is_local_first(b) || b == b'.'
}

/// The end of a domain label `[a-z0-9](?:[a-z0-9-]*[a-z0-9])?` starting at `k`: the run of
/// letters, digits and hyphens without its trailing hyphens.
fn label_end(h: &[u8], k: usize) -> Option<usize> {
    if !h.get(k)?.is_ascii_alphanumeric() {
        return None;
    }
    let mut end = k + 1;
    let mut e = k + 1;
    while let Some(&b) = h.get(e) {
        if b.is_ascii_alphanumeric() {
            end = e + 1;
        } else if b != b'-' {
            break;
        }
        e += 1;
    }
    Some(end)
}

/// The end of a domain of at least two labels starting at `k`.
fn domain_end(h: &[u8], k: usize) -> Option<usize> {
    let mut end = label_end(h, k)?;
    let mut labels = 1;
    while h.get(end) == Some(&b'.') {
        let Some(e) = label_end(h, end + 1) else {
            break;
        };
        end = e;
        labels += 1;
    }
    (labels > 1).then_some(end)
}

/// The end of a quoted local part (RFC 5321 §4.1.2 Quoted-string, without escapes) opening
/// at `k`: `"[^"\\\r\n]{1,64}"`.
fn quoted_end(h: &[u8], k: usize) -> Option<usize> {
    let body = h.get(k + 1..)?;
    let len = body
        .iter()
        .take(65)
        .position(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))?;
    (len > 0 && body[len] == b'"').then_some(k + len + 2)
}

/// The first address at or after `from`, as `(start, end)`: what
/// `(?i)(?:"[^"\\\r\n]{1,64}"|[a-z0-9!#$%&*+=^_~-][a-z0-9!#$%&*+=^_~.-]*)@<domain of two
/// or more labels>` finds.
fn next_address(h: &[u8], mut i: usize) -> Option<(usize, usize)> {
    while i < h.len() {
        if h[i] == b'"' {
            if let Some(q) = quoted_end(h, i)
                && h.get(q) == Some(&b'@')
                && let Some(end) = domain_end(h, q + 1)
            {
                return Some((i, end));
            }
            i += 1;
            continue;
        }
        if !is_local_first(h[i]) {
            i += 1;
            continue;
        }
        // Every start inside this run of local-part bytes reaches the same `@` (or none),
        // so one failed start rules out the whole run: the search stays linear.
        let mut j = i + 1;
        while j < h.len() && is_local(h[j]) {
            j += 1;
        }
        if h.get(j) == Some(&b'@')
            && let Some(end) = domain_end(h, j + 1)
        {
            return Some((i, end));
        }
        // A quote that ends the run may open a quoted local part.
        i = if h.get(j) == Some(&b'"') { j } else { j + 1 };
    }
    None
}

/// Whether `text` is one address whose domain is a single label (`root@localhost`,
/// `jo@mailhost`), which [`next_address`] leaves out of running text.
pub(super) fn is_dotless_address(text: &str) -> bool {
    let h = text.as_bytes();
    let Some(at) = h.iter().position(|&b| b == b'@') else {
        return false;
    };
    at > 0
        && is_local_first(h[0])
        && h[1..at].iter().all(|&b| is_local(b))
        && label_end(h, at + 1) == Some(h.len())
}

/// Email addresses in running text, in order, with where each starts.
pub(super) fn address_matches(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let (start, end) = next_address(text.as_bytes(), at)?;
        at = end;
        // Both ends sit on ASCII bytes, so on character boundaries.
        Some((start, &text[start..end]))
    })
}

pub(super) use crate::recognize::contains_any_ignore_case;

/// A header field quoted in text:
/// `(?i)^[\s>]*(?:x-[a-z0-9-]+|received|...|xref):` (see [`super::plain::is_header_line`]).
pub(super) fn starts_with_header_field(line: &str) -> bool {
    let b = line.as_bytes();
    let start = b
        .iter()
        .position(|&c| !is_space(c) && c != b'>')
        .unwrap_or(b.len());
    // The name runs up to the colon; no alternative holds a byte outside `[a-z0-9-]`.
    let len = b[start..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
        .unwrap_or(b.len() - start);
    if b.get(start + len) != Some(&b':') {
        return false;
    }
    let name = line[start..start + len].to_ascii_lowercase();
    let tail_of = |prefix: &str, ok: fn(u8) -> bool| {
        name.strip_prefix(prefix)
            .is_some_and(|t| !t.is_empty() && t.bytes().all(ok))
    };
    let letter = |c: u8| c.is_ascii_lowercase();
    tail_of("x-", |_| true)
        || tail_of("content-", |c| c.is_ascii_lowercase() || c == b'-')
        || tail_of("list-", letter)
        || tail_of("thread-", letter)
        || tail_of("arc-", letter)
        || tail_of("nntp-posting-", letter)
        || [
            "received",
            "return-path",
            "from",
            "to",
            "cc",
            "bcc",
            "subject",
            "date",
            "sent",
            "message-id",
            "in-reply-to",
            "references",
            "user-agent",
            "mime-version",
            "reply-to",
            "sender",
            "errors-to",
            "delivered-to",
            "precedence",
            "organization",
            "importance",
            "dkim-signature",
            "authentication-results",
            "path",
            "newsgroups",
            "lines",
            "xref",
        ]
        .contains(&name.as_str())
}

/// The first header of a quoted original: `^>? ?(?:Received|Return-Path|...): `.
pub(super) fn starts_quoted_original_header(line: &str) -> bool {
    let s = line.strip_prefix('>').unwrap_or(line);
    let s = s.strip_prefix(' ').unwrap_or(s);
    [
        "Received",
        "Return-Path",
        "Return-path",
        "DKIM-Signature",
        "X-Received",
        "ARC-Seal",
        "Authentication-Results",
        "X-Google-Smtp-Source",
        "Delivered-To",
    ]
    .iter()
    .any(|n| s.strip_prefix(n).is_some_and(|r| r.starts_with(": ")))
}

/// A separator line naming the copy of the original:
/// `(?i)^[\s|]*(?:[-=*_#]{2,}|\|)[\s-]*.*\b(?:original|copy of|unsent|returned message|message text|enclosed|headers? of the)\b`.
pub(super) fn is_copy_separator(t: &str) -> bool {
    // One line: `.*` would stop at a line feed, this reads past it.
    let b = t.as_bytes();
    let lead = b
        .iter()
        .position(|&c| !is_space(c) && c != b'|')
        .unwrap_or(b.len());
    let rule = |c: &u8| b"-=*_#".contains(c);
    // Where the words may start: past the first `|` of the lead, else past a two-byte rule.
    let from = match b[..lead].iter().position(|&c| c == b'|') {
        Some(p) => p + 1,
        None if b.len() >= lead + 2 && b[lead..lead + 2].iter().all(rule) => lead + 2,
        None => return false,
    };
    let lower = t.to_ascii_lowercase();
    let l = lower.as_bytes();
    [
        "original",
        "copy of",
        "unsent",
        "returned message",
        "message text",
        "enclosed",
        "header of the",
        "headers of the",
    ]
    .iter()
    .any(|w| {
        memchr::memmem::find_iter(&l[from..], w.as_bytes()).any(|i| {
            let (s, e) = (from + i, from + i + w.len());
            (s == 0 || !is_word(l[s - 1])) && l.get(e).is_none_or(|&c| !is_word(c))
        })
    })
}

/// A sentence line announcing the copy of the original:
/// `(?i)^(?:-+ ?)?(?:below this line is a copy of the message|original message (?:as received )?(?:is )?(?:as )?follows|...)\b[^a-z]*$`.
pub(super) fn is_copy_sentence(t: &str) -> bool {
    let s = match t.strip_prefix('-') {
        Some(r) => {
            let r = r.trim_start_matches('-');
            r.strip_prefix(' ').unwrap_or(r)
        }
        None => t,
    };
    let lower = s.to_ascii_lowercase();
    // The phrase ends on a letter; `\b[^a-z]*$`: no letter, digit or `_` right after it,
    // no letter anywhere after it.
    let ends_here = |rest: &str| {
        let r = rest.as_bytes();
        r.first().is_none_or(|&c| !is_word(c)) && !r.iter().any(u8::is_ascii_alphabetic)
    };
    let fixed = [
        "below this line is a copy of the message",
        "message headers follow",
        "original message headers",
        "original message",
        "below is a copy of the original message",
        "included is a copy of the message header",
        "enclosed is a copy of the message",
        "this is a copy of the message",
        "original message header",
    ];
    if fixed
        .iter()
        .any(|p| lower.strip_prefix(p).is_some_and(ends_here))
    {
        return true;
    }
    // `original message (?:as received )?(?:is )?(?:as )?follows`: each optional word
    // differs from the next, so taking it whenever it is there decides.
    if let Some(mut r) = lower.strip_prefix("original message ") {
        for opt in ["as received ", "is ", "as "] {
            r = r.strip_prefix(opt).unwrap_or(r);
        }
        if r.strip_prefix("follows").is_some_and(ends_here) {
            return true;
        }
    }
    // `the original message headers? (?:is|are) (?:attached|below|following)`.
    lower
        .strip_prefix("the original message header")
        .map(|r| r.strip_prefix('s').unwrap_or(r))
        .and_then(|r| r.strip_prefix(" is ").or_else(|| r.strip_prefix(" are ")))
        .is_some_and(|r| {
            ["attached", "below", "following"]
                .iter()
                .any(|w| r.strip_prefix(w).is_some_and(ends_here))
        })
}

/// A Postfix paragraph's first line:
/// `^<[^<>\s]+@[^<>\s]+>(?: \(expanded from <[^<>]*>\))?:\s*\S`.
pub(super) fn opens_address_paragraph(line: &str) -> bool {
    let b = line.as_bytes();
    if b.first() != Some(&b'<') {
        return false;
    }
    let addr_len = b[1..]
        .iter()
        .position(|&c| c == b'<' || c == b'>' || is_space(c))
        .unwrap_or(b.len() - 1);
    let addr = &b[1..1 + addr_len];
    // `[^<>\s]+@[^<>\s]+`: an `@` with a byte on each side.
    let has_at = addr.len() >= 3 && addr[1..addr.len() - 1].contains(&b'@');
    if !has_at || b.get(1 + addr_len) != Some(&b'>') {
        return false;
    }
    let mut rest = &line[2 + addr_len..];
    if let Some(r) = rest.strip_prefix(" (expanded from <") {
        // `[^<>]*>\)`: the first `<` or `>` must be the closing `>`, then `)`.
        if let Some(p) = r.find(['<', '>'])
            && r[p..].starts_with(">)")
        {
            rest = &r[p + 2..];
        }
    }
    rest.strip_prefix(':')
        .is_some_and(|r| r.bytes().any(|c| !is_space(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_lite::Regex;

    /// Seeded generator of short texts over the bytes a pattern cares about.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn text(&mut self, pieces: &[&str]) -> String {
            let n = self.next() % 9;
            (0..n)
                .map(|_| pieces[(self.next() % pieces.len() as u64) as usize])
                .collect()
        }
    }

    fn agree(
        pattern: &str,
        pieces: &[&str],
        samples: &[&str],
        hand: impl Fn(&str) -> bool,
        name: &str,
    ) {
        let r = Regex::new(pattern).unwrap();
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        let generated = (0..30_000).map(|_| g.text(pieces));
        let mut matched = 0;
        for t in samples.iter().map(|s| s.to_string()).chain(generated) {
            let want = r.is_match(&t);
            assert_eq!(hand(&t), want, "{name}: {t:?}");
            matched += usize::from(want);
        }
        // The comparison means something only if both answers come up often.
        assert!((20..29_980).contains(&matched), "{name}: {matched} matches");
    }

    #[test]
    fn addresses_agree_with_the_pattern() {
        let r = Regex::new(
            r#"(?i)(?:"[^"\\\r\n]{1,64}"|[a-z0-9!#$%&*+=^_~-][a-z0-9!#$%&*+=^_~.-]*)@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"#,
        )
        .unwrap();
        let pieces = [
            "a", "Z", "0", "-", ".", "@", " ", "<", ">", "x.y", "b-", "!", "_", "é", "@a.b", "..",
            "--", "\"", "\"j..d\"", "\\", "\n",
        ];
        let mut g = Gen(7);
        let samples = [
            "x@y@example.com",
            "a@b",
            "<a.b@c-d.e-.f>",
            "k@example.jp.",
            "ab-.cd@x.y",
            "mailto:a@b.c,d@e.f",
            "<\"john..doe\"@example.org>: host",
            "ab\"cd\"@x.y",
            "\"\"@x.y \"a\\b\"@x.y \"a\nb\"@x.y",
        ];
        let generated = (0..50_000).map(|_| g.text(&pieces));
        let mut found = 0;
        for t in samples.iter().map(|s| s.to_string()).chain(generated) {
            let want: Vec<(usize, &str)> =
                r.find_iter(&t).map(|m| (m.start(), m.as_str())).collect();
            let got: Vec<(usize, &str)> = address_matches(&t).collect();
            assert_eq!(got, want, "{t:?}");
            found += want.len();
        }
        assert!(found > 1000, "{found} addresses");
    }

    #[test]
    fn header_fields_agree_with_the_pattern() {
        agree(
            r"(?i)^[\s>]*(?:x-[a-z0-9-]+|received|return-path|from|to|cc|bcc|subject|date|sent|message-id|in-reply-to|references|user-agent|mime-version|content-[a-z-]+|reply-to|sender|errors-to|delivered-to|list-[a-z]+|precedence|organization|importance|thread-[a-z]+|dkim-signature|authentication-results|arc-[a-z]+|path|newsgroups|lines|nntp-posting-[a-z]+|xref):",
            &[
                " ",
                ">",
                "\x0b",
                "To",
                "from",
                "x-",
                "X-",
                "content-",
                "type",
                "list-",
                "arc-",
                "nntp-posting-",
                "host",
                "1",
                "-",
                ":",
                " :",
                "CC",
                "Received",
                "é",
                "seal",
            ],
            &[
                "  To: a",
                ">Received: x",
                "X-Mailman-Version: 2",
                "Content-: x",
            ],
            starts_with_header_field,
            "header",
        );
    }

    #[test]
    fn quoted_original_headers_agree_with_the_pattern() {
        agree(
            r"^>? ?(?:Received|Return-Path|Return-path|DKIM-Signature|X-Received|ARC-Seal|Authentication-Results|X-Google-Smtp-Source|Delivered-To): ",
            &[
                ">",
                " ",
                "Received",
                "received",
                "Return-Path",
                "ARC-Seal",
                ":",
                ": ",
                "x",
            ],
            &["> Received: x", ">Received: x", " Delivered-To: a"],
            starts_quoted_original_header,
            "original header",
        );
    }

    #[test]
    fn copy_separators_agree_with_the_pattern() {
        agree(
            r"(?i)^[\s|]*(?:[-=*_#]{2,}|\|)[\s-]*.*\b(?:original|copy of|unsent|returned message|message text|enclosed|headers? of the)\b",
            &[
                " ",
                "|",
                "-",
                "=",
                "*",
                "#",
                "_",
                "Original",
                "original",
                "copy of",
                "COPY OF",
                "unsent",
                "message text",
                "headers of the",
                "header of the",
                "x",
                "s",
                "1",
                "é",
                "returned message",
                "enclosed",
            ],
            &[
                "------ This is a copy of the message ------",
                "|-- Message text follows: --|",
            ],
            is_copy_separator,
            "separator",
        );
    }

    #[test]
    fn copy_sentences_agree_with_the_pattern() {
        agree(
            r"(?i)^(?:-+ ?)?(?:below this line is a copy of the message|original message (?:as received )?(?:is )?(?:as )?follows|message headers follow|original message headers|original message|below is a copy of the original message|included is a copy of the message header|enclosed is a copy of the message|this is a copy of the message|original message header|the original message headers? (?:is|are) (?:attached|below|following))\b[^a-z]*$",
            &[
                "-",
                " ",
                "Original message",
                "original message ",
                "as received ",
                "is ",
                "as ",
                "follows",
                "headers",
                " header",
                "s",
                ".",
                ":",
                "1",
                "_",
                "the ",
                "are ",
                "attached",
                "below",
                "message headers follow",
                "\n",
                "é",
                "x",
            ],
            &[
                "Original message as received is as follows:",
                "--- Original message ---",
            ],
            is_copy_sentence,
            "sentence",
        );
    }

    #[test]
    fn paragraph_openers_agree_with_the_pattern() {
        agree(
            r"^<[^<>\s]+@[^<>\s]+>(?: \(expanded from <[^<>]*>\))?:\s*\S",
            &[
                "<",
                ">",
                "@",
                "a",
                " ",
                ":",
                " (expanded from <",
                ">)",
                "\t",
                "x@y",
                "é",
                ")",
                "<a@b>:",
                "<x@y> (expanded from <c@d>)",
                "<@b>",
                ": x",
            ],
            &["<a@b> (expanded from <c@d>): host", "<a@b>:   ", "<@b>: x"],
            opens_address_paragraph,
            "opener",
        );
    }
}
