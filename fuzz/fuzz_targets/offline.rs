//! The exports that parse caller text and make no request: `trigger_idempotency_keys_create`
//! (key JSON, under each scope), `trigger_envvars_parse_dotenv` (`.env` text),
//! `trigger_runs_result_output` and `trigger_waitpoints_token_output` (a result or token
//! JSON). The first byte picks the export, the rest is its text argument.
#![no_main]

use libfuzzer_sys::fuzz_target;
use triggerdev_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let input = c_input(rest);
    let input = input.as_ptr();
    match op % 6 {
        scope @ 0..=2 => {
            let scope = [c"run", c"attempt", c"global"][usize::from(scope)].as_ptr();
            let key = text_call(|out, err| unsafe {
                trigger_idempotency_keys_create(input, scope, out, err)
            });
            if let Some(key) = key {
                assert!(
                    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                    "not a SHA-256 hex key: {key:?}"
                );
            }
        }
        3 => {
            let vars =
                json_call(|out, err| unsafe { trigger_envvars_parse_dotenv(input, out, err) });
            if let Some(vars) = vars {
                let value: serde_json::Value = serde_json::from_str(&vars).expect("checked JSON");
                assert!(value.is_object(), "variables are not an object: {vars}");
            }
        }
        4 => {
            json_call(|out, err| unsafe { trigger_runs_result_output(input, out, err) });
        }
        _ => {
            json_call(|out, err| unsafe { trigger_waitpoints_token_output(input, out, err) });
        }
    }
});
