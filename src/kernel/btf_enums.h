/*
 * btf_enums.h - the kernel's enumerators by name (TCP_ESTABLISHED,
 * BPF_PROG_TYPE_XDP, TASK_COMM_LEN), from its BTF.
 */
#ifndef SONDE_BTF_ENUMS_H
#define SONDE_BTF_ENUMS_H

#include <stdbool.h>
#include <stdint.h>

struct host;

/* The value of the enumerator NAME in any enum of the kernel's BTF (the
 * first one BTF lists when several enums have one of that name): 0,
 * -ENOENT when none has, -ENODATA without BTF. *is_signed says whether
 * its enum is a signed type. */
int btf_find_enumerator(struct host *h, const char *name, int64_t *value, bool *is_signed);
/* The enumerator whose name is closest to NAME (diag_closest's rule), or
 * NULL: for "did you mean". */
const char *btf_closest_enumerator(struct host *h, const char *name);

#endif
