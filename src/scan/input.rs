//! What `scan` reads: mail logs (plain or gzip), standard input, `.eml` files, mbox files
//! and maildir folders. Logs are streamed line by line in large chunks; messages are read
//! one at a time.

use super::time::{Clock, Stamp, YearRef};
use super::{Event, Parsed, Scanner, VerdictCache};
use crate::recognize::is_message;
use crate::recognize::message::recognise_message;
use anyhow::anyhow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Input larger than this gets a progress bar (when the caller allows one).
pub const PROGRESS_THRESHOLD: u64 = 64 << 20;
/// Largest single message kept; bounces put what matters first.
const MAX_MESSAGE: usize = 64 << 20;
const CHUNK: usize = 1 << 20;

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

/// An error the event sink returned: writing the output failed, so the scan stops.
#[derive(Debug)]
struct OutputFailed(io::Error);

impl std::fmt::Display for OutputFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for OutputFailed {}

fn is_output_error(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<OutputFailed>())
}

/// One input to read, in the order `order_inputs` gives.
#[derive(Debug)]
enum Input {
    Stdin,
    File(PathBuf),
    Dir(PathBuf),
}

/// Scans every path (`-` is standard input) in time order: logs first, oldest first (see
/// `order_inputs`), then folders of messages and standard input in the order given. An
/// input that cannot be read is handed to `on_error` and skipped; only a failure to write
/// events ends the scan early (`Err`).
pub fn scan_paths(
    paths: &[String],
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    on_error: &mut dyn FnMut(anyhow::Error),
) -> io::Result<()> {
    let mut marked =
        |e: &Event| sink(e).map_err(|err| io::Error::new(err.kind(), OutputFailed(err)));
    let mut first = true;
    for input in order_inputs(paths, opts, on_error) {
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
        let result = match &input {
            Input::Stdin => {
                scanner.begin_file(None, None, clock);
                let stdin = io::stdin();
                scan_reader(Box::new(stdin.lock()), None, scanner, opts, &mut marked)
                    .map_err(|e| (e, "standard input".to_string()))
            }
            Input::File(p) => {
                scanner.begin_file(Some(p.display().to_string()), folder_of(p), clock);
                scan_file(p, scanner, opts, &mut marked).map_err(|e| (e, p.display().to_string()))
            }
            Input::Dir(d) => scan_dir(d, scanner, opts, &mut marked, on_error)
                .map_err(|e| (e, d.display().to_string())),
        };
        if let Err((e, what)) = result {
            if is_output_error(&e) {
                return Err(e);
            }
            on_error(anyhow!("cannot read {what}: {e}"));
        }
    }
    Ok(())
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
/// before `mail.log`). Message files, folders and standard input follow, in the order given.
fn order_inputs(
    paths: &[String],
    opts: &Options,
    on_error: &mut dyn FnMut(anyhow::Error),
) -> Vec<Input> {
    let mut logs = Vec::new();
    let mut rest = Vec::new();
    for path in paths {
        if path == "-" {
            rest.push(Input::Stdin);
            continue;
        }
        let p = PathBuf::from(path);
        if p.is_dir() {
            rest.push(Input::Dir(p));
            continue;
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
            Err(e) => on_error(anyhow!("cannot read {path}: {e}")),
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
    let mut file = BufReader::new(File::open(path)?);
    let gz = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut head = Vec::new();
    if gz {
        // A damaged archive is reported when it is read; here it only has no timestamp.
        let _ = flate2::bufread::MultiGzDecoder::new(file)
            .take(HEAD)
            .read_to_end(&mut head);
    } else {
        file.take(HEAD).read_to_end(&mut head)?;
    }
    if head.starts_with(b"From ") || is_message(&head[..head.len().min(4096)]) {
        return Ok(Peek::Other);
    }
    let first = head
        .split(|&b| b == b'\n')
        .map(valid_prefix)
        .find_map(crate::recognize::log::leading_timestamp)
        .map(str::to_string);
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

/// Scans one file: a log (plain or gzip), a message or an mbox.
fn scan_file(
    path: &Path,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    let file = File::open(path)?;
    let size = file.metadata().ok().map(|m| m.len());
    // A large plain log is mapped rather than read: no copy through the kernel.
    if size.is_some_and(|s| s >= MAP_THRESHOLD) {
        // SAFETY: the map is read-only and dropped before returning; a log truncated
        // meanwhile can end the scan with SIGBUS (as for ripgrep), and the parsing code
        // treats the bytes as untrusted input anyway.
        let map = unsafe { memmap2::Mmap::map(&file) };
        if let Ok(map) = map
            && !map.starts_with(&[0x1f, 0x8b])
            && !map.starts_with(b"From ")
            && !is_message(&map[..map.len().min(4096)])
        {
            return scan_mapped(
                &map,
                &|offset, len| release(&map, offset, len),
                scanner,
                opts,
                sink,
            );
        }
    }
    scan_reader(Box::new(file), size, scanner, opts, sink)
}

/// Files at least this large are memory-mapped when they are plain logs.
const MAP_THRESHOLD: u64 = 1 << 20;

/// A mapped log, parsed in parallel: worker threads parse chunks into records, and this
/// thread records them in file order (deferral tracking needs the order). Workers stay at
/// most `WINDOW` chunks ahead, so memory stays bounded.
/// Drops the pages of a mapped range from this process's memory once it has been read
/// (they stay in the page cache). Without it a mapped log counts whole toward peak RSS.
fn release(map: &memmap2::Mmap, offset: usize, len: usize) {
    const PAGE: usize = 4096;
    let start = offset.div_ceil(PAGE) * PAGE;
    let end = (offset + len) / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies in a read-only, file-backed, shared map and no one reads
        // it again: its records have been recorded and dropped. A later read would refault
        // the file's contents, never zeroes. A failed advice only leaves the pages resident.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
    }
}

fn scan_mapped(
    data: &[u8],
    release: &(dyn Fn(usize, usize) + Sync),
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};
    const PIECE: usize = 4 << 20;
    const WINDOW: usize = 8;
    let chunks = split_at_lines(data, PIECE);
    let kb = scanner.kb();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let bar = opts
        .progress
        .filter(|_| data.len() as u64 >= PROGRESS_THRESHOLD);
    if let Some(b) = bar {
        b.start(data.len() as u64);
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let recorded = (Mutex::new(0usize), Condvar::new());
    let result = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..workers {
            let tx = tx.clone();
            let (chunks, next, stop, recorded) = (&chunks, &next, &stop, &recorded);
            scope.spawn(move || {
                let mut cache = VerdictCache::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= chunks.len() {
                        return;
                    }
                    // Wait until this chunk is within the window of what has been recorded.
                    let (lock, cv) = recorded;
                    let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                    while i >= *done + WINDOW && !stop.load(Ordering::Relaxed) {
                        done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                    }
                    drop(done);
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let chunk = chunks[i];
                    let lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
                    let records: Vec<(usize, Parsed)> = chunk
                        .split(|&b| b == b'\n')
                        .enumerate()
                        .filter(|(_, l)| super::may_matter(l))
                        .filter_map(|(n, l)| {
                            super::parse_line(valid_prefix(l), n + 1, kb, &mut cache)
                                .map(|p| (n, p))
                        })
                        .collect();
                    if tx.send((i, lines, records)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut want = 0;
        let mut outcome = Ok(());
        'receive: for (i, lines, records) in rx {
            waiting.insert(i, (lines, records));
            while let Some((lines, records)) = waiting.remove(&want) {
                let base = scanner.file_lines();
                for (n, rec) in &records {
                    if let Some(e) = scanner.record_parsed(rec, base + *n as u64 + 1, opts.events)
                        && let Err(err) = sink(&e)
                    {
                        outcome = Err(err);
                        break 'receive;
                    }
                }
                scanner.count_lines(lines);
                let done = chunks[want];
                release(done.as_ptr() as usize - data.as_ptr() as usize, done.len());
                want += 1;
                if let Some(b) = bar {
                    b.at((want * PIECE).min(data.len()) as u64);
                }
                let (lock, cv) = &recorded;
                *lock.lock().unwrap_or_else(|p| p.into_inner()) = want;
                cv.notify_all();
            }
        }
        if outcome.is_err() {
            stop.store(true, Ordering::Relaxed);
            recorded.1.notify_all();
        }
        outcome
    });
    if let Some(b) = bar {
        b.finish();
    }
    result
}

/// Splits `data` into pieces of about `size` bytes that end at line ends.
fn split_at_lines(data: &[u8], size: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let target = (start + size).min(data.len());
        let end = match memchr::memchr(b'\n', &data[target..]) {
            Some(i) if target < data.len() => target + i + 1,
            _ => data.len(),
        };
        pieces.push(&data[start..end]);
        start = end;
    }
    pieces
}

/// The longest valid UTF-8 prefix of a line (a log line's fields come before any stray
/// bytes in the server's text).
fn valid_prefix(line: &[u8]) -> &str {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// Counts the bytes read through it for a `Progress`.
struct Counted<'p, R> {
    inner: R,
    read: u64,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.at(self.read);
        Ok(n)
    }
}

/// A maildir (its `cur` and `new`) or any folder: every regular file in it, in name order.
/// A file or entry that cannot be read is handed to `on_error` and skipped.
fn scan_dir(
    dir: &Path,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
    on_error: &mut dyn FnMut(anyhow::Error),
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
                on_error(anyhow!("cannot read folder {}: {e}", d.display()));
                continue;
            }
        };
        let mut files = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) if e.path().is_file() => files.push(e.path()),
                Ok(_) => {}
                Err(e) => on_error(anyhow!("cannot read an entry of {}: {e}", d.display())),
            }
        }
        files.sort();
        for f in files {
            scanner.begin_file(Some(f.display().to_string()), None, None);
            if let Err(e) = scan_file(&f, scanner, opts, sink) {
                if is_output_error(&e) {
                    return Err(e);
                }
                on_error(anyhow!("cannot read {}: {e}", f.display()));
            }
        }
    }
    Ok(())
}

fn scan_reader(
    raw: Box<dyn Read + '_>,
    size: Option<u64>,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    let bar = opts
        .progress
        .filter(|_| size.is_some_and(|s| s >= PROGRESS_THRESHOLD));
    let counted: Box<dyn Read + '_> = match bar {
        Some(b) => {
            b.start(size.unwrap_or(0));
            Box::new(Counted {
                inner: raw,
                read: 0,
                progress: b,
            })
        }
        None => raw,
    };
    let mut reader = BufReader::with_capacity(CHUNK, counted);
    let head = reader.fill_buf()?;
    let result = if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        let mut inner = BufReader::with_capacity(CHUNK, gz);
        dispatch(&mut inner, scanner, opts, sink)
    } else {
        dispatch(&mut reader, scanner, opts, sink)
    };
    if let Some(b) = bar {
        b.finish();
    }
    result
}

fn dispatch(
    reader: &mut dyn BufRead,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    let head = reader.fill_buf()?;
    if head.starts_with(b"From ") {
        scan_mbox(reader, scanner, opts, sink)
    } else if is_message(head) {
        let mut raw = Vec::new();
        reader.take(MAX_MESSAGE as u64).read_to_end(&mut raw)?;
        io::copy(reader, &mut io::sink())?;
        message(&raw, scanner, opts, sink)
    } else {
        scan_log(reader, scanner, opts, sink)
    }
}

fn message(raw: &[u8], scanner: &mut Scanner, opts: &Options, sink: EventSink) -> io::Result<()> {
    scanner.count_lines(memchr::memchr_iter(b'\n', raw).count() as u64);
    let statuses = recognise_message(raw);
    for e in scanner.message(&statuses, header_date(raw), opts.events) {
        sink(&e)?;
    }
    Ok(())
}

/// An mbox: messages separated by `From ` lines.
fn scan_mbox(
    reader: &mut dyn BufRead,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    let mut current = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        let boundary = n == 0
            || (line.starts_with(b"From ") && (current.is_empty() || current.ends_with(b"\n\n")));
        if boundary && !current.is_empty() {
            let body = current.strip_prefix(b"From ").map_or(&current[..], |_| {
                let skip = memchr::memchr(b'\n', &current).map_or(current.len(), |i| i + 1);
                &current[skip..]
            });
            message(body, scanner, opts, sink)?;
            current.clear();
        }
        if n == 0 {
            return Ok(());
        }
        if current.len() + line.len() <= MAX_MESSAGE {
            current.extend_from_slice(&line);
        }
    }
}

/// A log, in 1 MiB chunks, one line at a time; over-long lines are cut at 1 MiB.
fn scan_log(
    reader: &mut dyn BufRead,
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', buf) {
            if carry.is_empty() {
                one_line(&buf[start..nl], scanner, opts, sink)?;
            } else {
                carry.extend_from_slice(&buf[start..nl]);
                let line = std::mem::take(&mut carry);
                one_line(&line, scanner, opts, sink)?;
            }
            start = nl + 1;
        }
        if start < len && carry.len() < CHUNK {
            let room = CHUNK - carry.len();
            carry.extend_from_slice(&buf[start..len.min(start + room)]);
        }
        reader.consume(len);
    }
    if !carry.is_empty() {
        one_line(&carry, scanner, opts, sink)?;
    }
    Ok(())
}

fn one_line(
    bytes: &[u8],
    scanner: &mut Scanner,
    opts: &Options,
    sink: EventSink,
) -> io::Result<()> {
    if !super::may_matter(bytes) {
        scanner.count_lines(1);
        return Ok(());
    }
    if let Some(e) = scanner.line(valid_prefix(bytes), opts.events) {
        sink(&e)?;
    }
    Ok(())
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
