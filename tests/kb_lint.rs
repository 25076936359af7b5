//! The knowledge base's tidy check, in the manner of rustc's error-code lint: every entry
//! well-formed and unique, every registered code present at full depth, every example
//! parsing back to its own code. The depth rules live in `lint`, which a test below proves
//! can fail.

mod common;
use bouncex::code::CodeKey;
use bouncex::kb::model::{RawCode, RawKb};
use bouncex::kb::validate::parse_and_validate;
use common::REGISTERED;

fn codes_toml() -> RawKb {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/codes.toml");
    let text = std::fs::read_to_string(path).unwrap();
    match parse_and_validate("codes.toml", &text, None) {
        Ok(raw) => raw,
        Err(errors) => panic!(
            "codes.toml is invalid:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn is_registered(code: &str) -> bool {
    let x = format!("X{}", &code[1..]);
    REGISTERED.contains(&x.as_str())
}

const PLACEHOLDERS: &[&str] = &["todo", "tbd", "lorem", "fixme", "xxx", "placeholder"];

/// The wordings rules write for `code` in their `[[rule.infers]]` rows (docs/knowledge-base.md).
fn rule_wordings<'a>(kb: &'a RawKb, code: &str) -> Vec<&'a str> {
    (kb.rule.iter().flat_map(|r| &r.infers))
        .filter(|i| i.codes.iter().any(|c| c == code))
        .flat_map(|i| i.patterns.iter().map(String::as_str))
        .collect()
}

/// Everything wrong with one entry, as messages; `rule_wordings` are the entry's wordings
/// written in rules.
fn lint(entry: &RawCode, rule_wordings: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(format!("{}: {what}", entry.code));
        }
    };
    let failure = !entry.code.starts_with('2');
    need(
        entry
            .meaning
            .as_deref()
            .is_some_and(|m| m.split_whitespace().count() >= 20),
        "meaning of at least 20 words",
    );
    need(
        !entry.summary.trim().is_empty() && !entry.title.trim().is_empty(),
        "title and summary",
    );
    need(!entry.examples.is_empty(), "at least one example");
    if failure && (is_registered(&entry.code) || entry.provider.is_some()) {
        need(entry.causes.len() >= 3, "at least 3 causes");
        need(
            entry.fixes.sender.len() >= 2,
            "at least 2 fixes for the sender",
        );
        need(
            entry.fixes.admin.len() >= 2,
            "at least 2 fixes for the receiving admin",
        );
        need(!entry.troubleshooting.is_empty(), "troubleshooting rows");
        need(
            !entry.related.is_empty()
                && entry
                    .related
                    .iter()
                    .all(|r| !r.difference.trim().is_empty()),
            "related codes with differences",
        );
        need(
            !entry.patterns.is_empty() || !rule_wordings.is_empty(),
            "text patterns",
        );
        need(!entry.basic.is_empty(), "basic codes it comes with");
        need(!entry.sources.is_empty(), "sources");
    }
    if entry.code.starts_with('4') {
        need(entry.retry.is_some(), "retry behaviour (4.x.x)");
    }
    if entry.code.ends_with(".6.10") {
        need(
            entry
                .deprecated
                .as_deref()
                .is_some_and(|d| d.contains("6.8")),
            "marked as the deprecated duplicate of X.6.8",
        );
    }
    let mut texts: Vec<&str> = vec![&entry.title, &entry.summary];
    texts.extend(entry.meaning.as_deref());
    texts.extend(entry.causes.iter().map(String::as_str));
    texts.extend(
        entry
            .fixes
            .sender
            .iter()
            .chain(&entry.fixes.admin)
            .map(String::as_str),
    );
    for t in texts {
        let lower = t.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        need(
            !PLACEHOLDERS.iter().any(|p| words.contains(p)),
            "no placeholder text",
        );
    }
    problems
}

fn assert_none(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_registered_code_is_present() {
    let kb = codes_toml();
    for x in REGISTERED {
        let detail = &x[1..];
        let present: Vec<&RawCode> = kb.code.iter().filter(|c| c.code[1..] == *detail).collect();
        assert!(!present.is_empty(), "{x} has no entry");
    }
}

#[test]
fn every_entry_meets_the_depth_minimums() {
    let kb = codes_toml();
    let problems: Vec<String> = (kb.code.iter())
        .flat_map(|c| lint(c, &rule_wordings(&kb, &c.code)))
        .collect();
    assert_none(&problems);
}

#[test]
fn the_lint_fails_when_an_entry_thins_out() {
    let kb = codes_toml();
    let good = kb.code.iter().find(|c| c.code == "4.3.2").unwrap().clone();
    assert!(lint(&good, &[]).is_empty());
    let mut thin = good.clone();
    thin.causes.truncate(2);
    assert!(lint(&thin, &[]).iter().any(|p| p.contains("3 causes")));
    let mut thin = good.clone();
    thin.fixes.admin.clear();
    assert!(
        lint(&thin, &[])
            .iter()
            .any(|p| p.contains("receiving admin"))
    );
    let mut thin = good.clone();
    thin.retry = None;
    assert!(lint(&thin, &[]).iter().any(|p| p.contains("retry")));
    let mut thin = good.clone();
    thin.meaning = Some("TODO write this".into());
    assert!(lint(&thin, &[]).len() >= 2);
    // Wordings count whether the entry or a rule's `[[rule.infers]]` writes them.
    let mut bare = good;
    bare.patterns.clear();
    assert!(lint(&bare, &[]).iter().any(|p| p.contains("text patterns")));
    assert!(lint(&bare, &["too many open connections"]).is_empty());
}

#[test]
fn every_example_parses_back_to_its_own_code() {
    let kb = codes_toml();
    let mut problems = Vec::new();
    for entry in &kb.code {
        for example in &entry.examples {
            let (statuses, _) = bouncex::recognize::recognise(example);
            let got: Vec<String> = statuses
                .iter()
                .filter_map(|s| s.code.map(|c| c.to_string()))
                .collect();
            let key: CodeKey = entry.code.parse().unwrap();
            let inside = statuses
                .first()
                .and_then(|s| s.code)
                .is_some_and(|c| key.contains(&c));
            if !inside {
                problems.push(format!(
                    "{}: example {example:?} reads as {got:?}",
                    entry.code
                ));
            }
        }
    }
    assert_none(&problems);
}

#[test]
fn provider_codes_name_a_provider_and_registered_codes_do_not() {
    let kb = codes_toml();
    for c in &kb.code {
        let code: CodeKey = c.code.parse().unwrap();
        if is_registered(&c.code) {
            assert!(
                c.provider.is_none(),
                "{} is registered but marked as {:?}'s",
                c.code,
                c.provider
            );
        } else {
            assert!(
                c.provider.is_some(),
                "{} is not registered and names no provider",
                c.code
            );
        }
        let _ = code;
    }
}

#[test]
fn suppress_only_when_the_address_is_bad() {
    // The reason table says which reasons call for suppression; a code entry may only
    // suppress with one of them.
    use bouncex::kb::model::Action;
    let kb = codes_toml();
    let suppressing: Vec<_> = kb
        .reason
        .iter()
        .filter(|r| r.permanent_action == Some(Action::Suppress))
        .map(|r| r.id)
        .collect();
    assert!(!suppressing.is_empty());
    for c in &kb.code {
        if c.action == Action::Suppress {
            assert!(
                suppressing.contains(&c.reason),
                "{} suppresses with reason {}",
                c.code,
                c.reason
            );
        }
    }
}

#[test]
fn every_class_and_subject_is_described() {
    let kb = codes_toml();
    let classes: Vec<u8> = kb.class.iter().map(|c| c.class).collect();
    assert_eq!(classes.len(), 3);
    for c in [2, 4, 5] {
        assert!(classes.contains(&c));
    }
    for s in 0..=7u16 {
        assert!(kb.subject.iter().any(|x| x.subject == s), "subject {s}");
    }
}

#[test]
fn no_invented_retry_schedules() {
    let kb = codes_toml();
    let mtas: Vec<&Vec<String>> = kb
        .mta
        .iter()
        .filter(|m| !m.schedule.is_empty())
        .map(|m| &m.schedule)
        .collect();
    assert!(!mtas.is_empty());
    let mut distinct: Vec<&Vec<String>> = Vec::new();
    let mut invented = Vec::new();
    for c in kb.code.iter().filter(|c| c.code.starts_with("4.")) {
        let Some(schedule) = c.retry.as_ref().map(|r| &r.schedule) else {
            continue;
        };
        if schedule.is_empty() {
            continue;
        }
        if !distinct.contains(&schedule) {
            distinct.push(schedule);
        }
        if !mtas.contains(&schedule) {
            invented.push(format!("{}: {}", c.code, schedule.join(" ")));
        }
    }
    assert!(
        distinct.len() <= 6,
        "{} distinct retry schedules across the 4.x.x codes",
        distinct.len()
    );
    assert_none(&invented);
    // The class, which stands for every unlisted 4.x.x code, invents none either.
    let class = kb.class.iter().find(|c| c.class == 4).unwrap();
    let schedule = class.retry.as_ref().map(|r| &r.schedule);
    assert!(schedule.is_none_or(|s| s.is_empty() || mtas.contains(&s)));
}

#[test]
fn the_mta_defaults_are_written_once_with_their_sources() {
    let kb = codes_toml();
    let ids: Vec<&str> = kb.mta.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "postfix",
            "exim",
            "sendmail",
            "exchange",
            "courier",
            "opensmtpd"
        ]
    );
    let defaults = kb.retry_defaults.as_ref().unwrap();
    assert_eq!(defaults.reference, "postfix");
    for m in &kb.mta {
        assert!(!m.settings.is_empty() && !m.sources.is_empty(), "{}", m.id);
        for s in &m.settings {
            assert!(
                m.retries.contains(s.name.split(' ').next().unwrap())
                    || m.rule.as_deref().is_some_and(|r| s.name.contains(r)),
                "{}: {} is not explained",
                m.id,
                s.name
            );
        }
    }
    // No code restates an MTA's give-up time as its own.
    let restated: Vec<&str> = kb
        .code
        .iter()
        .filter(|c| c.retry.as_ref().is_some_and(|r| r.gives_up_after.is_some()))
        .map(|c| c.code.as_str())
        .collect();
    assert!(restated.is_empty(), "{restated:?}");
}

#[test]
fn list_rows_are_not_copied_between_codes() {
    use bouncex::kb::validate::{repeated_rows, written_rows};
    let kb = codes_toml();
    let rows: usize = kb.code.iter().map(|c| written_rows(c).len()).sum();
    let repeated = repeated_rows(&kb, None);
    let share = 100.0 * repeated.len() as f64 / rows as f64;
    assert!(
        share <= 12.0,
        "{share:.1} % of {rows} causes, fixes and troubleshooting rows are repeated word for word:\n{}",
        repeated
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Shared rows are used, and each by more than one entry.
    assert!(!kb.shared.is_empty());
    for s in &kb.shared {
        let users = kb
            .code
            .iter()
            .filter(|c| {
                c.causes
                    .iter()
                    .chain(&c.fixes.sender)
                    .chain(&c.fixes.admin)
                    .any(|i| i.strip_prefix('@') == Some(s.id.as_str()))
                    || c.troubleshooting
                        .iter()
                        .any(|t| t.shared.as_deref() == Some(s.id.as_str()))
            })
            .count();
        assert!(users >= 2, "shared row {} is used by {users} entries", s.id);
    }
}

/// A provider meaning row can be narrowed to SMTP stages; the list must name real stages
/// (`any` is for troubleshooting rows), each once, and a stage alone never makes a row.
#[test]
fn provider_meaning_stages_name_smtp_stages_once() {
    let base = codes_toml();
    assert!(
        base.provider
            .iter()
            .flat_map(|p| &p.meaning)
            .any(|m| !m.stage.is_empty()),
        "codes.toml should hold a stage-narrowed provider row"
    );
    let overlay = |row: &str| {
        format!(
            "[[provider]]\nid = \"ourgw\"\nname = \"Gateway 17\"\nabout = \"Ours.\"\n\
             sources = [\"https://gw.example.org/codes\"]\nchecked = \"2026-12-07\"\n\n\
             [[provider.meaning]]\n{row}\nmeaning = \"Our gateway refused it.\"\n\
             sources = [\"https://gw.example.org/codes\"]\nchecked = \"2026-12-07\"\n"
        )
    };
    let fine = overlay("pattern = 'ourgw-17'\nstage = [\"data\", \"end-of-data\"]");
    let kb = parse_and_validate("ok.toml", &fine, Some(&base)).unwrap();
    assert_eq!(kb.provider[0].meaning[0].stage.len(), 2);
    for (row, says) in [
        (
            "pattern = 'ourgw-17'\nstage = [\"any\"]",
            "`any` does not fit",
        ),
        (
            "pattern = 'ourgw-17'\nstage = [\"rcpt\", \"rcpt\"]",
            "`rcpt` does not fit",
        ),
        ("stage = [\"rcpt\"]", "needs a code, a pattern or both"),
        (
            "pattern = 'ourgw-17'\nstage = [\"end-of-date\"]",
            "unknown variant",
        ),
    ] {
        let errors = parse_and_validate("bad.toml", &overlay(row), Some(&base)).unwrap_err();
        assert!(
            errors.iter().any(|e| e.message.contains(says)),
            "{row:?} should fail with {says:?}: {errors:?}"
        );
    }
}
