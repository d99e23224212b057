/* jsonutil.c - reading what can be read from a broken JSON document.
 *
 * A STIX bundle or MISP event cut short or hand-edited into invalid JSON
 * still holds hundreds of good indicators; the issue asks that the rest of
 * the file load. jansson parses all or nothing, so on a syntax error we find
 * the balanced objects by a string-aware brace scan and parse each alone. */
#include <jansson.h>
#include <string.h>

#include "intel/intel_internal.h"

#define SALVAGE_DEPTH 16
#define SALVAGE_MAX (1u << 20)

uint64_t vigil_intel_line_of(const char *data, size_t len, size_t off)
{
    uint64_t line = 1;
    if (off > len)
        off = len;
    const char *p = data, *end = data + off;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        line++;
        p++;
    }
    return line;
}

vigil_status vigil_intel_json_salvage(const char *data, size_t len, vigil_intel_salvage_fn fn,
                                      void *user)
{
    size_t open[SALVAGE_DEPTH];
    uint64_t open_line[SALVAGE_DEPTH];
    size_t depth = 0; /* of '{' only; deeper ones are counted, not kept */
    size_t extra = 0;
    int in_str = 0;
    uint64_t line = 1;

    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (ch == '\n')
            line++;
        if (in_str) {
            if (ch == '\\' && i + 1 < len) {
                i++;
                if (data[i] == '\n')
                    line++;
            } else if (ch == '"' || ch == '\n') { /* no raw newline in JSON strings: resync */
                in_str = 0;
            }
            continue;
        }
        if (ch == '"') {
            in_str = 1;
        } else if (ch == '{') {
            if (depth < SALVAGE_DEPTH) {
                open_line[depth] = line;
                open[depth++] = i;
            } else
                extra++;
        } else if (ch == '}') {
            if (extra > 0) {
                extra--;
                continue;
            }
            if (depth == 0)
                continue;
            size_t start = open[--depth];
            uint64_t l = open_line[depth];
            size_t n = i + 1 - start;
            if (n > SALVAGE_MAX)
                continue;
            json_t *obj = json_loadb(data + start, n, JSON_DISABLE_EOF_CHECK, NULL);
            if (obj == NULL)
                continue;
            int r = fn(obj, l, user);
            json_decref(obj);
            if (r < 0)
                return VIGIL_ERR_ABORTED;
        }
    }
    return VIGIL_OK;
}

void *vigil_intel_json_load(vigil_intel_ctx *ctx, const char *data, size_t len, const char *what,
                            vigil_intel_salvage_fn fn, void *user, vigil_status *st)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    *st = VIGIL_OK;
    if (root != NULL)
        return root;
    ctx->stats.syntax++;
    vigil_diagf(&ctx->opts->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, ctx->name,
                jerr.line > 0 ? (uint64_t)jerr.line : 0,
                "invalid JSON at line %d column %d: %s; loading the %s that parse", jerr.line,
                jerr.column, jerr.text, what);
    *st = vigil_intel_json_salvage(data, len, fn, user);
    const vigil_intel_stats *n = &ctx->stats;
    if (*st == VIGIL_OK &&
        n->items + n->revoked + n->expired + n->unsupported + n->invalid + n->not_ids == 0)
        *st = VIGIL_ERR_PARSE; /* nothing could be read */
    return NULL;
}
