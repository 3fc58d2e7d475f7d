/*
 * pwd.c: the one user every function runs as (<pwd.h>, getuid...), as on
 * Faasm: "faasm", uid and gid 1000, home "/"; the runtime root's
 * /etc/passwd holds the same entry.
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define FAASLET_UID 1000
static char user_name[] = "faasm", user_passwd[] = "x", user_gecos[] = "faasm",
            user_dir[] = "/", user_shell[] = "/bin/sh";
static struct passwd user = {
    .pw_name = user_name,
    .pw_passwd = user_passwd,
    .pw_uid = FAASLET_UID,
    .pw_gid = FAASLET_UID,
    .pw_gecos = user_gecos,
    .pw_dir = user_dir,
    .pw_shell = user_shell,
};

struct passwd *getpwuid(uid_t uid) {
    return uid == FAASLET_UID ? &user : NULL;
}

struct passwd *getpwnam(const char *name) {
    return name && !strcmp(name, user_name) ? &user : NULL;
}

uid_t getuid(void) { return FAASLET_UID; }
uid_t geteuid(void) { return FAASLET_UID; }
gid_t getgid(void) { return FAASLET_UID; }
gid_t getegid(void) { return FAASLET_UID; }
