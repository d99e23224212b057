/* test_quarantine.c - unit tests of the quarantine store (libvigil's
 * public API): add with the scan's SHA-256 (a changed file stays), a
 * symbolic link in place of the file, the manifest fields, defanged data,
 * list/get/restore/export/purge, recovery of a journal left by a crash,
 * and the default store directory for root and for other users. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

static char base[256];

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

static char *read_all(const char *path)
{
    static char buf[4096];
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

typedef struct seen {
    int n;
    char id[VIGIL_QUARANTINE_ID_MAX];
    char path[512];
    char sha256[65];
    unsigned mode;
    size_t nfindings;
    int score;
    char level[16];
} seen;

static void on_item(const vigil_quarantine_item *it, void *user)
{
    seen *s = user;
    s->n++;
    snprintf(s->id, sizeof s->id, "%s", it->id);
    snprintf(s->path, sizeof s->path, "%s", it->path);
    snprintf(s->sha256, sizeof s->sha256, "%s", it->sha256);
    snprintf(s->level, sizeof s->level, "%s", it->level ? it->level : "");
    s->mode = it->mode;
    s->nfindings = it->nfindings;
    s->score = it->score;
}

static int diags;
static vigil_status last_code;
static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    diags++;
    last_code = d->code;
}

static vigil_quarantine *open_store(const char *name)
{
    char dir[512];
    vigil_quarantine *q = NULL;
    vigil_quarantine_options o = {on_diag, NULL, "test-1.0"};
    snprintf(dir, sizeof dir, "%s/%s", base, name);
    CHECK_EQ_INT(vigil_quarantine_open(dir, &o, &q), VIGIL_OK);
    return q;
}

static void test_add_restore(void)
{
    char path[512], id[VIGIL_QUARANTINE_ID_MAX], sha[65];
    vigil_quarantine *q = open_store("s1");
    seen s;
    snprintf(path, sizeof path, "%s/victim.exe", base);
    write_file(path, "MZ implant bytes UNIT-MARK\n");
    chmod(path, 0751);
    CHECK_EQ_INT(vigil_quarantine_file_sha256(path, sha), VIGIL_OK);
    vigil_quarantine_finding f = {"victim.exe", "yara", "Unit_Rule", 90};
    vigil_quarantine_reason why = {90, "alert", &f, 1};

    /* the scan saw other bytes: left in place */
    diags = 0;
    CHECK_EQ_INT(vigil_quarantine_add(q, path, "00", &why, id), VIGIL_ERR_CHANGED);
    CHECK(diags == 1 && last_code == VIGIL_ERR_CHANGED);
    CHECK(access(path, F_OK) == 0);
    memset(&s, 0, sizeof s);
    vigil_quarantine_list(q, on_item, &s);
    CHECK_EQ_INT(s.n, 0);

    CHECK_EQ_INT(vigil_quarantine_add(q, path, sha, &why, id), VIGIL_OK);
    CHECK(access(path, F_OK) != 0);
    CHECK(strlen(id) > 10);
    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(vigil_quarantine_get(q, id, on_item, &s), VIGIL_OK);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_STR(s.path, path);
    CHECK_EQ_STR(s.sha256, sha);
    CHECK_EQ_INT(s.mode & 07777, 0751);
    CHECK_EQ_INT(s.nfindings, 1);
    CHECK_EQ_INT(s.score, 90);
    CHECK_EQ_STR(s.level, "alert");

    /* defanged: the data file does not hold the bytes */
    char data[600];
    snprintf(data, sizeof data, "%s/s1/items/%s.data", base, id);
    const char *stored = read_all(data);
    CHECK(stored != NULL && strstr(stored, "UNIT-MARK") == NULL && strncmp(stored, "MZ", 2) != 0);

    /* export raw */
    char out[512];
    snprintf(out, sizeof out, "%s/exported", base);
    CHECK_EQ_INT(vigil_quarantine_export(q, id, out, VIGIL_QUARANTINE_EXPORT_RAW), VIGIL_OK);
    CHECK_EQ_STR(read_all(out), "MZ implant bytes UNIT-MARK\n");
    CHECK_EQ_INT(vigil_quarantine_export(q, id, out, VIGIL_QUARANTINE_EXPORT_RAW),
                 VIGIL_ERR_EXISTS);

    /* a different file in the way */
    write_file(path, "other\n");
    CHECK_EQ_INT(vigil_quarantine_restore(q, id, NULL, 0), VIGIL_ERR_EXISTS);
    CHECK_EQ_STR(read_all(path), "other\n");
    unlink(path);
    CHECK_EQ_INT(vigil_quarantine_restore(q, id, NULL, 0), VIGIL_OK);
    CHECK_EQ_STR(read_all(path), "MZ implant bytes UNIT-MARK\n");
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0751);
    CHECK_EQ_INT(vigil_quarantine_get(q, id, on_item, &s), VIGIL_ERR_NOT_FOUND);

    /* purge */
    CHECK_EQ_INT(vigil_quarantine_add(q, path, NULL, NULL, id), VIGIL_OK);
    CHECK_EQ_INT(vigil_quarantine_purge(q, id), VIGIL_OK);
    CHECK_EQ_INT(vigil_quarantine_purge(q, id), VIGIL_ERR_NOT_FOUND);
    CHECK_EQ_INT(vigil_quarantine_purge(q, "../x"), VIGIL_ERR_NOT_FOUND);
    vigil_quarantine_close(q);
}

static void test_symlink(void)
{
    char target[512], link[512], id[VIGIL_QUARANTINE_ID_MAX];
    vigil_quarantine *q = open_store("s2");
    snprintf(target, sizeof target, "%s/precious", base);
    snprintf(link, sizeof link, "%s/swapped", base);
    write_file(target, "keep me\n");
    CHECK(symlink(target, link) == 0);
    CHECK_EQ_INT(vigil_quarantine_add(q, link, NULL, NULL, id), VIGIL_ERR_UNSUPPORTED);
    CHECK_EQ_STR(read_all(target), "keep me\n");
    struct stat st;
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK_EQ_INT(vigil_quarantine_add(q, base, NULL, NULL, id), VIGIL_ERR_UNSUPPORTED);
    vigil_quarantine_close(q);
    vigil_quarantine_close(NULL);
}

/* A journal record "stored" as a crash leaves it: the next open finishes
 * the move; a "copying" one is rolled back. */
static void test_recover(void)
{
    char path[512], id[VIGIL_QUARANTINE_ID_MAX], rec[2400], jpath[600];
    vigil_quarantine *q = open_store("s3");
    seen s;
    snprintf(path, sizeof path, "%s/half", base);
    write_file(path, "half moved\n");
    CHECK_EQ_INT(vigil_quarantine_add(q, path, NULL, NULL, id), VIGIL_OK);
    memset(&s, 0, sizeof s);
    vigil_quarantine_get(q, id, on_item, &s);
    vigil_quarantine_close(q);
    /* as if killed before the original was removed */
    write_file(path, "half moved\n");
    char hex[1100] = "";
    for (size_t i = 0; path[i]; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)path[i]);
    snprintf(rec, sizeof rec,
             "{\"op\":\"add\",\"id\":\"%s\",\"path_hex\":\"%s\",\"state\":\"stored\",\"sha256\":"
             "\"%s\"}",
             id, hex, s.sha256);
    snprintf(jpath, sizeof jpath, "%s/s3/journal/%s.json", base, id);
    write_file(jpath, rec);
    diags = 0;
    q = open_store("s3");
    CHECK(access(path, F_OK) != 0);
    CHECK(access(jpath, F_OK) != 0);
    CHECK(diags >= 1);
    unsigned fin = 9, back = 9;
    CHECK_EQ_INT(vigil_quarantine_recover(q, &fin, &back), VIGIL_OK);
    CHECK(fin == 0 && back == 0);
    vigil_quarantine_close(q);
    /* "copying": the item goes, the original stays */
    write_file(path, "half moved\n");
    snprintf(rec, sizeof rec,
             "{\"op\":\"add\",\"id\":\"%s\",\"path_hex\":\"%s\",\"state\":\"copying\"}", id, hex);
    write_file(jpath, rec);
    q = open_store("s3");
    CHECK_EQ_STR(read_all(path), "half moved\n");
    CHECK_EQ_INT(vigil_quarantine_get(q, id, on_item, &s), VIGIL_ERR_NOT_FOUND);
    vigil_quarantine_close(q);
}

/* A batch: one file moved, one changed since the scan, one a symlink now,
 * one empty path; each gets its own status and nothing is lost. */
static void test_add_many(void)
{
    char good[512], changed[512], link[512];
    vigil_quarantine *q = open_store("s4");
    snprintf(good, sizeof good, "%s/many-good", base);
    snprintf(changed, sizeof changed, "%s/many-changed", base);
    snprintf(link, sizeof link, "%s/many-link", base);
    write_file(good, "good\n");
    write_file(changed, "changed\n");
    CHECK(symlink(good, link) == 0);
    vigil_quarantine_request r[4];
    memset(r, 0, sizeof r);
    r[0].path = good;
    r[1].path = changed;
    r[1].expected_sha256 = "0000";
    r[2].path = link;
    r[3].path = "";
    CHECK_EQ_INT(vigil_quarantine_add_many(q, r, 4), VIGIL_OK);
    CHECK_EQ_INT(r[0].status, VIGIL_OK);
    CHECK(r[0].id[0] != '\0');
    CHECK_EQ_INT(r[1].status, VIGIL_ERR_CHANGED);
    CHECK(r[1].id[0] == '\0');
    CHECK_EQ_INT(r[2].status, VIGIL_ERR_UNSUPPORTED);
    CHECK_EQ_INT(r[3].status, VIGIL_ERR_INVALID_ARG);
    CHECK(access(good, F_OK) != 0);
    CHECK_EQ_STR(read_all(changed), "changed\n");
    seen s;
    memset(&s, 0, sizeof s);
    vigil_quarantine_list(q, on_item, &s);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(vigil_quarantine_restore(q, r[0].id, NULL, 0), VIGIL_OK);
    CHECK_EQ_STR(read_all(good), "good\n");
    CHECK_EQ_INT(vigil_quarantine_add_many(q, NULL, 0), VIGIL_OK);
    vigil_quarantine_close(q);
}

static void test_default_dir(void)
{
    char *dir = NULL;
    if (geteuid() == 0) {
        CHECK_EQ_INT(vigil_quarantine_default_dir(&dir), VIGIL_OK);
        CHECK_EQ_STR(dir, "/var/lib/vigil/quarantine");
        free(dir);
        /* another user: in a child that drops to nobody */
        int fds[2];
        CHECK(pipe(fds) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            char *d1 = NULL, *d2 = NULL;
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
            setenv("XDG_DATA_HOME", "/xdg/data", 1);
            vigil_quarantine_default_dir(&d1);
            unsetenv("XDG_DATA_HOME");
            setenv("HOME", "/home/someone", 1);
            vigil_quarantine_default_dir(&d2);
            dprintf(fds[1], "%s|%s", d1 ? d1 : "", d2 ? d2 : "");
            _exit(0);
        }
        close(fds[1]);
        char buf[256] = "";
        ssize_t n = read(fds[0], buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        CHECK_EQ_STR(buf, "/xdg/data/vigil/quarantine|/home/someone/.local/share/vigil/quarantine");
    } else {
        setenv("XDG_DATA_HOME", "/xdg/data", 1);
        CHECK_EQ_INT(vigil_quarantine_default_dir(&dir), VIGIL_OK);
        CHECK_EQ_STR(dir, "/xdg/data/vigil/quarantine");
        free(dir);
    }
}

int main(void)
{
    snprintf(base, sizeof base, "%s/vigil-q-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(base) == NULL)
        return 2;
    TEST_RUN(test_add_restore);
    TEST_RUN(test_symlink);
    TEST_RUN(test_recover);
    TEST_RUN(test_add_many);
    TEST_RUN(test_default_dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", base);
    return TEST_END();
}
