/* Requests built with libnl's message API, sent many per sendmsg, every ack read and checked. */
#include "CNetlinkShim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <linux/fib_rules.h>

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif

struct tectl_batch {
    unsigned char *buf;
    size_t len, cap;
    size_t *offsets;
    uint32_t count, offsets_cap;
};

tectl_batch *tectl_batch_new(void) { return calloc(1, sizeof(tectl_batch)); }

void tectl_batch_free(tectl_batch *b) {
    if (!b) return;
    free(b->buf);
    free(b->offsets);
    free(b);
}

uint32_t tectl_batch_count(const tectl_batch *b) { return b->count; }

/* Copies a finished libnl message into the batch; frees it. */
static int batch_take(tectl_batch *b, struct nl_msg *msg) {
    struct nlmsghdr *h = nlmsg_hdr(msg);
    size_t len = NLMSG_ALIGN(h->nlmsg_len);
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->len + len) cap *= 2;
        unsigned char *nb = realloc(b->buf, cap);
        if (!nb) { nlmsg_free(msg); return -ENOMEM; }
        b->buf = nb;
        b->cap = cap;
    }
    if (b->count == b->offsets_cap) {
        uint32_t cap = b->offsets_cap ? b->offsets_cap * 2 : 256;
        size_t *no = realloc(b->offsets, cap * sizeof(size_t));
        if (!no) { nlmsg_free(msg); return -ENOMEM; }
        b->offsets = no;
        b->offsets_cap = cap;
    }
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = b->count + 1;
    h->nlmsg_pid = 0;
    memcpy(b->buf + b->len, h, h->nlmsg_len);
    memset(b->buf + b->len + h->nlmsg_len, 0, len - h->nlmsg_len);
    b->offsets[b->count] = b->len;
    b->len += len;
    nlmsg_free(msg);
    return (int)(b->count++);
}

static int addr_len(uint8_t family) { return family == AF_INET6 ? 16 : 4; }

int tectl_batch_nexthop(tectl_batch *b, int replace, uint32_t id, uint8_t family, uint8_t protocol,
                        int32_t oif, const uint8_t *gateway, int blackhole) {
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWNEXTHOP, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
    if (!msg) return -ENOMEM;
    struct nhmsg nhm = { .nh_family = family, .nh_protocol = protocol, .nh_scope = 0 };
    if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0) goto fail;
    if (nla_put_u32(msg, NHA_ID, id) < 0) goto fail;
    if (blackhole) {
        if (nla_put_flag(msg, NHA_BLACKHOLE) < 0) goto fail;
    } else {
        if (nla_put_u32(msg, NHA_OIF, (uint32_t)oif) < 0) goto fail;
        if (gateway && nla_put(msg, NHA_GATEWAY, addr_len(family), gateway) < 0) goto fail;
    }
    return batch_take(b, msg);
fail:
    nlmsg_free(msg);
    return -EMSGSIZE;
}

int tectl_batch_group(tectl_batch *b, int replace, uint32_t id, uint8_t protocol,
                      const uint32_t *member_ids, const uint32_t *weights, uint32_t n,
                      uint16_t group_type, uint16_t buckets, uint32_t idle_timer, uint32_t unbalanced_timer) {
    if (n == 0) return -EINVAL; /* never an empty group */
    struct nexthop_grp *grp = calloc(n, sizeof(*grp));
    if (!grp) return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t w = weights[i];
        if (w < 1 || w > 65536) { free(grp); return -ERANGE; }
        grp[i].id = member_ids[i];
        grp[i].weight = (uint8_t)((w - 1) & 0xff);
        grp[i].resvd1 = (uint8_t)(((w - 1) >> 8) & 0xff); /* weight_high on kernels >= 6.12 */
    }
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWNEXTHOP, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
    if (!msg) { free(grp); return -ENOMEM; }
    struct nhmsg nhm = { .nh_family = AF_UNSPEC, .nh_protocol = protocol };
    if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0) goto fail;
    if (nla_put_u32(msg, NHA_ID, id) < 0) goto fail;
    if (nla_put(msg, NHA_GROUP, (int)(n * sizeof(*grp)), grp) < 0) goto fail;
    if (nla_put_u16(msg, NHA_GROUP_TYPE, group_type) < 0) goto fail;
    if (group_type == TECTL_NH_GRP_TYPE_RES) {
        struct nlattr *nest = nla_nest_start(msg, NHA_RES_GROUP | NLA_F_NESTED);
        if (!nest) goto fail;
        /* On replace the kernel accepts the same bucket count and rejects a different one. */
        if (buckets && nla_put_u16(msg, NHA_RES_GROUP_BUCKETS, buckets) < 0) goto fail;
        if (nla_put_u32(msg, NHA_RES_GROUP_IDLE_TIMER, idle_timer) < 0) goto fail;
        if (nla_put_u32(msg, NHA_RES_GROUP_UNBALANCED_TIMER, unbalanced_timer) < 0) goto fail;
        nla_nest_end(msg, nest);
    }
    free(grp);
    return batch_take(b, msg);
fail:
    free(grp);
    nlmsg_free(msg);
    return -EMSGSIZE;
}

int tectl_batch_delete_nexthop(tectl_batch *b, uint32_t id) {
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELNEXTHOP, 0);
    if (!msg) return -ENOMEM;
    struct nhmsg nhm = { .nh_family = AF_UNSPEC };
    if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 || nla_put_u32(msg, NHA_ID, id) < 0) {
        nlmsg_free(msg);
        return -EMSGSIZE;
    }
    return batch_take(b, msg);
}

int tectl_batch_route(tectl_batch *b, int remove, int replace, uint8_t family, const uint8_t *dst,
                      uint8_t dst_len, uint32_t table, uint8_t protocol, uint32_t priority,
                      uint32_t nh_id, const tectl_path *paths, uint32_t npaths) {
    int flags = remove ? 0 : (NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
    struct nl_msg *msg = nlmsg_alloc_simple(remove ? RTM_DELROUTE : RTM_NEWROUTE, flags);
    if (!msg) return -ENOMEM;
    struct rtmsg rtm = {
        .rtm_family = family, .rtm_dst_len = dst_len,
        .rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
        .rtm_protocol = protocol,
        .rtm_scope = remove ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE,
        .rtm_type = remove ? RTN_UNSPEC : RTN_UNICAST,
    };
    unsigned char *mp = NULL;
    if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) goto fail;
    if (nla_put_u32(msg, RTA_TABLE, table) < 0) goto fail;
    if (nla_put(msg, RTA_DST, addr_len(family), dst) < 0) goto fail;
    if (priority && nla_put_u32(msg, RTA_PRIORITY, priority) < 0) goto fail;
    if (!remove) {
        if (nh_id) {
            if (nla_put_u32(msg, RTA_NH_ID, nh_id) < 0) goto fail;
        } else if (npaths == 1) {
            if (nla_put_u32(msg, RTA_OIF, (uint32_t)paths[0].oif) < 0) goto fail;
            if (nla_put(msg, RTA_GATEWAY, addr_len(family), paths[0].gateway) < 0) goto fail;
        } else if (npaths > 1) {
            size_t gwattr = RTA_SPACE(addr_len(family));
            size_t each = RTNH_ALIGN(sizeof(struct rtnexthop)) + gwattr;
            mp = calloc(npaths, each);
            if (!mp) goto fail;
            for (uint32_t i = 0; i < npaths; i++) {
                struct rtnexthop *rtnh = (struct rtnexthop *)(mp + i * each);
                uint16_t w = paths[i].weight;
                if (w < 1 || w > 256) goto fail;
                rtnh->rtnh_len = (unsigned short)each;
                rtnh->rtnh_hops = (unsigned char)(w - 1);
                rtnh->rtnh_ifindex = paths[i].oif;
                struct rtattr *rta = RTNH_DATA(rtnh);
                rta->rta_type = RTA_GATEWAY;
                rta->rta_len = (unsigned short)RTA_LENGTH(addr_len(family));
                memcpy(RTA_DATA(rta), paths[i].gateway, (size_t)addr_len(family));
            }
            if (nla_put(msg, RTA_MULTIPATH, (int)(npaths * each), mp) < 0) goto fail;
        }
    }
    free(mp);
    return batch_take(b, msg);
fail:
    free(mp);
    nlmsg_free(msg);
    return -EMSGSIZE;
}

int tectl_batch_rule(tectl_batch *b, int remove, uint8_t family, uint32_t priority, uint32_t table,
                     uint8_t protocol, int dscp, int has_mark, uint32_t fwmark, uint32_t fwmask) {
    int flags = remove ? 0 : (NLM_F_CREATE | NLM_F_EXCL);
    struct nl_msg *msg = nlmsg_alloc_simple(remove ? RTM_DELRULE : RTM_NEWRULE, flags);
    if (!msg) return -ENOMEM;
    struct fib_rule_hdr frh = {
        .family = family, .table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC, .action = FR_ACT_TO_TBL,
    };
    if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0) goto fail;
    if (nla_put_u32(msg, FRA_TABLE, table) < 0) goto fail;
    if (nla_put_u32(msg, FRA_PRIORITY, priority) < 0) goto fail;
    if (nla_put_u8(msg, TECTL_FRA_PROTOCOL, protocol) < 0) goto fail;
    if (dscp >= 0 && nla_put_u8(msg, TECTL_FRA_DSCP, (uint8_t)dscp) < 0) goto fail;
    if (has_mark) {
        if (nla_put_u32(msg, FRA_FWMARK, fwmark) < 0) goto fail;
        if (nla_put_u32(msg, FRA_FWMASK, fwmask) < 0) goto fail;
    }
    return batch_take(b, msg);
fail:
    nlmsg_free(msg);
    return -EMSGSIZE;
}

/* Reads acks until every request in [first, first+count) has one. */
static int read_acks(int fd, const tectl_batch *b, uint32_t first, uint32_t count,
                     tectl_failure *failures, uint32_t max_failures, uint32_t *nfailed) {
    static const size_t size = 256 * 1024;
    unsigned char *buf = malloc(size);
    if (!buf) return -ENOMEM;
    uint32_t acked = 0;
    while (acked < count) {
        ssize_t n = recv(fd, buf, size, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            return -e;
        }
        size_t left = (size_t)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type != NLMSG_ERROR) continue;
            uint32_t index = h->nlmsg_seq - 1;
            if (h->nlmsg_seq == 0 || index < first || index >= first + count) continue;
            acked++;
            struct nlmsgerr *err = NLMSG_DATA(h);
            if (err->error == 0) continue;
            if (*nfailed < max_failures) {
                tectl_failure *f = &failures[*nfailed];
                f->index = index;
                f->error = -err->error;
                f->message[0] = 0;
                if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
                    size_t off = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
                    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
                    while (off + sizeof(struct nlattr) <= h->nlmsg_len) {
                        struct nlattr *a = (struct nlattr *)((unsigned char *)h + off);
                        if (a->nla_len < sizeof(struct nlattr) || off + a->nla_len > h->nlmsg_len) break;
                        if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                            size_t l = a->nla_len - sizeof(struct nlattr);
                            if (l >= sizeof(f->message)) l = sizeof(f->message) - 1;
                            memcpy(f->message, (unsigned char *)a + sizeof(struct nlattr), l);
                            f->message[l] = 0;
                        }
                        off += NLA_ALIGN(a->nla_len);
                    }
                }
            }
            (*nfailed)++;
        }
    }
    (void)b;
    free(buf);
    return 0;
}

int tectl_batch_send(int fd, const tectl_batch *b, uint32_t per_send, tectl_failure *failures, uint32_t max_failures) {
    if (per_send == 0) per_send = 256;
    uint32_t failed = 0;
    for (uint32_t first = 0; first < b->count; first += per_send) {
        uint32_t count = b->count - first < per_send ? b->count - first : per_send;
        size_t start = b->offsets[first];
        size_t end = first + count < b->count ? b->offsets[first + count] : b->len;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct iovec iov = { .iov_base = b->buf + start, .iov_len = end - start };
        struct msghdr mh = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t sent;
        do { sent = sendmsg(fd, &mh, 0); } while (sent < 0 && errno == EINTR);
        if (sent < 0) return -errno;
        int rc = read_acks(fd, b, first, count, failures, max_failures, &failed);
        if (rc < 0) return rc;
    }
    return (int)failed;
}
