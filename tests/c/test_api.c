/*
 * Every operation of the C API against the emulator, on its success path, plus the version
 * check. Each call's JSON is checked for the fields that matter and freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static trigger_client *dev;

static char *trigger_run(const char *task, const char *payload, const char *options) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, task, payload, options, &out, &err), err,
              "tasks.trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    CHECK(id != NULL && strncmp(id, "run_", 4) == 0, "trigger returned %s", out ? out : "NULL");
    trigger_string_free(out);
    return id;
}

static void test_version(void) {
    CHECK(strcmp(trigger_version(), TRIGGERDEV_VERSION) == 0,
          "library %s, header " TRIGGERDEV_VERSION, trigger_version());
}

static void test_tasks_and_batches(void) {
    char *out = NULL;
    trigger_error *err = NULL;

    EXPECT_OK(trigger_tasks_trigger(dev, "email/send", "{\"to\":\"ada@example.com\"}",
                                    "{\"idempotencyKey\":\"welcome-ada\",\"tags\":[\"c\"]}",
                                    &out, &err),
              err, "trigger with an idempotency key");
    CHECK(h_has(out, "\"isCached\":false"), "%s", out);
    CHECK(h_has(out, "\"publicAccessToken\":\"eyJ"), "%s", out);
    char *first = h_json_str(out, "id");
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, "email/send", "{\"to\":\"ada@example.com\"}",
                                    "{\"idempotencyKey\":\"welcome-ada\"}", &out, &err),
              err, "trigger again with the same key");
    char *second = h_json_str(out, "id");
    CHECK(h_has(out, "\"isCached\":true"), "%s", out);
    CHECK(first && second && strcmp(first, second) == 0, "%s vs %s", first, second);
    trigger_string_free(out);

    /* No payload at all (NULL) and NULL options. */
    free(trigger_run("no-payload", NULL, NULL));

    /* The run carries the payload and the tag. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(dev, first, &out, &err), err, "runs.retrieve");
    CHECK(h_has(out, "ada@example.com"), "payload missing: %s", out);
    CHECK(h_has(out, "\"taskIdentifier\":\"email/send\""), "%s", out);
    trigger_string_free(out);
    free(first);
    free(second);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_tasks_batch_trigger(
                  dev,
                  "[{\"task\":\"a\",\"payload\":{\"n\":1}},"
                  "{\"task\":\"b\",\"payload\":\"text\",\"options\":{\"tags\":\"x\"}}]",
                  "{\"idempotencyKey\":\"batch-1\"}", &out, &err),
              err, "tasks.batchTrigger");
    CHECK(h_has(out, "\"runCount\":2"), "%s", out);
    char *batch = h_json_str(out, "batchId");
    CHECK(batch && strncmp(batch, "batch_", 6) == 0, "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_batches_retrieve(dev, batch, &out, &err), err, "batch.retrieve");
    CHECK(h_has(out, "\"runCount\":2"), "%s", out);
    CHECK(h_has(out, "\"runs\":[\"run_"), "%s", out);
    trigger_string_free(out);
    free(batch);
}

static void test_runs(void) {
    char *out = NULL;
    trigger_error *err = NULL;

    char *run = trigger_run("runs-task", "{\"k\":1}", "{\"tags\":[\"r\"]}");

    /* list: one page with a cursor. */
    for (int i = 0; i < 4; i++) free(trigger_run("paged", "{}", NULL));
    EXPECT_OK(trigger_runs_list(dev, "{\"taskIdentifier\":[\"paged\"],\"limit\":3}", &out, &err),
              err, "runs.list");
    CHECK(h_has(out, "\"data\":["), "%s", out);
    CHECK(h_has(out, "\"next\":"), "a first page of 3 out of 4 has a next cursor: %s", out);
    trigger_string_free(out);

    /* list with NULL params. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(dev, NULL, &out, &err), err, "runs.list(NULL)");
    trigger_string_free(out);

    /* The iterator walks every page. */
    trigger_runs_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list_iter(dev, "{\"taskIdentifier\":\"paged\",\"limit\":3}", &iter, &err),
              err, "runs list iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_runs_iter_next(iter, &item, &err), err, "runs iter next")) break;
        if (item == NULL) break;
        CHECK(h_has(item, "\"taskIdentifier\":\"paged\""), "%s", item);
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 4, "iterated %d runs, expected 4", count);
    trigger_runs_iter_free(iter);

    /* The PAT lists through the project route. */
    trigger_client *pat = h_client(PAT, 1);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(pat,
                                "{\"projectRef\":\"" PROJECT_REF
                                "\",\"env\":[\"dev\"],\"taskIdentifier\":[\"paged\"]}",
                                &out, &err),
              err, "runs.list(projectRef)");
    CHECK(h_has(out, "\"taskIdentifier\":\"paged\""), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(pat, "{\"projectRef\":\"" PROJECT_REF "\",\"env\":\"dev\"}", &out,
                                &err),
              err, "runs.list with a PAT and projectRef");
    trigger_string_free(out);
    trigger_client_free(pat);

    /* metadata, tags */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_update_metadata(
                  dev, run, "{\"metadata\":{\"progress\":0.5},\"operations\":[{\"type\":\"set\",\"key\":\"step\",\"value\":\"two\"}]}",
                  &out, &err),
              err, "runs.updateMetadata");
    CHECK(h_has(out, "\"metadata\":"), "%s", out);
    CHECK(h_has(out, "\"step\":\"two\""), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_add_tags(dev, run, "[\"t1\",\"t2\"]", &out, &err), err,
              "runs.addTags");
    CHECK(h_has(out, "\"message\":"), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_add_tags(dev, run, "\"t3\"", &out, &err), err, "runs.addTags(one)");
    trigger_string_free(out);

    /* outcome: not finished while queued, the output once complete. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_outcome(dev, run, &out, &err), err, "runs.outcome (unfinished)");
    CHECK(out && strcmp(out, "{\"outcome\":\"notFinished\",\"status\":\"QUEUED\"}") == 0, "%s",
          out);
    trigger_string_free(out);

    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/complete", run);
    CHECK(h_admin("POST", path, "{\"output\":{\"answer\":42}}", NULL, 0) == 200, "complete %s", run);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_outcome(dev, run, &out, &err), err, "runs.outcome (finished)");
    CHECK(out && strcmp(out, "{\"outcome\":\"succeeded\",\"output\":{\"answer\":42}}") == 0,
          "%s", out);
    trigger_string_free(out);
    /* The deprecated runs.result: the server's route is a 404 for a finished run (null). */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_result(dev, run, &out, &err), err, "runs.result (finished)");
    CHECK(out && strcmp(out, "null") == 0, "expected null, got %s", out);
    trigger_string_free(out);

    /* replay makes a new run. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_replay(dev, run, "{\"tags\":[\"replayed\"]}", &out, &err), err,
              "runs.replay");
    char *replayed = out ? h_json_str(out, "id") : NULL;
    CHECK(replayed && strcmp(replayed, run) != 0, "%s", out);
    trigger_string_free(out);

    /* cancel the replayed run. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_cancel(dev, replayed, &out, &err), err, "runs.cancel");
    CHECK(h_has(out, replayed), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(dev, replayed, &out, &err), err, "runs.retrieve (canceled)");
    CHECK(h_has(out, "\"status\":\"CANCELED\""), "%s", out);
    trigger_string_free(out);
    free(replayed);
    free(run);

    /* reschedule a delayed run. */
    char *delayed = trigger_run("later", "{}", "{\"delay\":\"1h\"}");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_reschedule(dev, delayed, "2h", &out, &err), err, "runs.reschedule");
    CHECK(h_has(out, "\"status\":\"DELAYED\""), "%s", out);
    trigger_string_free(out);
    free(delayed);
}

static void test_envvars(void) {
    trigger_client *pat = h_client(PAT, 1);
    trigger_client *clients[2] = {dev, pat};
    for (int i = 0; i < 2; i++) {
        trigger_client *c = clients[i];
        char *out = NULL;
        trigger_error *err = NULL;
        EXPECT_OK(trigger_envvars_create(c, PROJECT_REF, "dev",
                                         "{\"name\":\"C_TEST\",\"value\":\"one\"}", &out, &err),
                  err, "envvars.create");
        CHECK(h_has(out, "\"success\":true"), "%s", out);
        trigger_string_free(out);

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_retrieve(c, PROJECT_REF, "dev", "C_TEST", &out, &err), err,
                  "envvars.retrieve");
        CHECK(h_has(out, "\"value\":\"one\""), "%s", out);
        trigger_string_free(out);

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_update(c, PROJECT_REF, "dev", "C_TEST", "two", &out, &err), err,
                  "envvars.update");
        trigger_string_free(out);

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_upload(
                      c, PROJECT_REF, "dev",
                      "{\"variables\":{\"C_A\":\"1\",\"C_B\":\"2\"},\"override\":true}", &out, &err),
                  err, "envvars.upload");
        trigger_string_free(out);

        /* A .env file in one call; `variables` come from the text only. */
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_upload_dotenv(c, PROJECT_REF, "dev", "C_D=\"two words\"\n# note\nexport C_E=3\n",
                                                "{\"override\":true}", &out, &err),
                  err, "envvars.upload_dotenv");
        trigger_string_free(out);
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_retrieve(c, PROJECT_REF, "dev", "C_D", &out, &err), err, "the .env value");
        CHECK(h_has(out, "\"value\":\"two words\""), "%s", out);
        trigger_string_free(out);
        out = NULL;
        err = NULL;
        EXPECT_FAIL(trigger_envvars_upload_dotenv(c, PROJECT_REF, "dev", "C_F=1\n", "{\"variables\":{\"X\":\"1\"}}",
                                                  &out, &err),
                    err, TRIGGER_RESULT_INVALID_ARGUMENT, -1, "variables in the options");
        err = NULL;
        EXPECT_FAIL(trigger_envvars_upload_dotenv(c, PROJECT_REF, "dev", "=no name\n", NULL, &out, &err), err,
                    TRIGGER_RESULT_INVALID_ARGUMENT, -1, "a line that cannot be read");

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_list(c, PROJECT_REF, "dev", &out, &err), err, "envvars.list");
        CHECK(out && out[0] == '[', "a bare array: %s", out);
        CHECK(h_has(out, "\"name\":\"C_TEST\"") && h_has(out, "\"value\":\"two\""), "%s", out);
        CHECK(h_has(out, "\"name\":\"C_B\""), "%s", out);
        trigger_string_free(out);

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_envvars_del(c, PROJECT_REF, "dev", "C_TEST", &out, &err), err,
                  "envvars.del");
        CHECK(out && strcmp(out, "{\"success\":true}") == 0, "%s", out);
        trigger_string_free(out);
        err = NULL;
        EXPECT_FAIL(trigger_envvars_retrieve(c, PROJECT_REF, "dev", "C_TEST", &out, &err), err,
                    TRIGGER_RESULT_NOT_FOUND, 404, "envvars.retrieve after del");
    }
    trigger_client_free(pat);

    /* The preview env with a branch, through a client. */
    char config[512];
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" PREVIEW_KEY "\",\"previewBranch\":\"" PREVIEW_BRANCH
             "\",\"baseURL\":\"%s\"}",
             h_base_url());
    trigger_client *preview = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_client_new(config, &preview, &err), err, "preview client");
    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_envvars_list(preview, PROJECT_REF, "preview", &out, &err), err,
              "envvars.list(preview)");
    trigger_string_free(out);
    trigger_client_free(preview);

    /* A preview branch has no effect on dev: a PAT client with one sends no branch there. */
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" PAT "\",\"previewBranch\":\"" PREVIEW_BRANCH
             "\",\"baseURL\":\"%s\"}",
             h_base_url());
    trigger_client *branch = NULL;
    err = NULL;
    EXPECT_OK(trigger_client_new(config, &branch, &err), err, "PAT client with a preview branch");
    CHECK(h_admin("DELETE", "/__emulator/requests", NULL, NULL, 0) == 200, "clear the log");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_envvars_upload(branch, PROJECT_REF, "dev",
                                     "{\"variables\":{\"FROM_BRANCH_CLIENT\":\"1\"}}", &out, &err),
              err, "envvars.upload(dev) with a preview branch");
    trigger_string_free(out);
    static char log[32768];
    CHECK(h_admin("GET", "/__emulator/requests", NULL, log, sizeof log) == 200, "the log");
    CHECK(h_has(log, "/envvars/dev/import"), "%s", log);
    CHECK(!h_has(log, "x-trigger-branch"), "no branch header on dev: %s", log);
    trigger_client_free(branch);
}

static void test_schedules(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_schedules_create(dev,
                                       "{\"task\":\"nightly\",\"cron\":\"0 3 * * *\","
                                       "\"deduplicationKey\":\"c-nightly\",\"externalId\":\"u1\","
                                       "\"timezone\":\"Europe/Paris\"}",
                                       &out, &err),
              err, "schedules.create");
    char *id = out ? h_json_str(out, "id") : NULL;
    CHECK(id && strncmp(id, "sched_", 6) == 0, "%s", out);
    CHECK(h_has(out, "\"active\":true"), "%s", out);
    trigger_string_free(out);

    for (int i = 0; i < 2; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"task\":\"hourly\",\"cron\":\"0 * * * *\",\"deduplicationKey\":\"c-h%d\"}", i);
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_schedules_create(dev, body, &out, &err), err, "schedules.create");
        trigger_string_free(out);
    }

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_retrieve(dev, id, &out, &err), err, "schedules.retrieve");
    CHECK(h_has(out, "\"externalId\":\"u1\""), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_update(dev, id,
                                       "{\"task\":\"nightly\",\"cron\":\"30 3 * * *\","
                                       "\"timezone\":\"UTC\"}",
                                       &out, &err),
              err, "schedules.update");
    CHECK(h_has(out, "30 3 * * *"), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_deactivate(dev, id, &out, &err), err, "schedules.deactivate");
    CHECK(h_has(out, "\"active\":false"), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_activate(dev, id, &out, &err), err, "schedules.activate");
    CHECK(h_has(out, "\"active\":true"), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_list(dev, "{\"perPage\":2}", &out, &err), err, "schedules.list");
    CHECK(h_has(out, "\"totalPages\":2"), "3 schedules, 2 per page: %s", out);
    trigger_string_free(out);

    trigger_schedules_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_list_iter(dev, "{\"perPage\":2}", &iter, &err), err,
              "schedules iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_schedules_iter_next(iter, &item, &err), err, "schedules next"))
            break;
        if (item == NULL) break;
        count++;
        trigger_string_free(item);
    }
    CHECK(count == 3, "iterated %d schedules, expected 3", count);
    trigger_schedules_iter_free(iter);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_del(dev, id, &out, &err), err, "schedules.del");
    trigger_string_free(out);
    err = NULL;
    EXPECT_FAIL(trigger_schedules_retrieve(dev, id, &out, &err), err, TRIGGER_RESULT_NOT_FOUND,
                404, "schedules.retrieve after del");
    free(id);

    /* timezones need no credentials: a client without a token works. */
    trigger_client *anonymous = h_client(NULL, 1);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_timezones(anonymous, false, &out, &err), err,
              "schedules.timezones");
    CHECK(out && out[0] == '[', "the list itself: %s", out ? out : "NULL");
    CHECK(h_has(out, "\"UTC\""), "UTC listed");
    CHECK(h_has(out, "Europe/Paris"), "Europe/Paris listed");
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_schedules_timezones(anonymous, true, &out, &err), err,
              "schedules.timezones(excludeUtc)");
    CHECK(!h_has(out, "\"UTC\""), "UTC left out");
    trigger_string_free(out);
    trigger_client_free(anonymous);
}

/* NULL client = the ambient client: trigger_configure, then this thread's overrides. */
static void test_ambient(void) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"secretKey\":\"" DEV_KEY "\",\"baseURL\":\"%s\","
             "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}",
             h_base_url());
    trigger_error *err = NULL;
    EXPECT_OK(trigger_configure(config, &err), err, "configure");

    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_tasks_trigger(NULL, "ambient", "1", NULL, &out, &err), err,
              "trigger with the ambient client");
    char *id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);

    /* A prod override: the dev run is not visible there. */
    err = NULL;
    EXPECT_OK(trigger_auth_push("{\"accessToken\":\"" PROD_KEY "\"}", &err), err, "auth.push");
    err = NULL;
    EXPECT_FAIL(trigger_runs_retrieve(NULL, id, &out, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "the prod override applies");
    CHECK(trigger_auth_pop(), "pop returns true");
    CHECK(!trigger_auth_pop(), "nothing left to pop");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(NULL, id, &out, &err), err, "back to the global config");
    trigger_string_free(out);

    /* Override clients: made, nested and used without touching this thread's configuration. */
    trigger_client *prod = NULL, *nested = NULL;
    err = NULL;
    EXPECT_OK(trigger_auth_override(NULL, "{\"accessToken\":\"" PROD_KEY "\"}", &prod, &err), err,
              "auth.override");
    err = NULL;
    EXPECT_OK(trigger_auth_override(prod, "{\"requestOptions\":{\"timeoutMs\":30000}}", &nested,
                                    &err),
              err, "auth.override nested");
    out = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_retrieve(nested, id, &out, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "the nested override keeps the prod key");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(NULL, id, &out, &err), err, "the thread is still on dev");
    trigger_string_free(out);
    CHECK(!trigger_auth_pop(), "an override client pushes nothing");
    err = NULL;
    EXPECT_FAIL(trigger_auth_override(NULL, "[]", &prod, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT, 0,
                "auth.override of an array");
    trigger_client_free(nested);
    trigger_client_free(prod);
    free(id);
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    dev = h_client(DEV_KEY, 2);
    test_version();
    test_tasks_and_batches();
    test_runs();
    test_envvars();
    test_schedules();
    test_ambient();
    trigger_client_free(dev);
    return h_finish("test_api");
}
