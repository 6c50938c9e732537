/*
 * fork(): a client and the ambient client used before the fork, then 4 children and the parent
 * calling at once on both. Every response must be the run asked for: no process reuses a pooled
 * connection another opened, and no two send the same request id (which would return another
 * process's trigger).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define CHILDREN 4
#define CALLS 200
#define RUNS 16

static char *ids[RUNS];

/* Process `n`: a trigger of its own, then retrieves on `client` and the ambient client. Returns
 * the number of wrong answers and errors. */
static int calls(trigger_client *client, int n) {
    int wrong = 0;
    char payload[64], *out = NULL;
    trigger_error *err = NULL;
    snprintf(payload, sizeof payload, "{\"from\":\"process-%d\"}", n);
    if (trigger_tasks_trigger(client, "fork-test", payload, NULL, &out, &err) != TRIGGER_RESULT_OK) {
        trigger_error_free(err);
        return 1;
    }
    char *id = h_json_str(out, "id");
    trigger_string_free(out);
    out = NULL;
    if (trigger_runs_retrieve(client, id, &out, &err) != TRIGGER_RESULT_OK) {
        trigger_error_free(err);
        wrong++;
    } else {
        wrong += strstr(out, payload) == NULL;
        trigger_string_free(out);
    }
    free(id);
    for (int i = 0; i < CALLS; i++) {
        const char *want = ids[(i * 7 + n) % RUNS];
        const trigger_client *callers[2] = {client, NULL};
        for (int c = 0; c < 2; c++) {
            out = NULL;
            err = NULL;
            if (trigger_runs_retrieve(callers[c], want, &out, &err) != TRIGGER_RESULT_OK) {
                trigger_error_free(err);
                wrong++;
                continue;
            }
            char *got = h_json_str(out, "id");
            wrong += got == NULL || strcmp(got, want) != 0;
            free(got);
            trigger_string_free(out);
        }
    }
    return wrong;
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    char config[512];
    snprintf(config, sizeof config,
             "{\"secretKey\":\"" DEV_KEY "\",\"baseURL\":\"%s\","
             "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}",
             h_base_url());
    trigger_error *err = NULL;
    EXPECT_OK(trigger_configure(config, &err), err, "configure");
    trigger_client *client = h_client(DEV_KEY, 1);
    for (int i = 0; i < RUNS; i++) {
        char *out = NULL;
        err = NULL;
        EXPECT_OK(trigger_tasks_trigger(client, "fork-test", "{}", NULL, &out, &err), err, "trigger");
        ids[i] = out ? h_json_str(out, "id") : NULL;
        trigger_string_free(out);
        CHECK(ids[i] != NULL, "run %d has an id", i);
    }
    /* Both pools hold a connection when the processes part. */
    CHECK(calls(client, 0) == 0, "the parent before the fork");

    pid_t children[CHILDREN];
    for (int n = 0; n < CHILDREN; n++) {
        fflush(NULL);
        children[n] = fork();
        if (children[n] == 0) {
            int wrong = calls(client, n + 1);
            if (wrong) fprintf(stderr, "child %d: %d wrong answers or errors\n", n + 1, wrong);
            _exit(wrong ? 1 : 0);
        }
        CHECK(children[n] > 0, "fork %d", n);
    }
    int wrong = calls(client, 0);
    CHECK(wrong == 0, "the parent after the fork: %d wrong answers or errors", wrong);
    for (int n = 0; n < CHILDREN; n++) {
        int status = -1;
        CHECK(waitpid(children[n], &status, 0) == children[n], "wait for child %d", n + 1);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d got only its own answers",
              n + 1);
    }
    for (int i = 0; i < RUNS; i++) free(ids[i]);
    trigger_client_free(client);
    return h_finish("test_fork");
}
