/* Empty: see shim.h and shim-protocol.h, which the unit-test build force-includes. */
