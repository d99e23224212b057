/* test_sweep_big.c - a sweep of big files under the shared buffer budget.
 *
 * Why: big files are read whole into buffers of their own, and the workers
 * of a sweep share a budget for those buffers; a worker that cannot get it
 * puts the file aside and goes on. Whatever the interleaving, every file
 * must be scanned exactly once, none lost and none twice, also the ones
 * still put aside when the walk ends. The big files here are sparse (no
 * disk, zeros when read). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

#define NBIG 5
#define NSMALL 40
#define BIG_SIZE (70ull << 20) /* two do not fit a 2-thread budget at once */

static char tmpdir[] = "/tmp/vigil-sweepbig-XXXXXX";

typedef struct seen {
    pthread_mutex_t mu;
    int big[NBIG];
    int small[NSMALL];
    int other;
} seen;

static int on_result(const vigil_target_result *r, void *user)
{
    seen *s = user;
    const char *base = strrchr(r->path, '/');
    int i;
    base = base ? base + 1 : r->path;
    pthread_mutex_lock(&s->mu);
    if (sscanf(base, "big%d", &i) == 1 && i >= 0 && i < NBIG)
        s->big[i]++;
    else if (sscanf(base, "small%d", &i) == 1 && i >= 0 && i < NSMALL)
        s->small[i]++;
    else
        s->other++;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void make_files(void)
{
    char path[256];
    for (int i = 0; i < NBIG; i++) {
        snprintf(path, sizeof path, "%s/big%d.bin", tmpdir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0);
        if (fd < 0)
            continue;
        CHECK(write(fd, "MZ", 2) == 2);
        CHECK(ftruncate(fd, (off_t)BIG_SIZE) == 0);
        close(fd);
    }
    for (int i = 0; i < NSMALL; i++) {
        snprintf(path, sizeof path, "%s/small%d.txt", tmpdir, i);
        FILE *fp = fopen(path, "w");
        CHECK(fp != NULL);
        if (fp == NULL)
            continue;
        fprintf(fp, "MZ small file %d\n", i);
        fclose(fp);
    }
}

static void test_every_file_once(void)
{
    static const char rule[] = "rule any_mz { condition: uint16(0) == 0x5a4d }\n";
    vigil_engine *e = NULL;
    CHECK_EQ_INT(vigil_engine_create(NULL, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_YARA, "t.yar", rule, sizeof rule - 1),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);
    for (unsigned threads = 1; threads <= 3; threads++) {
        seen s;
        memset(&s, 0, sizeof s);
        pthread_mutex_init(&s.mu, NULL);
        vigil_sweep_options so;
        memset(&so, 0, sizeof so);
        so.threads = threads;
        so.scan.on_result = on_result;
        so.scan.result_user = &s;
        vigil_sweep_stats st;
        const char *paths[] = {tmpdir};
        CHECK_EQ_INT(vigil_sweep_run(e, paths, 1, &so, &st), VIGIL_OK);
        CHECK_EQ_INT(st.scan.targets, NBIG + NSMALL);
        int bad = s.other;
        for (int i = 0; i < NBIG; i++)
            bad += s.big[i] != 1;
        for (int i = 0; i < NSMALL; i++)
            bad += s.small[i] != 1;
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(st.scan.bytes,
                     NBIG * BIG_SIZE + 670); /* "MZ small file N\n": 10 x 16 + 30 x 17 */
        pthread_mutex_destroy(&s.mu);
    }
    vigil_engine_destroy(e);
}

/* Files past max_size and max_hash_size get the name checks only; a set
 * cancel flag stops the scan of a file before (and between) its reads. */
static void test_unhashed_and_cancel(void)
{
    static const char rule[] = "rule any_mz { condition: uint16(0) == 0x5a4d }\n";
    char path[256];
    vigil_engine *e = NULL;
    vigil_scanner *sc = NULL;
    vigil_scan_stats st;
    volatile int cancel = 0;

    snprintf(path, sizeof path, "%s/big0.bin", tmpdir);
    CHECK_EQ_INT(vigil_engine_create(NULL, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_YARA, "t.yar", rule, sizeof rule - 1),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);

    vigil_scan_options o;
    memset(&o, 0, sizeof o);
    o.max_size = 1 << 20;
    o.max_hash_size = 16 << 20;
    o.cancel = &cancel;
    CHECK_EQ_INT(vigil_scanner_create(e, &o, &sc), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(sc, path), VIGIL_OK);
    vigil_scanner_get_stats(sc, &st);
    CHECK_EQ_INT(st.oversized, 1);
    CHECK_EQ_INT(st.unhashed, 1);
    CHECK_EQ_INT(st.targets, 1);
    CHECK_EQ_INT(st.bytes, 512); /* the head, for the file type: not 70 MiB */
    vigil_scanner_destroy(sc);

    /* hashed (below max_hash_size) but cancelled: nothing read */
    o.max_hash_size = 1ull << 40;
    cancel = 1;
    CHECK_EQ_INT(vigil_scanner_create(e, &o, &sc), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(sc, path), VIGIL_ERR_ABORTED);
    /* read whole (below max_size) but cancelled: nothing read */
    o.max_size = 0;
    vigil_scanner_destroy(sc);
    CHECK_EQ_INT(vigil_scanner_create(e, &o, &sc), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(sc, path), VIGIL_ERR_ABORTED);
    vigil_scanner_get_stats(sc, &st);
    CHECK_EQ_INT(st.bytes, 0);
    CHECK_EQ_INT(st.targets, 0);
    vigil_scanner_destroy(sc);

    /* a sweep whose cancel is set reads nothing */
    vigil_sweep_options so;
    vigil_sweep_stats sst;
    const char *paths[] = {path};
    memset(&so, 0, sizeof so);
    so.cancel = &cancel;
    CHECK_EQ_INT(vigil_sweep_run(e, paths, 1, &so, &sst), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(sst.scan.bytes, 0);
    vigil_engine_destroy(e);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    make_files();
    TEST_RUN(test_every_file_once);
    TEST_RUN(test_unhashed_and_cancel);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        perror("rm");
    return TEST_END();
}
