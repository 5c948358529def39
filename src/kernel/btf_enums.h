/*
 * btf_enums.h - the kernel's enumerators by name (TCP_ESTABLISHED,
 * BPF_PROG_TYPE_XDP, TASK_COMM_LEN), from its BTF.
 */
#ifndef SONDE_BTF_ENUMS_H
#define SONDE_BTF_ENUMS_H

#include <stdbool.h>
#include <stdint.h>

struct host;

/* The value of the enumerator NAME in the enums of the kernel's BTF: 0,
 * -ENOENT when none has one of that name, -ENODATA without BTF, and
 * -ENOTUNIQ when enums give it different values (the kernel's private
 * enums reuse Opt_err, RES_MAX_USAGE), two of which are *value and
 * *other. *is_signed says whether its enum is a signed type. */
int btf_find_enumerator(struct host *h, const char *name, int64_t *value, int64_t *other,
                        bool *is_signed);
/* The enumerator whose name is closest to NAME (diag_closest's rule), or
 * NULL: for "did you mean". */
const char *btf_closest_enumerator(struct host *h, const char *name);

#endif
