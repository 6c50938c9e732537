/*
 * Sessions, their channels and public access tokens through the C API, against the emulator:
 * the scope table, both URL forms, a stream read to the end of its window, a blocked stream
 * stopped from another thread, a closed session, and every string freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static trigger_client *dev;
static char external[64];
/* A pointer value no call may leave in place: out-parameters start as it. */
static char sentinel_storage;
#define SENTINEL_PTR (&sentinel_storage)

static void set_linger(const char *value) {
    char body[64];
    snprintf(body, sizeof body, "{\"sseLingerMs\":%s}", value);
    CHECK(h_admin("POST", "/__emulator/sessions/config", body, NULL, 0) == 200, "config %s",
          value);
}

/* Starts the session; returns its public access token (free() it). */
static char *start_session(char **session_id) {
    char body[512];
    snprintf(body, sizeof body,
             "{\"type\":\"chat\",\"externalId\":\"%s\",\"taskIdentifier\":\"chat-agent\","
             "\"triggerConfig\":{\"basePayload\":{\"model\":\"small\"}}}",
             external);
    char *out = NULL;
    trigger_error *err = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_start(dev, body, &out, &err), err, "sessions.start");
    CHECK(h_has(out, "\"isCached\":false"), "%s", out);
    CHECK(h_has(out, "\"runId\":\"run_"), "%s", out);
    char *token = out ? h_json_str(out, "publicAccessToken") : NULL;
    *session_id = out ? h_json_str(out, "id") : NULL;
    CHECK(token && strncmp(token, "eyJ", 3) == 0, "%s", out);
    trigger_string_free(out);

    /* Again: the same session, cached, with a fresh token. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_start(dev, body, &out, &err), err, "sessions.start again");
    CHECK(h_has(out, "\"isCached\":true"), "%s", out);
    trigger_string_free(out);
    return token;
}

static void test_rest(const char *session_id, trigger_client *session_token) {
    char *out = NULL;
    trigger_error *err = NULL;
    /* One token, both URL forms. */
    err = NULL;
    EXPECT_OK(trigger_sessions_retrieve(session_token, external, &out, &err), err,
              "retrieve by external id");
    CHECK(h_has(out, session_id), "%s", out);
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_retrieve(session_token, session_id, &out, &err), err,
              "retrieve by id");
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_list(dev, "{\"type\":\"chat\",\"limit\":100}", &out, &err), err,
              "sessions.list");
    CHECK(h_has(out, session_id), "%s", out);
    trigger_string_free(out);

    trigger_sessions_iter *iter = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_list_iter(dev, "{\"limit\":1}", &iter, &err), err,
              "sessions.list_iter");
    int count = 0;
    for (;;) {
        char *item = NULL;
        err = NULL;
        if (!EXPECT_OK(trigger_sessions_iter_next(iter, &item, &err), err, "iter_next")) break;
        if (item == NULL) break;
        count++;
        trigger_string_free(item);
    }
    CHECK(count >= 1, "iterated %d sessions", count);
    trigger_sessions_iter_free(iter);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_update(dev, external, "{\"tags\":[\"vip\"]}", &out, &err), err,
              "sessions.update");
    CHECK(h_has(out, "\"tags\":[\"vip\"]"), "%s", out);
    trigger_string_free(out);

    /* What a session token may not do, refused before sending. */
    long before = h_request_count();
    err = NULL;
    EXPECT_FAIL(trigger_sessions_update(session_token, external, "{}", &out, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "update with a public token");
    err = NULL;
    EXPECT_FAIL(trigger_sessions_close(session_token, external, NULL, &out, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "close with a public token");
    err = NULL;
    EXPECT_FAIL(trigger_sessions_append(session_token, external, NULL, "out", "\"x\"", &out, &err),
                err, TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, ".out append with a public token");
    CHECK(h_request_count() == before, "nothing was sent");
    err = NULL;
    EXPECT_FAIL(trigger_sessions_append(dev, external, NULL, "sideways", "\"x\"", &out, &err), err,
                TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a bad io");
    err = NULL;
    EXPECT_FAIL(trigger_sessions_append(dev, external, "no spaces", "in", "\"x\"", &out, &err),
                err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a bad channel name");
}

static void test_channels(trigger_client *session_token) {
    char *out = NULL;
    trigger_error *err = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_append(session_token, external, NULL, "in", "{\"text\":\"hello\"}",
                                      &out, &err),
              err, ".in append with the session token");
    CHECK(h_has(out, "\"ok\":true"), "%s", out);
    trigger_string_free(out);

    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_records(session_token, external, NULL, "in", -1, &out, &err), err,
              ".in records");
    CHECK(out && out[0] == '[' && h_has(out, "\"seqNum\":0"), "the records themselves: %s", out);
    trigger_string_free(out);

    /* The task (here: the secret key) writes .out; the token reads it to the end of the window. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_append(dev, external, NULL, "out", "\"reply\"", &out, &err), err,
              ".out append with the secret key");
    trigger_string_free(out);
    trigger_session_stream *stream = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_subscribe(session_token, external, NULL, "out",
                                         "{\"stopAtEndOfWindow\":true}", &stream, &err),
              err, "subscribe");
    int64_t seq = 7;
    err = NULL;
    EXPECT_OK(trigger_session_stream_last_seq(stream, &seq, &err), err, "last_seq before a record");
    CHECK(seq == -1, "no record yet: %lld", (long long)seq);
    char *record = NULL;
    err = NULL;
    int64_t next_seq = -7;
    EXPECT_OK(trigger_session_stream_next(stream, &next_seq, &record, &err), err, "stream_next");
    CHECK(record && h_has(record, "\"data\":\"reply\""), "%s", record ? record : "NULL");
    const char *seq_text = record ? strstr(record, "\"seqNum\":") : NULL;
    long long record_seq = seq_text ? atoll(seq_text + strlen("\"seqNum\":")) : -2;
    CHECK(next_seq == record_seq, "next writes the resume point %lld: the record's seqNum %lld",
          (long long)next_seq, record_seq);
    err = NULL;
    EXPECT_OK(trigger_session_stream_last_seq(stream, &seq, &err), err, "last_seq");
    CHECK(seq == record_seq, "last_seq %lld is the record's seqNum %lld", (long long)seq, record_seq);
    err = NULL;
    CHECK(trigger_session_stream_last_seq(stream, NULL, &err) == TRIGGER_RESULT_INVALID_ARGUMENT &&
              h_has(trigger_error_message(err), "out_seq"),
          "a NULL out_seq is refused");
    trigger_error_free(err);
    trigger_string_free(record);
    record = SENTINEL_PTR;
    err = NULL;
    EXPECT_OK(trigger_session_stream_next(stream, NULL, &record, &err), err, "stream_next at the end");
    CHECK(record == NULL, "the window ended");
    trigger_session_stream_free(stream);

    /* Named channels. */
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_append(dev, external, "tools", "in", "{\"call\":1}", &out, &err),
              err, "named channel append");
    trigger_string_free(out);
    out = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_records(dev, external, "tools", "in", -1, &out, &err), err,
              "named channel records");
    CHECK(out && out[0] == '[' && h_has(out, "\"seqNum\":0"), "the records themselves: %s", out);
    trigger_string_free(out);
}

struct reader {
    trigger_session_stream *stream;
    trigger_result rc;
    char *record;
};

static void *read_one(void *arg) {
    struct reader *r = arg;
    trigger_error *err = NULL;
    r->rc = trigger_session_stream_next(r->stream, NULL, &r->record, &err);
    trigger_error_free(err);
    return NULL;
}

/* Open SSE streams on the emulator (only this test opens any in the C suite). */
static int subscribers(void) {
    static char resp[1 << 20];
    if (h_admin("GET", "/__emulator/sessions", NULL, resp, sizeof resp) != 200) return -1;
    int total = 0;
    for (const char *s = strstr(resp, "\"subscribers\":"); s; s = strstr(s + 1, "\"subscribers\":")) {
        total += atoi(s + strlen("\"subscribers\":"));
    }
    return total;
}

static void test_stop_from_another_thread(void) {
    set_linger("null"); /* the window stays open */
    trigger_session_stream *stream = NULL;
    trigger_error *err = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_subscribe(dev, external, NULL, "out", "{\"fromLatest\":true}",
                                         &stream, &err),
              err, "subscribe from the tail");
    struct reader r = {stream, TRIGGER_RESULT_PANIC, SENTINEL_PTR};
    pthread_t t;
    pthread_create(&t, NULL, read_one, &r);
    while (subscribers() < 1) sched_yield(); /* readiness: the stream is open */
    trigger_session_stream_stop(stream);
    pthread_join(t, NULL);
    CHECK(r.rc == TRIGGER_RESULT_OK, "next after stop: %d", r.rc);
    CHECK(r.record == NULL, "no record after stop");
    trigger_session_stream_stop(NULL);
    trigger_session_stream_free(stream);
    set_linger("0");
}

static void test_closed(void) {
    char *out = NULL;
    trigger_error *err = NULL;
    err = NULL;
    EXPECT_OK(trigger_sessions_close(dev, external, "done", &out, &err), err, "sessions.close");
    CHECK(h_has(out, "\"closedReason\":\"done\""), "%s", out);
    trigger_string_free(out);
    long before = h_request_count();
    err = NULL;
    EXPECT_FAIL(trigger_sessions_append(dev, external, NULL, "in", "\"late\"", &out, &err), err,
                TRIGGER_RESULT_SESSION_CLOSED, 400, "append to a closed session");
    CHECK(h_request_count() == before + 1, "not retried");
}

static void test_tokens(void) {
    char *token = NULL;
    trigger_error *err = NULL;
    err = NULL;
    EXPECT_OK(trigger_auth_create_public_token(
                  dev, "{\"scopes\":{\"read\":{\"runs\":true}},\"expirationTime\":\"15m\"}", &token,
                  &err),
              err, "create_public_token");
    CHECK(token && strncmp(token, "eyJ", 3) == 0, "%s", token ? token : "NULL");
    trigger_string_free(token);
    err = NULL;
    EXPECT_FAIL(trigger_auth_create_public_token(dev, "{\"expirationTime\":\"31d\"}", &token, &err),
                err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, "an expiry over 30 days");
    err = NULL;
    EXPECT_FAIL(trigger_auth_create_public_token(
                    dev, "{\"scopes\":{\"read\":{\"runs\":\"\"}}}", &token, &err),
                err, TRIGGER_RESULT_INVALID_ARGUMENT, 0, "a blank scope id");
    token = NULL;
    err = NULL;
    EXPECT_OK(trigger_auth_create_trigger_public_token(dev, "[\"send-email\"]",
                                                       "{\"multipleUse\":true}", &token, &err),
              err, "create_trigger_public_token");
    trigger_client *frontend = token ? h_client(token, 1) : NULL;
    char *out = NULL;
    err = NULL;
    EXPECT_OK(trigger_tasks_trigger(frontend, "send-email", "{}", NULL, &out, &err), err,
              "trigger with a trigger token");
    trigger_string_free(out);
    trigger_client_free(frontend);
    trigger_string_free(token);
    token = NULL;
    err = NULL;
    EXPECT_OK(trigger_auth_create_batch_trigger_public_token(dev, "\"send-email\"", NULL, &token,
                                                             &err),
              err, "create_batch_trigger_public_token");
    trigger_string_free(token);
    trigger_client *pat = h_client(PAT, 1);
    err = NULL;
    EXPECT_FAIL(trigger_auth_create_public_token(pat, NULL, &token, &err), err,
                TRIGGER_RESULT_UNSUPPORTED_CREDENTIAL, 0, "a PAT cannot mint");
    trigger_client_free(pat);
}

int main(void) {
    snprintf(external, sizeof external, "c-chat-%ld", (long)getpid());
    dev = h_client(DEV_KEY, 3);
    set_linger("0");
    char *session_id = NULL;
    char *token = start_session(&session_id);
    trigger_client *session_token = h_client(token, 1);
    test_rest(session_id, session_token);
    test_channels(session_token);
    test_stop_from_another_thread();
    test_closed();
    test_tokens();
    trigger_client_free(session_token);
    free(token);
    free(session_id);
    set_linger("null");
    trigger_client_free(dev);
    return h_finish("test_sessions");
}
