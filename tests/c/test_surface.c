/*
 * Queues, deployments, waitpoint tokens, bulk actions, run metadata/events/trace and
 * idempotency keys through the C API, against the emulator: every function end to end, one
 * error path each, iterators over several pages. Every string and error is freed (run.sh runs
 * this under valgrind and ASan).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static trigger_client *dev;

/* A client with a public access token (longer than the harness's token buffer), one attempt. */
static trigger_client *token_client(const char *token) {
    size_t cap = strlen(token) + strlen(h_base_url()) + 128;
    char *config = malloc(cap);
    snprintf(config, cap,
             "{\"accessToken\":\"%s\",\"baseURL\":\"%s\","
             "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}",
             token, h_base_url());
    trigger_client *client = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_client_new(config, &client, &err), err, "client from a public token");
    free(config);
    return client;
}

/* Triggers `task` and returns the new run's id (free() it). */
static char *trigger_run(const char *task, const char *options) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, task, "{}", options, &out, &err), err, "tasks.trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    CHECK(id != NULL && strncmp(id, "run_", 4) == 0, "trigger returned %s", out ? out : "NULL");
    trigger_string_free(out);
    return id;
}

/* Starts a run through the admin API; returns the HTTP status. */
static int start_run(const char *run) {
    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/start", run);
    return h_admin("POST", path, "{}", NULL, 0);
}

static void test_queues(void) {
    const char *tasks[] = {"cq-e", "cq-c", "cq-a", "cq-d", "cq-b"};
    char *runs[5];
    for (int i = 0; i < 5; i++) runs[i] = trigger_run(tasks[i], NULL);
    /* Custom queues are declared (by workers on the server); a trigger does not create one. */
    CHECK(h_admin("POST", "/__emulator/queues", "{\"name\":\"team/shared q\",\"type\":\"custom\"}",
                  NULL, 0) == 200,
          "add the custom queue");
    char *shared = trigger_run("cq-shared", "{\"queue\":\"team/shared q\"}");

    /* One page: 6 queues, 2 per page. */
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_queues_list(dev, "{\"perPage\":2}", &out, &err), err, "queues.list");
    CHECK(h_has(out, "\"totalPages\":3") && h_has(out, "\"count\":6"), "%s", out);
    CHECK(h_has(out, "\"name\":\"cq-a\""), "sorted by name: %s", out);
    trigger_string_free(out);

    /* The iterator walks the 3 pages. */
    trigger_queues_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_list_iter(dev, "{\"perPage\":2}", &iter, &err), err, "queues iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_queues_iter_next(iter, &item, &err), err, "queues next")) break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"id\":\"queue_"), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 6, "iterated %d queues, expected 6", count);
    trigger_queues_iter_free(iter);

    /* A custom queue whose name has a slash and a space. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_retrieve(dev, "team/shared q", "custom", &out, &err), err,
              "queues.retrieve(custom)");
    CHECK(h_has(out, "\"name\":\"team/shared q\"") && h_has(out, "\"type\":\"custom\""), "%s",
          out);
    char *shared_id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_retrieve(dev, shared_id, NULL, &out, &err), err,
              "queues.retrieve(id)");
    CHECK(h_has(out, "\"queued\":1"), "%s", out);
    trigger_string_free(out);
    free(shared_id);

    /* Pause holds the runs queued; resume lets them start. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_pause(dev, "cq-a", "task", &out, &err), err, "queues.pause");
    CHECK(h_has(out, "\"paused\":true"), "%s", out);
    trigger_string_free(out);
    CHECK(start_run(runs[2]) == 409, "a paused queue refuses to start %s", runs[2]);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(dev, runs[2], &out, &err), err, "runs.retrieve");
    CHECK(h_has(out, "\"status\":\"QUEUED\""), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_resume(dev, "cq-a", "task", &out, &err), err, "queues.resume");
    CHECK(h_has(out, "\"paused\":false"), "%s", out);
    trigger_string_free(out);
    CHECK(start_run(runs[2]) == 200, "a resumed queue starts %s", runs[2]);

    /* Override, then reset, the concurrency limit. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_override_concurrency_limit(dev, "cq-b", "task", 1, &out, &err), err,
              "queues.overrideConcurrencyLimit");
    CHECK(h_has(out, "\"override\":1") && h_has(out, "\"concurrencyLimit\":1"), "%s", out);
    trigger_string_free(out);
    CHECK(start_run(runs[4]) == 200, "the first run starts");
    char *second = trigger_run("cq-b", NULL);
    CHECK(start_run(second) == 409, "the limit of 1 holds the second run");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_queues_reset_concurrency_limit(dev, "cq-b", "task", &out, &err), err,
              "queues.resetConcurrencyLimit");
    CHECK(h_has(out, "\"override\":null"), "%s", out);
    trigger_string_free(out);
    CHECK(start_run(second) == 200, "no limit after the reset");
    free(second);

    /* Errors: an unknown queue, a bad queue_type. */
    err = NULL;
    EXPECT_FAIL(trigger_queues_retrieve(dev, "nope", "task", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "queues.retrieve(unknown)");
    char message[256];
    err = NULL;
    h_rc = trigger_queues_pause(dev, "cq-a", "fifo", &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, message, sizeof message,
           "queues.pause(bad type)", __FILE__, __LINE__);
    CHECK(strncmp(message, "queue_type: ", 12) == 0, "%s", message);

    for (int i = 0; i < 5; i++) free(runs[i]);
    free(shared);
}

static void test_deployments(void) {
    /* Dev environments have no deployments (as on the server): this works in prod. */
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_FAIL(trigger_deployments_retrieve_current(dev, &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "deployments.retrieveCurrent (dev)");
    trigger_client *prod = h_client(PROD_KEY, 2);
    /* 11 more deployments: 12 in all, newest first, at least 5 a page. */
    for (int day = 1; day <= 11; day++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"env\":\"prod\",\"version\":\"203001%02d.1\","
                 "\"createdAt\":\"2030-01-%02dT00:00:00Z\"%s}",
                 day, day, day == 11 ? ",\"status\":\"FAILED\"" : "");
        CHECK(h_admin("POST", "/__emulator/deployments", body, NULL, 0) == 200, "add %s", body);
    }

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_retrieve_current(prod, &out, &err), err,
              "deployments.retrieveCurrent");
    CHECK(h_has(out, "\"version\":\"20250101.1\""), "%s", out);
    char *current = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_retrieve(prod, current, &out, &err), err,
              "deployments.retrieve");
    CHECK(h_has(out, "\"worker\":") && h_has(out, "\"contentHash\":"), "%s", out);
    trigger_string_free(out);
    free(current);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_retrieve_latest(prod, &out, &err), err,
              "deployments.retrieveLatest");
    CHECK(h_has(out, "\"version\":\"20300111.1\"") && h_has(out, "\"status\":\"FAILED\""), "%s",
          out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_promote(prod, "20300110.1", &out, &err), err,
              "deployments.promote");
    CHECK(h_has(out, "\"version\":\"20300110.1\""), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_retrieve_current(prod, &out, &err), err, "current after promote");
    CHECK(h_has(out, "\"version\":\"20300110.1\""), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_list(prod, "{\"status\":\"DEPLOYED\",\"limit\":5}", &out, &err),
              err, "deployments.list");
    CHECK(h_has(out, "\"next\":\"deployment_"), "%s", out);
    CHECK(!h_has(out, "FAILED"), "%s", out);
    trigger_string_free(out);

    trigger_deployments_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_deployments_list_iter(prod, "{\"limit\":5}", &iter, &err), err,
              "deployments iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_deployments_iter_next(iter, &item, &err), err, "deployments next"))
            break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"id\":\"deployment_"), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 12, "iterated %d deployments, expected 12", count);
    trigger_deployments_iter_free(iter);

    /* Error: promoting an older deployment. */
    err = NULL;
    EXPECT_FAIL(trigger_deployments_promote(prod, "20250101.1", &out, &err), err,
                TRIGGER_RESULT_BAD_REQUEST, 400, "deployments.promote(older)");
    trigger_client_free(prod);
}

static void test_waitpoints(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_waitpoints_create_token(
                  dev,
                  "{\"timeout\":\"1h\",\"idempotencyKey\":\"c-approve\",\"tags\":[\"c-approval\"]}",
                  &out, &err),
              err, "wait.createToken");
    CHECK(h_has(out, "\"isCached\":false") && h_has(out, "\"url\":\"http"), "%s", out);
    char *id = out ? h_json_str(out, "id") : NULL;
    char *token = out ? h_json_str(out, "publicAccessToken") : NULL;
    CHECK(id && strncmp(id, "waitpoint_", 10) == 0, "%s", out);
    CHECK(token && strncmp(token, "eyJ", 3) == 0, "%s", out);
    trigger_string_free(out);

    /* The same idempotency key: the same token. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_create_token(dev, "{\"idempotencyKey\":\"c-approve\"}", &out, &err),
              err, "wait.createToken(cached)");
    CHECK(h_has(out, "\"isCached\":true") && h_has(out, id), "%s", out);
    trigger_string_free(out);

    char *other = NULL;
    for (int i = 0; i < 4; i++) {
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_waitpoints_create_token(dev, NULL, &out, &err), err,
                  "wait.createToken(NULL)");
        if (i == 0) other = out ? h_json_str(out, "id") : NULL;
        trigger_string_free(out);
    }

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_list_tokens(dev, "{\"status\":\"WAITING\",\"tags\":\"c-approval\"}",
                                             &out, &err),
              err, "wait.listTokens");
    CHECK(h_has(out, id) && !h_has(out, other), "%s", out);
    trigger_string_free(out);

    trigger_waitpoints_tokens_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_list_tokens_iter(dev, "{\"limit\":2}", &iter, &err), err,
              "waitpoints iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_waitpoints_tokens_iter_next(iter, &item, &err), err,
                       "waitpoints next"))
            break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"status\":\"WAITING\""), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 5, "iterated %d tokens, expected 5", count);
    trigger_waitpoints_tokens_iter_free(iter);

    /* Whoever approves needs only the token. */
    trigger_client *approver = token_client(token);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_complete_token(approver, id, "{\"approved\":true}", &out, &err),
              err, "wait.completeToken (public token)");
    CHECK(out && strcmp(out, "{\"success\":true}") == 0, "%s", out);
    trigger_string_free(out);

    /* Error: the token of one waitpoint cannot complete another. */
    err = NULL;
    EXPECT_FAIL(trigger_waitpoints_complete_token(approver, other, "1", &out, &err), err,
                TRIGGER_RESULT_PERMISSION_DENIED, 403, "wait.completeToken(another waitpoint)");
    trigger_client_free(approver);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_retrieve_token(dev, id, &out, &err), err, "wait.retrieveToken");
    CHECK(h_has(out, "\"status\":\"COMPLETED\""), "%s", out);
    CHECK(h_has(out, "\"outputType\":\"application/super+json\""), "%s", out);
    CHECK(h_has(out, "approved"), "%s", out);
    trigger_string_free(out);

    /* NULL data completes without data. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_waitpoints_complete_token(dev, other, NULL, &out, &err), err,
              "wait.completeToken(NULL data)");
    trigger_string_free(out);
    free(id);
    free(other);
    free(token);
}

static void test_bulk_actions(void) {
    char *old[3];
    for (int i = 0; i < 3; i++) old[i] = trigger_run("c-sweep", "{\"tags\":[\"c-old\"]}");
    char *fresh = trigger_run("c-sweep", "{\"tags\":[\"c-new\"]}");

    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_bulk_actions_create(
                  dev,
                  "{\"filter\":{\"status\":[\"QUEUED\"],\"tag\":\"c-old\"},\"name\":\"cancel old\","
                  "\"action\":\"cancel\"}",
                  &out, &err),
              err, "runs.bulk.create(filter)");
    char *cancel = out ? h_json_str(out, "id") : NULL;
    CHECK(cancel && strncmp(cancel, "bulk_", 5) == 0, "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_retrieve(dev, cancel, &out, &err), err, "runs.bulk.retrieve");
    CHECK(h_has(out, "\"status\":\"COMPLETED\"") && h_has(out, "\"total\":3") &&
              h_has(out, "\"type\":\"CANCEL\""),
          "%s", out);
    trigger_string_free(out);
    for (int i = 0; i < 3; i++) {
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_runs_retrieve(dev, old[i], &out, &err), err, "runs.retrieve(old)");
        CHECK(h_has(out, "\"status\":\"CANCELED\""), "%s", out);
        trigger_string_free(out);
    }
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(dev, fresh, &out, &err), err, "runs.retrieve(new)");
    CHECK(h_has(out, "\"status\":\"QUEUED\""), "untouched: %s", out);
    trigger_string_free(out);

    /* The runs list's bulk action filter. */
    char params[256];
    snprintf(params, sizeof params, "{\"bulkAction\":\"%s\",\"limit\":2}", cancel);
    trigger_runs_iter *runs = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list_iter(dev, params, &runs, &err), err, "runs iter(bulkAction)");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_runs_iter_next(runs, &item, &err), err, "runs next")) break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"status\":\"CANCELED\""), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 3, "the bulk action selected %d runs, expected 3", count);
    trigger_runs_iter_free(runs);

    /* Replay by ids makes new runs. */
    char body[256];
    snprintf(body, sizeof body, "{\"runIds\":[\"%s\",\"%s\"],\"action\":\"replay\"}", old[0], fresh);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_create(dev, body, &out, &err), err, "runs.bulk.create(runIds)");
    char *replay = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_retrieve(dev, replay, &out, &err), err, "retrieve(replay)");
    CHECK(h_has(out, "\"type\":\"REPLAY\"") && h_has(out, "\"success\":2"), "%s", out);
    trigger_string_free(out);

    /* Deferred: it stays PENDING and can be aborted, once. */
    CHECK(h_admin("POST", "/__emulator/bulk-actions/defer", "{\"defer\":true}", NULL, 0) == 200,
          "defer");
    snprintf(body, sizeof body, "{\"runIds\":[\"%s\"],\"action\":\"cancel\"}", fresh);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_create(dev, body, &out, &err), err, "runs.bulk.create(defer)");
    char *pending = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_abort(dev, pending, &out, &err), err, "runs.bulk.abort");
    CHECK(h_has(out, pending), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_retrieve(dev, pending, &out, &err), err, "retrieve(aborted)");
    CHECK(h_has(out, "\"status\":\"ABORTED\""), "%s", out);
    trigger_string_free(out);
    err = NULL;
    EXPECT_FAIL(trigger_bulk_actions_abort(dev, pending, &out, &err), err,
                TRIGGER_RESULT_CONFLICT, 409, "runs.bulk.abort(again)");
    CHECK(h_admin("POST", "/__emulator/bulk-actions/defer", "{\"defer\":false}", NULL, 0) == 200,
          "undefer");

    /* The list and its iterator: 3 actions, one a page. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_list(dev, "{\"limit\":1}", &out, &err), err, "runs.bulk.list");
    CHECK(h_has(out, "\"next\":") && h_has(out, pending), "newest first: %s", out);
    trigger_string_free(out);
    trigger_bulk_actions_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_bulk_actions_list_iter(dev, "{\"limit\":1}", &iter, &err), err,
              "bulk iter");
    count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_bulk_actions_iter_next(iter, &item, &err), err, "bulk next")) break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"id\":\"bulk_"), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 3, "iterated %d bulk actions, expected 3", count);
    trigger_bulk_actions_iter_free(iter);

    /* Error: neither filter nor runIds. */
    char message[256];
    err = NULL;
    h_rc = trigger_bulk_actions_create(dev, "{\"action\":\"cancel\"}", &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, message, sizeof message,
           "runs.bulk.create(no selection)", __FILE__, __LINE__);
    CHECK(strcmp(message, "body_json: give exactly one of `filter` and `runIds`") == 0, "%s",
          message);

    for (int i = 0; i < 3; i++) free(old[i]);
    free(fresh);
    free(cancel);
    free(replay);
    free(pending);
}

static void test_runs_metadata_events_trace(void) {
    char *run = trigger_run("c-traced", "{\"metadata\":{\"user\":\"ada\"}}");
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_metadata(dev, run, &out, &err), err, "runs.metadata");
    CHECK(out && strcmp(out, "{\"metadata\":{\"user\":\"ada\"},\"metadataType\":\"application/json\"}") == 0,
          "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_events(dev, run, &out, &err), err, "runs.events");
    CHECK(h_has(out, "\"events\":[") && h_has(out, run), "%s", out);
    trigger_string_free(out);

    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/complete", run);
    CHECK(start_run(run) == 200, "start");
    CHECK(h_admin("POST", path, "{\"output\":{\"n\":1}}", NULL, 0) == 200, "complete");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_trace(dev, run, &out, &err), err, "runs.trace");
    CHECK(out && out[0] == '{' && !h_has(out, "\"trace\":") && h_has(out, "\"traceId\":") &&
              h_has(out, "\"children\":[{"),
          "the trace itself: %s", out);
    trigger_string_free(out);

    /* Error: a run that does not exist (the server asks for retries first). */
    err = NULL;
    EXPECT_FAIL(trigger_runs_events(dev, "run_nope", &out, &err), err, TRIGGER_RESULT_NOT_FOUND,
                404, "runs.events(unknown)");
    err = NULL;
    EXPECT_FAIL(trigger_runs_trace(dev, "run_nope", &out, &err), err, TRIGGER_RESULT_NOT_FOUND,
                404, "runs.trace(unknown)");
    err = NULL;
    EXPECT_FAIL(trigger_runs_metadata(dev, "run_nope", &out, &err), err, TRIGGER_RESULT_NOT_FOUND,
                404, "runs.metadata(unknown)");
    free(run);
}

static void test_idempotency_keys(void) {
    char *key = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_idempotency_keys_create("[\"c-order\",\"42\"]", "global", &key, &err), err,
              "idempotencyKeys.create");
    CHECK(key && strlen(key) == 64, "a 64-character key: %s", key ? key : "NULL");

    char options[256];
    snprintf(options, sizeof options, "{\"idempotencyKey\":\"%s\"}", key ? key : "");
    char *first = trigger_run("c-charge", options);
    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, "c-charge", "{}", options, &out, &err), err,
              "trigger again");
    CHECK(h_has(out, "\"isCached\":true") && h_has(out, first), "%s", out);
    trigger_string_free(out);

    char key_json[128];
    snprintf(key_json, sizeof key_json, "\"%s\"", key ? key : "");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_idempotency_keys_reset(dev, "c-charge", key_json, &out, &err), err,
              "idempotencyKeys.reset");
    CHECK(h_has(out, "\"id\":"), "%s", out);
    trigger_string_free(out);
    char *second = trigger_run("c-charge", options);
    CHECK(first && second && strcmp(first, second) != 0, "a new run after the reset");

    /* The same key from its parts resets too. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_idempotency_keys_reset(dev, "c-charge", "[\"c-order\",\"42\"]", &out, &err),
              err, "idempotencyKeys.reset(parts)");
    trigger_string_free(out);

    /* Errors: a bad scope; a key nothing holds. */
    char *never = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_idempotency_keys_create("\"k\"", "forever", &never, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "idempotencyKeys.create(bad scope)");
    CHECK(never == NULL, "out_key written on failure");
    err = NULL;
    EXPECT_FAIL(trigger_idempotency_keys_reset(dev, "c-charge", "\"never-used\"", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "idempotencyKeys.reset(unknown)");

    trigger_string_free(key);
    free(first);
    free(second);
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    dev = h_client(DEV_KEY, 2);
    test_queues();
    test_deployments();
    test_waitpoints();
    test_bulk_actions();
    test_runs_metadata_events_trace();
    test_idempotency_keys();
    trigger_client_free(dev);
    return h_finish("test_surface");
}
