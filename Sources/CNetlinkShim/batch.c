/* Requests built with libnl's message API, sent many per sendmsg, every ack read and checked. */
#define _GNU_SOURCE
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

/* Room for one more request of `len` bytes (aligned); returns where it goes, or NULL. */
static unsigned char *batch_reserve(tectl_batch *b, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->len + len) cap *= 2;
        unsigned char *nb = realloc(b->buf, cap);
        if (!nb) return NULL;
        b->buf = nb;
        b->cap = cap;
    }
    if (b->count == b->offsets_cap) {
        uint32_t cap = b->offsets_cap ? b->offsets_cap * 2 : 256;
        size_t *no = realloc(b->offsets, cap * sizeof(size_t));
        if (!no) return NULL;
        b->offsets = no;
        b->offsets_cap = cap;
    }
    return b->buf + b->len;
}

int tectl_batch_reserve(tectl_batch *b, uint32_t requests, size_t bytes) {
    if (bytes > b->cap - b->len) {
        unsigned char *nb = realloc(b->buf, b->len + bytes);
        if (!nb) return -ENOMEM;
        b->buf = nb;
        b->cap = b->len + bytes;
    }
    if (requests > b->offsets_cap - b->count) {
        size_t *no = realloc(b->offsets, (size_t)(b->count + requests) * sizeof(size_t));
        if (!no) return -ENOMEM;
        b->offsets = no;
        b->offsets_cap = b->count + requests;
    }
    return 0;
}

/* Appends one attribute at `*off` inside the message at `m` (room already reserved). */
static void put_attr(unsigned char *m, size_t *off, uint16_t type, const void *data, size_t len) {
    struct rtattr *a = (struct rtattr *)(m + *off);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    size_t padded = RTA_SPACE(len);
    if (padded > RTA_LENGTH(len)) memset(m + *off + RTA_LENGTH(len), 0, padded - RTA_LENGTH(len));
    *off += padded;
}

/* Route requests are by far the most numerous (100,000 in one plan): written straight into the
 * batch buffer as nlmsghdr + rtmsg + rtattrs, without a libnl message per request. */
int tectl_batch_route(tectl_batch *b, int remove, int replace, uint8_t family, const uint8_t *dst,
                      uint8_t dst_len, uint32_t table, uint8_t protocol, uint32_t priority,
                      uint32_t nh_id, const tectl_path *paths, uint32_t npaths) {
    size_t alen = (size_t)addr_len(family);
    size_t gwattr = RTA_SPACE(alen);
    size_t each = RTNH_ALIGN(sizeof(struct rtnexthop)) + gwattr;
    size_t len = NLMSG_SPACE(sizeof(struct rtmsg)) + RTA_SPACE(4) + RTA_SPACE(alen) + RTA_SPACE(4);
    if (!remove) {
        if (nh_id) len += RTA_SPACE(4);
        else if (npaths == 1) len += RTA_SPACE(4) + gwattr;
        else if (npaths > 1) len += RTA_SPACE(npaths * each);
    }
    if (npaths > 1 && npaths * each > 0xFFFF - 64) return -EMSGSIZE;
    for (uint32_t i = 0; !remove && !nh_id && npaths > 1 && i < npaths; i++)
        if (paths[i].weight < 1 || paths[i].weight > 256) return -EMSGSIZE;
    unsigned char *m = batch_reserve(b, len);
    if (!m) return -ENOMEM;
    memset(m, 0, NLMSG_SPACE(sizeof(struct rtmsg)));
    struct nlmsghdr *h = (struct nlmsghdr *)m;
    h->nlmsg_type = remove ? RTM_DELROUTE : RTM_NEWROUTE;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (remove ? 0 : (NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL)));
    h->nlmsg_seq = b->count + 1;
    h->nlmsg_pid = 0;
    struct rtmsg *rtm = NLMSG_DATA(h);
    rtm->rtm_family = family;
    rtm->rtm_dst_len = dst_len;
    rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
    rtm->rtm_protocol = protocol;
    rtm->rtm_scope = remove ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
    rtm->rtm_type = remove ? RTN_UNSPEC : RTN_UNICAST;
    size_t off = NLMSG_SPACE(sizeof(struct rtmsg));
    put_attr(m, &off, RTA_TABLE, &table, 4);
    put_attr(m, &off, RTA_DST, dst, alen);
    if (priority) put_attr(m, &off, RTA_PRIORITY, &priority, 4);
    if (!remove) {
        if (nh_id) {
            put_attr(m, &off, RTA_NH_ID, &nh_id, 4);
        } else if (npaths == 1) {
            uint32_t oif = (uint32_t)paths[0].oif;
            put_attr(m, &off, RTA_OIF, &oif, 4);
            put_attr(m, &off, RTA_GATEWAY, paths[0].gateway, alen);
        } else if (npaths > 1) {
            struct rtattr *mp = (struct rtattr *)(m + off);
            mp->rta_type = RTA_MULTIPATH;
            mp->rta_len = (unsigned short)RTA_LENGTH(npaths * each);
            unsigned char *p = (unsigned char *)RTA_DATA(mp);
            memset(p, 0, npaths * each);
            for (uint32_t i = 0; i < npaths; i++) {
                struct rtnexthop *rtnh = (struct rtnexthop *)(p + i * each);
                rtnh->rtnh_len = (unsigned short)each;
                rtnh->rtnh_hops = (unsigned char)(paths[i].weight - 1);
                rtnh->rtnh_ifindex = paths[i].oif;
                struct rtattr *rta = RTNH_DATA(rtnh);
                rta->rta_type = RTA_GATEWAY;
                rta->rta_len = (unsigned short)RTA_LENGTH(alen);
                memcpy(RTA_DATA(rta), paths[i].gateway, alen);
            }
            off += RTA_SPACE(npaths * each);
        }
    }
    h->nlmsg_len = (uint32_t)off;
    b->offsets[b->count] = b->len;
    b->len += NLMSG_ALIGN(off);
    return (int)(b->count++);
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

/* Acks are read many per recvmmsg: the kernel queues one datagram per ack, and 100,000 recv
 * calls cost ~0.1 s of system time. A slot holds an ack with its extended-ack text. */
enum { ACK_SLOTS = 256, ACK_SLOT_SIZE = 2048 };

static void check_ack(const struct nlmsghdr *h, uint32_t first, uint32_t count, uint32_t *acked,
                      tectl_failure *failures, uint32_t max_failures, uint32_t *nfailed) {
    if (h->nlmsg_type != NLMSG_ERROR) return;
    uint32_t index = h->nlmsg_seq - 1;
    if (h->nlmsg_seq == 0 || index < first || index >= first + count) return;
    (*acked)++;
    const struct nlmsgerr *err = NLMSG_DATA(h);
    if (err->error == 0) return;
    if (*nfailed < max_failures) {
        tectl_failure *f = &failures[*nfailed];
        f->index = index;
        f->error = -err->error;
        f->message[0] = 0;
        if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
            size_t off = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
            if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
            while (off + sizeof(struct nlattr) <= h->nlmsg_len) {
                const struct nlattr *a = (const struct nlattr *)((const unsigned char *)h + off);
                if (a->nla_len < sizeof(struct nlattr) || off + a->nla_len > h->nlmsg_len) break;
                if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                    size_t l = a->nla_len - sizeof(struct nlattr);
                    if (l >= sizeof(f->message)) l = sizeof(f->message) - 1;
                    memcpy(f->message, (const unsigned char *)a + sizeof(struct nlattr), l);
                    f->message[l] = 0;
                }
                off += NLA_ALIGN(a->nla_len);
            }
        }
    }
    (*nfailed)++;
}

/* Reads acks until every request in [first, first+count) has one. A datagram cut short
 * (MSG_TRUNC) still carries its header and error code. */
static int read_acks(int fd, unsigned char *buf, struct mmsghdr *msgs, struct iovec *iovs,
                     uint32_t first, uint32_t count, tectl_failure *failures, uint32_t max_failures, uint32_t *nfailed) {
    uint32_t acked = 0;
    while (acked < count) {
        for (int i = 0; i < ACK_SLOTS; i++) {
            iovs[i].iov_base = buf + (size_t)i * ACK_SLOT_SIZE;
            iovs[i].iov_len = ACK_SLOT_SIZE;
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_len = 0;
        }
        int got = recvmmsg(fd, msgs, ACK_SLOTS, MSG_WAITFORONE, NULL);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        for (int i = 0; i < got; i++) {
            size_t left = msgs[i].msg_len;
            if (left > ACK_SLOT_SIZE) left = ACK_SLOT_SIZE;
            struct nlmsghdr *h = (struct nlmsghdr *)iovs[i].iov_base;
            /* An ack that did not fit still has its header and error code: read what arrived. */
            if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) && left >= NLMSG_HDRLEN + sizeof(int) && h->nlmsg_len > left)
                h->nlmsg_len = (uint32_t)left;
            for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
                check_ack(h, first, count, &acked, failures, max_failures, nfailed);
        }
    }
    return 0;
}

int tectl_batch_send(int fd, const tectl_batch *b, uint32_t per_send, tectl_failure *failures, uint32_t max_failures) {
    if (per_send == 0) per_send = 256;
    /* One set of receive slots for every chunk of the batch. */
    unsigned char *buf = malloc((size_t)ACK_SLOTS * ACK_SLOT_SIZE);
    struct mmsghdr *msgs = calloc(ACK_SLOTS, sizeof(*msgs));
    struct iovec *iovs = calloc(ACK_SLOTS, sizeof(*iovs));
    if (!buf || !msgs || !iovs) { free(buf); free(msgs); free(iovs); return -ENOMEM; }
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
        if (sent < 0) { int e = errno; free(buf); free(msgs); free(iovs); return -e; }
        int rc = read_acks(fd, buf, msgs, iovs, first, count, failures, max_failures, &failed);
        if (rc < 0) { free(buf); free(msgs); free(iovs); return rc; }
    }
    free(buf);
    free(msgs);
    free(iovs);
    return (int)failed;
}
