/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_NL_H
#define WGAR_NL_H

#include <linux/netlink.h>

#include "common.h"

/* A netlink socket and the sequence numbers of our requests on it. */
struct wgar_nl {
	int fd;
	uint32_t seq;
	uint32_t portid;
	char ext_err[256];	/* kernel's extended ack message, if any */
};

/* A request being built: one message in a fixed buffer. */
struct wgar_msg {
	uint8_t buf[4096] __attribute__((aligned(8)));
	bool overflow;
};

static inline struct nlmsghdr *wgar_msg_nlh(struct wgar_msg *m)
{
	return (struct nlmsghdr *)(void *)m->buf;
}

typedef int (*wgar_nl_cb)(const struct nlmsghdr *nlh, void *arg);

int __must_check wgar_nl_open(struct wgar_nl *nl, int protocol);
void wgar_nl_close(struct wgar_nl *nl);
int __must_check wgar_nl_join(struct wgar_nl *nl, unsigned int group);
int __must_check wgar_nl_talk(struct wgar_nl *nl, struct wgar_msg *m,
			      wgar_nl_cb cb, void *arg);
ssize_t wgar_nl_recv(struct wgar_nl *nl, void *buf, size_t size);

void wgar_msg_init(struct wgar_msg *m, uint16_t type, uint16_t flags);
void *wgar_msg_put_hdr(struct wgar_msg *m, size_t len);
void wgar_attr_put(struct wgar_msg *m, uint16_t type, const void *data,
		   size_t len);
void wgar_attr_put_u8(struct wgar_msg *m, uint16_t type, uint8_t v);
void wgar_attr_put_u16(struct wgar_msg *m, uint16_t type, uint16_t v);
void wgar_attr_put_u32(struct wgar_msg *m, uint16_t type, uint32_t v);
void wgar_attr_put_str(struct wgar_msg *m, uint16_t type, const char *s);
struct nlattr *wgar_nest_start(struct wgar_msg *m, uint16_t type);
void wgar_nest_end(struct wgar_msg *m, struct nlattr *nest);

/* Attribute table indexed by type; entries beyond @max are ignored. */
void wgar_attr_parse(const struct nlattr **tb, int max, const void *data,
		     size_t len);
void wgar_attr_parse_msg(const struct nlattr **tb, int max,
			 const struct nlmsghdr *nlh, size_t hdrlen);
const void *wgar_attr_data(const struct nlattr *a);
size_t wgar_attr_len(const struct nlattr *a);
uint8_t wgar_attr_u8(const struct nlattr *a);
uint16_t wgar_attr_u16(const struct nlattr *a);
uint32_t wgar_attr_u32(const struct nlattr *a);

/* Iterate the attributes of a nested attribute (any type). */
#define wgar_attr_for_each_nested(pos, nest)				\
	for (pos = (const struct nlattr *)wgar_attr_data(nest);	\
	     wgar_attr_ok(pos, (const uint8_t *)wgar_attr_data(nest) +	\
			  wgar_attr_len(nest));				\
	     pos = (const struct nlattr *)((const uint8_t *)pos +	\
					   NLA_ALIGN(pos->nla_len)))

bool wgar_attr_ok(const struct nlattr *a, const void *end);

#endif /* WGAR_NL_H */
