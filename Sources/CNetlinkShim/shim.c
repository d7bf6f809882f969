#include "CNetlinkShim.h"

int tectl_shim_version(void) { return 2; }
