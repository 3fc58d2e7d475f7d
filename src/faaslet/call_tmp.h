/*
 * call_tmp.h: a call's private /tmp, inside the Faaslet layer (faaslet.c is
 * its only user; names carry `fl__`).
 *
 * A call's private /tmp is PARENT/faaslet-PID-XXXXXX.  Its fd and a spare
 * are opened with it and held until it is removed, so that removing it
 * never needs a new fd (the call tree may have taken them all): entries are
 * read with getdents64 on the held fd, and a subfolder is opened in the
 * spare's slot.  The held fd also carries a shared flock, which tells a
 * sweeping runtime (fl__call_tmp_sweep) that the folder is in use.
 */
#ifndef FL_FAASLET_CALL_TMP_H
#define FL_FAASLET_CALL_TMP_H

#include <limits.h>
#include <stddef.h>

typedef struct fl__call_tmp {
    const char *parent;  /* borrowed */
    char path[PATH_MAX]; /* "" until made */
    int fd, spare;       /* -1 when not open */
} fl__call_tmp;

/* Makes the call's private /tmp under tmp->parent with its fds and flock.
 * Returns 0, or -1 with a message in msg[0..len). */
int fl__call_tmp_make(fl__call_tmp *tmp, char *msg, size_t len);

/* Empties the folder (kept, with its fds) for the next call of a warm
 * Faaslet.  Returns 0, or -1 when something is left (the Faaslet must not
 * serve another call then). */
int fl__call_tmp_empty(fl__call_tmp *tmp);

/* Removes the call's /tmp with everything in it, never following a
 * symlink, then closes its fds; a folder that cannot be emptied is
 * reported on stderr (and swept by a later runtime).  No-op when none was
 * made. */
void fl__call_tmp_remove(fl__call_tmp *tmp);

/* Removes the private /tmp folders under `parent` that a process which no
 * longer runs left behind. */
void fl__call_tmp_sweep(const char *parent);

#endif
