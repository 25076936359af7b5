//! `bouncex scan` keeps its tables bounded: past 10,000 distinct names a table counts
//! heavy hitters approximately (Space-Saving) and the report says so.

mod common;
use common::{bouncex, json_of, scratch_file};
use std::fmt::Write as _;

/// A log of bounces to `distinct` domains seen once, and three domains seen often.
fn log_with_many_domains(distinct: usize) -> String {
    let mut log = String::new();
    let line = |log: &mut String, i: usize, domain: &str| {
        writeln!(
            log,
            "Jun 10 10:00:00 mail postfix/smtp[1]: Q{i:09}: to=<u{i}@{domain}>, relay=mx.{domain}[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.{domain}[192.0.2.1] said: 550 5.1.1 unknown user (in reply to RCPT TO command))"
        )
        .unwrap();
    };
    for i in 0..distinct {
        line(&mut log, i, &format!("d{i}.example"));
        // The heavy hitters come throughout the log, as they would in a real one.
        if i % 10 == 0 {
            line(&mut log, i, "heavy1.example");
        }
        if i % 20 == 0 {
            line(&mut log, i, "heavy2.example");
        }
        if i % 40 == 0 {
            line(&mut log, i, "heavy3.example");
        }
    }
    log
}

#[test]
fn a_table_past_its_limit_says_it_is_approximate_and_keeps_the_heavy_hitters() {
    let distinct = 30_000;
    let file = scratch_file("scan-bounds", "many.log", log_with_many_domains(distinct));
    let path = file.path();
    let r = json_of(bouncex().args(["scan", "--format", "json", path.to_str().unwrap()]));
    let domains = r["domains"].as_array().unwrap();
    assert_eq!(
        domains.len(),
        10_000,
        "the table holds at most 10,000 names"
    );
    let top: Vec<(&str, u64)> = domains
        .iter()
        .take(3)
        .map(|d| (d["domain"].as_str().unwrap(), d["count"].as_u64().unwrap()))
        .collect();
    let names: Vec<&str> = top.iter().map(|t| t.0).collect();
    assert_eq!(
        names,
        ["heavy1.example", "heavy2.example", "heavy3.example"]
    );
    let approximate = r["approximate"].as_array().unwrap();
    let table = approximate
        .iter()
        .find(|t| t["table"] == "domains")
        .expect("domains said to be approximate");
    assert_eq!(table["distinct_limit"], 10_000);
    let over = table["max_overcount"].as_u64().unwrap();
    // Each count is at most `max_overcount` above the truth, never below it.
    for ((_, n), real) in top
        .iter()
        .zip([distinct / 10, distinct / 20, distinct / 40])
    {
        assert!(
            *n >= real as u64 && *n - real as u64 <= over,
            "{n} vs {real} (+{over})"
        );
    }
    assert!(approximate.iter().any(|t| t["table"] == "remote_hosts"));
    // Exact figures stay exact.
    assert_eq!(
        r["by_status"]["bounced"].as_u64().unwrap(),
        (distinct + distinct / 10 + distinct / 20 + distinct / 40) as u64
    );

    let text = bouncex()
        .args(["scan", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("domains met more than 10000 distinct names; its counts are approximate"),
        "{text}"
    );
}

#[test]
fn a_table_within_its_limit_is_exact_and_says_nothing() {
    let file = scratch_file("scan-bounds", "few.log", log_with_many_domains(100));
    let path = file.path();
    let r = json_of(bouncex().args(["scan", "--format", "json", path.to_str().unwrap()]));
    assert!(r.get("approximate").is_none());
    assert_eq!(r["domains"].as_array().unwrap().len(), 103);
    assert_eq!(r["domains"][0]["count"], 10);
}
