/*
 * Threads: 8 pthreads share one client, and each pushes its own auth override (a different
 * environment's key, then a different base URL) that must apply to its own NULL-client calls
 * and to no other thread's.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define THREADS 8
#define ROUNDS 4

static trigger_client *shared;
static pthread_barrier_t barrier;

struct env {
    const char *key;
    const char *branch; /* NULL unless preview */
    bool is_dev;
};

static const struct env envs[4] = {
    {DEV_KEY, NULL, true},
    {STG_KEY, NULL, false},
    {PROD_KEY, NULL, false},
    {PREVIEW_KEY, PREVIEW_BRANCH, false},
};

static void *worker(void *arg) {
    int index = (int)(size_t)arg;
    const struct env *env = &envs[index % 4];
    char task[32];
    snprintf(task, sizeof task, "thread-%d", index);

    char override[256];
    if (env->branch != NULL) {
        snprintf(override, sizeof override, "{\"accessToken\":\"%s\",\"previewBranch\":\"%s\"}",
                 env->key, env->branch);
    } else {
        snprintf(override, sizeof override, "{\"accessToken\":\"%s\"}", env->key);
    }

    pthread_barrier_wait(&barrier);
    for (int round = 0; round < ROUNDS; round++) {
        char *out = NULL;
        trigger_error *err = NULL;

        /* No override on this thread yet: the global config's invalid key. */
        EXPECT_FAIL(trigger_runs_list(NULL, NULL, &out, &err), err,
                    TRIGGER_RESULT_AUTHENTICATION, 401, "no override: the global bad key");

        err = NULL;
        EXPECT_OK(trigger_auth_push(override, &err), err, "push this thread's key");

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_tasks_trigger(NULL, task, "{\"round\":1}", NULL, &out, &err), err,
                  "trigger with this thread's key");
        char *run = out ? h_json_str(out, "id") : NULL;
        trigger_string_free(out);
        if (run == NULL) break;

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_runs_retrieve(NULL, run, &out, &err), err,
                  "retrieve with this thread's key");
        CHECK(h_has(out, task), "the run is this thread's: %s", out ? out : "NULL");
        trigger_string_free(out);

        /* The run landed in the override's environment: the shared dev client sees it only
         * if that environment is dev. */
        out = NULL;
        err = NULL;
        trigger_result rc = trigger_runs_retrieve(shared, run, &out, &err);
        CHECK(rc == (env->is_dev ? TRIGGER_RESULT_OK : TRIGGER_RESULT_NOT_FOUND),
              "thread %d: shared client got %d", index, (int)rc);
        trigger_string_free(out);
        trigger_error_free(err);

        /* A nested override with another base URL, on this thread only. */
        err = NULL;
        EXPECT_OK(trigger_auth_push("{\"baseURL\":\"http://127.0.0.1:1\","
                                    "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}",
                                    &err),
                  err, "push a base URL");
        out = NULL;
        err = NULL;
        EXPECT_FAIL(trigger_runs_retrieve(NULL, run, &out, &err), err, TRIGGER_RESULT_CONNECTION,
                    0, "the nested base URL applies");
        CHECK(trigger_auth_pop(), "pop the base URL");

        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_runs_retrieve(NULL, run, &out, &err), err, "the outer override again");
        trigger_string_free(out);

        /* The shared client is unaffected by any override. */
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_tasks_trigger(shared, "shared", "{}", NULL, &out, &err), err,
                  "shared client trigger");
        char *shared_run = out ? h_json_str(out, "id") : NULL;
        trigger_string_free(out);
        out = NULL;
        err = NULL;
        EXPECT_OK(trigger_runs_retrieve(shared, shared_run, &out, &err), err,
                  "shared client retrieve");
        trigger_string_free(out);
        free(shared_run);

        CHECK(trigger_auth_pop(), "pop this thread's key");
        CHECK(!trigger_auth_pop(), "nothing left on this thread");
        free(run);
    }
    return NULL;
}

int main(void) {
    if (h_admin("POST", "/__emulator/reset", NULL, NULL, 0) != 200) {
        fprintf(stderr, "cannot reset the emulator at %s\n", h_base_url());
        return 2;
    }
    shared = h_client(DEV_KEY, 1);

    char config[512];
    snprintf(config, sizeof config,
             "{\"accessToken\":\"tr_dev_not_a_valid_key_00\",\"baseURL\":\"%s\","
             "\"requestOptions\":{\"retry\":{\"maxAttempts\":1}}}",
             h_base_url());
    trigger_error *err = NULL;
    EXPECT_OK(trigger_configure(config, &err), err, "configure a global bad key");

    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    for (size_t i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, worker, (void *)i) == 0, "pthread_create");
    }
    for (size_t i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);

    /* The main thread never pushed: no override leaked into it. */
    CHECK(!trigger_auth_pop(), "main thread has no override");
    char *out = NULL;
    err = NULL;
    EXPECT_FAIL(trigger_runs_list(NULL, NULL, &out, &err), err, TRIGGER_RESULT_AUTHENTICATION,
                401, "main thread: the global config");

    /* Every dev-keyed thread's runs are in dev: 2 of 8 threads use the dev key. */
    trigger_runs_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_runs_list_iter(shared, "{\"limit\":5}", &iter, &err), err, "iter");
    int threads_runs = 0, shared_runs = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_runs_iter_next(iter, &item, &err), err, "next") || !item) break;
        if (h_has(item, "\"taskIdentifier\":\"thread-")) threads_runs++;
        if (h_has(item, "\"taskIdentifier\":\"shared\"")) shared_runs++;
        trigger_string_free(item);
    }
    trigger_runs_iter_free(iter);
    CHECK(threads_runs == 2 * ROUNDS, "dev runs from threads: %d", threads_runs);
    CHECK(shared_runs == THREADS * ROUNDS, "shared runs: %d", shared_runs);

    trigger_client_free(shared);
    return h_finish("test_threads");
}
