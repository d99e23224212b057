/* yara_lex.h - tokenizer for YARA 4.2 source text (internal).
 *
 * Why our own: libyara compiles rules but never exposes their conditions,
 * and the precondition analysis (yara_split.h) needs the token stream and
 * each token's exact byte position so rules can be re-emitted verbatim. The
 * lexer mirrors libyara's own (lexer.l) wherever that decides how source
 * text splits into tokens: `/` always opens a regular expression (division
 * is `\`), `{` opens a hex string only when a whole hex string follows,
 * numbers take KB/MB suffixes. It never allocates; literal values are
 * decoded on request into caller memory. */
#ifndef VIGIL_YARA_LEX_H
#define VIGIL_YARA_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/status.h"

typedef enum vigil_yara_tok_kind {
    VY_T_EOF = 0,
    VY_T_IDENT,    /* identifier that is not a keyword */
    VY_T_KEYWORD,  /* see vigil_yara_kw */
    VY_T_STRID,    /* $name, $name*, $ (wildcard flag in tok.wild) */
    VY_T_STRCOUNT, /* #name */
    VY_T_STROFF,   /* @name */
    VY_T_STRLEN,   /* !name */
    VY_T_INT,      /* value in tok.ival */
    VY_T_DOUBLE,
    VY_T_STRING, /* "..." (escapes decoded by vigil_yara_lex_string) */
    VY_T_REGEX,  /* /.../is */
    VY_T_HEX,    /* { 4D 5A ?? [2-4] ( 01 | 02 ) } */
    VY_T_OP      /* operator or punctuation, see vigil_yara_op */
} vigil_yara_tok_kind;

typedef enum vigil_yara_kw {
    VY_KW_NONE_ = 0,
    VY_KW_ALL,
    VY_KW_AND,
    VY_KW_ANY,
    VY_KW_ASCII,
    VY_KW_AT,
    VY_KW_BASE64,
    VY_KW_BASE64WIDE,
    VY_KW_CONDITION,
    VY_KW_CONTAINS,
    VY_KW_DEFINED,
    VY_KW_ENDSWITH,
    VY_KW_ENTRYPOINT,
    VY_KW_FALSE,
    VY_KW_FILESIZE,
    VY_KW_FOR,
    VY_KW_FULLWORD,
    VY_KW_GLOBAL,
    VY_KW_ICONTAINS,
    VY_KW_IENDSWITH,
    VY_KW_IEQUALS,
    VY_KW_IMPORT,
    VY_KW_IN,
    VY_KW_INCLUDE,
    VY_KW_ISTARTSWITH,
    VY_KW_MATCHES,
    VY_KW_META,
    VY_KW_NOCASE,
    VY_KW_NONE,
    VY_KW_NOT,
    VY_KW_OF,
    VY_KW_OR,
    VY_KW_PRIVATE,
    VY_KW_RULE,
    VY_KW_STARTSWITH,
    VY_KW_STRINGS,
    VY_KW_THEM,
    VY_KW_TRUE,
    VY_KW_WIDE,
    VY_KW_WITH,
    VY_KW_XOR,
    VY_KW_INTFN /* int8..uint32be; which one in tok.ival (vigil_yara_intfn) */
} vigil_yara_kw;

/* Integer-reading functions: bit 0-1 width (1, 2, 4 bytes as 0, 1, 2),
 * bit 2 unsigned, bit 3 big endian. */
enum { VY_INTFN_W1 = 0, VY_INTFN_W2 = 1, VY_INTFN_W4 = 2, VY_INTFN_U = 4, VY_INTFN_BE = 8 };

typedef enum vigil_yara_op {
    VY_OP_NONE_ = 0,
    VY_OP_LPAREN,
    VY_OP_RPAREN,
    VY_OP_LBRACK,
    VY_OP_RBRACK,
    VY_OP_LBRACE,
    VY_OP_RBRACE,
    VY_OP_COMMA,
    VY_OP_COLON,
    VY_OP_DOT,
    VY_OP_DOTDOT,
    VY_OP_ASSIGN, /* = */
    VY_OP_EQ,
    VY_OP_NE,
    VY_OP_LT,
    VY_OP_LE,
    VY_OP_GT,
    VY_OP_GE,
    VY_OP_SHL,
    VY_OP_SHR,
    VY_OP_PLUS,
    VY_OP_MINUS,
    VY_OP_MUL,
    VY_OP_DIV, /* \ */
    VY_OP_MOD,
    VY_OP_AND, /* & */
    VY_OP_OR,  /* | */
    VY_OP_XOR, /* ^ */
    VY_OP_NOT  /* ~ */
} vigil_yara_op;

typedef struct vigil_yara_tok {
    vigil_yara_tok_kind kind;
    int sub;       /* vigil_yara_kw or vigil_yara_op */
    int wild;      /* VY_T_STRID ending in '*' */
    size_t off;    /* byte offset of the first character */
    size_t len;    /* length in bytes */
    uint32_t line; /* 1-based line of the first character */
    int64_t ival;  /* VY_T_INT value; VY_KW_INTFN function code */
} vigil_yara_tok;

typedef struct vigil_yara_lexer {
    const char *text;
    size_t len;
    size_t pos;
    uint32_t line;
    const char *err; /* static message after a VIGIL_ERR_PARSE */
    uint32_t err_line;
} vigil_yara_lexer;

void vigil_yara_lex_init(vigil_yara_lexer *lx, const char *text, size_t len);

/* Next token; VIGIL_ERR_PARSE with lx->err/err_line on malformed input
 * (unterminated string/comment/regex, bad escape, number overflow, stray
 * character). Comments and whitespace are skipped. */
vigil_status vigil_yara_lex_next(vigil_yara_lexer *lx, vigil_yara_tok *tok);

/* Decodes a VY_T_STRING token's value (escapes \" \\ \t \n \r \xHH) into
 * out (capacity cap >= tok->len is always enough); *out_len gets the
 * length. VIGIL_ERR_PARSE on a bad escape. */
vigil_status vigil_yara_lex_string(const vigil_yara_lexer *lx, const vigil_yara_tok *tok, char *out,
                                   size_t cap, size_t *out_len);

/* Keyword name for diagnostics ("rule"), "" for none. */
const char *vigil_yara_kw_name(int kw);

#endif
