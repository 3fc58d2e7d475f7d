/*
 * serve.c: `faaslet serve`.  Builds a runtime over the function store (warm
 * Faaslets, snapshots and state kept in the store's folder, machine code
 * made in the background), starts the HTTP server on it, prints where it
 * listens, and waits for SIGTERM or SIGINT: then no new connection is
 * accepted, requests in flight are answered, queued calls run, and it
 * exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/files.h"
#include "cli/serve.h"
#include "cluster/cluster.h"
#include "faaslet/faaslet.h"
#include "server/server.h"
#include "state/state.h"
#include "store/store.h"

enum { SERVE_OK = 0, SERVE_FAILED = 1, SERVE_USAGE = 64 };

void fl_cli_serve_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet serve [OPTIONS]\n"
            "\n"
            "Runs the platform: Faasm's upload endpoint (functions, Python functions,\n"
            "state, shared files) and invoke endpoint (JSON call messages), over the\n"
            "function store $FAASLET_HOME (else ~/.local/share/faaslet), until SIGTERM\n"
            "or SIGINT, which stop it gracefully.  GET /metrics and /ping on both ports.\n"
            "\n"
            "options:\n"
            "  --listen ADDR        numeric address to listen on (default 127.0.0.1)\n"
            "  --upload-port N      upload endpoint's port (default 8002; 0: any free)\n"
            "  --invoke-port N      invoke endpoint's port (default 8080; 0: any free)\n"
            "  --threads N          executor threads running calls (default 2)\n"
            "  --timeout S          each call tree's time limit, seconds (default 60; 0: none)\n"
            "  --max-memory MIB     each call tree's memory (default 4096)\n"
            "  --max-body MIB       largest request body (default 64)\n"
            "  --max-log KIB        guests' stdout and stderr kept per call (default 64)\n"
            "  --max-calls N        calls in one call tree, across hosts (default 100000)\n"
            "  --max-chain-depth N  chained calls nested beneath a tree's root (default 64)\n"
            "  --connections N      open connections at most (default 512)\n"
            "  --client-timeout S   a connection idle or slow this long is closed (default 30)\n"
            "  --result-ttl S       how long async results are kept (default 600)\n"
            "  --max-results N      async results kept at most (default 10000)\n"
            "  --tokens FILE        access control: lines \"USER TOKEN\"; requests for a\n"
            "                       user need \"Authorization: Bearer TOKEN\"\n"
            "  --python DIR         the Python runtime (default $FAASLET_PYTHON, else\n"
            "                       python/ next to the binary)\n"
            "  --tier T             interp, aot or auto (default auto: machine code once\n"
            "                       it is made, in the background)\n"
            "  --redis URL          a host of the cluster on this Redis server: functions,\n"
            "                       files and global state shared with every host given\n"
            "                       the same one: redis://HOST[:PORT][/DB] (default\n"
            "                       $FAASLET_REDIS; none: alone, state in the store).  A\n"
            "                       full host hands calls (synchronous, async, chained)\n"
            "                       to a host with capacity.\n"
            "  --takeover S         with --redis: a call whose host went silent this long\n"
            "                       is run by another (default 10; it may run twice)\n"
            "\n"
            "When listening it prints one line: \"faaslet serve: upload http://ADDR:PORT,\n"
            "invoke http://ADDR:PORT\".  One JSON line per call goes to stderr.  Guests'\n"
            "stdout and stderr are captured per call: kept with its result (\"log\": true\n"
            "in a call or status message) and in its log line, never on the server's.\n"
            "Exit status: 0 after a graceful stop, 1 when it cannot start, 64 bad usage.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "faaslet serve: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    fl_cli_serve_usage(stderr);
    return SERVE_USAGE;
}

/* A whole number in [0, max] from text. */
static bool parse_count(const char *text, unsigned long max, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

int fl_cli_serve(int argc, char **argv) {
    fl_server_config sc = {.upload_port = -1, .invoke_port = -1};
    const char *python = NULL, *redis = getenv("FAASLET_REDIS");
    unsigned long threads = 2, timeout_s = 60, memory = 0, body_mib = 64, log_kib = 64,
                  max_calls = 0, max_depth = 0;
    fl_tier_choice tier = FL_TIER_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_serve_usage(stdout);
            return SERVE_OK;
        }
        if (i + 1 >= argc || a[0] != '-')
            return usage_error("unexpected argument %s (options take a value)", a);
        const char *v = argv[++i];
        unsigned long n = 0;
        bool num = parse_count(v, 1ul << 31, &n);
        if (!strcmp(a, "--listen"))
            sc.listen_addr = v;
        else if (!strcmp(a, "--upload-port") && num && n <= 65535)
            sc.upload_port = (int)n;
        else if (!strcmp(a, "--invoke-port") && num && n <= 65535)
            sc.invoke_port = (int)n;
        else if (!strcmp(a, "--threads") && num && n >= 1 && n <= 1024)
            threads = n;
        else if (!strcmp(a, "--timeout") && num && n <= 86400)
            timeout_s = n;
        else if (!strcmp(a, "--max-memory") && num && n >= 1 && n <= 4096)
            memory = n;
        else if (!strcmp(a, "--max-body") && num && n >= 1 && n <= 4096)
            body_mib = n;
        else if (!strcmp(a, "--max-log") && num && n >= 1 && n <= 1u << 20)
            log_kib = n;
        else if (!strcmp(a, "--max-calls") && num && n >= 1 && n <= 1u << 30)
            max_calls = n;
        else if (!strcmp(a, "--max-chain-depth") && num && n >= 1 && n <= 1u << 20)
            max_depth = n;
        else if (!strcmp(a, "--connections") && num && n >= 1 && n <= 65536)
            sc.max_connections = (unsigned)n;
        else if (!strcmp(a, "--client-timeout") && num && n >= 1)
            sc.connection_timeout_s = (unsigned)n;
        else if (!strcmp(a, "--result-ttl") && num && n >= 1)
            sc.result_ttl_s = (unsigned)n;
        else if (!strcmp(a, "--max-results") && num && n >= 1)
            sc.max_results = (unsigned)n;
        else if (!strcmp(a, "--tokens"))
            sc.tokens_file = v;
        else if (!strcmp(a, "--python"))
            python = v;
        else if (!strcmp(a, "--redis"))
            redis = v;
        else if (!strcmp(a, "--takeover") && num && n >= 1 && n <= 3600)
            sc.takeover_ms = (unsigned)n * 1000;
        else if (!strcmp(a, "--tier")) {
            if (fl_tier_choice_parse(v, &tier) < 0)
                return usage_error("bad --tier %s (want interp, aot or auto)", v);
        } else
            return usage_error("unknown option or bad value: %s", a);
    }
    sc.max_body = (size_t)body_mib << 20;

    int status = SERVE_FAILED, rc;
    fl_fnstore *store = fl_fnstore_open(NULL, &rc);
    if (!store) {
        fprintf(stderr, "faaslet serve: no function store: %s (set FAASLET_HOME)\n", strerror(-rc));
        return SERVE_FAILED;
    }
    char root[4200], statedir[4200], snapdir[4200], pydir[4096], err[512];
    const char *dir = fl_fnstore_dir(store);
    if (fl_cli_store_runtime_root(dir, root, sizeof root) < 0) {
        fprintf(stderr, "faaslet serve: the runtime root %s: %s\n", root, strerror(errno));
        fl_fnstore_close(store);
        return SERVE_FAILED;
    }
    snprintf(statedir, sizeof statedir, "%s/state", dir);
    snprintf(snapdir, sizeof snapdir, "%s/snapshots", dir);
    fl_cli_python_dir(python, pydir, sizeof pydir);
    /* guests read no stdin; their stdout and stderr go to each call's log,
     * never to the server's own */
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

    fl_runtime_config rc_cfg;
    fl_runtime_config_init(&rc_cfg);
    rc_cfg.threads = (unsigned)threads;
    rc_cfg.timeout_ms = (uint32_t)(timeout_s * 1000);
    sc.timeout_ms = rc_cfg.timeout_ms;
    rc_cfg.max_memory_mib = (uint32_t)memory;
    sc.max_memory_mib = rc_cfg.max_memory_mib;
    rc_cfg.runtime_root = root;
    rc_cfg.fnstore = store;
    rc_cfg.state_dir = statedir;
    rc_cfg.snapshot_dir = snapdir;
    rc_cfg.python_dir = pydir;
    rc_cfg.tier = tier;
    rc_cfg.background_codegen = true;
    rc_cfg.redis_url = redis && redis[0] ? redis : NULL;
    rc_cfg.stdio[0] = devnull;
    rc_cfg.stdio[1] = rc_cfg.stdio[2] = FL_WASI_STDIO_CAPTURE;
    rc_cfg.max_log_kib = (uint32_t)log_kib;
    rc_cfg.max_calls = (uint32_t)max_calls;
    rc_cfg.max_chain_depth = (uint32_t)max_depth;

    /* the signals that stop it are taken by sigwait alone: blocked before
     * any thread starts, so every thread inherits the mask */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    fl_cluster *cluster = NULL;
    if (rc_cfg.redis_url && !(cluster = fl_cluster_open(rc_cfg.redis_url, 0, err, sizeof err))) {
        fprintf(stderr, "faaslet serve: %s\n", err);
        goto out;
    }
    /* a host of a cluster hands chained calls on while it is full */
    fl_server_remote remote;
    if (cluster) {
        fl_server_remote_init(&remote, cluster);
        rc_cfg.remote = &remote.ops;
    }
    /* buffers of a MiB and more (request bodies, state values through
     * Redis, outputs) come and go with every call: kept in the heap for
     * reuse instead of mapped and unmapped each time, which costs a page
     * fault per 4 KiB (it was most of a state push's time) */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    fl_runtime *rt = fl_runtime_new(&rc_cfg, err, sizeof err);
    if (!rt) {
        fprintf(stderr, "faaslet serve: %s\n", err);
        fl_cluster_close(cluster);
        goto out;
    }
    if (cluster)
        remote.rt = rt;
    if (rc_cfg.redis_url) {
        /* a Redis that is not there yet is no reason to stop: state calls
         * fail with a clear error until it is */
        fl_global_tier probe;
        int up = fl_global_redis_open(rc_cfg.redis_url, 0, &probe, err, sizeof err) == 0
                     ? fl_global_redis_ping(&probe)
                     : -EINVAL;
        if (up == 0)
            fl_global_redis_free(&probe);
        else if (up != -EINVAL) {
            fl_global_redis_free(&probe);
            fprintf(stderr, "faaslet serve: warning: Redis at %s: %s (state calls fail until it answers)\n",
                    rc_cfg.redis_url, strerror(-up));
        }
    }
    sc.cluster = cluster;
    sc.rt = rt;
    sc.fnstore = store;
    fl_server *srv = fl_server_start(&sc, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "faaslet serve: %s\n", err);
        fl_runtime_free(rt);
        fl_cluster_close(cluster);
        goto out;
    }
    const char *addr = sc.listen_addr ? sc.listen_addr : "127.0.0.1";
    const char *l = strchr(addr, ':') ? "[" : "", *r = strchr(addr, ':') ? "]" : "";
    printf("faaslet serve: upload http://%s%s%s:%d, invoke http://%s%s%s:%d (store %s)\n", l, addr,
           r, fl_server_upload_port(srv), l, addr, r, fl_server_invoke_port(srv), dir);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "faaslet serve: %s: stopping (answering the requests in flight)\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    fl_server_stop(srv);
    fl_runtime_free(rt); /* runs what is queued, waits for every call */
    fl_cluster_close(cluster);
    fprintf(stderr, "faaslet serve: stopped\n");
    status = SERVE_OK;
out:
    if (devnull >= 0)
        close(devnull);
    fl_fnstore_close(store);
    return status;
}
