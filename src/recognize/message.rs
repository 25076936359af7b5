//! Whole bounce messages: RFC 3464 delivery status notifications and the plain-text
//! bounces MTAs send without one.

use super::{Status, recognise};

/// Whether input that starts with `head` is an email message (headers first).
pub fn looks_like_message(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        return false;
    };
    if first.starts_with("From ") {
        return true;
    }
    let is_header = |l: &str| {
        l.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    is_header(first)
        && lines
            .take(3)
            .filter(|l| is_header(l) || l.starts_with([' ', '\t']))
            .count()
            >= 1
}

/// Every status a bounce message reports.
pub fn recognise_message(raw: &[u8]) -> Vec<Status> {
    let text = String::from_utf8_lossy(raw);
    let (mut statuses, rest) = recognise(&text);
    statuses.extend(rest);
    statuses
}
