/* bench_finding_json.c - the two serialisers of a Sigma finding's JSON
 * line, timed on the same findings in the same run: cli/finding_line.c
 * (bytes written straight into a buffer) and the jansson path of
 * tests/unit/finding_json_reference.c (ref_finding_json + json_dumps(
 * JSON_COMPACT | JSON_ENSURE_ASCII)), which defines the JSONL format
 * (tests/unit/test_finding_line.c proves the two write the same bytes).
 *
 * Why: issue 18 asks for one serialiser, the fast one only if it still
 * matters; this prints what it saves per finding and per 100k findings,
 * and what a CSV row costs now that the sweep reads it back from the line
 * (json_loadb + report_row) instead of building a jansson object.
 *
 *   bench_finding_json [N]   N findings (default 200000) each way; prints
 *       the CPU ns per finding of the fast path (rule parts rendered once
 *       per rule, as in a sweep, and rendered for every finding), of
 *       jansson, the ratios and the bytes written (equal, or the run fails).
 *
 * The findings are shaped as the SigmaHQ findings of the EVTX corpus sweep:
 * one per event, a 300-byte description, 4 tags, 2 references, 3 matched
 * fields, an event of 12 fields; record ids vary so no line is repeated. */
#include "../cli/finding_line.c"
#include "../cli/json_line.c"
#include "../cli/output.c"
#include "../cli/output_findings.c"
#include "../cli/output_json.c"
#include "../cli/output_progress.c"
#include "../cli/output_summary.c"
#include "../cli/output_text.c"
#include "../cli/outstream.c"
#include "../cli/text_escape.c"
#include "../cli/output_csv.c"
#include "../cli/report_row.c"
#include "../cli/run_info.c"
#include "../cli/text_summary.c"
#include "../cli/progress_estimate.c"
#include "../tests/unit/finding_json_reference.c"

#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sample {
    vigil_field ev_fields[12];
    vigil_event ev;
    vigil_field fields[3];
    const char *tags[4];
    const char *refs[2];
    vigil_finding f;
    vigil_target_result r;
} sample;

static void sample_init(sample *x)
{
    static const char *const names[] = {
        "EventID",     "Channel",     "Computer",    "TimeCreated", "ProcessId",  "Image",
        "CommandLine", "CurrentDirectory", "User",   "ParentImage", "ParentCommandLine", "Hashes"};
    static const char *const values[] = {
        "1",
        "Microsoft-Windows-Sysmon/Operational",
        "PC04.example.corp",
        "2019-03-17T20:18:09.282Z",
        "4242",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAu",
        "C:\\Users\\IEUser\\Desktop\\",
        "PC04\\IEUser",
        "C:\\Windows\\System32\\cmd.exe",
        "\"C:\\Windows\\system32\\cmd.exe\" /c \"run.bat\"",
        "SHA1=1B3B40FBC889FD4C645CC12C85D0805AC36BA254,MD5=95000560239032BC68B4C2FDFCDEF913"};
    memset(x, 0, sizeof *x);
    for (size_t i = 0; i < 12; i++) {
        x->ev_fields[i].name = names[i];
        x->ev_fields[i].value = values[i];
        x->ev_fields[i].name_len = strlen(names[i]);
        x->ev_fields[i].value_len = strlen(values[i]);
    }
    x->ev.fields = x->ev_fields;
    x->ev.nfields = 12;
    x->fields[0] = x->ev_fields[5];
    x->fields[1] = x->ev_fields[6];
    x->fields[2] = x->ev_fields[9];
    x->tags[0] = "attack.execution";
    x->tags[1] = "attack.t1059.001";
    x->tags[2] = "attack.stealth";
    x->tags[3] = "attack.t1027";
    x->refs[0] = "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1059.001/"
                 "T1059.001.md";
    x->refs[1] = "https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/"
                 "about/about_powershell_exe";
    x->f.kind = VIGIL_FINDING_SIGMA;
    x->f.rule = "Suspicious Execution of Powershell with Base64";
    x->f.rule_source = "/work/shared/corpus/sigma/rules/windows/process_creation/"
                       "proc_creation_win_powershell_susp_parameter_variation.yml";
    x->f.rule_line = 1;
    x->f.description =
        "Detects suspicious PowerShell invocation command parameters: an encoded command\n"
        "given with a shortened flag and a hidden window, as used by droppers and by\n"
        "post-exploitation frameworks to run a script without writing it to disk.\n"
        "Legitimate administration scripts rarely combine these flags.\n";
    x->f.author = "Florian Roth (Nextron Systems), Tim Shelton";
    x->f.reference = x->refs[0];
    x->f.score = 80;
    x->f.tags = x->tags;
    x->f.ntags = 4;
    x->f.rule_id = "cb1d2b7f-5a3b-4d8b-9d3e-1a2b3c4d5e6f";
    x->f.rule_level = "high";
    x->f.references = x->refs;
    x->f.nreferences = 2;
    x->f.fields = x->fields;
    x->f.nfields = 3;
    x->r.path = "/work/shared/corpus/evtx-attack-samples/Execution/"
                "exec_sysmon_1_powershell_encoded.evtx";
    x->r.size = 69632;
    x->r.filetype = "EVTX";
    x->r.mtime = 1764945561;
    x->r.score = 80;
    x->r.level = VIGIL_LEVEL_ALERT;
    x->r.findings = &x->f;
    x->r.nfindings = 1;
    x->r.event = &x->ev;
    x->r.event_time = x->ev_fields[3].value;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n <= 0)
        n = 200000;
    sample x;
    sample_init(&x);
    finding_lines fl = {0};
    json_buf b = {0};
    unsigned long long fast_bytes = 0, jansson_bytes = 0;

    double t0 = cpu_now();
    for (long i = 0; i < n; i++) {
        x.r.record_id = (uint64_t)i;
        b.n = 0;
        if (finding_lines_begin(&fl, &x.r) != 0 || finding_lines_append(&fl, &b, &x.f) != 0) {
            fprintf(stderr, "bench_finding_json: the fast path refused a finding\n");
            return 1;
        }
        fast_bytes += b.n;
    }
    double t1 = cpu_now();
    /* the same with the rule's parts rendered again for every finding (a
     * sweep where every finding has a rule of its own) */
    for (long i = 0; i < n; i++) {
        x.r.record_id = (uint64_t)i;
        b.n = 0;
        finding_lines_forget(&fl);
        if (finding_lines_begin(&fl, &x.r) != 0 || finding_lines_append(&fl, &b, &x.f) != 0)
            return 1;
    }
    double t1b = cpu_now();
    for (long i = 0; i < n; i++) {
        x.r.record_id = (uint64_t)i;
        json_t *o = ref_finding_json(&x.r, &x.f);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (s == NULL) {
            fprintf(stderr, "bench_finding_json: jansson failed\n");
            return 1;
        }
        jansson_bytes += strlen(s) + 1; /* the newline the writer adds */
        free(s);
        json_decref(o);
    }
    double t2 = cpu_now();
    /* the CSV row of each finding: from the jansson object (how the sweep
     * made it before), and read back from the fast line (json_loadb, as a
     * merged report reads it: how the sweep makes it now) */
    report_row row = {0};
    json_buf csv = {0};
    unsigned long long csv_bytes[2] = {0, 0};
    double csv_ns[2];
    for (int way = 0; way < 2; way++) {
        double c0 = cpu_now();
        for (long i = 0; i < n; i++) {
            x.r.record_id = (uint64_t)i;
            json_t *o;
            if (way == 0) {
                o = ref_finding_json(&x.r, &x.f);
            } else {
                b.n = 0;
                if (finding_lines_begin(&fl, &x.r) != 0 || finding_lines_append(&fl, &b, &x.f) != 0)
                    return 1;
                o = json_loadb(b.p, b.n, 0, NULL);
            }
            csv.n = 0;
            if (o == NULL || report_row_fill(&row, o, "host") != 0)
                return 1;
            csv_row(&csv, &row);
            csv_bytes[way] += csv.n;
            json_decref(o);
        }
        csv_ns[way] = (cpu_now() - c0) * 1e9 / (double)n;
    }
    report_row_free(&row);
    json_buf_free(&csv);
    finding_lines_free(&fl);
    json_buf_free(&b);
    if (csv_bytes[0] != csv_bytes[1]) {
        fprintf(stderr, "bench_finding_json: CSV %llu bytes from jansson, %llu from the line\n",
                csv_bytes[0], csv_bytes[1]);
        return 1;
    }
    if (fast_bytes != jansson_bytes) {
        fprintf(stderr, "bench_finding_json: %llu bytes fast, %llu jansson\n", fast_bytes,
                jansson_bytes);
        return 1;
    }
    double fast_ns = (t1 - t0) * 1e9 / (double)n, uncached_ns = (t1b - t1) * 1e9 / (double)n;
    double jansson_ns = (t2 - t1b) * 1e9 / (double)n;
    printf("findings %ld, %llu bytes each way (%.0f per line)\n", n, fast_bytes,
           (double)fast_bytes / (double)n);
    printf("fast (finding_line.c) %.0f ns/finding\n", fast_ns);
    printf("fast, rule parts not reused %.0f ns/finding\n", uncached_ns);
    printf("jansson (ref_finding_json + json_dumps) %.0f ns/finding\n", jansson_ns);
    printf("ratio jansson/fast %.1f (rule parts not reused: %.1f); jansson costs %.2f to "
           "%.2f CPU s more per 100k findings\n",
           jansson_ns / fast_ns, jansson_ns / uncached_ns, (jansson_ns - uncached_ns) * 1e5 / 1e9,
           (jansson_ns - fast_ns) * 1e5 / 1e9);
    printf("CSV row from the jansson object %.0f ns/finding, from the line read back %.0f "
           "ns/finding (ratio %.2f)\n",
           csv_ns[0], csv_ns[1], csv_ns[1] / csv_ns[0]);
    return 0;
}
