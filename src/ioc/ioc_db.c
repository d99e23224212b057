/* ioc_db.c - the IOC builder's life cycle and the frozen database.
 *
 * The builder only collects (strings interned, entries appended); all the
 * expensive work - sorting the hashes, compiling the path patterns - runs
 * once in finish, which moves the collected data into the database so that
 * a million-hash load never holds two copies. */
#include "ioc/ioc_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

vigil_status vigil_ioc_builder_create(const vigil_diag_sink *diag, vigil_ioc_builder **out)
{
    vigil_ioc_builder *b;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    if (diag != NULL)
        b->diag = *diag;
    vigil_ioc_pool_init(&b->pool);
    *out = b;
    return VIGIL_OK;
}

vigil_status vigil_ioc_builder_set_cache(vigil_ioc_builder *b, const char *dir)
{
    if (b == NULL)
        return VIGIL_ERR_INVALID_ARG;
    return vigil_string_set(&b->cache_dir, dir);
}

void vigil_ioc_builder_destroy(vigil_ioc_builder *b)
{
    if (b == NULL)
        return;
    vigil_ioc_pool_free(&b->pool);
    vigil_ioc_hashset_free(&b->hashes);
    vigil_ioc_hashset_free(&b->allow);
    free(b->fnames);
    free(b->c2);
    free(b->cache_dir);
    free(b);
}

vigil_status vigil_ioc_builder_add_filename_desc(vigil_ioc_builder *b, const char *regex, int score,
                                                 const char *fp_regex, const char *description,
                                                 const char *source, uint64_t line)
{
    vigil_ioc_fname_rec rec;
    vigil_status st;

    if (b == NULL || regex == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    if (*regex == '\0') {
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, source, line,
                    "empty filename IOC regex; skipped");
        return VIGIL_ERR_PARSE;
    }
    if (score < 0 || score > 100) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, source, line,
                    "filename IOC score %d outside 0..100; clamped", score);
        score = score < 0 ? 0 : 100;
    }
    if (fp_regex != NULL && *fp_regex == '\0')
        fp_regex = NULL;
    memset(&rec, 0, sizeof rec);
    rec.line = line;
    rec.score = score;
    st = vigil_ioc_pool_intern(&b->pool, regex, strlen(regex), &rec.regex);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, fp_regex, fp_regex ? strlen(fp_regex) : 0, &rec.fp);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, description, description ? strlen(description) : 0,
                                   &rec.desc);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, source, source ? strlen(source) : 0, &rec.source);
    if (st == VIGIL_OK && b->nfnames >= UINT32_MAX)
        st = VIGIL_ERR_LIMIT;
    if (st == VIGIL_OK)
        st = vigil_array_grow(&b->fnames, &b->capfnames, b->nfnames + 1, sizeof rec, 0);
    if (st != VIGIL_OK)
        return st;
    b->fnames[b->nfnames++] = rec;
    return VIGIL_OK;
}

vigil_status vigil_ioc_builder_add_filename(vigil_ioc_builder *b, const char *regex, int score,
                                            const char *fp_regex, const char *source, uint64_t line)
{
    return vigil_ioc_builder_add_filename_desc(b, regex, score, fp_regex, NULL, source, line);
}

vigil_status vigil_ioc_builder_finish(vigil_ioc_builder *b, vigil_ioc_db **out)
{
    vigil_ioc_db *db;
    vigil_status st;

    if (b == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    db = calloc(1, sizeof *db);
    if (db == NULL)
        return VIGIL_ERR_NOMEM;
    b->finished = 1;
    /* Move, so that string offsets stay valid and nothing is copied. */
    db->pool = b->pool;
    vigil_ioc_pool_init(&b->pool);
    vigil_ioc_pool_seal(&db->pool);
    db->hashes = b->hashes;
    memset(&b->hashes, 0, sizeof b->hashes);
    db->allow = b->allow;
    memset(&b->allow, 0, sizeof b->allow);
    st = vigil_ioc_hashset_freeze(&db->hashes);
    if (st == VIGIL_OK)
        st = vigil_ioc_hashset_freeze(&db->allow);
    if (st == VIGIL_OK)
        st = vigil_ioc_pathdb_build(b->fnames, b->nfnames, &db->pool, b->cache_dir, &b->diag,
                                    &db->paths);
    if (st == VIGIL_OK)
        st = vigil_ioc_c2_freeze(db, b->c2, b->nc2);
    if (st != VIGIL_OK) {
        vigil_ioc_db_destroy(db);
        return st;
    }
    *out = db;
    return VIGIL_OK;
}

void vigil_ioc_db_destroy(vigil_ioc_db *db)
{
    if (db == NULL)
        return;
    vigil_ioc_pool_free(&db->pool);
    vigil_ioc_hashset_free(&db->hashes);
    vigil_ioc_hashset_free(&db->allow);
    vigil_ioc_pathdb_destroy(db->paths);
    free(db->c2);
    free(db->c2_sorted);
    free(db);
}

void vigil_ioc_db_counts(const vigil_ioc_db *db, vigil_ioc_counts *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (db == NULL)
        return;
    out->md5 = db->hashes.n[VIGIL_IOC_MD5];
    out->sha1 = db->hashes.n[VIGIL_IOC_SHA1];
    out->sha256 = db->hashes.n[VIGIL_IOC_SHA256];
    out->hash_added = db->hashes.added;
    out->filename = vigil_ioc_pathdb_count(db->paths);
    size_t pre, pcre;
    vigil_ioc_pathdb_modes(db->paths, &pre, &pcre);
    out->filename_prefilter = pre;
    out->filename_pcre = pcre;
    out->c2 = db->nc2;
    out->filename_refused = vigil_ioc_pathdb_refused(db->paths);
    out->allow_hashes = db->allow.added;
}
