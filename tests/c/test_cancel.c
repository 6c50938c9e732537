/*
 * Ending waits: a trigger_cancel fired from another thread ends a poll in its interval and a
 * call in its retry back-off (TRIGGER_RESULT_CANCELLED); the calling thread's interrupt check
 * ends them with TRIGGER_RESULT_INTERRUPTED (what a host's SIGINT handler flag drives); a poll's
 * timeoutMs ends with TRIGGER_RESULT_WAIT_TIMEOUT and the last run as the error's body.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static volatile sig_atomic_t interrupted;

static int check_flag(void *userdata) {
    CHECK(userdata == (void *)&interrupted, "the check gets its userdata");
    return interrupted;
}

static void nap_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (bounded, as a hang guard) until the emulator has seen `n` API requests. */
static void await_requests(long n) {
    for (int i = 0; i < 5000 && h_request_count() < n; i++) nap_ms(2);
}

struct firing {
    long after_requests;
    const trigger_cancel *token; /* fired if not NULL */
};

static void *fire(void *arg) {
    struct firing *f = arg;
    await_requests(f->after_requests);
    if (f->token != NULL) {
        trigger_cancel_fire(f->token);
    } else {
        interrupted = 1; /* what a SIGINT handler would do */
    }
    return NULL;
}

/* A run that never finishes, and the request count once it is made. */
static char *never_finishing_run(trigger_client *client, long *count) {
    char *out = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_tasks_trigger(client, "never-finishes", "{}", NULL, &out, &err), err, "trigger");
    char *id = out ? h_json_str(out, "id") : NULL;
    trigger_string_free(out);
    *count = h_request_count();
    return id;
}

static void test_a_token_ends_a_poll_from_another_thread(trigger_client *client) {
    trigger_cancel *token = NULL;
    trigger_client *cancellable = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_cancel_new(&token, &err), err, "cancel_new");
    CHECK(!trigger_cancel_is_fired(token), "a new token has not fired");
    err = NULL;
    EXPECT_OK(trigger_client_with_cancel(client, token, &cancellable, &err), err, "with_cancel");
    long count = 0;
    char *id = never_finishing_run(client, &count);

    struct firing f = {count + 1, token};
    pthread_t thread;
    pthread_create(&thread, NULL, fire, &f);
    char *out = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_poll(cancellable, id, "{\"intervalMs\":60000}", &out, &err), err,
                TRIGGER_RESULT_CANCELLED, -1, "poll cancelled in its interval");
    pthread_join(thread, NULL);
    CHECK(trigger_cancel_is_fired(token), "fired");
    err = NULL;
    EXPECT_FAIL(trigger_runs_retrieve(cancellable, id, &out, &err), err, TRIGGER_RESULT_CANCELLED, -1,
                "later calls fail at once");
    err = NULL;
    EXPECT_OK(trigger_runs_retrieve(client, id, &out, &err), err, "the parent client is not affected");
    trigger_string_free(out);

    err = NULL;
    EXPECT_FAIL(trigger_client_with_cancel(client, NULL, &cancellable, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, -1, "with_cancel needs a token");
    trigger_cancel_fire(NULL);
    CHECK(!trigger_cancel_is_fired(NULL), "NULL never fires");
    trigger_client_free(cancellable);
    trigger_cancel_free(token); /* the client kept its own reference */
    trigger_cancel_free(NULL);
    free(id);
}

static void test_the_interrupt_check_ends_a_back_off(trigger_client *client) {
    /* Five attempts, 30 s apart: the check ends the first back-off. */
    char config[512];
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" DEV_KEY "\",\"baseURL\":\"%s\",\"requestOptions\":{\"retry\":"
             "{\"maxAttempts\":5,\"minTimeoutInMs\":30000,\"maxTimeoutInMs\":30000}}}",
             h_base_url());
    trigger_client *slow = NULL;
    trigger_error *err = NULL;
    EXPECT_OK(trigger_client_new(config, &slow, &err), err, "client_new");
    err = NULL;
    EXPECT_OK(trigger_configure(config, &err), err, "configure");
    h_admin("POST", "/__emulator/faults", "{\"status\":500,\"count\":1,\"path\":\"/api/v3/runs/run_backoff\"}",
            NULL, 0);
    interrupted = 0;
    trigger_set_interrupt_check(check_flag, (void *)&interrupted);
    struct firing f = {h_request_count() + 1, NULL};
    pthread_t thread;
    pthread_create(&thread, NULL, fire, &f);
    char *out = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_retrieve(slow, "run_backoff", &out, &err), err, TRIGGER_RESULT_INTERRUPTED, -1,
                "the back-off is interrupted");
    pthread_join(thread, NULL);
    trigger_set_interrupt_check(NULL, NULL);
    err = NULL;
    EXPECT_FAIL(trigger_runs_retrieve(client, "run_missing", &out, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "removed: the raised flag no longer stops this thread's calls");
    trigger_client_free(slow);
}

static void test_a_poll_timeout_gives_the_last_run(trigger_client *client) {
    long count = 0;
    char *id = never_finishing_run(client, &count);
    char *out = NULL;
    trigger_error *err = NULL;
    trigger_result rc = trigger_runs_poll(client, id, "{\"intervalMs\":10,\"timeoutMs\":50}", &out, &err);
    CHECK(rc == TRIGGER_RESULT_WAIT_TIMEOUT, "poll times out (rc %d)", (int)rc);
    const char *body = err ? trigger_error_body(err) : NULL;
    char *last = body ? h_json_str(body, "id") : NULL;
    CHECK(last != NULL && strcmp(last, id) == 0, "the body is the run as last retrieved");
    CHECK(body != NULL && h_has(body, "\"status\":\"QUEUED\""), "still queued");
    CHECK(err && strncmp(trigger_error_message(err), "gave up waiting after 50ms", 26) == 0, "message: %s",
          err ? trigger_error_message(err) : "(none)");
    trigger_error_free(err);
    err = NULL;
    EXPECT_FAIL(trigger_runs_poll(client, id, "{\"intervalMs\":86400001}", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, -1, "an interval over a day");
    err = NULL;
    EXPECT_FAIL(trigger_runs_poll(client, id, "{\"timeoutMs\":0}", &out, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT,
                -1, "a zero timeout");
    err = NULL;
    EXPECT_FAIL(trigger_runs_poll(client, id, "{\"everyMs\":1}", &out, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT,
                -1, "an unknown option");
    free(last);
    free(id);
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    trigger_client *client = h_client(DEV_KEY, 1);
    test_a_token_ends_a_poll_from_another_thread(client);
    test_the_interrupt_check_ends_a_back_off(client);
    test_a_poll_timeout_gives_the_last_run(client);
    trigger_client_free(client);
    return h_finish("test_cancel");
}
