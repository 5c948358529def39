/*
 * cpus.c - the online CPUs (see cpus.h).
 */
#include "kernel/cpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpus_each_online(int (*fn)(int cpu, void *arg), void *arg, char *err, size_t errsz)
{
	/* the kernel's list looks like "0-3,6,8-9" */
	char list[1024] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f || !fgets(list, sizeof(list), f)) {
		if (f)
			fclose(f);
		snprintf(err, errsz, "cannot read the list of online CPUs");
		return -EIO;
	}
	fclose(f);
	int rc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(list, ",\n", &save); tok && !rc;
	     tok = strtok_r(NULL, ",\n", &save)) {
		char *dash = strchr(tok, '-');
		int lo = atoi(tok), hi = dash ? atoi(dash + 1) : lo;
		for (int cpu = lo; cpu <= hi && !rc; cpu++)
			rc = fn(cpu, arg);
	}
	return rc;
}
