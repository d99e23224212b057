/* bench_filename.c - time of the filename IOC matcher per path.
 *
 * Loads a filename IOC list (the signature-base one: 3,828 patterns),
 * generates a deterministic list of realistic Windows and Linux paths and
 * prints the mean time of vigil_ioc_match_path per path. The target is
 * under 5 us per path with the whole corpus list.
 *
 * Usage: bench_filename IOC_FILE [NPATHS [PATHS_OUT]]
 * PATHS_OUT receives the generated paths, one a line, so that a peer
 * implementation (Loki's re.search loop) can be timed on the same list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ioc/ioc.h"

static const char *const win_dirs[] = {
    "C:\\Windows\\System32\\",
    "C:\\Windows\\SysWOW64\\",
    "C:\\Windows\\System32\\drivers\\",
    "C:\\Windows\\Temp\\",
    "C:\\Program Files\\Common Files\\microsoft shared\\",
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\",
    "C:\\Users\\alice\\AppData\\Local\\Temp\\",
    "C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\",
    "C:\\Users\\Public\\Documents\\",
    "C:\\Users\\bob\\Downloads\\",
    "C:\\inetpub\\wwwroot\\aspnet_client\\",
    "D:\\Backup\\2023\\",
    "C:\\Users\\Jos\xc3\xa9\\Documents\\", /* non-ASCII: the slower path */
};
static const char *const nix_dirs[] = {
    "/usr/bin/",
    "/usr/lib/x86_64-linux-gnu/",
    "/usr/share/doc/",
    "/etc/",
    "/var/log/",
    "/home/bob/.cache/mozilla/firefox/",
    "/tmp/",
    "/opt/app/lib/",
    "/var/www/html/",
    "/mnt/evidence/C/Windows/System32/",
    "/mnt/evidence/C/Users/alice/AppData/Local/Temp/",
};
static const char *const stems[] = {
    "svchost", "explorer", "kernel32", "setup",    "update",   "readme", "report_2023",
    "libssl",  "chrome",   "msedge",   "notepad",  "data",     "index",  "config",
    "a1b2c3",  "tmp4f2a",  "install",  "mimikatz", "procdump", "nc",     "psexec",
    "WinRAR",  "7z",       "python3",  "backup",
};
static const char *const exts[] = {
    ".exe", ".dll", ".sys", ".tmp", ".txt", ".log",  ".so.3", ".py",   ".ps1",
    ".bat", ".zip", ".dat", "",     ".php", ".aspx", ".lnk",  ".docx", ".pdf",
};

#define N_(a) (sizeof(a) / sizeof *(a))

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((rng >> 33) % n);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t npaths = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 20000;
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    vigil_ioc_counts c;
    char **paths;
    size_t hits = 0, reps = 0;
    double t0, t1, t;

    if (argc < 2 || npaths == 0) {
        fprintf(stderr, "usage: bench_filename IOC_FILE [NPATHS [PATHS_OUT]]\n");
        return 2;
    }
    t0 = now();
    if (vigil_ioc_builder_create(NULL, &b) != VIGIL_OK ||
        vigil_ioc_builder_add_file(b, argv[1], VIGIL_RULES_IOC_FILENAME) != VIGIL_OK ||
        vigil_ioc_builder_finish(b, &db) != VIGIL_OK ||
        vigil_ioc_scratch_create(db, &s) != VIGIL_OK) {
        fprintf(stderr, "bench_filename: cannot load %s\n", argv[1]);
        return 1;
    }
    t1 = now();
    vigil_ioc_builder_destroy(b);
    vigil_ioc_db_counts(db, &c);
    paths = calloc(npaths, sizeof *paths);
    if (paths == NULL)
        return 1;
    for (size_t i = 0; i < npaths; i++) {
        char buf[512];
        int depth = (int)rnd(3);
        if (rnd(2) == 0) {
            int n = snprintf(buf, sizeof buf, "%s", win_dirs[rnd(N_(win_dirs))]);
            for (int d = 0; d < depth; d++)
                n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%u\\", stems[rnd(N_(stems))],
                              rnd(100));
            snprintf(buf + n, sizeof buf - (size_t)n, "%s%s", stems[rnd(N_(stems))],
                     exts[rnd(N_(exts))]);
        } else {
            int n = snprintf(buf, sizeof buf, "%s", nix_dirs[rnd(N_(nix_dirs))]);
            for (int d = 0; d < depth; d++)
                n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%u/", stems[rnd(N_(stems))],
                              rnd(100));
            snprintf(buf + n, sizeof buf - (size_t)n, "%s%s", stems[rnd(N_(stems))],
                     exts[rnd(N_(exts))]);
        }
        paths[i] = strdup(buf);
        if (paths[i] == NULL)
            return 1;
    }
    if (argc > 3) {
        FILE *f = fopen(argv[3], "w");
        if (f == NULL)
            return 1;
        for (size_t i = 0; i < npaths; i++)
            fprintf(f, "%s\n", paths[i]);
        fclose(f);
    }
    vigil_findings_init(&fb);
    for (size_t i = 0; i < npaths; i++) { /* warm-up, counts the hits */
        vigil_findings_reset(&fb);
        vigil_ioc_match_path(db, s, paths[i], strlen(paths[i]), &fb);
        hits += fb.n;
    }
    t = now();
    do {
        for (size_t i = 0; i < npaths; i++) {
            vigil_findings_reset(&fb);
            vigil_ioc_match_path(db, s, paths[i], strlen(paths[i]), &fb);
        }
        reps++;
    } while (now() - t < 1.0);
    t = now() - t;
    printf("patterns %llu (prefilter %llu, pcre-only %llu), load %.3f s\n",
           (unsigned long long)c.filename, (unsigned long long)c.filename_prefilter,
           (unsigned long long)c.filename_pcre, t1 - t0);
    printf("paths %zu, findings %zu\n", npaths, hits);
    printf("ns_per_path %.0f\n", t * 1e9 / (double)(reps * npaths));
    vigil_findings_free(&fb);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
    return 0;
}
