//! Feeds arbitrary bytes through every recogniser, the explainer and both renderers, as
//! `bouncex explain` would: none of them may panic, and the plain-text rendering (colour
//! off) may never carry a raw escape character from the input.
#![no_main]

use bouncex::code::find_enhanced;
use bouncex::explain::{Finding, explain};
use bouncex::kb::Kb;
use bouncex::recognize::{self, Status, log, message};
use bouncex::render::text::TextOptions;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static KB: LazyLock<Kb> = LazyLock::new(Kb::builtin);

fn explain_all(statuses: &[Status], findings: &mut Vec<Finding>) {
    findings.extend(statuses.iter().filter_map(|s| explain(&KB, s)));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    for loc in find_enhanced(&text) {
        assert!(text[loc.start..loc.end].parse::<bouncex::code::EnhancedCode>() == Ok(loc.code));
    }

    for line in text.lines() {
        if let Some(rec) = log::parse(line) {
            let _ = log::to_status(&rec, 1, line);
        }
    }

    let _ = recognize::is_message(data);
    let (mut statuses, rest) = recognize::recognise(&text);
    statuses.extend(rest);
    statuses.extend(message::recognise_message(data));

    let mut findings = Vec::new();
    explain_all(&statuses, &mut findings);

    let mut out = Vec::new();
    bouncex::render::text::findings(
        &mut out,
        &findings,
        TextOptions {
            color: false,
            width: 80,
            full: true,
        },
    )
    .expect("writing to a Vec cannot fail");
    assert!(
        !out.contains(&0x1b),
        "raw ESC in the text rendering of {:?}",
        String::from_utf8_lossy(&out)
    );
    out.clear();
    bouncex::render::json::findings(&mut out, &findings).expect("writing to a Vec cannot fail");
});
