/*
 * test_snapshot.c: resetting an instance to its snapshot in place
 * (fl_snapshot_reset): the pages a call wrote are found through the page
 * table, put back and kept; past the keep limit, or for a memory the
 * snapshot was never mapped into, the image is mapped again instead.
 * Either way the memory reads as the snapshot's afterwards.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/config.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/snapshot.h"

#include "snapshot_mem.wasm.h"

static fl_module *mod;
static fl_store *store;
static fl_exec *ex;
static fl_instance *zygote, *inst;
static fl_snapshot *snap;
static uint8_t *expected; /* the zygote's memory, what every reset must give */
static size_t expected_len;

static void setup(void) {
    fl_error err = {0};
    mod = fl_module_load(snapshot_mem_wasm, sizeof snapshot_mem_wasm, &err);
    cr_assert_not_null(mod, "%s", err.message);
    store = fl_store_new(NULL);
    ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(store, mod, NULL, ex, &zygote, &err), FL_INST_OK, "%s",
                 err.message);
    snap = fl_snapshot_take(zygote, &err);
    cr_assert_not_null(snap, "%s", err.message);
    expected_len = zygote->memories[0]->size;
    expected = malloc(expected_len);
    memcpy(expected, zygote->memories[0]->base, expected_len);
    fl_inst_opts o = {.no_init = true};
    cr_assert_eq(fl_instantiate_opts(store, mod, NULL, ex, &o, &inst, &err), FL_INST_OK);
}

static void teardown(void) {
    fl_snapshot_unref(snap);
    fl_exec_free(ex);
    fl_store_free(store);
    fl_module_free(mod);
    free(expected);
}

static void poke(fl_instance *in, uint32_t at, uint32_t v) {
    fl_value args[2] = {{.i32 = at}, {.i32 = v}};
    cr_assert_eq(fl_invoke(ex, fl_instance_func(in, "poke"), args, 2, NULL, 0), FL_TRAP_NONE);
}

static void grow_and_poke(fl_instance *in) {
    fl_value r;
    cr_assert_eq(fl_invoke(ex, fl_instance_func(in, "grow"), NULL, 0, &r, 1), FL_TRAP_NONE);
    cr_assert_eq(r.i32, 2);
    poke(in, 2 * 65536 + 8, 77);
}

static void assert_is_snapshot(fl_instance *in) {
    const fl_memory *m = in->memories[0];
    cr_assert_eq(m->pages, 2, "the grown page is gone");
    cr_assert_eq(m->size, expected_len);
    cr_assert(memcmp(m->base, expected, expected_len) == 0, "the memory is not the snapshot's");
}

TestSuite(snapshot, .init = setup, .fini = teardown);

Test(snapshot, reset_puts_back_only_the_written_pages_and_keeps_them) {
    fl_error err = {0};
    size_t kept = 1;
    cr_assert_eq(fl_snapshot_restore(snap, inst, &err), 0, "%s", err.message);
    cr_assert(memcmp(inst->memories[0]->base + 16, "abc", 3) == 0);
    /* a call writes the data segment's page, a page of zeros and a grown page */
    poke(inst, 17, 'X');
    poke(inst, 40000, 5);
    grow_and_poke(inst);
    cr_assert_eq(fl_snapshot_reset(snap, inst, 1 << 20, &kept, &err), 0, "%s", err.message);
    assert_is_snapshot(inst);
    cr_assert_eq(kept, 2 * 4096, "the two written 4 KiB pages of the image are kept, not %zu",
                 kept);
    /* the kept pages are written again without the reset losing track */
    for (int round = 0; round < 3; round++) {
        poke(inst, 18, 'Y' + round);
        poke(inst, 70001, 0);
        cr_assert_eq(fl_snapshot_reset(snap, inst, 1 << 20, &kept, &err), 0, "%s", err.message);
        assert_is_snapshot(inst);
        cr_assert_eq(kept, 3 * 4096, "round %d kept %zu", round, kept);
    }
    /* the grown page comes back zero */
    grow_and_poke(inst);
    poke(inst, 2 * 65536 + 9, 0);
    cr_assert_eq(inst->memories[0]->base[2 * 65536 + 8], 77);
    cr_assert_eq(fl_snapshot_reset(snap, inst, 1 << 20, &kept, &err), 0);
    cr_assert_eq(fl_memory_grow(inst->memories[0], 1), 2);
    cr_assert_eq(inst->memories[0]->base[2 * 65536 + 8], 0, "a grown page kept its byte");
}

Test(snapshot, past_the_keep_limit_the_image_is_mapped_again) {
    fl_error err = {0};
    size_t kept = 1;
    cr_assert_eq(fl_snapshot_restore(snap, inst, &err), 0, "%s", err.message);
    poke(inst, 17, 'X');
    poke(inst, 40000, 5);
    cr_assert_eq(fl_snapshot_reset(snap, inst, 4096, &kept, &err), 0, "%s", err.message);
    assert_is_snapshot(inst);
    cr_assert_eq(kept, 0, "two pages written, one may be kept: none is");
}

/* A freed memory that held the image goes back to the reservation pool
 * as it is; the next memory restored from the image takes it over (no
 * mapping, no faults), and finds the snapshot, not what the last wrote. */
Test(snapshot, a_new_memory_takes_over_a_freed_one_of_the_same_image) {
    fl_error err = {0};
    cr_assert_eq(fl_snapshot_restore(snap, inst, &err), 0, "%s", err.message);
    uint8_t *base = inst->memories[0]->base;
    poke(inst, 17, 'X');
    poke(inst, 50000, 9);
    grow_and_poke(inst);
    fl_store *other = fl_store_new(NULL);
    fl_instance *next;
    fl_inst_opts o = {.no_init = true};
    cr_assert_eq(fl_instantiate_opts(other, mod, NULL, ex, &o, &next, &err), FL_INST_OK);
    fl_store_free(store); /* inst's memory goes back, tagged with the image */
    store = fl_store_new(NULL);
    cr_assert_eq(fl_snapshot_restore(snap, next, &err), 0, "%s", err.message);
#if FL_MEMORY_GUARDED
    cr_assert_eq(next->memories[0]->base, base, "the freed reservation was not taken over");
#else
    (void)base; /* no reservation pool without guard pages */
#endif
    assert_is_snapshot(next);
    /* and it resets in place like any restored memory */
    size_t kept;
    poke(next, 17, 'Y');
    cr_assert_eq(fl_snapshot_reset(snap, next, 1 << 20, &kept, &err), 0, "%s", err.message);
    assert_is_snapshot(next);
    cr_assert_gt(kept, 0);
    fl_store_free(other);
}

/* Where the host maps something of its own over the image (shared state),
 * a reset maps the image again rather than leave the host's mapping. */
Test(snapshot, a_host_mapping_over_the_image_is_replaced_by_a_reset) {
    fl_error err = {0};
    cr_assert_eq(fl_snapshot_restore(snap, inst, &err), 0, "%s", err.message);
    fl_memory *m = inst->memories[0];
    void *p = mmap(m->base, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    cr_assert_eq(p, (void *)m->base);
    fl_memory_mapped_over(m, 0, 4096);
    memset(m->base, 'S', 4096);
    size_t kept = 1;
    cr_assert_eq(fl_snapshot_reset(snap, inst, 1 << 20, &kept, &err), 0, "%s", err.message);
    cr_assert_eq(kept, 0, "reset in place over the host's mapping");
    assert_is_snapshot(inst);
}

Test(snapshot, a_memory_never_mapped_from_the_snapshot_is_mapped_first) {
    fl_error err = {0};
    size_t kept = 1;
    /* the zygote's own memory was made by instantiation, not the snapshot */
    poke(zygote, 17, 'X');
    cr_assert_eq(fl_snapshot_reset(snap, zygote, 1 << 20, &kept, &err), 0, "%s", err.message);
    assert_is_snapshot(zygote);
    cr_assert_eq(kept, 0);
    /* a snapshot of the same module taken later is another image */
    poke(zygote, 20, 'Q');
    fl_snapshot *later = fl_snapshot_take(zygote, &err);
    cr_assert_not_null(later, "%s", err.message);
    cr_assert_eq(fl_snapshot_restore(snap, inst, &err), 0);
    poke(inst, 17, 'X');
    cr_assert_eq(fl_snapshot_reset(later, inst, 1 << 20, &kept, &err), 0, "%s", err.message);
    cr_assert_eq(kept, 0, "pages kept against another image");
    cr_assert_eq(inst->memories[0]->base[20], 'Q');
    cr_assert_eq(inst->memories[0]->base[17], 'b');
    fl_snapshot_unref(later);
}
