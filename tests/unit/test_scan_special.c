/* test_scan_special.c - a file that is no regular file when the scanner
 * opens it: the sweep's walk listed a regular file, and a FIFO, socket or
 * device was put in its place before a worker got to it.
 *
 * Why: an intruder who swaps a FIFO in for the implant mid-sweep must not
 * make vigil hang (open is non-blocking), nor pass unsaid (before: an info
 * line, only with -v, and no count). Now a warning naming the file and what
 * it is, and the scanner's not_regular count, which a sweep adds to its
 * skipped count. The race itself is not timed here: vigil_scanner_scan_file
 * is what a worker calls with the listed path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

typedef struct seen {
    int ndiag, nresults;
    vigil_diag_level level;
    vigil_status code;
    char source[256];
    char message[256];
} seen;

static void on_diag(const vigil_diag *d, void *user)
{
    seen *s = user;
    s->ndiag++;
    s->level = d->level;
    s->code = d->code;
    snprintf(s->source, sizeof s->source, "%s", d->source ? d->source : "");
    snprintf(s->message, sizeof s->message, "%s", d->message);
}

static int on_result(const vigil_target_result *r, void *user)
{
    (void)r;
    ((seen *)user)->nresults++;
    return 0;
}

/* Scans path with a one-rule engine; what was said in *s. */
static void scan_one(const char *path, seen *s, vigil_scan_stats *st)
{
    static const char rule[] = "rule mz { condition: uint16(0) == 0x5a4d }\n";
    vigil_engine *e = NULL;
    vigil_scanner *sc = NULL;
    vigil_scan_options so;

    memset(s, 0, sizeof *s);
    memset(st, 0, sizeof *st);
    CHECK_EQ_INT(vigil_engine_create(NULL, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_YARA, "t.yar", rule, sizeof rule - 1),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);
    memset(&so, 0, sizeof so);
    so.on_diag = on_diag;
    so.diag_user = s;
    so.on_result = on_result;
    so.result_user = s;
    CHECK_EQ_INT(vigil_scanner_create(e, &so, &sc), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(sc, path), VIGIL_OK);
    vigil_scanner_get_stats(sc, st);
    vigil_scanner_destroy(sc);
    vigil_engine_destroy(e);
}

static void test_fifo(void)
{
    char dir[] = "/tmp/vigil-special-XXXXXX", path[64];
    seen s;
    vigil_scan_stats st;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/implant.exe", dir);
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    scan_one(path, &s, &st); /* returns at once: no writer needed */
    CHECK_EQ_INT(s.ndiag, 1);
    CHECK_EQ_INT(s.level, VIGIL_DIAG_WARNING);
    CHECK_EQ_INT(s.code, VIGIL_ERR_UNSUPPORTED);
    CHECK_EQ_STR(s.source, path);
    CHECK_EQ_STR(s.message, "not scanned: a FIFO, not a regular file (replaced since it was "
                            "listed?)");
    CHECK_EQ_INT(s.nresults, 0);
    CHECK_EQ_INT(st.not_regular, 1);
    CHECK_EQ_INT(st.warnings, 1);
    CHECK_EQ_INT(st.targets, 0);
    CHECK_EQ_INT(st.unreadable, 0);
    unlink(path);
    rmdir(dir);
}

/* A device would feed a reader endless bytes (/dev/zero) or block it. */
static void test_device(void)
{
    seen s;
    vigil_scan_stats st;
    scan_one("/dev/null", &s, &st);
    CHECK_EQ_INT(s.ndiag, 1);
    CHECK_EQ_INT(s.level, VIGIL_DIAG_WARNING);
    CHECK_EQ_STR(s.message, "not scanned: a character device, not a regular file (replaced "
                            "since it was listed?)");
    CHECK_EQ_INT(st.not_regular, 1);
    CHECK_EQ_INT(st.targets, 0);
}

int main(void)
{
    TEST_RUN(test_fifo);
    TEST_RUN(test_device);
    return TEST_END();
}
