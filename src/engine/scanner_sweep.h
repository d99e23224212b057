/* scanner_sweep.h - what a sweep hands its scanners beyond the public scan
 * options (internal: the sweep layer above uses it).
 *
 * Why not an option of vigil_scan_options: the shared objects live only as
 * long as one sweep, and a caller of the public API has no use for them. */
#ifndef VIGIL_ENGINE_SCANNER_SWEEP_H
#define VIGIL_ENGINE_SCANNER_SWEEP_H

#include "core/spare_mapping.h"
#include "vigil/scanner.h"

/* Makes a scanner read files bigger than its kept buffer into the spare
 * mapping m when there is one, and hand its mapping back to m after the
 * scan. Call before the first scan; m must outlive the scanner. */
void vigil_scanner_attach_spare_mapping(vigil_scanner *scanner, vigil_spare_mapping *m);

#endif
