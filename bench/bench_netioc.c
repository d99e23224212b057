/* bench_netioc.c - generator and timed scanner for the network-indicator
 * benchmark (bench/bench_netioc.sh compares it with rg -F -f and grep -F -f).
 *
 *   bench_netioc gen DIR [MB] [NIOCS]   writes DIR/iocs.txt and DIR/log.txt:
 *       NIOCS indicators (70% domains, 30% IPv4) and MB of squid access,
 *       Zeek dns.log and Windows DNS debug lines; about one line in 1000
 *       holds an indicator, one in 1000 a look-alike ("x" + indicator
 *       domain, or an indicator IP followed by more digits) that only a
 *       label-blind matcher reports.
 *   bench_netioc scan IOCS LOG           loads, compiles and scans; prints
 *       "vigil load_s build_s scan_s lines hits MBps".
 *
 * Deterministic (fixed PRNG seed), so every run scans the same bytes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "intel/intel_loaders.h"
#include "netioc/netioc.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void label(char *out, int min, int max)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int n = min + (int)(rnd() % (unsigned)(max - min + 1));
    for (int i = 0; i < n; i++)
        out[i] = al[rnd() % (i == 0 ? 26 : 36)];
    out[n] = '\0';
}

static const char *const tlds[] = {"com", "net", "org", "info", "biz", "ru", "cn", "io"};

static void domain(char *out)
{
    char a[16];
    label(a, 5, 12);
    sprintf(out, "%s.%s", a, tlds[rnd() % 8]);
}

static void dns_form(const char *d, char *out)
{
    char *o = out;
    const char *p = d;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        o += sprintf(o, "(%zu)", l);
        memcpy(o, p, l);
        o += l;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    strcpy(o, "(0)");
}

static int gen(const char *dir, long mb, long niocs)
{
    char path[4096];
    long ndom = niocs * 7 / 10, nip = niocs - ndom;
    char(*doms)[32] = malloc((size_t)ndom * 32);
    uint32_t *ips = malloc((size_t)nip * sizeof *ips);
    char(*benign)[32] = malloc(5000 * 32);
    if (doms == NULL || ips == NULL || benign == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/iocs.txt", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 1;
    for (long i = 0; i < ndom; i++) {
        domain(doms[i]);
        fprintf(f, "%s\n", doms[i]);
    }
    for (long i = 0; i < nip; i++) {
        /* public-looking addresses outside 10/8 and 93/8 used by the noise */
        ips[i] = (uint32_t)(100 + rnd() % 100) << 24 | (rnd() & 0xffffff);
        fprintf(f, "%u.%u.%u.%u\n", ips[i] >> 24, ips[i] >> 16 & 255, ips[i] >> 8 & 255,
                ips[i] & 255);
    }
    fclose(f);
    for (int i = 0; i < 5000; i++)
        domain(benign[i]);
    snprintf(path, sizeof path, "%s/log.txt", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return 1;
    long long target = mb * 1024 * 1024, written = 0;
    long line = 0;
    char host[64], dst[32], form[96], path2[16];
    while (written < target) {
        line++;
        uint32_t r = rnd() % 1000;
        const char *d = benign[rnd() % 5000];
        uint32_t ip = 93u << 24 | (rnd() & 0xffffff);
        int planted = 0;
        if (r == 0) {
            d = doms[rnd() % (uint32_t)ndom];
            planted = 1;
        } else if (r == 1) {
            ip = ips[rnd() % (uint32_t)nip];
            planted = 2;
        }
        if (r == 2) /* look-alike domain */
            snprintf(host, sizeof host, "x%s", doms[rnd() % (uint32_t)ndom]);
        else
            snprintf(host, sizeof host, "%s%s", rnd() % 2 ? "www." : "", d);
        snprintf(dst, sizeof dst, "%u.%u.%u.%u%s", ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
                 ip & 255, r == 3 ? "" : "");
        if (r == 3) { /* look-alike IP: an indicator with one more digit */
            uint32_t x = ips[rnd() % (uint32_t)nip];
            snprintf(dst, sizeof dst, "%u.%u.%u.%u7", x >> 24, x >> 16 & 255, x >> 8 & 255,
                     x & 255);
        }
        (void)planted;
        label(path2, 3, 8);
        int kind = (int)(rnd() % 3);
        int n;
        if (kind == 0)
            n = fprintf(f,
                        "%ld.%03u %6u 10.%u.%u.%u TCP_MISS/200 %u GET http://%s/%s.js - "
                        "HIER_DIRECT/%s application/javascript\n",
                        1717200000L + line / 50, rnd() % 1000, rnd() % 5000, rnd() % 256,
                        rnd() % 256, rnd() % 256, rnd() % 100000, host, path2, dst);
        else if (kind == 1)
            n = fprintf(f,
                        "%ld.%06u\tC%08x\t10.%u.%u.%u\t%u\t10.0.0.53\t53\tudp\t%u\t%s\t1\t"
                        "C_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t%s\t60.0\tF\n",
                        1717200000L + line / 50, rnd() % 1000000, rnd(), rnd() % 256,
                        rnd() % 256, rnd() % 256, 1024 + rnd() % 60000, rnd() % 65536, host,
                        dst);
        else {
            dns_form(host, form);
            n = fprintf(f,
                        "6/1/2024 10:%02u:%02u AM 0E2C PACKET  000001C2B1C3A0D0 UDP Rcv "
                        "10.%u.%u.%u    %04x   Q [0001   D   NOERROR] A      %s\n",
                        rnd() % 60, rnd() % 60, rnd() % 256, rnd() % 256, rnd() % 256,
                        rnd() % 65536, form);
        }
        written += n;
    }
    fclose(f);
    free(doms);
    free(ips);
    free(benign);
    printf("gen: %ld indicators, %lld bytes, %ld lines\n", niocs, written, line);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct counts {
    unsigned long long hits, lines, last_line;
} counts;

static int on_hit(const vigil_netioc_hit *h, void *user)
{
    counts *c = user;
    c->hits++;
    if (h->line != c->last_line) {
        c->lines++;
        c->last_line = h->line;
    }
    return 0;
}

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    fprintf(stderr, "%s:%llu: %s\n", d->source ? d->source : "-", (unsigned long long)d->line,
            d->message);
}

static int scan(const char *iocs, const char *log)
{
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    vigil_netioc_scratch *s = NULL;
    vigil_diag_sink sink = {on_diag, NULL};
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.diag = sink;
    o.fn = vigil_netioc_add_item_cb;
    double t0 = now();
    if (vigil_netioc_builder_create(&sink, &b) != VIGIL_OK)
        return 1;
    o.user = b;
    if (vigil_intel_load_file(VIGIL_INTEL_FMT_LIST, iocs, &o) != VIGIL_OK)
        return 1;
    double t1 = now();
    if (vigil_netioc_builder_finish(b, &db) != VIGIL_OK)
        return 1;
    vigil_netioc_builder_destroy(b);
    if (vigil_netioc_scratch_create(db, &s) != VIGIL_OK)
        return 1;
    double t2 = now();
    int fd = open(log, O_RDONLY);
    if (fd < 0)
        return 1;
    counts c = {0, 0, 0};
    vigil_status st = vigil_netioc_scan_fd(db, s, fd, on_hit, &c);
    close(fd);
    double t3 = now();
    struct stat sb;
    stat(log, &sb);
    printf("vigil load_s %.3f build_s %.3f scan_s %.3f lines %llu hits %llu MBps %.0f\n", t1 - t0,
           t2 - t1, t3 - t2, c.lines, c.hits, (double)sb.st_size / 1048576.0 / (t3 - t2));
    vigil_netioc_scratch_destroy(s);
    vigil_netioc_db_destroy(db);
    return st == VIGIL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2], argc > 3 ? atol(argv[3]) : 200, argc > 4 ? atol(argv[4]) : 100000);
    if (argc == 4 && strcmp(argv[1], "scan") == 0)
        return scan(argv[2], argv[3]);
    fprintf(stderr, "usage: bench_netioc gen DIR [MB] [NIOCS] | scan IOCS LOG\n");
    return 2;
}
