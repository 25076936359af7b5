//! Every knowledge-base entry names its public sources and when they were checked, and the
//! references a user sees are those public sources only: `kb check` enforces the first on
//! overlays (the build on the built-in file), and the lint below checks the second.

mod common;
use bouncex::kb::Kb;
use bouncex::kb::validate::{SourceKind, source_kind};
use common::{bouncex, scratch_dir};
use predicates::prelude::*;

const HEAD: &str = "title = \"Our relay is paused\"\nsummary = \"Local meaning.\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\n";

fn check_fails(file: &std::path::Path, position: &str, message: &str) {
    bouncex()
        .args(["kb", "check"])
        .arg(file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(position).and(predicate::str::contains(message)));
}

#[test]
fn kb_check_rejects_an_overlay_entry_without_sources_or_checked_date() {
    let scratch = scratch_dir("sources-missing");
    let dir = scratch.path();
    let path = dir.join("missing.toml");
    std::fs::write(&path, format!("[[code]]\ncode = \"4.3.99\"\n{HEAD}")).unwrap();
    check_fails(
        &path,
        "missing.toml:1:1: code 4.3.99 has no `sources` and no `checked`",
        "public sources",
    );
    // A checked date alone is not enough.
    let half = dir.join("half.toml");
    std::fs::write(
        &half,
        format!("[[code]]\ncode = \"4.3.99\"\n{HEAD}checked = \"2026-12-06\"\n"),
    )
    .unwrap();
    check_fails(&half, "half.toml:1:1:", "has no `sources`");
    // A provider's meaning row is held to it too, at the row.
    let provider = dir.join("provider.toml");
    std::fs::write(
        &provider,
        "[[provider]]\nid = \"ourgw\"\nname = \"Gateway 17\"\nabout = \"Ours.\"\nsources = [\"https://gw.example.org/codes\"]\nchecked = \"2026-12-06\"\n\n[[provider.meaning]]\npattern = 'ourgw-17'\nmeaning = \"Our gateway's rule 17 refused it.\"\n",
    )
    .unwrap();
    check_fails(
        &provider,
        "provider.toml:10:12:",
        "a meaning row of provider ourgw has no `sources` and no `checked`",
    );
    // Loading it with --kb still works: the requirement belongs to `kb check`.
    bouncex()
        .args(["explain", "4.3.99", "--kb"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn kb_check_rejects_a_source_that_is_not_public_and_a_bad_date() {
    let scratch = scratch_dir("sources-private");
    let dir = scratch.path();
    let cases = [
        (
            "note.toml",
            "sources = [\"RFC 3463\", \"our runbook\"]\nchecked = \"2026-12-06\"\n",
            "note.toml:9:25:",
            "source `our runbook` is not public",
        ),
        (
            "file.toml",
            "sources = [\"/etc/postfix/main.cf\"]\nchecked = \"2026-12-06\"\n",
            "file.toml:9:13:",
            "is not public",
        ),
        (
            "rfc.toml",
            "sources = [\"RFC 3463 section 3\"]\nchecked = \"2026-12-06\"\n",
            "rfc.toml:9:13:",
            "is not public",
        ),
        (
            "unknown-id.toml",
            "sources = [\"our-wiki\"]\nchecked = \"2026-12-06\"\n",
            "unknown-id.toml:9:13:",
            "`our-wiki` is not the id of a [[source]] row",
        ),
        (
            "date.toml",
            "sources = [\"RFC 3463\"]\nchecked = \"2026-13-06\"\n",
            "date.toml:10:12:",
            "checked `2026-13-06` is not a date",
        ),
        (
            "source-row.toml",
            "sources = [\"our-wiki\"]\nchecked = \"2026-12-06\"\n\n[[source]]\nid = \"our-wiki\"\ntitle = \"Our wiki\"\nurl = \"file:///srv/wiki\"\n",
            "source-row.toml:15:8:",
            "`file:///srv/wiki` is not an http(s) URL",
        ),
    ];
    for (name, tail, position, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, format!("[[code]]\ncode = \"4.3.99\"\n{HEAD}{tail}")).unwrap();
        check_fails(&path, position, message);
    }
    // A non-public source fails when loading with --kb too: it is malformed, not missing.
    let out = bouncex()
        .args(["explain", "4.3.99", "--kb"])
        .arg(dir.join("note.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_overlay_source_row_is_shown_as_its_title_and_url() {
    let scratch = scratch_dir("sources-row");
    let dir = scratch.path();
    let path = dir.join("row.toml");
    std::fs::write(
        &path,
        format!(
            "[[source]]\nid = \"gw-codes\"\ntitle = \"Example gateway: reply codes\"\nurl = \"https://gw.example.org/codes\"\n\n[[code]]\ncode = \"4.3.99\"\n{HEAD}sources = [\"gw-codes\", \"RFC 3463 \u{a7}3.4\", \"ms-exo-ndr\"]\nchecked = \"2026-12-06\"\n"
        ),
    )
    .unwrap();
    bouncex()
        .args(["kb", "check"])
        .arg(&path)
        .assert()
        .success();
    let out = bouncex()
        .args(["explain", "--json", "4.3.99", "--kb"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["findings"][0]["references"],
        serde_json::json!([
            "Example gateway: reply codes https://gw.example.org/codes",
            "RFC 3463 \u{a7}3.4",
            "Microsoft Learn: Email non-delivery reports and SMTP errors in Exchange Online https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/non-delivery-reports-in-exchange-online"
        ])
    );
}

/// What a user-visible reference must look like: an RFC section, a URL, or a title
/// followed by its URL.
fn is_public_reference(r: &str) -> bool {
    match source_kind(r) {
        Some(SourceKind::Rfc | SourceKind::Url) => true,
        _ => r.rsplit_once(' ').is_some_and(|(title, url)| {
            !title.is_empty() && source_kind(url) == Some(SourceKind::Url)
        }),
    }
}

#[test]
fn no_user_visible_reference_of_the_builtin_kb_is_an_internal_note() {
    let kb = Kb::builtin();
    let mut checked = 0;
    for entry in kb.codes() {
        let refs = kb.references(&entry.sources);
        assert!(!refs.is_empty(), "{} shows no reference", entry.code);
        // Every source shows: none is dropped as unresolvable.
        assert_eq!(refs.len(), entry.sources.len(), "{}: {refs:?}", entry.code);
        for r in &refs {
            assert!(
                is_public_reference(r),
                "{}: `{r}` is not public",
                entry.code
            );
            checked += 1;
        }
        assert!(
            entry.checked.as_deref().is_some_and(|d| d.len() == 10),
            "{} has no checked date",
            entry.code
        );
    }
    for basic in kb.basics() {
        let refs = kb.references(&basic.sources);
        assert!(!refs.is_empty(), "{} shows no reference", basic.code);
        for r in &refs {
            assert!(
                is_public_reference(r),
                "{}: `{r}` is not public",
                basic.code
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} references checked");
    // The lint can fail: an internal note is not a public reference.
    for note in [
        "sisimai rhost for-microsoft",
        "Third-party reports of Exchange Online NDRs (tenant external recipient rate limit)",
        "Microsoft Learn: Email non-delivery reports and SMTP errors in Exchange Online",
        "RFC 3463, section 3",
    ] {
        assert!(!is_public_reference(note), "{note}");
        assert!(kb.references(&[note.to_string()]).is_empty(), "{note}");
    }
}

#[test]
fn provider_rows_and_blocklists_name_sources_and_a_date() {
    let kb = Kb::builtin();
    for id in [
        "microsoft",
        "gmail",
        "yahoo",
        "tonline",
        "trendmicro",
        "barracuda",
    ] {
        let p = kb.provider(id).unwrap();
        assert!(!p.sources.is_empty() && p.checked.is_some(), "{id}");
        for m in &p.meaning {
            assert!(
                !m.sources.is_empty() && m.checked.is_some(),
                "{id}: {}",
                m.meaning
            );
            assert!(
                kb.references(&m.sources)
                    .iter()
                    .all(|r| is_public_reference(r))
            );
        }
    }
}

#[test]
fn a_microsoft_reply_shows_microsofts_public_page_not_a_note() {
    let out = bouncex()
        .args(["explain", "--json", "550 5.7.232 Your message can't be sent because your trial tenant has exceeded its daily limit for sending email to external recipients (tenant external recipient rate limit)"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refs = doc["findings"][0]["references"].as_array().unwrap();
    assert!(!refs.is_empty());
    for r in refs {
        let r = r.as_str().unwrap();
        assert!(is_public_reference(r), "{r}");
        assert!(!r.contains("Third-party"), "{r}");
    }
    assert!(
        refs.iter()
            .any(|r| r.as_str().unwrap().contains("https://learn.microsoft.com/"))
    );
}
