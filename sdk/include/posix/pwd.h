/*
 * pwd.h (faaslet SDK): wasi-libc has no user database.  Every function
 * runs as one fixed user, as on Faasm: "faasm", uid and gid 1000, home
 * "/", the entry the runtime root's /etc/passwd also holds.
 * getpwuid(1000) and getpwnam("faasm") return it; any other uid or name
 * NULL with errno 0 ("no such user"), as POSIX says.
 */
#ifndef FAASLET_SDK_PWD_H
#define FAASLET_SDK_PWD_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct passwd {
    char *pw_name;
    char *pw_passwd;
    uid_t pw_uid;
    gid_t pw_gid;
    char *pw_gecos;
    char *pw_dir;
    char *pw_shell;
};

struct passwd *getpwuid(uid_t uid);
struct passwd *getpwnam(const char *name);

#ifdef __cplusplus
}
#endif

#endif
