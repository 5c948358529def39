/*
 * netif.h - network interface names for the packet providers (xdp, tc):
 * checked when the script is compiled, with the list of interfaces that
 * exist (in sonde's network namespace) when the name is wrong.
 */
#ifndef SONDE_NETIF_H
#define SONDE_NETIF_H

#include "compile.h"

/* 0 when `name` is an interface here; otherwise reports at `loc` for the
 * probe type `what` ("xdp", "tc") and returns -1. */
int netif_check(struct compilation *c, struct loc loc, const char *what, const char *name);

#endif
