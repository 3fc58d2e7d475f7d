/*
 * client.c: the subcommands that talk to `faaslet serve` (client.h).  One
 * helper, request(), sends a request and collects the status and the body;
 * each subcommand builds its request, calls it and turns the reply into
 * output and an exit status.  Bodies for
 * the invoke port are JSON built with cJSON.  Names go into URL paths
 * percent-encoded and otherwise unchecked: the server judges them, so the
 * client and the server cannot disagree about what a good name is.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include "cli/client.h"
#include "cli/files.h"
#include "server/base64.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_UPLOAD_PORT 8002
#define DEFAULT_INVOKE_PORT 8080
#define CONNECT_TIMEOUT_S 5L
#define REQUEST_TIMEOUT_S 60L
#define MAX_REPLY ((size_t)1 << 30)     /* a reply's body, held in memory */
#define MAX_UPLOAD FL_CLI_MAX_MODULE    /* a state value or shared file sent */
#define MAX_MESSAGE 512                 /* a server's message, shown on one line */
#define POLL_FIRST_MS 100
#define POLL_MAX_MS 1000

/* ---- usage texts ---- */

void fl_cli_remote_usage(FILE *out) {
    fprintf(out,
            "server options (anywhere after the subcommand):\n"
            "  --host H           the server's host name or address (default\n"
            "                     $FAASLET_HOST, else 127.0.0.1)\n"
            "  --upload-port N    its upload port (default $FAASLET_UPLOAD_PORT, else 8002)\n"
            "  --invoke-port N    its invoke port (default $FAASLET_INVOKE_PORT, else 8080)\n"
            "  --token T          send \"Authorization: Bearer T\" (default $FAASLET_TOKEN)\n"
            "Connecting gives up after 5 s; a request, a synchronous invoke excepted,\n"
            "after 60 s.\n");
}

void fl_cli_invoke_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet invoke USER FUNC [--py] [--entry NAME]\n"
            "                      [--input TEXT | --input-file FILE]\n"
            "                      [--async [--poll]] [--timeout MS] [SERVER OPTIONS]\n"
            "\n"
            "Calls function USER/FUNC on a running `faaslet serve` (POST / on its invoke\n"
            "port), waits for it and writes its output bytes to stdout exactly, and what\n"
            "the function printed (its stdout and stderr, captured by the server) to\n"
            "stderr.\n"
            "\n"
            "options:\n"
            "  --py               USER/FUNC is a Python function (uploaded with\n"
            "                     `faaslet upload USER FUNC FILE.py --py`)\n"
            "  --entry NAME       Python: call NAME(input bytes) instead of faasm_main()\n"
            "  --input TEXT       the call's input bytes\n"
            "  --input-file FILE  the call's input, read from FILE (any bytes)\n"
            "  --async            do not wait: print the call's id (see faaslet status)\n"
            "  --poll             with --async: then ask for the result every 100 ms,\n"
            "                     backing off to 1 s, and print it as a waiting call does\n"
            "  --timeout MS       stop the call after MS milliseconds (the server's own\n"
            "                     limit still holds: this can only lower it)\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out,
            "\n"
            "A call that fails prints \"faaslet invoke: call N failed (OUTCOME): MESSAGE\"\n"
            "on stderr (OUTCOME: trap, timeout, load, memory, limit, cancelled).\n"
            "\n"
            "Exit status: the function's return value when the call ran (as faaslet\n"
            "run: 0 for success, 1 for a value an exit status cannot carry; with\n"
            "--async alone: 0, accepted), 1 the call failed or the server refused the\n"
            "request, 2 no server answered, 64 bad usage.\n");
}

void fl_cli_status_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet status ID [SERVER OPTIONS]\n"
            "\n"
            "Prints what a running `faaslet serve` says of asynchronous call ID (from\n"
            "`faaslet invoke --async`), with a newline: RUNNING, \"SUCCESS: OUTPUT\" or\n"
            "\"FAILED: ERROR\".  The server keeps results for a while only.\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out,
            "\n"
            "Exit status: 0 RUNNING or SUCCESS, 1 FAILED, an unknown or expired id, or\n"
            "another refusal, 2 no server answered, 64 bad usage.\n");
}

void fl_cli_flush_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet flush [SERVER OPTIONS]\n"
            "\n"
            "Makes a running `faaslet serve` drop its warm Faaslets (the next calls\n"
            "start afresh) and prints its answer.\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out, "\n"
                 "Exit status: 0 flushed, 1 refused, 2 no server answered, 64 bad usage.\n");
}

void fl_cli_hosts_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet hosts [SERVER OPTIONS]\n"
            "\n"
            "Lists the hosts of the cluster a running `faaslet serve --redis URL` belongs\n"
            "to (GET /hosts), one per line: name, calls running / slots, seconds since\n"
            "its last heartbeat, and \"gone\" for a host not heard from for 5 s; the host\n"
            "asked is marked with *.\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out, "\n"
                 "Exit status: 0 listed, 1 refused (not a cluster), 2 no server answered,\n"
                 "64 bad usage.\n");
}

void fl_cli_state_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet state get USER KEY [--output FILE] [SERVER OPTIONS]\n"
            "       faaslet state set USER KEY (--value TEXT | --file FILE) [SERVER OPTIONS]\n"
            "\n"
            "Global state on a running `faaslet serve` (its upload port): get writes the\n"
            "value of USER's KEY to stdout exactly, or to FILE (written only once the\n"
            "value has arrived); set stores TEXT, or FILE's bytes, as that value.\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out, "\n"
                 "Exit status: 0 done, 1 refused (an unknown key: HTTP 404) or a local I/O\n"
                 "error, 2 no server answered, 64 bad usage.\n");
}

void fl_cli_file_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet file put LOCALFILE PATH [SERVER OPTIONS]\n"
            "       faaslet file get PATH [--output FILE] [SERVER OPTIONS]\n"
            "\n"
            "Shared files on a running `faaslet serve` (its upload port), which\n"
            "functions open as faasm://PATH: put stores LOCALFILE's bytes as PATH; get\n"
            "writes PATH's bytes to stdout exactly, or to FILE (written only once they\n"
            "have arrived).\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out, "\n"
                 "Exit status: 0 done, 1 refused (an unknown path: HTTP 404) or a local\n"
                 "I/O error, 2 no server answered, 64 bad usage.\n");
}

/* ---- command lines ---- */

/* A subcommand, as its messages and usage errors name it. */
typedef struct cmd {
    const char *name; /* "invoke", "state get": messages begin "faaslet NAME: " */
    void (*usage)(FILE *out);
} cmd;

/* A subcommand's own option: a switch (sets *on) or one with a value. */
typedef struct opt {
    const char *name; /* NULL ends a table */
    bool *on;
    const char **value;
} opt;

#define PARSED (-1) /* parse_args: go on */

__attribute__((format(printf, 2, 3))) static int usage_error(const cmd *c, const char *fmt,
                                                               ...) {
    va_list ap;
    fprintf(stderr, "faaslet %s: ", c->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->usage(stderr);
    return FL_CLIENT_USAGE;
}

/* A port number 1..65535 from text, or -1. */
static int parse_port(const char *s) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > 65535)
        return -1;
    return (int)v;
}

int fl_cli_remote_option(fl_cli_remote *r, int argc, char **argv, int *i, char *err,
                         size_t errlen) {
    const char *a = argv[*i];
    bool host = !strcmp(a, "--host"), token = !strcmp(a, "--token");
    bool upload = !strcmp(a, "--upload-port"), invoke = !strcmp(a, "--invoke-port");
    if (!host && !token && !upload && !invoke)
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (host) {
        r->host = v;
    } else if (token) {
        r->token = v;
    } else {
        int port = parse_port(v);
        if (port < 0) {
            snprintf(err, errlen, "bad %s %s (want 1-65535)", a, v);
            return -1;
        }
        *(upload ? &r->upload_port : &r->invoke_port) = port;
    }
    return 1;
}

/* Parses argv[1..]: server options into *remote, the subcommand's own
 * `opts`, everything else into pos[0..maxpos); after "--" all is
 * positional (a user named "-x").  Returns PARSED with *npos set, else the
 * exit status: 0 after --help, 64 after a usage error. */
static int parse_args(const cmd *c, int argc, char **argv, const opt *opts,
                      fl_cli_remote *remote, const char **pos, int maxpos, int *npos) {
    bool options = true;
    char err[160];
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && a[0] == '-' && a[1]) {
            if (!strcmp(a, "--")) {
                options = false;
                continue;
            }
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                c->usage(stdout);
                return FL_CLIENT_OK;
            }
            int got = fl_cli_remote_option(remote, argc, argv, &i, err, sizeof err);
            if (got < 0)
                return usage_error(c, "%s", err);
            if (got > 0)
                continue;
            const opt *o = opts;
            while (o->name && strcmp(o->name, a))
                o++;
            if (!o->name)
                return usage_error(c, "unknown option %s", a);
            if (o->on)
                *o->on = true;
            else if (i + 1 >= argc)
                return usage_error(c, "%s needs a value", a);
            else
                *o->value = argv[++i];
            continue;
        }
        if (*npos == maxpos)
            return usage_error(c, "unexpected argument %s", a);
        pos[(*npos)++] = a;
    }
    return PARSED;
}

/* A call id as the server's JSON wants it: a number without leading zeros
 * into out[24]; returns 0, or -1 when `s` is not one. */
static int parse_id(const char *s, char out[24]) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno)
        return -1;
    snprintf(out, 24, "%llu", v);
    return 0;
}

/* Whether s is well-formed UTF-8, as a JSON string must be. */
static bool utf8_ok(const char *s) {
    static const uint32_t least[] = {0, 0x80, 0x800, 0x10000}; /* no overlong forms */
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned n;
        uint32_t cp;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xe0) == 0xc0) {
            n = 1, cp = *p & 0x1f;
        } else if ((*p & 0xf0) == 0xe0) {
            n = 2, cp = *p & 0x0f;
        } else if ((*p & 0xf8) == 0xf0) {
            n = 3, cp = *p & 0x07;
        } else {
            return false;
        }
        for (unsigned i = 1; i <= n; i++) { /* stops at the NUL: not a continuation */
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n + 1;
    }
    return true;
}

/* Whether s holds a byte a header line cannot carry (CR and LF would
 * start a header of their own). */
static bool has_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* ---- the connection ---- */

/* One subcommand's way to the server. */
typedef struct client {
    const char *cmd;  /* messages begin "faaslet CMD: " */
    CURL *curl;       /* one handle: polls reuse its connection */
    bool curl_global; /* curl_global_init done */
    char *upload_url; /* "http://HOST:PORT", no '/' at the end */
    char *invoke_url;
    char *auth;       /* "Authorization: Bearer T", or NULL */
} client;

__attribute__((format(printf, 2, 3))) static void fail(const client *c, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "faaslet %s: ", c->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Why `h` cannot be a host in a URL, or NULL when it can. */
static const char *host_problem(const char *h) {
    if (!h[0])
        return "empty";
    if (strstr(h, "://"))
        return "a host name or address, not a URL";
    if (has_control(h) || strpbrk(h, "/?#@ \\"))
        return "not a host name or address";
    return NULL;
}

/* Port `name` of the environment, else `dflt`; -1 (message printed) when
 * it is set to something else than a port. */
static int env_port(const client *c, const char *name, int dflt) {
    const char *v = getenv(name);
    if (!v || !v[0])
        return dflt;
    int port = parse_port(v);
    if (port < 0)
        fail(c, "bad %s=%s (want a port, 1-65535)", name, v);
    return port;
}

static void client_close(client *c) {
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->curl_global)
        curl_global_cleanup();
    free(c->upload_url);
    free(c->invoke_url);
    free(c->auth);
    memset(c, 0, sizeof *c);
}

/* Readies *c for requests to the server that *r names, else the
 * environment, else the defaults.  Returns 0 (close with client_close), or
 * the exit status with the line printed and nothing to close: 64 for a bad
 * host, port or token, 1 when libcurl cannot start.  libcurl is set up
 * here, once per process: a run is one subcommand, one client. */
static int client_open(client *c, const char *cmd, const fl_cli_remote *r) {
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    const char *host = r->host ? r->host : getenv("FAASLET_HOST");
    if (!host || (!r->host && !host[0]))
        host = DEFAULT_HOST;
    const char *token = r->token ? r->token : getenv("FAASLET_TOKEN");
    int up = r->upload_port, inv = r->invoke_port;
    const char *why = host_problem(host);
    if (why) {
        fail(c, "bad host \"%s\": %s", host, why);
        return FL_CLIENT_USAGE;
    }
    if (token && has_control(token)) {
        fail(c, "the token holds a control character");
        return FL_CLIENT_USAGE;
    }
    if ((!up && (up = env_port(c, "FAASLET_UPLOAD_PORT", DEFAULT_UPLOAD_PORT)) < 0) ||
        (!inv && (inv = env_port(c, "FAASLET_INVOKE_PORT", DEFAULT_INVOKE_PORT)) < 0))
        return FL_CLIENT_USAGE;
    /* an IPv6 address goes in brackets */
    bool v6 = strchr(host, ':') && host[0] != '[';
    if (asprintf(&c->upload_url, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", up) < 0)
        c->upload_url = NULL;
    if (asprintf(&c->invoke_url, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", inv) < 0)
        c->invoke_url = NULL;
    if (token && token[0] && asprintf(&c->auth, "Authorization: Bearer %s", token) < 0)
        c->auth = NULL;
    if (!c->upload_url || !c->invoke_url || (token && token[0] && !c->auth)) {
        fail(c, "out of memory");
        goto fail;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fail(c, "libcurl cannot start");
        goto fail;
    }
    c->curl_global = true;
    if (!(c->curl = curl_easy_init())) {
        fail(c, "libcurl cannot start");
        goto fail;
    }
    return 0;

fail:
    client_close(c);
    return FL_CLIENT_FAILED;
}

/* ---- requests ---- */

/* A growable byte buffer, kept NUL-terminated so it can be read as text. */
typedef struct buf {
    char *data; /* NULL while empty */
    size_t len, cap;
    bool too_big, no_memory; /* why the reply was cut off */
} buf;

/* What came back from the server. */
typedef struct reply {
    long status;
    buf body;
} reply;

static void reply_free(reply *r) {
    free(r->body.data);
    memset(r, 0, sizeof *r);
}

typedef enum port { UPLOAD_PORT, INVOKE_PORT } port;

/* One request: METHOD on the port's PATH (already percent-encoded), with
 * one more header line (or NULL) and a body (NULL: none). */
typedef struct req {
    const char *method;
    port port;
    const char *path;
    const char *header;
    const void *body;
    size_t len;
    bool no_timeout; /* a synchronous invoke: the call may run long */
} req;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    buf *b = ud;
    size_t len = size * n;
    if (len > MAX_REPLY - b->len) {
        b->too_big = true;
        return 0;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->no_memory = true;
            return 0;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* Copies s[0..n) into out[0..size) as one line: control characters become
 * spaces, the ends are trimmed, and what does not fit ends in "...". */
static void one_line(const char *s, size_t n, char *out, size_t size) {
    while (n && (unsigned char)s[0] <= ' ')
        s++, n--;
    while (n && (unsigned char)s[n - 1] <= ' ')
        n--;
    size_t k = 0;
    for (; k < n && k + 1 < size; k++)
        out[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? ' ' : s[k];
    if (k < n && size > 4)
        memcpy(out + size - 4, "...", 3), k = size - 1;
    out[k] = '\0';
}

/* Appends a header line; false (the list kept) when out of memory. */
static bool add_header(struct curl_slist **list, const char *line) {
    struct curl_slist *l = curl_slist_append(*list, line);
    if (l)
        *list = l;
    return l != NULL;
}

/* The line for a request that got no HTTP reply; returns the exit status:
 * FL_CLIENT_NO_SERVER when nothing answered at the address. */
static int transport_error(const client *c, const char *base, CURLcode rc,
                           const char *errbuf, const buf *body) {
    curl_off_t connected = 0;
    long oserr = 0;
    if (body->too_big) {
        fail(c, "the reply from %s is larger than %zu MiB", base, MAX_REPLY >> 20);
        return FL_CLIENT_FAILED;
    }
    if (body->no_memory) {
        fail(c, "out of memory reading the reply from %s", base);
        return FL_CLIENT_FAILED;
    }
    curl_easy_getinfo(c->curl, CURLINFO_CONNECT_TIME_T, &connected);
    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
    if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        fail(c, "no server at %s (host not found)", base);
        return FL_CLIENT_NO_SERVER;
    }
    if (rc == CURLE_COULDNT_CONNECT || (rc == CURLE_OPERATION_TIMEDOUT && !connected)) {
        char why[96];
        if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(why, sizeof why, "no answer to connecting within %ld s", CONNECT_TIMEOUT_S);
        else
            snprintf(why, sizeof why, "%s", oserr ? strerror((int)oserr) : "cannot connect");
        fail(c, "no server at %s (%s); start one with faaslet serve", base, why);
        return FL_CLIENT_NO_SERVER;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        fail(c, "no reply from %s within %ld s", base, REQUEST_TIMEOUT_S);
        return FL_CLIENT_FAILED;
    }
    fail(c, "request to %s failed: %s", base, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return FL_CLIENT_FAILED;
}

/* Sends one request and waits for the whole reply into *r, which the
 * caller frees with reply_free whatever this returns.  Returns 0 when the
 * server answered, with any status; else the exit status with the line
 * printed (see transport_error). */
static int request(client *c, const req *q, reply *r) {
    const char *base = q->port == UPLOAD_PORT ? c->upload_url : c->invoke_url;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    char *url = NULL;
    int status = FL_CLIENT_FAILED;
    CURL *k = c->curl;
    memset(r, 0, sizeof *r);
    if (asprintf(&url, "%s%s", base, q->path) < 0) {
        url = NULL;
        fail(c, "out of memory");
        goto out;
    }
    /* no "Expect: 100-continue": a server that does not answer it would
     * hold a large body back for a second */
    bool ok = add_header(&headers, "Expect:");
    if (q->body)
        ok = ok && add_header(&headers, q->port == INVOKE_PORT
                                            ? "Content-Type: application/json"
                                            : "Content-Type: application/octet-stream");
    if (c->auth)
        ok = ok && add_header(&headers, c->auth);
    if (q->header)
        ok = ok && add_header(&headers, q->header);
    if (!ok) {
        fail(c, "out of memory");
        goto out;
    }
    curl_easy_reset(k);
    curl_easy_setopt(k, CURLOPT_URL, url);
    curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    /* a proxy set for the outside world must not catch a local server */
    curl_easy_setopt(k, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(k, CURLOPT_TIMEOUT, q->no_timeout ? 0L : REQUEST_TIMEOUT_S);
    /* a long call: notice a server host that went away */
    curl_easy_setopt(k, CURLOPT_TCP_KEEPALIVE, 1L);
    /* ".." as a name must reach the server, not be resolved away */
    curl_easy_setopt(k, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(k, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, &r->body);
    if (q->body) {
        curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
        curl_easy_setopt(k, CURLOPT_POSTFIELDS, q->len ? q->body : "");
        if (strcmp(q->method, "POST"))
            curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, q->method);
    } else if (!strcmp(q->method, "GET")) {
        curl_easy_setopt(k, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, q->method);
    }
    CURLcode rc = curl_easy_perform(k);
    if (rc != CURLE_OK) {
        status = transport_error(c, base, rc, errbuf, &r->body);
        goto out;
    }
    curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
    status = 0;

out:
    /* the handle keeps pointers to these until its next reset */
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(k, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    free(url);
    return status;
}

/* The server's message in a reply, on one line into out: the "error" of
 * its JSON, else the body itself. */
static void reply_message(const reply *r, char *out, size_t size) {
    cJSON *j = r->body.len ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (cJSON_IsString(e))
        one_line(e->valuestring, strlen(e->valuestring), out, size);
    else if (r->body.len)
        one_line(r->body.data, r->body.len, out, size);
    else
        snprintf(out, size, "(no message)");
    cJSON_Delete(j);
}

/* The line for a reply whose status the subcommand did not want:
 * "faaslet CMD: HTTP STATUS: MESSAGE".  Returns FL_CLIENT_FAILED. */
static int http_error(const client *c, const reply *r) {
    char msg[MAX_MESSAGE];
    reply_message(r, msg, sizeof msg);
    fail(c, "HTTP %ld: %s%s", r->status, msg,
         r->status == 401 && !c->auth ? " (pass --token or set FAASLET_TOKEN)" : "");
    return FL_CLIENT_FAILED;
}

/* "/KIND/A/B" with A and B percent-encoded, or NULL when out of memory;
 * the caller frees it with free(). */
static char *name_path(client *c, const char *kind, const char *a, const char *b) {
    char *ea = curl_easy_escape(c->curl, a, 0), *eb = curl_easy_escape(c->curl, b, 0);
    char *path = NULL;
    if (!ea || !eb || asprintf(&path, "/%s/%s/%s", kind, ea, eb) < 0)
        path = NULL;
    curl_free(ea);
    curl_free(eb);
    return path;
}

/* ---- output ---- */

/* Writes p[0..n) to file `path` (made or emptied), or to stdout when it is
 * NULL.  Returns 0, or FL_CLIENT_FAILED with the line printed. */
static int write_output(const client *c, const char *path, const void *p, size_t n) {
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f) {
        fail(c, "%s: %s", path, strerror(errno));
        return FL_CLIENT_FAILED;
    }
    bool ok = n == 0 || fwrite(p, 1, n, f) == n;
    ok = (path ? fclose(f) == 0 : fflush(f) == 0) && ok;
    if (!ok) {
        fail(c, "writing %s: %s", path ? path : "stdout", strerror(errno));
        return FL_CLIENT_FAILED;
    }
    return 0;
}

/* Prints the server's answer on one line, then ": ABOUT" when given. */
static int print_answer(const client *c, const reply *r, const char *about) {
    char msg[MAX_MESSAGE], line[MAX_MESSAGE + 1024];
    reply_message(r, msg, sizeof msg);
    int n = snprintf(line, sizeof line, "%s%s%s\n", msg, about ? ": " : "", about ? about : "");
    return write_output(c, NULL, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- bytes to and from the upload port ---- */

/* PUTs p[0..n) to PATH (with one more header line, or NULL) and prints the
 * server's answer, then ": ABOUT".  Returns the exit status. */
static int put_bytes(client *c, const char *path, const char *header, const void *p, size_t n,
                     const char *about) {
    reply r;
    int status = request(c,
                         &(req){.method = "PUT", .port = UPLOAD_PORT, .path = path,
                                .header = header, .body = p, .len = n},
                         &r);
    if (status == 0)
        status = r.status == 200 ? print_answer(c, &r, about) : http_error(c, &r);
    reply_free(&r);
    return status;
}

/* GETs PATH (with one more header line, or NULL) and writes its bytes to
 * `output`, or stdout when NULL.  Returns the exit status. */
static int get_bytes(client *c, const char *path, const char *header, const char *output) {
    reply r;
    int status = request(
        c, &(req){.method = "GET", .port = UPLOAD_PORT, .path = path, .header = header}, &r);
    if (status == 0)
        status = r.status == 200 ? write_output(c, output, r.body.data, r.body.len)
                                 : http_error(c, &r);
    reply_free(&r);
    return status;
}

/* Reads a file to send: the buffer (caller frees with free()), or NULL
 * with the line printed. */
static uint8_t *read_input(const client *c, const char *file, size_t max, size_t *len) {
    char msg[128];
    uint8_t *bytes = fl_cli_read_file(file, max, len, msg, sizeof msg);
    if (!bytes)
        fail(c, "%s: %s", file, msg);
    return bytes;
}

int fl_cli_client_upload(const fl_cli_remote *remote, const char *user, const char *func,
                         const char *file, bool py) {
    client c;
    int status = client_open(&c, "upload", remote);
    if (status)
        return status;
    status = FL_CLIENT_FAILED;
    size_t len = 0;
    char *path = NULL, about[512];
    uint8_t *bytes = read_input(&c, file, py ? FL_CLI_MAX_SOURCE : FL_CLI_MAX_MODULE, &len);
    if (!bytes)
        goto out;
    if (!(path = name_path(&c, py ? "p" : "f", user, func))) {
        fail(&c, "out of memory");
        goto out;
    }
    snprintf(about, sizeof about, "%s/%s (%zu bytes) -> %s", user, func, len, c.upload_url);
    status = put_bytes(&c, path, NULL, bytes, len, about);

out:
    free(path);
    free(bytes);
    client_close(&c);
    return status;
}

/* ---- invoke and status ---- */

/* A call to make, as the command line gave it. */
typedef struct call {
    const char *user, *func;
    const char *entry;     /* --entry, Python only */
    const char *input;     /* --input: text, sent as input_data */
    const char *input_b64; /* binary input, base64 */
    bool py, async;
    uint32_t timeout_ms;   /* 0: the server's */
} call;

/* The call's JSON body (caller frees with cJSON_free), or NULL when out of
 * memory.  A Python call names py_func as Faasm does. */
static char *call_json(const call *k) {
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    bool ok = o != NULL;
    if (ok && k->py)
        ok = cJSON_AddStringToObject(o, "user", "python") &&
             cJSON_AddStringToObject(o, "function", "py_func") &&
             cJSON_AddTrueToObject(o, "python") &&
             cJSON_AddStringToObject(o, "py_user", k->user) &&
             cJSON_AddStringToObject(o, "py_func", k->func) &&
             (!k->entry || cJSON_AddStringToObject(o, "py_entry", k->entry));
    else if (ok)
        ok = cJSON_AddStringToObject(o, "user", k->user) &&
             cJSON_AddStringToObject(o, "function", k->func);
    /* references: the input may be large, and it outlives `o` */
    if (ok && k->input)
        ok = cJSON_AddItemToObject(o, "input_data", cJSON_CreateStringReference(k->input));
    if (ok && k->input_b64)
        ok = cJSON_AddItemToObject(o, "input_b64", cJSON_CreateStringReference(k->input_b64));
    if (ok && k->async)
        ok = cJSON_AddTrueToObject(o, "async") != NULL;
    /* a waited-for call answers with its report: output and what it printed */
    if (ok && !k->async)
        ok = cJSON_AddTrueToObject(o, "log") != NULL;
    if (ok && k->timeout_ms)
        ok = cJSON_AddNumberToObject(o, "timeout_ms", k->timeout_ms) != NULL;
    if (ok)
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* What a status answer says. */
typedef enum verdict { ST_RUNNING, ST_SUCCESS, ST_FAILED, ST_UNEXPECTED } verdict;

/* A call's report (the server's answer to "log": true): what the function
 * printed goes to stderr as it printed it, then its output to stdout (exit
 * status: its return value, as `faaslet run`) or the failure's line.
 * *verdict says which; ST_RUNNING prints nothing. */
static int print_report(const client *c, const reply *r, verdict *v) {
    cJSON *j = r->body.len ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
    const char *word = cJSON_IsString(st) ? st->valuestring : "";
    int status = FL_CLIENT_FAILED;
    *v = !strcmp(word, "RUNNING")   ? ST_RUNNING
         : !strcmp(word, "SUCCESS") ? ST_SUCCESS
         : !strcmp(word, "FAILED")  ? ST_FAILED
                                    : ST_UNEXPECTED;
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(j, "log");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(j, "output_b64");
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(j, "return");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    char msg[MAX_MESSAGE];
    if (*v == ST_RUNNING) {
        status = 0;
    } else if (*v == ST_UNEXPECTED || !cJSON_IsString(out) || !cJSON_IsNumber(ret)) {
        /* the server's own error ({"error": ...}), or not a report at all */
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "error")))
            http_error(c, r);
        else {
            one_line(r->body.data ? r->body.data : "", r->body.len, msg, sizeof msg);
            fail(c, "unexpected answer (HTTP %ld): %s", r->status, msg);
        }
        *v = ST_UNEXPECTED;
    } else {
        if (cJSON_IsString(log) && log->valuestring[0]) {
            fputs(log->valuestring, stderr);
            fflush(stderr);
        }
        if (*v == ST_SUCCESS) {
            size_t n = 0;
            uint8_t *bytes = fl_base64_decode(out->valuestring, &n);
            if (!bytes)
                fail(c, "the server's output_b64 is not base64");
            else if (!(status = write_output(c, NULL, bytes, n))) {
                double rv = ret->valuedouble;
                status = rv == 0 ? 0 : rv > 0 && rv < 256 ? (int)rv : 1;
            }
            free(bytes);
        } else {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "outcome");
            const char *text = cJSON_IsString(e) ? e->valuestring : "";
            one_line(text, strlen(text), msg, sizeof msg);
            fail(c, "call %.0f failed (%s): %s", cJSON_IsNumber(id) ? id->valuedouble : 0.0,
                 cJSON_IsString(o) ? o->valuestring : "?", msg);
        }
    }
    cJSON_Delete(j);
    return status;
}

/* Reads a status answer (200): *rest and *n are the output after
 * "SUCCESS: " or the error after "FAILED: ". */
static verdict read_status(const reply *r, const char **rest, size_t *n) {
    static const struct {
        const char *prefix;
        verdict v;
    } kinds[] = {{"SUCCESS:", ST_SUCCESS}, {"FAILED:", ST_FAILED}};
    const char *b = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen(kinds[i].prefix);
        if (len >= k && !memcmp(b, kinds[i].prefix, k)) {
            k += len > k && b[k] == ' ';
            *rest = b + k;
            *n = len - k;
            return kinds[i].v;
        }
    }
    char word[16];
    one_line(b, len, word, sizeof word);
    return strcmp(word, "RUNNING") ? ST_UNEXPECTED : ST_RUNNING;
}

/* POSTs {"status": true, "id": ID} (and "log": true for the call's
 * report with `report`); as request(). */
static int ask_status(client *c, const char *id, bool report, reply *r) {
    cJSON *o = cJSON_CreateObject();
    char *json = NULL;
    /* raw: the id's digits exactly, not a double's */
    if (o && cJSON_AddTrueToObject(o, "status") && cJSON_AddRawToObject(o, "id", id) &&
        (!report || cJSON_AddTrueToObject(o, "log")))
        json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json) {
        memset(r, 0, sizeof *r);
        fail(c, "out of memory");
        return FL_CLIENT_FAILED;
    }
    int status = request(
        c, &(req){.method = "POST", .port = INVOKE_PORT, .path = "/", .body = json,
                  .len = strlen(json)},
        r);
    cJSON_free(json);
    return status;
}

static void sleep_ms(unsigned ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

/* Asks for call ID's report until it has ended, then prints it as a
 * synchronous call does.  Returns the exit status. */
static int poll_result(client *c, const char *id) {
    unsigned delay = POLL_FIRST_MS;
    for (;;) {
        reply r;
        verdict v = ST_UNEXPECTED;
        int status = ask_status(c, id, true, &r);
        if (status == 0 && r.status == 404) {
            fail(c, "call %s: no result (an unknown id, or the result expired)", id);
            status = FL_CLIENT_FAILED;
        } else if (status == 0 && r.status != 200) {
            status = http_error(c, &r);
        } else if (status == 0) {
            status = print_report(c, &r, &v);
            if (v == ST_RUNNING) {
                reply_free(&r);
                sleep_ms(delay);
                delay = delay * 2 < POLL_MAX_MS ? delay * 2 : POLL_MAX_MS;
                continue;
            }
        }
        reply_free(&r);
        return status;
    }
}

/* A synchronous call's reply: its report (200 when it succeeded, 500 when
 * it failed), else the server's refusal. */
static int call_result(const client *c, const reply *r) {
    if (r->status != 200 && r->status != 500)
        return http_error(c, r);
    verdict v;
    int status = print_report(c, r, &v);
    return v == ST_RUNNING ? FL_CLIENT_FAILED : status;
}

/* An asynchronous call's reply, its id: printed, or polled with `poll`. */
static int call_queued(client *c, const reply *r, bool poll) {
    char text[64], id[24];
    if (r->status != 202)
        return http_error(c, r);
    one_line(r->body.data ? r->body.data : "", r->body.len, text, sizeof text);
    if (parse_id(text, id) < 0) {
        fail(c, "the server's answer is not a call id: %s", text);
        return FL_CLIENT_FAILED;
    }
    if (poll)
        return poll_result(c, id);
    char line[32];
    int n = snprintf(line, sizeof line, "%s\n", id);
    return write_output(c, NULL, line, (size_t)n);
}

int fl_cli_invoke(int argc, char **argv) {
    static const cmd me = {"invoke", fl_cli_invoke_usage};
    call k = {0};
    const char *input_file = NULL, *timeout = NULL, *pos[2];
    bool poll = false;
    fl_cli_remote remote = {0};
    int npos;
    const opt opts[] = {
        {"--py", &k.py, NULL},           {"--entry", NULL, &k.entry},
        {"--input", NULL, &k.input},     {"--input-file", NULL, &input_file},
        {"--async", &k.async, NULL},     {"--poll", &poll, NULL},
        {"--timeout", NULL, &timeout},   {NULL, NULL, NULL},
    };
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 2, &npos);
    if (status != PARSED)
        return status;
    if (npos < 2)
        return usage_error(&me, "needs USER FUNC");
    if (k.input && input_file)
        return usage_error(&me, "--input and --input-file: one or the other");
    if (poll && !k.async)
        return usage_error(&me, "--poll goes with --async");
    if (k.entry && !k.py)
        return usage_error(&me, "--entry is for Python functions (--py)");
    if (timeout) {
        char *end;
        errno = 0;
        unsigned long long ms = strtoull(timeout, &end, 10);
        if (timeout[0] < '0' || timeout[0] > '9' || *end || errno || !ms || ms > UINT32_MAX)
            return usage_error(&me, "bad --timeout %s (want milliseconds, 1-%u)", timeout,
                               UINT32_MAX);
        k.timeout_ms = (uint32_t)ms;
    }
    k.user = pos[0];
    k.func = pos[1];

    client c;
    if ((status = client_open(&c, me.name, &remote)))
        return status;
    status = FL_CLIENT_FAILED;
    uint8_t *in = NULL;
    const uint8_t *binary = NULL; /* input to send as base64 */
    char *b64 = NULL, *json = NULL;
    size_t len = 0;
    reply r = {0};
    if (input_file) {
        if (!(binary = in = read_input(&c, input_file, FL_CLI_MAX_INPUT, &len)))
            goto out;
    } else if (k.input && !utf8_ok(k.input)) {
        /* JSON text cannot carry it: the bytes go as binary input */
        binary = (const uint8_t *)k.input;
        len = strlen(k.input);
        k.input = NULL;
    }
    if ((binary && !(k.input_b64 = b64 = fl_base64_encode(binary, len))) || !(json = call_json(&k))) {
        fail(&c, "out of memory");
        goto out;
    }
    status = request(&c,
                     &(req){.method = "POST", .port = INVOKE_PORT, .path = "/", .body = json,
                            .len = strlen(json), .no_timeout = !k.async},
                     &r);
    if (status == 0)
        status = k.async ? call_queued(&c, &r, poll) : call_result(&c, &r);

out:
    reply_free(&r);
    cJSON_free(json);
    free(b64);
    free(in);
    client_close(&c);
    return status;
}

int fl_cli_status(int argc, char **argv) {
    static const cmd me = {"status", fl_cli_status_usage};
    const opt opts[] = {{NULL, NULL, NULL}};
    const char *pos[1];
    char id[24];
    fl_cli_remote remote = {0};
    int npos;
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 1, &npos);
    if (status != PARSED)
        return status;
    if (npos < 1)
        return usage_error(&me, "needs a call ID");
    if (parse_id(pos[0], id) < 0)
        return usage_error(&me, "bad call id %s (want a number)", pos[0]);

    client c;
    reply r;
    if ((status = client_open(&c, me.name, &remote)))
        return status;
    if ((status = ask_status(&c, id, false, &r)))
        goto out;
    if (r.status == 404) {
        fail(&c, "call %s: an unknown id, or its result expired", id);
        status = FL_CLIENT_FAILED;
        goto out;
    }
    if (r.status != 200) {
        status = http_error(&c, &r);
        goto out;
    }
    const char *rest;
    size_t n;
    verdict v = read_status(&r, &rest, &n);
    if ((status = write_output(&c, NULL, r.body.data, r.body.len)) ||
        (status = write_output(&c, NULL, "\n", 1)))
        goto out;
    if (v == ST_FAILED)
        fail(&c, "call %s failed", id);
    else if (v == ST_UNEXPECTED)
        fail(&c, "call %s: unexpected status answer", id);
    status = v == ST_RUNNING || v == ST_SUCCESS ? FL_CLIENT_OK : FL_CLIENT_FAILED;

out:
    reply_free(&r);
    client_close(&c);
    return status;
}

int fl_cli_flush(int argc, char **argv) {
    static const cmd me = {"flush", fl_cli_flush_usage};
    static const char json[] = "{\"flush\":true}";
    const opt opts[] = {{NULL, NULL, NULL}};
    const char *pos[1];
    fl_cli_remote remote = {0};
    int npos;
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 0, &npos);
    if (status != PARSED)
        return status;

    client c;
    reply r;
    if ((status = client_open(&c, me.name, &remote)))
        return status;
    status = request(&c,
                     &(req){.method = "POST", .port = INVOKE_PORT, .path = "/", .body = json,
                            .len = sizeof json - 1},
                     &r);
    if (status == 0)
        status = r.status == 200 ? print_answer(&c, &r, NULL) : http_error(&c, &r);
    reply_free(&r);
    client_close(&c);
    return status;
}

int fl_cli_hosts(int argc, char **argv) {
    static const cmd me = {"hosts", fl_cli_hosts_usage};
    const opt opts[] = {{NULL, NULL, NULL}};
    const char *pos[1];
    fl_cli_remote remote = {0};
    int npos;
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 0, &npos);
    if (status != PARSED)
        return status;
    client c;
    reply r;
    if ((status = client_open(&c, me.name, &remote)))
        return status;
    status = request(&c, &(req){.method = "GET", .port = INVOKE_PORT, .path = "/hosts"}, &r);
    if (status == 0 && r.status != 200)
        status = http_error(&c, &r);
    else if (status == 0) {
        cJSON *j = cJSON_ParseWithLength(r.body.data ? r.body.data : "", r.body.len);
        const cJSON *h;
        if (!cJSON_IsArray(j)) {
            fail(&c, "the server's answer is not a list of hosts");
            status = FL_CLIENT_FAILED;
        }
        cJSON_ArrayForEach(h, j) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(h, "name");
            const cJSON *busy = cJSON_GetObjectItemCaseSensitive(h, "busy");
            const cJSON *slots = cJSON_GetObjectItemCaseSensitive(h, "slots");
            const cJSON *seen = cJSON_GetObjectItemCaseSensitive(h, "seen_ms_ago");
            if (!cJSON_IsString(name) || !cJSON_IsNumber(busy) || !cJSON_IsNumber(slots) ||
                !cJSON_IsNumber(seen))
                continue;
            printf("%s %-40s %3.0f/%-3.0f %5.1f s%s\n",
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "self")) ? "*" : " ",
                   name->valuestring, busy->valuedouble, slots->valuedouble,
                   seen->valuedouble / 1000,
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "alive")) ? "" : "  gone");
        }
        cJSON_Delete(j);
        fflush(stdout);
    }
    reply_free(&r);
    client_close(&c);
    return status;
}

/* ---- state and shared files ---- */

int fl_cli_state(int argc, char **argv) {
    static const cmd me = {"state", fl_cli_state_usage};
    static const cmd get = {"state get", fl_cli_state_usage};
    static const cmd set = {"state set", fl_cli_state_usage};
    const char *output = NULL, *value = NULL, *file = NULL, *pos[3];
    fl_cli_remote remote = {0};
    int npos;
    const opt opts[] = {
        {"--output", NULL, &output},
        {"--value", NULL, &value},
        {"--file", NULL, &file},
        {NULL, NULL, NULL},
    };
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 3, &npos);
    if (status != PARSED)
        return status;
    if (npos < 1)
        return usage_error(&me, "needs get or set");
    bool is_get = !strcmp(pos[0], "get");
    if (!is_get && strcmp(pos[0], "set"))
        return usage_error(&me, "unknown action %s (want get or set)", pos[0]);
    const cmd *sub = is_get ? &get : &set;
    if (npos < 3)
        return usage_error(sub, "needs USER KEY");
    if (is_get && (value || file))
        return usage_error(sub, "--value and --file are for state set");
    if (!is_get && output)
        return usage_error(sub, "--output is for state get");
    if (!is_get && !value == !file)
        return usage_error(sub, "needs --value TEXT or --file FILE (one of them)");
    const char *user = pos[1], *key = pos[2];

    client c;
    if ((status = client_open(&c, sub->name, &remote)))
        return status;
    status = FL_CLIENT_FAILED;
    uint8_t *bytes = NULL;
    char *path = NULL, about[512];
    size_t len = value ? strlen(value) : 0;
    if (!(path = name_path(&c, "s", user, key))) {
        fail(&c, "out of memory");
        goto out;
    }
    if (is_get) {
        status = get_bytes(&c, path, NULL, output);
        goto out;
    }
    if (file && !(bytes = read_input(&c, file, MAX_UPLOAD, &len)))
        goto out;
    snprintf(about, sizeof about, "%s/%s (%zu bytes)", user, key, len);
    status = put_bytes(&c, path, NULL, file ? (const void *)bytes : value, len, about);

out:
    free(path);
    free(bytes);
    client_close(&c);
    return status;
}

int fl_cli_file(int argc, char **argv) {
    static const cmd me = {"file", fl_cli_file_usage};
    static const cmd get = {"file get", fl_cli_file_usage};
    static const cmd put = {"file put", fl_cli_file_usage};
    const char *output = NULL, *pos[3];
    fl_cli_remote remote = {0};
    int npos;
    const opt opts[] = {{"--output", NULL, &output}, {NULL, NULL, NULL}};
    int status = parse_args(&me, argc, argv, opts, &remote, pos, 3, &npos);
    if (status != PARSED)
        return status;
    if (npos < 1)
        return usage_error(&me, "needs put or get");
    bool is_get = !strcmp(pos[0], "get");
    if (!is_get && strcmp(pos[0], "put"))
        return usage_error(&me, "unknown action %s (want put or get)", pos[0]);
    const cmd *sub = is_get ? &get : &put;
    if (is_get && npos < 2)
        return usage_error(sub, "needs PATH");
    if (is_get && npos > 2)
        return usage_error(sub, "unexpected argument %s", pos[2]);
    if (!is_get && npos < 3)
        return usage_error(sub, "needs LOCALFILE PATH");
    if (!is_get && output)
        return usage_error(sub, "--output is for file get");
    const char *path = pos[npos - 1];
    if (has_control(path))
        return usage_error(sub, "PATH holds a control character (it goes in a header)");

    client c;
    if ((status = client_open(&c, sub->name, &remote)))
        return status;
    status = FL_CLIENT_FAILED;
    uint8_t *bytes = NULL;
    size_t len = 0;
    char *header = NULL, about[512];
    /* "FilePath;" is how libcurl sends a header with an empty value */
    header = path[0] ? (asprintf(&header, "FilePath: %s", path) < 0 ? NULL : header)
                     : strdup("FilePath;");
    if (!header) {
        fail(&c, "out of memory");
        goto out;
    }
    if (is_get) {
        status = get_bytes(&c, "/file", header, output);
        goto out;
    }
    if (!(bytes = read_input(&c, pos[1], MAX_UPLOAD, &len)))
        goto out;
    snprintf(about, sizeof about, "%s (%zu bytes)", path, len);
    status = put_bytes(&c, "/file", header, bytes, len, about);

out:
    free(header);
    free(bytes);
    client_close(&c);
    return status;
}
