/* sigma_files.c - reading rule-side files: whole files and |expand placeholders.
 *
 * Why apart: the builder only needs "the text of this file" and "the values
 * of each placeholder"; how placeholder values are given (one YAML map of
 * lists, or a directory of NAME.txt files, one value per line) is kept here
 * so sites can grow new forms without touching rule compilation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "sigma/sigma_internal.h"

#define MAX_RULE_FILE (16u << 20)

char *vigil_sigma_read_file(const char *path, size_t max, size_t *len, vigil_status *st)
{
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *st = vigil_status_from_errno(errno);
        return NULL;
    }
    *st = vigil_read_fd(fd, max, &buf, len);
    close(fd);
    return buf;
}

static int ph_add(vigil_arena *a, vigil_sigma_placeholders *ph, const char *name, const char **vals,
                  size_t nvals)
{
    size_t n = ph->n + 1;
    const char **names = vigil_arena_alloc(a, n * sizeof *names);
    const char ***values = vigil_arena_alloc(a, n * sizeof *values);
    size_t *nv = vigil_arena_alloc(a, n * sizeof *nv);
    if (names == NULL || values == NULL || nv == NULL)
        return -1;
    if (ph->n) {
        memcpy(names, ph->names, ph->n * sizeof *names);
        memcpy(values, ph->values, ph->n * sizeof *values);
        memcpy(nv, ph->nvalues, ph->n * sizeof *nv);
    }
    names[ph->n] = name;
    values[ph->n] = vals;
    nv[ph->n] = nvals;
    ph->names = names;
    ph->values = values;
    ph->nvalues = nv;
    ph->n = n;
    return 0;
}

static vigil_status load_placeholder_lines(vigil_arena *a, const vigil_diag_sink *sink,
                                           vigil_sigma_placeholders *ph, const char *path,
                                           const char *name)
{
    size_t len;
    vigil_status st;
    char *text = vigil_sigma_read_file(path, MAX_RULE_FILE, &len, &st);
    if (text == NULL) {
        vigil_diagf(sink, VIGIL_DIAG_ERROR, st, path, 0, "cannot read placeholder file");
        return st;
    }
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    const char **vals = vigil_arena_alloc(a, cap * sizeof *vals);
    size_t nv = 0;
    if (vals == NULL) {
        free(text);
        return VIGIL_ERR_NOMEM;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        size_t l = strlen(line);
        while (l > 0 && (line[l - 1] == ' ' || line[l - 1] == '\t'))
            line[--l] = 0;
        if (l == 0 || line[0] == '#')
            continue;
        vals[nv] = vigil_arena_strdup(a, line);
        if (vals[nv] == NULL) {
            free(text);
            return VIGIL_ERR_NOMEM;
        }
        nv++;
    }
    free(text);
    const char *nm = vigil_arena_strdup(a, name);
    if (nm == NULL || ph_add(a, ph, nm, vals, nv) != 0)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

vigil_status vigil_sigma_placeholders_load(vigil_arena *a, const vigil_diag_sink *sink,
                                           vigil_sigma_placeholders *ph, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        vigil_diagf(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot open placeholders");
        return VIGIL_ERR_IO;
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d == NULL)
            return VIGIL_ERR_IO;
        struct dirent *de;
        vigil_status st = VIGIL_OK;
        while (st == VIGIL_OK && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char full[4096], name[256];
            if (snprintf(full, sizeof full, "%s/%s", path, de->d_name) >= (int)sizeof full)
                continue;
            snprintf(name, sizeof name, "%s", de->d_name);
            char *dot = strrchr(name, '.');
            if (dot != NULL && dot != name)
                *dot = 0;
            st = load_placeholder_lines(a, sink, ph, full, name);
        }
        closedir(d);
        return st;
    }
    size_t len;
    vigil_status st;
    char *text = vigil_sigma_read_file(path, MAX_RULE_FILE, &len, &st);
    if (text == NULL)
        return st;
    vigil_ydoc *docs;
    size_t nd;
    uint64_t el;
    const char *err;
    st = vigil_yaml_parse(a, text, len, &docs, &nd, &el, &err);
    free(text);
    if (st != VIGIL_OK || nd == 0 || docs[0].root->type != VIGIL_YN_MAP) {
        vigil_diagf(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, path, el, "placeholders: %s",
                    err ? err : "not a map of lists");
        return st == VIGIL_ERR_NOMEM ? st : VIGIL_ERR_PARSE;
    }
    const vigil_ynode *m = docs[0].root;
    for (size_t i = 0; i < m->n; i++) {
        const vigil_ynode *v = m->items[2 * i + 1];
        size_t n = v->type == VIGIL_YN_SEQ ? v->n : 1;
        const char **vals = vigil_arena_alloc(a, (n + 1) * sizeof *vals);
        size_t k = 0;
        if (vals == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t j = 0; j < n; j++) {
            const vigil_ynode *e = v->type == VIGIL_YN_SEQ ? v->items[j] : v;
            if (e->type == VIGIL_YN_SCALAR)
                vals[k++] = e->str;
        }
        if (ph_add(a, ph, m->items[2 * i]->str, vals, k) != 0)
            return VIGIL_ERR_NOMEM;
    }
    return VIGIL_OK;
}
