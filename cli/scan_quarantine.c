/* scan_quarantine.c - `vigil scan --quarantine`: collecting the files whose
 * level reaches the quarantine level during the sweep, moving them into the
 * store after it, and writing a record of each move (text or JSONL) and a
 * closing count.
 *
 * A finding inside an archive ("a.zip!x/evil.exe") quarantines the outer
 * file on disk; its SHA-256 is taken when the finding arrives, so that a
 * file changed between scan and move is left alone. Event-log matches
 * (Sigma) are evidence about events, not implants: they are never moved. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_line.h"
#include "scan_quarantine.h"
#include "text_escape.h"

typedef struct sq_entry {
    char *path; /* the file on disk, absolute */
    char sha256[65];
    int score;
    vigil_level level;
    vigil_quarantine_finding *findings; /* target and rule owned */
    size_t nfindings, cap;
    char *message; /* the last error said about it while moving it */
} sq_entry;

struct scan_quarantine {
    vigil_level level;
    char *dir;
    sq_entry *e;
    size_t n, cap;
    size_t *slots; /* open addressing over e by path; index + 1, 0 = empty */
    size_t nslots;
    unsigned long quarantined, failed;
    out_writer *w;
};

int quarantine_parse_level(const char *s, vigil_level *out)
{
    for (int l = 0; l < VIGIL_LEVEL_COUNT; l++) {
        if (strcmp(s, vigil_level_name((vigil_level)l)) == 0) {
            *out = (vigil_level)l;
            return 0;
        }
    }
    return -1;
}

void quarantine_diag(const vigil_diag *d, void *user)
{
    static const char *const names[] = {"info", "warning", "error"};
    (void)user;
    if (d->level == VIGIL_DIAG_INFO)
        return;
    fprintf(stderr, "vigil: %s: ", names[d->level]);
    if (d->source != NULL) {
        text_escape_puts(stderr, d->source);
        fputs(": ", stderr);
    }
    text_escape_puts(stderr, d->message);
    fputc('\n', stderr);
}

scan_quarantine *scan_quarantine_create(vigil_level level, const char *dir)
{
    scan_quarantine *sq = calloc(1, sizeof *sq);
    if (sq == NULL)
        return NULL;
    sq->level = level;
    if (dir != NULL) {
        sq->dir = strdup(dir);
    } else if (vigil_quarantine_default_dir(&sq->dir) != VIGIL_OK) {
        fprintf(stderr, "vigil scan: no default quarantine store (set HOME or use "
                        "--quarantine-dir)\n");
        free(sq);
        return NULL;
    }
    if (sq->dir == NULL) {
        free(sq);
        return NULL;
    }
    return sq;
}

static void entry_free(sq_entry *e)
{
    for (size_t i = 0; i < e->nfindings; i++) {
        free((char *)e->findings[i].target);
        free((char *)e->findings[i].rule);
    }
    free(e->findings);
    free(e->message);
    free(e->path);
}

void scan_quarantine_destroy(scan_quarantine *sq)
{
    if (sq == NULL)
        return;
    for (size_t i = 0; i < sq->n; i++)
        entry_free(&sq->e[i]);
    free(sq->e);
    free(sq->slots);
    free(sq->dir);
    free(sq);
}

static size_t hash_path(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Grows the slot table to twice the entries; 0 on success. */
static int rehash(scan_quarantine *sq)
{
    size_t ns = sq->nslots ? sq->nslots * 2 : 64;
    size_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < sq->n; i++) {
        size_t k = hash_path(sq->e[i].path) & (ns - 1);
        while (slots[k] != 0)
            k = (k + 1) & (ns - 1);
        slots[k] = i + 1;
    }
    free(sq->slots);
    sq->slots = slots;
    sq->nslots = ns;
    return 0;
}

/* The entry for path, or NULL. */
static sq_entry *entry_find(scan_quarantine *sq, const char *path)
{
    if (sq->nslots == 0)
        return NULL;
    size_t k = hash_path(path) & (sq->nslots - 1);
    while (sq->slots[k] != 0) {
        sq_entry *e = &sq->e[sq->slots[k] - 1];
        if (strcmp(e->path, path) == 0)
            return e;
        k = (k + 1) & (sq->nslots - 1);
    }
    return NULL;
}

/* The entry for path, created when new; NULL on out of memory. */
static sq_entry *entry_for(scan_quarantine *sq, const char *path)
{
    if ((sq->n + 1) * 2 > sq->nslots && rehash(sq) != 0)
        return NULL;
    size_t k = hash_path(path) & (sq->nslots - 1);
    while (sq->slots[k] != 0) {
        sq_entry *e = &sq->e[sq->slots[k] - 1];
        if (strcmp(e->path, path) == 0)
            return e;
        k = (k + 1) & (sq->nslots - 1);
    }
    if (sq->n == sq->cap) {
        size_t nc = sq->cap ? sq->cap * 2 : 16;
        sq_entry *p = realloc(sq->e, nc * sizeof *p);
        if (p == NULL)
            return NULL;
        sq->e = p;
        sq->cap = nc;
    }
    sq_entry *e = &sq->e[sq->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    if (e->path == NULL)
        return NULL;
    sq->slots[k] = ++sq->n;
    return e;
}

/* path with its directory made absolute (the last component not followed). */
static char *absolute(const char *path)
{
    char dirbuf[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir =
        slash ? (slash == path ? strdup("/") : strndup(path, (size_t)(slash - path))) : strdup(".");
    if (dir == NULL)
        return NULL;
    char *res = realpath(dir, dirbuf) != NULL ? dirbuf : NULL;
    free(dir);
    if (res == NULL)
        return strdup(path);
    size_t a = strlen(res), b = strlen(base);
    char *out = malloc(a + b + 2);
    if (out == NULL)
        return NULL;
    memcpy(out, res, a);
    size_t o = a;
    if (a == 0 || res[a - 1] != '/')
        out[o++] = '/';
    memcpy(out + o, base, b + 1);
    return out;
}

static int add_finding(sq_entry *e, const char *target, const vigil_finding *f)
{
    if (e->nfindings == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 4;
        vigil_quarantine_finding *p = realloc(e->findings, nc * sizeof *p);
        if (p == NULL)
            return -1;
        e->findings = p;
        e->cap = nc;
    }
    vigil_quarantine_finding *q = &e->findings[e->nfindings];
    q->target = strdup(target);
    q->rule = strdup(f->rule != NULL ? f->rule : "");
    q->kind = vigil_finding_kind_name(f->kind);
    q->score = f->score;
    if (q->target == NULL || q->rule == NULL) {
        free((char *)q->target);
        free((char *)q->rule);
        return -1;
    }
    e->nfindings++;
    return 0;
}

void scan_quarantine_collect(scan_quarantine *sq, const vigil_target_result *r)
{
    int member;
    if (r->level < sq->level || r->event != NULL ||
        (r->nfindings > 0 && r->findings[0].kind == VIGIL_FINDING_CORRELATION))
        return;
    char *disk = NULL;
    vigil_status st = vigil_quarantine_file_on_disk(r->path, &disk, &member);
    if (st != VIGIL_OK) {
        text_escape_say(stderr, "vigil: error: ", r->path, ": %s; not quarantined\n",
                        st == VIGIL_ERR_NOT_FOUND ? "no file on disk for this result (gone since "
                                                    "it was scanned?)"
                        : st == VIGIL_ERR_UNSUPPORTED ? "not a regular file on disk now (a "
                                                        "symbolic link is not followed)"
                                                      : vigil_status_str(st));
        sq->failed++;
        return;
    }
    char *abs = absolute(disk);
    free(disk);
    sq_entry *e = abs != NULL ? entry_for(sq, abs) : NULL;
    free(abs);
    if (e == NULL) {
        fprintf(stderr, "vigil scan: out of memory collecting files to quarantine\n");
        sq->failed++;
        return;
    }
    if (!member && r->sha256 != NULL)
        snprintf(e->sha256, sizeof e->sha256, "%s", r->sha256);
    else if (member && e->sha256[0] == '\0' &&
             vigil_quarantine_file_sha256(e->path, e->sha256) != VIGIL_OK)
        e->sha256[0] = '\0';
    if (r->score > e->score)
        e->score = r->score;
    if (r->level > e->level)
        e->level = r->level;
    for (size_t i = 0; i < r->nfindings; i++)
        if (add_finding(e, r->path, &r->findings[i]) != 0)
            break;
}

static void capture_diag(const vigil_diag *d, void *user)
{
    scan_quarantine *sq = user;
    sq_entry *e = d->level == VIGIL_DIAG_ERROR && d->source ? entry_find(sq, d->source) : NULL;
    if (e != NULL) {
        free(e->message);
        e->message = strdup(d->message);
    }
    out_diag(d, sq->w);
}

static void write_record(scan_quarantine *sq, const sq_entry *e, vigil_status st, const char *id)
{
    out_writer *w = sq->w;
    if (w->format == OUT_JSONL) {
        json_buf b = {0};
        json_buf_lit(&b, "{\"type\":\"quarantine\",\"action\":");
        json_buf_str(&b, st == VIGIL_OK ? "quarantined" : "failed");
        json_buf_lit(&b, ",\"path\":");
        json_buf_str(&b, e->path);
        if (st == VIGIL_OK) {
            json_buf_lit(&b, ",\"id\":");
            json_buf_str(&b, id);
        } else {
            json_buf_lit(&b, ",\"error\":");
            json_buf_str(&b, vigil_status_name(st));
            json_buf_lit(&b, ",\"message\":");
            json_buf_str(&b, e->message ? e->message : vigil_status_str(st));
        }
        json_buf_lit(&b, ",\"sha256\":");
        json_buf_str(&b, e->sha256[0] ? e->sha256 : NULL);
        json_buf_lit(&b, ",\"level\":");
        json_buf_str(&b, vigil_level_name(e->level));
        json_buf_lit(&b, ",\"score\":");
        json_buf_int(&b, e->score);
        json_buf_lit(&b, ",\"store\":");
        json_buf_str(&b, sq->dir);
        json_buf_lit(&b, "}\n");
        if (!b.fail)
            fwrite(b.p, 1, b.n, w->fp);
        json_buf_free(&b);
    } else if (st == VIGIL_OK) {
        fputs("QUARANTINED  ", w->fp);
        text_escape_puts(w->fp, e->path);
        fprintf(w->fp, "\n             item %s  sha256 %s\n", id, e->sha256[0] ? e->sha256 : "-");
    } else {
        fputs("NOT QUARANTINED  ", w->fp);
        text_escape_puts(w->fp, e->path);
        fputs("\n             ", w->fp);
        text_escape_puts(w->fp, e->message ? e->message : vigil_status_str(st));
        fputc('\n', w->fp);
    }
}

long scan_quarantine_run(scan_quarantine *sq, out_writer *w)
{
    vigil_quarantine *q;
    vigil_quarantine_options opts = {capture_diag, sq, NULL};

    sq->w = w;
    if (sq->n == 0)
        return (long)sq->failed;
    vigil_status st = vigil_quarantine_open(sq->dir, &opts, &q);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil scan: cannot open the quarantine store ");
        text_escape_puts(stderr, sq->dir);
        fprintf(stderr, ": %s; nothing quarantined\n", vigil_status_str(st));
        sq->failed += sq->n;
        return -1;
    }
    vigil_quarantine_request *reqs = calloc(sq->n, sizeof *reqs);
    vigil_quarantine_reason *whys = calloc(sq->n, sizeof *whys);
    if (reqs == NULL || whys == NULL) {
        fprintf(stderr, "vigil scan: out of memory; nothing quarantined\n");
        free(reqs);
        free(whys);
        vigil_quarantine_close(q);
        sq->failed += sq->n;
        return -1;
    }
    for (size_t i = 0; i < sq->n; i++) {
        sq_entry *e = &sq->e[i];
        whys[i] = (vigil_quarantine_reason){e->score, vigil_level_name(e->level), e->findings,
                                            e->nfindings};
        reqs[i].path = e->path;
        reqs[i].expected_sha256 = e->sha256[0] ? e->sha256 : NULL;
        reqs[i].why = &whys[i];
    }
    st = vigil_quarantine_add_many(q, reqs, sq->n);
    for (size_t i = 0; i < sq->n; i++) {
        vigil_status one = st != VIGIL_OK ? st : reqs[i].status;
        if (one == VIGIL_OK)
            sq->quarantined++;
        else
            sq->failed++;
        write_record(sq, &sq->e[i], one, reqs[i].id);
    }
    free(reqs);
    free(whys);
    vigil_quarantine_close(q);
    if (w->format == OUT_TEXT && sq->n > 0)
        fputc('\n', w->fp);
    return (long)sq->failed;
}

void scan_quarantine_summary(scan_quarantine *sq, out_writer *w)
{
    if (w->format == OUT_JSONL) {
        json_buf b = {0};
        json_buf_lit(&b, "{\"type\":\"quarantine_summary\",\"quarantined\":");
        json_buf_int(&b, (long long)sq->quarantined);
        json_buf_lit(&b, ",\"failed\":");
        json_buf_int(&b, (long long)sq->failed);
        json_buf_lit(&b, ",\"level\":");
        json_buf_str(&b, vigil_level_name(sq->level));
        json_buf_lit(&b, ",\"store\":");
        json_buf_str(&b, sq->dir);
        json_buf_lit(&b, "}\n");
        if (!b.fail)
            fwrite(b.p, 1, b.n, w->fp);
        json_buf_free(&b);
    } else {
        fprintf(w->fp, "Quarantine: %lu quarantined, %lu not (level %s and above), store ",
                sq->quarantined, sq->failed, vigil_level_name(sq->level));
        text_escape_puts(w->fp, sq->dir);
        fputc('\n', w->fp);
    }
}
