/*
 * The routes CI needs through the C API, against the emulator: with only a PAT, whoami, the
 * exchange of the PAT for the prod key (then a trigger with a client of that key), and a
 * preview branch created, listed, archived and gone; the preview key's own rules; argument
 * and credential errors. Every string and client is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define JSON_OK(out, call, what)                    \
    do {                                            \
        trigger_error *err_ = NULL;                 \
        (out) = NULL;                               \
        trigger_error **err = &err_;                \
        EXPECT_OK((call), err_, (what));            \
    } while (0)

static void test_pat_pipeline(void) {
    trigger_client *ci = h_client(PAT, 1);
    char *out;

    JSON_OK(out, trigger_projects_whoami(ci, PROJECT_REF, &out, err), "whoami");
    CHECK(out && h_has(out, "\"userId\":\"user_emulator_1\"") &&
              h_has(out, "\"name\":\"Emulator project\""),
          "%s", out);
    trigger_string_free(out);
    JSON_OK(out, trigger_projects_whoami(ci, NULL, &out, err), "whoami without a project");
    CHECK(out && !h_has(out, "\"project\""), "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_projects_environment(ci, PROJECT_REF, "prod", &out, err), "environment");
    char *key = out ? h_json_str(out, "apiKey") : NULL;
    CHECK(key && strcmp(key, PROD_KEY) == 0, "%s", out);
    CHECK(out && h_has(out, "\"name\":\"Emulator project\""), "%s", out);
    trigger_string_free(out);
    if (key) {
        trigger_client *prod = h_client(key, 1);
        JSON_OK(out, trigger_tasks_trigger(prod, "c-ci", "{}", NULL, &out, err), "trigger");
        CHECK(out && h_has(out, "\"id\":\"run_"), "%s", out);
        trigger_string_free(out);
        trigger_client_free(prod);
        free(key);
    }

    JSON_OK(out,
            trigger_branches_create(ci, PROJECT_REF,
                                    "{\"env\":\"preview\",\"branch\":\"c-pr-1\","
                                    "\"git\":{\"commitSha\":\"abc\"}}",
                                    &out, err),
            "create");
    char *id = out ? h_json_str(out, "id") : NULL;
    CHECK(id != NULL, "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_branches_list(ci, PROJECT_REF, &out, err), "list");
    CHECK(out && h_has(out, "\"name\":\"c-pr-1\"") && h_has(out, "\"commitSha\":\"abc\"") &&
              h_has(out, "\"name\":\"" PREVIEW_BRANCH "\""),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_branches_archive(ci, PROJECT_REF, NULL, "c-pr-1", &out, err), "archive");
    char expected[128];
    snprintf(expected, sizeof expected, "\"id\":\"%s\"", id ? id : "?");
    CHECK(out && h_has(out, "\"success\":true") && h_has(out, expected), "%s", out);
    trigger_string_free(out);
    free(id);

    JSON_OK(out, trigger_branches_list(ci, PROJECT_REF, &out, err), "list after archive");
    CHECK(out && !h_has(out, "c-pr-1"), "%s", out);
    trigger_string_free(out);

    trigger_error *err = NULL;
    out = NULL;
    EXPECT_FAIL(trigger_branches_archive(ci, PROJECT_REF, "preview", "c-pr-1", &out, &err), err,
                TRIGGER_RESULT_BAD_REQUEST, 400, "archived twice");
    err = NULL;
    EXPECT_FAIL(trigger_branches_archive(ci, PROJECT_REF, "preview", "c-none", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "an unknown branch");
    err = NULL;
    EXPECT_FAIL(trigger_branches_archive(ci, PROJECT_REF, "main", "c-pr-1", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an unknown env");
    err = NULL;
    EXPECT_FAIL(trigger_projects_environment(ci, PROJECT_REF, "production", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an unknown environment slug");
    err = NULL;
    EXPECT_FAIL(trigger_branches_create(ci, PROJECT_REF, "{\"branch\":\"x\"}", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a body without env");
    err = NULL;
    EXPECT_FAIL(trigger_branches_list(ci, NULL, &out, &err), err, TRIGGER_RESULT_INVALID_ARGUMENT,
                0, "a NULL project ref");
    trigger_client_free(ci);
}

static void test_keys(void) {
    trigger_client *preview = h_client(PREVIEW_KEY, 1);
    char *out;
    JSON_OK(out,
            trigger_branches_create(preview, PROJECT_REF,
                                    "{\"env\":\"preview\",\"branch\":\"c-key\"}", &out, err),
            "create with the preview key");
    trigger_string_free(out);
    JSON_OK(out, trigger_branches_archive(preview, PROJECT_REF, "preview", "c-key", &out, err),
            "archive with the preview key");
    trigger_string_free(out);
    trigger_error *err = NULL;
    out = NULL;
    EXPECT_FAIL(trigger_branches_list(preview, PROJECT_REF, &out, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "listing with a key");
    trigger_client_free(preview);

    trigger_client *dev = h_client(DEV_KEY, 1);
    err = NULL;
    EXPECT_FAIL(trigger_projects_whoami(dev, NULL, &out, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "whoami with a key");
    err = NULL;
    EXPECT_FAIL(trigger_projects_environment(dev, PROJECT_REF, "prod", &out, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "another environment's key");
    JSON_OK(out, trigger_projects_environment(dev, PROJECT_REF, "dev", &out, err),
            "the dev key gets itself");
    CHECK(out && h_has(out, "\"apiKey\":\"" DEV_KEY "\""), "%s", out);
    trigger_string_free(out);
    trigger_client_free(dev);
}

int main(void) {
    test_pat_pipeline();
    test_keys();
    return h_finish("test_ci_routes");
}
