/* cmd_scan.c - `vigil scan`: load rules, sweep paths, report, set the exit
 * code (0 nothing found, 1 findings, 2 error).
 *
 * Option names follow what users of yara, clamscan and Loki expect (-j,
 * --exclude, --max-size, -o). Everything here goes through the public API
 * only; the library does the work. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "outopts.h"
#include "output.h"
#include "output_csv.h"
#include "output_net.h"
#include "outstream.h"
#include "progress_estimate.h"
#include "report_merge.h"
#include "ruleset.h"
#include "run_info.h"
#include "scan_quarantine.h"
#include "usage.h"
#include "vigil/vigil.h"

typedef struct scan_args {
    rule_args rules;
    const char **excludes;
    size_t nexcludes;
    out_args out;
    vigil_sweep_options sweep;
    int quarantine; /* --quarantine: move files reaching quarantine_level */
    vigil_level quarantine_level;
    const char *quarantine_dir;
    int sort_time; /* --sort time */
} scan_args;

/* The result callback: output, and the files to quarantine. */
typedef struct scan_sink {
    out_writer *w;
    scan_quarantine *quarantine; /* NULL without --quarantine */
} scan_sink;

static int on_result(const vigil_target_result *r, void *user)
{
    scan_sink *s = user;
    if (s->quarantine != NULL)
        scan_quarantine_collect(s->quarantine, r);
    return out_result(r, s->w);
}

static volatile int cancelled = 0;

static void on_signal(int sig)
{
    (void)sig;
    cancelled = 1;
}

/* the first line of usage(), for usage errors */
#define SCAN_USAGE "usage: vigil scan [options] [PATH...]\n"

static void usage(FILE *fp)
{
    fputs("usage: vigil scan [options] [PATH...]\n"
          "\n"
          "Sweeps files and directories (default: the whole host, /) with YARA rules\n"
          "and IOC lists (default: the bundled cloudhopper pack); archives are\n"
          "opened and their members scanned. With Sigma rules, every event of the\n"
          "EVTX files and JSON event exports met is matched and reported on its own.\n"
          "Exit code: 0 nothing found, 1 findings, 2 error.\n"
          "\n"
          "rules:\n" RULE_USAGE "what is scanned:\n"
          "  -j, --threads N          worker threads (default: every core)\n"
          "  -L, --follow-symlinks    follow symbolic links (loops are detected)\n"
          "  -x, --one-file-system    stay on the file system of each PATH\n"
          "  -e, --exclude GLOB       skip paths or names matching GLOB (repeatable)\n"
          "      --max-size SIZE      files above get hash and name checks only\n"
          "                           (default 256M; K, M, G, T suffixes)\n"
          "      --max-hash-size SIZE files above --max-size are hashed up to SIZE,\n"
          "                           bigger ones get name checks only (default 1G)\n"
          "      --no-archives        do not look inside archives\n"
          "      --archive-depth N    nesting depth of archives opened (default 5)\n"
          "output:\n"
          "  -f, --format FMT         text (default), jsonl, csv (a timeline) or html (one\n"
          "                           self-contained report; see vigil report)\n"
          "      --sort time          findings in time order (jsonl, csv, html; kept in\n"
          "                           a temporary file until the sweep ends)\n"
          "  -o, --output FILE        write results to FILE instead of standard output\n"
          "      --min-level LEVEL    show targets from this level on: info (default),\n"
          "                           notice, warning, alert\n"
          "      --levels N,N,N       notice, warning, alert score thresholds (40,60,80)\n"
          "      --max-strings N      string matches shown per YARA finding (16)\n"
          "      --color WHEN         auto (default: on a terminal, unless NO_COLOR is set),\n"
          "                           always (even with NO_COLOR), never\n"
          "  -q, --quiet              no progress line\n"
          "  -v, --verbose            also show informational diagnostics\n"
          "respond:\n"
          "      --quarantine         move files whose level reaches the quarantine level\n"
          "                           into the quarantine store after the sweep (see\n"
          "                           vigil quarantine --help); an archive member's\n"
          "                           finding moves the archive\n"
          "      --quarantine-level LEVEL  notice, warning or alert (default)\n"
          "      --quarantine-dir DIR the store (default /var/lib/vigil/quarantine for\n"
          "                           root, else $XDG_DATA_HOME/vigil/quarantine)\n"
          "  -h, --help               this text\n",
          fp);
}

/* "256M" -> bytes; 0 on error. */
static unsigned long long parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return 0;
    unsigned long long mul = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = 1ull << 10;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1ull << 20;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1ull << 30;
        end++;
        break;
    case 't':
    case 'T':
        mul = 1ull << 40;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v > ~0ull / mul)
        return 0;
    return v * mul;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int push_exclude(scan_args *a, const char *glob)
{
    const char **p = realloc(a->excludes, (a->nexcludes + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    a->excludes = p;
    a->excludes[a->nexcludes++] = glob;
    return 0;
}

enum {
    OPT_MAX_SIZE = 256,
    OPT_NO_ARCHIVES,
    OPT_ARCHIVE_DEPTH,
    OPT_LEVELS,
    OPT_MAX_STRINGS,
    OPT_MAX_HASH_SIZE,
    OPT_QUARANTINE,
    OPT_QUARANTINE_LEVEL,
    OPT_QUARANTINE_DIR,
    OPT_SORT
};

static const struct option long_opts[] = {
    RULE_LONG_OPTS,
    {"threads", required_argument, NULL, 'j'},
    {"follow-symlinks", no_argument, NULL, 'L'},
    {"one-file-system", no_argument, NULL, 'x'},
    {"exclude", required_argument, NULL, 'e'},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"max-hash-size", required_argument, NULL, OPT_MAX_HASH_SIZE},
    {"no-archives", no_argument, NULL, OPT_NO_ARCHIVES},
    {"archive-depth", required_argument, NULL, OPT_ARCHIVE_DEPTH},
    OUT_LONG_OPTS,
    {"levels", required_argument, NULL, OPT_LEVELS},
    {"max-strings", required_argument, NULL, OPT_MAX_STRINGS},
    {"quarantine", no_argument, NULL, OPT_QUARANTINE},
    {"quarantine-level", required_argument, NULL, OPT_QUARANTINE_LEVEL},
    {"quarantine-dir", required_argument, NULL, OPT_QUARANTINE_DIR},
    {"sort", required_argument, NULL, OPT_SORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad_arg(const char *opt, const char *val, const char *valid)
{
    return usage_bad_value("scan", opt, val, valid);
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, scan_args *a)
{
    int c;
    unsigned u;

    out_args_init(&a->out);
    a->quarantine_level = VIGIL_LEVEL_ALERT;
    optind = 1;
    opterr = 0; /* said by usage_getopt_error */
    while ((c = getopt_long(argc, argv, ":r:j:Lxe:f:o:qvh", long_opts, NULL)) != -1) {
        int handled = rule_args_option(&a->rules, c, optarg);
        if (handled == 0)
            handled = out_args_option(&a->out, "scan", c, optarg);
        if (handled < 0)
            return 2;
        if (handled)
            continue;
        switch (c) {
        case 'j':
            if (parse_uint(optarg, 1024, &u) != 0)
                return bad_arg("--threads", optarg, "0 to 1024, 0 for every core");
            a->sweep.threads = u;
            break;
        case 'L':
            a->sweep.follow_symlinks = 1;
            break;
        case 'x':
            a->sweep.one_file_system = 1;
            break;
        case 'e':
            if (push_exclude(a, optarg) != 0)
                return 2;
            break;
        case OPT_MAX_SIZE:
            a->sweep.scan.max_size = parse_size(optarg);
            if (a->sweep.scan.max_size == 0)
                return bad_arg("--max-size", optarg, "a size above 0 such as 512K, 256M, 2G");
            break;
        case OPT_MAX_HASH_SIZE:
            a->sweep.scan.max_hash_size = parse_size(optarg);
            if (a->sweep.scan.max_hash_size == 0)
                return bad_arg("--max-hash-size", optarg, "a size above 0 such as 512K, 256M, 2G");
            break;
        case OPT_NO_ARCHIVES:
            a->sweep.scan.no_archives = 1;
            break;
        case OPT_ARCHIVE_DEPTH:
            if (parse_uint(optarg, 64, &u) != 0)
                return bad_arg("--archive-depth", optarg, "0 (no archives) to 64");
            vigil_scan_options_defaults(&a->sweep.scan);
            a->sweep.scan.archive.max_depth = u;
            if (u == 0)
                a->sweep.scan.no_archives = 1;
            break;
        case OPT_LEVELS: {
            unsigned n1, n2, n3;
            char *c1 = strchr(optarg, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
            if (c2 == NULL)
                return bad_arg("--levels", optarg,
                               "three scores 1 to 100 in rising order, such as 40,60,80");
            *c1 = *c2 = '\0';
            int bad = parse_uint(optarg, 100, &n1) || parse_uint(c1 + 1, 100, &n2) ||
                      parse_uint(c2 + 1, 100, &n3);
            *c1 = *c2 = ',';
            if (bad || n1 < 1 || n2 < n1 || n3 < n2)
                return bad_arg("--levels", optarg,
                               "three scores 1 to 100 in rising order, such as 40,60,80");
            a->sweep.scan.notice_score = (int)n1;
            a->sweep.scan.warning_score = (int)n2;
            a->sweep.scan.alert_score = (int)n3;
            break;
        }
        case OPT_MAX_STRINGS:
            if (parse_uint(optarg, 100000, &u) != 0 || u == 0)
                return bad_arg("--max-strings", optarg, "1 to 100000");
            a->sweep.scan.max_strings = u;
            break;
        case OPT_QUARANTINE:
            a->quarantine = 1;
            break;
        case OPT_QUARANTINE_LEVEL:
            if (quarantine_parse_level(optarg, &a->quarantine_level) != 0 ||
                a->quarantine_level == VIGIL_LEVEL_INFO)
                return bad_arg("--quarantine-level", optarg, "notice, warning, alert");
            break;
        case OPT_QUARANTINE_DIR:
            a->quarantine_dir = optarg;
            break;
        case OPT_SORT:
            if (strcmp(optarg, "time") != 0)
                return bad_arg("--sort", optarg, "time");
            a->sort_time = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return usage_getopt_error("scan", SCAN_USAGE, c, argv);
        }
    }
    if (a->sort_time && a->out.format == OUT_TEXT) {
        fprintf(stderr, "vigil scan: --sort time needs -f jsonl, csv or html\n");
        return 2;
    }
    return -1;
}

/* The exit code of a sweep that ran (docs/output.md, "Exit codes"): an
 * interruption or a PATH that could not be read is an error whatever was
 * found (as for grep and clamscan); else findings (not an inventory of
 * autostart or execution entries alone, see out_result); else a broken rule file
 * is an error, so that "nothing found" is never said over rules that did
 * not load. A failed write of the results makes it 2 later. */
static int exit_code(const out_writer *w, const vigil_sweep_stats *stats,
                     const vigil_engine_counts *counts)
{
    if (cancelled) {
        fprintf(stderr, "vigil scan: interrupted\n");
        return 2;
    }
    if (stats->paths_unreadable > 0) {
        fprintf(stderr, "vigil scan: %llu of the given paths could not be read\n",
                (unsigned long long)stats->paths_unreadable);
        return 2;
    }
    if (w->found_targets > 0) /* unscored autostart/execution entries alone: 0 */
        return 1;
    if (counts->files_refused > 0) {
        fprintf(stderr, "vigil scan: nothing found, but %llu rule file%s could not be loaded\n",
                (unsigned long long)counts->files_refused, counts->files_refused == 1 ? "" : "s");
        return 2;
    }
    return 0;
}

/* -f html and --sort time: the sweep's JSONL, kept in spool, becomes the
 * report in fp (report_merge.h). 0, or -1 said on stderr. */
static int render_spool(FILE *spool, FILE *fp, out_format format)
{
    report_format rf = format == OUT_HTML  ? REPORT_HTML
                       : format == OUT_CSV ? REPORT_CSV
                                           : REPORT_JSONL;
    report_set *set = report_set_create();
    int rc = -1;
    if (set != NULL)
        report_set_keep_duplicates(set); /* one sweep's findings are distinct */
    if (set != NULL && fflush(spool) == 0 && fseek(spool, 0, SEEK_SET) == 0 &&
        report_set_read(set, spool, "(sweep results)") == 0) {
        report_set_sort(set);
        rc = report_set_write(set, rf, fp);
    }
    if (rc != 0)
        fprintf(stderr, "vigil scan: cannot write the report (temporary space or memory)\n");
    report_set_destroy(set);
    return rc;
}

/* What precedes the results: the run record of a JSONL stream (also the
 * spool of -f html), the header line of a CSV. */
static void write_header(out_writer *w, out_format wformat, const run_info *ri)
{
    if (wformat == OUT_JSONL) {
        json_t *run = run_info_json(ri, "scan");
        out_put_json_line(w, run);
        json_decref(run);
    } else if (wformat == OUT_CSV) {
        fputs(csv_header, w->fp);
    }
}

/* The sweep itself: results to the sink, diagnostics and progress (on a
 * terminal) to its writer, SIGINT/SIGTERM stop it; the paths of the
 * command line, or the whole host. */
static vigil_status run_sweep(scan_args *a, scan_sink *sink, vigil_engine *engine, int argc,
                              char **argv, vigil_sweep_stats *stats)
{
    out_writer *w = sink->w;

    a->sweep.excludes = a->excludes;
    a->sweep.nexcludes = a->nexcludes;
    a->sweep.scan.on_result = on_result;
    a->sweep.scan.result_user = sink;
    a->sweep.scan.on_diag = out_diag;
    a->sweep.scan.diag_user = w;
    a->sweep.cancel = &cancelled;
    if (!a->out.quiet && isatty(STDERR_FILENO)) {
        a->sweep.on_progress = out_progress;
        a->sweep.progress_user = w;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    memset(stats, 0, sizeof *stats);
    /* no PATH: the whole local host, as Loki does (pseudo file systems are
     * never entered by the walker) */
    static const char *const host_root[] = {"/"};
    const char *const *paths = (const char *const *)argv + optind;
    size_t npaths = (size_t)(argc - optind);
    if (npaths == 0) {
        paths = host_root;
        npaths = 1;
    }
    if (a->sweep.on_progress != NULL) {
        uint64_t est_files;
        progress_estimate(paths, npaths, &w->est_bytes, &est_files);
    }
    vigil_status st = vigil_sweep_run(engine, paths, npaths, &a->sweep, stats);
    out_progress_clear(w);
    return st;
}

int cmd_scan(int argc, char **argv)
{
    scan_args a;
    out_writer w;
    FILE *fp;
    vigil_engine *engine = NULL;
    vigil_engine_counts counts;
    vigil_sweep_stats stats;
    vigil_status st;
    scan_sink sink = {&w, NULL};
    long unquarantined = 0;
    run_info ri;
    FILE *spool = NULL; /* -f html, --sort time: the JSONL until the sweep ends */
    int rc;

    memset(&a, 0, sizeof a);
    run_info_init(&ri, argc, argv);
    rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        goto out_args;
    rc = 2;
    if (rule_args_use_bundled(&a.rules, NULL) != 0)
        goto out_args;
    fp = out_args_open(&a.out, "scan");
    if (fp == NULL)
        goto out_args;
    out_format wformat = a.out.format;
    if (a.out.format == OUT_HTML || a.sort_time) {
        spool = tmpfile();
        if (spool == NULL) {
            fprintf(stderr, "vigil scan: cannot create a temporary file: %s\n", strerror(errno));
            goto out_file;
        }
        wformat = OUT_JSONL;
    }
    out_init(&w, spool ? spool : fp, wformat);
    out_args_apply(&a.out, &w);
    w.host = ri.host;
    if (a.quarantine) {
        sink.quarantine = scan_quarantine_create(a.quarantine_level, a.quarantine_dir);
        if (sink.quarantine == NULL)
            goto out_engine;
    }

    run_info_digests digests;
    run_info_add_rules_start(&digests, &ri, &a.rules); /* while the rules load */
    engine = rule_args_load(&a.rules, out_diag, &w);
    run_info_add_rules_wait(&digests);
    if (engine == NULL)
        goto out_engine;
    vigil_engine_get_counts(engine, &counts);
    write_header(&w, wformat, &ri);

    st = run_sweep(&a, &sink, engine, argc, argv, &stats);
    if (st != VIGIL_OK && st != VIGIL_ERR_ABORTED) {
        fprintf(stderr, "vigil scan: sweep failed: %s\n", vigil_status_str(st));
        goto out_engine;
    }
    if (sink.quarantine != NULL && !cancelled)
        unquarantined = scan_quarantine_run(sink.quarantine, &w);
    vigil_scan_options limits = a.sweep.scan;
    vigil_scan_options_defaults(&limits);
    out_summary sum = {&stats, &counts, vigil_version(), &limits, &ri};
    out_write_summary(&w, &sum);
    if (sink.quarantine != NULL)
        scan_quarantine_summary(sink.quarantine, &w);
    if (spool != NULL && render_spool(spool, fp, a.out.format) != 0) {
        rc = 2;
        goto out_engine;
    }
    rc = exit_code(&w, &stats, &counts);
    if (unquarantined != 0)
        rc = 2; /* a file asked to be moved is still in place */

out_engine:
    scan_quarantine_destroy(sink.quarantine);
    vigil_engine_destroy(engine);
    out_free(&w);
out_file:
    if (spool != NULL)
        fclose(spool);
    /* on standard output, main.c says the failure when it closes it */
    if (fp != stdout ? out_stream_close(fp, "scan") != 0 : out_stream_failed(fp))
        rc = 2;
out_args:
    rule_args_free(&a.rules);
    run_info_free(&ri);
    free(a.excludes);
    return rc;
}
