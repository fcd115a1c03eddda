/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_STATE_H
#define WGAR_STATE_H

#include <stdio.h>
#include <net/if.h>
#include <sys/types.h>

#include "common.h"
#include "table.h"

#define WGAR_STATE_DIR "/run/wg-autoroute"

/*
 * Everything one `up` (and a follower after it) changed on the system, so
 * that `down` can take back exactly that and nothing else.
 */
struct wgar_state {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct wgar_table_arg table;
	int pid;			/* running follower, 0 if none */
	uint32_t fwmark_set;		/* fwmark we put on the device, or 0 */
	int src_valid_mark_prev;	/* before we set it, -1 if untouched */
	unsigned int nft;		/* WGAR_NFT_* tables we created */
	struct wgar_route *routes;
	size_t nroutes, routes_cap;
	struct wgar_rule *rules;
	size_t nrules, rules_cap;
};

void wgar_state_init(struct wgar_state *st);
void wgar_state_free(struct wgar_state *st);
bool wgar_state_empty(const struct wgar_state *st);

int __must_check wgar_state_add_route(struct wgar_state *st,
				      const struct wgar_route *r);
ssize_t wgar_state_find_route(const struct wgar_state *st,
			      const struct wgar_route *r);
void wgar_state_del_route(struct wgar_state *st, size_t i);
int __must_check wgar_state_add_rule(struct wgar_state *st,
				     const struct wgar_rule *r);
ssize_t wgar_state_find_rule(const struct wgar_state *st, int family,
			     int kind, uint32_t table);
void wgar_state_del_rule(struct wgar_state *st, size_t i);

int __must_check wgar_state_write(const struct wgar_state *st, FILE *f);
int __must_check wgar_state_read(struct wgar_state *st, FILE *f);

const char *wgar_state_dir(void);
int wgar_state_path(char *buf, size_t size, const char *ifname,
		    const char *suffix);
int __must_check wgar_state_load(const char *ifname, struct wgar_state *st);
int __must_check wgar_state_save(const struct wgar_state *st);
int wgar_state_remove(const char *ifname);
int __must_check wgar_state_lock(const char *ifname);

#endif /* WGAR_STATE_H */
