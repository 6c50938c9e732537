/*
 * A tiny test harness for the C tests: checks with counters, clients for the emulator, the
 * emulator's admin API over a plain socket, and a minimal JSON field reader.
 *
 * The emulator's base URL comes from the TRIGGER_API_URL environment variable (tests/c/run.sh
 * sets it).
 */
#ifndef TRIGGERDEV_TEST_HARNESS_H
#define TRIGGERDEV_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "triggerdev.h"

/* The emulator's default seed. */
#define PROJECT_REF "proj_emulator"
#define DEV_KEY "tr_dev_emulator_dev_key_0001"
#define STG_KEY "tr_stg_emulator_stg_key_0001"
#define PROD_KEY "tr_prod_emulator_prod_key_001"
#define PREVIEW_KEY "tr_preview_emulator_preview_01"
#define PREVIEW_BRANCH "feature-xyz"
#define PAT "tr_pat_emulator_personal_token_0001"

/* Counts a check; prints the failure with its location. Thread-safe. */
#define CHECK(cond, ...) h_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)

void h_check(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The emulator's base URL (TRIGGER_API_URL); exits if unset. */
const char *h_base_url(void);

/* A client for the emulator with `token` (NULL: none) and fast retries (at most
 * `max_attempts` requests, 5..20 ms apart). Aborts the test when creation fails. */
trigger_client *h_client(const char *token, int max_attempts);

/* Expects rc == TRIGGER_RESULT_OK; on failure prints the error. Frees `err`. */
bool h_ok(trigger_result rc, trigger_error *err, const char *what, const char *file, int line);
/* The call runs first (the comma operator orders it), then its `err` is read. */
extern _Thread_local trigger_result h_rc;
#define EXPECT_OK(call, err, what) (h_rc = (call), h_ok(h_rc, (err), (what), __FILE__, __LINE__))

/* Expects the call to fail with `kind` (and `status`, unless it is -1), with an error object
 * of that kind and a non-empty message; copies the message to `message` (if not NULL, up to
 * `cap` bytes). Frees `err`. */
bool h_fail(trigger_result rc, trigger_error *err, trigger_result kind, int status,
            char *message, size_t cap, const char *what, const char *file, int line);
#define EXPECT_FAIL(call, err, kind, status, what) \
    (h_rc = (call), h_fail(h_rc, (err), (kind), (status), NULL, 0, (what), __FILE__, __LINE__))

/* Sends `method path` with a JSON `body` (may be NULL) to the emulator's admin API over a
 * fresh TCP connection. Returns the HTTP status (or -1); copies the response body to `resp`
 * (if not NULL, up to `cap` bytes, NUL-terminated). */
int h_admin(const char *method, const char *path, const char *body, char *resp, size_t cap);

/* Number of API requests the emulator has received (admin requests excluded). */
long h_request_count(void);

/* The string value of top-level member `key` of the JSON object `json`, newly allocated
 * (free() it), or NULL. Escapes are kept as written. */
char *h_json_str(const char *json, const char *key);

/* Whether `json` contains `fragment` (plain substring test). */
bool h_has(const char *json, const char *fragment);

/* Prints `RESULT <name> passed=N failed=M` and returns the exit code (0 if nothing failed). */
int h_finish(const char *name);

#endif
