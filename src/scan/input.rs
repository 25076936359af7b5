//! What `scan` reads: mail logs (plain or gzip), standard input, `.eml` files, mbox files
//! and maildir folders.
//!
//! Every input is read, never memory-mapped: a log truncated while it is read (logrotate's
//! `copytruncate`) then ends early instead of killing the process with SIGBUS. The format
//! is decided from the first bytes however they arrive (a pipe may deliver one byte at a
//! time), lines are decoded bytewise (a stray byte becomes U+FFFD, it does not hide the rest
//! of the line), every line is cut at [`MAX_LINE`] the same way whatever the source, and a
//! read that fails part way is reported after what came before it has been scanned.

use super::time::{Clock, Stamp, YearRef};
use super::{Event, Parsed, Scanner, VerdictCache};
use crate::kb::Kb;
use crate::recognize::is_message;
use crate::recognize::message::recognise_message;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Input larger than this gets a progress bar (when the caller allows one).
pub const PROGRESS_THRESHOLD: u64 = 64 << 20;
/// Largest single message kept; bounces put what matters first.
pub const MAX_MESSAGE: usize = 64 << 20;
/// Longest line kept whole, in a log, an mbox or a message: the rest of a longer line is
/// skipped (and said), so one line cannot exhaust memory.
pub const MAX_LINE: usize = 1 << 20;
/// Bytes that decide an input's format when its first line does not (see [`sniff`]).
pub const SNIFF: usize = 8192;
/// A log is parsed in pieces of about this size, each on one thread.
const PIECE: usize = 4 << 20;
/// Largest single read. At most `MAX_LINE`, so a line held within one read is never too
/// long and only the line a read starts in needs measuring.
const READ: usize = 1 << 20;
const _: () = assert!(READ <= MAX_LINE && MAX_LINE < PIECE);

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Where events go as they are read (for `--format ndjson`).
pub type EventSink<'a> = &'a mut dyn FnMut(&Event) -> io::Result<()>;

/// What shows the progress through a large input (the binary draws a bar on a terminal);
/// the library only reports positions.
pub trait Progress: Sync {
    /// A new input of `total` bytes starts.
    fn start(&self, total: u64);
    /// This many bytes of it are done.
    fn at(&self, position: u64);
    /// The input is done.
    fn finish(&self);
}

pub struct Options<'p> {
    /// Told about inputs of at least `PROGRESS_THRESHOLD` bytes.
    pub progress: Option<&'p dyn Progress>,
    /// Build events for the sink.
    pub events: bool,
    /// The year of the first year-less time (`--year`); else each file's year is inferred
    /// from its modification time, standard input's from `now`.
    pub year: Option<i64>,
    /// Now, in seconds since the epoch.
    pub now: i64,
}

/// What the scan tells its caller besides events, one line each, naming the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An input, or the rest of one, could not be read; what came before was scanned and
    /// the scan went on (the command exits with status 2).
    Unreadable(String),
    /// Part of an input was left out to stay bounded, or the input changed while it was
    /// read; everything else was read.
    Note(String),
}

/// Why scanning one input stopped early.
#[derive(Debug)]
enum Failure {
    /// Writing events failed: the whole scan stops.
    Output(io::Error),
    /// Reading failed; what came before was scanned.
    Input(io::Error),
}

type Scanned = Result<(), Failure>;

/// One input to read, in the order `order_inputs` gives.
#[derive(Debug)]
enum Input {
    Stdin,
    File(PathBuf),
    Dir(PathBuf),
}

/// Scans every path (`-` is standard input) in time order: logs first, oldest first (see
/// `order_inputs`), then folders of messages, other files and standard input in the order
/// given. An input that cannot be read, wholly or in part, is handed to `notice` and the
/// scan goes on; only a failure to write events ends it early (`Err`).
pub fn scan_paths(
    paths: &[String],
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notice: &mut dyn FnMut(Notice),
) -> io::Result<()> {
    let mut first = true;
    for input in order_inputs(paths, opts, notice) {
        // With `--year`, one clock runs through the inputs (in time order); else each
        // input's year comes from its own modification time.
        let clock = match opts.year {
            Some(y) => first.then(|| Clock::new(YearRef::Starts(y))),
            None => Some(Clock::new(match &input {
                Input::File(p) => file_year(p, opts.now),
                _ => YearRef::ends_at(opts.now),
            })),
        };
        first = false;
        match &input {
            Input::Stdin => {
                scanner.begin_file(None, None, clock);
                scan_reader(io::stdin(), "standard input", scanner, opts, sink, notice)?;
            }
            Input::File(p) => {
                scanner.begin_file(Some(p.display().to_string()), folder_of(p), clock);
                scan_file(p, scanner, opts, sink, notice)?;
            }
            Input::Dir(d) => scan_dir(d, scanner, opts, sink, notice)?,
        }
    }
    Ok(())
}

/// Scans one stream as `scan` scans standard input: gzip or not, a log, an mbox or a
/// message. `name` names it in notices. Only a failure of `sink` is an `Err`.
pub fn scan_reader(
    reader: impl Read + Send,
    name: &str,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notice: &mut dyn FnMut(Notice),
) -> io::Result<()> {
    let (result, notes, _) = scan_counted(reader, None, scanner, opts, sink);
    settle(result, name, scanner, notes, notice)
}

/// Scans a stream through a byte counter that drives `progress`: the outcome, what was said
/// about the stream, and how many bytes were read.
fn scan_counted(
    reader: impl Read + Send,
    progress: Option<&dyn Progress>,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> (Scanned, Vec<String>, u64) {
    let read = AtomicU64::new(0);
    let raw = Counted {
        inner: reader,
        read: &read,
        progress,
    };
    let mut notes = Vec::new();
    let result = scan_stream(raw, scanner, opts, sink, &mut notes);
    (result, notes, read.into_inner())
}

/// Scans one stream alone, as `scan --year YEAR` scans standard input: its report, its
/// events and what was said about it (for tests and fuzzing of the whole input layer).
pub fn scan_alone(
    reader: impl Read + Send,
    kb: &Kb,
    year: i64,
) -> (super::Report, Vec<Event>, Vec<Notice>) {
    let mut scanner = Scanner::new(kb, YearRef::Starts(year));
    let opts = Options {
        progress: None,
        events: true,
        year: Some(year),
        now: 0,
    };
    let mut events = Vec::new();
    let mut notices = Vec::new();
    let mut sink = |e: &Event| {
        events.push(e.clone());
        Ok(())
    };
    // The sink never fails, so neither does the scan.
    let _ = scan_reader(reader, "input", &mut scanner, &opts, &mut sink, &mut |n| {
        notices.push(n)
    });
    (scanner.report(), events, notices)
}

/// Hands an input's notes and failure to `notice`; returns only an output failure.
fn settle(
    result: Scanned,
    name: &str,
    scanner: &Scanner,
    notes: Vec<String>,
    notice: &mut dyn FnMut(Notice),
) -> io::Result<()> {
    for n in notes {
        notice(Notice::Note(format!("{name}: {n}")));
    }
    match result {
        Ok(()) => Ok(()),
        Err(Failure::Output(e)) => Err(e),
        Err(Failure::Input(e)) => {
            let lines = scanner.file_lines();
            notice(Notice::Unreadable(if lines > 0 {
                format!("cannot read {name} after line {lines}: {e}; the lines before were scanned")
            } else {
                format!("cannot read {name}: {e}")
            }));
            Ok(())
        }
    }
}

/// The year reference of a file: its last line was written around its modification time.
fn file_year(path: &Path, now: i64) -> YearRef {
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(now, |d| d.as_secs() as i64);
    YearRef::ends_at(mtime)
}

/// The name of a file's folder: the host its lines come from when they name none
/// (`host1/mail.log`).
fn folder_of(path: &Path) -> Option<String> {
    path.parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
}

/// The order inputs are read in. Log files come first, oldest first: by the time of their
/// first timestamped line when every log has one, else by logrotate's naming (`mail.log.2.gz`
/// before `mail.log.1` before `mail.log`; `mail.log-20260601` before `mail.log-20260608`
/// before `mail.log`). Message files, folders, files that are not regular (a pipe can be
/// read only once, so it is not peeked into) and standard input follow, in the order given.
fn order_inputs(paths: &[String], opts: &Options, notice: &mut dyn FnMut(Notice)) -> Vec<Input> {
    let mut logs = Vec::new();
    let mut rest = Vec::new();
    for path in paths {
        if path == "-" {
            rest.push(Input::Stdin);
            continue;
        }
        let p = PathBuf::from(path);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => {
                rest.push(Input::Dir(p));
                continue;
            }
            Ok(m) if !m.is_file() => {
                rest.push(Input::File(p));
                continue;
            }
            _ => {}
        }
        match peek(&p) {
            Ok(Peek::Log(first)) => {
                let first = first.and_then(|ts| {
                    let year = match opts.year {
                        Some(y) => YearRef::Starts(y),
                        None => file_year(&p, opts.now),
                    };
                    Clock::new(year).read(&ts).map(|s| s.seconds)
                });
                let rotation = rotation_key(&p);
                logs.push((first, rotation, p));
            }
            Ok(Peek::Other) => rest.push(Input::File(p)),
            Err(e) => notice(Notice::Unreadable(format!("cannot read {path}: {e}"))),
        }
    }
    if logs.iter().all(|(first, _, _)| first.is_some()) {
        logs.sort_by(|a, b| {
            let (ta, tb) = (a.0.unwrap_or(0.0), b.0.unwrap_or(0.0));
            ta.total_cmp(&tb).then_with(|| b.1.1.cmp(&a.1.1))
        });
    } else {
        logs.sort_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.1.1.cmp(&a.1.1)));
    }
    logs.into_iter()
        .map(|(_, _, p)| Input::File(p))
        .chain(rest)
        .collect()
}

/// What a file's first bytes say it is.
enum Peek {
    /// A log, with its first timestamp, if any in its first 64 KiB.
    Log(Option<String>),
    /// A message or an mbox.
    Other,
}

fn peek(path: &Path) -> io::Result<Peek> {
    const HEAD: u64 = 64 << 10;
    let (format, stream) = open(File::open(path)?);
    if format != Format::Log {
        return Ok(Peek::Other);
    }
    // A damaged file is reported when it is scanned; here it only has no timestamp.
    let mut head = Vec::new();
    let _ = stream.take(HEAD).read_to_end(&mut head);
    let first = head
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)))
        .find_map(|l| crate::recognize::log::leading_timestamp(&l).map(str::to_string));
    Ok(Peek::Log(first))
}

/// Logrotate's naming, for ordering: the name without its rotation suffix, and how old the
/// suffix says the file is (0 for the live file; `.N` is N; `-YYYYMMDD` is older the earlier
/// the date).
fn rotation_key(path: &Path) -> (String, u64) {
    let name = path.to_string_lossy();
    let mut stem: &str = &name;
    for ext in [".gz", ".bz2", ".xz", ".zst", ".Z"] {
        if let Some(s) = stem.strip_suffix(ext) {
            stem = s;
            break;
        }
    }
    if let Some((base, n)) = stem.rsplit_once('.')
        && !n.is_empty()
        && n.len() <= 4
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return (base.to_string(), n.parse().unwrap_or(0));
    }
    if let Some((base, date)) = stem.rsplit_once('-')
        && date.len() >= 8
        && date.bytes().all(|b| b.is_ascii_digit())
    {
        let d: u64 = date[..8].parse().unwrap_or(0);
        return (base.to_string(), 100_000_000u64.saturating_sub(d));
    }
    (stem.to_string(), 0)
}

/// Scans one file: a log (plain or gzip), a message or an mbox. Says when the file shrank
/// while it was read (the scan then covers what it still held).
fn scan_file(
    path: &Path,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notice: &mut dyn FnMut(Notice),
) -> io::Result<()> {
    let name = path.display().to_string();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            notice(Notice::Unreadable(format!("cannot read {name}: {e}")));
            return Ok(());
        }
    };
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let bar = opts
        .progress
        .filter(|_| size.is_some_and(|s| s >= PROGRESS_THRESHOLD));
    if let Some(b) = bar {
        b.start(size.unwrap_or(0));
    }
    let (result, mut notes, read) = scan_counted(file, bar, scanner, opts, sink);
    if let Some(b) = bar {
        b.finish();
    }
    if let Some(size) = size
        && read < size
        && result.is_ok()
    {
        notes.push(format!(
            "the file shrank while it was read (truncated by log rotation?): {read} of its \
             {size} bytes were scanned"
        ));
    }
    settle(result, &name, scanner, notes, notice)
}

/// The format of an input, as its first bytes show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gzip,
    /// Messages, each after a `From ` line.
    Mbox,
    /// One message (or a bounce body pasted without its headers).
    Message,
    /// Lines: a mail log, replies, any text.
    Log,
}

/// The format `head` (the first bytes of an input) shows, or `None` when more bytes are
/// needed; `complete` when `head` is the whole input. Only gzip (when `gzip`) and `From `
/// need their first bytes, a timestamped first line decides at its end; otherwise the
/// first `SNIFF` bytes decide, so the answer never depends on how the bytes arrived.
pub fn decide(head: &[u8], complete: bool, gzip: bool) -> Option<Format> {
    if gzip {
        if head.starts_with(GZIP_MAGIC) {
            return Some(Format::Gzip);
        }
        if !complete && GZIP_MAGIC.starts_with(head) {
            return None;
        }
    }
    if head.starts_with(b"From ") {
        return Some(Format::Mbox);
    }
    if !complete && b"From ".starts_with(head) {
        return None;
    }
    let head = &head[..head.len().min(SNIFF)];
    // As `is_message` reads the first line: a timestamped one is a log's, whatever follows.
    if let Some(nl) = memchr::memchr(b'\n', head)
        && std::str::from_utf8(&head[..nl])
            .ok()
            .and_then(crate::recognize::log::leading_timestamp)
            .is_some()
    {
        return Some(Format::Log);
    }
    if !complete && head.len() < SNIFF {
        return None;
    }
    Some(if is_message(head) {
        Format::Message
    } else {
        Format::Log
    })
}

/// Reads from `reader` until its format is decided (see [`decide`]); the stream returned
/// gives every byte, those read to decide included. A read error is kept for the stream to
/// return after those bytes, so what came before it is still read.
pub fn sniff<R: Read>(mut reader: R, gzip: bool) -> (Format, Sniffed<R>) {
    let mut head = Vec::with_capacity(SNIFF);
    let mut error = None;
    let mut ended = false;
    let format = loop {
        if let Some(f) = decide(&head, false, gzip) {
            break f;
        }
        let old = head.len();
        head.resize(SNIFF.max(old + 1), 0);
        match reader.read(&mut head[old..]) {
            Ok(0) => {
                head.truncate(old);
                ended = true;
                break decide(&head, true, gzip).unwrap_or(Format::Log);
            }
            Ok(n) => head.truncate(old + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => head.truncate(old),
            Err(e) => {
                head.truncate(old);
                error = Some(e);
                break decide(&head, true, gzip).unwrap_or(Format::Log);
            }
        }
    };
    (
        format,
        Sniffed {
            head,
            at: 0,
            error,
            ended,
            inner: reader,
        },
    )
}

/// A stream whose first bytes were read to decide its format: gives them again, then the
/// rest.
pub struct Sniffed<R> {
    head: Vec<u8>,
    at: usize,
    error: Option<io::Error>,
    /// The input already ended while it was sniffed. A terminal gives a read of 0 bytes for
    /// each Ctrl-D, and reading on would wait for another.
    ended: bool,
    inner: R,
}

impl<R: Read> Read for Sniffed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new();
                self.at = 0;
            }
            return Ok(n);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.ended {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.ended = n == 0 && !buf.is_empty();
        Ok(n)
    }
}

/// An input opened: its format (gzip is decompressed and looked into) and its bytes.
pub fn open<'a, R: Read + Send + 'a>(raw: R) -> (Format, Box<dyn Read + Send + 'a>) {
    let (format, stream) = sniff(raw, true);
    if format != Format::Gzip {
        return (format, Box::new(stream));
    }
    let (format, stream) = sniff(
        Gunzip::new(BufReader::with_capacity(1 << 16, stream)),
        false,
    );
    (format, Box::new(stream))
}

/// Scans one input's bytes, whatever their format. What was cut to stay bounded is added
/// to `notes`.
fn scan_stream(
    raw: impl Read + Send,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notes: &mut Vec<String>,
) -> Scanned {
    let (format, stream) = open(raw);
    let mut source = LineSource::new(stream);
    let mut cut = CutLines::default();
    let result = match format {
        Format::Log | Format::Gzip => scan_log(&mut source, &mut cut, scanner, opts, sink),
        Format::Mbox | Format::Message => scan_messages(
            &mut source,
            format == Format::Mbox,
            &mut cut,
            scanner,
            opts,
            sink,
            notes,
        ),
    };
    if let Some(first) = cut.first {
        notes.insert(
            0,
            match source.cut {
                1 => format!(
                    "line {first} is longer than {} MiB; only its start was read",
                    MAX_LINE >> 20
                ),
                n => format!(
                    "{n} lines are longer than {} MiB (the first is line {first}); only their \
                     start was read",
                    MAX_LINE >> 20
                ),
            },
        );
    }
    result?;
    match source.error.take() {
        Some(e) => Err(Failure::Input(e)),
        None => Ok(()),
    }
}

/// Counts the bytes read from an input, for the progress bar and to say where a read
/// failed.
struct Counted<'p, R> {
    inner: R,
    read: &'p AtomicU64,
    progress: Option<&'p dyn Progress>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                let at = self.read.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                if let Some(p) = self.progress {
                    p.at(at);
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("{e} (at byte {})", self.read.load(Ordering::Relaxed)),
            )),
        }
    }
}

/// The members of a gzip stream decompressed one after the other, read as `gzip -d` reads
/// them: zero bytes after the last member are padding, and ignored. A damaged member,
/// an early end or other bytes after the last member are errors that say at which
/// compressed byte.
pub struct Gunzip<R: BufRead> {
    member: Option<flate2::bufread::GzDecoder<Consumed<R>>>,
}

impl<R: BufRead> Gunzip<R> {
    pub fn new(reader: R) -> Gunzip<R> {
        Gunzip {
            member: Some(flate2::bufread::GzDecoder::new(Consumed {
                inner: reader,
                at: 0,
                failed: false,
            })),
        }
    }

    /// After a member's end: starts the next member, or ends at the end of input or at
    /// zero padding.
    fn next_member(&mut self) -> io::Result<()> {
        let Some(member) = self.member.take() else {
            return Ok(());
        };
        let mut src = member.into_inner();
        let first = loop {
            match src.fill_buf() {
                Ok(b) => break b.first().copied(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        match first {
            None => Ok(()),
            Some(0) => loop {
                let buf = match src.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buf.is_empty() {
                    return Ok(());
                }
                if let Some(i) = buf.iter().position(|&b| b != 0) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "bytes other than zeros after the gzip data at compressed byte {}",
                            src.at + i as u64
                        ),
                    ));
                }
                let n = buf.len();
                src.consume(n);
            },
            Some(0x1f) => {
                self.member = Some(flate2::bufread::GzDecoder::new(src));
                Ok(())
            }
            Some(_) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "bytes that are not gzip after the gzip data at compressed byte {}",
                    src.at
                ),
            )),
        }
    }
}

impl<R: BufRead> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while !buf.is_empty() {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            match member.read(buf) {
                Ok(0) => self.next_member()?,
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(e) => {
                    let src = member.get_ref();
                    let (failed, at) = (src.failed, src.at);
                    self.member = None;
                    // An error of the file itself already says where it happened.
                    return Err(if failed {
                        e
                    } else if e.kind() == io::ErrorKind::UnexpectedEof {
                        io::Error::new(
                            e.kind(),
                            format!("the gzip data ends early, at compressed byte {at} ({e})"),
                        )
                    } else {
                        io::Error::new(
                            e.kind(),
                            format!("damaged gzip data at compressed byte {at} ({e})"),
                        )
                    });
                }
            }
        }
        Ok(0)
    }
}

/// Counts the compressed bytes a gzip decoder consumed, and whether reading them failed.
struct Consumed<R> {
    inner: R,
    at: u64,
    failed: bool,
}

impl<R: BufRead> Read for Consumed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Consumed<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self.inner.fill_buf() {
            Ok(b) => Ok(b),
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed = true;
                }
                Err(e)
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.at += n as u64;
        self.inner.consume(n);
    }
}

/// A buffer of whole lines read from an input.
struct Piece {
    /// Always fully initialised, so reads need not zero it; `len` bytes hold the lines.
    data: Vec<u8>,
    len: usize,
    /// Where the first line cut at `MAX_LINE` in this piece ends.
    first_cut: Option<usize>,
}

impl Piece {
    fn new() -> Piece {
        Piece {
            data: Vec::new(),
            len: 0,
            first_cut: None,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// The number of the line (from 1, counting from the piece's first) that holds `at`.
    fn line_at(&self, at: usize) -> u64 {
        memchr::memchr_iter(b'\n', &self.data[..at]).count() as u64 + 1
    }
}

/// Reads an input in pieces of whole lines (the last may lack its newline), in large reads,
/// cutting every line at `MAX_LINE`: the same lines whatever the reads return.
struct LineSource<R> {
    reader: R,
    /// The start of a line not yet ended, for the next piece.
    pending: Vec<u8>,
    /// Skipping the rest of a line cut at `MAX_LINE`.
    skipping: bool,
    /// The line not yet ended was cut.
    cut_open: bool,
    /// Lines cut.
    cut: u64,
    done: bool,
    error: Option<io::Error>,
}

impl<R: Read> LineSource<R> {
    fn new(reader: R) -> LineSource<R> {
        LineSource {
            reader,
            pending: Vec::new(),
            skipping: false,
            cut_open: false,
            cut: 0,
            done: false,
            error: None,
        }
    }

    /// Fills `piece` with the next lines, about `PIECE` bytes of them; false at the end.
    /// A read error ends the input (kept in `error`), after the lines read before it.
    fn fill(&mut self, piece: &mut Piece) -> bool {
        // The buffer grows with what is read (a small message zeroes little), up to CAP.
        const START: usize = 64 << 10;
        const CAP: usize = PIECE + READ;
        piece.first_cut = None;
        let pending = self.pending.len();
        if piece.data.len() < pending {
            piece.data.resize(pending.next_power_of_two(), 0);
        }
        piece.data[..pending].copy_from_slice(&self.pending);
        self.pending.clear();
        piece.len = pending;
        // Where the line not yet ended starts.
        let mut line_start = 0;
        while !self.done && piece.len < PIECE {
            let at = piece.len;
            if piece.data.len() - at < READ && piece.data.len() < CAP {
                let grown = (2 * piece.data.len()).clamp(START, CAP);
                piece.data.resize(grown, 0);
            }
            let end = (at + READ).min(piece.data.len());
            match self.reader.read(&mut piece.data[at..end]) {
                Ok(0) => self.done = true,
                Ok(n) => line_start = self.take(piece, at, n, line_start),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                }
            }
        }
        if self.done {
            if self.cut_open {
                self.cut_open = false;
                piece.first_cut.get_or_insert(piece.len);
            }
        } else {
            // The piece is longer than any line not yet ended, so it holds a line end.
            self.pending
                .extend_from_slice(&piece.data[line_start..piece.len]);
            piece.len = line_start;
        }
        piece.len > 0
    }

    /// Takes the `n` bytes just read at `at` into the piece, cutting the line they continue
    /// if it grew past `MAX_LINE`. Returns where the line not yet ended now starts.
    fn take(&mut self, piece: &mut Piece, at: usize, n: usize, line_start: usize) -> usize {
        let mut end = at + n;
        if self.skipping {
            match memchr::memchr(b'\n', &piece.data[at..end]) {
                None => {
                    piece.len = at;
                    return line_start;
                }
                Some(i) => {
                    piece.data.copy_within(at + i..end, at);
                    end -= i;
                    self.skipping = false;
                }
            }
        }
        piece.len = end;
        let mut line_start = line_start;
        if let Some(i) = memchr::memchr(b'\n', &piece.data[at..end]) {
            let mut nl = at + i;
            if nl - line_start > MAX_LINE {
                // The line ends in this read but is too long: keep its start.
                let keep = line_start + MAX_LINE;
                piece.data.copy_within(nl..end, keep);
                piece.len -= nl - keep;
                end = piece.len;
                nl = keep;
                self.cut += 1;
                self.cut_open = true;
            }
            if self.cut_open {
                self.cut_open = false;
                piece.first_cut.get_or_insert(nl);
            }
            // Lines after this one end within this read, which is at most `MAX_LINE` long.
            line_start = memchr::memrchr(b'\n', &piece.data[nl..end]).map_or(nl, |j| nl + j) + 1;
        }
        if piece.len - line_start > MAX_LINE {
            piece.len = line_start + MAX_LINE;
            self.skipping = true;
            if !self.cut_open {
                self.cut_open = true;
                self.cut += 1;
            }
        }
        line_start
    }
}

/// Where the first line cut in an input is, in that input's line numbers.
#[derive(Default)]
struct CutLines {
    first: Option<u64>,
}

impl CutLines {
    /// Notes a piece's first cut line; `base` is the number of lines before the piece.
    fn see(&mut self, piece: &Piece, base: u64) {
        if self.first.is_none()
            && let Some(at) = piece.first_cut
        {
            self.first = Some(base + piece.line_at(at));
        }
    }
}

/// The lines of a piece `scan` reads, parsed (each with its index in the piece), and the
/// number of lines in the piece. Only lines that may matter are decoded: a line with bytes
/// that are not UTF-8 is decoded into `fixed`, each such byte as U+FFFD, so a stray byte
/// never hides the rest of its line. A line is parsed as soon as it is found, while its
/// bytes are still in the processor's cache; the rare decoded lines are parsed after.
fn parse_piece<'t>(
    bytes: &'t [u8],
    fixed: &'t mut Vec<String>,
    kb: &Kb,
    cache: &mut VerdictCache,
) -> (Vec<(usize, Parsed<'t>)>, u64) {
    let mut records = Vec::new();
    // Index and `may_be_reject` of each line of `fixed`.
    let mut decoded = Vec::new();
    let n = crate::recognize::log::candidate_lines(bytes, |c| {
        let line = c.line.strip_suffix(b"\r").unwrap_or(c.line);
        // The piece before the line, for an outcome whose reply was logged before it.
        let before = &bytes[..c.line.as_ptr() as usize - bytes.as_ptr() as usize];
        match std::str::from_utf8(line) {
            Ok(s) => records.extend(
                super::parse_candidate(s, c.index + 1, c.may_be_reject, kb, cache).map(|mut p| {
                    super::take_reply_before(&mut p, before, s, c.index + 1, kb, cache);
                    (c.index, p)
                }),
            ),
            Err(_) => {
                fixed.push(String::from_utf8_lossy(line).into_owned());
                decoded.push((c.index, c.may_be_reject));
            }
        }
    });
    if !decoded.is_empty() {
        let fixed: &'t [String] = fixed;
        records.extend(
            decoded
                .into_iter()
                .zip(fixed)
                .filter_map(|((n, may_be_reject), line)| {
                    super::parse_candidate(line, n + 1, may_be_reject, kb, cache).map(|p| (n, p))
                }),
        );
        // The decoded lines were parsed after the others: put them back in file order.
        records.sort_by_key(|&(n, _)| n);
    }
    (records, n as u64)
}

/// Records a parsed piece in order; returns its events when `want`.
fn record_piece(
    scanner: &mut Scanner,
    records: &[(usize, Parsed<'_>)],
    lines: u64,
    want: bool,
) -> Vec<Event> {
    let base = scanner.file_lines();
    let events = records
        .iter()
        .flat_map(|(n, rec)| scanner.record_parsed(rec, base + *n as u64 + 1, want))
        .collect();
    scanner.count_lines(lines);
    events
}

fn emit(sink: EventSink, events: &[Event]) -> Scanned {
    for e in events {
        sink(e).map_err(Failure::Output)?;
    }
    Ok(())
}

/// A log, parsed in pieces. One piece is parsed on the calling thread; a longer log is
/// parsed on up to four threads, each reading its next piece in turn, parsing it, and
/// recording it in the file's order (deferral tracking needs the order). Memory stays
/// bounded by a piece per thread.
fn scan_log<R: Read + Send>(
    source: &mut LineSource<R>,
    cut: &mut CutLines,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> Scanned {
    let kb = scanner.kb();
    let mut cache = VerdictCache::default();
    let mut first = Piece::new();
    if !source.fill(&mut first) {
        return Ok(());
    }
    if source.done {
        let mut fixed = Vec::new();
        let (records, lines) = parse_piece(first.bytes(), &mut fixed, kb, &mut cache);
        cut.see(&first, scanner.file_lines());
        let events = record_piece(scanner, &records, lines, opts.events);
        return emit(sink, &events);
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let shared = Shared {
        source: std::sync::Mutex::new((source, 1)),
        turn: std::sync::Mutex::new(Turn {
            next: 0,
            scanner,
            cut,
        }),
        turned: std::sync::Condvar::new(),
        stop: AtomicBool::new(false),
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(2 * workers);
        let mut first = Some((0, first));
        for _ in 0..workers {
            let (tx, shared, preload) = (tx.clone(), &shared, first.take());
            scope.spawn(move || {
                let _stop_on_panic = StopOnDrop(shared);
                shared.work(preload, kb, opts.events, &tx);
            });
        }
        drop(tx);
        while let Ok(events) = rx.recv() {
            if let Err(e) = emit(sink, &events) {
                // Unblock a thread waiting to send (it holds the turn) before halting.
                drop(rx);
                shared.halt();
                return Err(e);
            }
        }
        Ok(())
    })
}

/// What the threads parsing one log share.
struct Shared<'s, 'k, R> {
    /// The input, and the index the next piece read gets.
    source: std::sync::Mutex<(&'s mut LineSource<R>, usize)>,
    /// Whose turn it is to record, and what records.
    turn: std::sync::Mutex<Turn<'s, 'k>>,
    turned: std::sync::Condvar,
    stop: AtomicBool,
}

struct Turn<'s, 'k> {
    next: usize,
    scanner: &'s mut Scanner<'k>,
    cut: &'s mut CutLines,
}

/// Stops the other threads if one ends early (a panic), so none waits for its turn forever.
struct StopOnDrop<'a, 's, 'k, R>(&'a Shared<'s, 'k, R>);

impl<R> Drop for StopOnDrop<'_, '_, '_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.halt();
        }
    }
}

impl<R> Shared<'_, '_, R> {
    fn halt(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _guard = self.turn.lock().unwrap_or_else(|p| p.into_inner());
        self.turned.notify_all();
    }
}

impl<R: Read> Shared<'_, '_, R> {
    /// One thread's loop: read the next piece, parse it, wait for its turn, record it and
    /// pass its events on.
    fn work(
        &self,
        preload: Option<(usize, Piece)>,
        kb: &Kb,
        want: bool,
        tx: &std::sync::mpsc::SyncSender<Vec<Event>>,
    ) {
        let mut cache = VerdictCache::default();
        let (mut index, mut piece) = match preload {
            Some((i, p)) => (Some(i), p),
            None => (None, Piece::new()),
        };
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let i = match index.take() {
                Some(i) => i,
                None => {
                    let mut source = self.source.lock().unwrap_or_else(|p| p.into_inner());
                    if !source.0.fill(&mut piece) {
                        return;
                    }
                    source.1 += 1;
                    source.1 - 1
                }
            };
            let mut fixed = Vec::new();
            let (records, lines) = parse_piece(piece.bytes(), &mut fixed, kb, &mut cache);
            let mut turn = self.turn.lock().unwrap_or_else(|p| p.into_inner());
            while turn.next != i && !self.stop.load(Ordering::Relaxed) {
                turn = self.turned.wait(turn).unwrap_or_else(|p| p.into_inner());
            }
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let base = turn.scanner.file_lines();
            turn.cut.see(&piece, base);
            let events = record_piece(&mut *turn.scanner, &records, lines, want);
            if !events.is_empty() && tx.send(events).is_err() {
                drop(turn);
                self.halt();
                return;
            }
            turn.next += 1;
            drop(turn);
            self.turned.notify_all();
        }
    }
}

/// A maildir (its `cur` and `new`) or any folder: every regular file in it, in name order.
/// A file or entry that cannot be read is handed to `notice` and skipped.
fn scan_dir(
    dir: &Path,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notice: &mut dyn FnMut(Notice),
) -> io::Result<()> {
    let subdirs: Vec<_> = ["cur", "new"]
        .iter()
        .map(|s| dir.join(s))
        .filter(|d| d.is_dir())
        .collect();
    let dirs = if subdirs.is_empty() {
        vec![dir.to_path_buf()]
    } else {
        subdirs
    };
    for d in dirs {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                notice(Notice::Unreadable(format!(
                    "cannot read folder {}: {e}",
                    d.display()
                )));
                continue;
            }
        };
        let mut files = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) if e.path().is_file() => files.push(e.path()),
                Ok(_) => {}
                Err(e) => notice(Notice::Unreadable(format!(
                    "cannot read an entry of {}: {e}",
                    d.display()
                ))),
            }
        }
        files.sort();
        for f in files {
            scanner.begin_file(Some(f.display().to_string()), None, None);
            scan_file(&f, scanner, opts, sink, notice)?;
        }
    }
    Ok(())
}

/// Messages: one, or an mbox of them (each after a `From ` line). A message is kept up to
/// `MAX_MESSAGE` bytes; the rest is skipped and said.
fn scan_messages<R: Read>(
    source: &mut LineSource<R>,
    mbox: bool,
    cut: &mut CutLines,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    notes: &mut Vec<String>,
) -> Scanned {
    let mut piece = Piece::new();
    let mut current: Vec<u8> = Vec::new();
    let mut too_long = 0u64;
    let mut over = false;
    // Lines read, for where a cut line is: messages count only their own lines.
    let mut lines = 0u64;
    while source.fill(&mut piece) {
        cut.see(&piece, lines);
        let bytes = piece.bytes();
        let mut start = 0;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
            let line = &bytes[start..end];
            start = end;
            lines += 1;
            if mbox
                && line.starts_with(b"From ")
                && (current.is_empty() || current.ends_with(b"\n\n"))
            {
                if !current.is_empty() {
                    message(&current, scanner, opts, sink)?;
                }
                current.clear();
                over = false;
            }
            if current.len() + line.len() <= MAX_MESSAGE {
                current.extend_from_slice(line);
            } else if !over {
                over = true;
                too_long += 1;
            }
        }
    }
    if !current.is_empty() {
        message(&current, scanner, opts, sink)?;
    }
    if too_long > 0 {
        notes.push(format!(
            "{too_long} message(s) longer than {} MiB; only their start was read",
            MAX_MESSAGE >> 20
        ));
    }
    Ok(())
}

/// One message, as read from a file or an mbox (its `From ` line is left out).
fn message(raw: &[u8], scanner: &mut Scanner, opts: &Options, sink: EventSink) -> Scanned {
    let raw = match raw.strip_prefix(b"From ") {
        Some(_) => &raw[memchr::memchr(b'\n', raw).map_or(raw.len(), |i| i + 1)..],
        None => raw,
    };
    scanner.count_lines(memchr::memchr_iter(b'\n', raw).count() as u64);
    let statuses = recognise_message(raw);
    let events = scanner.message(&statuses, header_date(raw), opts.events);
    emit(sink, &events)
}

/// The time of a message's `Date:` header.
fn header_date(raw: &[u8]) -> Option<Stamp> {
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        if line.len() > 5 && line[..5].eq_ignore_ascii_case(b"date:") {
            return super::time::parse_rfc5322_date(&String::from_utf8_lossy(&line[5..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A terminal: each Ctrl-D ends one read with 0 bytes, and the user may type on.
    struct Terminal(Vec<&'static [u8]>);

    impl Read for Terminal {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(chunk) = self.0.first_mut() else {
                panic!("read past the end of the typed input");
            };
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            *chunk = &chunk[n..];
            if n == 0 {
                self.0.remove(0);
            }
            Ok(n)
        }
    }

    #[test]
    fn one_ctrl_d_ends_input_from_a_terminal() {
        // Short input ends while it is sniffed, long input after: either way, the first
        // end of input is the last read.
        let long: &'static [u8] = Box::leak(b"550 5.1.1 unknown\n".repeat(2000).into_boxed_slice());
        for typed in [b"550 5.1.1 unknown\n".as_slice(), long] {
            let (_, mut stream) = open(Terminal(vec![typed, b"", b"typed after Ctrl-D"]));
            let mut got = Vec::new();
            stream.read_to_end(&mut got).unwrap();
            assert_eq!(got, typed);
            assert_eq!(stream.read(&mut [0; 8]).unwrap(), 0);
        }
    }

    /// Returns one byte per read: the slowest pipe.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    fn lines_of(reader: impl Read) -> (Vec<Vec<u8>>, u64) {
        let mut source = LineSource::new(reader);
        let mut piece = Piece::new();
        let mut out = Vec::new();
        while source.fill(&mut piece) {
            out.extend(
                piece
                    .bytes()
                    .split_inclusive(|&b| b == b'\n')
                    .map(<[u8]>::to_vec),
            );
        }
        (out, source.cut)
    }

    const DSN: &[u8] = b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\r\nThis is the mail system at host mx.example.org.\r\n\r\n\
<a@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown\r\n";

    #[test]
    fn the_format_does_not_depend_on_how_the_bytes_arrive() {
        let gz = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b"From x\n\nhello\n").unwrap();
            e.finish().unwrap()
        };
        let log = b"Jun 10 11:02:18 mail postfix/smtp[1]: A: to=<a@b>, status=sent\n".to_vec();
        let cases: [(&[u8], Format); 6] = [
            (&gz, Format::Gzip),
            (b"From x\n\nbody\n", Format::Mbox),
            (DSN, Format::Message),
            (&log, Format::Log),
            (b"Fro", Format::Log),
            (b"", Format::Log),
        ];
        for (input, want) in cases {
            assert_eq!(sniff(input, true).0, want, "whole: {input:?}");
            let (format, mut stream) = sniff(OneByte(input), true);
            assert_eq!(format, want, "one byte at a time: {input:?}");
            let mut again = Vec::new();
            stream.read_to_end(&mut again).unwrap();
            assert_eq!(again, input, "the sniffed bytes are given again");
        }
        let (format, mut inner) = open(OneByte(&gz));
        assert_eq!(format, Format::Mbox, "gzip is looked into");
        let mut text = String::new();
        inner.read_to_string(&mut text).unwrap();
        assert_eq!(text, "From x\n\nhello\n");
    }

    #[test]
    fn a_long_first_line_is_decided_by_the_first_sniff_bytes() {
        let mut input = b"Subject: x\nX-Y: z\n".to_vec();
        input.extend(std::iter::repeat_n(b'a', 3 * SNIFF));
        assert_eq!(decide(&input[..SNIFF - 1], false, true), None);
        assert_eq!(decide(&input[..SNIFF], false, true), Some(Format::Message));
        assert_eq!(decide(&input, false, true), Some(Format::Message));
    }

    #[test]
    fn lines_are_cut_the_same_whatever_the_reads() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.extend(b"\nnext\n");
        input.extend(std::iter::repeat_n(b'y', 3 * MAX_LINE));
        input.extend(b"\nlast");
        let (whole, cut) = lines_of(&input[..]);
        assert_eq!(cut, 2);
        assert_eq!(whole.len(), 5);
        assert_eq!(whole[0], b"short\n");
        assert_eq!(whole[1].len(), MAX_LINE + 1);
        assert_eq!(whole[2], b"next\n");
        assert_eq!(whole[3].len(), MAX_LINE + 1);
        assert_eq!(whole[4], b"last");
        // A reader returning odd sizes gives the same lines.
        struct Odd<'a>(&'a [u8], usize);
        impl Read for Odd<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.1 = self.1 * 7 % 65_537 + 1;
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        assert_eq!(lines_of(Odd(&input, 1)), (whole, 2));
    }

    #[test]
    fn many_pieces_keep_every_line() {
        let line = b"Jun 10 11:02:18 mail postfix/smtp[1]: line\n";
        let input: Vec<u8> = line.repeat(3 * PIECE / line.len());
        let (lines, cut) = lines_of(&input[..]);
        assert_eq!(cut, 0);
        assert_eq!(lines.len(), 3 * PIECE / line.len());
        assert!(lines.iter().all(|l| l == line));
    }

    /// The report and events of scanning `reader`, as JSON, and the notices.
    fn scanned(reader: impl Read + Send) -> (String, Vec<String>, Vec<Notice>) {
        let (report, events, notices) = scan_alone(reader, &Kb::builtin(), 2026);
        (
            serde_json::to_string(&report).unwrap(),
            events
                .iter()
                .map(|e| serde_json::to_string(e).unwrap())
                .collect(),
            notices,
        )
    }

    #[test]
    fn a_reader_returning_one_byte_at_a_time_gives_the_same_scan() {
        let log = "Jun 10 11:02:18 mail postfix/smtp[1]: 4B7C21F3A9: to=<a@example.org>, \
relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced \
(host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n";
        let mbox = format!(
            "From x\n{}\nFrom y\n{}",
            String::from_utf8_lossy(DSN),
            String::from_utf8_lossy(DSN)
        );
        for input in [
            gzip(log.repeat(50).as_bytes()),
            mbox.clone().into_bytes(),
            gzip(mbox.as_bytes()),
            DSN.to_vec(),
        ] {
            let whole = scanned(&input[..]);
            assert_eq!(scanned(OneByte(&input)), whole);
            assert!(!whole.1.is_empty() && whole.2.is_empty(), "{whole:?}");
        }
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gunzip(data: &[u8]) -> (Vec<u8>, Option<String>) {
        let mut out = Vec::new();
        let err = Gunzip::new(data)
            .read_to_end(&mut out)
            .err()
            .map(|e| e.to_string());
        (out, err)
    }

    #[test]
    fn gzip_reads_as_gzip_d_reads_it() {
        let mut two = gzip(b"one\n");
        two.extend(gzip(b"two\n"));
        assert_eq!(gunzip(&two), (b"one\ntwo\n".to_vec(), None));

        let mut padded = two.clone();
        padded.extend([0; 4096]);
        assert_eq!(gunzip(&padded), (b"one\ntwo\n".to_vec(), None));

        let mut garbage = two.clone();
        garbage.extend(b"junk");
        let (out, err) = gunzip(&garbage);
        assert_eq!(out, b"one\ntwo\n");
        assert!(err.unwrap().contains(&format!("byte {}", two.len())));

        let mut junk_after_zeros = two.clone();
        junk_after_zeros.extend([0, 0, 7]);
        let err = gunzip(&junk_after_zeros).1.unwrap();
        assert!(err.contains(&format!("byte {}", two.len() + 2)), "{err}");

        let big: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let whole = gzip(&big);
        let (out, err) = gunzip(&whole[..whole.len() / 2]);
        assert!(err.unwrap().contains("ends early"));
        assert!(
            !out.is_empty() && big.starts_with(&out),
            "what came before is read"
        );
    }
}
