//! `classify`: one small row per input line, for engines that call a program per batch of
//! rows (ClickHouse executable UDFs, Spark's `RDD.pipe`, Vector's exec). Each line is read
//! alone, as `explain` reads that line given by itself: no joining across lines (a
//! multi-line reply's lines are classified one by one), so a row can be written as soon as
//! its line is read.

use crate::code::Class;
use crate::explain::explain;
use crate::kb::Kb;
use crate::kb::model::{Action, Bounce, Reason, Stage};
use crate::recognize::Recognizer;
use serde::Serialize;

/// What one line holds. Every field is `null` when the line holds no status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    /// The line's number in the input, from 1.
    pub line: u64,
    /// The key before the first tab, when keys were asked for (`--key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub code: Option<String>,
    pub basic: Option<u16>,
    pub class: Option<Class>,
    pub bounce: Option<Bounce>,
    pub reason: Option<Reason>,
    pub action: Option<Action>,
    pub provider: Option<String>,
    pub recipient: Option<String>,
    pub remote_host: Option<String>,
    pub stage: Option<Stage>,
}

/// Classifies one line alone: its first status, with the verdict `explain` gives it.
pub fn line(kb: &Kb, line_no: u64, text: &str) -> Row {
    let mut row = Row {
        line: line_no,
        ..Row::default()
    };
    let mut recognizer = Recognizer::new();
    let mut statuses = Vec::new();
    recognizer.push_line(text, &mut statuses);
    let rest = recognizer.finish(&mut statuses);
    statuses.extend(rest);
    let Some(f) = statuses.iter().find_map(|s| explain(kb, s)) else {
        return row;
    };
    row.code = f.code;
    row.basic = f.basic;
    row.class = f.class;
    row.bounce = Some(f.bounce);
    row.reason = Some(f.reason);
    row.action = Some(f.action);
    row.provider = f.provider.map(|p| p.id);
    row.recipient = f.recipient;
    row.remote_host = f.remote_host;
    row.stage = f.stage;
    row
}

/// Splits `KEY<TAB>TEXT`; a line without a tab is all text, with an empty key.
pub fn split_key(line: &str) -> (&str, &str) {
    line.split_once('\t').unwrap_or(("", line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_gets_the_verdict_of_explain() {
        let kb = Kb::builtin();
        let text = "Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))";
        let row = line(&kb, 7, text);
        assert_eq!(row.line, 7);
        assert_eq!(row.code.as_deref(), Some("4.2.2"));
        assert_eq!(row.basic, Some(452));
        assert_eq!(row.class, Some(Class::Transient));
        assert_eq!(row.bounce, Some(Bounce::Soft));
        assert_eq!(row.recipient.as_deref(), Some("a@example.org"));
        assert_eq!(row.remote_host.as_deref(), Some("mx.example.org"));
        assert_eq!(row.stage, Some(Stage::Rcpt));
    }

    #[test]
    fn a_line_without_a_status_is_all_nulls() {
        let kb = Kb::builtin();
        let row = line(
            &kb,
            1,
            "Jun 10 10:00:02 mail postfix/smtpd[3]: connect from unknown[192.0.2.1]",
        );
        assert_eq!(
            row,
            Row {
                line: 1,
                ..Row::default()
            }
        );
    }

    #[test]
    fn the_first_line_of_a_multi_line_reply_stands_alone() {
        let kb = Kb::builtin();
        let row = line(&kb, 1, "550-5.7.26 This mail has been blocked because");
        assert_eq!(row.code.as_deref(), Some("5.7.26"));
        assert_eq!(row.bounce, Some(Bounce::Hard));
    }

    #[test]
    fn keys_split_at_the_first_tab() {
        assert_eq!(split_key("42\t550 5.1.1 x"), ("42", "550 5.1.1 x"));
        assert_eq!(split_key("550 5.1.1 x"), ("", "550 5.1.1 x"));
    }
}
