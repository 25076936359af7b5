//! Range entries, the provider's meaning leading a finding, and the facts issue 11 fixed:
//! each checked through the real binary.

mod common;
use common::{bouncex, explain_json, first, json_of};
use std::io::Write;

fn finding(input: &str) -> serde_json::Value {
    first(&explain_json(input)).clone()
}

/// A knowledge-base file in the temp dir, removed when dropped.
fn overlay(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .prefix("bouncex-ranges-")
        .suffix(".toml")
        .tempfile()
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn a_code_inside_a_range_is_explained_by_the_range() {
    for (code, title) in [
        ("5.7.620", "banned sending IP"),
        ("4.7.610", "please try again later"),
        ("4.7.877", "IP under evaluation"),
        ("5.7.951", "mail flow rule"),
    ] {
        let f = finding(code);
        assert_eq!(f["code"], code);
        assert_eq!(f["match"], "range", "{code}: {f}");
        assert!(f["title"].as_str().unwrap().contains(title), "{code}: {f}");
    }
    // Just outside a range: the subject fallback, not the range.
    assert_eq!(finding("5.7.650")["match"], "subject");
}

#[test]
fn a_range_keeps_its_retry_and_its_class() {
    let f = finding("451 4.7.600 Access denied, please try again later.");
    assert_eq!(f["match"], "range");
    assert_eq!(f["bounce"], "soft");
    assert_eq!(f["action"], "retry");
    // The range says what differs for it; the MTAs' own schedules come with every deferral.
    assert!(f["retry"]["note"].as_str().unwrap().contains("few days"));
    assert_eq!(f["retry"]["schedule_mta"], "postfix");
    assert!(f["retry"]["mta"].as_array().unwrap().len() >= 4);
}

#[test]
fn text_output_says_the_match_was_a_range() {
    let out = bouncex().args(["explain", "5.7.633"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("match: range"), "{text}");
    assert!(text.starts_with("5.7.633"), "{text}");
}

#[test]
fn list_shows_each_range_once() {
    let doc = json_of(bouncex().args(["list", "--json"]));
    let codes: Vec<&str> = doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for range in ["5.7.606-649", "4.7.500-699", "4.7.850-899", "5.7.900-999"] {
        assert_eq!(codes.iter().filter(|c| **c == range).count(), 1, "{range}");
    }
    for inside in ["5.7.620", "4.7.650", "4.7.870", "5.7.999"] {
        assert!(!codes.contains(&inside), "{inside} is listed on its own");
    }
    let doc = json_of(bouncex().args(["list", "--json", "--class", "4", "--subject", "7"]));
    let listed = doc["codes"].as_array().unwrap();
    assert!(listed.iter().any(|c| c["code"] == "4.7.850-899"));
    assert!(
        listed
            .iter()
            .all(|c| c["code"].as_str().unwrap().starts_with("4.7."))
    );
}

#[test]
fn a_single_entry_inside_a_range_wins_over_it() {
    let kb = overlay(
        r#"
[[code]]
code = "5.7.620"
title = "A code documented on its own"
summary = "Overlay entry inside the banned-IP range."
bounce = "hard"
severity = "high"
reason = "blocked"
action = "fix-sender"
"#,
    );
    let doc = json_of(
        bouncex()
            .args(["--kb"])
            .arg(kb.path())
            .args(["explain", "--json", "5.7.620"]),
    );
    let f = first(&doc);
    assert_eq!(f["match"], "exact");
    assert_eq!(f["title"], "A code documented on its own");
    let doc = json_of(
        bouncex()
            .args(["--kb"])
            .arg(kb.path())
            .args(["explain", "--json", "5.7.621"]),
    );
    assert_eq!(first(&doc)["match"], "range");
}

#[test]
fn kb_check_rejects_bad_and_overlapping_ranges() {
    for (key, message) in [
        ("5.7.600-610", "overlaps range 5.7.606-649"),
        ("5.7.649-606", "greater than its first"),
        ("5.7.06-10", "not a code range"),
        ("5.7.700-", "not a code range"),
    ] {
        let kb = overlay(&format!(
            r#"
[[code]]
code = "{key}"
title = "t"
summary = "s"
bounce = "hard"
severity = "high"
reason = "blocked"
action = "fix-sender"
"#
        ));
        let out = bouncex()
            .args(["kb", "check"])
            .arg(kb.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(message), "{key}: {err}");
        assert!(err.contains(":3:"), "{key}: no line in {err}");
    }
}

#[test]
fn related_codes_may_point_inside_a_range() {
    let kb = overlay(
        r#"
[[code]]
code = "5.7.799"
title = "t"
summary = "s"
bounce = "hard"
severity = "high"
reason = "blocked"
action = "fix-sender"
sources = ["RFC 3463"]
checked = "2026-12-06"
related = [{ code = "5.7.620", difference = "inside the banned-IP range" }]
"#,
    );
    let out = bouncex()
        .args(["kb", "check"])
        .arg(kb.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn exchange_online_recipient_not_found_is_not_titled_null_mx() {
    let f = finding(
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    );
    assert_ne!(f["title"], "Recipient address has null MX");
    assert!(
        f["title"].as_str().unwrap().contains("Recipient not found"),
        "{f}"
    );
    assert!(
        f["summary"].as_str().unwrap().contains("RecipientNotFound"),
        "{f}"
    );
    assert_eq!(f["reason"], "userunknown");
    assert_eq!(f["action"], "suppress");
    // The registry's meaning follows the provider's.
    assert!(f["meaning"].as_str().unwrap().contains("null MX"));
    let out = bouncex()
        .args([
            "explain",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let head = text.lines().next().unwrap();
    assert!(head.contains("Recipient not found"), "{head}");
    let own = text.find("own meaning").unwrap();
    let registry = text.find("What the registry says of 5.1.10").unwrap();
    assert!(own < registry, "{text}");
}

#[test]
fn directory_based_edge_blocking_is_not_titled_no_answer_from_host() {
    let f = finding(
        "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) \
         [DM6NAM11FT012.eop-nam11.prod.protection.outlook.com]",
    );
    assert_ne!(f["title"], "No answer from host");
    assert!(
        f["title"].as_str().unwrap().contains("no such recipient"),
        "{f}"
    );
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("Directory-Based Edge Blocking")
    );
    assert_eq!(f["provider"]["id"], "microsoft");
    assert_eq!(f["action"], "suppress");
}

#[test]
fn a_provider_row_sets_the_action() {
    let gmail = finding(
        "550 5.2.1 The email account that you tried to reach is disabled. Learn more at \
         https://support.google.com/mail/?p=DisabledUser - gsmtp",
    );
    assert_eq!(gmail["provider"]["id"], "gmail");
    assert_eq!(gmail["action"], "suppress");
    assert_eq!(gmail["title"], "Gmail account disabled or inactive");
    let yahoo = finding("554 delivery error: dd This mailbox is disabled (554.30)");
    assert_eq!(yahoo["provider"]["id"], "yahoo");
    assert_eq!(yahoo["action"], "suppress");
}

#[test]
fn aol_521_is_a_block_not_a_disabled_mailbox() {
    let f = finding("521 5.2.1 :  AOL will not accept delivery of this message.");
    assert_eq!(f["reason"], "blocked");
    assert_eq!(f["action"], "fix-sender");
    assert!(
        !f["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("disabled"),
        "{f}"
    );
}

#[test]
fn yahoo_tss09_is_never_retried() {
    for reply in [
        "553 5.7.2 [TSS09] All messages from 203.0.113.15 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
        "421 4.7.0 [TSS09] All messages from 203.0.113.15 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
    ] {
        let f = finding(reply);
        assert_ne!(f["action"], "retry", "{reply}: {f}");
        assert_eq!(f["reason"], "blocked");
    }
}

#[test]
fn the_sending_accounts_own_disabled_account_is_the_senders_to_fix() {
    let f = finding("5.7.13");
    assert_eq!(f["action"], "fix-sender");
    assert_ne!(f["reason"], "suspend");
}

#[test]
fn x_7_23_is_credited_to_rfc_7372() {
    let doc = json_of(bouncex().args(["explain", "--json", "5.7.1"]));
    let related = first(&doc)["related"].as_array().unwrap().clone();
    let row = related.iter().find(|r| r["code"] == "5.7.23").unwrap();
    let difference = row["difference"].as_str().unwrap();
    assert!(difference.contains("RFC 7372"), "{difference}");
}

#[test]
fn gmail_4_7_40_does_not_argue_from_a_misprint() {
    let f = finding("4.7.40");
    let meaning = f["meaning"].as_str().unwrap();
    assert!(!meaning.contains("misprint"), "{meaning}");
    assert!(meaning.contains("4.7.31"), "{meaning}");
}

#[test]
fn a_bare_550_mailbox_unavailable_is_not_suppressed() {
    for input in [
        "550 Requested action not taken: mailbox unavailable",
        "550 Requested action not taken: mailbox unavailable [example.org]",
    ] {
        let f = finding(input);
        assert_ne!(f["action"], "suppress", "{input}: {f}");
    }
}

#[test]
fn send_as_refusal_from_exchange_online_is_explained() {
    let f = finding("550 5.7.60 SMTP; Client does not have permissions to send as this sender");
    assert_eq!(f["match"], "exact");
    assert_eq!(f["action"], "fix-sender");
    assert!(f["title"].as_str().unwrap().contains("send as"));
}

#[test]
fn search_reads_provider_notes() {
    // "AOL refuses" is only in a provider row for 5.2.1.
    let doc = json_of(bouncex().args(["search", "--json", "aol", "refuses"]));
    let codes: Vec<&str> = doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"5.2.1"), "{codes:?}");
}
