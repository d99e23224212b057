/* test_winart.c - unit tests of the Windows artefact readers: what the
 * sniffer recognises, task XML (UTF-8 and UTF-16, several actions, COM
 * handlers, no entity expansion), Startup folder files, FILETIME text and
 * the refusals for damaged or compressed input. */
#include "test.h"
#include "winart/winart.h"

/* ASCII text as UTF-16LE with a BOM, into a malloc'd buffer. */
static uint8_t *utf16(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *b = malloc(2 + 2 * n);
    b[0] = 0xFF;
    b[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        b[2 + 2 * i] = (uint8_t)s[i];
        b[3 + 2 * i] = 0;
    }
    *len = 2 + 2 * n;
    return b;
}

static const char *meta(const vigil_winart_entry *e, const char *key)
{
    for (size_t i = 0; i < e->nmeta; i++)
        if (strcmp(e->keys[i], key) == 0)
            return e->values[i];
    return NULL;
}

static const char task_two[] =
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
    "<Task version=\"1.4\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">"
    "<RegistrationInfo><Author>ACME\\ops</Author></RegistrationInfo>"
    "<Triggers><BootTrigger/><TimeTrigger><Enabled>false</Enabled></TimeTrigger></Triggers>"
    "<Principals><Principal><GroupId>S-1-5-32-545</GroupId></Principal></Principals>"
    "<Settings><Enabled>false</Enabled></Settings>"
    "<Actions><Exec><Command> %windir%\\system32\\rundll32.exe </Command>"
    "<Arguments>C:\\Users\\Public\\x.dll,Start</Arguments></Exec>"
    "<ComHandler><ClassId>{01575CFE-9A55-4003-A5E1-F38D1EBDCBE1}</ClassId></ComHandler>"
    "</Actions></Task>";

static void test_sniff(void)
{
    uint8_t lnk[80] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0};
    uint8_t pf[16] = {23, 0, 0, 0, 'S', 'C', 'C', 'A'};
    uint8_t mam[16] = {'M', 'A', 'M', 4};
    size_t n;
    uint8_t *t = utf16(task_two, &n);

    CHECK_EQ_INT(vigil_winart_sniff("a/b.lnk", lnk, sizeof lnk), VIGIL_WINART_LNK);
    CHECK_EQ_INT(vigil_winart_sniff("a/b.lnk", lnk, 40), VIGIL_WINART_NONE); /* too short */
    CHECK_EQ_INT(vigil_winart_sniff("x", pf, sizeof pf), VIGIL_WINART_PREFETCH);
    CHECK_EQ_INT(vigil_winart_sniff("x", mam, sizeof mam), VIGIL_WINART_PREFETCH);
    CHECK_EQ_INT(vigil_winart_sniff("C:\\Windows\\System32\\Tasks\\T", t, n), VIGIL_WINART_TASK);
    CHECK_EQ_INT(vigil_winart_sniff("img/WINDOWS/system32/TASKS/T", (const uint8_t *)task_two,
                                    sizeof task_two - 1),
                 VIGIL_WINART_TASK);
    /* a task-like file elsewhere, or a non-task file in Tasks */
    CHECK_EQ_INT(vigil_winart_sniff("docs/T.xml", t, n), VIGIL_WINART_NONE);
    CHECK_EQ_INT(vigil_winart_sniff("Windows/System32/Tasks/readme", (const uint8_t *)"hello", 5),
                 VIGIL_WINART_NONE);
    CHECK_EQ_INT(vigil_winart_sniff("ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/a.vbs",
                                    (const uint8_t *)"x", 1),
                 VIGIL_WINART_STARTUP);
    CHECK_EQ_INT(vigil_winart_sniff("ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/"
                                    "desktop.ini",
                                    (const uint8_t *)"x", 1),
                 VIGIL_WINART_NONE);
    free(t);
}

static void test_task_utf16(void)
{
    size_t n;
    uint8_t *t = utf16(task_two, &n);
    vigil_winart_list l;

    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_task_parse("img/Windows/System32/Tasks/Acme/Updater", t, n, &l), 0);
    CHECK_EQ_INT(l.n, 2);
    if (l.n == 2) {
        const vigil_winart_entry *e = &l.items[0];
        CHECK_EQ_INT(e->kind, VIGIL_FINDING_PERSISTENCE);
        CHECK_EQ_STR(e->name, "\\Acme\\Updater");
        CHECK_EQ_STR(e->target, "%windir%\\system32\\rundll32.exe"); /* trimmed */
        CHECK_EQ_STR(meta(e, "arguments"), "C:\\Users\\Public\\x.dll,Start");
        CHECK_EQ_STR(meta(e, "author"), "ACME\\ops");
        CHECK_EQ_STR(meta(e, "triggers"), "BootTrigger,TimeTrigger(disabled)");
        CHECK_EQ_STR(meta(e, "user"), "S-1-5-32-545");
        CHECK_EQ_STR(meta(e, "enabled"), "false");
        CHECK(meta(e, "hidden") == NULL);
        e = &l.items[1];
        CHECK_EQ_STR(e->target, "{01575CFE-9A55-4003-A5E1-F38D1EBDCBE1}");
        CHECK_EQ_STR(meta(e, "com_class_id"), "{01575CFE-9A55-4003-A5E1-F38D1EBDCBE1}");
    }
    vigil_winart_list_free(&l);
    free(t);
}

static void test_task_refusals(void)
{
    static const char xxe[] =
        "<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<Task><Actions><Exec><Command>&x;</Command></Exec></Actions></Task>";
    static const char noact[] = "<Task><RegistrationInfo><Author>a</Author></RegistrationInfo></Task>";
    vigil_winart_list l;

    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_task_parse("Tasks/x", (const uint8_t *)xxe, sizeof xxe - 1, &l), 0);
    CHECK_EQ_INT(l.n, 1);
    if (l.n == 1)
        CHECK(l.items[0].target == NULL || strstr(l.items[0].target, "root:") == NULL);
    vigil_winart_list_free(&l);

    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_task_parse("Tasks/x", (const uint8_t *)noact, sizeof noact - 1, &l),
                 0);
    CHECK_EQ_INT(l.n, 1); /* still an autostart entry, without a command */
    if (l.n == 1) {
        CHECK(l.items[0].target == NULL);
        CHECK_EQ_STR(meta(&l.items[0], "author"), "a");
    }
    vigil_winart_list_free(&l);

    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_task_parse("Tasks/x", (const uint8_t *)"<Task><Actions>", 15, &l), -1);
    CHECK(strstr(l.error, "not a well-formed task XML") != NULL);
    CHECK_EQ_INT(l.n, 0);
    vigil_winart_list_free(&l);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_task_parse("Tasks/x", (const uint8_t *)"<Other/>", 8, &l), -1);
    vigil_winart_list_free(&l);
}

static void test_startup_and_refusals(void)
{
    vigil_winart_list l;
    uint8_t junk[100];

    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_startup_parse("/mnt/img/Users/Bob/AppData/Roaming/Microsoft/Windows/"
                                            "Start Menu/Programs/Startup/run.vbs",
                                            (const uint8_t *)"WScript", 7, &l),
                 0);
    CHECK_EQ_INT(l.n, 1);
    if (l.n == 1) {
        CHECK_EQ_STR(l.items[0].name, "run.vbs");
        CHECK_EQ_STR(l.items[0].target,
                     "Users\\Bob\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\"
                     "Startup\\run.vbs");
    }
    vigil_winart_list_free(&l);

    memset(junk, 0xA5, sizeof junk);
    memcpy(junk, "\x4C\x00\x00\x00\x01\x14\x02\x00", 8);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(vigil_winart_lnk_parse("a.lnk", junk, sizeof junk, VIGIL_FINDING_EXECUTION, &l),
                 -1);
    CHECK(strstr(l.error, "not a readable shell link") != NULL);
    vigil_winart_list_free(&l);

    memset(&l, 0, sizeof l);
    memcpy(junk, "MAM\x04", 4);
    CHECK_EQ_INT(vigil_winart_prefetch_parse("a.pf", junk, sizeof junk, &l), -2);
    CHECK(strstr(l.error, "compressed (MAM) Prefetch") != NULL);
    vigil_winart_list_free(&l);

    memset(&l, 0, sizeof l);
    memcpy(junk, "MAM\x04\x00\x00\x00\xF0", 8); /* declares 4 GB uncompressed */
    CHECK_EQ_INT(vigil_winart_prefetch_parse("a.pf", junk, sizeof junk, &l), -1);
    CHECK(strstr(l.error, "declares 4026531840 bytes uncompressed") != NULL);
    vigil_winart_list_free(&l);

    memset(&l, 0, sizeof l);
    memcpy(junk, "\x17\x00\x00\x00SCCA", 8);
    CHECK_EQ_INT(vigil_winart_prefetch_parse("a.pf", junk, sizeof junk, &l), -1);
    vigil_winart_list_free(&l);
    vigil_winart_list_free(NULL);
}

/* fuzz_lnk found liblnk allocating a LinkInfo's claimed size (2.7 GB from
 * a 100-byte file): such a link is refused before liblnk sees it. */
static void test_lnk_huge_size_refused(void)
{
    uint8_t l[100];
    vigil_winart_list list;

    memset(l, 0, sizeof l);
    memcpy(l, "\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46",
           20);
    l[20] = 0x02;                                          /* HasLinkInfo */
    memcpy(l + 76, "\x00\x00\x00\xA5", 4);                /* LinkInfoSize 0xA5000000 */
    memset(&list, 0, sizeof list);
    CHECK_EQ_INT(vigil_winart_lnk_parse("a.lnk", l, sizeof l, VIGIL_FINDING_EXECUTION, &list), -1);
    CHECK(strstr(list.error, "a size field runs past its end") != NULL);
    vigil_winart_list_free(&list);
    l[20] = 0x80 | 0x20; /* IsUnicode, HasArguments: 0xFFFF characters claimed */
    l[76] = 0xFF;
    l[77] = 0xFF;
    memset(&list, 0, sizeof list);
    CHECK_EQ_INT(vigil_winart_lnk_parse("a.lnk", l, sizeof l, VIGIL_FINDING_EXECUTION, &list), -1);
    vigil_winart_list_free(&list);
}

static void test_filetime(void)
{
    char b[40];
    vigil_winart_filetime(131976036000000000ull, b, sizeof b);
    CHECK_EQ_STR(b, "2019-03-21T01:00:00.000Z");
    vigil_winart_filetime(0, b, sizeof b);
    CHECK_EQ_STR(b, "");
    vigil_winart_filetime(1000, b, sizeof b); /* before 1970: unknown */
    CHECK_EQ_STR(b, "");
    CHECK(vigil_winart_path_find("a\\START MENU\\Programs/startup/x", "/start menu/programs/startup/") !=
          NULL);
    CHECK(vigil_winart_path_find("Start Menu/Programs", "/start menu/programs/startup/") == NULL);
}

int main(void)
{
    TEST_RUN(test_sniff);
    TEST_RUN(test_task_utf16);
    TEST_RUN(test_task_refusals);
    TEST_RUN(test_startup_and_refusals);
    TEST_RUN(test_lnk_huge_size_refused);
    TEST_RUN(test_filetime);
    return TEST_END();
}
