/* evtx_internal.h - the private contract between the EVTX reader's files.
 *
 * evtx_file.c walks the file header, chunks and record frames and owns the
 * public API; evtx_binxml.c turns binary XML token streams into compiled
 * node lists (templates compiled once per chunk); evtx_event.c runs those
 * node lists with a record's substitution values and emits flat fields;
 * evtx_prog.c turns a compiled template into a field program (run per
 * record when the record's values allow it); evtx_value.c formats typed
 * values as text; evtx_template_cache.c keeps compiled templates (and their
 * programs) across chunks and files. All offsets are relative to the start of the chunk, as
 * they are in the format. */
#ifndef VIGIL_EVENTS_EVTX_INTERNAL_H
#define VIGIL_EVENTS_EVTX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buffer.h"
#include "vigil/evtx.h"

#define VIGIL_EVTX_FILE_HEADER 4096u
#define VIGIL_EVTX_CHUNK_SIZE 65536u
#define VIGIL_EVTX_CHUNK_HEADER 512u
#define VIGIL_EVTX_RECORD_HEADER 24u
#define VIGIL_EVTX_MAX_ELEM_DEPTH 64   /* element nesting in one record */
#define VIGIL_EVTX_MAX_NEST 16         /* templates / BinXml values inside each other */
#define VIGIL_EVTX_MAX_STEPS 1000000u  /* nodes executed for one record */
#define VIGIL_EVTX_MAX_BUF (16u << 20) /* text produced for one record or chunk */

/* ---- little-endian reads (callers check bounds first) ---- */
static inline uint16_t vigil_evtx_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t vigil_evtx_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t vigil_evtx_rd64(const uint8_t *p)
{
    return (uint64_t)vigil_evtx_rd32(p) | ((uint64_t)vigil_evtx_rd32(p + 4) << 32);
}

/* ---- the shared growable buffer (core/buffer.h), bounded per record ---- */
typedef vigil_buffer vigil_evtx_buf;

/* 0 on success, -1 when out of memory or past VIGIL_EVTX_MAX_BUF. */
static inline int vigil_evtx_buf_reserve(vigil_evtx_buf *b, size_t extra)
{
    /* never leaves data NULL, so data + len is always a valid pointer */
    return b->data != NULL && b->cap - b->len > extra
               ? 0
               : (vigil_buffer_grow(b, extra, VIGIL_EVTX_MAX_BUF) == VIGIL_OK ? 0 : -1);
}
static inline int vigil_evtx_buf_put(vigil_evtx_buf *b, const void *s, size_t n)
{
    if (vigil_evtx_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}
static inline int vigil_evtx_buf_putc(vigil_evtx_buf *b, char c)
{
    if (vigil_evtx_buf_reserve(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}
#define vigil_evtx_buf_free vigil_buffer_free

/* ---- values (evtx_value.c) ---- */
enum {
    VIGIL_EVTX_T_NULL = 0x00,
    VIGIL_EVTX_T_STRING = 0x01,
    VIGIL_EVTX_T_ANSI = 0x02,
    VIGIL_EVTX_T_INT8 = 0x03,
    VIGIL_EVTX_T_UINT8 = 0x04,
    VIGIL_EVTX_T_INT16 = 0x05,
    VIGIL_EVTX_T_UINT16 = 0x06,
    VIGIL_EVTX_T_INT32 = 0x07,
    VIGIL_EVTX_T_UINT32 = 0x08,
    VIGIL_EVTX_T_INT64 = 0x09,
    VIGIL_EVTX_T_UINT64 = 0x0a,
    VIGIL_EVTX_T_REAL32 = 0x0b,
    VIGIL_EVTX_T_REAL64 = 0x0c,
    VIGIL_EVTX_T_BOOL = 0x0d,
    VIGIL_EVTX_T_BINARY = 0x0e,
    VIGIL_EVTX_T_GUID = 0x0f,
    VIGIL_EVTX_T_SIZET = 0x10,
    VIGIL_EVTX_T_FILETIME = 0x11,
    VIGIL_EVTX_T_SYSTIME = 0x12,
    VIGIL_EVTX_T_SID = 0x13,
    VIGIL_EVTX_T_HEX32 = 0x14,
    VIGIL_EVTX_T_HEX64 = 0x15,
    VIGIL_EVTX_T_EVTHANDLE = 0x20,
    VIGIL_EVTX_T_BINXML = 0x21,
    VIGIL_EVTX_T_EVTXML = 0x23,
    VIGIL_EVTX_T_ARRAY = 0x80
};

/* Appends the UTF-8 form of nunits UTF-16LE code units (bad surrogates
 * become U+FFFD). 0 or -1 (out of memory / cap). */
int vigil_evtx_utf16_to_utf8(vigil_evtx_buf *out, const uint8_t *p, size_t nunits);

/* Appends the text of a value of this type (array flag allowed) stored in
 * n bytes. Returns 0, -1 on memory/cap, 1 if the bytes do not fit the type. */
int vigil_evtx_format_value(vigil_evtx_buf *out, unsigned type, const uint8_t *p, size_t n);

/* "2019-03-19T23:33:51.123456Z" from a FILETIME; returns the length (27),
 * or 0 if out of range. out needs 32 bytes. */
size_t vigil_evtx_format_filetime(char *out, uint64_t filetime);

/* CRC32 (IEEE, as zlib), continued from crc (start with 0). */
uint32_t vigil_evtx_crc32(uint32_t crc, const void *data, size_t len);

/* ---- compiled binary XML (evtx_binxml.c) ---- */
enum {
    VIGIL_EVTX_N_OPEN = 1,    /* str = element name */
    VIGIL_EVTX_N_CLOSE_START, /* end of the attribute list */
    VIGIL_EVTX_N_CLOSE_EMPTY, /* <x/> */
    VIGIL_EVTX_N_END,         /* </x> */
    VIGIL_EVTX_N_ATTR,        /* str = attribute name; value nodes follow */
    VIGIL_EVTX_N_TEXT,        /* str = literal UTF-8 text */
    VIGIL_EVTX_N_SUBST,       /* index, vtype, optional */
    VIGIL_EVTX_N_TEMPLATE     /* tmpl + vals */
};

typedef struct vigil_evtx_value {
    uint32_t off; /* chunk offset of the value bytes */
    uint16_t size;
    uint8_t type;
} vigil_evtx_value;

/* A template instance from its 0x0c token at p, as evtx_event.c's fast
 * path and evtx_prog.c's programs both read it: the definition offset in
 * *def, an inline definition stepped over, and where the value descriptors
 * start (*desc) and how many there are (*count). 0 when [p, end) has
 * another shape. */
static inline int vigil_evtx_instance_header(const uint8_t *ch, uint32_t p, uint32_t end,
                                             uint32_t *def, uint32_t *desc, uint32_t *count)
{
    if (end - p < 14 || ch[p] != 0x0c)
        return 0;
    p += 1;
    *def = vigil_evtx_rd32(ch + p + 5);
    p += 9;
    if (*def == p) {
        if (end - p < 24)
            return 0;
        uint32_t dsize = vigil_evtx_rd32(ch + p + 20);
        if (dsize > end - p - 24)
            return 0;
        p += 24 + dsize;
    }
    if (end - p < 4)
        return 0;
    uint32_t n = vigil_evtx_rd32(ch + p);
    p += 4;
    if (n > (end - p) / 4)
        return 0;
    *desc = p;
    *count = n;
    return 1;
}

/* Fills v[0..count) from the descriptors at desc: size, type and offset
 * of each value, the values laid end to end after the descriptors. 0 when
 * one runs past end or the values are followed by neither end nor the end
 * of the stream (0x00). */
static inline int vigil_evtx_instance_values(const uint8_t *ch, uint32_t desc, uint32_t count,
                                             uint32_t end, vigil_evtx_value *v)
{
    uint32_t data = desc + 4 * count;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d = ch + desc + 4 * i;
        v[i].size = vigil_evtx_rd16(d);
        v[i].type = d[2];
        v[i].off = data;
        if (v[i].size > end - data)
            return 0;
        data += v[i].size;
    }
    return data == end || ch[data] == 0x00;
}

typedef struct vigil_evtx_tmpl vigil_evtx_tmpl;

/* Names the assembler treats specially, recognised once at compile time. */
enum {
    VIGIL_EVTX_TAG_OTHER = 0,
    VIGIL_EVTX_TAG_SYSTEM,      /* element System */
    VIGIL_EVTX_TAG_EVENTDATA,   /* element EventData */
    VIGIL_EVTX_TAG_USERDATA,    /* element UserData */
    VIGIL_EVTX_TAG_DATA,        /* element Data */
    VIGIL_EVTX_TAG_TIMECREATED, /* element TimeCreated */
    VIGIL_EVTX_TAG_XMLNS,       /* attribute xmlns or xmlns:* */
    VIGIL_EVTX_TAG_NAME,        /* attribute Name */
    VIGIL_EVTX_TAG_SYSTEMTIME   /* attribute SystemTime */
};

typedef struct vigil_evtx_node {
    uint8_t kind;
    uint8_t tag; /* VIGIL_EVTX_TAG_* of an OPEN or ATTR name */
    uint8_t vtype;
    uint8_t optional;
    uint16_t index;
    uint32_t len; /* of str, or number of vals */
    const char *str;
    const char *full; /* ATTR: "Element_Attribute", NULL if no element seen */
    uint32_t full_len;
    const vigil_evtx_tmpl *tmpl;
    const vigil_evtx_value *vals;
} vigil_evtx_node;

/* One step of a field program (evtx_prog.c). */
enum {
    VIGIL_EVTX_OP_MARK = 1,     /* a value starts here: remember out.len, clear "omitted" */
    VIGIL_EVTX_OP_TEXT,         /* append str/len */
    VIGIL_EVTX_OP_SUBST,        /* append value index; OPTIONAL: empty value omits the attribute */
    VIGIL_EVTX_OP_SKIP,         /* value index is not shown, but must not be BinXml */
    VIGIL_EVTX_OP_BINXML,       /* value index, if BinXml, runs in the context ctx */
    VIGIL_EVTX_OP_ATTR,         /* attribute value done: field str unless omitted */
    VIGIL_EVTX_OP_DNAME,        /* <Data Name=...> value done: it names the Data element */
    VIGIL_EVTX_OP_CLOSE,        /* leaf element done: field str (HAS_ATTR: not if empty) */
    VIGIL_EVTX_OP_DATA_NAMED,   /* EventData Data with a literal Name str */
    VIGIL_EVTX_OP_DATA_DYN,     /* EventData Data named by the last DNAME, if any */
    VIGIL_EVTX_OP_DATA_UNNAMED, /* EventData Data without Name: joined into "Data" */
    VIGIL_EVTX_OP_SUBST_ATTR,   /* MARK, SUBST index, ATTR str in one step */
    VIGIL_EVTX_OP_SUBST_CLOSE   /* MARK, SUBST index, CLOSE str in one step */
};
enum {
    VIGIL_EVTX_OPF_OPTIONAL = 1,
    VIGIL_EVTX_OPF_TIMECREATED = 2, /* also emit the value as "TimeCreated" */
    VIGIL_EVTX_OPF_HAS_ATTR = 4,
    VIGIL_EVTX_OPF_LOCAL = 8 /* BINXML op of a template kept for one chunk only */
};

typedef struct vigil_evtx_op {
    uint8_t kind;
    uint8_t flags;
    uint16_t index;
    uint32_t len;
    const char *str; /* NUL-terminated, in the program's arena */
    const void *ctx; /* BINXML: the element stack there (evtx_prog.c) */
    uint32_t hash;   /* field-naming ops: vigil_field_name_hash(str) */
} vigil_evtx_op;

/* A template's program for one context: the top of a record (key NULL)
 * or inside the BinXml value of a given BINXML op (key = that op). */
typedef struct vigil_evtx_prog {
    const void *key;
    const vigil_evtx_op *ops; /* NULL: this template cannot run as a program there */
    uint32_t n;
    struct vigil_evtx_prog *next;
} vigil_evtx_prog;

struct vigil_evtx_tmpl {
    const vigil_evtx_node *nodes;
    uint32_t n;
    uint32_t off;
    int state;              /* 0 compiling, 1 ready, -1 broken */
    int shared;             /* lives in the template cache, not the chunk arena */
    vigil_evtx_prog *progs; /* built on first use, in the same arena */
    /* shared template: programs for contexts of chunk-only programs, in
     * the chunk arena, valid while lgen is the decoder's chunk number */
    vigil_evtx_prog *lprogs;
    uint64_t lgen;
};

/* Compiled templates kept across chunks and files (evtx_template_cache.c). */
typedef struct vigil_evtx_tentry vigil_evtx_tentry;
typedef struct vigil_evtx_template_cache {
    vigil_arena arena;         /* shared templates, their names, programs, keys */
    vigil_evtx_tentry **slots; /* by key */
    uint32_t cap, n;
    vigil_evtx_tentry **fslots; /* by GUID and size, for the fast check */
    uint32_t fcap, fn;
    size_t bytes;       /* estimated memory held */
    vigil_evtx_buf key; /* key of the last lookup */
    uint64_t key_hash;
    void *refs; /* name references of the last key (evtx_template_cache.c) */
    uint32_t nrefs, caprefs;
    uint32_t def, body; /* the last lookup's definition and its body */
    uint64_t fhash;
    uint64_t hits, fast_hits, misses, unshared, flushes; /* for tests and tuning */
} vigil_evtx_template_cache;

/* Sections of an event, by the element at depth 1. */
enum {
    VIGIL_EVTX_SEC_NONE = 0,
    VIGIL_EVTX_SEC_SYSTEM,
    VIGIL_EVTX_SEC_EVENTDATA,
    VIGIL_EVTX_SEC_USERDATA,
    VIGIL_EVTX_SEC_OTHER
};

/* u32 key (a chunk offset, never 0) -> pointer; reset per chunk. */
typedef struct vigil_evtx_map {
    uint32_t *keys;
    void **vals;
    uint32_t cap;
    uint32_t n;
} vigil_evtx_map;

/* One field, as offsets in the chunk's output buffer. A name that lives in
 * the chunk arena (element names) is referenced directly by name_ptr. */
typedef struct vigil_evtx_fref {
    const char *name_ptr; /* NUL-terminated, or NULL: use name_off */
    uint32_t name_off;
    uint32_t name_len;
    uint32_t val_off;
    uint32_t val_len;
    uint32_t name_hash; /* vigil_field_name_hash of the name, 0: not computed */
    uint8_t is_null;    /* the value is a NullType substitution alone (evtx_dump: null) */
} vigil_evtx_fref;

typedef struct vigil_evtx_elem {
    const char *name;
    uint32_t name_len;
    uint32_t text_start; /* element text is written straight into out */
    uint32_t dname_off;  /* <Data Name=...> value, in out */
    uint32_t dname_len;
    uint8_t section;
    uint8_t tag;
    uint8_t has_child;
    uint8_t has_attr; /* an attribute was declared, even if omitted */
    uint8_t has_dname;
    uint32_t nulls; /* c->nulls when the element opened */
} vigil_evtx_elem;

/* Everything one thread needs to decode chunks; buffers are reused. */
typedef struct vigil_evtx_ctx {
    const uint8_t *chunk; /* chunk start */
    uint32_t size;        /* valid bytes in the chunk */
    vigil_arena arena;    /* names and templates of this chunk */
    vigil_arena rec;      /* per record: its compiled stream */
    vigil_evtx_map names;
    vigil_evtx_map tmpls;
    /* error of the record being decoded */
    const char *err;
    uint32_t err_off;
    /* assembly */
    vigil_evtx_buf out; /* names and values of the fields, NUL-terminated */
    vigil_evtx_fref *refs;
    size_t nrefs, caprefs;
    vigil_evtx_buf data; /* unnamed Data values joined */
    unsigned ndata;
    uint32_t nulls;         /* NullType values substituted into element text so far */
    vigil_evtx_value *vals; /* substitution values of the record's template */
    size_t capvals;
    vigil_evtx_elem stack[VIGIL_EVTX_MAX_ELEM_DEPTH];
    unsigned depth;
    const vigil_evtx_node *attr; /* pending attribute, NULL if none */
    uint32_t attr_start;         /* its value starts here in out */
    int attr_omit;
    uint32_t steps;
    int no_prog;   /* run every record node by node (tests compare both) */
    int no_tcache; /* compile templates per chunk (tests compare both) */
    vigil_evtx_template_cache tc;
    uint64_t gen; /* chunks begun, to expire chunk-only data */
} vigil_evtx_ctx;

void vigil_evtx_ctx_init(vigil_evtx_ctx *c);
void vigil_evtx_ctx_free(vigil_evtx_ctx *c);
/* Starts a chunk: forgets names and templates of the previous one. 0/-1. */
int vigil_evtx_ctx_begin_chunk(vigil_evtx_ctx *c, const uint8_t *chunk, uint32_t size);

/* Compiles the token stream at [off, end) into nodes allocated in a.
 * dep_id: element headers carry the u16 dependency identifier (template
 * definitions do; record streams and BinXml values usually do not - both
 * forms are accepted, this is the first guess). *stop gets the offset after
 * the end-of-stream token. 0, or -1 with c->err/c->err_off set. */
int vigil_evtx_compile(vigil_evtx_ctx *c, uint32_t off, uint32_t end, int dep_id, vigil_arena *a,
                       unsigned nest, vigil_evtx_node **nodes, uint32_t *n, uint32_t *stop);

/* The compiled template whose definition is at chunk offset def (compiled
 * and cached on first use), or NULL with c->err set. */
vigil_evtx_tmpl *vigil_evtx_template(vigil_evtx_ctx *c, uint32_t def, unsigned nest);

/* ---- template cache (evtx_template_cache.c) ---- */
void vigil_evtx_template_cache_init(vigil_evtx_template_cache *tc);
void vigil_evtx_template_cache_free(vigil_evtx_template_cache *tc);
/* At a chunk start (nothing of the cache in use): drops it all when it
 * holds more than its budget. */
void vigil_evtx_template_cache_trim(vigil_evtx_template_cache *tc);
/* Looks up the definition at def (24-byte header and dsize bytes in the
 * chunk): 1 with *out on a hit; 0 on a miss, the key kept for
 * vigil_evtx_template_cache_insert(); -1 when the template must be compiled for
 * this chunk only. */
int vigil_evtx_template_cache_lookup(vigil_evtx_ctx *c, uint32_t def, uint32_t dsize,
                                     vigil_evtx_tmpl **out);
/* Adds t, compiled into c->tc.arena right after a lookup that missed (no
 * other lookup in between), under that lookup's key. 0/-1. */
int vigil_evtx_template_cache_insert(vigil_evtx_ctx *c, vigil_evtx_tmpl *t);

/* Off: templates are compiled per chunk, never shared (tests compare). */
void vigil_evtx_parser_set_tcache(vigil_evtx_parser *p, int on);
/* Cache counters summed over the parser's decoders; fast: the hits found
 * by the fast check (NULL if not wanted). */
void vigil_evtx_parser_tcache_stats(const vigil_evtx_parser *p, uint64_t *hits, uint64_t *misses,
                                    uint64_t *fast);

/* ---- field programs (evtx_prog.c) ---- */
/* Decodes a record of the usual shape (fragment header, one template
 * instance, end) by running its template's field program, nested BinXml
 * values included: 1 when done (fields appended exactly as the node runner
 * would), -1 on an error the node runner would report the same way (c->err
 * set), 0 when the record must be run node by node (nothing appended). */
int vigil_evtx_prog_record(vigil_evtx_ctx *c, uint32_t off, uint32_t end);

/* Off: records are run node by node, never as field programs. The unit
 * tests parse the same input both ways and compare (evtx_file.c). */
void vigil_evtx_parser_set_programs(vigil_evtx_parser *p, int on);

/* ---- event assembly (evtx_event.c) ---- */
/* Grows c->refs for one more field. 0 or -1 with c->err set. */
int vigil_evtx_grow_refs(vigil_evtx_ctx *c);

/* Appends a field (name_ptr, or the name at name_off in out; name_hash its
 * vigil_field_name_hash, or 0 to have it computed on delivery). 0 or -1. */
static inline int vigil_evtx_add_ref_h(vigil_evtx_ctx *c, const char *name_ptr, uint32_t name_off,
                                       uint32_t name_len, uint32_t name_hash, uint32_t val_off,
                                       uint32_t val_len)
{
    if (c->nrefs == c->caprefs && vigil_evtx_grow_refs(c) != 0)
        return -1;
    vigil_evtx_fref *f = &c->refs[c->nrefs++];
    f->name_ptr = name_ptr;
    f->name_off = name_off;
    f->name_len = name_len;
    f->val_off = val_off;
    f->val_len = val_len;
    f->name_hash = name_hash;
    f->is_null = 0;
    return 0;
}

static inline int vigil_evtx_add_ref(vigil_evtx_ctx *c, const char *name_ptr, uint32_t name_off,
                                     uint32_t name_len, uint32_t val_off, uint32_t val_len)
{
    return vigil_evtx_add_ref_h(c, name_ptr, name_off, name_len, 0, val_off, val_len);
}

/* Decodes the binary XML of one record at [off, end) and appends its fields
 * to c->refs / c->out. On error returns -1 with c->err set and the fields
 * of this record removed. */
int vigil_evtx_decode_record(vigil_evtx_ctx *c, uint32_t off, uint32_t end);

#endif
