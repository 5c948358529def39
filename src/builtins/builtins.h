/*
 * builtins.h - the language's builtin values and functions.
 *
 * X-macro tables so that sema (names, arity, context), codegen (one case
 * per entry) and the -l/--help listings read the same list.
 */
#ifndef SONDE_BUILTINS_H
#define SONDE_BUILTINS_H

/* name, spelling, context the value needs (CTX_HAS_* from provider.h, 0 = any) */
#define BUILTIN_VALUES(X)                                                                          \
	X(PID, "pid", CTX_HAS_USER)                                                                \
	X(TID, "tid", CTX_HAS_USER)                                                                \
	X(UID, "uid", CTX_HAS_USER)                                                                \
	X(GID, "gid", CTX_HAS_USER)                                                                \
	X(COMM, "comm", CTX_HAS_USER)                                                              \
	X(NSECS, "nsecs", 0)                                                                       \
	X(ELAPSED, "elapsed", 0)                                                                   \
	X(CPU, "cpu", 0)                                                                           \
	X(RAND, "rand", 0)                                                                         \
	X(CGROUP, "cgroup", CTX_HAS_USER)                                                          \
	X(CURTASK, "curtask", 0)                                                                   \
	X(PROBE, "probe", 0)                                                                       \
	X(RETVAL, "retval", CTX_HAS_RETVAL)                                                        \
	X(ARGS, "args", CTX_HAS_ARGS)                                                              \
	X(PKT, "pkt", CTX_HAS_PKT)                                                                 \
	X(KSTACK, "kstack", CTX_HAS_STACK)                                                         \
	X(USTACK, "ustack", CTX_HAS_STACK)                                                         \
	X(USERNAME, "username", CTX_HAS_USER)                                                      \
	X(CPID, "cpid", 0)                                                                         \
	X(FUNC, "func", 0)                                                                         \
	X(ARG0, "arg0", CTX_HAS_ARGN)                                                              \
	X(ARG1, "arg1", CTX_HAS_ARGN)                                                              \
	X(ARG2, "arg2", CTX_HAS_ARGN)                                                              \
	X(ARG3, "arg3", CTX_HAS_ARGN)                                                              \
	X(ARG4, "arg4", CTX_HAS_ARGN)                                                              \
	X(ARG5, "arg5", CTX_HAS_ARGN)                                                              \
	X(ARG6, "arg6", CTX_HAS_ARGN)                                                              \
	X(ARG7, "arg7", CTX_HAS_ARGN)                                                              \
	X(ARG8, "arg8", CTX_HAS_ARGN)                                                              \
	X(ARG9, "arg9", CTX_HAS_ARGN)

enum builtin_id {
#define X(id, name, ctx) BI_##id,
	BUILTIN_VALUES(X)
#undef X
	BI__COUNT
};

/* name, spelling, min args, max args, is an aggregation */
#define BUILTIN_FUNCS(X)                                                                           \
	X(PRINTF, "printf", 1, 17, 0)                                                               \
	X(EXIT, "exit", 0, 0, 0)                                                                   \
	X(STR, "str", 1, 2, 0)                                                                     \
	X(PRINT, "print", 1, 3, 0)                                                                 \
	X(CLEAR, "clear", 1, 1, 0)                                                                 \
	X(ZERO, "zero", 1, 1, 0)                                                                   \
	X(DELETE, "delete", 1, 1, 0)                                                               \
	X(COUNT, "count", 0, 0, 1)                                                                 \
	X(SUM, "sum", 1, 1, 1)                                                                     \
	X(AVG, "avg", 1, 1, 1)                                                                     \
	X(MIN, "min", 1, 1, 1)                                                                     \
	X(MAX, "max", 1, 1, 1)                                                                     \
	X(STATS, "stats", 1, 1, 1)                                                                 \
	X(HIST, "hist", 1, 1, 1)                                                                   \
	X(LHIST, "lhist", 4, 4, 1)                                                                 \
	X(REDIRECT, "redirect", 1, 1, 0)                                                           \
	X(TIME, "time", 0, 1, 0)                                                                   \
	X(STRFTIME, "strftime", 2, 2, 0)                                                           \
	X(KSTACK, "kstack", 0, 2, 0)                                                               \
	X(USTACK, "ustack", 0, 2, 0)                                                               \
	X(KSYM, "ksym", 1, 1, 0)                                                                   \
	X(USYM, "usym", 1, 1, 0)                                                                   \
	X(KADDR, "kaddr", 1, 1, 0)                                                                 \
	X(NTOP, "ntop", 1, 2, 0)                                                                   \
	X(BUF, "buf", 1, 2, 0)                                                                     \
	X(JOIN, "join", 1, 2, 0)                                                                   \
	X(LEN, "len", 1, 1, 0)                                                                     \
	X(HAS_KEY, "has_key", 2, 2, 0)                                                             \
	X(SIGNAL, "signal", 1, 1, 0)                                                               \
	X(SYSTEM, "system", 1, 17, 0)                                                              \
	X(CAT, "cat", 1, 17, 0)

enum func_id {
#define X(id, name, mn, mx, agg) FN_##id,
	BUILTIN_FUNCS(X)
#undef X
	FN__COUNT
};

#endif
