//! What the text output looks like, recorded: a code and a reply at 80 and 120 columns, with
//! colour off and on (colour shown as escaped bytes so the snapshot stays readable). A change
//! to the layout or the knowledge base's text shows up here as a diff to review;
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test snapshots`) accepts it.

mod common;
use common::bouncex;

fn text(args: &[&str], columns: u16, colour: bool) -> String {
    let out = bouncex()
        .env("COLUMNS", columns.to_string())
        .args(["--color", if colour { "always" } else { "never" }])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout)
        .unwrap()
        .replace('\x1b', "\\e")
}

const REPLY: &str = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table";

#[test]
fn explain_4_3_2() {
    for columns in [80, 120] {
        for colour in [false, true] {
            let name = format!(
                "explain_4_3_2_{columns}_{}",
                if colour { "colour" } else { "plain" }
            );
            insta::assert_snapshot!(name, text(&["explain", "4.3.2"], columns, colour));
        }
    }
}

#[test]
fn explain_a_reply() {
    for columns in [80, 120] {
        for colour in [false, true] {
            let name = format!(
                "explain_reply_{columns}_{}",
                if colour { "colour" } else { "plain" }
            );
            insta::assert_snapshot!(name, text(&["explain", REPLY], columns, colour));
        }
    }
}
