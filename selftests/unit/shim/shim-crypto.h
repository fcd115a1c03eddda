/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included by selftests/unit/crypto before shim.h: glibc's
 * <sys/cdefs.h> defines __always_inline, which shim.h redefines; take
 * glibc's first and drop it so that shim.h's is the only definition
 * (cdefs.h is include-guarded and will not bring it back).
 */
#ifndef WG_UNIT_SHIM_CRYPTO_H
#define WG_UNIT_SHIM_CRYPTO_H

#include <sys/cdefs.h>
#undef __always_inline

#endif /* WG_UNIT_SHIM_CRYPTO_H */
