/* cmd_report.c - `vigil report merge|render`: JSONL results of many hosts
 * or runs into one JSONL, CSV or HTML report.
 *
 * merge de-duplicates and sorts by time, labelling each finding with its
 * host (the fleet collects one JSONL per host and merges them); render is
 * the same pipeline with HTML as the default format. Exit codes: 0 done,
 * 2 error (bad usage, an input unreadable, the output not writable). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report_merge.h"
#include "text_escape.h"

static void usage(FILE *fp)
{
    fputs("usage: vigil report merge FILE.jsonl... [-f jsonl|csv|html] [-o OUT]\n"
          "       vigil report render FILE.jsonl... [-f html|csv|jsonl] [-o OUT]\n"
          "\n"
          "Reads the JSON Lines results of `vigil scan -f jsonl` (of one host or many,\n"
          "'-' for standard input), labels every finding with the host and scan it\n"
          "came from, drops findings seen twice, sorts them by time and writes one\n"
          "report: JSON Lines (with a host_summary record per host), a CSV timeline,\n"
          "or one self-contained HTML file. merge writes JSON Lines by default,\n"
          "render HTML.\n"
          "\n"
          "  -f, --format FMT   jsonl, csv or html\n"
          "  -o, --output FILE  write the report to FILE (default: standard output)\n"
          "      --keep-duplicates  do not drop findings seen twice\n"
          "  -q, --quiet        no closing count on standard error\n"
          "  -h, --help         this text\n"
          "\n"
          "exit codes: 0 done, 2 error\n",
          fp);
}

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"keep-duplicates", no_argument, NULL, 'k'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *s, report_format *out)
{
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0)
        *out = REPORT_JSONL;
    else if (strcmp(s, "csv") == 0)
        *out = REPORT_CSV;
    else if (strcmp(s, "html") == 0)
        *out = REPORT_HTML;
    else
        return -1;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    int render = strcmp(argv[1], "render") == 0;
    if (!render && strcmp(argv[1], "merge") != 0) {
        fprintf(stderr, "vigil report: unknown subcommand '%s' (merge or render)\n", argv[1]);
        usage(stderr);
        return 2;
    }
    report_format format = render ? REPORT_HTML : REPORT_JSONL;
    const char *output = NULL;
    int keep = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "f:o:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (parse_format(optarg, &format) != 0) {
                fprintf(stderr, "vigil report: invalid value for --format: '%s'\n", optarg);
                return 2;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'k':
            keep = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    char **files = argv + 1 + optind;
    int nfiles = argc - 1 - optind;
    if (nfiles <= 0) {
        fprintf(stderr, "vigil report: no input file (try 'vigil report --help')\n");
        return 2;
    }
    report_set *set = report_set_create();
    if (set == NULL) {
        fprintf(stderr, "vigil report: cannot create a temporary file: %s\n", strerror(errno));
        return 2;
    }
    int rc = 0;
    if (keep)
        report_set_keep_duplicates(set);
    for (int i = 0; i < nfiles && rc == 0; i++) {
        int is_stdin = strcmp(files[i], "-") == 0;
        FILE *fp = is_stdin ? stdin : fopen(files[i], "r");
        if (fp == NULL) {
            text_escape_say(stderr, "vigil report: cannot read ", files[i], ": %s\n",
                            strerror(errno));
            rc = 2;
            break;
        }
        if (report_set_read(set, fp, is_stdin ? "(standard input)" : files[i]) != 0)
            rc = 2;
        if (!is_stdin)
            fclose(fp);
    }
    if (rc == 0) {
        report_set_dedup(set);
        report_set_sort(set);
        FILE *out = output ? fopen(output, "w") : stdout;
        if (out == NULL) {
            fprintf(stderr, "vigil report: cannot write %s: %s\n", output, strerror(errno));
            rc = 2;
        } else {
            if (report_set_write(set, format, out) != 0)
                rc = 2;
            if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
                rc = 2;
            if (rc != 0)
                fprintf(stderr, "vigil report: error writing %s\n",
                        output ? output : "(standard output)");
        }
    }
    if (rc == 0 && !quiet)
        fprintf(stderr,
                "vigil report: %llu findings of %zu runs from %d files, %llu duplicates dropped, "
                "%llu lines not JSON\n",
                (unsigned long long)report_set_findings(set), json_array_size(report_set_runs(set)),
                nfiles, (unsigned long long)report_set_duplicates(set),
                (unsigned long long)report_set_bad_lines(set));
    report_set_destroy(set);
    return rc;
}
