//! Generates `include/triggerdev.h` from `src/ffi` with cbindgen.
//!
//! The header is committed; CI regenerates it and fails if it changed. The file is rewritten
//! only when its content changes, and the output depends on nothing but the sources, the
//! configuration and the crate version, so it is the same on every machine.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let version = env::var("CARGO_PKG_VERSION").expect("CARGO_PKG_VERSION");

    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cannot read cbindgen.toml: {e}"));
    config.after_includes = Some(format!(
        "\n/** The version of the library this header describes; compare with trigger_version(). */\n\
         #define TRIGGERDEV_VERSION \"{version}\"\n"
    ));

    // Parse the ffi module alone: no `cargo metadata`, no dependency sources.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen cannot generate include/triggerdev.h: {e}"));
    let mut text = Vec::new();
    bindings.write(&mut text);

    let path = root.join("include/triggerdev.h");
    if fs::read(&path).ok().as_deref() == Some(text.as_slice()) {
        return;
    }
    // A read-only source tree (a vendored or registry copy) keeps the shipped header.
    let written = fs::create_dir_all(root.join("include")).and_then(|()| fs::write(&path, &text));
    if let Err(e) = written {
        println!("cargo:warning=cannot update {}: {e}", path.display());
    }
}
