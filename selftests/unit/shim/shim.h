/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the few kernel facilities that the pure parts of
 * the module (crypto/, src/allowedips.c, the protocol state machines) use, so
 * that the very same source files compile into the unit tests.
 *
 * This header is force-included (-include) by the unit-test build; the
 * <linux/...> and <asm/...> headers next to it are empty and exist only so
 * that the sources' #include lines resolve. Keep this file to plain
 * definitions: tests are single-threaded, so locks and RCU collapse to
 * their sequential meaning (call_rcu() runs its callback at once).
 */
#ifndef WG_UNIT_SHIM_H
#define WG_UNIT_SHIM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <errno.h>
#include <endian.h>
#include <sys/random.h>
#include <stdarg.h>
#include <time.h>

/*
 * IS_ENABLED(CONFIG_X) as <linux/kconfig.h> has it: 1 if CONFIG_X is
 * defined to 1, else 0. No CONFIG_ options are set here.
 */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option) ___is_defined(option)

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef unsigned int gfp_t;

#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u
#define __GFP_ZERO 0x100u

#define __must_check __attribute__((warn_unused_result))
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __aligned(x) __attribute__((aligned(x)))
#define __packed __attribute__((packed))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __init
#define __exit
#define __initconst
#define __ro_after_init
#define __rcu
#define __user
#define __force
#define __bitwise
#define fallthrough __attribute__((fallthrough))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() __asm__ __volatile__("" : : : "memory")
#define smp_mb() __sync_synchronize()
#define smp_wmb() __sync_synchronize()
#define smp_rmb() __sync_synchronize()
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define BITS_PER_LONG 64
#ifndef U64_MAX
#define U64_MAX ((u64)~0ULL)
#endif
#define BIT(n) (1UL << (n))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define swap(a, b) do { __typeof__(a) __t = (a); (a) = (b); (b) = __t; } while (0)

#define WARN_ON(c) ({ bool __c = !!(c); if (__c) fprintf(stderr, "WARNING: %s:%d: %s\n", __FILE__, __LINE__, #c); __c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define BUG_ON(c) do { if (c) { fprintf(stderr, "BUG: %s:%d\n", __FILE__, __LINE__); abort(); } } while (0)
#define pr_info(...) printf(__VA_ARGS__)
#define pr_err(...) fprintf(stderr, __VA_ARGS__)
#define pr_warn(...) fprintf(stderr, __VA_ARGS__)
#define pr_debug(...) do { } while (0)
#define net_dbg_ratelimited(...) do { } while (0)

#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_AUTHOR(x)
#define might_sleep() do { } while (0)
#define cond_resched() do { } while (0)
#define lockdep_assert_held(l) do { (void)(l); } while (0)

/* Byte order: the unit tests run on little-endian x86_64 only. */
#define cpu_to_le16(x) ((u16)htole16(x))
#define cpu_to_le32(x) ((u32)htole32(x))
#define cpu_to_le64(x) ((u64)htole64(x))
#define le16_to_cpu(x) ((u16)le16toh(x))
#define le32_to_cpu(x) ((u32)le32toh(x))
#define le64_to_cpu(x) ((u64)le64toh(x))
#define cpu_to_be16(x) ((u16)htobe16(x))
#define cpu_to_be32(x) ((u32)htobe32(x))
#define cpu_to_be64(x) ((u64)htobe64(x))
#define be16_to_cpu(x) ((u16)be16toh(x))
#define be32_to_cpu(x) ((u32)be32toh(x))
#define be64_to_cpu(x) ((u64)be64toh(x))
#define htonl(x) cpu_to_be32(x)
#define htons(x) cpu_to_be16(x)
#define ntohl(x) be32_to_cpu(x)
#define ntohs(x) be16_to_cpu(x)
#define le32_to_cpus(p) do { *(p) = le32_to_cpu(*(p)); } while (0)
#define cpu_to_le32s(p) do { *(p) = cpu_to_le32(*(p)); } while (0)
#define cpu_to_le32_array(p, n) do { } while (0)
#define le32_to_cpu_array(p, n) do { } while (0)

#define SHIM_UNALIGNED(name, type, conv) \
	static inline type get_unaligned_##name(const void *p) \
	{ type v; memcpy(&v, p, sizeof(v)); return conv(v); } \
	static inline void put_unaligned_##name(type v, void *p) \
	{ v = conv(v); memcpy(p, &v, sizeof(v)); }
SHIM_UNALIGNED(le16, u16, le16toh)
SHIM_UNALIGNED(le32, u32, le32toh)
SHIM_UNALIGNED(le64, u64, le64toh)
SHIM_UNALIGNED(be16, u16, be16toh)
SHIM_UNALIGNED(be32, u32, be32toh)
SHIM_UNALIGNED(be64, u64, be64toh)
#undef SHIM_UNALIGNED
#define get_unaligned(p) ({ __typeof__(*(p)) __v; memcpy(&__v, (p), sizeof(__v)); __v; })
#define put_unaligned(v, p) do { __typeof__(*(p)) __v = (v); memcpy((p), &__v, sizeof(__v)); } while (0)

static inline u32 rol32(u32 w, unsigned int s) { return (w << (s & 31)) | (w >> ((-s) & 31)); }
static inline u32 ror32(u32 w, unsigned int s) { return (w >> (s & 31)) | (w << ((-s) & 31)); }
static inline u64 rol64(u64 w, unsigned int s) { return (w << (s & 63)) | (w >> ((-s) & 63)); }
static inline u64 ror64(u64 w, unsigned int s) { return (w >> (s & 63)) | (w << ((-s) & 63)); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int __ffs(unsigned long x) { return __builtin_ctzl(x); }
static inline unsigned int hweight32(u32 x) { return __builtin_popcount(x); }
static inline unsigned int hweight64(u64 x) { return __builtin_popcountll(x); }

static inline void memzero_explicit(void *s, size_t n)
{
	memset(s, 0, n);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

static inline int crypto_memneq(const void *a, const void *b, size_t n)
{
	const volatile u8 *x = a, *y = b;
	u8 d = 0;

	while (n--)
		d |= *x++ ^ *y++;
	return d != 0;
}

/* Allocation. kvmalloc and friends map to the libc allocator. */
static inline void *kmalloc(size_t n, gfp_t f) { return (f & __GFP_ZERO) ? calloc(1, n) : malloc(n); }
static inline void *kzalloc(size_t n, gfp_t f) { (void)f; return calloc(1, n); }
static inline void *kcalloc(size_t c, size_t n, gfp_t f) { (void)f; return calloc(c, n); }
static inline void *kvmalloc(size_t n, gfp_t f) { return kmalloc(n, f); }
static inline void *kvzalloc(size_t n, gfp_t f) { return kzalloc(n, f); }
static inline void kfree(const void *p) { free((void *)p); }
static inline void kvfree(const void *p) { free((void *)p); }
static inline void kfree_sensitive(const void *p) { free((void *)p); }

/* Slab caches: a thin wrapper that remembers the object size. */
struct kmem_cache { size_t size; };
static inline struct kmem_cache *shim_kmem_cache_create(size_t size)
{
	struct kmem_cache *c = malloc(sizeof(*c));

	if (c)
		c->size = size;
	return c;
}
#define KMEM_CACHE(s, f) shim_kmem_cache_create(sizeof(struct s))
static inline void *kmem_cache_alloc(struct kmem_cache *c, gfp_t f) { return kmalloc(c->size, f); }
static inline void *kmem_cache_zalloc(struct kmem_cache *c, gfp_t f) { (void)f; return calloc(1, c->size); }
static inline void kmem_cache_free(struct kmem_cache *c, void *p) { (void)c; free(p); }
static inline void kmem_cache_destroy(struct kmem_cache *c) { free(c); }

static inline void get_random_bytes(void *buf, size_t n)
{
	u8 *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r <= 0)
			abort();
		p += r;
		n -= (size_t)r;
	}
}
static inline u32 get_random_u32(void) { u32 v; get_random_bytes(&v, sizeof(v)); return v; }
static inline u64 get_random_u64(void) { u64 v; get_random_bytes(&v, sizeof(v)); return v; }

/* ktime_get_ns(): the monotonic clock, as in the kernel. */
static inline u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* scnprintf(): the characters written, not those that would have been. */
static inline int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)size - 1;
}

/* SIMD: userspace may always use the vector unit. */
#define X86_FEATURE_AVX2 1
#define X86_FEATURE_AVX512F 2
#define X86_FEATURE_AVX512VL 3
#define X86_FEATURE_AVX512BW 4
#define X86_FEATURE_BMI2 5
#define X86_FEATURE_ADX 6
#define X86_FEATURE_AVX 7
#define X86_FEATURE_SSSE3 8
static inline bool shim_cpu_has(int f)
{
	switch (f) {
	case X86_FEATURE_AVX2: return __builtin_cpu_supports("avx2");
	case X86_FEATURE_AVX512F: return __builtin_cpu_supports("avx512f");
	case X86_FEATURE_AVX512VL: return __builtin_cpu_supports("avx512vl");
	case X86_FEATURE_AVX512BW: return __builtin_cpu_supports("avx512bw");
	case X86_FEATURE_BMI2: return __builtin_cpu_supports("bmi2");
	case X86_FEATURE_ADX: return __builtin_cpu_supports("adx");
	case X86_FEATURE_AVX: return __builtin_cpu_supports("avx");
	case X86_FEATURE_SSSE3: return __builtin_cpu_supports("ssse3");
	}
	return false;
}
#define boot_cpu_has(f) shim_cpu_has(f)
#define cpu_feature_enabled(f) shim_cpu_has(f)
#define XFEATURE_MASK_SSE 1
#define XFEATURE_MASK_YMM 2
#define XFEATURE_MASK_AVX512 4
static inline int cpu_has_xfeatures(u64 m, const char **n) { (void)m; (void)n; return 1; }
static inline bool may_use_simd(void) { return true; }
static inline void kernel_fpu_begin(void) { }
static inline void kernel_fpu_end(void) { }

/* Sequential RCU: readers see the latest pointer; callbacks run at once. */
struct rcu_head { struct rcu_head *next; void (*func)(struct rcu_head *); };
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define rcu_read_lock_bh() do { } while (0)
#define rcu_read_unlock_bh() do { } while (0)
#define rcu_dereference(p) (p)
#define rcu_dereference_bh(p) (p)
#define rcu_dereference_raw(p) (p)
#define rcu_dereference_check(p, c) (p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_access_pointer(p) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
#define RCU_INIT_POINTER(p, v) ((p) = (v))
#define synchronize_rcu() do { } while (0)
#define rcu_barrier() do { } while (0)
static inline void call_rcu(struct rcu_head *h, void (*fn)(struct rcu_head *)) { fn(h); }
#define kfree_rcu(p, field) kfree(p)

/* Locks: tests are single-threaded. */
typedef struct { int unused; } spinlock_t;
struct mutex { int unused; };
#define spin_lock_init(l) do { (void)(l); } while (0)
#define spin_lock(l) do { (void)(l); } while (0)
#define spin_unlock(l) do { (void)(l); } while (0)
#define spin_lock_bh(l) do { (void)(l); } while (0)
#define spin_unlock_bh(l) do { (void)(l); } while (0)
#define mutex_init(l) do { (void)(l); } while (0)
#define mutex_lock(l) do { (void)(l); } while (0)
#define mutex_unlock(l) do { (void)(l); } while (0)

/* Lists. */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(n) { &(n), &(n) }
#define LIST_HEAD(n) struct list_head n = LIST_HEAD_INIT(n)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *p, struct list_head *x)
{ x->prev = n; n->next = x; n->prev = p; p->next = n; }
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void list_del(struct list_head *e) { e->next->prev = e->prev; e->prev->next = e->next; e->next = e->prev = NULL; }
static inline void list_del_init(struct list_head *e) { e->next->prev = e->prev; e->prev->next = e->next; INIT_LIST_HEAD(e); }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
#define list_entry(p, t, m) container_of(p, t, m)
#define list_first_entry(h, t, m) list_entry((h)->next, t, m)
#define list_next_entry(p, m) list_entry((p)->m.next, __typeof__(*(p)), m)
#define list_for_each_entry(p, h, m) \
	for (p = list_first_entry(h, __typeof__(*p), m); &p->m != (h); p = list_next_entry(p, m))
#define list_for_each_entry_safe(p, n, h, m) \
	for (p = list_first_entry(h, __typeof__(*p), m), n = list_next_entry(p, m); \
	     &p->m != (h); p = n, n = list_next_entry(n, m))
#define list_add_rcu list_add
#define list_add_tail_rcu list_add_tail
#define list_del_rcu list_del
#define list_for_each_entry_rcu(p, h, m, ...) list_for_each_entry(p, h, m)

#endif /* WG_UNIT_SHIM_H */
