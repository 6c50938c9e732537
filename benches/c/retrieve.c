/* The C ABI row of the SDK benchmark (built and started by benches/sdk.rs; not a test).
 *
 * Usage: retrieve PORT SECS WARMUP
 *
 * Makes sequential trigger_runs_retrieve calls against the benchmark server for SECS seconds
 * after WARMUP seconds, and prints one line: RESULT {json} with calls, secs, p50_us, p99_us,
 * cpu_us_per_call (this thread's CPU time), rss_kb (VmHWM), errors, first_error and a note
 * with the resident-set growth over the measured calls. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triggerdev.h"

#define RUN_ID "run_cm9bench0001x7k2q4r8s5t6"
#define TOKEN "tr_dev_bench0000000000000000"

static double now_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    size_t n = strlen(field);
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0) {
            kb = strtol(line + n, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* Latencies in 1 µs buckets up to 20 ms (the last bucket holds the rest): a fixed array, so
 * recording them does not grow the resident set this program reports. */
#define BUCKETS 20000
static unsigned long histogram[BUCKETS];

static void record(double us) {
    size_t b = us < 0 ? 0 : (size_t)us;
    histogram[b < BUCKETS ? b : BUCKETS - 1]++;
}

static double percentile(size_t calls, double p) {
    size_t rank = (size_t)((double)calls * p), seen = 0;
    for (size_t b = 0; b < BUCKETS; b++) {
        seen += histogram[b];
        if (seen > rank) return (double)b + 0.5;
    }
    return BUCKETS;
}

/* One call; returns 0 on success and keeps the first error message. */
static int call(const trigger_client *client, char *first_error, size_t cap) {
    char *json = NULL;
    trigger_error *err = NULL;
    if (trigger_runs_retrieve(client, RUN_ID, &json, &err) != TRIGGER_RESULT_OK) {
        if (!first_error[0]) {
            snprintf(first_error, cap, "%s", trigger_error_message(err));
            for (char *c = first_error; *c; c++) /* keep the RESULT line valid JSON */
                if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '\'';
        }
        trigger_error_free(err);
        return 1;
    }
    trigger_string_free(json);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT SECS WARMUP\n", argv[0]);
        return 2;
    }
    double secs = atof(argv[2]), warmup = atof(argv[3]);
    char config[256], first_error[256] = "";
    snprintf(config, sizeof config,
             "{\"accessToken\":\"" TOKEN "\",\"baseURL\":\"http://127.0.0.1:%s\"}", argv[1]);

    trigger_client *client = NULL;
    trigger_error *err = NULL;
    if (trigger_client_new(config, &client, &err) != TRIGGER_RESULT_OK) {
        fprintf(stderr, "trigger_client_new: %s\n", trigger_error_message(err));
        trigger_error_free(err);
        return 1;
    }

    long errors = 0;
    double end = now_s(CLOCK_MONOTONIC) + warmup;
    while (now_s(CLOCK_MONOTONIC) < end && errors < 20)
        errors += call(client, first_error, sizeof first_error);

    size_t calls = 0;
    memset(histogram, 0, sizeof histogram); /* touch it before the resident set is read */
    long rss_before = status_kb("VmRSS:");
    double cpu0 = now_s(CLOCK_THREAD_CPUTIME_ID), t0 = now_s(CLOCK_MONOTONIC);
    end = t0 + secs;
    for (double t = t0; t < end && errors < 20;) {
        errors += call(client, first_error, sizeof first_error);
        double t2 = now_s(CLOCK_MONOTONIC);
        record((t2 - t) * 1e6);
        calls++;
        t = t2;
    }
    double elapsed = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    long rss_growth = status_kb("VmRSS:") - rss_before;

    double p50 = percentile(calls, 0.50), p99 = percentile(calls, 0.99);
    printf("RESULT {\"calls\":%zu,\"secs\":%.6f,\"p50_us\":%.2f,\"p99_us\":%.2f,"
           "\"cpu_us_per_call\":%.3f,\"rss_kb\":%ld,\"errors\":%ld,\"first_error\":%s%s%s,"
           "\"note\":\"C ABI %s; RSS grew %ld kB over %zu calls\"}\n",
           calls, elapsed, p50, p99, calls ? cpu * 1e6 / (double)calls : 0, status_kb("VmHWM:"),
           errors, first_error[0] ? "\"" : "", first_error[0] ? first_error : "null",
           first_error[0] ? "\"" : "", trigger_version(), rss_growth, calls);
    trigger_client_free(client);
    return 0;
}
