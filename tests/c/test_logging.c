/*
 * trigger_set_log_callback: a DEBUG line per request and an INFO line per retry reach the
 * host's callback, never a token; NULL stops them; bad levels are refused.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_LINES 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char lines[MAX_LINES][512];
static trigger_log_level levels[MAX_LINES];
static int count;

static void collect(trigger_log_level level, const char *message, void *userdata) {
    CHECK(userdata == (void *)&count, "the callback gets its userdata");
    pthread_mutex_lock(&lock);
    if (count < MAX_LINES) {
        levels[count] = level;
        snprintf(lines[count], sizeof lines[count], "%s", message);
        count++;
    }
    pthread_mutex_unlock(&lock);
}

/* Whether a collected line of `level` starts with `prefix`. */
static bool logged(trigger_log_level level, const char *prefix) {
    for (int i = 0; i < count; i++) {
        if (levels[i] == level && strncmp(lines[i], prefix, strlen(prefix)) == 0) return true;
    }
    return false;
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    trigger_client *client = h_client(DEV_KEY, 3);
    trigger_error *err = NULL;
    EXPECT_OK(trigger_set_log_callback(collect, &count, TRIGGER_LOG_LEVEL_DEBUG, &err), err, "set_log_callback");
    h_admin("POST", "/__emulator/faults", "{\"status\":503,\"count\":1,\"path\":\"/api/v1/runs\"}", NULL, 0);
    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(client, NULL, &out, &err), err, "a list retried once");
    trigger_string_free(out);
    CHECK(count == 3, "three lines (%d)", count);
    CHECK(logged(TRIGGER_LOG_LEVEL_DEBUG, "GET /api/v1/runs -> 503 in "), "the first request");
    CHECK(logged(TRIGGER_LOG_LEVEL_INFO, "retrying GET /api/v1/runs in "), "the retry");
    CHECK(logged(TRIGGER_LOG_LEVEL_DEBUG, "GET /api/v1/runs -> 200 in "), "the second request");
    for (int i = 0; i < count; i++) {
        CHECK(strstr(lines[i], DEV_KEY) == NULL && strstr(lines[i], "Bearer") == NULL, "no secret: %s", lines[i]);
    }

    /* INFO only: a call that is not retried logs nothing. */
    count = 0;
    err = NULL;
    EXPECT_OK(trigger_set_log_callback(collect, &count, TRIGGER_LOG_LEVEL_INFO, &err), err, "info only");
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(client, NULL, &out, &err), err, "a list");
    trigger_string_free(out);
    CHECK(count == 0, "no line without a retry (%d)", count);

    /* NULL stops the lines. */
    err = NULL;
    EXPECT_OK(trigger_set_log_callback(NULL, NULL, TRIGGER_LOG_LEVEL_DEBUG, &err), err, "remove");
    h_admin("POST", "/__emulator/faults", "{\"status\":503,\"count\":1,\"path\":\"/api/v1/runs\"}", NULL, 0);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list(client, NULL, &out, &err), err, "a list retried once");
    trigger_string_free(out);
    CHECK(count == 0, "nothing once removed (%d)", count);

    err = NULL;
    EXPECT_FAIL(trigger_set_log_callback(collect, NULL, 6, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT, -1,
                "a level out of range");
    trigger_client_free(client);
    return h_finish("test_logging");
}
