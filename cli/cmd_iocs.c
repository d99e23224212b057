/* cmd_iocs.c - `vigil iocs stats|convert FILE...`: what a pile of threat
 * intel holds, and the same set written in another format.
 *
 * Files are loaded as published (STIX 2.1, OpenIOC, MISP JSON/CSV, CSV,
 * Loki-style lists; the format told by content) into one deduplicated set
 * that keeps every source, through the intel loaders of libvigil. stats
 * counts per type and per source; convert writes Loki text lists into a
 * directory, a STIX 2.1 bundle, a CSV table or a blocklist (rpz, nft,
 * suricata, ...: iocs_blocklist.c). Exit code 0, or 2 when a file could not
 * be read at all. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "file_read.h"
#include "iocs_blocklist.h"
#include "output.h"
#include "output_net.h"
#include "outstream.h"
#include "text_escape.h"
#include "usage.h"

typedef enum { TO_NONE, TO_LOKI, TO_STIX, TO_CSV, TO_BLOCKLIST } to_format;

typedef struct file_stats {
    const char *path;
    vigil_intel_format format;
    vigil_intel_stats st;
    int failed;
} file_stats;

typedef struct iocs_args {
    out_format format;
    to_format to;
    const char *output;
    int include_not_ids;
    int verbose;
    iocs_blocklist_args block;
} iocs_args;

/* the first lines of usage(), for usage errors */
#define IOCS_USAGE                                                                                 \
    "usage: vigil iocs stats [options] FILE...\n"                                                  \
    "       vigil iocs convert --to loki|stix|csv [-o OUT] [options] FILE...\n"

static void usage(FILE *fp)
{
    fputs("usage: vigil iocs stats [options] FILE...\n"
          "       vigil iocs convert --to loki|stix|csv [-o OUT] [options] FILE...\n"
          "       vigil iocs convert --to BLOCKLIST [-o OUT] [options] FILE...\n"
          "\n"
          "Loads threat intel as published - STIX 2.1 bundles, OpenIOC, MISP event\n"
          "JSON and CSV exports, CSV tables with a value column, plain or Loki lists\n"
          "(format told by content), defanged values refanged - into one set without\n"
          "duplicates that keeps every source.\n"
          "  stats     values per type and per source, and what could not be loaded\n"
          "  convert   writes the set: loki = hash-iocs.txt, filename-iocs.txt and\n"
          "            c2-iocs.txt in directory OUT (required); stix = a STIX 2.1\n"
          "            bundle; csv = type,value,score,description (to OUT or stdout)\n"
          "            BLOCKLIST (docs/blocklists.md): rpz, hosts, dnsmasq, nft, ipset,\n"
          "            suricata, zeek, squid, windows-firewall; values that would cut\n"
          "            clients off (private ranges, public suffixes, major providers,\n"
          "            --allow) are refused and reported\n"
          "\n"
          "options:\n"
          "  -f, --format FMT         stats as text (default) or jsonl\n"
          "  -o, --output OUT         output file (stix, csv) or directory (loki)\n"
          "      --to FMT             loki, stix or csv (convert)\n"
          "      --include-not-ids    also load MISP attributes with to_ids=false\n"
          "      --allow FILE         blocklists: domains/IPs/CIDRs never blocked (repeatable)\n"
          "      --zone NAME          rpz: the zone's origin (default rpz.vigil.)\n"
          "      --sinkhole ADDR      rpz, hosts, dnsmasq: answer with ADDR (rpz: or a host\n"
          "                           name) instead of NXDOMAIN (hosts: 0.0.0.0)\n"
          "      --sid-base N         suricata: first sid (default 1900000)\n"
          "      --drop               suricata: drop rules instead of alert rules\n"
          "  -v, --verbose            also show informational diagnostics\n"
          "  -h, --help               this text\n",
          fp);
}

enum { OPT_TO = 256, OPT_NOT_IDS, OPT_ALLOW, OPT_ZONE, OPT_SINKHOLE, OPT_SID_BASE, OPT_DROP };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"to", required_argument, NULL, OPT_TO},
    {"include-not-ids", no_argument, NULL, OPT_NOT_IDS},
    {"allow", required_argument, NULL, OPT_ALLOW},
    {"zone", required_argument, NULL, OPT_ZONE},
    {"sinkhole", required_argument, NULL, OPT_SINKHOLE},
    {"sid-base", required_argument, NULL, OPT_SID_BASE},
    {"drop", no_argument, NULL, OPT_DROP},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The distinct values each source contributed, per type. */
typedef struct source_count {
    const char *source;
    uint64_t by_type[VIGIL_INTEL_TYPE_COUNT];
    uint64_t total;
} source_count;

static int count_sources(const vigil_intel_set *set, const file_stats *files, size_t nfiles,
                         source_count **out)
{
    source_count *sc = calloc(nfiles ? nfiles : 1, sizeof *sc);
    if (sc == NULL)
        return -1;
    for (size_t f = 0; f < nfiles; f++)
        sc[f].source = files[f].path;
    for (size_t i = 0; i < vigil_intel_set_count(set); i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(set, i);
        for (size_t f = 0; f < nfiles; f++) {
            for (size_t k = 0; k < e->norigins; k++) {
                if (e->origins[k].source != NULL &&
                    strcmp(e->origins[k].source, sc[f].source) == 0) {
                    sc[f].by_type[e->type]++;
                    sc[f].total++;
                    break;
                }
            }
        }
    }
    *out = sc;
    return 0;
}

static json_t *type_counts_json(const uint64_t *counts)
{
    json_t *o = json_object();
    for (int t = 0; t < VIGIL_INTEL_TYPE_COUNT; t++)
        json_object_set_new(o, vigil_intel_type_name((vigil_intel_type)t),
                            json_integer((json_int_t)counts[t]));
    return o;
}

static void put_stats_json(out_writer *w, const vigil_intel_set *set, const file_stats *files,
                           size_t nfiles, const source_count *sc)
{
    uint64_t counts[VIGIL_INTEL_TYPE_COUNT];
    json_t *o = json_object(), *srcs = json_array();
    vigil_intel_set_counts(set, counts);
    json_object_set_new(o, "type", json_string("iocs_stats"));
    json_object_set_new(o, "total", json_integer((json_int_t)vigil_intel_set_count(set)));
    json_object_set_new(o, "by_type", type_counts_json(counts));
    for (size_t f = 0; f < nfiles; f++) {
        const vigil_intel_stats *s = &files[f].st;
        json_t *j = json_object();
        json_object_set_new(j, "source", out_jstr(files[f].path));
        json_object_set_new(j, "format", json_string(vigil_intel_format_name(files[f].format)));
        json_object_set_new(j, "loaded", json_boolean(!files[f].failed));
        json_object_set_new(j, "items", json_integer((json_int_t)s->items));
        json_object_set_new(j, "distinct", json_integer((json_int_t)sc[f].total));
        json_object_set_new(j, "by_type", type_counts_json(sc[f].by_type));
        json_object_set_new(j, "unsupported", json_integer((json_int_t)s->unsupported));
        json_object_set_new(j, "partial", json_integer((json_int_t)s->partial));
        json_object_set_new(j, "invalid", json_integer((json_int_t)s->invalid));
        json_object_set_new(j, "expired", json_integer((json_int_t)s->expired));
        json_object_set_new(j, "revoked", json_integer((json_int_t)s->revoked));
        json_object_set_new(j, "not_ids", json_integer((json_int_t)s->not_ids));
        json_object_set_new(j, "syntax_errors", json_integer((json_int_t)s->syntax));
        json_array_append_new(srcs, j);
    }
    json_object_set_new(o, "sources", srcs);
    out_put_json_line(w, o);
    json_decref(o);
}

static void put_type_counts(FILE *fp, const uint64_t *counts)
{
    int first = 1;
    for (int t = 0; t < VIGIL_INTEL_TYPE_COUNT; t++) {
        if (counts[t] == 0)
            continue;
        fprintf(fp, "%s%s %llu", first ? "" : ", ", vigil_intel_type_name((vigil_intel_type)t),
                (unsigned long long)counts[t]);
        first = 0;
    }
    if (first)
        fputs("nothing", fp);
}

static void put_stats_text(FILE *fp, const vigil_intel_set *set, const file_stats *files,
                           size_t nfiles, const source_count *sc)
{
    uint64_t counts[VIGIL_INTEL_TYPE_COUNT];
    vigil_intel_set_counts(set, counts);
    fprintf(fp, "%zu distinct values: ", vigil_intel_set_count(set));
    put_type_counts(fp, counts);
    fputc('\n', fp);
    for (size_t f = 0; f < nfiles; f++) {
        const vigil_intel_stats *s = &files[f].st;
        text_escape_puts(fp, files[f].path);
        fprintf(fp, " (%s)%s: ", vigil_intel_format_name(files[f].format),
                files[f].failed ? " NOT LOADED" : "");
        put_type_counts(fp, sc[f].by_type);
        fputc('\n', fp);
        if (s->unsupported || s->partial || s->invalid || s->expired || s->revoked || s->not_ids ||
            s->syntax)
            fprintf(fp,
                    "    not loaded: %llu not expressible (%llu AND groups partly), %llu invalid, "
                    "%llu expired, %llu revoked, %llu not for detection, %llu syntax errors\n",
                    (unsigned long long)s->unsupported, (unsigned long long)s->partial,
                    (unsigned long long)s->invalid, (unsigned long long)s->expired,
                    (unsigned long long)s->revoked, (unsigned long long)s->not_ids,
                    (unsigned long long)s->syntax);
    }
}

/* Intel files bigger than this are refused (ENOMEM). */
#define MAX_INTEL_BYTES ((size_t)1 << 30)

/* Reads the options after the subcommand into a (FILE operands start at
 * optind): 0 to go on, 1 after --help, -1 after a usage error (said). */
static int parse_options(int argc, char **argv, int convert, iocs_args *a, const char **allow)
{
    int c;
    optind = 1;
    opterr = 0; /* said by usage_getopt_error */
    while ((c = getopt_long(argc, argv, ":f:o:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                a->format = OUT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                a->format = OUT_JSONL;
            else {
                usage_bad_value("iocs", "--format", optarg, "text, jsonl");
                return -1;
            }
            break;
        case 'o':
            a->output = optarg;
            break;
        case OPT_TO:
            if (strcmp(optarg, "loki") == 0)
                a->to = TO_LOKI;
            else if (strcmp(optarg, "stix") == 0)
                a->to = TO_STIX;
            else if (strcmp(optarg, "csv") == 0)
                a->to = TO_CSV;
            else if (vigil_blocklist_format_parse(optarg, &a->block.format) == VIGIL_OK)
                a->to = TO_BLOCKLIST;
            else {
                usage_bad_value("iocs", "--to", optarg, "loki, stix, csv");
                return -1;
            }
            break;
        case OPT_NOT_IDS:
            a->include_not_ids = 1;
            break;
        case OPT_ALLOW:
            a->block.allow = allow;
            allow[a->block.nallow++] = optarg;
            break;
        case OPT_ZONE:
            a->block.zone = optarg;
            break;
        case OPT_SINKHOLE:
            a->block.sinkhole = optarg;
            break;
        case OPT_SID_BASE: {
            char *end;
            errno = 0;
            a->block.sid_base = strtoul(optarg, &end, 10);
            if (errno || *end || optarg[0] < '1' || optarg[0] > '9') {
                text_escape_say(stderr, "vigil iocs: invalid value for --sid-base: '", optarg,
                                "'\n");
                return -1;
            }
            break;
        }
        case OPT_DROP:
            a->block.drop = 1;
            break;
        case 'v':
            a->verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage_getopt_error("iocs", IOCS_USAGE, c, argv);
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "vigil iocs: no FILE given\n");
        return -1;
    }
    if (convert && a->to == TO_NONE) {
        fprintf(stderr, "vigil iocs convert: --to loki|stix|csv|rpz|hosts|dnsmasq|nft|ipset|"
                        "suricata|zeek|squid|windows-firewall is required\n");
        return -1;
    }
    if (convert && a->to == TO_LOKI && a->output == NULL) {
        fprintf(stderr, "vigil iocs convert: --to loki needs -o DIRECTORY\n");
        return -1;
    }
    return 0;
}

/* Loads one file into set: 0, or 2 when it could not be read or loaded
 * (said); *fatal is set when memory ran out. */
static int load_one(vigil_intel_set *set, file_stats *fs, const iocs_args *a, out_writer *w,
                    int *fatal)
{
    const char *path = fs->path;
    size_t len = 0;
    char *data = file_read_all(path, MAX_INTEL_BYTES, &len);
    if (data == NULL) {
        int err = errno;
        fputs("vigil iocs: cannot read ", stderr);
        text_escape_puts(stderr, path);
        fprintf(stderr, ": %s\n", strerror(err));
        fs->failed = 1;
        return 2;
    }
    fs->format = vigil_intel_detect(path, data, len);
    if (fs->format == VIGIL_INTEL_FMT_LIST &&
        vigil_rule_kind_guess(path) == VIGIL_RULES_IOC_FILENAME) {
        fputs("vigil iocs: ", stderr);
        text_escape_puts(stderr, path);
        fputs(": a Loki filename IOC list holds regexes, not intel values; skipped\n", stderr);
        fs->failed = 1;
        free(data);
        return 2;
    }
    vigil_intel_load_options o;
    memset(&o, 0, sizeof o);
    o.on_diag = out_diag;
    o.diag_user = w;
    o.include_not_ids = a->include_not_ids;
    unsigned long long errors = w->diag_errors;
    vigil_status st = vigil_intel_set_load(set, fs->format, path, data, len, &o, &fs->st);
    free(data);
    if (st == VIGIL_OK)
        return 0;
    if (w->diag_errors == errors) { /* else the diagnostic said it */
        fputs("vigil iocs: ", stderr);
        text_escape_puts(stderr, path);
        fprintf(stderr, ": %s\n", vigil_status_str(st));
    }
    fs->failed = 1;
    if (st == VIGIL_ERR_NOMEM)
        *fatal = 1;
    return 2;
}

/* convert --to stix|csv: one file (-o) or standard output; 0 or 2. */
static int write_table(vigil_intel_set *set, const iocs_args *a)
{
    FILE *fp = stdout;
    vigil_status st;
    size_t skipped = 0;
    int rc = 0;
    if (a->output != NULL && (fp = fopen(a->output, "w")) == NULL) {
        text_escape_say(stderr, "vigil iocs: cannot write ", a->output, ": %s\n", strerror(errno));
        return 2;
    }
    if (a->to == TO_STIX)
        st = vigil_intel_write_stix(set, fp, 0, &skipped);
    else
        st = vigil_intel_write_csv(set, fp);
    fflush(fp);
    out_stream_note(fp);
    int write_failed = out_stream_failed(fp);
    if (fp != stdout) {
        out_stream_name(fp, a->output);
        if (out_stream_close(fp, "iocs") != 0)
            write_failed = 1;
    }
    if (write_failed) {
        rc = 2; /* said by out_stream_close here or in main.c (standard output) */
    } else if (st != VIGIL_OK) {
        text_escape_say(stderr, "vigil iocs: cannot write ", a->output ? a->output : "output",
                        ": %s\n", vigil_status_str(st));
        rc = 2;
    }
    if (skipped > 0)
        fprintf(stderr,
                "vigil iocs: %zu full paths have no STIX comparison vigil reads back; not "
                "written (use --to loki or csv)\n",
                skipped);
    return rc;
}

/* convert: the set in the --to format; the exit code it asks for. */
static int write_converted(vigil_intel_set *set, iocs_args *a, out_writer *w)
{
    if (a->to == TO_BLOCKLIST) {
        a->block.output = a->output;
        return iocs_write_blocklist(set, &a->block, w);
    }
    if (a->to == TO_LOKI)
        return vigil_intel_write_loki(set, a->output, out_diag, w) != VIGIL_OK ? 2 : 0;
    return write_table(set, a);
}

int cmd_iocs(int argc, char **argv)
{
    iocs_args a;
    out_writer w;
    vigil_intel_set *set = NULL;
    file_stats *files = NULL;
    source_count *sc = NULL;
    size_t nfiles = 0;
    int rc = 2, convert, fatal = 0;
    const char **allow = calloc((size_t)argc + 1, sizeof *allow);

    memset(&a, 0, sizeof a);
    out_init(&w, stdout, OUT_TEXT);
    if (allow == NULL)
        return 2;
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        if (argc < 2)
            usage_error("iocs", IOCS_USAGE, "no subcommand given (stats or convert)");
        else
            usage(stdout);
        out_free(&w);
        free(allow);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "stats") == 0) {
        convert = 0;
    } else if (strcmp(argv[1], "convert") == 0) {
        convert = 1;
    } else {
        usage_bad_subcommand("iocs", IOCS_USAGE, argv[1], "stats, convert");
        out_free(&w);
        free(allow);
        return 2;
    }
    argc--;
    argv++;
    int prc = parse_options(argc, argv, convert, &a, allow);
    if (prc != 0) {
        rc = prc > 0 ? 0 : 2;
        goto out;
    }
    w.format = a.format;
    w.verbose = a.verbose;
    nfiles = (size_t)(argc - optind);
    files = calloc(nfiles, sizeof *files);
    if (files == NULL || vigil_intel_set_create(&set) != VIGIL_OK)
        goto out;
    rc = 0;
    for (size_t f = 0; f < nfiles && !fatal; f++) {
        files[f].path = argv[optind + (int)f];
        if (load_one(set, &files[f], &a, &w, &fatal) != 0)
            rc = 2;
    }
    if (fatal)
        goto out;
    if (!convert) {
        if (count_sources(set, files, nfiles, &sc) != 0) {
            rc = 2;
            goto out;
        }
        if (a.format == OUT_JSONL)
            put_stats_json(&w, set, files, nfiles, sc);
        else
            put_stats_text(stdout, set, files, nfiles, sc);
        goto out;
    }
    int wrc = write_converted(set, &a, &w);
    if (wrc > rc)
        rc = wrc;
out:
    free(allow);
    free(sc);
    free(files);
    vigil_intel_set_destroy(set);
    out_free(&w);
    return rc;
}
