/* scanner.c - scanning one target: read once, hash, check IOCs, run YARA,
 * open archives, score, report.
 *
 * One scanner per thread. The file is read into a buffer owned by the
 * scanner (read(2), not mmap: a file truncated by another process while we
 * scan it must not kill the sweep with SIGBUS). The same bytes then serve
 * hashing, the IOC checks and YARA; archive members are scanned as targets
 * of their own, named "outer.zip!dir/inner.exe", within the limits. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive_walk.h"
#include "core/filetype.h"
#include "core/findings.h"
#include "core/hash.h"
#include "core/long_path.h"
#include "core/util.h"
#include "engine/artefact_scan.h"
#include "engine/engine_internal.h"
#include "engine/event_scan.h"
#include "engine/log_scan.h"
#include "engine/registry_scan.h"
#include "engine/scanner_sweep.h"
#include "image/image.h"
#include "registry/registry.h"
#include "vigil/scanner.h"

#define STREAM_CHUNK (1u << 20)
#define READ_CHUNK (8u << 20) /* a read of a whole file polls the cancel flag this often */

struct vigil_scanner {
    const vigil_engine *engine;
    vigil_scan_options opt;
    vigil_diag_sink diag; /* counts, then forwards to opt.on_diag */
    vigil_yara_scanner *yara;
    vigil_ioc_scratch *ioc;
    vigil_netioc_scratch *net; /* C2 indicators in text logs; NULL: none loaded */
    vigil_hasher *hasher;
    vigil_event_scan *events; /* Sigma over event logs, when the engine has Sigma rules */
    vigil_correlator *hub;    /* where correlated matches go: own_hub or the sweep's */
    vigil_correlator *own_hub;
    vigil_findings fb;
    uint8_t *buf;
    size_t bufcap;
    vigil_spare_mapping *spare; /* the sweep's, for big files; may be NULL */
    vigil_scan_stats stats;
    uid_t owner_uid;
    int owner_known;
    char owner[64];
    int aborted;
};

/* What the scan of one target knows besides its bytes. */
typedef struct target {
    const char *path; /* display path */
    uint64_t size;
    int64_t mtime;
    const char *owner;
    unsigned depth;   /* 0 = a file, n = inside n archives */
    uint64_t *budget; /* bytes still allowed to expand from the outer file */
    int image_tried;  /* opened as a disk image already (it was not one) */
} target;

static void count_diag(const vigil_diag *d, void *user)
{
    vigil_scanner *s = user;
    if (d->level == VIGIL_DIAG_ERROR)
        s->stats.errors++;
    else if (d->level == VIGIL_DIAG_WARNING)
        s->stats.warnings++;
    if (s->opt.on_diag != NULL)
        s->opt.on_diag(d, s->opt.diag_user);
}

void vigil_scan_options_defaults(vigil_scan_options *o)
{
    if (o->max_size == 0)
        o->max_size = VIGIL_DEFAULT_MAX_SIZE;
    if (o->max_hash_size == 0)
        o->max_hash_size = VIGIL_DEFAULT_MAX_HASH_SIZE;
    if (o->archive.max_depth == 0 && o->archive.max_member_size == 0 && o->archive.max_total == 0 &&
        o->archive.max_ratio == 0 && o->archive.max_members == 0) {
        o->archive.max_depth = 5;
        o->archive.max_member_size = 64ull << 20;
        o->archive.max_total = 512ull << 20;
        o->archive.max_ratio = 100;
        o->archive.max_members = 100000;
    }
    if (o->max_strings == 0)
        o->max_strings = 16;
    if (o->notice_score == 0)
        o->notice_score = 40;
    if (o->warning_score == 0)
        o->warning_score = 60;
    if (o->alert_score == 0)
        o->alert_score = 80;
}

vigil_status vigil_scanner_create(const vigil_engine *engine, const vigil_scan_options *opts,
                                  vigil_scanner **out)
{
    vigil_scanner *s;
    vigil_status st = VIGIL_OK;

    if (engine == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (!engine->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    s->engine = engine;
    if (opts != NULL)
        s->opt = *opts;
    vigil_scan_options_defaults(&s->opt);
    s->diag.fn = count_diag;
    s->diag.user = s;
    vigil_findings_init(&s->fb);
    if (engine->yara != NULL)
        st = vigil_yara_scanner_create(engine->yara, &s->yara);
    if (st == VIGIL_OK && engine->ioc != NULL)
        st = vigil_ioc_scratch_create(engine->ioc, &s->ioc);
    if (st == VIGIL_OK && engine->net != NULL && vigil_netioc_db_count(engine->net) > 0)
        st = vigil_netioc_scratch_create(engine->net, &s->net);
    if (st == VIGIL_OK)
        st = vigil_hasher_create(&s->hasher);
    if (st == VIGIL_OK && engine->sigma != NULL)
        st = vigil_event_scan_create(engine->sigma, &s->diag, &s->events);
    if (st == VIGIL_OK && engine->sigma != NULL)
        st = vigil_correlator_create(engine, &s->own_hub);
    if (st == VIGIL_OK) {
        s->hub = s->own_hub;
        vigil_event_scan_set_hub(s->events, s->hub);
    }
    if (st != VIGIL_OK) {
        vigil_scanner_destroy(s);
        return st;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_scanner_destroy(vigil_scanner *s)
{
    if (s == NULL)
        return;
    vigil_yara_scanner_destroy(s->yara);
    vigil_ioc_scratch_destroy(s->ioc);
    vigil_netioc_scratch_destroy(s->net);
    vigil_hasher_destroy(s->hasher);
    vigil_event_scan_destroy(s->events);
    vigil_correlator_destroy(s->own_hub);
    vigil_findings_free(&s->fb);
    free(s->buf);
    free(s);
}

void vigil_scanner_attach_spare_mapping(vigil_scanner *s, vigil_spare_mapping *m)
{
    if (s != NULL)
        s->spare = m;
}

void vigil_scanner_attach_hub(vigil_scanner *s, vigil_correlator *hub)
{
    if (s == NULL)
        return;
    vigil_correlator_destroy(s->own_hub);
    s->own_hub = NULL;
    s->hub = hub;
    vigil_event_scan_set_hub(s->events, hub);
}

vigil_status vigil_scanner_finish(vigil_scanner *s)
{
    if (s == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (s->own_hub == NULL)
        return VIGIL_OK; /* no correlations, or the sweep's hub finishes them */
    return vigil_correlator_finish(s->own_hub, &s->opt, &s->stats);
}

void vigil_scanner_get_stats(const vigil_scanner *s, vigil_scan_stats *out)
{
    if (out == NULL)
        return;
    if (s == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = s->stats;
}

static vigil_level level_of(const vigil_scanner *s, int score)
{
    if (score >= s->opt.alert_score)
        return VIGIL_LEVEL_ALERT;
    if (score >= s->opt.warning_score)
        return VIGIL_LEVEL_WARNING;
    if (score >= s->opt.notice_score)
        return VIGIL_LEVEL_NOTICE;
    return VIGIL_LEVEL_INFO;
}

static void lower_extension(const char *name, char *out, size_t cap)
{
    const char *ext = vigil_path_extension(name);
    size_t i = 0;
    for (; ext[i] != '\0' && i + 1 < cap; i++) {
        char c = ext[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
}

/* vigil_event_get(ev, "TimeCreated"), with a first-byte check before each
 * strcmp: it runs for every matching event, whose fields are dozens. */
static const vigil_field *time_created(const vigil_event *ev)
{
    for (size_t i = 0; i < ev->nfields; i++) {
        const char *n = ev->fields[i].name;
        if (n[0] == 'T' && strcmp(n, "TimeCreated") == 0)
            return &ev->fields[i];
    }
    return NULL;
}

/* Reports the findings gathered for a target. Returns VIGIL_ERR_ABORTED when
 * the caller asked to stop. */
static vigil_status report(vigil_scanner *s, const target *t, const uint8_t *data, size_t len,
                           int streamed, vigil_hashes *hashes, const char *filetype,
                           const vigil_event *event)
{
    vigil_findings *fb = &s->fb;
    vigil_target_result r;
    char md5[33], sha1[41], sha256[65];
    int local[64];
    int *scores = local;

    if (fb->n == 0)
        return VIGIL_OK;
    /* Every reported file carries all three hashes. An event result does
     * not: it is identified by the log and its record id, the log of a live
     * host changes while it is read, and hashing a big log to label one event
     * cost more than matching all its events against every Sigma rule. */
    static const vigil_hashes no_hashes;
    const vigil_hashes *hv = hashes;
    if (event != NULL)
        hv = &no_hashes;
    else if (!streamed && hashes->have != (VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256))
        vigil_hasher_buffer(s->hasher, VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256, data,
                            len, hashes);
    memset(&r, 0, sizeof r);
    r.path = t->path;
    r.size = t->size;
    r.mtime = t->mtime;
    r.filetype = filetype;
    if (hv->have & VIGIL_HASH_MD5) {
        vigil_hex(hv->md5, 16, md5);
        r.md5 = md5;
    }
    if (hv->have & VIGIL_HASH_SHA1) {
        vigil_hex(hv->sha1, 20, sha1);
        r.sha1 = sha1;
    }
    if (hv->have & VIGIL_HASH_SHA256) {
        vigil_hex(hv->sha256, 32, sha256);
        r.sha256 = sha256;
    }
    if (fb->n > sizeof local / sizeof local[0]) {
        scores = vigil_findings_alloc(fb, fb->n * sizeof *scores);
        if (scores == NULL)
            return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0; i < fb->n; i++)
        scores[i] = fb->items[i].score;
    r.score = vigil_score_combine(scores, fb->n);
    r.level = level_of(s, r.score);
    r.findings = fb->items;
    r.nfindings = fb->n;
    if (event != NULL) {
        const vigil_field *tc = time_created(event);
        r.event = event;
        r.record_id = event->record_id;
        r.event_time = tc != NULL && tc->value[0] ? tc->value : NULL;
    }
    s->stats.findings += fb->n;
    s->stats.by_level[r.level]++;
    if (s->opt.on_result != NULL && s->opt.on_result(&r, s->opt.result_user) != 0) {
        s->aborted = 1;
        return VIGIL_ERR_ABORTED;
    }
    return VIGIL_OK;
}

/* Whether the target's hashes are on an allow-list: then it is counted and
 * not checked nor reported at all (nor its archive members: the hash vouches
 * for all of its bytes), as Loki skips its false-positive hashes. */
static int allowlisted(vigil_scanner *s, const vigil_hashes *h)
{
    const vigil_ioc_db *db = s->engine->ioc;
    if (db == NULL || !vigil_ioc_db_allowed(db, (h->have & VIGIL_HASH_MD5) ? h->md5 : NULL,
                                            (h->have & VIGIL_HASH_SHA1) ? h->sha1 : NULL,
                                            (h->have & VIGIL_HASH_SHA256) ? h->sha256 : NULL))
        return 0;
    s->stats.allowlisted++;
    return 1;
}

/* Name and hash checks shared by in-memory and streamed targets. */
static vigil_status check_iocs(vigil_scanner *s, const target *t, const vigil_hashes *h)
{
    const vigil_ioc_db *db = s->engine->ioc;
    vigil_status st;

    if (db == NULL)
        return VIGIL_OK;
    st = vigil_ioc_match_hashes(db, (h->have & VIGIL_HASH_MD5) ? h->md5 : NULL,
                                (h->have & VIGIL_HASH_SHA1) ? h->sha1 : NULL,
                                (h->have & VIGIL_HASH_SHA256) ? h->sha256 : NULL, &s->fb);
    if (st == VIGIL_OK)
        st = vigil_ioc_match_path(db, s->ioc, t->path, strlen(t->path), &s->fb);
    return st;
}

static vigil_status scan_target(vigil_scanner *s, const target *t, const uint8_t *data, size_t len);

typedef struct big_member {
    char *path; /* "outer!member" */
    uint64_t size;
    vigil_status hst;  /* of the hasher */
    uint8_t head[512]; /* the first bytes, for the file type */
    size_t headlen;
} big_member;

typedef struct member_ctx {
    vigil_scanner *s;
    const target *outer;
    big_member big; /* the oversized member being streamed */
    int in_image;   /* the outer target is a disk image: files, not members */
    int64_t mtime;  /* in an image: the file's own modification time */
} member_ctx;

static vigil_status on_member(void *user, const char *name, const uint8_t *data, size_t len)
{
    member_ctx *m = user;
    const target *o = m->outer;
    size_t a = strlen(o->path), b = strlen(name);
    char *path;
    target t;
    vigil_status st;

    if (a > SIZE_MAX - b - 2)
        return VIGIL_ERR_OVERFLOW;
    path = malloc(a + b + 2);
    if (path == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(path, o->path, a);
    path[a] = '!';
    memcpy(path + a + 1, name, b + 1);
    t = *o;
    t.path = path;
    t.size = len;
    t.depth = o->depth + 1;
    t.image_tried = 0;
    uint64_t budget = m->s->opt.archive.max_total;
    if (m->in_image) {
        t.budget = &budget; /* a file in an image gets the budget of a file on disk */
        t.mtime = m->mtime;
        m->s->stats.image_files++;
        m->s->stats.bytes += len;
    } else {
        m->s->stats.members++;
    }
    st = scan_target(m->s, &t, data, len);
    free(path);
    return st;
}

/* One event of an event log inside a target, with its Sigma findings. */
typedef struct event_ctx {
    vigil_scanner *s;
    const target *t;
    const uint8_t *data;
    size_t len;
    vigil_hashes *hashes; /* of the whole target, computed at the first report */
    const char *filetype;
} event_ctx;

static vigil_status on_event_findings(void *user, const vigil_event *event, vigil_findings *fb)
{
    event_ctx *e = user;
    (void)fb; /* it is the scanner's findings buffer */
    return report(e->s, e->t, e->data, e->len, 0, e->hashes, e->filetype, event);
}

static vigil_status scan_events(vigil_scanner *s, const target *t, const uint8_t *data, size_t len,
                                vigil_hashes *hashes, const char *filetype)
{
    event_ctx e = {s, t, data, len, hashes, filetype};

    s->stats.event_logs++;
    return vigil_event_scan_run(s->events, t->path, data, len, &s->fb, on_event_findings, &e,
                                &s->stats.events, &s->stats.event_matches);
}

/* A registry hive: its values as registry events, named files, autostarts. */
static vigil_status scan_hive(vigil_scanner *s, const target *t, const uint8_t *data, size_t len,
                              vigil_hashes *hashes, const char *filetype)
{
    event_ctx e = {s, t, data, len, hashes, filetype};
    vigil_registry_scan rs = {.events = s->events,
                              .ioc = s->engine->ioc,
                              .scratch = s->ioc,
                              .fb = &s->fb,
                              .diag = &s->diag,
                              .report = on_event_findings,
                              .user = &e,
                              .stats = &s->stats,
                              .cancel = s->opt.cancel};

    return vigil_registry_scan_run(&rs, t->path, data, len);
}

/* An archive member past the member size limit: its bytes are streamed
 * through the hasher, then its name and (if every byte was seen) its
 * hashes are checked like those of a file past --max-size. */
static vigil_status big_begin(void *user, const char *name)
{
    member_ctx *m = user;
    size_t a = strlen(m->outer->path), b = strlen(name);

    if (a > SIZE_MAX - b - 2)
        return VIGIL_ERR_OVERFLOW;
    free(m->big.path);
    m->big.path = malloc(a + b + 2);
    if (m->big.path == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(m->big.path, m->outer->path, a);
    m->big.path[a] = '!';
    memcpy(m->big.path + a + 1, name, b + 1);
    m->big.size = 0;
    m->big.headlen = 0;
    m->big.hst =
        vigil_hasher_begin(m->s->hasher, VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256);
    return VIGIL_OK;
}

static vigil_status big_data(void *user, const uint8_t *data, size_t len)
{
    member_ctx *m = user;

    m->big.size += len;
    if (m->in_image)
        m->s->stats.bytes += len;
    if (m->big.headlen < sizeof m->big.head) {
        size_t take = sizeof m->big.head - m->big.headlen;
        if (take > len)
            take = len;
        memcpy(m->big.head + m->big.headlen, data, take);
        m->big.headlen += take;
    }
    if (m->big.hst == VIGIL_OK)
        m->big.hst = vigil_hasher_update(m->s->hasher, data, len);
    return VIGIL_OK;
}

static vigil_status big_end(void *user, int complete)
{
    member_ctx *m = user;
    vigil_scanner *s = m->s;
    vigil_hashes hashes;
    target t = *m->outer;
    vigil_status st = VIGIL_OK;

    memset(&hashes, 0, sizeof hashes);
    if (m->big.hst == VIGIL_OK)
        m->big.hst = vigil_hasher_finish(s->hasher, &hashes);
    if (!complete || m->big.hst != VIGIL_OK)
        memset(&hashes, 0, sizeof hashes); /* a part's hashes are no one's */
    t.path = m->big.path;
    t.size = m->big.size;
    if (m->in_image)
        t.mtime = m->mtime;
    t.depth = m->outer->depth + 1;
    s->stats.targets++;
    if (m->in_image) {
        s->stats.image_files++;
        s->stats.oversized++;
    } else {
        s->stats.members++;
        s->stats.members_oversized++;
    }
    vigil_findings_reset(&s->fb);
    st = check_iocs(s, &t, &hashes);
    if (st == VIGIL_OK)
        st = report(s, &t, NULL, 0, 1, &hashes, vigil_filetype_detect(m->big.head, m->big.headlen),
                    NULL);
    free(m->big.path);
    m->big.path = NULL;
    return st;
}

/* Opens an archive found in a target, or says why it was not. */
static vigil_status open_archive(vigil_scanner *s, const target *t, const uint8_t *data, size_t len)
{
    static const vigil_archive_big_fns big = {big_begin, big_data, big_end};
    member_ctx m;
    vigil_archive_walk_stats ws;
    vigil_status st;

    if (t->depth >= s->opt.archive.max_depth) {
        s->stats.archives_too_deep++;
        vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, t->path, 0,
                    "archive not opened: nested deeper than the depth limit %u (name and hash "
                    "checked)",
                    s->opt.archive.max_depth);
        return VIGIL_OK;
    }
    memset(&m, 0, sizeof m);
    m.s = s;
    m.outer = t;
    memset(&ws, 0, sizeof ws);
    st = vigil_archive_walk_big(data, len, t->path, &s->opt.archive, t->budget, &s->diag, on_member,
                                &big, &m, &ws);
    free(m.big.path);
    if (ws.bomb || ws.too_many)
        s->stats.archives_cut++;
    return st;
}

static const vigil_image_big_fns image_big = {big_begin, big_data, big_end};

static vigil_image_limits image_limits(const vigil_scanner *s)
{
    vigil_image_limits l;

    memset(&l, 0, sizeof l);
    l.max_file_size = s->opt.max_size;
    l.max_hash_size = s->opt.max_hash_size;
    l.cancel = s->opt.cancel;
    return l;
}

/* A disk image met inside an archive or another image: a raw one is read
 * from memory; E01/VMDK/VHD need files of their own and are said, counted
 * and left (their bytes were scanned as those of any file). */
static vigil_status open_image_memory(vigil_scanner *s, const target *t, const uint8_t *data,
                                      size_t len, vigil_image_kind kind)
{
    vigil_image_limits lim = image_limits(s);
    vigil_image_walk_stats ws;
    member_ctx m;
    vigil_status st;

    if (kind != VIGIL_IMAGE_RAW || t->depth >= s->opt.archive.max_depth) {
        s->stats.images_not_opened++;
        vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, t->path, 0,
                    kind != VIGIL_IMAGE_RAW
                        ? "disk image not opened: a %s image is opened only from a file on disk "
                          "(name, hash and YARA checked)"
                        : "disk image not opened: a %s image nested deeper than the depth limit "
                          "(name, hash and YARA checked)",
                    vigil_image_kind_name(kind));
        return VIGIL_OK;
    }
    memset(&m, 0, sizeof m);
    m.s = s;
    m.outer = t;
    m.in_image = 1;
    lim.mtime = &m.mtime;
    st =
        vigil_image_walk_memory(data, len, t->path, &lim, &s->diag, on_member, &image_big, &m, &ws);
    free(m.big.path);
    if (st == VIGIL_ERR_UNSUPPORTED)
        return VIGIL_OK; /* nothing in it could be read: its bytes were scanned */
    s->stats.images++;
    s->stats.image_streams += ws.streams;
    s->stats.image_snapshots += ws.snapshots;
    s->stats.image_snapshot_unchanged += ws.snapshot_unchanged;
    return st;
}

/* A file on disk that looks like a disk image is walked inside; the image
 * itself gets its name checked (hashing a disk image would read it twice,
 * for hash IOCs that are of malware). VIGIL_ERR_UNSUPPORTED: not an image
 * after all, scan it as a plain file. */
static vigil_status open_image_file(vigil_scanner *s, const target *t, int fd)
{
    static const vigil_hashes no_hashes;
    vigil_hashes hashes = no_hashes;
    uint8_t head[4096], tail[512];
    ssize_t hn, tn = 0;
    vigil_image_limits lim = image_limits(s);
    vigil_image_walk_stats ws;
    vigil_image_kind kind;
    member_ctx m;
    vigil_status st;

    do
        hn = pread(fd, head, sizeof head, 0);
    while (hn < 0 && errno == EINTR);
    if (hn < 512)
        return VIGIL_ERR_UNSUPPORTED;
    do
        tn = pread(fd, tail, sizeof tail, (off_t)(t->size - sizeof tail));
    while (tn < 0 && errno == EINTR);
    kind = vigil_image_sniff(head, (size_t)hn, tail, tn == (ssize_t)sizeof tail ? sizeof tail : 0);
    if (kind == VIGIL_IMAGE_NONE) {
        const char *unread = vigil_image_sniff_unread(head, (size_t)hn);
        if (unread != NULL)
            vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, t->path, 0,
                        "disk image not opened: %s is not a format vigil reads, so the files "
                        "in it are not swept (its bytes are scanned as a plain file; convert "
                        "it with qemu-img convert -O raw)",
                        unread);
        return VIGIL_ERR_UNSUPPORTED;
    }
    memset(&m, 0, sizeof m);
    m.s = s;
    m.outer = t;
    m.in_image = 1;
    lim.mtime = &m.mtime;
    st = vigil_image_walk_file(t->path, t->path, kind, &lim, &s->diag, on_member, &image_big, &m,
                               &ws);
    free(m.big.path);
    if (st == VIGIL_ERR_UNSUPPORTED)
        return st;
    s->stats.images++;
    s->stats.image_streams += ws.streams;
    s->stats.image_snapshots += ws.snapshots;
    s->stats.image_snapshot_unchanged += ws.snapshot_unchanged;
    if (st != VIGIL_OK)
        return st;
    s->stats.targets++;
    vigil_findings_reset(&s->fb);
    st = check_iocs(s, t, &hashes);
    if (st == VIGIL_OK)
        st = report(s, t, NULL, 0, 1, &hashes, vigil_filetype_detect(head, (size_t)hn), NULL);
    return st;
}

static vigil_status scan_target(vigil_scanner *s, const target *t, const uint8_t *data, size_t len)
{
    vigil_hashes hashes;
    const char *filetype = vigil_filetype_detect(data, len);
    char md5hex[33] = "";
    char ext[32];
    vigil_status st;

    s->stats.targets++;
    vigil_findings_reset(&s->fb);
    memset(&hashes, 0, sizeof hashes);
    st = vigil_hasher_buffer(s->hasher, s->engine->hash_kinds, data, len, &hashes);
    if (st == VIGIL_OK && allowlisted(s, &hashes))
        return VIGIL_OK;
    if (st == VIGIL_OK)
        st = check_iocs(s, t, &hashes);
    if (st == VIGIL_OK) /* scheduled tasks, Startup folders, LNK, Prefetch */
        st = vigil_artefact_scan_run(s->engine->ioc, s->ioc, t->path, data, len, &s->fb, &s->diag,
                                     &s->stats);
    if (st == VIGIL_OK && s->net != NULL && vigil_netioc_is_text_log(t->path, data, len)) {
        s->stats.text_logs++;
        st = vigil_log_scan_run(s->engine->net, s->net, t->path, data, len, &s->fb, &s->diag);
    }
    if (st == VIGIL_OK && s->yara != NULL) {
        vigil_yara_externals ext_vars;
        if (hashes.have & VIGIL_HASH_MD5)
            vigil_hex(hashes.md5, 16, md5hex);
        lower_extension(t->path, ext, sizeof ext);
        ext_vars.filename = vigil_path_basename(t->path);
        ext_vars.filepath = t->path;
        ext_vars.extension = ext;
        ext_vars.filetype = filetype;
        ext_vars.owner = t->owner;
        ext_vars.md5 = md5hex;
        st = vigil_yara_scanner_scan(s->yara, t->path, data, len, &ext_vars, s->opt.max_strings,
                                     &s->diag, &s->fb);
    }
    if (st == VIGIL_OK)
        st = report(s, t, data, len, 0, &hashes, filetype, NULL);
    if (st == VIGIL_OK && s->events != NULL && vigil_event_scan_is_event_log(t->path, data, len))
        st = scan_events(s, t, data, len, &hashes, filetype);
    if (st == VIGIL_OK && vigil_registry_is_hive(data, len))
        st = scan_hive(s, t, data, len, &hashes, filetype);
    if (st != VIGIL_OK)
        return st;

    /* max_depth 0 means "do not open archives", as no_archives */
    if (s->opt.no_archives || s->opt.archive.max_depth == 0)
        return st;
    if (vigil_archive_sniff(data, len)) {
        st = open_archive(s, t, data, len);
    } else if (!t->image_tried) {
        vigil_image_kind kind = vigil_image_sniff(data, len, len >= 512 ? data + len - 512 : NULL,
                                                  len >= 512 ? 512 : 0);
        if (kind != VIGIL_IMAGE_NONE)
            st = open_image_memory(s, t, data, len, kind);
    }
    return st;
}

static const char *owner_name(vigil_scanner *s, uid_t uid)
{
    if (s->owner_known && s->owner_uid == uid)
        return s->owner;
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL) {
        size_t n = strlen(res->pw_name);
        if (n >= sizeof s->owner)
            n = sizeof s->owner - 1;
        memcpy(s->owner, res->pw_name, n);
        s->owner[n] = '\0';
    } else {
        snprintf(s->owner, sizeof s->owner, "%lu", (unsigned long)uid);
    }
    s->owner_uid = uid;
    s->owner_known = 1;
    return s->owner;
}

static int cancelled(const vigil_scanner *s)
{
    return s->opt.cancel != NULL && *s->opt.cancel;
}

static vigil_status errno_diag(vigil_scanner *s, const char *path, const char *what, int err)
{
    vigil_status code = (err == EACCES || err == EPERM) ? VIGIL_ERR_ACCESS : VIGIL_ERR_IO;
    s->stats.unreadable++;
    vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, code, path, 0, "cannot %s: %s", what, strerror(err));
    return VIGIL_OK;
}

/* Past max_hash_size: the first bytes (for the file type) and the name. */
static vigil_status scan_unhashed(vigil_scanner *s, int fd, const target *t)
{
    vigil_hashes hashes;
    uint8_t head[512];
    ssize_t r;
    vigil_status st;

    s->stats.unhashed++;
    memset(&hashes, 0, sizeof hashes);
    do
        r = pread(fd, head, sizeof head, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno_diag(s, t->path, "read", errno);
    s->stats.bytes += (uint64_t)r;
    s->stats.targets++;
    vigil_findings_reset(&s->fb);
    st = check_iocs(s, t, &hashes);
    if (st == VIGIL_OK)
        st = report(s, t, NULL, 0, 1, &hashes, vigil_filetype_detect(head, (size_t)r), NULL);
    return st;
}

/* Files past max_size: hashes and names only, read in chunks (up to
 * max_hash_size; bigger ones are not hashed at all). */
static vigil_status scan_streamed(vigil_scanner *s, int fd, const target *t)
{
    vigil_hashes hashes;
    uint8_t *chunk;
    uint8_t head[512];
    size_t headlen = 0;
    unsigned kinds = VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256;
    vigil_status st;

    s->stats.oversized++;
    if (t->size > s->opt.max_hash_size)
        return scan_unhashed(s, fd, t);
    memset(&hashes, 0, sizeof hashes);
    chunk = malloc(STREAM_CHUNK);
    if (chunk == NULL)
        return VIGIL_ERR_NOMEM;
    st = vigil_hasher_begin(s->hasher, kinds);
    /* at most the size fstat saw, as read_into does: a file written to
     * faster than it is read (a busy log, `yes > f`) would never end */
    for (uint64_t left = t->size; left > 0;) {
        if (cancelled(s)) {
            free(chunk);
            return VIGIL_ERR_ABORTED;
        }
        ssize_t r = read(fd, chunk, left < STREAM_CHUNK ? (size_t)left : STREAM_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(chunk);
            return errno_diag(s, t->path, "read", errno);
        }
        if (r == 0)
            break;
        left -= (uint64_t)r;
        if (headlen < sizeof head) {
            size_t take = sizeof head - headlen < (size_t)r ? sizeof head - headlen : (size_t)r;
            memcpy(head + headlen, chunk, take);
            headlen += take;
        }
        s->stats.bytes += (uint64_t)r;
        if (st == VIGIL_OK)
            st = vigil_hasher_update(s->hasher, chunk, (size_t)r);
    }
    free(chunk);
    if (st == VIGIL_OK)
        st = vigil_hasher_finish(s->hasher, &hashes);
    if (st != VIGIL_OK)
        return st;
    s->stats.targets++;
    vigil_findings_reset(&s->fb);
    if (allowlisted(s, &hashes))
        return VIGIL_OK;
    st = check_iocs(s, t, &hashes);
    if (st == VIGIL_OK)
        st = report(s, t, NULL, 0, 1, &hashes, vigil_filetype_detect(head, headlen), NULL);
    return st;
}

/* Reads up to expect bytes into buf (one spare byte detects a file that
 * grew; growth past the size we planned for is cut), READ_CHUNK at a time
 * between polls of the cancel flag. */
static vigil_status read_into(const vigil_scanner *s, int fd, uint8_t *buf, size_t expect,
                              size_t *got)
{
    size_t n = 0, want = expect + 1;

    while (n < want) {
        if (cancelled(s))
            return VIGIL_ERR_ABORTED;
        ssize_t r = read(fd, buf + n, want - n < READ_CHUNK ? want - n : READ_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return VIGIL_ERR_IO;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *got = n > expect ? expect : n;
    return VIGIL_OK;
}

/* The buffer a file of this size is read into: the scanner's kept one for
 * ordinary files; for big ones the sweep's spare mapping or a private
 * anonymous mapping (*mapped: its size), handed back right after the scan
 * (the sweep keeps at most one, unused, for the next big file) or
 * unmapped, so a sweep's peak memory is that of the files being scanned
 * now plus at most one spare, not of every big file a thread has seen. */
static uint8_t *file_buffer(vigil_scanner *s, size_t want, size_t *mapped)
{
    *mapped = 0;
    if (want > VIGIL_SCANNER_KEPT_BUFFER) {
        /* the kept buffer goes first: a thread then holds the big file or
         * the kept buffer, never both */
        free(s->buf);
        s->buf = NULL;
        s->bufcap = 0;
        void *p = vigil_spare_mapping_take(s->spare, want, mapped);
        if (p != NULL)
            return p;
        /* populated up front: one call instead of a page fault per 4 KiB
         * while read() fills it (measured: sys time of a sweep of
         * /usr/lib/x86_64-linux-gnu from 3.7 s to 2.2 s) */
        p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
                 0);
        if (p == MAP_FAILED)
            return NULL;
        *mapped = want;
        return p;
    }
    if (want > s->bufcap) {
        uint8_t *p = realloc(s->buf, want);
        if (p == NULL)
            return NULL;
        s->buf = p;
        s->bufcap = want;
    }
    return s->buf;
}

vigil_status vigil_scanner_scan_file(vigil_scanner *s, const char *path)
{
    struct stat sb;
    int fd;
    target t;
    uint64_t budget;
    vigil_status st;

    if (s == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (s->aborted || cancelled(s))
        return VIGIL_ERR_ABORTED;
    fd = vigil_open_long_path(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno_diag(s, path, "open", errno);
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return errno_diag(s, path, "stat", err);
    }
    if (!S_ISREG(sb.st_mode)) {
        /* a sweep hands over only files its walk saw as regular: this one
         * was replaced since (a FIFO would block a reader, a device feed
         * it endless bytes), which is worth a warning, not a quiet skip */
        close(fd);
        s->stats.not_regular++;
        vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, path, 0,
                    "not scanned: %s, not a regular file (replaced since it was listed?)",
                    vigil_file_kind_name(sb.st_mode));
        return VIGIL_OK;
    }
    budget = s->opt.archive.max_total;
    t.path = path;
    t.size = (uint64_t)sb.st_size;
    t.mtime = (int64_t)sb.st_mtime;
    t.owner = owner_name(s, sb.st_uid);
    t.depth = 0;
    t.budget = &budget;
    t.image_tried = 0;
    if (!s->opt.no_archives && s->opt.archive.max_depth > 0) {
        st = open_image_file(s, &t, fd);
        if (st != VIGIL_ERR_UNSUPPORTED) {
            close(fd);
            return st;
        }
        t.image_tried = 1;
    }
    if ((uint64_t)sb.st_size > s->opt.max_size || (uint64_t)sb.st_size > SIZE_MAX - 1) {
        st = scan_streamed(s, fd, &t);
        close(fd);
        return st;
    }
    size_t len = 0, want = (size_t)sb.st_size + 1;
    size_t mapped;
    uint8_t *buf = file_buffer(s, want, &mapped);
    if (buf == NULL) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    st = read_into(s, fd, buf, (size_t)sb.st_size, &len);
    int err = errno;
    close(fd);
    if (st == VIGIL_OK) {
        s->stats.bytes += len;
        t.size = len;
        st = scan_target(s, &t, buf, len);
    } else if (st != VIGIL_ERR_ABORTED) {
        st = errno_diag(s, path, "read", err);
    }
    if (mapped > 0)
        vigil_spare_mapping_give(s->spare, buf, mapped);
    return st;
}

vigil_status vigil_scanner_scan_memory(vigil_scanner *s, const char *name, const void *data,
                                       size_t len)
{
    target t;
    uint64_t budget;

    if (s == NULL || name == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (s->aborted)
        return VIGIL_ERR_ABORTED;
    budget = s->opt.archive.max_total;
    t.path = name;
    t.size = len;
    t.mtime = 0;
    t.owner = "";
    t.depth = 0;
    t.budget = &budget;
    t.image_tried = 0;
    s->stats.bytes += len;
    return scan_target(s, &t, data, len);
}
