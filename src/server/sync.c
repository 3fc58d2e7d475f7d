/*
 * sync.c: a server that is one host of a cluster (fl_server_config.cluster):
 * its function store kept in step with the cluster's uploads.
 *
 *   - An upload here goes to Redis first (nothing is stored when that
 *     fails), then into this host's store and runtime.
 *   - A function this host has no copy of is fetched from Redis when a
 *     call, or a GET, asks for it; so is a shared file.
 *   - An announced upload of a function this host has a copy of replaces
 *     it (store and runtime: calls in flight finish on the old version);
 *     every shared file is copied here as it is announced, since guests
 *     open them from this host's disk (faasm://PATH).
 *   - After the watch lost Redis and got it back, and when the server
 *     starts, every copy is compared with Redis by hash and the stale or
 *     missing ones fetched.
 * A module fetched from Redis is validated again before it is used: the
 * store and the runtime never hold one that did not pass here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot/aot.h"
#include "engine/module.h"
#include "server/server_int.h"

static fl_fnstore_kind store_kind(fl_cluster_kind k) {
    return k == FL_CLUSTER_PYTHON ? FL_FNSTORE_PYTHON : FL_FNSTORE_WASM;
}

/* This host's copy: 0 with its bytes, or -ENOENT. */
static int local_copy(fl_server *s, fl_cluster_kind kind, const char *user, const char *name,
                      uint8_t **bytes, size_t *len) {
    if (kind == FL_CLUSTER_FILE)
        return fl_fnstore_get_shared(s->cfg.fnstore, name, bytes, len);
    return fl_fnstore_get(s->cfg.fnstore, store_kind(kind), user, name, bytes, len);
}

static void log_line(const char *what, fl_cluster_kind kind, const char *user, const char *name,
                     const char *why) {
    fprintf(stderr, "faaslet serve: cluster: %s %s%s%s: %s\n", what, user, user[0] ? "/" : "",
            name, why);
}

int srv_install(fl_server *s, fl_cluster_kind kind, const char *user, const char *name,
                const uint8_t *bytes, size_t len, char *why, size_t whylen) {
    int rc;
    if (kind == FL_CLUSTER_FILE) {
        if ((rc = fl_fnstore_put_shared(s->cfg.fnstore, name, bytes, len)) < 0)
            snprintf(why, whylen, "storing %s: %s", name, strerror(-rc));
        return rc;
    }
    if (kind == FL_CLUSTER_WASM) {
        if ((rc = fl_fnstore_put_wasm(s->cfg.fnstore, user, name, bytes, len)) < 0) {
            snprintf(why, whylen, "storing %s/%s: %s", user, name, strerror(-rc));
            return rc;
        }
        /* swaps the runtime's version (calls in flight keep theirs) */
        fl_error err = {0};
        if (fl_runtime_add_module(s->cfg.rt, user, name, bytes, len, &err) < 0) {
            snprintf(why, whylen, "stored, but the runtime refused it: %s", err.message);
            return -EINVAL;
        }
        return 0;
    }
    char path[4096];
    rc = fl_fnstore_put(s->cfg.fnstore, FL_FNSTORE_PYTHON, user, name, bytes, len);
    if (rc == 0)
        rc = fl_fnstore_path(s->cfg.fnstore, FL_FNSTORE_PYTHON, user, name, path, sizeof path);
    if (rc < 0) {
        snprintf(why, whylen, "storing %s/%s: %s", user, name, strerror(-rc));
        return rc;
    }
    /* new calls get the new file and a new snapshot */
    *strrchr(path, '/') = '\0';
    if (fl_runtime_add_python(s->cfg.rt, user, name, path) < 0) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

const char *srv_check_wasm(const uint8_t *bytes, size_t len, char *why, size_t whylen) {
    fl_load_opts lo = {.tier = &fl_validate_only_tier};
    fl_error err = {0};
    fl_module *m = fl_module_load_opts(bytes, len, &lo, &err);
    if (!m) {
        snprintf(why, whylen, "invalid module: %s (at byte %zu)", err.message, err.offset);
        return why;
    }
    char msg[256];
    int bad = fl_runtime_check_module(m, msg, sizeof msg);
    fl_module_free(m);
    if (bad < 0) {
        snprintf(why, whylen, "cannot run as a function: %s", msg);
        return why;
    }
    return NULL;
}

/* Makes this host's copy the cluster's.  With `must`, fetched even when
 * there is no copy here.  sha: the announced hash, or NULL to ask Redis.
 * Returns 0 (in step), -ENOENT (nowhere), or -errno. */
static int sync_one(fl_server *s, fl_cluster_kind kind, const char *user, const char *name,
                    const char *sha, bool must) {
    uint8_t *mine = NULL;
    size_t mine_len = 0;
    int have = local_copy(s, kind, user, name, &mine, &mine_len);
    if (have < 0 && !must && kind != FL_CLUSTER_FILE)
        return 0; /* no copy here: fetched when a call needs it */
    char mine_sha[FL_CLUSTER_SHA_HEX] = "", theirs[FL_CLUSTER_SHA_HEX];
    if (have == 0)
        fl_cluster_hash(mine, mine_len, mine_sha);
    free(mine);
    int rc = 0;
    if (!sha) {
        if ((rc = fl_cluster_sha(s->cfg.cluster, kind, user, name, theirs)) < 0)
            return rc == -ENOENT && have == 0 ? 0 : rc; /* only here: uploaded before the cluster */
        sha = theirs;
    }
    if (have == 0 && !strcmp(mine_sha, sha))
        return 0;
    uint8_t *bytes;
    size_t len;
    if ((rc = fl_cluster_get(s->cfg.cluster, kind, user, name, &bytes, &len, theirs)) < 0)
        return rc;
    char why[512];
    char got[FL_CLUSTER_SHA_HEX];
    fl_cluster_hash(bytes, len, got);
    if (strcmp(got, theirs)) {
        log_line("refused", kind, user, name, "its bytes do not match their hash in Redis");
        rc = -EIO;
    } else if (kind == FL_CLUSTER_WASM && srv_check_wasm(bytes, len, why, sizeof why)) {
        /* no upload through a host puts one there: as good as none */
        log_line("refused", kind, user, name, why);
        rc = -ENOENT;
    } else if ((rc = srv_install(s, kind, user, name, bytes, len, why, sizeof why)) < 0) {
        log_line("cannot install", kind, user, name, why);
    }
    free(bytes);
    return rc;
}

int srv_fetch(fl_server *s, fl_cluster_kind kind, const char *user, const char *name) {
    if (!s->cfg.cluster)
        return -ENOENT;
    return sync_one(s, kind, user, name, NULL, true);
}

/* Every copy here compared with Redis, and every shared file fetched. */
static void resync(fl_server *s) {
    for (int k = FL_CLUSTER_WASM; k <= FL_CLUSTER_PYTHON; k++) {
        fl_fnstore_entry *e;
        size_t n;
        if (fl_fnstore_list(s->cfg.fnstore, store_kind((fl_cluster_kind)k), &e, &n) < 0)
            continue;
        for (size_t i = 0; i < n; i++)
            sync_one(s, (fl_cluster_kind)k, e[i].user, e[i].func, NULL, false);
        free(e);
    }
    char **paths;
    size_t n;
    if (fl_cluster_files(s->cfg.cluster, &paths, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!fl_fnstore_check_path(paths[i], strlen(paths[i])))
            sync_one(s, FL_CLUSTER_FILE, "", paths[i], NULL, true);
        free(paths[i]);
    }
    free(paths);
}

static void on_upload(void *ctx, fl_cluster_kind kind, const char *user, const char *name,
                      const char *sha) {
    fl_server *s = ctx;
    if (!name) {
        resync(s);
        return;
    }
    /* names from Redis are checked as names from a request are */
    if (kind == FL_CLUSTER_FILE ? fl_fnstore_check_path(name, strlen(name)) != NULL
                                : fl_fnstore_check_name(user, strlen(user)) != NULL ||
                                      fl_fnstore_check_name(name, strlen(name)) != NULL)
        return;
    sync_one(s, kind, user, name, sha, false);
}

int srv_cluster_start(fl_server *s, char *err, size_t errlen) {
    if (!s->cfg.cluster)
        return 0;
    resync(s);
    int rc = fl_cluster_watch(s->cfg.cluster, on_upload, s);
    if (rc < 0) {
        snprintf(err, errlen, "cannot watch the cluster's uploads: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

void srv_cluster_stop(fl_server *s) {
    fl_cluster_unwatch(s->cfg.cluster);
}

int srv_have_function(fl_server *s, bool python, const char *user, const char *func) {
    /* loaded functions need no look at the store */
    if (fl_runtime_has_function(s->cfg.rt, user, func, python) ||
        fl_fnstore_exists(s->cfg.fnstore, python ? FL_FNSTORE_PYTHON : FL_FNSTORE_WASM, user, func))
        return 0;
    return srv_fetch(s, python ? FL_CLUSTER_PYTHON : FL_CLUSTER_WASM, user, func);
}
