//! `bouncex explain` over arbitrary bytes up to a megabyte (run with
//! `-max_len=1048576`): decides message or lines as the command does, explains every status
//! and writes both the streamed JSON document and NDJSON. Nothing may panic, the document
//! must be valid JSON with one element per finding, and no line may yield more statuses
//! than the per-line cap.
#![no_main]

use bouncex::explain::explain;
use bouncex::kb::Kb;
use bouncex::recognize::{self, MAX_STATUSES_PER_LINE, Recognizer};
use bouncex::render::json::{FindingsDocument, ndjson_line};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static KB: LazyLock<Kb> = LazyLock::new(Kb::builtin);

fuzz_target!(|data: &[u8]| {
    let statuses = if recognize::is_message(data) {
        recognize::message::recognise_message_noted(data).0
    } else {
        let text = String::from_utf8_lossy(data);
        let mut r = Recognizer::new();
        let mut out = Vec::new();
        for line in text.lines() {
            let before = out.len();
            r.push_line(line, &mut out);
            assert!(out.len() - before <= MAX_STATUSES_PER_LINE + 1);
        }
        out.extend(r.finish(&mut Vec::new()));
        out
    };
    let mut doc_bytes = Vec::new();
    let mut doc = FindingsDocument::begin(&mut doc_bytes).expect("writing to a Vec");
    let mut ndjson = Vec::new();
    let mut count = 0;
    for s in &statuses {
        if let Some(f) = explain(&KB, s) {
            doc.push(&mut doc_bytes, &f).expect("writing to a Vec");
            ndjson_line(&mut ndjson, &f).expect("writing to a Vec");
            count += 1;
        }
    }
    doc.end(&mut doc_bytes).expect("writing to a Vec");
    let parsed: serde_json::Value =
        serde_json::from_slice(&doc_bytes).expect("the streamed document is JSON");
    assert_eq!(parsed["findings"].as_array().map(Vec::len), Some(count));
});
