//! `scan`: the metrics admins track over a whole mail log (or a pile of bounce messages):
//! which codes, which domains and servers, how deferrals ended and how long they took.
//! Memory is bounded by the messages still in flight, not by the size of the log.

pub mod input;
pub mod time;

use crate::code::{Class, EnhancedCode};
use crate::kb::Kb;
use crate::recognize::Status;
use crate::recognize::log::{self, LogRecord, Outcome};
use serde::Serialize;
use std::collections::HashMap;
use time::{Clock, Stamp};

/// How long (in log time) an expiry is remembered for recipients logged after it.
const EXPIRY_MEMORY: f64 = 7.0 * 86400.0;

/// A recipient whose delivery was deferred and has not ended yet.
#[derive(Debug)]
struct Deferred {
    recipient: String,
    first: f64,
    /// Its message expired; it ends as expired unless the log shows it delivered later.
    expired: bool,
}

/// One delivery attempt (or a message's expiry), for `--format ndjson`.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub time: Option<String>,
    pub queue_id: Option<String>,
    pub recipient: Option<String>,
    pub domain: Option<String>,
    pub remote_host: Option<String>,
    pub status: &'static str,
    pub code: Option<String>,
    pub bounce: Option<&'static str>,
}

/// Accumulates metrics line by line.
pub struct Scanner {
    clock: Clock,
    lines: u64,
    events: u64,
    by_status: [u64; 4],
    codes: HashMap<EnhancedCode, u64>,
    domains: HashMap<String, u64>,
    hosts: HashMap<String, u64>,
    by_hour: [u64; 24],
    /// Recipients deferred and not yet resolved, by queue id.
    in_flight: HashMap<String, Vec<Deferred>>,
    /// Messages that expired, with when: a recipient first deferred after its message
    /// expired (logs are not always in order) is counted as expired too. Entries older than
    /// `EXPIRY_MEMORY` of log time are dropped, so memory stays bounded.
    expired_messages: HashMap<String, f64>,
    last_purge: f64,
    delivered_later: u64,
    bounced_later: u64,
    expired: u64,
    time_to_delivery: Vec<f64>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Parses what `scan` needs of a log line: the event fields, and the host a failed attempt
/// tried when the MTA names it only in its own words.
pub fn parse_line(line: &str) -> Option<LogRecord<'_>> {
    let mut rec = log::parse_event(line)?;
    if rec.remote_host.is_none()
        && rec.outcome != Some(Outcome::Sent)
        && let Some(d) = rec.detail
    {
        rec.remote_host = log::host_from_detail(d);
    }
    Some(rec)
}

fn status_index(o: Outcome) -> usize {
    match o {
        Outcome::Sent => 0,
        Outcome::Deferred => 1,
        Outcome::Bounced => 2,
        Outcome::Expired => 3,
    }
}

fn bounce_of(code: Option<EnhancedCode>) -> Option<&'static str> {
    code.map(|c| match c.class {
        Class::Success => "none",
        Class::Transient => "soft",
        Class::Permanent => "hard",
    })
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            clock: Clock::new(),
            lines: 0,
            events: 0,
            by_status: [0; 4],
            codes: HashMap::new(),
            domains: HashMap::new(),
            hosts: HashMap::new(),
            by_hour: [0; 24],
            in_flight: HashMap::new(),
            expired_messages: HashMap::new(),
            last_purge: 0.0,
            delivered_later: 0,
            bounced_later: 0,
            expired: 0,
            time_to_delivery: Vec::new(),
        }
    }

    /// Reads one log line; returns the event it records, if any, when `want_event`.
    pub fn line(&mut self, line: &str, want_event: bool) -> Option<Event> {
        self.lines += 1;
        self.event_line(line, want_event)
    }

    /// Like `line` for a line already counted (see `count_lines`).
    pub fn event_line(&mut self, line: &str, want_event: bool) -> Option<Event> {
        let rec = parse_line(line)?;
        self.record_parsed(&rec, want_event)
    }

    /// Records a line already parsed (by `parse_line`, possibly on another thread).
    pub fn record_parsed(&mut self, rec: &LogRecord<'_>, want_event: bool) -> Option<Event> {
        let stamp = rec.timestamp.and_then(|t| self.clock.read(t));
        self.record(rec, stamp);
        want_event.then(|| Event {
            time: rec.timestamp.map(str::to_string),
            queue_id: rec.queue_id.map(str::to_string),
            recipient: rec.recipient.map(str::to_string),
            domain: rec.recipient.and_then(domain_of),
            remote_host: rec.remote_host.map(str::to_string),
            status: rec.outcome.map_or("unknown", Outcome::as_str),
            code: rec.code().map(|c| c.to_string()),
            bounce: bounce_of(rec.code()),
        })
    }

    /// Counts lines that were read but not recognised as log lines (bounce messages).
    pub fn count_lines(&mut self, n: u64) {
        self.lines += n;
    }

    fn record(&mut self, rec: &LogRecord<'_>, stamp: Option<Stamp>) {
        let Some(outcome) = rec.outcome else { return };
        self.events += 1;
        self.by_status[status_index(outcome)] += 1;
        // The MTA's own verdict (`dsn=`) names the status; the reply's code otherwise.
        let code = rec.dsn.or(rec.reply_code);
        if matches!(outcome, Outcome::Deferred | Outcome::Bounced) {
            if let Some(c) = code {
                *self.codes.entry(c).or_default() += 1;
            }
            if let Some(d) = rec
                .recipient
                .and_then(|r| r.rsplit_once('@'))
                .map(|(_, d)| d.trim_end_matches('>'))
            {
                bump(&mut self.domains, d);
            }
            if let Some(h) = rec.remote_host {
                bump(&mut self.hosts, h);
            }
            if let Some(s) = stamp {
                self.by_hour[s.hour as usize % 24] += 1;
            }
        }
        self.track_deferral(rec, outcome, stamp);
    }

    fn track_deferral(&mut self, rec: &LogRecord<'_>, outcome: Outcome, stamp: Option<Stamp>) {
        let Some(qid) = rec.queue_id else { return };
        let now = stamp.map_or(0.0, |s| s.seconds);
        if outcome == Outcome::Expired {
            // An expiry ends every recipient of the message still deferred; a later
            // delivery or bounce in the log still wins, so they stay listed, marked.
            if let Some(list) = self.in_flight.get_mut(qid) {
                for d in list.iter_mut() {
                    d.expired = true;
                }
            }
            self.expired_messages.insert(qid.to_string(), now);
            self.purge_expired(now);
            return;
        }
        let Some(rcpt) = rec.recipient else { return };
        match outcome {
            Outcome::Deferred => {
                let expired = self.expired_messages.contains_key(qid);
                let list = self.in_flight.entry(qid.to_string()).or_default();
                if !list.iter().any(|d| d.recipient == rcpt) {
                    list.push(Deferred {
                        recipient: rcpt.to_string(),
                        first: now,
                        expired,
                    });
                }
            }
            Outcome::Sent | Outcome::Bounced => {
                let Some(list) = self.in_flight.get_mut(qid) else {
                    return;
                };
                let Some(i) = list.iter().position(|d| d.recipient == rcpt) else {
                    return;
                };
                let d = list.swap_remove(i);
                if list.is_empty() {
                    self.in_flight.remove(qid);
                }
                if outcome == Outcome::Sent {
                    self.delivered_later += 1;
                    self.time_to_delivery.push(now - d.first);
                } else {
                    self.bounced_later += 1;
                }
            }
            Outcome::Expired => {}
        }
    }

    /// Forgets expiries older than `EXPIRY_MEMORY`, settling their recipients as expired.
    fn purge_expired(&mut self, now: f64) {
        if now - self.last_purge < EXPIRY_MEMORY {
            return;
        }
        self.last_purge = now;
        let old: Vec<String> = self
            .expired_messages
            .iter()
            .filter(|(_, t)| now - **t > EXPIRY_MEMORY)
            .map(|(q, _)| q.clone())
            .collect();
        for qid in old {
            self.expired_messages.remove(&qid);
            if let Some(list) = self.in_flight.get_mut(&qid) {
                let before = list.len();
                list.retain(|d| !d.expired);
                self.expired += (before - list.len()) as u64;
                if list.is_empty() {
                    self.in_flight.remove(&qid);
                }
            }
        }
    }

    /// Records the statuses of one bounce message: one event per recipient.
    pub fn message(&mut self, statuses: &[Status], want_events: bool) -> Vec<Event> {
        let mut events = Vec::new();
        for s in statuses {
            let outcome = match s.outcome.as_deref() {
                Some("delivered") | Some("relayed") | Some("expanded") => Outcome::Sent,
                Some("delayed") => Outcome::Deferred,
                Some("failed") => Outcome::Bounced,
                _ => match s
                    .code
                    .map(|c| c.class)
                    .or(s.basic.and_then(crate::code::basic_class))
                {
                    Some(Class::Success) => Outcome::Sent,
                    Some(Class::Transient) => Outcome::Deferred,
                    Some(Class::Permanent) => Outcome::Bounced,
                    None => continue,
                },
            };
            let rec = LogRecord {
                recipient: s.recipient.as_deref(),
                remote_host: s.remote_host.as_deref(),
                outcome: Some(outcome),
                dsn: s.code,
                ..LogRecord::default()
            };
            self.record(&rec, None);
            if want_events {
                events.push(Event {
                    time: None,
                    queue_id: None,
                    recipient: s.recipient.clone(),
                    domain: s.recipient.as_deref().and_then(domain_of),
                    remote_host: s.remote_host.clone(),
                    status: outcome.as_str(),
                    code: s.code.map(|c| c.to_string()),
                    bounce: bounce_of(s.code),
                });
            }
        }
        events
    }

    /// The report, with titles and bounce types from the knowledge base.
    pub fn report(&self, kb: &Kb) -> Report {
        let mut codes: Vec<CodeCount> = self
            .codes
            .iter()
            .map(|(code, &count)| {
                let (_, entry) = kb.lookup(code);
                CodeCount {
                    code: code.to_string(),
                    title: entry.map(|e| e.title.clone()),
                    bounce: bounce_of(Some(*code)).unwrap_or("none"),
                    count,
                    advice: entry
                        .and_then(|e| e.fixes.sender.first().cloned())
                        .or(entry.map(|e| e.summary.clone())),
                }
            })
            .collect();
        codes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
        let ranked = |m: &HashMap<String, u64>| {
            let mut v: Vec<(String, u64)> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let still_listed = self.in_flight.values().flatten();
        let (expired_listed, pending) = still_listed.fold((0u64, 0u64), |(e, p), d| {
            if d.expired { (e + 1, p) } else { (e, p + 1) }
        });
        let expired = self.expired + expired_listed;
        let ended = self.delivered_later + self.bounced_later + expired;
        let mut delays = self.time_to_delivery.clone();
        delays.sort_by(f64::total_cmp);
        let round1 = |x: f64| (x * 10.0).round() / 10.0;
        let n = delays.len();
        let median = (n > 0).then(|| {
            if n % 2 == 1 {
                delays[n / 2]
            } else {
                (delays[n / 2 - 1] + delays[n / 2]) / 2.0
            }
        });
        Report {
            lines: self.lines,
            events: self.events,
            by_status: ByStatus {
                sent: self.by_status[0],
                deferred: self.by_status[1],
                bounced: self.by_status[2],
                expired: self.by_status[3],
            },
            soft: codes
                .iter()
                .filter(|c| c.bounce == "soft")
                .map(|c| c.count)
                .sum(),
            hard: codes
                .iter()
                .filter(|c| c.bounce == "hard")
                .map(|c| c.count)
                .sum(),
            codes,
            domains: ranked(&self.domains)
                .into_iter()
                .map(|(domain, count)| DomainCount { domain, count })
                .collect(),
            remote_hosts: ranked(&self.hosts)
                .into_iter()
                .map(|(host, count)| HostCount { host, count })
                .collect(),
            by_hour: self.by_hour,
            deferrals: Deferrals {
                messages: ended + pending,
                delivered_later: self.delivered_later,
                bounced_later: self.bounced_later,
                expired,
                pending,
                retry_success_rate: (ended > 0).then(|| {
                    (self.delivered_later as f64 / ended as f64 * 10_000.0).round() / 10_000.0
                }),
                time_to_delivery_s: Delays {
                    median: median.map(round1),
                    p90: (n > 0).then(|| round1(delays[(n * 9 / 10).min(n - 1)])),
                    max: delays.last().copied().map(round1),
                },
            },
        }
    }
}

/// Counts `name` case-insensitively, allocating only for a name not seen before.
fn bump(counts: &mut HashMap<String, u64>, name: &str) {
    if name.is_empty() {
        return;
    }
    let lower: std::borrow::Cow<str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    };
    match counts.get_mut(lower.as_ref()) {
        Some(n) => *n += 1,
        None => {
            counts.insert(lower.into_owned(), 1);
        }
    }
}

fn domain_of(recipient: &str) -> Option<String> {
    recipient
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lines: u64,
    pub events: u64,
    pub by_status: ByStatus,
    /// Failed attempts whose code is temporary (soft) or permanent (hard).
    pub soft: u64,
    pub hard: u64,
    pub codes: Vec<CodeCount>,
    pub domains: Vec<DomainCount>,
    pub remote_hosts: Vec<HostCount>,
    pub by_hour: [u64; 24],
    pub deferrals: Deferrals,
}

#[derive(Debug, Clone, Serialize)]
pub struct ByStatus {
    pub sent: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub expired: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeCount {
    pub code: String,
    pub title: Option<String>,
    pub bounce: &'static str,
    pub count: u64,
    /// What to do about it, in a line (the knowledge base's first fix for the sender).
    pub advice: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DomainCount {
    pub domain: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostCount {
    pub host: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deferrals {
    pub messages: u64,
    pub delivered_later: u64,
    pub bounced_later: u64,
    pub expired: u64,
    pub pending: u64,
    pub retry_success_rate: Option<f64>,
    pub time_to_delivery_s: Delays,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delays {
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.2, status=deferred (host mx.example.org[198.51.100.1] said: 451 4.3.2 System not accepting network messages (in reply to RCPT TO command))
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<b@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection timed out)
Jun 10 10:00:01 mail postfix/smtp[1]: BBBBB22222: to=<c@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jun 10 11:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=3600, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jun 10 12:00:00 mail postfix/smtp[1]: CCCCC33333: to=<d@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Jun 10 12:30:00 mail postfix/smtp[1]: CCCCC33333: to=<d@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=5.2.2, status=bounced (host mx.example.org[198.51.100.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))
Jun 15 10:00:01 mail postfix/qmgr[2]: AAAAA11111: from=<s@example.com>, status=expired, returned to sender
Jun 15 10:00:02 mail postfix/smtpd[3]: connect from unknown[192.0.2.1]
";

    #[test]
    fn deferrals_end_delivered_bounced_or_expired() {
        let mut s = Scanner::new();
        for line in LOG.lines() {
            s.line(line, false);
        }
        let r = s.report(&Kb::builtin());
        assert_eq!(r.lines, 8);
        assert_eq!(r.events, 7);
        assert_eq!(
            (
                r.by_status.sent,
                r.by_status.deferred,
                r.by_status.bounced,
                r.by_status.expired
            ),
            (2, 3, 1, 1)
        );
        let d = &r.deferrals;
        assert_eq!(
            (
                d.messages,
                d.delivered_later,
                d.bounced_later,
                d.expired,
                d.pending
            ),
            (3, 1, 1, 1, 0)
        );
        assert_eq!(d.retry_success_rate, Some(0.3333));
        assert_eq!(d.time_to_delivery_s.median, Some(3600.0));
        assert_eq!(r.domains[0].domain, "example.org");
        assert!(r.remote_hosts.iter().any(|h| h.host == "mx.example.net"));
        assert_eq!(r.by_hour[10], 2);
        assert_eq!(r.by_hour[12], 2);
    }
}
