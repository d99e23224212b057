/* cmd_quarantine.c - `vigil quarantine list|show|restore|export|purge`:
 * looking after the quarantine store that `vigil scan --quarantine` fills.
 *
 * Opening the store finishes or rolls back whatever a killed run left half
 * done, and says so; every subcommand therefore starts from a consistent
 * store. Exit code: 0 done, 2 any item that could not be handled. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "json_line.h"
#include "output.h"
#include "scan_quarantine.h"
#include "text_escape.h"
#include "vigil/vigil.h"

typedef struct q_args {
    const char *dir;
    int jsonl;
    int force;
    int all;
    int zip;
    const char *to;
    const char *output;
} q_args;

static void usage(FILE *fp)
{
    fputs("usage: vigil quarantine [--dir DIR] COMMAND [options] [ID...]\n"
          "\n"
          "The store that `vigil scan --quarantine` moves detected files into. Files\n"
          "there are defanged (AES-256-CTR with a published key, docs/quarantine.md):\n"
          "they cannot be run or re-detected by accident.\n"
          "\n"
          "commands:\n"
          "  list                 every item: id, time, level, score, size, path\n"
          "  show ID...           the whole manifest of items\n"
          "  restore ID...|--all  put the exact bytes back at the original path with\n"
          "                       mode, owner and times (SHA-256 checked)\n"
          "  export ID -o FILE    the original bytes, or with --zip a zip encrypted\n"
          "                       with the password \"infected\"\n"
          "  purge ID...          delete items for good\n"
          "options:\n"
          "  -d, --dir DIR        the store (default /var/lib/vigil/quarantine for root,\n"
          "                       else $XDG_DATA_HOME/vigil/quarantine)\n"
          "  -f, --format FMT     text (default) or jsonl (list, show: one JSON object\n"
          "                       per item, the manifest)\n"
          "      --force          restore over a file that exists there now\n"
          "      --to PATH        restore to PATH instead of the original path\n"
          "  -o, --output FILE    export: the file to write (must not exist)\n"
          "      --zip            export: an encrypted zip (password \"infected\")\n"
          "  -h, --help           this text\n"
          "exit codes: 0 done, 2 error (said on stderr)\n",
          fp);
}

enum { OPT_FORCE = 300, OPT_TO, OPT_ALL, OPT_ZIP };

static const struct option long_opts[] = {
    {"dir", required_argument, NULL, 'd'},
    {"format", required_argument, NULL, 'f'},
    {"force", no_argument, NULL, OPT_FORCE},
    {"to", required_argument, NULL, OPT_TO},
    {"all", no_argument, NULL, OPT_ALL},
    {"output", required_argument, NULL, 'o'},
    {"zip", no_argument, NULL, OPT_ZIP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void human_size(uint64_t n, char *buf, size_t cap)
{
    out_human_bytes((double)n, buf, cap);
}

static void print_item_text(const vigil_quarantine_item *it, void *user)
{
    char size[32];
    (void)user;
    human_size(it->size, size, sizeof size);
    printf("%-26s %-20s %-7s %5d %10s  ", it->id, it->quarantined_at ? it->quarantined_at : "-",
           it->level ? it->level : "-", it->score, size);
    text_escape_puts(stdout, it->path);
    putchar('\n');
}

static void print_item_json(const vigil_quarantine_item *it, void *user)
{
    (void)user;
    printf("%s\n", it->manifest);
}

static void print_item_show(const vigil_quarantine_item *it, void *user)
{
    char mtime[32] = "-";
    struct tm tm;
    time_t t = (time_t)it->mtime;
    (void)user;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(mtime, sizeof mtime, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("id           %s\npath         ", it->id);
    text_escape_puts(stdout, it->path);
    printf("\nsize         %llu\nmode         %04o\nowner        %u:%u\nmtime        %s\n"
           "md5          %s\nsha1         %s\nsha256       %s\nquarantined  %s\nhost         ",
           (unsigned long long)it->size, it->mode & 07777, it->uid, it->gid, mtime,
           it->md5 ? it->md5 : "-", it->sha1 ? it->sha1 : "-", it->sha256,
           it->quarantined_at ? it->quarantined_at : "-");
    text_escape_puts(stdout, it->host ? it->host : "-");
    printf("\nlevel        %s (score %d)\nfindings     %zu\n", it->level ? it->level : "-",
           it->score, it->nfindings);
    /* the findings, from the manifest */
    json_error_t err;
    json_t *m = json_loads(it->manifest, 0, &err);
    json_t *fs = json_object_get(m, "findings");
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *f = json_array_get(fs, i);
        const char *kind = json_string_value(json_object_get(f, "kind"));
        const char *rule = json_string_value(json_object_get(f, "rule"));
        const char *target = json_string_value(json_object_get(f, "target"));
        printf("  %-8s ", kind ? kind : "?");
        text_escape_puts(stdout, rule ? rule : "?");
        printf("  score %lld  in ", (long long)json_integer_value(json_object_get(f, "score")));
        text_escape_puts(stdout, target ? target : "?");
        putchar('\n');
    }
    json_decref(m);
    putchar('\n');
}

static void collect_id(const vigil_quarantine_item *it, void *user)
{
    char ***ids = user;
    size_t n = 0;
    while ((*ids)[n] != NULL)
        n++;
    char **p = realloc(*ids, (n + 2) * sizeof *p);
    if (p == NULL)
        return;
    p[n] = strdup(it->id);
    p[n + 1] = NULL;
    *ids = p;
}

static int say(const char *what, const char *id, vigil_status st)
{
    if (st == VIGIL_OK)
        return 0;
    fprintf(stderr, "vigil quarantine: %s ", what);
    text_escape_puts(stderr, id);
    fprintf(stderr, ": %s\n", vigil_status_str(st));
    return 2;
}

static int run(vigil_quarantine *q, const char *cmd, char **ids, int nids, const q_args *a)
{
    int rc = 0;
    vigil_status st;

    if (strcmp(cmd, "list") == 0) {
        if (nids != 0)
            return say("list takes no ID; use show", ids[0], VIGIL_ERR_INVALID_ARG);
        if (!a->jsonl)
            printf("%-26s %-20s %-7s %5s %10s  %s\n", "ID", "QUARANTINED", "LEVEL", "SCORE", "SIZE",
                   "PATH");
        st = vigil_quarantine_list(q, a->jsonl ? print_item_json : print_item_text, NULL);
        return say("list", "", st);
    }
    if (strcmp(cmd, "show") == 0) {
        if (nids == 0) {
            fprintf(stderr, "vigil quarantine: show needs an ID (vigil quarantine list)\n");
            return 2;
        }
        for (int i = 0; i < nids; i++)
            rc |= say("no such item", ids[i],
                      vigil_quarantine_get(q, ids[i], a->jsonl ? print_item_json : print_item_show,
                                           NULL));
        return rc;
    }
    if (strcmp(cmd, "restore") == 0) {
        char **all = NULL;
        if (a->all) {
            all = calloc(1, sizeof *all);
            if (all == NULL)
                return 2;
            vigil_quarantine_list(q, collect_id, &all);
            ids = all;
            for (nids = 0; all[nids] != NULL; nids++)
                ;
        } else if (nids == 0) {
            fprintf(stderr, "vigil quarantine: restore needs an ID or --all\n");
            return 2;
        }
        if (a->to != NULL && nids != 1) {
            fprintf(stderr, "vigil quarantine: --to takes one item\n");
            rc = 2;
        }
        for (int i = 0; rc == 0 && i < nids; i++) {
            st = vigil_quarantine_restore(q, ids[i], a->to, a->force ? VIGIL_QUARANTINE_FORCE : 0);
            if (st == VIGIL_OK) {
                printf("restored %s\n", ids[i]);
            } else {
                say("cannot restore", ids[i], st);
                rc = 2;
            }
        }
        for (int i = 0; all != NULL && all[i] != NULL; i++)
            free(all[i]);
        free(all);
        return rc;
    }
    if (strcmp(cmd, "export") == 0) {
        if (nids != 1 || a->output == NULL) {
            fprintf(stderr, "vigil quarantine: usage: export ID -o FILE [--zip]\n");
            return 2;
        }
        st = vigil_quarantine_export(q, ids[0], a->output,
                                     a->zip ? VIGIL_QUARANTINE_EXPORT_ZIP
                                            : VIGIL_QUARANTINE_EXPORT_RAW);
        return say("cannot export", ids[0], st);
    }
    if (strcmp(cmd, "purge") == 0) {
        if (nids == 0) {
            fprintf(stderr, "vigil quarantine: purge needs an ID\n");
            return 2;
        }
        for (int i = 0; i < nids; i++) {
            st = vigil_quarantine_purge(q, ids[i]);
            if (st == VIGIL_OK)
                printf("purged %s\n", ids[i]);
            rc |= say("cannot purge", ids[i], st);
        }
        return rc;
    }
    fprintf(stderr, "vigil quarantine: unknown command '");
    text_escape_puts(stderr, cmd);
    fprintf(stderr, "'\n");
    usage(stderr);
    return 2;
}

int cmd_quarantine(int argc, char **argv)
{
    q_args a;
    int c;
    char *dir = NULL;

    memset(&a, 0, sizeof a);
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:f:o:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a.dir = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0) {
                a.jsonl = 1;
            } else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "vigil quarantine: invalid value for --format: '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_FORCE:
            a.force = 1;
            break;
        case OPT_TO:
            a.to = optarg;
            break;
        case OPT_ALL:
            a.all = 1;
            break;
        case 'o':
            a.output = optarg;
            break;
        case OPT_ZIP:
            a.zip = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    if (a.dir == NULL) {
        if (vigil_quarantine_default_dir(&dir) != VIGIL_OK) {
            fprintf(stderr, "vigil quarantine: no default store (set HOME or use --dir)\n");
            return 2;
        }
        a.dir = dir;
    }
    vigil_quarantine *q;
    vigil_quarantine_options opts = {quarantine_diag, NULL, NULL};
    vigil_status st = vigil_quarantine_open(a.dir, &opts, &q);
    int rc;
    if (st != VIGIL_OK) {
        rc = say("cannot open the store", a.dir, st);
    } else {
        rc = run(q, argv[optind], argv + optind + 1, argc - optind - 1, &a);
        vigil_quarantine_close(q);
    }
    if (fflush(stdout) != 0)
        rc = 2;
    free(dir);
    return rc;
}
