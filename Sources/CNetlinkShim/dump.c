/* Raw NLM_F_DUMP of nexthops, routes and rules, parsed into flat arrays. A dump that the kernel
   marks interrupted (NLM_F_DUMP_INTR) or that loses messages (ENOBUFS) is started again. */
#include "CNetlinkShim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <linux/fib_rules.h>

#define MAX_RESTARTS 8

tectl_dump *tectl_dump_new(void) { return calloc(1, sizeof(tectl_dump)); }

void tectl_dump_free(tectl_dump *d) {
    if (!d) return;
    free(d->nexthops);
    free(d->members);
    free(d->routes);
    free(d->paths);
    free(d->rules);
    free(d);
}

#define GROW(arr, count, cap)                                                       \
    do {                                                                            \
        if ((count) == (cap)) {                                                     \
            uint32_t ncap = (cap) ? (cap) * 2 : 64;                                 \
            void *n = realloc((arr), (size_t)ncap * sizeof(*(arr)));                \
            if (!n) return -ENOMEM;                                                 \
            (arr) = n;                                                              \
            (cap) = ncap;                                                           \
        }                                                                           \
    } while (0)

static struct rtattr *attr_first(void *hdr_end) { return (struct rtattr *)hdr_end; }

static int parse_nexthop(tectl_dump *d, struct nlmsghdr *h) {
    struct nhmsg *nhm = NLMSG_DATA(h);
    int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*nhm));
    if (len < 0) return 0;
    GROW(d->nexthops, d->nexthop_count, d->nexthop_cap);
    tectl_nexthop *nh = &d->nexthops[d->nexthop_count];
    memset(nh, 0, sizeof(*nh));
    nh->family = nhm->nh_family;
    nh->protocol = nhm->nh_protocol;
    nh->flags = nhm->nh_flags;
    nh->first_member = d->member_count;
    for (struct rtattr *a = attr_first((char *)nhm + NLMSG_ALIGN(sizeof(*nhm))); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        void *data = RTA_DATA(a);
        size_t dl = RTA_PAYLOAD(a);
        switch (a->rta_type & NLA_TYPE_MASK) {
        case NHA_ID: if (dl >= 4) memcpy(&nh->id, data, 4); break;
        case NHA_OIF: if (dl >= 4) memcpy(&nh->oif, data, 4); break;
        case NHA_BLACKHOLE: nh->blackhole = 1; break;
        case NHA_GATEWAY:
            if (dl == 4 || dl == 16) { memcpy(nh->gateway, data, dl); nh->has_gateway = 1; }
            break;
        case NHA_GROUP_TYPE: if (dl >= 2) memcpy(&nh->group_type, data, 2); break;
        case NHA_GROUP: {
            nh->is_group = 1;
            size_t n = dl / sizeof(struct nexthop_grp);
            struct nexthop_grp *g = data;
            for (size_t i = 0; i < n; i++) {
                GROW(d->members, d->member_count, d->member_cap);
                d->members[d->member_count].id = g[i].id;
                /* weight - 1, low byte in weight, high byte in weight_high (old resvd1). */
                d->members[d->member_count].weight = ((uint32_t)g[i].weight | ((uint32_t)g[i].resvd1 << 8)) + 1;
                d->member_count++;
                nh->member_count++;
            }
            break;
        }
        case NHA_RES_GROUP: {
            int nl = (int)dl;
            for (struct rtattr *r = data; RTA_OK(r, nl); r = RTA_NEXT(r, nl)) {
                size_t rl = RTA_PAYLOAD(r);
                switch (r->rta_type & NLA_TYPE_MASK) {
                case NHA_RES_GROUP_BUCKETS: if (rl >= 2) memcpy(&nh->buckets, RTA_DATA(r), 2); break;
                case NHA_RES_GROUP_IDLE_TIMER: if (rl >= 4) memcpy(&nh->idle_timer, RTA_DATA(r), 4); break;
                case NHA_RES_GROUP_UNBALANCED_TIMER: if (rl >= 4) memcpy(&nh->unbalanced_timer, RTA_DATA(r), 4); break;
                default: break;
                }
            }
            break;
        }
        default: break;
        }
    }
    d->nexthop_count++;
    return 0;
}

static int parse_route(tectl_dump *d, struct nlmsghdr *h, uint8_t protocol, const uint32_t *tables, uint32_t ntables) {
    struct rtmsg *rtm = NLMSG_DATA(h);
    int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
    if (len < 0) return 0;
    if (rtm->rtm_flags & RTM_F_CLONED) return 0;
    tectl_route r;
    memset(&r, 0, sizeof(r));
    r.family = rtm->rtm_family;
    r.dst_len = rtm->rtm_dst_len;
    r.tos = rtm->rtm_tos;
    r.protocol = rtm->rtm_protocol;
    r.type = rtm->rtm_type;
    r.scope = rtm->rtm_scope;
    r.table = rtm->rtm_table;
    r.first_path = d->path_count;
    struct rtattr *multipath = NULL;
    for (struct rtattr *a = attr_first((char *)rtm + NLMSG_ALIGN(sizeof(*rtm))); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        void *data = RTA_DATA(a);
        size_t dl = RTA_PAYLOAD(a);
        switch (a->rta_type) {
        case RTA_TABLE: if (dl >= 4) memcpy(&r.table, data, 4); break;
        case RTA_DST: if (dl <= 16) memcpy(r.dst, data, dl); break;
        case RTA_PRIORITY: if (dl >= 4) memcpy(&r.priority, data, 4); break;
        case RTA_NH_ID: if (dl >= 4) memcpy(&r.nh_id, data, 4); break;
        case RTA_OIF: if (dl >= 4) memcpy(&r.oif, data, 4); break;
        case RTA_GATEWAY: if (dl <= 16) { memcpy(r.gateway, data, dl); r.has_gateway = 1; } break;
        case RTA_MULTIPATH: multipath = a; break;
        default: break;
        }
    }
    if (protocol) {
        int keep = r.protocol == protocol;
        for (uint32_t i = 0; !keep && i < ntables; i++) keep = tables[i] == r.table;
        if (!keep) return 0;
    }
    if (multipath) {
        int ml = (int)RTA_PAYLOAD(multipath);
        struct rtnexthop *rtnh = RTA_DATA(multipath);
        while (ml >= (int)sizeof(*rtnh) && rtnh->rtnh_len >= sizeof(*rtnh) && rtnh->rtnh_len <= ml) {
            GROW(d->paths, d->path_count, d->path_cap);
            tectl_path *p = &d->paths[d->path_count];
            memset(p, 0, sizeof(*p));
            p->oif = rtnh->rtnh_ifindex;
            p->weight = (uint16_t)(rtnh->rtnh_hops + 1);
            int al = rtnh->rtnh_len - (int)RTNH_ALIGN(sizeof(*rtnh));
            for (struct rtattr *a = RTNH_DATA(rtnh); RTA_OK(a, al); a = RTA_NEXT(a, al))
                if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) <= 16) memcpy(p->gateway, RTA_DATA(a), RTA_PAYLOAD(a));
            d->path_count++;
            r.path_count++;
            ml -= RTNH_ALIGN(rtnh->rtnh_len);
            rtnh = RTNH_NEXT(rtnh);
        }
    }
    GROW(d->routes, d->route_count, d->route_cap);
    d->routes[d->route_count++] = r;
    return 0;
}

static int parse_rule(tectl_dump *d, struct nlmsghdr *h) {
    struct fib_rule_hdr *frh = NLMSG_DATA(h);
    int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*frh));
    if (len < 0) return 0;
    GROW(d->rules, d->rule_count, d->rule_cap);
    tectl_rule *r = &d->rules[d->rule_count];
    memset(r, 0, sizeof(*r));
    r->family = frh->family;
    r->action = frh->action;
    r->tos = frh->tos;
    r->table = frh->table;
    r->src_len = frh->src_len;
    r->dst_len = frh->dst_len;
    r->dscp = -1;
    for (struct rtattr *a = attr_first((char *)frh + NLMSG_ALIGN(sizeof(*frh))); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        void *data = RTA_DATA(a);
        size_t dl = RTA_PAYLOAD(a);
        switch (a->rta_type & NLA_TYPE_MASK) {
        case FRA_TABLE: if (dl >= 4) memcpy(&r->table, data, 4); break;
        case FRA_PRIORITY: if (dl >= 4) memcpy(&r->priority, data, 4); break;
        case TECTL_FRA_PROTOCOL: if (dl >= 1) r->protocol = *(uint8_t *)data; break;
        case TECTL_FRA_DSCP: if (dl >= 1) r->dscp = *(uint8_t *)data; break;
        case FRA_FWMARK: if (dl >= 4) { memcpy(&r->fwmark, data, 4); r->has_mark = 1; } break;
        case FRA_FWMASK: if (dl >= 4) memcpy(&r->fwmask, data, 4); break;
        default: break;
        }
    }
    d->rule_count++;
    return 0;
}

enum kind { K_NEXTHOP, K_ROUTE, K_RULE };

static void rollback(tectl_dump *d, const tectl_dump *mark) {
    d->nexthop_count = mark->nexthop_count;
    d->member_count = mark->member_count;
    d->route_count = mark->route_count;
    d->path_count = mark->path_count;
    d->rule_count = mark->rule_count;
}

/* One dump; returns 0, -EAGAIN to restart, or -errno. */
static int dump_once(int fd, tectl_dump *d, enum kind kind, uint16_t type, uint8_t family,
                     uint8_t protocol, const uint32_t *tables, uint32_t ntables, uint32_t seq) {
    struct {
        struct nlmsghdr h;
        union { struct nhmsg nh; struct rtmsg rt; struct fib_rule_hdr fr; } u;
    } req;
    memset(&req, 0, sizeof(req));
    size_t body = kind == K_NEXTHOP ? sizeof(struct nhmsg) : kind == K_ROUTE ? sizeof(struct rtmsg) : sizeof(struct fib_rule_hdr);
    req.h.nlmsg_len = NLMSG_LENGTH(body);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = seq;
    if (kind == K_NEXTHOP) req.u.nh.nh_family = family;
    else if (kind == K_ROUTE) req.u.rt.rtm_family = family;
    else req.u.fr.family = family;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) return -errno;
    static const size_t size = 1 << 20;
    unsigned char *buf = malloc(size);
    if (!buf) return -ENOMEM;
    int result = 1, interrupted = 0;
    while (result == 1) {
        ssize_t n = recv(fd, buf, size, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            result = errno == ENOBUFS ? -EAGAIN : -errno;
            break;
        }
        size_t left = (size_t)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = 1;
            if (h->nlmsg_type == NLMSG_DONE) { result = 0; break; }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                result = e->error ? e->error : 0;
                break;
            }
            int rc = 0;
            if (kind == K_NEXTHOP && h->nlmsg_type == RTM_NEWNEXTHOP) rc = parse_nexthop(d, h);
            else if (kind == K_ROUTE && h->nlmsg_type == RTM_NEWROUTE) rc = parse_route(d, h, protocol, tables, ntables);
            else if (kind == K_RULE && h->nlmsg_type == RTM_NEWRULE) rc = parse_rule(d, h);
            if (rc < 0) { result = rc; break; }
        }
    }
    free(buf);
    if (result == -EAGAIN) {
        /* Drain whatever is left of the broken dump before starting again. */
        unsigned char tmp[4096];
        while (recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT) > 0) {}
    }
    if (result == 0 && interrupted) return -EAGAIN;
    return result;
}

static int dump(int fd, tectl_dump *d, enum kind kind, uint16_t type, uint8_t family,
                uint8_t protocol, const uint32_t *tables, uint32_t ntables) {
    tectl_dump mark = *d;
    for (uint32_t attempt = 0; attempt < MAX_RESTARTS; attempt++) {
        int rc = dump_once(fd, d, kind, type, family, protocol, tables, ntables, 0x7ec70000u + attempt);
        if (rc != -EAGAIN) return rc;
        rollback(d, &mark);
        d->restarts++;
    }
    return -EBUSY;
}

int tectl_dump_nexthops(int fd, tectl_dump *d) { return dump(fd, d, K_NEXTHOP, RTM_GETNEXTHOP, AF_UNSPEC, 0, NULL, 0); }

int tectl_dump_routes(int fd, tectl_dump *d, uint8_t family, uint8_t protocol, const uint32_t *tables, uint32_t ntables) {
    return dump(fd, d, K_ROUTE, RTM_GETROUTE, family, protocol, tables, ntables);
}

int tectl_dump_rules(int fd, tectl_dump *d, uint8_t family) { return dump(fd, d, K_RULE, RTM_GETRULE, family, 0, NULL, 0); }
