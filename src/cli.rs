//! The command line: the one clap definition (help, man page and completions all come from
//! it), and the only module that reads the environment or asks whether a stream is a
//! terminal.

use anyhow::{Context, Result, bail};
use bouncex::code::CodeKey;
use bouncex::explain::explain;
use bouncex::kb::Kb;
use bouncex::recognize::{Recognizer, Status};
use bouncex::render::{self, CodeRow, text::TextOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  bouncex explain 4.3.2                       an enhanced status code
  bouncex explain 550                         a basic reply code
  bouncex explain 451 4.3.2 System not accepting network messages
  bouncex explain bounce.eml                  a bounce message, log or text file
  bouncex explain < bounce.eml                the same, from standard input
  bouncex explain --full 4.3.2                every section whole, with example replies
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
    /// An argument that names an existing file (a bounce message, a mail log, plain or
    /// gzip, or a text) is read as that file; the other arguments are joined with spaces
    /// and read as one text (`--text` reads every argument as text). With no argument, or
    /// `-`, standard input is read. Every status found is one finding, in input order.
    /// Text output is a short form of about one screen per finding; `--full` prints every
    /// section whole.
    Explain {
        /// What to explain: a code (4.3.2, 550), a reply, a log line, text, or a file.
        #[arg(value_name = "INPUT|FILE")]
        input: Vec<String>,
        /// Print every section whole (all causes, fixes and stage rows, how related codes
        /// differ, the provider, example replies) instead of the short form.
        #[arg(long)]
        full: bool,
        /// Read every argument as text, even one that names an existing file.
        #[arg(long)]
        text: bool,
    },
    /// List the codes the knowledge base knows: enhanced codes, then basic reply codes.
    List {
        /// Only this class (2, 4 or 5).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["2", "4", "5"]))]
        class: Option<String>,
        /// Only this subject (0-7 for registered codes); leaves out basic reply codes.
        #[arg(long, value_name = "N")]
        subject: Option<u16>,
        /// Leave out the basic reply codes (550, 421, ...).
        #[arg(long)]
        no_basic: bool,
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
        /// Files or folders to read; `-` (or nothing) is standard input. Logs are read
        /// oldest first whatever the order given (by their first timestamps, else by
        /// logrotate's naming).
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
        /// The year of the first year-less (syslog) time read; by default each file's year
        /// is inferred from its modification time, standard input's from today.
        #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i64).range(1970..=9999))]
        year: Option<i64>,
    },
    /// One compact JSON row per input line, written as soon as the line is read.
    ///
    /// For engines that call a program per batch of rows (ClickHouse executable UDFs,
    /// Spark's RDD.pipe, Vector's exec): reads standard input and prints exactly one row
    /// per line, in order, flushed at once: {line, code, basic, class, bounce, reason,
    /// action, provider, recipient, remote_host, stage}, nulls when the line holds no
    /// status. Each line is read alone, as `explain` reads it: no joining across lines.
    /// Always JSON, whatever --format says.
    Classify {
        /// Each line is KEY<TAB>TEXT: the key is echoed back as "key" and only the text is
        /// classified (a line without a tab has an empty key).
        #[arg(long)]
        key: bool,
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
    /// Print the man page (roff): `bouncex man | man -l -`.
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

/// The clap definition, with the global options hidden from the help of the commands they
/// do not apply to (`completions` and `man` print generated files and read nothing).
fn command() -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    // A subcommand that already has an argument of a global's id keeps its own copy, so a
    // hidden copy keeps the option accepted but out of that command's help.
    let hidden: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.clone().hide(true))
        .collect();
    ["completions", "man"].into_iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |sub| sub.args(hidden.clone()))
    })
}

/// Runs the command line; the exit status follows the SPEC (0 found, 1 nothing, 2 error).
pub fn main() -> ExitCode {
    // Rust ignores writes to a closed standard output; output lost that way is an error.
    if let Err(e) = stdout_is_open() {
        return output_failed(&e);
    }
    let parsed = command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = if e.use_stderr() { 2 } else { 0 };
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                if let Err(err) = e.print() {
                    return output_failed(&err);
                }
            } else {
                say(&usage_error_line(&e.render().to_string()));
            }
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Whatever was being read when the output failed, the output is what failed.
            match OUTPUT_ERROR.get() {
                Some(out) => say(&format!("cannot write to standard output: {out}")),
                None => say(&format!("{e:#}")),
            }
            ExitCode::from(2)
        }
    }
}

/// Writes one message on stderr in the one documented form, `bouncex: what went wrong`,
/// made safe for the terminal: file names, input and knowledge-base text in messages are
/// untrusted, so every message goes through here. A failing stderr is ignored: there is
/// nowhere left to report it.
fn say(what: &str) {
    let _ = writeln!(io::stderr(), "bouncex: {}", render::sanitize(what));
}

/// A clap usage error as the one documented form: `what went wrong; try 'bouncex COMMAND
/// --help'`, on one line (`say` adds the `bouncex: `).
fn usage_error_line(rendered: &str) -> String {
    let mut what = Vec::new();
    let mut command = "bouncex".to_string();
    for line in rendered.lines().map(str::trim) {
        if let Some(usage) = line.strip_prefix("Usage:") {
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect();
            if !words.is_empty() {
                command = words.join(" ");
            }
            break;
        }
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        match line.strip_prefix("tip: ") {
            Some(tip) => what.push(format!("({tip})")),
            None => what.push(line.strip_prefix("error: ").unwrap_or(line).to_string()),
        }
    }
    let what = what.join(" ");
    let what = what.trim_end_matches('.');
    format!("{what}; try '{command} --help'")
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
    say(&format!("cannot write to standard output: {e}"));
    ExitCode::from(2)
}

/// Whether standard output was open when bouncex started (`bouncex >&-` closes it).
#[cfg(target_os = "linux")]
fn stdout_is_open() -> io::Result<()> {
    if closed_at_start::stdout() {
        return Err(io::Error::other("it is closed"));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stdout_is_open() -> io::Result<()> {
    Ok(())
}

/// Rust's runtime puts `/dev/null` on a standard stream it finds closed before `main`
/// runs, and a `/dev/null` opened read-write is what supervisors and `subprocess.DEVNULL`
/// give too, so `main` cannot tell them apart. A constructor can: the loader runs it before
/// the runtime starts.
#[cfg(target_os = "linux")]
mod closed_at_start {
    use std::sync::atomic::{AtomicBool, Ordering};

    static STDOUT: AtomicBool = AtomicBool::new(false);

    unsafe extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }

    extern "C" fn check() {
        const F_GETFD: i32 = 1;
        // SAFETY: F_GETFD only reads the descriptor's flags; -1 means it is not open.
        if unsafe { fcntl(1, F_GETFD) } == -1 {
            STDOUT.store(true, Ordering::Relaxed);
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static CHECK: extern "C" fn() = check;

    pub fn stdout() -> bool {
        STDOUT.load(Ordering::Relaxed)
    }
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
    /// Never dropped: the process ends right after, and freeing every decoded row and
    /// compiled pattern one by one is work for nothing.
    kb: std::mem::ManuallyDrop<Kb>,
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
    let width = terminal_width(env.stdout_is_terminal, std::env::var("COLUMNS").ok());
    let full = matches!(cli.command, Command::Explain { full: true, .. });
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(Output(stdout.lock()));
    // Commands that need no knowledge base (or load their own) come first.
    let code = match &cli.command {
        Command::Kb {
            command: KbCommand::Check { file },
        } => Some(kb_check(file.as_deref(), format != Format::Text, &mut out)?),
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
                kb: std::mem::ManuallyDrop::new(kb),
                format,
                text: TextOptions { color, width, full },
            };
            match cli.command {
                Command::Explain { input, text, .. } => {
                    let stdin_is_terminal = io::stdin().is_terminal();
                    explain_cmd(&ctx, &input, text, stdin_is_terminal, &mut out)?
                }
                Command::List {
                    class,
                    subject,
                    no_basic,
                } => list_cmd(&ctx, class.as_deref(), subject, !no_basic, &mut out)?,
                Command::Search { words } => search_cmd(&ctx, &words, &mut out)?,
                Command::Scan { paths, year } => {
                    if (paths.is_empty() || paths == ["-"]) && io::stdin().is_terminal() {
                        stdin_hint(
                            "mail-log lines or bounce messages",
                            ", or name the files: bouncex scan /var/log/mail.log",
                        );
                    }
                    scan_cmd(&ctx, &paths, year, io::stderr().is_terminal(), &mut out)?
                }
                Command::Classify { key } => {
                    if io::stdin().is_terminal() {
                        stdin_hint("lines to classify, one row each", "");
                    }
                    let stdin = io::stdin();
                    classify_cmd(&ctx.kb, stdin.lock(), key, &mut out)?
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
    clap_complete::generate(shell, &mut command(), "bouncex", &mut out);
    out
}

/// The roff man page, generated from the clap definition: clap_mangen's title, synopsis
/// and global options, then every command with its own options, exit status,
/// environment, files and examples (unfilled, so roff never stretches them).
pub fn man_page() -> io::Result<Vec<u8>> {
    let cmd = command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    // Left-aligned, not justified: no stretched gaps between words.
    out.extend_from_slice(b".ad l\n.nh\n");
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    out.extend_from_slice(b".SH GLOBAL OPTIONS\n");
    out.extend_from_slice(b"These options apply to every command that reads the knowledge base or prints\nfindings.\n");
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        man_option(&mut out, arg);
    }
    man_help_options(&mut out);
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands() {
        man_command(&mut out, sub, "bouncex");
    }
    out.extend_from_slice(MAN_SECTIONS.as_bytes());
    out.extend_from_slice(b".SH EXAMPLES\n.nf\n");
    for line in EXAMPLES.lines().skip(1) {
        out.extend_from_slice(roff_line(line.trim_start()).as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b".fi\n");
    man.render_version_section(&mut out)?;
    Ok(out)
}

const MAN_SECTIONS: &str = r#".SH EXIT STATUS
.TP
0
At least one status was found and explained (for list and search: at least one
code matched; for scan: at least one delivery event was read).
.TP
1
The input was read but held no status, or nothing matched (like grep finding
nothing).
.TP
2
Usage error, unreadable input or invalid knowledge base. Errors are one line on
standard error: bouncex: what went wrong. scan reports an unreadable input (or the
rest of one, such as a damaged gzip member) this way, scans the other inputs and
still prints its report.
.SH ENVIRONMENT
.TP
NO_COLOR
When set and not empty, text output is not coloured (unless \-\-color always).
.TP
CLICOLOR_FORCE
When set and neither empty nor 0, text output is coloured even when standard
output is not a terminal (unless NO_COLOR is set or \-\-color never).
.TP
TERM
When dumb, text output is not coloured under \-\-color auto.
.TP
BOUNCEX_KB
A knowledge-base file to use, as \-\-kb FILE.
.TP
COLUMNS
The width to fit text output to when standard output is not a terminal (80 when
unset); on a terminal its own width is used. Lines never exceed 100 columns.
.SH FILES
.TP
FILE arguments of explain and PATH arguments of scan
Bounce messages (.eml), mbox files, maildir folders and mail logs, plain or gzip.
.TP
\-\-kb FILE
A TOML knowledge base in the format of the built-in one; it overlays the
built-in knowledge base entry by entry, or replaces it when its [meta] section
says replace_builtin = true. bouncex kb check FILE validates one.
.PP
bouncex reads no configuration file; the knowledge base is built into the
program.
"#;

/// Escapes text for roff: backslashes and hyphens, and a leading `.` or `'`.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn roff_line(text: &str) -> String {
    roff_text(text)
}

/// `text` ending with a full stop: clap drops the one that ends a one-line doc comment.
fn sentence(text: &str) -> String {
    let mut text = text.trim_end().to_string();
    if !text.is_empty() && !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// One option as a tagged paragraph: its flags, value name, help and possible values.
fn man_option(out: &mut Vec<u8>, arg: &clap::Arg) {
    let mut tag = String::new();
    if let Some(short) = arg.get_short() {
        tag.push_str(&format!("\\fB\\-{short}\\fR, "));
    }
    match arg.get_long() {
        Some(long) => tag.push_str(&format!("\\fB\\-\\-{}\\fR", roff_text(long))),
        None => {
            let name = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map_or_else(|| arg.get_id().to_string(), |v| v.to_string());
            tag.push_str(&format!("\\fI{}\\fR", roff_text(&name)));
        }
    }
    if arg.get_long().is_some() && arg.get_action().takes_values() {
        let name = arg.get_value_names().and_then(|v| v.first()).map_or_else(
            || arg.get_id().to_string().to_uppercase(),
            |v| v.to_string(),
        );
        tag.push_str(&format!(" \\fI{}\\fR", roff_text(&name)));
    }
    out.extend_from_slice(format!(".TP\n{tag}\n").as_bytes());
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut text = sentence(&help);
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && arg.get_long().is_some() && arg.get_action().takes_values() {
        text.push_str(&format!(" One of: {}.", values.join(", ")));
    }
    if let Some(d) = arg.get_default_values().first() {
        text.push_str(&format!(" Default: {}.", d.to_string_lossy()));
    }
    if let Some(env) = arg.get_env() {
        text.push_str(&format!(" Also set by {}.", env.to_string_lossy()));
    }
    for line in text.lines() {
        out.extend_from_slice(roff_text(line).as_bytes());
        out.push(b'\n');
    }
}

fn man_help_options(out: &mut Vec<u8>) {
    out.extend_from_slice(
        b".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint help; after a command, that command's help.\n\
          .TP\n\\fB\\-V\\fR, \\fB\\-\\-version\\fR\nPrint the version and the knowledge base's version.\n",
    );
}

/// One command: its synopsis, its description and its own options; nested commands
/// follow.
fn man_command(out: &mut Vec<u8>, cmd: &clap::Command, parent: &str) {
    let name = format!("{parent} {}", cmd.get_name());
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands() {
            man_command(out, sub, &name);
        }
        return;
    }
    let mut synopsis = format!("\\fB{}\\fR", roff_text(&name));
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if arg.is_positional() {
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map_or_else(|| arg.get_id().to_string(), |v| v.to_string());
            let many = if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
                "..."
            } else {
                ""
            };
            let value = format!("\\fI{}\\fR{many}", roff_text(&value));
            if arg.is_required_set() {
                synopsis.push_str(&format!(" {value}"));
            } else {
                synopsis.push_str(&format!(" [{value}]"));
            }
        } else if let Some(long) = arg.get_long() {
            let value = if arg.get_action().takes_values() {
                let v = arg.get_value_names().and_then(|v| v.first()).map_or_else(
                    || arg.get_id().to_string().to_uppercase(),
                    |v| v.to_string(),
                );
                format!(" \\fI{}\\fR", roff_text(&v))
            } else {
                String::new()
            };
            synopsis.push_str(&format!(" [\\fB\\-\\-{}\\fR{value}]", roff_text(long)));
        }
    }
    let title = name.strip_prefix("bouncex ").unwrap_or(&name);
    out.extend_from_slice(format!(".SS {title}\n{synopsis}\n.PP\n").as_bytes());
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    for (i, para) in about.split("\n\n").enumerate() {
        if i > 0 {
            out.extend_from_slice(b".PP\n");
        }
        out.extend_from_slice(roff_text(&sentence(&para.replace('\n', " "))).as_bytes());
        out.push(b'\n');
    }
    let args: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    if !args.is_empty() {
        out.extend_from_slice(b".RS\n");
        for arg in args {
            man_option(out, arg);
        }
        out.extend_from_slice(b".RE\n");
    }
}

/// Width when the output is not a terminal and `COLUMNS` does not say: the classic
/// terminal's.
const DEFAULT_WIDTH: usize = 80;

/// The terminal's width; else `COLUMNS`; else `DEFAULT_WIDTH`. The renderer caps it.
fn terminal_width(is_terminal: bool, columns: Option<String>) -> usize {
    if is_terminal && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return w as usize;
    }
    columns
        .and_then(|c| c.trim().parse().ok())
        .filter(|&w: &usize| w > 0)
        .unwrap_or(DEFAULT_WIDTH)
}

/// Says on stderr what standard input should hold when a person is at the keyboard, so
/// the program does not seem to hang.
/// `instead` says how else to give the input, when the command has another way.
fn stdin_hint(what: &str, instead: &str) {
    say(&format!(
        "reading {what} from standard input; end with Ctrl-D{instead}"
    ));
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

fn kb_check(file: Option<&std::path::Path>, json: bool, out: &mut dyn Write) -> Result<ExitCode> {
    let (name, kb) = match file {
        None => ("built-in knowledge base".to_string(), Kb::builtin()),
        Some(path) => {
            let text =
                read_kb_file(path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.display().to_string();
            match Kb::check(&name, &text) {
                Ok(kb) => (name, kb),
                Err(errors) => {
                    for e in &errors {
                        say(&e.to_string());
                    }
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    if json {
        #[derive(serde::Serialize)]
        struct Check<'a> {
            file: &'a str,
            ok: bool,
            version: String,
            codes: usize,
        }
        render::json::document(
            out,
            &Check {
                file: &name,
                ok: true,
                version: kb.version().to_string(),
                codes: kb.codes().len(),
            },
        )?;
    } else {
        let line = format!(
            "{name}: ok (version {}, {} codes)",
            kb.version(),
            kb.codes().len()
        );
        writeln!(out, "{}", render::sanitize(&line))?;
        if file.is_none() {
            // Measured by build.rs on codes.toml as written (shared rows not filled in).
            let (repeated, rows) = env!("BOUNCEX_KB_REPEATED")
                .split_once('/')
                .and_then(|(r, t)| Some((r.parse::<usize>().ok()?, t.parse::<usize>().ok()?)))
                .unwrap_or((0, 0));
            let share = if rows == 0 {
                0.0
            } else {
                100.0 * repeated as f64 / rows as f64
            };
            writeln!(
                out,
                "{name}: {repeated} of {rows} causes, fixes and troubleshooting rows are written \
                 word for word in more than one entry ({share:.1} %)"
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Findings past which `explain` suggests `scan` for a summary.
const MANY_FINDINGS: usize = 20;

/// Explains arguments and files (or standard input), streaming findings in text and
/// NDJSON and collecting them for a JSON document. An argument naming an existing file is
/// read as that file unless `literal`; consecutive other arguments are one text.
fn explain_cmd(
    ctx: &Session,
    input: &[String],
    literal: bool,
    stdin_is_terminal: bool,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut sink = FindingSink {
        ctx,
        document: match ctx.format {
            Format::Json => Some(render::json::FindingsDocument::begin(out)?),
            _ => None,
        },
        out,
        count: 0,
    };
    let mut read_files = Vec::new();
    if input.is_empty() || input == ["-"] {
        if stdin_is_terminal {
            stdin_hint(
                "a code, reply, log lines or a bounce",
                ", or give it as arguments: bouncex explain 4.3.2",
            );
        }
        explain_reader(io::stdin(), &mut sink).context("cannot read standard input")?;
        read_files.push("-".to_string());
    } else {
        let mut text: Vec<&str> = Vec::new();
        for arg in input {
            let path = std::path::Path::new(arg);
            if !literal && path.is_file() {
                explain_text(&text.join(" "), &mut sink)?;
                text.clear();
                let file = std::fs::File::open(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                explain_reader(file, &mut sink)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                read_files.push(arg.clone());
            } else {
                text.push(arg);
            }
        }
        explain_text(&text.join(" "), &mut sink)?;
    }
    if sink.count > MANY_FINDINGS && !read_files.is_empty() && ctx.format == Format::Text {
        say(&format!(
            "{} findings; for a summary of a whole log or mailbox, try: bouncex scan {}",
            sink.count,
            read_files.join(" ")
        ));
    }
    sink.finish()
}

/// Explains one text given as arguments, read exactly as the same text from standard input
/// (a pasted report or bounce line gives the same findings either way).
fn explain_text(text: &str, sink: &mut FindingSink) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    explain_reader(text.as_bytes(), sink)
}

/// Explains a stream: a whole bounce message, or lines (a log, replies, text); gzip
/// is decompressed. The format is decided as `scan` decides it, from enough bytes however
/// they arrive.
fn explain_reader(reader: impl Read + Send, sink: &mut FindingSink) -> Result<()> {
    use bouncex::scan::input::{self, Format as Input};
    let (format, stream) = input::open(reader);
    let message = matches!(format, Input::Message | Input::Mbox);
    explain_lines(io::BufReader::with_capacity(1 << 16, stream), message, sink)
}

fn explain_lines(mut reader: impl BufRead, message: bool, sink: &mut FindingSink) -> Result<()> {
    let mut recognizer = Recognizer::new();
    let mut statuses = Vec::new();
    if message {
        let (raw, skipped) = read_bounded(&mut reader, MAX_MESSAGE)?;
        if skipped > 0 {
            say(&format!(
                "the message is longer than {} MiB; its last {skipped} bytes were skipped",
                MAX_MESSAGE >> 20
            ));
        }
        let (found, cut) = bouncex::recognize::message::recognise_message_noted(&raw);
        statuses.extend(found);
        if let Some(cut) = cut {
            say(&cut);
        }
        return sink.take(&mut statuses);
    }
    let mut buf = Vec::new();
    let (mut line_no, mut long_lines) = (0, 0);
    loop {
        buf.clear();
        let n = read_line_bounded(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.len() < n && buf.last() != Some(&b'\n') {
            long_lines += 1;
            if long_lines == 1 {
                say(&format!(
                    "line {line_no} is longer than {} MiB; only its start is read",
                    MAX_LINE >> 20
                ));
            }
        }
        let line = String::from_utf8_lossy(&buf);
        recognizer.push_line(line.trim_end_matches(['\n', '\r']), &mut statuses);
        sink.take(&mut statuses)?;
    }
    if let Some(cut) = recognizer.cut() {
        say(cut);
    }
    let rest = recognizer.finish(&mut statuses);
    statuses.extend(rest);
    sink.take(&mut statuses)
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
                Format::Text => render::text::finding(self.out, &f, self.count, self.ctx.text)?,
            }
            self.count += 1;
        }
        Ok(())
    }

    fn finish(self) -> Result<ExitCode> {
        if let Some(doc) = self.document {
            doc.end(self.out)?;
        }
        if self.ctx.format == Format::Text && self.count == 0 {
            say("no status code, reply or known bounce wording found in the input");
        }
        Ok(if self.count > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

/// `classify`: one row per line, each written and flushed before the next line is read.
fn classify_cmd(
    kb: &Kb,
    mut reader: impl BufRead,
    key: bool,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if read_line_bounded(&mut reader, &mut buf).context("cannot read standard input")? == 0 {
            break;
        }
        n += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        let (k, text) = if key {
            bouncex::classify::split_key(line)
        } else {
            ("", line)
        };
        let mut row = bouncex::classify::line(kb, n, text);
        row.key = key.then(|| k.to_string());
        render::json::ndjson_line(out, &row)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn scan_cmd(
    ctx: &Session,
    paths: &[String],
    year: Option<i64>,
    stderr_is_terminal: bool,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    use bouncex::scan::{Scanner, input, time::YearRef};
    let default = ["-".to_string()];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let bar = ProgressBar::default();
    let opts = input::Options {
        progress: stderr_is_terminal.then_some(&bar as &dyn input::Progress),
        events: ctx.format == Format::Ndjson,
        year,
        now,
    };
    let start = year.map_or_else(|| YearRef::ends_at(now), YearRef::Starts);
    let mut scanner = Scanner::new(&ctx.kb, start);
    let mut sink = |e: &bouncex::scan::Event| render::json::ndjson_line(out, e);
    // As ripgrep does: an input that cannot be read (or the rest of it) is reported and
    // skipped, and the scan exits with status 2 at the end, after its report.
    let mut failed = false;
    let mut notice = |n: input::Notice| {
        let line = match n {
            input::Notice::Unreadable(e) => {
                failed = true;
                e
            }
            input::Notice::Note(note) => note,
        };
        say(&line);
    };
    input::scan_paths(paths, &mut scanner, &opts, &mut sink, &mut notice)?;
    let backward = scanner.backward_times();
    if backward > 0 {
        say(&format!(
            "{backward} deliveries are logged before their first deferral (lines out of \
             order); their time to delivery counts as 0"
        ));
    }
    let report = scanner.report();
    match ctx.format {
        Format::Json => render::json::document(out, &report)?,
        Format::Ndjson => {}
        Format::Text => render::scan::report(out, &report, ctx.text)?,
    }
    Ok(if failed {
        ExitCode::from(2)
    } else if report.events > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn code_row(kb: &Kb, c: &bouncex::kb::model::RawCode) -> CodeRow {
    let class = c
        .code
        .parse::<CodeKey>()
        .map(|k| k.low.class.as_str())
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
        advice: Some(
            c.fixes
                .sender
                .first()
                .cloned()
                .unwrap_or_else(|| c.summary.clone()),
        ),
    }
}

fn basic_row(b: &bouncex::kb::model::RawBasic) -> CodeRow {
    CodeRow {
        code: b.code.to_string(),
        title: b.title.clone(),
        summary: b.meaning.clone(),
        class: bouncex::code::basic_class(b.code).map_or("unknown", |c| c.as_str()),
        bounce: b.bounce.as_str(),
        severity: b.severity.as_str(),
        reason: b.reason.as_str(),
        action: b.action.as_str(),
        provider: None,
        advice: None,
    }
}

/// Prints the rows; with none, says so on stderr (in text) instead of drawing an empty
/// table, and returns exit status 1.
fn print_rows(
    ctx: &Session,
    rows: &[CodeRow],
    none: &str,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    if rows.is_empty() && ctx.format == Format::Text {
        say(none);
        return Ok(ExitCode::from(1));
    }
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
    Ok(if rows.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list_cmd(
    ctx: &Session,
    class: Option<&str>,
    subject: Option<u16>,
    basic: bool,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut rows: Vec<CodeRow> = ctx
        .kb
        .codes()
        .filter(|c| class.is_none_or(|k| c.code.starts_with(&format!("{k}."))))
        .filter(|c| {
            subject.is_none_or(|s| c.code.parse::<CodeKey>().is_ok_and(|k| k.low.subject == s))
        })
        .map(|c| code_row(&ctx.kb, c))
        .collect();
    if basic && subject.is_none() {
        rows.extend(
            ctx.kb
                .basics()
                .filter(|b| class.is_none_or(|k| b.code.to_string().starts_with(k)))
                .map(basic_row),
        );
    }
    print_rows(
        ctx,
        &rows,
        "no code in the knowledge base matches these filters",
        out,
    )
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
    let none = format!("no code mentions all of: {}", words.join(" "));
    print_rows(ctx, &rows, &none, out)
}

/// The progress bar `scan` draws on a terminal's stderr for a large input (indicatif).
#[derive(Default)]
struct ProgressBar(std::sync::Mutex<Option<indicatif::ProgressBar>>);

impl ProgressBar {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl bouncex::scan::input::Progress for ProgressBar {
    fn start(&self, total: u64) {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        *self.slot() = Some(bar);
    }

    fn at(&self, position: u64) {
        if let Some(b) = self.slot().as_ref() {
            b.set_position(position);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.slot().take() {
            b.finish_and_clear();
        }
    }
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
    fn usage_errors_are_one_line() {
        let rendered = "error: unexpected argument '--frob' found\n\n  tip: to pass '--frob' as a value, use '-- --frob'\n\nUsage: bouncex search <WORDS>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_error_line(rendered),
            "unexpected argument '--frob' found (to pass '--frob' as a value, use '-- --frob'); try 'bouncex search --help'"
        );
    }

    #[test]
    fn width_falls_back_to_columns_then_80() {
        assert_eq!(terminal_width(false, None), 80);
        assert_eq!(terminal_width(false, Some("120".into())), 120);
        assert_eq!(terminal_width(false, Some("junk".into())), 80);
        assert_eq!(terminal_width(false, Some("0".into())), 80);
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
