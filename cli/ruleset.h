/* ruleset.h - the rule options every subcommand shares, and loading them.
 *
 * `vigil scan` and `vigil rules` take the same --rules/--*-iocs/--strict
 * options and must build the engine the same way, so both go through here. */
#ifndef VIGIL_CLI_RULESET_H
#define VIGIL_CLI_RULESET_H

#include <stddef.h>

#include "vigil/vigil.h"

typedef struct rule_arg {
    const char *path;
    vigil_rule_kind kind;
} rule_arg;

typedef struct rule_args {
    rule_arg *items;
    size_t n;
    int strict;
    int yara_grouping;         /* vigil_yara_grouping_mode */
    int no_cache;              /* --no-cache: compile every pattern database afresh */
    char *bundled;             /* path of the bundled pack when it is used */
    const char *sigma_mapping; /* NULL: data/sigma/logsources.yml beside the program */
    const char *placeholders;  /* Sigma |expand values, may be NULL */
    const char **allow;        /* --allow-hashes files */
    size_t nallow;
} rule_args;

/* getopt_long entries for the rule options; values from RULE_OPT_BASE on. */
#define RULE_OPT_BASE 1000
/* one entry per line, as getopt_long reads them */
// clang-format off
#define RULE_LONG_OPTS                                                                             \
    {"rules", required_argument, NULL, 'r'},                                                       \
        {"hash-iocs", required_argument, NULL, RULE_OPT_BASE + VIGIL_RULES_IOC_HASH},              \
        {"filename-iocs", required_argument, NULL, RULE_OPT_BASE + VIGIL_RULES_IOC_FILENAME},      \
        {"c2-iocs", required_argument, NULL, RULE_OPT_BASE + VIGIL_RULES_IOC_C2},                  \
        {"intel", required_argument, NULL, RULE_OPT_BASE + VIGIL_RULES_INTEL},                     \
        {"strict", no_argument, NULL, RULE_OPT_BASE + 99},                                         \
        {"sigma-mapping", required_argument, NULL, RULE_OPT_BASE + 98},                            \
        {"placeholders", required_argument, NULL, RULE_OPT_BASE + 97},                             \
        {"yara-grouping", required_argument, NULL, RULE_OPT_BASE + 96},                            \
        {"no-cache", no_argument, NULL, RULE_OPT_BASE + 95},                                       \
        {"allow-hashes", required_argument, NULL, RULE_OPT_BASE + 94}
// clang-format on

/* Handles option c if it is a rule option: 1 handled, 0 not ours, -1 error. */
int rule_args_option(rule_args *ra, int c, const char *arg);
void rule_args_free(rule_args *ra);

/* The logsource mapping shipped with vigil (data/sigma/logsources.yml next
 * to the program or under PREFIX/share/vigil), else NULL. Static storage. */
const char *rule_args_default_mapping(void);

/* With no rule option given, uses the bundled pack (rules/cloudhopper next
 * to the program or under PREFIX/share/vigil), or only its folder PART
 * ("iocs": what `logs` and `connections` can use, so its Sigma rules'
 * placeholder warnings do not reach a log hunt). 0 ok, -1 not found. */
int rule_args_use_bundled(rule_args *ra, const char *part);

/* Builds and freezes an engine from the options. Prints what went wrong and
 * returns NULL on failure. Diagnostics go to diag/user. */
vigil_engine *rule_args_load(const rule_args *ra, vigil_diag_fn diag, void *user);

#define RULE_USAGE                                                                                 \
    "  -r, --rules PATH         rule file or directory (repeatable): *.yar/*.yara are\n"           \
    "                           YARA; *.yml/*.yaml Sigma; *hash*, *filename*, *c2* text\n"         \
    "                           files are IOC lists (default: the bundled cloudhopper\n"           \
    "                           pack)\n"                                                           \
    "      --hash-iocs FILE     a hash IOC list, whatever its name\n"                              \
    "      --filename-iocs FILE a filename/path IOC list, whatever its name\n"                     \
    "      --c2-iocs FILE       a C2 IOC list, whatever its name\n"                                \
    "      --intel FILE         threat intel: STIX 2.1, OpenIOC, MISP JSON/CSV, CSV or a\n"        \
    "                           plain list, told by content (*.json, *.ioc, *.xml, *.csv\n"        \
    "                           under --rules are read as intel too)\n"                            \
    "      --allow-hashes FILE  hashes of known-good files (HASH;DESCRIPTION lines, as\n"          \
    "                           Loki's *falsepositive* hash lists, which --rules also\n"           \
    "                           reads so): such files are not reported, only counted\n"            \
    "      --strict             a broken rule file is fatal, not skipped\n"                        \
    "      --sigma-mapping FILE Sigma logsource mapping (default: the one shipped,\n"              \
    "                           data/sigma/logsources.yml); 'none' = no scoping\n"                 \
    "      --placeholders PATH  values for Sigma %NAME% placeholders (|expand): a\n"               \
    "                           directory of NAME.txt files or a YAML file\n"                      \
    "      --yara-grouping MODE auto (default: scan each file only with the YARA\n"                \
    "                           rules its magic, size and name can match), off,\n"                 \
    "                           per-group\n"                                                       \
    "      --no-cache           do not keep compiled filename-IOC databases in\n"                  \
    "                           $XDG_CACHE_HOME/vigil (default ~/.cache/vigil)\n"

#endif
