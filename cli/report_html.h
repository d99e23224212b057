/* report_html.h - a report set as one self-contained HTML file.
 *
 * Why self-contained: the report is read on an analyst's machine, often
 * offline, and mailed around; it loads nothing (no CDN, no font, no image
 * file) and carries its data as JSON that an inline script renders. */
#ifndef VIGIL_CLI_REPORT_HTML_H
#define VIGIL_CLI_REPORT_HTML_H

#include <stdio.h>

struct report_set;

/* 0, or -1 on a write error or when memory runs out. */
int report_html_write(struct report_set *s, FILE *out);

/* The script and style embedded (data/report/, turned into C arrays at
 * build time) and the Content-Security-Policy that allows exactly them:
 * "default-src 'none'; script-src 'sha256-...'; style-src 'sha256-...'; ...".
 * Static storage; NULL when the digests cannot be computed. */
const char *report_html_csp(void);

#endif
