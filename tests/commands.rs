//! `list`, `search` and `kb check`, and loading a knowledge base with `--kb`.

mod common;
use common::{REGISTERED, bouncex, json_of, scratch_dir};
use predicates::prelude::*;

fn json(args: &[&str]) -> serde_json::Value {
    json_of(bouncex().args(args))
}

#[test]
fn list_json_has_every_registered_code() {
    let doc = json(&["list", "--format", "json"]);
    assert_eq!(doc["bouncex"], "1");
    let codes: Vec<String> = doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    for x in REGISTERED {
        let detail = &x[1..];
        assert!(
            ["2", "4", "5"]
                .iter()
                .any(|class| codes.contains(&format!("{class}{detail}"))),
            "{x} is not listed"
        );
    }
}

#[test]
fn list_filters_by_class_and_subject() {
    let doc = json(&["list", "--json", "--class", "4", "--subject", "3"]);
    let codes = doc["codes"].as_array().unwrap();
    assert!(codes.iter().any(|c| c["code"] == "4.3.2"));
    assert!(
        codes
            .iter()
            .all(|c| c["code"].as_str().unwrap().starts_with("4.3."))
    );
    bouncex()
        .args(["list", "--class", "5"])
        .assert()
        .success()
        .stdout(predicate::str::contains("5.1.1"));
}

#[test]
fn search_finds_the_right_codes_first() {
    for (words, expected) in [
        (vec!["mailbox", "full"], &["4.2.2", "5.2.2"][..]),
        // Postgrey greylists with 4.2.0, most other greylisting servers with 4.7.1.
        (vec!["greylist"], &["4.7.1", "4.2.0"][..]),
        (
            vec!["dmarc"],
            &["5.7.26", "4.7.26", "5.7.509", "5.7.515", "4.7.31"][..],
        ),
        (vec!["spf"], &["4.7.23", "5.7.23", "4.7.24", "5.7.24"][..]),
        (vec!["quota"], &["4.2.2", "5.2.2"][..]),
        (vec!["blocklist"], &["5.7.1", "4.7.1"][..]),
    ] {
        let mut args = vec!["search", "--json"];
        args.extend(words.iter());
        let doc = json(&args);
        let top = doc["codes"][0]["code"].as_str().unwrap().to_string();
        assert!(
            expected.contains(&top.as_str()),
            "search {words:?}: top is {top}"
        );
    }
    bouncex().args(["search", "zzqqxx"]).assert().code(1);
}

#[test]
fn kb_check_accepts_the_builtin_and_rejects_bad_files_with_position() {
    bouncex()
        .args(["kb", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok"));
    let scratch = scratch_dir("test");
    let dir = scratch.path();
    let cases = [
        (
            "typo.toml",
            "[[code]]\ncode = \"4.3.2\"\ntitel = \"x\"\n",
            "typo.toml:3:1",
            "unknown field `titel`",
        ),
        (
            "syntax.toml",
            "[[code]\ncode = 1\n",
            "syntax.toml:1:",
            "expected `]`",
        ),
        (
            "badcode.toml",
            "[[code]]\ncode = \"4.03.2\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\n",
            "badcode.toml:2:9",
            "not an enhanced status code",
        ),
        (
            "bounce.toml",
            "[[code]]\ncode = \"4.3.99\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"hard\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\n",
            "bounce.toml:5:1",
            "does not fit class 4",
        ),
        (
            "related.toml",
            "[[code]]\ncode = \"4.3.99\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"systemfull\"\naction = \"retry\"\npatterns = ['(unclosed']\n[[code.related]]\ncode = \"4.3.98\"\ndifference = \"d\"\n",
            "related.toml:",
            "related code 4.3.98 is not defined",
        ),
        (
            "shadowed.toml",
            "[[rule]]\nid = \"local-quota\"\nreason = \"mailboxfull\"\npriority = 100\nsource = \"our own gateway\"\npatterns = ['user is over quota']\nexamples = ['550 user is over quota']\n",
            "shadowed.toml:7:",
            "caught first by rule",
        ),
        (
            "unmatched.toml",
            "[[rule]]\nid = \"local-greylist\"\nreason = \"greylisted\"\npriority = 400\nsource = \"our own gateway\"\npatterns = ['please come back later']\nexamples = ['451 try again in a while']\n",
            "unmatched.toml:7:",
            "matches none of its patterns",
        ),
        (
            "unsourced.toml",
            "[[rule]]\nid = \"local\"\nreason = \"greylisted\"\npriority = 400\nsource = \" \"\n",
            "unsourced.toml:",
            "names no source",
        ),
        (
            "reasoncode.toml",
            "[[reason]]\nid = \"mailboxfull\"\ndescription = \"d\"\nstrength = \"precise\"\ncode = \"X.2.99\"\n",
            "reasoncode.toml:5:",
            "code X.2.99 is not X.subject.detail with a 5.x entry",
        ),
        (
            "rulecode.toml",
            "[[rule]]\nid = \"local\"\nreason = \"rejected\"\npriority = 400\nsource = \"x\"\nwhen = { code = [\"X.1.99\"] }\nreplaces = [\"userunknown\"]\n",
            "rulecode.toml:6:",
            "code X.1.99 has no entry in either class",
        ),
        (
            "rulecodeform.toml",
            "[[rule]]\nid = \"local\"\nreason = \"rejected\"\npriority = 400\nsource = \"x\"\nwhen = { code = [\"5.1.7\"] }\n",
            "rulecodeform.toml:6:",
            "written like `X.1.7`",
        ),
        (
            "twice.toml",
            "[[code]]\ncode = \"4.3.2\"\ntitle = \"t\"\nsummary = \"s\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"toomanyconn\"\naction = \"retry\"\npatterns = ['too many open connections']\n",
            "twice.toml:9:",
            "is written in rule too-many-connections too, which already infers 4.3.2 from it",
        ),
        (
            "infersrange.toml",
            "[[rule]]\nid = \"local\"\nreason = \"blocked\"\npriority = 400\nsource = \"x\"\nexamples = ['550 go away now']\n[[rule.infers]]\ncodes = [\"5.7.606-649\"]\npatterns = ['go away now']\n",
            "infersrange.toml:8:",
            "infers code 5.7.606-649, which has no entry of its own",
        ),
        (
            "decidedby.toml",
            "[[rule]]\nid = \"late\"\nreason = \"expired\"\npriority = 500\nreplaces = [\"networkerror\"]\nsource = \"x\"\nwhen = { decided_by = [\"no-such-rule\"] }\n",
            "decidedby.toml:7:",
            "is decided_by rule no-such-rule, which does not exist",
        ),
        (
            "decidedreason.toml",
            "[[rule]]\nid = \"late\"\nreason = \"expired\"\npriority = 500\nreplaces = [\"networkerror\"]\nsource = \"x\"\nwhen = { decided_by = [\"mailbox-full\"] }\n",
            "decidedreason.toml:7:",
            "whose reason mailboxfull it does not replace",
        ),
        (
            "badreason.toml",
            "[[rule]]\nid = \"local\"\nreason = \"greylist\"\npriority = 400\nsource = \"x\"\n",
            "badreason.toml:3:",
            "unknown variant",
        ),
    ];
    for (name, content, position, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        bouncex()
            .args(["kb", "check"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(position).and(predicate::str::contains(message)));
    }
    // The same file through --kb: one line, exit 2.
    let out = bouncex()
        .args(["explain", "4.3.2", "--kb"])
        .arg(dir.join("related.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("bouncex: "));
}

#[test]
fn kb_overlay_rule_decides_the_reason() {
    let scratch = scratch_dir("rule");
    let dir = scratch.path();
    let path = dir.join("local.toml");
    std::fs::write(
        &path,
        "[[rule]]\nid = \"local-quarantine\"\nreason = \"filtered\"\npriority = 400\nsource = \"our own gateway's quarantine notice\"\npatterns = ['held in quarantine']\nexamples = ['550 5.7.1 message held in quarantine']\n",
    )
    .unwrap();
    let out = bouncex()
        .args([
            "explain",
            "--json",
            "550 5.7.1 message held in quarantine",
            "--kb",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["reason"], "filtered");
    let out = bouncex()
        .args(["explain", "--json", "550 5.7.1 message held in quarantine"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(doc["findings"][0]["reason"], "filtered");
}

#[test]
fn kb_overlay_rule_wording_infers_its_code_in_bare_text() {
    let scratch = scratch_dir("infers");
    let dir = scratch.path();
    let path = dir.join("local.toml");
    std::fs::write(
        &path,
        "[[rule]]\nid = \"local-frozen\"\nreason = \"mailboxfull\"\npriority = 400\nsource = \"our own store's refusal\"\nexamples = ['mailbox froze solid']\n[[rule.infers]]\ncodes = [\"4.2.2\", \"5.2.2\"]\npatterns = ['mailbox froze (solid|hard)']\n",
    )
    .unwrap();
    let explain = |args: &[&str]| -> serde_json::Value {
        let out = bouncex()
            .args(["explain", "--json"])
            .args(args)
            .arg("--kb")
            .arg(&path)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Pasted alone: the permanent code; after a 4xx reply: its transient twin.
    let doc = explain(&["The mailbox froze solid overnight"]);
    assert_eq!(doc["findings"][0]["code"], "5.2.2");
    assert_eq!(doc["findings"][0]["code_source"], "inferred");
    assert_eq!(doc["findings"][0]["reason"], "mailboxfull");
    let doc = explain(&["452 the mailbox froze hard"]);
    assert_eq!(doc["findings"][0]["code"], "4.2.2");
    // Without the overlay the words place no code.
    let out = bouncex()
        .args(["explain", "--json", "The mailbox froze solid overnight"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("5.2.2"));
}

#[test]
fn kb_overlay_replaces_one_entry_and_keeps_the_rest() {
    let scratch = scratch_dir("overlay");
    let dir = scratch.path();
    let path = dir.join("local.toml");
    std::fs::write(
        &path,
        "[[code]]\ncode = \"4.3.2\"\ntitle = \"Our relay is paused for the nightly backup\"\nsummary = \"Local meaning.\"\nbounce = \"soft\"\nseverity = \"low\"\nreason = \"notaccept\"\naction = \"retry\"\n",
    )
    .unwrap();
    let out = bouncex()
        .args(["explain", "--json", "4.3.2", "5.1.1", "--kb"])
        .arg(&path)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["findings"][0]["title"],
        "Our relay is paused for the nightly backup"
    );
    assert_eq!(doc["findings"][1]["code"], "5.1.1");
    assert!(doc["findings"][1]["meaning"].is_string());
    let out = bouncex()
        .env("BOUNCEX_KB", &path)
        .args(["explain", "--json", "4.3.2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("nightly backup"));
}
