//! Generates `include/clustron_dkv.h` from the C ABI in `src/ffi/` with cbindgen.
//!
//! The header is committed so C callers need no Rust toolchain; `tests/header_drift.rs` and `.ci/run` fail when
//! the committed copy differs from what the code declares. Setting `DKV_SKIP_HEADER=1` skips the generation for
//! builds from a read-only tree.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=DKV_SKIP_HEADER");
    if env::var_os("DKV_SKIP_HEADER").is_some() {
        return;
    }
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(bindings) => {
            bindings.write_to_file(crate_dir.join("include").join("clustron_dkv.h"));
        }
        Err(err) => panic!("cbindgen could not generate include/clustron_dkv.h: {}", err),
    }
}
