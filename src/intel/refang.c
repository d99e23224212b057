/* refang.c - undoing defanged indicators and bringing values to one form.
 *
 * Published intel writes hxxp://evil[.]com so that nobody clicks it; the
 * matchers need http://evil.com, lower-case, without the trailing dot, in
 * IDNA A-labels when the author wrote Unicode, IPs in inet_ntop form. Two
 * sources naming the same indicator differently must end up with the same
 * bytes, or deduplication and matching silently fail. */
#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/intel_loaders.h"

static const char *const type_names[VIGIL_INTEL_TYPE_COUNT] = {
    "md5", "sha1", "sha256", "filename", "path", "domain", "ip", "cidr", "url"};

const char *vigil_intel_type_name(vigil_intel_type type)
{
    if ((unsigned)type >= VIGIL_INTEL_TYPE_COUNT)
        return "unknown";
    return type_names[type];
}

vigil_status vigil_intel_type_parse(const char *name, vigil_intel_type *out)
{
    for (unsigned i = 0; i < VIGIL_INTEL_TYPE_COUNT; i++) {
        if (name != NULL && strcasecmp(name, type_names[i]) == 0) {
            *out = (vigil_intel_type)i;
            return VIGIL_OK;
        }
    }
    return VIGIL_ERR_NOT_FOUND;
}

/* Bracketed or escaped replacements, matched case-insensitively. */
static const struct {
    const char *from;
    const char *to;
} fangs[] = {
    {"[://]", "://"}, {"[:]", ":"},   {"[/]", "/"},   {"[.]", "."},   {"(.)", "."},
    {"{.}", "."},     {"[dot]", "."}, {"(dot)", "."}, {"{dot}", "."}, {"\\.", "."},
    {"[@]", "@"},     {"[at]", "@"},  {"(at)", "@"},  {"{at}", "@"},  {"[ . ]", "."},
    {"[. ]", "."},    {"[ .]", "."},  {"<.>", "."},   {"<dot>", "."},
};

/* Defanged scheme spellings, only at the start of the value. */
static const struct {
    const char *from;
    const char *to;
} schemes[] = {
    {"hxxps", "https"}, {"hxxp", "http"}, {"hxtps", "https"}, {"hxtp", "http"},
    {"htxps", "https"}, {"htxp", "http"}, {"h**ps", "https"}, {"h**p", "http"},
    {"h__ps", "https"}, {"h__p", "http"}, {"fxp", "ftp"},     {"meow", "http"},
};

size_t vigil_intel_refang(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;

    if (cap == 0)
        return (size_t)-1;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
        size_t fl = strlen(schemes[k].from);
        /* only when a "://" or ":" (defanged or not) follows the scheme */
        if (len > fl && strncasecmp(in, schemes[k].from, fl) == 0 &&
            (in[fl] == ':' || in[fl] == '[')) {
            size_t tl = strlen(schemes[k].to);
            if (tl >= cap)
                return (size_t)-1;
            memcpy(out, schemes[k].to, tl);
            o = tl;
            i = fl;
            break;
        }
    }
    while (i < len) {
        int done = 0;
        if (in[i] == '[' || in[i] == '(' || in[i] == '{' || in[i] == '\\' || in[i] == '<') {
            for (size_t k = 0; k < sizeof fangs / sizeof fangs[0]; k++) {
                size_t fl = strlen(fangs[k].from);
                if (len - i >= fl && strncasecmp(in + i, fangs[k].from, fl) == 0) {
                    size_t tl = strlen(fangs[k].to);
                    if (o + tl >= cap)
                        return (size_t)-1;
                    memcpy(out + o, fangs[k].to, tl);
                    o += tl;
                    i += fl;
                    done = 1;
                    break;
                }
            }
        }
        if (!done) {
            if (o + 1 >= cap)
                return (size_t)-1;
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
    return o;
}

/* Trims blanks and one layer of quotes or angle brackets. */
static void trim(const char **p, size_t *n)
{
    const char *s = *p;
    size_t l = *n;
    while (l > 0 && isspace((unsigned char)s[0])) {
        s++;
        l--;
    }
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        l--;
    if (l >= 2 && ((s[0] == '"' && s[l - 1] == '"') || (s[0] == '\'' && s[l - 1] == '\'') ||
                   (s[0] == '<' && s[l - 1] == '>'))) {
        s++;
        l -= 2;
    }
    *p = s;
    *n = l;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

static int has_nonascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* Checks and lower-cases a host name in place (IDNA when Unicode); buf has
 * cap bytes. Returns NULL or the reason it is not a domain. */
static const char *norm_domain(char *buf, size_t cap)
{
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    if (n >= 2 && buf[0] == '*' && buf[1] == '.') {
        memmove(buf, buf + 2, n - 1);
        n -= 2;
    } else if (n > 0 && buf[0] == '.') {
        memmove(buf, buf + 1, n);
        n--;
    }
    if (n == 0)
        return "empty domain";
    if (has_nonascii(buf)) {
        char *ace = NULL;
        if (idn2_to_ascii_8z(buf, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK ||
            ace == NULL) {
            idn2_free(ace);
            return "not a valid internationalised domain name";
        }
        if (strlen(ace) >= cap) {
            idn2_free(ace);
            return "domain too long";
        }
        memcpy(buf, ace, strlen(ace) + 1); /* fits: checked above */
        idn2_free(ace);
        n = strlen(buf);
    }
    if (n > 253)
        return "domain longer than 253 characters";
    size_t label = 0, labels = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '.') {
            if (label == 0)
                return "empty label in domain";
            label = 0;
            labels++;
            continue;
        }
        if (!(isalnum(c) || c == '-' || c == '_'))
            return "character not allowed in a domain";
        buf[i] = (char)tolower(c);
        if (++label > 63)
            return "domain label longer than 63 characters";
    }
    if (label == 0)
        return "empty label in domain";
    if (labels < 2)
        return "domain without a dot";
    return NULL;
}

/* Parses "addr" or "addr/prefix" into canonical text. *is_cidr set when a
 * prefix shorter than the address was given. */
static const char *norm_ip(char *buf, size_t cap, int *is_cidr)
{
    char addr[64];
    const char *slash = strchr(buf, '/');
    size_t alen = slash ? (size_t)(slash - buf) : strlen(buf);
    unsigned char bin[16];
    int af, bits;
    long prefix = -1;

    if (alen >= 2 && buf[0] == '[' && buf[alen - 1] == ']') { /* [v6] */
        memmove(buf, buf + 1, strlen(buf));
        alen -= 2;
        memmove(buf + alen, buf + alen + 1, strlen(buf + alen + 1) + 1);
        slash = strchr(buf, '/');
    }
    if (alen == 0 || alen >= sizeof addr)
        return "not an IP address";
    memcpy(addr, buf, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, bin) == 1) {
        af = AF_INET;
        bits = 32;
    } else if (inet_pton(AF_INET6, addr, bin) == 1) {
        af = AF_INET6;
        bits = 128;
    } else {
        return "not an IP address";
    }
    if (slash != NULL) {
        char *end;
        if (!isdigit((unsigned char)slash[1]))
            return "bad CIDR prefix";
        prefix = strtol(slash + 1, &end, 10);
        if (*end != '\0' || prefix < 0 || prefix > bits)
            return "bad CIDR prefix";
    }
    *is_cidr = prefix >= 0 && prefix < bits;
    if (*is_cidr) {
        for (int b = (int)prefix; b < bits; b++)
            bin[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
    }
    if (inet_ntop(af, bin, addr, sizeof addr) == NULL)
        return "not an IP address";
    if (*is_cidr)
        snprintf(buf, cap, "%s/%ld", addr, prefix);
    else
        snprintf(buf, cap, "%s", addr);
    return NULL;
}

/* scheme://host[:port][/rest]: lower-case scheme and host, IDNA host. */
static const char *norm_url(char *buf, size_t cap)
{
    char *sep = strstr(buf, "://");
    char tmp[2048];
    if (sep == NULL) {
        size_t n = strlen(buf);
        if (n + 8 >= cap)
            return "URL too long";
        memmove(buf + 7, buf, n + 1);
        memcpy(buf, "http://", 7);
        sep = buf + 4;
    }
    if (sep == buf)
        return "URL without a scheme";
    for (char *p = buf; p < sep; p++) {
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return "bad URL scheme";
        *p = (char)tolower((unsigned char)*p);
    }
    char *host = sep + 3;
    size_t hl = strcspn(host, "/?#");
    char *at = memchr(host, '@', hl); /* user info is kept as is */
    if (at != NULL) {
        hl -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    size_t hostonly = hl;
    if (host[0] == '[') { /* [v6]:port */
        char *rb = memchr(host, ']', hl);
        if (rb == NULL)
            return "bad IPv6 host in URL";
        hostonly = (size_t)(rb + 1 - host);
    } else {
        char *colon = memchr(host, ':', hl);
        if (colon != NULL)
            hostonly = (size_t)(colon - host);
    }
    if (hostonly == 0)
        return "URL without a host";
    if (hostonly >= sizeof tmp)
        return "URL host too long";
    memcpy(tmp, host, hostonly);
    tmp[hostonly] = '\0';
    int cidr = 0, is_ip = 0;
    char ipbuf[128];
    if (hostonly < sizeof ipbuf) {
        memcpy(ipbuf, tmp, hostonly + 1);
        is_ip = norm_ip(ipbuf, sizeof ipbuf, &cidr) == NULL && !cidr;
    }
    if (is_ip) {
        size_t il = strlen(ipbuf);
        if (tmp[0] == '[') {
            tmp[0] = '[';
            memcpy(tmp + 1, ipbuf, il);
            tmp[il + 1] = ']';
            tmp[il + 2] = '\0';
        } else {
            memcpy(tmp, ipbuf, il + 1);
        }
    } else {
        const char *why = norm_domain(tmp, sizeof tmp);
        if (why != NULL)
            return why;
    }
    size_t nl = strlen(tmp);
    size_t rest = strlen(host + hostonly);
    if ((size_t)(host - buf) + nl + rest + 1 > cap)
        return "URL too long";
    memmove(host + nl, host + hostonly, rest + 1);
    memcpy(host, tmp, nl);
    return NULL;
}

vigil_status vigil_intel_normalise(vigil_intel_type *type_io, const char *in, size_t len, char *out,
                                   size_t cap, const char **why)
{
    const char *reason = NULL;
    const char *s = in;
    size_t n = len;
    vigil_intel_type type = *type_io;

    if (why != NULL)
        *why = NULL;
    if (cap < 8 || (unsigned)type >= VIGIL_INTEL_TYPE_COUNT)
        return VIGIL_ERR_INVALID_ARG;
    trim(&s, &n);
    if (n == 0) {
        reason = "empty value";
        goto bad;
    }
    if (type == VIGIL_INTEL_FILENAME || type == VIGIL_INTEL_PATH) {
        if (n >= cap)
            return VIGIL_ERR_LIMIT;
        memcpy(out, s, n);
        out[n] = '\0';
        if (memchr(out, '\0', n) != NULL) {
            reason = "NUL byte in value";
            goto bad;
        }
        if (type == VIGIL_INTEL_FILENAME && strpbrk(out, "/\\") != NULL)
            type = VIGIL_INTEL_PATH;
        *type_io = type;
        return VIGIL_OK;
    }
    if (vigil_intel_refang(s, n, out, cap) == (size_t)-1)
        return VIGIL_ERR_LIMIT;
    if (strlen(out) != n && memchr(s, '\0', n) != NULL) {
        reason = "NUL byte in value";
        goto bad;
    }
    {
        char *o = out;
        size_t on = strlen(out);
        const char *t = o;
        trim(&t, &on);
        memmove(out, t, on);
        out[on] = '\0';
    }
    switch (type) {
    case VIGIL_INTEL_MD5:
    case VIGIL_INTEL_SHA1:
    case VIGIL_INTEL_SHA256: {
        size_t want = type == VIGIL_INTEL_MD5 ? 32 : type == VIGIL_INTEL_SHA1 ? 40 : 64;
        size_t on = strlen(out);
        if (on != want || !is_hex(out, on)) {
            reason = "not a hex digest of the right length";
            goto bad;
        }
        for (size_t i = 0; i < on; i++)
            out[i] = (char)tolower((unsigned char)out[i]);
        break;
    }
    case VIGIL_INTEL_DOMAIN:
        reason = norm_domain(out, cap);
        break;
    case VIGIL_INTEL_IP:
    case VIGIL_INTEL_CIDR: {
        int cidr = 0;
        reason = norm_ip(out, cap, &cidr);
        if (reason == NULL)
            type = cidr ? VIGIL_INTEL_CIDR : VIGIL_INTEL_IP;
        break;
    }
    case VIGIL_INTEL_URL:
        reason = norm_url(out, cap);
        break;
    default:
        break;
    }
    if (reason != NULL)
        goto bad;
    *type_io = type;
    return VIGIL_OK;
bad:
    if (why != NULL)
        *why = reason;
    return VIGIL_ERR_PARSE;
}

/* Extensions that make "name.ext" a file name rather than a domain. */
static const char *const file_exts[] = {
    "exe", "dll", "sys", "bat", "cmd",  "ps1",  "psm1", "vbs",  "vbe",  "js",  "jse",  "wsf",
    "hta", "scr", "lnk", "doc", "docm", "docx", "xls",  "xlsm", "xlsx", "ppt", "pptx", "pdf",
    "rtf", "zip", "rar", "7z",  "gz",   "txt",  "dat",  "tmp",  "bin",  "log", "ini",  "cfg",
    "jar", "msi", "cab", "iso", "img",  "jsp",  "aspx", "asp",  "php",  "dmp", "ocx",  "cpl",
    "drv", "tar", "elf", "so",  "py",   "sh",   "pl",   "war",  "vhd",  "xml", "json"};

static int has_file_ext(const char *s)
{
    const char *dot = strrchr(s, '.');
    if (dot == NULL)
        return 0;
    for (size_t i = 0; i < sizeof file_exts / sizeof file_exts[0]; i++)
        if (strcasecmp(dot + 1, file_exts[i]) == 0)
            return 1;
    return 0;
}

vigil_status vigil_intel_infer(const char *in, size_t len, vigil_intel_type *out)
{
    char buf[2048];
    const char *s = in;
    size_t n = len;
    int cidr = 0;

    trim(&s, &n);
    if (n == 0 || memchr(s, '\0', n) != NULL)
        return VIGIL_ERR_PARSE;
    if (vigil_intel_refang(s, n, buf, sizeof buf) == (size_t)-1)
        return VIGIL_ERR_PARSE;
    n = strlen(buf);
    if (is_hex(buf, n) && (n == 32 || n == 40 || n == 64)) {
        *out = n == 32 ? VIGIL_INTEL_MD5 : n == 40 ? VIGIL_INTEL_SHA1 : VIGIL_INTEL_SHA256;
        return VIGIL_OK;
    }
    if (strstr(buf, "://") != NULL) {
        *out = VIGIL_INTEL_URL;
        return VIGIL_OK;
    }
    char tmp[2048];
    memcpy(tmp, buf, n + 1);
    if (norm_ip(tmp, sizeof tmp, &cidr) == NULL) {
        *out = cidr ? VIGIL_INTEL_CIDR : VIGIL_INTEL_IP;
        return VIGIL_OK;
    }
    if (strpbrk(buf, "/\\") != NULL) {
        size_t hl = strcspn(buf, "/");
        if (hl > 0 && buf[hl] == '/' && strchr(buf, '\\') == NULL && hl < sizeof tmp) {
            memcpy(tmp, buf, hl);
            tmp[hl] = '\0';
            if (!has_file_ext(tmp) && norm_domain(tmp, sizeof tmp) == NULL) {
                *out = VIGIL_INTEL_URL; /* evil.com/gate.php */
                return VIGIL_OK;
            }
        }
        *out = VIGIL_INTEL_PATH;
        return VIGIL_OK;
    }
    if (strpbrk(buf, " \t") == NULL && !has_file_ext(buf)) {
        memcpy(tmp, buf, n + 1);
        if (norm_domain(tmp, sizeof tmp) == NULL) {
            *out = VIGIL_INTEL_DOMAIN;
            return VIGIL_OK;
        }
    }
    const char *dot = strrchr(buf, '.');
    if (dot != NULL && dot[1] != '\0' && strlen(dot + 1) <= 5) {
        *out = VIGIL_INTEL_FILENAME;
        return VIGIL_OK;
    }
    return VIGIL_ERR_PARSE;
}
