/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_NFT_H
#define WGAR_NFT_H

#include "common.h"

int __must_check wgar_nft_ruleset(char *buf, size_t size, int family,
				  const char *ifname, uint32_t fwtable,
				  const struct wgar_prefix *addrs, size_t n);
int wgar_run(const char *const argv[], const char *input, bool quiet);
int wgar_nft_table_exists(int family, const char *ifname);
int __must_check wgar_nft_load(const char *ruleset);
int wgar_nft_delete(int family, const char *ifname);

#endif /* WGAR_NFT_H */
