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

/// One finding per line, for streams.
pub fn ndjson_line<T: Serialize>(out: &mut dyn Write, item: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, item)?;
    writeln!(out)
}
