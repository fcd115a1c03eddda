/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A real, minimal scatterlist for the unit tests (unlike the empty stubs
 * beside it): entries point straight at buffers (there are no pages), and
 * the sg_miter emulation walks them with the kernel's observable
 * behaviour, so that crypto/ code written against <linux/scatterlist.h>
 * runs unchanged:
 *  - a mapping never crosses a 4 KiB boundary of the buffer's address (as
 *    the kernel maps one page at a time), so one entry may come back as
 *    several mappings;
 *  - an empty entry may be returned as a zero-length mapping (the kernel
 *    does so for an empty entry at a non-zero page offset); this emulation
 *    always does, the harder case for callers;
 *  - miter->consumed starts at length; setting it lower makes the next
 *    sg_miter_next() resume inside the same mapping;
 *  - after sg_miter_next() or sg_miter_stop(), the previous addr is
 *    invalid (set to NULL here, so a stale use crashes the test).
 * Requires shim.h (force-included) for the basic types.
 */
#ifndef WG_UNIT_SHIM_SCATTERLIST_H
#define WG_UNIT_SHIM_SCATTERLIST_H

#include <stdint.h>

struct scatterlist {
	void *buf;
	unsigned int length;
	bool end;
};

static inline void sg_init_table(struct scatterlist *sg, unsigned int nents)
{
	memset(sg, 0, sizeof(*sg) * nents);
	sg[nents - 1].end = true;
}

static inline void sg_set_buf(struct scatterlist *sg, const void *buf,
			      unsigned int len)
{
	sg->buf = (void *)buf;
	sg->length = len;
}

static inline void sg_init_one(struct scatterlist *sg, const void *buf,
			       unsigned int len)
{
	sg_init_table(sg, 1);
	sg_set_buf(sg, buf, len);
}

static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->end = true;
}

static inline void sg_unmark_end(struct scatterlist *sg)
{
	sg->end = false;
}

static inline bool sg_is_last(const struct scatterlist *sg)
{
	return sg->end;
}

static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	return sg->end ? NULL : sg + 1;
}

static inline int sg_nents(struct scatterlist *sg)
{
	int n;

	for (n = 0; sg; sg = sg_next(sg))
		n++;
	return n;
}

static inline void *sg_virt(struct scatterlist *sg)
{
	return sg->buf;
}

#define SG_MITER_ATOMIC		(1 << 0)
#define SG_MITER_TO_SG		(1 << 1)
#define SG_MITER_FROM_SG	(1 << 2)

#define WG_SHIM_PAGE_SIZE 4096u

struct sg_mapping_iter {
	/* Public, as in the kernel. */
	void *addr;
	size_t length;
	size_t consumed;
	/* Private. */
	struct scatterlist *__sg;
	unsigned int __nents;
	size_t __offset;
	bool __started;
	unsigned int __flags;
};

static inline void sg_miter_start(struct sg_mapping_iter *miter,
				  struct scatterlist *sgl, unsigned int nents,
				  unsigned int flags)
{
	memset(miter, 0, sizeof(*miter));
	miter->__sg = nents ? sgl : NULL;
	miter->__nents = nents;
	miter->__flags = flags;
}

/* Retires the current mapping: what was consumed is skipped from now on. */
static inline void sg_miter_stop(struct sg_mapping_iter *miter)
{
	miter->__offset += miter->consumed;
	miter->consumed = 0;
	miter->length = 0;
	miter->addr = NULL;
}

static inline bool sg_miter_next(struct sg_mapping_iter *miter)
{
	sg_miter_stop(miter);
	for (;;) {
		struct scatterlist *sg = miter->__sg;

		if (!sg)
			return false;
		if (miter->__offset < sg->length ||
		    (!sg->length && !miter->__started)) {
			u8 *p = (u8 *)sg->buf + miter->__offset;
			size_t page_left = WG_SHIM_PAGE_SIZE -
					   ((uintptr_t)p & (WG_SHIM_PAGE_SIZE - 1));

			miter->addr = p;
			miter->length = sg->length - miter->__offset;
			if (miter->length > page_left)
				miter->length = page_left;
			miter->consumed = miter->length;
			miter->__started = true;
			return true;
		}
		miter->__sg = --miter->__nents ? sg_next(sg) : NULL;
		miter->__offset = 0;
		miter->__started = false;
	}
}

#endif /* WG_UNIT_SHIM_SCATTERLIST_H */
