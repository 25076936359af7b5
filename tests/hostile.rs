//! Hostile input through the real binary: megabytes of noise, endless lines, MIME nested
//! or broken, terminal escapes, and a 100 MB stream that must go through in bounded memory.

mod common;
use common::{bouncex, explain_stdin};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tiny deterministic generator (xorshift64*), so every run sees the same noise.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

const REPLY: &str = "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown";

/// Asserts a run ended as `explain` may end on any input: found something (0) or nothing
/// (1), never a panic or a usage error.
fn assert_survived(out: &std::process::Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{what}: panicked: {stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{what}: exit {:?}: {stderr}",
        out.status
    );
}

fn codes_in(out: &std::process::Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn four_megabytes_of_noise_around_one_reply() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut input = vec![0u8; 2 << 20];
    rng.fill(&mut input);
    input.extend_from_slice(format!("\n{REPLY}\n").as_bytes());
    let mut tail = vec![0u8; 2 << 20];
    rng.fill(&mut tail);
    input.extend_from_slice(&tail);

    let started = Instant::now();
    let out = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(input)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let took = started.elapsed();
    println!("4 MB of noise: {took:.2?}, exit {:?}", out.status.code());
    assert_survived(&out, "4 MB of noise");
    assert!(
        codes_in(&out).iter().any(|c| c == "5.1.1"),
        "the reply in the noise was not found"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_megabyte_long_line() {
    // One line of 2 MB of words, then a reply on the next line: the long line is cut, the
    // reply after it still found.
    let mut input = String::with_capacity(2 << 20);
    input.push_str("551 5.1.6 ");
    while input.len() < 2 << 20 {
        input.push_str("moved away ");
    }
    input.push('\n');
    input.push_str("451 4.3.2 System not accepting network messages\n");
    let started = Instant::now();
    let out = bouncex()
        .args(["explain", "--format", "json"])
        .write_stdin(input)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    println!("2 MB line: {:.2?}", started.elapsed());
    assert_survived(&out, "2 MB line");
    assert_eq!(codes_in(&out), ["5.1.6", "4.3.2"]);

    // A megabyte of one character without spaces, in text format.
    let mut input = "x".repeat(1 << 20);
    input.push_str(" 4.2.2\n");
    let out = bouncex()
        .args(["explain"])
        .write_stdin(input)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_survived(&out, "1 MB word");
}

/// A bounce whose failure report sits at the bottom of `depth` nested multiparts.
fn nested_mime(depth: usize) -> String {
    let mut s = String::from(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
         To: sender@example.com\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    for level in 1..depth {
        s.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n",
            level - 1
        ));
    }
    s.push_str(&format!(
        "--b{}\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.org\r\n\r\n\
         Final-Recipient: rfc822; a@example.org\r\n\
         Action: failed\r\n\
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; {REPLY}\r\n\r\n",
        depth - 1
    ));
    for level in (0..depth).rev() {
        s.push_str(&format!("--b{level}--\r\n"));
    }
    s
}

/// A message nested `depth` times as message/rfc822 attachments.
fn nested_rfc822(depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..depth {
        s.push_str(
            "From: MAILER-DAEMON@example.net\r\nSubject: Returned mail\r\n\
             Content-Type: message/rfc822\r\n\r\n",
        );
    }
    s.push_str("From: a@example.org\r\nSubject: x\r\n\r\n");
    s.push_str(REPLY);
    s.push_str("\r\n");
    s
}

const MALFORMED: &[&[u8]] = &[
    // The boundary is declared but never used, or never closed.
    b"From: MAILER-DAEMON@example.net\r\nSubject: Undeliverable\r\n\
     Content-Type: multipart/report; report-type=delivery-status; boundary=\"NEVER\"\r\n\r\n\
     Status: 5.1.1\r\nAction: failed\r\nFinal-Recipient: rfc822; a@example.org\r\n",
    b"From: MAILER-DAEMON@example.net\r\nSubject: Undeliverable\r\n\
     Content-Type: multipart/report; boundary=\"B\"\r\n\r\n--B\r\n\
     Content-Type: message/delivery-status\r\n\r\nStatus: 4.4.7\r\nAction: delayed\r\n",
    // An empty boundary, and a boundary parameter without a value.
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n\
     Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\n550 5.1.1 gone\r\n----\r\n",
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n\
     Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n550 5.1.1 gone\r\n",
    // Base64 that is not base64, and base64 cut in the middle.
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n\
     Content-Type: multipart/report; boundary=B\r\n\r\n--B\r\n\
     Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n\
     !!!@@@###$$$%%%^^^&&&***((()))\r\n====\r\n--B--\r\n",
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n\
     Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n\
     NTUwIDUuMS4xIFVzZXIgdW5rbm93bg=\r\nNTUw",
    // Quoted-printable with broken escapes and a soft break at the very end.
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n\
     Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
     550 5.1.1 =ZZ=4=\r\n=",
    // Headers only, a header folded forever, an unknown charset, encoded words gone wrong.
    b"From: MAILER-DAEMON@example.net\r\nSubject: x\r\n",
    b"From: MAILER-DAEMON@example.net\r\nSubject: =?x-unknown?Q?=ZZ?= =?utf-8?B?!!!?=\r\n\
     Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n\xff\xfe 451 4.3.2 later\r\n",
    b"Received: from a\r\n by b\r\n by c\r\n\tby d\r\nFrom: x\r\n\r\n",
];

#[test]
fn deeply_nested_and_malformed_mime() {
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("multipart nested 200 deep".into(), nested_mime(200).into()),
        (
            "message/rfc822 nested 200 deep".into(),
            nested_rfc822(200).into(),
        ),
        (
            "multipart nested 2000 deep".into(),
            nested_mime(2000).into(),
        ),
    ];
    let folded = format!(
        "From: MAILER-DAEMON@example.net\r\nSubject: x{}\r\n\r\n{REPLY}\r\n",
        "\r\n y".repeat(100_000)
    );
    cases.push(("a header folded 100 000 times".into(), folded.into()));
    for (i, m) in MALFORMED.iter().enumerate() {
        cases.push((format!("malformed #{i}"), m.to_vec()));
    }
    for (what, input) in cases {
        let started = Instant::now();
        let out = bouncex()
            .args(["explain", "--format", "json"])
            .write_stdin(input)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        println!(
            "{what}: exit {:?} in {:.2?}",
            out.status.code(),
            started.elapsed()
        );
        assert_survived(&out, &what);
        if out.status.code() == Some(0) {
            codes_in(&out);
        }
    }
    // Nesting within reason does not hide the report (past 16 levels, MIME parsing stops
    // by design: see MAX_DEPTH in src/recognize/message/mime.rs).
    let out = explain_stdin(nested_mime(10));
    assert_eq!(codes_in(&out), ["5.1.1"], "nested 10 deep");
}

/// Escape sequences, C1 controls and bidi overrides a remote server could put in a reply.
const EVIL: &str = "550 5.1.1 \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m \
                    \u{9b}31m csi \u{85}nel \u{202e}evil\u{202c} \u{2066}iso\u{2069} \
                    bell\u{7} bs\u{8} cr\r del\u{7f} end";

fn assert_escaped(stdout: &[u8], what: &str) {
    let text = String::from_utf8(stdout.to_vec()).expect("UTF-8 output");
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if let Some(c) = text.chars().find(|&c| unsafe_char(c)) {
        panic!("{what}: raw {c:?} in output:\n{text}");
    }
    for visible in ["\\x1b]0;pwned\\x07", "\\x9b31m", "\\u{202e}evil", "\\x7f"] {
        assert!(
            text.contains(visible),
            "{what}: {visible} not shown in:\n{text}"
        );
    }
}

#[test]
fn escapes_in_a_reply_are_made_visible() {
    let out = bouncex().args(["explain", EVIL]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_escaped(&out.stdout, "argument");

    let out = bouncex()
        .args(["explain", "--color", "always"])
        .write_stdin(format!("{EVIL}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // With colour on, the only escapes are bouncex's own SGR colour codes.
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("\u{1b}]") && !text.contains("\u{1b}[2J") && !text.contains('\u{9b}'));
    assert!(!text.contains('\u{7}') && !text.contains('\u{202e}'));

    // The same in a bounce message's diagnostic.
    let message = format!(
        "From: MAILER-DAEMON@example.net\r\nSubject: Undelivered\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\n\
         Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; {}\r\n--B--\r\n",
        EVIL.replace('\r', "")
    );
    let out = bouncex()
        .args(["explain"])
        .write_stdin(message)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_escaped(&out.stdout, "bounce message");
}

/// The largest resident set of a process so far, from /proc (Linux).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const STREAM_BYTES: usize = 100 << 20;

/// Writes 100 MB of replies and log lines, a chunk at a time.
fn feed(mut stdin: impl Write) -> usize {
    const LINES: &[&str] = &[
        "550 5.1.1 <user{n}@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
        "451 4.3.2 System not accepting network messages",
        "Jun 10 11:04:41 mail postfix/smtp[8850]: A1B2C{n}: to=<u{n}@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=12, delays=0.1/0/11/0.9, dsn=4.2.2, status=deferred (host mx.example.com[198.51.100.30] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))",
        "421-4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to unexpected volume",
        "421 4.7.0 or user complaints - 4.16.55.1; see https://support.google.com/mail/answer/188131 - gsmtp",
        "5.7.26",
    ];
    let mut written = 0;
    let mut n = 0u64;
    let mut chunk = String::with_capacity(1 << 16);
    while written < STREAM_BYTES {
        chunk.clear();
        while chunk.len() < 60_000 {
            let line = LINES[(n % LINES.len() as u64) as usize];
            chunk.push_str(&line.replace("{n}", &n.to_string()));
            chunk.push('\n');
            n += 1;
        }
        if stdin.write_all(chunk.as_bytes()).is_err() {
            break;
        }
        written += chunk.len();
    }
    written
}

#[test]
#[ignore = "slow: run with --ignored --release"]
fn a_hundred_megabytes_stream_in_bounded_memory() {
    let time_v = std::path::Path::new("/usr/bin/time").exists();
    let proc_fs = std::path::Path::new("/proc/self/status").exists();
    if !time_v && !proc_fs {
        println!("skipped: neither /usr/bin/time nor /proc to measure peak memory");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_bouncex");
    let mut cmd = if time_v {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-v", bin]);
        c
    } else {
        Command::new(bin)
    };
    for var in [
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "TERM",
        "COLUMNS",
        "BOUNCEX_KB",
    ] {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let mut child = cmd
        .args(["explain", "--format", "ndjson"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || feed(std::io::BufWriter::new(stdin)));
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut lines = 0u64;
        let mut bytes = 0u64;
        let mut r = BufReader::with_capacity(1 << 20, stdout);
        let mut buf = Vec::new();
        while r.read_until(b'\n', &mut buf).unwrap() > 0 {
            lines += 1;
            bytes += buf.len() as u64;
            buf.clear();
        }
        (lines, bytes)
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    // Without /usr/bin/time, watch the child's high-water mark while it runs.
    let pid = child.id();
    let mut hwm_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if !time_v && let Some(k) = vm_hwm_kib(pid) {
            hwm_kib = hwm_kib.max(k);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let written = writer.join().unwrap();
    let (lines, out_bytes) = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    let took = started.elapsed();
    if time_v {
        hwm_kib = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
            .expect("/usr/bin/time -v reports the maximum resident set size");
    }
    println!(
        "100 MB stream: {} MB in, {lines} findings ({} MB) out in {took:.2?}; peak RSS {} KiB ({})",
        written >> 20,
        out_bytes >> 20,
        hwm_kib,
        if time_v { "/usr/bin/time -v" } else { "VmHWM" }
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(written >= STREAM_BYTES);
    assert!(lines > 500_000, "only {lines} findings");
    assert!(
        hwm_kib <= 64 * 1024,
        "peak RSS {hwm_kib} KiB is over 64 MiB"
    );
}
