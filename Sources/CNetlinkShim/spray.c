/* A fast UDP sender for traffic-split tests: many flows, one datagram each per round. */
#include "CNetlinkShim.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

long tectl_udp_spray(uint8_t family, const uint8_t *dst, uint32_t ndst, uint32_t nports, uint8_t dscp, long count) {
    if (ndst == 0 || nports == 0) return -EINVAL;
    int fd = socket(family == 10 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int tos = dscp << 2;
    int rc = family == 10 ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos))
                          : setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
    if (rc < 0) { int e = errno; close(fd); return -e; }
    char payload[16] = "tectl-spray";
    long sent = 0;
    for (long i = 0; i < count; i++) {
        uint32_t a = (uint32_t)(i % ndst);
        uint16_t port = (uint16_t)(1024 + (uint32_t)(i / ndst) % nports);
        ssize_t n;
        if (family == 10) {
            struct sockaddr_in6 sa;
            memset(&sa, 0, sizeof(sa));
            sa.sin6_family = AF_INET6;
            sa.sin6_port = htons(port);
            memcpy(&sa.sin6_addr, dst, 16);
            uint32_t low;
            memcpy(&low, &sa.sin6_addr.s6_addr[12], 4);
            low = htonl(ntohl(low) + a);
            memcpy(&sa.sin6_addr.s6_addr[12], &low, 4);
            n = sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa));
        } else {
            struct sockaddr_in sa;
            memset(&sa, 0, sizeof(sa));
            sa.sin_family = AF_INET;
            sa.sin_port = htons(port);
            uint32_t base;
            memcpy(&base, dst, 4);
            sa.sin_addr.s_addr = htonl(ntohl(base) + a);
            n = sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa));
        }
        if (n < 0) {
            if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) { i--; continue; }
            int e = errno;
            close(fd);
            return sent ? sent : -e;
        }
        sent++;
    }
    close(fd);
    return sent;
}
