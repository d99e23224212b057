/* fuzz_events.c - libFuzzer harness for events read from JSON exports.
 *
 * Why: a sweep meets JSON and JSON Lines files on hostile hosts and reads them as
 * event logs (the evtx_dump or Chainsaw shape, or flat objects); a crafted file must
 * be reported, never crash or hang the sweep. The input is read as JSON
 * events, and every event is matched by a small fixed Sigma rule set that
 * exercises the value modifiers, field references, keywords and a
 * correlation, so the flattened fields are walked the way a sweep walks them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil/vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
    "title: a\nid: r1\nname: r1\nlogsource: {product: windows}\ndetection:\n"
    "  sel:\n    EventID: [4624, 1]\n    CommandLine|contains|all: ['cmd', '/c']\n"
    "  b64:\n    CommandLine|base64offset|contains: 'http'\n"
    "  re:\n    Image|re: '(?i)\\\\(cmd|powershell)\\.exe$'\n"
    "  wd:\n    CommandLine|windash|contains: '-enc'\n"
    "  ref:\n    TargetUserName|fieldref: SubjectUserName\n"
    "  net:\n    IpAddress|cidr: '10.0.0.0/8'\n"
    "  num:\n    LogonType|gte: 3\n"
    "  kw:\n    - 'mimikatz'\n"
    "  condition: 1 of sel* or b64 or re or wd or ref or net or num or kw\n"
    "---\n"
    "title: c\nid: c1\ncorrelation:\n  type: value_count\n  rules: [r1]\n"
    "  group-by: [TargetUserName]\n  timespan: 1h\n  condition: {field: Computer, gte: 2}\n";

typedef struct ctx {
    vigil_sigma_matcher *m;
    vigil_sigma_correlator *c;
} ctx;

static int on_match(const vigil_sigma_match *mt, void *user)
{
    vigil_sigma_correlator *c = user;
    if (c != NULL)
        vigil_sigma_correlator_feed(c, mt);
    return 0;
}

static int on_event(const vigil_event *ev, void *user)
{
    ctx *x = user;
    vigil_sigma_matcher_match(x->m, ev, on_match, x->c, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_sigma_ruleset *rs;
    vigil_sigma_options o = {0};
    ctx x = {NULL, NULL};

    if (size > (1u << 20))
        return 0;
    if (rs == NULL) { /* built once, kept for the process (immutable) */
        vigil_sigma_builder *b = NULL;
        if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
            return 0;
        if (vigil_sigma_builder_add_string(b, "fuzz.yml", rules, sizeof rules - 1) != VIGIL_OK ||
            vigil_sigma_builder_build(b, &rs) != VIGIL_OK)
            rs = NULL;
        vigil_sigma_builder_destroy(b);
        if (rs == NULL)
            __builtin_trap(); /* the fixed rules must load */
    }
    if (vigil_sigma_matcher_create(rs, &x.m) != VIGIL_OK)
        return 0;
    vigil_sigma_correlator_create(rs, &x.c);
    vigil_sigma_json_events("fuzz.jsonl", (const char *)data, size, on_event, &x, NULL, NULL);
    if (x.c != NULL)
        vigil_sigma_correlator_finish(x.c, NULL, NULL);
    vigil_sigma_correlator_destroy(x.c);
    vigil_sigma_matcher_destroy(x.m);
    return 0;
}
