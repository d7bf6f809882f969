#ifndef TECTL_CNETLINKSHIM_H
#define TECTL_CNETLINKSHIM_H
#include <stdint.h>
#include "CNetlinkShimTelemetry.h"
#include <stddef.h>

/// Version of this shim; lets Swift prove the C side links.
int tectl_shim_version(void);

/* ---- UAPI constants newer than Debian 12's 6.1 headers ------------------------------------ */

/// FRA_DSCP (kernel >= 6.13): u8 DSCP value a FIB rule matches.
#define TECTL_FRA_DSCP 25
/// FRA_PROTOCOL (kernel >= 4.17, present in 6.1 headers; repeated so Swift sees a plain int).
#define TECTL_FRA_PROTOCOL 21
/// Group types (NHA_GROUP_TYPE).
#define TECTL_NH_GRP_TYPE_MPATH 0
#define TECTL_NH_GRP_TYPE_RES 1

/* ---- sockets ------------------------------------------------------------------------------ */

/// Opens a NETLINK_ROUTE socket for requests (acks with extended-ack messages, capped acks,
/// large buffers; `rcvbuf` bytes of receive buffer, 0: 8 MiB). Returns the fd or -errno.
int tectl_nl_open(int rcvbuf);
/// Opens a NETLINK_ROUTE socket subscribed to the given RTNLGRP_* groups (an event monitor),
/// with receive buffer `rcvbuf` bytes (0: default). Returns the fd or -errno.
int tectl_nl_open_monitor(const uint32_t *groups, size_t ngroups, int rcvbuf);
void tectl_nl_close(int fd);
/// Reads pending events from a monitor socket without blocking. Returns the number of messages
/// read (>= 0), or -ENOBUFS when the kernel dropped events (the caller must re-dump), or -errno.
int tectl_nl_drain(int fd);
/// Objects whose notifications `tectl_nl_read_owned` leaves out: the short-lived probes of
/// kernel-feature detection (nexthop ids `nexthop_first...nexthop_last`, and the rule of
/// `rule_priority` in `rule_table`), which `tectl status` or `plan` make in another process.
typedef struct tectl_probe_objects {
    uint32_t nexthop_first;
    uint32_t nexthop_last;
    uint32_t rule_priority;
    uint32_t rule_table;
} tectl_probe_objects;
/// Like `tectl_nl_drain`, and counts in `*owned` the route, rule and nexthop notifications that
/// carry `protocol` and were not caused by a request from the socket with port id `ignore_port`
/// (0: ignore none), nor are about one of `probes` (NULL: none); `*by_kernel` counts those of
/// them the kernel made itself (port id 0).
/// Returns the number of messages read, -ENOBUFS (events lost) or -errno.
int tectl_nl_read_owned(int fd, uint8_t protocol, uint32_t ignore_port, const tectl_probe_objects *probes, int *owned, int *by_kernel);
/// The port id (nl_pid) the kernel gave a bound netlink socket; 0 when unknown.
uint32_t tectl_nl_port(int fd);

/// Enters the network namespace at `path` (/var/run/netns/NAME) on the calling thread only.
/// Returns 0 or -errno.
int tectl_setns_path(const char *path);

/* ---- batches: many requests, one sendmsg per chunk, every ack checked --------------------- */

typedef struct tectl_batch tectl_batch;

/// One path of an RTA_MULTIPATH route.
typedef struct tectl_path {
    int32_t oif;
    uint8_t gateway[16];
    /// 1...256 (rtnh_hops + 1).
    uint16_t weight;
} tectl_path;

/// A failed request of a batch.
typedef struct tectl_failure {
    /// Index of the request in the batch (order of the add calls).
    uint32_t index;
    /// Positive errno.
    int32_t error;
    /// The kernel's extended-ack message, or "".
    char message[160];
} tectl_failure;

tectl_batch *tectl_batch_new(void);
void tectl_batch_free(tectl_batch *b);
uint32_t tectl_batch_count(const tectl_batch *b);

/// A single nexthop (gateway on a device, or a blackhole when `blackhole`). `replace`: replace an
/// existing one with this id. Returns the request index, or -errno.
int tectl_batch_nexthop(tectl_batch *b, int replace, uint32_t id, uint8_t family, uint8_t protocol,
                        int32_t oif, const uint8_t *gateway, int blackhole);
/// A nexthop group. `weights` are 1...65536 (the kernel gets weight-1: the low byte in
/// `weight`, the high byte in `weight_high`, the old `resvd1`). `group_type`: TECTL_NH_GRP_TYPE_*.
/// Timers are in clock_t (1/100 s), sent only for resilient groups.
int tectl_batch_group(tectl_batch *b, int replace, uint32_t id, uint8_t protocol,
                      const uint32_t *member_ids, const uint32_t *weights, uint32_t n,
                      uint16_t group_type, uint16_t buckets, uint32_t idle_timer, uint32_t unbalanced_timer);
/// RTM_DELNEXTHOP by id.
int tectl_batch_delete_nexthop(tectl_batch *b, uint32_t id);
/// RTM_NEWROUTE (create or replace) or, with `remove`, RTM_DELROUTE. Points at nexthop object
/// `nh_id` when non-zero, else at the `npaths` paths (RTA_MULTIPATH when more than one).
/// Room for `requests` more requests of `bytes` in all (a hint; 0 or -ENOMEM).
int tectl_batch_reserve(tectl_batch *b, uint32_t requests, size_t bytes);
/// A route request written straight into the batch (no libnl message): the bulk of a plan.
int tectl_batch_route(tectl_batch *b, int remove, int replace, uint8_t family, const uint8_t *dst,
                      uint8_t dst_len, uint32_t table, uint8_t protocol, uint32_t priority,
                      uint32_t nh_id, const tectl_path *paths, uint32_t npaths);
/// RTM_NEWRULE or, with `remove`, RTM_DELRULE: lookup `table` at `priority`, matching `dscp`
/// (FRA_DSCP) when dscp >= 0, and fwmark/mask when has_mark.
int tectl_batch_rule(tectl_batch *b, int remove, uint8_t family, uint32_t priority, uint32_t table,
                     uint8_t protocol, int dscp, int has_mark, uint32_t fwmark, uint32_t fwmask);

/// Sends every request (up to `per_send` per sendmsg) and reads every ack. Failures go to
/// `failures` (at most `max_failures` kept); returns how many requests failed (>= 0), or
/// -ENOBUFS when acks were lost (the outcome is unknown: re-dump), or -errno on a socket error.
int tectl_batch_send(int fd, const tectl_batch *b, uint32_t per_send, tectl_failure *failures, uint32_t max_failures);

/* ---- dumps -------------------------------------------------------------------------------- */

typedef struct tectl_nexthop {
    uint32_t id;
    uint8_t family;
    uint8_t protocol;
    uint8_t blackhole;
    uint8_t is_group;
    uint32_t flags;
    int32_t oif;
    uint8_t gateway[16];
    uint8_t has_gateway;
    uint16_t group_type;
    /// Members live in tectl_dump.members[first_member ..< first_member + member_count].
    uint32_t first_member;
    uint32_t member_count;
    uint16_t buckets;
    uint32_t idle_timer;
    uint32_t unbalanced_timer;
} tectl_nexthop;

typedef struct tectl_member {
    uint32_t id;
    /// 1...65536.
    uint32_t weight;
} tectl_member;

typedef struct tectl_route {
    uint8_t family;
    uint8_t dst_len;
    uint8_t tos;
    uint8_t protocol;
    uint8_t type;
    uint8_t scope;
    uint8_t dst[16];
    uint32_t table;
    uint32_t priority;
    uint32_t nh_id;
    int32_t oif;
    uint8_t gateway[16];
    uint8_t has_gateway;
    /// Paths of an RTA_MULTIPATH route live in tectl_dump.paths[first_path ..< +path_count].
    uint32_t first_path;
    uint32_t path_count;
} tectl_route;

typedef struct tectl_rule {
    uint8_t family;
    uint8_t action;
    uint8_t protocol;
    uint8_t tos;
    int16_t dscp;          /* -1: no FRA_DSCP */
    uint8_t has_mark;
    uint8_t src_len;
    uint8_t dst_len;
    uint32_t priority;
    uint32_t table;
    uint32_t fwmark;
    uint32_t fwmask;
} tectl_rule;

typedef struct tectl_dump {
    tectl_nexthop *nexthops; uint32_t nexthop_count, nexthop_cap;
    tectl_member *members; uint32_t member_count, member_cap;
    tectl_route *routes; uint32_t route_count, route_cap;
    tectl_path *paths; uint32_t path_count, path_cap;
    tectl_rule *rules; uint32_t rule_count, rule_cap;
    /// How many times a dump was restarted (interrupted or ENOBUFS).
    uint32_t restarts;
} tectl_dump;

tectl_dump *tectl_dump_new(void);
void tectl_dump_free(tectl_dump *d);
/// Appends every nexthop object. Returns 0, or -errno (-EOPNOTSUPP/-EINVAL: no nexthop objects).
int tectl_dump_nexthops(int fd, tectl_dump *d);
/// Appends every route of `family` (AF_INET / AF_INET6); when `protocol` is non-zero, only
/// routes of that protocol or in one of the `tables`.
int tectl_dump_routes(int fd, tectl_dump *d, uint8_t family, uint8_t protocol, const uint32_t *tables, uint32_t ntables);
/// Appends every rule of `family`.
int tectl_dump_rules(int fd, tectl_dump *d, uint8_t family);

/* ---- traffic ------------------------------------------------------------------------------ */

/// Sends `count` UDP datagrams of 16 bytes from the current namespace: destination addresses
/// `dst` + 0 ... + ndst-1 (the last byte/word incremented), destination ports 1024 + (i / ndst) %
/// nports, with DSCP `dscp`. Returns datagrams sent, or -errno.
long tectl_udp_spray(uint8_t family, const uint8_t *dst, uint32_t ndst, uint32_t nports, uint8_t dscp, long count);

#endif
