//! `scan`: the metrics admins track over whole mail logs (or a pile of bounce messages):
//! which codes and reasons, which domains and servers, how deferrals ended and how long they
//! took, what the receiving side refused. Memory is bounded by the messages still in flight,
//! not by the size of the logs.
//!
//! Every event gets the verdict `explain` gives its line (the same function, cached by the
//! line's code and wording). Attempts are tied together by (host, queue id): queue ids are
//! unique per host only.

pub mod input;
pub mod time;
pub mod top;

use crate::code::{Class, EnhancedCode};
use crate::explain::{Verdict, verdict};
use crate::kb::Kb;
use crate::kb::model::{Action, Bounce, Reason, Stage};
use crate::recognize::log::{self, LogRecord, Outcome};
use crate::recognize::{InputKind, Status};
use serde::Serialize;
/// Scan's tables hash every line's queue id, recipient and domain: foldhash is several
/// times cheaper than SipHash there and, being seeded per process, keeps crafted keys from
/// piling into one bucket.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use time::{Clock, Stamp, YearRef};
use top::{DISTINCT_LIMIT, TopCounts};

/// How long (in log time) an expiry is remembered for recipients logged after it.
const EXPIRY_MEMORY: f64 = 7.0 * 86400.0;
/// Verdicts kept per cache before it starts over (bounds memory on logs whose replies all
/// differ).
const CACHE_LIMIT: usize = 8192;
/// Bytes of wording the verdicts kept may hold before the cache starts over (lines can be
/// long).
const CACHE_BYTES: usize = 16 << 20;
/// Hosts (syslog host fields, folders) whose queue ids are told apart; lines of further
/// hosts share one state, named `OTHER_HOSTS`.
const HOST_LIMIT: usize = DISTINCT_LIMIT;
const OTHER_HOSTS: &str = "(other hosts)";

/// A recipient whose delivery was deferred and has not ended yet.
#[derive(Debug)]
struct Deferred {
    /// Lower-cased: `carol@Example.ORG` and `carol@example.org` are one recipient.
    recipient: String,
    first: Option<f64>,
    /// Its message expired; it ends as expired unless the log shows it delivered later.
    expired: bool,
}

/// One delivery attempt (or a message's expiry), for `--format ndjson`.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub host: Option<String>,
    pub file: Option<String>,
    pub line: u64,
    /// RFC 3339.
    pub time: Option<String>,
    pub queue_id: Option<String>,
    pub recipient: Option<String>,
    /// For an expiry: the recipients of its message still deferred, which it ends
    /// (lower-cased, as they pair). Left out of other events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    pub domain: Option<String>,
    pub remote_host: Option<String>,
    pub status: &'static str,
    pub code: Option<String>,
    pub bounce: Option<Bounce>,
    pub reason: Option<Reason>,
    pub action: Option<Action>,
}

/// Where and when an event happened, and what came of it.
#[derive(Clone, Copy)]
struct EventAt {
    /// The index of its host's state.
    host: usize,
    line: u64,
    stamp: Option<Stamp>,
    outcome: Outcome,
}

/// What one log line holds for `scan`, read on any thread.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// A delivery attempt or an expiry, with the verdict `explain` gives its line.
    Attempt {
        rec: LogRecord<'a>,
        host: Option<&'a str>,
        verdict: Option<Verdict>,
    },
    /// An inbound rejection, with its verdict.
    Reject {
        reject: log::Reject<'a>,
        host: Option<&'a str>,
        verdict: Option<Verdict>,
    },
}

/// Verdicts already given, by everything a log line's verdict depends on: its code, basic
/// code, outcome and stage, and (when the verdict reads them) the remote host and wording.
/// Looked up with borrowed parts, so a line whose verdict is known allocates nothing.
#[derive(Default)]
pub struct VerdictCache {
    hasher: foldhash::fast::RandomState,
    /// By the hash of a key's parts; a bucket holds the keys that share it.
    map: HashMap<u64, Vec<(VerdictKey, Option<Verdict>)>>,
    len: usize,
    bytes: usize,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct VerdictKey {
    kind: &'static str,
    code: Option<EnhancedCode>,
    inferred: bool,
    basic: Option<u16>,
    outcome: Option<String>,
    stage: Option<Stage>,
    host: Option<String>,
    wording: Option<String>,
}

/// A `VerdictKey` with borrowed parts.
#[derive(Debug, PartialEq, Eq, Hash)]
struct KeyRef<'a> {
    kind: &'static str,
    code: Option<EnhancedCode>,
    inferred: bool,
    basic: Option<u16>,
    outcome: Option<&'a str>,
    stage: Option<Stage>,
    host: Option<&'a str>,
    wording: Option<&'a str>,
}

impl VerdictKey {
    fn as_ref(&self) -> KeyRef<'_> {
        KeyRef {
            kind: self.kind,
            code: self.code,
            inferred: self.inferred,
            basic: self.basic,
            outcome: self.outcome.as_deref(),
            stage: self.stage,
            host: self.host.as_deref(),
            wording: self.wording.as_deref(),
        }
    }
}

impl KeyRef<'_> {
    fn to_owned(&self) -> VerdictKey {
        VerdictKey {
            kind: self.kind,
            code: self.code,
            inferred: self.inferred,
            basic: self.basic,
            outcome: self.outcome.map(str::to_string),
            stage: self.stage,
            host: self.host.map(str::to_string),
            wording: self.wording.map(str::to_string),
        }
    }
}

impl VerdictCache {
    pub fn verdict(&mut self, kb: &Kb, status: &Status) -> Option<Verdict> {
        let reads = crate::explain::reads_evidence(status);
        let wording = reads.then(|| crate::explain::verdict_wording(status));
        let key = KeyRef {
            kind: status.kind.as_str(),
            code: status.code,
            inferred: status.code_inferred,
            basic: status.basic,
            outcome: status.outcome.as_deref(),
            stage: status.stage.filter(|_| reads),
            host: status.speaking_host().filter(|_| reads),
            wording: wording.as_deref(),
        };
        self.get_or_insert(key, || verdict(kb, status))
    }

    /// The verdict of a log line, keyed by the parts of the status `log::to_status` would
    /// build, without building it unless the verdict is new.
    fn log_verdict(
        &mut self,
        kb: &Kb,
        rec: &LogRecord<'_>,
        line_no: usize,
        line: &str,
    ) -> Option<Verdict> {
        let (code, inferred) = rec.status_code();
        let reads = crate::explain::reads_evidence_of(InputKind::Log, code, rec.basic);
        let trimmed = line.trim();
        let server_text = match (&rec.server_text, reads) {
            (_, false) => None,
            (Some(t), true) => Some(std::borrow::Cow::Borrowed(t.as_ref())),
            (None, true) => rec.detail.and_then(crate::recognize::non_empty_cow),
        };
        let wording =
            reads.then(|| crate::explain::evidence_of(server_text.as_deref().unwrap_or(trimmed)));
        let key = KeyRef {
            kind: InputKind::Log.as_str(),
            code,
            inferred,
            basic: rec.basic,
            outcome: rec.outcome.map(Outcome::as_str),
            stage: if reads {
                rec.stage.or_else(|| log::stage_marker(trimmed))
            } else {
                None
            },
            host: rec.remote_host.filter(|_| reads),
            wording: wording.as_deref(),
        };
        self.get_or_insert(key, || verdict(kb, &log::to_status(rec, line_no, line)))
    }

    fn get_or_insert(
        &mut self,
        key: KeyRef<'_>,
        make: impl FnOnce() -> Option<Verdict>,
    ) -> Option<Verdict> {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(&key);
        if let Some(bucket) = self.map.get(&hash)
            && let Some((_, v)) = bucket.iter().find(|(k, _)| k.as_ref() == key)
        {
            return *v;
        }
        let v = make();
        if self.len >= CACHE_LIMIT || self.bytes >= CACHE_BYTES {
            self.map.clear();
            self.len = 0;
            self.bytes = 0;
        }
        self.map.entry(hash).or_default().push((key.to_owned(), v));
        self.len += 1;
        self.bytes += key.wording.map_or(0, str::len) + key.host.map_or(0, str::len);
        v
    }
}

/// Reads one log line: a delivery attempt, an expiry or an inbound rejection, each with the
/// verdict `explain` gives the same line. `line_no` is the line's number in its file.
pub fn parse_line<'a>(
    line: &'a str,
    line_no: usize,
    kb: &Kb,
    cache: &mut VerdictCache,
) -> Option<Parsed<'a>> {
    parse_candidate(line, line_no, true, kb, cache)
}

/// `parse_line` for a line already searched: `may_be_reject` is false when it holds no
/// `reject: `.
pub fn parse_candidate<'a>(
    line: &'a str,
    line_no: usize,
    may_be_reject: bool,
    kb: &Kb,
    cache: &mut VerdictCache,
) -> Option<Parsed<'a>> {
    if may_be_reject && let Some(reject) = log::parse_reject(line) {
        // Read as `explain` reads the line: the reply it quotes.
        let (statuses, _) = crate::recognize::recognise(line);
        let verdict = statuses.first().and_then(|s| cache.verdict(kb, s));
        return Some(Parsed::Reject {
            reject,
            host: log::syslog_host(line),
            verdict,
        });
    }
    let rec = log::parse_reading_stage(line, |r| {
        crate::explain::reads_evidence_of(InputKind::Log, r.status_code().0, r.basic)
    })?;
    rec.outcome?;
    let verdict = cache.log_verdict(kb, &rec, line_no, line);
    Some(Parsed::Attempt {
        rec,
        host: log::syslog_host(line),
        verdict,
    })
}

/// A Courier outcome line (`...,addr=<r>,status: failure`) carries no reply: the reply lines
/// logged for the same attempt come just before it (`log::courier_reply`). The attempt takes
/// their code, words and stage, and its verdict is read from them, as `explain` reads the
/// same lines.
#[inline]
pub fn take_reply_before(
    parsed: &mut Parsed<'_>,
    before: &[u8],
    line: &str,
    line_no: usize,
    kb: &Kb,
    cache: &mut VerdictCache,
) {
    if let Parsed::Attempt { rec, verdict, .. } = parsed
        && log::needs_reply_before(rec)
    {
        let window = &before[before.len().saturating_sub(16 * 1024)..];
        if let Some(reply) = log::courier_reply(&String::from_utf8_lossy(window), line) {
            log::take_reply(rec, &reply);
            *verdict = cache.log_verdict(kb, rec, line_no, line);
        }
    }
}

/// One host's figures and the messages of its still in flight: queue ids are unique per
/// host only.
#[derive(Debug, Default)]
struct HostState {
    name: String,
    events: u64,
    by_status: [u64; 4],
    delivered_later: u64,
    bounced_later: u64,
    expired: u64,
    /// Recipients deferred and not yet resolved, by queue id.
    in_flight: HashMap<String, Vec<Deferred>>,
    /// Messages that expired, with when: a recipient first deferred after its message
    /// expired (logs are not always in order) is counted as expired too. Entries older than
    /// `EXPIRY_MEMORY` of log time are dropped, so memory stays bounded.
    expired_messages: HashMap<String, f64>,
}

#[derive(Debug, Default)]
struct RejectFigures {
    total: u64,
    greylisted: u64,
    codes: TopCounts<String>,
    reasons: HashMap<&'static str, u64>,
    clients: TopCounts<String>,
    domains: TopCounts<String>,
}

/// The file being read: its name, the host its lines come from when they name none, its clock.
struct Source {
    file: Option<String>,
    host: Option<String>,
}

/// Accumulates metrics line by line.
pub struct Scanner<'k> {
    kb: &'k Kb,
    cache: VerdictCache,
    clock: Clock,
    source: Source,
    /// Lines of the current file read so far.
    file_lines: u64,
    lines: u64,
    events: u64,
    by_status: [u64; 4],
    codes: TopCounts<(EnhancedCode, Bounce)>,
    reasons: HashMap<&'static str, u64>,
    soft: u64,
    hard: u64,
    greylisted: u64,
    domains: TopCounts<String>,
    hosts: TopCounts<String>,
    by_hour: [u64; 24],
    timed_failures: u64,
    host_ids: HashMap<String, usize>,
    per_host: Vec<HostState>,
    /// The state lines of hosts past `HOST_LIMIT` share.
    other_hosts: Option<usize>,
    last_purge: f64,
    delivered_later: u64,
    bounced_later: u64,
    expired: u64,
    time_to_delivery: Vec<f64>,
    /// Deliveries logged before their first deferral.
    backward_times: u64,
    rejects: RejectFigures,
    first: Option<Stamp>,
    last: Option<Stamp>,
}

fn status_index(o: Outcome) -> usize {
    match o {
        Outcome::Sent => 0,
        Outcome::Deferred => 1,
        Outcome::Bounced => 2,
        Outcome::Expired => 3,
    }
}

impl<'k> Scanner<'k> {
    /// A scanner whose year-less times are read against `year`.
    pub fn new(kb: &'k Kb, year: YearRef) -> Scanner<'k> {
        Scanner {
            kb,
            cache: VerdictCache::default(),
            clock: Clock::new(year),
            source: Source {
                file: None,
                host: None,
            },
            file_lines: 0,
            lines: 0,
            events: 0,
            by_status: [0; 4],
            codes: TopCounts::default(),
            reasons: HashMap::default(),
            soft: 0,
            hard: 0,
            greylisted: 0,
            domains: TopCounts::default(),
            hosts: TopCounts::default(),
            by_hour: [0; 24],
            timed_failures: 0,
            host_ids: HashMap::default(),
            per_host: Vec::new(),
            other_hosts: None,
            last_purge: 0.0,
            delivered_later: 0,
            bounced_later: 0,
            expired: 0,
            time_to_delivery: Vec::new(),
            backward_times: 0,
            rejects: RejectFigures::default(),
            first: None,
            last: None,
        }
    }

    pub fn kb(&self) -> &'k Kb {
        self.kb
    }

    /// Starts reading a file (`None`: standard input). `host` names the host its lines
    /// come from when they carry no syslog host field (the file's folder); `clock`, when
    /// given, replaces the clock (each file's year is inferred from its own time).
    pub fn begin_file(&mut self, file: Option<String>, host: Option<String>, clock: Option<Clock>) {
        self.source = Source { file, host };
        self.file_lines = 0;
        if let Some(c) = clock {
            self.clock = c;
        }
    }

    /// Reads one log line; returns the events it records when `want_event`.
    pub fn line(&mut self, line: &str, want_event: bool) -> Vec<Event> {
        self.count_lines(1);
        let no = self.file_lines as usize;
        let kb = self.kb;
        match parse_line(line, no, kb, &mut self.cache) {
            Some(parsed) => self.record_parsed(&parsed, self.file_lines, want_event),
            None => Vec::new(),
        }
    }

    /// Counts lines read (recorded or not).
    pub fn count_lines(&mut self, n: u64) {
        self.lines += n;
        self.file_lines += n;
    }

    /// Deliveries logged before their first deferral (lines out of order): their time to
    /// delivery counted as 0.
    pub fn backward_times(&self) -> u64 {
        self.backward_times
    }

    /// Lines of the current file counted so far.
    pub fn file_lines(&self) -> u64 {
        self.file_lines
    }

    /// Records a line already parsed (by `parse_line`, possibly on another thread); `line`
    /// is its number in its file. Returns its events when `want_event`: one per recipient.
    pub fn record_parsed(
        &mut self,
        parsed: &Parsed<'_>,
        line: u64,
        want_event: bool,
    ) -> Vec<Event> {
        match parsed {
            Parsed::Reject {
                reject,
                host: _,
                verdict,
            } => {
                if let Some(s) = reject.timestamp.and_then(|t| self.clock.read(t)) {
                    self.saw(s);
                }
                self.reject(reject, verdict.as_ref());
                Vec::new()
            }
            Parsed::Attempt { rec, host, verdict } => {
                let stamp = rec.timestamp.and_then(|t| self.clock.read(t));
                let Some(outcome) = rec.outcome else {
                    return Vec::new();
                };
                let host = match host {
                    Some(h) => self.host_id(h),
                    None => self.source_host_id(),
                };
                let mut events = Vec::new();
                let mut recipients = rec.recipients().peekable();
                // A line naming no recipient is still one event.
                let none = recipients.peek().is_none();
                for recipient in recipients.map(Some).chain(none.then_some(None)) {
                    let ended = self.record(
                        host,
                        rec.queue_id,
                        recipient,
                        rec.remote_host,
                        outcome,
                        verdict.as_ref(),
                        stamp,
                        want_event,
                    );
                    if want_event {
                        let at = EventAt {
                            host,
                            line,
                            stamp,
                            outcome,
                        };
                        events.push(Event {
                            queue_id: rec.queue_id.map(str::to_string),
                            recipients: ended,
                            ..self.event(at, recipient, rec.remote_host, verdict.as_ref())
                        });
                    }
                }
                events
            }
        }
    }

    /// The event of one recipient's attempt; no queue id and no recipients ended, which
    /// the caller adds where the input has them.
    fn event(
        &self,
        at: EventAt,
        recipient: Option<&str>,
        remote_host: Option<&str>,
        verdict: Option<&Verdict>,
    ) -> Event {
        Event {
            host: Some(self.per_host[at.host].name.clone()).filter(|h| !h.is_empty()),
            file: self.source.file.clone(),
            line: at.line,
            time: at.stamp.map(|s| s.rfc3339()),
            queue_id: None,
            recipient: recipient.map(str::to_string),
            recipients: Vec::new(),
            domain: recipient.and_then(domain_of),
            remote_host: remote_host.map(str::to_string),
            status: at.outcome.as_str(),
            code: verdict.and_then(|v| v.code).map(|c| c.to_string()),
            bounce: verdict.map(|v| v.bounce),
            reason: verdict.map(|v| v.reason),
            action: verdict.map(|v| v.action),
        }
    }

    /// The index of a host's state, added when new.
    fn host_id(&mut self, name: &str) -> usize {
        if let Some(&i) = self.host_ids.get(name) {
            return i;
        }
        if self.host_ids.len() >= HOST_LIMIT {
            if let Some(i) = self.other_hosts {
                return i;
            }
            let i = self.per_host.len();
            self.per_host.push(HostState {
                name: OTHER_HOSTS.to_string(),
                ..HostState::default()
            });
            self.other_hosts = Some(i);
            return i;
        }
        let i = self.per_host.len();
        self.per_host.push(HostState {
            name: name.to_string(),
            ..HostState::default()
        });
        self.host_ids.insert(name.to_string(), i);
        i
    }

    /// The host of lines that name none: the current file's folder, or none.
    fn source_host_id(&mut self) -> usize {
        let name = self.source.host.take();
        let i = self.host_id(name.as_deref().unwrap_or(""));
        self.source.host = name;
        i
    }

    fn saw(&mut self, s: Stamp) {
        if self.first.is_none_or(|f| s.seconds < f.seconds) {
            self.first = Some(s);
        }
        if self.last.is_none_or(|l| s.seconds > l.seconds) {
            self.last = Some(s);
        }
    }

    fn reject(&mut self, r: &log::Reject<'_>, v: Option<&Verdict>) {
        let f = &mut self.rejects;
        f.total += 1;
        if let Some(v) = v {
            let code = v
                .code
                .map_or_else(|| "unknown".to_string(), |c| c.to_string());
            f.codes.add(code.as_str());
            *f.reasons.entry(v.reason.as_str()).or_default() += 1;
            if v.reason == Reason::Greylisted {
                f.greylisted += 1;
            }
        }
        if let Some(c) = r.client {
            bump(&mut f.clients, c);
        }
        if let Some(d) = r.recipient.and_then(domain_of) {
            bump(&mut f.domains, &d);
        }
    }

    /// Records one event; for an expiry, returns the recipients it ends when `list_ended`.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        host: usize,
        queue_id: Option<&str>,
        recipient: Option<&str>,
        remote_host: Option<&str>,
        outcome: Outcome,
        verdict: Option<&Verdict>,
        stamp: Option<Stamp>,
        list_ended: bool,
    ) -> Vec<String> {
        self.events += 1;
        self.by_status[status_index(outcome)] += 1;
        if let Some(s) = stamp {
            self.saw(s);
        }
        let figures = &mut self.per_host[host];
        figures.events += 1;
        figures.by_status[status_index(outcome)] += 1;
        if matches!(outcome, Outcome::Deferred | Outcome::Bounced) {
            if let Some(v) = verdict {
                if let Some(c) = v.code {
                    self.codes.add(&(c, v.bounce));
                }
                match v.bounce {
                    Bounce::Soft => self.soft += 1,
                    Bounce::Hard => self.hard += 1,
                    Bounce::None => {}
                }
                *self.reasons.entry(v.reason.as_str()).or_default() += 1;
                if v.reason == Reason::Greylisted {
                    self.greylisted += 1;
                }
            }
            if let Some(d) = recipient
                .and_then(|r| r.rsplit_once('@'))
                .map(|(_, d)| d.trim_end_matches('>'))
            {
                bump(&mut self.domains, d);
            }
            if let Some(h) = remote_host {
                bump(&mut self.hosts, h);
            }
            if let Some(s) = stamp {
                self.by_hour[s.hour as usize % 24] += 1;
                self.timed_failures += 1;
            }
        }
        match queue_id {
            Some(qid) => self.track_deferral(
                host,
                qid,
                recipient,
                outcome,
                stamp.map(|s| s.seconds),
                list_ended,
            ),
            None => Vec::new(),
        }
    }

    /// Pairs an event with the deferrals of its (host, queue id); for an expiry, returns
    /// the recipients it ends when `list_ended`.
    fn track_deferral(
        &mut self,
        host: usize,
        qid: &str,
        rcpt: Option<&str>,
        outcome: Outcome,
        now: Option<f64>,
        list_ended: bool,
    ) -> Vec<String> {
        let state = &mut self.per_host[host];
        if outcome == Outcome::Expired {
            // An expiry ends every recipient of the message still deferred; a later
            // delivery or bounce in the log still wins, so they stay listed, marked.
            let mut ended = Vec::new();
            if let Some(list) = state.in_flight.get_mut(qid) {
                for d in list.iter_mut() {
                    d.expired = true;
                    if list_ended {
                        ended.push(d.recipient.clone());
                    }
                }
            }
            let at = now.unwrap_or(self.last_purge);
            state.expired_messages.insert(qid.to_string(), at);
            self.purge_expired(at);
            return ended;
        }
        let Some(rcpt) = rcpt else {
            return Vec::new();
        };
        let lower: std::borrow::Cow<str> = if rcpt.bytes().any(|b| b.is_ascii_uppercase()) {
            rcpt.to_ascii_lowercase().into()
        } else {
            rcpt.into()
        };
        match outcome {
            Outcome::Deferred => {
                let expired = state.expired_messages.contains_key(qid);
                let list = match state.in_flight.get_mut(qid) {
                    Some(l) => l,
                    // Most messages have one recipient: room for one, not the default four.
                    None => state
                        .in_flight
                        .entry(qid.to_string())
                        .or_insert_with(|| Vec::with_capacity(1)),
                };
                if !list.iter().any(|d| d.recipient == lower) {
                    list.push(Deferred {
                        recipient: lower.into_owned(),
                        first: now,
                        expired,
                    });
                }
            }
            Outcome::Sent | Outcome::Bounced => {
                let Some(list) = state.in_flight.get_mut(qid) else {
                    return Vec::new();
                };
                let Some(i) = list.iter().position(|d| d.recipient == lower) else {
                    return Vec::new();
                };
                let d = list.swap_remove(i);
                if list.is_empty() {
                    state.in_flight.remove(qid);
                }
                if outcome == Outcome::Sent {
                    self.delivered_later += 1;
                    state.delivered_later += 1;
                    if let (Some(first), Some(now)) = (d.first, now) {
                        // Lines out of order can log a delivery before its first deferral:
                        // that time counts as 0, and is said (see `backward_times`).
                        if now < first {
                            self.backward_times += 1;
                        }
                        self.time_to_delivery.push((now - first).max(0.0));
                    }
                } else {
                    self.bounced_later += 1;
                    state.bounced_later += 1;
                }
            }
            Outcome::Expired => {}
        }
        Vec::new()
    }

    /// Forgets expiries older than `EXPIRY_MEMORY`, settling their recipients as expired.
    fn purge_expired(&mut self, now: f64) {
        if now - self.last_purge < EXPIRY_MEMORY {
            return;
        }
        self.last_purge = now;
        for state in &mut self.per_host {
            let old: Vec<String> = state
                .expired_messages
                .iter()
                .filter(|(_, t)| now - **t > EXPIRY_MEMORY)
                .map(|(q, _)| q.clone())
                .collect();
            for qid in old {
                state.expired_messages.remove(&qid);
                if let Some(list) = state.in_flight.get_mut(&qid) {
                    let before = list.len();
                    list.retain(|d| !d.expired);
                    let n = (before - list.len()) as u64;
                    self.expired += n;
                    state.expired += n;
                    if list.is_empty() {
                        state.in_flight.remove(&qid);
                    }
                }
            }
        }
    }

    /// Records the statuses of one bounce message: one event per recipient, at the time
    /// of its `Date:`.
    pub fn message(
        &mut self,
        statuses: &[Status],
        date: Option<Stamp>,
        want_events: bool,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        for s in statuses {
            let v = verdict(self.kb, s);
            let outcome = match s.outcome.as_deref() {
                Some("delivered") | Some("relayed") | Some("expanded") => Outcome::Sent,
                Some("delayed") => Outcome::Deferred,
                Some("failed") => Outcome::Bounced,
                _ => match v.and_then(|v| v.class) {
                    Some(Class::Success) => Outcome::Sent,
                    Some(Class::Transient) => Outcome::Deferred,
                    Some(Class::Permanent) => Outcome::Bounced,
                    None => continue,
                },
            };
            let host = self.source_host_id();
            self.record(
                host,
                None,
                s.recipient.as_deref(),
                s.remote_host.as_deref(),
                outcome,
                v.as_ref(),
                date,
                false,
            );
            if want_events {
                let at = EventAt {
                    host,
                    line: s.line as u64,
                    stamp: date,
                    outcome,
                };
                events.push(self.event(
                    at,
                    s.recipient.as_deref(),
                    s.remote_host.as_deref(),
                    v.as_ref(),
                ));
            }
        }
        events
    }

    /// The report, with titles from the knowledge base.
    pub fn report(&self) -> Report {
        let kb = self.kb;
        let mut codes: Vec<CodeCount> = self
            .codes
            .iter()
            .map(|(&(code, bounce), count)| {
                let (_, entry) = kb.lookup(&code);
                CodeCount {
                    code: code.to_string(),
                    title: entry.map(|e| e.title.clone()),
                    bounce,
                    count,
                    advice: entry
                        .and_then(|e| e.fixes.sender.first().cloned())
                        .or(entry.map(|e| e.summary.clone())),
                }
            })
            .collect();
        codes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
        let (mut expired_listed, mut pending) = (0, 0);
        let mut hosts: Vec<HostReport> = Vec::new();
        for h in &self.per_host {
            let (e, p) = h.in_flight.values().flatten().fold((0, 0), |(e, p), d| {
                if d.expired { (e + 1, p) } else { (e, p + 1) }
            });
            expired_listed += e;
            pending += p;
            if h.events > 0 {
                hosts.push(HostReport {
                    host: (!h.name.is_empty()).then(|| h.name.clone()),
                    events: h.events,
                    by_status: by_status(h.by_status),
                    deferrals: deferral_counts(
                        h.delivered_later,
                        h.bounced_later,
                        h.expired + e,
                        p,
                    ),
                });
            }
        }
        let mut delays = self.time_to_delivery.clone();
        delays.sort_by(f64::total_cmp);
        hosts.sort_by(|a, b| a.host.cmp(&b.host));
        let counts = deferral_counts(
            self.delivered_later,
            self.bounced_later,
            self.expired + expired_listed,
            pending,
        );
        let r = &self.rejects;
        let approximate = [
            ("codes", self.codes.overcount()),
            ("domains", self.domains.overcount()),
            ("remote_hosts", self.hosts.overcount()),
            ("hosts", self.other_hosts.map(|_| 0)),
            ("inbound_rejects.codes", r.codes.overcount()),
            ("inbound_rejects.clients", r.clients.overcount()),
            ("inbound_rejects.recipient_domains", r.domains.overcount()),
        ]
        .into_iter()
        .filter_map(|(table, over)| {
            over.map(|max_overcount| ApproximateTable {
                table,
                distinct_limit: DISTINCT_LIMIT,
                max_overcount,
            })
        })
        .collect();
        Report {
            lines: self.lines,
            events: self.events,
            first_time: self.first.map(|s| s.rfc3339()),
            last_time: self.last.map(|s| s.rfc3339()),
            by_status: by_status(self.by_status),
            soft: self.soft,
            hard: self.hard,
            codes,
            reasons: ranked(&self.reasons)
                .into_iter()
                .map(|(reason, count)| ReasonCount { reason, count })
                .collect(),
            greylisted: self.greylisted,
            domains: self
                .domains
                .ranked()
                .into_iter()
                .map(|(domain, count)| DomainCount { domain, count })
                .collect(),
            remote_hosts: self
                .hosts
                .ranked()
                .into_iter()
                .map(|(host, count)| HostCount { host, count })
                .collect(),
            by_hour: (self.timed_failures > 0 || self.soft + self.hard == 0)
                .then_some(self.by_hour),
            deferrals: Deferrals {
                messages: counts.messages,
                delivered_later: counts.delivered_later,
                bounced_later: counts.bounced_later,
                expired: counts.expired,
                pending: counts.pending,
                retry_success_rate: counts.retry_success_rate,
                time_to_delivery_s: Delays::of(&delays),
            },
            hosts,
            inbound_rejects: InboundRejects {
                total: r.total,
                greylisted: r.greylisted,
                codes: r
                    .codes
                    .ranked()
                    .into_iter()
                    .map(|(code, count)| RejectCode { code, count })
                    .collect(),
                reasons: ranked(&r.reasons)
                    .into_iter()
                    .map(|(reason, count)| ReasonCount { reason, count })
                    .collect(),
                clients: r
                    .clients
                    .ranked()
                    .into_iter()
                    .map(|(client, count)| ClientCount { client, count })
                    .collect(),
                recipient_domains: r
                    .domains
                    .ranked()
                    .into_iter()
                    .map(|(domain, count)| DomainCount { domain, count })
                    .collect(),
            },
            approximate,
        }
    }
}

fn by_status(s: [u64; 4]) -> ByStatus {
    ByStatus {
        sent: s[0],
        deferred: s[1],
        bounced: s[2],
        expired: s[3],
    }
}

fn deferral_counts(delivered: u64, bounced: u64, expired: u64, pending: u64) -> DeferralCounts {
    let ended = delivered + bounced + expired;
    DeferralCounts {
        messages: ended + pending,
        delivered_later: delivered,
        bounced_later: bounced,
        expired,
        pending,
        retry_success_rate: (ended > 0)
            .then(|| (delivered as f64 / ended as f64 * 10_000.0).round() / 10_000.0),
    }
}

/// Most frequent first, then by name.
fn ranked<K: Clone + Ord + ToString>(m: &HashMap<K, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(K, u64)> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(k, n)| (k.to_string(), n)).collect()
}

/// Counts `name` case-insensitively, allocating only for a name not counted now.
fn bump(counts: &mut TopCounts<String>, name: &str) {
    if name.is_empty() {
        return;
    }
    let lower: std::borrow::Cow<str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    };
    counts.add(lower.as_ref());
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
    /// The earliest and latest times read, RFC 3339.
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub by_status: ByStatus,
    /// Failed attempts whose verdict is temporary (soft) or permanent (hard).
    pub soft: u64,
    pub hard: u64,
    pub codes: Vec<CodeCount>,
    /// Failed attempts by reason.
    pub reasons: Vec<ReasonCount>,
    /// Failed attempts that were greylisting: they clear on retry and are never blocks.
    pub greylisted: u64,
    pub domains: Vec<DomainCount>,
    pub remote_hosts: Vec<HostCount>,
    /// `null` when no failed attempt had a time.
    pub by_hour: Option<[u64; 24]>,
    pub deferrals: Deferrals,
    /// Figures per host (the syslog host field, else the file's folder).
    pub hosts: Vec<HostReport>,
    /// What the receiving side refused (Postfix `reject:` lines): never delivery attempts.
    pub inbound_rejects: InboundRejects,
    /// The tables that met more distinct names than they count exactly (left out when
    /// none did).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<ApproximateTable>,
}

/// A table past `distinct_limit` names. Its counts are Space-Saving's: each is at most
/// `max_overcount` above the truth, and a name left out occurred at most as often as the
/// least count listed. For `hosts`, the lines of hosts past the limit are counted together
/// under `(other hosts)`.
#[derive(Debug, Clone, Serialize)]
pub struct ApproximateTable {
    pub table: &'static str,
    pub distinct_limit: usize,
    pub max_overcount: u64,
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
    pub bounce: Bounce,
    pub count: u64,
    /// What to do about it, in a line (the knowledge base's first fix for the sender).
    pub advice: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
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
pub struct ClientCount {
    pub client: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RejectCode {
    pub code: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboundRejects {
    pub total: u64,
    pub greylisted: u64,
    pub codes: Vec<RejectCode>,
    pub reasons: Vec<ReasonCount>,
    pub clients: Vec<ClientCount>,
    pub recipient_domains: Vec<DomainCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    /// `null` for lines that name no host, read from standard input.
    pub host: Option<String>,
    pub events: u64,
    pub by_status: ByStatus,
    pub deferrals: DeferralCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeferralCounts {
    pub messages: u64,
    pub delivered_later: u64,
    pub bounced_later: u64,
    pub expired: u64,
    pub pending: u64,
    pub retry_success_rate: Option<f64>,
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

impl Delays {
    /// Median, nearest-rank p90 and max of sorted delays, to a tenth of a second.
    fn of(sorted: &[f64]) -> Delays {
        let round1 = |x: f64| (x * 10.0).round() / 10.0;
        let n = sorted.len();
        let median = (n > 0).then(|| {
            if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            }
        });
        Delays {
            median: median.map(round1),
            p90: (n > 0).then(|| round1(sorted[(n * 9 / 10).min(n - 1)])),
            max: sorted.last().copied().map(round1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.3.2, status=deferred (host mx.example.org[198.51.100.1] said: 451 4.3.2 System not accepting network messages (in reply to RCPT TO command))
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<b@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.2]:25: Connection timed out)
Jun 10 10:00:01 mail postfix/smtp[1]: BBBBB22222: to=<c@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jun 10 11:00:00 mail postfix/smtp[1]: AAAAA11111: to=<A@Example.ORG>, relay=mx.example.org[198.51.100.1]:25, delay=3600, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jun 10 12:00:00 mail postfix/smtp[1]: CCCCC33333: to=<d@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Jun 10 12:30:00 mail postfix/smtp[1]: CCCCC33333: to=<d@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=5.2.2, status=bounced (host mx.example.org[198.51.100.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))
Jun 15 10:00:01 mail postfix/qmgr[2]: AAAAA11111: from=<s@example.com>, status=expired, returned to sender
Jun 15 10:00:02 mail postfix/smtpd[3]: connect from unknown[192.0.2.1]
";

    #[test]
    fn deferrals_end_delivered_bounced_or_expired() {
        let kb = Kb::builtin();
        let mut s = Scanner::new(&kb, YearRef::Starts(2026));
        for line in LOG.lines() {
            s.line(line, false);
        }
        let r = s.report();
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
            (3, 1, 1, 1, 0),
            "recipients pair case-insensitively"
        );
        assert_eq!(d.retry_success_rate, Some(0.3333));
        assert_eq!(d.time_to_delivery_s.median, Some(3600.0));
        assert_eq!(r.domains[0].domain, "example.org");
        assert!(r.remote_hosts.iter().any(|h| h.host == "mx.example.net"));
        let by_hour = r.by_hour.unwrap();
        assert_eq!(by_hour[10], 2);
        assert_eq!(by_hour[12], 2);
        assert_eq!(r.first_time.as_deref(), Some("2026-06-10T10:00:00Z"));
        assert_eq!(r.hosts.len(), 1);
        assert_eq!(r.hosts[0].host.as_deref(), Some("mail"));
    }

    #[test]
    fn queue_ids_are_unique_per_host_only() {
        let kb = Kb::builtin();
        let mut s = Scanner::new(&kb, YearRef::Starts(2026));
        for line in LOG.lines().take(2) {
            s.line(line, false);
            s.line(&line.replace(" mail ", " mail2 "), false);
        }
        s.line(LOG.lines().nth(3).unwrap(), false);
        let r = s.report();
        assert_eq!(r.deferrals.messages, 4);
        assert_eq!(r.deferrals.delivered_later, 1);
        assert_eq!(r.deferrals.pending, 3);
        assert_eq!(r.hosts.len(), 2);
    }
}
