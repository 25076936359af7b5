//! What `scan` reads: mail logs (plain or gzip), standard input, `.eml` files, mbox files
//! and maildir folders. Logs are streamed line by line in large chunks; messages are read
//! one at a time.

use super::{Event, Scanner};
use crate::recognize::is_message;
use crate::recognize::message::recognise_message;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Input larger than this gets a progress bar (when the caller allows one).
pub const PROGRESS_THRESHOLD: u64 = 64 << 20;
/// Largest single message kept; bounces put what matters first.
const MAX_MESSAGE: usize = 64 << 20;
const CHUNK: usize = 1 << 20;

/// Where events go as they are read (for `--format ndjson`).
pub type EventSink<'a> = &'a mut dyn FnMut(&Event) -> io::Result<()>;

pub struct Options {
    /// Show a progress bar on stderr for large inputs.
    pub progress: bool,
    /// Build events for the sink.
    pub events: bool,
}

/// Scans one path (`-` is standard input): a file, a gzip file, or a maildir / folder of
/// messages.
pub fn scan_path(path: &str, scanner: &mut Scanner, opts: &Options, sink: EventSink) -> Result<()> {
    if path == "-" {
        let stdin = io::stdin();
        return scan_reader(Box::new(stdin.lock()), None, scanner, opts, sink)
            .context("cannot read standard input");
    }
    let p = Path::new(path);
    if p.is_dir() {
        return scan_dir(p, scanner, opts, sink);
    }
    let file = File::open(p).with_context(|| format!("cannot open {path}"))?;
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
            )
            .with_context(|| format!("cannot read {path}"));
        }
    }
    scan_reader(Box::new(file), size, scanner, opts, sink)
        .with_context(|| format!("cannot read {path}"))
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
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let bar = (opts.progress && data.len() as u64 >= PROGRESS_THRESHOLD)
        .then(|| progress_bar(data.len() as u64));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let recorded = (Mutex::new(0usize), Condvar::new());
    let result = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..workers {
            let tx = tx.clone();
            let (chunks, next, stop, recorded) = (&chunks, &next, &stop, &recorded);
            scope.spawn(move || {
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
                    let records: Vec<_> = chunk
                        .split(|&b| b == b'\n')
                        .filter(|l| crate::recognize::log::may_be_event(l))
                        .filter_map(|l| super::parse_line(valid_prefix(l)))
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
                scanner.count_lines(lines);
                for rec in &records {
                    if let Some(e) = scanner.record_parsed(rec, opts.events)
                        && let Err(err) = sink(&e)
                    {
                        outcome = Err(err);
                        break 'receive;
                    }
                }
                let done = chunks[want];
                release(done.as_ptr() as usize - data.as_ptr() as usize, done.len());
                want += 1;
                if let Some(b) = &bar {
                    b.set_position((want * PIECE).min(data.len()) as u64);
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
        b.finish_and_clear();
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

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// A maildir (its `cur` and `new`) or any folder: every regular file in it, in name order.
fn scan_dir(dir: &Path, scanner: &mut Scanner, opts: &Options, sink: EventSink) -> Result<()> {
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
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .with_context(|| format!("cannot read folder {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            scan_path(&f.to_string_lossy(), scanner, opts, sink)?;
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
    let bar = (opts.progress && size.is_some_and(|s| s >= PROGRESS_THRESHOLD))
        .then(|| progress_bar(size.unwrap_or(0)));
    let counted: Box<dyn Read + '_> = match &bar {
        Some(b) => Box::new(b.wrap_read(raw)),
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
        b.finish_and_clear();
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
    for e in scanner.message(&statuses, opts.events) {
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
    scanner.count_lines(1);
    if !crate::recognize::log::may_be_event(bytes) {
        return Ok(());
    }
    if let Some(e) = scanner.event_line(valid_prefix(bytes), opts.events) {
        sink(&e)?;
    }
    Ok(())
}
