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

#include "core/time_parse.h"
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

int64_t vigil_intel_parse_time(const char *s)
{
    vigil_time_parts t;
    const char *end = vigil_time_parse_parts(s, &t);
    if (end == NULL || *end != '\0' || t.hour > 23) /* the whole text, hours 00-23 */
        return -1;
    return vigil_time_parts_seconds(&t);
}
