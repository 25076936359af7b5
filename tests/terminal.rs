//! What a person sees in a terminal: one screen per finding, widths, separators, files as
//! arguments, search and list tables, the man page, and nothing raw from hostile input
//! whatever `--color` says. The last test runs the binary in a real terminal (tmux).

mod common;
use common::{bouncex, scratch_dir};
use predicates::prelude::*;

fn stdout_of(args: &[&str], columns: Option<&str>) -> String {
    let mut cmd = bouncex();
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A two-recipient delivery status notification, written for these tests.
fn two_recipients(first_recipient: &str, remote_mta: &str) -> String {
    format!(
        "From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nTwo addresses could not be reached.\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.net\r\n\r\n\
         Final-Recipient: rfc822; {first_recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Remote-MTA: dns; {remote_mta}\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 No such user here\r\n\r\n\
         Final-Recipient: rfc822; b@example.org\r\nAction: delayed\r\nStatus: 4.2.2\r\n\
         Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n--B--\r\n"
    )
}

#[test]
fn a_code_fits_on_one_screen_and_full_prints_everything() {
    let short = stdout_of(&["explain", "4.3.2"], Some("80"));
    let lines = short.lines().count();
    assert!(lines <= 60, "explain 4.3.2 is {lines} lines at 80 columns");
    assert!(widest(&short) <= 80, "a line is wider than 80:\n{short}");
    for section in [
        "soft bounce (temporary)",
        "What it means",
        "What happens next",
        "Common causes",
        "How to fix it",
        "As the sender",
        "As the receiving system's admin",
        "Troubleshooting by SMTP stage",
        "Related codes",
        "--full",
    ] {
        assert!(short.contains(section), "{section:?} missing:\n{short}");
    }
    let full = stdout_of(&["explain", "--full", "4.3.2"], Some("80"));
    assert!(
        full.lines().count() > 2 * lines,
        "--full is not longer: {} lines",
        full.lines().count()
    );
    assert!(full.contains("Example replies"));
    assert!(!full.contains("--full adds"));
}

#[test]
fn linked_sources_are_listed_in_the_full_form_only() {
    // A Gmail reply: the provider's documents are linked sources, a line or two each.
    let reply = "550-5.7.26 This mail has been blocked because the sender is unauthenticated. \
                 Gmail requires all senders to authenticate with either SPF or DKIM. gsmtp";
    let short = stdout_of(&["explain", reply], Some("80"));
    let head: Vec<&str> = short.lines().take(5).collect();
    assert!(head[2].contains("RFC 7372"), "{short}");
    assert!(!short.contains("https://support.google.com"), "{short}");
    assert!(
        short.lines().position(|l| l.starts_with("Gmail")) < Some(8),
        "the provider's meaning is not near the top:\n{short}"
    );
    assert!(short.replace('\n', " ").contains(" sources."), "{short}");
    let full = stdout_of(&["explain", "--full", reply], Some("80"));
    let sources = &full[full.find("\nSources\n").expect("a Sources section")..];
    assert!(sources.contains("https://support.google.com"), "{full}");
}

#[test]
fn width_follows_columns_and_is_capped() {
    // Not a terminal and no COLUMNS: 80 columns.
    assert!(widest(&stdout_of(&["explain", "--full", "5.7.1"], None)) <= 80);
    // A wide terminal: paragraphs and tables stop at 100 columns.
    let wide = stdout_of(&["explain", "--full", "5.7.1"], Some("200"));
    let w = widest(&wide);
    assert!(w <= 100 && w > 80, "widest line {w} at COLUMNS=200");
    assert!(widest(&stdout_of(&["list"], Some("200"))) <= 100);
}

#[test]
fn findings_of_a_bounce_are_separated() {
    let out = bouncex()
        .env("COLUMNS", "80")
        .arg("explain")
        .write_stdin(two_recipients("a@example.org", "mx.example.org"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("5.1.1"), "{text}");
    let sep = text
        .lines()
        .position(|l| l.starts_with("── finding 2 ──"))
        .unwrap_or_else(|| panic!("no separator:\n{text}"));
    assert!(text.lines().nth(sep + 2).unwrap().starts_with("4.2.2"));
    assert!(
        text.lines().count() <= 150,
        "{} lines",
        text.lines().count()
    );
}

#[test]
fn the_delisting_link_is_near_the_top() {
    let reply = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using \
                 zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1";
    let text = stdout_of(&["explain", reply], Some("80"));
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("delisting") && l.contains("https://"))
        .unwrap_or_else(|| panic!("no delisting line:\n{text}"));
    assert!(line < 20, "delisting link on line {}", line + 1);
}

#[test]
fn files_are_read_as_arguments() {
    let scratch = scratch_dir("files");
    let dir = scratch.path();
    let eml = dir.join("bounce.eml");
    std::fs::write(&eml, two_recipients("a@example.org", "mx.example.org")).unwrap();
    let out = bouncex()
        .args(["explain", "--json"])
        .arg(&eml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["5.1.1", "4.2.2"]);

    // A gzip log and a code in one call: the file first, then the text, in order.
    let log = dir.join("mail.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        b"Jun 10 10:00:00 mx postfix/smtp[1]: 1A2B3C: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n",
    )
    .unwrap();
    std::fs::write(&log, gz.finish().unwrap()).unwrap();
    let out = bouncex()
        .args(["explain", "--json"])
        .arg(&log)
        .arg("4.3.2")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "5.1.1");
    assert_eq!(doc["findings"][0]["input"]["kind"], "log");
    assert_eq!(doc["findings"][1]["code"], "4.3.2");

    // --text reads the name as text, which holds no status.
    bouncex()
        .args(["explain", "--text"])
        .arg(&eml)
        .assert()
        .code(1);
}

#[test]
fn many_findings_from_a_file_suggest_scan() {
    let scratch = scratch_dir("many");
    let dir = scratch.path();
    let log = dir.join("mail.log");
    let line = "Jun 10 10:00:00 mx postfix/smtp[1]: 1A2B3C: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n";
    std::fs::write(&log, line.repeat(30)).unwrap();
    bouncex()
        .arg("explain")
        .arg(&log)
        .assert()
        .success()
        .stderr(predicate::str::contains("bouncex scan"));
}

/// Only Select Graphic Rendition sequences (`ESC [ digits ; m`) may reach the terminal.
fn assert_only_sgr(text: &str, what: &str) {
    let mut rest = text;
    while let Some(i) = rest.find('\u{1b}') {
        let seq = &rest[i + 1..];
        let end = seq
            .char_indices()
            .skip(1)
            .find(|(_, c)| !c.is_ascii_digit() && *c != ';')
            .map(|(j, _)| j);
        assert!(
            seq.starts_with('[') && end.is_some_and(|j| seq[j..].starts_with('m')),
            "{what}: an escape sequence that is not a colour: {:?}",
            &seq[..seq.len().min(20)]
        );
        rest = &seq[1..];
    }
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\u{1b}')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')),
        "{what}: a raw control or invisible character:\n{text}"
    );
}

/// Removes colour sequences, leaving what a terminal shows as text.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn scan_tables_show_hostile_names_escaped_with_any_colour() {
    let eml = two_recipients(
        "a@evil\u{1b}]52;c;cHduZWQ=\u{7}.example.org",
        "evil\u{1b}]0;pwned\u{7}.example.org",
    );
    for color in ["never", "always", "auto"] {
        let out = bouncex()
            .args(["scan", "--color", color])
            .write_stdin(eml.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert_only_sgr(&text, color);
        if color == "never" {
            assert!(!text.contains('\u{1b}'));
        }
        let shown = strip_sgr(&text);
        assert!(
            shown.contains("evil\\x1b]0;pwned\\x07.example.org"),
            "{shown}"
        );
        assert!(shown.contains("\\x1b]52;c;"), "{shown}");
    }
}

#[test]
fn invisible_characters_are_shown_escaped() {
    let reply =
        "550 5.1.1 user\u{200b}name \u{202e}gnp.exe\u{202c} \u{2067}x\u{2069} \u{feff}bom unknown";
    for color in ["never", "always"] {
        let out = bouncex()
            .args(["explain", "--color", color, reply])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_only_sgr(&text, color);
        let shown = strip_sgr(&text);
        for visible in [
            "user\\u{200b}name",
            "\\u{202e}gnp.exe",
            "\\u{2067}x",
            "\\u{feff}bom",
        ] {
            assert!(shown.contains(visible), "{visible} not shown:\n{shown}");
        }
    }
}

#[test]
fn file_names_and_kb_text_in_messages_are_escaped() {
    let out = bouncex()
        .args(["kb", "check", "missing\u{1b}]0;x\u{7}.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("missing\\x1b]0;x\\x07.toml"), "{err}");
    assert_eq!(err.lines().count(), 1);
    // scan reports an unreadable input and goes on: the name is escaped there too.
    let out = bouncex()
        .args(["scan", "missing\u{1b}]0;x\u{7}.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("bouncex: cannot read missing\\x1b]0;x\\x07.log"),
        "{err}"
    );

    let scratch = scratch_dir("kbtext");
    let dir = scratch.path();
    let kb = dir.join("local.toml");
    std::fs::write(
        &kb,
        // TOML escapes, so the loaded texts hold raw ESC, BEL and RLO characters.
        r#"[meta]
version = "1\u001b]0;v\u0007"

[[code]]
code = "4.3.2"
title = "Paused\u001b]0;t\u0007 relay"
summary = "Local \u202emeaning."
bounce = "soft"
severity = "low"
reason = "notaccept"
action = "retry"
sources = ["RFC 3463"]
checked = "2026-12-06"
"#,
    )
    .unwrap();
    let out = bouncex().args(["kb", "check"]).arg(&kb).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_only_sgr(&text, "kb check");
    assert!(text.contains("1\\x1b]0;v\\x07"), "{text}");
    for args in [
        &["--color", "always", "explain", "4.3.2"][..],
        &["--color", "always", "search", "paused"][..],
        &["--color", "always", "explain", "4.3.1"][..],
    ] {
        let out = bouncex().args(args).arg("--kb").arg(&kb).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_only_sgr(&text, &format!("{args:?}"));
        assert!(
            strip_sgr(&text).contains("Paused\\x1b]0;t\\x07"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn colour_is_whole_and_only_colour() {
    // Stripping the colour leaves exactly the uncoloured output: no sequence was cut by
    // wrapping, and none took up width.
    for args in [
        &["list"][..],
        &["explain", "--full", "5.7.26"][..],
        &["explain", "550 5.7.1 relay access denied"][..],
        &["search", "mailbox", "full"][..],
    ] {
        for columns in ["80", "100", "120"] {
            let plain = stdout_of(&[&["--color", "never"], args].concat(), Some(columns));
            let coloured = stdout_of(&[&["--color", "always"], args].concat(), Some(columns));
            assert!(coloured.contains("\u{1b}["), "{args:?}: no colour");
            assert_only_sgr(&coloured, &format!("{args:?}"));
            assert_eq!(strip_sgr(&coloured), plain, "{args:?} at {columns} columns");
        }
    }
    let verdict = stdout_of(&["--color", "always", "explain", "5.1.1"], Some("80"));
    assert!(verdict.contains("\u{1b}[31") && !verdict.contains("\\x1b"));
    let none = bouncex()
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .args(["explain", "5.1.1"])
        .output()
        .unwrap();
    assert!(!none.stdout.contains(&0x1b));
}

#[test]
fn search_ranks_wording_first_and_says_when_nothing_matches() {
    let out = bouncex()
        .args(["search", "--json", "relay", "access", "denied"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let top: Vec<&str> = doc["codes"].as_array().unwrap()[..3]
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        top.iter().any(|c| c.ends_with(".7.1")),
        "no X.7.1 in the top three: {top:?}"
    );
    bouncex()
        .args(["search", "zzyzx", "qwxv"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::starts_with("bouncex: no code")
                .and(predicate::str::contains('┌').not()),
        );
    bouncex()
        .args(["list", "--subject", "99"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with("bouncex: "));
}

#[test]
fn list_shows_basic_codes_and_never_breaks_a_word() {
    // Every word the table may show, from the same rows in JSON: a cell holding anything
    // else holds a broken word.
    let doc: serde_json::Value =
        serde_json::from_slice(&bouncex().args(["list", "--json"]).output().unwrap().stdout)
            .unwrap();
    let mut words = std::collections::HashSet::new();
    for row in doc["codes"].as_array().unwrap() {
        for key in ["code", "title", "bounce", "reason", "action", "provider"] {
            words.extend(row[key].as_str().unwrap_or("").split_whitespace());
        }
    }
    // Six columns where they fit; at 80 columns bounce, reason and action share a cell.
    for (columns, header) in [
        (
            "120",
            &["code", "title", "bounce", "reason", "action", "provider"][..],
        ),
        ("80", &["code", "title", "verdict", "provider"][..]),
    ] {
        let text = stdout_of(&["--color", "never", "list"], Some(columns));
        assert!(
            widest(&text) <= columns.parse().unwrap(),
            "wider than {columns} columns"
        );
        let mut basic = false;
        for line in text.lines().filter(|l| l.starts_with('│')) {
            let cells: Vec<&str> = line.trim_matches('│').split('┆').map(str::trim).collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            if cells == header {
                continue;
            }
            basic |= cells[0] == "550";
            for word in cells.iter().flat_map(|c| c.split_whitespace()) {
                assert!(
                    words.contains(word),
                    "{word:?} is not a whole word at {columns} columns: {line}"
                );
            }
        }
        assert!(basic, "550 not listed at {columns} columns");
    }
    let search = stdout_of(&["search", "relay", "access", "denied"], Some("80"));
    assert!(widest(&search) <= 80, "search wider than 80:\n{search}");
    bouncex()
        .args(["list", "--no-basic"])
        .assert()
        .success()
        .stdout(predicate::str::contains("│ 550 ").not());
}

#[test]
fn man_page_documents_commands_status_and_environment() {
    let man = stdout_of(&["man"], None);
    for section in [
        ".SH EXIT STATUS",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH EXAMPLES\n.nf\n",
        ".SS list",
        "\\-\\-class",
        "\\-\\-subject",
        "\\-\\-full",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "BOUNCEX_KB",
        "COLUMNS",
        ".ad l",
    ] {
        assert!(
            man.contains(section),
            "{section:?} missing from the man page"
        );
    }
    assert!(
        !man.contains("bouncex\\-explain(1)"),
        "points to unshipped pages"
    );
}

#[test]
fn usage_errors_are_one_line() {
    let out = bouncex().args(["search", "--frob"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("bouncex: unexpected argument '--frob'"),
        "{err}"
    );
    let out = bouncex().args(["--json", "kb", "check"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
}

/// Runs `command` in a detached tmux session `cols` wide and returns the screen, with
/// colour sequences when `escapes`. `None` when tmux is not installed.
fn tmux_screen(name: &str, cols: u16, command: &str, escapes: bool) -> Option<String> {
    tmux_run(name, cols, command, escapes).map(|(screen, _)| screen)
}

/// `tmux_screen`, and the pane's title as the terminal took it from the output (an OSC 0
/// sequence that got through would set it).
fn tmux_run(name: &str, cols: u16, command: &str, escapes: bool) -> Option<(String, String)> {
    let tmux = |args: &[&str]| std::process::Command::new("tmux").args(args).output();
    let probe = tmux(&["-V"]).ok()?;
    if !probe.status.success() {
        return None;
    }
    let session = format!("bouncex-{name}-{}", std::process::id());
    let socket = format!("bouncex-test-{name}-{}", std::process::id());
    let cols = cols.to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["-L", socket.as_str()];
        all.extend_from_slice(args);
        tmux(&all).unwrap()
    };
    // The pane runs the command, then waits, so the screen can be read.
    let shell = format!(
        "TERM=xterm-256color; export TERM; unset NO_COLOR CLICOLOR_FORCE COLUMNS; {command}; echo __done__; sleep 30"
    );
    let started = run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        &cols,
        "-y",
        "200",
        "sh",
        "-c",
        &shell,
    ]);
    assert!(started.status.success(), "tmux: {started:?}");
    let mut screen = String::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut args = vec!["capture-pane", "-p", "-t", session.as_str()];
        if escapes {
            args.push("-e");
        }
        screen = String::from_utf8_lossy(&run(&args).stdout).into_owned();
        if screen.contains("__done__") {
            break;
        }
    }
    let title = run(&["display-message", "-p", "-t", &session, "#{pane_title}"]);
    run(&["kill-server"]);
    Some((screen, String::from_utf8_lossy(&title.stdout).into_owned()))
}

#[test]
fn in_a_real_terminal() {
    let bin = env!("CARGO_BIN_EXE_bouncex");
    let Some(screen) = tmux_screen("plain", 80, &format!("'{bin}' explain 5.1.1"), true) else {
        eprintln!("tmux is not installed: the terminal test did not run");
        return;
    };
    assert!(screen.contains("hard bounce (permanent)"), "{screen}");
    assert!(
        screen.contains("\u{1b}["),
        "no colour on a terminal:\n{screen}"
    );
    let text = tmux_screen("text", 80, &format!("'{bin}' explain 5.1.1"), false).unwrap();
    assert!(!text.contains("\\x1b") && !text.contains("[0m"), "{text}");
    assert!(widest(&text) <= 80);

    let reply = tmux_screen(
        "reply",
        200,
        &format!(
            "'{bin}' --color always explain 5.7.26; '{bin}' explain '550 5.7.1 Relay access denied'"
        ),
        false,
    )
    .unwrap();
    assert!(
        !reply.contains("\\x1b") && !reply.contains("[0m"),
        "{reply}"
    );
    assert!(widest(&reply) <= 100, "lines wider than 100 at 200 columns");
    let coloured = tmux_screen(
        "always",
        80,
        &format!("'{bin}' --color always explain 5.7.26 | head -n 20"),
        true,
    )
    .unwrap();
    assert!(
        coloured.contains("\u{1b}[") && coloured.contains("5.7.26"),
        "no colour with --color always:\n{coloured}"
    );

    // A bounce whose Remote-MTA sets the window title: scan shows the sequence escaped,
    // and the title stays the terminal's own.
    let scratch = scratch_dir("tmux");
    let dir = scratch.path();
    let eml = dir.join("osc.eml");
    std::fs::write(
        &eml,
        two_recipients("a@example.org", "evil\u{1b}]0;pwned\u{7}.example.org"),
    )
    .unwrap();
    let (scan, title) = tmux_run(
        "scan",
        80,
        &format!("'{bin}' scan '{}'", eml.display()),
        false,
    )
    .unwrap();
    assert!(
        scan.contains("evil\\x1b]0;pwned\\x07.example.org"),
        "{scan}"
    );
    assert!(!title.contains("pwned"), "the title was set: {title}");

    let piped = tmux_screen("pipe", 80, &format!("'{bin}' explain 5.1.1 | cat"), true).unwrap();
    assert!(!piped.contains("\u{1b}[3"), "colour in a pipe:\n{piped}");
    let no_color = tmux_screen(
        "nocolor",
        80,
        &format!("NO_COLOR=1 '{bin}' explain 5.1.1"),
        true,
    )
    .unwrap();
    assert!(
        !no_color.contains("\u{1b}[3"),
        "colour under NO_COLOR:\n{no_color}"
    );

    // Standard input on the terminal: a hint on stderr, not a silent wait.
    // Each names only a way of giving the input that the command has.
    let waiting = tmux_screen(
        "stdin",
        80,
        &format!("for c in explain scan classify; do timeout 2 '{bin}' $c; done"),
        false,
    )
    .unwrap();
    // The terminal wraps at 80 columns, inside words too: read the screen as one line.
    let waiting = waiting.replace('\n', "");
    let hints: Vec<&str> = waiting
        .split("bouncex: reading ")
        .skip(1)
        .map(|h| h.split("Ctrl-D").nth(1).unwrap_or(""))
        .collect();
    assert_eq!(hints.len(), 3, "{waiting}");
    assert!(hints[0].starts_with(", or give it as arguments: bouncex explain"));
    assert!(hints[1].starts_with(", or name the files: bouncex scan"));
    assert!(!hints[2].starts_with(", or"), "{waiting}");
}

#[test]
fn options_show_only_where_they_apply() {
    // `man` and `completions` print generated files: no output format, colour or knowledge
    // base in their help, while the commands that use them list them.
    for cmd in ["man", "completions"] {
        let help = stdout_of(&[cmd, "--help"], Some("80"));
        for opt in ["--format", "--color", "--kb", "--json"] {
            assert!(!help.contains(opt), "{cmd} --help lists {opt}:\n{help}");
        }
    }
    let help = stdout_of(&["scan", "--help"], Some("80"));
    for opt in ["--format", "--color", "--kb"] {
        assert!(help.contains(opt), "scan --help lacks {opt}:\n{help}");
    }
}
