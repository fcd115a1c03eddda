/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared definitions of wg-autoroute: the small value types every other
 * part passes around (prefixes, the routes and rules we own) and a growable
 * array helper.
 */
#ifndef WGAR_COMMON_H
#define WGAR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define __must_check __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define WGAR_TABLE_MAIN 254
#define WGAR_FWMARK_FIRST_TABLE 51820

/* An IPv4 or IPv6 prefix; host bits are always zero. */
struct wgar_prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* prefix length in bits */
	uint8_t addr[16];	/* network byte order, unused tail zero */
};

/* A route we own: "PREFIX dev IFACE table TABLE". */
struct wgar_route {
	struct wgar_prefix dst;
	uint32_t table;
};

enum wgar_rule_kind {
	/* "not fwmark TABLE table TABLE" */
	WGAR_RULE_FWMARK = 1,
	/* "table main suppress_prefixlength 0" */
	WGAR_RULE_SUPPRESS = 2,
};

/* A policy rule we own; pref is what the kernel assigned when we added it. */
struct wgar_rule {
	uint8_t family;
	uint8_t kind;		/* enum wgar_rule_kind */
	uint32_t table;
	uint32_t pref;
};

/* nftables tables, as a bit mask per family. */
#define WGAR_NFT_IP	(1u << 0)
#define WGAR_NFT_IP6	(1u << 1)

/* The kernel's routes and rules, as far as the planner cares. */
struct wgar_kroute {
	struct wgar_prefix dst;
	uint32_t table;
	int oif;		/* 0 for multipath or device-less routes */
	uint8_t protocol;
};

struct wgar_krule {
	uint8_t family;
	uint8_t action;
	bool plain;		/* no selector besides fwmark */
	bool has_fwmark;
	uint32_t flags;
	uint32_t table;
	uint32_t pref;
	uint32_t fwmark;
	uint32_t fwmask;
	int32_t suppress_prefixlen;	/* -1 when unset */
};

struct wgar_snapshot {
	struct wgar_kroute *routes;
	size_t nroutes, routes_cap;
	struct wgar_krule *rules;
	size_t nrules, rules_cap;
};

void wgar_snapshot_free(struct wgar_snapshot *s);
bool wgar_snapshot_has_rule(const struct wgar_snapshot *s,
			    const struct wgar_rule *r);
bool wgar_snapshot_has_route(const struct wgar_snapshot *s,
			     const struct wgar_route *r, int oif);

/*
 * wgar_grow() - make room for one more element in a malloc'ed array.
 * Returns 0, or -ENOMEM with the array left untouched.
 */
int __must_check wgar_grow(void **arr, size_t *cap, size_t n, size_t elem);

#endif /* WGAR_COMMON_H */
