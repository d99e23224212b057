/* text.c - loads the line-oriented intel forms: CSV tables (including the
 * MISP CSV export) and plain lists of values.
 *
 * These are what analysts paste from reports and spreadsheets: a header
 * naming the columns, or just one value a line in whatever defanged form
 * the report used. The type is taken from a type column when there is one
 * and otherwise inferred from the value's shape. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/intel_internal.h"

#define MAX_COLS 64
#define MAX_FIELD 8192

typedef struct csv_reader {
    const char *p, *end;
    char delim;
    uint64_t line; /* line the current record starts on */
    uint64_t next_line;
    char *buf; /* field storage for one record */
    size_t cap;
    char *fields[MAX_COLS];
    size_t lens[MAX_COLS];
    size_t nfields;
    int bad_quote;
} csv_reader;

static int buf_put(csv_reader *r, size_t *used, char ch)
{
    if (*used + 1 >= r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 256;
        if (ncap > (size_t)MAX_FIELD * MAX_COLS)
            return 0;
        char *nb = realloc(r->buf, ncap);
        if (nb == NULL)
            return -1;
        r->buf = nb;
        r->cap = ncap;
    }
    r->buf[(*used)++] = ch;
    return 1;
}

/* Reads one record; 0 at the end, -1 out of memory. Quoted fields may hold
 * delimiters, doubled quotes and newlines. Fields beyond MAX_COLS are
 * dropped; over-long records are marked bad. */
static int csv_next(csv_reader *r)
{
    size_t used = 0, start = 0;
    if (r->p >= r->end)
        return 0;
    r->line = r->next_line;
    r->nfields = 0;
    r->bad_quote = 0;
    int in_q = 0, field_start = 1, quoted = 0;
    for (;;) {
        int eof = r->p >= r->end;
        char ch = eof ? '\n' : *r->p;
        if (!eof)
            r->p++;
        if (ch == '\n' && !eof)
            r->next_line++;
        if (in_q && !eof) {
            if (ch == '"') {
                if (r->p < r->end && *r->p == '"') {
                    r->p++;
                } else {
                    in_q = 0;
                    continue;
                }
            }
        } else if (ch == '"' && field_start) {
            in_q = 1;
            quoted = 1;
            field_start = 0;
            continue;
        } else if (ch == r->delim || ch == '\n') {
            if (in_q) /* end of input inside quotes */
                r->bad_quote = 1;
            size_t flen = used - start;
            if (ch == '\n' && !quoted && flen > 0 && r->buf[start + flen - 1] == '\r')
                flen--;
            int put = buf_put(r, &used, '\0');
            if (put < 0)
                return -1;
            if (put == 0) {
                r->bad_quote = 1;
            } else if (r->nfields < MAX_COLS) {
                r->buf[start + flen] = '\0';
                r->lens[r->nfields] = flen;
                r->fields[r->nfields] = (char *)(uintptr_t)start; /* fixed up below */
                r->nfields++;
            }
            start = used;
            field_start = 1;
            quoted = 0;
            if (ch == '\n')
                break;
            continue;
        } else if (quoted) {
            if (ch != '\r' && ch != ' ')
                r->bad_quote = 1; /* text after a closing quote */
            continue;
        }
        field_start = 0;
        int put = buf_put(r, &used, ch);
        if (put < 0)
            return -1;
        if (put == 0)
            r->bad_quote = 1;
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->buf + (uintptr_t)r->fields[i];
    return 1;
}

static char pick_delim(const char *p, const char *end)
{
    size_t c[3] = {0, 0, 0};
    int in_q = 0;
    for (; p < end && *p != '\n'; p++) {
        if (*p == '"')
            in_q = !in_q;
        else if (!in_q)
            c[0] += *p == ',', c[1] += *p == ';', c[2] += *p == '\t';
    }
    if (c[2] >= c[0] && c[2] >= c[1] && c[2] > 0)
        return '\t';
    return c[1] > c[0] ? ';' : ',';
}

static int col_is(const char *f, size_t n, const char *const *names)
{
    while (n > 0 && isspace((unsigned char)*f))
        f++, n--;
    while (n > 0 && isspace((unsigned char)f[n - 1]))
        n--;
    for (; *names; names++)
        if (strlen(*names) == n && strncasecmp(f, *names, n) == 0)
            return 1;
    return 0;
}

/* Type column values: vigil names, MISP types, and common aliases.
 * Returns 1 single, 2 composite (as vigil_intel_misp_type), 3 infer,
 * 0 not loadable. */
static int type_of(const char *s, vigil_intel_type *a, vigil_intel_type *b)
{
    static const struct {
        const char *name;
        int t; /* -1 infer */
    } alias[] = {
        {"hash", -1},
        {"", -1},
        {"ipv4", VIGIL_INTEL_IP},
        {"ipv6", VIGIL_INTEL_IP},
        {"ip-address", VIGIL_INTEL_IP},
        {"ipv4-addr", VIGIL_INTEL_IP},
        {"ipv6-addr", VIGIL_INTEL_IP},
        {"fqdn", VIGIL_INTEL_DOMAIN},
        {"domain-name", VIGIL_INTEL_DOMAIN},
        {"sha-256", VIGIL_INTEL_SHA256},
        {"sha-1", VIGIL_INTEL_SHA1},
        {"file", VIGIL_INTEL_FILENAME},
        {"file-name", VIGIL_INTEL_FILENAME},
        {"filepath", VIGIL_INTEL_PATH},
        {"file-path", VIGIL_INTEL_PATH},
        {"uri", VIGIL_INTEL_URL},
        {"link", -2},
    };
    if (vigil_intel_type_parse(s, a) == VIGIL_OK) {
        *b = VIGIL_INTEL_TYPE_COUNT;
        return 1;
    }
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
        if (strcasecmp(s, alias[i].name) == 0) {
            if (alias[i].t == -2)
                return 0;
            if (alias[i].t == -1)
                return 3;
            *a = (vigil_intel_type)alias[i].t;
            *b = VIGIL_INTEL_TYPE_COUNT;
            return 1;
        }
    }
    return vigil_intel_misp_type(s, a, b);
}

static int truthy(const char *s)
{
    return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
           strcasecmp(s, "y") == 0;
}

static vigil_status emit_typed(vigil_intel_ctx *ctx, const char *type, const char *value,
                               size_t vlen, const vigil_intel_common *c, uint64_t *other,
                               char *other_example, size_t excap)
{
    vigil_intel_type a, b;
    int kind = type_of(type, &a, &b);
    if (kind == 0) {
        if ((*other)++ == 0)
            snprintf(other_example, excap, "%.40s", type);
        return VIGIL_OK;
    }
    if (kind == 3) {
        if (vigil_intel_infer(value, vlen, &a) != VIGIL_OK) {
            ctx->stats.invalid++;
            vigil_intel_warn(ctx, c->line, "cannot tell the type of '%.80s', skipped", value);
            return VIGIL_OK;
        }
        kind = 1;
    }
    if (kind == 1)
        return vigil_intel_emit(ctx, a, value, vlen, c, 0, 0);
    const char *bar = memchr(value, '|', vlen);
    if (bar == NULL) {
        ctx->stats.invalid++;
        vigil_intel_warn(ctx, c->line, "%s value '%.60s' has no '|'", type, value);
        return VIGIL_OK;
    }
    vigil_status st = VIGIL_OK;
    if (a != VIGIL_INTEL_TYPE_COUNT)
        st = vigil_intel_emit(ctx, a, value, (size_t)(bar - value), c, 0, 0);
    if (st == VIGIL_OK && b != VIGIL_INTEL_TYPE_COUNT)
        st = vigil_intel_emit(ctx, b, bar + 1, vlen - (size_t)(bar + 1 - value), c, 0, 0);
    return st;
}

static const char *skip_bom(const char *data, size_t *len)
{
    if (*len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        *len -= 3;
        return data + 3;
    }
    return data;
}

static vigil_status load_csv(const char *name, const char *data, size_t len,
                             const vigil_intel_opts *opts, int misp)
{
    static const char *const v_names[] = {"value",     "indicator",       "ioc",  "observable",
                                          "ioc_value", "indicator_value", "data", NULL};
    static const char *const t_names[] = {"type",           "ioc_type", "indicator_type",
                                          "attribute_type", "kind",     NULL};
    static const char *const s_names[] = {"score", "confidence", NULL};
    static const char *const d_names[] = {"description", "comment", "desc", "info", NULL};
    static const char *const i_names[] = {"to_ids", NULL};
    static const char *const u_names[] = {"valid_until", "expiration", "expires", NULL};
    vigil_intel_ctx ctx;
    vigil_status st = vigil_intel_ctx_init(&ctx, name, opts);
    if (st != VIGIL_OK)
        return st;
    data = skip_bom(data, &len);
    csv_reader r = {0};
    r.p = data;
    r.end = data + len;
    r.delim = pick_delim(data, data + len);
    r.next_line = 1;
    int vc = -1, tc = -1, sc = -1, dc = -1, ic = -1, uc = -1;
    uint64_t other = 0;
    char other_example[48] = "";

    int got = csv_next(&r);
    if (got < 0) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; got > 0 && i < r.nfields; i++) {
        const char *f = r.fields[i];
        size_t n = r.lens[i];
        if (vc < 0 && col_is(f, n, v_names))
            vc = (int)i;
        else if (tc < 0 && col_is(f, n, t_names))
            tc = (int)i;
        else if (sc < 0 && col_is(f, n, s_names))
            sc = (int)i;
        else if (dc < 0 && col_is(f, n, d_names))
            dc = (int)i;
        else if (ic < 0 && col_is(f, n, i_names))
            ic = (int)i;
        else if (uc < 0 && col_is(f, n, u_names))
            uc = (int)i;
    }
    if (vc < 0 || (misp && tc < 0)) {
        ctx.stats.syntax++;
        vigil_intel_error(&ctx, 1, "CSV header names no %s column",
                          vc < 0 ? "value (value, indicator, ioc, observable)" : "type");
        st = VIGIL_ERR_PARSE;
        goto out;
    }
    while ((got = csv_next(&r)) > 0 && st == VIGIL_OK) {
        if (r.nfields == 1 && r.lens[0] == 0)
            continue; /* blank line */
        if (r.bad_quote) {
            ctx.stats.syntax++;
            vigil_intel_error(&ctx, r.line, "badly quoted CSV field, row skipped");
            continue;
        }
        if ((size_t)vc >= r.nfields) {
            ctx.stats.invalid++;
            vigil_intel_error(&ctx, r.line, "row has %zu field(s), no value column", r.nfields);
            continue;
        }
        if (ic >= 0 && (size_t)ic < r.nfields && r.lens[ic] > 0 && !truthy(r.fields[ic]) &&
            !opts->include_not_ids) {
            ctx.stats.not_ids++;
            continue;
        }
        vigil_intel_common c = {0};
        c.line = r.line;
        if (sc >= 0 && (size_t)sc < r.nfields && r.lens[sc] > 0) {
            char *e;
            long v = strtol(r.fields[sc], &e, 10);
            if (*e == '\0' && v > 0 && v <= 100)
                c.score = (int)v;
        }
        if (dc >= 0 && (size_t)dc < r.nfields)
            c.description = r.fields[dc];
        if (uc >= 0 && (size_t)uc < r.nfields && r.lens[uc] > 0) {
            int64_t t = vigil_intel_parse_time(r.fields[uc]);
            if (t > 0)
                c.valid_until = t;
        }
        const char *type = tc >= 0 && (size_t)tc < r.nfields ? r.fields[tc] : "";
        st = emit_typed(&ctx, type, r.fields[vc], r.lens[vc], &c, &other, other_example,
                        sizeof other_example);
    }
    if (got < 0)
        st = VIGIL_ERR_NOMEM;
    if (other > 0) {
        ctx.stats.unsupported += other;
        vigil_diagf(&opts->diag, VIGIL_DIAG_INFO, VIGIL_ERR_UNSUPPORTED, ctx.name, 0,
                    "%llu row(s) of types vigil does not match (e.g. %s) not loaded",
                    (unsigned long long)other, other_example);
    }
out:
    free(r.buf);
    return vigil_intel_ctx_end(&ctx, st);
}

vigil_status vigil_intel_load_csv(const char *name, const char *data, size_t len,
                                  const vigil_intel_opts *opts)
{
    return load_csv(name, data, len, opts, 0);
}

vigil_status vigil_intel_load_misp_csv(const char *name, const char *data, size_t len,
                                       const vigil_intel_opts *opts)
{
    return load_csv(name, data, len, opts, 1);
}

vigil_status vigil_intel_load_list(const char *name, const char *data, size_t len,
                                   const vigil_intel_opts *opts)
{
    vigil_intel_ctx ctx;
    vigil_status st = vigil_intel_ctx_init(&ctx, name, opts);
    if (st != VIGIL_OK)
        return st;
    data = skip_bom(data, &len);
    const char *p = data, *end = data + len;
    uint64_t line = 0;
    while (p < end && st == VIGIL_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && isspace((unsigned char)*s))
            s++;
        const char *e = le;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (s == e || *s == '#' || (e - s >= 2 && s[0] == '/' && s[1] == '/'))
            continue;
        /* VALUE[;SCORE][;DESCRIPTION] or VALUE;DESCRIPTION (Loki forms) */
        const char *semi = memchr(s, ';', (size_t)(e - s));
        const char *vend = semi ? semi : e;
        vigil_intel_common c = {0};
        char desc[1024];
        c.line = line;
        if (semi != NULL) {
            const char *f2 = semi + 1;
            const char *semi2 = memchr(f2, ';', (size_t)(e - f2));
            const char *f2e = semi2 ? semi2 : e;
            char num[8];
            size_t nl2 = (size_t)(f2e - f2);
            int is_num = nl2 > 0 && nl2 < sizeof num;
            for (size_t i = 0; is_num && i < nl2; i++)
                is_num = isdigit((unsigned char)f2[i]);
            const char *ds = NULL, *de = NULL;
            if (is_num) {
                memcpy(num, f2, nl2);
                num[nl2] = '\0';
                long v = strtol(num, NULL, 10);
                if (v > 0 && v <= 100)
                    c.score = (int)v;
                if (semi2 != NULL)
                    ds = semi2 + 1, de = e;
            } else {
                ds = f2, de = e;
            }
            if (ds != NULL && de > ds) {
                size_t dl = (size_t)(de - ds);
                if (dl >= sizeof desc)
                    dl = sizeof desc - 1;
                memcpy(desc, ds, dl);
                desc[dl] = '\0';
                c.description = desc;
            }
        }
        vigil_intel_type t;
        size_t vlen = (size_t)(vend - s);
        if (vigil_intel_infer(s, vlen, &t) != VIGIL_OK) {
            ctx.stats.invalid++;
            vigil_intel_warn(&ctx, line, "cannot tell the type of '%.*s', skipped",
                             (int)(vlen > 80 ? 80 : vlen), s);
            continue;
        }
        st = vigil_intel_emit(&ctx, t, s, vlen, &c, 0, 0);
    }
    return vigil_intel_ctx_end(&ctx, st);
}
