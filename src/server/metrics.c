/*
 * metrics.c: the server's counters, their Prometheus text (GET /metrics)
 * and one structured log line per call (JSON on stderr, written whole with
 * one write so lines of concurrent calls never interleave).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "server/server_int.h"

/* Distinct (user, function, outcome) series kept; past it, calls count under
 * user "_other" so a client cannot grow the table without bound. */
#define MAX_SERIES 1000

/* The bytes of a call's captured stdout/stderr its log line shows. */
#define LOG_LINE_MAX 2048

static const double BUCKETS[SRV_DURATION_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    5};

void srv_metrics_init(srv_metrics *m) {
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
}

void srv_metrics_free(srv_metrics *m) {
    for (size_t i = 0; i < m->nseries; i++) {
        free(m->series[i].user);
        free(m->series[i].func);
    }
    free(m->series);
    pthread_mutex_destroy(&m->lock);
}

void srv_metrics_response(srv_metrics *m, unsigned status) {
    pthread_mutex_lock(&m->lock);
    m->responses[status / 100 < 6 ? status / 100 : 0]++;
    pthread_mutex_unlock(&m->lock);
}

static void count_series(srv_metrics *m, const char *user, const char *func, fl_outcome o) {
    for (size_t i = 0; i < m->nseries; i++)
        if (m->series[i].outcome == o && !strcmp(m->series[i].user, user) &&
            !strcmp(m->series[i].func, func)) {
            m->series[i].n++;
            return;
        }
    if (m->nseries >= MAX_SERIES && strcmp(user, "_other")) {
        count_series(m, "_other", "_other", o);
        return;
    }
    if (m->nseries == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        srv_series *v = realloc(m->series, cap * sizeof *v);
        if (!v)
            return;
        m->series = v;
        m->cap = cap;
    }
    srv_series *e = &m->series[m->nseries];
    e->user = strdup(user);
    e->func = strdup(func);
    e->outcome = o;
    e->n = 1;
    if (!e->user || !e->func) {
        free(e->user);
        free(e->func);
        return;
    }
    m->nseries++;
}

void srv_metrics_call(fl_server *s, uint32_t id, const char *user, const char *func, bool python,
                      const fl_call_result *res, uint64_t started_ns, uint64_t done_ns) {
    double seconds = (double)(done_ns - started_ns) / 1e9;
    srv_metrics *m = &s->metrics;
    pthread_mutex_lock(&m->lock);
    count_series(m, user, func, res->outcome);
    size_t b = 0;
    while (b < SRV_DURATION_BUCKETS && seconds > BUCKETS[b])
        b++;
    m->buckets[b]++;
    m->seconds_sum += seconds;
    m->calls++;
    pthread_mutex_unlock(&m->lock);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "time", (double)now.tv_sec + now.tv_nsec / 1e9);
    cJSON_AddNumberToObject(o, "id", id);
    cJSON_AddStringToObject(o, "user", user);
    cJSON_AddStringToObject(o, "function", func);
    if (python)
        cJSON_AddTrueToObject(o, "python");
    cJSON_AddNumberToObject(o, "duration_ms", seconds * 1e3);
    cJSON_AddStringToObject(o, "outcome", fl_outcome_name(res->outcome));
    cJSON_AddNumberToObject(o, "return", res->retval);
    cJSON_AddNumberToObject(o, "output_bytes", (double)res->output_len);
    if (res->error)
        cJSON_AddStringToObject(o, "error", res->error);
    if (res->log_len || res->log_dropped) {
        /* what the guests printed: its head here, all of it with the result */
        size_t shown = res->log_len < LOG_LINE_MAX ? res->log_len : LOG_LINE_MAX;
        char *text = srv_text(res->log, shown);
        if (text)
            cJSON_AddStringToObject(o, "log", text);
        free(text);
        cJSON_AddNumberToObject(o, "log_bytes", (double)(res->log_len + res->log_dropped));
    }
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (line) {
        size_t n = strlen(line);
        line[n] = '\n'; /* over the NUL: written by length */
        ssize_t w = write(STDERR_FILENO, line, n + 1);
        (void)w;
        free(line);
    }
}

/* A label value: backslash, quote and newline escaped. */
static void put_label(FILE *f, const char *v) {
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static uint64_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

char *srv_metrics_text(fl_server *s) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    srv_metrics *m = &s->metrics;
    pthread_mutex_lock(&m->lock);
    fputs("# HELP faaslet_calls_total Calls finished, by function and outcome.\n"
          "# TYPE faaslet_calls_total counter\n",
          f);
    for (size_t i = 0; i < m->nseries; i++) {
        fputs("faaslet_calls_total{user=\"", f);
        put_label(f, m->series[i].user);
        fputs("\",function=\"", f);
        put_label(f, m->series[i].func);
        fprintf(f, "\",outcome=\"%s\"} %" PRIu64 "\n", fl_outcome_name(m->series[i].outcome),
                m->series[i].n);
    }
    fputs("# HELP faaslet_call_duration_seconds Time from submit to result.\n"
          "# TYPE faaslet_call_duration_seconds histogram\n",
          f);
    uint64_t cum = 0;
    for (size_t b = 0; b <= SRV_DURATION_BUCKETS; b++) {
        cum += m->buckets[b];
        if (b < SRV_DURATION_BUCKETS)
            fprintf(f, "faaslet_call_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", BUCKETS[b], cum);
        else
            fprintf(f, "faaslet_call_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    }
    fprintf(f, "faaslet_call_duration_seconds_sum %.6f\nfaaslet_call_duration_seconds_count %" PRIu64 "\n",
            m->seconds_sum, m->calls);
    fputs("# HELP faaslet_http_responses_total HTTP responses, by status class.\n"
          "# TYPE faaslet_http_responses_total counter\n",
          f);
    for (int c = 1; c < 6; c++)
        fprintf(f, "faaslet_http_responses_total{code=\"%dxx\"} %" PRIu64 "\n", c, m->responses[c]);
    pthread_mutex_unlock(&m->lock);

    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(s->cfg.rt), &st);
    fl_pool_stats ps;
    fl_runtime_pool_stats(s->cfg.rt, &ps);
    fprintf(f,
            "# HELP faaslet_queue_depth Calls waiting for a worker.\n"
            "# TYPE faaslet_queue_depth gauge\nfaaslet_queue_depth %u\n"
            "# HELP faaslet_worker_threads Executor threads alive.\n"
            "# TYPE faaslet_worker_threads gauge\nfaaslet_worker_threads %u\n"
            "# HELP faaslet_warm_idle_bytes Estimated memory of idle warm Faaslets.\n"
            "# TYPE faaslet_warm_idle_bytes gauge\nfaaslet_warm_idle_bytes %" PRIu64 "\n"
            "# HELP faaslet_faaslets_built_total Faaslets built.\n"
            "# TYPE faaslet_faaslets_built_total counter\nfaaslet_faaslets_built_total %" PRIu64 "\n"
            "# HELP faaslet_snapshot_restores_total Faaslets restored from a snapshot.\n"
            "# TYPE faaslet_snapshot_restores_total counter\nfaaslet_snapshot_restores_total %" PRIu64 "\n"
            "# HELP faaslet_warm_reuses_total Calls served by an idle warm Faaslet.\n"
            "# TYPE faaslet_warm_reuses_total counter\nfaaslet_warm_reuses_total %" PRIu64 "\n"
            "# HELP faaslet_snapshot_disk_loads_total Snapshots loaded from disk.\n"
            "# TYPE faaslet_snapshot_disk_loads_total counter\nfaaslet_snapshot_disk_loads_total %" PRIu64 "\n"
            "# HELP faaslet_machine_code_switches_total Modules switched to machine code made in the background.\n"
            "# TYPE faaslet_machine_code_switches_total counter\nfaaslet_machine_code_switches_total %" PRIu64 "\n"
            "# HELP faaslet_resident_memory_bytes The server process's resident memory.\n"
            "# TYPE faaslet_resident_memory_bytes gauge\nfaaslet_resident_memory_bytes %" PRIu64 "\n",
            st.queued, st.threads, ps.idle_bytes, ps.built, ps.restored, ps.reused, ps.disk_loaded,
            ps.tiered_up, rss_bytes());
    pthread_mutex_lock(&s->results.lock);
    fprintf(f,
            "# HELP faaslet_async_results Async call results held.\n"
            "# TYPE faaslet_async_results gauge\nfaaslet_async_results %zu\n",
            s->results.n);
    pthread_mutex_unlock(&s->results.lock);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}
