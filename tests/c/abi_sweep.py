#!/usr/bin/env python3
"""Every fallible export of include/triggerdev.h, called with one bad argument at a time.

The header is read for the prototypes, so a new export is swept without editing this file.
For each argument of each export, the call is made with valid values everywhere else and, in
that one argument: NULL, text that is not UTF-8, and (for JSON arguments) malformed JSON and
JSON of the wrong shape. Whenever the library answers TRIGGER_RESULT_INVALID_ARGUMENT, the
message must start with that argument's name as the header spells it (`params_json: ...`):
an error must blame the argument that is wrong. Nothing may crash, and out-parameters are
never written on failure. No request succeeds: the client points at a closed port.

    python3 tests/c/abi_sweep.py <path to libtriggerdev.so> <path to triggerdev.h>
"""

import ctypes
import json
import re
import sys

INVALID_ARGUMENT = 1
PANIC = 100

lib_path, header_path = sys.argv[1], sys.argv[2]
lib = ctypes.CDLL(lib_path)
header = open(header_path, encoding="utf-8").read()

lib.trigger_error_message.restype = ctypes.c_char_p
lib.trigger_error_message.argtypes = [ctypes.c_void_p]
lib.trigger_error_argument.restype = ctypes.c_char_p
lib.trigger_error_argument.argtypes = [ctypes.c_void_p]
lib.trigger_error_reason.restype = ctypes.c_char_p
lib.trigger_error_reason.argtypes = [ctypes.c_void_p]
lib.trigger_error_kind.restype = ctypes.c_int
lib.trigger_error_kind.argtypes = [ctypes.c_void_p]
lib.trigger_error_free.argtypes = [ctypes.c_void_p]
lib.trigger_string_free.argtypes = [ctypes.c_void_p]
lib.trigger_client_new.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p]
lib.trigger_client_free.argtypes = [ctypes.c_void_p]

# Valid values for string arguments, by name (JSON arguments end in `_json`).
VALID = {
    "task_id": b"t",
    "run_id": b"run_1",
    "batch_id": b"batch_1",
    "schedule_id": b"sched_1",
    "deployment_id": b"dep_1",
    "bulk_action_id": b"bulk_1",
    "token_id": b"waitpoint_1",
    "project_ref": b"proj_1",
    "env": b"dev",
    "name": b"NAME",
    "value": b"v",
    "delay": b"1h",
    "version": b"20250101.1",
    "queue": b"queue_1",
    "queue_type": b"task",
    "session": b"chat-1",
    "key": b"llm",
    "stream_id": b"approval",
    "span_id": b"span_1",
    "channel_name": b"tools",
    "io": b"in",
    "reason": b"done",
    "scope": b"global",
    "text": b"A=1\n",
    "config_json": b"{}",
    "override_json": b"{}",
    "payload_json": b'{"a":1}',
    "items_json": b'[{"task":"t"}]',
    "tags_json": b'["a"]',
    "tasks_json": b'["t"]',
    "key_json": b'"k"',
    "concurrency_key_json": b'"tenant-42"',
    "data_json": b'{"ok":true}',
    "result_json": b'{"ok":true,"id":"run_1","output":"1","outputType":"application/json"}',
    "token_json": b'{"id":"waitpoint_1","status":"COMPLETED","createdAt":"2026-01-01T00:00:00Z"}',
    "signature": b"00",
    "secret": b"whsec_sweep",
}
# JSON arguments that are objects, with a valid one (NULL is allowed for most).
OBJECT_VALID = {
    "body_json": {
        "trigger_runs_update_metadata": b'{"metadata":{}}',
        "trigger_envvars_create": b'{"name":"A","value":"1"}',
        "trigger_envvars_upload": b'{"variables":{"A":"1"}}',
        "trigger_schedules_create": b'{"task":"t","cron":"0 * * * *","deduplicationKey":"d"}',
        "trigger_schedules_update": b'{"task":"t","cron":"0 * * * *"}',
        "trigger_bulk_actions_create": b'{"runIds":["run_1"],"action":"cancel"}',
        "trigger_sessions_start": b'{"type":"chat","taskIdentifier":"t","triggerConfig":{"basePayload":{}}}',
        "trigger_sessions_update": b'{"tags":["a"]}',
        "trigger_branches_create": b'{"env":"preview","branch":"b"}',
        "trigger_query_dashboards_create": b'{"title":"t"}',
    },
    "options_json": {
        "trigger_concurrency_limits_override": b'{"total":1}',
        "trigger_concurrency_limits_override_key": b'{"concurrencyKey":"k","perKey":1}',
    },
}

# Where one export takes other values than the name's usual ones.
FUNCTION_VALID = {
    ("trigger_branches_archive", "env"): b"preview",
}


def valid_string(function, name):
    if (function, name) in FUNCTION_VALID:
        return FUNCTION_VALID[(function, name)]
    if name in OBJECT_VALID:
        return OBJECT_VALID[name].get(function, b"{}")
    if name.endswith("_json"):
        return VALID.get(name, b"{}")
    return VALID.get(name, b"x")


PROTOTYPE = re.compile(r"enum trigger_result (trigger_\w+)\(([^)]*)\);")


def parameters(text):
    params = []
    for raw in text.split(","):
        raw = " ".join(raw.split())
        if not raw or raw == "void":
            continue
        name = re.findall(r"(\w+)$", raw)[0]
        params.append((raw[: -len(name)].strip(), name))
    return params


failures = []
checks = 0
client = ctypes.c_void_p()
err = ctypes.c_void_p()
config = json.dumps(
    {"accessToken": "tr_dev_sweep_key_0001", "baseURL": "http://127.0.0.1:9",
     "requestOptions": {"retry": {"maxAttempts": 1}, "timeoutMs": 2000}}
).encode()
assert lib.trigger_client_new(config, ctypes.byref(client), ctypes.byref(err)) == 0
SENTINEL = 0x5A5A5A5A


def call(function, params, bad_index, bad_value):
    """Calls `function` with valid arguments except `bad_index`; returns (rc, message, outs)."""
    args, outs = [], []
    for i, (ctype, name) in enumerate(params):
        if ctype.startswith("struct trigger_error **"):
            args.append(ctypes.byref(err))
            continue
        if i == bad_index:
            value = bad_value
        elif "char **" in ctype or ctype.endswith("**"):
            value = "out"
        elif ctype.startswith("const struct trigger_client"):
            value = client
        elif "struct trigger_" in ctype:
            value = None  # handles other than the client are checked for NULL only
        elif ctype in ("int64_t *", "uint64_t *", "int32_t *", "uint32_t *"):
            value = ctypes.byref(ctypes.c_int64(SENTINEL))
        elif ctype in ("bool",):
            value = False
        elif ctype in ("uint64_t", "uint32_t", "int64_t", "int", "size_t"):
            value = 1  # a length too: 1 byte of the valid string passed with it
        elif ctype.endswith("_callback") or ctype.endswith("_check"):
            value = None  # a function pointer: NULL, never a string
        else:
            value = valid_string(function, name)
        if value == "out":
            slot = ctypes.c_void_p(SENTINEL)
            outs.append(slot)
            args.append(ctypes.byref(slot))
        elif isinstance(value, ctypes.c_void_p) or value is None or type(value).__name__ == "CArgObject":
            args.append(value)
        elif isinstance(value, bytes):
            args.append(ctypes.c_char_p(value))
        else:
            args.append(value)
    err.value = None
    fn = getattr(lib, function)
    fn.restype = ctypes.c_int
    rc = fn(*args)
    message = ""
    argument = reason = None
    if err.value:
        message = lib.trigger_error_message(err).decode("utf-8", "replace")
        argument = lib.trigger_error_argument(err)
        reason = lib.trigger_error_reason(err).decode("utf-8", "replace")
        lib.trigger_error_free(err)
        err.value = None
    written = [o.value for o in outs if o.value not in (SENTINEL, None)]
    if rc == 0:
        # Free whatever a successful call handed out (strings; handles leak harmlessly here).
        for (ctype, _), o in zip([p for p in params if p[0].endswith("**") and "error" not in p[0]], outs):
            if o.value and o.value != SENTINEL and ctype.startswith("char"):
                lib.trigger_string_free(o)
    return rc, message, written, argument and argument.decode("utf-8", "replace"), reason


def blamable(params, name):
    """The prefixes an error may start with when `name` is bad: its own, or that of another
    handle argument, which the sweep passes as NULL (only the client gets a real handle)."""
    others = tuple(
        f"{n}:"
        for c, n in params
        if n != name and "struct trigger_" in c and "**" not in c and not c.startswith("const struct trigger_client")
    )
    return (f"{name}:",) + others


for function, arg_text in PROTOTYPE.findall(header):
    params = parameters(arg_text)
    for index, (ctype, name) in enumerate(params):
        if ctype.startswith("struct trigger_error **"):
            continue
        bad_values = []
        if "*" in ctype:
            bad_values.append(("NULL", None))
        if ctype == "const char *":
            bad_values.append(("not UTF-8", b"\xff\xfe"))
            if name.endswith("_json"):
                bad_values.append(("malformed JSON", b"{"))
                bad_values.append(("a number", b"7"))
                bad_values.append(("an object of the wrong shape", b'{"zzz":1}'))
        for what, bad in bad_values:
            checks += 1
            rc, message, written, argument, reason = call(function, params, index, bad)
            where = f"{function}({name} = {what})"
            # What bindings read: the argument as the Rust API names it (`params_json` ->
            # `params`), and the reason without the C name or a position in the JSON.
            rust_names = tuple(b[:-1].replace("_json", "", 1) for b in blamable(params, name))
            if rc == PANIC:
                failures.append(f"{where}: panicked: {message}")
            elif rc == INVALID_ARGUMENT and not message.startswith(blamable(params, name)):
                failures.append(f"{where}: blames the wrong argument: {message!r}")
            elif rc == INVALID_ARGUMENT and not (argument or "").startswith(rust_names):
                failures.append(f"{where}: trigger_error_argument is {argument!r}")
            elif rc == INVALID_ARGUMENT and ("_json" in reason or " at line " in reason):
                failures.append(f"{where}: trigger_error_reason names C things: {reason!r}")
            if rc != 0 and written:
                failures.append(f"{where}: wrote an out-parameter on failure")
            if what == "NULL" and ctype.endswith("**") and rc != INVALID_ARGUMENT:
                failures.append(f"{where}: a NULL out-parameter gave {rc}, not INVALID_ARGUMENT")
            if what == "not UTF-8" and rc != INVALID_ARGUMENT:
                failures.append(f"{where}: text that is not UTF-8 gave {rc}")

lib.trigger_client_free(client)
for f in failures:
    print("FAIL", f)
print(f"RESULT abi_sweep passed={checks - len(failures)} failed={len(failures)}")
sys.exit(1 if failures else 0)
