#!/usr/bin/env python3
"""Writes the seed corpus, fuzz/corpus/<target>/<op>-<n>: the first byte picks the export (its
index in the target's OPS table, read from the target's source so the two cannot drift), the
rest is the argument or response body. Response bodies are built from the OpenAPI schemas of
../shared/spec/v3-openapi.yaml (property examples, else a value of the type) where the spec
has one, else written here. Run it after adding an export to a target; needs PyYAML for the
spec (without it only the written bodies are made)."""

import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "shared", "spec", "v3-openapi.yaml")


def op_names(target):
    source = open(os.path.join(HERE, "fuzz_targets", target + ".rs")).read()
    table = source.split("const OPS")[1]
    return re.findall(r'^\s+\(?\s*"([a-z_]+(?: [a-z_]+)?)",?', table, re.M)


def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    count = 0
    for index, name, inputs in seeds:
        for n, text in enumerate(inputs):
            data = text if isinstance(text, bytes) else text.encode()
            slug = name.replace(" ", "-")
            with open(os.path.join(folder, f"{slug}-{n}"), "wb") as f:
                f.write(bytes([index]) + data)
            count += 1
    print(f"{target}: {count} seeds")


def by_name(target, table):
    names = op_names(target)
    missing = set(table) - set(names)
    assert not missing, f"{target}: no such op {missing}"
    return [(names.index(name), name, inputs) for name, inputs in table.items()]


# Malformed inputs every JSON argument also gets.
BAD = ["", "{", "[1,2", "null", '"text"', "{\"a\":\xff}", b"{\"x\":\"\xff\xfe\"}", "1e999"]

CONFIG = [
    '{"accessToken":"tr_dev_abc","baseURL":"http://127.0.0.1:1"}',
    '{"secretKey":"tr_prod_abc","previewBranch":"feature-x","inheritContext":false,'
    '"userAgentSuffix":"my-app/1.0","externalDeploymentId":"deploy-42",'
    '"future":{"v2RealtimeStreams":true},"maxResponseBytes":67108864,'
    '"dangerouslyAllowInsecureHttp":false,"requestOptions":{"timeoutMs":60000,'
    '"additionalHeaders":{"x-a":"b"},"retry":{"maxAttempts":5,"factor":1.6,'
    '"minTimeoutInMs":1000,"maxTimeoutInMs":30000,"randomize":false,'
    '"maxRateLimitWaitMs":60000}}}',
    '{"accessToken":"tr_pat_abc","baseURL":"https://api.trigger.dev/"}',
    '{"accessToken":"bad\\ntoken","baseURL":"ftp://x"}',
    '{"apiKey":"x"}',
    '{"requestOptions":{"timeoutMs":0}}',
    '{"caBundlePem":"-----BEGIN CERTIFICATE-----\\nAAECAwQF\\n-----END CERTIFICATE-----\\n",'
    '"usePlatformTrustStore":false}',
    '{"caBundlePath":"/nonexistent/ca.pem","caBundlePem":"x"}',
]
REQUEST_OPTIONS = [
    '{"retry":{"maxAttempts":1},"timeoutMs":5000,"additionalHeaders":{"x-a":"b"}}',
    '{"additionalHeaders":{"bad header":"v\\r\\n"}}',
    '{"retry":{"factor":-1}}',
]


def config():
    return [
        (0, "client_new", CONFIG + BAD),
        (1, "configure", CONFIG[:2] + BAD[:3]),
        (2, "client_with_options", REQUEST_OPTIONS + BAD[:3]),
        (3, "auth_push", CONFIG[:3] + BAD[:3]),
    ]


RESULT = [
    '{"ok":true,"id":"run_1","output":"{\\"json\\":{\\"a\\":1}}",'
    '"outputType":"application/super+json"}',
    '{"ok":true,"id":"run_1","output":"{\\"a\\":1}","outputType":"application/json"}',
    '{"ok":false,"id":"run_1","error":{"type":"BUILT_IN_ERROR","name":"Error","message":"x"}}',
]
TOKEN = (
    '{"id":"waitpoint_1","url":"https://api.trigger.dev/cb","status":"COMPLETED",'
    '"idempotencyKey":null,"idempotencyKeyExpiresAt":null,"timeoutAt":null,'
    '"completedAt":"2025-01-01T00:00:00.000Z","output":"{\\"json\\":{\\"ok\\":1}}",'
    '"outputType":"application/super+json","outputIsError":false,"tags":[],'
    '"createdAt":"2025-01-01T00:00:00.000Z"}'
)
DOTENV = [
    "A=1\nB=two words\n# comment\nexport C='quoted'\n",
    'MULTI="line one\nline two"\nEMPTY=\n',
    "NOEQUALS\n",
    "=novalue\n",
    'X="unterminated\n',
]


def offline():
    keys = ['"order-42"', '["order","42"]', "[]", "42", '["a",1]']
    return [
        (0, "key_run", keys + BAD[:2]),
        (1, "key_attempt", keys[:2]),
        (2, "key_global", keys[:2]),
        (3, "dotenv", DOTENV + [b"A=\xff\n"]),
        (4, "result_output", RESULT + BAD[:3]),
        (5, "token_output", [TOKEN] + BAD[:3]),
    ]


OPTIONS = (
    '{"idempotencyKey":["part","part"],"idempotencyKeyTTL":"1h","delay":"5m","ttl":"10m",'
    '"tags":["a"],"metadata":{"m":1},"queue":"q","concurrency":["limit"],"concurrencyKey":"c",'
    '"maxAttempts":3,"maxDuration":300,"machine":"small-1x","priority":10,'
    '"version":"20250101.1","region":"eu","externalDeploymentId":"d",'
    '"debounce":{"key":"k","delay":"5s"},"test":false}'
)
RUNS_FILTER = (
    '{"status":["COMPLETED"],"taskIdentifier":["my-task"],"version":["v1"],'
    '"bulkAction":"bulk_1","tag":["a"],"schedule":"sched_1","isTest":false,'
    '"from":1700000000000,"to":1800000000000,"period":"1d","batch":"batch_1",'
    '"queue":[{"type":"task","name":"my-task"},{"type":"custom","name":"q"},"task/other"],'
    '"machine":["small-1x"],"region":["eu"],"limit":10,"after":"cursor"}'
)
SESSION_START = (
    '{"type":"chat","externalId":"chat-42","taskIdentifier":"chat-agent","triggerConfig":'
    '{"basePayload":{"a":1},"machine":"small-1x","queue":"q","concurrency":["limit"],'
    '"concurrencyKey":"k","tags":["a"],"maxAttempts":3,"maxDuration":600,"lockToVersion":"v",'
    '"region":"eu","idleTimeoutInSeconds":300,"externalDeploymentId":null},"tags":["t"],'
    '"metadata":{"m":1},"expiresAt":"2030-01-01T00:00:00.000Z"}'
)
PUBLIC_TOKEN = [
    '{"scopes":{"read":{"runs":["run_1"],"sessions":"session_123"},'
    '"write":{"sessions":"session_123"},"trigger":{"tasks":true}},"expirationTime":"15m"}',
    '{"scopes":{"read":{"sessions":"s1:channels:chat:out"}},"expirationTime":1900000000}',
    '{"expirationTime":"31d"}',
]
TRIGGER_TOKEN = ['{"expirationTime":"1h","multipleUse":true}', '{"multipleUse":"yes"}']
TASK_LIST = ['"my-task"', '["a","b"]', "[]", "[1]"]


def args():
    return by_name("args", {
        "tasks_trigger options_json": [OPTIONS, '{"idempotencyKey":"k"}', '{"priority":-1}']
        + BAD,
        "tasks_trigger payload_json": ['{"a":[1,2,{"b":null}]}', '"plain text"', "[]", "1.5"]
        + BAD[:3],
        "tasks_batch_trigger items_json": [
            '[{"task":"a","payload":{"n":1},"options":{"tags":["x"]}},{"task":"b"}]',
            "[]", '[{"payload":1}]', '[{"task":"a","extra":1}]'] + BAD,
        "tasks_batch_trigger options_json": ['{"idempotencyKey":"k","idempotencyKeyTTL":"1h"}']
        + BAD[:3],
        "idempotency_keys_reset key_json": ['"k"', '["a","b"]', '"' + "a" * 64 + '"'] + BAD[:3],
        "runs_list params_json": [RUNS_FILTER, '{"status":"COMPLETED","limit":0}',
                                  '{"projectRef":"proj_1","env":["dev"]}'] + BAD,
        "runs_list_iter params_json": [RUNS_FILTER, '{"queue":[{"type":"bad"}]}'],
        "runs_replay options_json": [
            '{"payload":{"a":1},"payloadType":"application/json","metadata":{},"tags":["a"],'
            '"queue":"q","concurrencyKey":"c","machine":"small-1x","version":"v","region":"eu",'
            '"delay":"5m","ttl":"1h","idempotencyKey":"k","idempotencyKeyTTL":"1d",'
            '"maxAttempts":3,"maxDuration":60,"priority":10}'] + BAD[:3],
        "runs_reschedule delay": ["1h", "2030-01-01T00:00:00Z", "", b"\xff"],
        "runs_update_metadata body_json": [
            '{"metadata":{"a":1}}',
            '{"operations":[{"type":"set","key":"k","value":1},'
            '{"type":"increment","key":"n","value":2}],"parentOperations":[],'
            '"rootOperations":[{"type":"append","key":"l","value":"x"}]}'] + BAD[:3],
        "runs_add_tags tags_json": ['"a"', '["a","b"]', "[1]"],
        "envvars_create body_json": ['{"name":"A","value":"1","isSecret":false}',
                                     '{"name":"A"}'] + BAD[:3],
        "envvars_update value": ["new value", "", b"\xff"],
        "envvars_upload body_json": [
            '{"variables":{"A":"1","B":"2"},"parentVariables":{"C":"3"},"isSecret":false,'
            '"override":false}', '{"variables":{"A":1}}'] + BAD[:3],
        "schedules_list params_json": ['{"page":1,"perPage":20}', '{"page":-1}'],
        "schedules_list_iter params_json": ['{"page":2,"perPage":1}'],
        "schedules_create body_json": [
            '{"task":"my-task","cron":"0 * * * *","deduplicationKey":"k","externalId":"user_1",'
            '"timezone":"Europe/Paris","window":"30m"}', '{"task":"t"}'] + BAD[:3],
        "schedules_update body_json": [
            '{"task":"my-task","cron":"0 * * * *","externalId":"user_1","timezone":"UTC",'
            '"window":"30m"}'] + BAD[:3],
        "queues_list params_json": ['{"page":1,"perPage":20}'],
        "queues_list_iter params_json": ['{"page":1}'],
        "deployments_list params_json": [
            '{"status":"DEPLOYED","period":"7d","from":"2025-01-01T00:00:00Z",'
            '"to":"2025-02-01T00:00:00Z","limit":20,"cursor":"c"}'],
        "deployments_list_iter params_json": ['{"limit":1}'],
        "waitpoints_create_token options_json": [
            '{"timeout":"1h","idempotencyKey":"k","idempotencyKeyTTL":"1d","tags":["a"]}',
            '{"timeout":"2030-01-01T00:00:00Z"}'] + BAD[:3],
        "waitpoints_list_tokens params_json": [
            '{"status":["WAITING","COMPLETED","TIMED_OUT"],"idempotencyKey":"k","tags":["a"],'
            '"period":"1d","from":1700000000000,"to":1800000000000,"limit":20,"after":"c"}'],
        "waitpoints_list_tokens_iter params_json": ['{"status":"WAITING"}'],
        "waitpoints_complete_token data_json": ['{"ok":true}', '"text"', "null"] + BAD[:2],
        "bulk_actions_create body_json": [
            '{"filter":{"status":["QUEUED"],"tag":"old"},"name":"cancel old","action":"cancel"}',
            '{"runIds":["run_1","run_2"],"targetRegion":"eu-central-1","action":"replay"}',
            '{"runIds":[],"filter":{},"action":"cancel"}'] + BAD[:3],
        "bulk_actions_list params_json": ['{"limit":20,"after":"c","before":"d"}'],
        "bulk_actions_list_iter params_json": ['{"limit":1}'],
        "sessions_start body_json": [SESSION_START, '{"type":"chat"}'] + BAD[:3],
        "sessions_list params_json": [
            '{"type":"chat","tag":"a","taskIdentifier":"t","externalId":"x","status":"ACTIVE",'
            '"period":"1d","from":1,"to":2,"limit":20,"after":"c","before":"d"}'],
        "sessions_list_iter params_json": ['{"status":"CLOSED"}'],
        "sessions_update body_json": ['{"tags":["a"],"metadata":{"m":1},"externalId":"x"}',
                                      '{"metadata":null,"externalId":null}'] + BAD[:3],
        "sessions_append data_json": ['"hello"', '{"type":"message","text":"hi"}'] + BAD[:3],
        "sessions_subscribe options_json": [
            '{"lastEventId":3,"fromLatest":false,"timeoutSeconds":60,'
            '"stopAtEndOfWindow":false,"peekSettled":false}'] + BAD[:3],
        "runs_stream options_json": [
            '{"startIndex":3,"fromLatest":false,"timeoutSeconds":60}',
            '{"fromLatest":true}', '{"timeoutSeconds":0}'] + BAD[:3],
        "streams_send_input data_json": ['"yes"', '{"approved":true}'] + BAD[:3],
        "concurrency_limits_list params_json": ['{"page":1,"perPage":20}'] + BAD[:3],
        "concurrency_limits_list_iter params_json": ['{"perPage":1}'],
        "concurrency_limits_retrieve_key concurrency_key_json": ['"tenant 42/x"', "42", "4.5",
                                                                 '""', "true"],
        "concurrency_limits_override options_json": ['{"perKey":5,"total":20}', '{"total":0}',
                                                     "{}", '{"total":100001}'] + BAD[:3],
        "concurrency_limits_override_key options_json": [
            '{"concurrencyKey":42,"perKey":0,"ttl":"1d"}', '{"concurrencyKey":"k","perKey":1,"ttl":60}',
            '{"concurrencyKey":"k","perKey":1,"total":2}', '{"concurrencyKey":"k","perKey":1,"ttl":0}'],
        "concurrency_limits_reset_key concurrency_key_json": ['"tenant-42"', "42", "null"],
        "query_execute options_json": [
            '{"scope":"project","period":"7d","from":"2026-01-01T00:00:00Z","to":"2026-01-02",'
            '"format":"csv"}', '{"scope":"galaxy"}', '{"format":"xml"}', '{"period":""}'] + BAD[:3],
        "query_dashboards_create body_json": ['{"title":"T","description":"d","widgets":[{"id":"w"}]}',
                                              '{"title":" "}', '{"widgets":[]}', '{"title":"T","widgets":{}}'] + BAD[:3],
        "query_dashboards_update changes_json": ['{"title":"T","description":"d","revision":"rev_1"}', "{}",
                                                 '{"revision":5}'] + BAD[:3],
        "auth_create_public_token options_json": PUBLIC_TOKEN + BAD[:3],
        "auth_create_trigger_public_token tasks_json": TASK_LIST,
        "auth_create_trigger_public_token options_json": TRIGGER_TOKEN,
        "auth_create_batch_trigger_public_token tasks_json": TASK_LIST[:2],
        "auth_create_batch_trigger_public_token options_json": TRIGGER_TOKEN[:1],
    })


def spec_bodies():
    """A body for each (method, path) of the spec whose 200 response has a schema."""
    try:
        import yaml
    except ImportError:
        print("no PyYAML: spec bodies skipped", file=sys.stderr)
        return {}
    spec = yaml.safe_load(open(SPEC))
    schemas = spec["components"]["schemas"]

    def example(schema, depth=0):
        if "$ref" in schema:
            return example(schemas[schema["$ref"].split("/")[-1]], depth)
        if "allOf" in schema:
            merged = {}
            for part in schema["allOf"]:
                value = example(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return example(schema[key][0], depth)
        if "example" in schema:
            return schema["example"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "array":
            return [example(schema.get("items", {}), depth + 1)] if depth < 4 else []
        if kind == "object" or "properties" in schema:
            return {
                name: example(prop, depth + 1)
                for name, prop in schema.get("properties", {}).items()
                # A presigned URL would be downloaded: keep the run on loopback.
                if not name.endswith("PresignedUrl")
            }
        if schema.get("format") == "date-time":
            return "2025-01-01T00:00:00.000Z"
        return {"integer": 1, "number": 1.5, "boolean": False}.get(kind, "x")

    bodies = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            response = op.get("responses", {}).get("200") if isinstance(op, dict) else None
            schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
            if schema:
                bodies[(method.upper(), path)] = json.dumps(example(schema))
    return bodies


RUN = ('{"id":"run_1","status":"COMPLETED","taskIdentifier":"t",'
       '"createdAt":"2025-01-01T00:00:00.000Z","isCompleted":true,"payload":{"a":1},'
       '"output":{"b":2},"metadata":{"m":1},"tags":["x"],"attempts":[]}')
SCHEDULE = ('{"id":"sched_1","task":"t","type":"IMPERATIVE","active":true,'
            '"deduplicationKey":"k","externalId":null,"generator":{"type":"CRON",'
            '"expression":"0 * * * *","description":"Every hour"},"timezone":"UTC",'
            '"nextRun":"2025-01-01T01:00:00.000Z","environments":[]}')
QUEUE = ('{"id":"queue_1","name":"my-task","type":"task","running":0,"queued":1,'
         '"paused":false,"concurrencyLimit":null,"concurrency":{"current":null,'
         '"base":null,"override":null,"overriddenBy":null}}')
DEPLOYMENT = ('{"id":"deployment_1","status":"DEPLOYED","contentHash":"abc","shortCode":"s",'
              '"version":"20250101.1","imageReference":null,"errorData":null,'
              '"createdAt":"2025-01-01T00:00:00.000Z","deployedAt":null,"worker":null}')
SESSION = ('{"id":"session_1","externalId":"chat-42","type":"chat","taskIdentifier":"agent",'
           '"tags":[],"metadata":null,"closedAt":null,"closedReason":null,"expiresAt":null,'
           '"createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-01T00:00:00.000Z"}')
BULK = ('{"id":"bulk_1","name":"n","type":"CANCEL","status":"COMPLETED","counts":'
        '{"total":2,"success":2,"failure":0},"createdAt":"2025-01-01T00:00:00.000Z",'
        '"completedAt":"2025-01-01T00:01:00.000Z"}')


def cursor_page(item):
    return '{"data":[%s],"pagination":{"next":"c2","previous":null}}' % item


def offset_page(item):
    return '{"data":[%s],"pagination":{"currentPage":1,"totalPages":2,"count":2}}' % item


SSE = [
    'event: batch\ndata: {"records":[{"data":"hi","id":"p1","seqNum":1,"timestamp":1,'
    '"headers":[]}],"lastSeqNum":1}\n\ndata: [DONE]\n\n',
    "event: error\ndata: oops\n\n",
    ": comment\nretry: 10\n\ndata: [DONE]\n\n",
]

RUN_STREAM = [
    'event: batch\ndata: {"records":[{"seq_num":0,"timestamp":1,"headers":[],'
    '"body":"{\\"data\\":{\\"t\\":\\"a\\"},\\"id\\":\\"p0\\"}"},'
    '{"seq_num":1,"headers":[["","fence"]],"body":""}]}\n\ndata: [DONE]\n\n',
    "id: 1700000000000-0\ndata: {\"a\":1}\n\n: ping\n\nid: 1700000000000-1\ndata: text\n\n",
    "event: error\ndata: oops\n\n",
]

BOUND = '{"current":5,"base":2,"override":5,"overriddenAt":"2026-01-01T00:00:00.000Z"}'
LIMIT = ('{"id":"climit_1","name":"openai","perKey":' + BOUND + ',"total":{"current":null,'
         '"base":null,"override":null,"overriddenAt":null},"running":1,"queued":2}')
KEY_LIMIT = ('{"name":"openai","concurrencyKey":"42","perKey":{"current":0,"base":2,"override":0,'
             '"expiresAt":"2026-01-02T00:00:00.000Z"},"running":0,"paused":true}')
BATCH_RESULTS = [
    '{"id":"batch_1","items":[{"ok":true,"id":"run_1","output":"{\\"a\\":1}",'
    '"outputType":"application/json","usage":{"durationMs":3}}]}',
    '{"id":"batch_1","items":[{"ok":false,"id":"run_2","error":{"type":"BUILT_IN_ERROR",'
    '"name":"Error","message":"m","stackTrace":"s"}},{"ok":false,"id":"run_3","error":'
    '{"type":"INTERNAL_ERROR","code":"TASK_RUN_CANCELLED"}},{"ok":false,"id":"run_4","error":'
    '{"type":"STRING_ERROR","raw":"x"}},{"ok":false,"id":"run_5","error":{"type":"NEW"}}]}',
    '{"id":"batch_1","items":[]}',
]


def responses():
    spec = spec_bodies()
    table = {
        "tasks_trigger": [('POST', '/api/v1/tasks/{taskIdentifier}/trigger'),
                          '{"id":"run_1","isCached":false}'],
        "tasks_batch_trigger": [('POST', '/api/v1/tasks/batch'),
                                '{"id":"batch_1","runCount":2,"isCached":false,'
                                '"itemsAccepted":2,"itemsDeduplicated":0,"sealed":true}'],
        "batches_retrieve": ['{"id":"batch_1","status":"COMPLETED","idempotencyKey":null,'
                             '"createdAt":"2025-01-01T00:00:00.000Z","updatedAt":'
                             '"2025-01-01T00:00:00.000Z","runCount":2,"runs":["run_1","run_2"]}'],
        "idempotency_keys_reset": ['{"id":"idem_1"}'],
        "runs_list": [('GET', '/api/v1/runs'), cursor_page(RUN), '{"data":[],"pagination":{}}'],
        "runs_list_iter": [('GET', '/api/v1/runs'), cursor_page(RUN)],
        "runs_retrieve": [('GET', '/api/v3/runs/{runId}'), RUN, '{"id":"run_1"}'],
        "runs_outcome": [RUN],
        "runs_cancel": ['{"id":"run_1"}'],
        "runs_replay": ['{"id":"run_2"}'],
        "runs_reschedule": [('POST', '/api/v1/runs/{runId}/reschedule'), RUN],
        "runs_update_metadata": ['{"metadata":{"a":1}}'],
        "runs_metadata": ['{"metadata":"{\\"a\\":1}","metadataType":"application/json"}',
                          '{"metadata":null}'],
        "runs_add_tags": ['{"message":"Successfully set 1 new tags."}'],
        "runs_result": ['{"ok":true,"id":"run_1","output":"{\\"a\\":1}",'
                        '"outputType":"application/json"}'] + RESULT[2:],
        "runs_events": ['{"events":[{"spanId":"s1","parentId":null,"message":"m",'
                        '"startTime":"2025-01-01T00:00:00.000Z","duration":5}]}'],
        "runs_trace": ['{"trace":{"traceId":"t1","rootSpan":{"id":"s1","children":[],'
                       '"data":{"message":"m"}}}}'],
        "envvars_list": [('GET', '/api/v1/projects/{projectRef}/envvars/{env}'),
                         '[{"name":"A","value":"1","isSecret":false}]', "[]"],
        "envvars_retrieve": [('GET', '/api/v1/projects/{projectRef}/envvars/{env}/{name}'),
                             '{"name":"A","value":"1","isSecret":false}'],
        "envvars_create": ['{"success":true}'],
        "envvars_update": ['{"success":true}'],
        "envvars_del": ['{"success":true}'],
        "envvars_upload": ['{"success":true}', '{"success":false}'],
        "schedules_list": [('GET', '/api/v1/schedules'), offset_page(SCHEDULE)],
        "schedules_list_iter": [offset_page(SCHEDULE)],
        "schedules_create": [('POST', '/api/v1/schedules'), SCHEDULE],
        "schedules_retrieve": [('GET', '/api/v1/schedules/{schedule_id}'), SCHEDULE],
        "schedules_update": [SCHEDULE],
        "schedules_activate": [SCHEDULE],
        "schedules_deactivate": [SCHEDULE],
        "schedules_del": ['{"id":"sched_1"}'],
        "schedules_timezones": [('GET', '/api/v1/timezones'),
                                '{"timezones":["Africa/Abidjan","UTC"]}'],
        "queues_list": [('GET', '/api/v1/queues'), offset_page(QUEUE)],
        "queues_list_iter": [offset_page(QUEUE)],
        "queues_retrieve": [('GET', '/api/v1/queues/{queueParam}'), QUEUE],
        "queues_pause": [QUEUE],
        "queues_resume": [QUEUE],
        "queues_override_concurrency_limit": [QUEUE],
        "queues_reset_concurrency_limit": [QUEUE],
        "deployments_list": [cursor_page(DEPLOYMENT)],
        "deployments_list_iter": [cursor_page(DEPLOYMENT)],
        "deployments_retrieve": [DEPLOYMENT],
        "deployments_retrieve_current": [DEPLOYMENT],
        "deployments_retrieve_latest": [DEPLOYMENT],
        "deployments_promote": ['{"id":"deployment_1","version":"20250101.1","shortCode":"s"}'],
        "waitpoints_create_token": [('POST', '/api/v1/waitpoints/tokens'),
                                    '{"id":"waitpoint_1","isCached":false,'
                                    '"url":"https://api.trigger.dev/cb"}'],
        "waitpoints_list_tokens": [('GET', '/api/v1/waitpoints/tokens'), cursor_page(TOKEN)],
        "waitpoints_list_tokens_iter": [cursor_page(TOKEN)],
        "waitpoints_retrieve_token": [('GET', '/api/v1/waitpoints/tokens/{waitpointId}'), TOKEN],
        "waitpoints_complete_token": ['{"success":true}'],
        "bulk_actions_create": ['{"id":"bulk_1"}'],
        "bulk_actions_list": [('GET', '/api/v1/bulk-actions'), cursor_page(BULK)],
        "bulk_actions_list_iter": [cursor_page(BULK)],
        "bulk_actions_retrieve": [('GET', '/api/v1/bulk-actions/{bulkActionId}'), BULK],
        "bulk_actions_abort": ['{"id":"bulk_1"}'],
        "sessions_start": [('POST', '/api/v1/sessions'),
                           SESSION[:-1] + ',"runId":"run_1","isCached":false}'],
        "sessions_list": [('GET', '/api/v1/sessions'), cursor_page(SESSION)],
        "sessions_list_iter": [cursor_page(SESSION)],
        "sessions_retrieve": [('GET', '/api/v1/sessions/{session}'), SESSION],
        "sessions_update": [SESSION],
        "sessions_close": [SESSION],
        "sessions_append": ['{"ok":true,"seq":3}'],
        "sessions_records": ['{"records":[{"data":"hi","id":"p1","seqNum":1,'
                             '"headers":[["k","v"]]}]}', '{"records":[]}'],
        "sessions_subscribe": SSE,
        "streams_send_input": ['{"ok":true}'],
        "runs_stream": RUN_STREAM,
        "concurrency_limits_list": ['{"data":[' + LIMIT + '],"pagination":{"currentPage":1,'
                                    '"totalPages":1,"count":1}}'],
        "concurrency_limits_list_iter": ['{"data":[' + LIMIT + '],"pagination":{"currentPage":1,'
                                         '"totalPages":1,"count":1}}'],
        "concurrency_limits_retrieve": [LIMIT, '{"id":"climit_1"}'],
        "concurrency_limits_retrieve_key": [KEY_LIMIT],
        "concurrency_limits_override": [LIMIT],
        "concurrency_limits_override_key": [KEY_LIMIT, '{"name":"n","concurrencyKey":42}'],
        "concurrency_limits_reset": [LIMIT],
        "concurrency_limits_reset_key": [KEY_LIMIT],
        "concurrency_limits_pause": [LIMIT],
        "concurrency_limits_resume": [LIMIT],
        "batches_results": BATCH_RESULTS,
        "runs_retrieve_span": ['{"spanId":"s1","parentId":null,"runId":"run_1","message":"m",'
                               '"isError":false,"isPartial":false,"isCancelled":false,'
                               '"level":"TRACE","startTime":"2025-01-01T00:00:00.000Z",'
                               '"durationMs":5.5,"properties":{}}'],
        "query_execute": ['{"format":"json","results":[{"count":3,"x":{"y":[1]}}]}',
                          '{"format":"csv","results":"count\\n3\\n"}', '{"format":"xml","results":1}',
                          '{"format":"json","results":["not a row"]}'],
        "query_schema": ['{"tables":[{"name":"runs","timeColumn":"created_at","columns":['
                         '{"name":"status","type":"String","allowedValues":["QUEUED"],'
                         '"coreColumn":true,"example":"QUEUED"}]}]}', '{"tables":[{}]}'],
        "query_dashboards_list": ['{"dashboards":[{"key":"overview","title":"O","type":"builtIn",'
                                  '"widgets":[{"id":"w","title":"t","query":"q","type":"table"}]}]}'],
        "query_dashboards_retrieve": ['{"id":"d1","title":"T","description":null,"revision":"rev_2",'
                                      '"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":'
                                      '"2026-01-01T00:00:00.000Z","widgets":[{"id":"w","title":"t",'
                                      '"query":"q","display":{"type":"title"},"position":'
                                      '{"x":0,"y":0,"w":1,"h":1}}]}', '{"id":"d1"}'],
        "query_dashboards_create": ['{"id":"d1","title":"T","revision":"rev_1","widgets":[]}', '{"title":"T"}'],
        "query_dashboards_update": ['{"id":"d1","title":"T","revision":"rev_2","widgets":[]}'],
        "query_dashboards_del": ['{"id":"d1"}', '{}'],
        # A root secret key signs locally with the environment's claims, fetched first.
        "auth_create_public_token": ['{"sub":"env_1","pub":true}'],
        "auth_create_trigger_public_token": ['{"sub":"env_1","pub":true}'],
        "auth_create_batch_trigger_public_token": ['{"sub":"env_1"}'],
    }
    seeds = {}
    for name, entries in table.items():
        bodies = [spec[e] if isinstance(e, tuple) else e for e in entries
                  if not isinstance(e, tuple) or e in spec]
        seeds[name] = bodies + ["", "{", "[]", "null"]
    return by_name("responses", seeds)


if __name__ == "__main__":
    write("config", config())
    write("offline", offline())
    write("args", args())
    write("responses", responses())
