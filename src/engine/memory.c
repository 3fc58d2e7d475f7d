/*
 * memory.c: linear memories and the fault handler that turns an access
 * outside a guarded memory into FL_TRAP_MEMORY_OOB.
 *
 * Every memory reserves, once, the address space of the largest size it
 * may reach, so its base never moves; growing is an mprotect.  Guarded
 * (FL_MEMORY_GUARDED): 8 GiB, so any 32-bit index plus 32-bit offset lands
 * in the reservation and the PROT_NONE part faults.  Bounds-checked: just
 * max_pages * 64 KiB, and the interpreter checks every access.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/runtime.h"
#include "engine/runtime_int.h"

__thread fl_exec *fl__current_exec __attribute__((tls_model("initial-exec")));

/* ---- address ranges a signal handler reads (runtime_int.h) ---- */

int fl__ranges_add(fl__ranges *r, const void *start, size_t len) {
    for (size_t i = 0; i < r->slots; i++) {
        uintptr_t expected = 0;
        if (atomic_load_explicit(&r->start[i], memory_order_relaxed) != 0)
            continue;
        if (!atomic_compare_exchange_strong(&r->start[i], &expected, (uintptr_t)start))
            continue;
        atomic_store(&r->len[i], len);
        size_t high = atomic_load(&r->high);
        while (high < i + 1 && !atomic_compare_exchange_weak(&r->high, &high, i + 1))
            ;
        return 0;
    }
    return -1;
}

void fl__ranges_remove(fl__ranges *r, const void *start) {
    size_t high = atomic_load(&r->high);
    for (size_t i = 0; i < high; i++) {
        if (atomic_load(&r->start[i]) == (uintptr_t)start) {
            atomic_store(&r->len[i], 0);
            atomic_store(&r->start[i], 0);
            return;
        }
    }
}

bool fl__ranges_contain(fl__ranges *r, uintptr_t addr) {
    size_t high = atomic_load(&r->high);
    for (size_t i = 0; i < high; i++) {
        uintptr_t start = atomic_load(&r->start[i]);
        if (start && addr >= start && addr - start < atomic_load(&r->len[i]))
            return true;
    }
    return false;
}

/* The guarded reservations: 16384 slots of 8 GiB fill a 47-bit address
 * space. */
FL__RANGES_DEFINE(reservations, 16384);

/* ---- the fault handler ---- */

static struct sigaction old_segv, old_bus;
static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static pthread_key_t altstack_key;
static __thread bool thread_prepared;

#define ALTSTACK_SIZE ((size_t)64 << 10)
#define ALTSTACK_GUARD ((size_t)4 << 10)

static void fault_handler(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    fl_exec *ex = fl__current_exec;
    if (ex && ex->fault_jmp && fl__ranges_contain(&reservations, (uintptr_t)si->si_addr))
        siglongjmp(*ex->fault_jmp, FL_TRAP_MEMORY_OOB);
    /* Not a guest access: put back what was there and return, so the
     * faulting instruction runs again and crashes as it would have. */
    sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

static void altstack_free(void *mem) {
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    munmap(mem, ALTSTACK_GUARD + ALTSTACK_SIZE);
}

static void fault_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    /* NODEFER: siglongjmp out of the handler without restoring the signal
     * mask must not leave SIGSEGV blocked; ONSTACK: a fault from a
     * overflowed thread stack still gets a handler to fall through. */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    pthread_key_create(&altstack_key, altstack_free);
}

void fl__fault_prepare_thread(void) {
    if (!FL_MEMORY_GUARDED || thread_prepared)
        return;
    pthread_once(&fault_once, fault_install);
    thread_prepared = true;

    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return; /* the thread has one already: keep it */
    size_t size = ALTSTACK_SIZE;
    if ((size_t)SIGSTKSZ > size)
        return; /* an odd platform: run without one rather than too small */
    uint8_t *mem = mmap(NULL, ALTSTACK_GUARD + size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        return;
    mprotect(mem, ALTSTACK_GUARD, PROT_NONE); /* stacks grow down: guard below */
    stack_t ss = {.ss_sp = mem + ALTSTACK_GUARD, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) < 0) {
        munmap(mem, ALTSTACK_GUARD + size);
        return;
    }
    pthread_setspecific(altstack_key, mem); /* freed when the thread exits */
}

/* ---- memories ---- */

/* The store-private side of a memory: its declared maximum, which import
 * matching needs (fl_memory.max_pages may be lowered by the store's cap),
 * and its store, whose budget is charged pages x 64 KiB. */
typedef struct memory_obj {
    fl_memory m;
    uint32_t declared_max;
    fl_store *store;
    uint64_t image_id;   /* the snapshot image mapped over it; 0: none */
    uint32_t image_pages; /* and its size */
} memory_obj;

static uint64_t pages_bytes(uint64_t pages) {
    return pages * FL_PAGE_SIZE;
}

/* ---- the reservation pool ----
 * Reserving 8 GiB and giving it back (mmap, munmap: page tables built and
 * torn down, TLBs shot down on every core) is most of what a Faaslet's
 * creation and end cost, so guarded reservations are kept, still
 * registered with the fault handler, for the next memory.  Most wait with
 * their pages dropped (one mmap over the part that was accessible).  One
 * that held a snapshot's image and wrote little of it waits as it is,
 * tagged with the image: a memory restored from that image takes it over
 * and puts back only the pages written (fl__memory_adopt_image), so a new
 * Faaslet of a function starts with its page tables built and no fault. */

#define POOL_MAX 64
#define POOL_IMAGE_KEEP ((size_t)1 << 20) /* written bytes a tagged reservation may hold */

typedef struct pooled {
    void *base;
    uint64_t image_id; /* 0: dropped, all PROT_NONE and never touched */
    uint32_t image_pages;
} pooled;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pooled pool[POOL_MAX];
static size_t npool;

static void pool_remove_locked(size_t i) {
    pool[i] = pool[--npool];
}

/* Makes the first `used` bytes of reservation `base` never-touched
 * PROT_NONE again; false when the kernel refuses. */
static bool drop_pages(void *base, size_t used) {
    return !used || mmap(base, used, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
                                                     MAP_NORESERVE, -1, 0) != MAP_FAILED;
}

static void release_reservation(void *base) {
    fl__ranges_remove(&reservations, base);
    munmap(base, FL_GUARDED_RESERVATION);
}

/* A pooled reservation of FL_GUARDED_RESERVATION bytes, all PROT_NONE and
 * never touched since it was dropped, or NULL.  Tagged ones are left for
 * restores of their image (a memory about to be restored takes one of
 * these first and gives a tagged one back: fl__memory_adopt_image). */
static void *pool_take(void) {
    void *base = NULL;
    pthread_mutex_lock(&pool_lock);
    for (size_t i = npool; i-- > 0;)
        if (!pool[i].image_id) {
            base = pool[i].base;
            pool_remove_locked(i);
            break;
        }
    pthread_mutex_unlock(&pool_lock);
    return base;
}

/* Keeps reservation `e` (its pages dropped already, or tagged); when the
 * pool is full a tagged one makes room (an image nobody restored since);
 * false when none can. */
static bool pool_keep(pooled e) {
    pooled evicted = {0};
    pthread_mutex_lock(&pool_lock);
    for (size_t i = 0; npool == POOL_MAX && i < npool; i++)
        if (pool[i].image_id) {
            evicted = pool[i];
            pool_remove_locked(i);
        }
    bool kept = npool < POOL_MAX;
    if (kept)
        pool[npool++] = e;
    pthread_mutex_unlock(&pool_lock);
    if (evicted.base)
        release_reservation(evicted.base);
    return kept;
}

/* Keeps a guarded reservation whose first `used` bytes may have been
 * touched; false when the pool is full or the pages cannot be dropped. */
static bool pool_put(void *base, size_t used) {
    return drop_pages(base, used) && pool_keep((pooled){base, 0, 0});
}

/* Bytes of [base, base + len), mapped from an image, that the process
 * holds private copies of: pages written since (copied on write: present
 * and not the file's, or swapped out); pages never written are the
 * file's or absent.  With `image` (the image's bytes), each is also put
 * back where it differs.  -1 past `limit` or without a pagemap. */
static ssize_t written_pages(uint8_t *base, size_t len, size_t limit, const uint8_t *image) {
    uint64_t entries[FL__PAGEMAP_BATCH];
    size_t npages = len / 4096, bytes = 0;
    for (size_t p = 0; p < npages; p += FL__PAGEMAP_BATCH) {
        size_t n = npages - p < FL__PAGEMAP_BATCH ? npages - p : FL__PAGEMAP_BATCH;
        if (!fl__pagemap_read(base + p * 4096, n, entries))
            return -1;
        for (size_t i = 0; i < n; i++) {
            uint64_t e = entries[i];
            if (!(e & FL__PM_SWAPPED) && (!(e & FL__PM_PRESENT) || (e & FL__PM_FILE)))
                continue;
            if ((bytes += 4096) > limit)
                return -1;
            size_t off = (p + i) * 4096;
            if (image && memcmp(base + off, image + off, 4096))
                memcpy(base + off, image + off, 4096);
        }
    }
    return (ssize_t)bytes;
}

/* Keeps the reservation of a memory mapped from an image, tagged, when it
 * wrote at most POOL_IMAGE_KEEP of it: pages past the image are dropped,
 * the image's stay as they are.  False when it cannot. */
static bool pool_put_image(memory_obj *mo) {
    size_t image = (size_t)mo->image_pages * FL_PAGE_SIZE;
    if (mo->m.size < image || written_pages(mo->m.base, image, POOL_IMAGE_KEEP, NULL) < 0 ||
        !drop_pages(mo->m.base + image, mo->m.size - image))
        return false;
    return pool_keep((pooled){mo->m.base, mo->image_id, mo->image_pages});
}

static void memory_free(void *obj) {
    memory_obj *mo = obj;
    bool pooled = FL_MEMORY_GUARDED && mo->m.reserved == FL_GUARDED_RESERVATION &&
                  ((mo->image_id && pool_put_image(mo)) || pool_put(mo->m.base, mo->m.size));
    if (!pooled) {
        if (FL_MEMORY_GUARDED)
            fl__ranges_remove(&reservations, mo->m.base);
        munmap(mo->m.base, mo->m.reserved);
    }
    fl__store_release(mo->store, pages_bytes(mo->m.pages));
    free(mo);
}

/* Whether the store's cap (not the memory's own maximum) is what keeps a
 * memory from reaching `pages`. */
static bool store_cap_refuses(const fl_store *s, fl_limits limits, uint64_t pages) {
    return fl__store_pages_capped(s) && pages > fl__store_max_pages(s) &&
           (!limits.has_max || pages <= limits.max);
}

fl_memory *fl_memory_new(fl_store *s, fl_limits limits) {
    uint32_t max_pages = fl__store_max_pages(s);
    if (limits.has_max && limits.max < max_pages)
        max_pages = limits.max;
    if (limits.min > max_pages) {
        if (store_cap_refuses(s, limits, limits.min))
            fl__store_refuse(s, FL__LIMIT_PAGES, "a memory of %u page%s", limits.min,
                             limits.min == 1 ? "" : "s");
        return NULL;
    }
    /* charged before anything is mapped: a refused memory costs nothing */
    if (fl__store_charge(s, pages_bytes(limits.min)) < 0) {
        fl__store_refuse(s, FL__LIMIT_BUDGET, "a memory of %u page%s", limits.min,
                         limits.min == 1 ? "" : "s");
        return NULL;
    }

    size_t reserve = FL_MEMORY_GUARDED ? FL_GUARDED_RESERVATION : (size_t)max_pages * FL_PAGE_SIZE;
    if (reserve == 0)
        reserve = FL_PAGE_SIZE; /* a memory that can never hold a byte still needs a base */

    memory_obj *mo = calloc(1, sizeof *mo);
    if (!mo) {
        fl__store_release(s, pages_bytes(limits.min));
        return NULL;
    }
    /* anonymous pages read as zero: that is the zero-initialisation (a
     * pooled reservation's were dropped, so they read as zero too) */
    bool pooled = false;
    void *base = FL_MEMORY_GUARDED && reserve == FL_GUARDED_RESERVATION ? pool_take() : NULL;
    if (base)
        pooled = true;
    else
        base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        goto fail_obj;
    size_t size = (size_t)limits.min * FL_PAGE_SIZE;
    if (size && mprotect(base, size, PROT_READ | PROT_WRITE) < 0)
        goto fail_map;
    if (FL_MEMORY_GUARDED && !pooled && fl__ranges_add(&reservations, base, reserve) < 0)
        goto fail_map;

    mo->m.base = base;
    mo->m.size = size;
    mo->m.pages = limits.min;
    mo->m.max_pages = max_pages;
    mo->m.has_max = limits.has_max;
    mo->m.reserved = reserve;
    mo->declared_max = limits.max;
    mo->store = s;
    if (fl__store_own(s, mo, memory_free) < 0)
        return NULL;
    return &mo->m;

fail_map:
    if (pooled)
        fl__ranges_remove(&reservations, base);
    munmap(base, reserve);
fail_obj:
    free(mo);
    fl__store_release(s, pages_bytes(limits.min));
    return NULL;
}

int64_t fl_memory_grow(fl_memory *m, uint32_t delta) {
    memory_obj *mo = (memory_obj *)m; /* m is the first member */
    uint32_t old = m->pages;
    if ((uint64_t)old + delta > m->max_pages) {
        fl_limits own = {.min = old, .max = mo->declared_max, .has_max = m->has_max};
        if (store_cap_refuses(mo->store, own, (uint64_t)old + delta))
            fl__store_refuse(mo->store, FL__LIMIT_PAGES, "memory.grow by %u page%s", delta,
                             delta == 1 ? "" : "s");
        return -1;
    }
    if (delta == 0)
        return old;
    if (fl__store_charge(mo->store, pages_bytes(delta)) < 0) {
        fl__store_refuse(mo->store, FL__LIMIT_BUDGET, "memory.grow by %u page%s", delta,
                         delta == 1 ? "" : "s");
        return -1;
    }
    /* never accessible before, so the new pages are still zero */
    if (mprotect(m->base + m->size, (size_t)delta * FL_PAGE_SIZE, PROT_READ | PROT_WRITE) < 0) {
        fl__store_release(mo->store, pages_bytes(delta));
        return -1;
    }
    m->pages = old + delta;
    m->size = (uint64_t)m->pages * FL_PAGE_SIZE;
    return old;
}

int fl__memory_map_image(fl_memory *m, int fd, off_t offset, uint32_t pages, uint64_t image_id) {
    memory_obj *mo = (memory_obj *)m; /* m is the first member */
    mo->image_id = 0;
    if (pages > m->max_pages)
        return -1;
    if (pages > m->pages) {
        if (fl__store_charge(mo->store, pages_bytes(pages - m->pages)) < 0) {
            fl__store_refuse(mo->store, FL__LIMIT_BUDGET, "a snapshot of %u pages", pages);
            return -1;
        }
    } else {
        fl__store_release(mo->store, pages_bytes(m->pages - pages));
    }
    size_t image = (size_t)pages * FL_PAGE_SIZE, old = m->size;
    /* The image replaces whatever pages the last call dirtied (the kernel
     * drops them) and is copied on write, page by page, from then on. */
    if (image && mmap(m->base, image, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
                      offset) == MAP_FAILED)
        goto broken;
    /* Pages past the image go back to never-touched PROT_NONE: they trap
     * again, and a later memory.grow finds them zero. */
    if (old > image && mmap(m->base + image, old - image, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
                            0) == MAP_FAILED)
        goto broken;
    m->pages = pages;
    m->size = image;
    mo->image_id = image_id;
    mo->image_pages = pages;
    return 0;
broken:
    /* The reservation is still ours (MAP_FIXED failing leaves it mapped
     * as it was, or unmapped where the kernel gave up): make it all
     * inaccessible so no stale page is ever read as the snapshot's. */
    mmap(m->base, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
         -1, 0);
    fl__store_release(mo->store, pages_bytes(pages));
    m->pages = 0;
    m->size = 0;
    return -1;
}

int fl__pagemap_fd(void) {
    static _Atomic int fd = -2; /* -2: not opened yet */
    int f = atomic_load_explicit(&fd, memory_order_acquire);
    if (f != -2)
        return f;
    int mine = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int expected = -2;
    if (!atomic_compare_exchange_strong(&fd, &expected, mine)) {
        if (mine >= 0)
            close(mine); /* another thread opened it first */
        return expected;
    }
    return mine;
}

bool fl__pagemap_read(const void *addr, size_t n, uint64_t *entries) {
    int pagemap = fl__pagemap_fd();
    off_t at = (off_t)((uintptr_t)addr / 4096 * sizeof(uint64_t));
    return pagemap >= 0 &&
           pread(pagemap, entries, n * sizeof(uint64_t), at) == (ssize_t)(n * sizeof(uint64_t));
}

ssize_t fl__memory_reset_image(fl_memory *m, uint64_t image_id, const uint8_t *image,
                               uint32_t pages, size_t keep_max) {
    memory_obj *mo = (memory_obj *)m; /* m is the first member */
    if (!image_id || mo->image_id != image_id || m->pages < pages)
        return -1;
    size_t len = (size_t)pages * FL_PAGE_SIZE;
    ssize_t kept = written_pages(m->base, len, keep_max, image);
    if (kept < 0)
        return -1;
    /* pages a memory.grow added go back to never-touched PROT_NONE */
    if (m->size > len) {
        if (mmap(m->base + len, m->size - len, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
            return -1;
        fl__store_release(mo->store, pages_bytes(m->pages - pages));
        m->pages = pages;
        m->size = len;
    }
    return kept;
}

ssize_t fl__memory_adopt_image(fl_memory *m, uint64_t image_id, const uint8_t *image,
                               uint32_t pages) {
    memory_obj *mo = (memory_obj *)m; /* m is the first member */
    if (!FL_MEMORY_GUARDED || m->reserved != FL_GUARDED_RESERVATION || !image_id ||
        pages > m->max_pages)
        return -1;
    pooled got = {0};
    pthread_mutex_lock(&pool_lock);
    for (size_t i = npool; i-- > 0;)
        if (pool[i].image_id == image_id && pool[i].image_pages == pages) {
            got = pool[i];
            pool_remove_locked(i);
            break;
        }
    pthread_mutex_unlock(&pool_lock);
    if (!got.base)
        return -1;
    if (pages > m->pages && fl__store_charge(mo->store, pages_bytes(pages - m->pages)) < 0) {
        if (!pool_keep(got))
            release_reservation(got.base);
        fl__store_refuse(mo->store, FL__LIMIT_BUDGET, "a snapshot of %u pages", pages);
        return -1;
    }
    if (pages < m->pages)
        fl__store_release(mo->store, pages_bytes(m->pages - pages));
    /* the memory's own reservation goes back for another, in its place */
    if (!pool_put(m->base, m->size))
        release_reservation(m->base);
    m->base = got.base;
    m->pages = pages;
    m->size = (size_t)pages * FL_PAGE_SIZE;
    mo->image_id = image_id;
    mo->image_pages = pages;
    return fl__memory_reset_image(m, image_id, image, pages, POOL_IMAGE_KEEP);
}

void fl_memory_mapped_over(fl_memory *m, uint64_t offset, uint64_t len) {
    memory_obj *mo = (memory_obj *)m; /* m is the first member */
    if (mo->image_id && offset < (uint64_t)mo->image_pages * FL_PAGE_SIZE && len)
        mo->image_id = 0; /* its pages there are no longer the image's copies */
}

fl_limits fl__memory_limits(const fl_memory *m) {
    const memory_obj *mo = (const memory_obj *)m; /* m is the first member */
    return (fl_limits){.min = m->pages, .max = mo->declared_max, .has_max = m->has_max};
}
