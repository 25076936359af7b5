//! What both bouncex and its build script need of the knowledge base: status codes
//! (`code`), the model of `codes.toml` (`kb::model`), its validation (`kb::validate`) and the
//! pattern tables (`kb::literal_table`). The build script parses, validates and embeds
//! `codes.toml` with it; the library reads the embedded form and loads `--kb` files with it.

pub mod code;

pub mod kb {
    pub mod literal_table;
    pub mod model;
    pub mod validate;
}
