/* test_evtx.c - unit tests of the EVTX reader on files the test writes.
 *
 * A small writer (evtx_builder.h) builds file headers, chunks (with correct CRCs),
 * records and binary XML with an inline template definition, template
 * references and substitutions, so each test states exactly which fields
 * must come out. Malformed cases (size 0 record, self-referencing
 * template, oversized chunk claim, out-of-order chunks, runaway nesting,
 * unknown token, CRC damage) must skip only the bad part, with a
 * diagnostic naming chunk and offset. */
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

#include "events/evtx_internal.h"
#include "test.h"
#include "vigil/vigil.h"

#include "evtx_builder.h"

/* ---------- collector ---------- */

#define MAXEV 24
typedef struct coll {
    char ev[MAXEV][2048];
    uint64_t ids[MAXEV];
    int n;
    int errors, warnings;
    char msg[512];
    uint64_t off;
    int stop_after;
    int slow_first;      /* the first event's callback sleeps (others decode ahead) */
    int hashed, badhash; /* fields whose name_hash is (not) vigil_field_name_hash(name) */
    int intext, outtext; /* field values (not) inside the event's text */
} coll;

static int on_event(const vigil_event *e, void *user)
{
    coll *c = user;
    if (c->slow_first && c->n == 0) {
        struct timespec ts = {0, 30 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (c->n < MAXEV) {
        char *o = c->ev[c->n];
        size_t len = 0;
        o[0] = '\0';
        for (size_t i = 0; i < e->nfields; i++) {
            int k = snprintf(o + len, 2048 - len, "%s%s=%s", i ? "|" : "", e->fields[i].name,
                             e->fields[i].is_null ? "(null)" : e->fields[i].value);
            if (k > 0 && (size_t)k < 2048 - len)
                len += (size_t)k;
        }
        c->ids[c->n] = e->record_id;
    }
    for (size_t i = 0; i < e->nfields; i++) {
        if (e->name_hash != NULL &&
            e->name_hash[i] == vigil_field_name_hash(e->fields[i].name, e->fields[i].name_len))
            c->hashed++;
        else
            c->badhash++;
        const char *v = e->fields[i].value;
        if (e->text != NULL && v >= e->text && v + e->fields[i].value_len <= e->text + e->text_len)
            c->intext++;
        else
            c->outtext++;
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after;
}

static void on_diag(const vigil_diag *d, void *user)
{
    coll *c = user;
    if (d->level == VIGIL_DIAG_ERROR)
        c->errors++;
    else
        c->warnings++;
    snprintf(c->msg, sizeof c->msg, "%s", d->message);
    c->off = d->offset;
}

static vigil_status parse(const uint8_t *buf, size_t len, coll *c, unsigned threads,
                          vigil_evtx_stats *st)
{
    vigil_evtx_options o;
    vigil_evtx_parser *p = NULL;
    memset(&o, 0, sizeof o);
    o.on_event = on_event;
    o.event_user = c;
    o.on_diag = on_diag;
    o.diag_user = c;
    o.threads = threads;
    if (vigil_evtx_parser_create(&o, &p) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    vigil_status s = vigil_evtx_parse_buffer(p, "t.evtx", buf, len);
    vigil_evtx_get_stats(p, st);
    vigil_evtx_parser_destroy(p);
    return s;
}

static const char *const EV1 =
    "Provider_Name=Microsoft-Windows-Sysmon|Provider_Guid={5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
    "|EventID_Qualifiers=16384|EventID=1|TimeCreated_SystemTime=2019-03-19T23:33:51.123456Z"
    "|TimeCreated=2019-03-19T23:33:51.123456Z|EventRecordID=7"
    "|Channel=Microsoft-Windows-Sysmon/Operational|Computer=WS01.corp|Security_UserID=S-1-5-18"
    "|Image=C:\\Windows\\cmd.exe|Data=first,0x1f";
static const char *const EV2 =
    "Provider_Name=Microsoft-Windows-Sysmon|Provider_Guid={5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
    "|EventID=1|TimeCreated_SystemTime=2019-03-19T23:33:51.123456Z"
    "|TimeCreated=2019-03-19T23:33:51.123456Z|EventRecordID=8"
    "|Channel=Microsoft-Windows-Sysmon/Operational|Computer=WS01.corp"
    "|Image=C:\\x.exe|Data=first,0x1f";


static void test_template_records(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0;
    event_record(&w, &def, 7, 1, "C:\\Windows\\cmd.exe");
    event_record(&w, &def, 8, 0, "C:\\x.exe"); /* template by reference */
    chunk_finish(w.b, 7, 8, w.pos);
    size_t len = file_finish(f, 1);
    coll c = {0};
    vigil_evtx_stats st;
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_STR(c.ev[0], EV1);
    CHECK_EQ_STR(c.ev[1], EV2);
    CHECK_EQ_INT(c.ids[1], 8);
    CHECK_EQ_INT(c.errors + c.warnings, 0);
    CHECK_EQ_INT(st.records, 2);
    CHECK_EQ_INT(st.chunks, 1);
    CHECK_EQ_INT(st.crc_mismatches, 0);
    /* damaged CRCs: warnings, and the data is still read */
    f[100] ^= 1;
    w.b[600] ^= 0; /* records untouched */
    w.b[60] ^= 1;  /* chunk header (covered by its CRC) */
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_INT(st.crc_mismatches, 2);
    CHECK_EQ_INT(c.warnings, 2);
    CHECK_EQ_INT(c.errors, 0);
    free(f);
}

static void test_malformed_records(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0;
    event_record(&w, &def, 7, 1, "C:\\Windows\\cmd.exe");
    /* a record of size 0 */
    uint32_t bad_at = w.pos;
    put32(&w, 0x2a2a);
    put32(&w, 0);
    put64(&w, 99);
    put64(&w, 0);
    /* a record with an unknown token */
    record_begin(&w, 100);
    put8(&w, 0x55);
    record_end(&w);
    event_record(&w, &def, 8, 0, "C:\\x.exe");
    chunk_finish(w.b, 7, 8, w.pos);
    size_t len = file_finish(f, 1);
    coll c = {0};
    vigil_evtx_stats st;
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_STR(c.ev[0], EV1);
    CHECK_EQ_STR(c.ev[1], EV2);
    CHECK_EQ_INT(st.bad_records, 2);
    CHECK_EQ_INT(c.errors, 2);
    CHECK(strstr(c.msg, "chunk 0, offset 0x") != NULL);
    CHECK(strstr(c.msg, "unknown binary XML token") != NULL);
    (void)bad_at;
    free(f);
}

static void self_body(W *w)
{
    open_el(w, "Event", 0, 1);
    close_start(w);
    /* a template instance that points at the template being defined */
    put8(w, 0x0c);
    put8(w, 0x01);
    put32(w, 1);
    put32(w, VIGIL_EVTX_CHUNK_HEADER + 24 + 14);
    put32(w, 0);
    end_el(w);
}

static void deep_body(W *w)
{
    for (int i = 0; i < 100; i++) {
        open_el(w, "E", 0, 1);
        close_start(w);
    }
    for (int i = 0; i < 100; i++)
        end_el(w);
}

static void test_self_template_and_nesting(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0, def2 = 0, def3 = 0;
    /* first record at 512: header 24 + fragment 4 + instance 10 = def at 550 */
    template_record(&w, 1, &def, self_body, NULL, 0);
    CHECK_EQ_INT(def, VIGIL_EVTX_CHUNK_HEADER + 24 + 4 + 10);
    template_record(&w, 2, &def2, deep_body, NULL, 0);
    event_record(&w, &def3, 8, 0, "C:\\x.exe");
    chunk_finish(w.b, 1, 8, w.pos);
    size_t len = file_finish(f, 1);
    coll c = {0};
    vigil_evtx_stats st;
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 1);
    CHECK_EQ_STR(c.ev[0], EV2);
    CHECK_EQ_INT(st.bad_records, 2);
    CHECK(strstr(c.msg, "nested too deep") != NULL);
    free(f);
}

static void test_chunks(void)
{
    uint8_t *f = new_file();
    /* two chunks, stored in reverse order of their record numbers; the
     * second claims more record data than a chunk holds */
    W w1 = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    W w0 = {f + VIGIL_EVTX_FILE_HEADER + VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t d1 = 0, d0 = 0;
    event_record(&w1, &d1, 8, 0, "C:\\x.exe");
    chunk_finish(w1.b, 8, 8, w1.pos);
    event_record(&w0, &d0, 7, 1, "C:\\Windows\\cmd.exe");
    chunk_finish(w0.b, 7, 7, w0.pos);
    set32(w0.b + 48, 70000);
    size_t len = file_finish(f, 2);
    coll c = {0};
    vigil_evtx_stats st;
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_STR(c.ev[0], EV2);
    CHECK_EQ_STR(c.ev[1], EV1);
    CHECK_EQ_INT(st.chunks, 2);
    CHECK(c.warnings >= 1);
    CHECK_EQ_INT(c.errors, 0);
    /* the same with two threads: same events, same order */
    coll c2 = {0};
    CHECK_EQ_INT(parse(f, len, &c2, 2, &st), VIGIL_OK);
    CHECK_EQ_INT(c2.n, 2);
    CHECK_EQ_STR(c2.ev[0], EV2);
    CHECK_EQ_STR(c2.ev[1], EV1);
    /* stop after the first event */
    coll c3 = {0};
    c3.stop_after = 1;
    CHECK_EQ_INT(parse(f, len, &c3, 1, &st), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(c3.n, 1);
    /* a truncated file: the cut chunk is reported, the first is read */
    coll c4 = {0};
    CHECK_EQ_INT(parse(f, VIGIL_EVTX_FILE_HEADER + VIGIL_EVTX_CHUNK_SIZE + 100, &c4, 1, &st),
                 VIGIL_OK);
    CHECK_EQ_INT(c4.n, 1);
    CHECK_EQ_INT(st.bad_chunks, 1);
    /* not an EVTX file */
    coll c5 = {0};
    CHECK_EQ_INT(parse((const uint8_t *)"hello world", 11, &c5, 1, &st), VIGIL_ERR_CORRUPT);
    CHECK_EQ_INT(c5.errors, 1);
    free(f);
}

static void nested_body(W *w)
{
    el_sub(w, "Event", 1, 0, 0, VIGIL_EVTX_T_BINXML);
}

static void test_nested_binxml_userdata(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0;
    /* the BinXml value: <UserData><LogFileCleared xmlns="x"><SubjectUserName>bob
     * </SubjectUserName><Count>3</Count></LogFileCleared></UserData>, element
     * headers without dependency id, written where the value will land */
    record_begin(&w, 5);
    tmpl_instance(&w, &def, nested_body, NULL, 0);
    /* patch: rewrite the substitution array by hand (count 1, value follows) */
    w.pos -= 4;
    put32(&w, 1);
    uint32_t desc = w.pos;
    put32(&w, 0);
    uint32_t vstart = w.pos;
    put8(&w, 0x0f);
    put8(&w, 1);
    put8(&w, 1);
    put8(&w, 0);
    open_el(&w, "UserData", 0, 0);
    close_start(&w);
    open_el(&w, "LogFileCleared", 1, 0);
    attr(&w, "xmlns");
    text(&w, "x");
    close_start(&w);
    open_el(&w, "SubjectUserName", 0, 0);
    close_start(&w);
    text(&w, "bob");
    end_el(&w);
    open_el(&w, "Count", 0, 0);
    close_start(&w);
    text(&w, "3");
    end_el(&w);
    end_el(&w);
    end_el(&w);
    put8(&w, 0x00);
    set32(w.b + desc, (w.pos - vstart) | ((uint32_t)VIGIL_EVTX_T_BINXML << 16));
    record_end(&w);
    chunk_finish(w.b, 5, 5, w.pos);
    size_t len = file_finish(f, 1);
    coll c = {0};
    vigil_evtx_stats st;
    CHECK_EQ_INT(parse(f, len, &c, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(c.n, 1);
    CHECK_EQ_STR(c.ev[0], "SubjectUserName=bob|Count=3");
    CHECK_EQ_INT(c.errors, 0);
    free(f);
}

static const char *fmt(unsigned type, const void *p, size_t n)
{
    static vigil_evtx_buf b;
    static char out[512];
    b.len = 0;
    if (vigil_evtx_format_value(&b, type, p, n) != 0)
        return "(error)";
    snprintf(out, sizeof out, "%.*s", (int)b.len, b.data ? b.data : "");
    return out;
}

static void test_values(void)
{
    uint8_t b[16];
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_INT8, "\xff", 1), "-1");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT8, "\xff", 1), "255");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_INT16, "\xfe\xff", 2), "-2");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT16, "\xfe\xff", 2), "65534");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_INT32, "\xff\xff\xff\xff", 4), "-1");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT32, "\xff\xff\xff\xff", 4), "4294967295");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_INT64, "\xff\xff\xff\xff\xff\xff\xff\xff", 8), "-1");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT64, "\xff\xff\xff\xff\xff\xff\xff\xff", 8),
                 "18446744073709551615");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_HEX32, "\x10\x00\x00\x00", 4), "0x10");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_HEX64, "\x00\x00\x00\x00\x00\x00\x20\x80", 8),
                 "0x8020000000000000");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_SIZET, "\x10\x00\x00\x00", 4), "0x10");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_BOOL, "\x01\x00\x00\x00", 4), "true");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_BOOL, "\x00\x00\x00\x00", 4), "false");
    float fl = 1.5f;
    memcpy(b, &fl, 4);
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_REAL32, b, 4), "1.5");
    double d = 0.1;
    memcpy(b, &d, 8);
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_REAL64, b, 8), "0.1");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_BINARY, "\x01\xab", 2), "01AB");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_ANSI, "abc\0zz", 6), "abc");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_STRING, "h\0\xe9\0\0\0", 6), "h\xc3\xa9");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_STRING, "\x3d\xd8\x00\xde", 4), "\xf0\x9f\x98\x80");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_GUID, guid_bytes, 16), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_SID, sid_bytes, 12), "S-1-5-18");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_FILETIME, "\x00\x00\x00\x00\x00\x00\x00\x00", 8),
                 "1601-01-01T00:00:00.000000Z");
    /* SYSTEMTIME 2020-02-29 13:14:15.678 */
    const uint16_t stime[8] = {2020, 2, 6, 29, 13, 14, 15, 678};
    for (int i = 0; i < 8; i++) {
        b[2 * i] = (uint8_t)(stime[i] & 0xff);
        b[2 * i + 1] = (uint8_t)(stime[i] >> 8);
    }
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_SYSTIME, b, 16), "2020-02-29T13:14:15.678000Z");
    /* arrays */
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_STRING | VIGIL_EVTX_T_ARRAY, "a\0\0\0b\0c\0\0\0", 10), "a,bc");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT16 | VIGIL_EVTX_T_ARRAY, "\x01\x00\x02\x00", 4), "1,2");
    CHECK_EQ_STR(
        fmt(VIGIL_EVTX_T_HEX32 | VIGIL_EVTX_T_ARRAY, "\x01\x00\x00\x00\xff\x00\x00\x00", 8),
        "0x1,0xff");
    /* a size that does not fit the type: shown as hex, never read past */
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT32, "\x01\x02", 2), "0102");
    CHECK_EQ_INT(vigil_evtx_crc32(0, "123456789", 9), 0xcbf43926u);
}

/* The carry-less multiply CRC must equal zlib's at every length (bulk of
 * 16-byte blocks plus tail), start alignment and continued CRC. */
static void test_crc32(void)
{
    enum { N = 5000 };
    uint8_t *buf = malloc(N + 16);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    uint32_t x = 12345;
    for (size_t i = 0; i < N + 16; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    int bad = 0;
    for (size_t len = 0; len <= 700; len++) {
        for (size_t al = 0; al < 16; al += 5) {
            uint32_t want = (uint32_t)crc32(0, buf + al, (uInt)len);
            if (vigil_evtx_crc32(0, buf + al, len) != want)
                bad++;
            uint32_t start = (uint32_t)crc32(0, buf, 7);
            if (vigil_evtx_crc32(start, buf + al, len) !=
                (uint32_t)crc32(start, buf + al, (uInt)len))
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(vigil_evtx_crc32(0, buf + 3, N), (uint32_t)crc32(0, buf + 3, N));
    uint32_t split = vigil_evtx_crc32(vigil_evtx_crc32(0, buf, 1000), buf + 1000, N - 1000);
    CHECK_EQ_INT(split, (uint32_t)crc32(0, buf, N));
    free(buf);
    uint8_t *zero = calloc(1, 65024); /* a chunk's worth of zeros */
    CHECK(zero != NULL);
    if (zero != NULL)
        CHECK_EQ_INT(vigil_evtx_crc32(0, zero, 65024), (uint32_t)crc32(0, zero, 65024));
    free(zero);
}

/* ---------- field programs = node runner ---------- */

/* 0: the tricky template's element headers without the dependency id
 * (the other form, which the compiler accepts on its second guess). */
static int tricky_dep = 1;

/* Every rule of evtx_event.c in one template: an omitted optional
 * attribute, empty elements with and without attributes, Data named by
 * literal text, by a substitution and not at all, a Data holding text and
 * then a child, a non-Data EventData element, another section, and a
 * BinXml value holding a template instance (UserData). */
static void tricky_body(W *w)
{
    open_el(w, "Event", 1, tricky_dep);
    attr(w, "xmlns");
    text(w, "x");
    close_start(w);
    open_el(w, "System", 0, tricky_dep);
    close_start(w);
    open_el(w, "Provider", 1, tricky_dep);
    attr(w, "Name");
    text(w, "P");
    attr(w, "Guid");
    sub(w, 0, 0, VIGIL_EVTX_T_GUID);
    close_empty(w);
    open_el(w, "EventID", 1, tricky_dep);
    attr(w, "Qualifiers");
    sub(w, 1, 1, VIGIL_EVTX_T_UINT16);
    close_start(w);
    sub(w, 0, 2, VIGIL_EVTX_T_UINT16);
    end_el(w);
    el_sub(w, "Level", tricky_dep, 0, 9, VIGIL_EVTX_T_UINT8);
    open_el(w, "Keywords", 1, tricky_dep);
    attr(w, "Mask");
    sub(w, 1, 9, VIGIL_EVTX_T_HEX64);
    close_empty(w);
    open_el(w, "TimeCreated", 1, tricky_dep);
    attr(w, "SystemTime");
    sub(w, 0, 10, VIGIL_EVTX_T_FILETIME);
    close_empty(w);
    end_el(w); /* System */
    open_el(w, "EventData", 0, tricky_dep);
    close_start(w);
    data_sub(w, "A", tricky_dep, 0, 3, VIGIL_EVTX_T_STRING);
    open_el(w, "Data", 1, tricky_dep);
    attr(w, "Name");
    sub(w, 0, 4, VIGIL_EVTX_T_STRING);
    close_start(w);
    sub(w, 0, 5, VIGIL_EVTX_T_UINT32);
    end_el(w);
    open_el(w, "Data", 1, tricky_dep);
    attr(w, "Name");
    sub(w, 1, 9, VIGIL_EVTX_T_STRING);
    close_start(w);
    text(w, "x");
    end_el(w);
    el_sub(w, "Data", tricky_dep, 0, 6, VIGIL_EVTX_T_STRING);
    open_el(w, "Data", 0, tricky_dep);
    close_start(w);
    text(w, "before");
    data_sub(w, "Inner", tricky_dep, 0, 7, VIGIL_EVTX_T_STRING);
    end_el(w);
    el_sub(w, "Binary", tricky_dep, 0, 8, VIGIL_EVTX_T_BINARY);
    end_el(w); /* EventData */
    open_el(w, "RenderingInfo", 1, tricky_dep);
    attr(w, "Culture");
    text(w, "en");
    close_start(w);
    el_sub(w, "Message", tricky_dep, 0, 3, VIGIL_EVTX_T_STRING);
    end_el(w);
    sub(w, 0, 11, VIGIL_EVTX_T_BINXML);
    end_el(w); /* Event */
}

static void userdata_body(W *w)
{
    open_el(w, "UserData", 0, 1);
    close_start(w);
    open_el(w, "LogFileCleared", 1, 1);
    attr(w, "xmlns");
    text(w, "y");
    close_start(w);
    el_sub(w, "SubjectUserName", 1, 0, 0, VIGIL_EVTX_T_STRING);
    end_el(w);
    end_el(w);
}

/* One record of the tricky template; qual and dname vary per record. */
static void tricky_record(W *w, uint64_t id, uint32_t *def, uint32_t *udef, int qual,
                          const char *dname, const char *user)
{
    const uint8_t guid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    val v[12];
    v[0] = v_raw(VIGIL_EVTX_T_GUID, guid, 16);
    v[1] = qual ? v_u64(VIGIL_EVTX_T_UINT16, 16384, 2) : v_raw(VIGIL_EVTX_T_NULL, "", 0);
    v[2] = v_u64(VIGIL_EVTX_T_UINT16, 4624, 2);
    v[3] = v_str("alpha");
    v[4] = v_str(dname);
    v[5] = v_u64(VIGIL_EVTX_T_UINT32, 7, 4);
    v[6] = v_str("u1");
    v[7] = v_str("in");
    v[8] = v_raw(VIGIL_EVTX_T_BINARY, "\x0a\xff", 2);
    v[9] = v_raw(VIGIL_EVTX_T_NULL, "", 0);
    v[10] = v_u64(VIGIL_EVTX_T_FILETIME, 132000000000000000ull, 8);
    v[11] = v_raw(VIGIL_EVTX_T_NULL, "", 0);
    record_begin(w, id);
    tmpl_instance(w, def, tricky_body, v, 12);
    /* the BinXml value (index 11) goes last: rewrite its descriptor */
    uint32_t data = 0;
    for (int i = 0; i < 12; i++)
        data += v[i].size;
    uint32_t desc = w->pos - data - 12 * 4 + 11 * 4;
    uint32_t vstart = w->pos;
    put8(w, 0x0f);
    put8(w, 1);
    put8(w, 1);
    put8(w, 0);
    val u = v_str(user);
    tmpl_instance(w, udef, userdata_body, &u, 1);
    put8(w, 0x00);
    set32(w->b + desc, (w->pos - vstart) | ((uint32_t)VIGIL_EVTX_T_BINXML << 16));
    record_end(w);
}

static void test_programs_match_nodes(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0, udef = 0;
    tricky_record(&w, 1, &def, &udef, 1, "B", "bob");
    tricky_record(&w, 2, &def, &udef, 0, "C", "eve");
    tricky_record(&w, 3, &def, &udef, 1, "", "");
    chunk_finish(w.b, 1, 3, w.pos);
    size_t len = file_finish(f, 1);
    coll c[2];
    for (int mode = 0; mode < 2; mode++) {
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&c[mode], 0, sizeof c[mode]);
        memset(&o, 0, sizeof o);
        o.on_event = on_event;
        o.event_user = &c[mode];
        o.on_diag = on_diag;
        o.diag_user = &c[mode];
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        vigil_evtx_parser_set_programs(p, mode == 0);
        CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
        vigil_evtx_parser_destroy(p);
        CHECK_EQ_INT(c[mode].n, 3);
        CHECK_EQ_INT(c[mode].errors + c[mode].warnings, 0);
        /* names hashed once per program (mode 0) or per field on delivery */
        CHECK_EQ_INT(c[mode].badhash, 0);
        CHECK(c[mode].hashed >= 3 * 10); /* every field of the three events */
        /* every value lies in the event's text */
        CHECK_EQ_INT(c[mode].outtext, 0);
        CHECK_EQ_INT(c[mode].intext, c[mode].hashed);
    }
    const char *common = "Provider_Name=P|Provider_Guid={04030201-0605-0807-090A-0B0C0D0E0F10}|";
    char want[1024];
    snprintf(want, sizeof want,
             "%sEventID_Qualifiers=16384|EventID=4624|Level=(null)|"
             "TimeCreated_SystemTime=2019-04-17T18:40:00.000000Z|"
             "TimeCreated=2019-04-17T18:40:00.000000Z|A=alpha|B=7|Inner=in|Binary=0AFF|"
             "RenderingInfo_Culture=en|RenderingInfo_Message=alpha|SubjectUserName=bob|Data=x,u1",
             common);
    CHECK_EQ_STR(c[0].ev[0], want);
    snprintf(want, sizeof want,
             "%sEventID=4624|Level=(null)|"
             "TimeCreated_SystemTime=2019-04-17T18:40:00.000000Z|"
             "TimeCreated=2019-04-17T18:40:00.000000Z|A=alpha|C=7|Inner=in|Binary=0AFF|"
             "RenderingInfo_Culture=en|RenderingInfo_Message=alpha|SubjectUserName=eve|Data=x,u1",
             common);
    CHECK_EQ_STR(c[0].ev[1], want);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_STR(c[0].ev[i], c[1].ev[i]);
    free(f);
}

/* ---------- template cache ---------- */

/* Templates compiled in one chunk are reused by the next ones (and the
 * next files) only when their definition is the same: same GUID, tokens
 * and names. Three chunks: the event and tricky templates (with the
 * nested UserData template), the same again at other offsets (all hits),
 * then an event template with the same GUID and shape but one element
 * renamed (a miss, and its own field name). Every mode - cache on/off,
 * field programs on/off, one or two threads - gives the same events. */
static void test_template_cache(void)
{
    uint8_t *f = new_file();
    uint64_t id = 1;
    for (unsigned k = 0; k < 3; k++) {
        W w = {f + VIGIL_EVTX_FILE_HEADER + k * VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
        uint32_t def = 0, tdef = 0, udef = 0;
        uint64_t first = id;
        computer_tag = k == 2 ? "Computor" : "Computer";
        event_record(&w, &def, id++, 1, "C:\\a.exe");
        if (k < 2)
            event_record(&w, &def, id++, 0, "C:\\b.exe");
        tricky_record(&w, id++, &tdef, &udef, 1, "B", "bob");
        if (k < 2)
            tricky_record(&w, id++, &tdef, &udef, 0, "C", "eve");
        chunk_finish(w.b, first, id - 1, w.pos);
    }
    computer_tag = "Computer";
    size_t len = file_finish(f, 3);
    static coll c[6];
    uint64_t hits = 0, misses = 0, fast = 0;
    for (int mode = 0; mode < 6; mode++) {
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&c[mode], 0, sizeof c[mode]);
        memset(&o, 0, sizeof o);
        o.on_event = on_event;
        o.event_user = &c[mode];
        o.on_diag = on_diag;
        o.diag_user = &c[mode];
        o.threads = mode >= 4 ? 2 : 1;
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        vigil_evtx_parser_set_tcache(p, mode % 2 == 0);
        vigil_evtx_parser_set_programs(p, mode % 4 < 2);
        CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
        if (mode == 0)
            vigil_evtx_parser_tcache_stats(p, &hits, &misses, &fast);
        if (mode == 0) /* a second file: every template is known */
            CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
        if (mode == 0) {
            uint64_t h2, m2, f2;
            vigil_evtx_parser_tcache_stats(p, &h2, &m2, &f2);
            CHECK_EQ_INT(h2 - hits, 9);
            CHECK_EQ_INT(f2 - fast, 9); /* same bytes: all by the fast check */
            CHECK_EQ_INT(m2, misses);
        }
        vigil_evtx_parser_destroy(p);
        CHECK_EQ_INT(c[mode].n, mode == 0 ? 20 : 10);
        CHECK_EQ_INT(c[mode].errors + c[mode].warnings, 0);
        CHECK_EQ_INT(c[mode].badhash, 0); /* renamed templates hash their own names */
    }
    /* chunk 1: event, tricky, UserData compiled; chunk 2: all three
     * reused; chunk 3: the renamed event template compiled */
    CHECK_EQ_INT(hits, 5);
    CHECK_EQ_INT(fast, 5); /* the same definitions at other offsets */
    CHECK_EQ_INT(misses, 4);
    CHECK(strstr(c[0].ev[0], "|Computer=WS01.corp|") != NULL);
    CHECK(strstr(c[0].ev[4], "|Computer=WS01.corp|") != NULL);
    CHECK(strstr(c[0].ev[8], "|Computor=WS01.corp|") != NULL);
    CHECK(strstr(c[0].ev[8], "Computer") == NULL);
    CHECK(strstr(c[0].ev[9], "|SubjectUserName=bob|") != NULL);
    CHECK(strstr(c[0].ev[7], "|SubjectUserName=eve|") != NULL);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_STR(c[0].ev[i], c[0].ev[10 + i]);
        for (int mode = 1; mode < 6; mode++)
            CHECK_EQ_STR(c[mode].ev[i], c[0].ev[i]);
    }
    free(f);
}

/* The same template in two chunks, the second with another dependency
 * id in its first element header (a byte the compiler skips): not the
 * same bytes, so not found by the fast check, but the same key - a hit,
 * with the same events as without the cache. */
static void test_template_cache_key_hit(void)
{
    uint8_t *f = new_file();
    for (unsigned k = 0; k < 2; k++) {
        W w = {f + VIGIL_EVTX_FILE_HEADER + k * VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
        uint32_t def = 0;
        event_record(&w, &def, 7 + k, 1, "C:\\Windows\\cmd.exe");
        /* body: fragment header (4), then 0x41 and the u16 dependency id */
        CHECK_EQ_INT(w.b[def + 24 + 4], 0x41);
        if (k == 1)
            w.b[def + 24 + 5] = 0x01;
        chunk_finish(w.b, 7 + k, 7 + k, w.pos);
    }
    size_t len = file_finish(f, 2);
    static coll c[2];
    uint64_t hits = 0, misses = 0, fast = 0;
    for (int mode = 0; mode < 2; mode++) {
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&c[mode], 0, sizeof c[mode]);
        memset(&o, 0, sizeof o);
        o.on_event = on_event;
        o.event_user = &c[mode];
        o.on_diag = on_diag;
        o.diag_user = &c[mode];
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        vigil_evtx_parser_set_tcache(p, mode == 0);
        CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
        if (mode == 0)
            vigil_evtx_parser_tcache_stats(p, &hits, &misses, &fast);
        vigil_evtx_parser_destroy(p);
        CHECK_EQ_INT(c[mode].n, 2);
        CHECK_EQ_INT(c[mode].errors + c[mode].warnings, 0);
    }
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(fast, 0);
    CHECK_EQ_INT(misses, 1);
    CHECK_EQ_STR(c[0].ev[0], EV1);
    for (int i = 0; i < 2; i++)
        CHECK_EQ_STR(c[0].ev[i], c[1].ev[i]);
    free(f);
}

/* A template the cache does not share (element headers in the second
 * form) whose BinXml value holds a shared template: that template's
 * program for the unshared context is kept for one chunk only, and the
 * next chunk (same offsets, arena memory reused) builds its own. */
static void test_template_cache_local_context(void)
{
    uint8_t *f = new_file();
    uint64_t id = 1;
    tricky_dep = 0;
    for (unsigned k = 0; k < 2; k++) {
        W w = {f + VIGIL_EVTX_FILE_HEADER + k * VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
        uint32_t tdef = 0, udef = 0;
        uint64_t first = id;
        tricky_record(&w, id++, &tdef, &udef, 1, "B", k ? "eve" : "bob");
        tricky_record(&w, id++, &tdef, &udef, 0, "C", k ? "mallory" : "alice");
        chunk_finish(w.b, first, id - 1, w.pos);
    }
    tricky_dep = 1;
    size_t len = file_finish(f, 2);
    static coll c[2];
    uint64_t hits = 0, misses = 0;
    for (int mode = 0; mode < 2; mode++) {
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&c[mode], 0, sizeof c[mode]);
        memset(&o, 0, sizeof o);
        o.on_event = on_event;
        o.event_user = &c[mode];
        o.on_diag = on_diag;
        o.diag_user = &c[mode];
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        vigil_evtx_parser_set_tcache(p, mode == 0);
        CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
        if (mode == 0)
            vigil_evtx_parser_tcache_stats(p, &hits, &misses, NULL);
        vigil_evtx_parser_destroy(p);
        CHECK_EQ_INT(c[mode].n, 4);
        CHECK_EQ_INT(c[mode].errors + c[mode].warnings, 0);
    }
    CHECK_EQ_INT(hits, 1);   /* UserData in chunk 2 */
    CHECK_EQ_INT(misses, 1); /* UserData in chunk 1; tricky is never shared */
    const char *users[4] = {"bob", "alice", "eve", "mallory"};
    for (int i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof want, "|SubjectUserName=%s|", users[i]);
        CHECK(strstr(c[0].ev[i], want) != NULL);
        CHECK(strstr(c[0].ev[i], "|A=alpha|") != NULL);
        CHECK_EQ_STR(c[0].ev[i], c[1].ev[i]);
    }
    free(f);
}

/* ---------- text conversion at every block boundary ---------- */

/* Plain UTF-16LE -> UTF-8, one unit at a time; stop_nul: ends at a NUL. */
static size_t ref_utf16(char *o, const uint16_t *u, size_t n, int stop_nul)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c == 0 && stop_nul)
            break;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
            i++;
        } else if (c >= 0xd800 && c <= 0xdfff) {
            c = 0xfffd;
        }
        if (c < 0x80) {
            o[k++] = (char)c;
        } else if (c < 0x800) {
            o[k++] = (char)(0xc0 | (c >> 6));
            o[k++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            o[k++] = (char)(0xe0 | (c >> 12));
            o[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            o[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            o[k++] = (char)(0xf0 | (c >> 18));
            o[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
            o[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            o[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    return k;
}

/* ASCII strings of 0..40 units with one special unit (NUL, U+00E9, U+20AC,
 * a surrogate pair, a lone surrogate) at every position, converted as a
 * STRING value (ends at NUL) and as plain units (NUL kept), appended after
 * existing text, equal the plain conversion byte for byte; and integers
 * at every digit count. */
static void test_text_conversion(void)
{
    static const uint16_t special[][2] = {{0, 0},           {0xe9, 0},   {0x20ac, 0},   {0x80, 0},
                                          {0xd83d, 0xde00}, {0xdc00, 0}, {0x7ff, 0x800}};
    uint16_t u[48];
    uint8_t le[96];
    char want[200];
    int bad = 0;
    for (size_t sp = 0; sp < sizeof special / sizeof special[0]; sp++) {
        for (size_t n = 0; n <= 40; n++) {
            for (size_t at = 0; at <= n; at++) {
                for (size_t i = 0; i < n; i++)
                    u[i] = (uint16_t)('A' + i % 26);
                if (at < n) {
                    u[at] = special[sp][0];
                    if (special[sp][1] && at + 1 < n)
                        u[at + 1] = special[sp][1];
                }
                for (size_t i = 0; i < n; i++) {
                    le[2 * i] = (uint8_t)(u[i] & 0xff);
                    le[2 * i + 1] = (uint8_t)(u[i] >> 8);
                }
                for (int z = 0; z < 2; z++) {
                    vigil_evtx_buf b = {0};
                    int rc = vigil_evtx_buf_put(&b, "pre", 3);
                    rc |= z ? vigil_evtx_format_value(&b, VIGIL_EVTX_T_STRING, le, 2 * n)
                            : vigil_evtx_utf16_to_utf8(&b, le, n);
                    size_t k = ref_utf16(want, u, n, z);
                    if (rc != 0 || b.len != 3 + k || memcmp(b.data, "pre", 3) != 0 ||
                        memcmp(b.data + 3, want, k) != 0)
                        bad++;
                    vigil_evtx_buf_free(&b);
                }
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    uint64_t x = 1;
    char dec[32];
    for (int digits = 1; digits <= 20; digits++) {
        /* 1, 9, 10, 99, 100, ... 10^19 and the largest value */
        uint64_t vals[2] = {x, digits == 20 ? UINT64_MAX : x * 10 - 1};
        for (int k = 0; k < 2; k++) {
            uint8_t v8[8];
            for (int i = 0; i < 8; i++)
                v8[i] = (uint8_t)(vals[k] >> (8 * i));
            snprintf(dec, sizeof dec, "%llu", (unsigned long long)vals[k]);
            CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT64, v8, 8), dec);
        }
        x *= 10;
    }
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_INT64, "\x00\x00\x00\x00\x00\x00\x00\x80", 8),
                 "-9223372036854775808");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT32, "\x00\xca\x9a\x3b", 4), "1000000000");
    CHECK_EQ_STR(fmt(VIGIL_EVTX_T_UINT8, "\x00", 1), "0");
}

/* Twelve chunks on 1 to 4 threads: the same events in file order,
 * whether a chunk is delivered by the thread that decoded it or waits
 * (names copied out of its decoder) while the first event's callback is
 * slow; a stop asked by the callback delivers nothing after it. */
static void test_threads(void)
{
    enum { NCH = 12 };
    uint8_t *f = calloc(1, VIGIL_EVTX_FILE_HEADER + NCH * VIGIL_EVTX_CHUNK_SIZE);
    uint64_t id = 1;
    for (unsigned k = 0; k < NCH; k++) {
        W w = {f + VIGIL_EVTX_FILE_HEADER + k * VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
        uint32_t def = 0, tdef = 0, udef = 0;
        char img[32];
        snprintf(img, sizeof img, "C:\\%u.exe", k);
        computer_tag = k % 3 == 1 ? "Computor" : "Computer";
        event_record(&w, &def, id++, 1, img);
        tricky_dep = k % 4 == 3 ? 0 : 1; /* some templates not shared */
        tricky_record(&w, id++, &tdef, &udef, k % 2, "B", img);
        chunk_finish(w.b, id - 2, id - 1, w.pos);
    }
    computer_tag = "Computer";
    tricky_dep = 1;
    size_t len = file_finish(f, NCH);
    static coll one, many;
    vigil_evtx_stats st;
    memset(&one, 0, sizeof one);
    CHECK_EQ_INT(parse(f, len, &one, 1, &st), VIGIL_OK);
    CHECK_EQ_INT(one.n, 2 * NCH);
    CHECK_EQ_INT(one.errors + one.warnings, 0);
    CHECK(strstr(one.ev[2], "|Computor=WS01.corp|") != NULL);
    CHECK(strstr(one.ev[3], "|SubjectUserName=C:\\1.exe|") != NULL);
    int same = 1;
    for (unsigned t = 2; t <= 4; t++) {
        for (int slow = 0; slow < 2; slow++) {
            memset(&many, 0, sizeof many);
            many.slow_first = slow;
            CHECK_EQ_INT(parse(f, len, &many, t, &st), VIGIL_OK);
            CHECK_EQ_INT(many.n, 2 * NCH);
            CHECK_EQ_INT((int)st.records, 2 * NCH);
            for (int i = 0; i < 2 * NCH && i < many.n; i++)
                same &= strcmp(one.ev[i], many.ev[i]) == 0 && many.ids[i] == (uint64_t)i + 1;
        }
    }
    CHECK(same);
    /* one parser, three threads, the file twice: the threads' workers
     * (and their template caches) are kept from file to file */
    {
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&o, 0, sizeof o);
        o.on_event = on_event;
        o.event_user = &many;
        o.threads = 3;
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        uint64_t h1, m1, h2, m2;
        for (int pass = 0; pass < 2; pass++) {
            memset(&many, 0, sizeof many);
            CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "t.evtx", f, len), VIGIL_OK);
            CHECK_EQ_INT(many.n, 2 * NCH);
            for (int i = 0; i < 2 * NCH && i < many.n; i++)
                CHECK_EQ_STR(many.ev[i], one.ev[i]);
            if (pass == 0)
                vigil_evtx_parser_tcache_stats(p, &h1, &m1, NULL);
        }
        vigil_evtx_parser_tcache_stats(p, &h2, &m2, NULL);
        /* 4 shareable definitions: each worker compiles each at most once,
         * whichever chunks it gets in either pass */
        CHECK(m1 >= 4 && m2 <= 3 * 4);
        CHECK(h2 > h1);
        vigil_evtx_get_stats(p, &st);
        CHECK_EQ_INT((int)st.records, 4 * NCH);
        vigil_evtx_parser_destroy(p);
    }
    for (int slow = 0; slow < 2; slow++) {
        memset(&many, 0, sizeof many);
        many.slow_first = slow;
        many.stop_after = 5;
        CHECK_EQ_INT(parse(f, len, &many, 3, &st), VIGIL_ERR_ABORTED);
        CHECK_EQ_INT(many.n, 5);
        for (int i = 0; i < 5; i++)
            CHECK_EQ_STR(many.ev[i], one.ev[i]);
    }
    free(f);
}

/* ---------- a damaged file header in a scan ---------- */

typedef struct scan_seen {
    int results, sigma, warnings;
    char rule[128], path[256], wsource[256], wmsg[512];
} scan_seen;

static int scan_result(const vigil_target_result *r, void *user)
{
    scan_seen *s = user;
    s->results++;
    snprintf(s->path, sizeof s->path, "%s", r->path);
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].kind == VIGIL_FINDING_SIGMA) {
            s->sigma++;
            snprintf(s->rule, sizeof s->rule, "%s", r->findings[i].rule_id);
        }
    return 0;
}

static void scan_diag(const vigil_diag *d, void *user)
{
    scan_seen *s = user;
    if (d->level == VIGIL_DIAG_WARNING && s->warnings++ == 0) {
        snprintf(s->wsource, sizeof s->wsource, "%s", d->source ? d->source : "");
        snprintf(s->wmsg, sizeof s->wmsg, "%s", d->message);
    }
}

/* An event log whose first 4 KiB (the file header) were zeroed: vigil
 * scan still reads its chunks, matches their events and says the header
 * is damaged, naming the file. */
static void test_scan_headless(void)
{
    static const char rule[] = "title: cmd started\n"
                               "id: 20000000-0000-0000-0000-000000000017\n"
                               "level: high\n"
                               "logsource:\n    product: windows\n"
                               "detection:\n    sel:\n        Image|endswith: '\\\\cmd.exe'\n"
                               "    condition: sel\n";
    uint8_t *f = new_file();
    W w0 = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    W w1 = {f + VIGIL_EVTX_FILE_HEADER + VIGIL_EVTX_CHUNK_SIZE, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t d0 = 0, d1 = 0;
    event_record(&w0, &d0, 8, 1, "C:\\x.exe");
    chunk_finish(w0.b, 8, 8, w0.pos);
    event_record(&w1, &d1, 9, 1, "C:\\Windows\\cmd.exe");
    chunk_finish(w1.b, 9, 9, w1.pos);
    size_t len = file_finish(f, 2);
    vigil_engine *e = NULL;
    vigil_scanner *sc = NULL;
    vigil_scan_options o;
    scan_seen seen;

    CHECK_EQ_INT(vigil_engine_create(NULL, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_SIGMA, "cmd.yml", rule, strlen(rule)),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);
    memset(&o, 0, sizeof o);
    o.on_result = scan_result;
    o.result_user = &seen;
    o.on_diag = scan_diag;
    o.diag_user = &seen;
    for (int damaged = 0; damaged < 2; damaged++) {
        if (damaged)
            memset(f, 0, 4096);
        memset(&seen, 0, sizeof seen);
        CHECK_EQ_INT(vigil_scanner_create(e, &o, &sc), VIGIL_OK);
        CHECK_EQ_INT(vigil_scanner_scan_memory(sc, "logs/Security.evtx", f, len), VIGIL_OK);
        vigil_scanner_destroy(sc);
        CHECK_EQ_INT(seen.sigma, 1);
        CHECK_EQ_STR(seen.rule, "20000000-0000-0000-0000-000000000017");
        CHECK_EQ_STR(seen.path, "logs/Security.evtx");
        CHECK_EQ_INT(seen.warnings, damaged);
    }
    CHECK_EQ_STR(seen.wsource, "logs/Security.evtx");
    CHECK_EQ_STR(seen.wmsg,
                 "no EVTX file signature (damaged file header); reading its chunks anyway");
    CHECK(vigil_evtx_is_headless(f, len));
    CHECK(!vigil_evtx_is_headless(f, 4096 + 7));
    vigil_engine_destroy(e);
    free(f);
}

/* ---------- NullType values ---------- */

/* System Computer and EventData ParentImage filled by substitutions (value
 * type NullType in the second record), and an attribute that is NullType. */
static void null_body(W *w)
{
    open_el(w, "Event", 0, 1);
    close_start(w);
    open_el(w, "System", 0, 1);
    close_start(w);
    open_el(w, "EventID", 0, 1);
    close_start(w);
    text(w, "1");
    end_el(w);
    el_sub(w, "Computer", 1, 0, 0, VIGIL_EVTX_T_STRING);
    end_el(w); /* System */
    open_el(w, "EventData", 0, 1);
    close_start(w);
    data_sub(w, "ParentImage", 1, 0, 1, VIGIL_EVTX_T_STRING);
    data_sub(w, "User", 1, 1, 2, VIGIL_EVTX_T_STRING);
    end_el(w); /* EventData */
    end_el(w); /* Event */
}

typedef struct null_coll {
    coll c;
    vigil_sigma_matcher *m[4];
    int hits[4][2]; /* matches of rule k on record 1 and 2 */
} null_coll;

static int null_event(const vigil_event *e, void *user)
{
    null_coll *nc = user;
    for (int k = 0; k < 4; k++) {
        size_t n = 0;
        if (vigil_sigma_matcher_match(nc->m[k], e, NULL, NULL, &n) == VIGIL_OK &&
            e->record_id >= 1 && e->record_id <= 2)
            nc->hits[k][e->record_id - 1] += (int)n;
    }
    return on_event(e, &nc->c);
}

static void test_null_values(void)
{
    uint8_t *f = new_file();
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0;
    val v[3] = {v_str("WS01"), v_str("C:\\p.exe"), v_str("alice")};
    template_record(&w, 1, &def, null_body, v, 3);
    for (int i = 0; i < 3; i++)
        v[i] = v_raw(VIGIL_EVTX_T_NULL, "", 0);
    template_record(&w, 2, &def, null_body, v, 3);
    chunk_finish(w.b, 1, 2, w.pos);
    size_t len = file_finish(f, 1);

    static const char *const rules[4] = {
        "    ParentImage: null\n", "    ParentImage: ''\n", "    Computer: null\n",
        "    User: null\n"};
    vigil_sigma_ruleset *rs[4] = {0};
    for (int k = 0; k < 4; k++) {
        char y[512];
        snprintf(y, sizeof y,
                 "title: t\nid: r%d\nlogsource:\n  product: windows\ndetection:\n  sel:\n%s"
                 "  condition: sel\n",
                 k, rules[k]);
        vigil_sigma_builder *b = NULL;
        CHECK_EQ_INT(vigil_sigma_builder_create(NULL, &b), VIGIL_OK);
        CHECK_EQ_INT(vigil_sigma_builder_add_string(b, "n.yml", y, strlen(y)), VIGIL_OK);
        CHECK_EQ_INT(vigil_sigma_builder_build(b, &rs[k]), VIGIL_OK);
        vigil_sigma_builder_destroy(b);
    }
    for (int mode = 0; mode < 2; mode++) { /* field programs, then node by node */
        null_coll nc;
        memset(&nc, 0, sizeof nc);
        for (int k = 0; k < 4; k++)
            CHECK_EQ_INT(vigil_sigma_matcher_create(rs[k], &nc.m[k]), VIGIL_OK);
        vigil_evtx_options o;
        vigil_evtx_parser *p = NULL;
        memset(&o, 0, sizeof o);
        o.on_event = null_event;
        o.event_user = &nc;
        o.on_diag = on_diag;
        o.diag_user = &nc.c;
        o.threads = 1;
        CHECK_EQ_INT(vigil_evtx_parser_create(&o, &p), VIGIL_OK);
        vigil_evtx_parser_set_programs(p, mode == 0);
        CHECK_EQ_INT(vigil_evtx_parse_buffer(p, "null.evtx", f, len), VIGIL_OK);
        vigil_evtx_parser_destroy(p);
        CHECK_EQ_INT(nc.c.n, 2);
        CHECK_EQ_INT(nc.c.errors + nc.c.warnings, 0);
        CHECK_EQ_STR(nc.c.ev[0], "EventID=1|Computer=WS01|ParentImage=C:\\p.exe|User=alice");
        CHECK_EQ_STR(nc.c.ev[1], "EventID=1|Computer=(null)|ParentImage=(null)|User=(null)");
        /* record 1 has values: no null rule matches; record 2: every null rule */
        CHECK_EQ_INT(nc.hits[0][0], 0);
        CHECK_EQ_INT(nc.hits[0][1], 1); /* ParentImage: null */
        CHECK_EQ_INT(nc.hits[1][0], 0);
        CHECK_EQ_INT(nc.hits[1][1], 0); /* ParentImage: '' is not null */
        CHECK_EQ_INT(nc.hits[2][1], 1); /* Computer: null */
        CHECK_EQ_INT(nc.hits[3][1], 1); /* User: null (optional substitution) */
        for (int k = 0; k < 4; k++)
            vigil_sigma_matcher_destroy(nc.m[k]);
    }
    for (int k = 0; k < 4; k++)
        vigil_sigma_ruleset_destroy(rs[k]);
    free(f);
}

int main(void)
{
    TEST_RUN(test_null_values);
    TEST_RUN(test_crc32);
    TEST_RUN(test_programs_match_nodes);
    TEST_RUN(test_template_cache);
    TEST_RUN(test_template_cache_local_context);
    TEST_RUN(test_template_cache_key_hit);
    TEST_RUN(test_template_records);
    TEST_RUN(test_malformed_records);
    TEST_RUN(test_self_template_and_nesting);
    TEST_RUN(test_chunks);
    TEST_RUN(test_scan_headless);
    TEST_RUN(test_threads);
    TEST_RUN(test_nested_binxml_userdata);
    TEST_RUN(test_values);
    TEST_RUN(test_text_conversion);
    return TEST_END();
}
