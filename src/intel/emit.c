/* emit.c - the one place where loaders hand items to the caller.
 *
 * Every loader goes through vigil_intel_emit so that normalisation, the
 * "wrong shape" diagnostics and the counts are the same whatever the
 * format: a hash in a STIX pattern and the same hash in a CSV cell must
 * come out byte-identical, and a bad value must be reported the same way. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "intel/intel_internal.h"

vigil_status vigil_intel_ctx_init(vigil_intel_ctx *ctx, const char *name,
                                  const vigil_intel_opts *opts)
{
    memset(ctx, 0, sizeof *ctx);
    if (opts == NULL || opts->fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    ctx->name = name != NULL ? name : "(intel)";
    ctx->opts = opts;
    ctx->now = opts->now != 0 ? opts->now : (int64_t)time(NULL);
    ctx->score = opts->default_score > 0 && opts->default_score <= 100 ? opts->default_score : 100;
    ctx->next_group = 1;
    return VIGIL_OK;
}

vigil_status vigil_intel_ctx_end(vigil_intel_ctx *ctx, vigil_status st)
{
    vigil_intel_stats *t = ctx->opts != NULL ? ctx->opts->stats : NULL;
    if (t != NULL) {
        t->items += ctx->stats.items;
        t->unsupported += ctx->stats.unsupported;
        t->partial += ctx->stats.partial;
        t->invalid += ctx->stats.invalid;
        t->expired += ctx->stats.expired;
        t->revoked += ctx->stats.revoked;
        t->not_ids += ctx->stats.not_ids;
        t->syntax += ctx->stats.syntax;
    }
    if (st == VIGIL_OK && ctx->aborted)
        return VIGIL_ERR_ABORTED;
    return st;
}

static void vdiag(vigil_intel_ctx *ctx, vigil_diag_level level, vigil_status code, uint64_t line,
                  const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vdiag(vigil_intel_ctx *ctx, vigil_diag_level level, vigil_status code, uint64_t line,
                  const char *fmt, va_list ap)
{
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    vigil_diagf(&ctx->opts->diag, level, code, ctx->name, line, "%s", msg);
}

void vigil_intel_warn(vigil_intel_ctx *ctx, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, line, fmt, ap);
    va_end(ap);
}

void vigil_intel_error(vigil_intel_ctx *ctx, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(ctx, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, line, fmt, ap);
    va_end(ap);
}

vigil_status vigil_intel_emit(vigil_intel_ctx *ctx, vigil_intel_type type, const char *raw,
                              size_t len, const vigil_intel_common *c, uint32_t group,
                              uint32_t group_size)
{
    char buf[VIGIL_INTEL_VALUE_MAX];
    const char *why = NULL;
    vigil_intel_item it;

    if (ctx->aborted)
        return VIGIL_ERR_ABORTED;
    vigil_status st = vigil_intel_normalise(&type, raw, len, buf, sizeof buf, &why);
    if (st != VIGIL_OK) {
        int shown = len > 80 ? 80 : (int)len;
        ctx->stats.invalid++;
        vigil_diagf(&ctx->opts->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, ctx->name, c->line,
                    "%s%svalue '%.*s'%s is not a valid %s (%s), skipped", c->where ? c->where : "",
                    c->where ? ": " : "", shown, raw, len > 80 ? "..." : "",
                    vigil_intel_type_name(type), why ? why : "too long");
        return VIGIL_OK;
    }
    if (c->valid_until != 0 && c->valid_until <= ctx->now) {
        ctx->stats.expired++;
        return VIGIL_OK;
    }
    memset(&it, 0, sizeof it);
    it.type = type;
    it.value = buf;
    it.score = c->score > 0 && c->score <= 100 ? c->score : ctx->score;
    it.description = c->description != NULL && c->description[0] ? c->description : NULL;
    it.source = ctx->name;
    it.line = c->line;
    it.where = c->where;
    it.valid_until = c->valid_until;
    it.group = group;
    it.group_size = group != 0 ? group_size : 0;
    ctx->stats.items++;
    if (ctx->opts->fn(&it, ctx->opts->user) != 0) {
        ctx->aborted = 1;
        return VIGIL_ERR_ABORTED;
    }
    return VIGIL_OK;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return 0;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t vigil_intel_parse_time(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    const char *p = s;
    if (p == NULL || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    int64_t off = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &se))
                return -1;
        }
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (!digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (*p >= '0' && *p <= '9' && !digits(&p, 2, &om))
                return -1;
            off = sign * (int64_t)(oh * 3600 + om * 60);
        }
        if (h > 23 || mi > 59 || se > 60)
            return -1;
    }
    if (*p != '\0')
        return -1;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
}
