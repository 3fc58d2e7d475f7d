/*
 * compile.c: translation of validated function bodies into the internal
 * register code of code.h, in one pass per body.
 *
 * Every wasm operand-stack height h has a fixed frame slot (sbase + h).  A
 * virtual stack follows the wasm one at compile time; an entry is either in
 * its own slot (V_STACK), still the slot of a local (V_LOCAL: local.get emits
 * nothing), a constant not yet written anywhere (V_CONST), or a slot plus a
 * constant (V_ADDI: an i32.add of a constant, which a load or store folds
 * into its address).  Lazy entries are written to their own slots when
 * something needs them there: a local.set of the local they read, a block
 * boundary, a call's arguments.  Constants an instruction reads from a slot
 * come from a per-function pool copied into the frame at entry.
 *
 * Linear time: lazy entries live only in the top LAZY_WINDOW entries (one
 * pushed deeper is written out), so the scans a local.set or a block entry
 * make are bounded; a br_table looks at each distinct label once; branches
 * carrying more than WIDE values move them with one MOVN; entries in their
 * own slots are pushed and popped in bulk (a count of the other kinds says
 * when there is nothing to look at), so a call or block passing 1000
 * values costs about what one passing a single value does.
 *
 * Peepholes: the last value-producing instruction is remembered so that a
 * following local.set/tee or return can retarget its destination, and a
 * following br_if/if can fuse with an integer comparison or eqz; a loop's
 * closing add-and-branch becomes one ADDI_BR_*; adjacent moves merge into
 * MOV2 and a move before a br into MOV_BR; a float op takes a just-loaded
 * operand from memory (F*_M); an i32.add absorbs a just-computed shift or
 * product (I32_ADD_SHL/MUL), an xor a rotation (I32/I64_XOR_ROTL), a float
 * add/sub a product (F*_ADD_MUL..., rounded twice as wasm requires).  Nothing merges across a branch target
 * (label_at).
 *
 * Validation already passed, so only heights, block structure and the
 * unreachable state are tracked; dead code after br/return/unreachable is
 * skipped up to the matching else/end.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"
#include "engine/runtime.h"
#include "interp/code.h"
#include "interp/interp.h"
#include "interp/simd.h"

#define NONE UINT32_MAX

/* Immediate layouts, from the one opcode table. */
static const uint8_t op_imm[FL_OP_COUNT] = {
#define OP(name, text, byte, imm, sig) [FL_OP_##name] = (imm),
#define OP_FC(name, text, sub, imm, sig) [FL_OP_##name] = (imm),
#include "engine/opcodes.def"
#undef OP
#undef OP_FC
};

#define MAP(n) [FL_OP_##n] = OP_##n,
#define MAP_IMM(n) [FL_OP_##n] = OP_##n##_IMM,
static const uint16_t unop_map[FL_OP_COUNT] = {FL_INTERP_UNOPS(MAP)};
static const uint16_t binop_map[FL_OP_COUNT] = {FL_INTERP_BINOPS(MAP)};
static const uint16_t immop_map[FL_OP_COUNT] = {FL_INTERP_IMMOPS(MAP_IMM)};
#undef MAP
#undef MAP_IMM

/* Integer comparisons by index (eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u):
 * the negation, and the comparison with operands swapped. */
static const uint8_t cmp_invert[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
static const uint8_t cmp_swap[10] = {0, 1, 4, 5, 2, 3, 8, 9, 6, 7};

enum { V_STACK, V_LOCAL, V_CONST, V_ADDI };

typedef struct vent {
    uint8_t kind;
    uint8_t wide;   /* W_LO / W_HI: a half of a v128 (SIMD modules only) */
    uint32_t local; /* V_LOCAL: its slot; V_ADDI: the slot added to */
    uint64_t val;   /* V_CONST: the bits; V_ADDI: the i32 added */
} vent;

/* A v128 takes two entries (and two slots), its low half first. */
enum { W_NONE, W_LO, W_HI };

enum { B_BLOCK, B_LOOP, B_IF, B_FUNC };

typedef struct cblock {
    uint8_t kind;
    uint32_t nparams, nresults; /* in slots (a v128 counts two) */
    const uint8_t *ptypes, *rtypes; /* their types, for the wide marks */
    uint32_t nptypes, nrtypes;
    uint32_t height;     /* stack height below the params */
    uint32_t loop_pc;    /* B_LOOP: where branches go */
    uint32_t else_instr; /* B_IF: the jump to the else arm, or NONE */
    uint32_t else_word;
    uint32_t patches;    /* forward branches to the end: list in comp.pt */
} cblock;

/* A branch offset to fill in: code[word] = target - instr. */
typedef struct patch {
    uint32_t instr, word, next;
} patch;

enum { LK_VAL, LK_CMP, LK_EQZ };

/* Condition of a conditional branch. */
typedef struct cond {
    int kind; /* C_NZ, C_Z, C_CMP */
    uint32_t idx;
    bool is64, imm;
    uint32_t a, b;
} cond;
enum { C_NZ, C_Z, C_CMP };

typedef struct comp {
    const fl_module *m;
    const int32_t *words;
    fl_error *err;
    const fl_load_opts *opts;
    bool oom;
    bool simd;          /* the module uses v128: entries carry wide marks */
    uint32_t *lslot;    /* local index -> first slot (nlocals + 1 entries), or
                         * NULL when every local takes one slot */
    uint32_t *type_ids; /* call_indirect: fl_type_intern per type index, 0 unknown */

    uint32_t *code;
    uint32_t len, cap;

    vent *vs;       /* entries at vh and above are V_STACK (see push_n) */
    uint32_t vh, vcap, maxh;
    uint32_t nlazy; /* V_LOCAL and V_ADDI entries on vs */
    uint32_t nother; /* entries on vs that are not V_STACK (lazy and constants) */

    cblock *bl;
    uint32_t nbl, blcap;
    patch *pt;
    uint32_t npt, ptcap;
    uint32_t *scratch; /* br_table labels */
    uint32_t scap;
    /* br_table, per label depth: the landing (stub) offset or NONE, whether
     * the branch moves values, valid when stamp matches the br_table */
    struct stub {
        uint32_t stamp, off;
        bool copy;
    } *stubs;
    uint32_t stubcap;
    uint32_t br_stamp;

    uint32_t sbase; /* slot of stack height 0 */
    uint32_t cbase; /* slot of the first pooled constant */
    uint32_t npool, pool_cap;
    uint64_t *pool; /* pooled constants, copied into the frame at entry */
    uint32_t nresults;
    uint32_t rec_off;
    bool unreachable;

    /* the last instruction, when it produced a value and nothing followed */
    uint32_t last_start; /* NONE when there is none */
    uint32_t last_dst;   /* word holding its destination slot */
    int last_kind;
    int last_op;         /* its internal op */
    uint32_t last_a, last_b;
    cond last_cmp;
    uint32_t last_mov; /* a MOV just emitted (for MOV2 / MOV_BR), or NONE */
    uint32_t label_at; /* latest code position known to be a branch target */
    uint32_t addi_at;  /* the latest I32_ADD_IMM emitted (checked before use) */
} comp;

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > UINT32_MAX / 2)
            return false;
        n *= 2;
    }
    void *q = realloc(*p, (size_t)n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static void emit_w(comp *c, uint32_t w) {
    if (!grow((void **)&c->code, &c->cap, c->len + 1, sizeof *c->code)) {
        c->oom = true;
        return;
    }
    c->code[c->len++] = w;
}

static uint32_t emit_op(comp *c, int op) {
    uint32_t at = c->len;
    emit_w(c, (uint32_t)c->words[op]);
    c->last_start = NONE;
    c->last_mov = NONE;
    return at;
}

static void set_last(comp *c, uint32_t at, uint32_t dst_word, int kind) {
    if (c->oom)
        return;
    c->last_start = at;
    c->last_dst = dst_word;
    c->last_kind = kind;
    c->last_op = -1;
}

static uint32_t nat(const comp *c, uint32_t h) { return c->sbase + h; }

/* Lazy (V_LOCAL, V_ADDI) entries are kept within this many of the top of
 * the virtual stack, so finding them never scans a deep stack.  Normal code
 * rarely pushes a local.get this deep; when it does, the entry costs a MOV. */
#define LAZY_WINDOW 64

/* Branches and returns carrying more values than this move them with one
 * MOVN (after writing lazy ones out) instead of one MOV each, so a br_table
 * or br_if's code does not grow with its arity per label. */
#define WIDE 4

static void materialize(comp *c, uint32_t h);

static bool is_lazy(uint8_t kind) { return kind == V_LOCAL || kind == V_ADDI; }

/* The lowest height a lazy entry may have (see LAZY_WINDOW). */
static uint32_t lazy_floor(const comp *c) {
    return c->vh > LAZY_WINDOW ? c->vh - LAZY_WINDOW : 0;
}

/* Room for n more entries; new ones are V_STACK (kind 0), as every entry
 * above vh is kept, so that pushing V_STACK entries writes nothing. */
static bool reserve(comp *c, uint32_t n) {
    uint32_t old = c->vcap;
    if (!grow((void **)&c->vs, &c->vcap, c->vh + n, sizeof *c->vs)) {
        c->oom = true;
        return false;
    }
    if (c->vcap > old)
        memset(c->vs + old, 0, (size_t)(c->vcap - old) * sizeof *c->vs);
    return true;
}

/* Pushes n entries in their own slots (call results, block results) in
 * O(1) plus the lazy entries they push out of the window. */
static void push_n(comp *c, uint32_t n) {
    if (!reserve(c, n))
        return;
    uint32_t old = c->vh;
    c->vh += n;
    if (c->vh > c->maxh)
        c->maxh = c->vh;
    /* entries that just left the window: written out if still lazy */
    if (c->nlazy && c->vh > LAZY_WINDOW) {
        uint32_t from = old > LAZY_WINDOW ? old - LAZY_WINDOW : 0;
        for (uint32_t h = from; h < old && h < c->vh - LAZY_WINDOW; h++)
            if (is_lazy(c->vs[h].kind))
                materialize(c, h);
    }
}

static vent *push(comp *c, uint8_t kind) {
    static vent dummy;
    push_n(c, 1);
    if (c->oom)
        return &dummy;
    vent *e = &c->vs[c->vh - 1];
    e->kind = kind;
    e->wide = W_NONE;
    c->nother += kind != V_STACK;
    return e;
}

static void push_stack(comp *c) { push(c, V_STACK); }

/* Marks the entries from height h as values of types[0..n) (a SIMD
 * module's drop and select need to know a v128's two entries). */
static void mark_types(comp *c, uint32_t h, const uint8_t *types, uint32_t n) {
    if (!c->simd || c->oom)
        return;
    for (uint32_t i = 0; i < n; i++) {
        if (types[i] == FL_V128) {
            c->vs[h++].wide = W_LO;
            c->vs[h++].wide = W_HI;
        } else {
            c->vs[h++].wide = W_NONE;
        }
    }
}

/* Is the value on top a v128 (its high half)? */
static bool top_is_wide(const comp *c) { return c->vh && c->vs[c->vh - 1].wide == W_HI; }

/* Pushes a v128 result in its own two slots. */
static void push_v128(comp *c) {
    push(c, V_STACK)->wide = W_LO;
    push(c, V_STACK)->wide = W_HI;
}

/* The first slot of local x, and whether x is a v128. */
static uint32_t local_slot(const comp *c, uint32_t x) { return c->lslot ? c->lslot[x] : x; }
static bool local_wide(const comp *c, uint32_t x) {
    return c->lslot && c->lslot[x + 1] - c->lslot[x] == 2;
}

static void pop(comp *c, uint32_t n) {
    if (n > c->vh)
        n = c->vh;
    if (!c->nother) { /* all V_STACK: nothing to account for */
        c->vh -= n;
        return;
    }
    while (n-- > 0) {
        vent *e = &c->vs[--c->vh];
        if (e->kind == V_LOCAL || e->kind == V_ADDI)
            c->nlazy--;
        if (e->kind != V_STACK)
            c->nother--;
        e->kind = V_STACK;
    }
}

static void emit_const(comp *c, uint32_t slot, uint64_t v) {
    if (v >> 32 == 0) {
        emit_op(c, OP_CONST32);
        emit_w(c, slot);
        emit_w(c, (uint32_t)v);
    } else {
        emit_op(c, OP_CONST64);
        emit_w(c, slot);
        emit_w(c, (uint32_t)v);
        emit_w(c, (uint32_t)(v >> 32));
    }
}

/* Can the MOV just emitted be merged with what comes next?  Not when the
 * next position is a branch target. */
static bool mov_mergeable(const comp *c) {
    return c->last_mov != NONE && c->last_mov + 3 == c->len && c->label_at != c->len && !c->oom;
}

static void emit_mov(comp *c, uint32_t dst, uint32_t src) {
    if (dst == src)
        return;
    if (mov_mergeable(c)) {
        c->code[c->last_mov] = (uint32_t)c->words[OP_MOV2];
        emit_w(c, dst);
        emit_w(c, src);
        c->last_mov = NONE;
        c->last_start = NONE;
        return;
    }
    uint32_t at = emit_op(c, OP_MOV);
    emit_w(c, dst);
    emit_w(c, src);
    c->last_mov = at;
}

/* dst = slot + imm, remembered for result forwarding and ADDI_BR fusion. */
static void emit_addi(comp *c, uint32_t dst, uint32_t slot, uint32_t imm) {
    uint32_t at = emit_op(c, OP_I32_ADD_IMM);
    uint32_t dw = c->len;
    emit_w(c, dst);
    emit_w(c, slot);
    emit_w(c, imm);
    set_last(c, at, dw, LK_VAL);
    c->last_op = OP_I32_ADD_IMM;
    c->last_a = slot;
    c->last_b = imm;
    c->addi_at = at;
}

/* Writes entry h into its own slot. */
static void materialize(comp *c, uint32_t h) {
    vent *e = &c->vs[h];
    if (e->kind == V_LOCAL) {
        emit_mov(c, nat(c, h), e->local);
        c->nlazy--;
    } else if (e->kind == V_ADDI) {
        emit_addi(c, nat(c, h), e->local, (uint32_t)e->val);
        c->nlazy--;
    } else if (e->kind == V_CONST) {
        emit_const(c, nat(c, h), e->val);
    }
    if (e->kind != V_STACK)
        c->nother--;
    e->kind = V_STACK;
}

/* Writes every entry still referring to `slot` (a local) into its own slot;
 * entries at or above `below` are left alone. */
static void materialize_refs(comp *c, uint32_t slot, uint32_t below) {
    if (!c->nlazy)
        return;
    for (uint32_t i = lazy_floor(c); i < below; i++)
        if (is_lazy(c->vs[i].kind) && c->vs[i].local == slot)
            materialize(c, i);
}

static void materialize_all_locals(comp *c) {
    for (uint32_t i = lazy_floor(c); c->nlazy && i < c->vh; i++)
        if (is_lazy(c->vs[i].kind))
            materialize(c, i);
}

/* Writes the top n entries into their own slots. */
static void materialize_top(comp *c, uint32_t n) {
    for (uint32_t k = c->vh - n; c->nother && k < c->vh; k++)
        if (c->vs[k].kind != V_STACK)
            materialize(c, k);
}

/* MOVN d a n: n slots from a to d (d below a, or ranges apart). */
static void emit_movn(comp *c, uint32_t dst, uint32_t src, uint32_t n) {
    if (dst == src)
        return;
    emit_op(c, OP_MOVN);
    emit_w(c, dst);
    emit_w(c, src);
    emit_w(c, n);
}

/* The slot to read entry h from: a constant comes from the pool (or, when
 * the pool is full, is written to the entry's own slot first). */
static uint32_t src_slot(comp *c, uint32_t h) {
    vent *e = &c->vs[h];
    if (e->kind == V_LOCAL)
        return e->local;
    if (e->kind == V_CONST) {
        for (uint32_t k = 0; k < c->npool; k++)
            if (c->pool[k] == e->val)
                return c->cbase + k;
        if (c->npool < c->pool_cap) {
            c->pool[c->npool] = e->val;
            return c->cbase + c->npool++;
        }
        materialize(c, h);
    }
    if (e->kind == V_ADDI)
        materialize(c, h);
    return nat(c, h);
}

/* The first of two adjacent slots holding the v128 whose halves are the
 * entries h and h + 1: a local's own, a pooled pair, else their own. */
static uint32_t v128_src(comp *c, uint32_t h) {
    vent *lo = &c->vs[h], *hi = &c->vs[h + 1];
    if (lo->kind == V_LOCAL && hi->kind == V_LOCAL && hi->local == lo->local + 1)
        return lo->local;
    if (lo->kind == V_CONST && hi->kind == V_CONST) {
        for (uint32_t k = 0; k + 1 < c->npool; k++)
            if (c->pool[k] == lo->val && c->pool[k + 1] == hi->val)
                return c->cbase + k;
        if (c->npool + 2 <= c->pool_cap) {
            c->pool[c->npool] = lo->val;
            c->pool[c->npool + 1] = hi->val;
            c->npool += 2;
            return c->cbase + c->npool - 2;
        }
    }
    materialize(c, h);
    materialize(c, h + 1);
    return nat(c, h);
}

/* Copies entry h into `slot` (nothing when it is already there). */
static void copy_to(comp *c, uint32_t h, uint32_t slot) {
    vent *e = &c->vs[h];
    if (e->kind == V_STACK)
        emit_mov(c, slot, nat(c, h));
    else if (e->kind == V_LOCAL)
        emit_mov(c, slot, e->local);
    else if (e->kind == V_ADDI)
        emit_addi(c, slot, e->local, (uint32_t)e->val);
    else
        emit_const(c, slot, e->val);
}

/* Is the top entry the value the last instruction just wrote? */
static bool top_is_last(const comp *c) {
    if (c->last_start == NONE || c->vh == 0 || c->oom)
        return false;
    uint32_t h = c->vh - 1;
    return c->vs[h].kind == V_STACK && c->code[c->last_dst] == nat(c, h);
}

static void add_patch(comp *c, cblock *b, uint32_t instr, uint32_t word) {
    if (!grow((void **)&c->pt, &c->ptcap, c->npt + 1, sizeof *c->pt)) {
        c->oom = true;
        return;
    }
    c->pt[c->npt] = (patch){instr, word, b->patches};
    b->patches = c->npt++;
}

static void patch_here(comp *c, uint32_t instr, uint32_t word) {
    if (!c->oom)
        c->code[word] = c->len - instr;
    c->label_at = c->len;
}

static cblock *target(comp *c, uint32_t depth) { return &c->bl[c->nbl - 1 - depth]; }

static uint32_t arity(const cblock *b) { return b->kind == B_LOOP ? b->nparams : b->nresults; }

/* Resolves the offset word of a branch to label `depth`. */
static void branch_to(comp *c, uint32_t depth, uint32_t instr, uint32_t word) {
    cblock *b = target(c, depth);
    if (b->kind == B_LOOP) {
        if (!c->oom)
            c->code[word] = b->loop_pc - instr;
    } else {
        add_patch(c, b, instr, word);
    }
}

/* Does a branch to b have to move values (or return)? */
static bool needs_copy(const comp *c, const cblock *b) {
    if (b->kind == B_FUNC)
        return true;
    uint32_t n = arity(b);
    if (n == 0)
        return false;
    if (b->height != c->vh - n)
        return true;
    for (uint32_t k = c->vh - n; c->nother && k < c->vh; k++)
        if (c->vs[k].kind != V_STACK)
            return true;
    return false;
}

/* Writes into their own slots the branch values that a branch to b cannot
 * move from where they are: for a return of several values, lazy locals
 * that the moves into slots 0..n-1 would overwrite first; for more than
 * WIDE values, all of them (one MOVN moves them).  A conditional branch
 * calls this before its test, so that both paths see the same stack. */
static void prepare_branch(comp *c, const cblock *b) {
    uint32_t n = arity(b), base = c->vh - n;
    if (n > WIDE) {
        materialize_top(c, n);
    } else if (b->kind == B_FUNC && n > 1) {
        for (uint32_t k = 0; k < n; k++)
            if (is_lazy(c->vs[base + k].kind) && c->vs[base + k].local < n)
                materialize(c, base + k);
    }
}

/* Results into slots 0..n-1, then RET.  Sources never lie below their
 * destinations except lazy locals, which are written out first. */
static void emit_return(comp *c) {
    uint32_t n = c->nresults, base = c->vh - n;
    if (n == 1 && top_is_last(c)) {
        c->code[c->last_dst] = 0;
    } else {
        prepare_branch(c, &c->bl[0]);
        if (n > WIDE) {
            emit_movn(c, 0, nat(c, base), n);
        } else {
            for (uint32_t k = 0; k < n; k++)
                copy_to(c, base + k, k);
        }
    }
    emit_op(c, OP_RET);
    emit_w(c, c->rec_off);
}

/* Moves the branch values into the target's slots, in increasing order:
 * a destination never lies above its source, so none is overwritten early. */
static void emit_copies(comp *c, const cblock *b) {
    uint32_t n = arity(b);
    if (n > WIDE) {
        prepare_branch(c, b);
        emit_movn(c, nat(c, b->height), nat(c, c->vh - n), n);
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        copy_to(c, c->vh - n + k, nat(c, b->height + k));
}

static void emit_br(comp *c, uint32_t depth) {
    cblock *b = target(c, depth);
    if (b->kind == B_FUNC) {
        emit_return(c);
        return;
    }
    emit_copies(c, b);
    uint32_t at, word;
    if (mov_mergeable(c)) {
        at = c->last_mov;
        c->code[at] = (uint32_t)c->words[OP_MOV_BR];
        c->last_mov = NONE;
    } else {
        at = emit_op(c, OP_BR);
    }
    word = c->len;
    emit_w(c, 0);
    branch_to(c, depth, at, word);
}

/* Pops a condition, fusing it with the comparison that produced it. */
/* Is the top the result of the last instruction, an i32 xor or sub?  Then
 * testing it for zero is comparing its operands: sets *k to a != b. */
static bool top_is_difference(const comp *c, cond *k) {
    if (!top_is_last(c))
        return false;
    if (c->last_op != OP_I32_XOR && c->last_op != OP_I32_SUB && c->last_op != OP_I32_XOR_IMM)
        return false;
    *k = (cond){.kind = C_CMP, .idx = 1, .imm = c->last_op == OP_I32_XOR_IMM, .a = c->last_a,
                .b = c->last_b};
    return true;
}

static cond pop_cond(comp *c) {
    cond k = {.kind = C_NZ};
    if (top_is_last(c) && (c->last_kind == LK_CMP || c->last_kind == LK_EQZ)) {
        k = c->last_cmp;
        c->len = c->last_start;
    } else if (top_is_difference(c, &k)) {
        c->len = c->last_start;
    } else {
        k.a = src_slot(c, c->vh - 1);
    }
    pop(c, 1);
    c->last_start = NONE;
    return k;
}

/* Is the last instruction an I32_ADD_IMM writing `slot`, with no branch
 * target after it?  Then a branch on slot can absorb it (ADDI_BR_*). */
static bool addi_before(const comp *c, uint32_t slot) {
    uint32_t p = c->addi_at;
    return p != NONE && !c->oom && p + 4 == c->len && c->label_at != c->len &&
           c->code[p] == (uint32_t)c->words[OP_I32_ADD_IMM] && c->code[p + 1] == slot;
}

/* Emits a branch on k (negated when `invert`); returns its offset word. */
static uint32_t emit_cond(comp *c, const cond *k, bool invert, uint32_t *instr) {
    bool nz = (k->kind == C_NZ) != invert;
    if (((k->kind == C_CMP && !k->is64) || (k->kind != C_CMP && nz)) && addi_before(c, k->a)) {
        uint32_t p = c->addi_at;
        uint32_t d = c->code[p + 1], a = c->code[p + 2], imm = c->code[p + 3];
        int op = OP_ADDI_BR_NZ;
        if (k->kind == C_CMP) {
            uint32_t idx = invert ? cmp_invert[k->idx] : k->idx;
            op = (k->imm ? OP_ADDI_BR_I32_EQ_IMM : OP_ADDI_BR_I32_EQ) + (int)idx;
        }
        c->len = p;
        *instr = emit_op(c, op);
        emit_w(c, d);
        emit_w(c, a);
        emit_w(c, imm);
        if (k->kind == C_CMP)
            emit_w(c, k->b);
        uint32_t word = c->len;
        emit_w(c, 0);
        return word;
    }
    if (k->kind == C_CMP) {
        uint32_t idx = invert ? cmp_invert[k->idx] : k->idx;
        int op = k->imm ? (k->is64 ? OP_BR_I64_EQ_IMM : OP_BR_I32_EQ_IMM)
                        : (k->is64 ? OP_BR_I64_EQ : OP_BR_I32_EQ);
        *instr = emit_op(c, op + (int)idx);
        emit_w(c, k->a);
        emit_w(c, k->b);
    } else {
        *instr = emit_op(c, nz ? OP_BR_NZ : OP_BR_Z);
        emit_w(c, k->a);
    }
    uint32_t word = c->len;
    emit_w(c, 0);
    return word;
}

static void emit_unop(comp *c, int op, int kind) {
    uint32_t h = c->vh - 1;
    cond k;
    if (op == OP_I32_EQZ && top_is_difference(c, &k)) {
        /* eqz(a ^ b), eqz(a - b): a == b */
        c->len = c->last_start;
        pop(c, 1);
        push_stack(c);
        uint32_t at = emit_op(c, k.imm ? OP_I32_EQ_IMM : OP_I32_EQ);
        uint32_t dw = c->len;
        emit_w(c, nat(c, h));
        emit_w(c, k.a);
        emit_w(c, k.b);
        set_last(c, at, dw, LK_CMP);
        k.idx = 0;
        c->last_cmp = k;
        return;
    }
    uint32_t a = src_slot(c, h);
    pop(c, 1);
    push_stack(c);
    uint32_t at = emit_op(c, op);
    uint32_t dw = c->len;
    emit_w(c, nat(c, h));
    emit_w(c, a);
    set_last(c, at, dw, kind);
    if (kind == LK_EQZ)
        c->last_cmp = (cond){.kind = C_Z, .a = a};
}

static bool is_commutative(uint16_t w) {
    switch (w) {
    case FL_OP_I32_ADD: case FL_OP_I32_MUL: case FL_OP_I32_AND: case FL_OP_I32_OR:
    case FL_OP_I32_XOR: case FL_OP_I64_ADD: case FL_OP_I64_MUL: case FL_OP_I64_AND:
    case FL_OP_I64_OR: case FL_OP_I64_XOR:
        return true;
    default:
        return false;
    }
}

static bool imm_fits(uint64_t v, bool is64) {
    return !is64 || (int64_t)v == (int64_t)(int32_t)v;
}

static void emit_binop(comp *c, uint16_t w) {
    uint32_t ha = c->vh - 2, hb = c->vh - 1;
    bool is_cmp = false, is64 = false;
    uint32_t idx = 0;
    if (w >= FL_OP_I32_EQ && w <= FL_OP_I32_GE_U) {
        is_cmp = true;
        idx = w - FL_OP_I32_EQ;
    } else if (w >= FL_OP_I64_EQ && w <= FL_OP_I64_GE_U) {
        is_cmp = true;
        is64 = true;
        idx = w - FL_OP_I64_EQ;
    } else if (w >= FL_OP_I64_ADD && w <= FL_OP_I64_ROTR) {
        is64 = true;
    }
    vent *ea = &c->vs[ha], *eb = &c->vs[hb];
    uint32_t a, b;
    int op;
    bool imm = false;
    /* i32.add/sub of a constant stays lazy (V_ADDI) */
    if ((w == FL_OP_I32_ADD || w == FL_OP_I32_SUB) &&
        (eb->kind == V_CONST || (w == FL_OP_I32_ADD && ea->kind == V_CONST))) {
        uint32_t hx = eb->kind == V_CONST ? ha : hb;
        uint32_t k = (uint32_t)(eb->kind == V_CONST ? eb->val : ea->val);
        if (w == FL_OP_I32_SUB)
            k = 0u - k;
        vent *ex = &c->vs[hx];
        uint32_t base;
        if (ex->kind == V_ADDI) {
            base = ex->local;
            k += (uint32_t)ex->val;
        } else {
            base = src_slot(c, hx);
        }
        /* the result sits at height ha: it may lean on its own slot, not on
         * the one above, which the next push reuses */
        if (base == nat(c, hb))
            goto plain;
        pop(c, 2);
        vent *e = push(c, V_ADDI);
        e->local = base;
        e->val = k;
        if (!c->oom)
            c->nlazy++;
        return;
    }
    /* float arithmetic on a value just loaded: fold the load in */
    int fk = w >= FL_OP_F32_ADD && w <= FL_OP_F32_DIV   ? (int)(w - FL_OP_F32_ADD)
             : w >= FL_OP_F64_ADD && w <= FL_OP_F64_DIV ? 4 + (int)(w - FL_OP_F64_ADD)
                                                        : -1;
    /* (add and mul also when the load is the left operand and the right
     * one needed no code after it) */
    bool left = false;
    if (fk >= 0 && !top_is_last(c) && (fk & 1) == 0 && c->last_start != NONE && !c->oom &&
        ea->kind == V_STACK && c->code[c->last_dst] == nat(c, ha))
        left = true;
    if (fk >= 0 && (left || top_is_last(c))) {
        int ld = fk < 4 ? OP_LD32 : OP_LD64;
        if (c->last_op == ld || c->last_op == ld + (OP_LD32_AI - OP_LD32)) {
            bool ai = c->last_op != ld;
            uint32_t p = c->last_start;
            uint32_t addr = c->code[p + 2], x = c->code[p + 3], y = ai ? c->code[p + 4] : 0;
            c->len = p;
            a = src_slot(c, left ? hb : ha);
            pop(c, 2);
            push_stack(c);
            uint32_t at = emit_op(c, (ai ? OP_F32_ADD_MAI : OP_F32_ADD_M) + fk);
            uint32_t dw = c->len;
            emit_w(c, nat(c, ha));
            emit_w(c, a);
            emit_w(c, addr);
            emit_w(c, x);
            if (ai)
                emit_w(c, y);
            set_last(c, at, dw, LK_VAL);
            return;
        }
    }
plain:
    ea = &c->vs[ha];
    eb = &c->vs[hb];
    /* i32.add of a shifted index or of a product just computed, xor of a
     * rotation (hash rounds): one op */
    int fop = -1, fop_left = -1; /* with the last result on the right / left */
    if (c->last_start != NONE && !c->oom) {
        if (w == FL_OP_I32_ADD && c->last_op == OP_I32_SHL_IMM)
            fop = fop_left = OP_I32_ADD_SHL;
        else if (w == FL_OP_I32_ADD && c->last_op == OP_I32_MUL)
            fop = fop_left = OP_I32_ADD_MUL;
        else if (w == FL_OP_I32_XOR && c->last_op == OP_I32_ROTL_IMM)
            fop = fop_left = OP_I32_XOR_ROTL;
        else if (w == FL_OP_I64_XOR && c->last_op == OP_I64_ROTL_IMM)
            fop = fop_left = OP_I64_XOR_ROTL;
        else if (c->last_op == OP_F32_MUL && (w == FL_OP_F32_ADD || w == FL_OP_F32_SUB)) {
            fop = w == FL_OP_F32_ADD ? OP_F32_ADD_MUL : OP_F32_SUB_MUL;
            fop_left = w == FL_OP_F32_ADD ? OP_F32_ADD_MUL : OP_F32_MUL_SUB;
        } else if (c->last_op == OP_F64_MUL && (w == FL_OP_F64_ADD || w == FL_OP_F64_SUB)) {
            fop = w == FL_OP_F64_ADD ? OP_F64_ADD_MUL : OP_F64_SUB_MUL;
            fop_left = w == FL_OP_F64_ADD ? OP_F64_ADD_MUL : OP_F64_MUL_SUB;
        }
    }
    if (fop >= 0) {
        bool right = top_is_last(c);
        /* the product on the left only when the right operand is a local:
         * anything else might be written into the slot the product read */
        bool left = !right && ea->kind == V_STACK && c->code[c->last_dst] == nat(c, ha) &&
                    eb->kind == V_LOCAL;
        if (right || left) {
            if (left)
                fop = fop_left;
            uint32_t x = c->last_a, y = c->last_b;
            c->len = c->last_start;
            a = src_slot(c, right ? ha : hb);
            pop(c, 2);
            push_stack(c);
            uint32_t at = emit_op(c, fop);
            uint32_t dw = c->len;
            emit_w(c, nat(c, ha));
            emit_w(c, a);
            emit_w(c, x);
            emit_w(c, y);
            set_last(c, at, dw, LK_VAL);
            return;
        }
    }
    if (immop_map[w] && eb->kind == V_CONST && imm_fits(eb->val, is64)) {
        imm = true;
        b = (uint32_t)eb->val;
        a = src_slot(c, ha);
        op = immop_map[w];
    } else if (immop_map[w] && ea->kind == V_CONST && eb->kind != V_CONST &&
               imm_fits(ea->val, is64) && (is_cmp || is_commutative(w))) {
        imm = true;
        b = (uint32_t)ea->val;
        a = src_slot(c, hb);
        if (is_cmp) {
            idx = cmp_swap[idx];
            w = (uint16_t)((is64 ? FL_OP_I64_EQ : FL_OP_I32_EQ) + idx);
        }
        op = immop_map[w];
    } else {
        a = src_slot(c, ha);
        b = src_slot(c, hb);
        op = binop_map[w];
    }
    pop(c, 2);
    push_stack(c);
    uint32_t at = emit_op(c, op);
    uint32_t dw = c->len;
    emit_w(c, nat(c, ha));
    emit_w(c, a);
    emit_w(c, b);
    set_last(c, at, dw, is_cmp ? LK_CMP : LK_VAL);
    if (op == OP_I32_ADD_IMM)
        c->addi_at = at;
    c->last_op = op;
    c->last_a = a;
    c->last_b = b;
    if (is_cmp)
        c->last_cmp = (cond){.kind = C_CMP, .idx = idx, .is64 = is64, .imm = imm, .a = a, .b = b};
}

/* Enters a block: values the block body could change or branch over must sit
 * in their own slots (lazy locals anywhere, and the block's params). */
static void enter_block(comp *c, uint8_t kind, const cblock *bt) {
    uint32_t np = bt->nparams;
    materialize_all_locals(c);
    materialize_top(c, np);
    if (!grow((void **)&c->bl, &c->blcap, c->nbl + 1, sizeof *c->bl)) {
        c->oom = true;
        return;
    }
    cblock *b = &c->bl[c->nbl++];
    *b = *bt;
    b->kind = kind;
    b->height = c->vh - np;
    b->loop_pc = c->len;
    b->else_instr = NONE;
    b->patches = NONE;
    c->last_start = NONE;
    if (kind == B_LOOP)
        c->label_at = c->len;
}

/* Values at the end of a reachable arm go to the block's result slots. */
static void settle_results(comp *c, const cblock *b) {
    if (!c->nother && c->vh - b->nresults == b->height)
        return; /* all in place already */
    for (uint32_t k = 0; k < b->nresults; k++)
        copy_to(c, c->vh - b->nresults + k, nat(c, b->height + k));
}

/* The stack at a block's start (params) or end (results): height, then
 * n slots of the given types in their own slots. */
static void reset_stack(comp *c, uint32_t height, uint32_t n, const uint8_t *types,
                        uint32_t ntypes) {
    pop(c, c->vh - height);
    push_n(c, n);
    mark_types(c, height, types, ntypes);
}

/* A byte per value type, for a block type of one result to point at. */
static const uint8_t valtype_bytes[256] = {
    [FL_I32] = FL_I32, [FL_I64] = FL_I64, [FL_F32] = FL_F32, [FL_F64] = FL_F64,
    [FL_V128] = FL_V128, [FL_FUNCREF] = FL_FUNCREF, [FL_EXTERNREF] = FL_EXTERNREF,
};

/* Reads a block type into bt's params and results (slots and types). */
static int read_blocktype(comp *c, fl_reader *r, cblock *bt) {
    int64_t v = 0;
    if (fl_read_sleb(r, 33, &v, c->err) < 0)
        return -1;
    *bt = (cblock){0};
    if (v == -64)
        return 0;
    if (v < 0) {
        bt->rtypes = &valtype_bytes[v & 0x7f];
        bt->nrtypes = 1;
        bt->nresults = fl_valtype_slots((uint8_t)(v & 0x7f));
        return 0;
    }
    const fl_functype *t = &c->m->types[v];
    bt->ptypes = t->params;
    bt->nptypes = t->nparams;
    bt->nparams = t->param_slots;
    bt->rtypes = t->results;
    bt->nrtypes = t->nresults;
    bt->nresults = t->result_slots;
    return 0;
}

/* Skips the immediates of an instruction in dead code. */
static int skip_imm(comp *c, fl_reader *r, uint32_t op) {
    uint32_t u;
    int64_t s;
    uint8_t b;
    switch (op_imm[op]) {
    case IMM_NONE:
        return 0;
    case IMM_BLOCKTYPE:
        return fl_read_sleb(r, 33, &s, c->err);
    case IMM_I32:
        return fl_read_sleb(r, 32, &s, c->err);
    case IMM_I64:
        return fl_read_sleb(r, 64, &s, c->err);
    case IMM_F32:
        return fl_read_bytes(r, &u, 4, c->err);
    case IMM_F64:
        return fl_read_bytes(r, &s, 8, c->err);
    case IMM_MEMIDX:
    case IMM_REFTYPE:
        return fl_read_u8(r, &b, c->err);
    case IMM_MEMORY_COPY:
        if (fl_read_u8(r, &b, c->err) < 0)
            return -1;
        return fl_read_u8(r, &b, c->err);
    case IMM_MEMORY_INIT:
        if (fl_read_u32(r, &u, c->err) < 0)
            return -1;
        return fl_read_u8(r, &b, c->err);
    case IMM_MEMARG:
    case IMM_CALL_INDIRECT:
    case IMM_TABLE_INIT:
    case IMM_TABLE_COPY:
        if (fl_read_u32(r, &u, c->err) < 0)
            return -1;
        return fl_read_u32(r, &u, c->err);
    case IMM_BR_TABLE: {
        uint32_t n;
        if (fl_read_u32(r, &n, c->err) < 0)
            return -1;
        for (uint32_t i = 0; i <= n; i++)
            if (fl_read_u32(r, &u, c->err) < 0)
                return -1;
        return 0;
    }
    case IMM_SELECT_T: {
        uint32_t n;
        if (fl_read_u32(r, &n, c->err) < 0)
            return -1;
        for (uint32_t i = 0; i < n; i++)
            if (fl_read_u8(r, &b, c->err) < 0)
                return -1;
        return 0;
    }
    default: /* one u32: label, func, local, global, table, data, elem */
        return fl_read_u32(r, &u, c->err);
    }
}

/* Skips the immediates of SIMD instruction `sub` (its sub-opcode read). */
static int skip_simd_imm(comp *c, fl_reader *r, uint32_t sub) {
    uint32_t u;
    uint8_t b[16];
    switch (fl_simd_opinfo_table[sub].imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (fl_read_u32(r, &u, c->err) < 0 || fl_read_u32(r, &u, c->err) < 0)
            return -1;
        return fl_simd_opinfo_table[sub].imm == IMM_MEMARG_LANE ? fl_read_u8(r, b, c->err) : 0;
    case IMM_LANE:
        return fl_read_u8(r, b, c->err);
    case IMM_V128:
    case IMM_SHUFFLE:
        return fl_read_bytes(r, b, 16, c->err);
    default:
        return 0;
    }
}

static int do_else(comp *c) {
    cblock *b = &c->bl[c->nbl - 1];
    if (!c->unreachable) {
        settle_results(c, b);
        uint32_t at = emit_op(c, OP_BR);
        uint32_t word = c->len;
        emit_w(c, 0);
        add_patch(c, b, at, word);
    }
    if (b->else_instr != NONE)
        patch_here(c, b->else_instr, b->else_word);
    b->else_instr = NONE;
    reset_stack(c, b->height, b->nparams, b->ptypes, b->nptypes);
    c->unreachable = false;
    c->last_start = NONE;
    return 0;
}

/* Returns 1 when the function's final end was reached. */
static int do_end(comp *c) {
    cblock *b = &c->bl[c->nbl - 1];
    if (b->kind == B_FUNC) {
        if (!c->unreachable)
            emit_return(c);
        c->nbl--;
        return 1;
    }
    if (!c->unreachable)
        settle_results(c, b);
    bool reachable = !c->unreachable || b->patches != NONE;
    if (b->else_instr != NONE) { /* an if without else: the false path */
        patch_here(c, b->else_instr, b->else_word);
        reachable = true;
    }
    for (uint32_t p = b->patches; p != NONE; p = c->pt[p].next)
        patch_here(c, c->pt[p].instr, c->pt[p].word);
    reset_stack(c, b->height, b->nresults, b->rtypes, b->nrtypes);
    c->nbl--;
    c->unreachable = !reachable;
    c->last_start = NONE;
    return 0;
}

/* br_table over labels[0..n] (the default last).  Every target takes the
 * same number of values, so what a label needs is worked out once per
 * distinct label (its stub, stamped with this br_table): T targets cost T
 * plus the moves of the distinct labels, and wide branches are one MOVN
 * each after the values are written out once, here, on every path. */
static void emit_br_table(comp *c, uint32_t n, const uint32_t *labels) {
    uint32_t is = src_slot(c, c->vh - 1);
    pop(c, 1);
    uint32_t k = arity(target(c, labels[n]));
    bool to_func = false;
    for (uint32_t i = 0; i <= n; i++)
        to_func |= labels[i] == c->nbl - 1;
    if (to_func)
        prepare_branch(c, &c->bl[0]);
    else if (k > WIDE)
        materialize_top(c, k);
    bool top_in_place = true; /* the top k entries are in their own slots */
    for (uint32_t h = c->vh - k; c->nother && h < c->vh; h++)
        top_in_place &= c->vs[h].kind == V_STACK;
    uint32_t at = emit_op(c, OP_BR_TABLE);
    emit_w(c, is);
    emit_w(c, n);
    uint32_t w0 = c->len;
    for (uint32_t i = 0; i <= n; i++)
        emit_w(c, 0);
    if (c->nbl > c->stubcap) {
        uint32_t old = c->stubcap;
        if (!grow((void **)&c->stubs, &c->stubcap, c->nbl, sizeof *c->stubs)) {
            c->oom = true;
            return;
        }
        memset(c->stubs + old, 0, (size_t)(c->stubcap - old) * sizeof *c->stubs);
    }
    if (c->oom)
        return;
    uint32_t stamp = ++c->br_stamp;
    for (uint32_t i = 0; i <= n; i++) {
        struct stub *s = &c->stubs[labels[i]];
        if (s->stamp != stamp) {
            const cblock *b = target(c, labels[i]);
            *s = (struct stub){stamp, NONE,
                               b->kind == B_FUNC ||
                                   (k > 0 && (b->height != c->vh - k || !top_in_place))};
        }
        if (!s->copy)
            branch_to(c, labels[i], at, w0 + i);
    }
    /* Targets that need moves get a stub each, shared by equal labels. */
    for (uint32_t i = 0; i <= n; i++) {
        struct stub *s = &c->stubs[labels[i]];
        if (!s->copy)
            continue;
        if (s->off != NONE) {
            c->code[w0 + i] = s->off;
            continue;
        }
        c->code[w0 + i] = s->off = c->len - at;
        c->label_at = c->len;
        emit_br(c, labels[i]);
        if (c->oom)
            return;
    }
}

static void emit_call(comp *c, int op, const fl_functype *t, uint32_t a1, uint32_t a2,
                      bool indirect) {
    uint32_t np = t->param_slots;
    uint32_t elem = 0;
    if (indirect) {
        elem = src_slot(c, c->vh - 1);
        pop(c, 1);
    }
    materialize_top(c, np);
    uint32_t base = nat(c, c->vh - np);
    pop(c, np);
    emit_op(c, op);
    emit_w(c, a1);
    if (indirect)
        emit_w(c, a2);
    emit_w(c, base);
    if (indirect)
        emit_w(c, elem);
    uint32_t h = c->vh;
    push_n(c, t->result_slots);
    mark_types(c, h, t->results, t->nresults);
}

/* Is entry h the result of the last instruction, an i32.add of a constant?
 * Then an access can fold the add in (the NAME_AI ops). */
static bool is_last_addi(const comp *c, uint32_t h) {
    return c->last_start != NONE && !c->oom && c->last_op == OP_I32_ADD_IMM &&
           c->vs[h].kind == V_STACK && c->code[c->last_dst] == nat(c, h);
}

static void emit_load(comp *c, int op, uint32_t offset) {
    uint32_t h = c->vh - 1;
    vent *e = &c->vs[h];
    if (e->kind == V_ADDI || is_last_addi(c, h)) {
        uint32_t a, imm;
        if (e->kind == V_ADDI) {
            a = e->local;
            imm = (uint32_t)e->val;
        } else {
            a = c->last_a;
            imm = c->last_b;
            c->len = c->last_start;
        }
        pop(c, 1);
        push_stack(c);
        uint32_t at = emit_op(c, op + (OP_LD32_AI - OP_LD32));
        uint32_t dw = c->len;
        emit_w(c, nat(c, h));
        emit_w(c, a);
        emit_w(c, imm);
        emit_w(c, offset);
        set_last(c, at, dw, LK_VAL);
        c->last_op = op + (OP_LD32_AI - OP_LD32);
        return;
    }
    uint32_t a = src_slot(c, h);
    pop(c, 1);
    push_stack(c);
    uint32_t at = emit_op(c, op);
    uint32_t dw = c->len;
    emit_w(c, nat(c, h));
    emit_w(c, a);
    emit_w(c, offset);
    set_last(c, at, dw, LK_VAL);
    c->last_op = op;
}

static void emit_store(comp *c, int op, uint32_t offset) {
    uint32_t v = src_slot(c, c->vh - 1);
    vent *e = &c->vs[c->vh - 2];
    if (e->kind == V_ADDI || is_last_addi(c, c->vh - 2)) {
        uint32_t a, imm;
        if (e->kind == V_ADDI) {
            a = e->local;
            imm = (uint32_t)e->val;
        } else {
            a = c->last_a;
            imm = c->last_b;
            c->len = c->last_start;
        }
        pop(c, 2);
        emit_op(c, op + (OP_LD32_AI - OP_LD32));
        emit_w(c, a);
        emit_w(c, imm);
        emit_w(c, v);
        emit_w(c, offset);
        return;
    }
    uint32_t a = src_slot(c, c->vh - 2);
    pop(c, 2);
    emit_op(c, op);
    emit_w(c, a);
    emit_w(c, v);
    emit_w(c, offset);
}

/* Pops n operands into slots (deepest first) and emits op with them, after
 * `pre` leading immediates; pushes a result slot first when `result`. */
static void emit_n(comp *c, int op, uint32_t n, bool result, uint32_t npre, uint32_t pre0,
                   uint32_t pre1) {
    uint32_t s[4];
    for (uint32_t k = 0; k < n; k++)
        s[k] = src_slot(c, c->vh - n + k);
    pop(c, n);
    uint32_t d = nat(c, c->vh);
    if (result)
        push_stack(c);
    emit_op(c, op);
    if (result)
        emit_w(c, d);
    if (npre > 0)
        emit_w(c, pre0);
    if (npre > 1)
        emit_w(c, pre1);
    for (uint32_t k = 0; k < n; k++)
        emit_w(c, s[k]);
}

/* Writes entry h into the local slot x; with `tee` the entry stays (as a
 * read of x when it was lazy).  `may_fwd`: h is the top and may be the
 * last instruction's result, which is then retargeted into x. */
static void set_slot_from(comp *c, uint32_t x, uint32_t h, bool tee, bool may_fwd) {
    bool fwd = may_fwd && top_is_last(c);
    if (c->nlazy) {
        uint32_t before = c->len;
        materialize_refs(c, x, h);
        if (c->len != before)
            fwd = false;
    }
    vent *e = &c->vs[h];
    if (e->kind == V_LOCAL) {
        emit_mov(c, x, e->local);
    } else if (e->kind == V_ADDI) {
        emit_addi(c, x, e->local, (uint32_t)e->val);
        if (tee) {
            e->kind = V_LOCAL;
            e->local = x;
        }
    } else if (e->kind == V_CONST) {
        emit_const(c, x, e->val);
    } else if (fwd) {
        c->code[c->last_dst] = x;
        c->last_start = NONE;
        if (tee) {
            e->kind = V_LOCAL;
            e->local = x;
            c->nlazy++;
            c->nother++;
        }
    } else {
        emit_mov(c, x, nat(c, h));
    }
}

static void do_local_set(comp *c, uint32_t x, bool tee) {
    uint32_t slot = local_slot(c, x);
    if (local_wide(c, x)) { /* a v128: its high half is on top */
        set_slot_from(c, slot + 1, c->vh - 1, tee, false);
        set_slot_from(c, slot, c->vh - 2, tee, false);
        if (!tee)
            pop(c, 2);
        return;
    }
    set_slot_from(c, slot, c->vh - 1, tee, true);
    if (!tee)
        pop(c, 1);
}

/* A SIMD instruction (sub-opcode read, immediates next): its operands in
 * slots by its signature (a v128 in two adjacent ones), then one handler
 * per shape calling simd.c; v128.const stays lazy as two constants.  Like
 * every other instruction of a v128 it sets no peephole state. */
static int emit_simd(comp *c, fl_reader *r, uint32_t sub) {
    const fl_simd_opinfo *info = &fl_simd_opinfo_table[sub];
    uint32_t align = 0, offset = 0;
    uint8_t lane = 0, bytes[16];
    fl_error *err = c->err;
    switch (info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (fl_read_u32(r, &align, err) < 0 || fl_read_u32(r, &offset, err) < 0)
            return -1;
        if (info->imm == IMM_MEMARG_LANE && fl_read_u8(r, &lane, err) < 0)
            return -1;
        break;
    case IMM_LANE:
        if (fl_read_u8(r, &lane, err) < 0)
            return -1;
        break;
    case IMM_V128:
    case IMM_SHUFFLE:
        if (fl_read_bytes(r, bytes, 16, err) < 0)
            return -1;
        break;
    default:
        break;
    }
    if (sub == FL_SIMD_V128_CONST) {
        uint64_t lo, hi;
        memcpy(&lo, bytes, 8);
        memcpy(&hi, bytes + 8, 8);
        vent *e = push(c, V_CONST);
        e->val = lo;
        e->wide = W_LO;
        e = push(c, V_CONST);
        e->val = hi;
        e->wide = W_HI;
        return 0;
    }

    /* operands, deepest first, from the signature "params:result" */
    const char *colon = strchr(info->sig, ':');
    uint32_t nops = (uint32_t)(colon - info->sig), s[3], h = c->vh;
    for (uint32_t k = nops; k-- > 0;) {
        h -= info->sig[k] == 'V' ? 2 : 1;
        s[k] = info->sig[k] == 'V' ? v128_src(c, h) : src_slot(c, h);
    }
    pop(c, c->vh - h);
    uint32_t d = nat(c, h);
    if (colon[1] == 'V')
        push_v128(c);
    else if (colon[1])
        push_stack(c);

    bool mem = info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE;
    uint32_t size = mem ? fl_simd_access_size(sub) : 0; /* bytes a memory access touches */
    bool to_v128 = colon[1] == 'V';
    int op;
    switch (info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (!to_v128) { /* v128.store, v128.storeN_lane: addr v */
            emit_op(c, OP_V_STORE);
            emit_w(c, s[0]);
            emit_w(c, s[1]);
            emit_w(c, offset);
            emit_w(c, size);
            emit_w(c, lane);
            emit_w(c, sub);
            return 0;
        }
        emit_op(c, info->imm == IMM_MEMARG ? OP_V_LOAD : OP_V_LOAD_LANE);
        emit_w(c, d);
        for (uint32_t k = 0; k < nops; k++)
            emit_w(c, s[k]);
        emit_w(c, offset);
        emit_w(c, size);
        if (info->imm == IMM_MEMARG_LANE)
            emit_w(c, lane);
        emit_w(c, sub);
        return 0;
    case IMM_SHUFFLE:
        emit_op(c, OP_V_SHUFFLE);
        emit_w(c, d);
        emit_w(c, s[0]);
        emit_w(c, s[1]);
        for (uint32_t k = 0; k < 4; k++) {
            uint32_t w;
            memcpy(&w, bytes + 4 * k, 4);
            emit_w(c, w);
        }
        return 0;
    default:
        break;
    }
    /* the shapes without memory: lane, shift and arithmetic */
    if (!to_v128)
        op = OP_V_EXTRACT; /* extract_lane, any_true, all_true, bitmask */
    else if (nops == 1 && info->sig[0] != 'V')
        op = OP_V_SPLAT;
    else if (nops == 2 && info->sig[1] != 'V')
        op = OP_V_REPLACE; /* replace_lane and shifts */
    else
        op = nops == 1 ? OP_V_UN : nops == 2 ? OP_V_BIN : OP_V_TERN;
    emit_op(c, op);
    emit_w(c, d);
    for (uint32_t k = 0; k < nops; k++)
        emit_w(c, s[k]);
    if (op == OP_V_EXTRACT || op == OP_V_REPLACE)
        emit_w(c, lane);
    emit_w(c, sub);
    return 0;
}

/* The interned id of type `index`: from the module (fl_module_load interns
 * each type once; interning takes a process-wide lock), else interned here
 * once per type and module. */
static uint32_t type_id(comp *c, uint32_t index) {
    if (c->m->type_ids)
        return c->m->type_ids[index];
    if (!c->type_ids) {
        c->type_ids = calloc(c->m->ntypes, sizeof *c->type_ids);
        if (!c->type_ids) {
            c->oom = true;
            return 0;
        }
    }
    if (!c->type_ids[index])
        c->type_ids[index] = fl_type_intern(&c->m->types[index]);
    return c->type_ids[index];
}

static int compile_body(comp *c, const fl_func *f) {
    fl_reader rd = {f->code, f->code + f->code_len, c->m->binary};
    fl_reader *r = &rd;
    fl_error *err = c->err;
    uint32_t dead = 0; /* nesting depth of blocks inside dead code */
    const fl_module *m = c->m;

    for (uint32_t count = 1;; count++) {
        if (c->oom)
            return fl_error_set(err, fl_reader_offset(r), "out of memory");
        if ((count & 0xfff) == 0 && fl_load_interrupted(c->opts))
            return fl_error_set(err, fl_reader_offset(r), "loading interrupted");
        uint8_t byte;
        if (fl_read_u8(r, &byte, err) < 0)
            return -1;
        uint32_t op = byte;
        if (byte == 0xfc) {
            uint32_t sub;
            if (fl_read_u32(r, &sub, err) < 0)
                return -1;
            op = 0x100 + sub;
            if (op >= FL_OP_COUNT)
                return fl_error_set(err, fl_reader_offset(r), "illegal opcode");
        } else if (byte == 0xfd) {
            uint32_t sub;
            if (fl_read_u32(r, &sub, err) < 0)
                return -1;
            if (sub >= FL_SIMD_COUNT || !fl_simd_opinfo_table[sub].name)
                return fl_error_set(err, fl_reader_offset(r), "illegal opcode");
            if (c->unreachable ? skip_simd_imm(c, r, sub) < 0 : emit_simd(c, r, sub) < 0)
                return -1;
            continue;
        }

        if (c->unreachable) {
            if (op == FL_OP_BLOCK || op == FL_OP_LOOP || op == FL_OP_IF) {
                dead++;
            } else if (op == FL_OP_END) {
                if (dead) {
                    dead--;
                    continue;
                }
            } else if (op == FL_OP_ELSE) {
                if (dead)
                    continue;
            }
            if (op != FL_OP_END && op != FL_OP_ELSE) {
                if (skip_imm(c, r, op) < 0)
                    return -1;
                continue;
            }
        }

        uint32_t u1 = 0, u2 = 0;
        switch (op) {
        case FL_OP_UNREACHABLE:
            emit_op(c, OP_UNREACHABLE);
            c->unreachable = true;
            break;
        case FL_OP_NOP:
            break;
        case FL_OP_BLOCK:
        case FL_OP_LOOP: {
            cblock bt;
            if (read_blocktype(c, r, &bt) < 0)
                return -1;
            enter_block(c, op == FL_OP_LOOP ? B_LOOP : B_BLOCK, &bt);
            break;
        }
        case FL_OP_IF: {
            cblock bt;
            if (read_blocktype(c, r, &bt) < 0)
                return -1;
            cond k = pop_cond(c);
            enter_block(c, B_IF, &bt);
            if (c->oom)
                break;
            cblock *b = &c->bl[c->nbl - 1];
            b->else_word = emit_cond(c, &k, true, &b->else_instr);
            break;
        }
        case FL_OP_ELSE:
            do_else(c);
            break;
        case FL_OP_END:
            if (do_end(c))
                return 0;
            break;
        case FL_OP_BR:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_br(c, u1);
            c->unreachable = true;
            break;
        case FL_OP_BR_IF: {
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            cond k = pop_cond(c);
            uint32_t at, word;
            if (needs_copy(c, target(c, u1)))
                prepare_branch(c, target(c, u1));
            if (!needs_copy(c, target(c, u1))) {
                word = emit_cond(c, &k, false, &at);
                branch_to(c, u1, at, word);
            } else {
                word = emit_cond(c, &k, true, &at);
                emit_br(c, u1);
                patch_here(c, at, word);
            }
            c->last_start = NONE;
            break;
        }
        case FL_OP_BR_TABLE: {
            uint32_t n;
            if (fl_read_u32(r, &n, err) < 0)
                return -1;
            if (!grow((void **)&c->scratch, &c->scap, n + 1, sizeof *c->scratch))
                return fl_error_set(err, fl_reader_offset(r), "out of memory");
            for (uint32_t i = 0; i <= n; i++)
                if (fl_read_u32(r, &c->scratch[i], err) < 0)
                    return -1;
            emit_br_table(c, n, c->scratch);
            c->unreachable = true;
            break;
        }
        case FL_OP_RETURN:
            emit_return(c);
            c->unreachable = true;
            break;
        case FL_OP_CALL: {
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            const fl_functype *t = &m->types[m->func_type_indices[u1]];
            emit_call(c, OP_CALL, t, u1, 0, false);
            break;
        }
        case FL_OP_CALL_INDIRECT: {
            if (fl_read_u32(r, &u1, err) < 0 || fl_read_u32(r, &u2, err) < 0)
                return -1;
            const fl_functype *t = &m->types[u1];
            emit_call(c, OP_CALL_INDIRECT, t, type_id(c, u1), u2, true);
            break;
        }
        case FL_OP_DROP:
            pop(c, top_is_wide(c) ? 2 : 1);
            break;
        case FL_OP_SELECT_T:
            if (skip_imm(c, r, op) < 0)
                return -1;
            /* fall through */
        case FL_OP_SELECT: {
            if (c->vh >= 5 && c->vs[c->vh - 2].wide == W_HI) {
                /* v128 operands: one SELECT per half */
                uint32_t h = c->vh - 5;
                uint32_t sc = src_slot(c, h + 4), sb = v128_src(c, h + 2), sa = v128_src(c, h);
                pop(c, 5);
                push_v128(c);
                for (uint32_t k = 0; k < 2; k++) {
                    emit_op(c, OP_SELECT);
                    emit_w(c, nat(c, h) + k);
                    emit_w(c, sa + k);
                    emit_w(c, sb + k);
                    emit_w(c, sc);
                }
                break;
            }
            uint32_t h = c->vh - 3;
            uint32_t sc = src_slot(c, h + 2), sb = src_slot(c, h + 1), sa = src_slot(c, h);
            pop(c, 3);
            push_stack(c);
            uint32_t at = emit_op(c, OP_SELECT);
            uint32_t dw = c->len;
            emit_w(c, nat(c, h));
            emit_w(c, sa);
            emit_w(c, sb);
            emit_w(c, sc);
            set_last(c, at, dw, LK_VAL);
            break;
        }
        case FL_OP_LOCAL_GET: {
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            uint32_t slot = local_slot(c, u1);
            bool wide = local_wide(c, u1);
            for (uint32_t k = 0; k <= (uint32_t)wide; k++) {
                vent *e = push(c, V_LOCAL);
                e->local = slot + k;
                e->wide = wide ? (uint8_t)(W_LO + k) : W_NONE;
                if (!c->oom)
                    c->nlazy++;
            }
            break;
        }
        case FL_OP_LOCAL_SET:
        case FL_OP_LOCAL_TEE:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            do_local_set(c, u1, op == FL_OP_LOCAL_TEE);
            break;
        case FL_OP_GLOBAL_GET: {
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            if (c->simd && fl_module_global_type(m, u1).valtype == FL_V128) {
                push_v128(c);
                emit_op(c, OP_GLOBAL_GET_V);
                emit_w(c, nat(c, c->vh - 2));
                emit_w(c, u1);
                break;
            }
            push_stack(c);
            uint32_t at = emit_op(c, OP_GLOBAL_GET);
            uint32_t dw = c->len;
            emit_w(c, nat(c, c->vh - 1));
            emit_w(c, u1);
            set_last(c, at, dw, LK_VAL);
            break;
        }
        case FL_OP_GLOBAL_SET: {
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            if (c->simd && fl_module_global_type(m, u1).valtype == FL_V128) {
                uint32_t s = v128_src(c, c->vh - 2);
                pop(c, 2);
                emit_op(c, OP_GLOBAL_SET_V);
                emit_w(c, s);
                emit_w(c, u1);
                break;
            }
            uint32_t s = src_slot(c, c->vh - 1);
            pop(c, 1);
            emit_op(c, OP_GLOBAL_SET);
            emit_w(c, s);
            emit_w(c, u1);
            break;
        }
        case FL_OP_TABLE_GET:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_GET, 1, true, 1, u1, 0);
            break;
        case FL_OP_TABLE_SET:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_SET, 2, false, 1, u1, 0);
            break;

        case FL_OP_I32_LOAD:
        case FL_OP_I64_LOAD:
        case FL_OP_F32_LOAD:
        case FL_OP_F64_LOAD:
        case FL_OP_I32_LOAD8_S:
        case FL_OP_I32_LOAD8_U:
        case FL_OP_I32_LOAD16_S:
        case FL_OP_I32_LOAD16_U:
        case FL_OP_I64_LOAD8_S:
        case FL_OP_I64_LOAD8_U:
        case FL_OP_I64_LOAD16_S:
        case FL_OP_I64_LOAD16_U:
        case FL_OP_I64_LOAD32_S:
        case FL_OP_I64_LOAD32_U:
        case FL_OP_I32_STORE:
        case FL_OP_I64_STORE:
        case FL_OP_F32_STORE:
        case FL_OP_F64_STORE:
        case FL_OP_I32_STORE8:
        case FL_OP_I32_STORE16:
        case FL_OP_I64_STORE8:
        case FL_OP_I64_STORE16:
        case FL_OP_I64_STORE32: {
            if (fl_read_u32(r, &u1, err) < 0 || fl_read_u32(r, &u2, err) < 0)
                return -1;
            static const uint8_t mem_ops[] = {
                OP_LD32,     OP_LD64,     OP_LD32,    OP_LD64,    OP_LD8_S32, OP_LD8_U32,
                OP_LD16_S32, OP_LD16_U32, OP_LD8_S64, OP_LD8_U64, OP_LD16_S64, OP_LD16_U64,
                OP_LD32_S64, OP_LD32_U64, OP_ST32,    OP_ST64,    OP_ST32,    OP_ST64,
                OP_ST8,      OP_ST16,     OP_ST8,     OP_ST16,    OP_ST32,
            };
            int iop = mem_ops[op - FL_OP_I32_LOAD];
            if (op <= FL_OP_I64_LOAD32_U)
                emit_load(c, iop, u2);
            else
                emit_store(c, iop, u2);
            break;
        }
        case FL_OP_MEMORY_SIZE:
            if (skip_imm(c, r, op) < 0)
                return -1;
            emit_n(c, OP_MEMORY_SIZE, 0, true, 0, 0, 0);
            break;
        case FL_OP_MEMORY_GROW:
            if (skip_imm(c, r, op) < 0)
                return -1;
            emit_n(c, OP_MEMORY_GROW, 1, true, 0, 0, 0);
            break;

        case FL_OP_I32_CONST: {
            int32_t v = 0;
            if (fl_read_s32(r, &v, err) < 0)
                return -1;
            push(c, V_CONST)->val = (uint32_t)v;
            break;
        }
        case FL_OP_I64_CONST: {
            int64_t v = 0;
            if (fl_read_s64(r, &v, err) < 0)
                return -1;
            push(c, V_CONST)->val = (uint64_t)v;
            break;
        }
        case FL_OP_F32_CONST: {
            uint32_t v = 0;
            if (fl_read_bytes(r, &v, 4, err) < 0)
                return -1;
            push(c, V_CONST)->val = v;
            break;
        }
        case FL_OP_F64_CONST: {
            uint64_t v = 0;
            if (fl_read_bytes(r, &v, 8, err) < 0)
                return -1;
            push(c, V_CONST)->val = v;
            break;
        }

        /* no-ops on the slot bits */
        case FL_OP_I32_WRAP_I64: {
            vent *e = &c->vs[c->vh - 1];
            if (e->kind == V_CONST)
                e->val = (uint32_t)e->val;
            break;
        }
        case FL_OP_I32_REINTERPRET_F32:
        case FL_OP_I64_REINTERPRET_F64:
        case FL_OP_F32_REINTERPRET_I32:
        case FL_OP_F64_REINTERPRET_I64:
            break;

        case FL_OP_REF_NULL:
            if (skip_imm(c, r, op) < 0)
                return -1;
            push(c, V_CONST)->val = 0;
            break;
        case FL_OP_REF_IS_NULL:
            emit_unop(c, OP_I64_EQZ, LK_VAL);
            break;
        case FL_OP_REF_FUNC:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_REF_FUNC, 0, true, 1, u1, 0);
            break;

        case FL_OP_MEMORY_INIT:
            if (fl_read_u32(r, &u1, err) < 0 || skip_imm(c, r, FL_OP_MEMORY_SIZE) < 0)
                return -1;
            emit_n(c, OP_MEMORY_INIT, 3, false, 1, u1, 0);
            break;
        case FL_OP_DATA_DROP:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_op(c, OP_DATA_DROP);
            emit_w(c, u1);
            break;
        case FL_OP_MEMORY_COPY:
            if (skip_imm(c, r, op) < 0)
                return -1;
            emit_n(c, OP_MEMORY_COPY, 3, false, 0, 0, 0);
            break;
        case FL_OP_MEMORY_FILL:
            if (skip_imm(c, r, op) < 0)
                return -1;
            emit_n(c, OP_MEMORY_FILL, 3, false, 0, 0, 0);
            break;
        case FL_OP_TABLE_INIT:
            if (fl_read_u32(r, &u1, err) < 0 || fl_read_u32(r, &u2, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_INIT, 3, false, 2, u1, u2);
            break;
        case FL_OP_ELEM_DROP:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_op(c, OP_ELEM_DROP);
            emit_w(c, u1);
            break;
        case FL_OP_TABLE_COPY:
            if (fl_read_u32(r, &u1, err) < 0 || fl_read_u32(r, &u2, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_COPY, 3, false, 2, u1, u2);
            break;
        case FL_OP_TABLE_GROW:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_GROW, 2, true, 1, u1, 0);
            break;
        case FL_OP_TABLE_SIZE:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_SIZE, 0, true, 1, u1, 0);
            break;
        case FL_OP_TABLE_FILL:
            if (fl_read_u32(r, &u1, err) < 0)
                return -1;
            emit_n(c, OP_TABLE_FILL, 3, false, 1, u1, 0);
            break;

        default:
            if (op == FL_OP_I32_EQZ) {
                emit_unop(c, OP_I32_EQZ, LK_EQZ);
            } else if (unop_map[op]) {
                emit_unop(c, unop_map[op], LK_VAL);
            } else if (binop_map[op]) {
                emit_binop(c, (uint16_t)op);
            } else {
                return fl_error_set(err, fl_reader_offset(r), "illegal opcode %#x", op);
            }
            break;
        }
    }
}

/* How many constants the body has (an upper bound for the pool). */
static uint32_t count_consts(comp *c, const fl_func *f) {
    fl_reader r = {f->code, f->code + f->code_len, c->m->binary};
    fl_error scratch;
    fl_error *saved = c->err;
    uint32_t n = 0;
    c->err = &scratch;
    while (r.pos < r.end) {
        uint8_t byte;
        uint32_t op;
        if (fl_read_u8(&r, &byte, c->err) < 0)
            break;
        op = byte;
        if (byte == 0xfd) {
            uint32_t sub;
            if (fl_read_u32(&r, &sub, c->err) < 0 || sub >= FL_SIMD_COUNT)
                break;
            n += sub == FL_SIMD_V128_CONST ? 2 : 0;
            if (skip_simd_imm(c, &r, sub) < 0)
                break;
            continue;
        }
        if (byte == 0xfc) {
            if (fl_read_u32(&r, &op, c->err) < 0)
                break;
            op += 0x100;
        }
        if (op >= FL_OP_COUNT)
            break;
        if (op >= FL_OP_I32_CONST && op <= FL_OP_F64_CONST)
            n++;
        if (skip_imm(c, &r, op) < 0)
            break;
    }
    c->err = saved;
    return n;
}

/* Pool size cap: constants beyond it are written to stack slots instead. */
#define MAX_POOL 64

/* A SIMD module's function: the first slot of each param and local
 * (c->lslot, one more entry than locals), when any of them is a v128;
 * *nl gets the slots they take.  Returns -1 when out of memory. */
static int local_slots(comp *c, const fl_func *f, const fl_functype *t, uint32_t *nl) {
    bool any = t->param_slots != t->nparams;
    for (uint32_t i = 0; i < f->nlocal_runs && !any; i++)
        any = f->local_runs[i].valtype == FL_V128;
    free(c->lslot);
    c->lslot = NULL;
    if (!any)
        return 0;
    uint32_t n = t->nparams + f->nlocals;
    c->lslot = malloc(((size_t)n + 1) * sizeof *c->lslot);
    if (!c->lslot)
        return -1;
    uint32_t slot = 0, x = 0;
    for (uint32_t i = 0; i < t->nparams; i++) {
        c->lslot[x++] = slot;
        slot += fl_valtype_slots(t->params[i]);
    }
    for (uint32_t i = 0; i < f->nlocal_runs; i++)
        for (uint32_t k = 0; k < f->local_runs[i].count; k++) {
            c->lslot[x++] = slot;
            slot += fl_valtype_slots(f->local_runs[i].valtype);
        }
    c->lslot[x] = slot;
    *nl = slot;
    return 0;
}

static struct fl_interp_code *compile_func(comp *c, uint32_t fi) {
    const fl_module *m = c->m;
    const fl_func *f = &m->funcs[fi];
    const fl_functype *t = &m->types[f->type_index];
    uint32_t nl = t->param_slots + f->nlocals; /* slots of params and locals */
    if (c->simd && local_slots(c, f, t, &nl) < 0) {
        fl_error_set(c->err, f->code_offset, "out of memory");
        return NULL;
    }

    c->len = 0;
    pop(c, c->vh); /* the previous body's leftovers: entries above vh are V_STACK */
    c->vh = c->maxh = c->nlazy = c->nother = 0;
    c->nbl = c->npt = 0;
    c->unreachable = false;
    c->last_start = NONE;
    c->last_mov = NONE;
    c->label_at = NONE;
    c->addi_at = NONE;
    c->nresults = t->result_slots;
    c->rec_off = nl > t->result_slots ? nl : t->result_slots;
    c->cbase = c->rec_off + FL_REC_SLOTS;
    c->npool = 0;
    c->pool_cap = count_consts(c, f);
    if (c->pool_cap > MAX_POOL)
        c->pool_cap = MAX_POOL;
    c->sbase = c->cbase + c->pool_cap;
    if (c->pool_cap && !c->pool) {
        c->pool = malloc(MAX_POOL * sizeof *c->pool);
        if (!c->pool) {
            fl_error_set(c->err, f->code_offset, "out of memory");
            return NULL;
        }
    }
    if (!grow((void **)&c->bl, &c->blcap, 1, sizeof *c->bl)) {
        fl_error_set(c->err, f->code_offset, "out of memory");
        return NULL;
    }
    c->bl[c->nbl++] = (cblock){.kind = B_FUNC, .nresults = t->result_slots, .rtypes = t->results,
                               .nrtypes = t->nresults, .else_instr = NONE, .patches = NONE};
    if (compile_body(c, f) < 0)
        return NULL;
    if (c->oom) {
        fl_error_set(c->err, f->code_offset, "out of memory");
        return NULL;
    }
    /* the pooled constants follow the ops, 8-byte aligned */
    size_t consts_at = (sizeof(struct fl_interp_code) + (size_t)c->len * sizeof(uint32_t) + 7) &
                       ~(size_t)7;
    struct fl_interp_code *code = malloc(consts_at + (size_t)c->npool * sizeof(fl_value));
    if (!code) {
        fl_error_set(c->err, f->code_offset, "out of memory");
        return NULL;
    }
    code->nparams = t->param_slots;
    code->nresults = t->result_slots;
    code->nlocals = nl - t->param_slots;
    code->rec_off = c->rec_off;
    code->frame_size = c->sbase + c->maxh;
    code->len = c->len;
    memcpy(code->ops, c->code, (size_t)c->len * sizeof(uint32_t));
    code->nconsts = c->npool;
    code->cbase = c->cbase;
    fl_value *consts = (fl_value *)((char *)code + consts_at);
    for (uint32_t k = 0; k < c->npool; k++)
        consts[k].i64 = c->pool[k];
    code->consts = consts;
    return code;
}

static void comp_free(comp *c) {
    free(c->code);
    free(c->vs);
    free(c->bl);
    free(c->pt);
    free(c->scratch);
    free(c->stubs);
    free(c->pool);
    free(c->type_ids);
    free(c->lslot);
}

/* Bodies are compiled lazily, on a function's first call
 * (fl_interp_code): a module loads in the time of decoding and validating
 * it, and a call of CPython compiles the few thousand of its functions it
 * runs, not all of them.  Only what the interpreter refuses outright is
 * refused here, at load. */
int fl_interp_prepare(fl_module *m, const fl_load_opts *opts, fl_error *err) {
    (void)opts;
    m->tier_code = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *m->tier_code);
    if (!m->tier_code)
        return fl_error_set(err, 0, "out of memory");
    return 0;
}

const struct fl_interp_code *fl_interp_code(const fl_module *m, uint32_t i,
                                            const fl_load_opts *opts, fl_error *err) {
    _Atomic(void *) *slot = (_Atomic(void *) *)&m->tier_code[i];
    void *code = atomic_load_explicit(slot, memory_order_acquire);
    if (code)
        return code;
    if (fl_load_interrupted(opts)) {
        fl_error_set(err, m->funcs[i].code_offset, "loading interrupted");
        return NULL;
    }
    comp c = {.m = m, .words = fl_interp_op_words(), .err = err, .opts = opts,
              .simd = m->uses_simd};
    struct fl_interp_code *mine = compile_func(&c, i);
    comp_free(&c);
    if (!mine)
        return NULL;
    /* two threads may compile the same body at once: the first to publish
     * wins and the other frees its copy */
    void *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &expected, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    free(mine);
    return expected;
}

void fl_interp_release(fl_module *m) {
    if (!m->tier_code)
        return;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        free(m->tier_code[i]);
    free(m->tier_code);
    m->tier_code = NULL;
}
