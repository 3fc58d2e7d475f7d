/*
 * tokens.c: access control.  A file of lines "USER TOKEN" gives each user
 * a bearer token; requests for a user must carry it.  Tokens are compared
 * in constant time so a client cannot learn one byte by byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "server/server_int.h"

typedef struct token {
    char *user, *token;
} token;

struct srv_tokens {
    token *v;
    size_t n;
};

void srv_tokens_free(srv_tokens *t) {
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].user);
        OPENSSL_cleanse(t->v[i].token, strlen(t->v[i].token));
        free(t->v[i].token);
    }
    free(t->v);
    free(t);
}

srv_tokens *srv_tokens_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "tokens file %s: %s", path, strerror(errno));
        return NULL;
    }
    srv_tokens *t = calloc(1, sizeof *t);
    char line[1024];
    unsigned lineno = 0;
    while (t && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char user[256], tok[512], extra[2];
        int n = sscanf(line, "%255s %511s %1s", user, tok, extra);
        if (n <= 0)
            continue;
        const char *why = n != 2 ? "expected USER TOKEN" : fl_fnstore_check_name(user, strlen(user));
        if (!why && strlen(tok) < 16)
            why = "a token needs at least 16 characters";
        if (why) {
            snprintf(err, errlen, "tokens file %s, line %u: %s", path, lineno, why);
            srv_tokens_free(t);
            fclose(f);
            return NULL;
        }
        token *v = realloc(t->v, (t->n + 1) * sizeof *v);
        if (!v)
            break;
        t->v = v;
        t->v[t->n].user = strdup(user);
        t->v[t->n].token = strdup(tok);
        if (!t->v[t->n].user || !t->v[t->n].token) {
            free(t->v[t->n].user);
            free(t->v[t->n].token);
            break;
        }
        t->n++;
    }
    fclose(f);
    if (!t || t->n == 0) {
        snprintf(err, errlen, "tokens file %s: %s", path, t ? "no USER TOKEN line" : "out of memory");
        srv_tokens_free(t);
        return NULL;
    }
    return t;
}

static bool same(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

bool srv_tokens_check(const srv_tokens *t, const char *user, const char *tok) {
    bool ok = false;
    for (size_t i = 0; i < t->n; i++)
        if ((!user || !strcmp(t->v[i].user, user)) && same(t->v[i].token, tok))
            ok = true;
    return ok;
}

bool srv_authorized(const fl_server *s, const char *auth, const char *user) {
    if (!s->tokens)
        return true;
    if (!auth || strncmp(auth, "Bearer ", 7))
        return false;
    return srv_tokens_check(s->tokens, user, auth + 7);
}
