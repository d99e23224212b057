/* yara_lex.c - tokenizer for YARA 4.2 source text.
 *
 * Why it mirrors libyara's lexer.l rule by rule: a rule set is re-emitted
 * from our token positions and its conditions are judged from our tokens,
 * so wherever we split text differently from libyara (a `/` that opens a
 * regex, a `{` that opens a hex string, a `rule` inside a string or a
 * comment) we would misread rules. Anything libyara rejects we reject
 * too, and the caller then falls back to the unanalysed text. */
#include "yara/yara_lex.h"

#include <string.h>

#include "core/util.h"

static const struct {
    const char *name;
    int kw;
    int intfn;
} keywords[] = {
    {"all", VY_KW_ALL, 0},
    {"and", VY_KW_AND, 0},
    {"any", VY_KW_ANY, 0},
    {"ascii", VY_KW_ASCII, 0},
    {"at", VY_KW_AT, 0},
    {"base64", VY_KW_BASE64, 0},
    {"base64wide", VY_KW_BASE64WIDE, 0},
    {"condition", VY_KW_CONDITION, 0},
    {"contains", VY_KW_CONTAINS, 0},
    {"defined", VY_KW_DEFINED, 0},
    {"endswith", VY_KW_ENDSWITH, 0},
    {"entrypoint", VY_KW_ENTRYPOINT, 0},
    {"false", VY_KW_FALSE, 0},
    {"filesize", VY_KW_FILESIZE, 0},
    {"for", VY_KW_FOR, 0},
    {"fullword", VY_KW_FULLWORD, 0},
    {"global", VY_KW_GLOBAL, 0},
    {"icontains", VY_KW_ICONTAINS, 0},
    {"iendswith", VY_KW_IENDSWITH, 0},
    {"iequals", VY_KW_IEQUALS, 0},
    {"import", VY_KW_IMPORT, 0},
    {"in", VY_KW_IN, 0},
    {"include", VY_KW_INCLUDE, 0},
    {"istartswith", VY_KW_ISTARTSWITH, 0},
    {"matches", VY_KW_MATCHES, 0},
    {"meta", VY_KW_META, 0},
    {"nocase", VY_KW_NOCASE, 0},
    {"none", VY_KW_NONE, 0},
    {"not", VY_KW_NOT, 0},
    {"of", VY_KW_OF, 0},
    {"or", VY_KW_OR, 0},
    {"private", VY_KW_PRIVATE, 0},
    {"rule", VY_KW_RULE, 0},
    {"startswith", VY_KW_STARTSWITH, 0},
    {"strings", VY_KW_STRINGS, 0},
    {"them", VY_KW_THEM, 0},
    {"true", VY_KW_TRUE, 0},
    {"wide", VY_KW_WIDE, 0},
    {"with", VY_KW_WITH, 0},
    {"xor", VY_KW_XOR, 0},
    {"int8", VY_KW_INTFN, VY_INTFN_W1},
    {"int16", VY_KW_INTFN, VY_INTFN_W2},
    {"int32", VY_KW_INTFN, VY_INTFN_W4},
    {"int8be", VY_KW_INTFN, VY_INTFN_W1 | VY_INTFN_BE},
    {"int16be", VY_KW_INTFN, VY_INTFN_W2 | VY_INTFN_BE},
    {"int32be", VY_KW_INTFN, VY_INTFN_W4 | VY_INTFN_BE},
    {"uint8", VY_KW_INTFN, VY_INTFN_W1 | VY_INTFN_U},
    {"uint16", VY_KW_INTFN, VY_INTFN_W2 | VY_INTFN_U},
    {"uint32", VY_KW_INTFN, VY_INTFN_W4 | VY_INTFN_U},
    {"uint8be", VY_KW_INTFN, VY_INTFN_W1 | VY_INTFN_U | VY_INTFN_BE},
    {"uint16be", VY_KW_INTFN, VY_INTFN_W2 | VY_INTFN_U | VY_INTFN_BE},
    {"uint32be", VY_KW_INTFN, VY_INTFN_W4 | VY_INTFN_U | VY_INTFN_BE},
};

const char *vigil_yara_kw_name(int kw)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (keywords[i].kw == kw)
            return keywords[i].name;
    return "";
}

void vigil_yara_lex_init(vigil_yara_lexer *lx, const char *text, size_t len)
{
    lx->text = text;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->err = NULL;
    lx->err_line = 0;
}

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static vigil_status fail(vigil_yara_lexer *lx, uint32_t line, const char *msg)
{
    lx->err = msg;
    lx->err_line = line;
    return VIGIL_ERR_PARSE;
}

static int peek(const vigil_yara_lexer *lx, size_t ahead)
{
    size_t p = lx->pos + ahead;
    return p < lx->len ? (unsigned char)lx->text[p] : -1;
}

/* Skips whitespace and comments; error on an unterminated block comment. */
static vigil_status skip_space(vigil_yara_lexer *lx)
{
    while (lx->pos < lx->len) {
        int c = peek(lx, 0);
        if (c == '\n') {
            lx->line++;
            lx->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
        } else if (c == '/' && peek(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && peek(lx, 1) == '*') {
            uint32_t start = lx->line;
            lx->pos += 2;
            for (;;) {
                if (lx->pos + 1 >= lx->len)
                    return fail(lx, start, "unterminated comment");
                if (lx->text[lx->pos] == '*' && lx->text[lx->pos + 1] == '/') {
                    lx->pos += 2;
                    break;
                }
                if (lx->text[lx->pos] == '\n')
                    lx->line++;
                lx->pos++;
            }
        } else {
            break;
        }
    }
    return VIGIL_OK;
}

/* Tries to read a whole hex string starting at the '{' at lx->pos, as
 * libyara's hex-string pattern does; returns its length or 0 (then the
 * '{' is a brace). Counts nothing: the caller recounts lines. */
static size_t hex_string_len(const vigil_yara_lexer *lx)
{
    size_t p = lx->pos + 1;
    size_t items = 0;
    while (p < lx->len) {
        char c = lx->text[p];
        if (c == '}')
            return items ? p + 1 - lx->pos : 0;
        if (vigil_hex_digit((unsigned char)c) >= 0 || strchr(" -|~?[]()\n\r\t", c) != NULL) {
            p++;
            items++;
        } else if (c == '/' && p + 1 < lx->len && lx->text[p + 1] == '*') {
            const char *end = NULL;
            for (size_t q = p + 2; q + 1 < lx->len; q++)
                if (lx->text[q] == '*' && lx->text[q + 1] == '/') {
                    end = lx->text + q;
                    break;
                }
            if (end == NULL)
                return 0;
            p = (size_t)(end - lx->text) + 2;
            items++;
        } else if (c == '/' && p + 1 < lx->len && lx->text[p + 1] == '/') {
            while (p < lx->len && lx->text[p] != '\n')
                p++;
            items++;
        } else {
            return 0;
        }
    }
    return 0;
}

static void count_lines(vigil_yara_lexer *lx, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (lx->text[i] == '\n')
            lx->line++;
}

static vigil_status lex_number(vigil_yara_lexer *lx, vigil_yara_tok *tok)
{
    const char *t = lx->text;
    size_t p = lx->pos;
    uint64_t v = 0;
    if (t[p] == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'o')) {
        int base = peek(lx, 1) == 'x' ? 16 : 8;
        size_t q = p + 2;
        size_t digits = 0;
        while (q < lx->len) {
            int d = vigil_hex_digit((unsigned char)t[q]);
            if (d < 0 || d >= base)
                break;
            if (v > (uint64_t)INT64_MAX / (uint64_t)base)
                return fail(lx, lx->line, "integer overflow");
            v = v * (uint64_t)base + (uint64_t)d;
            if (v > (uint64_t)INT64_MAX)
                return fail(lx, lx->line, "integer overflow");
            q++;
            digits++;
        }
        if (digits > 0) {
            tok->kind = VY_T_INT;
            tok->ival = (int64_t)v;
            lx->pos = q;
            return VIGIL_OK;
        }
        /* "0x" without digits: the decimal 0 followed by an identifier. */
    }
    size_t q = p;
    while (q < lx->len && t[q] >= '0' && t[q] <= '9') {
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(t[q] - '0')) / 10)
            return fail(lx, lx->line, "integer overflow");
        v = v * 10 + (uint64_t)(t[q] - '0');
        q++;
    }
    if (q + 1 < lx->len && t[q] == '.' && t[q + 1] >= '0' && t[q + 1] <= '9') {
        q++;
        while (q < lx->len && t[q] >= '0' && t[q] <= '9')
            q++;
        tok->kind = VY_T_DOUBLE;
        lx->pos = q;
        return VIGIL_OK;
    }
    if (q + 1 < lx->len && (t[q] == 'K' || t[q] == 'M') && t[q + 1] == 'B') {
        uint64_t mul = t[q] == 'K' ? 1024u : 1024u * 1024u;
        if (v > (uint64_t)INT64_MAX / mul)
            return fail(lx, lx->line, "integer overflow");
        v *= mul;
        q += 2;
    }
    tok->kind = VY_T_INT;
    tok->ival = (int64_t)v;
    lx->pos = q;
    return VIGIL_OK;
}

static vigil_status lex_quoted(vigil_yara_lexer *lx, vigil_yara_tok *tok)
{
    size_t p = lx->pos + 1;
    while (p < lx->len) {
        char c = lx->text[p];
        if (c == '"') {
            tok->kind = VY_T_STRING;
            lx->pos = p + 1;
            return VIGIL_OK;
        }
        if (c == '\n')
            break;
        if (c == '\\') {
            if (p + 1 >= lx->len || lx->text[p + 1] == '\n')
                break;
            p += 2;
            continue;
        }
        p++;
    }
    return fail(lx, lx->line, "unterminated string");
}

static vigil_status lex_regex(vigil_yara_lexer *lx, vigil_yara_tok *tok)
{
    size_t p = lx->pos + 1;
    while (p < lx->len) {
        char c = lx->text[p];
        if (c == '/') {
            p++;
            if (p < lx->len && lx->text[p] == 'i')
                p++;
            if (p < lx->len && lx->text[p] == 's')
                p++;
            tok->kind = VY_T_REGEX;
            lx->pos = p;
            return VIGIL_OK;
        }
        if (c == '\n')
            break;
        if (c == '\\') {
            if (p + 1 >= lx->len || lx->text[p + 1] == '\n')
                break;
            p += 2;
            continue;
        }
        p++;
    }
    return fail(lx, lx->line, "unterminated regular expression");
}

static int lex_op(vigil_yara_lexer *lx, vigil_yara_tok *tok)
{
    static const struct {
        const char *s;
        int op;
    } ops[] = {
        {"..", VY_OP_DOTDOT}, {"==", VY_OP_EQ},    {"!=", VY_OP_NE},    {"<=", VY_OP_LE},
        {">=", VY_OP_GE},     {"<<", VY_OP_SHL},   {">>", VY_OP_SHR},   {"(", VY_OP_LPAREN},
        {")", VY_OP_RPAREN},  {"[", VY_OP_LBRACK}, {"]", VY_OP_RBRACK}, {"{", VY_OP_LBRACE},
        {"}", VY_OP_RBRACE},  {",", VY_OP_COMMA},  {":", VY_OP_COLON},  {".", VY_OP_DOT},
        {"=", VY_OP_ASSIGN},  {"<", VY_OP_LT},     {">", VY_OP_GT},     {"+", VY_OP_PLUS},
        {"-", VY_OP_MINUS},   {"*", VY_OP_MUL},    {"\\", VY_OP_DIV},   {"%", VY_OP_MOD},
        {"&", VY_OP_AND},     {"|", VY_OP_OR},     {"^", VY_OP_XOR},    {"~", VY_OP_NOT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if (lx->pos + n <= lx->len && memcmp(lx->text + lx->pos, ops[i].s, n) == 0) {
            tok->kind = VY_T_OP;
            tok->sub = ops[i].op;
            lx->pos += n;
            return 1;
        }
    }
    return 0;
}

vigil_status vigil_yara_lex_next(vigil_yara_lexer *lx, vigil_yara_tok *tok)
{
    memset(tok, 0, sizeof *tok);
    vigil_status st = skip_space(lx);
    if (st != VIGIL_OK)
        return st;
    tok->off = lx->pos;
    tok->line = lx->line;
    if (lx->pos >= lx->len) {
        tok->kind = VY_T_EOF;
        return VIGIL_OK;
    }
    int c = peek(lx, 0);
    if (is_ident_start(c)) {
        size_t p = lx->pos;
        while (p < lx->len && is_ident_char((unsigned char)lx->text[p]))
            p++;
        size_t n = p - lx->pos;
        tok->kind = VY_T_IDENT;
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
            if (strlen(keywords[i].name) == n &&
                memcmp(keywords[i].name, lx->text + lx->pos, n) == 0) {
                tok->kind = VY_T_KEYWORD;
                tok->sub = keywords[i].kw;
                tok->ival = keywords[i].intfn;
                break;
            }
        }
        lx->pos = p;
    } else if (c >= '0' && c <= '9') {
        st = lex_number(lx, tok);
    } else if (c == '"') {
        st = lex_quoted(lx, tok);
    } else if (c == '/') {
        st = lex_regex(lx, tok);
    } else if ((c == '$' || c == '#' || c == '@' || c == '!') && peek(lx, 1) != '=') {
        size_t p = lx->pos + 1;
        while (p < lx->len && is_ident_char((unsigned char)lx->text[p]))
            p++;
        tok->kind = c == '$'   ? VY_T_STRID
                    : c == '#' ? VY_T_STRCOUNT
                    : c == '@' ? VY_T_STROFF
                               : VY_T_STRLEN;
        if (c == '$' && p < lx->len && lx->text[p] == '*') {
            tok->wild = 1;
            p++;
        }
        lx->pos = p;
    } else if (c == '{' && hex_string_len(lx) > 0) {
        size_t n = hex_string_len(lx);
        count_lines(lx, lx->pos, lx->pos + n);
        lx->pos += n;
        tok->kind = VY_T_HEX;
    } else if (!lex_op(lx, tok)) {
        return fail(lx, lx->line, "unexpected character");
    }
    if (st != VIGIL_OK)
        return st;
    tok->len = lx->pos - tok->off;
    return VIGIL_OK;
}

vigil_status vigil_yara_lex_string(const vigil_yara_lexer *lx, const vigil_yara_tok *tok, char *out,
                                   size_t cap, size_t *out_len)
{
    if (tok->kind != VY_T_STRING || tok->len < 2 || cap < tok->len)
        return VIGIL_ERR_INVALID_ARG;
    const char *s = lx->text + tok->off + 1;
    size_t n = tok->len - 2, o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++i >= n)
            return VIGIL_ERR_PARSE;
        switch (s[i]) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'x': {
            int hi = i + 1 < n ? vigil_hex_digit((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? vigil_hex_digit((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return VIGIL_ERR_PARSE;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
            break;
        }
        default:
            return VIGIL_ERR_PARSE;
        }
    }
    *out_len = o;
    return VIGIL_OK;
}
