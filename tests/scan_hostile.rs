//! Reproducers of issue 16 in `scan`'s input: each test is named after what broke. A log
//! truncated while scanned, input arriving a byte at a time, stray bytes, damaged gzip,
//! unreadable files among good ones, over-long lines and out-of-order times.

mod common;
use common::{bouncex, scratch_dir};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn std_cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bouncex"));
    cmd.env_remove("BOUNCEX_KB").env_remove("COLUMNS");
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", stderr(out)))
}

/// A Postfix log of `n` messages: a deferral, then a delivery or a bounce a second later;
/// messages two seconds apart, from June 10.
fn log(n: usize) -> String {
    let at = |t: usize| {
        format!(
            "Jun {:2} {:02}:{:02}:{:02}",
            10 + t / 86_400,
            t / 3600 % 24,
            t / 60 % 60,
            t % 60
        )
    };
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "{} mail postfix/smtp[1]: Q{i:08X}: to=<u{i}@example.org>, \
             relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, \
             status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full \
             (in reply to RCPT TO command))\n",
            at(2 * i)
        ));
        let (dsn, status, reply) = if i % 3 == 0 {
            ("5.1.1", "bounced", "550 5.1.1 User unknown")
        } else {
            ("2.0.0", "sent", "250 2.0.0 Ok")
        };
        out.push_str(&format!(
            "{} mail postfix/smtp[1]: Q{i:08X}: to=<u{i}@example.org>, \
             relay=mx.example.org[198.51.100.1]:25, delay=2, delays=0/0/0/1, dsn={dsn}, \
             status={status} (host mx.example.org[198.51.100.1] said: {reply} (in reply to \
             RCPT TO command))\n",
            at(2 * i + 1)
        ));
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
To: sender@example.com\r\n\
Date: Wed, 10 Jun 2026 11:02:18 +0000\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\
\r\n\
--B1\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
<a@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown\r\n\
--B1\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.com\r\n\
\r\n\
Final-Recipient: rfc822; a@example.org\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Remote-MTA: dns; mx.example.org\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>: Recipient address rejected:\r\n\
 User unknown in virtual mailbox table\r\n\
--B1--\r\n";

/// Runs the binary with `input` on standard input, written `first` bytes first, then the
/// rest after a pause: a slow pipe, whose first read returns those bytes alone.
fn slow_pipe(args: &[&str], input: &[u8], first: usize) -> Output {
    let mut child = std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&input[..first]).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let _ = stdin.write_all(&input[first..]);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn a_gzip_on_a_slow_pipe_gives_the_events_of_the_file() {
    let scratch = scratch_dir("scan-hostile-slow-gzip");
    let dir = scratch.path();
    let gz = dir.join("mail.log.gz");
    std::fs::write(&gz, gzip(log(500).as_bytes())).unwrap();
    let args = ["scan", "--format", "json", "--year", "2026"];
    let from_file = bouncex().args(args).arg(&gz).output().unwrap();
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    let bytes = std::fs::read(&gz).unwrap();
    let piped = slow_pipe(&args, &bytes, 1);
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert_eq!(json(&piped)["events"], 1000);
    assert_eq!(json(&piped), json(&from_file));
}

#[test]
fn an_mbox_on_a_slow_pipe_gives_the_events_of_the_file() {
    let scratch = scratch_dir("scan-hostile-slow-mbox");
    let dir = scratch.path();
    let mbox = format!("From MAILER-DAEMON Wed Jun 10 11:02:18 2026\n{DSN}\nFrom x\n{DSN}");
    let path = dir.join("bounces.mbox");
    std::fs::write(&path, &mbox).unwrap();
    let args = ["scan", "--format", "json", "--year", "2026"];
    let from_file = bouncex().args(args).arg(&path).output().unwrap();
    assert_eq!(json(&from_file)["events"], 2);
    // Messages name no host: a file's are its folder's, standard input's none.
    let mut want = json(&from_file);
    want["hosts"][0]["host"] = serde_json::Value::Null;
    for first in [1, 4] {
        let piped = slow_pipe(&args, mbox.as_bytes(), first);
        assert_eq!(json(&piped), want, "first read of {first} bytes");
    }
}

#[test]
fn a_dsn_fed_slowly_to_explain_gives_the_findings_of_the_file() {
    let scratch = scratch_dir("scan-hostile-slow-dsn");
    let dir = scratch.path();
    let path = dir.join("bounce.eml");
    std::fs::write(&path, DSN).unwrap();
    let args = ["explain", "--format", "json"];
    let from_file = bouncex().args(args).arg(&path).output().unwrap();
    assert_eq!(from_file.status.code(), Some(0));
    let piped = slow_pipe(&args, DSN.as_bytes(), 1);
    assert_eq!(json(&piped), json(&from_file));
    assert_eq!(json(&piped)["findings"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_named_pipe_is_read_once() {
    let scratch = scratch_dir("scan-hostile-fifo");
    let dir = scratch.path();
    let fifo = dir.join("pipe.log");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        println!("skipped: no mkfifo");
        return;
    }
    let text = log(2000);
    let file = dir.join("file.log");
    std::fs::write(&file, &text).unwrap();
    let args = ["scan", "--format", "json", "--year", "2026"];
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let piped = bouncex().args(args).arg(&fifo).output().unwrap();
    writer.join().unwrap();
    let from_file = bouncex().args(args).arg(&file).output().unwrap();
    assert_eq!(json(&piped)["events"], 4000, "{}", stderr(&piped));
    assert_eq!(json(&piped), json(&from_file));
}

#[test]
fn a_latin1_host_name_keeps_the_event() {
    let mut line = b"Jun 10 11:02:18 m".to_vec();
    line.push(0xe9);
    line.extend_from_slice(
        b"il postfix/smtp[4242]: 4B7C21F3A9: to=<a@example.org>, \
relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, \
status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 User unknown (in reply to \
RCPT TO command))\n",
    );
    for how in ["stdin", "file"] {
        let scratch = scratch_dir("scan-hostile-latin1");
        let dir = scratch.path();
        let path = dir.join("mail.log");
        std::fs::write(&path, &line).unwrap();
        let mut cmd = bouncex();
        cmd.args(["scan", "--format", "ndjson"]);
        let out = match how {
            "stdin" => cmd.write_stdin(line.clone()).output().unwrap(),
            _ => cmd.arg(&path).output().unwrap(),
        };
        assert_eq!(out.status.code(), Some(0), "{how}: {}", stderr(&out));
        let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(event["status"], "bounced", "{how}");
        assert_eq!(event["code"], "5.1.1", "{how}");
        assert_eq!(
            event["host"], "m\u{fffd}il",
            "{how}: the stray byte is shown as such"
        );
    }
}

#[test]
fn a_corrupt_file_among_good_ones_still_prints_the_report_and_exits_2() {
    let scratch = scratch_dir("scan-hostile-corrupt");
    let dir = scratch.path();
    let good = dir.join("a.log");
    std::fs::write(&good, log(100)).unwrap();
    let whole = gzip(log(5000).as_bytes());
    let truncated = dir.join("b.log.gz");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let mut damaged = whole.clone();
    let middle = damaged.len() / 2;
    damaged[middle..middle + 64].fill(0xa5);
    let damaged_path = dir.join("c.log.gz");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .args([&good, &truncated, &damaged_path])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "one line per damaged file: {err}");
    assert!(
        lines[0].contains("b.log.gz after line") && lines[0].contains("compressed byte"),
        "{err}"
    );
    assert!(
        lines[1].contains("c.log.gz") && lines[1].contains("compressed byte"),
        "{err}"
    );
    let report = json(&out);
    let events = report["events"].as_u64().unwrap();
    assert!(
        events > 200 && events < 200 + 2 * 10_000,
        "the good file and what came before the damage are counted: {events}"
    );

    // ndjson: every event read before the damage is written.
    let out = bouncex()
        .args(["scan", "--format", "ndjson"])
        .args([&truncated, &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let written = out.stdout.iter().filter(|&&b| b == b'\n').count();
    assert!(written > 200, "{written} events");
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_in_a_maildir_is_reported_and_the_rest_scanned() {
    let scratch = scratch_dir("scan-hostile-maildir");
    let dir = scratch.path();
    let cur = dir.join("cur");
    std::fs::create_dir_all(&cur).unwrap();
    std::fs::write(cur.join("1.eml"), DSN).unwrap();
    std::fs::write(cur.join("3.eml"), DSN).unwrap();
    // Opens, then fails on the first read (EIO), even for root.
    std::os::unix::fs::symlink("/proc/self/mem", cur.join("2.eml")).unwrap();
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("2.eml") && err.contains("cannot read"),
        "{err}"
    );
    assert_eq!(json(&out)["events"], 2);
}

#[test]
fn a_gzip_with_trailing_zeros_reads_as_gzip_d_reads_it() {
    let scratch = scratch_dir("scan-hostile-padding");
    let dir = scratch.path();
    let text = log(300);
    let plain = dir.join("mail.log");
    std::fs::write(&plain, &text).unwrap();
    let mut padded = gzip(text.as_bytes());
    padded.extend(std::iter::repeat_n(0, 10_000));
    let padded_path = dir.join("padded.log.gz");
    std::fs::write(&padded_path, &padded).unwrap();
    let args = ["scan", "--format", "json", "--year", "2026"];
    let out = bouncex().args(args).arg(&padded_path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "gzip -d ignores zero padding quietly");
    let from_plain = bouncex().args(args).arg(&plain).output().unwrap();
    assert_eq!(json(&out), json(&from_plain));

    // Other bytes after the data: every line is read, and the rest is reported.
    let mut garbage = gzip(text.as_bytes());
    let at = garbage.len();
    garbage.extend(b"not gzip\n");
    let garbage_path = dir.join("garbage.log.gz");
    std::fs::write(&garbage_path, &garbage).unwrap();
    let out = bouncex().args(args).arg(&garbage_path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("compressed byte {at}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(json(&out), json(&from_plain));
}

#[test]
fn an_mbox_zero_bomb_is_cut_to_its_first_mebibyte() {
    // The bomb is 1 GB of zeros on one line; 8 MiB crosses the same caps.
    let mut mbox = b"From x\n".to_vec();
    mbox.extend(std::iter::repeat_n(0u8, 8 << 20));
    let bomb = gzip(&mbox);
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .write_stdin(bomb)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json(&out)["events"], 0);
    assert_eq!(
        stderr(&out).trim(),
        "bouncex: standard input: line 2 is longer than 1 MiB; only its start was read"
    );

    // A bounce after the bomb is still read.
    let mut mbox = b"From x\nSubject: zeros\n\n".to_vec();
    mbox.extend(std::iter::repeat_n(0u8, 8 << 20));
    mbox.extend(format!("\n\nFrom y\n{DSN}").as_bytes());
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .write_stdin(gzip(&mbox))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["events"], 1);
    assert!(
        stderr(&out).contains("line 4 is longer than 1 MiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_line_over_a_mebibyte_reads_the_same_from_a_file_and_from_stdin() {
    let scratch = scratch_dir("scan-hostile-long-line");
    let dir = scratch.path();
    let mut text = log(10);
    // A delivery line whose reply runs on for 3 MiB: cut, it is still an event.
    let long = log(1).lines().nth(1).unwrap().replace("Q00000000", "QLONG");
    text.push_str(&long.replace("(in reply", &"x".repeat(3 << 20)));
    text.push('\n');
    text.push_str(&log(20)[log(10).len()..]);
    let path = dir.join("mail.log");
    std::fs::write(&path, &text).unwrap();
    let args = ["scan", "--format", "json", "--year", "2026"];
    let from_file = bouncex().args(args).arg(&path).output().unwrap();
    let from_stdin = bouncex()
        .args(args)
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert_eq!(json(&from_file), json(&from_stdin));
    assert_eq!(json(&from_file)["lines"], 41);
    assert_eq!(json(&from_file)["events"], 41);
    for (out, name) in [
        (&from_file, path.display().to_string()),
        (&from_stdin, "standard input".into()),
    ] {
        assert_eq!(
            stderr(out).trim(),
            format!("bouncex: {name}: line 21 is longer than 1 MiB; only its start was read")
        );
    }
}

#[test]
fn times_that_go_backwards_count_as_zero_and_are_said() {
    let text = "\
Jun 10 10:01:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[198.51.100.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Jun 10 10:00:00 mail postfix/smtp[1]: AAAAA11111: to=<a@example.org>, relay=mx.example.org[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
";
    let out = bouncex()
        .args(["scan", "--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let delays = &json(&out)["deferrals"]["time_to_delivery_s"];
    assert_eq!(delays["median"], 0.0);
    assert_eq!(delays["max"], 0.0);
    assert!(
        stderr(&out).contains("1 deliveries are logged before their first deferral"),
        "{}",
        stderr(&out)
    );
}

/// The position of the file descriptor of `pid` open on `path`, from /proc (Linux).
#[cfg(target_os = "linux")]
fn read_position(pid: u32, path: &Path) -> Option<u64> {
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        if std::fs::read_link(fd.path()).ok().as_deref() == Some(path) {
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .ok()?;
            let pos = info.lines().find(|l| l.starts_with("pos:"))?;
            return pos["pos:".len()..].trim().parse().ok();
        }
    }
    None
}

#[cfg(target_os = "linux")]
#[test]
fn truncation_during_scan_ends_it_early_without_a_signal() {
    use std::os::unix::process::ExitStatusExt;
    let scratch = scratch_dir("scan-hostile-truncate");
    let dir = scratch.path();
    let path = dir.join("mail.log");
    std::fs::write(&path, log(30_000)).unwrap();
    let path = path.canonicalize().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let child = std_cmd()
        .args(["scan", "--format", "json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Truncate as logrotate's copytruncate does, once the scan has started reading (or
    // after a while: a mapped file is read without moving the position).
    let mut started = false;
    for _ in 0..200 {
        if read_position(child.id(), &path).is_some_and(|p| p > 0 && p < size / 2) {
            started = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.signal(),
        None,
        "killed by a signal: {:?}",
        out.status
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let report = json(&out);
    if started {
        assert!(
            stderr(&out).contains("the file shrank while it was read"),
            "{}",
            stderr(&out)
        );
        assert!(report["lines"].as_u64().unwrap() < 60_000);
    } else {
        println!("the scan ended before the file was truncated");
    }
}
