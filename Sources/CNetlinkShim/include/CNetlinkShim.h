#ifndef TECTL_CNETLINKSHIM_H
#define TECTL_CNETLINKSHIM_H
#include <stdint.h>
#include "CNetlinkShimTelemetry.h"

/// Version of this shim; lets Swift prove the C side links.
int tectl_shim_version(void);

#endif
