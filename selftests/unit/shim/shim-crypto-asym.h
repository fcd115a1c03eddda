/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included by selftests/unit/crypto-asym before shim.h. glibc's
 * <sys/cdefs.h> defines __always_inline, which shim.h then redefines
 * differently: a warning, fatal under -Werror. Pull glibc's definition in
 * first and drop it, so shim.h's is the only one (cdefs.h is include-
 * guarded and will not bring it back).
 */
#ifndef WG_UNIT_SHIM_CRYPTO_ASYM_H
#define WG_UNIT_SHIM_CRYPTO_ASYM_H

#include <sys/cdefs.h>
#undef __always_inline

#endif /* WG_UNIT_SHIM_CRYPTO_ASYM_H */
