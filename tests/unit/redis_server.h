/*
 * redis_server.h: a real redis-server for one unit test, on a free
 * loopback port with a temporary folder and no persistence.  Header-only
 * (static functions), for tests/unit only.
 */
#ifndef FL_TESTS_REDIS_SERVER_H
#define FL_TESTS_REDIS_SERVER_H

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct redis_server {
    pid_t pid;
    int port;
    char dir[64];
    char url[64];
} redis_server;

/* A loopback port nothing listens on now. */
static int redis_free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* Starts redis-server on r->port and waits until it answers. */
static void redis_server_start(redis_server *r) {
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    r->pid = fork();
    cr_assert_geq(r->pid, 0);
    if (r->pid == 0) {
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir",
               r->dir, "--save", "", "--appendonly", "no", "--logfile", "redis.log",
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        redisContext *c = redisConnect("127.0.0.1", r->port);
        bool up = c && !c->err;
        if (c)
            redisFree(c);
        if (up)
            return;
        struct timespec t = {0, 25 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    cr_assert_fail("redis-server did not start on port %d (is it installed?)", r->port);
}

static void redis_server_stop(redis_server *r) {
    if (r->pid > 0) {
        kill(r->pid, SIGCONT);
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

/* A fresh server: folder, port, URL. */
static void redis_server_new(redis_server *r) {
    snprintf(r->dir, sizeof r->dir, "/tmp/faaslet-redis-XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir));
    r->port = redis_free_port();
    snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d", r->port);
    redis_server_start(r);
}

/* Stops it and removes its folder. */
static void redis_server_free(redis_server *r) {
    redis_server_stop(r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", r->dir);
}

#endif
