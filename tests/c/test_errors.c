/*
 * Every error path of the C API: invalid arguments (NULL, UTF-8, JSON), credential checks
 * made before sending, API errors mapped to their kinds, transport failures, and the error
 * object's accessors. Out-parameters must stay untouched on failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static trigger_client *dev;

/* Out-parameters start as this address and must still hold it after a failure. */
static char sentinel_storage;
#define SENTINEL (&sentinel_storage)

/* Expects `call` to fail with `kind`/`status`, with a message containing `needle` (unless
 * NULL) and `out` untouched. */
#define EXPECT_ERR(call, kind, status, needle, what)                                          \
    do {                                                                                      \
        char *out = SENTINEL;                                                                 \
        trigger_error *err = NULL;                                                            \
        char message_[512];                                                                   \
        h_rc = (call);                                                                        \
        h_fail(h_rc, err, (kind), (status), message_, sizeof message_, (what), __FILE__,     \
               __LINE__);                                                                     \
        CHECK(out == SENTINEL, "%s: out was written on failure", (what));                    \
        const char *needle_ = (needle);                                                       \
        if (needle_ != NULL)                                                                  \
            CHECK(strstr(message_, needle_) != NULL, "%s: message '%s'", (what), message_);   \
    } while (0)

static char *trigger_run(const char *options) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, "err-task", "{}", options, &out, &err), err, "trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    return id;
}

static void test_invalid_arguments(void) {
    /* NULL pointers. */
    EXPECT_ERR(trigger_runs_retrieve(dev, NULL, &out, &err), TRIGGER_RESULT_INVALID_ARGUMENT, 0,
               "run_id: must not be NULL", "NULL run_id");
    EXPECT_ERR(trigger_tasks_trigger(dev, NULL, NULL, NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "task_id: must not be NULL", "NULL task_id");
    EXPECT_ERR(trigger_envvars_list(dev, NULL, "dev", &out, &err), TRIGGER_RESULT_INVALID_ARGUMENT,
               0, "project_ref: must not be NULL", "NULL project_ref");
    EXPECT_ERR(trigger_schedules_create(dev, NULL, &out, &err), TRIGGER_RESULT_INVALID_ARGUMENT, 0,
               "body_json: must not be NULL", "NULL body_json");
    EXPECT_ERR(trigger_runs_add_tags(dev, "run_1", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "tags_json", "NULL tags_json");

    trigger_error *err = NULL;
    CHECK(trigger_client_new(NULL, NULL, &err) == TRIGGER_RESULT_INVALID_ARGUMENT,
          "NULL out handle");
    CHECK(err && strstr(trigger_error_message(err), "out: must not be NULL"), "message");
    trigger_error_free(err);

    /* err may be NULL: only the code comes back. */
    CHECK(trigger_runs_cancel(dev, NULL, NULL, NULL) == TRIGGER_RESULT_INVALID_ARGUMENT,
          "NULL err");

    err = NULL;
    char *item = SENTINEL;
    CHECK(trigger_runs_iter_next(NULL, &item, &err) == TRIGGER_RESULT_INVALID_ARGUMENT,
          "NULL iterator");
    CHECK(item == SENTINEL, "item untouched");
    trigger_error_free(err);

    /* The message names the C argument; trigger_error_argument and trigger_error_reason give
     * the Rust API's name and the reason alone (what bindings build their messages from). */
    err = NULL;
    char *out = SENTINEL;
    CHECK(trigger_runs_list(dev, "{\"limit\":1000}", &out, &err) ==
              TRIGGER_RESULT_INVALID_ARGUMENT,
          "limit over the maximum");
    CHECK(err && strcmp(trigger_error_message(err),
                        "params_json: `limit` 1000 is over the maximum of 100") == 0,
          "message '%s'", err ? trigger_error_message(err) : "");
    CHECK(err && trigger_error_argument(err) &&
              strcmp(trigger_error_argument(err), "params.limit") == 0,
          "argument");
    CHECK(err && strcmp(trigger_error_reason(err), "1000 is over the maximum of 100") == 0,
          "reason '%s'", err ? trigger_error_reason(err) : "");
    trigger_error_free(err);
    err = NULL;
    CHECK(trigger_runs_list(dev, "{\"limit\":\"ten\"}", &out, &err) ==
              TRIGGER_RESULT_INVALID_ARGUMENT,
          "limit as a string");
    CHECK(err && strstr(trigger_error_message(err), " at line 1 column ") != NULL,
          "the C message says where in the JSON: '%s'", err ? trigger_error_message(err) : "");
    CHECK(err && trigger_error_argument(err) &&
              strcmp(trigger_error_argument(err), "params.limit") == 0,
          "serde's argument");
    CHECK(err && strstr(trigger_error_reason(err), " at line ") == NULL,
          "the reason does not: '%s'", err ? trigger_error_reason(err) : "");
    trigger_error_free(err);
    CHECK(out == SENTINEL, "out untouched");

    /* Invalid UTF-8. */
    EXPECT_ERR(trigger_runs_retrieve(dev, "run_\xff\xfe", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "run_id: not valid UTF-8", "UTF-8 run_id");
    EXPECT_ERR(trigger_tasks_trigger(dev, "t", "\"\xc3\x28\"", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "payload_json: not valid UTF-8",
               "UTF-8 payload");

    /* Malformed, wrongly typed and unknown JSON. */
    EXPECT_ERR(trigger_tasks_trigger(dev, "t", "{\"a\":", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "payload_json: malformed JSON",
               "malformed payload");
    EXPECT_ERR(trigger_tasks_trigger(dev, "t", NULL, "{\"idempotency_key\":\"k\"}", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "options_json: unknown field `idempotency_key`",
               "unknown option");
    EXPECT_ERR(trigger_tasks_trigger(dev, "t", NULL, "{\"maxAttempts\":\"3\"}", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0,
               "options_json: invalid type: string, expected u32", "wrongly typed option");
    EXPECT_ERR(trigger_tasks_trigger(dev, "t", NULL, "[\"k\"]", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "options_json: must be a JSON object",
               "options as an array");
    EXPECT_ERR(trigger_runs_list(dev, "{\"status\":7}", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "params_json: ", "status must be a name");
    EXPECT_ERR(trigger_tasks_batch_trigger(dev, "[]", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "items_json: a batch needs at least one item",
               "empty batch");
    EXPECT_ERR(trigger_tasks_batch_trigger(dev, "[{\"task\":\"a\",\"opts\":{}}]", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "items_json[0]: unknown field `opts`",
               "unknown item field");
    EXPECT_ERR(trigger_envvars_list(dev, PROJECT_REF, "qa", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "env: `qa` is not one of", "bad env slug");
    EXPECT_ERR(trigger_runs_cancel(dev, "", &out, &err), TRIGGER_RESULT_INVALID_ARGUMENT, 0,
               "run_id: must not be empty", "empty run id");
    EXPECT_ERR(trigger_runs_update_metadata(dev, "run_1", "{\"meta\":{}}", &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "body_json: unknown field `meta`",
               "unknown metadata field");

    /* Config JSON: unknown fields and wrong types name the field, never the value. */
    trigger_client *client = (trigger_client *)SENTINEL;
    err = NULL;
    CHECK(trigger_client_new("{\"apiKey\":\"tr_dev_secret_0000\"}", &client, &err) ==
              TRIGGER_RESULT_INVALID_ARGUMENT,
          "unknown config field");
    CHECK(client == (trigger_client *)SENTINEL, "client untouched");
    CHECK(err && strstr(trigger_error_message(err), "unknown field `apiKey`"), "%s",
          trigger_error_message(err));
    CHECK(err && !strstr(trigger_error_message(err), "tr_dev_secret"), "no secret");
    trigger_error_free(err);
    err = NULL;
    CHECK(trigger_client_new("{\"inheritContext\":\"tr_dev_secret_0000\"}", &client, &err) ==
              TRIGGER_RESULT_INVALID_ARGUMENT,
          "wrongly typed config field");
    CHECK(err && !strstr(trigger_error_message(err), "tr_dev_secret"), "%s",
          trigger_error_message(err));
    trigger_error_free(err);
    err = NULL;
    CHECK(trigger_configure("{\"baseURL\":", &err) == TRIGGER_RESULT_INVALID_ARGUMENT,
          "malformed configure");
    trigger_error_free(err);
    err = NULL;
    CHECK(trigger_auth_push("[]", &err) == TRIGGER_RESULT_INVALID_ARGUMENT, "push of an array");
    trigger_error_free(err);
    CHECK(!trigger_auth_pop(), "a failed push pushes nothing");

    /* An invalid argument sends nothing. */
    long before = h_request_count();
    EXPECT_ERR(trigger_runs_reschedule(dev, "run_1", NULL, &out, &err),
               TRIGGER_RESULT_INVALID_ARGUMENT, 0, "delay: must not be NULL", "NULL delay");
    CHECK(h_request_count() == before, "no request for an invalid argument");
}

static void test_credentials(void) {
    /* 401 with an unknown key; the key is not in the message. */
    trigger_client *bad = h_client("tr_dev_not_a_real_key_0000", 1);
    char *out = SENTINEL;
    trigger_error *err = NULL;
    trigger_result rc = trigger_tasks_trigger(bad, "t", "{}", NULL, &out, &err);
    CHECK(rc == TRIGGER_RESULT_AUTHENTICATION, "rc %d", (int)rc);
    CHECK(out == SENTINEL, "out untouched");
    CHECK(err && trigger_error_kind(err) == TRIGGER_RESULT_AUTHENTICATION, "kind");
    CHECK(err && trigger_error_status(err) == 401, "status");
    CHECK(err && trigger_error_body(err) && strstr(trigger_error_body(err), "\"error\""),
          "raw body");
    CHECK(err && !strstr(trigger_error_message(err), "tr_dev_not_a_real"), "%s",
          trigger_error_message(err));
    trigger_error_free(err);
    trigger_client_free(bad);

    /* A PAT on secret-key operations fails before sending. */
    trigger_client *pat = h_client(PAT, 1);
    long before = h_request_count();
    EXPECT_ERR(trigger_tasks_trigger(pat, "t", "{}", NULL, &out, &err),
               TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "tasks.trigger", "PAT trigger");
    EXPECT_ERR(trigger_runs_retrieve(pat, "run_1", &out, &err),
               TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "runs.retrieve", "PAT retrieve");
    EXPECT_ERR(trigger_schedules_list(pat, NULL, &out, &err),
               TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "schedules.list", "PAT schedules");
    EXPECT_ERR(trigger_runs_list(pat, NULL, &out, &err), TRIGGER_RESULT_MISSING_PROJECT_REF, 0,
               "project ref", "PAT runs.list without projectRef");
    CHECK(h_request_count() == before, "nothing was sent (%ld then %ld)", before,
          h_request_count());
    trigger_client_free(pat);


    /* No token at all (nor in the environment). */
    unsetenv("TRIGGER_SECRET_KEY");
    unsetenv("TRIGGER_ACCESS_TOKEN");
    trigger_client *none = h_client(NULL, 1);
    EXPECT_ERR(trigger_runs_list(none, NULL, &out, &err), TRIGGER_RESULT_MISSING_CREDENTIALS, 0,
               "TRIGGER_SECRET_KEY", "no credentials");
    trigger_client_free(none);

    /* A token a header cannot carry. */
    trigger_client *spaces = h_client("tr_dev_with space", 1);
    EXPECT_ERR(trigger_runs_list(spaces, NULL, &out, &err), TRIGGER_RESULT_INVALID_CREDENTIALS, 0,
               "invalid access token", "token with a space");
    trigger_client_free(spaces);

    /* A secret key of another project on envvars: 400 from the server. */
    EXPECT_ERR(trigger_envvars_list(dev, "proj_other", "dev", &out, &err),
               TRIGGER_RESULT_BAD_REQUEST, 400, NULL, "envvars of another project");
}

static void test_api_errors(void) {
    EXPECT_ERR(trigger_runs_retrieve(dev, "run_doesnotexist", &out, &err),
               TRIGGER_RESULT_NOT_FOUND, 404, "404", "unknown run");
    EXPECT_ERR(trigger_batches_retrieve(dev, "batch_doesnotexist", &out, &err),
               TRIGGER_RESULT_NOT_FOUND, 404, NULL, "unknown batch");
    EXPECT_ERR(trigger_envvars_retrieve(dev, PROJECT_REF, "dev", "NOPE_NOT_SET", &out, &err),
               TRIGGER_RESULT_NOT_FOUND, 404, NULL, "unknown env var");
    EXPECT_ERR(trigger_schedules_create(dev,
                                        "{\"task\":\"t\",\"cron\":\"not a cron\","
                                        "\"deduplicationKey\":\"bad\"}",
                                        &out, &err),
               TRIGGER_RESULT_UNPROCESSABLE, 422, NULL, "invalid cron");

    /* 400: rescheduling a run that is not delayed. */
    char *run = trigger_run(NULL);
    EXPECT_ERR(trigger_runs_reschedule(dev, run, "1h", &out, &err), TRIGGER_RESULT_BAD_REQUEST,
               400, "not delayed", "reschedule of a queued run");
    free(run);

    /* 422: more than 10 tags. */
    run = trigger_run(NULL);
    EXPECT_ERR(trigger_runs_add_tags(dev, run,
                                     "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
                                     "\"k\"]",
                                     &out, &err),
               TRIGGER_RESULT_UNPROCESSABLE, 422, NULL, "too many tags");
    free(run);
}

/* Injects a fault rule; the emulator answers the next matching requests with it. */
static void fault(const char *rule) {
    CHECK(h_admin("POST", "/__emulator/faults", rule, NULL, 0) == 200, "fault %s", rule);
}

static void clear_faults(void) {
    CHECK(h_admin("DELETE", "/__emulator/faults", NULL, NULL, 0) == 200, "clear faults");
}

static void test_transport_errors(void) {
    trigger_error *err = NULL;
    trigger_client *once = h_client(DEV_KEY, 1);
    trigger_client *thrice = h_client(DEV_KEY, 3);

    /* Retries: two 503s, then success. */
    fault("{\"status\":503,\"count\":2}");
    char *json = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(thrice, NULL, &json, &err), err, "retried past two 503s");
    trigger_string_free(json);
    clear_faults();

    /* Kinds by status, one attempt each. */
    struct {
        int status;
        trigger_result kind;
    } cases[] = {
        {503, TRIGGER_RESULT_SERVER},           {500, TRIGGER_RESULT_SERVER},
        {429, TRIGGER_RESULT_RATE_LIMITED},     {409, TRIGGER_RESULT_CONFLICT},
        {403, TRIGGER_RESULT_PERMISSION_DENIED}, {418, TRIGGER_RESULT_HTTP_STATUS},
        {400, TRIGGER_RESULT_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rule[128];
        snprintf(rule, sizeof rule, "{\"status\":%d,\"count\":1}", cases[i].status);
        fault(rule);
        char what[64];
        snprintf(what, sizeof what, "status %d", cases[i].status);
        EXPECT_ERR(trigger_runs_list(once, NULL, &out, &err), cases[i].kind, cases[i].status,
                   NULL, what);
        clear_faults();
    }

    /* A success body that is not what the API documents. */
    fault("{\"status\":200,\"count\":1,\"body\":\"not a run\"}");
    EXPECT_ERR(trigger_tasks_trigger(once, "t", "{}", NULL, &out, &err), TRIGGER_RESULT_DECODE,
               200, "could not decode", "undecodable trigger response");
    clear_faults();

    /* A batch the server never seals. */
    fault("{\"status\":200,\"path\":\"/api/v3/batches/\",\"method\":\"POST\",\"count\":1,"
          "\"body\":{\"id\":\"batch_x\",\"itemsAccepted\":0,\"itemsDeduplicated\":0,"
          "\"sealed\":false,\"enqueuedCount\":0,\"expectedCount\":1}}");
    EXPECT_ERR(trigger_tasks_batch_trigger(once, "[{\"task\":\"a\"}]", NULL, &out, &err),
               TRIGGER_RESULT_BATCH_NOT_SEALED, 0, "not sealed", "unsealed batch");
    clear_faults();

    /* A timeout. */
    char config[512];
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" DEV_KEY "\",\"baseURL\":\"%s\",\"requestOptions\":"
             "{\"timeoutMs\":150,\"retry\":{\"maxAttempts\":1}}}",
             h_base_url());
    trigger_client *impatient = NULL;
    err = NULL;
    EXPECT_OK(trigger_client_new(config, &impatient, &err), err, "impatient client");
    fault("{\"latencyMs\":600,\"count\":1}");
    EXPECT_ERR(trigger_runs_list(impatient, NULL, &out, &err), TRIGGER_RESULT_TIMEOUT, 0,
               "timed out", "slow response");
    clear_faults();
    trigger_client_free(impatient);

    /* Nothing listens on port 1. */
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" DEV_KEY "\",\"baseURL\":\"http://127.0.0.1:1\","
             "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}");
    trigger_client *nowhere = NULL;
    err = NULL;
    EXPECT_OK(trigger_client_new(config, &nowhere, &err), err, "client for a closed port");
    EXPECT_ERR(trigger_runs_list(nowhere, NULL, &out, &err), TRIGGER_RESULT_CONNECTION, 0,
               "connection", "closed port");
    trigger_client_free(nowhere);

    trigger_client_free(once);
    trigger_client_free(thrice);
}

static void test_accessors_and_frees(void) {
    CHECK(trigger_error_kind(NULL) == TRIGGER_RESULT_OK, "kind(NULL)");
    CHECK(trigger_error_status(NULL) == 0, "status(NULL)");
    CHECK(strcmp(trigger_error_message(NULL), "") == 0, "message(NULL)");
    CHECK(trigger_error_body(NULL) == NULL, "body(NULL)");
    CHECK(trigger_error_code(NULL) == NULL, "code(NULL)");
    trigger_error_free(NULL);
    trigger_string_free(NULL);
    trigger_client_free(NULL);
    trigger_runs_iter_free(NULL);
    trigger_schedules_iter_free(NULL);

    /* An invalid-argument error has no status and no body. */
    trigger_error *err = NULL;
    char *out = NULL;
    CHECK(trigger_runs_retrieve(dev, NULL, &out, &err) == TRIGGER_RESULT_INVALID_ARGUMENT, "rc");
    CHECK(trigger_error_status(err) == 0 && trigger_error_body(err) == NULL &&
              trigger_error_code(err) == NULL,
          "no status, body or code");
    trigger_error_free(err);

    /* An iterator whose page fails reports the error once, then ends. */
    trigger_client *once = h_client(DEV_KEY, 1);
    trigger_runs_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list_iter(once, NULL, &iter, &err), err, "iter");
    fault("{\"status\":500,\"count\":1}");
    char *item = SENTINEL;
    err = NULL;
    trigger_result rc = trigger_runs_iter_next(iter, &item, &err);
    CHECK(rc == TRIGGER_RESULT_SERVER && item == SENTINEL, "page error: rc %d", (int)rc);
    trigger_error_free(err);
    err = NULL;
    EXPECT_OK(trigger_runs_iter_next(iter, &item, &err), err, "after an error");
    CHECK(item == NULL, "the iterator ended");
    trigger_runs_iter_free(iter);
    clear_faults();
    trigger_client_free(once);
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    dev = h_client(DEV_KEY, 2);
    test_invalid_arguments();
    test_credentials();
    test_api_errors();
    test_transport_errors();
    test_accessors_and_frees();
    trigger_client_free(dev);
    return h_finish("test_errors");
}
