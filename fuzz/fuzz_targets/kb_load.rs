//! Loads arbitrary bytes as a knowledge-base overlay, as `--kb FILE` and `kb check` do:
//! loading may refuse the file, but never panics, and every error is one line that names
//! the file with a line and column. A file that loads is then used to explain a reply, so
//! its patterns run on text too.
#![no_main]

use bouncex::explain::explain;
use bouncex::kb::Kb;
use bouncex::recognize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Kb::load("fuzz.toml", text) {
        Ok(kb) => {
            let (statuses, rest) = recognize::recognise(
                "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\n\
                 451 4.7.1 Greylisted, try again later",
            );
            for s in statuses.iter().chain(rest.iter()) {
                let _ = explain(&kb, s);
            }
            let _ = kb.search(&["mailbox".to_string()]);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused file names its problem");
            for e in errors {
                let line = e.to_string();
                assert!(!line.contains('\n'), "a two-line error: {line:?}");
                assert!(line.starts_with("fuzz.toml:"), "error without its file: {line}");
            }
        }
    }
});
