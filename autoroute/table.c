// SPDX-License-Identifier: GPL-2.0
/*
 * The --table argument: "auto", "off", a number, or a name that ip(8)
 * would resolve through rt_tables. wg-quick hands its Table= value to
 * `ip route add ... table VALUE`, so a name means what iproute2 says.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static const char *const default_files[] = {
	"/etc/iproute2/rt_tables",
	/* iproute2 >= 6.5 ships the defaults here instead. */
	"/usr/share/iproute2/rt_tables",
	"/usr/lib/iproute2/rt_tables",
	NULL
};

static const char *const default_dirs[] = {
	"/etc/iproute2/rt_tables.d",
	"/usr/share/iproute2/rt_tables.d",
	"/usr/lib/iproute2/rt_tables.d",
	NULL
};

const struct wgar_rt_tables_paths wgar_rt_tables_default = {
	.files = default_files,
	.dirs = default_dirs,
};

const char *wgar_mode_name(enum wgar_mode mode)
{
	switch (mode) {
	case WGAR_MODE_AUTO:
		return "auto";
	case WGAR_MODE_OFF:
		return "off";
	case WGAR_MODE_TABLE:
		return "table";
	}
	return "?";
}

/*
 * A u32 the way iproute2 reads it: the command line through strtoul base 0
 * (so 0x1f and 017 work), rt_tables files as "0x.." or decimal.
 */
static int parse_u32(const char *s, int base, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > 0xffffffffull)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int file_base(const char *num)
{
	return num[0] == '0' && (num[1] == 'x' || num[1] == 'X') ? 16 : 10;
}

/* One "ID NAME" file; returns 1 when @name was found. */
static int lookup_file(const char *path, const char *name, uint32_t *id)
{
	char line[512], num[64], nm[256];
	int found = 0;
	uint32_t v;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		if (sscanf(p, "%63s %255s", num, nm) != 2)
			continue;
		if (nm[0] == '#' || parse_u32(num, file_base(num), &v))
			continue;
		/*
		 * iproute2 keeps the first entry for an id but lets a later
		 * line rename it; for a name, the last line wins as well.
		 */
		if (!strcmp(nm, name)) {
			*id = v;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       !strcmp(d->d_name + n - 5, ".conf");
}

static int lookup_dir(const char *dir, const char *name, uint32_t *id)
{
	struct dirent **list;
	char path[4096];
	int i, n, found = 0;

	n = scandir(dir, &list, conf_filter, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		found |= lookup_file(path, name, id);
		free(list[i]);
	}
	free(list);
	return found;
}

/**
 * wgar_rt_tables_lookup() - resolve a routing table name like ip(8).
 *
 * The built-in names come first, then the first rt_tables file that
 * exists, then every *.conf in the rt_tables.d directories.
 * Returns 0, or -ENOENT when the name is not known anywhere.
 */
int wgar_rt_tables_lookup(const char *name,
			  const struct wgar_rt_tables_paths *paths,
			  uint32_t *id)
{
	static const struct { const char *name; uint32_t id; } builtin[] = {
		{ "local", 255 }, { "main", 254 }, { "default", 253 },
		{ "unspec", 0 },
	};
	const char *const *p;
	int found = 0;
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(builtin); i++) {
		if (!strcmp(builtin[i].name, name)) {
			*id = builtin[i].id;
			return 0;
		}
	}
	for (p = paths->files; p && *p; p++) {
		f = fopen(*p, "re");
		if (!f)
			continue;
		fclose(f);
		found = lookup_file(*p, name, id);
		break;
	}
	for (p = paths->dirs; p && *p; p++)
		found |= lookup_dir(*p, name, id);
	return found ? 0 : -ENOENT;
}

/**
 * wgar_table_parse() - interpret a --table argument.
 *
 * Returns 0; -ENOENT for a name no rt_tables file knows; -EINVAL for table
 * 0 ("unspec", which the kernel would silently turn into main) or junk.
 */
int wgar_table_parse(const char *arg, const struct wgar_rt_tables_paths *paths,
		     struct wgar_table_arg *out)
{
	uint32_t id;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!arg || !*arg || !strcmp(arg, "auto")) {
		out->mode = WGAR_MODE_AUTO;
		return 0;
	}
	if (!strcmp(arg, "off")) {
		out->mode = WGAR_MODE_OFF;
		return 0;
	}
	if (*arg >= '0' && *arg <= '9') {
		ret = parse_u32(arg, 0, &id);
		if (ret)
			return ret;
	} else {
		ret = wgar_rt_tables_lookup(arg, paths, &id);
		if (ret)
			return ret;
	}
	if (id == 0)
		return -EINVAL;
	out->mode = WGAR_MODE_TABLE;
	out->table = id;
	return 0;
}
