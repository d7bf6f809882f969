#ifndef TECTL_CNETLINKSHIM_TELEMETRY_H
#define TECTL_CNETLINKSHIM_TELEMETRY_H
#include <stdint.h>

/// Moves the calling thread into the network namespace at `path` (e.g. /var/run/netns/NAME).
/// Returns 0, or -errno.
int tectl_tel_enter_netns(const char *path);

/// Link speed in Mbit/s from the ethtool ioctl (ETHTOOL_GLINKSETTINGS, then ETHTOOL_GSET), asked
/// through a socket of the calling thread's network namespace. Returns the speed (> 0), 0 when the
/// driver reports none (SPEED_UNKNOWN), or -errno.
int64_t tectl_tel_link_speed_mbps(const char *ifname);

#endif
