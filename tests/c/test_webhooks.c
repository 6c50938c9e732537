/*
 * Alert webhooks through the C API (trigger_webhooks_construct_event): no request, no client.
 * The signatures are test vectors made with openssl while writing this test, each as
 *
 *   printf '%s' '<body>' | openssl dgst -sha256 -hmac <secret>
 *
 * over the exact bytes of the body below (RUN_FAILED was written to a file with printf and
 * hashed with `openssl dgst -sha256 -hmac whsec_c_tests < file`, its trailing newline
 * included).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SECRET "whsec_c_tests"

/* A pretty-printed alert.run.failed, as a server may send it. */
static const char RUN_FAILED[] =
    "{\n"
    "  \"id\": \"alert_c_1\",\n"
    "  \"created\": \"2026-03-04T05:06:07.089Z\",\n"
    "  \"webhookVersion\": \"2025-01-01\",\n"
    "  \"type\": \"alert.run.failed\",\n"
    "  \"object\": {\n"
    "    \"task\": {\"id\": \"send-email\", \"filePath\": \"src/email.ts\", \"version\": \"20260304.1\", \"sdkVersion\": \"4.8.3\", \"cliVersion\": \"4.8.3\"},\n"
    "    \"run\": {\"id\": \"run_c\", \"number\": 7, \"status\": \"CRASHED\", \"createdAt\": \"2026-03-04T05:00:00.000Z\", \"isTest\": true, \"tags\": [], \"error\": {\"type\": \"STRING_ERROR\", \"raw\": \"oops\"}, \"isOutOfMemoryError\": true, \"machine\": \"micro\", \"dashboardUrl\": \"https://cloud.trigger.dev/runs/run_c\"},\n"
    "    \"environment\": {\"id\": \"env_1\", \"type\": \"DEVELOPMENT\", \"slug\": \"dev\"},\n"
    "    \"organization\": {\"id\": \"org_1\", \"slug\": \"acme\", \"name\": \"Acme\"},\n"
    "    \"project\": {\"id\": \"project_1\", \"ref\": \"proj_acme\", \"slug\": \"web\", \"name\": \"Web\"}\n"
    "  }\n"
    "}\n";
/* HMAC-SHA256 of RUN_FAILED keyed with SECRET, and keyed with "whsec_other". */
static const char RUN_FAILED_SIG[] = "5e52d6cc9b109da96b67fe04410dfaeaccc2cbfb4fde0f07c3bbe322b2814d68";
static const char RUN_FAILED_OTHER_SIG[] =
    "dce027bd2f99ff9d7a245ae9987b434d0d15e681b9747ec98b9dcec3d34030a2";

/* A type this library does not know. */
static const char UNKNOWN[] =
    "{\"id\":\"watch:w1:channel:c1\",\"created\":\"2026-08-02T00:00:00.000Z\",\"webhookVersion\":\"2026-08-02\",\"type\":\"alert.dashboard_agent_watch\",\"object\":{\"summary\":\"3 runs failed\"}}";
static const char UNKNOWN_SIG[] = "b6b9f68a6db951c1215407b7826133a22b7a3fb6845f2d3b0b12891f4d96bd53";

/* Signed, but not JSON. */
static const char NOT_JSON[] = "hello";
static const char NOT_JSON_SIG[] = "0581d49d8e9977e3d4fb30d0453c632e8727a224240dfb60f2e681e9b8e26329";

/* alert.error whose occurrenceCount is a string. */
static const char BAD_OBJECT[] =
    "{\"id\":\"a\",\"created\":\"2026-03-04T00:00:00.000Z\",\"webhookVersion\":\"2025-01-01\",\"type\":\"alert.error\",\"object\":{\"classification\":\"new_issue\",\"error\":{\"fingerprint\":\"f\",\"type\":\"E\",\"message\":\"m\",\"firstSeen\":\"2026-03-01T00:00:00.000Z\",\"lastSeen\":\"2026-03-04T00:00:00.000Z\",\"occurrenceCount\":\"many\",\"taskIdentifier\":\"t\"},\"environment\":{\"id\":\"e\",\"name\":\"Dev\"},\"organization\":{\"id\":\"o\",\"slug\":\"o\",\"name\":\"O\"},\"project\":{\"id\":\"p\",\"ref\":\"proj_p\",\"slug\":\"p\",\"name\":\"P\"},\"dashboardUrl\":\"https://x\"}}"
;
static const char BAD_OBJECT_SIG[] = "7bdbf65d5f8e432800d67f989c0ddc6cf7a0e7cdc4b78652cf9287cb1730a042";

/* Calls the export over `len` bytes of `body`; returns its result, the JSON written (free it
 * with trigger_string_free) in *out and the error message (or "") in `message`. */
static trigger_result construct(const char *body, size_t len, const char *signature,
                                const char *secret, char **out, char *message, size_t cap) {
    trigger_error *err = NULL;
    *out = NULL;
    trigger_result rc = trigger_webhooks_construct_event((const uint8_t *)body, len, signature,
                                                         secret, out, &err);
    snprintf(message, cap, "%s", trigger_error_message(err));
    CHECK((rc == TRIGGER_RESULT_OK) == (err == NULL), "an error object exactly on failure");
    CHECK(trigger_error_kind(err) == rc, "the error's kind is the result");
    CHECK(trigger_error_status(err) == 0, "no HTTP status");
    trigger_error_free(err);
    return rc;
}

static void test_valid_events(void) {
    char *out = NULL;
    char message[512];
    trigger_result rc = construct(RUN_FAILED, strlen(RUN_FAILED), RUN_FAILED_SIG, SECRET, &out,
                                  message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_OK, "run.failed: %d %s", rc, message);
    /* The body as sent, pretty-printing included, without the whitespace around it. */
    CHECK(out && strlen(out) == strlen(RUN_FAILED) - 1 &&
              strncmp(out, RUN_FAILED, strlen(RUN_FAILED) - 1) == 0,
          "the signed JSON: %s", out ? out : "(null)");
    trigger_string_free(out);

    rc = construct(UNKNOWN, strlen(UNKNOWN), UNKNOWN_SIG, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_OK, "an unknown type is handed through: %d %s", rc, message);
    CHECK(out && strcmp(out, UNKNOWN) == 0, "as sent: %s", out ? out : "(null)");
    trigger_string_free(out);
}

static void test_bad_signatures(void) {
    char *out = NULL;
    char message[512];
    size_t len = strlen(RUN_FAILED);
    trigger_result rc = construct(RUN_FAILED, len, RUN_FAILED_OTHER_SIG, SECRET, &out, message,
                                  sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_SIGNATURE && out == NULL, "another secret: %d", rc);
    CHECK(strcmp(message, "invalid signature: x-trigger-signature-hmacsha256 is not the "
                          "HMAC-SHA256 of the raw body with this secret") == 0,
          "message: %s", message);
    CHECK(strstr(message, SECRET) == NULL, "the secret is not shown");

    char upper[sizeof RUN_FAILED_SIG];
    for (size_t i = 0; i < sizeof upper; i++) {
        upper[i] = (char)toupper((unsigned char)RUN_FAILED_SIG[i]);
    }
    rc = construct(RUN_FAILED, len, upper, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_SIGNATURE, "upper-case hex: %d", rc);

    /* The body changed after signing: one byte, then one byte fewer. */
    char *changed = malloc(len + 1);
    memcpy(changed, RUN_FAILED, len + 1);
    changed[strstr(changed, "\"number\": 7") - changed + 10] = '8';
    rc = construct(changed, len, RUN_FAILED_SIG, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_SIGNATURE, "a changed body: %d", rc);
    free(changed);
    rc = construct(RUN_FAILED, len - 1, RUN_FAILED_SIG, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_SIGNATURE, "a shortened body: %d", rc);
}

static void test_missing_header_and_secret(void) {
    char *out = NULL;
    char message[512];
    size_t len = strlen(RUN_FAILED);
    trigger_result rc = construct(RUN_FAILED, len, NULL, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_MISSING_SIGNATURE && out == NULL, "no header: %d", rc);
    CHECK(h_has(message, "x-trigger-signature-hmacsha256"), "names the header: %s", message);
    rc = construct(RUN_FAILED, len, "", SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_MISSING_SIGNATURE, "an empty header: %d", rc);

    rc = construct(RUN_FAILED, len, RUN_FAILED_SIG, "", &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_INVALID_ARGUMENT && strncmp(message, "secret: ", 8) == 0,
          "an empty secret: %d %s", rc, message);
    rc = construct(RUN_FAILED, len, RUN_FAILED_SIG, NULL, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_INVALID_ARGUMENT && strcmp(message, "secret: must not be NULL") == 0,
          "a NULL secret: %d %s", rc, message);
    rc = construct(NULL, 4, RUN_FAILED_SIG, SECRET, &out, message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_INVALID_ARGUMENT && strncmp(message, "payload: ", 9) == 0,
          "a NULL payload with a length: %d %s", rc, message);
    char **no_out = NULL;
    trigger_error *err = NULL;
    rc = trigger_webhooks_construct_event((const uint8_t *)RUN_FAILED, len, RUN_FAILED_SIG,
                                          SECRET, no_out, &err);
    CHECK(rc == TRIGGER_RESULT_INVALID_ARGUMENT, "a NULL out_json: %d", rc);
    trigger_error_free(err);
}

static void test_signed_bodies_that_are_not_events(void) {
    char *out = NULL;
    char message[512];
    trigger_result rc = construct(NOT_JSON, strlen(NOT_JSON), NOT_JSON_SIG, SECRET, &out,
                                  message, sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_PAYLOAD && out == NULL, "not JSON: %d", rc);
    CHECK(strncmp(message, "the webhook body is not an alert event: malformed JSON", 54) == 0,
          "message: %s", message);
    rc = construct(BAD_OBJECT, strlen(BAD_OBJECT), BAD_OBJECT_SIG, SECRET, &out, message,
                   sizeof message);
    CHECK(rc == TRIGGER_RESULT_WEBHOOK_INVALID_PAYLOAD, "a mis-shaped object: %d", rc);
    CHECK(strcmp(message, "the webhook body is not an alert event: `object.error.occurrenceCount`: "
                          "invalid type: string, expected a non-negative integer") == 0,
          "message: %s", message);
    CHECK(strstr(message, "many") == NULL, "the body's strings are not shown");
}

int main(void) {
    test_valid_events();
    test_bad_signatures();
    test_missing_header_and_secret();
    test_signed_bodies_that_are_not_events();
    return h_finish("test_webhooks");
}
