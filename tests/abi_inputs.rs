//! `docs/abi-inputs.json`, the description of every JSON argument of the C ABI (made by
//! `triggerdev::ffi::abi_inputs_json` from the Rust types), is up to date, names every JSON
//! argument of the header, and maps each to the type the export's code parses it into.
//!
//! Regenerate the file with `UPDATE=1 cargo test --test abi_inputs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

const FILE: &str = "docs/abi-inputs.json";
const UPDATE: &str = "UPDATE=1 cargo test --test abi_inputs";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn description() -> Value {
    serde_json::from_str(&triggerdev::ffi::abi_inputs_json()).expect("the description is JSON")
}

#[test]
fn the_committed_description_is_up_to_date() {
    let made = triggerdev::ffi::abi_inputs_json();
    let path = root().join(FILE);
    if std::env::var_os("UPDATE").is_some_and(|v| v == "1") {
        fs::write(&path, &made).expect("docs/abi-inputs.json is writable");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == made,
        "{FILE} is stale (the Rust option types or the table in src/ffi/abi_inputs.rs \
         changed): run `{UPDATE}` and commit it"
    );
}

/// Every `const char *<name>_json` parameter of every function of the header.
fn header_json_args() -> BTreeSet<(String, String)> {
    let header = fs::read_to_string(root().join("include/triggerdev.h")).expect("the header");
    // Without comments (they hold `;` and `(`).
    let mut code = String::new();
    for chunk in header.split("/*") {
        code.push_str(chunk.split_once("*/").map_or(chunk, |(_, after)| after));
    }
    let code: String = code
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut args = BTreeSet::new();
    // Declarations end with `);`; the function name is the last word before the `(`.
    for decl in code.split(';') {
        let Some((head, params)) = decl.split_once('(') else {
            continue;
        };
        let Some(name) = head.split_whitespace().last() else {
            continue;
        };
        let name = name.trim_start_matches('*');
        if !name.starts_with("trigger_") {
            continue;
        }
        for param in params.split(',') {
            let words: Vec<&str> = param.split_whitespace().collect();
            if let [.., "const", "char", last] = words.as_slice() {
                let arg = last.trim_start_matches('*').trim_end_matches(')');
                if arg.ends_with("_json") && last.starts_with('*') {
                    args.insert((name.to_owned(), arg.to_owned()));
                }
            }
        }
    }
    args
}

fn described_args(doc: &Value) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (export, args) in doc["exports"].as_object().expect("exports") {
        for (arg, input) in args.as_object().expect("args") {
            let rust = input["rust"].as_str().expect("rust type").to_owned();
            out.insert((export.clone(), arg.clone()), rust);
        }
    }
    out
}

#[test]
fn every_json_argument_of_the_header_is_described() {
    let header = header_json_args();
    assert!(header.len() > 40, "the header scan found {}", header.len());
    let described: BTreeSet<_> = described_args(&description()).into_keys().collect();
    let missing: Vec<_> = header.difference(&described).collect();
    let extra: Vec<_> = described.difference(&header).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "src/ffi/abi_inputs.rs's table differs from include/triggerdev.h: not described \
         {missing:?}, not in the header {extra:?}"
    );
}

/// `(export, argument) -> type` as the exports' code reads them:
/// `let x: Type = required_object(arg_json, ...)` (or `optional_object`, or
/// `let Type(x) = parse_json(required_str(arg_json, ...`).
fn parsed_in_source() -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(root().join("src/ffi")).expect("src/ffi") {
        let text = fs::read_to_string(entry.expect("entry").path()).expect("a source file");
        for body in text.split("extern \"C\" fn ").skip(1) {
            let export = body.split('(').next().unwrap_or_default().trim().to_owned();
            // The function, up to its closing brace at the start of a line.
            let body = body.split("\n}\n").next().unwrap_or_default();
            for statement in body.split("let ").skip(1) {
                let statement = statement.split(";").next().unwrap_or_default();
                let Some((pattern, value)) = statement.split_once('=') else {
                    continue;
                };
                let arg = value
                    .split(['(', ',', ')', '{', ' ', '\n'])
                    .find(|word| word.ends_with("_json") && *word != "parse_json");
                let Some(arg) = arg else { continue };
                if !value.contains("_object(") && !value.trim_start().starts_with("parse_json(") {
                    continue;
                }
                // `x: Type` or `Type(x)`.
                let ty = match pattern.split_once(':') {
                    Some((_, ty)) => ty.trim(),
                    None => pattern.split('(').next().unwrap_or_default().trim(),
                };
                let ty = ty.to_owned();
                out.insert((export.clone(), arg.to_owned()), ty);
            }
        }
    }
    out
}

#[test]
fn the_table_names_the_types_the_exports_parse() {
    let described = described_args(&description());
    let parsed = parsed_in_source();
    assert!(parsed.len() > 30, "the source scan found {}", parsed.len());
    for (key, ty) in &parsed {
        assert_eq!(
            described.get(key),
            Some(ty),
            "{key:?} is parsed as {ty} in src/ffi/ but src/ffi/abi_inputs.rs says otherwise"
        );
    }
}

#[test]
fn the_description_reads_as_expected() {
    let doc = description();
    let field = |s: &str, f: &str| doc["structs"][s][f].clone();
    // serde's rename (camelCase, explicit renames), Option, one-or-many and enums.
    assert_eq!(
        field("TriggerOptions", "idempotencyKeyTTL"),
        serde_json::json!({"type": "string", "required": false})
    );
    assert_eq!(
        field("TriggerOptions", "tags"),
        serde_json::json!({"type": {"oneOf": ["string", {"array": "string"}]}, "required": false})
    );
    assert_eq!(field("CreateSchedule", "cron")["required"], true);
    assert_eq!(field("BatchItem", "task")["required"], true);
    assert_eq!(
        doc["exports"]["trigger_tasks_batch_trigger"]["items_json"]["type"],
        serde_json::json!({"array": {"struct": "BatchItem"}})
    );
    // The hand-parsed configuration, probed.
    assert_eq!(
        field("Config", "requestOptions")["type"],
        serde_json::json!({"struct": "RequestOptions"})
    );
    assert_eq!(field("RetryPolicy", "factor")["type"], "number");
    assert_eq!(
        field("RequestOptions", "additionalHeaders")["type"],
        serde_json::json!({"map": "string"})
    );
}
