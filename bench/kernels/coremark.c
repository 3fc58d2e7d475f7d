/* coremark: a CoreMark-like mix, n iterations of the four workloads CoreMark
 * combines: linked-list find/reverse/sort, small integer matrix operations,
 * a number-parsing state machine over a byte string, and CRC-16 over all
 * their results.  Not CoreMark itself: the same kinds of work, no libc. */
#include "kernel.h"

/* ---- linked list ---- */

#define LIST_NODES 256

struct node {
    struct node *next;
    int16_t data;
    int16_t idx;
};

static struct node pool[LIST_NODES];

static struct node *list_build(uint64_t *seed) {
    struct node *head = 0;
    for (int i = LIST_NODES - 1; i >= 0; i--) {
        pool[i].data = (int16_t)(kernel_rand(seed) & 0x7fff);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *l) {
    struct node *prev = 0;
    while (l) {
        struct node *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static struct node *list_find(struct node *l, int16_t data) {
    while (l && (l->data & 0xff) != (data & 0xff))
        l = l->next;
    return l;
}

/* Merge sort on the list by data (ascending), bottom-up, no recursion. */
static struct node *list_sort(struct node *list) {
    int insize = 1;
    for (;;) {
        struct node *p = list, *tail = 0;
        list = 0;
        int nmerges = 0;
        while (p) {
            nmerges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q || p->data <= q->data) {
                    e = p; p = p->next; psize--;
                } else {
                    e = q; q = q->next; qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (nmerges <= 1)
            return list;
        insize *= 2;
    }
}

/* ---- matrix ---- */

#define MAT 16

static int16_t ma[MAT][MAT], mb[MAT][MAT];
static int32_t mc[MAT][MAT];

static uint32_t matrix_work(int16_t k) {
    uint32_t acc = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            ma[i][j] = (int16_t)(ma[i][j] + k);
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t s = 0;
            for (int x = 0; x < MAT; x++)
                s += (int32_t)ma[i][x] * mb[x][j];
            mc[i][j] = s;
            acc += (uint32_t)(s > 0 ? s : -s) >> 3;
        }
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            ma[i][j] = (int16_t)(mc[i][j] & 0x0fff);
    return acc;
}

/* ---- state machine ---- */

enum { S_START, S_INT, S_FLOAT, S_EXP, S_SCI, S_INVALID, S_COUNT };

static uint8_t text[2048];

static void text_build(uint64_t *seed) {
    static const char *const words[] = {"5012", "1234", "-874", "+122", "35.54", "-.1",
                                        "0.5e-12", "2.6E+23", "-9.3e1", "T0.3e-1F", "1x2", "0x7e"};
    uint32_t pos = 0;
    while (pos + 10 < sizeof text) {
        const char *w = words[kernel_rand(seed) % 12];
        while (*w)
            text[pos++] = (uint8_t)*w++;
        text[pos++] = ',';
    }
    while (pos < sizeof text)
        text[pos++] = 0;
}

static int is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

/* Classifies each comma-separated token; counts final states. */
static void state_machine(uint32_t counts[S_COUNT]) {
    uint32_t i = 0;
    while (i < sizeof text && text[i]) {
        int s = S_START;
        for (; i < sizeof text && text[i] && text[i] != ','; i++) {
            uint8_t c = text[i];
            switch (s) {
            case S_START:
                s = is_digit(c) ? S_INT : (c == '+' || c == '-') ? S_INT : c == '.' ? S_FLOAT : S_INVALID;
                break;
            case S_INT:
                s = is_digit(c) ? S_INT : c == '.' ? S_FLOAT : S_INVALID;
                break;
            case S_FLOAT:
                s = is_digit(c) ? S_FLOAT : (c == 'e' || c == 'E') ? S_EXP : S_INVALID;
                break;
            case S_EXP:
                s = (c == '+' || c == '-' || is_digit(c)) ? S_SCI : S_INVALID;
                break;
            case S_SCI:
                s = is_digit(c) ? S_SCI : S_INVALID;
                break;
            default:
                break;
            }
        }
        counts[s]++;
        i++;
    }
}

/* ---- CRC ---- */

static uint16_t crc16(uint16_t crc, uint32_t v) {
    for (int i = 0; i < 32; i++) {
        uint16_t bit = (uint16_t)((v ^ crc) & 1);
        crc >>= 1;
        if (bit)
            crc ^= 0xa001;
        v >>= 1;
    }
    return crc;
}

uint64_t run(uint32_t n) {
    uint64_t seed = 2024;
    struct node *list = list_build(&seed);
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            ma[i][j] = (int16_t)(kernel_rand(&seed) & 0xff);
            mb[i][j] = (int16_t)((kernel_rand(&seed) & 0xff) - 128);
        }
    text_build(&seed);
    uint16_t crc = 0;
    uint64_t h = 0;
    for (uint32_t it = 0; it < n; it++) {
        /* list: find a few values, reverse, sort, perturb */
        uint32_t found = 0;
        for (int16_t k = 0; k < 8; k++) {
            struct node *f = list_find(list, (int16_t)(it * 8 + k));
            found += f ? (uint32_t)f->idx : 0xffffu;
        }
        list = list_reverse(list);
        list = list_sort(list);
        list->data = (int16_t)((list->data + 0x1234 + (int)it) & 0x7fff);
        crc = crc16(crc, found);
        crc = crc16(crc, (uint32_t)list->data);
        /* matrix */
        crc = crc16(crc, matrix_work((int16_t)(it & 0xf)));
        /* state machine, over a text mutated a little each time */
        uint32_t counts[S_COUNT] = {0};
        text[(it * 13) % 2000] ^= 0x01;
        state_machine(counts);
        for (int s = 0; s < S_COUNT; s++)
            crc = crc16(crc, counts[s]);
        h = kernel_mix(h, crc);
    }
    return h;
}
