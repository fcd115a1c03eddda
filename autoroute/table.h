/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_TABLE_H
#define WGAR_TABLE_H

#include "common.h"

/* What wg-quick's "Table =" setting asks for. */
enum wgar_mode {
	WGAR_MODE_AUTO = 1,	/* main, or the fwmark table if a /0 exists */
	WGAR_MODE_OFF,		/* no routes at all */
	WGAR_MODE_TABLE,	/* every route into one given table */
};

struct wgar_table_arg {
	enum wgar_mode mode;
	uint32_t table;		/* WGAR_MODE_TABLE only */
};

/* NULL-terminated lists of files and directories (of *.conf) to search. */
struct wgar_rt_tables_paths {
	const char *const *files;
	const char *const *dirs;
};

extern const struct wgar_rt_tables_paths wgar_rt_tables_default;

int __must_check wgar_table_parse(const char *arg,
				  const struct wgar_rt_tables_paths *paths,
				  struct wgar_table_arg *out);
int __must_check wgar_rt_tables_lookup(const char *name,
				       const struct wgar_rt_tables_paths *paths,
				       uint32_t *id);
const char *wgar_mode_name(enum wgar_mode mode);

#endif /* WGAR_TABLE_H */
