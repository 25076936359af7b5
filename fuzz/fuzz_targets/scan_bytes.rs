//! `bouncex scan` over arbitrary bytes up to a megabyte (run with `-max_len=1048576`): the
//! bytes as they come (their format sniffed as `scan` sniffs it), gzip-compressed, as the
//! body of an mbox and as the body of a message. Nothing may panic, and a reader that
//! returns one byte per read at first, then reads of odd sizes, must give the same report,
//! events and notices as one that returns everything at once.
#![no_main]

use bouncex::kb::Kb;
use bouncex::scan::input::{self, Notice};
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read, Write};
use std::sync::LazyLock;

static KB: LazyLock<Kb> = LazyLock::new(Kb::builtin);

/// One byte per read for the bytes that decide the format, then reads of odd sizes.
struct Trickle<'a> {
    data: &'a [u8],
    read: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = if self.read < 2 * input::SNIFF {
            1
        } else {
            1 + self.read % 65_521
        };
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.read += n;
        Ok(n)
    }
}

fn scan(reader: impl Read + Send) -> (String, Vec<String>, Vec<Notice>) {
    let (report, events, notices) = input::scan_alone(reader, &KB, 2026);
    (
        serde_json::to_string(&report).expect("the report serialises"),
        events
            .iter()
            .map(|e| serde_json::to_string(e).expect("an event serialises"))
            .collect(),
        notices,
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("writing to a Vec");
    e.finish().expect("writing to a Vec")
}

fuzz_target!(|data: &[u8]| {
    let gz = gzip(data);
    let mbox = [b"From x\n".as_slice(), data].concat();
    let message = [
        b"From: MAILER-DAEMON@example.org\nSubject: failure notice\n\n".as_slice(),
        data,
    ]
    .concat();
    for input in [data, &gz, &mbox, &message] {
        let whole = scan(input);
        let trickled = scan(Trickle { data: input, read: 0 });
        assert_eq!(whole, trickled, "the answer depends on how the bytes arrive");
    }
});
