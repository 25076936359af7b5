//! Parses and validates `codes.toml` at build time and embeds it in binary form, so that
//! the binary never pays for TOML parsing and never ships an invalid knowledge base.

use bouncex_kb_core::code;
use bouncex_kb_core::kb::{literal_table, model, validate};
use std::{env, fs, path::Path};

/// Any row, serialised on its own.
mod erased {
    pub trait Row {
        fn bytes(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Row for T {
        fn bytes(&self) -> Vec<u8> {
            postcard::to_stdvec(self).expect("a knowledge-base row serializes")
        }
    }
}

fn main() {
    println!("cargo::rerun-if-changed=codes.toml");
    // bouncex starts once per input: packed relative relocations (glibc 2.36+) spare the
    // loader reading and applying 15,000 relocation records at every start.
    println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    let text = fs::read_to_string("codes.toml").expect("codes.toml is readable");
    let raw = match validate::parse_and_validate("codes.toml", &text, None) {
        Ok(raw) => raw,
        Err(errors) => {
            for e in &errors {
                println!("cargo::error={e}");
            }
            std::process::exit(1);
        }
    };
    let version = raw
        .meta
        .as_ref()
        .and_then(|m| m.version.clone())
        .unwrap_or_else(|| "unversioned".into());
    println!("cargo::rustc-env=BOUNCEX_KB_VERSION={version}");
    // How much of the list rows is written word for word in more than one entry, measured
    // before shared rows are filled in: `bouncex kb check` reports it.
    let rows: usize = raw
        .code
        .iter()
        .map(|c| validate::written_rows(c).len())
        .sum();
    let repeated = validate::repeated_rows(&raw, None).len();
    println!("cargo::rustc-env=BOUNCEX_KB_REPEATED={repeated}/{rows}");
    let mut raw = raw;
    raw.resolve_shared(&[]);
    let mut codes = std::mem::take(&mut raw.code);
    codes.sort_by_key(|c| c.code.parse::<code::CodeKey>().ok());
    let tables = model::RawKb {
        basic: std::mem::take(&mut raw.basic),
        provider: std::mem::take(&mut raw.provider),
        blocklist: std::mem::take(&mut raw.blocklist),
        reason: std::mem::take(&mut raw.reason),
        rule: std::mem::take(&mut raw.rule),
        ..Default::default()
    };
    let out_dir = env::var("OUT_DIR").expect("OUT_DIR is set");
    // Every pattern list's literal table, read in place at run time (src/kb/literal_table.rs).
    let patterns = literal_table::build_sets(&codes, &tables);
    fs::write(Path::new(&out_dir).join("patterns.bin"), patterns).expect("OUT_DIR is writable");
    // Every row its own blob, so that a lookup decodes only the rows it reads.
    let mut blobs = Vec::new();
    let mut blob = |row: &dyn erased::Row| -> model::Blob {
        let bytes = row.bytes();
        let at = (blobs.len() as u32, bytes.len() as u32);
        blobs.extend_from_slice(&bytes);
        at
    };
    let index = model::EmbeddedIndex {
        base: raw,
        codes: codes.iter().map(|c| (c.code.clone(), blob(c))).collect(),
        basics: tables.basic.iter().map(|b| (b.code, blob(b))).collect(),
        providers: (tables.provider.iter())
            .map(|p| (p.id.clone(), p.meaning.len() as u32, blob(p)))
            .collect(),
        blocklists: tables.blocklist.iter().map(|b| blob(b)).collect(),
        reasons: tables.reason.iter().map(|r| (r.id, blob(r))).collect(),
        rules: (tables.rule.iter())
            .map(|r| (model::RuleHead::from(r), blob(r)))
            .collect(),
    };
    let head = postcard::to_stdvec(&index).expect("index serializes");
    let mut bytes = (head.len() as u32).to_le_bytes().to_vec();
    bytes.extend_from_slice(&head);
    bytes.extend_from_slice(&blobs);
    let out = Path::new(&out_dir).join("kb.bin");
    fs::write(out, bytes).expect("OUT_DIR is writable");
}
