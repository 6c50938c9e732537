/*
 * Triggers a task and retrieves its run, with the credentials and API URL from the
 * environment:
 *
 *   TRIGGER_SECRET_KEY=tr_dev_... [TRIGGER_API_URL=http://127.0.0.1:3030] ./trigger_task [task]
 *
 * Build, after `make install PREFIX=$HOME/.local` (README.md, "C and C++"):
 *   export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
 *   cc -std=c11 examples/c/trigger_task.c $(pkg-config --cflags --libs triggerdev) \
 *      -Wl,-rpath,$(pkg-config --variable=libdir triggerdev) -o trigger_task
 */
#include <stdio.h>
#include <stdlib.h>

#include "triggerdev.h"

static int fail(const char *what, trigger_error *err) {
    fprintf(stderr, "%s failed (%d, HTTP %u): %s\n", what, (int)trigger_error_kind(err),
            (unsigned)trigger_error_status(err), trigger_error_message(err));
    trigger_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    const char *task = argc > 1 ? argv[1] : "hello-world";
    trigger_client *client = NULL;
    trigger_error *err = NULL;

    /* NULL config: everything from the environment. */
    if (trigger_client_new(NULL, &client, &err) != TRIGGER_RESULT_OK) {
        return fail("trigger_client_new", err);
    }

    char *handle = NULL;
    if (trigger_tasks_trigger(client, task, "{\"message\":\"hello from C\"}",
                              "{\"tags\":[\"example\"],\"idempotencyKey\":\"example-c\"}", &handle,
                              &err) != TRIGGER_RESULT_OK) {
        trigger_client_free(client);
        return fail("trigger_tasks_trigger", err);
    }
    printf("triggered: %s\n", handle);

    /* The handle is {"id":"run_...","isCached":...,"publicAccessToken":...}; a real program
     * would use a JSON parser. */
    char run_id[128] = "";
    if (sscanf(handle, "{\"id\":\"%127[^\"]\"", run_id) != 1) {
        fprintf(stderr, "unexpected handle: %s\n", handle);
        trigger_string_free(handle);
        trigger_client_free(client);
        return 1;
    }
    trigger_string_free(handle);

    char *run = NULL;
    if (trigger_runs_retrieve(client, run_id, &run, &err) != TRIGGER_RESULT_OK) {
        trigger_client_free(client);
        return fail("trigger_runs_retrieve", err);
    }
    printf("run: %s\n", run);
    trigger_string_free(run);
    trigger_client_free(client);
    return 0;
}
