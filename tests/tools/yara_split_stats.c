/* yara_split_stats.c - shows how a rule set splits into precondition groups
 * and proves the split against libyara.
 *
 * Why a tool: the conformance check runs it over the corpus rules to
 * assert every rule is parsed, every group compiles and (with --equiv)
 * that selecting groups per file reports exactly the (file, rule) set the
 * original rules report on generated PE/ELF/text inputs of boundary sizes.
 *
 * Usage: yara_split_stats [--caps N,N..] [--equiv] [--nopre] [--bounds] [--dump DIR] PATH...
 *   PATH is a rule file or a directory (its *.yar / *.yara files, sorted).
 * Prints "files N", "rules N", "opaque N", one "group ..." line per group,
 * "nopre NS:RULE" lines with --nopre, and "equiv ..." with --equiv.
 * --bounds prints "bound N MAGIC FILE RULE" for each finite filesize bound
 * of an effective precondition (MAGIC: mz, elf or none).
 * --dump writes each group's source to DIR/GROUP.yar (namespaces merged:
 * for timing experiments with the yara tool, not for matching). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "yara/yara_split.h"

static const char *ext_names[] = {"filename", "filepath", "extension", "filetype", "owner", "md5"};

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    fprintf(stderr, "diag %s:%llu: %s\n", d->source ? d->source : "-", (unsigned long long)d->line,
            d->message);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct path_list {
    char **items;
    size_t n, cap;
} path_list;

static int push_path(path_list *l, const char *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **items = realloc(l->items, cap * sizeof *items);
        if (items == NULL)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n] = strdup(p);
    return l->items[l->n++] ? 0 : -1;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int collect(const char *path, path_list *out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return push_path(out, path);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    size_t first = out->n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".yar") && !has_suffix(e->d_name, ".yara"))
            continue;
        char buf[4096];
        snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
        if (push_path(out, buf) != 0)
            break;
    }
    closedir(d);
    qsort(out->items + first, out->n - first, sizeof *out->items, cmp_cstr);
    return 0;
}

static YR_COMPILER *new_compiler(void)
{
    YR_COMPILER *c = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    for (size_t i = 0; i < 6; i++)
        yr_compiler_define_string_variable(c, ext_names[i], "");
    return c;
}

static void on_compile_error(int level, const char *file, int line, const YR_RULE *rule,
                             const char *msg, void *user)
{
    (void)rule;
    if (level == YARA_ERROR_LEVEL_ERROR)
        fprintf(stderr, "compile error in %s:%s:%d: %s\n", (const char *)user, file ? file : "-",
                line, msg);
}

/* ---- equivalence -------------------------------------------------------- */

typedef struct match_set {
    char **items;
    size_t n, cap;
    size_t dup;
    const vigil_yara_plan *plan;
    size_t group;
} match_set;

static int on_match(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *user)
{
    (void)ctx;
    if (msg != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    match_set *m = user;
    YR_RULE *r = data;
    if (m->plan && !vigil_yara_plan_is_reported(m->plan, m->group, r->ns->name, r->identifier))
        return CALLBACK_CONTINUE;
    size_t len = strlen(r->ns->name) + strlen(r->identifier) + 2;
    char *key = malloc(len);
    if (key == NULL)
        return CALLBACK_ERROR;
    snprintf(key, len, "%s:%s", r->ns->name, r->identifier);
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->items[i], key) == 0) {
            m->dup++;
            free(key);
            return CALLBACK_CONTINUE;
        }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        char **items = realloc(m->items, cap * sizeof *items);
        if (items == NULL) {
            free(key);
            return CALLBACK_ERROR;
        }
        m->items = items;
        m->cap = cap;
    }
    m->items[m->n++] = key;
    return CALLBACK_CONTINUE;
}

static void ms_clear(match_set *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->items[i]);
    m->n = 0;
    m->dup = 0;
}

static void scan(YR_RULES *rules, const uint8_t *buf, size_t len, const vigil_yara_externals *e,
                 match_set *m)
{
    YR_SCANNER *sc = NULL;
    if (yr_scanner_create(rules, &sc) != ERROR_SUCCESS)
        return;
    const char *vals[6] = {e->filename, e->filepath, e->extension, e->filetype, e->owner, e->md5};
    for (size_t i = 0; i < 6; i++)
        yr_scanner_define_string_variable(sc, ext_names[i], vals[i] ? vals[i] : "");
    yr_scanner_set_callback(sc, on_match, m);
    yr_scanner_set_timeout(sc, 60);
    yr_scanner_scan_mem(sc, buf, len);
    yr_scanner_destroy(sc);
}

/* String literals of a rule's strings section (our lexer's view). */
static size_t rule_literals(const vigil_yara_rule *r, char *out, size_t cap)
{
    size_t n = 0;
    if (r->strings_len == 0)
        return 0;
    const char *base = r->text - r->text_off;
    const char *p = base + r->strings_off, *end = p + r->strings_len;
    while (p < end && n + 2 < cap) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (q == NULL)
            break;
        const char *e = q + 1;
        while (e < end && *e != '"' && *e != '\n')
            e += (*e == '\\' && e + 1 < end) ? 2 : 1;
        if (e >= end || *e != '"')
            break;
        for (const char *c = q + 1; c < e && n + 2 < cap; c++)
            if (*c != '\\')
                out[n++] = *c;
        out[n++] = ' ';
        p = e + 1;
    }
    return n;
}

static void put_pe_header(uint8_t *b, size_t len)
{
    /* DOS header with e_lfanew = 0x40, "PE\0\0", i386, optional header magic 0x10b */
    static const uint8_t hdr[] = {'P', 'E', 0, 0, 0x4c, 0x01, 0, 0};
    if (len < 0x40 + 24 + 0xe0)
        return;
    b[0x3c] = 0x40;
    memcpy(b + 0x40, hdr, sizeof hdr);
    b[0x40 + 20] = 0xe0; /* SizeOfOptionalHeader */
    b[0x40 + 22] = 0x02; /* Characteristics: executable */
    b[0x40 + 24] = 0x0b; /* OptionalHeader.Magic = 0x10b */
    b[0x40 + 25] = 0x01;
}

static int cmp_items(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int equiv(const vigil_yara_split *s, const vigil_yara_plan *p, path_list *files,
                 YR_RULES **grules)
{
    YR_COMPILER *c = new_compiler();
    if (c == NULL)
        return 1;
    for (size_t i = 0; i < files->n; i++) {
        FILE *f = fopen(files->items[i], "rb");
        if (f == NULL)
            continue;
        const char *slash = strrchr(files->items[i], '/');
        yr_compiler_add_file(c, f, slash ? slash + 1 : files->items[i], files->items[i]);
        fclose(f);
    }
    YR_RULES *orig = NULL;
    yr_compiler_get_rules(c, &orig);
    yr_compiler_destroy(c);
    if (orig == NULL)
        return 1;
    /* Boundary sizes from every effective precondition, plus small ones. */
    uint64_t sizes[512];
    size_t ns = 0;
    const uint64_t fixed[] = {0, 1, 2, 3, 4, 63, 64, 512, 4096, 65536};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        sizes[ns++] = fixed[i];
    for (size_t r = 0; r < vigil_yara_split_rule_count(s) && ns + 4 < 512; r++) {
        const vigil_yara_pre *pre = vigil_yara_plan_rule_pre(p, r);
        uint64_t cand[4] = {pre->size_min, pre->size_min ? pre->size_min - 1 : 0, pre->size_max,
                            pre->size_max + 1};
        for (int k = 0; k < 4; k++) {
            if (cand[k] > (uint64_t)20 << 20)
                continue;
            int seen = 0;
            for (size_t j = 0; j < ns && !seen; j++)
                seen = sizes[j] == cand[k];
            if (!seen)
                sizes[ns++] = cand[k];
        }
    }
    static const char *const heads[] = {"PE",
                                        "MZ",
                                        "MY",
                                        "\x7f"
                                        "ELF",
                                        "\x7f"
                                        "ELG",
                                        "%PDF",
                                        "PK",
                                        "#!/bin/sh"};
    static const char *const fnames[] = {
        "x.exe", "rundll32.exe", "acrotray.exe", "log.ini", "passwort.txt", "msi.dll", "", "a.ps1"};
    size_t nh = sizeof heads / sizeof heads[0], nf = sizeof fnames / sizeof fnames[0];
    size_t maxlen = 0;
    for (size_t i = 0; i < ns; i++)
        if (sizes[i] > maxlen)
            maxlen = (size_t)sizes[i];
    uint8_t *buf = malloc(maxlen + 1);
    char *lit = malloc(65536);
    if (buf == NULL || lit == NULL) {
        free(buf);
        free(lit);
        yr_rules_destroy(orig);
        return 1;
    }
    size_t cases = 0, mism = 0, matches = 0, scans_saved = 0,
           nrules = vigil_yara_split_rule_count(s);
    size_t ng = vigil_yara_plan_group_count(p);
    match_set want = {0}, got = {0};
    for (size_t si = 0; si < ns; si++) {
        size_t len = (size_t)sizes[si];
        /* big inputs only for the executable heads, to bound the run time */
        size_t h_end = len > (1u << 20) ? 2 : nh;
        for (size_t h = 0; h < h_end; h++)
            for (size_t f = 0; f < (len > (1u << 20) ? 2 : nf); f++) {
                memset(buf, 0, len);
                for (size_t i = 0x200; i < len; i += 97)
                    buf[i] = (uint8_t)('a' + i % 26);
                const char *hd = strcmp(heads[h], "PE") == 0 ? "MZ" : heads[h];
                size_t hl = strlen(hd);
                memcpy(buf, hd, hl < len ? hl : len);
                if (strcmp(heads[h], "PE") == 0)
                    put_pe_header(buf, len);
                /* the literals of one rule, so that rules do fire */
                if (nrules > 0 && len > 0x200) {
                    const vigil_yara_rule *r = vigil_yara_split_rule(s, (cases * 7919) % nrules);
                    size_t ll = rule_literals(r, lit, 65536);
                    if (ll > len - 0x200)
                        ll = len - 0x200;
                    memcpy(buf + 0x200, lit, ll);
                }
                const char *fn = fnames[f];
                const char *dot = strrchr(fn, '.');
                vigil_yara_externals e = {fn, "/tmp/x", dot ? dot : "", "", "", ""};
                ms_clear(&want);
                ms_clear(&got);
                scan(orig, buf, len, &e, &want);
                uint64_t mask = 0;
                vigil_yara_plan_select(p, buf, len < 64 ? len : 64, len, &e, &mask);
                got.plan = p;
                for (size_t g = 0; g < ng; g++) {
                    if (!(mask & (1ull << g))) {
                        scans_saved++;
                        continue;
                    }
                    got.group = g;
                    scan(grules[g], buf, len, &e, &got);
                }
                qsort(want.items, want.n, sizeof *want.items, cmp_items);
                qsort(got.items, got.n, sizeof *got.items, cmp_items);
                int same = want.n == got.n && got.dup == 0;
                for (size_t i = 0; same && i < want.n; i++)
                    same = strcmp(want.items[i], got.items[i]) == 0;
                if (!same) {
                    mism++;
                    printf("mismatch size=%zu head=%s name=%s want=%zu got=%zu dup=%zu\n", len,
                           heads[h], fn, want.n, got.n, got.dup);
                }
                matches += want.n;
                cases++;
            }
    }
    printf("equiv cases=%zu matches=%zu mismatches=%zu group_scans_skipped=%zu of %zu\n", cases,
           matches, mism, scans_saved, cases * ng);
    ms_clear(&want);
    ms_clear(&got);
    free(want.items);
    free(got.items);
    free(buf);
    free(lit);
    yr_rules_destroy(orig);
    return mism != 0 || matches == 0;
}

int main(int argc, char **argv)
{
    int do_equiv = 0, do_nopre = 0, do_bounds = 0;
    const char *dump = NULL;
    uint64_t caps[16];
    vigil_yara_plan_options opt = {.mz_size_caps = caps, .n_mz_size_caps = 0};
    path_list files = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--equiv") == 0) {
            do_equiv = 1;
        } else if (strcmp(argv[i], "--bounds") == 0) {
            do_bounds = 1;
        } else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump = argv[++i];
        } else if (strcmp(argv[i], "--nopre") == 0) {
            do_nopre = 1;
        } else if (strcmp(argv[i], "--caps") == 0 && i + 1 < argc) {
            char *t = argv[++i];
            while (*t && opt.n_mz_size_caps < 16) {
                caps[opt.n_mz_size_caps++] = strtoull(t, &t, 10);
                if (*t == ',')
                    t++;
                else
                    break;
            }
        } else if (collect(argv[i], &files) != 0) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 2;
        }
    }
    vigil_diag_sink diag = {on_diag, NULL};
    vigil_yara_split *s = NULL;
    if (vigil_yara_split_create(&diag, &s) != VIGIL_OK)
        return 2;
    for (size_t i = 0; i < files.n; i++)
        vigil_yara_split_add_file(s, files.items[i], NULL);
    size_t opaque = 0;
    for (size_t i = 0; i < vigil_yara_split_ns_count(s); i++)
        opaque += (size_t)vigil_yara_split_ns_opaque(s, i);
    printf("files %zu\n", files.n);
    printf("rules %zu\n", vigil_yara_split_rule_count(s));
    printf("opaque %zu\n", opaque);
    vigil_yara_plan *p = NULL;
    vigil_status st = vigil_yara_plan_build(s, &opt, &p);
    if (st != VIGIL_OK) {
        printf("plan failed: %s\n", vigil_status_str(st));
        return 1;
    }
    yr_initialize();
    int rc = 0;
    YR_RULES *grules[VIGIL_YARA_MAX_GROUPS] = {0};
    for (size_t g = 0; g < vigil_yara_plan_group_count(p); g++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, g);
        YR_COMPILER *c = new_compiler();
        int errors = c == NULL;
        if (c != NULL) {
            yr_compiler_set_callback(c, on_compile_error, (void *)grp->name);
            for (size_t i = 0; i < grp->n_sources; i++)
                errors += yr_compiler_add_string(c, grp->sources[i].text, grp->sources[i].ns);
            if (errors == 0 && yr_compiler_get_rules(c, &grules[g]) != ERROR_SUCCESS)
                errors++;
            yr_compiler_destroy(c);
        }
        if (dump != NULL) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.yar", dump, grp->name);
            FILE *df = fopen(path, "w");
            for (size_t i = 0; df != NULL && i < grp->n_sources; i++)
                fputs(grp->sources[i].text, df);
            if (df != NULL)
                fclose(df);
        }
        printf("group %-10s rules=%zu home=%zu copies=%zu namespaces=%zu compile=%s\n", grp->name,
               grp->n_rules, grp->n_home, grp->n_copies, grp->n_sources, errors ? "FAIL" : "ok");
        if (errors)
            rc = 1;
    }
    size_t nopre = 0;
    for (size_t r = 0; r < vigil_yara_split_rule_count(s); r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        const vigil_yara_group *grp = vigil_yara_plan_group(p, vigil_yara_plan_rule_group(p, r));
        if (grp->cls != VIGIL_YARA_CLASS_ANY)
            continue;
        nopre++;
        if (do_nopre)
            printf("nopre %s:%s (%s:%u)\n", rule->ns, rule->name, rule->source, rule->line);
    }
    printf("no-precondition rules %zu\n", nopre);
    if (do_bounds) /* every finite filesize bound of an effective precondition */
        for (size_t r = 0; r < vigil_yara_split_rule_count(s); r++) {
            const vigil_yara_pre *pre = vigil_yara_plan_rule_pre(p, r);
            const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
            const char *magic =
                pre->n_bytes >= 2 && pre->bytes[0].off == 0 && pre->bytes[0].val == 'M' &&
                        pre->bytes[1].val == 'Z'
                    ? "mz"
                : pre->n_bytes >= 1 && pre->bytes[0].off == 0 && pre->bytes[0].val == 0x7f ? "elf"
                                                                                           : "none";
            if (pre->size_min > 0)
                printf("bound %llu %s %s %s\n", (unsigned long long)pre->size_min, magic,
                       rule->source, rule->name);
            if (pre->size_max != UINT64_MAX)
                printf("bound %llu %s %s %s\n", (unsigned long long)pre->size_max, magic,
                       rule->source, rule->name);
        }
    if (do_equiv && rc == 0)
        rc = equiv(s, p, &files, grules);
    for (size_t g = 0; g < VIGIL_YARA_MAX_GROUPS; g++)
        if (grules[g])
            yr_rules_destroy(grules[g]);
    yr_finalize();
    vigil_yara_plan_destroy(p);
    vigil_yara_split_destroy(s);
    for (size_t i = 0; i < files.n; i++)
        free(files.items[i]);
    free(files.items);
    return rc;
}
