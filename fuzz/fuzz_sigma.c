/* fuzz_sigma.c - libFuzzer harness for the Sigma YAML loader and matcher.
 *
 * Why: rule files come from anywhere (downloaded rule packs, site filters);
 * a hostile or broken file must be refused, never crash or hang. The input
 * is loaded as a rule file; whatever compiles is matched against one fixed
 * event and run through the correlator, so compiled structures are walked. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil/vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_match(const vigil_sigma_match *m, void *user)
{
    vigil_sigma_correlator *c = user;
    if (c != NULL)
        vigil_sigma_correlator_feed(c, m);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    vigil_sigma_options o = {0};
    if (size > 65536 || vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return 0;
    vigil_sigma_builder_add_string(b, "fuzz.yml", (const char *)data, size);
    if (vigil_sigma_builder_build(b, &rs) == VIGIL_OK) {
        static const vigil_field f[] = {
            {"Channel", "Security", 7, 8, 0},
            {"EventID", "4624", 7, 4, 0},
            {"TimeCreated", "2024-01-01T00:00:00Z", 11, 20, 0},
            {"CommandLine", "cmd.exe /c whoami -all aHR0cDovL2V2aWw=", 11, 38, 0},
            {"Image", "C:\\Windows\\System32\\cmd.exe", 5, 27, 0},
            {"IpAddress", "10.1.2.3", 9, 8, 0},
            {"Empty", "", 5, 0, 1},
        };
        vigil_event ev = {.fields = f, .nfields = sizeof f / sizeof f[0], .record_id = 1};
        vigil_sigma_matcher *m = NULL;
        vigil_sigma_correlator *c = NULL;
        vigil_sigma_correlator_create(rs, &c);
        if (vigil_sigma_matcher_create(rs, &m) == VIGIL_OK) {
            vigil_sigma_matcher_match(m, &ev, on_match, c, NULL);
            vigil_sigma_matcher_match(m, &ev, on_match, c, NULL);
        }
        if (c != NULL)
            vigil_sigma_correlator_finish(c, NULL, NULL);
        vigil_sigma_correlator_destroy(c);
        vigil_sigma_matcher_destroy(m);
        vigil_sigma_ruleset_destroy(rs);
    }
    vigil_sigma_builder_destroy(b);
    return 0;
}
