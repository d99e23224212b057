/* cmd_logs.c - `vigil logs` (C2 domains, IPs and URLs in text logs) and
 * `vigil connections` (the same IP indicators in the host's live sockets).
 *
 * Both take the rule options of `vigil scan` (C2 lists, intel files; with
 * none, the bundled pack as scan does) and report through the sweep's
 * output styles; exit code 0 nothing found, 1 hits, 2 error. All the work
 * is in libvigil (vigil/logs.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "outopts.h"
#include "output_net.h"
#include "outstream.h"
#include "progress_count.h"
#include "ruleset.h"
#include "text_escape.h"
#include "usage.h"
#include "vigil/vigil.h"

static volatile int cancelled = 0;

static void on_signal(int sig)
{
    (void)sig;
    cancelled = 1;
}

typedef struct net_args {
    rule_args rules;
    const char **excludes;
    size_t nexcludes;
    out_args out;
    vigil_logs_options logs;
    const char *proc_root;
} net_args;

/* the first lines of logs_usage() and conns_usage(), for usage errors */
#define LOGS_USAGE "usage: vigil logs [options] PATH...\n"
#define CONNS_USAGE "usage: vigil connections [options]\n"

static void logs_usage(FILE *fp)
{
    fputs("usage: vigil logs [options] PATH...\n"
          "\n"
          "Hunts the C2 domains, IPs, CIDRs and URLs of C2 lists and threat intel in\n"
          "text logs of any format (syslog, Zeek, Suricata eve.json, proxy and web\n"
          "access logs, Windows DNS debug logs), plain or gz/bz2/xz compressed. Domains\n"
          "match on label boundaries: evil.com matches a.evil.com, not notevil.com.\n"
          "Exit code: 0 nothing found, 1 hits, 2 error.\n"
          "\n"
          "indicators:\n" RULE_USAGE "what is scanned:\n"
          "  -j, --threads N          worker threads (default: every core)\n"
          "  -L, --follow-symlinks    follow symbolic links (loops are detected)\n"
          "  -x, --one-file-system    stay on the file system of each PATH\n"
          "  -e, --exclude GLOB       skip paths or names matching GLOB (repeatable)\n"
          "      --binary             also scan files that look binary\n"
          "      --no-decompress      scan compressed files as they are\n"
          "output:\n"
          "  -f, --format FMT         text (default) or jsonl\n"
          "  -o, --output FILE        write hits to FILE instead of standard output\n"
          "      --min-level LEVEL    show hits from this level on (info, notice,\n"
          "                           warning, alert)\n"
          "      --max-line N         bytes of each line shown (default 1024)\n"
          "      --color WHEN         auto (default), always, never\n"
          "  -q, --quiet              no progress line\n"
          "  -v, --verbose            also show informational diagnostics\n"
          "  -h, --help               this text\n",
          fp);
}

static void conns_usage(FILE *fp)
{
    fputs("usage: vigil connections [options]\n"
          "\n"
          "Checks the live TCP and UDP sockets of this host (/proc/net/tcp, tcp6, udp,\n"
          "udp6) against the IP and CIDR indicators of C2 lists and threat intel, and\n"
          "names the process owning each match (run as root to see every process).\n"
          "Exit code: 0 nothing found, 1 hits, 2 error.\n"
          "\n"
          "indicators:\n" RULE_USAGE "options:\n"
          "      --proc DIR           read DIR instead of /proc (a triage copy)\n"
          "  -f, --format FMT         text (default) or jsonl\n"
          "  -o, --output FILE        write hits to FILE instead of standard output\n"
          "      --min-level LEVEL    show hits from this level on\n"
          "      --color WHEN         auto (default), always, never\n"
          "  -v, --verbose            also show informational diagnostics\n"
          "  -h, --help               this text\n",
          fp);
}

enum { OPT_BINARY = 256, OPT_NO_DECOMPRESS, OPT_MAX_LINE, OPT_PROC };

static const struct option long_opts[] = {
    RULE_LONG_OPTS,
    {"threads", required_argument, NULL, 'j'},
    {"follow-symlinks", no_argument, NULL, 'L'},
    {"one-file-system", no_argument, NULL, 'x'},
    {"exclude", required_argument, NULL, 'e'},
    {"binary", no_argument, NULL, OPT_BINARY},
    {"no-decompress", no_argument, NULL, OPT_NO_DECOMPRESS},
    OUT_LONG_OPTS,
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"proc", required_argument, NULL, OPT_PROC},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The long name of option c. */
static const char *option_name(int c)
{
    for (const struct option *o = long_opts; o->name != NULL; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

static int bad_arg(const char *cmd, const char *opt, const char *val, const char *valid)
{
    return usage_bad_value(cmd, opt, val, valid);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* Returns -1 to go on, else an exit code. conns: `vigil connections`. */
static int parse_args(int argc, char **argv, net_args *a, int conns)
{
    const char *cmd = conns ? "connections" : "logs";
    unsigned long u;
    int c;

    out_args_init(&a->out);
    optind = 1;
    opterr = 0; /* said by usage_getopt_error */
    while ((c = getopt_long(argc, argv, ":r:j:Lxe:f:o:qvh", long_opts, NULL)) != -1) {
        int handled = rule_args_option(&a->rules, c, optarg);
        if (handled == 0)
            handled = out_args_option(&a->out, cmd, c, optarg);
        if (handled < 0)
            return 2;
        if (handled)
            continue;
        if ((conns && (c == 'j' || c == 'L' || c == 'x' || c == 'e' || c == OPT_BINARY ||
                       c == OPT_NO_DECOMPRESS || c == OPT_MAX_LINE)) ||
            (!conns && c == OPT_PROC)) {
            char what[160];
            snprintf(what, sizeof what, "option '--%s' is for vigil %s only", option_name(c),
                     conns ? "logs" : "connections");
            return usage_error(cmd, conns ? CONNS_USAGE : LOGS_USAGE, what);
        }
        switch (c) {
        case 'j':
            if (parse_ulong(optarg, 1024, &u) != 0)
                return bad_arg(cmd, "--threads", optarg, "0 to 1024, 0 for every core");
            a->logs.threads = (unsigned)u;
            break;
        case 'L':
            a->logs.follow_symlinks = 1;
            break;
        case 'x':
            a->logs.one_file_system = 1;
            break;
        case 'e': {
            const char **p = realloc(a->excludes, (a->nexcludes + 1) * sizeof *p);
            if (p == NULL)
                return 2;
            a->excludes = p;
            a->excludes[a->nexcludes++] = optarg;
            break;
        }
        case OPT_BINARY:
            a->logs.binary = 1;
            break;
        case OPT_NO_DECOMPRESS:
            a->logs.no_decompress = 1;
            break;
        case OPT_MAX_LINE:
            if (parse_ulong(optarg, 1u << 20, &u) != 0 || u < 16)
                return bad_arg(cmd, "--max-line", optarg, "16 to 1048576");
            a->logs.max_line = u;
            break;
        case OPT_PROC:
            a->proc_root = optarg;
            break;
        case 'h':
            conns ? conns_usage(stdout) : logs_usage(stdout);
            return 0;
        default:
            return usage_getopt_error(cmd, conns ? CONNS_USAGE : LOGS_USAGE, c, argv);
        }
    }
    return -1;
}

/* Opens the output, sets up the writer and loads the engine; returns -1 to
 * go on, else an exit code (everything is then released). */
static int setup(net_args *a, const char *cmd, FILE **fp, out_writer *w, vigil_engine **engine)
{
    *fp = stdout;
    out_init(w, stdout, a->out.format);
    if (rule_args_use_bundled(&a->rules, "iocs") != 0) /* no rule option: the bundled pack */
        return 2;
    *fp = out_args_open(&a->out, cmd);
    if (*fp == NULL) {
        *fp = stdout;
        return 2;
    }
    w->fp = *fp;
    out_args_apply(&a->out, w);
    *engine = rule_args_load(&a->rules, out_diag, w);
    if (*engine == NULL)
        return 2;
    if (vigil_engine_net_count(*engine) == 0) {
        fprintf(stderr, "vigil %s: the rules hold no domain, IP, CIDR or URL indicator\n", cmd);
        return 2;
    }
    return -1;
}

static int finish(net_args *a, const char *cmd, FILE *fp, out_writer *w, vigil_engine *engine,
                  int rc)
{
    vigil_engine_destroy(engine);
    out_free(w);
    /* on standard output, main.c says the failure when it closes it */
    if (fp != stdout ? out_stream_close(fp, cmd) != 0 : out_stream_failed(fp))
        rc = 2;
    rule_args_free(&a->rules);
    free(a->excludes);
    return rc;
}

int cmd_logs(int argc, char **argv)
{
    net_args a;
    out_writer w;
    FILE *fp = stdout;
    vigil_engine *engine = NULL;
    vigil_logs_stats stats;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&w, 0, sizeof w);
    rc = parse_args(argc, argv, &a, 0);
    if (rc >= 0) {
        rule_args_free(&a.rules);
        free(a.excludes);
        return rc;
    }
    if (optind >= argc) {
        usage_error("logs", LOGS_USAGE, "no PATH given");
        rule_args_free(&a.rules);
        free(a.excludes);
        return 2;
    }
    rc = setup(&a, "logs", &fp, &w, &engine);
    if (rc >= 0)
        return finish(&a, "logs", fp, &w, engine, rc);
    a.logs.on_hit = out_log_hit;
    a.logs.hit_user = &w;
    a.logs.on_diag = out_diag;
    a.logs.diag_user = &w;
    a.logs.excludes = a.excludes;
    a.logs.nexcludes = a.nexcludes;
    a.logs.cancel = &cancelled;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *const *paths = (const char *const *)argv + optind;
    size_t npaths = (size_t)(argc - optind);
    if (!a.out.quiet && isatty(STDERR_FILENO)) { /* never into a file or a pipe */
        a.logs.on_progress = out_progress;
        a.logs.progress_user = &w;
        w.est_bytes = progress_count_bytes(paths, npaths, a.logs.follow_symlinks,
                                           a.logs.one_file_system, a.excludes, a.nexcludes);
    }
    vigil_status st = vigil_logs_run(engine, paths, npaths, &a.logs, &stats);
    out_progress_clear(&w);
    if (st != VIGIL_OK && st != VIGIL_ERR_ABORTED) {
        fprintf(stderr, "vigil logs: %s\n", vigil_status_str(st));
        rc = 2;
    } else {
        vigil_engine_counts counts;
        vigil_engine_get_counts(engine, &counts);
        out_logs_summary(&w, &stats, counts.files_refused, vigil_version());
        /* the precedence of vigil scan (cmd_scan.c exit_code) */
        if (cancelled) {
            fprintf(stderr, "vigil logs: interrupted\n");
            rc = 2;
        } else if (stats.paths_unreadable > 0) {
            fprintf(stderr, "vigil logs: %llu of the given paths could not be read\n",
                    (unsigned long long)stats.paths_unreadable);
            rc = 2;
        } else if (w.shown_findings > 0) {
            rc = 1;
        } else if (counts.files_refused > 0) {
            fprintf(stderr, "vigil logs: nothing found, but %llu rule file%s could not be loaded\n",
                    (unsigned long long)counts.files_refused, counts.files_refused == 1 ? "" : "s");
            rc = 2;
        } else {
            rc = 0;
        }
    }
    return finish(&a, "logs", fp, &w, engine, rc);
}

int cmd_connections(int argc, char **argv)
{
    net_args a;
    out_writer w;
    FILE *fp = stdout;
    vigil_engine *engine = NULL;
    struct timespec t0, t1;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&w, 0, sizeof w);
    rc = parse_args(argc, argv, &a, 1);
    if (rc < 0 && optind < argc) {
        char arg[100], what[160];
        text_escape(arg, sizeof arg, argv[optind], strlen(argv[optind]));
        snprintf(what, sizeof what, "unexpected argument '%s' (it takes no PATH)", arg);
        rc = usage_error("connections", CONNS_USAGE, what);
    }
    if (rc >= 0) {
        rule_args_free(&a.rules);
        free(a.excludes);
        return rc;
    }
    rc = setup(&a, "connections", &fp, &w, &engine);
    if (rc >= 0)
        return finish(&a, "connections", fp, &w, engine, rc);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    vigil_status st = vigil_connections_check(engine, a.proc_root, out_conn_hit, &w, out_diag, &w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != VIGIL_OK) {
        fprintf(stderr, "vigil connections: %s\n", vigil_status_str(st));
        rc = 2;
    } else {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        out_conns_summary(&w, vigil_engine_net_count(engine), secs, vigil_version());
        rc = w.shown_findings > 0 ? 1 : 0;
    }
    return finish(&a, "connections", fp, &w, engine, rc);
}
