/*
 * Run streams and input streams through the C API, against the emulator: a v2 stream whose
 * connection is cut mid-way (a fault) read to its end with no chunk lost or repeated and
 * command records skipped, a stream stopped from another thread, an unknown run's typed error
 * returned once, an input stream send recorded by the emulator, and argument errors. Every
 * string and stream is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static trigger_client *dev;

/* Triggers `task`; returns the run id (free() it). */
static char *trigger(const char *task) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(dev, task, NULL, NULL, &out, &err), err, "trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    return id;
}

/* Writes `records` (the emulator's record forms) to the run's stream `key`. */
static void task_writes(const char *id, const char *key, const char *records) {
    char path[256];
    snprintf(path, sizeof path, "/__emulator/runs/%s/streams/%s", id, key);
    CHECK(h_admin("POST", path, records, NULL, 0) == 200, "append to %s", path);
}

/* The next chunk (NULL at the end, or on an error, which fails the check). */
static char *next_chunk(trigger_run_stream *stream, const char *what) {
    char *chunk = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_run_stream_next(stream, &chunk, &err), err, what);
    return chunk;
}

static void test_cut_mid_stream(void) {
    char *id = trigger("c-streams");
    task_writes(id, "llm",
                "[{\"data\":{\"i\":0},\"id\":\"p0\"},{\"data\":{\"i\":1},\"id\":\"p1\"},"
                "{\"command\":\"fence\"},{\"data\":{\"i\":2},\"id\":\"p2\"},"
                "{\"data\":\"three\",\"id\":\"p3\"},{\"data\":null,\"id\":\"p4\"}]");
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"sseDropAfter\":2,\"count\":1,\"path\":\"/realtime/v1/streams/%s/llm\"}", id);
    CHECK(h_admin("POST", "/__emulator/faults", rule, NULL, 0) == 200, "fault");
    h_admin("DELETE", "/__emulator/requests", NULL, NULL, 0);

    trigger_run_stream *stream = NULL;
    trigger_error *err = NULL;
    /* The window ends one second (emulator clock) after the stream caught up. */
    EXPECT_OK(trigger_runs_stream(dev, id, "llm", "{\"timeoutSeconds\":1}", &stream, &err), err,
              "runs_stream");
    const char *expected[] = {"{\"i\":0}", "{\"i\":1}", "{\"i\":2}", "\"three\"", "null"};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        char *chunk = next_chunk(stream, "chunk");
        CHECK(chunk && strcmp(chunk, expected[i]) == 0, "chunk %zu: %s", i, chunk);
        trigger_string_free(chunk);
    }
    char *chunk = (char *)expected; /* any non-NULL value: the end must write NULL */
    err = NULL;
    EXPECT_OK(trigger_run_stream_next(stream, &chunk, &err), err, "the end");
    CHECK(chunk == NULL, "ended after the window: %s", chunk ? chunk : "");
    trigger_run_stream_free(stream);

    /* Two connections: the cut one, and one resuming after the last record it delivered. */
    char *log = malloc(1 << 20);
    CHECK(h_admin("GET", "/__emulator/requests", NULL, log, 1 << 20) == 200, "request log");
    char resumed[128];
    snprintf(resumed, sizeof resumed, "\"last-event-id\":\"1\"");
    CHECK(h_has(log, resumed), "the second connection resumed after record 1");
    free(log);
    free(id);
}

static void *stop_soon(void *stream) {
    trigger_run_stream_stop(stream);
    return NULL;
}

static void test_stopped_from_another_thread(void) {
    char *id = trigger("c-streams");
    task_writes(id, "llm", "{\"data\":\"first\"}");
    trigger_run_stream *stream = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_stream(dev, id, "llm", NULL, &stream, &err), err, "runs_stream");
    char *chunk = next_chunk(stream, "first");
    CHECK(chunk && strcmp(chunk, "\"first\"") == 0, "%s", chunk);
    trigger_string_free(chunk);
    /* The window stays open: the next call blocks until the stop (from either order). */
    pthread_t t;
    pthread_create(&t, NULL, stop_soon, stream);
    chunk = next_chunk(stream, "after the stop");
    pthread_join(t, NULL);
    CHECK(chunk == NULL, "stopped: no chunk, no error");
    trigger_run_stream_free(stream);
    free(id);
}

static void test_errors_and_input(void) {
    trigger_run_stream *stream = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_runs_stream(dev, "run_missing", "llm", NULL, &stream, &err), err,
              "no request yet");
    char *chunk = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_run_stream_next(stream, &chunk, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "an unknown run");
    CHECK(chunk == NULL, "nothing written on failure");
    err = NULL;
    EXPECT_OK(trigger_run_stream_next(stream, &chunk, &err), err, "after the error");
    CHECK(chunk == NULL, "the error is returned once, then the end");
    trigger_run_stream_free(stream);

    stream = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_stream(dev, "run_1", "", NULL, &stream, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an empty key");
    err = NULL;
    EXPECT_FAIL(trigger_runs_stream(dev, "run_1", "llm", "{\"timeoutSeconds\":601}", &stream, &err),
                err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a timeout over 600");
    CHECK(stream == NULL, "no stream on failure");
    trigger_run_stream_stop(NULL);
    trigger_run_stream_free(NULL);

    char *id = trigger("c-streams");
    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_streams_send_input(dev, id, "approval", "{\"approved\":true}", &out, &err),
              err, "send_input");
    CHECK(out && strcmp(out, "{\"ok\":true}") == 0, "%s", out);
    trigger_string_free(out);
    char state[65536];
    h_admin("GET", "/__emulator/realtime", NULL, state, sizeof state);
    CHECK(h_has(state, "\"streamId\":\"approval\"") && h_has(state, "\"approved\":true"), "%s",
          state);
    out = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_streams_send_input(dev, id, "approval", NULL, &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "NULL data");
    err = NULL;
    EXPECT_FAIL(trigger_streams_send_input(dev, "run_missing", "approval", "1", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "an unknown run");
    CHECK(out == NULL, "nothing written on failure");
    free(id);
}

int main(void) {
    dev = h_client(DEV_KEY, 3);
    test_cut_mid_stream();
    test_stopped_from_another_thread();
    test_errors_and_input();
    trigger_client_free(dev);
    return h_finish("test_run_streams");
}
