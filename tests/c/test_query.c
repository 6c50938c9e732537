/*
 * Query and dashboards through the C API, against the emulator (which writes object members in
 * sorted order): a query as JSON rows and as CSV text, a query the emulator cannot run (400),
 * the schema, the dashboards list and one dashboard, an unknown dashboard's 404, and argument
 * errors named as the header names them. Every string is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static trigger_client *dev;

#define JSON_OK(out, call, what)                    \
    do {                                            \
        trigger_error *err_ = NULL;                 \
        (out) = NULL;                               \
        trigger_error **err = &err_;                \
        EXPECT_OK((call), err_, (what));            \
    } while (0)

static void test_execute(void) {
    char *out;
    JSON_OK(out, trigger_query_execute(dev, "SELECT count() FROM runs", NULL, &out, err),
            "execute");
    CHECK(out && h_has(out, "{\"format\":\"json\",\"results\":[{\"count\":"), "%s", out);
    trigger_string_free(out);

    JSON_OK(out,
            trigger_query_execute(dev, "SELECT run_id FROM runs LIMIT 0",
                                  "{\"format\":\"csv\",\"scope\":\"organization\"}", &out, err),
            "execute csv");
    CHECK(out && strcmp(out, "{\"format\":\"csv\",\"results\":\"run_id\\n\"}") == 0, "%s", out);
    trigger_string_free(out);

    trigger_error *err = NULL;
    out = NULL;
    char message[256] = "";
    h_rc = trigger_query_execute(dev, "SELECT nope FROM runs", NULL, &out, &err);
    h_fail(h_rc, err, TRIGGER_RESULT_BAD_REQUEST, 400, message, sizeof message, "unknown column",
           __FILE__, __LINE__);
    CHECK(strcmp(message, "400 Unknown column: nope") == 0, "%s", message);
    CHECK(out == NULL, "no output on failure");

    err = NULL;
    EXPECT_FAIL(trigger_query_execute(dev, "", NULL, &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an empty query");
    err = NULL;
    h_rc = trigger_query_execute(dev, "SELECT 1", "{\"scope\":\"galaxy\"}", &out, &err);
    CHECK(h_rc == TRIGGER_RESULT_INVALID_ARGUMENT && err &&
              strcmp(trigger_error_argument(err), "options.scope") == 0,
          "a bad scope: %d %s", h_rc, err ? trigger_error_argument(err) : "");
    trigger_error_free(err);
}

static void test_schema_and_dashboards(void) {
    char *out;
    JSON_OK(out, trigger_query_schema(dev, &out, err), "schema");
    CHECK(out && h_has(out, "\"name\":\"runs\"") && h_has(out, "\"timeColumn\":\"created_at\""),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_query_dashboards_list(dev, &out, err), "dashboards list");
    CHECK(out && h_has(out, "{\"dashboards\":[{") && h_has(out, "\"key\":\"overview\"") &&
              h_has(out, "\"type\":\"builtIn\""),
          "%s", out);
    trigger_string_free(out);

    JSON_OK(out, trigger_query_dashboards_retrieve(dev, "overview", &out, err), "retrieve");
    CHECK(out && h_has(out, "\"id\":\"overview\"") && h_has(out, "\"revision\":\"rev_1\""), "%s",
          out);
    trigger_string_free(out);

    trigger_error *err = NULL;
    out = NULL;
    EXPECT_FAIL(trigger_query_dashboards_retrieve(dev, "nope", &out, &err), err,
                TRIGGER_RESULT_NOT_FOUND, 404, "an unknown dashboard");
    err = NULL;
    EXPECT_FAIL(trigger_query_dashboards_retrieve(dev, NULL, &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a NULL id");
}

static void test_dashboard_writes(void) {
    char *out;
    JSON_OK(out,
            trigger_query_dashboards_create(dev, "{\"title\":\"C board\",\"widgets\":[]}", &out, err),
            "create");
    char *id = out ? h_json_str(out, "id") : NULL;
    CHECK(out && id && h_has(out, "\"revision\":\"rev_1\"") && h_has(out, "\"title\":\"C board\""),
          "%s", out);
    trigger_string_free(out);
    if (!id)
        return;

    JSON_OK(out,
            trigger_query_dashboards_update(dev, id, "{\"title\":\"Renamed\",\"revision\":\"rev_1\"}",
                                            &out, err),
            "update");
    CHECK(out && h_has(out, "\"revision\":\"rev_2\"") && h_has(out, "\"title\":\"Renamed\""), "%s",
          out);
    trigger_string_free(out);

    trigger_error *err = NULL;
    out = NULL;
    EXPECT_FAIL(trigger_query_dashboards_update(dev, id, "{\"revision\":\"rev_1\"}", &out, &err), err,
                TRIGGER_RESULT_CONFLICT, 409, "a stale revision");
    err = NULL;
    EXPECT_FAIL(trigger_query_dashboards_update(dev, id, NULL, &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "no changes_json");
    err = NULL;
    EXPECT_FAIL(trigger_query_dashboards_create(dev, "{\"title\":\" \"}", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an empty title");

    JSON_OK(out, trigger_query_dashboards_del(dev, id, &out, err), "del");
    char expected[128];
    snprintf(expected, sizeof expected, "{\"id\":\"%s\"}", id);
    CHECK(out && strcmp(out, expected) == 0, "%s", out);
    trigger_string_free(out);
    err = NULL;
    out = NULL;
    EXPECT_FAIL(trigger_query_dashboards_del(dev, id, &out, &err), err, TRIGGER_RESULT_NOT_FOUND, 404,
                "deleted");
    free(id);
}

int main(void) {
    dev = h_client(DEV_KEY, 3);
    test_execute();
    test_schema_and_dashboards();
    test_dashboard_writes();
    trigger_client_free(dev);
    return h_finish("test_query");
}
