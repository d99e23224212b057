/* vigil/vigil.h - the umbrella header of libvigil.
 *
 * vigil sweeps hosts, disk images and triage collections for the traces of
 * intrusions such as APT10's through managed service providers. Include
 * this one header to get the whole public API. */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include "blocklist.h"
#include "diag.h"
#include "engine.h"
#include "event.h"
#include "evtx.h"
#include "finding.h"
#include "intel.h"
#include "logs.h"
#include "quarantine.h"
#include "scanner.h"
#include "sigma.h"
#include "status.h"
#include "sweep.h"

#define VIGIL_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

const char *vigil_version(void);

#ifdef __cplusplus
}
#endif
#endif
