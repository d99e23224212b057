/* fuzz_report.c - libFuzzer harness: hostile JSON Lines through `vigil
 * report merge|render` (cli/report_merge.c and the writers it feeds).
 *
 * Why: merged result files come from other hosts, i.e. from whoever
 * controls them; any line may be any JSON (or none), with any types where
 * strings are expected. The input is read as a result file, de-duplicated,
 * sorted, and written as JSONL, CSV and HTML to /dev/null; ASan checks the
 * spool, the index and the renderers. The command's files are compiled in,
 * as the unit tests do; the embedded HTML assets are stubs here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../cli/json_line.c"
#include "../cli/output_csv.c"
#include "../cli/report_html.c"
#include "../cli/report_merge.c"
#include "../cli/report_row.c"
#include "../cli/run_info.c"
#include "../cli/text_escape.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

unsigned char report_js[] = "/* stub */";
unsigned int report_js_len = sizeof report_js - 1;
unsigned char report_css[] = "/* stub */";
unsigned int report_css_len = sizeof report_css - 1;

/* output.c's, which the harness does not link (run_info.c uses it) */
json_t *out_jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    if (stderr != NULL)
        setvbuf(stderr, NULL, _IOFBF, 1 << 16); /* the "not JSON" lines */
    FILE *in = fmemopen((void *)data, size, "r");
    if (in == NULL)
        return 0;
    report_set *s = report_set_create();
    if (s != NULL) {
        (void)report_set_read(s, in, "fuzz.jsonl");
        report_set_dedup(s);
        report_set_sort(s);
        for (uint64_t i = 0; i + 1 < report_set_findings(s); i++) {
            json_t *a = report_set_finding(s, i);
            json_t *b = report_set_finding(s, i + 1);
            if (a == NULL || b == NULL)
                abort(); /* what was kept reads back */
            if (report_finding_time(a) > report_finding_time(b))
                abort(); /* sorted */
            json_decref(a);
            json_decref(b);
        }
        (void)report_set_write(s, REPORT_JSONL, devnull);
        (void)report_set_write(s, REPORT_CSV, devnull);
        (void)report_set_write(s, REPORT_HTML, devnull);
    }
    report_set_destroy(s);
    fclose(in);
    return 0;
}
