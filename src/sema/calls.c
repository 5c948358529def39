/*
 * calls.c - calls of builtin functions (check_call) and what only they
 * need: the kernel's helpers, signal names.
 */
#include <bpf/libbpf.h>
#include <net/if.h>
#include <string.h>

#include "kernel/btf.h"
#include "kernel/symbols.h"
#include "runtime/printer.h"
#include "sema/sema_internal.h"

/* Whether the running kernel has a BPF helper; yes when it cannot be told
 * (no privilege to ask), so compiling without loading still works. */
bool kernel_has_helper(enum bpf_func_id id)
{
	static signed char cache[256];
	if (id < 256 && cache[id])
		return cache[id] > 0;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, id, NULL);
	libbpf_set_print(old);
	bool yes = r != 0;
	if (id < 256)
		cache[id] = yes ? 1 : -1;
	return yes;
}

static const char *const unsafe_msg =
	"%s() acts on the system and is unsafe; run sonde with --unsafe to allow it";

/* signal("SIGKILL"), signal("KILL"), signal(9) */
static int signal_number(const char *name)
{
	static const struct {
		const char *name;
		int num;
	} sigs[] = {
		{"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},    {"TRAP", 5},  {"ABRT", 6},
		{"BUS", 7},   {"FPE", 8},   {"KILL", 9},  {"USR1", 10},  {"SEGV", 11}, {"USR2", 12},
		{"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"CHLD", 17},  {"CONT", 18}, {"STOP", 19},
		{"TSTP", 20}, {"TTIN", 21}, {"TTOU", 22}, {"URG", 23},   {"XCPU", 24}, {"XFSZ", 25},
		{"VTALRM", 26}, {"PROF", 27}, {"WINCH", 28}, {"IO", 29}, {"PWR", 30}, {"SYS", 31},
	};
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(sigs[i].name, name))
			return sigs[i].num;
	return -1;
}

struct type *check_call(struct sema *s, struct node *n, enum call_mode mode)
{
	bool as_stmt = mode == CALL_STMT;
	struct node *macro = find_macro(s, n->u.call.name);
	if (macro && find_func(n->u.call.name) < 0) {
		struct loc call_loc = n->loc;
		if (!expand_macro(s, n, macro, as_stmt))
			return NULL;
		return check_expanded(s, n, call_loc, macro->u.macro.name, as_stmt);
	}
	int fid = find_func(n->u.call.name);
	static const char *const unsafe_funcs[] = {"override"};
	for (size_t i = 0; fid < 0 && i < sizeof(unsafe_funcs) / sizeof(*unsafe_funcs); i++) {
		if (strcmp(n->u.call.name, unsafe_funcs[i]))
			continue;
		if (!s->c->opts->unsafe)
			diag_error(s->d, n->loc, unsafe_msg, n->u.call.name);
		else
			diag_error(s->d, n->loc, "%s() is not supported yet", n->u.call.name);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	if (fid < 0) {
		diag_error(s->d, n->loc, "unknown function '%s'", n->u.call.name);
		const char *names[BI__COUNT];
		const char *near =
			diag_closest(n->u.call.name, names, builtin_names_of(BF_CALL, names));
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	n->u.call.builtin_id = fid;
	int nargs = ast_list_len(n->u.call.args);
	if (nargs < builtin_rows[fid].min_args || nargs > builtin_rows[fid].max_args) {
		if (builtin_rows[fid].min_args == builtin_rows[fid].max_args)
			diag_error(s->d, n->loc, "%s() takes %d argument%s, %d given",
				   n->u.call.name, builtin_rows[fid].min_args,
				   builtin_rows[fid].min_args == 1 ? "" : "s", nargs);
		else
			diag_error(s->d, n->loc, "%s() takes %d %s %d arguments, %d given",
				   n->u.call.name, builtin_rows[fid].min_args,
				   builtin_rows[fid].max_args == builtin_rows[fid].min_args + 1 ? "or" : "to",
				   builtin_rows[fid].max_args, nargs);
		return NULL;
	}
	struct node *args = n->u.call.args;
	if ((fid == BI_SYSTEM || fid == BI_SIGNAL || fid == BI_CAT) && !s->c->opts->unsafe) {
		diag_error(s->d, n->loc, unsafe_msg, n->u.call.name);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	bool is_void_fn = fid == BI_TIME || fid == BI_JOIN || fid == BI_SIGNAL ||
			  fid == BI_SYSTEM || fid == BI_CAT;
	if (is_void_fn && !as_stmt) {
		diag_error(s->d, n->loc, "%s() has no value; use it as a statement",
			   n->u.call.name);
		return NULL;
	}
	if ((builtin_rows[fid].flags & BF_AGG) && mode != CALL_AGG) {
		diag_error(s->d, n->loc, "%s() must be assigned to a map, as in @x = %s(%s)",
			   n->u.call.name, n->u.call.name, fid == BI_COUNT ? "" : "...");
		return NULL;
	}
	switch ((enum builtin_id)fid) {
	case BI_PRINTF:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "printf() has no value; use it as a statement");
			return NULL;
		}
		return check_printf(s, n, args);
	case BI_EXIT:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "exit() has no value; use it as a statement");
			return NULL;
		}
		s->c->uses_events = true;
		return &type_void;
	case BI_STR: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		uint32_t size = s->c->opts->max_strlen;
		if (args->next) {
			bool ok = true;
			int64_t len = const_int(s, args->next, "the length of str()", &ok);
			if (!ok)
				return NULL;
			if (len < 1 || len > 4096) {
				diag_error(s->d, args->next->loc,
					   "str() length must be between 1 and 4096, got %lld",
					   (long long)len);
				return NULL;
			}
			/* room for the terminating NUL, as bpftrace does */
			size = (uint32_t)len + 1 < size ? (uint32_t)len + 1 : size;
		}
		/* str(s, n) of a string keeps its first n bytes, as it does of
		 * a pointer */
		if (t->kind == TYPE_STR)
			return args->next && size < t->size ? type_str(s->a, size) : t;
		if (!is_int(t) && t->kind != TYPE_PTR) {
			diag_error(s->d, args->loc, "str() needs a pointer or string, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		return type_str(s->a, size);
	}
	case BI_PRINT:
	case BI_CLEAR:
	case BI_ZERO: {
		if (!as_stmt) {
			diag_error(s->d, n->loc, "%s() has no value; use it as a statement",
				   n->u.call.name);
			return NULL;
		}
		if (args->kind != N_MAP || args->u.map.keys) {
			if (fid == BI_PRINT && !args->next) {
				/* print(value): printed as a map value would be */
				struct type *t = check_expr(s, args);
				if (!t)
					return NULL;
				if (t->kind == TYPE_VOID) {
					diag_error(s->d, args->loc, "this argument has no value");
					return NULL;
				}
				t = storage_type(s, t);
				if (t->kind == TYPE_RECORD) {
					diag_error(s->d, args->loc,
						   "print() cannot print a whole %s; print its "
						   "fields",
						   type_name(s->a, t));
					return NULL;
				}
				struct fmt_info *f = add_fmt(s, n, "", 1);
				f->arg_types[0] = t;
				f->arg_offsets[0] = 0;
				f->size = (t->size + 7) / 8 * 8;
				return &type_void;
			}
			if (fid == BI_PRINT) {
				diag_error(s->d, args->loc,
					   "print() of a value takes no top or div arguments");
				return NULL;
			}
			diag_error(s->d, args->loc, "%s() needs a whole map, as in %s(@name)",
				   n->u.call.name, n->u.call.name);
			return NULL;
		}
		args->u.map.info = find_map(s, args->u.map.name, args->loc);
		for (struct node *a = args->next; a; a = a->next) {
			bool ok = true;
			int64_t v = const_int(s, a, "print()'s top and div arguments", &ok);
			if (ok && v < 0) {
				diag_error(s->d, a->loc, "print()'s %s argument must not be negative",
					   a == args->next ? "top" : "div");
			}
		}
		s->c->uses_events = true;
		return &type_void;
	}
	case BI_DELETE:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "delete() has no value; use it as a statement");
			return NULL;
		}
		if (args->kind != N_MAP) {
			diag_error(s->d, args->loc, "delete() needs a map element, as in "
						    "delete(@m[key])");
			return NULL;
		}
		use_map_keys(s, args);
		return &type_void;
	case BI_REDIRECT: {
		if (!as_stmt) {
			diag_error(s->d, n->loc, "redirect() ends the probe; use it as a statement");
			return NULL;
		}
		if (!ctx_allows(s, CTX_HAS_REDIRECT, n->loc, "redirect()"))
			return NULL;
		if (s->for_depth) {
			diag_error(s->d, n->loc,
				   "redirect() cannot be used inside a 'for' loop over a map");
			return NULL;
		}
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "redirect() needs an interface name in quotes");
			return NULL;
		}
		unsigned idx = if_nametoindex(args->u.str.s);
		if (!idx) {
			diag_error(s->d, args->loc, "no network interface is named '%s'",
				   args->u.str.s);
			return NULL;
		}
		n->u.call.ifindex = idx;
		n->u.call.builtin_id = BI_REDIRECT;
		return &type_void;
	}
	case BI_TIME: {
		const char *fmt = "%H:%M:%S\n";
		if (args) {
			if (args->kind != N_STR) {
				diag_error(s->d, args->loc, "time() needs a string literal format");
				return NULL;
			}
			if (!check_time_format(s, args))
				return NULL;
			fmt = args->u.str.s;
		}
		add_fmt(s, n, fmt, 0);
		return &type_void;
	}
	case BI_STRFTIME: {
		struct type *t = check_expr(s, args->next);
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "strftime() needs a string literal format");
			return NULL;
		}
		if (!check_time_format(s, args))
			return NULL;
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->next->loc,
				   "strftime() needs a timestamp in ns since boot, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		struct type *ts = arena_alloc(s->a, sizeof(*ts));
		ts->kind = TYPE_TIMESTAMP;
		ts->size = 8;
		ts->align = 8;
		ts->name = args->u.str.s;
		return ts;
	}
	case BI_KSTACK:
	case BI_USTACK: {
		/* kstack([MODE][, LIMIT]): MODE is a bare word, LIMIT a literal */
		if (!ctx_allows(s, CTX_HAS_STACK, n->loc, n->u.call.name))
			return NULL;
		enum stack_mode mode = STACK_MODE_BPFTRACE;
		uint32_t depth = STACK_MAX_DEPTH;
		struct node *a = args;
		if (a && a->kind == N_IDENT) {
			int m = -1;
			for (int i = 0; i < STACK_MODE__COUNT; i++)
				if (!strcmp(a->u.ident.name, stack_mode_names[i]))
					m = i;
			if (m < 0) {
				diag_error(s->d, a->loc,
					   "unknown stack mode '%s' (expected bpftrace or perf)",
					   a->u.ident.name);
				const char *near =
					diag_closest(a->u.ident.name, stack_mode_names, STACK_MODE__COUNT);
				if (near)
					diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
				return NULL;
			}
			mode = (enum stack_mode)m;
			a = a->next;
		}
		if (a) {
			bool ok = true;
			int64_t v = const_int(s, a, "the stack limit", &ok);
			if (!ok)
				return NULL;
			if (a->next) {
				diag_error(s->d, a->next->loc,
					   "%s() takes a mode and a limit, in that order",
					   n->u.call.name);
				return NULL;
			}
			if (v < 1 || v > STACK_MAX_DEPTH) {
				diag_error(s->d, a->loc, "the stack limit must be 1 to %d frames",
					   STACK_MAX_DEPTH);
				return NULL;
			}
			depth = (uint32_t)v;
		}
		s->c->uses_stacks = true;
		return type_stack(s->a, fid == BI_USTACK, mode, depth);
	}
	case BI_KSYM:
	case BI_USYM: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_scalar(t)) {
			diag_error(s->d, args->loc, "%s() needs an address, got %s", n->u.call.name,
				   type_name(s->a, t));
			return NULL;
		}
		return fid == BI_KSYM ? &type_ksym : &type_usym;
	}
	case BI_KADDR: {
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "kaddr() needs a symbol name in quotes");
			return NULL;
		}
		uint64_t addr = sym_kernel_addr(args->u.str.s);
		if (!addr) {
			diag_error(s->d, args->loc, "kaddr(): no kernel symbol is named '%s'",
				   args->u.str.s);
			return NULL;
		}
		n->u.call.kaddr = addr;
		return &type_u64;
	}
	case BI_NTOP: {
		struct node *addr = args->next ? args->next : args;
		if (args->next) {
			struct type *af = check_expr(s, args);
			if (!af)
				return NULL;
			if (!is_int(af)) {
				diag_error(s->d, args->loc,
					   "ntop()'s address family must be an integer, got %s",
					   type_name(s->a, af));
				return NULL;
			}
		}
		struct type *t = check_expr(s, addr);
		if (!t)
			return NULL;
		/* a constant family (AF_INET is a macro, expanded by now) must be
		 * one the printer knows and fit the address: the printer would
		 * show an unknown family as an empty string */
		bool negated_literal = args->kind == N_UNOP && args->u.unop.op == OP_NEG &&
				       args->u.unop.operand->kind == N_INT;
		if (args->next && negated_literal) {
			diag_error(s->d, args->loc,
				   "ntop(): -%llu is not an address family; use AF_INET (%d) or "
				   "AF_INET6 (%d)",
				   (unsigned long long)args->u.unop.operand->u.int_lit.value, AF_INET,
				   AF_INET6);
			return NULL;
		}
		if (args->next && args->kind == N_INT) {
			uint64_t af = args->u.int_lit.value;
			if (af != AF_INET && af != AF_INET6) {
				diag_error(s->d, args->loc,
					   "ntop(): %llu is not an address family; use AF_INET (%d) or "
					   "AF_INET6 (%d)",
					   (unsigned long long)af, AF_INET, AF_INET6);
				return NULL;
			}
			bool bytes = t->kind == TYPE_ARRAY || t->kind == TYPE_STR;
			bool fits = t->kind == TYPE_INET ||
				    (af == AF_INET ? is_int(t) || (bytes && t->size == 4)
						   : bytes && t->size == 16);
			if (!fits) {
				diag_error(s->d, addr->loc,
					   "ntop(%s, ...) needs %s, got %s",
					   af == AF_INET ? "AF_INET" : "AF_INET6",
					   af == AF_INET ? "a 4-byte address (an integer or a 4-byte "
							   "array)"
							 : "a 16-byte array",
					   type_name(s->a, t));
				return NULL;
			}
		}
		bool ok = is_int(t) || t->kind == TYPE_INET ||
			  ((t->kind == TYPE_ARRAY || t->kind == TYPE_STR) &&
			   (t->size == 4 || t->size == 16));
		if (!ok) {
			diag_error(s->d, addr->loc,
				   "ntop() needs an IPv4 address as an integer or a 4- or 16-byte "
				   "array, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		return &type_inet;
	}
	case BI_BUF: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		uint32_t len = s->c->opts->max_strlen;
		if (args->next) {
			struct type *lt = check_expr(s, args->next);
			if (!lt)
				return NULL;
			if (!is_int(lt)) {
				diag_error(s->d, args->next->loc, "buf()'s length must be an integer, got %s",
					   type_name(s->a, lt));
				return NULL;
			}
			/* a literal length is checked here (a negated one is never
			 * valid); one known only at run time is clamped to max_strlen */
			struct node *ln = args->next;
			if (ln->kind == N_UNOP && ln->u.unop.op == OP_NEG &&
			    ln->u.unop.operand->kind == N_INT) {
				diag_error(s->d, ln->loc,
					   "buf() length must be between 1 and 4096, got -%llu",
					   (unsigned long long)ln->u.unop.operand->u.int_lit.value);
				return NULL;
			}
			if (ln->kind == N_INT) {
				uint64_t v = ln->u.int_lit.value;
				if (v < 1 || v > 4096) {
					diag_error(s->d, ln->loc,
						   "buf() length must be between 1 and 4096, got %llu",
						   (unsigned long long)v);
					return NULL;
				}
				len = (uint32_t)v;
			}
		} else if (t->kind == TYPE_STR || t->kind == TYPE_ARRAY) {
			len = t->size;
		} else {
			diag_error(s->d, n->loc, "buf() of a pointer needs a length, as in buf(p, 16)");
			return NULL;
		}
		if (!is_scalar(t) && t->kind != TYPE_STR && t->kind != TYPE_ARRAY) {
			diag_error(s->d, args->loc, "buf() needs a pointer, string or array, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		struct type *bt = arena_alloc(s->a, sizeof(*bt));
		bt->kind = TYPE_BUF;
		bt->size = 4 + len;
		bt->align = 4;
		return bt;
	}
	case BI_JOIN: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_scalar(t)) {
			diag_error(s->d, args->loc,
				   "join() needs a pointer to an array of strings (char **), got %s",
				   type_name(s->a, t));
			return NULL;
		}
		const char *delim = " ";
		if (args->next) {
			if (args->next->kind != N_STR) {
				diag_error(s->d, args->next->loc,
					   "join()'s delimiter must be a string literal");
				return NULL;
			}
			delim = args->next->u.str.s;
		}
		struct fmt_info *f = add_fmt(s, n, delim, 1);
		f->arg_types[0] = type_str(s->a, s->c->opts->max_strlen);
		f->arg_offsets[0] = 8;
		f->size = 8 + JOIN_MAX_ARGS * ((s->c->opts->max_strlen + 7) / 8 * 8);
		return &type_void;
	}
	case BI_LEN:
	case BI_HAS_KEY: {
		if (args->kind != N_MAP || args->u.map.keys) {
			diag_error(s->d, args->loc, "%s() needs a whole map, as in %s(@name%s)",
				   n->u.call.name, n->u.call.name, fid == BI_LEN ? "" : ", key");
			return NULL;
		}
		if (fid == BI_LEN) {
			struct map_info *m = find_map(s, args->u.map.name, args->loc);
			args->u.map.info = m;
			if (m && !m->len_used) {
				m->len_used = true;
				m->len_loc = args->loc;
			}
			if (!kernel_has_helper(BPF_FUNC_for_each_map_elem)) {
				diag_error(s->d, n->loc,
					   "len() needs bpf_for_each_map_elem, which this kernel "
					   "lacks (Linux 5.13 or later)");
				return NULL;
			}
			return &type_s64;
		}
		/* the key becomes the map access's key */
		args->u.map.keys = args->next;
		use_map_keys(s, args);
		if (!args->u.map.info)
			return NULL;
		return &type_s64;
	}
	case BI_SIGNAL: {
		if (args->kind == N_STR) {
			int sig = signal_number(args->u.str.s);
			if (sig < 0) {
				diag_error(s->d, args->loc, "signal(): unknown signal '%s'",
					   args->u.str.s);
				return NULL;
			}
			n->u.call.signal = sig;
			return &type_void;
		}
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->loc,
				   "signal() needs a signal name or number, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		if (args->kind == N_INT && (args->u.int_lit.value < 1 || args->u.int_lit.value > 64)) {
			diag_error(s->d, args->loc, "signal(): %llu is not a signal number",
				   (unsigned long long)args->u.int_lit.value);
			return NULL;
		}
		n->u.call.signal = 0;
		return &type_void;
	}
	case BI_SYSTEM:
	case BI_CAT:
		return check_printf(s, n, args);
	case BI_COUNT:
		return &type_void;
	case BI_SUM:
	case BI_AVG:
	case BI_MIN:
	case BI_MAX:
	case BI_STATS:
	case BI_HIST:
	case BI_LHIST: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->loc, "%s() needs an integer, got %s", n->u.call.name,
				   type_name(s->a, t));
			return NULL;
		}
		if (fid == BI_LHIST) {
			bool ok = true;
			int64_t mn = const_int(s, args->next, "lhist() min", &ok);
			int64_t mx = const_int(s, args->next->next, "lhist() max", &ok);
			int64_t st = const_int(s, args->next->next->next, "lhist() step", &ok);
			if (!ok)
				return NULL;
			if (st <= 0 || mx <= mn) {
				diag_error(s->d, n->loc,
					   "lhist() needs min < max and step > 0 (got %lld, %lld, %lld)",
					   (long long)mn, (long long)mx, (long long)st);
				return NULL;
			}
			/* max - min as unsigned: it exceeds INT64_MAX when min is
			 * negative and max large, but never 2^64 - 1 */
			uint64_t range = (uint64_t)mx - (uint64_t)mn;
			if (range / (uint64_t)st > 1000) {
				diag_error(s->d, n->loc,
					   "lhist() would have %llu buckets; at most 1000 are allowed",
					   (unsigned long long)(range / (uint64_t)st));
				return NULL;
			}
		}
		n->type = t;
		return t;
	}
	default: /* value rows and BI__COUNT: not calls (the table check comes next) */
		break;
	}
	return NULL;
}
