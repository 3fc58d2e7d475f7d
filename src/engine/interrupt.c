/*
 * interrupt.c: stopping guest code from another thread.
 *
 * The interpreter polls the exec's interrupt flag.  Machine code does not:
 * a check on every loop back-edge costs CPython's dispatch loop a tenth of
 * its speed and keeps LLVM from vectorising loops.  Instead the exec's
 * thread is *kicked*: sent a signal (SIGURG) whose handler leaves through
 * the exec's landing pad with FL_TRAP_INTERRUPTED when the interrupted
 * instruction is machine code (a range registered here by src/aot), as a
 * guard-page fault does.  Anywhere else (the interpreter, a host function,
 * a runtime helper) the handler returns and the code there sees the flag;
 * a kicker thread sends the signal again every KICK_EVERY_MS for as long
 * as the exec runs guest code with its flag raised, so a kick that landed
 * outside machine code is followed by one that lands inside.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "engine/runtime.h"
#include "engine/runtime_int.h"

#define KICK_EVERY_MS 2

/* ---- the machine code: its ranges, read by the handler ---- */

FL__RANGES_DEFINE(code, 4096);

int fl__code_register(const void *start, size_t len) { return fl__ranges_add(&code, start, len); }

void fl__code_unregister(const void *start) { fl__ranges_remove(&code, start); }

/* ---- the signal ---- */

/* A standard signal, not a real-time one: those queue, and a thread
 * running many execs (nested calls awaiting each other) would get one per
 * exec, each handler nested in the last on the alternate stack until it
 * overflowed; standard signals pending for a thread merge into one.
 * SIGURG: ignored by default, and nothing else here uses it (Go's runtime
 * preempts goroutines with it for the same reason). */
#define KICK_SIGNAL SIGURG

static uintptr_t interrupted_pc(void *uctx) {
    const ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

static void kick_handler(int sig, siginfo_t *si, void *uctx) {
    (void)sig, (void)si;
    fl_exec *ex = fl__current_exec;
    if (ex && ex->fault_jmp && __atomic_load_n(&ex->interrupt, __ATOMIC_RELAXED) &&
        fl__ranges_contain(&code, interrupted_pc(uctx)))
        siglongjmp(*ex->fault_jmp, FL_TRAP_INTERRUPTED);
}

/* ---- the kicker: one thread per process, started by the first kick ---- */

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kick_cond;
static fl_exec **kicked; /* execs interrupted and not yet seen stopped */
static size_t nkicked, capkicked;
static bool kicker_running;

/* Sends the signal to ex's thread while it runs guest code (lock held). */
static void kick_now(fl_exec *ex) {
    if (atomic_load(&ex->guest_running))
        pthread_kill(ex->guest_thread, KICK_SIGNAL);
}

static void *kicker_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&kick_lock);
    for (;;) {
        while (!nkicked)
            pthread_cond_wait(&kick_cond, &kick_lock);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += KICK_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&kick_cond, &kick_lock, &until);
        for (size_t i = 0; i < nkicked;) {
            fl_exec *ex = kicked[i];
            if (!__atomic_load_n(&ex->interrupt, __ATOMIC_RELAXED) ||
                !atomic_load(&ex->guest_running)) {
                kicked[i] = kicked[--nkicked]; /* stopped, or its flag lowered */
                continue;
            }
            kick_now(ex);
            i++;
        }
    }
    return NULL;
}

static void kick_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = kick_handler;
    /* blocked while it runs, so a burst of kicks (one per exec of a call
     * tree, several on one thread) cannot nest handlers on the alternate
     * stack; siglongjmp leaves it blocked and fl__kick_landed unblocks it.
     * RESTART: the host calls a kick lands in carry on. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(KICK_SIGNAL, &sa, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&kick_cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_t t;
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&ta, 64 << 10);
    kicker_running = pthread_create(&t, &ta, kicker_main, NULL) == 0;
    pthread_attr_destroy(&ta);
}

static void kick_prepare(void) { pthread_once(&kick_once, kick_install); }

void fl__kick_landed(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void fl_exec_interrupt(fl_exec *ex) {
    __atomic_store_n(&ex->interrupt, 1, __ATOMIC_SEQ_CST);
    kick_prepare();
    pthread_mutex_lock(&kick_lock);
    bool listed = false;
    for (size_t i = 0; i < nkicked && !listed; i++)
        listed = kicked[i] == ex;
    if (!listed && kicker_running) {
        if (nkicked == capkicked) {
            size_t cap = capkicked ? 2 * capkicked : 16;
            fl_exec **p = realloc(kicked, cap * sizeof *p);
            if (p) {
                kicked = p;
                capkicked = cap;
            }
        }
        if (nkicked < capkicked) {
            kicked[nkicked++] = ex;
            pthread_cond_signal(&kick_cond);
        }
    }
    kick_now(ex);
    pthread_mutex_unlock(&kick_lock);
}

/* The kicker reads a thread only while the exec runs guest code, and
 * under the same lock: the thread cannot have gone meanwhile. */
void fl__guest_enter(fl_exec *ex) {
    if (ex->guest_entries++ == 0) {
        pthread_mutex_lock(&kick_lock);
        ex->guest_thread = pthread_self();
        atomic_store(&ex->guest_running, 1);
        pthread_mutex_unlock(&kick_lock);
    }
}

void fl__guest_leave(fl_exec *ex) {
    if (--ex->guest_entries == 0) {
        pthread_mutex_lock(&kick_lock);
        atomic_store(&ex->guest_running, 0);
        pthread_mutex_unlock(&kick_lock);
    }
}

void fl__kick_forget(fl_exec *ex) {
    pthread_mutex_lock(&kick_lock);
    for (size_t i = 0; i < nkicked; i++)
        if (kicked[i] == ex) {
            kicked[i] = kicked[--nkicked];
            break;
        }
    pthread_mutex_unlock(&kick_lock);
}
