/* engine.c - building the engine from rule sources, then freezing it.
 *
 * The engine is the single owner of everything compiled from rules. Rule
 * files are routed to their subsystem by kind (told from the name when not
 * given); a broken file is reported and skipped so one bad download does not
 * stop a sweep, unless the caller asked for strict loading. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buffer.h"
#include "core/util.h"
#include "engine/engine_internal.h"

#define MAX_RULE_DIR_DEPTH 16

static const char *const kind_names[] = {"auto", "yara",    "hash", "filename", "c2",   "sigma",
                                         "stix", "openioc", "misp", "csv",      "intel"};

const char *vigil_rule_kind_name(vigil_rule_kind kind)
{
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "unknown";
    return kind_names[kind];
}

vigil_status vigil_rule_kind_parse(const char *name, vigil_rule_kind *out)
{
    if (name == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (vigil_rule_kind)i;
            return VIGIL_OK;
        }
    }
    return VIGIL_ERR_INVALID_ARG;
}

vigil_status vigil_engine_create(const vigil_engine_options *opts, vigil_engine **out)
{
    vigil_engine *e;
    vigil_status st;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return VIGIL_ERR_NOMEM;
    if (opts != NULL) {
        e->diag.fn = opts->on_diag;
        e->diag.user = opts->diag_user;
        e->strict = opts->strict;
    }
    st = vigil_yara_builder_create(&e->diag, &e->yara_builder);
    if (st == VIGIL_OK)
        st = vigil_ioc_builder_create(&e->diag, &e->ioc_builder);
    if (st == VIGIL_OK && opts != NULL && opts->cache_dir != NULL)
        st = vigil_ioc_builder_set_cache(e->ioc_builder, opts->cache_dir);
    if (st == VIGIL_OK && opts != NULL && opts->cache_dir != NULL)
        st = vigil_yara_builder_set_cache(e->yara_builder, opts->cache_dir);
    if (st == VIGIL_OK) {
        vigil_sigma_options so;
        memset(&so, 0, sizeof so);
        so.on_diag = e->diag.fn;
        so.diag_user = e->diag.user;
        so.strict = e->strict;
        if (opts != NULL) {
            so.mapping_path = opts->sigma_mapping;
            so.placeholder_path = opts->sigma_placeholders;
            so.cache_dir = opts->cache_dir;
        }
        st = vigil_sigma_builder_create(&so, &e->sigma_builder);
    }
    if (st != VIGIL_OK) {
        vigil_engine_destroy(e);
        return st;
    }
    *out = e;
    return VIGIL_OK;
}

void vigil_engine_destroy(vigil_engine *e)
{
    if (e == NULL)
        return;
    vigil_yara_builder_destroy(e->yara_builder);
    vigil_ioc_builder_destroy(e->ioc_builder);
    vigil_sigma_builder_destroy(e->sigma_builder);
    vigil_yara_rules_destroy(e->yara);
    vigil_ioc_db_destroy(e->ioc);
    vigil_sigma_ruleset_destroy(e->sigma);
    vigil_netioc_db_destroy(e->net);
    free(e);
}

vigil_rule_kind vigil_rule_kind_guess(const char *path)
{
    if (path == NULL)
        return VIGIL_RULES_AUTO;
    const char *ext = vigil_path_extension(path);

    if (strcasecmp(ext, ".yar") == 0 || strcasecmp(ext, ".yara") == 0)
        return VIGIL_RULES_YARA;
    if (strcasecmp(ext, ".yml") == 0 || strcasecmp(ext, ".yaml") == 0)
        return VIGIL_RULES_SIGMA;
    if (strcasecmp(ext, ".json") == 0 || strcasecmp(ext, ".xml") == 0)
        return VIGIL_RULES_INTEL;
    if (strcasecmp(ext, ".txt") == 0 || strcasecmp(ext, ".ioc") == 0 ||
        strcasecmp(ext, ".csv") == 0 || ext[0] == '\0') {
        vigil_rule_kind k = vigil_ioc_kind_from_name(path);
        if (k == VIGIL_RULES_AUTO && ext[0] != '\0' && strcasecmp(ext, ".txt") != 0)
            k = VIGIL_RULES_INTEL; /* OpenIOC *.ioc, CSV tables */
        return k;
    }
    return VIGIL_RULES_AUTO;
}

/* Does the YARA text use the md5 external (an identifier "md5" that is not a
 * module member such as hash.md5)? Then every file needs its MD5. */
static int text_uses_md5_external(const char *text, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++) {
        const char *hit = memmem(text + i, len - i, "md5", 3); /* not byte by byte */
        if (hit == NULL)
            break;
        i = (size_t)(hit - text);
        char before = i > 0 ? text[i - 1] : ' ';
        char after = i + 3 < len ? text[i + 3] : ' ';
        if (before == '.' || before == '_' || before == '$' || vigil_is_alnum(before))
            continue;
        if (after == '_' || vigil_is_alnum(after) || after == '(')
            continue;
        return 1;
    }
    return 0;
}

static vigil_status add_yara_file(vigil_engine *e, const char *path)
{
    size_t len = 0;
    vigil_status st;

    st = vigil_yara_builder_add_file(e->yara_builder, path);
    if (st != VIGIL_OK)
        return st;
    e->yara_files++;
    if (!e->yara_wants_md5) { /* the text the builder read: not read twice */
        const char *text = vigil_yara_builder_last_text(e->yara_builder, &len);
        if (text != NULL)
            e->yara_wants_md5 = text_uses_md5_external(text, len);
    }
    return VIGIL_OK;
}

/* Rules, correlations and filters the Sigma builder holds so far. */
static uint64_t sigma_loaded(const vigil_engine *e)
{
    vigil_sigma_counts c;
    vigil_sigma_builder_get_counts(e->sigma_builder, &c);
    return c.rules + c.correlations + c.filters;
}

/* A Sigma file counts as loaded when at least one of its documents was. */
static vigil_status add_sigma(vigil_engine *e, const char *name, const char *text, size_t len)
{
    uint64_t before = sigma_loaded(e);
    vigil_status st = text != NULL
                          ? vigil_sigma_builder_add_string(e->sigma_builder, name, text, len)
                          : vigil_sigma_builder_add_path(e->sigma_builder, name);
    if (st != VIGIL_OK)
        return st;
    e->sigma_files++;
    return sigma_loaded(e) > before ? VIGIL_OK : VIGIL_ERR_RULE;
}

static vigil_status add_one_file(vigil_engine *e, const char *path, vigil_rule_kind kind,
                                 int explicit_file)
{
    vigil_status st;

    if (kind == VIGIL_RULES_AUTO)
        kind = vigil_rule_kind_guess(path);
    switch (kind) {
    case VIGIL_RULES_YARA:
        st = add_yara_file(e, path);
        break;
    case VIGIL_RULES_IOC_HASH:
    case VIGIL_RULES_IOC_FILENAME:
    case VIGIL_RULES_IOC_C2:
        st = vigil_ioc_builder_add_file(e->ioc_builder, path, kind);
        if (st == VIGIL_OK)
            e->ioc_files++;
        break;
    case VIGIL_RULES_SIGMA:
        st = add_sigma(e, path, NULL, 0);
        break;
    case VIGIL_RULES_STIX:
    case VIGIL_RULES_OPENIOC:
    case VIGIL_RULES_MISP:
    case VIGIL_RULES_CSV:
    case VIGIL_RULES_INTEL: {
        int ignored = 0;
        st = vigil_engine_add_intel_file(e, kind, path, !explicit_file, &ignored);
        if (st == VIGIL_OK && ignored)
            return VIGIL_OK; /* a JSON/XML/CSV file in a rule directory that is not intel */
        break;
    }
    case VIGIL_RULES_AUTO:
    default:
        if (explicit_file) {
            vigil_diagf(&e->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, path, 0,
                        "cannot tell what kind of rule file this is (name it *.yar, or "
                        "*hash*/*filename*/*c2*.txt, or give the kind)");
            e->counts.files_refused++;
            return e->strict ? VIGIL_ERR_RULE : VIGIL_OK;
        }
        return VIGIL_OK; /* other files in a rule directory: README, licences */
    }
    if (st == VIGIL_OK) {
        e->counts.files_loaded++;
        return VIGIL_OK;
    }
    if (st == VIGIL_ERR_NOMEM)
        return st;
    e->counts.files_refused++;
    if (st == VIGIL_ERR_IO || st == VIGIL_ERR_ACCESS || st == VIGIL_ERR_NOT_FOUND)
        return e->strict || explicit_file ? st : VIGIL_OK;
    return e->strict ? st : VIGIL_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vigil_status add_dir(vigil_engine *e, const char *dir, vigil_rule_kind kind, int depth)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    vigil_status st = VIGIL_OK;

    if (depth > MAX_RULE_DIR_DEPTH) {
        vigil_diagf(&e->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, dir, 0,
                    "rule directories nested deeper than %d levels are not read",
                    MAX_RULE_DIR_DEPTH);
        return VIGIL_OK;
    }
    d = opendir(dir);
    if (d == NULL) {
        vigil_diagf(&e->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, dir, 0, "cannot open: %s",
                    strerror(errno));
        return e->strict ? VIGIL_ERR_IO : VIGIL_OK;
    }
    /* sorted, so that rule order and namespaces do not depend on the file system */
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (VIGIL_ARRAY_RESERVE(names, cap, n + 1) != VIGIL_OK) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        names[n] = vigil_path_join(dir, de->d_name);
        if (names[n] == NULL) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (st == VIGIL_OK && n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; st == VIGIL_OK && i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) != 0)
            continue; /* dangling link: nothing to load */
        if (S_ISDIR(sb.st_mode))
            st = add_dir(e, names[i], kind, depth + 1);
        else if (S_ISREG(sb.st_mode))
            st = add_one_file(e, names[i], kind, 0);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

vigil_status vigil_engine_add_path(vigil_engine *e, const char *path, vigil_rule_kind kind)
{
    struct stat sb;

    if (e == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (e->frozen)
        return VIGIL_ERR_FROZEN;
    if (stat(path, &sb) != 0) {
        int err = errno;
        vigil_diagf(&e->diag, VIGIL_DIAG_ERROR, err == ENOENT ? VIGIL_ERR_NOT_FOUND : VIGIL_ERR_IO,
                    path, 0, "cannot read rules: %s", strerror(err));
        return err == ENOENT ? VIGIL_ERR_NOT_FOUND : VIGIL_ERR_IO;
    }
    if (S_ISDIR(sb.st_mode))
        return add_dir(e, path, kind, 0);
    return add_one_file(e, path, kind, 1);
}

vigil_status vigil_engine_add_allow_hashes(vigil_engine *e, const char *path)
{
    vigil_status st;

    if (e == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (e->frozen)
        return VIGIL_ERR_FROZEN;
    st = vigil_ioc_builder_add_allow_file(e->ioc_builder, path);
    if (st == VIGIL_OK)
        e->counts.files_loaded++;
    else if (st != VIGIL_ERR_NOMEM)
        e->counts.files_refused++;
    return st; /* an allow-list asked for by name must be there */
}

vigil_status vigil_engine_add_string(vigil_engine *e, vigil_rule_kind kind, const char *name,
                                     const char *text, size_t len)
{
    vigil_status st;

    if (e == NULL || text == NULL || name == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (e->frozen)
        return VIGIL_ERR_FROZEN;
    if (kind == VIGIL_RULES_AUTO)
        kind = vigil_rule_kind_guess(name);
    switch (kind) {
    case VIGIL_RULES_YARA:
        st = vigil_yara_builder_add_string(e->yara_builder, name, text, len);
        if (st == VIGIL_OK) {
            e->yara_files++;
            if (!e->yara_wants_md5)
                e->yara_wants_md5 = text_uses_md5_external(text, len);
        }
        break;
    case VIGIL_RULES_IOC_HASH:
    case VIGIL_RULES_IOC_FILENAME:
    case VIGIL_RULES_IOC_C2:
        st = vigil_ioc_builder_add_text(e->ioc_builder, name, text, len, kind);
        if (st == VIGIL_OK)
            e->ioc_files++;
        break;
    case VIGIL_RULES_SIGMA:
        st = add_sigma(e, name, text, len);
        break;
    case VIGIL_RULES_STIX:
    case VIGIL_RULES_OPENIOC:
    case VIGIL_RULES_MISP:
    case VIGIL_RULES_CSV:
    case VIGIL_RULES_INTEL:
        st = vigil_engine_add_intel(e, kind, name, text, len, 0, NULL);
        break;
    default:
        return VIGIL_ERR_UNSUPPORTED;
    }
    if (st == VIGIL_OK)
        e->counts.files_loaded++;
    else
        e->counts.files_refused++;
    return st;
}

vigil_status vigil_engine_freeze(vigil_engine *e)
{
    vigil_status st;
    vigil_ioc_counts ic;

    if (e == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (e->frozen)
        return VIGIL_ERR_FROZEN;
    if (e->yara_files > 0) {
        st = vigil_yara_builder_finish(e->yara_builder, &e->yara);
        if (st != VIGIL_OK && st != VIGIL_ERR_NO_RULES)
            return st;
    }
    vigil_yara_builder_destroy(e->yara_builder);
    e->yara_builder = NULL;
    st = vigil_ioc_builder_finish(e->ioc_builder, &e->ioc);
    if (st != VIGIL_OK)
        return st;
    vigil_ioc_builder_destroy(e->ioc_builder);
    e->ioc_builder = NULL;
    if (e->sigma_files > 0) {
        vigil_sigma_counts sc;
        vigil_sigma_builder_get_counts(e->sigma_builder, &sc);
        e->counts.sigma_refused = sc.refused;
        st = vigil_sigma_builder_build(e->sigma_builder, &e->sigma);
        if (st != VIGIL_OK && st != VIGIL_ERR_NO_RULES)
            return st;
        if (e->sigma != NULL) {
            vigil_sigma_ruleset_get_counts(e->sigma, &sc);
            e->counts.sigma_rules = sc.rules + sc.correlations;
            e->counts.sigma_correlations = sc.correlations;
            e->counts.sigma_filters = sc.filters;
        }
    }
    vigil_sigma_builder_destroy(e->sigma_builder);
    e->sigma_builder = NULL;
    st = vigil_engine_build_net(e);
    if (st != VIGIL_OK)
        return st;
    e->frozen = 1;

    e->counts.yara_rules = e->yara ? vigil_yara_rules_count(e->yara) : 0;
    vigil_ioc_db_counts(e->ioc, &ic);
    /* entries as loaded (Loki counts lines); duplicates match once */
    e->counts.hash_iocs = ic.hash_added;
    e->counts.filename_iocs = ic.filename;
    e->counts.c2_iocs = ic.c2;
    e->counts.filename_refused = ic.filename_refused;
    e->counts.allow_hashes = ic.allow_hashes;
    e->hash_kinds = vigil_ioc_db_hash_kinds(e->ioc);
    if (e->yara_wants_md5 && e->yara != NULL)
        e->hash_kinds |= VIGIL_HASH_MD5;
    if (e->counts.yara_rules == 0 && e->counts.hash_iocs == 0 && e->counts.filename_iocs == 0 &&
        e->counts.c2_iocs == 0 && e->counts.sigma_rules == 0)
        return VIGIL_ERR_NO_RULES;
    return VIGIL_OK;
}

void vigil_engine_get_counts(const vigil_engine *e, vigil_engine_counts *out)
{
    if (out == NULL)
        return;
    if (e == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = e->counts;
}

unsigned vigil_engine_hash_kinds(const vigil_engine *e)
{
    return e ? e->hash_kinds : 0;
}

int vigil_sigma_level_score(const char *level)
{
    static const struct {
        const char *name;
        int score;
    } levels[] = {
        {"informational", 20}, {"low", 40}, {"medium", 60}, {"high", 80}, {"critical", 100}};

    for (size_t i = 0; level != NULL && i < sizeof levels / sizeof levels[0]; i++)
        if (strcasecmp(level, levels[i].name) == 0)
            return levels[i].score;
    return 40;
}

vigil_status vigil_engine_set_yara_grouping(vigil_engine *e, vigil_yara_grouping_mode mode)
{
    if (e == NULL || (unsigned)mode > VIGIL_YARA_GROUPING_PER_GROUP)
        return VIGIL_ERR_INVALID_ARG;
    if (e->frozen || e->yara_builder == NULL)
        return VIGIL_ERR_FROZEN;
    vigil_yara_builder_set_grouping(e->yara_builder, mode);
    return VIGIL_OK;
}

vigil_status vigil_engine_yara_grouping(const vigil_engine *e, vigil_yara_grouping *out)
{
    if (e == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!e->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    if (e->yara == NULL)
        return VIGIL_OK;
    return vigil_yara_rules_grouping(e->yara, out);
}

vigil_status vigil_engine_yara_count_costs(vigil_engine *e)
{
    if (e == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (!e->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    return e->yara != NULL ? vigil_yara_rules_count_costs(e->yara) : VIGIL_OK;
}

vigil_status vigil_engine_yara_rule_costs(const vigil_engine *e, vigil_yara_rule_cost *out,
                                          size_t cap, size_t *n)
{
    if (e == NULL || n == NULL || (out == NULL && cap > 0))
        return VIGIL_ERR_INVALID_ARG;
    *n = 0;
    if (!e->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    return e->yara != NULL ? vigil_yara_rules_costs(e->yara, out, cap, n) : VIGIL_OK;
}

vigil_level vigil_level_of_score(int score)
{
    if (score >= 80)
        return VIGIL_LEVEL_ALERT;
    if (score >= 60)
        return VIGIL_LEVEL_WARNING;
    if (score >= 40)
        return VIGIL_LEVEL_NOTICE;
    return VIGIL_LEVEL_INFO;
}

typedef struct foreach_ctx {
    vigil_rule_fn fn;
    void *user;
} foreach_ctx;

/* A rule of either language as the listing shows it: its score and the
 * level of that score with the default thresholds. */
static vigil_rule_info rule_info(vigil_rule_kind kind, const char *name, const char *source,
                                 uint64_t line, const char *const *tags, size_t ntags, int score)
{
    return (vigil_rule_info){.kind = kind,
                             .name = name,
                             .source = source,
                             .line = line,
                             .tags = tags,
                             .ntags = ntags,
                             .score = score,
                             .level = vigil_level_of_score(score)};
}

static int yara_rule_cb(const vigil_yara_rule_info *r, void *user)
{
    foreach_ctx *c = user;
    vigil_rule_info info =
        rule_info(VIGIL_RULES_YARA, r->name, r->source, r->line, r->tags, r->ntags, r->score);
    info.ns = r->ns;
    info.description = r->description;
    info.author = r->author;
    info.reference = r->reference;
    info.is_private = r->is_private;
    return c->fn(&info, c->user);
}

vigil_status vigil_engine_foreach_rule(const vigil_engine *e, vigil_rule_fn fn, void *user)
{
    foreach_ctx c = {fn, user};
    vigil_status st = VIGIL_OK;

    if (e == NULL || fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (!e->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    if (e->yara != NULL)
        st = vigil_yara_rules_foreach(e->yara, yara_rule_cb, &c);
    size_t n = e->sigma != NULL ? vigil_sigma_ruleset_rule_count(e->sigma) : 0;
    for (size_t i = 0; st == VIGIL_OK && i < n; i++) {
        const vigil_sigma_rule_info *r = vigil_sigma_ruleset_rule(e->sigma, i);
        vigil_rule_info info = rule_info(VIGIL_RULES_SIGMA, r->title, r->source, r->line, r->tags,
                                         r->ntags, vigil_sigma_level_score(r->level));
        info.description = r->description;
        info.author = r->author;
        info.reference = r->nreferences > 0 ? r->references[0] : NULL;
        info.is_private = r->correlation_only;
        if (fn(&info, user) != 0)
            st = VIGIL_ERR_ABORTED;
    }
    return st;
}
