#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Thread_local trigger_result h_rc;

static atomic_int passed;
static atomic_int failed;

void h_check(int ok, const char *file, int line, const char *expr, const char *fmt, ...) {
    if (ok) {
        atomic_fetch_add(&passed, 1);
        return;
    }
    atomic_fetch_add(&failed, 1);
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    fprintf(stderr, "FAIL %s:%d: %s: %s\n", file, line, expr, detail);
}

const char *h_base_url(void) {
    const char *url = getenv("TRIGGER_API_URL");
    if (url == NULL || *url == '\0') {
        fprintf(stderr, "TRIGGER_API_URL is not set (run tests/c/run.sh)\n");
        exit(2);
    }
    return url;
}

trigger_client *h_client(const char *token, int max_attempts) {
    char config[4096];
    char token_field[2048] = ""; /* public access tokens are a few hundred bytes */
    if (token != NULL) {
        snprintf(token_field, sizeof token_field, "\"accessToken\":\"%s\",", token);
    }
    snprintf(config, sizeof config,
             "{%s\"baseURL\":\"%s\",\"requestOptions\":{\"retry\":{\"maxAttempts\":%d,"
             "\"minTimeoutInMs\":5,\"maxTimeoutInMs\":20}}}",
             token_field, h_base_url(), max_attempts);
    trigger_client *client = NULL;
    trigger_error *err = NULL;
    if (trigger_client_new(config, &client, &err) != TRIGGER_RESULT_OK) {
        fprintf(stderr, "trigger_client_new failed: %s\n", trigger_error_message(err));
        trigger_error_free(err);
        exit(2);
    }
    return client;
}

bool h_ok(trigger_result rc, trigger_error *err, const char *what, const char *file, int line) {
    int ok = rc == TRIGGER_RESULT_OK && err == NULL;
    h_check(ok, file, line, what, "expected OK, got %d (%s)", (int)rc,
            err ? trigger_error_message(err) : "no error object");
    trigger_error_free(err);
    return ok;
}

bool h_fail(trigger_result rc, trigger_error *err, trigger_result kind, int status,
            char *message, size_t cap, const char *what, const char *file, int line) {
    int ok = rc == kind && err != NULL && trigger_error_kind(err) == kind &&
             (status < 0 || trigger_error_status(err) == status) &&
             trigger_error_message(err)[0] != '\0';
    h_check(ok, file, line, what, "expected kind %d status %d, got %d status %d (%s)", (int)kind,
            status, (int)rc, err ? (int)trigger_error_status(err) : -1,
            err ? trigger_error_message(err) : "no error object");
    if (message != NULL && cap > 0) {
        snprintf(message, cap, "%s", err ? trigger_error_message(err) : "");
    }
    trigger_error_free(err);
    return ok;
}

/* Parses "http://HOST:PORT" into an IPv4 address and a port. */
static int parse_base(const char *url, struct sockaddr_in *addr) {
    const char *p = strstr(url, "://");
    if (p == NULL) return -1;
    p += 3;
    char host[64];
    const char *colon = strchr(p, ':');
    if (colon == NULL || (size_t)(colon - p) >= sizeof host) return -1;
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

int h_admin(const char *method, const char *path, const char *body, char *resp, size_t cap) {
    struct sockaddr_in addr;
    if (parse_base(h_base_url(), &addr) != 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    size_t body_len = body ? strlen(body) : 0;
    char head[512];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, body_len);
    if (write(fd, head, (size_t)n) != n ||
        (body_len > 0 && write(fd, body, body_len) != (ssize_t)body_len)) {
        close(fd);
        return -1;
    }
    size_t size = 0, capacity = 4096;
    char *buf = malloc(capacity);
    for (;;) {
        if (size + 1024 >= capacity) {
            capacity *= 2;
            buf = realloc(buf, capacity);
        }
        ssize_t got = read(fd, buf + size, capacity - size - 1);
        if (got <= 0) break;
        size += (size_t)got;
    }
    close(fd);
    buf[size] = '\0';
    int status = -1;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) status = -1;
    if (resp != NULL && cap > 0) {
        const char *start = strstr(buf, "\r\n\r\n");
        snprintf(resp, cap, "%s", start ? start + 4 : "");
    }
    free(buf);
    return status;
}

long h_request_count(void) {
    char resp[256];
    /* Only the count is needed; the log itself may be long, so it is cut at 255 bytes. */
    if (h_admin("GET", "/__emulator/requests", NULL, resp, sizeof resp) != 200) return -1;
    const char *p = strstr(resp, "\"count\":");
    return p ? strtol(p + 8, NULL, 10) : -1;
}

/* Skips a JSON string starting at the opening quote; returns the position after it. */
static const char *skip_string(const char *p) {
    for (p++; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return p;
}

char *h_json_str(const char *json, const char *key) {
    size_t key_len = strlen(key);
    int depth = 0;
    for (const char *p = json; *p != '\0';) {
        char c = *p;
        if (c == '"') {
            const char *end = skip_string(p);
            /* A top-level key: depth 1, followed by ':'. */
            const char *q = end;
            while (*q == ' ') q++;
            if (depth == 1 && *q == ':' && (size_t)(end - p - 2) == key_len &&
                strncmp(p + 1, key, key_len) == 0) {
                q++;
                while (*q == ' ') q++;
                if (*q != '"') return NULL;
                const char *value_end = skip_string(q);
                size_t len = (size_t)(value_end - q - 2);
                char *out = malloc(len + 1);
                memcpy(out, q + 1, len);
                out[len] = '\0';
                return out;
            }
            p = end;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        if (c == '}' || c == ']') depth--;
        p++;
    }
    return NULL;
}

bool h_has(const char *json, const char *fragment) {
    return json != NULL && strstr(json, fragment) != NULL;
}

int h_finish(const char *name) {
    int p = atomic_load(&passed), f = atomic_load(&failed);
    printf("RESULT %s passed=%d failed=%d\n", name, p, f);
    fflush(stdout);
    return f == 0 ? 0 : 1;
}
