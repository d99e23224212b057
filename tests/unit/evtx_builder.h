/* evtx_builder.h - writes small EVTX files for the tests: file header,
 * chunks (with correct CRCs), records and binary XML with an inline
 * template definition, template references and substitutions.
 *
 * Why a header of static functions: the unit tests (test_evtx.c) state
 * exactly which fields must come out of what they write, and the e2e tool
 * tests/tools/mkevtx.c writes the same events to a file for the command. */
#ifndef VIGIL_TEST_EVTX_BUILDER_H
#define VIGIL_TEST_EVTX_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/evtx_internal.h"

/* ---------- writer ---------- */

typedef struct W {
    uint8_t *b; /* chunk buffer, 64 KiB */
    uint32_t pos;
} W;

static inline void put8(W *w, unsigned v)
{
    w->b[w->pos++] = (uint8_t)v;
}
static inline void put16(W *w, unsigned v)
{
    put8(w, v & 0xff);
    put8(w, (v >> 8) & 0xff);
}
static inline void put32(W *w, uint32_t v)
{
    put16(w, v & 0xffff);
    put16(w, v >> 16);
}
static inline void put64(W *w, uint64_t v)
{
    put32(w, (uint32_t)v);
    put32(w, (uint32_t)(v >> 32));
}
static inline void set32(uint8_t *p, uint32_t v)
{
    W w = {p, 0};
    put32(&w, v);
}
static inline void set64(uint8_t *p, uint64_t v)
{
    W w = {p, 0};
    put64(&w, v);
}
static inline void name_ref(W *w, const char *s)
{
    put32(w, w->pos + 4); /* inline: the name follows */
    put32(w, 0);          /* next name */
    put16(w, 0);          /* hash (not checked) */
    put16(w, (unsigned)strlen(s));
    for (const char *p = s; *p; p++)
        put16(w, (unsigned char)*p);
    put16(w, 0);
}
static inline void open_el(W *w, const char *name, int attrs, int dep)
{
    put8(w, attrs ? 0x41 : 0x01);
    if (dep)
        put16(w, 0xffff);
    put32(w, 0);
    name_ref(w, name);
    if (attrs)
        put32(w, 0);
}
static inline void attr(W *w, const char *name)
{
    put8(w, 0x06);
    name_ref(w, name);
}
static inline void text(W *w, const char *s)
{
    put8(w, 0x05);
    put8(w, 0x01);
    put16(w, (unsigned)strlen(s));
    for (const char *p = s; *p; p++)
        put16(w, (unsigned char)*p);
}
static inline void sub(W *w, int optional, unsigned idx, unsigned type)
{
    put8(w, optional ? 0x0e : 0x0d);
    put16(w, idx);
    put8(w, type);
}
static inline void close_start(W *w)
{
    put8(w, 0x02);
}
static inline void close_empty(W *w)
{
    put8(w, 0x03);
}
static inline void end_el(W *w)
{
    put8(w, 0x04);
}

/* <name>%idx%</name>: an element holding one substitution. */
static inline void el_sub(W *w, const char *name, int dep, int optional, unsigned idx,
                          unsigned type)
{
    open_el(w, name, 0, dep);
    close_start(w);
    sub(w, optional, idx, type);
    end_el(w);
}

/* <Data Name="name">%idx%</Data>: an EventData value named by literal text. */
static inline void data_sub(W *w, const char *name, int dep, int optional, unsigned idx,
                            unsigned type)
{
    open_el(w, "Data", 1, dep);
    attr(w, "Name");
    text(w, name);
    close_start(w);
    sub(w, optional, idx, type);
    end_el(w);
}

typedef struct val {
    uint8_t type;
    uint16_t size;
    uint8_t data[256];
} val;

static inline val v_str(const char *s)
{
    val v = {VIGIL_EVTX_T_STRING, 0, {0}};
    for (size_t i = 0; s[i]; i++) {
        v.data[2 * i] = (uint8_t)s[i];
        v.data[2 * i + 1] = 0;
    }
    v.size = (uint16_t)(2 * strlen(s));
    return v;
}
static inline val v_raw(uint8_t type, const void *p, uint16_t n)
{
    val v = {type, n, {0}};
    memcpy(v.data, p, n);
    return v;
}
static inline val v_u64(uint8_t type, uint64_t x, uint16_t n)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    return v_raw(type, b, n);
}

typedef void (*body_fn)(W *w);

/* Template instance: inline definition when *def is 0, else a reference. */
static inline void tmpl_instance(W *w, uint32_t *def, body_fn body, const val *vals, int n)
{
    put8(w, 0x0c);
    put8(w, 0x01);
    put32(w, 1); /* template id */
    if (*def == 0) {
        *def = w->pos + 4;
        put32(w, *def);
        put32(w, 0); /* next template */
        for (int i = 0; i < 16; i++)
            put8(w, (unsigned)i);
        uint32_t size_at = w->pos;
        put32(w, 0);
        uint32_t start = w->pos;
        put8(w, 0x0f);
        put8(w, 1);
        put8(w, 1);
        put8(w, 0);
        body(w);
        put8(w, 0x00);
        set32(w->b + size_at, w->pos - start);
    } else {
        put32(w, *def);
    }
    put32(w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        put16(w, vals[i].size);
        put8(w, vals[i].type);
        put8(w, 0);
    }
    for (int i = 0; i < n; i++) {
        memcpy(w->b + w->pos, vals[i].data, vals[i].size);
        w->pos += vals[i].size;
    }
}

static uint32_t rec_start;
static inline void record_begin(W *w, uint64_t id)
{
    rec_start = w->pos;
    put32(w, 0x2a2a);
    put32(w, 0);
    put64(w, id);
    put64(w, 132000000000000000ull);
    put8(w, 0x0f);
    put8(w, 1);
    put8(w, 1);
    put8(w, 0);
}
static inline void record_end(W *w)
{
    put8(w, 0x00);
    uint32_t size = w->pos - rec_start + 4;
    put32(w, size);
    set32(w->b + rec_start + 4, size);
}

/* One record whose event is an instance of the template body (def: its
 * offset once written, 0 before) with the substitution values vals. */
static inline void template_record(W *w, uint64_t id, uint32_t *def, body_fn body,
                                   const val *vals, int n)
{
    record_begin(w, id);
    tmpl_instance(w, def, body, vals, n);
    record_end(w);
}

static inline void chunk_finish(uint8_t *ch, uint64_t first, uint64_t last, uint32_t free_off)
{
    memcpy(ch, "ElfChnk", 8);
    set64(ch + 8, first);
    set64(ch + 16, last);
    set64(ch + 24, first);
    set64(ch + 32, last);
    set32(ch + 40, 128);
    set32(ch + 44, VIGIL_EVTX_CHUNK_HEADER);
    set32(ch + 48, free_off);
    set32(ch + 52, vigil_evtx_crc32(0, ch + 512, free_off - 512));
    uint32_t crc = vigil_evtx_crc32(0, ch, 120);
    set32(ch + 124, vigil_evtx_crc32(crc, ch + 128, 384));
}

/* A file of n chunks; returns its length. buf must hold it. */
static inline size_t file_finish(uint8_t *buf, unsigned nchunks)
{
    memcpy(buf, "ElfFile", 8);
    set64(buf + 16, nchunks ? nchunks - 1 : 0);
    set32(buf + 32, 128);
    buf[36] = 1;
    buf[38] = 3;
    buf[41] = 0x10;
    buf[42] = (uint8_t)nchunks;
    set32(buf + 124, vigil_evtx_crc32(0, buf, 120));
    return VIGIL_EVTX_FILE_HEADER + (size_t)nchunks * VIGIL_EVTX_CHUNK_SIZE;
}

/* ---------- the event template ---------- */

/* The name of the Computer element: a test changes it to write a template
 * with the same GUID and shape but a different name. */
static const char *computer_tag = "Computer";

static inline void event_body(W *w)
{
    open_el(w, "Event", 1, 1);
    attr(w, "xmlns");
    text(w, "http://schemas.microsoft.com/win/2004/08/events/event");
    close_start(w);
    open_el(w, "System", 0, 1);
    close_start(w);
    open_el(w, "Provider", 1, 1);
    attr(w, "Name");
    text(w, "Microsoft-Windows-Sysmon");
    attr(w, "Guid");
    sub(w, 0, 0, VIGIL_EVTX_T_GUID);
    close_empty(w);
    open_el(w, "EventID", 1, 1);
    attr(w, "Qualifiers");
    sub(w, 1, 1, VIGIL_EVTX_T_UINT16);
    close_start(w);
    sub(w, 0, 2, VIGIL_EVTX_T_UINT16);
    end_el(w);
    open_el(w, "TimeCreated", 1, 1);
    attr(w, "SystemTime");
    sub(w, 0, 3, VIGIL_EVTX_T_FILETIME);
    close_empty(w);
    el_sub(w, "EventRecordID", 1, 0, 4, VIGIL_EVTX_T_UINT64);
    open_el(w, "Channel", 0, 1);
    close_start(w);
    text(w, "Microsoft-Windows-Sysmon/Operational");
    end_el(w);
    el_sub(w, computer_tag, 1, 0, 5, VIGIL_EVTX_T_STRING);
    open_el(w, "Security", 1, 1);
    attr(w, "UserID");
    sub(w, 1, 6, VIGIL_EVTX_T_SID);
    close_empty(w);
    end_el(w); /* System */
    open_el(w, "EventData", 0, 1);
    close_start(w);
    data_sub(w, "Image", 1, 0, 7, VIGIL_EVTX_T_STRING);
    el_sub(w, "Data", 1, 0, 8, VIGIL_EVTX_T_STRING);
    el_sub(w, "Data", 1, 0, 9, VIGIL_EVTX_T_HEX32);
    end_el(w); /* EventData */
    end_el(w); /* Event */
}

static const uint8_t guid_bytes[16] = {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43,
                                       0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9};
static const uint8_t sid_bytes[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};

/* One event record; qualifiers/sid optional (0 = null). */
static inline void event_record(W *w, uint32_t *def, uint64_t id, int with_opt, const char *image)
{
    val v[10];
    v[0] = v_raw(VIGIL_EVTX_T_GUID, guid_bytes, 16);
    v[1] = with_opt ? v_u64(VIGIL_EVTX_T_UINT16, 16384, 2) : v_raw(VIGIL_EVTX_T_NULL, "", 0);
    v[2] = v_u64(VIGIL_EVTX_T_UINT16, 1, 2);
    /* 2019-03-19T23:33:51.123456Z */
    v[3] = v_u64(VIGIL_EVTX_T_FILETIME, 131975120311234560ull, 8);
    v[4] = v_u64(VIGIL_EVTX_T_UINT64, id, 8);
    v[5] = v_str("WS01.corp");
    v[6] = with_opt ? v_raw(VIGIL_EVTX_T_SID, sid_bytes, 12) : v_raw(VIGIL_EVTX_T_NULL, "", 0);
    v[7] = v_str(image);
    v[8] = v_str("first");
    v[9] = v_u64(VIGIL_EVTX_T_HEX32, 0x1f, 4);
    template_record(w, id, def, event_body, v, 10);
}

static inline uint8_t *new_file(void)
{
    return calloc(1, VIGIL_EVTX_FILE_HEADER + 4 * VIGIL_EVTX_CHUNK_SIZE);
}

#endif
