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
    scan_reader(Box::new(file), size, scanner, opts, sink)
        .with_context(|| format!("cannot read {path}"))
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
    let bar = (opts.progress && size.is_some_and(|s| s >= PROGRESS_THRESHOLD)).then(|| {
        let bar = ProgressBar::new(size.unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
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
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let line = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    if let Some(e) = scanner.line(&line, opts.events) {
        sink(&e)?;
    }
    Ok(())
}
