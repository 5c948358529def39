/*
 * table.c - builtin_rows: the data columns of builtins.def as a table.
 */
#include "builtins/builtins.h"

#include <string.h>

const struct builtin_row builtin_rows[BI__COUNT] = {
#define BUILTIN(id, hook, spelling, mn, mx, flags, ctx, agg, args, why_stmt)                       \
	[BI_##id] = {spelling, mn, mx, flags, ctx, agg, args, why_stmt},
#include "builtins/builtins.def"
#undef BUILTIN
};

int builtin_find(const char *name, unsigned forms)
{
	for (int i = 0; i < BI__COUNT; i++)
		if ((builtin_rows[i].flags & forms) && !strcmp(builtin_rows[i].name, name))
			return i;
	return -1;
}
