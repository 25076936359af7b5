//! completions/ and man/ are generated from the clap definition and checked in; this test
//! fails when they drift. Regenerate with `UPDATE_GENERATED=1 cargo test --test generated`.

mod common;
use common::bouncex;
use std::path::Path;

const FILES: &[(&[&str], &str)] = &[
    (&["completions", "bash"], "completions/bouncex.bash"),
    (&["completions", "zsh"], "completions/_bouncex"),
    (&["completions", "fish"], "completions/bouncex.fish"),
    (&["completions", "elvish"], "completions/bouncex.elv"),
    (&["completions", "powershell"], "completions/_bouncex.ps1"),
    (&["man"], "man/bouncex.1"),
];

#[test]
fn generated_files_match_the_clap_definition() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (args, file) in FILES {
        let out = bouncex().args(*args).output().unwrap();
        assert!(out.status.success(), "bouncex {args:?} failed");
        let path = root.join(file);
        if update {
            std::fs::write(&path, &out.stdout).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
            stale.push(*file);
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; run UPDATE_GENERATED=1 cargo test --test generated"
    );
}

#[test]
fn version_names_the_knowledge_base() {
    let out = bouncex().arg("--version").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("knowledge base"), "{text}");
}

#[test]
fn help_ends_with_examples_of_each_input_form() {
    let out = bouncex().arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let examples = &text[text.find("Examples:").expect("examples section")..];
    for form in [
        "4.3.2",
        "550",
        "451 4.3.2",
        "bounce.eml",
        "postfix/smtp",
        "mailbox is full",
        "scan",
    ] {
        assert!(examples.contains(form), "no example with {form:?}");
    }
}
