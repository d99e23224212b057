/* archive_walk.c - hands out the members of an in-memory archive, within limits.
 *
 * Why: intruders stage tools and loot in archives (APT10 packed stolen data in
 * password-protected RARs), so the scanner must look inside them; but an
 * archive is also the cheapest way to make a scanner run out of memory or
 * time. So every byte libarchive expands here is counted against the
 * caller's budget and the compression ratio of the outer buffer, members are
 * read into one bounded buffer, and every problem (encryption, corruption,
 * limits) is a diagnostic naming the archive, never a failure. */
#include "archive/archive_walk.h"
#include "core/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK ((size_t)64 * 1024)
#define MAX_RETRIES 16

/* How reading one member ended. */
typedef enum {
    MEMBER_READ,    /* the whole member is in ctx->buf */
    MEMBER_SKIPPED, /* reported and skipped; go on with the next header */
    MEMBER_STOP,    /* reported; the walk ends (bomb or fatal error) */
    MEMBER_PARTIAL  /* a bomb limit hit while reading: what was read is in
                       ctx->buf and is scanned, then the walk ends */
} member_end;

typedef struct walk_ctx {
    struct archive *a;
    const char *display;
    const vigil_diag_sink *diag;
    uint64_t compressed; /* size of the outer buffer */
    uint64_t budget;     /* bytes still allowed */
    uint64_t max_member;
    uint64_t max_members;
    unsigned max_ratio;
    vigil_archive_walk_stats *st;
    uint8_t *buf; /* the member being read */
    size_t cap;
    uint8_t *scratch; /* CHUNK bytes to discard into */
    char *label;      /* "display!member" for diagnostics */
    size_t label_cap;
    vigil_status err;                 /* VIGIL_ERR_NOMEM while reading, or big's failure */
    const vigil_archive_big_fns *big; /* oversized members streamed here; may be NULL */
    void *user;
    uint64_t headers; /* headers read, of any type */
    int eof;          /* the walk reached the end of the archive */
} walk_ctx;

static int has_prefix(const uint8_t *d, size_t len, size_t at, const char *magic, size_t n)
{
    return len >= at + n && memcmp(d + at, magic, n) == 0;
}

/* gzip, bzip2, xz: a stream that may hold a tar or a single file. */
static int is_compressed(const uint8_t *d, size_t len)
{
    return has_prefix(d, len, 0, "\x1f\x8b", 2) ||
           (has_prefix(d, len, 0, "BZh", 3) && len > 3 && d[3] >= '1' && d[3] <= '9') ||
           has_prefix(d, len, 0,
                      "\xfd"
                      "7zXZ\0",
                      6);
}

int vigil_archive_sniff(const uint8_t *data, size_t len)
{
    if (data == NULL)
        return 0;
    return has_prefix(data, len, 0, "PK\x03\x04", 4) ||
           has_prefix(data, len, 0, "7z\xbc\xaf\x27\x1c", 6) ||
           has_prefix(data, len, 0, "Rar!\x1a\x07\x00", 7) ||
           has_prefix(data, len, 0, "Rar!\x1a\x07\x01\x00", 8) || is_compressed(data, len) ||
           has_prefix(data, len, 257, "ustar", 5);
}

/* The display name of a member, "archive!member"; falls back to the
 * archive's own name when memory is short (a diagnostic must not fail). */
static const char *label_for(walk_ctx *c, const char *member)
{
    const char *l = vigil_path_nested(&c->label, &c->label_cap, c->display, member);
    return l != NULL ? l : c->display;
}

static const char *archive_reason(struct archive *a)
{
    const char *s = archive_error_string(a);
    return s != NULL ? s : "unknown error";
}

/* Counts n expanded bytes; reports and returns 1 when a limit is passed. */
static int account(walk_ctx *c, size_t n)
{
    c->st->expanded += n;
    if (n > c->budget) {
        c->budget = 0;
        c->st->bomb = 1;
        vigil_diagf(
            c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, c->display, 0,
            "archive bomb: expanded %llu bytes, past the budget of this file; the rest not read",
            (unsigned long long)c->st->expanded);
        return 1;
    }
    c->budget -= n;
    if (c->st->expanded >= VIGIL_ARCHIVE_RATIO_FLOOR &&
        c->compressed <= UINT64_MAX / c->max_ratio &&
        c->st->expanded > c->compressed * c->max_ratio) {
        c->st->bomb = 1;
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, c->display, 0,
                    "archive bomb: expanded %llu bytes from %llu compressed, past ratio %u; the "
                    "rest not read",
                    (unsigned long long)c->st->expanded, (unsigned long long)c->compressed,
                    c->max_ratio);
        return 1;
    }
    return 0;
}

/* Whether libarchive's complaint is about encryption rather than damage. */
static int says_encrypted(struct archive *a)
{
    const char *s = archive_error_string(a);
    return s != NULL && (strcasestr(s, "encrypt") != NULL || strcasestr(s, "passphrase") != NULL ||
                         strcasestr(s, "password") != NULL);
}

/* Reports a failed read of a member; encrypted data gets its own message. */
static member_end read_failed(walk_ctx *c, struct archive_entry *e, const char *name, la_ssize_t r)
{
    const char *src = label_for(c, name);

    if (archive_entry_is_data_encrypted(e) || says_encrypted(c->a))
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_ACCESS, src, 0,
                    "password-protected archive: member is encrypted and was not read");
    else
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, src, 0, "corrupt archive: %s",
                    archive_reason(c->a));
    c->st->skipped++;
    return r == ARCHIVE_FATAL ? MEMBER_STOP : MEMBER_SKIPPED;
}

/* Skipping seeks over the member instead of expanding it: a zip or tar
 * member of known size, not inside a compressed stream. */
static int cheap_skip(walk_ctx *c, struct archive_entry *e)
{
    int base = archive_format(c->a) & ARCHIVE_FORMAT_BASE_MASK;

    return archive_filter_count(c->a) <= 1 && archive_entry_size_is_set(e) &&
           (base == ARCHIVE_FORMAT_ZIP || base == ARCHIVE_FORMAT_TAR);
}

/* Reads and discards the rest of an oversized member, still counting it,
 * unless the format can jump over it without expanding anything. */
static member_end discard_rest(walk_ctx *c, struct archive_entry *e, const char *name)
{
    if (cheap_skip(c, e)) {
        int r = archive_read_data_skip(c->a);
        if (r == ARCHIVE_OK)
            return MEMBER_SKIPPED;
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label_for(c, name), 0,
                    "corrupt archive: %s", archive_reason(c->a));
        return r == ARCHIVE_FATAL ? MEMBER_STOP : MEMBER_SKIPPED;
    }
    for (;;) {
        la_ssize_t r = archive_read_data(c->a, c->scratch, CHUNK);
        if (r == 0)
            return MEMBER_SKIPPED;
        if (r < 0) {
            vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label_for(c, name), 0,
                        "corrupt archive: %s", archive_reason(c->a));
            return r == ARCHIVE_FATAL ? MEMBER_STOP : MEMBER_SKIPPED;
        }
        if (account(c, (size_t)r))
            return MEMBER_STOP;
    }
}

/* Streams an oversized member to the caller's big functions: what was
 * read already (have bytes in buf, then extra), then the rest as far as the
 * limits allow. The caller checks its name and, when every byte was seen,
 * its hashes. */
static member_end stream_big(walk_ctx *c, const char *name, size_t have, const uint8_t *extra,
                             size_t nextra)
{
    const vigil_archive_big_fns *b = c->big;
    member_end end = MEMBER_SKIPPED;
    int complete = 0;
    vigil_status s;

    s = b->begin(c->user, name);
    if (s == VIGIL_OK && have > 0)
        s = b->data(c->user, c->buf, have);
    if (s == VIGIL_OK && nextra > 0)
        s = b->data(c->user, extra, nextra);
    while (s == VIGIL_OK) {
        la_ssize_t r = archive_read_data(c->a, c->scratch, CHUNK);
        if (r == 0) {
            complete = 1;
            break;
        }
        if (r < 0) {
            vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label_for(c, name), 0,
                        "corrupt archive: %s", archive_reason(c->a));
            end = r == ARCHIVE_FATAL ? MEMBER_STOP : MEMBER_SKIPPED;
            break;
        }
        if (account(c, (size_t)r)) {
            end = MEMBER_STOP;
            break;
        }
        s = b->data(c->user, c->scratch, (size_t)r);
    }
    if (s == VIGIL_OK)
        s = b->end(c->user, complete);
    else
        (void)b->end(c->user, 0);
    if (s != VIGIL_OK) {
        c->err = s;
        return MEMBER_STOP;
    }
    return end;
}

/* A member past max_member: reported; streamed to the caller's big
 * functions (name and hash checks) or else discarded. */
static member_end too_large(walk_ctx *c, struct archive_entry *e, const char *name, size_t have,
                            const uint8_t *extra, size_t nextra)
{
    vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, label_for(c, name), 0,
                "member too large: more than %llu bytes, not scanned%s",
                (unsigned long long)c->max_member,
                c->big != NULL ? " (name and hash checked)" : "");
    c->st->skipped++;
    c->st->oversized++;
    if (c->big != NULL)
        return stream_big(c, name, have, extra, nextra);
    return discard_rest(c, e, name);
}

/* Makes room for want more bytes after have, within max_member. */
static int grow(walk_ctx *c, size_t have, size_t want)
{
    size_t need = have + want, ncap;
    uint8_t *p;

    if (need <= c->cap)
        return 1;
    ncap = c->cap ? c->cap : CHUNK;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > c->max_member)
        ncap = (size_t)c->max_member;
    p = realloc(c->buf, ncap);
    if (p == NULL) {
        c->err = VIGIL_ERR_NOMEM;
        return 0;
    }
    c->buf = p;
    c->cap = ncap;
    return 1;
}

static member_end read_member(walk_ctx *c, struct archive_entry *e, const char *name, size_t *len)
{
    size_t have = 0;

    if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
        (uint64_t)archive_entry_size(e) > c->max_member)
        return too_large(c, e, name, 0, NULL, 0);
    for (;;) {
        size_t want = CHUNK;
        la_ssize_t r;

        if (have == c->max_member) {
            /* Full: one more byte means the member is too large. */
            r = archive_read_data(c->a, c->scratch, CHUNK);
            if (r == 0)
                break;
            if (r < 0)
                return read_failed(c, e, name, r);
            if (account(c, (size_t)r))
                return MEMBER_STOP;
            return too_large(c, e, name, have, c->scratch, (size_t)r);
        }
        if (want > c->max_member - have)
            want = (size_t)(c->max_member - have);
        if (!grow(c, have, want))
            return MEMBER_STOP;
        r = archive_read_data(c->a, c->buf + have, want);
        if (r == 0)
            break;
        if (r < 0)
            return read_failed(c, e, name, r);
        have += (size_t)r;
        if (account(c, (size_t)r)) {
            *len = have;
            return MEMBER_PARTIAL;
        }
    }
    *len = have;
    return MEMBER_READ;
}

/* The one member of a plain .gz/.bz2/.xz: the outer base name without its
 * compression suffix ("logs/auth.log.gz" -> "auth.log"). */
static char *raw_member_name(const char *display)
{
    static const char *const sfx[][2] = {{".gz", ""},       {".gzip", ""},    {".bz2", ""},
                                         {".bz", ""},       {".xz", ""},      {".tgz", ".tar"},
                                         {".tbz2", ".tar"}, {".tbz", ".tar"}, {".txz", ".tar"}};
    const char *base = display, *p;
    size_t n, i;
    char *out;

    for (p = display; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '!')
            base = p + 1;
    n = strlen(base);
    for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        size_t sl = strlen(sfx[i][0]), rl = strlen(sfx[i][1]);
        if (n > sl && strcasecmp(base + n - sl, sfx[i][0]) == 0) {
            out = malloc(n - sl + rl + 1);
            if (out == NULL)
                return NULL;
            memcpy(out, base, n - sl);
            memcpy(out + n - sl, sfx[i][1], rl + 1);
            return out;
        }
    }
    if (n == 0)
        base = "data";
    return strdup(base);
}

/* raw_only: the stream's data is one member, whatever it looks like. */
static struct archive *open_reader(const uint8_t *data, size_t len, int raw_only)
{
    struct archive *a = archive_read_new();

    if (a == NULL)
        return NULL;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    if (raw_only) {
        archive_read_support_format_raw(a);
        return a;
    }
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    /* Only a compressed stream may be a single file; otherwise any
     * unreadable archive would come back as one member, itself. */
    if (is_compressed(data, len))
        archive_read_support_format_raw(a);
    return a;
}

static void fatal(walk_ctx *c)
{
    if (says_encrypted(c->a))
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_ACCESS, c->display, 0,
                    "password-protected archive: encrypted headers, not read (%s)",
                    archive_reason(c->a));
    else
        vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, c->display, 0,
                    "corrupt archive: %s", archive_reason(c->a));
}

/* The loop over headers; returns the walk's status. */
static vigil_status walk_entries(walk_ctx *c, vigil_archive_member_fn cb, void *user)
{
    struct archive_entry *e;
    uint64_t seen = 0;
    int retries = 0;

    for (;;) {
        int r = archive_read_next_header(c->a, &e);
        const char *name;
        char *owned = NULL;
        size_t len = 0;
        member_end end;
        vigil_status s;

        if (r == ARCHIVE_EOF) {
            c->eof = 1;
            return VIGIL_OK;
        }
        if (r >= ARCHIVE_WARN)
            c->headers++;
        if (r == ARCHIVE_RETRY && ++retries < MAX_RETRIES)
            continue;
        if (r < ARCHIVE_WARN) {
            fatal(c);
            return VIGIL_OK;
        }
        retries = 0;
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (seen++ >= c->max_members) {
            c->st->too_many = 1;
            vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, c->display, 0,
                        "too many members: more than %llu, the rest was not read",
                        (unsigned long long)c->max_members);
            return VIGIL_OK;
        }
        if (archive_format(c->a) == ARCHIVE_FORMAT_RAW) {
            owned = raw_member_name(c->display);
            if (owned == NULL)
                return VIGIL_ERR_NOMEM;
            name = owned;
        } else {
            name = archive_entry_pathname(e);
            if (name == NULL)
                name = archive_entry_pathname_utf8(e);
            if (name == NULL)
                name = "(unnamed)";
        }
        if (archive_entry_is_data_encrypted(e)) {
            vigil_diagf(c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_ACCESS, label_for(c, name), 0,
                        "password-protected archive: member is encrypted and was not read");
            c->st->skipped++;
            free(owned);
            if (archive_read_data_skip(c->a) == ARCHIVE_FATAL) {
                fatal(c);
                return VIGIL_OK;
            }
            continue;
        }
        end = read_member(c, e, name, &len);
        if (c->err != VIGIL_OK) {
            free(owned);
            return c->err;
        }
        if (end == MEMBER_STOP) {
            free(owned);
            return VIGIL_OK;
        }
        if (end == MEMBER_SKIPPED) {
            free(owned);
            continue;
        }
        c->st->members++;
        s = cb(user, name, c->buf != NULL ? c->buf : (const uint8_t *)"", len);
        free(owned);
        if (s != VIGIL_OK || end == MEMBER_PARTIAL)
            return s;
    }
}

vigil_status vigil_archive_walk(const uint8_t *data, size_t len, const char *display_name,
                                const vigil_archive_limits *limits, uint64_t *budget,
                                const vigil_diag_sink *diag, vigil_archive_member_fn cb, void *user,
                                vigil_archive_walk_stats *stats)
{
    return vigil_archive_walk_big(data, len, display_name, limits, budget, diag, cb, NULL, user,
                                  stats);
}

vigil_status vigil_archive_walk_big(const uint8_t *data, size_t len, const char *display_name,
                                    const vigil_archive_limits *limits, uint64_t *budget,
                                    const vigil_diag_sink *diag, vigil_archive_member_fn cb,
                                    const vigil_archive_big_fns *big, void *user,
                                    vigil_archive_walk_stats *stats)
{
    vigil_archive_walk_stats local;
    walk_ctx c;
    vigil_status s;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if ((data == NULL && len > 0) || cb == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(&c, 0, sizeof c);
    c.display = display_name != NULL ? display_name : "(archive)";
    c.diag = diag;
    c.st = stats;
    c.big = big != NULL && big->begin != NULL && big->data != NULL && big->end != NULL ? big : NULL;
    c.user = user;
    c.compressed = len;
    c.max_member = limits && limits->max_member_size ? limits->max_member_size
                                                     : VIGIL_ARCHIVE_DEFAULT_MAX_MEMBER_SIZE;
    if (c.max_member > SIZE_MAX)
        c.max_member = SIZE_MAX;
    c.max_members =
        limits && limits->max_members ? limits->max_members : VIGIL_ARCHIVE_DEFAULT_MAX_MEMBERS;
    c.max_ratio = limits && limits->max_ratio ? limits->max_ratio : VIGIL_ARCHIVE_DEFAULT_MAX_RATIO;
    if (budget != NULL)
        c.budget = *budget;
    else
        c.budget =
            limits && limits->max_total ? limits->max_total : VIGIL_ARCHIVE_DEFAULT_MAX_TOTAL;
    if (len == 0) {
        vigil_diagf(c.diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, c.display, 0,
                    "corrupt archive: empty");
        return VIGIL_OK;
    }
    c.scratch = malloc(CHUNK);
    c.a = open_reader(data, len, 0);
    if (c.scratch == NULL || c.a == NULL) {
        free(c.scratch);
        if (c.a != NULL)
            archive_read_free(c.a);
        return VIGIL_ERR_NOMEM;
    }
    if (archive_read_open_memory(c.a, data, len) != ARCHIVE_OK) {
        fatal(&c);
        s = VIGIL_OK;
    } else {
        s = walk_entries(&c, cb, user);
    }
    /* A compressed stream whose data starts with a zeroed 512-byte block
     * reads as an empty tar (the end-of-archive mark): read the data as the
     * stream's one member instead of dropping it unseen. */
    if (s == VIGIL_OK && c.eof && c.headers == 0 && is_compressed(data, len)) {
        archive_read_free(c.a);
        c.a = open_reader(data, len, 1);
        if (c.a == NULL)
            s = VIGIL_ERR_NOMEM;
        else if (archive_read_open_memory(c.a, data, len) != ARCHIVE_OK)
            fatal(&c);
        else
            s = walk_entries(&c, cb, user);
    }
    if (budget != NULL)
        *budget = c.budget;
    if (c.a != NULL)
        archive_read_free(c.a);
    free(c.scratch);
    free(c.buf);
    free(c.label);
    return s;
}
