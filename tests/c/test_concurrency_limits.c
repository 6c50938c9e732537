/*
 * Named concurrency limits, batch results and run spans through the C API, against the
 * emulator (which writes object members in sorted order): every concurrency limit export
 * (list, the iterator, retrieve and its key variant, override of the limit and of a key with a
 * numeric key, reset of both, pause and resume), an unknown limit's 404, argument errors named
 * as the header names them, then the results of a batch's finished runs and one span of a run.
 * Every string and iterator is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static trigger_client *dev;

/* Makes `call`, a JSON export writing to `&out` whose error out-parameter is spelled `err`,
 * and expects it to succeed; `out` then holds what it wrote (free with trigger_string_free). */
#define JSON_OK(out, call, what)                    \
    do {                                            \
        trigger_error *err_ = NULL;                 \
        (out) = NULL;                               \
        trigger_error **err = &err_;                \
        EXPECT_OK((call), err_, (what));            \
    } while (0)

static void test_limits(void) {
    CHECK(h_admin("POST", "/__emulator/concurrency-limits",
                  "{\"name\":\"c-openai\",\"perKey\":2,\"total\":10}", NULL, 0) == 200,
          "declare c-openai");
    CHECK(h_admin("POST", "/__emulator/concurrency-limits", "{\"name\":\"c-other\",\"total\":1}",
                  NULL, 0) == 200,
          "declare c-other");
    char *out;

    JSON_OK(out, trigger_concurrency_limits_retrieve(dev, "c-openai", &out, err), "retrieve");
    CHECK(out && h_has(out, "\"name\":\"c-openai\"") &&
              h_has(out, "\"perKey\":{\"base\":2,\"current\":2,\"overriddenAt\":null,"
                         "\"override\":null}") &&
              h_has(out, "\"paused\":false"),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_concurrency_limits_list(dev, "{\"perPage\":100}", &out, err), "list");
    CHECK(out && h_has(out, "\"name\":\"c-openai\"") && h_has(out, "\"name\":\"c-other\"") &&
              h_has(out, "\"pagination\":{\"currentPage\":1,"),
          "%s", out);
    trigger_string_free(out);

    /* The iterator, one limit per page, ends with NULL. */
    trigger_concurrency_limits_iter *iter = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_concurrency_limits_list_iter(dev, "{\"perPage\":1}", &iter, &err), err,
              "list_iter");
    int seen = 0, found = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_concurrency_limits_iter_next(iter, &item, &err), err, "next") ||
            !item)
            break;
        seen++;
        found += h_has(item, "\"name\":\"c-other\"");
        trigger_string_free(item);
    }
    CHECK(seen >= 2 && found == 1, "iterated %d limits", seen);
    trigger_concurrency_limits_iter_free(iter);
    trigger_concurrency_limits_iter_free(NULL);

    JSON_OK(out, trigger_concurrency_limits_override(dev, "c-openai", "{\"total\":0}", &out, err),
            "override");
    CHECK(out && h_has(out, "\"total\":{\"base\":10,\"current\":0,\"overriddenAt\":\"") &&
              h_has(out, "\"override\":0}"),
          "%s", out);
    trigger_string_free(out);

    /* A numeric key is stored as text. */
    JSON_OK(out,
            trigger_concurrency_limits_override_key(
                dev, "c-openai", "{\"concurrencyKey\":42,\"perKey\":7,\"ttl\":\"1h\"}", &out, err),
            "override_key");
    CHECK(out && h_has(out, "\"concurrencyKey\":\"42\"") && h_has(out, "\"override\":7"), "%s",
          out);
    trigger_string_free(out);

    JSON_OK(out, trigger_concurrency_limits_retrieve_key(dev, "c-openai", "\"42\"", &out, err),
            "retrieve_key");
    CHECK(out && h_has(out, "\"base\":2,\"current\":7,") && h_has(out, "\"override\":7}"), "%s",
          out);
    trigger_string_free(out);

    JSON_OK(out, trigger_concurrency_limits_reset_key(dev, "c-openai", "42", &out, err),
            "reset_key");
    CHECK(out && h_has(out, "{\"base\":2,\"current\":2,\"expiresAt\":null,\"override\":null}"),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_concurrency_limits_reset(dev, "c-openai", &out, err), "reset");
    CHECK(out && h_has(out, "\"total\":{\"base\":10,\"current\":10,\"overriddenAt\":null,"
                            "\"override\":null}"),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_concurrency_limits_pause(dev, "c-openai", &out, err), "pause");
    CHECK(out && h_has(out, "\"paused\":true"), "%s", out);
    trigger_string_free(out);
    JSON_OK(out, trigger_concurrency_limits_resume(dev, "c-openai", &out, err), "resume");
    CHECK(out && h_has(out, "\"paused\":false"), "%s", out);
    trigger_string_free(out);
}

static void test_limit_errors(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_FAIL(trigger_concurrency_limits_retrieve(dev, "c-nope", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "an unknown limit");
    char message[256];
    err = NULL;
    h_rc = trigger_concurrency_limits_override(dev, "c-openai", "{}", &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, message, sizeof message, "no bound",
           __FILE__, __LINE__);
    CHECK(strcmp(message, "options_json: must set perKey, total or both") == 0, "%s", message);
    err = NULL;
    h_rc = trigger_concurrency_limits_override_key(
        dev, "c-openai", "{\"concurrencyKey\":\"k\",\"perKey\":1,\"total\":2}", &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, message, sizeof message,
           "a key override with a total", __FILE__, __LINE__);
    CHECK(h_has(message, "options_json") && h_has(message, "unknown field `total`"), "%s",
          message);
    err = NULL;
    h_rc = trigger_concurrency_limits_retrieve_key(dev, "c-openai", "\"\"", &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, message, sizeof message, "an empty key",
           __FILE__, __LINE__);
    CHECK(strcmp(message, "concurrency_key_json: must not be empty") == 0, "%s", message);
    err = NULL;
    EXPECT_FAIL(trigger_concurrency_limits_reset_key(dev, "c-openai", "true", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a key that is neither text nor a number");
    err = NULL;
    EXPECT_FAIL(trigger_concurrency_limits_pause(dev, NULL, &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a NULL name");
    CHECK(out == NULL, "nothing written on failure");
}

static void test_batch_results_and_spans(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_batch_trigger(dev, "[{\"task\":\"c-a\",\"payload\":1},"
                                               "{\"task\":\"c-b\",\"payload\":2}]",
                                          NULL, &out, &err),
              err, "batch_trigger");
    char *batch_id = out ? h_json_str(out, "batchId") : NULL;
    trigger_string_free(out);
    CHECK(batch_id != NULL, "a batch id");
    if (!batch_id)
        return;
    JSON_OK(out, trigger_batches_retrieve(dev, batch_id, &out, err), "retrieve batch");
    /* The first run id of `"runs":["run_...","run_..."]`. */
    char run_id[64] = "";
    const char *runs = out ? strstr(out, "\"runs\":[\"") : NULL;
    if (runs)
        sscanf(runs + 9, "%63[^\"]", run_id);
    trigger_string_free(out);
    char path[128];
    snprintf(path, sizeof path, "/__emulator/runs/%s/complete", run_id);
    CHECK(h_admin("POST", path, "{\"output\":{\"n\":1}}", NULL, 0) == 200, "complete %s", run_id);

    JSON_OK(out, trigger_batches_results(dev, batch_id, &out, err), "results");
    char expected[256];
    snprintf(expected, sizeof expected,
             "{\"id\":\"%s\",\"ok\":true,\"output\":\"{\\\"n\\\":1}\",\"outputType\":"
             "\"application/json\"",
             run_id);
    CHECK(out && h_has(out, expected), "%s", out);
    CHECK(out && !h_has(out, "\"ok\":false"), "the unfinished run has no result: %s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_runs_events(dev, run_id, &out, err), "events");
    char *span_id = NULL;
    const char *at = out ? strstr(out, "\"spanId\":\"") : NULL;
    if (at) {
        span_id = calloc(1, 64);
        sscanf(at + 10, "%63[^\"]", span_id);
    }
    trigger_string_free(out);
    CHECK(span_id != NULL, "a span id");
    if (span_id) {
        JSON_OK(out, trigger_runs_retrieve_span(dev, run_id, span_id, &out, err), "span");
        CHECK(out && h_has(out, "\"parentId\":null") && h_has(out, "\"message\":\"c-a\""), "%s",
              out);
        trigger_string_free(out);
        out = NULL;
        err = NULL;
        EXPECT_FAIL(trigger_runs_retrieve_span(dev, run_id, "0000000000000000", &out, &err), err,
                    TRIGGER_RESULT_NOT_FOUND, 404, "an unknown span");
        free(span_id);
    }
    err = NULL;
    EXPECT_FAIL(trigger_batches_results(dev, "", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an empty batch id");
    free(batch_id);
}

int main(void) {
    dev = h_client(DEV_KEY, 3);
    test_limits();
    test_limit_errors();
    test_batch_results_and_spans();
    trigger_client_free(dev);
    return h_finish("test_concurrency_limits");
}
