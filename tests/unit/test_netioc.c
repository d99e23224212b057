/* test_netioc.c - unit tests of network indicator hunting: label
 * boundaries, DNS debug log form, IPv4/IPv6 exact and CIDR, URLs, line
 * numbers across chunks, and live sockets from a /proc tree the test
 * writes. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netioc/netioc.h"
#include "test.h"

typedef struct hits {
    char text[8192];
    size_t len;
    const vigil_netioc_db *db;
    const char *buf;
} hits;

static int on_hit(const vigil_netioc_hit *h, void *user)
{
    hits *c = user;
    const vigil_netioc_indicator *in = vigil_netioc_db_at(c->db, h->indicator);
    c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len, "%s%llu:%llu %s '%.*s'",
                               c->len ? "\n" : "", (unsigned long long)h->line,
                               (unsigned long long)h->offset, in->value, (int)h->length,
                               c->buf ? c->buf + h->offset : "");
    return 0;
}

static vigil_netioc_db *make_db(const char *const *vals, vigil_intel_type type, size_t n)
{
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    CHECK_EQ_INT(vigil_netioc_builder_create(NULL, &b), VIGIL_OK);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(vigil_netioc_builder_add(b, type, vals[i], 0, NULL, "t", i + 1), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_finish(b, &db), VIGIL_OK);
    vigil_netioc_builder_destroy(b);
    return db;
}

static const char *scan(const vigil_netioc_db *db, const char *text)
{
    static hits h;
    vigil_netioc_scratch *s = NULL;
    memset(&h, 0, sizeof h);
    h.db = db;
    h.buf = text;
    CHECK_EQ_INT(vigil_netioc_scratch_create(db, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_scan(db, s, text, strlen(text), 1, 0, on_hit, &h), VIGIL_OK);
    vigil_netioc_scratch_destroy(s);
    return h.text;
}

static void test_domains_label_boundaries(void)
{
    const char *const d[] = {"evil.com", "hxxp://ignored", "c2[.]bad.org"};
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    CHECK_EQ_INT(vigil_netioc_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_DOMAIN, d[0], 0, NULL, "t", 1), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_DOMAIN, d[1], 0, NULL, "t", 2),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_DOMAIN, d[2], 0, NULL, "t", 3), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_MD5, "x", 0, NULL, "t", 3),
                 VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(vigil_netioc_builder_finish(b, &db), VIGIL_OK);
    vigil_netioc_builder_destroy(b);
    CHECK_EQ_INT(vigil_netioc_db_count(db), 2);
    const char *log = "query a.evil.com A\n"                         /* 1 subdomain: hit */
                      "query notevil.com A\n"                        /* 2 no */
                      "query evil.com.attacker.net\n"                /* 3 no */
                      "GET http://EVIL.COM/x\n"                      /* 4 hit, case */
                      "evil.com-cdn.net evil.comx\n"                 /* 5 no */
                      "end evil.com. evil.com evil.com\n"            /* 6 one hit */
                      "c2.bad.org,evil.com\n"                        /* 7 two */
                      "(3)www(4)evil(3)com(0) (7)notevil(3)com(0)\n" /* 8 DNS debug */
                      "x.c2.bad.org:443";                            /* 9 no newline */
    CHECK_EQ_STR(scan(db, log), "1:8 evil.com 'evil.com'\n"
                                "4:78 evil.com 'EVIL.COM'\n"
                                "6:120 evil.com 'evil.com'\n"
                                "7:148 c2.bad.org 'c2.bad.org'\n"
                                "7:159 evil.com 'evil.com'\n"
                                "8:174 evil.com '(4)evil(3)com(0)'\n"
                                "9:213 c2.bad.org 'c2.bad.org'");
    vigil_netioc_db_destroy(db);
}

static void test_ips_and_cidrs(void)
{
    const char *const v[] = {"192.0.2.1", "10.0.0.0/8", "2001:db8::/32", "fe80::1", "198.51.100.7"};
    vigil_netioc_db *db = make_db(v, VIGIL_INTEL_IP, 5);
    const char *log = "conn 192.0.2.1:443 ok\n"          /* 1 exact */
                      "conn 192.0.2.10 192.0.2.100\n"    /* 2 no */
                      "src=10.20.30.40 dst=11.0.0.1\n"   /* 3 cidr */
                      "v 1.192.0.2.1 and 192.0.2.1.5\n"  /* 4 no: longer dotted runs */
                      "six [2001:DB8:1::5]:80 fe80::1\n" /* 5 cidr6, exact6 */
                      "time 10:22:33 fe80::2\n"          /* 6 no */
                      "x 198.51.100.7";                  /* 7 exact at end */
    CHECK_EQ_STR(scan(db, log), "1:5 192.0.2.1 '192.0.2.1'\n"
                                "3:54 10.0.0.0/8 '10.20.30.40'\n"
                                "5:114 2001:db8::/32 '2001:DB8:1::5'\n"
                                "5:132 fe80::1 'fe80::1'\n"
                                "7:164 198.51.100.7 '198.51.100.7'");
    uint8_t a[4] = {10, 1, 2, 3}, z[4] = {9, 1, 2, 3};
    CHECK_EQ_INT(vigil_netioc_match_addr(db, AF_INET, a, NULL, NULL), 1);
    CHECK_EQ_INT(vigil_netioc_match_addr(db, AF_INET, z, NULL, NULL), 0);
    vigil_netioc_db_destroy(db);
}

static void test_urls(void)
{
    const char *const v[] = {"hxxp://evil.com/gate.php", "https://x.example/a/"};
    vigil_netioc_db *db = make_db(v, VIGIL_INTEL_URL, 2);
    const char *log = "GET http://evil.com/gate.php?id=1 200\n" /* 1 hit */
                      "GET http://evil.com/gate.php5 404\n"     /* 2 no */
                      "GET http://a.evil.com/gate.php\n"        /* 3 no: other host */
                      "CONNECT x.example/a/b\n";                /* 4 prefix with / */
    CHECK_EQ_STR(scan(db, log), "1:11 http://evil.com/gate.php 'evil.com/gate.php'\n"
                                "4:111 https://x.example/a/ 'x.example/a/'");
    vigil_netioc_db_destroy(db);
}

static void test_empty_db_and_args(void)
{
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    vigil_netioc_scratch *s = NULL;
    CHECK_EQ_INT(vigil_netioc_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_finish(b, &db), VIGIL_OK);
    vigil_netioc_builder_destroy(b);
    CHECK_EQ_INT(vigil_netioc_scratch_create(db, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_scan(db, s, "evil.com", 8, 1, 0, on_hit, NULL), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_scan(db, s, NULL, 3, 1, 0, on_hit, NULL), VIGIL_ERR_INVALID_ARG);
    CHECK(vigil_netioc_db_at(db, 0) == NULL);
    vigil_netioc_scratch_destroy(s);
    vigil_netioc_db_destroy(db);
    vigil_netioc_db_destroy(NULL);
    vigil_netioc_scratch_destroy(NULL);
    vigil_netioc_builder_destroy(NULL);
}

static void test_intel_items_feed_builder(void)
{
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    vigil_intel_opts o;
    CHECK_EQ_INT(vigil_netioc_builder_create(NULL, &b), VIGIL_OK);
    memset(&o, 0, sizeof o);
    o.fn = vigil_netioc_add_item_cb;
    o.user = b;
    const char *list = "evil[.]com;70;C2\n"
                       "d41d8cd98f00b204e9800998ecf8427e\n"
                       "192.0.2.0/24\n"
                       "EVIL.com\n";
    CHECK_EQ_INT(vigil_intel_load_list("c2.txt", list, strlen(list), &o), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_finish(b, &db), VIGIL_OK);
    vigil_netioc_builder_destroy(b);
    CHECK_EQ_INT(vigil_netioc_db_count(db), 2);
    const vigil_netioc_indicator *in = vigil_netioc_db_at(db, 0);
    CHECK_EQ_STR(in->value, "evil.com");
    CHECK_EQ_INT(in->score, 100); /* highest of 70 and the default */
    CHECK_EQ_STR(in->description, "C2");
    CHECK_EQ_STR(in->source, "c2.txt");
    CHECK_EQ_INT(in->line, 1);
    CHECK_EQ_STR(vigil_netioc_db_at(db, 1)->value, "192.0.2.0/24");
    vigil_netioc_db_destroy(db);
}

static int stop_at_first(const vigil_netioc_hit *h, void *user)
{
    (void)h;
    ++*(int *)user;
    return 1;
}

static void test_scan_fd_lines_and_abort(void)
{
    const char *const v[] = {"evil.com", "192.0.2.1"};
    vigil_netioc_builder *b = NULL;
    vigil_netioc_db *db = NULL;
    CHECK_EQ_INT(vigil_netioc_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_DOMAIN, v[0], 0, NULL, "t", 1), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_add(b, VIGIL_INTEL_IP, v[1], 0, NULL, "t", 2), VIGIL_OK);
    CHECK_EQ_INT(vigil_netioc_builder_finish(b, &db), VIGIL_OK);
    vigil_netioc_builder_destroy(b);
    /* 20 MB of lines so the 8 MB chunks are cut mid-file */
    char path[] = "/tmp/vigil_netioc_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    const long lines = 400000;
    for (long i = 1; i <= lines; i++) {
        if (i == 7 || i == 210001)
            fprintf(f, "%08ld client 10.0.0.1 query www.evil.com padding-padding-padding\n", i);
        else if (i == lines)
            fprintf(f, "%08ld connect 192.0.2.1 padding-padding-padding-padding-pad\n", i);
        else
            fprintf(f, "%08ld client 10.0.0.1 query www.good.com padding-padding-padding\n", i);
    }
    fclose(f);
    hits h;
    memset(&h, 0, sizeof h);
    h.db = db;
    vigil_netioc_scratch *s = NULL;
    CHECK_EQ_INT(vigil_netioc_scratch_create(db, &s), VIGIL_OK);
    fd = open(path, O_RDONLY);
    CHECK_EQ_INT(vigil_netioc_scan_fd(db, s, fd, on_hit, &h), VIGIL_OK);
    close(fd);
    /* each line is 68 bytes; the match starts at byte 35 or 17 of its line */
    CHECK_EQ_STR(h.text, "7:443 evil.com ''\n"
                         "210001:14280035 evil.com ''\n"
                         "400000:27199949 192.0.2.1 ''");
    int calls = 0;
    fd = open(path, O_RDONLY);
    CHECK_EQ_INT(vigil_netioc_scan_fd(db, s, fd, stop_at_first, &calls), VIGIL_ERR_ABORTED);
    close(fd);
    CHECK_EQ_INT(calls, 1);
    unlink(path);
    vigil_netioc_scratch_destroy(s);
    vigil_netioc_db_destroy(db);
}

static int on_conn(const vigil_live_conn *c, void *user)
{
    char *out = user;
    char l[64], r[64];
    inet_ntop(c->family, c->local, l, sizeof l);
    inet_ntop(c->family, c->remote, r, sizeof r);
    size_t n = strlen(out);
    snprintf(out + n, 1024 - n, "%s%s:%u>%s:%u st%u u%u i%llu\n", c->udp ? "udp " : "tcp ", l,
             c->lport, r, c->rport, c->state, c->uid, (unsigned long long)c->inode);
    return 0;
}

static void diag_count(const vigil_diag *d, void *user)
{
    char *out = user;
    size_t n = strlen(out);
    snprintf(out + n, 1024 - n, "%s:%llu: %s\n", d->source, (unsigned long long)d->line,
             d->message);
}

static const char *tcp4 =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
    "0 1111 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0F02000A:C350 010200C0:01BB 01 00000000:00000000 02:000A7D7F 00000000  1000        "
    "0 4242 2 0000000000000000 20 4 30 10 -1\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_live_parse(void)
{
    char out[1024] = "", diags[1024] = "";
    vigil_diag_sink sink = {diag_count, diags};
    CHECK_EQ_INT(vigil_live_parse("tcp", tcp4, strlen(tcp4), 0, AF_INET, &sink, on_conn, out),
                 VIGIL_OK);
    CHECK_EQ_STR(out, "tcp 127.0.0.1:631>0.0.0.0:0 st10 u0 i1111\n"
                      "tcp 10.0.2.15:50000>192.0.2.1:443 st1 u1000 i4242\n");
    CHECK_EQ_STR(diags, "");
    const char *tcp6 = "  sl  local_address                         remote_address"
                       "                        st tx_queue rx_queue tr tm->when retrnsmt"
                       "   uid  timeout inode\n"
                       "   0: 00000000000000000000000001000000:0016 "
                       "B80D0120000000000000000001000000:D431 01 00000000:00000000 "
                       "00:00000000 00000000     0        0 777 1 0000000000000000\n"
                       "   1: garbage\n";
    out[0] = '\0';
    CHECK_EQ_INT(vigil_live_parse("tcp6", tcp6, strlen(tcp6), 0, AF_INET6, &sink, on_conn, out),
                 VIGIL_OK);
    CHECK_EQ_STR(out, "tcp ::1:22>2001:db8::1:54321 st1 u0 i777\n");
    CHECK_EQ_STR(diags, "tcp6:3: not a socket line of /proc/net/tcp6\n");
}

static int on_live(const vigil_live_hit *h, void *user)
{
    char *out = user;
    char r[64];
    inet_ntop(h->conn->family, h->remote ? h->conn->remote : h->conn->local, r, sizeof r);
    size_t n = strlen(out);
    snprintf(out + n, 1024 - n, "%s ind%zu pid%d %s\n", r, h->indicator, h->pid, h->exe);
    return 0;
}

static void test_live_check(void)
{
    char root[] = "/tmp/vigil_proc_XXXXXX";
    char p[512], out[1024] = "", diags[1024] = "";
    CHECK(mkdtemp(root) != NULL);
    snprintf(p, sizeof p, "%s/net", root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/net/tcp", root);
    write_file(p, tcp4);
    snprintf(p, sizeof p, "%s/net/udp", root);
    write_file(p, "  sl  local_address rem_address   st\n");
    snprintf(p, sizeof p, "%s/4321", root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/4321/fd", root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/4321/fd/3", root);
    CHECK_EQ_INT(symlink("socket:[4242]", p), 0);
    snprintf(p, sizeof p, "%s/4321/fd/4", root);
    CHECK_EQ_INT(symlink("/dev/null", p), 0);
    snprintf(p, sizeof p, "%s/4321/exe", root);
    CHECK_EQ_INT(symlink("/opt/beacon/agent", p), 0);

    const char *const v[] = {"192.0.2.0/24", "127.0.0.2"};
    vigil_netioc_db *db = make_db(v, VIGIL_INTEL_IP, 2);
    vigil_diag_sink sink = {diag_count, diags};
    CHECK_EQ_INT(vigil_live_check(db, root, &sink, on_live, out), VIGIL_OK);
    CHECK_EQ_STR(out, "192.0.2.1 ind0 pid4321 /opt/beacon/agent\n");
    CHECK_EQ_STR(diags, ""); /* tcp6/udp6 absent: not an error */
    vigil_netioc_db_destroy(db);

    snprintf(p, sizeof p, "%s/4321/fd/3", root);
    unlink(p);
    snprintf(p, sizeof p, "%s/4321/fd/4", root);
    unlink(p);
    snprintf(p, sizeof p, "%s/4321/exe", root);
    unlink(p);
    snprintf(p, sizeof p, "%s/4321/fd", root);
    rmdir(p);
    snprintf(p, sizeof p, "%s/4321", root);
    rmdir(p);
    snprintf(p, sizeof p, "%s/net/tcp", root);
    unlink(p);
    snprintf(p, sizeof p, "%s/net/udp", root);
    unlink(p);
    snprintf(p, sizeof p, "%s/net", root);
    rmdir(p);
    rmdir(root);
}

int main(void)
{
    TEST_RUN(test_domains_label_boundaries);
    TEST_RUN(test_ips_and_cidrs);
    TEST_RUN(test_urls);
    TEST_RUN(test_empty_db_and_args);
    TEST_RUN(test_intel_items_feed_builder);
    TEST_RUN(test_scan_fd_lines_and_abort);
    TEST_RUN(test_live_parse);
    TEST_RUN(test_live_check);
    return TEST_END();
}
