/*
 * sema.h - the semantic pass (sema.c); see compile.h for what it fills in.
 */
#ifndef SONDE_SEMA_H
#define SONDE_SEMA_H

#include "compile.h"

int sema_run(struct compilation *c);

#endif
