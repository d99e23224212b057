/* sigma_yaml.c - YAML text to a small node tree with line numbers (libyaml).
 *
 * Why a tree of our own: rule compilation needs random access (condition
 * before the searches it names) and every diagnostic needs the line of the
 * offending node. Nodes live in the caller's arena, so a refused or compiled
 * document is dropped at once. Aliases are refused (no billion laughs) and
 * nesting is bounded. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/buffer.h"
#include "sigma/sigma_internal.h"

#define YAML_MAX_DEPTH 64

typedef struct frame {
    vigil_ynode *node;
    vigil_ynode **kids;
    size_t n, cap;
} frame;

static int frame_push_kid(frame *f, vigil_ynode *kid)
{
    if (VIGIL_ARRAY_RESERVE(f->kids, f->cap, f->n + 1) != VIGIL_OK)
        return -1;
    f->kids[f->n++] = kid;
    return 0;
}

static vigil_ynode *new_node(vigil_arena *a, vigil_yn_type t, uint64_t line)
{
    vigil_ynode *n = vigil_arena_alloc(a, sizeof *n);
    if (n != NULL) {
        n->type = t;
        n->line = line;
        n->str = "";
    }
    return n;
}

vigil_status vigil_yaml_parse(vigil_arena *arena, const char *text, size_t len, vigil_ydoc **docs,
                              size_t *ndocs, uint64_t *err_line, const char **err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    frame stack[YAML_MAX_DEPTH];
    size_t depth = 0;
    vigil_ydoc *out = NULL;
    size_t nout = 0, capout = 0;
    vigil_status st = VIGIL_OK;
    int done = 0;
    uint64_t doc_line = 1;

    *docs = NULL;
    *ndocs = 0;
    *err_line = 0;
    *err = NULL;
    if (!yaml_parser_initialize(&parser))
        return VIGIL_ERR_NOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        vigil_ynode *node = NULL;
        if (!yaml_parser_parse(&parser, &ev)) {
            *err_line = (uint64_t)parser.problem_mark.line + 1;
            *err = parser.problem ? parser.problem : "YAML syntax error";
            st = VIGIL_ERR_PARSE;
            break;
        }
        uint64_t line = (uint64_t)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            doc_line = line;
            break;
        case YAML_ALIAS_EVENT:
            *err_line = line;
            *err = "YAML aliases are not supported";
            st = VIGIL_ERR_PARSE;
            break;
        case YAML_SCALAR_EVENT:
            node = new_node(arena, VIGIL_YN_SCALAR, line);
            if (node == NULL) {
                st = VIGIL_ERR_NOMEM;
                break;
            }
            node->str = vigil_arena_strndup(arena, (const char *)ev.data.scalar.value,
                                            ev.data.scalar.length);
            if (node->str == NULL) {
                st = VIGIL_ERR_NOMEM;
                break;
            }
            node->len = ev.data.scalar.length;
            node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == YAML_MAX_DEPTH) {
                *err_line = line;
                *err = "YAML nesting too deep";
                st = VIGIL_ERR_LIMIT;
                break;
            }
            stack[depth].node = new_node(
                arena, ev.type == YAML_SEQUENCE_START_EVENT ? VIGIL_YN_SEQ : VIGIL_YN_MAP, line);
            if (stack[depth].node == NULL) {
                st = VIGIL_ERR_NOMEM;
                break;
            }
            stack[depth].kids = NULL;
            stack[depth].n = stack[depth].cap = 0;
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            if (depth == 0) { /* libyaml pairs them; never trust it blindly */
                st = VIGIL_ERR_PARSE;
                *err = "unbalanced YAML";
                *err_line = line;
                break;
            }
            frame *f = &stack[--depth];
            node = f->node;
            if (node->type == VIGIL_YN_MAP && f->n % 2 != 0) {
                st = VIGIL_ERR_PARSE;
                *err = "odd mapping";
                *err_line = line;
            } else if (f->n > 0) {
                node->items = vigil_arena_alloc(arena, f->n * sizeof *node->items);
                if (node->items == NULL)
                    st = VIGIL_ERR_NOMEM;
                else
                    memcpy(node->items, f->kids, f->n * sizeof *node->items);
            }
            node->n = node->type == VIGIL_YN_MAP ? f->n / 2 : f->n;
            free(f->kids);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (st != VIGIL_OK)
            break;
        if (node != NULL) {
            if (depth > 0) {
                frame *f = &stack[depth - 1];
                if (f->node->type == VIGIL_YN_MAP && f->n % 2 == 0 &&
                    node->type != VIGIL_YN_SCALAR) {
                    *err_line = node->line;
                    *err = "mapping key is not a scalar";
                    st = VIGIL_ERR_PARSE;
                    break;
                }
                if (frame_push_kid(f, node) != 0) {
                    st = VIGIL_ERR_NOMEM;
                    break;
                }
            } else {
                if (nout == capout) {
                    size_t cap = capout ? capout * 2 : 4;
                    vigil_ydoc *d = vigil_arena_alloc(arena, cap * sizeof *d);
                    if (d == NULL) {
                        st = VIGIL_ERR_NOMEM;
                        break;
                    }
                    if (nout)
                        memcpy(d, out, nout * sizeof *d);
                    out = d;
                    capout = cap;
                }
                out[nout].root = node;
                out[nout].line = doc_line;
                nout++;
            }
        }
    }
    while (depth > 0)
        free(stack[--depth].kids);
    yaml_parser_delete(&parser);
    *docs = out;
    *ndocs = nout;
    return st;
}

const vigil_ynode *vigil_ynode_get(const vigil_ynode *map, const char *key)
{
    if (map == NULL || map->type != VIGIL_YN_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const vigil_ynode *k = map->items[2 * i];
        if (strcmp(k->str, key) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

int vigil_ynode_is_null(const vigil_ynode *n)
{
    if (n == NULL)
        return 1;
    if (n->type != VIGIL_YN_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
           strcmp(n->str, "NULL") == 0 || strcmp(n->str, "~") == 0;
}
