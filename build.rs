//! With the `capi` feature: generates `include/triggerdev.h` from `src/ffi` with cbindgen.
//! Without it (every Rust dependent), it does nothing: cbindgen is not even compiled.
//!
//! The header is committed; CI regenerates it and fails if it changed. The file is rewritten
//! only when its content changes, and the output depends on nothing but the sources, the
//! configuration and the crate version, so it is the same on every machine.

#[cfg(not(feature = "capi"))]
fn main() {
    // Nothing to do; without this line Cargo would rerun the script whenever any file changes.
    println!("cargo:rerun-if-changed=build.rs");
}

#[cfg(feature = "capi")]
fn main() {
    use std::env;
    use std::fs;
    use std::path::PathBuf;

    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let var = |name: &str| env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let (major, minor, patch) = (
        var("CARGO_PKG_VERSION_MAJOR"),
        var("CARGO_PKG_VERSION_MINOR"),
        var("CARGO_PKG_VERSION_PATCH"),
    );
    // The ABI version: what must match between a header (or a binding) and the library. Before
    // 1.0 every minor version may break the ABI (Cargo's rule for 0.x), from 1.0 only a major one.
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major.clone()
    };

    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cannot read cbindgen.toml: {e}"));
    config.after_includes = Some(format!(
        "\n/** The version of the library this header describes; compare with trigger_version(). */\n\
         #define TRIGGERDEV_VERSION \"{major}.{minor}.{patch}\"\n\
         /** The parts of TRIGGERDEV_VERSION, as numbers (for `#if`). */\n\
         #define TRIGGERDEV_VERSION_MAJOR {major}\n\
         #define TRIGGERDEV_VERSION_MINOR {minor}\n\
         #define TRIGGERDEV_VERSION_PATCH {patch}\n\
         /**\n \
         * The ABI version of this header: a library whose trigger_abi_version() returns the same\n \
         * string can be used with it (\"0.MINOR\" before 1.0, \"MAJOR\" from 1.0). It is also the\n \
         * version in the shared library's SONAME (libtriggerdev.so.{abi}).\n \
         */\n\
         #define TRIGGERDEV_ABI_VERSION \"{abi}\"\n"
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
