/*
 * Realtime through the C API, against the emulator: a run subscription seeing each status in
 * order and ending after the run finished, trigger_runs_wait (finished, and the typed timeout
 * carrying the last run), a tag subscription stopped from another thread, a batch
 * subscription, trigger-and-subscribe without the payload, and errors returned once. Changes
 * are made by a helper thread only after the emulator reports the library's live request held
 * (`held` in GET /__emulator/realtime), so every status is seen, in order. Every string and
 * subscription is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static trigger_client *dev;
static char tag[64];

/* Waits until the emulator holds a live realtime request (a hang guard of 60 s). */
static bool wait_held(void) {
    char resp[65536];
    for (int i = 0; i < 30000; i++) {
        if (h_admin("GET", "/__emulator/realtime", NULL, resp, sizeof resp) == 200 &&
            !h_has(resp, "\"held\":0")) {
            return true;
        }
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* An admin request sent once a live request is held. */
struct change {
    char path[256];
    char body[256];
    int status;
};

static void *change_when_held(void *arg) {
    struct change *c = arg;
    c->status = wait_held() ? h_admin("POST", c->path, c->body, NULL, 0) : -1;
    return NULL;
}

/* Like change_when_held, but stops a subscription. */
static void *stop_when_held(void *arg) {
    if (wait_held()) {
        trigger_run_subscription_stop(arg);
    }
    return NULL;
}

/* Triggers `task` with `options`; returns the run id (free() it). */
static char *trigger(const char *task, const char *payload, const char *options) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, task, payload, options, &out, &err), err, "trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    return id;
}

/* The next snapshot (NULL at the end, or on an error, which fails the check). */
static char *next_run(trigger_run_subscription *sub, const char *what) {
    char *run = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, what);
    return run;
}

/* The next snapshot, read while a helper thread makes `path` (with `body`) happen. */
static char *next_after(trigger_run_subscription *sub, const char *path, const char *body) {
    struct change c = {.status = 0};
    snprintf(c.path, sizeof c.path, "%s", path);
    snprintf(c.body, sizeof c.body, "%s", body ? body : "{}");
    pthread_t t;
    pthread_create(&t, NULL, change_when_held, &c);
    char *run = next_run(sub, path);
    pthread_join(t, NULL);
    CHECK(c.status == 200, "%s answered %d", path, c.status);
    return run;
}

static void test_subscribe(void) {
    char options[128];
    snprintf(options, sizeof options, "{\"tags\":[\"%s\"],\"metadata\":{\"step\":1}}", tag);
    char *id = trigger("c-realtime", "{\"to\":\"ada\"}", options);
    trigger_run_subscription *sub = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_subscribe(dev, id, NULL, &sub, &err), err, "runs_subscribe");

    char *run = next_run(sub, "first snapshot");
    CHECK(run && h_has(run, "\"status\":\"QUEUED\"") && h_has(run, id), "%s", run);
    CHECK(run && h_has(run, "\"payload\":{\"to\":\"ada\"}"), "%s", run);
    CHECK(run && h_has(run, "\"metadata\":{\"step\":1}"), "%s", run);
    CHECK(run && h_has(run, "\"taskIdentifier\":\"c-realtime\""), "%s", run);
    CHECK(run && h_has(run, "\"isQueued\":true"), "%s", run);
    trigger_string_free(run);

    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/start", id);
    run = next_after(sub, path, NULL);
    CHECK(run && h_has(run, "\"status\":\"EXECUTING\"") && h_has(run, "\"startedAt\":\""),
          "%s", run);
    trigger_string_free(run);

    snprintf(path, sizeof path, "/__emulator/runs/%s/complete", id);
    run = next_after(sub, path, "{\"output\":{\"ok\":true}}");
    CHECK(run && h_has(run, "\"status\":\"COMPLETED\"") && h_has(run, "\"finishedAt\":\""),
          "%s", run);
    CHECK(run && h_has(run, "\"output\":{\"ok\":true}") && h_has(run, "\"isSuccess\":true"),
          "%s", run);
    trigger_string_free(run);

    run = (char *)&tag; /* any non-NULL value: the end must write NULL */
    err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, "after the end");
    CHECK(run == NULL, "the subscription ended after the run finished");
    trigger_run_subscription_free(sub);
    free(id);
}

static void test_wait(void) {
    char *id = trigger("c-realtime", NULL, NULL);
    struct change c = {.status = 0};
    snprintf(c.path, sizeof c.path, "/__emulator/runs/%s/fail", id);
    snprintf(c.body, sizeof c.body, "{\"error\":{\"name\":\"TypeError\",\"message\":\"boom\"}}");
    pthread_t t;
    pthread_create(&t, NULL, change_when_held, &c);
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_wait(dev, id, 60000, &out, &err), err, "runs_wait");
    pthread_join(t, NULL);
    CHECK(out && h_has(out, "\"status\":\"FAILED\"") && h_has(out, "\"message\":\"boom\""), "%s",
          out);
    trigger_string_free(out);
    free(id);

    /* A run that never finishes: the typed timeout, its body the run as last seen. */
    id = trigger("c-realtime", NULL, NULL);
    out = NULL;
    err = NULL;
    trigger_result rc = trigger_runs_wait(dev, id, 300, &out, &err);
    CHECK(rc == TRIGGER_RESULT_WAIT_TIMEOUT, "rc %d", (int)rc);
    CHECK(out == NULL, "nothing written on failure");
    const char *body = err ? trigger_error_body(err) : NULL;
    CHECK(body && h_has(body, id) && h_has(body, "\"status\":\"QUEUED\""), "%s", body);
    trigger_error_free(err);
    err = NULL;
    EXPECT_FAIL(trigger_runs_wait(dev, id, 0, &out, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT,
                0, "a zero timeout");
    free(id);
}

static void test_tagged_stopped_from_another_thread(void) {
    char tags[128];
    snprintf(tags, sizeof tags, "[\"%s\",\"vip\"]", tag);
    char options[128];
    snprintf(options, sizeof options, "{\"tags\":[\"vip\",\"%s\"]}", tag);
    char *id = trigger("c-realtime", NULL, options);
    trigger_run_subscription *sub = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_subscribe_tagged(dev, tags, "{\"createdAt\":\"1h\"}", &sub, &err),
              err, "subscribe_tagged");
    char *run = next_run(sub, "tag feed snapshot");
    CHECK(run && h_has(run, id), "%s", run);
    trigger_string_free(run);

    pthread_t t;
    pthread_create(&t, NULL, stop_when_held, sub);
    run = (char *)&tag;
    err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, "next while stopped");
    pthread_join(t, NULL);
    CHECK(run == NULL, "a stopped subscription ends");
    trigger_run_subscription_free(sub);
    free(id);
}

static void test_batch(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_batch_trigger(
                  dev, "[{\"task\":\"c-realtime\",\"payload\":{\"i\":0}},"
                       "{\"task\":\"c-realtime\",\"payload\":{\"i\":1}}]",
                  NULL, &out, &err),
              err, "batch_trigger");
    char *batch = out ? h_json_str(out, "batchId") : NULL;
    trigger_string_free(out);
    trigger_run_subscription *sub = NULL;
    err = NULL;
    EXPECT_OK(trigger_batches_subscribe(dev, batch, NULL, &sub, &err), err, "batches_subscribe");
    char *first = next_run(sub, "batch run 0");
    char *second = next_run(sub, "batch run 1");
    CHECK(first && h_has(first, "\"payload\":{\"i\":0}"), "%s", first);
    CHECK(second && h_has(second, "\"payload\":{\"i\":1}"), "%s", second);
    trigger_string_free(first);
    trigger_string_free(second);
    trigger_run_subscription_stop(sub);
    char *run = (char *)&tag;
    err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, "next after stop");
    CHECK(run == NULL, "stopped");
    trigger_run_subscription_free(sub);
    free(batch);
}

static void test_trigger_and_subscribe(void) {
    trigger_run_subscription *sub = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger_and_subscribe(dev, "c-realtime", "{\"big\":true}", NULL, &sub,
                                                  &err),
              err, "trigger_and_subscribe");
    char *run = next_run(sub, "first");
    CHECK(run && h_has(run, "\"status\":\"QUEUED\"") && h_has(run, "\"payload\":null"), "%s", run);
    char *id = run ? h_json_str(run, "id") : NULL;
    trigger_string_free(run);
    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/complete", id ? id : "none");
    run = next_after(sub, path, "{\"output\":7}");
    CHECK(run && h_has(run, "\"status\":\"COMPLETED\"") && h_has(run, "\"output\":7"), "%s", run);
    trigger_string_free(run);
    run = (char *)&tag;
    err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, "after the end");
    CHECK(run == NULL, "ended");
    trigger_run_subscription_free(sub);
    free(id);
}

static void test_errors(void) {
    trigger_run_subscription *sub = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_subscribe(dev, "run_missing", NULL, &sub, &err), err, "subscribe");
    char *run = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_run_subscription_next(sub, &run, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "a missing run");
    run = (char *)&tag;
    err = NULL;
    EXPECT_OK(trigger_run_subscription_next(sub, &run, &err), err, "after the error");
    CHECK(run == NULL, "the error ended it");
    trigger_run_subscription_free(sub);
    sub = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_subscribe(dev, "", NULL, &sub, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an empty run id");
    CHECK(sub == NULL, "no subscription on failure");
    trigger_run_subscription_stop(NULL);
    trigger_run_subscription_free(NULL);
}

int main(void) {
    snprintf(tag, sizeof tag, "c-rt-%ld", (long)getpid());
    dev = h_client(DEV_KEY, 3);
    test_subscribe();
    test_wait();
    test_tagged_stopped_from_another_thread();
    test_batch();
    test_trigger_and_subscribe();
    test_errors();
    trigger_client_free(dev);
    return h_finish("test_realtime");
}
