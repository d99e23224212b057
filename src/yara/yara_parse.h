/* yara_parse.h - token cursor and condition parser shared by the YARA
 * source reader (yara_split.c) and the expression parser (yara_cond.c).
 *
 * Why a separate header: the rule-level reader and the expression parser
 * walk the same token stream with one token of lookahead; keeping the
 * cursor here lets each file stay about one grammar level. */
#ifndef VIGIL_YARA_PARSE_H
#define VIGIL_YARA_PARSE_H

#include "core/arena.h"
#include "yara/yara_lex.h"
#include "yara/yara_split.h"

typedef struct vigil_yara_parser {
    vigil_yara_lexer lx;
    vigil_yara_tok cur; /* current token */
    vigil_yara_tok nxt; /* one token of lookahead */
    vigil_arena *arena;
    size_t n_ops;    /* operators in the current condition (bounded) */
    const char *err; /* static message on VIGIL_ERR_PARSE */
    uint32_t err_line;
} vigil_yara_parser;

/* Positions the cursor on the first token. */
vigil_status vigil_yara_parser_init(vigil_yara_parser *p, const char *text, size_t len,
                                    vigil_arena *arena);
vigil_status vigil_yara_parser_advance(vigil_yara_parser *p);
/* Records a syntax error at the current token; returns VIGIL_ERR_PARSE. */
vigil_status vigil_yara_parser_fail(vigil_yara_parser *p, const char *msg);
int vigil_yara_tok_is_op(const vigil_yara_tok *t, int op);
int vigil_yara_tok_is_kw(const vigil_yara_tok *t, int kw);
/* Decodes the current VY_T_STRING token into arena memory (NUL-terminated). */
vigil_status vigil_yara_parser_string(vigil_yara_parser *p, const char **out, size_t *out_len);

/* Parses a boolean expression starting at the current token and stops at
 * the first token that cannot continue it (the rule's closing '}'). */
vigil_status vigil_yara_cond_parse(vigil_yara_parser *p, vigil_yara_node **out);

#endif
