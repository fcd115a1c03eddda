// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal netlink plumbing on raw sockets: build one request, send it, and
 * feed every reply with its sequence number to a callback until the ack or
 * the end of the dump. No library, so the binary needs nothing but libc
 * (it has to run in bare test guests too).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Large enough for any dump message the kernel builds (32 KiB max). */
#define RECV_BUF_SIZE 65536

int wgar_nl_open(struct wgar_nl *nl, int protocol)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (nl->fd < 0)
		return -errno;
	/* Best effort: readable kernel error strings, no echoed requests. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen)) {
		int ret = -errno;

		close(nl->fd);
		nl->fd = -1;
		return ret;
	}
	nl->portid = sa.nl_pid;
	nl->seq = (uint32_t)getpid() << 8;
	return 0;
}

void wgar_nl_close(struct wgar_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int wgar_nl_join(struct wgar_nl *nl, unsigned int group)
{
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

void wgar_msg_init(struct wgar_msg *m, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = wgar_msg_nlh(m);

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
}

static void *msg_reserve(struct wgar_msg *m, size_t len)
{
	struct nlmsghdr *nlh = wgar_msg_nlh(m);
	size_t off = NLMSG_ALIGN(nlh->nlmsg_len);

	if (off + NLMSG_ALIGN(len) > sizeof(m->buf)) {
		m->overflow = true;
		return NULL;
	}
	nlh->nlmsg_len = (uint32_t)(off + NLMSG_ALIGN(len));
	return m->buf + off;
}

/* Reserve the family header (ifinfomsg, rtmsg, ...); returns it zeroed. */
void *wgar_msg_put_hdr(struct wgar_msg *m, size_t len)
{
	return msg_reserve(m, len);
}

void wgar_attr_put(struct wgar_msg *m, uint16_t type, const void *data,
		   size_t len)
{
	struct nlattr *a = msg_reserve(m, NLA_HDRLEN + len);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
}

void wgar_attr_put_u8(struct wgar_msg *m, uint16_t type, uint8_t v)
{
	wgar_attr_put(m, type, &v, sizeof(v));
}

void wgar_attr_put_u16(struct wgar_msg *m, uint16_t type, uint16_t v)
{
	wgar_attr_put(m, type, &v, sizeof(v));
}

void wgar_attr_put_u32(struct wgar_msg *m, uint16_t type, uint32_t v)
{
	wgar_attr_put(m, type, &v, sizeof(v));
}

void wgar_attr_put_str(struct wgar_msg *m, uint16_t type, const char *s)
{
	wgar_attr_put(m, type, s, strlen(s) + 1);
}

/* Open a nested attribute; close it with wgar_nest_end(). */
struct nlattr *wgar_nest_start(struct wgar_msg *m, uint16_t type)
{
	struct nlattr *a = msg_reserve(m, NLA_HDRLEN);

	if (a) {
		a->nla_type = type | NLA_F_NESTED;
		a->nla_len = NLA_HDRLEN;
	}
	return a;
}

void wgar_nest_end(struct wgar_msg *m, struct nlattr *nest)
{
	if (nest && !m->overflow)
		nest->nla_len = (uint16_t)(m->buf + wgar_msg_nlh(m)->nlmsg_len -
					   (uint8_t *)nest);
}

bool wgar_attr_ok(const struct nlattr *a, const void *end)
{
	const uint8_t *p = (const uint8_t *)a, *e = end;

	return p + NLA_HDRLEN <= e && a->nla_len >= NLA_HDRLEN &&
	       p + a->nla_len <= e;
}

const void *wgar_attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

size_t wgar_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/*
 * Short attributes read as zero rather than past their end: the kernel
 * never sends them, and a malformed reply must not crash us.
 */
uint8_t wgar_attr_u8(const struct nlattr *a)
{
	return wgar_attr_len(a) >= 1 ? *(const uint8_t *)wgar_attr_data(a) : 0;
}

uint16_t wgar_attr_u16(const struct nlattr *a)
{
	uint16_t v = 0;

	if (wgar_attr_len(a) >= sizeof(v))
		memcpy(&v, wgar_attr_data(a), sizeof(v));
	return v;
}

uint32_t wgar_attr_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (wgar_attr_len(a) >= sizeof(v))
		memcpy(&v, wgar_attr_data(a), sizeof(v));
	return v;
}

void wgar_attr_parse(const struct nlattr **tb, int max, const void *data,
		     size_t len)
{
	const struct nlattr *a = data;
	const uint8_t *end = (const uint8_t *)data + len;
	int type;

	memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
	while (wgar_attr_ok(a, end)) {
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		a = (const struct nlattr *)((const uint8_t *)a +
					    NLA_ALIGN(a->nla_len));
	}
}

/* Parse the attributes following a @hdrlen family header. */
void wgar_attr_parse_msg(const struct nlattr **tb, int max,
			 const struct nlmsghdr *nlh, size_t hdrlen)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);

	if (nlh->nlmsg_len < off) {
		memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
		return;
	}
	wgar_attr_parse(tb, max, (const uint8_t *)nlh + off,
			nlh->nlmsg_len - off);
}

ssize_t wgar_nl_recv(struct wgar_nl *nl, void *buf, size_t size)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	do {
		n = recvmsg(nl->fd, &mh, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	/* Only the kernel (port 0) may talk to us. */
	if (sa.nl_pid != 0)
		return 0;
	return n;
}

static void save_ext_err(struct wgar_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* With NETLINK_CAP_ACK only the request's header is echoed back. */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len <= off)
		return;
	wgar_attr_parse(tb, NLMSGERR_ATTR_MAX, (const uint8_t *)nlh + off,
			nlh->nlmsg_len - off);
	if (tb[NLMSGERR_ATTR_MSG]) {
		size_t n = wgar_attr_len(tb[NLMSGERR_ATTR_MSG]);

		if (n >= sizeof(nl->ext_err))
			n = sizeof(nl->ext_err) - 1;
		memcpy(nl->ext_err, wgar_attr_data(tb[NLMSGERR_ATTR_MSG]), n);
		nl->ext_err[n] = '\0';
	}
}

/**
 * wgar_nl_talk() - send @m and hand every reply to @cb.
 *
 * A dump ends at NLMSG_DONE; anything else is sent with NLM_F_ACK and ends
 * at the ack. A callback error is remembered, but the replies are still
 * read to their end so that the next request starts on a clean socket.
 * Returns 0, the kernel's -errno, or the callback's error.
 */
int wgar_nl_talk(struct wgar_nl *nl, struct wgar_msg *m, wgar_nl_cb cb,
		 void *arg)
{
	static uint8_t buf[RECV_BUF_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = wgar_msg_nlh(m);
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	const struct nlmsghdr *h;
	int ret = 0, err;
	ssize_t n;

	if (m->overflow)
		return -EMSGSIZE;
	nl->ext_err[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = nl->portid;
	do {
		n = sendto(nl->fd, m->buf, nlh->nlmsg_len, 0,
			   (struct sockaddr *)&sa, sizeof(sa));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (;;) {
		n = wgar_nl_recv(nl, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nlh->nlmsg_seq ||
			    h->nlmsg_pid != nl->portid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
					if (err < 0 && !ret)
						ret = err;
				}
				return ret;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				if (e->error)
					save_ext_err(nl, h);
				if (e->error && !ret)
					ret = e->error;
				/* An error ends a dump too. */
				return ret;
			}
			if (h->nlmsg_type < NLMSG_MIN_TYPE || !cb || ret)
				continue;
			ret = cb(h, arg);
		}
	}
}
