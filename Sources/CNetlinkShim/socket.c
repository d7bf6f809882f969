/* Netlink sockets and namespace entry. */
#define _GNU_SOURCE
#include "CNetlinkShim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void set_buffer(int fd, int force_opt, int opt, int size) {
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

int tectl_nl_open(int rcvbuf) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    int one = 1;
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    /* Large buffers: one ack per request, many requests per sendmsg. */
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, 4 << 20);
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf > 0 ? rcvbuf : 8 << 20);
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int tectl_nl_open_monitor(const uint32_t *groups, size_t ngroups, int rcvbuf) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    if (rcvbuf > 0) set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    for (size_t i = 0; i < ngroups; i++) {
        uint32_t g = groups[i];
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
    }
    return fd;
}

void tectl_nl_close(int fd) {
    if (fd >= 0) close(fd);
}

/* The protocol of a route, rule or nexthop notification; -1 for other messages. */
static int message_protocol(const struct nlmsghdr *h) {
    switch (h->nlmsg_type) {
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg))) return -1;
        const struct rtmsg *r = NLMSG_DATA(h);
        return r->rtm_protocol;
    }
    case 104: /* RTM_NEWNEXTHOP */
    case 105: /* RTM_DELNEXTHOP */
        /* struct nhmsg: family, scope, protocol, resvd, flags. */
        if (h->nlmsg_len < NLMSG_LENGTH(8)) return -1;
        return ((const unsigned char *)NLMSG_DATA(h))[2];
    case RTM_NEWRULE:
    case RTM_DELRULE: {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct fib_rule_hdr))) return -1;
        int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct fib_rule_hdr));
        const struct rtattr *a = (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct fib_rule_hdr)));
        for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
            if ((a->rta_type & NLA_TYPE_MASK) == 21 /* FRA_PROTOCOL */ && RTA_PAYLOAD(a) >= 1)
                return *(const unsigned char *)RTA_DATA(a);
        }
        return 0;
    }
    default:
        return -1;
    }
}

/* The first u32 attribute `type` of a message whose attributes start `header` bytes in. */
static int u32_attribute(const struct nlmsghdr *h, size_t header, unsigned short type, uint32_t *value) {
    if (h->nlmsg_len < NLMSG_LENGTH(header)) return 0;
    int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(header));
    const struct rtattr *a = (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(header));
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        if ((a->rta_type & NLA_TYPE_MASK) == type && RTA_PAYLOAD(a) >= 4) {
            memcpy(value, RTA_DATA(a), 4);
            return 1;
        }
    }
    return 0;
}

/* True for a notification about one of the feature-detection probes. */
static int is_probe(const struct nlmsghdr *h, const tectl_probe_objects *probes) {
    uint32_t v = 0;
    switch (h->nlmsg_type) {
    case 104: /* RTM_NEWNEXTHOP */
    case 105: /* RTM_DELNEXTHOP */
        return u32_attribute(h, 8 /* struct nhmsg */, 1 /* NHA_ID */, &v) && v >= probes->nexthop_first && v <= probes->nexthop_last;
    case RTM_NEWRULE:
    case RTM_DELRULE: {
        uint32_t table = ((const struct fib_rule_hdr *)NLMSG_DATA(h))->table;
        (void)u32_attribute(h, sizeof(struct fib_rule_hdr), FRA_TABLE, &table);
        return u32_attribute(h, sizeof(struct fib_rule_hdr), FRA_PRIORITY, &v) && v == probes->rule_priority && table == probes->rule_table;
    }
    default:
        return 0;
    }
}

/* Reads every queued message without blocking; returns how many, or -errno (-ENOBUFS: events
 * were lost). With `owned` set, counts the notifications of `protocol` not sent from
 * `ignore_port` nor about `probes`, and in `by_kernel` those the kernel made itself (port 0). */
static int read_queued(int fd, uint8_t protocol, uint32_t ignore_port, const tectl_probe_objects *probes, int *owned, int *by_kernel) {
    static const size_t size = 64 * 1024;
    char buf[64 * 1024];
    int messages = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return messages;
            return -errno;
        }
        if (n == 0) return messages;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            messages++;
            if (owned == NULL) continue;
            if (ignore_port != 0 && h->nlmsg_pid == ignore_port) continue;
            if (message_protocol(h) != (int)protocol) continue;
            if (probes != NULL && is_probe(h, probes)) continue;
            (*owned)++;
            if (h->nlmsg_pid == 0) (*by_kernel)++;
        }
    }
}

int tectl_nl_drain(int fd) {
    return read_queued(fd, 0, 0, NULL, NULL, NULL);
}

int tectl_nl_read_owned(int fd, uint8_t protocol, uint32_t ignore_port, const tectl_probe_objects *probes, int *owned, int *by_kernel) {
    *owned = 0;
    *by_kernel = 0;
    return read_queued(fd, protocol, ignore_port, probes, owned, by_kernel);
}

uint32_t tectl_nl_port(int fd) {
    struct sockaddr_nl addr;
    socklen_t len = sizeof(addr);
    memset(&addr, 0, sizeof(addr));
    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) return 0;
    return addr.nl_pid;
}

int tectl_setns_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = setns(fd, CLONE_NEWNET);
    int e = errno;
    close(fd);
    return rc < 0 ? -e : 0;
}
