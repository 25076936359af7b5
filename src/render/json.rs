//! JSON and NDJSON: the contract scripts rely on (`"bouncex": "1"`; see README).

use crate::explain::Finding;
use serde::Serialize;
use std::io::{self, Write};

/// The schema version. Additions keep it; removals and renames bump it.
pub const SCHEMA: &str = "1";

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    bouncex: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// Writes `{"bouncex": "1", ...body}` and a newline.
pub fn document<T: Serialize>(out: &mut dyn Write, body: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Envelope {
            bouncex: SCHEMA,
            body,
        },
    )?;
    writeln!(out)
}

#[derive(Serialize)]
struct Findings<'a> {
    findings: &'a [Finding],
}

pub fn findings(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    document(out, &Findings { findings })
}

/// Writes the same document as [`findings`], one finding at a time as they come, so a
/// long input never holds more than one finding in memory.
pub struct FindingsDocument {
    written: usize,
    buf: Vec<u8>,
}

impl FindingsDocument {
    /// Writes the document's head.
    pub fn begin(out: &mut dyn Write) -> io::Result<FindingsDocument> {
        write!(out, "{{\n  \"bouncex\": \"{SCHEMA}\",\n  \"findings\": [")?;
        Ok(FindingsDocument {
            written: 0,
            buf: Vec::new(),
        })
    }

    /// Writes one element of the array, indented as the whole document would indent it.
    pub fn push(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, finding)?;
        out.write_all(if self.written == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        // JSON strings escape their line breaks, so every newline here is the layout's.
        for (i, piece) in self.buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n    ")?;
            }
            out.write_all(piece)?;
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the array and the document.
    pub fn end(self, out: &mut dyn Write) -> io::Result<()> {
        if self.written > 0 {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"]\n}\n")
    }
}

/// One finding per line, for streams.
pub fn ndjson_line<T: Serialize>(out: &mut dyn Write, item: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, item)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_document_is_the_whole_one() {
        let kb = crate::kb::Kb::builtin();
        let (statuses, _) = crate::recognize::recognise(
            "550 5.1.1 User unknown\n451 4.3.2 \"quoted\"\ttab\\ and \\n text",
        );
        let all: Vec<Finding> = statuses
            .iter()
            .filter_map(|s| crate::explain::explain(&kb, s))
            .collect();
        for n in 0..=all.len() {
            let mut whole = Vec::new();
            findings(&mut whole, &all[..n]).unwrap();
            let mut streamed = Vec::new();
            let mut doc = FindingsDocument::begin(&mut streamed).unwrap();
            for f in &all[..n] {
                doc.push(&mut streamed, f).unwrap();
            }
            doc.end(&mut streamed).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }
}
