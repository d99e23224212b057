/* engine_netioc.h - the network indicators of a frozen engine, for the
 * layers above it (logs/ hunts them in text logs, net/ in live sockets).
 *
 * Why an accessor and not the engine's layout: the engine's fields stay
 * private to src/engine/ (engine_internal.h), so the commands above it
 * only depend on what they use. */
#ifndef VIGIL_ENGINE_NETIOC_H
#define VIGIL_ENGINE_NETIOC_H

#include "netioc/netioc.h"
#include "vigil/engine.h"
#include "vigil/status.h"

/* The network indicator database of e in *db: VIGIL_ERR_INVALID_ARG when e
 * is NULL, VIGIL_ERR_NOT_FROZEN before vigil_engine_freeze,
 * VIGIL_ERR_NO_RULES when the engine has no domain, IP, CIDR or URL
 * indicator, else VIGIL_OK. */
vigil_status vigil_engine_netioc(const vigil_engine *e, const vigil_netioc_db **db);

#endif
