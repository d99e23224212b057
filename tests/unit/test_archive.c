/* test_archive.c - vigil_archive_walk on archives built here with libarchive's writer.
 *
 * Why built in the test: the expected member names, bytes and limits are
 * then known exactly, and no archive (let alone malware) is kept in the
 * repository. Every format the scanner opens, a nested zip, an encrypted
 * zip, a zip bomb and a truncated zip are covered. */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>

#include "archive/archive_walk.h"
#include "core/hash.h"
#include "core/util.h"
#include "test.h"
#include "vigil/vigil.h"

/* ---- building archives in memory ---- */

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static la_ssize_t mb_write(struct archive *a, void *user, const void *buf, size_t len)
{
    membuf *m = user;
    (void)a;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->n + len)
            cap *= 2;
        uint8_t *np = realloc(m->p, cap);
        if (np == NULL)
            return -1;
        m->p = np;
        m->cap = cap;
    }
    memcpy(m->p + m->n, buf, len);
    m->n += len;
    return (la_ssize_t)len;
}

typedef struct member {
    const char *name;
    const void *data;
    size_t len;
} member;

/* fmt: "zip", "7z", "tar", "tar.gz", "tar.bz2", "tar.xz", "gz", "bz2", "xz".
 * Returns the archive bytes. */
static uint8_t *build(const char *fmt, const char *password, const member *ms, size_t n,
                      size_t *out_len)
{
    struct archive *a = archive_write_new();
    membuf m = {0};
    size_t i;

    if (strcmp(fmt, "zip") == 0) {
        archive_write_set_format_zip(a);
        if (password) {
            if (archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
                archive_write_set_passphrase(a, password) != ARCHIVE_OK) {
                archive_write_free(a);
                return NULL;
            }
        }
    } else if (strcmp(fmt, "7z") == 0) {
        archive_write_set_format_7zip(a);
    } else if (strcmp(fmt, "tar") == 0) {
        archive_write_set_format_ustar(a);
    } else if (strcmp(fmt, "tar.gz") == 0) {
        archive_write_set_format_ustar(a);
        archive_write_add_filter_gzip(a);
    } else if (strcmp(fmt, "tar.bz2") == 0) {
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_bzip2(a);
    } else if (strcmp(fmt, "tar.xz") == 0) {
        archive_write_set_format_gnutar(a);
        archive_write_add_filter_xz(a);
    } else if (strcmp(fmt, "gz") == 0) {
        archive_write_set_format_raw(a);
        archive_write_add_filter_gzip(a);
    } else if (strcmp(fmt, "bz2") == 0) {
        archive_write_set_format_raw(a);
        archive_write_add_filter_bzip2(a);
    } else if (strcmp(fmt, "xz") == 0) {
        archive_write_set_format_raw(a);
        archive_write_add_filter_xz(a);
    }
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &m, NULL, mb_write, NULL) != ARCHIVE_OK) {
        fprintf(stderr, "open: %s\n", archive_error_string(a));
        archive_write_free(a);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ms[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)ms[i].len);
        archive_entry_set_mtime(e, 1500000000, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (ms[i].len && archive_write_data(a, ms[i].data, ms[i].len) != (la_ssize_t)ms[i].len))
            fprintf(stderr, "write: %s\n", archive_error_string(a));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *out_len = m.n;
    return m.p;
}

/* ---- recording what the walk reports ---- */

#define MAXREC 32
typedef struct rec {
    int nmem;
    char names[MAXREC][128];
    uint8_t *data[MAXREC];
    size_t lens[MAXREC];
    int ndiag;
    vigil_diag_level dlevel[MAXREC];
    vigil_status dcode[MAXREC];
    char dsource[MAXREC][128];
    char dmsg[MAXREC][256];
    int abort_after; /* stop after this many members; 0 = never */
    int nested;      /* walk members that look like archives */
    const vigil_diag_sink *sink;
    const vigil_archive_limits *limits;
} rec;

static void on_diag(const vigil_diag *d, void *user)
{
    rec *r = user;
    if (r->ndiag >= MAXREC)
        return;
    r->dlevel[r->ndiag] = d->level;
    r->dcode[r->ndiag] = d->code;
    snprintf(r->dsource[r->ndiag], sizeof r->dsource[0], "%s", d->source ? d->source : "");
    snprintf(r->dmsg[r->ndiag], sizeof r->dmsg[0], "%s", d->message);
    r->ndiag++;
}

static vigil_status on_member(void *user, const char *name, const uint8_t *data, size_t len);

static vigil_status walk(rec *r, const uint8_t *data, size_t len, const char *display,
                         const vigil_archive_limits *limits, uint64_t *budget,
                         vigil_archive_walk_stats *st)
{
    static vigil_diag_sink sink;
    sink.fn = on_diag;
    sink.user = r;
    r->sink = &sink;
    r->limits = limits;
    return vigil_archive_walk(data, len, display, limits, budget, &sink, on_member, r, st);
}

static vigil_status on_member(void *user, const char *name, const uint8_t *data, size_t len)
{
    rec *r = user;
    if (r->nmem >= MAXREC)
        return VIGIL_ERR_INTERNAL;
    snprintf(r->names[r->nmem], sizeof r->names[0], "%s", name);
    r->data[r->nmem] = malloc(len + 1);
    memcpy(r->data[r->nmem], data, len);
    r->lens[r->nmem] = len;
    r->nmem++;
    if (r->abort_after && r->nmem >= r->abort_after)
        return VIGIL_ERR_ABORTED;
    if (r->nested && vigil_archive_sniff(data, len)) {
        /* Copy: data is only valid during this call, and the inner walk
         * must not depend on the outer one's buffer. */
        uint8_t *copy = malloc(len);
        vigil_archive_walk_stats st;
        vigil_status s;
        memcpy(copy, data, len);
        s = vigil_archive_walk(copy, len, name, r->limits, NULL, r->sink, on_member, r, &st);
        free(copy);
        return s;
    }
    return VIGIL_OK;
}

static void rec_free(rec *r)
{
    if (getenv("DBG"))
        for (int i = 0; i < r->ndiag; i++)
            fprintf(stderr, "diag %d %s: %s\n", r->dcode[i], r->dsource[i], r->dmsg[i]);
    for (int i = 0; i < r->nmem; i++)
        free(r->data[i]);
}

static const char TXT_A[] = "first member\n";
static const char TXT_B[] = "MZ second member with a payload\n";

static void check_two(rec *r)
{
    CHECK_EQ_INT(r->nmem, 2);
    CHECK_EQ_STR(r->names[0], "a.txt");
    CHECK_EQ_STR(r->names[1], "dir/b.bin");
    CHECK_EQ_INT(r->lens[0], sizeof TXT_A - 1);
    CHECK_EQ_INT(r->lens[1], sizeof TXT_B - 1);
    if (r->nmem == 2) {
        CHECK(memcmp(r->data[0], TXT_A, sizeof TXT_A - 1) == 0);
        CHECK(memcmp(r->data[1], TXT_B, sizeof TXT_B - 1) == 0);
    }
    CHECK_EQ_INT(r->ndiag, 0);
}

static const member TWO[] = {{"a.txt", TXT_A, sizeof TXT_A - 1},
                             {"dir/b.bin", TXT_B, sizeof TXT_B - 1}};

static void test_formats(void)
{
    const char *fmts[] = {"zip", "7z", "tar", "tar.gz", "tar.bz2", "tar.xz"};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        size_t len = 0;
        uint8_t *ar = build(fmts[i], NULL, TWO, 2, &len);
        rec r = {0};
        vigil_archive_walk_stats st;
        uint64_t budget = 1000;
        CHECK(ar != NULL);
        if (ar == NULL)
            continue;
        CHECK(vigil_archive_sniff(ar, len));
        CHECK_EQ_INT(walk(&r, ar, len, "x", NULL, &budget, &st), VIGIL_OK);
        check_two(&r);
        CHECK_EQ_INT(st.members, 2);
        CHECK_EQ_INT(st.skipped, 0);
        CHECK_EQ_INT(st.expanded, sizeof TXT_A - 1 + sizeof TXT_B - 1);
        CHECK_EQ_INT(st.bomb, 0);
        CHECK_EQ_INT(budget, 1000 - st.expanded);
        if (r.nmem != 2)
            fprintf(stderr, "format %s\n", fmts[i]);
        rec_free(&r);
        free(ar);
    }
}

static void test_plain_gz(void)
{
    member m = {"ignored", TXT_B, sizeof TXT_B - 1};
    size_t len = 0;
    uint8_t *ar = build("gz", NULL, &m, 1, &len);
    rec r = {0};
    vigil_archive_walk_stats st;

    CHECK(ar != NULL && len > 2 && ar[0] == 0x1f && ar[1] == 0x8b);
    CHECK(vigil_archive_sniff(ar, len));
    CHECK_EQ_INT(walk(&r, ar, len, "/var/log/auth.log.GZ", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 1);
    CHECK_EQ_STR(r.names[0], "auth.log");
    CHECK_EQ_INT(r.lens[0], sizeof TXT_B - 1);
    CHECK(r.nmem == 1 && memcmp(r.data[0], TXT_B, sizeof TXT_B - 1) == 0);
    CHECK_EQ_INT(st.members, 1);
    CHECK_EQ_INT(r.ndiag, 0);
    rec_free(&r);
    memset(&r, 0, sizeof r);
    /* A nested display name and a .tgz that holds no tar. */
    CHECK_EQ_INT(walk(&r, ar, len, "c.zip!logs/x.tgz", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_STR(r.names[0], "x.tar");
    rec_free(&r);
    free(ar);

    /* bzip2 and xz single streams. */
    const char *raw[][2] = {{"bz2", "dump.sql.bz2"}, {"xz", "dump.sql.xz"}};
    for (size_t i = 0; i < 2; i++) {
        ar = build(raw[i][0], NULL, &m, 1, &len);
        memset(&r, 0, sizeof r);
        CHECK(vigil_archive_sniff(ar, len));
        CHECK_EQ_INT(walk(&r, ar, len, raw[i][1], NULL, NULL, &st), VIGIL_OK);
        CHECK_EQ_INT(r.nmem, 1);
        CHECK_EQ_STR(r.names[0], "dump.sql");
        CHECK(r.nmem == 1 && r.lens[0] == sizeof TXT_B - 1 &&
              memcmp(r.data[0], TXT_B, sizeof TXT_B - 1) == 0);
        CHECK_EQ_INT(r.ndiag, 0);
        rec_free(&r);
        free(ar);
    }
}

static void test_nested_zip(void)
{
    size_t ilen = 0, olen = 0;
    uint8_t *inner = build("zip", NULL, TWO, 2, &ilen);
    member outer_m[] = {{"readme.txt", TXT_A, sizeof TXT_A - 1}, {"inner.zip", inner, ilen}};
    uint8_t *outer = build("zip", NULL, outer_m, 2, &olen);
    rec r = {0};
    vigil_archive_walk_stats st;

    r.nested = 1;
    CHECK_EQ_INT(walk(&r, outer, olen, "outer.zip", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 4);
    CHECK_EQ_STR(r.names[0], "readme.txt");
    CHECK_EQ_STR(r.names[1], "inner.zip");
    CHECK_EQ_STR(r.names[2], "a.txt");
    CHECK_EQ_STR(r.names[3], "dir/b.bin");
    CHECK_EQ_INT(r.lens[1], ilen);
    CHECK(r.nmem == 4 && memcmp(r.data[3], TXT_B, sizeof TXT_B - 1) == 0);
    CHECK_EQ_INT(st.members, 2); /* the outer walk's own */
    CHECK_EQ_INT(r.ndiag, 0);
    rec_free(&r);
    free(inner);
    free(outer);
}

static void test_encrypted_zip(void)
{
    member ms[] = {{"secret.txt", TXT_B, sizeof TXT_B - 1}, {"more.txt", TXT_A, sizeof TXT_A - 1}};
    size_t len = 0;
    uint8_t *ar = build("zip", "infected", ms, 2, &len);
    rec r = {0};
    vigil_archive_walk_stats st;

    CHECK(ar != NULL);
    if (ar == NULL)
        return;
    CHECK_EQ_INT(walk(&r, ar, len, "loot.zip", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 0);
    CHECK_EQ_INT(st.members, 0);
    CHECK_EQ_INT(st.skipped, 2);
    CHECK_EQ_INT(r.ndiag, 2);
    CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_ACCESS);
    CHECK_EQ_INT(r.dlevel[0], VIGIL_DIAG_WARNING);
    CHECK_EQ_STR(r.dsource[0], "loot.zip!secret.txt");
    CHECK_EQ_STR(r.dmsg[0], "password-protected archive: member is encrypted and was not read");
    CHECK_EQ_STR(r.dsource[1], "loot.zip!more.txt");
    rec_free(&r);
    free(ar);
}

static void test_bomb_ratio(void)
{
    size_t zlen = 8u << 20, len = 0;
    uint8_t *zeros = calloc(1, zlen);
    member m = {"zeros.bin", zeros, zlen};
    uint8_t *ar = build("zip", NULL, &m, 1, &len);
    vigil_archive_limits lim = {0};
    rec r = {0};
    vigil_archive_walk_stats st;
    char want[256];

    lim.max_ratio = 100;
    CHECK(len < 20000); /* the test relies on a tiny compressed size */
    CHECK_EQ_INT(walk(&r, ar, len, "bomb.zip", &lim, NULL, &st), VIGIL_OK);
    /* the member being read is still scanned, as far as it was expanded */
    CHECK_EQ_INT(r.nmem, 1);
    CHECK_EQ_INT(r.lens[0], 1u << 20);
    CHECK_EQ_STR(r.names[0], "zeros.bin");
    CHECK_EQ_INT(st.bomb, 1);
    CHECK_EQ_INT(st.members, 1);
    CHECK_EQ_INT(st.expanded, 1u << 20); /* 16 steps of 64 KiB: the ratio floor */
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_LIMIT);
    CHECK_EQ_STR(r.dsource[0], "bomb.zip");
    snprintf(want, sizeof want,
             "archive bomb: expanded 1048576 bytes from %zu compressed, past ratio 100; the rest "
             "not read",
             len);
    CHECK_EQ_STR(r.dmsg[0], want);
    rec_free(&r);

    /* The same file within the ratio but over the caller's budget. */
    memset(&r, 0, sizeof r);
    lim.max_ratio = 100000;
    uint64_t budget = 200000;
    CHECK_EQ_INT(walk(&r, ar, len, "bomb.zip", &lim, &budget, &st), VIGIL_OK);
    CHECK_EQ_INT(st.bomb, 1);
    CHECK_EQ_INT(st.expanded, 4 * 65536);
    CHECK_EQ_INT(budget, 0);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_STR(r.dmsg[0],
                 "archive bomb: expanded 262144 bytes, past the budget of this file; the rest not "
                 "read");
    rec_free(&r);

    /* Within both: delivered whole. */
    memset(&r, 0, sizeof r);
    budget = 8u << 20;
    CHECK_EQ_INT(walk(&r, ar, len, "bomb.zip", &lim, &budget, &st), VIGIL_OK);
    CHECK_EQ_INT(st.bomb, 0);
    CHECK_EQ_INT(r.nmem, 1);
    CHECK_EQ_INT(r.lens[0], zlen);
    CHECK_EQ_INT(budget, 0);
    CHECK_EQ_INT(r.ndiag, 0);
    rec_free(&r);
    free(ar);
    free(zeros);
}

static void test_member_too_large(void)
{
    const char *fmts[] = {"zip", "tar.gz", "gz"};
    for (size_t i = 0; i < 3; i++) {
        member ms[] = {{"big.bin", TXT_B, sizeof TXT_B - 1}, {"a.txt", TXT_A, sizeof TXT_A - 1}};
        size_t len = 0;
        int one = strcmp(fmts[i], "gz") == 0;
        uint8_t *ar = build(fmts[i], NULL, ms, one ? 1 : 2, &len);
        vigil_archive_limits lim = {0};
        rec r = {0};
        vigil_archive_walk_stats st;

        lim.max_member_size = sizeof TXT_A - 1; /* a.txt fits exactly, big.bin does not */
        CHECK_EQ_INT(walk(&r, ar, len, "big.bin.gz", &lim, NULL, &st), VIGIL_OK);
        CHECK_EQ_INT(r.nmem, one ? 0 : 1);
        if (!one)
            CHECK_EQ_STR(r.names[0], "a.txt");
        CHECK_EQ_INT(st.skipped, 1);
        CHECK_EQ_INT(r.ndiag, 1);
        CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_LIMIT);
        CHECK_EQ_STR(r.dsource[0], "big.bin.gz!big.bin");
        CHECK_EQ_STR(r.dmsg[0], "member too large: more than 13 bytes, not scanned");
        rec_free(&r);
        free(ar);
    }
}

static void test_truncated_zip(void)
{
    static char big[5000];
    uint32_t x = 2463534242u; /* xorshift: incompressible, so the cut lands in b.txt */
    for (size_t i = 0; i < sizeof big; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        big[i] = (char)x;
    }
    member ms[] = {{"a.txt", TXT_A, sizeof TXT_A - 1}, {"b.txt", big, sizeof big}};
    size_t len = 0;
    uint8_t *ar = build("zip", NULL, ms, 2, &len);
    rec r = {0};
    vigil_archive_walk_stats st;

    /* Cut inside b.txt's data: no central directory any more. */
    size_t cut = len - 1500;
    CHECK_EQ_INT(walk(&r, ar, cut, "trunc.zip", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 1);
    CHECK_EQ_STR(r.names[0], "a.txt");
    CHECK_EQ_INT(st.members, 1);
    CHECK_EQ_INT(st.skipped, 1);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_CORRUPT);
    CHECK_EQ_STR(r.dsource[0], "trunc.zip!b.txt");
    CHECK(strncmp(r.dmsg[0], "corrupt archive: ", 17) == 0);
    rec_free(&r);
    free(ar);
}

static void test_garbage(void)
{
    static const uint8_t junk[] = "PK\x03\x04 this is not a zip at all, just text following";
    rec r = {0};
    vigil_archive_walk_stats st;

    CHECK(vigil_archive_sniff(junk, sizeof junk));
    CHECK_EQ_INT(walk(&r, junk, sizeof junk, "junk.zip", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 0);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_CORRUPT);
    CHECK_EQ_STR(r.dsource[0], "junk.zip");
    CHECK(strncmp(r.dmsg[0], "corrupt archive: ", 17) == 0);
    rec_free(&r);

    /* Empty input, and a gzip header followed by nothing useful. */
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(walk(&r, junk, 0, "empty.zip", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_STR(r.dmsg[0], "corrupt archive: empty");
    memset(&r, 0, sizeof r);
    static const uint8_t badgz[] = "\x1f\x8b\x08\x00garbagegarbagegarbage";
    CHECK_EQ_INT(walk(&r, badgz, sizeof badgz, "bad.gz", NULL, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 0);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_INT(r.dcode[0], VIGIL_ERR_CORRUPT);
    rec_free(&r);
}

static void test_limits_and_abort(void)
{
    member ms[] = {{"1", "a", 1}, {"2", "b", 1}, {"3", "c", 1}};
    size_t len = 0;
    uint8_t *ar = build("tar", NULL, ms, 3, &len);
    vigil_archive_limits lim = {0};
    rec r = {0};
    vigil_archive_walk_stats st;

    lim.max_members = 2;
    CHECK_EQ_INT(walk(&r, ar, len, "t.tar", &lim, NULL, &st), VIGIL_OK);
    CHECK_EQ_INT(r.nmem, 2);
    CHECK_EQ_INT(r.ndiag, 1);
    CHECK_EQ_STR(r.dmsg[0], "too many members: more than 2, the rest was not read");
    CHECK_EQ_INT(st.too_many, 1);
    CHECK_EQ_INT(st.bomb, 0);
    rec_free(&r);

    memset(&r, 0, sizeof r);
    r.abort_after = 1;
    CHECK_EQ_INT(walk(&r, ar, len, "t.tar", NULL, NULL, &st), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(r.nmem, 1);
    CHECK_EQ_INT(st.members, 1);
    rec_free(&r);
    free(ar);
}

static void test_sniff(void)
{
    uint8_t tar[512] = {0};
    memcpy(tar + 257, "ustar", 5);
    CHECK(vigil_archive_sniff(tar, sizeof tar));
    CHECK(!vigil_archive_sniff(tar, 261));
    CHECK(vigil_archive_sniff((const uint8_t *)"7z\xbc\xaf\x27\x1c\0\4", 8));
    CHECK(vigil_archive_sniff((const uint8_t *)"Rar!\x1a\x07\x00", 7));
    CHECK(vigil_archive_sniff((const uint8_t *)"Rar!\x1a\x07\x01\x00", 8));
    CHECK(!vigil_archive_sniff((const uint8_t *)"Rar!\x1a\x07\x02\x00", 8));
    CHECK(vigil_archive_sniff((const uint8_t *)"BZh91AY", 7));
    CHECK(!vigil_archive_sniff((const uint8_t *)"BZh01AY", 7));
    CHECK(vigil_archive_sniff((const uint8_t *)"\xfd"
                                               "7zXZ\0",
                              6));
    CHECK(!vigil_archive_sniff((const uint8_t *)"MZ\x90\0", 4));
    CHECK(!vigil_archive_sniff((const uint8_t *)"PK", 2));
    CHECK(!vigil_archive_sniff(NULL, 0));
}

/* ---- through the scanner: what is not opened is still checked ---- */

typedef struct scan_rec {
    int n;
    char paths[8][128];
    int kinds[8];
    int too_deep_diags, too_large_diags;
} scan_rec;

static int scan_on_result(const vigil_target_result *r, void *user)
{
    scan_rec *s = user;
    for (size_t i = 0; i < r->nfindings && s->n < 8; i++) {
        snprintf(s->paths[s->n], sizeof s->paths[0], "%s", r->path);
        s->kinds[s->n++] = (int)r->findings[i].kind;
    }
    return 0;
}

static void scan_on_diag(const vigil_diag *d, void *user)
{
    scan_rec *s = user;
    if (strstr(d->message, "member too large") != NULL)
        s->too_large_diags++;
    if (strstr(d->message, "archive not opened") != NULL)
        s->too_deep_diags++;
}

/* A member over the member size limit is hashed and its hashes checked
 * (zip: size known from the header; gz: found too big while reading). */
static void test_scan_oversized_member(void)
{
    uint8_t big[200];
    char md5hex[33], ioc[128];
    vigil_hashes h;
    vigil_hasher *hs = NULL;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ_INT(vigil_hasher_create(&hs), VIGIL_OK);
    CHECK_EQ_INT(vigil_hasher_buffer(hs, VIGIL_HASH_MD5, big, sizeof big, &h), VIGIL_OK);
    vigil_hasher_destroy(hs);
    vigil_hex(h.md5, 16, md5hex);
    snprintf(ioc, sizeof ioc, "%s;90;oversized member\n", md5hex);

    vigil_engine *e = NULL;
    CHECK_EQ_INT(vigil_engine_create(NULL, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_IOC_HASH, "h.txt", ioc, strlen(ioc)),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);

    static const char *const fmts[] = {"zip", "gz"};
    static const char *const names[] = {"t.zip", "t.bin.gz"};
    static const char *const want[] = {"t.zip!big.bin", "t.bin.gz!t.bin"};
    for (int k = 0; k < 2; k++) {
        member m = {"big.bin", big, sizeof big};
        size_t len = 0;
        uint8_t *ar = build(fmts[k], NULL, &m, 1, &len);
        vigil_scan_options o;
        vigil_scanner *sc = NULL;
        vigil_scan_stats st;
        scan_rec r;
        memset(&r, 0, sizeof r);
        memset(&o, 0, sizeof o);
        o.archive.max_depth = 5;
        o.archive.max_member_size = 64;
        o.archive.max_total = 1u << 20;
        o.archive.max_ratio = 100;
        o.archive.max_members = 100;
        o.on_result = scan_on_result;
        o.result_user = &r;
        o.on_diag = scan_on_diag;
        o.diag_user = &r;
        CHECK(ar != NULL);
        CHECK_EQ_INT(vigil_scanner_create(e, &o, &sc), VIGIL_OK);
        CHECK_EQ_INT(vigil_scanner_scan_memory(sc, names[k], ar, len), VIGIL_OK);
        vigil_scanner_get_stats(sc, &st);
        vigil_scanner_destroy(sc);
        CHECK_EQ_INT(r.n, 1);
        CHECK_EQ_STR(r.paths[0], want[k]);
        CHECK_EQ_INT(r.kinds[0], VIGIL_FINDING_HASH);
        CHECK_EQ_INT(r.too_large_diags, 1);
        CHECK_EQ_INT(st.members_oversized, 1);
        CHECK_EQ_INT(st.members, 1);
        free(ar);
    }
    vigil_engine_destroy(e);
}

int main(void)
{
    TEST_RUN(test_sniff);
    TEST_RUN(test_formats);
    TEST_RUN(test_plain_gz);
    TEST_RUN(test_nested_zip);
    TEST_RUN(test_encrypted_zip);
    TEST_RUN(test_bomb_ratio);
    TEST_RUN(test_member_too_large);
    TEST_RUN(test_truncated_zip);
    TEST_RUN(test_garbage);
    TEST_RUN(test_limits_and_abort);
    TEST_RUN(test_scan_oversized_member);
    return TEST_END();
}
