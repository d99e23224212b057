/* test_text_escape.c - cli/text_escape.c, the escaping of hostile strings
 * for text output and diagnostics: every C0 byte, DEL, C1 both as UTF-8
 * and as raw bytes, ESC sequences, invalid UTF-8 of every kind, bidi and
 * line-separator code points, backslash; valid UTF-8 passes unchanged; the
 * buffer form never cuts an escape and reports the length it needs; the
 * FILE form writes the same bytes.
 *
 * The CLI is not part of libvigil, so its file is compiled into this test. */
#include "../../cli/text_escape.c"
#include "test.h"

/* Escapes s[0..n) both ways and checks both give want. */
static void expect_escape(const char *s, size_t n, const char *want, int line)
{
    char buf[512];
    size_t need = text_escape(buf, sizeof buf, s, n);
    if (need != strlen(want) || strcmp(buf, want) != 0) {
        fprintf(stderr, "line %d: text_escape gave \"%s\" (%zu), want \"%s\"\n", line, buf, need,
                want);
        test_failures_++;
        test_checks_failed_in_case_++;
    }
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    text_escape_put(fp, s, n);
    fclose(fp);
    if (memlen != strlen(want) || memcmp(mem, want, memlen) != 0) {
        fprintf(stderr, "line %d: text_escape_put gave \"%.*s\", want \"%s\"\n", line, (int)memlen,
                mem, want);
        test_failures_++;
        test_checks_failed_in_case_++;
    }
    free(mem);
}

#define EXPECT(lit, want) expect_escape(lit, sizeof(lit) - 1, want, __LINE__)

static void test_every_c0_and_del(void)
{
    for (int c = 0; c < 0x20; c++) {
        char in[3] = {'a', (char)c, 'b'};
        char want[16];
        if (c == '\n')
            snprintf(want, sizeof want, "a\\nb");
        else if (c == '\r')
            snprintf(want, sizeof want, "a\\rb");
        else if (c == '\t')
            snprintf(want, sizeof want, "a\\tb");
        else
            snprintf(want, sizeof want, "a\\x%02xb", c);
        expect_escape(in, 3, want, c);
    }
    EXPECT("\x7f", "\\x7f");
    EXPECT("\x1b", "\\x1b");
    EXPECT("a\0b", "a\\x00b");
}

static void test_printable_ascii_passes(void)
{
    char in[95], want[97];
    size_t o = 0;
    for (int c = 0x20; c < 0x7f; c++) {
        in[c - 0x20] = (char)c;
        if (c == '\\')
            want[o++] = '\\';
        want[o++] = (char)c;
    }
    want[o] = '\0';
    expect_escape(in, sizeof in, want, __LINE__);
    EXPECT("\\", "\\\\");
    EXPECT("\\n", "\\\\n"); /* a literal backslash-n is not a newline */
}

static void test_c1_controls(void)
{
    /* as UTF-8 (U+0080..U+009F): \u00HH */
    for (int c = 0x80; c <= 0x9f; c++) {
        char in[2] = {(char)0xc2, (char)c};
        char want[16];
        snprintf(want, sizeof want, "\\u00%02x", c);
        expect_escape(in, 2, want, c);
    }
    /* as raw bytes (a Latin-1 name): \xHH, so the two stay apart */
    for (int c = 0x80; c <= 0x9f; c++) {
        char in[1] = {(char)c};
        char want[16];
        snprintf(want, sizeof want, "\\x%02x", c);
        expect_escape(in, 1, want, c);
    }
    EXPECT("\xc2\xa0", "\xc2\xa0"); /* U+00A0, the first after C1, passes */
}

static void test_escape_sequences(void)
{
    /* OSC 0 retitling the terminal, with BEL and with ST */
    EXPECT("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
    EXPECT("\x1b]0;pwned\x1b\\", "\\x1b]0;pwned\\x1b\\\\");
    /* CSI: clear screen, colour, and the 8-bit CSI 0x9b raw and as UTF-8 */
    EXPECT("\x1b[2J\x1b[1;31mred", "\\x1b[2J\\x1b[1;31mred");
    EXPECT("\x9b"
           "2J",
           "\\x9b2J");
    EXPECT("\xc2\x9b"
           "2J",
           "\\u009b2J");
    /* a forged result line in a file name */
    EXPECT("x\nALERT   score 100  fake-evil.exe.txt", "x\\nALERT   score 100  fake-evil.exe.txt");
    EXPECT("a\r\nb", "a\\r\\nb");
}

static void test_valid_utf8_passes(void)
{
    EXPECT("caf\xc3\xa9", "caf\xc3\xa9");                           /* U+00E9 */
    EXPECT("\xe6\x96\x87\xe4\xbb\xb6", "\xe6\x96\x87\xe4\xbb\xb6"); /* CJK */
    EXPECT("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");                 /* U+1F600 */
    EXPECT("\xef\xbf\xbd", "\xef\xbf\xbd");                         /* U+FFFD */
    EXPECT("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");                 /* U+10FFFF */
    EXPECT("\xe2\x80\x8b", "\xe2\x80\x8b"); /* U+200B passes: no effect on order */
    EXPECT("", "");
}

static void test_invalid_utf8(void)
{
    EXPECT("\xc0\xaf", "\\xc0\\xaf");                   /* overlong '/' */
    EXPECT("\xe0\x80\xaf", "\\xe0\\x80\\xaf");          /* overlong, 3 bytes */
    EXPECT("\xed\xa0\x80", "\\xed\\xa0\\x80");          /* surrogate U+D800 */
    EXPECT("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* beyond U+10FFFF */
    EXPECT("\xf5", "\\xf5");
    EXPECT("\xff\xfe", "\\xff\\xfe");
    EXPECT("\xc3", "\\xc3");              /* cut short at the end */
    EXPECT("\xe6\x96z", "\\xe6\\x96z");   /* cut short by ASCII */
    EXPECT("\xc3\n", "\\xc3\\n");         /* ... by a newline */
    EXPECT("Gr\xfc\xdf", "Gr\\xfc\\xdf"); /* Latin-1 */
}

static void test_hidden_code_points(void)
{
    EXPECT("\xe2\x80\xa8", "\\u2028");
    EXPECT("\xe2\x80\xa9", "\\u2029");
    /* "invoice_\u202Efdp.exe" shows as invoice_exe.pdf without escaping */
    EXPECT("invoice_\xe2\x80\xae"
           "fdp.exe",
           "invoice_\\u202efdp.exe");
    for (unsigned cp = 0x202a; cp <= 0x202e; cp++) {
        char in[3] = {(char)0xe2, (char)0x80, (char)(0x80 | (cp & 0x3f))};
        char want[16];
        snprintf(want, sizeof want, "\\u%04x", cp);
        expect_escape(in, 3, want, (int)cp);
    }
    for (unsigned cp = 0x2066; cp <= 0x2069; cp++) {
        char in[3] = {(char)0xe2, (char)(0x80 | ((cp >> 6) & 0x3f)), (char)(0x80 | (cp & 0x3f))};
        char want[16];
        snprintf(want, sizeof want, "\\u%04x", cp);
        expect_escape(in, 3, want, (int)cp);
    }
    EXPECT("\xe2\x80\x8e\xe2\x80\x8f", "\\u200e\\u200f");
}

static void test_small_buffers(void)
{
    char buf[8];
    /* "ab\x1b" -> "ab\\x1b" (6): fits in 8 */
    CHECK_EQ_INT(text_escape(buf, sizeof buf, "ab\x1b", 3), 6);
    CHECK_EQ_STR(buf, "ab\\x1b");
    /* an escape that does not fit is left out whole, and so is all after it */
    CHECK_EQ_INT(text_escape(buf, 5, "ab\x1bzz", 5), 8);
    CHECK_EQ_STR(buf, "ab");
    CHECK_EQ_INT(text_escape(buf, 4, "abcdef", 6), 6);
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_INT(text_escape(NULL, 0, "\n\n", 2), 4);
    CHECK_EQ_INT(text_escape(buf, 1, "x", 1), 1);
    CHECK_EQ_STR(buf, "");
}

static void test_puts_forms(void)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    text_escape_puts(fp, NULL);
    text_escape_puts(fp, "a\tb");
    fputc('|', fp);
    text_escape_puts_or(fp, NULL, "-");
    text_escape_puts_or(fp, "", "-");
    text_escape_puts_or(fp, "\x1b", "-");
    fclose(fp);
    CHECK_EQ_STR(mem, "a\\tb|--\\x1b");
    free(mem);
}

/* Whatever goes in, no byte below 0x20, DEL or a byte of a C1 control
 * comes out, and the output is valid UTF-8 (a pseudo-random sweep). */
static void test_nothing_raw_comes_out(void)
{
    unsigned long long x = 0x9e3779b97f4a7c15ull;
    char in[64], out[64 * 6 + 1];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* bias towards the interesting bytes */
            static const unsigned char pick[] = {0x00, 0x0a, 0x1b, 0x5c, 0x7f, 0x9b, 0xc2,
                                                 0xe2, 0x80, 0xae, 0xf0, 0xed, 0xa0, 'a'};
            in[i] = (char)(x % 3 == 0 ? pick[(x >> 8) % sizeof pick] : (x >> 16) & 0xff);
        }
        size_t need = text_escape(out, sizeof out, in, n);
        CHECK(need < sizeof out);
        const unsigned char *p = (const unsigned char *)out;
        for (size_t i = 0; p[i]; i++) {
            if (p[i] < 0x20 || p[i] == 0x7f) {
                CHECK(!"a raw control came out");
                return;
            }
            if (p[i] >= 0x80) {
                unsigned long cp;
                size_t len = utf8_sequence(p + i, strlen(out) - i, &cp);
                if (len == 0 || hidden_code_point(cp)) {
                    CHECK(!"invalid UTF-8 or a hidden code point came out");
                    return;
                }
                i += len - 1;
            }
        }
    }
}

int main(void)
{
    TEST_RUN(test_every_c0_and_del);
    TEST_RUN(test_printable_ascii_passes);
    TEST_RUN(test_c1_controls);
    TEST_RUN(test_escape_sequences);
    TEST_RUN(test_valid_utf8_passes);
    TEST_RUN(test_invalid_utf8);
    TEST_RUN(test_hidden_code_points);
    TEST_RUN(test_small_buffers);
    TEST_RUN(test_puts_forms);
    TEST_RUN(test_nothing_raw_comes_out);
    return TEST_END();
}
