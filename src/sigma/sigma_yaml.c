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

/* The state of one parse: the open collections, the documents made so far
 * and, on failure, the line and message handed back. */
typedef struct yaml_builder {
    vigil_arena *arena;
    frame stack[YAML_MAX_DEPTH];
    size_t depth;
    vigil_ydoc *out;
    size_t nout, capout;
    uint64_t doc_line;
    uint64_t *err_line;
    const char **err;
} yaml_builder;

static vigil_status builder_fail(yaml_builder *b, vigil_status st, uint64_t line, const char *err)
{
    *b->err_line = line;
    *b->err = err;
    return st;
}

static vigil_status on_scalar(yaml_builder *b, const yaml_event_t *ev, uint64_t line,
                              vigil_ynode **node)
{
    vigil_ynode *n = new_node(b->arena, VIGIL_YN_SCALAR, line);
    if (n == NULL)
        return VIGIL_ERR_NOMEM;
    *node = n;
    n->str =
        vigil_arena_strndup(b->arena, (const char *)ev->data.scalar.value, ev->data.scalar.length);
    if (n->str == NULL)
        return VIGIL_ERR_NOMEM;
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return VIGIL_OK;
}

/* A sequence or mapping opens: a frame collects its children. */
static vigil_status on_open(yaml_builder *b, yaml_event_type_t type, uint64_t line)
{
    if (b->depth == YAML_MAX_DEPTH)
        return builder_fail(b, VIGIL_ERR_LIMIT, line, "YAML nesting too deep");
    frame *f = &b->stack[b->depth];
    f->node =
        new_node(b->arena, type == YAML_SEQUENCE_START_EVENT ? VIGIL_YN_SEQ : VIGIL_YN_MAP, line);
    if (f->node == NULL)
        return VIGIL_ERR_NOMEM;
    f->kids = NULL;
    f->n = f->cap = 0;
    b->depth++;
    return VIGIL_OK;
}

/* A sequence or mapping closes: its children move into the arena and the
 * finished node is handed back for its parent. */
static vigil_status on_close(yaml_builder *b, uint64_t line, vigil_ynode **node)
{
    vigil_status st = VIGIL_OK;
    if (b->depth == 0) /* libyaml pairs them; never trust it blindly */
        return builder_fail(b, VIGIL_ERR_PARSE, line, "unbalanced YAML");
    frame *f = &b->stack[--b->depth];
    vigil_ynode *n = f->node;
    *node = n;
    if (n->type == VIGIL_YN_MAP && f->n % 2 != 0) {
        st = builder_fail(b, VIGIL_ERR_PARSE, line, "odd mapping");
    } else if (f->n > 0) {
        n->items = vigil_arena_alloc(b->arena, f->n * sizeof *n->items);
        if (n->items == NULL)
            st = VIGIL_ERR_NOMEM;
        else
            memcpy(n->items, f->kids, f->n * sizeof *n->items);
    }
    n->n = n->type == VIGIL_YN_MAP ? f->n / 2 : f->n;
    free(f->kids);
    return st;
}

/* A finished node becomes a child of the open collection, or a document of
 * its own at the top level. */
static vigil_status attach_node(yaml_builder *b, vigil_ynode *node)
{
    if (b->depth > 0) {
        frame *f = &b->stack[b->depth - 1];
        if (f->node->type == VIGIL_YN_MAP && f->n % 2 == 0 && node->type != VIGIL_YN_SCALAR)
            return builder_fail(b, VIGIL_ERR_PARSE, node->line, "mapping key is not a scalar");
        return frame_push_kid(f, node) != 0 ? VIGIL_ERR_NOMEM : VIGIL_OK;
    }
    if (VIGIL_ARENA_ARRAY_RESERVE(b->arena, b->out, b->capout, b->nout, b->nout + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    b->out[b->nout].root = node;
    b->out[b->nout].line = b->doc_line;
    b->nout++;
    return VIGIL_OK;
}

/* One parser event; *done at the end of the stream. */
static vigil_status on_event(yaml_builder *b, const yaml_event_t *ev, int *done)
{
    vigil_ynode *node = NULL;
    vigil_status st = VIGIL_OK;
    uint64_t line = (uint64_t)ev->start_mark.line + 1;
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = 1;
        break;
    case YAML_DOCUMENT_START_EVENT:
        b->doc_line = line;
        break;
    case YAML_ALIAS_EVENT:
        st = builder_fail(b, VIGIL_ERR_PARSE, line, "YAML aliases are not supported");
        break;
    case YAML_SCALAR_EVENT:
        st = on_scalar(b, ev, line, &node);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        st = on_open(b, ev->type, line);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        st = on_close(b, line, &node);
        break;
    default:
        break;
    }
    if (st != VIGIL_OK || node == NULL)
        return st;
    return attach_node(b, node);
}

vigil_status vigil_yaml_parse(vigil_arena *arena, const char *text, size_t len, vigil_ydoc **docs,
                              size_t *ndocs, uint64_t *err_line, const char **err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    yaml_builder b = {.arena = arena, .doc_line = 1, .err_line = err_line, .err = err};
    vigil_status st = VIGIL_OK;
    int done = 0;

    *docs = NULL;
    *ndocs = 0;
    *err_line = 0;
    *err = NULL;
    if (!yaml_parser_initialize(&parser))
        return VIGIL_ERR_NOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            *err_line = (uint64_t)parser.problem_mark.line + 1;
            *err = parser.problem ? parser.problem : "YAML syntax error";
            st = VIGIL_ERR_PARSE;
            break;
        }
        st = on_event(&b, &ev, &done);
        yaml_event_delete(&ev);
        if (st != VIGIL_OK)
            break;
    }
    while (b.depth > 0)
        free(b.stack[--b.depth].kids);
    yaml_parser_delete(&parser);
    *docs = b.out;
    *ndocs = b.nout;
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
