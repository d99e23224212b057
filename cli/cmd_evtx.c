/* cmd_evtx.c - `vigil evtx`: look at event logs the way the Sigma engine
 * sees them.
 *
 *   vigil evtx dump [--threads N] [--no-crc] FILE...   one JSON object per record
 *   vigil evtx count [--threads N] [--no-crc] FILE...  per file: records, channels,
 *                                                       EventID histogram (TSV)
 *
 * Why JSON Lines written by hand: field order is kept as in the event and
 * the output is streamed without building a document per record. Exit
 * code 0 when every file was read without an error diagnostic, 2 if not. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "outstream.h"
#include "text_escape.h"
#include "vigil/vigil.h"

typedef struct count_entry {
    char *key;
    uint64_t n;
} count_entry;

typedef struct counter {
    count_entry *v;
    size_t n, cap;
} counter;

typedef struct evtx_cli {
    int errors;
    uint64_t records;
    counter channels;
    counter eventids;
    FILE *out;
} evtx_cli;

static int counter_add(counter *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].key, key) == 0) {
            c->v[i].n++;
            return 0;
        }
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        count_entry *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].key = strdup(key);
    if (c->v[c->n].key == NULL)
        return -1;
    c->v[c->n++].n = 1;
    return 0;
}

static void counter_clear(counter *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].key);
    c->n = 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const count_entry *)a)->key, ((const count_entry *)b)->key);
}

static int cmp_num(const void *a, const void *b)
{
    const char *x = ((const count_entry *)a)->key, *y = ((const count_entry *)b)->key;
    unsigned long long u = strtoull(x, NULL, 10), v = strtoull(y, NULL, 10);
    return u < v ? -1 : u > v ? 1 : strcmp(x, y);
}

static void counter_print(FILE *out, counter *c, int numeric)
{
    if (c->n > 1) /* an empty counter's array is NULL: qsort(NULL, 0) is undefined */
        qsort(c->v, c->n, sizeof *c->v, numeric ? cmp_num : cmp_key);
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            putc(',', out);
        text_escape_puts(out, c->v[i].key); /* a channel name is the event's text */
        fprintf(out, "%c%" PRIu64, numeric ? ':' : '=', c->v[i].n);
    }
}

static void json_str(FILE *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    putc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        fwrite(s + start, 1, i - start, out);
        start = i + 1;
        switch (ch) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            fputs("\\u00", out);
            putc(hex[ch >> 4], out);
            putc(hex[ch & 15], out);
        }
    }
    fwrite(s + start, 1, n - start, out);
    putc('"', out);
}

static int on_dump(const vigil_event *ev, void *user)
{
    evtx_cli *cli = user;
    FILE *out = cli->out;

    putc('{', out);
    for (size_t i = 0; i < ev->nfields; i++) {
        const vigil_field *f = &ev->fields[i];
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++)
            dup = strcmp(ev->fields[k].name, f->name) == 0;
        if (dup)
            continue; /* JSON keys must be unique: the first one wins */
        if (i)
            putc(',', out);
        json_str(out, f->name, f->name_len);
        putc(':', out);
        json_str(out, f->value, f->value_len);
    }
    fputs("}\n", out);
    return out_stream_note(out); /* output gone: stop, main.c says why */
}

static int on_count(const vigil_event *ev, void *user)
{
    evtx_cli *cli = user;
    const vigil_field *ch = vigil_event_get(ev, "Channel");
    const vigil_field *id = vigil_event_get(ev, "EventID");

    cli->records++;
    if (counter_add(&cli->channels, ch ? ch->value : "") != 0 ||
        counter_add(&cli->eventids, id ? id->value : "") != 0)
        return 1;
    return 0;
}

static void on_diag(const vigil_diag *d, void *user)
{
    evtx_cli *cli = user;
    if (d->level == VIGIL_DIAG_ERROR)
        cli->errors++;
    fprintf(stderr, "vigil: %s: ", d->level == VIGIL_DIAG_ERROR ? "error" : "warning");
    text_escape_puts_or(stderr, d->source, "-");
    if (d->has_offset)
        fprintf(stderr, ": offset %" PRIu64, d->offset);
    fputs(": ", stderr);
    text_escape_puts(stderr, d->message);
    fputc('\n', stderr);
}

#define EVTX_USAGE "usage: vigil evtx dump|count [--threads N] [--no-crc] FILE...\n"

static void help(FILE *fp)
{
    fputs(EVTX_USAGE "\n"
                     "Reads Windows event logs (EVTX) record by record.\n"
                     "  dump     every event as one JSON line\n"
                     "  count    per file: path, records, records by channel and by event ID\n"
                     "\n"
                     "      --threads N          worker threads (default: every core)\n"
                     "      --no-crc             do not check the chunk checksums\n"
                     "  -h, --help               this text\n"
                     "Exit code: 0 read, 2 error.\n",
          fp);
}

/* A usage error: what is wrong, the short usage and where the help is. */
static int usage_error(const char *what, const char *arg)
{
    if (what != NULL) {
        fprintf(stderr, "vigil evtx: %s", what);
        if (arg != NULL) {
            fputs(" '", stderr);
            text_escape_puts(stderr, arg);
            fputc('\'', stderr);
        }
        fputc('\n', stderr);
    }
    fputs(EVTX_USAGE "Try 'vigil evtx --help' for more information.\n", stderr);
    return 2;
}

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int cmd_evtx(int argc, char **argv)
{
    evtx_cli cli;
    vigil_evtx_options opts;
    vigil_evtx_parser *parser = NULL;
    int count, i, rc = 0;

    if (argc < 2)
        return usage_error("no subcommand given", NULL);
    if (is_help(argv[1])) {
        help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "dump") == 0)
        count = 0;
    else if (strcmp(argv[1], "count") == 0)
        count = 1;
    else
        return usage_error("unknown subcommand (valid: dump, count):", argv[1]);
    memset(&cli, 0, sizeof cli);
    memset(&opts, 0, sizeof opts);
    cli.out = stdout;
    opts.on_event = count ? on_count : on_dump;
    opts.event_user = &cli;
    opts.on_diag = on_diag;
    opts.diag_user = &cli;
    for (i = 2; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (is_help(argv[i])) {
            help(stdout);
            return 0;
        } else if (strcmp(argv[i], "--threads") == 0) {
            char *end;
            const char *v = i + 1 < argc ? argv[++i] : "";
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || v[0] == '-' || n > 1024)
                return usage_error("invalid value for --threads (0 to 1024):", v);
            opts.threads = (unsigned)n;
        } else if (strcmp(argv[i], "--no-crc") == 0) {
            opts.no_crc = 1;
        } else {
            return usage_error("unknown option", argv[i]);
        }
    }
    if (i >= argc)
        return usage_error("no FILE given", NULL);
    if (vigil_evtx_parser_create(&opts, &parser) != VIGIL_OK) {
        fprintf(stderr, "vigil: out of memory\n");
        return 2;
    }
    for (; i < argc; i++) {
        cli.records = 0;
        counter_clear(&cli.channels);
        counter_clear(&cli.eventids);
        int errors = cli.errors;
        vigil_status st = vigil_evtx_parse_file(parser, argv[i]);
        if (out_stream_note(stdout)) {
            rc = 2; /* said by main.c, closing standard output */
            break;
        }
        if (st != VIGIL_OK) {
            if (cli.errors == errors) { /* else the diagnostic said it */
                fputs("vigil: ", stderr);
                text_escape_puts(stderr, argv[i]);
                fprintf(stderr, ": %s\n", vigil_status_str(st));
            }
            rc = 2;
            continue;
        }
        if (count) {
            text_escape_puts(stdout, argv[i]);
            printf("\t%" PRIu64 "\t", cli.records);
            counter_print(stdout, &cli.channels, 0);
            putchar('\t');
            counter_print(stdout, &cli.eventids, 1);
            putchar('\n');
        }
    }
    vigil_evtx_parser_destroy(parser);
    counter_clear(&cli.channels);
    counter_clear(&cli.eventids);
    free(cli.channels.v);
    free(cli.eventids.v);
    if (fflush(stdout) != 0)
        rc = 2;
    return cli.errors ? 2 : rc;
}
