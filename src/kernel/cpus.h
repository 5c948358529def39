/*
 * cpus.h - the CPUs that are online, for the probes that open one perf
 * event per CPU (profile, software, hardware, watchpoint).
 */
#ifndef SONDE_CPUS_H
#define SONDE_CPUS_H

#include <stddef.h>

/*
 * Calls fn(cpu, arg) for each online CPU, lowest first, and stops at the
 * first call that returns non-zero; returns what that call returned, or 0.
 * When the list of online CPUs cannot be read it says so in err and
 * returns -EIO, without calling fn.
 */
int cpus_each_online(int (*fn)(int cpu, void *arg), void *arg, char *err, size_t errsz);

#endif
