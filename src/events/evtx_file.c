/* evtx_file.c - the EVTX container: file header, 64 KiB chunks, record
 * frames, and the public vigil_evtx_* API.
 *
 * Why chunk by chunk: every chunk is self-contained (its own string and
 * template tables, offsets relative to its start), so memory stays bounded
 * by one chunk per thread and chunks can be decoded on several threads.
 * Damage is contained the same way: a bad chunk header skips the chunk, a
 * bad record frame makes us look for the next record signature, a record
 * whose binary XML cannot be decoded is reported and skipped. CRC32
 * mismatches are warnings; the data is still read. Chunks are taken in
 * file order whatever their numbers say, so a dirty file whose chunks are
 * out of order is still read whole. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/diagsink.h"
#include "events/evtx_internal.h"

typedef struct rec_entry {
    uint64_t record_id;
    uint64_t offset; /* in the file */
    size_t r0;       /* first field in ctx->refs */
    size_t nf;
    size_t o0, o1; /* what decoding the record wrote to ctx->out: its values
                      and the names built for it (vigil_event.text) */
} rec_entry;

/* Per-thread state: the decoder and the records of the current chunk. */
typedef struct worker {
    vigil_evtx_ctx ctx;
    rec_entry *recs;
    size_t nrecs, caprecs;
    vigil_field *fields;
    uint32_t *hashes; /* the fields' name hashes (vigil_event.name_hash) */
    size_t capfields;
    vigil_evtx_stats st;
} worker;

/* The records of a chunk decoded before its turn to be delivered, detached
 * from the decoder (field names copied into out) so that the decoder goes
 * on with another chunk. */
typedef struct done_chunk {
    rec_entry *recs;
    size_t nrecs, caprecs;
    vigil_evtx_fref *refs;
    size_t nrefs, caprefs;
    vigil_evtx_buf out;
    int ready;
} done_chunk;

typedef struct thread_arg {
    vigil_evtx_parser *p;
    worker w;
} thread_arg;

/* Files up to this size are read whole; bigger ones are mapped. */
#define READ_WHOLE_MAX ((size_t)256 << 20)

struct vigil_evtx_parser {
    vigil_evtx_options opts;
    worker main;
    /* threads' workers and slots, kept from file to file (warm template
     * caches and buffers) */
    thread_arg *tw;
    unsigned ntw;
    done_chunk *slots_kept;
    unsigned nslots;
    vigil_evtx_stats stats;
    /* threaded parse of one file: chunks are claimed with an atomic
     * counter; mu guards delivery (slots, delivering, the flags) and is
     * never held while the caller's callback runs */
    pthread_mutex_t mu;
    pthread_cond_t turn_cv; /* delivery moved on (room in the window) */
    pthread_mutex_t diag_mu;
    const uint8_t *data;
    size_t len;
    const char *name;
    uint64_t nchunks;
    atomic_uint_fast64_t next_chunk;   /* next chunk to claim */
    atomic_uint_fast64_t next_deliver; /* next chunk to deliver; written under mu */
    atomic_int halt;                   /* aborted or failed: claim nothing more */
    done_chunk *slots;                 /* chunk i waits in slots[i % window] */
    unsigned window;                   /* chunks decoded ahead of delivery, at most */
    int delivering;                    /* a thread is delivering (under mu) */
    unsigned waiting;                  /* threads waiting for room (under mu) */
    int aborted;
    int failed; /* out of memory in a worker */
    int no_prog;
    int no_tcache;
    /* vigil_evtx_parse_file: the file read whole, kept from file to file */
    uint8_t *fbuf;
    size_t fcap;
};

static void worker_init(worker *w)
{
    memset(w, 0, sizeof *w);
    vigil_evtx_ctx_init(&w->ctx);
}

static void worker_free(worker *w)
{
    vigil_evtx_ctx_free(&w->ctx);
    free(w->recs);
    free(w->fields);
    free(w->hashes);
    w->recs = NULL;
    w->fields = NULL;
    w->hashes = NULL;
}

vigil_status vigil_evtx_parser_create(const vigil_evtx_options *opts, vigil_evtx_parser **out)
{
    vigil_evtx_parser *p;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    if (opts != NULL)
        p->opts = *opts;
    worker_init(&p->main);
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return VIGIL_ERR_THREAD;
    }
    if (pthread_mutex_init(&p->diag_mu, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return VIGIL_ERR_THREAD;
    }
    if (pthread_cond_init(&p->turn_cv, NULL) != 0) {
        pthread_mutex_destroy(&p->diag_mu);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return VIGIL_ERR_THREAD;
    }
    *out = p;
    return VIGIL_OK;
}

void vigil_evtx_parser_destroy(vigil_evtx_parser *p)
{
    if (p == NULL)
        return;
    worker_free(&p->main);
    for (unsigned i = 0; i < p->ntw; i++)
        worker_free(&p->tw[i].w);
    free(p->tw);
    for (unsigned i = 0; i < p->nslots; i++) {
        free(p->slots_kept[i].recs);
        free(p->slots_kept[i].refs);
        vigil_evtx_buf_free(&p->slots_kept[i].out);
    }
    free(p->slots_kept);
    free(p->fbuf);
    pthread_cond_destroy(&p->turn_cv);
    pthread_mutex_destroy(&p->diag_mu);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void vigil_evtx_get_stats(const vigil_evtx_parser *p, vigil_evtx_stats *out)
{
    if (out == NULL)
        return;
    if (p == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = p->stats;
}

void vigil_evtx_parser_set_programs(vigil_evtx_parser *p, int on)
{
    if (p != NULL)
        p->no_prog = !on;
}

void vigil_evtx_parser_set_tcache(vigil_evtx_parser *p, int on)
{
    if (p != NULL)
        p->no_tcache = !on;
}

void vigil_evtx_parser_tcache_stats(const vigil_evtx_parser *p, uint64_t *hits, uint64_t *misses,
                                    uint64_t *fast)
{
    *hits = p->main.ctx.tc.hits;
    *misses = p->main.ctx.tc.misses;
    uint64_t f = p->main.ctx.tc.fast_hits;
    for (unsigned i = 0; i < p->ntw; i++) {
        *hits += p->tw[i].w.ctx.tc.hits;
        *misses += p->tw[i].w.ctx.tc.misses;
        f += p->tw[i].w.ctx.tc.fast_hits;
    }
    if (fast != NULL)
        *fast = f;
}

int vigil_evtx_is_evtx(const void *data, size_t len)
{
    return data != NULL && len >= 8 && memcmp(data, "ElfFile\0", 8) == 0;
}

int vigil_evtx_is_headless(const void *data, size_t len)
{
    const uint8_t *d = data;

    if (d == NULL || vigil_evtx_is_evtx(data, len))
        return 0;
    for (size_t at = VIGIL_EVTX_FILE_HEADER; at <= len && len - at >= 8;
         at += VIGIL_EVTX_CHUNK_SIZE)
        if (memcmp(d + at, "ElfChnk\0", 8) == 0)
            return 1;
    return 0;
}

/* Diagnostics from worker threads reach the caller one at a time. */
static void locked_diag(const vigil_diag *d, void *user)
{
    vigil_evtx_parser *p = user;
    pthread_mutex_lock(&p->diag_mu);
    p->opts.on_diag(d, p->opts.diag_user);
    pthread_mutex_unlock(&p->diag_mu);
}

static vigil_diag_sink make_sink(vigil_evtx_parser *p)
{
    vigil_diag_sink s = {NULL, NULL};
    if (p->opts.on_diag != NULL) {
        s.fn = locked_diag;
        s.user = p;
    }
    return s;
}

static int all_zero(const uint8_t *p, size_t n)
{
    /* p[0] == 0 and every byte equals the one before it */
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The next offset >= from where a plausible record frame starts. */
static uint32_t resync(const uint8_t *ch, uint32_t from, uint32_t end)
{
    for (uint32_t q = from; q + VIGIL_EVTX_RECORD_HEADER + 4 <= end; q++) {
        const uint8_t *hit = memchr(ch + q, 0x2a, end - q);
        if (hit == NULL)
            return end;
        q = (uint32_t)(hit - ch);
        if (q + VIGIL_EVTX_RECORD_HEADER + 4 > end)
            return end;
        if (vigil_evtx_rd32(ch + q) != 0x2a2a)
            continue;
        uint32_t size = vigil_evtx_rd32(ch + q + 4);
        if (size >= VIGIL_EVTX_RECORD_HEADER + 4 && size <= end - q &&
            vigil_evtx_rd32(ch + q + size - 4) == size)
            return q;
    }
    return end;
}

static int add_rec(worker *w, uint64_t id, uint64_t off, size_t r0, size_t nf, size_t o0, size_t o1)
{
    if (VIGIL_ARRAY_RESERVE(w->recs, w->caprecs, w->nrecs + 1) != VIGIL_OK)
        return -1;
    rec_entry *e = &w->recs[w->nrecs++];
    e->record_id = id;
    e->offset = off;
    e->r0 = r0;
    e->nf = nf;
    e->o0 = o0;
    e->o1 = o1;
    return 0;
}

/* Hands records to the caller, their fields as refs into out; 1 if it
 * asked to stop, -1 when out of memory. w gives the field array and the
 * record count. */
static int deliver_recs(vigil_evtx_parser *p, worker *w, const char *name, const rec_entry *recs,
                        size_t nrecs, const vigil_evtx_fref *refs, const char *out)
{
    int rc = 0;

    for (size_t i = 0; i < nrecs && rc == 0; i++) {
        const rec_entry *r = &recs[i];
        w->st.records++;
        if (p->opts.on_event == NULL)
            continue;
        if (r->nf > w->capfields) {
            size_t cap = r->nf < 64 ? 64 : r->nf * 2;
            vigil_field *f = realloc(w->fields, cap * sizeof *f);
            if (f != NULL)
                w->fields = f;
            uint32_t *h = f != NULL ? realloc(w->hashes, cap * sizeof *h) : NULL;
            if (h == NULL) {
                rc = -1;
                break;
            }
            w->hashes = h;
            w->capfields = cap;
        }
        for (size_t k = 0; k < r->nf; k++) {
            const vigil_evtx_fref *fr = &refs[r->r0 + k];
            vigil_field *f = &w->fields[k];
            f->name = fr->name_ptr ? fr->name_ptr : out + fr->name_off;
            f->name_len = fr->name_len;
            f->value = out + fr->val_off;
            f->value_len = fr->val_len;
            f->is_null = fr->is_null;
            w->hashes[k] =
                fr->name_hash ? fr->name_hash : vigil_field_name_hash(f->name, f->name_len);
        }
        vigil_event ev;
        ev.fields = w->fields;
        ev.nfields = r->nf;
        ev.source = name;
        ev.record_id = r->record_id;
        ev.offset = r->offset;
        ev.name_hash = w->hashes;
        ev.text = r->o1 > r->o0 ? out + r->o0 : NULL;
        ev.text_len = r->o1 > r->o0 ? r->o1 - r->o0 : 0;
        if (p->opts.on_event(&ev, p->opts.event_user) != 0)
            rc = 1;
    }
    return rc;
}

/* Hands the collected records of w to the caller (see deliver_recs) and
 * resets them. */
static int deliver(vigil_evtx_parser *p, worker *w, const char *name)
{
    int rc = deliver_recs(p, w, name, w->recs, w->nrecs, w->ctx.refs, w->ctx.out.data);
    w->nrecs = 0;
    w->ctx.nrefs = 0;
    w->ctx.out.len = 0;
    return rc;
}

/* Decodes chunk number idx (at file offset foff, avail bytes present).
 * With immediate, each record is delivered as soon as it is decoded;
 * otherwise they are collected in w. Returns 0, 1 = stop asked, -1 = out
 * of memory. */
static int parse_chunk(vigil_evtx_parser *p, worker *w, const vigil_diag_sink *sink,
                       const char *name, const uint8_t *ch, uint32_t avail, uint64_t idx,
                       uint64_t foff, int immediate)
{
    vigil_evtx_ctx *c = &w->ctx;

    if (avail < VIGIL_EVTX_CHUNK_HEADER || memcmp(ch, "ElfChnk\0", 8) != 0) {
        if (!all_zero(ch, avail)) {
            w->st.bad_chunks++;
            vigil_diagf_at(sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, foff,
                           "chunk %" PRIu64 ": no chunk signature%s, skipped", idx,
                           avail < VIGIL_EVTX_CHUNK_HEADER ? " (truncated)" : "");
        }
        return 0;
    }
    w->st.chunks++;
    if (!p->opts.no_crc) {
        uint32_t crc = vigil_evtx_crc32(0, ch, 120);
        crc = vigil_evtx_crc32(crc, ch + 128, VIGIL_EVTX_CHUNK_HEADER - 128);
        if (crc != vigil_evtx_rd32(ch + 124)) {
            w->st.crc_mismatches++;
            vigil_diagf_at(sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, foff,
                           "chunk %" PRIu64 ": header CRC32 mismatch (stored %08x, computed %08x)",
                           idx, vigil_evtx_rd32(ch + 124), crc);
        }
    }
    uint32_t end = vigil_evtx_rd32(ch + 48); /* free space offset */
    if (end > avail) {
        vigil_diagf_at(sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, foff,
                       "chunk %" PRIu64 ": claims %u bytes of records but has %u", idx, end, avail);
        end = avail;
    } else if (end >= VIGIL_EVTX_CHUNK_HEADER && !p->opts.no_crc) {
        uint32_t crc =
            vigil_evtx_crc32(0, ch + VIGIL_EVTX_CHUNK_HEADER, end - VIGIL_EVTX_CHUNK_HEADER);
        if (crc != vigil_evtx_rd32(ch + 52)) {
            w->st.crc_mismatches++;
            vigil_diagf_at(sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, foff,
                           "chunk %" PRIu64 ": records CRC32 mismatch (stored %08x, computed %08x)",
                           idx, vigil_evtx_rd32(ch + 52), crc);
        }
    }
    if (vigil_evtx_ctx_begin_chunk(c, ch, avail) != 0)
        return -1;
    c->no_prog = p->no_prog;
    c->no_tcache = p->no_tcache;
    uint32_t pos = VIGIL_EVTX_CHUNK_HEADER;
    while (pos < end && end - pos >= VIGIL_EVTX_RECORD_HEADER + 4) {
        uint32_t size = vigil_evtx_rd32(ch + pos + 4);
        if (vigil_evtx_rd32(ch + pos) != 0x2a2a || size < VIGIL_EVTX_RECORD_HEADER + 4 ||
            size > end - pos || vigil_evtx_rd32(ch + pos + size - 4) != size) {
            if (all_zero(ch + pos, end - pos))
                break; /* slack after the last record */
            w->st.bad_records++;
            vigil_diagf_at(
                sink, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, name, foff + pos,
                "chunk %" PRIu64 ", offset 0x%x: bad record frame (%s), skipped", idx, pos,
                vigil_evtx_rd32(ch + pos) != 0x2a2a   ? "no record signature"
                : size < VIGIL_EVTX_RECORD_HEADER + 4 ? "size too small"
                                                      : "size past the chunk data or not repeated");
            pos = resync(ch, pos + 1, end);
            continue;
        }
        uint64_t rid = vigil_evtx_rd64(ch + pos + 8);
        size_t r0 = c->nrefs, o0 = c->out.len;
        if (vigil_evtx_decode_record(c, pos + VIGIL_EVTX_RECORD_HEADER, pos + size - 4) != 0) {
            w->st.bad_records++;
            vigil_diagf_at(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, name, foff + pos,
                           "chunk %" PRIu64 ", offset 0x%x: record %" PRIu64
                           " skipped: %s (at chunk offset 0x%x)",
                           idx, pos, rid, c->err ? c->err : "cannot decode", c->err_off);
            if (c->err != NULL && strcmp(c->err, "out of memory") == 0)
                return -1;
        } else {
            if (add_rec(w, rid, foff + pos, r0, c->nrefs - r0, o0, c->out.len) != 0)
                return -1;
            if (immediate) {
                int rc = deliver(p, w, name);
                if (rc != 0)
                    return rc;
            }
        }
        pos += size;
    }
    return 0;
}

static void add_stats(vigil_evtx_stats *to, const vigil_evtx_stats *from)
{
    to->chunks += from->chunks;
    to->records += from->records;
    to->bad_records += from->bad_records;
    to->bad_chunks += from->bad_chunks;
    to->crc_mismatches += from->crc_mismatches;
}

#define SWAP(T, a, b)                                                                              \
    do {                                                                                           \
        T swap_tmp_ = (a);                                                                         \
        (a) = (b);                                                                                 \
        (b) = swap_tmp_;                                                                           \
    } while (0)

/* Chunks a thread may decode ahead of delivery: enough that small chunks
 * do not make threads wait for each other, few enough to bound memory. */
#define WINDOW_PER_THREAD 8

/* Moves the decoded records of w into slot d: names that live in the
 * decoder's arenas are copied into out first, then the buffers are
 * swapped (w gets the slot's empty ones back). 0, or -1 out of memory. */
static int detach(worker *w, done_chunk *d)
{
    vigil_evtx_ctx *c = &w->ctx;
    for (size_t i = 0; i < c->nrefs; i++) {
        vigil_evtx_fref *f = &c->refs[i];
        if (f->name_ptr == NULL)
            continue;
        size_t off = c->out.len;
        if (vigil_evtx_buf_put(&c->out, f->name_ptr, f->name_len) != 0 ||
            vigil_evtx_buf_putc(&c->out, '\0') != 0)
            return -1;
        f->name_ptr = NULL;
        f->name_off = (uint32_t)off;
    }
    SWAP(rec_entry *, w->recs, d->recs);
    SWAP(size_t, w->nrecs, d->nrecs);
    SWAP(size_t, w->caprecs, d->caprecs);
    SWAP(vigil_evtx_fref *, c->refs, d->refs);
    SWAP(size_t, c->nrefs, d->nrefs);
    SWAP(size_t, c->caprefs, d->caprefs);
    SWAP(vigil_evtx_buf, c->out, d->out);
    w->nrecs = 0;
    c->nrefs = 0;
    c->out.len = 0;
    return 0;
}

/* Stops the parse after rc (1 = the caller asked, -1 = out of memory).
 * Under mu. */
static void halt_on(vigil_evtx_parser *p, int rc)
{
    if (rc > 0)
        p->aborted = 1;
    else if (rc < 0)
        p->failed = 1;
    if (rc != 0) {
        atomic_store(&p->halt, 1);
        if (p->waiting)
            pthread_cond_broadcast(&p->turn_cv);
    }
}

/* Delivers the chunks waiting in their slots, in order, for as long as
 * the next one is there. Under mu, with p->delivering set by the caller;
 * mu is released while the callback runs. */
static void drain(vigil_evtx_parser *p, worker *w)
{
    for (;;) {
        uint64_t next = atomic_load(&p->next_deliver);
        done_chunk *d = &p->slots[next % p->window];
        if (atomic_load(&p->halt) || next >= p->nchunks || !d->ready)
            break;
        pthread_mutex_unlock(&p->mu);
        int rc = deliver_recs(p, w, p->name, d->recs, d->nrecs, d->refs, d->out.data);
        pthread_mutex_lock(&p->mu);
        d->ready = 0;
        d->nrecs = d->nrefs = 0;
        d->out.len = 0;
        halt_on(p, rc);
        atomic_store(&p->next_deliver, next + 1);
        if (p->waiting)
            pthread_cond_broadcast(&p->turn_cv);
    }
    p->delivering = 0;
}

/* A worker: claims the next chunk, decodes it, and delivers it at once
 * when it is the next in file order (then whatever waits behind it), or
 * leaves it in its slot for the thread that delivers the one before. At
 * most window chunks are decoded ahead of delivery. */
static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    vigil_evtx_parser *p = ta->p;
    worker *w = &ta->w;
    vigil_diag_sink sink = make_sink(p);

    for (;;) {
        uint64_t idx = atomic_fetch_add(&p->next_chunk, 1);
        if (idx >= p->nchunks || atomic_load(&p->halt))
            break;
        if (idx >= atomic_load(&p->next_deliver) + p->window) {
            pthread_mutex_lock(&p->mu);
            p->waiting++;
            while (idx >= atomic_load(&p->next_deliver) + p->window && !atomic_load(&p->halt))
                pthread_cond_wait(&p->turn_cv, &p->mu);
            p->waiting--;
            pthread_mutex_unlock(&p->mu);
            if (atomic_load(&p->halt))
                break;
        }
        uint64_t foff = VIGIL_EVTX_FILE_HEADER + idx * VIGIL_EVTX_CHUNK_SIZE;
        size_t left = p->len - foff;
        uint32_t avail = left < VIGIL_EVTX_CHUNK_SIZE ? (uint32_t)left : VIGIL_EVTX_CHUNK_SIZE;
        int rc = parse_chunk(p, w, &sink, p->name, p->data + foff, avail, idx, foff, 0);
        pthread_mutex_lock(&p->mu);
        if (rc != 0 || atomic_load(&p->halt)) { /* nothing more is delivered */
            halt_on(p, rc);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        if (idx == atomic_load(&p->next_deliver) && !p->delivering) {
            /* its turn: deliver straight from the decoder */
            p->delivering = 1;
            pthread_mutex_unlock(&p->mu);
            rc = deliver(p, w, p->name);
            pthread_mutex_lock(&p->mu);
            halt_on(p, rc);
            atomic_store(&p->next_deliver, idx + 1);
            if (p->waiting)
                pthread_cond_broadcast(&p->turn_cv);
            drain(p, w);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        /* slot idx % window is this chunk's alone: the chunk window before
         * it there has been delivered, and no other is claimed that far */
        done_chunk *d = &p->slots[idx % p->window];
        rc = detach(w, d);
        pthread_mutex_lock(&p->mu);
        if (rc != 0) {
            halt_on(p, -1);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        d->ready = 1;
        if (!p->delivering) { /* its turn may have come meanwhile */
            p->delivering = 1;
            drain(p, w);
        }
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* Chunks on several threads, delivered in file order. */
static vigil_status parse_threaded(vigil_evtx_parser *p, const char *name, const uint8_t *data,
                                   size_t len, uint64_t nchunks, unsigned nthreads)
{
    unsigned window = nthreads * WINDOW_PER_THREAD;
    pthread_t *tid = calloc(nthreads, sizeof *tid);
    unsigned started = 0;
    vigil_status st = VIGIL_OK;

    if (tid == NULL)
        return VIGIL_ERR_NOMEM;
    if (p->ntw < nthreads) {
        thread_arg *ta = realloc(p->tw, nthreads * sizeof *ta);
        if (ta == NULL) {
            free(tid);
            return VIGIL_ERR_NOMEM;
        }
        p->tw = ta;
        for (unsigned i = p->ntw; i < nthreads; i++)
            worker_init(&ta[i].w);
        p->ntw = nthreads;
    }
    if (p->nslots < window) {
        done_chunk *sl = realloc(p->slots_kept, window * sizeof *sl);
        if (sl == NULL) {
            free(tid);
            return VIGIL_ERR_NOMEM;
        }
        memset(sl + p->nslots, 0, (window - p->nslots) * sizeof *sl);
        p->slots_kept = sl;
        p->nslots = window;
    }
    thread_arg *ta = p->tw;
    p->data = data;
    p->len = len;
    p->name = name;
    p->nchunks = nchunks;
    p->slots = p->slots_kept;
    p->window = window;
    for (unsigned i = 0; i < window; i++) {
        p->slots[i].ready = 0;
        p->slots[i].nrecs = p->slots[i].nrefs = 0;
        p->slots[i].out.len = 0;
    }
    atomic_store(&p->next_chunk, 0);
    atomic_store(&p->next_deliver, 0);
    atomic_store(&p->halt, 0);
    p->delivering = 0;
    p->waiting = 0;
    p->aborted = p->failed = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        ta[i].p = p;
        memset(&ta[i].w.st, 0, sizeof ta[i].w.st);
        ta[i].w.nrecs = 0;
        ta[i].w.ctx.nrefs = 0;
        ta[i].w.ctx.out.len = 0;
        if (pthread_create(&tid[i], NULL, thread_main, &ta[i]) != 0)
            break;
        started++;
    }
    if (started == 0) {
        /* no thread at all: run the loop here */
        thread_main(&ta[0]);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (unsigned i = 0; i < nthreads; i++)
        add_stats(&p->stats, &ta[i].w.st);
    p->slots = NULL;
    if (p->failed)
        st = VIGIL_ERR_NOMEM;
    else if (p->aborted)
        st = VIGIL_ERR_ABORTED;
    free(tid);
    return st;
}

vigil_status vigil_evtx_parse_buffer(vigil_evtx_parser *p, const char *name, const void *data,
                                     size_t len)
{
    const uint8_t *d = data;
    vigil_diag_sink sink;
    uint64_t nchunks;

    if (p == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    sink = make_sink(p);
    p->stats.files++;
    if (!vigil_evtx_is_evtx(d, len)) {
        if (vigil_evtx_is_headless(d, len)) {
            vigil_diagf_at(&sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, 0,
                           "no EVTX file signature (damaged file header); reading its chunks "
                           "anyway");
        } else {
            vigil_diagf_at(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, name, 0,
                           "not an EVTX file (no ElfFile signature)");
            return VIGIL_ERR_CORRUPT;
        }
    } else if (len < 128) {
        vigil_diagf_at(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, name, 0,
                       "EVTX file header truncated (%zu bytes)", len);
        return VIGIL_ERR_CORRUPT;
    } else if (!p->opts.no_crc) {
        uint32_t crc = vigil_evtx_crc32(0, d, 120);
        if (crc != vigil_evtx_rd32(d + 124)) {
            p->stats.crc_mismatches++;
            vigil_diagf_at(&sink, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, name, 0,
                           "file header CRC32 mismatch (stored %08x, computed %08x)",
                           vigil_evtx_rd32(d + 124), crc);
        }
    }
    if (len <= VIGIL_EVTX_FILE_HEADER)
        return VIGIL_OK;
    nchunks = (len - VIGIL_EVTX_FILE_HEADER + VIGIL_EVTX_CHUNK_SIZE - 1) / VIGIL_EVTX_CHUNK_SIZE;
    if (p->opts.threads > 1 && nchunks > 1) {
        unsigned nt = p->opts.threads;
        if (nt > nchunks)
            nt = (unsigned)nchunks;
        return parse_threaded(p, name, d, len, nchunks, nt);
    }
    worker *w = &p->main;
    memset(&w->st, 0, sizeof w->st);
    vigil_status st = VIGIL_OK;
    for (uint64_t i = 0; i < nchunks; i++) {
        uint64_t foff = VIGIL_EVTX_FILE_HEADER + i * VIGIL_EVTX_CHUNK_SIZE;
        size_t left = len - foff;
        uint32_t avail = left < VIGIL_EVTX_CHUNK_SIZE ? (uint32_t)left : VIGIL_EVTX_CHUNK_SIZE;
        int rc = parse_chunk(p, w, &sink, name, d + foff, avail, i, foff, 1);
        if (rc != 0) {
            w->nrecs = 0;
            w->ctx.nrefs = 0;
            w->ctx.out.len = 0;
            st = rc > 0 ? VIGIL_ERR_ABORTED : VIGIL_ERR_NOMEM;
            break;
        }
    }
    add_stats(&p->stats, &w->st);
    return st;
}

vigil_status vigil_evtx_parse_file(vigil_evtx_parser *p, const char *path)
{
    int fd;
    struct stat sb;
    void *map;
    vigil_status st;

    if (p == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_diag_sink sink = make_sink(p);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        vigil_diagf(&sink, VIGIL_DIAG_ERROR, e == EACCES ? VIGIL_ERR_ACCESS : VIGIL_ERR_IO, path, 0,
                    "cannot open: %s", fd < 0 ? strerror(e) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return e == EACCES ? VIGIL_ERR_ACCESS : VIGIL_ERR_IO;
    }
    if (sb.st_size == 0) {
        close(fd);
        return vigil_evtx_parse_buffer(p, path, "", 0);
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        return VIGIL_ERR_OVERFLOW;
    }
    size_t size = (size_t)sb.st_size;
    if (size > READ_WHOLE_MAX) {
        /* a giant log: mapped rather than held twice in memory */
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            vigil_diagf(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot map: %s",
                        strerror(errno));
            return VIGIL_ERR_IO;
        }
        madvise(map, size, MADV_SEQUENTIAL);
        st = vigil_evtx_parse_buffer(p, path, map, size);
        munmap(map, size);
        return st;
    }
    /* Read into a buffer kept from file to file: mapping and unmapping each
     * file cost more than parsing it (page faults, TLB shootdowns across
     * the parser's threads), and a log truncated while mapped (rotation on
     * a live host) would raise SIGBUS. */
    if (size > p->fcap) {
        uint8_t *nb = realloc(p->fbuf, size);
        if (nb == NULL) {
            close(fd);
            return VIGIL_ERR_NOMEM;
        }
        p->fbuf = nb;
        p->fcap = size;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, p->fbuf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            vigil_diagf(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, got, "cannot read: %s",
                        strerror(e));
            return VIGIL_ERR_IO;
        }
        if (n == 0)
            break; /* shrank since fstat: parse what is there */
        got += (size_t)n;
    }
    close(fd);
    return vigil_evtx_parse_buffer(p, path, p->fbuf, got);
}
