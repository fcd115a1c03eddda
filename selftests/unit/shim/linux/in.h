/* Empty: see shim.h, which the unit-test build force-includes. */
