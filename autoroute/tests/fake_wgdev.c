// SPDX-License-Identifier: GPL-2.0
/*
 * Test double of wgdev.c for tests/netns-test.sh, which runs the real
 * wg-autoroute logic against veth devices on a host without WireGuard.
 * A device's fwmark and allowed-ips live in $WGAR_FAKE_DIR/IFNAME:
 *   fwmark 51820
 *   10.0.0.0/24
 *   ...
 * The "peers" group is nlctrl's "notify" group, so that --follow can
 * start (no peer events ever arrive: resyncs come from link events).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "../prefix.h"
#include "../wgdev.h"

static int dev_path(int ifindex, char *buf, size_t size)
{
	char name[IF_NAMESIZE];
	const char *dir = getenv("WGAR_FAKE_DIR");

	if (!dir || !if_indextoname((unsigned int)ifindex, name))
		return -ENODEV;
	snprintf(buf, size, "%s/%s", dir, name);
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;
	const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct wgar_genl *g = arg;

	wgar_attr_parse_msg(tb, CTRL_ATTR_MAX, nlh, GENL_HDRLEN);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	wgar_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		wgar_attr_parse(gtb, CTRL_ATTR_MCAST_GRP_MAX,
				wgar_attr_data(grp), wgar_attr_len(grp));
		if (gtb[CTRL_ATTR_MCAST_GRP_ID])
			g->peers_group =
				wgar_attr_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

int wgar_genl_open(struct wgar_genl *g)
{
	struct wgar_msg m;
	struct genlmsghdr *gh;
	int ret;

	memset(g, 0, sizeof(*g));
	ret = wgar_nl_open(&g->nl, NETLINK_GENERIC);
	if (ret)
		return ret;
	g->family = 0x7ffe;	/* matches no real message */
	if (getenv("WGAR_FAKE_NO_GROUP"))
		return 0;
	wgar_msg_init(&m, GENL_ID_CTRL, 0);
	gh = wgar_msg_put_hdr(&m, GENL_HDRLEN);
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	wgar_attr_put_str(&m, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	return wgar_nl_talk(&g->nl, &m, family_cb, g);
}

void wgar_genl_close(struct wgar_genl *g)
{
	wgar_nl_close(&g->nl);
}

void wgar_device_free(struct wgar_device *dev)
{
	free(dev->ips);
	memset(dev, 0, sizeof(*dev));
}

int wgar_wg_get(struct wgar_genl *g, int ifindex, struct wgar_device *dev)
{
	char path[4096], line[256];
	struct wgar_prefix p;
	FILE *f;

	(void)g;
	memset(dev, 0, sizeof(*dev));
	if (dev_path(ifindex, path, sizeof(path)))
		return -ENODEV;
	f = fopen(path, "re");
	if (!f)
		return -EOPNOTSUPP;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "fwmark ", 7)) {
			dev->fwmark = (uint32_t)strtoul(line + 7, NULL, 0);
		} else if (!wgar_prefix_parse(line, &p)) {
			if (wgar_grow((void **)&dev->ips, &dev->ips_cap,
				      dev->nips, sizeof(p))) {
				fclose(f);
				wgar_device_free(dev);
				return -ENOMEM;
			}
			dev->ips[dev->nips++] = p;
		}
	}
	fclose(f);
	return 0;
}

/* Rewrites the file with the new fwmark line first. */
int wgar_wg_set_fwmark(struct wgar_genl *g, int ifindex, uint32_t fwmark)
{
	char path[4096], tmp[4200], line[256];
	FILE *in, *out;

	(void)g;
	if (dev_path(ifindex, path, sizeof(path)))
		return -ENODEV;
	if (getenv("WGAR_FAKE_FWMARK_FAILS"))
		return -EPERM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	in = fopen(path, "re");
	out = fopen(tmp, "we");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -EIO;
	}
	fprintf(out, "fwmark %u\n", fwmark);
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, "fwmark ", 7))
			fputs(line, out);
	fclose(in);
	fclose(out);
	return rename(tmp, path) ? -errno : 0;
}

int wgar_wg_event_ifindex(const struct nlmsghdr *nlh, uint16_t family)
{
	(void)nlh;
	(void)family;
	return -1;
}
