//! The command line: the one clap definition (help, man page and completions all come from
//! it), and the only module that reads the environment or asks whether a stream is a
//! terminal.

use crate::code::EnhancedCode;
use crate::explain::explain;
use crate::kb::Kb;
use crate::recognize::{Recognizer, Status};
use crate::render::{self, CodeRow, text::TextOptions};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  bouncex explain 4.3.2                       an enhanced status code
  bouncex explain 550                         a basic reply code
  bouncex explain 451 4.3.2 System not accepting network messages
  bouncex explain < bounce.eml                a whole bounce message
  bouncex explain --json \"$reply\" | jq -r '.findings[0].bounce'
  bouncex explain 'Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C3D4E5: to=<ops@example.com>, ... status=deferred (...)'
  bouncex explain 'mailbox is full'           text with no code: the code is inferred
  bouncex list --class 4 --subject 7
  bouncex search mailbox full
  bouncex scan /var/log/mail.log /var/log/mail.log.1.gz
  bouncex scan --format ndjson ~/Maildir/.Bounces";

/// `--version`: the program's version and the built-in knowledge base's.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (knowledge base ",
    env!("BOUNCEX_KB_VERSION"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "bouncex",
    version = VERSION,
    about = "Explain SMTP bounces: status codes, replies, mail-log lines and bounce emails, offline.",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Same as --format json.
    #[arg(long, global = true)]
    pub json: bool,
    /// When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and
    /// whether stdout is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Knowledge base to use: overlays the built-in one entry by entry, or replaces it when
    /// its [meta] says replace_builtin = true. An empty value counts as unset.
    #[arg(
        long,
        global = true,
        env = "BOUNCEX_KB",
        value_name = "FILE",
        value_hint = clap::ValueHint::FilePath
    )]
    pub kb: Option<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable explanation, fitted to the terminal.
    Text,
    /// One JSON document ({"bouncex": "1", ...}).
    Json,
    /// One JSON object per line (per finding, or per event for scan).
    Ndjson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it).
    Auto,
    /// Always colour text output.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain status codes, SMTP replies, log lines or bounce messages.
    ///
    /// Arguments are joined with spaces and read as one text; with no argument, or `-`,
    /// standard input is read. Every status found is one finding, in input order.
    Explain {
        /// What to explain: a code (4.3.2, 550), a reply, a log line, or text.
        #[arg(value_name = "INPUT")]
        input: Vec<String>,
    },
    /// List the codes the knowledge base knows.
    List {
        /// Only this class (2, 4 or 5).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["2", "4", "5"]))]
        class: Option<String>,
        /// Only this subject (0-7 for registered codes).
        #[arg(long, value_name = "N")]
        subject: Option<u16>,
    },
    /// Find codes whose title, meaning, causes or patterns mention all the words.
    Search {
        /// Words to look for ("mailbox full", "greylist", "spf").
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
    },
    /// Analyse mail logs, .eml files, mbox files or maildir folders and summarize.
    ///
    /// Reads Postfix, Exim and Sendmail logs (syslog or RFC 3339 timestamps, gzip or
    /// plain) and bounce messages; reports codes, domains, remote servers, deferral
    /// outcomes and timings, and failures by hour. `--format ndjson` prints one event per
    /// delivery attempt instead.
    Scan {
        /// Files or folders to read; `-` (or nothing) is standard input.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Knowledge-base tools.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to print completions for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Validate a knowledge-base file (default: the built-in one); errors give line and
    /// column.
    Check {
        /// The file to check.
        file: Option<std::path::PathBuf>,
    },
}

/// What the environment says about colour; gathered by `run`, decided by `use_color`.
#[derive(Debug, Clone, Default)]
pub struct ColorEnv {
    pub no_color: Option<String>,
    pub clicolor_force: Option<String>,
    pub term: Option<String>,
    pub stdout_is_terminal: bool,
}

/// The one place colour is decided.
pub fn use_color(choice: ColorChoice, env: &ColorEnv) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set(&env.no_color) {
                false
            } else if env
                .clicolor_force
                .as_deref()
                .is_some_and(|s| !s.is_empty() && s != "0")
            {
                true
            } else {
                env.stdout_is_terminal && env.term.as_deref() != Some("dumb")
            }
        }
    }
}

/// Runs the command line; the exit status follows the SPEC (0 found, 1 nothing, 2 error).
pub fn main() -> ExitCode {
    // Rust ignores writes to a closed standard output; output lost that way is an error.
    if let Err(e) = stdout_is_open() {
        return output_failed(&e);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            return match e.print() {
                Err(err) if !e.use_stderr() => output_failed(&err),
                _ => ExitCode::from(code),
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Whatever was being read when the output failed, the output is what failed.
            if let Some(out) = OUTPUT_ERROR.get() {
                let _ = writeln!(
                    io::stderr(),
                    "bouncex: cannot write to standard output: {out}"
                );
            } else {
                let _ = writeln!(io::stderr(), "bouncex: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

/// The first error writing to standard output, kept so it is reported as such even when a
/// reader wrapped it in its own context.
static OUTPUT_ERROR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Ends the run after standard output failed: quiet for a closed pipe (the reader has
/// what it wanted, as `head` expects), one line and exit 2 otherwise.
fn output_failed(e: &io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(
        io::stderr(),
        "bouncex: cannot write to standard output: {e}"
    );
    ExitCode::from(2)
}

/// Whether standard output was open when bouncex started. Rust's runtime puts `/dev/null`
/// opened read-write on a standard stream it finds closed; a shell's `>/dev/null` opens
/// it write-only. So `/dev/null` read-write on stdout means it was closed.
#[cfg(target_os = "linux")]
fn stdout_is_open() -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let same_device = |a: &std::path::Path, b: &std::path::Path| -> Option<bool> {
        Some(std::fs::metadata(a).ok()?.rdev() == std::fs::metadata(b).ok()?.rdev())
    };
    let is_null = same_device("/proc/self/fd/1".as_ref(), "/dev/null".as_ref()) == Some(true);
    if !is_null {
        return Ok(());
    }
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("flags:"))?;
            u32::from_str_radix(line["flags:".len()..].trim(), 8).ok()
        });
    // O_ACCMODE is 3 and O_RDWR 2 on Linux.
    match flags {
        Some(f) if f & 3 == 2 => Err(io::Error::other("it is closed")),
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
fn stdout_is_open() -> io::Result<()> {
    Ok(())
}

/// Standard output, recording its first error in [`OUTPUT_ERROR`].
struct Output<W: Write>(W);

impl<W: Write> Output<W> {
    fn note<T>(r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            let _ = OUTPUT_ERROR.set(e.to_string());
        }
        r
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::note(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::note(self.0.flush())
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

struct Session {
    kb: Kb,
    format: Format,
    text: TextOptions,
}

fn run(cli: Cli) -> Result<ExitCode> {
    let format = if cli.global.json {
        Format::Json
    } else {
        cli.global.format
    };
    let env = ColorEnv {
        no_color: std::env::var("NO_COLOR").ok(),
        clicolor_force: std::env::var("CLICOLOR_FORCE").ok(),
        term: std::env::var("TERM").ok(),
        stdout_is_terminal: io::stdout().is_terminal(),
    };
    let color = format == Format::Text && use_color(cli.global.color, &env);
    let width = terminal_width(env.stdout_is_terminal);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(Output(stdout.lock()));
    // Commands that need no knowledge base (or load their own) come first.
    let code = match &cli.command {
        Command::Kb {
            command: KbCommand::Check { file },
        } => Some(kb_check(file.as_deref(), &mut out)?),
        Command::Completions { shell } => {
            out.write_all(&completions(*shell))?;
            Some(ExitCode::SUCCESS)
        }
        Command::Man => {
            out.write_all(&man_page()?)?;
            Some(ExitCode::SUCCESS)
        }
        _ => None,
    };
    let code = match code {
        Some(code) => code,
        None => {
            let kb_path = cli
                .global
                .kb
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(std::path::Path::new);
            let kb = load_kb(kb_path)?;
            let ctx = Session {
                kb,
                format,
                text: TextOptions { color, width },
            };
            match cli.command {
                Command::Explain { input } => explain_cmd(&ctx, &input, &mut out)?,
                Command::List { class, subject } => {
                    list_cmd(&ctx, class.as_deref(), subject, &mut out)?
                }
                Command::Search { words } => search_cmd(&ctx, &words, &mut out)?,
                Command::Scan { paths } => {
                    scan_cmd(&ctx, &paths, io::stderr().is_terminal(), &mut out)?
                }
                Command::Kb { .. } | Command::Completions { .. } | Command::Man => {
                    ExitCode::SUCCESS
                }
            }
        }
    };
    out.flush()?;
    Ok(code)
}

/// The completion script for `shell`, generated from the clap definition.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "bouncex",
        &mut out,
    );
    out
}

/// The roff man page, generated from the clap definition.
pub fn man_page() -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
    Ok(out)
}

fn terminal_width(is_terminal: bool) -> usize {
    if is_terminal && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return w as usize;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

fn load_kb(path: Option<&std::path::Path>) -> Result<Kb> {
    let Some(path) = path else {
        return Ok(Kb::builtin());
    };
    let text = read_kb_file(path)
        .with_context(|| format!("cannot read knowledge base {}", path.display()))?;
    Kb::load(&path.display().to_string(), &text).map_err(|errors| {
        let more = match errors.len() {
            1 => String::new(),
            n => format!(
                " (and {} more; see `bouncex kb check {}`)",
                n - 1,
                path.display()
            ),
        };
        anyhow::anyhow!("{}{more}", errors[0])
    })
}

/// Largest knowledge-base file read: the built-in one is well under 1 MiB.
const MAX_KB_FILE: u64 = 32 << 20;

/// Reads a knowledge-base file, refusing one too large or not text (a device such as
/// `/dev/zero` is both) before it can take the memory.
fn read_kb_file(path: &std::path::Path) -> io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    let mut limited = file.take(MAX_KB_FILE + 1);
    // Read in pieces so a stream of NULs is refused at its first block.
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = match limited.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(at) = memchr::memchr(0, &block[..n]) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "not a knowledge-base file: it holds a NUL byte at offset {}",
                    bytes.len() + at
                ),
            ));
        }
        bytes.extend_from_slice(&block[..n]);
        if bytes.len() as u64 > MAX_KB_FILE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "larger than {} MiB; a knowledge-base file is text of a few hundred KiB",
                    MAX_KB_FILE >> 20
                ),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

fn kb_check(file: Option<&std::path::Path>, out: &mut dyn Write) -> Result<ExitCode> {
    let (name, kb) = match file {
        None => ("built-in knowledge base".to_string(), Kb::builtin()),
        Some(path) => {
            let text =
                read_kb_file(path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.display().to_string();
            match Kb::load(&name, &text) {
                Ok(kb) => (name, kb),
                Err(errors) => {
                    let mut err = io::stderr().lock();
                    for e in &errors {
                        writeln!(err, "bouncex: {e}")?;
                    }
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    writeln!(
        out,
        "{name}: ok (version {}, {} codes)",
        kb.version(),
        kb.codes().len()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Explains arguments (joined as one text) or standard input, streaming findings in text
/// and NDJSON and collecting them for a JSON document.
fn explain_cmd(ctx: &Session, input: &[String], out: &mut dyn Write) -> Result<ExitCode> {
    let mut sink = FindingSink {
        ctx,
        document: match ctx.format {
            Format::Json => Some(render::json::FindingsDocument::begin(out)?),
            _ => None,
        },
        out,
        count: 0,
    };
    let from_stdin = input.is_empty() || input == ["-"];
    let mut recognizer = Recognizer::new();
    let mut statuses = Vec::new();
    if from_stdin {
        let stdin = io::stdin();
        let mut reader = io::BufReader::with_capacity(1 << 16, stdin.lock());
        let head = reader.fill_buf().context("cannot read standard input")?;
        if crate::recognize::is_message(head) {
            let (raw, skipped) =
                read_bounded(&mut reader, MAX_MESSAGE).context("cannot read standard input")?;
            if skipped > 0 {
                note_cut(&format!(
                    "the message is longer than {} MiB; its last {skipped} bytes were skipped",
                    MAX_MESSAGE >> 20
                ));
            }
            let (found, cut) = crate::recognize::message::recognise_message_noted(&raw);
            statuses.extend(found);
            if let Some(cut) = cut {
                note_cut(&cut);
            }
            sink.take(&mut statuses)?;
            return sink.finish();
        }
        let mut buf = Vec::new();
        let (mut line_no, mut long_lines) = (0, 0);
        loop {
            buf.clear();
            let n =
                read_line_bounded(&mut reader, &mut buf).context("cannot read standard input")?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if buf.len() < n && buf.last() != Some(&b'\n') {
                long_lines += 1;
                if long_lines == 1 {
                    note_cut(&format!(
                        "line {line_no} is longer than {} MiB; only its start is read",
                        MAX_LINE >> 20
                    ));
                }
            }
            let line = String::from_utf8_lossy(&buf);
            recognizer.push_line(line.trim_end_matches(['\n', '\r']), &mut statuses);
            sink.take(&mut statuses)?;
        }
    } else {
        let joined = input.join(" ");
        for line in joined.lines() {
            recognizer.push_line(line, &mut statuses);
            sink.take(&mut statuses)?;
        }
    }
    if let Some(cut) = recognizer.cut() {
        note_cut(cut);
    }
    let rest = recognizer.finish(&mut statuses);
    statuses.extend(rest);
    sink.take(&mut statuses)?;
    sink.finish()
}

/// Says on stderr what was left out of the input to keep time and memory bounded.
fn note_cut(what: &str) {
    let _ = writeln!(io::stderr(), "bouncex: {what}");
}

/// Largest bounce message read whole; the rest is skipped (bounces quote the original
/// message last, so what explains the bounce comes first).
const MAX_MESSAGE: usize = 64 << 20;

/// Reads all of `reader`, keeping the first `max` bytes; also says how many were skipped.
fn read_bounded(reader: &mut impl BufRead, max: usize) -> io::Result<(Vec<u8>, u64)> {
    let mut kept = Vec::new();
    reader.take(max as u64).read_to_end(&mut kept)?;
    let skipped = io::copy(reader, &mut io::sink())?;
    Ok((kept, skipped))
}

/// Longest line kept whole; the rest of a longer line is skipped so one line cannot
/// exhaust memory.
const MAX_LINE: usize = 1 << 20;

/// Reads one line into `buf`, keeping at most `MAX_LINE` bytes of it. Returns the bytes
/// consumed (0 at the end of input).
fn read_line_bounded(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let len = chunk.len();
        reader.consume(len);
        consumed += len;
        if done {
            return Ok(consumed);
        }
    }
}

struct FindingSink<'a> {
    ctx: &'a Session,
    out: &'a mut dyn Write,
    /// The JSON document being written, finding by finding.
    document: Option<render::json::FindingsDocument>,
    count: usize,
}

impl FindingSink<'_> {
    fn take(&mut self, statuses: &mut Vec<Status>) -> Result<()> {
        for status in statuses.drain(..) {
            let Some(f) = explain(&self.ctx.kb, &status) else {
                continue;
            };
            match self.ctx.format {
                Format::Json => {
                    if let Some(doc) = &mut self.document {
                        doc.push(self.out, &f)?;
                    }
                }
                Format::Ndjson => render::json::ndjson_line(self.out, &f)?,
                Format::Text => {
                    if self.count > 0 {
                        writeln!(self.out)?;
                    }
                    render::text::findings(self.out, std::slice::from_ref(&f), self.ctx.text)?;
                }
            }
            self.count += 1;
        }
        Ok(())
    }

    fn finish(self) -> Result<ExitCode> {
        if let Some(doc) = self.document {
            doc.end(self.out)?;
        }
        match self.ctx.format {
            Format::Text if self.count == 0 => {
                writeln!(
                    io::stderr(),
                    "bouncex: no status code, reply or known bounce wording found in the input"
                )?;
            }
            _ => {}
        }
        Ok(if self.count > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

fn scan_cmd(
    ctx: &Session,
    paths: &[String],
    stderr_is_terminal: bool,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    use crate::scan::{Scanner, input};
    let default = ["-".to_string()];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let opts = input::Options {
        progress: stderr_is_terminal,
        events: ctx.format == Format::Ndjson,
    };
    let mut scanner = Scanner::new();
    let mut sink = |e: &crate::scan::Event| render::json::ndjson_line(out, e);
    for path in paths {
        input::scan_path(path, &mut scanner, &opts, &mut sink)?;
    }
    let report = scanner.report(&ctx.kb);
    match ctx.format {
        Format::Json => render::json::document(out, &report)?,
        Format::Ndjson => {}
        Format::Text => render::scan::report(out, &report, ctx.text)?,
    }
    Ok(if report.events > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn code_row(kb: &Kb, c: &crate::kb::model::RawCode) -> CodeRow {
    let class = c
        .code
        .parse::<EnhancedCode>()
        .map(|e| e.class.as_str())
        .unwrap_or("unknown");
    CodeRow {
        code: c.code.clone(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        class,
        bounce: c.bounce.as_str(),
        severity: c.severity.as_str(),
        reason: c.reason.as_str(),
        action: c.action.as_str(),
        provider: c
            .provider
            .as_ref()
            .map(|p| kb.provider(p).map_or_else(|| p.clone(), |p| p.id.clone())),
    }
}

fn print_rows(ctx: &Session, rows: &[CodeRow], out: &mut dyn Write) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Codes<'a> {
        codes: &'a [CodeRow],
    }
    match ctx.format {
        Format::Json => render::json::document(out, &Codes { codes: rows })?,
        Format::Ndjson => {
            for r in rows {
                render::json::ndjson_line(out, r)?;
            }
        }
        Format::Text => render::text::code_table(out, rows, ctx.text)?,
    }
    Ok(())
}

fn list_cmd(
    ctx: &Session,
    class: Option<&str>,
    subject: Option<u16>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let rows: Vec<CodeRow> = ctx
        .kb
        .codes()
        .filter(|c| class.is_none_or(|k| c.code.starts_with(&format!("{k}."))))
        .filter(|c| {
            subject.is_none_or(|s| c.code.parse::<EnhancedCode>().is_ok_and(|e| e.subject == s))
        })
        .map(|c| code_row(&ctx.kb, c))
        .collect();
    print_rows(ctx, &rows, out)?;
    Ok(if rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn search_cmd(ctx: &Session, words: &[String], out: &mut dyn Write) -> Result<ExitCode> {
    let words: Vec<String> = words
        .iter()
        .flat_map(|w| w.split_whitespace().map(str::to_string))
        .collect();
    if words.is_empty() {
        bail!("search needs at least one word");
    }
    let rows: Vec<CodeRow> = ctx
        .kb
        .search(&words)
        .into_iter()
        .map(|c| code_row(&ctx.kb, c))
        .collect();
    print_rows(ctx, &rows, out)?;
    Ok(if rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, force: Option<&str>, term: Option<&str>, tty: bool) -> ColorEnv {
        ColorEnv {
            no_color: no_color.map(str::to_string),
            clicolor_force: force.map(str::to_string),
            term: term.map(str::to_string),
            stdout_is_terminal: tty,
        }
    }

    #[test]
    fn colour_rules() {
        assert!(use_color(
            ColorChoice::Always,
            &env(Some("1"), None, None, false)
        ));
        assert!(!use_color(
            ColorChoice::Never,
            &env(None, Some("1"), None, true)
        ));
        assert!(use_color(
            ColorChoice::Auto,
            &env(None, None, Some("xterm"), true)
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            &env(Some("1"), None, None, true)
        ));
        assert!(
            use_color(ColorChoice::Auto, &env(Some(""), None, None, true)),
            "empty NO_COLOR is unset"
        );
        assert!(use_color(
            ColorChoice::Auto,
            &env(None, Some("1"), None, false)
        ));
        assert!(!use_color(ColorChoice::Auto, &env(None, None, None, false)));
        assert!(!use_color(
            ColorChoice::Auto,
            &env(None, None, Some("dumb"), true)
        ));
    }

    #[test]
    fn long_lines_are_bounded() {
        let data = vec![b'x'; MAX_LINE * 2 + 10];
        let mut r = io::BufReader::new(&data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_bounded(&mut r, &mut buf).unwrap(), data.len());
        assert_eq!(buf.len(), MAX_LINE);
    }
}
