//! What each visible eval file gives (code, reason, recipient per finding), recorded in
//! `tests/regression/eval-findings.tsv`, so that a change shows which files it moved. The
//! eval files live in `../shared`; without it the test skips itself. Update the table on
//! purpose (`BOUNCEX_BLESS=1 cargo test --test eval_regression`), never to hide a
//! regression.

use bouncex::explain::explain;
use bouncex::kb::Kb;
use bouncex::recognize::recognise_input;
use std::path::{Path, PathBuf};

const TABLE: &str = "tests/regression/eval-findings.tsv";

fn eval_files(shared: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut add = |dir: PathBuf, label: &str| {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                files.push((format!("{label}/{name}"), e.path()));
            }
        }
    };
    add(shared.join("eval/sisimai/emails"), "sisimai");
    if let Ok(corpora) = std::fs::read_dir(shared.join("eval/external")) {
        for c in corpora.flatten() {
            let label = format!("external/{}", c.file_name().to_string_lossy());
            add(c.path().join("emails"), &label);
        }
    }
    files.sort();
    files
}

fn describe(kb: &Kb, raw: &[u8]) -> String {
    let findings: Vec<String> = recognise_input(raw)
        .iter()
        .filter_map(|s| explain(kb, s))
        .map(|f| {
            format!(
                "{} {} {}",
                f.code.as_deref().unwrap_or("-"),
                f.reason,
                f.recipient.as_deref().unwrap_or("-").to_ascii_lowercase()
            )
        })
        .collect();
    if findings.is_empty() {
        "(none)".into()
    } else {
        findings.join(" | ")
    }
}

#[test]
fn eval_files_give_the_recorded_findings() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.join("eval").is_dir() {
        eprintln!("skipped: ../shared/eval not found");
        return;
    }
    let kb = Kb::builtin();
    let mut now = String::new();
    for (label, path) in eval_files(&shared) {
        let raw = std::fs::read(&path).expect("eval file is readable");
        now.push_str(&format!("{label}\t{}\n", describe(&kb, &raw)));
    }
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    if std::env::var_os("BOUNCEX_BLESS").is_some() {
        std::fs::write(&table, &now).expect("table is writable");
        return;
    }
    let recorded = std::fs::read_to_string(&table).unwrap_or_default();
    let old: std::collections::HashMap<&str, &str> = recorded
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let moved: Vec<String> = now
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(file, got)| old.get(file) != Some(got))
        .map(|(file, got)| {
            format!(
                "{file}\n  was: {}\n  now: {got}",
                old.get(file).unwrap_or(&"(not recorded)")
            )
        })
        .collect();
    assert!(
        moved.is_empty(),
        "{} eval files give other findings than {TABLE} records \
         (BOUNCEX_BLESS=1 records them, if the change is meant):\n{}",
        moved.len(),
        moved.join("\n")
    );
}
