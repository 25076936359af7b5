//! RFC 3464 delivery-status fields (and RFC 6533's global form): the per-message fields,
//! then one block per recipient. Reads blocks split by blank lines, and also the run-on
//! blocks some MTAs write without them.

use crate::code::EnhancedCode;
use crate::code::find_enhanced;

/// One recipient's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsnRecipient {
    pub final_recipient: Option<String>,
    pub original_recipient: Option<String>,
    pub action: Option<String>,
    pub status: Option<EnhancedCode>,
    pub remote_mta: Option<String>,
    pub diagnostic: Option<String>,
    pub last_attempt: Option<String>,
    pub will_retry_until: Option<String>,
    /// The fields as written (unfolded), for showing where the status came from.
    pub lines: Vec<String>,
}

impl DsnRecipient {
    /// The recipient's address: Final-Recipient, else Original-Recipient.
    pub fn address(&self) -> Option<&str> {
        // A broken Final-Recipient (`@mx.example.org`, no local part) yields to the other.
        let usable = |a: &&str| a.find('@').is_some_and(|at| at > 0);
        // So does one rewritten to an internal host (Sun's `user@sims-ms-daemon`): a domain
        // without a dot is no address the sender knows.
        let routable = |a: &&str| a.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'));
        let original = self.original_recipient.as_deref().filter(usable);
        match self.final_recipient.as_deref().filter(usable) {
            Some(f) if !routable(&f) => original.filter(routable).or(Some(f)),
            Some(f) => Some(f),
            None => original,
        }
    }

    fn has_recipient(&self) -> bool {
        self.final_recipient.is_some() || self.original_recipient.is_some()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsnReport {
    pub reporting_mta: Option<String>,
    pub recipients: Vec<DsnRecipient>,
    /// Recipients left out past [`super::plain::MAX_RECIPIENTS`].
    pub skipped: usize,
}

/// Whether text carries delivery-status fields (for DSNs pasted into a text part).
pub fn has_fields(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        starts_with_ci(l, "final-recipient:") || starts_with_ci(l, "original-recipient:")
    })
}

/// A line that is one of RFC 3464's fields (§2.2, §2.3): `Action: failed`,
/// `Reporting-MTA: dns; mx.example.org`, ...
pub fn is_field_line(line: &str) -> bool {
    const FIELDS: [&str; 13] = [
        "reporting-mta:",
        "dsn-gateway:",
        "received-from-mta:",
        "arrival-date:",
        "original-envelope-id:",
        "original-recipient:",
        "final-recipient:",
        "action:",
        "status:",
        "remote-mta:",
        "diagnostic-code:",
        "last-attempt-date:",
        "will-retry-until:",
    ];
    let l = line.trim_start();
    FIELDS.iter().any(|f| starts_with_ci(l, f))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Reads delivery-status fields.
pub fn parse(text: &str) -> DsnReport {
    let mut report = DsnReport::default();
    let mut current = DsnRecipient::default();
    for group in fields_by_group(text) {
        for (name, value) in group {
            apply(&mut report, &mut current, &name, value);
        }
        // A blank line ends a recipient's block (RFC 3464 §2.1).
        if current.has_recipient() {
            report.recipients.push(std::mem::take(&mut current));
        }
    }
    if current.has_recipient() {
        report.recipients.push(current);
    }
    report
}

fn apply(report: &mut DsnReport, cur: &mut DsnRecipient, name: &str, value: String) {
    if report.recipients.len() >= super::plain::MAX_RECIPIENTS {
        report.skipped += usize::from(name == "final-recipient");
        return;
    }
    let line = format!("{}: {value}", canonical_name(name));
    let start_new = match name {
        "final-recipient" => cur.final_recipient.is_some(),
        // Postfix writes Final- before Original-Recipient, RFC 3464 the other way round.
        "original-recipient" => cur.original_recipient.is_some(),
        "action" => cur.has_recipient() && cur.action.is_some(),
        "status" => cur.has_recipient() && cur.status.is_some(),
        "diagnostic-code" => cur.has_recipient() && cur.diagnostic.is_some(),
        _ => false,
    };
    if start_new {
        report.recipients.push(std::mem::take(cur));
    }
    match name {
        "reporting-mta" => {
            report
                .reporting_mta
                .get_or_insert_with(|| typed_value(&value));
            return;
        }
        "received-from-mta"
        | "arrival-date"
        | "original-envelope-id"
        | "dsn-gateway"
        | "x-postfix-queue-id"
        | "x-postfix-sender" => return,
        "final-recipient" => cur.final_recipient = Some(address_value(&value)),
        "original-recipient" => cur.original_recipient = Some(address_value(&value)),
        "action" => cur.action = Some(normal_action(&value)),
        "status" => cur.status = find_enhanced(&value).first().map(|l| l.code),
        // Exim gives the name (`dns; mx.example.org`) and then the address (`X-ip;
        // [192.0.2.1]:25`): the name is the one to show.
        "remote-mta" if cur.remote_mta.is_none() => cur.remote_mta = Some(typed_value(&value)),
        "diagnostic-code" => cur.diagnostic = Some(value.clone()),
        "last-attempt-date" => cur.last_attempt = Some(value.clone()),
        "will-retry-until" => cur.will_retry_until = Some(value.clone()),
        _ => {}
    }
    if cur.lines.len() < 32 {
        cur.lines.push(line);
    }
}

fn canonical_name(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `rfc822; <a@example.org>` → `a@example.org`.
pub fn address_value(value: &str) -> String {
    let v = typed_value(value);
    // Some MTAs add a display name around `<address>`.
    let v = match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if b > a => v[a + 1..b].trim(),
        _ => v
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim(),
    };
    // A source route (`@relay.example:a@example.org`, RFC 5321 §4.1.2) ends in the address.
    let v = match v.strip_prefix('@').and_then(|r| r.rsplit_once(':')) {
        Some((_, addr)) => addr,
        None => v,
    };
    // A quoted local part (`"a..b"@example.org`) keeps its quotes; a quoted whole does not.
    match v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.to_string(),
        _ => v.to_string(),
    }
}

/// `dns; mx.example.org` → `mx.example.org`.
fn typed_value(value: &str) -> String {
    let v = value.trim();
    match v.split_once(';') {
        Some((kind, rest)) if !kind.contains(char::is_whitespace) && kind.len() <= 16 => {
            rest.trim().to_string()
        }
        _ => v.to_string(),
    }
}

/// `failed`, `delayed`, `delivered`, `relayed`, `expanded` (RFC 3464 §2.3.3), from what
/// MTAs actually write.
fn normal_action(value: &str) -> String {
    let word = value
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match word.as_str() {
        "failure" | "fail" | "bounced" | "bounce" => "failed".into(),
        "deferred" | "delay" | "deferral" => "delayed".into(),
        "success" | "sent" => "delivered".into(),
        "" => "failed".into(),
        _ => word,
    }
}

/// The `Name: value` fields of the text, unfolded, in blank-line separated groups. Lines
/// that are not fields (prose around a DSN pasted into a text part) are skipped.
fn fields_by_group(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut group: Vec<(String, String)> = Vec::new();
    let mut can_continue = false;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !group.is_empty() {
                groups.push(std::mem::take(&mut group));
            }
            can_continue = false;
            continue;
        }
        if line.starts_with([' ', '\t']) && can_continue {
            if let Some((_, v)) = group.last_mut()
                && v.len() < 8192
            {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        match field(line.trim_start()) {
            Some((name, value)) => {
                group.push((name, value.to_string()));
                can_continue = true;
            }
            None => can_continue = false,
        }
    }
    if !group.is_empty() {
        groups.push(group);
    }
    groups
}

fn field(line: &str) -> Option<(String, &str)> {
    let (name, value) = line.split_once(':')?;
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| (name.to_ascii_lowercase(), value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exim_names_the_remote_mta_then_its_address() {
        let r = parse(
            "Reporting-MTA: dns; mx.example.org\n\n\
             Action: failed\nFinal-Recipient: rfc822;a@example.net\nStatus: 5.0.0\n\
             Remote-MTA: dns; mx.example.net\nRemote-MTA: X-ip; [192.0.2.7]:2525\n\
             X-Remote-MTA-smtp-greeting: X-str; 220 mx.example.net ESMTP\n",
        );
        assert_eq!(
            r.recipients[0].remote_mta.as_deref(),
            Some("mx.example.net")
        );
    }

    #[test]
    fn two_recipients_with_folded_diagnostic() {
        let r = parse(
            "Reporting-MTA: dns; mx.example.org\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n\
             Final-Recipient: rfc822; a@example.com\nOriginal-Recipient: rfc822;A@example.com\nAction: failed\nStatus: 5.1.1\n\
             Remote-MTA: dns; mx.example.com\nDiagnostic-Code: smtp; 550-5.1.1 No such\n 550 5.1.1 user\n\n\
             Final-Recipient: rfc822; <b@example.com>\nAction: Delayed\nStatus: 4.2.2 (mailbox full)\n",
        );
        assert_eq!(r.reporting_mta.as_deref(), Some("mx.example.org"));
        assert_eq!(r.recipients.len(), 2);
        let a = &r.recipients[0];
        assert_eq!(a.address(), Some("a@example.com"));
        assert_eq!(a.status.unwrap().to_string(), "5.1.1");
        assert_eq!(a.remote_mta.as_deref(), Some("mx.example.com"));
        assert_eq!(
            a.diagnostic.as_deref(),
            Some("smtp; 550-5.1.1 No such 550 5.1.1 user")
        );
        let b = &r.recipients[1];
        assert_eq!(b.address(), Some("b@example.com"));
        assert_eq!(b.action.as_deref(), Some("delayed"));
        assert_eq!(b.status.unwrap().to_string(), "4.2.2");
    }

    #[test]
    fn final_recipient_on_an_internal_host_yields_to_the_original() {
        let r = parse(
            "Original-recipient: rfc822;Jo@example.com\nFinal-recipient: rfc822;Jo@ims-ms-daemon\nAction: failed\nStatus: 5.2.2\n",
        );
        assert_eq!(r.recipients[0].address(), Some("Jo@example.com"));
    }

    #[test]
    fn address_forms() {
        assert_eq!(address_value("rfc822; <a@example.org>"), "a@example.org");
        assert_eq!(
            address_value("RFC822; <@mx.example.org:a@example.org>"),
            "a@example.org"
        );
        assert_eq!(
            address_value("rfc822; \"a..b\"@example.org"),
            "\"a..b\"@example.org"
        );
        assert_eq!(address_value("rfc822; \"a@example.org\""), "a@example.org");
        assert_eq!(address_value("rfc822; Jo <a@example.org>"), "a@example.org");
    }

    #[test]
    fn run_on_blocks_and_prose() {
        let r = parse(
            "An error occurred while trying to deliver the mail to the following recipients:\n\
             a@example.com\nTechnical report:\nReporting-MTA: dsn; x.example.org\nAction: failed\n\
             Final-Recipient: rfc822; a@example.com\nDiagnostic-Code: smtp; 550 5.1.1 unknown\nStatus: 5.1.1\n\
             Action: failed\nFinal-Recipient: rfc822; b@example.com\nStatus: 5.2.2\n",
        );
        let got: Vec<_> = r
            .recipients
            .iter()
            .map(|x| (x.address().unwrap_or(""), x.status.map(|s| s.to_string())))
            .collect();
        assert_eq!(
            got,
            [
                ("a@example.com", Some("5.1.1".to_string())),
                ("b@example.com", Some("5.2.2".to_string()))
            ]
        );
    }
}
