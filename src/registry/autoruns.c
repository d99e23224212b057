/* autoruns.c - which registry values start programs, and which name files.
 *
 * Why a table of key suffixes: the autostart locations a responder checks
 * first (Sysinternals Autoruns' Logon, Services, Image Hijacks, AppInit and
 * Scheduled Tasks tabs) are fixed key paths, whatever hive root they sit
 * under (HKLM\SOFTWARE, each user's HKU\<user>, Wow6432Node). For each
 * entry the command as stored and the file it starts are kept; the file is
 * what IOCs and YARA can judge, so environment variables, "\??\" and
 * rundll32 wrappers are resolved to the path a responder would look at.
 * Amcache entries name files that ran, with their SHA-1. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "registry/registry.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The part of s after needle (case-insensitive), or NULL. */
static const char *after(const char *s, const char *needle)
{
    const char *p = strcasestr(s, needle);
    return p != NULL ? p + strlen(needle) : NULL;
}

static const char *const exts[] = {".exe", ".dll", ".sys", ".com", ".bat", ".cmd", ".scr",
                                   ".ps1", ".vbs", ".js",  ".cpl", ".ocx", ".hta", ".msi",
                                   ".jar", ".lnk", ".vbe", ".jse", ".wsf", ".drv"};

static int has_exe_ext(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n >= e && strncasecmp(s + n - e, exts[i], e) == 0)
            return 1;
    }
    return 0;
}

/* Resolves \??\, \SystemRoot\, %SystemRoot%-style variables and a bare
 * "system32\" to the default C:\ paths. */
static void normalise(const char *in, size_t n, char *buf, size_t cap)
{
    static const struct {
        const char *from, *to;
    } vars[] = {
        {"%SystemRoot%", "C:\\Windows"},
        {"%windir%", "C:\\Windows"},
        {"%ProgramFiles(x86)%", "C:\\Program Files (x86)"},
        {"%ProgramFiles%", "C:\\Program Files"},
        {"%CommonProgramFiles%", "C:\\Program Files\\Common Files"},
        {"%ProgramData%", "C:\\ProgramData"},
        {"%ALLUSERSPROFILE%", "C:\\ProgramData"},
        {"%SystemDrive%", "C:"},
        {"\\SystemRoot\\", "C:\\Windows\\"},
        {"system32\\", "C:\\Windows\\system32\\"},
        {"SysWOW64\\", "C:\\Windows\\SysWOW64\\"},
    };
    size_t o = 0;
    if (cap == 0)
        return;
    if (n >= 4 && (strncmp(in, "\\??\\", 4) == 0 || strncmp(in, "\\\\?\\", 4) == 0)) {
        in += 4;
        n -= 4;
    }
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        size_t f = strlen(vars[i].from);
        if (n >= f && strncasecmp(in, vars[i].from, f) == 0) {
            size_t t = strlen(vars[i].to);
            if (t >= cap)
                t = cap - 1;
            memcpy(buf, vars[i].to, t);
            o = t;
            in += f;
            n -= f;
            break;
        }
    }
    if (n > cap - 1 - o)
        n = cap - 1 - o;
    memcpy(buf + o, in, n);
    buf[o + n] = '\0';
}

/* The program word of a command: quoted, or the shortest prefix ending in
 * an executable extension, or the first word. Returns its end in cmd. */
static const char *program_word(const char *cmd, const char **start, size_t *len)
{
    while (*cmd == ' ' || *cmd == '\t')
        cmd++;
    if (*cmd == '"') {
        const char *q = strchr(cmd + 1, '"');
        size_t n = q != NULL ? (size_t)(q - cmd - 1) : strlen(cmd + 1);
        *start = cmd + 1;
        *len = n;
        return q != NULL ? q + 1 : cmd + 1 + n;
    }
    *start = cmd;
    for (const char *p = cmd;; p++) {
        if (*p == ' ' || *p == '\0') {
            if (has_exe_ext(cmd, (size_t)(p - cmd))) {
                *len = (size_t)(p - cmd);
                return p;
            }
            if (*p == '\0')
                break;
        }
    }
    *len = strcspn(cmd, " \t");
    return cmd + *len;
}

void vigil_registry_command_file(const char *command, char *buf, size_t cap)
{
    const char *w;
    size_t n;
    const char *rest = program_word(command, &w, &n);
    char prog[1024];

    if (cap == 0)
        return;
    buf[0] = '\0';
    if (n == 0)
        return;
    normalise(w, n, prog, sizeof prog);
    const char *base = vigil_path_basename(prog);
    for (const char *p = prog; *p; p++)
        if (*p == '\\')
            base = p + 1;
    if (strcasecmp(base, "rundll32.exe") == 0 || strcasecmp(base, "rundll32") == 0) {
        /* rundll32 "C:\x\evil.dll",Entry  ->  the DLL is what runs */
        const char *dw;
        size_t dn;
        program_word(rest, &dw, &dn);
        size_t stop = 0;
        while (stop < dn && dw[stop] != ',')
            stop++;
        if (stop > 0) {
            normalise(dw, stop, buf, cap);
            return;
        }
    }
    snprintf(buf, cap, "%s", prog);
}

static void set_command(vigil_reg_entry *e, const char *cmd)
{
    snprintf(e->command, sizeof e->command, "%s", cmd != NULL ? cmd : "");
}

static void add_file(vigil_reg_entry *e, const char *file)
{
    if (file[0] != '\0' && e->nfiles < VIGIL_REG_MAX_FILES)
        snprintf(e->files[e->nfiles++], sizeof e->files[0], "%s", file);
}

static void add_command_file(vigil_reg_entry *e)
{
    char f[1024];
    vigil_registry_command_file(e->command, f, sizeof f);
    add_file(e, f);
}

/* UTF-16LE of n bytes at p as UTF-8 (BMP; others '?') appended to out. */
static void utf16_append(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = strlen(out);
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned c = (unsigned)p[i] | (unsigned)p[i + 1] << 8;
        char u[3];
        size_t k;
        if (c == 0)
            break;
        if (c < 0x80) {
            u[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            u[0] = (char)(0xc0 | c >> 6);
            u[1] = (char)(0x80 | (c & 0x3f));
            k = 2;
        } else if (c >= 0xd800 && c < 0xe000) {
            u[0] = '?';
            k = 1;
        } else {
            u[0] = (char)(0xe0 | c >> 12);
            u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
            u[2] = (char)(0x80 | (c & 0x3f));
            k = 3;
        }
        if (o + k + 1 > cap)
            break;
        memcpy(out + o, u, k);
        o += k;
    }
    out[o] = '\0';
}

static int read_u32(const uint8_t *d, size_t len, size_t *off, uint32_t *v)
{
    if (len - *off < 4 || *off > len)
        return -1;
    *v = (uint32_t)d[*off] | (uint32_t)d[*off + 1] << 8 | (uint32_t)d[*off + 2] << 16 |
         (uint32_t)d[*off + 3] << 24;
    *off += 4;
    return 0;
}

/* A length-prefixed UTF-16 string of the Actions blob. */
static int read_string(const uint8_t *d, size_t len, size_t *off, char *out, size_t cap)
{
    uint32_t n;
    if (read_u32(d, len, off, &n) != 0 || n > len - *off)
        return -1;
    if (out != NULL)
        utf16_append(d + *off, n, out, cap);
    *off += n;
    return 0;
}

/* TaskCache\Tasks\{id}\Actions: version (u16), context string, then
 * actions; an exec action (0x6666) holds id, command, arguments and
 * working directory strings. The first exec action is the entry's command. */
static int task_command(const uint8_t *d, size_t len, char *out, size_t cap)
{
    size_t off = 2;
    out[0] = '\0';
    if (len < 2 || read_string(d, len, &off, NULL, 0) != 0)
        return 0;
    while (len - off >= 2) {
        unsigned magic = (unsigned)d[off] | (unsigned)d[off + 1] << 8;
        off += 2;
        if (read_string(d, len, &off, NULL, 0) != 0)
            return 0;
        if (magic != 0x6666)
            return 0; /* COM handlers and the rest: no command line */
        if (read_string(d, len, &off, out, cap) != 0)
            return out[0] != '\0';
        size_t n = strlen(out);
        if (n + 2 < cap) {
            out[n] = ' ';
            out[n + 1] = '\0';
            if (read_string(d, len, &off, out, cap) != 0 || out[n + 1] == '\0')
                out[n] = '\0';
        }
        return out[0] != '\0';
    }
    return 0;
}

static int hex_sha1(const char *s, uint8_t out[20])
{
    size_t n = strlen(s);
    if (n == 44 && strncmp(s, "0000", 4) == 0)
        s += 4, n -= 4; /* Amcache's FileId */
    if (n != 40)
        return 0;
    for (size_t i = 0; i < 20; i++) {
        int a = vigil_hex_digit(s[2 * i]), b = vigil_hex_digit(s[2 * i + 1]);
        if (a < 0 || b < 0)
            return 0;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return 1;
}

static int is(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static int amcache_entry(const vigil_reg_item *it, vigil_reg_entry *e)
{
    const char *name = it->name, *key = it->key;
    int new_format = strcasestr(key, "\\Root\\InventoryApplicationFile\\") != NULL;
    int old_format = !new_format && strcasestr(key, "\\Root\\File\\") != NULL;
    const char *path_value = new_format ? "LowerCaseLongPath" : "15";
    const char *hash_value = new_format ? "FileId" : "101";

    if ((!new_format && !old_format) || it->text == NULL)
        return 0;
    if (is(name, path_value)) {
        set_command(e, it->text);
        add_file(e, it->text);
        return 1;
    }
    if (is(name, hash_value) && hex_sha1(it->text, e->sha1)) {
        char path[1024];
        e->have_sha1 = 1;
        vigil_registry_sibling_text(it, path_value, path, sizeof path);
        set_command(e, path);
        return 1;
    }
    return 0;
}

int vigil_registry_entry(const vigil_reg_item *it, vigil_reg_entry *e)
{
    const char *key = it->key, *name = it->name, *rest;

    e->category = NULL;
    e->command[0] = '\0';
    e->nfiles = 0;
    e->have_sha1 = 0;
    if (name == NULL)
        return 0;
    if (ends_with(key, "\\Windows\\CurrentVersion\\Run") ||
        ends_with(key, "\\Windows\\CurrentVersion\\Policies\\Explorer\\Run") ||
        ends_with(key, "\\Windows\\CurrentVersion\\RunServices"))
        e->category = "Run";
    else if (ends_with(key, "\\Windows\\CurrentVersion\\RunOnce") ||
             ends_with(key, "\\Windows\\CurrentVersion\\RunServicesOnce"))
        e->category = "RunOnce";
    else if ((rest = after(key, "\\CurrentControlSet\\Services\\")) != NULL) {
        const char *slash = strchr(rest, '\\');
        if (slash == NULL && is(name, "ImagePath"))
            e->category = "Service";
        else if (slash != NULL && is(slash, "\\Parameters") && is(name, "ServiceDll"))
            e->category = "ServiceDll";
    } else if (ends_with(key, "\\Windows NT\\CurrentVersion\\Winlogon")) {
        if (is(name, "Shell") || is(name, "Userinit") || is(name, "Taskman"))
            e->category = "Winlogon";
    } else if ((rest = after(key, "\\Windows NT\\CurrentVersion\\Image File Execution "
                                  "Options\\")) != NULL) {
        if (strchr(rest, '\\') == NULL && is(name, "Debugger"))
            e->category = "IFEO Debugger";
    } else if (ends_with(key, "\\Windows NT\\CurrentVersion\\Windows")) {
        if (is(name, "AppInit_DLLs") && it->text != NULL && it->text[0] != '\0')
            e->category = "AppInit_DLLs";
    } else if ((rest = after(key, "\\Schedule\\TaskCache\\Tasks\\")) != NULL) {
        if (strchr(rest, '\\') == NULL && is(name, "Actions") &&
            task_command(it->data, it->data_len, e->command, sizeof e->command)) {
            e->category = "Scheduled task";
            add_command_file(e);
            return 1;
        }
    } else {
        return amcache_entry(it, e);
    }
    if (e->category == NULL || it->text == NULL) {
        e->category = NULL;
        return 0;
    }
    set_command(e, it->text);
    if (strcmp(e->category, "AppInit_DLLs") == 0) {
        /* a list of DLLs separated by commas or spaces */
        char tok[1024];
        const char *p = it->text;
        while (*p != '\0' && e->nfiles < VIGIL_REG_MAX_FILES) {
            size_t n = strcspn(p, ", ");
            if (n > 0) {
                normalise(p, n, tok, sizeof tok);
                add_file(e, tok);
            }
            p += n;
            while (*p == ',' || *p == ' ')
                p++;
        }
    } else if (strcmp(e->category, "Winlogon") == 0) {
        /* Userinit is a comma-separated list: "C:\...\userinit.exe," */
        const char *p = it->text;
        while (*p != '\0' && e->nfiles < VIGIL_REG_MAX_FILES) {
            size_t n = strcspn(p, ",");
            char one[1024], f[1024];
            snprintf(one, sizeof one, "%.*s", (int)n, p);
            vigil_registry_command_file(one, f, sizeof f);
            add_file(e, f);
            p += n;
            while (*p == ',' || *p == ' ')
                p++;
        }
    } else {
        add_command_file(e);
    }
    return 1;
}
