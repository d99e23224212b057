/* test_registry.c - the hive reader: key naming as Sysmon does it, value
 * rendering (Details), the file an autostart command starts, and damaged
 * input. Hives are made with hivex's write API on an empty hive from
 * tests/tools/mkhive (the e2e test uses hivexregedit on the same base). */
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "registry/registry.h"
#include "test.h"

static void check_file(const char *cmd, const char *want)
{
    char buf[1024];
    vigil_registry_command_file(cmd, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "command [%s]: file [%s], want [%s]\n", cmd, buf, want);
    CHECK_EQ_STR(buf, want);
}

static void test_command_file(void)
{
    check_file("\"C:\\Program Files\\App\\app.exe\" /background", "C:\\Program Files\\App\\app.exe");
    check_file("C:\\Program Files\\App\\app.exe /background", "C:\\Program Files\\App\\app.exe");
    check_file("%SystemRoot%\\System32\\svchost.exe -k netsvcs",
               "C:\\Windows\\System32\\svchost.exe");
    check_file("%windir%\\system32\\x.exe", "C:\\Windows\\system32\\x.exe");
    check_file("\\??\\C:\\Windows\\system32\\drivers\\evil.sys",
               "C:\\Windows\\system32\\drivers\\evil.sys");
    check_file("\\SystemRoot\\System32\\drivers\\acpi.sys",
               "C:\\Windows\\System32\\drivers\\acpi.sys");
    check_file("system32\\DRIVERS\\disk.sys", "C:\\Windows\\system32\\DRIVERS\\disk.sys");
    check_file("rundll32.exe \"C:\\Users\\a\\x.dll\",Start", "C:\\Users\\a\\x.dll");
    check_file("C:\\Windows\\system32\\rundll32.exe C:\\ProgramData\\y.dll,Run",
               "C:\\ProgramData\\y.dll");
    check_file("explorer.exe", "explorer.exe");
    check_file("  ", "");
    check_file("\"unterminated", "unterminated");
}

static void check_root(const char *path, const char *want)
{
    char buf[256];
    vigil_registry_root(path, NULL, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, want);
}

static void test_root(void)
{
    check_root("/img/Windows/System32/config/SYSTEM", "HKLM\\System");
    check_root("/img/Windows/System32/config/software", "HKLM\\SOFTWARE");
    check_root("/img/Windows/System32/config/SAM", "HKLM\\SAM");
    check_root("/img/Windows/System32/config/SECURITY", "HKLM\\SECURITY");
    check_root("/img/Users/bob/NTUSER.DAT", "HKU\\bob");
    check_root("/img/Users/bob/AppData/Local/Microsoft/Windows/UsrClass.dat", "HKU\\bob_Classes");
    check_root("/img/Documents and Settings/eve/ntuser.dat", "HKU\\eve");
    check_root("triage.zip!C/Users/carol/NTUSER.DAT", "HKU\\carol");
    check_root("/img/Windows/AppCompat/Programs/Amcache.hve", "\\REGISTRY\\A\\Amcache");
    check_root("/tmp/something.hiv", "\\REGISTRY\\something.hiv");
}

/* An empty hive from the test tool, in a temporary file of our own. */
static int make_base(char *path, size_t cap)
{
    const char *build = getenv("VIGIL_BUILD");
    char cmd[4096];
    snprintf(path, cap, "%s/vigil-test-hive.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(cmd, sizeof cmd, "'%s/tests/tools/mkhive' '%s'", build ? build : "build", path);
    return system(cmd) == 0 ? 0 : -1;
}

static hive_node_h add_path(hive_h *h, const char *const *names, size_t n)
{
    hive_node_h node = hivex_root(h);
    for (size_t i = 0; i < n && node != 0; i++) {
        hive_node_h c = hivex_node_get_child(h, node, names[i]);
        node = c != 0 ? c : hivex_node_add_child(h, node, names[i]);
    }
    return node;
}

typedef struct seen {
    char lines[32][512];
    size_t n;
} seen;

static int on_event(const vigil_event *ev, void *user)
{
    seen *s = user;
    const vigil_field *id = vigil_event_get(ev, "EventID");
    const vigil_field *t = vigil_event_get(ev, "TargetObject");
    const vigil_field *d = vigil_event_get(ev, "Details");
    const vigil_field *c = vigil_event_get(ev, "Channel");
    if (s->n < 32 && id != NULL && t != NULL && c != NULL &&
        strcmp(c->value, "Microsoft-Windows-Sysmon/Operational") == 0)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s %s = %s", id->value, t->value,
                 d != NULL ? d->value : "-");
    return 0;
}

static int diags;
static void count_diag(const vigil_diag *d, void *user)
{
    (void)d;
    (void)user;
    diags++;
}

static void test_walk(void)
{
    char path[512];
    static const char *const run[] = {"Microsoft", "Windows", "CurrentVersion", "Run"};
    static const char sz[] = "C\0:\0\\\0x\0.\0e\0x\0e\0\0"; /* UTF-16LE */
    static const char multi[] = "a\0\0\0b\0\0\0\0"; /* "a", "b" */
    char dword[4] = {1, 0, 0, 0}, qword[8] = {2, 0, 0, 0, 1, 0, 0, 0}, bin[3] = {1, 2, 3};
    hive_set_value vals[] = {
        {(char *)"App", hive_t_REG_SZ, sizeof sz, (char *)sz},
        {(char *)"Empty", hive_t_REG_SZ, 2, (char *)"\0"},
        {(char *)"D", hive_t_REG_DWORD, 4, dword},
        {(char *)"Q", hive_t_REG_QWORD, 8, qword},
        {(char *)"B", hive_t_REG_BINARY, 3, bin},
        {(char *)"M", hive_t_REG_MULTI_SZ, sizeof multi, (char *)multi},
        {(char *)"", hive_t_REG_SZ, sizeof sz, (char *)sz},
    };
    if (make_base(path, sizeof path) != 0) {
        CHECK(!"mkhive");
        return;
    }
    hive_h *h = hivex_open(path, HIVEX_OPEN_WRITE);
    CHECK(h != NULL);
    if (h == NULL)
        return;
    hive_node_h node = add_path(h, run, 4);
    CHECK(node != 0);
    CHECK_EQ_INT(hivex_node_set_values(h, node, sizeof vals / sizeof vals[0], vals, 0), 0);
    CHECK_EQ_INT(hivex_commit(h, NULL, 0), 0);
    hivex_close(h);

    char *data = NULL;
    size_t len = 0;
    CHECK_EQ_INT(vigil_read_file(path, 1 << 20, &data, &len), VIGIL_OK);
    unlink(path);
    seen s;
    memset(&s, 0, sizeof s);
    vigil_diag_sink sink = {count_diag, NULL};
    uint64_t events = 0;
    diags = 0;
    CHECK_EQ_INT(vigil_registry_events("/img/Windows/System32/config/SOFTWARE", data, len, &sink,
                                       on_event, &s, &events),
                 VIGIL_OK);
    CHECK_EQ_INT(diags, 0);
    CHECK_EQ_INT(events, 12); /* 5 keys, 7 values */
    static const char *const want[] = {
        "12 HKLM\\SOFTWARE = -",
        "12 HKLM\\SOFTWARE\\Microsoft = -",
        "12 HKLM\\SOFTWARE\\Microsoft\\Windows = -",
        "12 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion = -",
        "12 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run = -",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\App = C:\\x.exe",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Empty = (Empty)",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\D = DWORD (0x00000001)",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Q = QWORD (0x00000001-0x00000002)",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\B = Binary Data",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\M = a b",
        "13 HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\(Default) = C:\\x.exe",
    };
    CHECK_EQ_INT(s.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n && i < sizeof want / sizeof want[0]; i++)
        CHECK_EQ_STR(s.lines[i], want[i]);
    /* the header's name names a renamed hive's root */
    char root[128];
    vigil_registry_root("/evidence/hive-copy.bin", data, len, root, sizeof root);
    CHECK_EQ_STR(root, "\\REGISTRY\\hive-copy.bin"); /* mkhive's header: test.hive */
    free(data);
}

static void test_damaged(void)
{
    static uint8_t buf[8192];
    vigil_diag_sink sink = {count_diag, NULL};
    seen s;
    memset(&s, 0, sizeof s);
    diags = 0;
    memcpy(buf, "regf", 4);
    CHECK_EQ_INT(vigil_registry_events("x/SOFTWARE", buf, sizeof buf, &sink, on_event, &s, NULL),
                 VIGIL_ERR_CORRUPT);
    CHECK_EQ_INT(diags, 1);
    CHECK_EQ_INT(vigil_registry_is_hive(buf, 100), 0); /* shorter than a base block */
    CHECK_EQ_INT(vigil_registry_events("x/SOFTWARE", "regf", 4, &sink, on_event, &s, NULL),
                 VIGIL_ERR_CORRUPT);
    CHECK_EQ_INT(s.n, 0);
}

int main(void)
{
    TEST_RUN(test_command_file);
    TEST_RUN(test_root);
    TEST_RUN(test_walk);
    TEST_RUN(test_damaged);
    return TEST_END();
}
