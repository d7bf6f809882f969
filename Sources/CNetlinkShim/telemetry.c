#define _GNU_SOURCE
#include "CNetlinkShimTelemetry.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int tectl_tel_enter_netns(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    return rc < 0 ? -saved : 0;
}

/* ETHTOOL_GLINKSETTINGS needs a handshake: the first call tells the size of the link-mode masks. */
static int64_t speed_from_link_settings(int sock, const char *ifname) {
    /* The request is followed by three link-mode masks of up to 127 words each. */
    union {
        struct ethtool_link_settings req;
        uint8_t bytes[sizeof(struct ethtool_link_settings) + 3 * 127 * sizeof(uint32_t)];
    } buffer;
    struct ethtool_link_settings *req = &buffer.req;
    struct ifreq ifr;
    memset(&buffer, 0, sizeof buffer);
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    req->cmd = ETHTOOL_GLINKSETTINGS;
    ifr.ifr_data = (void *)&buffer;
    if (ioctl(sock, SIOCETHTOOL, &ifr) < 0) return -errno;
    if (req->link_mode_masks_nwords >= 0 || req->cmd != ETHTOOL_GLINKSETTINGS) return -EOPNOTSUPP;
    int8_t nwords = (int8_t)-req->link_mode_masks_nwords;
    if (nwords <= 0 || nwords > 127) return -EOPNOTSUPP;
    req->link_mode_masks_nwords = nwords;
    req->cmd = ETHTOOL_GLINKSETTINGS;
    if (ioctl(sock, SIOCETHTOOL, &ifr) < 0) return -errno;
    uint32_t speed = req->speed;
    return (speed == 0 || speed == (uint32_t)SPEED_UNKNOWN) ? 0 : (int64_t)speed;
}

static int64_t speed_from_gset(int sock, const char *ifname) {
    struct ethtool_cmd cmd;
    struct ifreq ifr;
    memset(&cmd, 0, sizeof cmd);
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    cmd.cmd = ETHTOOL_GSET;
    ifr.ifr_data = (void *)&cmd;
    if (ioctl(sock, SIOCETHTOOL, &ifr) < 0) return -errno;
    uint32_t speed = ethtool_cmd_speed(&cmd);
    return (speed == 0 || speed == (uint32_t)SPEED_UNKNOWN) ? 0 : (int64_t)speed;
}

int64_t tectl_tel_link_speed_mbps(const char *ifname) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;
    int64_t speed = speed_from_link_settings(sock, ifname);
    if (speed == -EOPNOTSUPP) speed = speed_from_gset(sock, ifname);
    close(sock);
    return speed;
}
