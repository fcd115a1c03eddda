// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of wg-autoroute's pure parts: prefixes and their wg-quick
 * ordering (checked against sort(1) itself), --table parsing and rt_tables
 * lookup, the state file, the nftables batch, and the planner that decides
 * every route, rule and fwmark change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "../src/uapi.h"
#include "nft.h"
#include "nl.h"
#include "plan.h"
#include "prefix.h"
#include "state.h"
#include "table.h"
#include "wgdev.h"

static int failures;
static char tmpdir[] = "/tmp/wgar-test-XXXXXX";

static void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s\n", name);
		return;
	}
	failures++;
	printf("FAIL: %s ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static struct wgar_prefix P(const char *s)
{
	struct wgar_prefix p;

	if (wgar_prefix_parse(s, &p)) {
		fprintf(stderr, "bad test prefix %s\n", s);
		abort();
	}
	return p;
}

static const char *S(const struct wgar_prefix *p)
{
	static char buf[8][WGAR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 8;
	return wgar_prefix_str(p, buf[i], sizeof(buf[i]));
}

/* ---- prefixes ---- */

static void test_prefix_parse(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "10.0.0.0/24", "10.0.0.0/24" },
		{ "10.1.2.3/8", "10.0.0.0/8" },		/* host bits cleared */
		{ "192.168.1.77", "192.168.1.77/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "1.2.3.4/0", "0.0.0.0/0" },
		{ "fd00::1/64", "fd00::/64" },
		{ "FD00:0:0:0::5/128", "fd00::5/128" },
		{ "::/0", "::/0" },
		{ "2001:db8:ffff::/33", "2001:db8:8000::/33" },
	};
	static const char *const bad[] = {
		"10.0.0.0/33", "::/129", "abc", "/24", "10.0.0.0/",
		"10.0.0.0/2x", "10.0.0/24", "10.0.0.0/-1", "", "1.2.3.4/ 8",
		"fd00::/64/1",
	};
	struct wgar_prefix p;
	size_t i;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ok = !wgar_prefix_parse(good[i].in, &p) &&
		     !strcmp(S(&p), good[i].out);
		result(ok, "prefix-parse", "%s -> %s, want %s", good[i].in,
		       ok ? "" : S(&p), good[i].out);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		result(wgar_prefix_parse(bad[i], &p) == -EINVAL,
		       "prefix-parse-rejects", "'%s' accepted", bad[i]);
}

static void test_prefix_contains(void)
{
	static const struct { const char *outer, *inner; bool want; } t[] = {
		{ "10.0.0.0/8", "10.1.0.0/16", true },
		{ "10.1.0.0/16", "10.0.0.0/8", false },
		{ "10.0.0.0/24", "10.0.0.0/24", true },
		{ "10.0.0.0/24", "10.0.1.0/24", false },
		{ "10.0.0.0/24", "10.0.0.77/32", true },
		{ "0.0.0.0/0", "203.0.113.0/24", true },
		{ "0.0.0.0/0", "fd00::/64", false },
		{ "fd00::/8", "fd12:3456::/32", true },
		{ "fd00::/16", "fd01::/32", false },
		{ "10.0.0.128/25", "10.0.0.0/25", false },
	};
	struct wgar_prefix a, b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		a = P(t[i].outer);
		b = P(t[i].inner);
		result(wgar_prefix_contains(&a, &b) == t[i].want,
		       "prefix-contains", "%s contains %s: want %d",
		       t[i].outer, t[i].inner, t[i].want);
	}
}

/*
 * Our order must be exactly that of wg-quick's `sort -nr -k 2 -t /`: run
 * the real sort(1) on the same list and compare line by line.
 */
static void test_prefix_sort_matches_sort1(void)
{
	static const char *const fixed[] = {
		"10.0.0.0/24", "0.0.0.0/0", "::/0", "fd00::/64", "10.9.0.0/16",
		"192.168.1.1/32", "fd00::1/128", "10.0.0.1/32", "1.0.0.0/8",
		"9.0.0.0/8", "100.64.0.0/10", "2001:db8::/32", "10.10.0.0/16",
		"172.16.0.0/12", "fe80::/10",
	};
	struct wgar_prefix list[200];
	char path[64], cmd[128], line[128];
	size_t n = 0, i;
	unsigned int seed = 12345;
	FILE *f;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		list[n++] = P(fixed[i]);
	/* Plus pseudo-random ones, many sharing a length. */
	while (n < ARRAY_SIZE(list)) {
		uint8_t a[16];
		unsigned int j, fam = rand_r(&seed) & 1;

		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)rand_r(&seed);
		if (wgar_prefix_from_bytes(&list[n], fam ? AF_INET6 : AF_INET,
					   a, 16,
					   rand_r(&seed) % (fam ? 129 : 33)))
			abort();
		n++;
	}
	snprintf(path, sizeof(path), "%s/sortin", tmpdir);
	f = fopen(path, "w");
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", S(&list[i]));
	fclose(f);
	wgar_prefix_sort(list, n);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C sort -nr -k 2 -t / %s", path);
	f = popen(cmd, "r");
	for (i = 0; i < n && f && fgets(line, sizeof(line), f); i++) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, S(&list[i]))) {
			result(false, "prefix-sort-matches-sort(1)",
			       "line %zu: sort says %s, we say %s", i, line,
			       S(&list[i]));
			ok = false;
			break;
		}
	}
	if (f)
		pclose(f);
	if (ok)
		result(i == n, "prefix-sort-matches-sort(1)",
		       "only %zu of %zu lines", i, n);
}

/* ---- --table and rt_tables ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

static void test_table_parse(void)
{
	char f1[128], f2[128], d1[128], conf[160], txt[160];
	const char *files[] = { "/nonexistent/rt_tables", f1, f2, NULL };
	const char *dirs[] = { d1, "/nonexistent/rt_tables.d", NULL };
	const struct wgar_rt_tables_paths paths = { files, dirs };
	static const struct {
		const char *arg;
		int ret;
		enum wgar_mode mode;
		uint32_t table;
	} t[] = {
		{ NULL, 0, WGAR_MODE_AUTO, 0 },
		{ "", 0, WGAR_MODE_AUTO, 0 },
		{ "auto", 0, WGAR_MODE_AUTO, 0 },
		{ "off", 0, WGAR_MODE_OFF, 0 },
		{ "main", 0, WGAR_MODE_TABLE, 254 },
		{ "local", 0, WGAR_MODE_TABLE, 255 },
		{ "1234", 0, WGAR_MODE_TABLE, 1234 },
		{ "0x10", 0, WGAR_MODE_TABLE, 16 },
		{ "4294967295", 0, WGAR_MODE_TABLE, 4294967295u },
		{ "4294967296", -EINVAL, 0, 0 },
		{ "0", -EINVAL, 0, 0 },		/* unspec: would mean main */
		{ "unspec", -EINVAL, 0, 0 },
		{ "12ab", -EINVAL, 0, 0 },
		{ "vpn", 0, WGAR_MODE_TABLE, 100 },
		{ "hexname", 0, WGAR_MODE_TABLE, 0x200 },
		{ "indented", 0, WGAR_MODE_TABLE, 300 },
		{ "fromdir", 0, WGAR_MODE_TABLE, 400 },
		{ "renamed", 0, WGAR_MODE_TABLE, 101 },
		{ "nosuchname", -ENOENT, 0, 0 },
		{ "commented", -ENOENT, 0, 0 },
		{ "ignored", -ENOENT, 0, 0 },	/* not a *.conf */
		{ "second", -ENOENT, 0, 0 },	/* only the first file counts */
	};
	struct wgar_table_arg out;
	size_t i;
	int ret;

	snprintf(f1, sizeof(f1), "%s/rt_tables", tmpdir);
	snprintf(f2, sizeof(f2), "%s/rt_tables2", tmpdir);
	snprintf(d1, sizeof(d1), "%s/rt_tables.d", tmpdir);
	write_file(f1, "#\n# reserved\n255\tlocal\n254\tmain\n"
		   "100 vpn\n0x200 hexname\n#500 commented\n"
		   "   300\tindented\n101 renamed\n\n");
	write_file(f2, "600 second\n");
	mkdir(d1, 0700);
	snprintf(conf, sizeof(conf), "%s/extra.conf", d1);
	write_file(conf, "400 fromdir\n");
	snprintf(txt, sizeof(txt), "%s/notes.txt", d1);
	write_file(txt, "700 ignored\n");

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		ret = wgar_table_parse(t[i].arg, &paths, &out);
		result(ret == t[i].ret &&
		       (ret || (out.mode == t[i].mode &&
				out.table == t[i].table)),
		       "table-parse", "'%s': ret %d mode %d table %u",
		       t[i].arg ? t[i].arg : "(null)", ret, out.mode,
		       out.table);
	}
}

/* ---- state file ---- */

static void sample_state(struct wgar_state *st)
{
	struct wgar_route r;
	struct wgar_rule ru = { 0 };

	wgar_state_init(st);
	strcpy(st->ifname, "wg0");
	st->ifindex = 7;
	st->table.mode = WGAR_MODE_AUTO;
	st->pid = 4242;
	st->fwmark_set = 51820;
	st->src_valid_mark_prev = 0;
	st->nft = WGAR_NFT_IP | WGAR_NFT_IP6;
	r.dst = P("0.0.0.0/0");
	r.table = 51820;
	if (wgar_state_add_route(st, &r))
		abort();
	r.dst = P("fd00::/64");
	r.table = 254;
	if (wgar_state_add_route(st, &r))
		abort();
	ru.family = AF_INET;
	ru.kind = WGAR_RULE_FWMARK;
	ru.table = 51820;
	ru.pref = 32765;
	if (wgar_state_add_rule(st, &ru))
		abort();
	ru.family = AF_INET6;
	ru.kind = WGAR_RULE_SUPPRESS;
	ru.table = 254;
	ru.pref = 32764;
	if (wgar_state_add_rule(st, &ru))
		abort();
}

static bool state_eq(const struct wgar_state *a, const struct wgar_state *b)
{
	size_t i;

	if (strcmp(a->ifname, b->ifname) || a->ifindex != b->ifindex ||
	    a->table.mode != b->table.mode ||
	    a->table.table != b->table.table || a->pid != b->pid ||
	    a->fwmark_set != b->fwmark_set ||
	    a->src_valid_mark_prev != b->src_valid_mark_prev ||
	    a->nft != b->nft || a->nroutes != b->nroutes ||
	    a->nrules != b->nrules)
		return false;
	for (i = 0; i < a->nroutes; i++)
		if (!wgar_prefix_eq(&a->routes[i].dst, &b->routes[i].dst) ||
		    a->routes[i].table != b->routes[i].table)
			return false;
	for (i = 0; i < a->nrules; i++)
		if (a->rules[i].family != b->rules[i].family ||
		    a->rules[i].kind != b->rules[i].kind ||
		    a->rules[i].table != b->rules[i].table ||
		    a->rules[i].pref != b->rules[i].pref)
			return false;
	return true;
}

static void test_state_roundtrip(void)
{
	struct wgar_state a, b;
	char *t1 = NULL, *t2 = NULL;
	size_t l1, l2;
	FILE *f;
	int ret;

	sample_state(&a);
	f = open_memstream(&t1, &l1);
	ret = wgar_state_write(&a, f);
	fclose(f);
	f = fmemopen(t1, l1, "r");
	ret |= wgar_state_read(&b, f);
	fclose(f);
	result(!ret && state_eq(&a, &b), "state-roundtrip", "ret %d", ret);
	f = open_memstream(&t2, &l2);
	ret = wgar_state_write(&b, f);
	fclose(f);
	result(!ret && l1 == l2 && !memcmp(t1, t2, l1),
	       "state-roundtrip-text-stable", "second write differs");
	free(t1);
	free(t2);
	wgar_state_free(&a);
	wgar_state_free(&b);
}

static void test_state_rejects(void)
{
	static const char *const bad[] = {
		"version 2\nifname wg0\n",
		"ifname wg0\n",				/* no version */
		"version 1\n",				/* no ifname */
		"version 1\nifname wg0\nbogus 1\n",
		"version 1\nifname wg0\nroute 10.0.0.0/33 table 254\n",
		"version 1\nifname wg0\nroute 10.0.0.0/24 tabel 254\n",
		"version 1\nifname wg0\nrule inet fwmark x pref 1\n",
		"version 1\nifname wg0\nrule inet7 fwmark 1 pref 1\n",
		"version 1\nifname wg0\nmode sideways\n",
		"version 1\nifname wg0\nnft arp\n",
		"version 1\nifname wg01234567890123\n",
	};
	struct wgar_state st;
	size_t i;
	FILE *f;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		f = fmemopen((void *)bad[i], strlen(bad[i]), "r");
		ret = wgar_state_read(&st, f);
		fclose(f);
		result(ret == -EINVAL && !st.nroutes && !st.nrules,
		       "state-rejects", "accepted: %s", bad[i]);
		wgar_state_free(&st);
	}
}

static void test_state_files(void)
{
	struct wgar_state a, b;
	char dir[128];
	int lock, ret;

	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	setenv("WG_AUTOROUTE_STATE_DIR", dir, 1);
	result(wgar_state_load("wg0", &b) == -ENOENT, "state-load-missing",
	       "no ENOENT");
	lock = wgar_state_lock("wg0");
	result(lock >= 0, "state-lock-creates-dir", "%s", strerror(-lock));
	sample_state(&a);
	ret = wgar_state_save(&a);
	ret = ret ? ret : wgar_state_load("wg0", &b);
	result(!ret && state_eq(&a, &b), "state-save-load", "ret %d", ret);
	wgar_state_free(&b);
	/* A file must not be taken for another interface's. */
	{
		char src[256], dst[256];

		if (wgar_state_path(src, sizeof(src), "wg0", ".state") ||
		    wgar_state_path(dst, sizeof(dst), "wg1", ".state") ||
		    link(src, dst))
			abort();
		result(wgar_state_load("wg1", &b) == -EINVAL,
		       "state-load-wrong-ifname", "accepted");
		wgar_state_free(&b);
		unlink(dst);
	}
	ret = wgar_state_remove("wg0");
	result(!ret && wgar_state_load("wg0", &b) == -ENOENT,
	       "state-remove", "ret %d", ret);
	result(wgar_state_remove("wg0") == 0, "state-remove-idempotent",
	       "error");
	if (lock >= 0)
		close(lock);
	wgar_state_free(&a);
	unsetenv("WG_AUTOROUTE_STATE_DIR");
}

/* ---- nft batch ---- */

static void test_nft_ruleset(void)
{
	struct wgar_prefix addrs[3] = { P("10.0.0.2"), P("fd00::2"),
					P("10.0.0.3") };
	char buf[2048];
	int n;
	static const char want4[] =
		"add table ip wg-quick-wg0\n"
		"add chain ip wg-quick-wg0 preraw { type filter hook prerouting priority -300; }\n"
		"add chain ip wg-quick-wg0 premangle { type filter hook prerouting priority -150; }\n"
		"add chain ip wg-quick-wg0 postmangle { type filter hook postrouting priority -150; }\n"
		"add rule ip wg-quick-wg0 preraw iifname != \"wg0\" ip daddr 10.0.0.2 fib saddr type != local drop\n"
		"add rule ip wg-quick-wg0 preraw iifname != \"wg0\" ip daddr 10.0.0.3 fib saddr type != local drop\n"
		"add rule ip wg-quick-wg0 postmangle meta l4proto udp mark 51820 ct mark set mark \n"
		"add rule ip wg-quick-wg0 premangle meta l4proto udp meta mark set ct mark \n";
	static const char want6[] =
		"add table ip6 wg-quick-wg0\n"
		"add chain ip6 wg-quick-wg0 preraw { type filter hook prerouting priority -300; }\n"
		"add chain ip6 wg-quick-wg0 premangle { type filter hook prerouting priority -150; }\n"
		"add chain ip6 wg-quick-wg0 postmangle { type filter hook postrouting priority -150; }\n"
		"add rule ip6 wg-quick-wg0 preraw iifname != \"wg0\" ip6 daddr fd00::2 fib saddr type != local drop\n"
		"add rule ip6 wg-quick-wg0 postmangle meta l4proto udp mark 1234 ct mark set mark \n"
		"add rule ip6 wg-quick-wg0 premangle meta l4proto udp meta mark set ct mark \n";

	n = wgar_nft_ruleset(buf, sizeof(buf), AF_INET, "wg0", 51820, addrs, 3);
	result(n == (int)strlen(want4) && !strcmp(buf, want4),
	       "nft-ruleset-ipv4", "got:\n%s", buf);
	n = wgar_nft_ruleset(buf, sizeof(buf), AF_INET6, "wg0", 1234, addrs, 3);
	result(n == (int)strlen(want6) && !strcmp(buf, want6),
	       "nft-ruleset-ipv6", "got:\n%s", buf);
	n = wgar_nft_ruleset(buf, 100, AF_INET, "wg0", 1, addrs, 3);
	result(n == -ENOSPC, "nft-ruleset-overflow", "ret %d", n);
}

/* ---- planner ---- */

#define IFX 7

struct scenario {
	struct wgar_device dev;
	struct wgar_snapshot snap;
	struct wgar_state st;
	struct wgar_plan plan;
};

static void sc_init(struct scenario *s, uint32_t fwmark, const char *ips)
{
	char buf[512], *tok, *save = NULL;

	memset(s, 0, sizeof(*s));
	wgar_state_init(&s->st);
	strcpy(s->st.ifname, "wg0");
	s->st.ifindex = IFX;
	s->dev.fwmark = fwmark;
	snprintf(buf, sizeof(buf), "%s", ips);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (wgar_grow((void **)&s->dev.ips, &s->dev.ips_cap,
			      s->dev.nips, sizeof(*s->dev.ips)))
			abort();
		s->dev.ips[s->dev.nips++] = P(tok);
	}
}

static void sc_kroute(struct scenario *s, const char *p, uint32_t table,
		      int oif)
{
	struct wgar_kroute k = { .dst = P(p), .table = table, .oif = oif };

	if (wgar_grow((void **)&s->snap.routes, &s->snap.routes_cap,
		      s->snap.nroutes, sizeof(k)))
		abort();
	s->snap.routes[s->snap.nroutes++] = k;
}

/* Something we added earlier: in the state and in the kernel. */
static void sc_owned_route(struct scenario *s, const char *p, uint32_t table)
{
	struct wgar_route r = { .dst = P(p), .table = table };

	if (wgar_state_add_route(&s->st, &r))
		abort();
	sc_kroute(s, p, table, IFX);
}

static void sc_owned_rule(struct scenario *s, int family, int kind,
			  uint32_t table, uint32_t pref)
{
	struct wgar_rule r = { .family = (uint8_t)family, .kind = (uint8_t)kind,
			       .table = table, .pref = pref };
	struct wgar_krule k = {
		.family = (uint8_t)family, .action = 1 /* FR_ACT_TO_TBL */,
		.plain = true, .table = table, .pref = pref,
		.suppress_prefixlen = -1,
	};

	if (kind == WGAR_RULE_FWMARK) {
		k.flags = 2;	/* FIB_RULE_INVERT */
		k.has_fwmark = true;
		k.fwmark = table;
		k.fwmask = 0xffffffff;
	} else {
		k.suppress_prefixlen = 0;
	}
	if (wgar_state_add_rule(&s->st, &r) ||
	    wgar_grow((void **)&s->snap.rules, &s->snap.rules_cap,
		      s->snap.nrules, sizeof(k)))
		abort();
	s->snap.rules[s->snap.nrules++] = k;
}

static int sc_plan(struct scenario *s, enum wgar_mode mode, uint32_t table,
		   bool dev_present)
{
	struct wgar_plan_input in = {
		.table = { .mode = mode, .table = table },
		.ifindex = IFX,
		.dev = dev_present ? &s->dev : NULL,
		.snap = &s->snap,
	};

	wgar_state_reconcile(&s->st, IFX, in.dev, &s->snap);
	return wgar_plan_compute(&in, &s->st, &s->plan);
}

static void sc_free(struct scenario *s)
{
	free(s->dev.ips);
	wgar_snapshot_free(&s->snap);
	wgar_state_free(&s->st);
	wgar_plan_free(&s->plan);
}

/* The plan as one line per op, for comparing against expectations. */
static const char *plan_text(const struct wgar_plan *p)
{
	static char buf[4096];
	size_t i, len = 0;
	const struct wgar_op *op;

	buf[0] = '\0';
	for (i = 0; i < p->n && len < sizeof(buf) - 200; i++) {
		op = &p->ops[i];
		switch (op->type) {
		case WGAR_OP_SET_FWMARK:
			len += sprintf(buf + len, "fwmark %u;", op->value);
			break;
		case WGAR_OP_ROUTE_ADD:
		case WGAR_OP_ROUTE_DEL:
			len += sprintf(buf + len, "route %s %s %u;",
				       op->type == WGAR_OP_ROUTE_ADD ? "add" :
								       "del",
				       S(&op->route.dst), op->route.table);
			break;
		case WGAR_OP_RULE_ADD:
		case WGAR_OP_RULE_DEL:
			len += sprintf(buf + len, "rule%s %s %s %u",
				       op->rule.family == AF_INET6 ? "6" : "4",
				       op->type == WGAR_OP_RULE_ADD ? "add" :
								      "del",
				       op->rule.kind == WGAR_RULE_FWMARK ?
					       "fwmark" : "suppress",
				       op->rule.table);
			if (op->type == WGAR_OP_RULE_DEL)
				len += sprintf(buf + len, " pref %u",
					       op->rule.pref);
			len += sprintf(buf + len, ";");
			break;
		case WGAR_OP_SRC_VALID_MARK:
			len += sprintf(buf + len, "src_valid_mark %u;",
				       op->value);
			break;
		case WGAR_OP_NFT_ADD:
			len += sprintf(buf + len, "nft add %s %u;",
				       op->family == AF_INET6 ? "ip6" : "ip",
				       op->value);
			break;
		case WGAR_OP_NFT_DEL:
			len += sprintf(buf + len, "nft del %s;",
				       op->family == AF_INET6 ? "ip6" : "ip");
			break;
		}
	}
	return buf;
}

static void expect_plan(struct scenario *s, const char *name,
			const char *want)
{
	const char *got = plan_text(&s->plan);

	result(!strcmp(got, want), name, "\n  want: %s\n  got:  %s", want, got);
}

static void test_plan_off(void)
{
	struct scenario s;
	int ret;

	sc_init(&s, 0, "10.0.0.0/24 0.0.0.0/0");
	ret = sc_plan(&s, WGAR_MODE_OFF, 0, true);
	result(!ret && s.plan.n == 0, "plan-off-adds-nothing", "%s",
	       plan_text(&s.plan));
	sc_free(&s);
}

static void test_plan_table(void)
{
	struct scenario s;

	/* Everything in the table, /0 included; no rules, no fwmark. */
	sc_init(&s, 0, "10.0.0.0/24 0.0.0.0/0 fd00::/64 10.0.0.9/32 ::/0");
	if (sc_plan(&s, WGAR_MODE_TABLE, 1234, true))
		abort();
	expect_plan(&s, "plan-table-number",
		    "route add fd00::/64 1234;route add 10.0.0.9/32 1234;"
		    "route add 10.0.0.0/24 1234;route add ::/0 1234;"
		    "route add 0.0.0.0/0 1234;");
	sc_free(&s);

	/* Table = main: no "already routed" check, unlike auto. */
	sc_init(&s, 0, "10.9.0.0/16");
	sc_kroute(&s, "10.0.0.0/8", WGAR_TABLE_MAIN, IFX);
	if (sc_plan(&s, WGAR_MODE_TABLE, WGAR_TABLE_MAIN, true))
		abort();
	expect_plan(&s, "plan-table-main", "route add 10.9.0.0/16 254;");
	sc_free(&s);
}

static void test_plan_auto_main(void)
{
	struct scenario s;

	sc_init(&s, 0,
		"10.0.0.1/32 10.0.0.0/24 10.9.0.0/16 192.168.5.0/24 fd00::/64");
	/* Address = 10.0.0.2/24 on wg0: the connected route covers two. */
	sc_kroute(&s, "10.0.0.0/24", WGAR_TABLE_MAIN, IFX);
	/* Same prefix through another device: does not count. */
	sc_kroute(&s, "10.9.0.0/16", WGAR_TABLE_MAIN, IFX + 1);
	/* Through the device, but not in main: does not count. */
	sc_kroute(&s, "192.168.0.0/16", 1234, IFX);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-auto-main-skips-covered",
		    "route add fd00::/64 254;route add 192.168.5.0/24 254;"
		    "route add 10.9.0.0/16 254;");
	sc_free(&s);
}

static void test_plan_auto_default(void)
{
	struct scenario s;

	/* IPv4 /0, no fwmark yet, table 51820 taken by someone: 51821. */
	sc_init(&s, 0, "0.0.0.0/0 10.0.0.1/32");
	sc_kroute(&s, "203.0.113.0/24", 51820, 3);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-auto-default-v4",
		    "fwmark 51821;route add 10.0.0.1/32 254;"
		    "route add 0.0.0.0/0 51821;rule4 add fwmark 51821;"
		    "rule4 add suppress 254;src_valid_mark 1;"
		    "nft add ip 51821;");
	sc_free(&s);

	/* Both families, device already has fwmark 0x1234: that table. */
	sc_init(&s, 0x1234, "::/0 0.0.0.0/0");
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-auto-default-preset-fwmark",
		    "route add ::/0 4660;route add 0.0.0.0/0 4660;"
		    "rule4 add fwmark 4660;rule4 add suppress 254;"
		    "src_valid_mark 1;rule6 add fwmark 4660;"
		    "rule6 add suppress 254;nft add ip 4660;nft add ip6 4660;");
	sc_free(&s);

	/* IPv6 only: no IPv4 rules, no sysctl. */
	sc_init(&s, 0, "::/0");
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-auto-default-v6-only",
		    "fwmark 51820;route add ::/0 51820;rule6 add fwmark 51820;"
		    "rule6 add suppress 254;nft add ip6 51820;");
	sc_free(&s);
}

/* A full default setup we made earlier, as the state would record it. */
static void sc_owned_default_v4(struct scenario *s)
{
	sc_owned_route(s, "0.0.0.0/0", 51820);
	sc_owned_rule(s, AF_INET, WGAR_RULE_FWMARK, 51820, 32765);
	sc_owned_rule(s, AF_INET, WGAR_RULE_SUPPRESS, 254, 32764);
	s->st.nft = WGAR_NFT_IP;
	s->st.fwmark_set = 51820;
}

static void test_plan_follow(void)
{
	struct scenario s;

	/* Allowed-ips changed from {A, B} to {B, C}. */
	sc_init(&s, 0, "10.2.0.0/16 10.3.0.0/16");
	sc_owned_route(&s, "10.1.0.0/16", 254);
	sc_owned_route(&s, "10.2.0.0/16", 254);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-follow-diff",
		    "route add 10.3.0.0/16 254;route del 10.1.0.0/16 254;");
	sc_free(&s);

	/* Nothing changed: nothing to do (no churn on every event). */
	sc_init(&s, 51820, "0.0.0.0/0 10.2.0.0/16");
	sc_owned_default_v4(&s);
	sc_owned_route(&s, "10.2.0.0/16", 254);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-follow-steady", "");
	sc_free(&s);

	/* The last /0 goes: undo the default setup, fwmark last. */
	sc_init(&s, 51820, "10.2.0.0/16");
	sc_owned_default_v4(&s);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-follow-last-default-gone",
		    "route add 10.2.0.0/16 254;rule4 del fwmark 51820 pref 32765;"
		    "rule4 del suppress 254 pref 32764;"
		    "route del 0.0.0.0/0 51820;nft del ip;fwmark 0;");
	sc_free(&s);

	/* A /0 appears while following: default setup switched on. */
	sc_init(&s, 0, "10.2.0.0/16 0.0.0.0/0");
	sc_owned_route(&s, "10.2.0.0/16", 254);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-follow-default-appears",
		    "fwmark 51820;route add 0.0.0.0/0 51820;"
		    "rule4 add fwmark 51820;rule4 add suppress 254;"
		    "src_valid_mark 1;nft add ip 51820;");
	sc_free(&s);

	/* We no longer own the fwmark (someone set 99): leave it be. */
	sc_init(&s, 99, "10.2.0.0/16");
	sc_owned_default_v4(&s);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	result(!strstr(plan_text(&s.plan), "fwmark 0;") && !s.st.fwmark_set,
	       "plan-fwmark-not-ours-untouched", "%s", plan_text(&s.plan));
	sc_free(&s);
}

static void test_plan_repair(void)
{
	struct scenario s;

	/* A rule deleted by hand: the pair is replaced whole, in order. */
	sc_init(&s, 51820, "0.0.0.0/0");
	sc_owned_default_v4(&s);
	s.snap.nrules = 1;	/* the suppress rule vanished */
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-repair-rule-pair",
		    "rule4 add fwmark 51820;rule4 add suppress 254;"
		    "src_valid_mark 1;nft del ip;nft add ip 51820;"
		    "rule4 del fwmark 51820 pref 32765;");
	sc_free(&s);

	/* The link went down and came up: IPv4 routes were flushed. */
	sc_init(&s, 0, "10.2.0.0/16 fd00::/64");
	sc_owned_route(&s, "10.2.0.0/16", 254);
	sc_owned_route(&s, "fd00::/64", 254);
	s.snap.nroutes = 1;	/* only 10.2.0.0/16 is gone... */
	s.snap.routes[0] = s.snap.routes[1];	/* ...fd00::/64 stays */
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-repair-flushed-route",
		    "route add 10.2.0.0/16 254;");
	sc_free(&s);

	/* A route of ours must not count as "already routed" for others. */
	sc_init(&s, 0, "10.0.0.0/8 10.5.0.0/16");
	sc_owned_route(&s, "10.0.0.0/8", 254);
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, true))
		abort();
	expect_plan(&s, "plan-own-route-not-covering",
		    "route add 10.5.0.0/16 254;");
	sc_free(&s);
}

static void test_plan_down(void)
{
	struct scenario s;

	/* `down` with the device present: everything goes, fwmark too. */
	sc_init(&s, 51820, "0.0.0.0/0 10.2.0.0/16");
	sc_owned_default_v4(&s);
	sc_owned_route(&s, "10.2.0.0/16", 254);
	if (sc_plan(&s, WGAR_MODE_OFF, 0, true))
		abort();
	expect_plan(&s, "plan-down",
		    "rule4 del fwmark 51820 pref 32765;"
		    "rule4 del suppress 254 pref 32764;"
		    "route del 0.0.0.0/0 51820;route del 10.2.0.0/16 254;"
		    "nft del ip;fwmark 0;");
	sc_free(&s);

	/* Device deleted: its routes went with it; rules and nft stay. */
	sc_init(&s, 51820, "0.0.0.0/0");
	sc_owned_default_v4(&s);
	s.snap.nroutes = 0;
	if (sc_plan(&s, WGAR_MODE_AUTO, 0, false))
		abort();
	expect_plan(&s, "plan-device-gone",
		    "rule4 del fwmark 51820 pref 32765;"
		    "rule4 del suppress 254 pref 32764;nft del ip;");
	result(s.st.nroutes == 0 && !s.st.fwmark_set,
	       "reconcile-device-gone", "routes %zu fwmark %u", s.st.nroutes,
	       s.st.fwmark_set);
	sc_free(&s);

	/* Switching modes (up again with another --table) moves routes. */
	sc_init(&s, 0, "10.2.0.0/16");
	sc_owned_route(&s, "10.2.0.0/16", 254);
	if (sc_plan(&s, WGAR_MODE_TABLE, 1234, true))
		abort();
	expect_plan(&s, "plan-mode-switch",
		    "route add 10.2.0.0/16 1234;route del 10.2.0.0/16 254;");
	sc_free(&s);
}

static void test_reconcile_new_ifindex(void)
{
	struct scenario s;

	/* State of an older wg0 (index 3): its routes are not ours now. */
	sc_init(&s, 0, "10.2.0.0/16");
	s.st.ifindex = 3;
	s.st.fwmark_set = 51820;
	sc_owned_route(&s, "10.2.0.0/16", 254);
	s.snap.routes[0].oif = IFX;	/* same prefix, new device */
	wgar_state_reconcile(&s.st, IFX, &s.dev, &s.snap);
	result(s.st.nroutes == 0 && s.st.ifindex == IFX && !s.st.fwmark_set,
	       "reconcile-new-ifindex", "routes %zu ifindex %d fwmark %u",
	       s.st.nroutes, s.st.ifindex, s.st.fwmark_set);
	sc_free(&s);
}

/* ---- generic netlink replies and events ---- */

static void genl_msg(struct wgar_msg *m, uint16_t family, uint8_t cmd)
{
	struct genlmsghdr *gh;

	wgar_msg_init(m, family, 0);
	gh = wgar_msg_put_hdr(m, GENL_HDRLEN);
	gh->cmd = cmd;
	gh->version = 1;
}

static void put_group(struct wgar_msg *m, uint16_t idx, const char *name,
		      uint32_t id)
{
	struct nlattr *g = wgar_nest_start(m, idx);

	wgar_attr_put_str(m, CTRL_ATTR_MCAST_GRP_NAME, name);
	wgar_attr_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, id);
	wgar_nest_end(m, g);
}

static void test_genl_family(void)
{
	struct wgar_genl g;
	struct wgar_msg m;
	struct nlattr *groups;

	genl_msg(&m, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	wgar_attr_put_u16(&m, CTRL_ATTR_FAMILY_ID, 0x1a);
	wgar_attr_put_str(&m, CTRL_ATTR_FAMILY_NAME, "wireguard");
	groups = wgar_nest_start(&m, CTRL_ATTR_MCAST_GROUPS);
	put_group(&m, 1, "peersX", 9);
	put_group(&m, 2, "peers", 11);
	put_group(&m, 3, "pe", 12);
	wgar_nest_end(&m, groups);
	memset(&g, 0, sizeof(g));
	wgar_genl_parse_family(wgar_msg_nlh(&m), &g);
	result(!m.overflow && g.family == 0x1a && g.peers_group == 11,
	       "genl-family-peers-group", "family %#x group %u", g.family,
	       g.peers_group);

	/* Debian's module: the family, but no group. */
	genl_msg(&m, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	wgar_attr_put_u16(&m, CTRL_ATTR_FAMILY_ID, 0x1b);
	memset(&g, 0, sizeof(g));
	wgar_genl_parse_family(wgar_msg_nlh(&m), &g);
	result(g.family == 0x1b && g.peers_group == 0,
	       "genl-family-without-group", "family %#x group %u", g.family,
	       g.peers_group);
}

static void put_allowedip(struct wgar_msg *m, uint16_t idx, const char *p,
			  int cidr_override)
{
	struct wgar_prefix pr = P(p);
	struct nlattr *a = wgar_nest_start(m, idx);

	wgar_attr_put_u16(m, WGALLOWEDIP_A_FAMILY, pr.family);
	wgar_attr_put(m, WGALLOWEDIP_A_IPADDR, pr.addr,
		      pr.family == AF_INET ? 4 : 16);
	if (cidr_override != -2)
		wgar_attr_put_u8(m, WGALLOWEDIP_A_CIDR_MASK,
				 cidr_override >= 0 ? (uint8_t)cidr_override :
						      pr.len);
	wgar_nest_end(m, a);
}

static void test_wg_parse_device(void)
{
	struct wgar_device dev = { 0 };
	struct nlattr *peers, *peer, *ips;
	uint8_t key[32] = { 1 };
	struct wgar_msg m;
	char got[512] = "";
	size_t i;

	/* First message: fwmark, peer A with two allowed-ips... */
	genl_msg(&m, 0x1a, WG_CMD_GET_DEVICE);
	wgar_attr_put_u32(&m, WGDEVICE_A_IFINDEX, 7);
	wgar_attr_put_u32(&m, WGDEVICE_A_FWMARK, 51820);
	peers = wgar_nest_start(&m, WGDEVICE_A_PEERS);
	peer = wgar_nest_start(&m, 0);
	wgar_attr_put(&m, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	ips = wgar_nest_start(&m, WGPEER_A_ALLOWEDIPS);
	put_allowedip(&m, 0, "10.0.0.0/24", -1);
	put_allowedip(&m, 1, "fd00::/64", -1);
	put_allowedip(&m, 2, "10.6.0.0/16", 33);	/* bad mask: skipped */
	put_allowedip(&m, 3, "10.7.0.0/16", -2);	/* no mask: skipped */
	wgar_nest_end(&m, ips);
	wgar_nest_end(&m, peer);
	wgar_nest_end(&m, peers);
	if (wgar_wg_parse_device(wgar_msg_nlh(&m), &dev))
		abort();

	/* ...the next one continues peer A, then peer B. */
	genl_msg(&m, 0x1a, WG_CMD_GET_DEVICE);
	peers = wgar_nest_start(&m, WGDEVICE_A_PEERS);
	peer = wgar_nest_start(&m, 0);
	wgar_attr_put(&m, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	ips = wgar_nest_start(&m, WGPEER_A_ALLOWEDIPS);
	put_allowedip(&m, 0, "0.0.0.0/0", -1);
	wgar_nest_end(&m, ips);
	wgar_nest_end(&m, peer);
	key[0] = 2;
	peer = wgar_nest_start(&m, 1);
	wgar_attr_put(&m, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	ips = wgar_nest_start(&m, WGPEER_A_ALLOWEDIPS);
	put_allowedip(&m, 0, "10.1.2.3/32", -1);
	wgar_nest_end(&m, ips);
	wgar_nest_end(&m, peer);
	peer = wgar_nest_start(&m, 2);	/* a peer without allowed-ips */
	wgar_attr_put(&m, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	wgar_nest_end(&m, peer);
	wgar_nest_end(&m, peers);
	if (wgar_wg_parse_device(wgar_msg_nlh(&m), &dev))
		abort();

	for (i = 0; i < dev.nips; i++) {
		strcat(got, S(&dev.ips[i]));
		strcat(got, " ");
	}
	result(dev.fwmark == 51820 &&
	       !strcmp(got, "10.0.0.0/24 fd00::/64 0.0.0.0/0 10.1.2.3/32 "),
	       "wg-parse-device-dump", "fwmark %u ips %s", dev.fwmark, got);
	free(dev.ips);
}

static void test_wg_event(void)
{
	struct wgar_msg m;
	int r;

	genl_msg(&m, 0x1a, WG_CMD_PEER_EVENT);
	wgar_attr_put_u32(&m, WGEVENT_A_TYPE, WG_PEER_EVENT_ALLOWEDIPS_CHANGED);
	wgar_attr_put_u32(&m, WGEVENT_A_IFINDEX, 7);
	wgar_attr_put_str(&m, WGEVENT_A_IFNAME, "wg0");
	r = wgar_wg_event_ifindex(wgar_msg_nlh(&m), 0x1a);
	result(r == 7, "wg-event-ifindex", "got %d", r);
	r = wgar_wg_event_ifindex(wgar_msg_nlh(&m), 0x1b);
	result(r == -1, "wg-event-other-family", "got %d", r);

	genl_msg(&m, 0x1a, WG_CMD_PEER_EVENT);
	wgar_attr_put_u32(&m, WGEVENT_A_TYPE, WG_PEER_EVENT_REMOVED);
	r = wgar_wg_event_ifindex(wgar_msg_nlh(&m), 0x1a);
	result(r == 0, "wg-event-without-ifindex", "got %d", r);

	genl_msg(&m, 0x1a, WG_CMD_SET_DEVICE);
	wgar_attr_put_u32(&m, WGEVENT_A_IFINDEX, 7);
	r = wgar_wg_event_ifindex(wgar_msg_nlh(&m), 0x1a);
	result(r == -1, "wg-event-other-command", "got %d", r);

	genl_msg(&m, 0x1a, WG_CMD_PEER_EVENT);
	wgar_msg_nlh(&m)->nlmsg_len = NLMSG_HDRLEN + 2;	/* truncated */
	r = wgar_wg_event_ifindex(wgar_msg_nlh(&m), 0x1a);
	result(r == -1, "wg-event-truncated", "got %d", r);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_prefix_parse();
	test_prefix_contains();
	test_prefix_sort_matches_sort1();
	test_table_parse();
	test_state_roundtrip();
	test_state_rejects();
	test_state_files();
	test_nft_ruleset();
	test_plan_off();
	test_plan_table();
	test_plan_auto_main();
	test_plan_auto_default();
	test_plan_follow();
	test_plan_repair();
	test_plan_down();
	test_reconcile_new_ifindex();
	test_genl_family();
	test_wg_parse_device();
	test_wg_event();

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
