//! Parses and validates `codes.toml` at build time and embeds it in binary form, so that
//! the binary never pays for TOML parsing and never ships an invalid knowledge base.
#![allow(dead_code)]

#[path = "src/code.rs"]
mod code;
#[path = "src/kb/model.rs"]
mod model;
#[path = "src/kb/validate.rs"]
mod validate;
mod kb {
    pub(crate) use crate::model;
}

use std::{env, fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=codes.toml");
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
    let bytes = postcard::to_stdvec(&raw).expect("knowledge base serializes");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR is set")).join("kb.bin");
    fs::write(out, bytes).expect("OUT_DIR is writable");
}
