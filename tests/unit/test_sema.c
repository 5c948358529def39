/*
 * test_sema.c - the semantic pass: every error, warning and note that
 * sema (src/sema/) and the probe providers (src/probes/) report,
 * pinned character for character as the user sees it (message, source
 * line, caret, notes); programs using every construct that must pass
 * without a diagnostic; and what sema infers (map key and value types
 * after unification, aggregation kinds, printf layouts, attach points).
 *
 * Tracepoint tests read the live tracefs (/sys/kernel/tracing), so the
 * tracepoints they name must exist on the machine running the tests:
 * syscalls, sched and sock are everywhere.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile_helper.h"
#include "settings.h"
#include "manifest.h"
#include "front/types.h"
#include "kernel/btf.h"
#include "probes/args.h"

/* Compiles `src` (with --unsafe when asked) and compares every
 * diagnostic; the run must fail exactly when an error is expected. */
static void expect_diags_opts(const char *src, const char *want, bool unsafe)
{
	struct compile_options o;
	compile_default_options(&o);
	o.unsafe = unsafe;
	struct compile_run r;
	compile_run_opts(&r, src, &o);
	assert_string_equal(compile_diags(&r), want);
	assert_int_equal(r.rc, strstr(want, ": ERROR: ") ? -1 : 0);
	/* sema errors, not syntax errors: the parser accepted the program */
	assert_true(r.parsed);
	compile_fini(&r);
}

static void expect_diags(const char *src, const char *want)
{
	expect_diags_opts(src, want, false);
}

static void expect_diags_unsafe(const char *src, const char *want)
{
	expect_diags_opts(src, want, true);
}

/* The program passes parsing and sema with no diagnostic at all. */
static void expect_ok(const char *src)
{
	struct compile_run r;
	compile_run(&r, src);
	assert_string_equal(compile_diags(&r), "");
	assert_int_equal(r.rc, 0);
	compile_fini(&r);
}

static void assert_int_type(const struct type *t, bool is_signed, uint32_t size)
{
	assert_non_null(t);
	assert_int_equal(t->kind, TYPE_INT);
	assert_int_equal(t->is_signed, is_signed);
	assert_int_equal(t->size, size);
}

/* bpftrace 0.26's bool of a comparison, 0.17's integer */
static void assert_cmp_bool_type(const struct type *t)
{
	assert_non_null(t);
	assert_int_equal(t->kind, TYPE_BOOL);
	assert_true(t->int_in_017);
	assert_int_equal(t->size, 8);
}

static void assert_str_type(const struct type *t, uint32_t size)
{
	assert_non_null(t);
	assert_int_equal(t->kind, TYPE_STR);
	assert_int_equal(t->size, size);
}

/* The scratch variable `name` (without '$') of the first probe instance. */
static struct var_info *first_probe_var(struct compile_run *r, const char *name)
{
	assert_non_null(r->c.insts);
	for (struct var_info *v = r->c.insts->vars; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	fail_msg("no variable $%s", name);
	return NULL;
}

/* ==== diagnostics, one test per message ================================ */

/* a misspelt provider name gets the closest one */
static void test_unknown_probe_type(void **state)
{
	(void)state;
	expect_diags("tracepont:a:b { exit(); }",
	    "-e:1:1: ERROR: unknown probe type 'tracepont'\n"
	    "    1 | tracepont:a:b { exit(); }\n"
	    "      | ^~~~~~~~~\n"
	    "NOTE: did you mean 'tracepoint'?\n");
}

/* no note when nothing is close */
static void test_unknown_probe_type_no_suggestion(void **state)
{
	(void)state;
	expect_diags("nosuch:x { exit(); }",
	    "-e:1:1: ERROR: unknown probe type 'nosuch'\n"
	    "    1 | nosuch:x { exit(); }\n"
	    "      | ^~~~~~\n");
}

/* Every stage of sema reports, whatever an earlier one found, and the
 * diagnostics come as today: macro definitions first, then probe by probe
 * as written (a type error in the first probe before a bad spec in the
 * second), then the maps. Pins sema_run's order for the driver's stages. */
static void test_every_stage_reports_in_program_order(void **state)
{
	(void)state;
	expect_diags("BEGIN { @x = nosuchident; }\n"
		     "nosuch:x { exit(); }\n"
		     "END { $v = @never; }\n"
		     "macro comm() { 1 }",
	    "-e:4:1: ERROR: macro 'comm' has the name of a builtin\n"
	    "    4 | macro comm() { 1 }\n"
	    "      | ^~~~~~~~~~~~~~~~~~\n"
	    "-e:1:14: ERROR: unknown identifier 'nosuchident'\n"
	    "    1 | BEGIN { @x = nosuchident; }\n"
	    "      |              ^~~~~~~~~~~\n"
	    "-e:2:1: ERROR: unknown probe type 'nosuch'\n"
	    "    2 | nosuch:x { exit(); }\n"
	    "      | ^~~~~~\n"
	    "-e:3:12: ERROR: map '@never' is used but never assigned\n"
	    "    3 | END { $v = @never; }\n"
	    "      |            ^~~~~~\n");
}

static void test_begin_takes_no_arguments(void **state)
{
	(void)state;
	expect_diags("BEGIN:x { exit(); }",
	    "-e:1:1: ERROR: BEGIN takes no arguments, as in 'BEGIN { ... }'\n"
	    "    1 | BEGIN:x { exit(); }\n"
	    "      | ^~~~~~~\n");
}

static void test_end_takes_no_arguments(void **state)
{
	(void)state;
	expect_diags("END:x { exit(); }",
	    "-e:1:1: ERROR: END takes no arguments, as in 'END { ... }'\n"
	    "    1 | END:x { exit(); }\n"
	    "      | ^~~~~\n");
}

static void test_interval_malformed(void **state)
{
	(void)state;
	expect_diags("interval:x { exit(); }",
	    "-e:1:1: ERROR: interval probes are written interval:UNIT:N with UNIT one of s, ms, us, hz and N > 0, got 'interval:x'\n"
	    "    1 | interval:x { exit(); }\n"
	    "      | ^~~~~~~~~~\n");
}

static void test_interval_zero(void **state)
{
	(void)state;
	expect_diags("interval:s:0 { exit(); }",
	    "-e:1:1: ERROR: interval probes are written interval:UNIT:N with UNIT one of s, ms, us, hz and N > 0, got 'interval:s:0'\n"
	    "    1 | interval:s:0 { exit(); }\n"
	    "      | ^~~~~~~~~~~~\n");
}

static void test_interval_unknown_unit(void **state)
{
	(void)state;
	expect_diags("interval:q:1 { exit(); }",
	    "-e:1:1: ERROR: interval probes are written interval:UNIT:N with UNIT one of s, ms, us, hz and N > 0, got 'interval:q:1'\n"
	    "    1 | interval:q:1 { exit(); }\n"
	    "      | ^~~~~~~~~~~~\n");
}

/* the provider's own name is in the message */
static void test_profile_malformed(void **state)
{
	(void)state;
	expect_diags("profile:hz { exit(); }",
	    "-e:1:1: ERROR: profile probes are written profile:UNIT:N with UNIT one of s, ms, us, hz and N > 0, got 'profile:hz'\n"
	    "    1 | profile:hz { exit(); }\n"
	    "      | ^~~~~~~~~~\n");
}

static void test_interval_period_too_long(void **state)
{
	(void)state;
	expect_diags("interval:s:999999999999 { exit(); }",
	    "-e:1:1: ERROR: the period of 'interval:s:999999999999' is too long\n"
	    "    1 | interval:s:999999999999 { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* perf_event_open refuses a period with bit 63 set: 2^63 ns passed the
 * old check (it only kept n * 10^9 under 2^64) and failed at attach */
static void test_timer_period_over_int64(void **state)
{
	(void)state;
	expect_diags("interval:s:9223372037 { exit(); }",
	    "-e:1:1: ERROR: the period of 'interval:s:9223372037' is too long\n"
	    "    1 | interval:s:9223372037 { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~\n");
	expect_ok("interval:s:9223372036 { exit(); }");
	expect_diags("software:cpu-clock:9223372036854775808 { exit(); }",
	    "-e:1:1: ERROR: software:EVENT:COUNT needs a COUNT from 1 to 9223372036854775807, got '9223372036854775808'\n"
	    "    1 | software:cpu-clock:9223372036854775808 { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* a frequency over kernel.perf_event_max_sample_rate failed at attach
 * with EINVAL */
static void test_profile_hz_over_max_sample_rate(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "r");
	unsigned long long rate = 0;
	if (!f || fscanf(f, "%llu", &rate) != 1 || rate == 0) {
		if (f)
			fclose(f);
		skip();
	}
	fclose(f);
	char src[128], want[512];
	snprintf(src, sizeof(src), "profile:hz:%llu { exit(); }", rate + 1);
	struct compile_run r;
	compile_run(&r, src);
	snprintf(want, sizeof(want),
		 "-e:1:1: ERROR: 'profile:hz:%llu' is more often than this kernel samples: at most "
		 "%llu hz (kernel.perf_event_max_sample_rate)\n",
		 rate + 1, rate);
	assert_int_equal(r.rc, -1);
	assert_true(strncmp(compile_diags(&r), want, strlen(want)) == 0);
	compile_fini(&r);
	snprintf(src, sizeof(src), "profile:hz:%llu { exit(); }", rate);
	expect_ok(src);
}

static void test_tracepoint_missing_name(void **state)
{
	(void)state;
	expect_diags("tracepoint:sched { exit(); }",
	    "-e:1:1: ERROR: a tracepoint is written tracepoint:CATEGORY:NAME, got 'tracepoint:sched'\n"
	    "    1 | tracepoint:sched { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~\n");
}

static void test_tracepoint_too_many_parts(void **state)
{
	(void)state;
	expect_diags("tracepoint:a:b:c { exit(); }",
	    "-e:1:1: ERROR: a tracepoint is written tracepoint:CATEGORY:NAME, got 'tracepoint:a:b:c'\n"
	    "    1 | tracepoint:a:b:c { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~\n");
}

/* reads the live tracefs */
static void test_tracepoint_unknown_suggests_name(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:sys_enter_opnat { exit(); }",
	    "-e:1:1: ERROR: tracepoint not found: syscalls:sys_enter_opnat\n"
	    "    1 | tracepoint:syscalls:sys_enter_opnat { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
	    "NOTE: did you mean 'tracepoint:syscalls:sys_enter_openat'?\n");
}

static void test_tracepoint_unknown_suggests_category(void **state)
{
	(void)state;
	expect_diags("tracepoint:sycalls:sys_enter_openat { exit(); }",
	    "-e:1:1: ERROR: tracepoint not found: sycalls:sys_enter_openat\n"
	    "    1 | tracepoint:sycalls:sys_enter_openat { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
	    "NOTE: did you mean category 'syscalls'?\n");
}

static void test_tracepoint_unknown_no_suggestion(void **state)
{
	(void)state;
	expect_diags("tracepoint:zzzzzzzz:qqqqqq { exit(); }",
	    "-e:1:1: ERROR: tracepoint not found: zzzzzzzz:qqqqqq\n"
	    "    1 | tracepoint:zzzzzzzz:qqqqqq { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

/* the alias t: reports like tracepoint: */
static void test_tracepoint_alias_unknown(void **state)
{
	(void)state;
	expect_diags("t:syscalls:sys_enter_opnat { exit(); }",
	    "-e:1:1: ERROR: tracepoint not found: syscalls:sys_enter_opnat\n"
	    "    1 | t:syscalls:sys_enter_opnat { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~\n"
	    "NOTE: did you mean 'tracepoint:syscalls:sys_enter_openat'?\n");
}

static void test_tracepoint_glob_matches_nothing(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:nomatch* { exit(); }",
	    "-e:1:1: ERROR: no tracepoint matches 'syscalls:nomatch*'\n"
	    "    1 | tracepoint:syscalls:nomatch* { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_tracepoint_no_such_field_suggests(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:sys_enter_openat { $x = args.filenam; }",
	    "-e:1:50: ERROR: tracepoint syscalls:sys_enter_openat has no field 'filenam'\n"
	    "    1 | tracepoint:syscalls:sys_enter_openat { $x = args.filenam; }\n"
	    "      |                                                  ^~~~~~~\n"
	    "NOTE: did you mean 'args.filename'?\n");
}

static void test_tracepoint_no_such_field(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:sys_enter_openat { $x = args.zzzzzzzz; }",
	    "-e:1:50: ERROR: tracepoint syscalls:sys_enter_openat has no field 'zzzzzzzz'\n"
	    "    1 | tracepoint:syscalls:sys_enter_openat { $x = args.zzzzzzzz; }\n"
	    "      |                                                  ^~~~~~~~\n");
}

/* each attach point of a multi-spec probe must have the field */
static void test_tracepoint_field_missing_in_one_spec(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_openat { $x = args.filename; }",
	    "-e:1:86: ERROR: tracepoint syscalls:sys_enter_read has no field 'filename'\n"
	    "    1 | tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_openat { $x = args.filename; }\n"
	    "      |                                                                                      ^~~~~~~~\n");
}

static void test_tracepoint_field_types_differ(void **state)
{
	(void)state;
	expect_diags("tracepoint:sched:sched_process_exec,tracepoint:syscalls:sys_enter_openat { $x = args.filename; }",
	    "-e:1:81: ERROR: args.filename has type string[64] in tracepoint:sched:sched_process_exec but int8 * in tracepoint:syscalls:sys_enter_openat; split the probe so each has one type\n"
	    "    1 | tracepoint:sched:sched_process_exec,tracepoint:syscalls:sys_enter_openat { $x = args.filename; }\n"
	    "      |                                                                                 ^~~~~~~~~~~~~\n");
}

/* an array of integers */
static void test_tracepoint_field_unreadable(void **state)
{
	(void)state;
	/* a flexible array of integers; fixed ones (saddr[4]) are read */
	expect_diags("tracepoint:ftrace:bprint { $x = args.buf; }",
	    "-e:1:38: ERROR: field 'buf' of tracepoint:ftrace:bprint has type 'u32', which sonde cannot read yet\n"
	    "    1 | tracepoint:ftrace:bprint { $x = args.buf; }\n"
	    "      |                                      ^~~\n");
	expect_ok("tracepoint:sock:inet_sock_set_state { $x = args.saddr; print($x[3]); }");
}

static void test_rawtracepoint_malformed(void **state)
{
	(void)state;
	expect_diags("rawtracepoint:a:b { exit(); }",
	    "-e:1:1: ERROR: a raw tracepoint is written rawtracepoint:NAME, got 'rawtracepoint:a:b'\n"
	    "    1 | rawtracepoint:a:b { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~\n");
}

static void test_rawtracepoint_unknown(void **state)
{
	(void)state;
	expect_diags("rawtracepoint:nosuchthing { exit(); }",
	    "-e:1:1: ERROR: no tracepoint is named 'nosuchthing'\n"
	    "    1 | rawtracepoint:nosuchthing { exit(); }\n"
	    "      | ^~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_no_probes(void **state)
{
	(void)state;
	expect_diags("// only a comment",
	    "-e:1:1: ERROR: the program has no probes\n"
	    "    1 | // only a comment\n"
	    "      | ^\n");
}

static void test_unknown_identifier(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = foo; }",
	    "-e:1:14: ERROR: unknown identifier 'foo'\n"
	    "    1 | BEGIN { $x = foo; }\n"
	    "      |              ^~~\n");
}

static void test_unknown_identifier_suggests(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = pidd; }",
	    "-e:1:14: ERROR: unknown identifier 'pidd'\n"
	    "    1 | BEGIN { $x = pidd; }\n"
	    "      |              ^~~~\n"
	    "NOTE: did you mean 'pid'?\n");
}

static void test_argn_outside_raw_context(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = arg0; }",
	    "-e:1:14: ERROR: 'arg0' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = arg0; }\n"
	    "      |              ^~~~\n");
}

static void test_retval_in_begin(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = retval; }",
	    "-e:1:14: ERROR: 'retval' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = retval; }\n"
	    "      |              ^~~~~~\n");
}

static void test_kstack_in_begin(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = kstack; }",
	    "-e:1:14: ERROR: 'kstack' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = kstack; }\n"
	    "      |              ^~~~~~\n");
}

static void test_args_in_begin(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = args.foo; }",
	    "-e:1:14: ERROR: 'args' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = args.foo; }\n"
	    "      |              ^~~~\n");
}

static void test_pkt_in_begin(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = pkt.len; }",
	    "-e:1:14: ERROR: 'pkt' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = pkt.len; }\n"
	    "      |              ^~~\n");
}

static void test_args_without_field(void **state)
{
	(void)state;
	expect_diags("tracepoint:syscalls:sys_enter_openat { $x = args; }",
	    "-e:1:45: ERROR: 'args' is used with a field, as in args.NAME\n"
	    "    1 | tracepoint:syscalls:sys_enter_openat { $x = args; }\n"
	    "      |                                             ^~~~\n");
}

static void test_unknown_function(void **state)
{
	(void)state;
	expect_diags("BEGIN { frobnicate(1); }",
	    "-e:1:9: ERROR: unknown function 'frobnicate'\n"
	    "    1 | BEGIN { frobnicate(1); }\n"
	    "      |         ^~~~~~~~~~\n");
}

static void test_unknown_function_suggests(void **state)
{
	(void)state;
	expect_diags("BEGIN { prnt(\"a\"); }",
	    "-e:1:9: ERROR: unknown function 'prnt'\n"
	    "    1 | BEGIN { prnt(\"a\"); }\n"
	    "      |         ^~~~\n"
	    "NOTE: did you mean 'print'?\n");
}

static void test_unsafe_system(void **state)
{
	(void)state;
	expect_diags("BEGIN { system(\"ls\"); }",
	    "-e:1:9: ERROR: system() acts on the system and is unsafe; run sonde with --unsafe to allow it\n"
	    "    1 | BEGIN { system(\"ls\"); }\n"
	    "      |         ^~~~~~\n");
}

static void test_unsafe_signal(void **state)
{
	(void)state;
	expect_diags("BEGIN { signal(\"SIGKILL\"); }",
	    "-e:1:9: ERROR: signal() acts on the system and is unsafe; run sonde with --unsafe to allow it\n"
	    "    1 | BEGIN { signal(\"SIGKILL\"); }\n"
	    "      |         ^~~~~~\n");
}

/* cat() only reads a file, so like bpftrace it needs no --unsafe. */
static void test_cat_is_not_unsafe(void **state)
{
	(void)state;
	expect_ok("BEGIN { cat(\"/etc/passwd\"); }");
}

static void test_unsafe_override(void **state)
{
	(void)state;
	expect_diags("BEGIN { override(1); }",
	    "-e:1:9: ERROR: override() acts on the system and is unsafe; run sonde with --unsafe to allow it\n"
	    "    1 | BEGIN { override(1); }\n"
	    "      |         ^~~~~~~~\n");
}

/* --unsafe lets them through to a plainer error */
static void test_unsafe_override_only_in_kprobes(void **state)
{
	(void)state;
	expect_diags_unsafe("BEGIN { override(1); }",
	    "-e:1:9: ERROR: 'override()' is not available in BEGIN probes\n"
	    "    1 | BEGIN { override(1); }\n"
	    "      |         ^~~~~~~~\n");
}

static void test_probe_bound_functions(void **state)
{
	(void)state;
	expect_diags("BEGIN { print(uaddr(\"x\")); }",
	    "-e:1:15: ERROR: 'uaddr()' is not available in BEGIN probes\n"
	    "    1 | BEGIN { print(uaddr(\"x\")); }\n"
	    "      |               ^~~~~\n");
}

static void test_named_numbers(void **state)
{
	(void)state;
	expect_diags("BEGIN { print(cgroup_path(1, 2)); }",
	    "-e:1:30: ERROR: cgroup_path() needs the hierarchies to look in as a string literal, "
	    "as in \"unified\" or \"cpu*\"\n"
	    "    1 | BEGIN { print(cgroup_path(1, 2)); }\n"
	    "      |                              ^\n");
	expect_diags("BEGIN { print(strerror(\"a\")); }",
	    "-e:1:24: ERROR: strerror() needs an integer, got string[2]\n"
	    "    1 | BEGIN { print(strerror(\"a\")); }\n"
	    "      |                        ^~~\n");
	expect_diags("BEGIN { if (syscall_name(1) == \"x\") {} }",
	    "-e:1:13: ERROR: cannot compare syscall_name with string[2]\n"
	    "    1 | BEGIN { if (syscall_name(1) == \"x\") {} }\n"
	    "      |             ^~~~~~~~~~~~~~~~~~~~~~\n");
	expect_diags_unsafe("BEGIN { signal_thread(\"FOO\"); }",
	    "-e:1:23: ERROR: signal_thread(): unknown signal 'FOO'\n"
	    "    1 | BEGIN { signal_thread(\"FOO\"); }\n"
	    "      |                       ^~~~~\n");
}

static void test_call_exact_arity(void **state)
{
	(void)state;
	/* count(), as exit() now takes an optional code */
	expect_diags("BEGIN { @c = count(1); }",
	    "-e:1:14: ERROR: count() takes 0 arguments, 1 given\n"
	    "    1 | BEGIN { @c = count(1); }\n"
	    "      |              ^~~~~\n");
}

static void test_call_arity_range(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(); }",
	    "-e:1:9: ERROR: printf() takes 1 to 17 arguments, 0 given\n"
	    "    1 | BEGIN { printf(); }\n"
	    "      |         ^~~~~~\n");
}

static void test_call_arity_range_too_many(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = str(comm, 1, 2); }",
	    "-e:1:14: ERROR: str() takes 1 or 2 arguments, 3 given\n"
	    "    1 | BEGIN { $x = str(comm, 1, 2); }\n"
	    "      |              ^~~\n");
}

static void test_aggregation_as_statement(void **state)
{
	(void)state;
	expect_diags("BEGIN { count(); }",
	    "-e:1:9: ERROR: count() must be assigned to a map, as in @x = count()\n"
	    "    1 | BEGIN { count(); }\n"
	    "      |         ^~~~~\n");
}

static void test_aggregation_with_arg_as_statement(void **state)
{
	(void)state;
	expect_diags("BEGIN { sum(1); }",
	    "-e:1:9: ERROR: sum() must be assigned to a map, as in @x = sum(...)\n"
	    "    1 | BEGIN { sum(1); }\n"
	    "      |         ^~~\n");
}

static void test_printf_as_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = printf(\"a\"); }",
	    "-e:1:14: ERROR: printf() has no value; use it as a statement\n"
	    "    1 | BEGIN { $x = printf(\"a\"); }\n"
	    "      |              ^~~~~~\n");
}

static void test_exit_as_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = exit(); }",
	    "-e:1:14: ERROR: exit() has no value; use it as a statement\n"
	    "    1 | BEGIN { $x = exit(); }\n"
	    "      |              ^~~~\n");
}

static void test_print_as_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; $x = print(@m); }",
	    "-e:1:22: ERROR: print() has no value; use it as a statement\n"
	    "    1 | BEGIN { @m = 1; $x = print(@m); }\n"
	    "      |                      ^~~~~\n");
}

/* bpftrace 0.26: whether it deleted */
static void test_delete_as_value(void **state)
{
	(void)state;
	expect_ok("BEGIN { @m[1] = 1; $x = delete(@m[1]); $y = delete(@m, 2); }");
}

static void test_redirect_as_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = redirect(\"lo\"); }",
	    "-e:1:14: ERROR: redirect() ends the probe; use it as a statement\n"
	    "    1 | BEGIN { $x = redirect(\"lo\"); }\n"
	    "      |              ^~~~~~~~\n");
}

static void test_redirect_outside_xdp(void **state)
{
	(void)state;
	expect_diags("BEGIN { redirect(\"lo\"); }",
	    "-e:1:9: ERROR: 'redirect()' is not available in BEGIN probes\n"
	    "    1 | BEGIN { redirect(\"lo\"); }\n"
	    "      |         ^~~~~~~~\n");
}

static void test_printf_format_not_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { $f = \"%d\"; printf($f, 1); }",
	    "-e:1:27: ERROR: printf() needs a string literal as its first argument\n"
	    "    1 | BEGIN { $f = \"%d\"; printf($f, 1); }\n"
	    "      |                           ^~\n");
}

static void test_printf_star_width(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%*d\\n\", 1); }",
	    "-e:1:18: ERROR: invalid format: '*' width or precision is not supported; write the number in the format\n"
	    "    1 | BEGIN { printf(\"%*d\\n\", 1); }\n"
	    "      |                  ^\n");
}

static void test_printf_star_precision(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%.*d\\n\", 1); }",
	    "-e:1:19: ERROR: invalid format: '*' width or precision is not supported; write the number in the format\n"
	    "    1 | BEGIN { printf(\"%.*d\\n\", 1); }\n"
	    "      |                   ^\n");
}

static void test_printf_incomplete_conversion(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"100%\"); }",
	    "-e:1:20: ERROR: invalid format: incomplete conversion at the end of the format (write %% for a '%')\n"
	    "    1 | BEGIN { printf(\"100%\"); }\n"
	    "      |                    ^\n");
}

static void test_printf_unknown_conversion(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%q\\n\", 1); }",
	    "-e:1:18: ERROR: invalid format: unknown conversion (supported: %d %i %u %x %X %o %c %p %s %r %rx %rh %%)\n"
	    "    1 | BEGIN { printf(\"%q\\n\", 1); }\n"
	    "      |                  ^\n");
}

static void test_printf_percent_with_width(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%5%\"); }",
	    "-e:1:17: ERROR: invalid format: '%%' takes no flags, width or length\n"
	    "    1 | BEGIN { printf(\"%5%\"); }\n"
	    "      |                 ^\n");
}

static void test_printf_length_on_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%ls\\n\", comm); }",
	    "-e:1:17: ERROR: invalid format: a length modifier (h, l, ll, j, z, t) only goes with integer conversions\n"
	    "    1 | BEGIN { printf(\"%ls\\n\", comm); }\n"
	    "      |                 ^\n");
}

static void test_printf_string_conversion_gets_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%s\\n\", pid); }",
	    "-e:1:24: ERROR: %s expects a string argument, got uint64\n"
	    "    1 | BEGIN { printf(\"%s\\n\", pid); }\n"
	    "      |                        ^~~\n");
}

static void test_printf_int_conversion_gets_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"pid %d\\n\", comm); }",
	    "-e:1:28: ERROR: %d expects an integer argument, got string[16]\n"
	    "    1 | BEGIN { printf(\"pid %d\\n\", comm); }\n"
	    "      |                            ^~~~\n");
}

static void test_printf_int_conversion_gets_tuple(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%x\\n\", (1, 2)); }",
	    "-e:1:24: ERROR: %x expects an integer argument, got (int64, int64)\n"
	    "    1 | BEGIN { printf(\"%x\\n\", (1, 2)); }\n"
	    "      |                        ^~~~~~\n");
}

static void test_printf_buffer_conversion_gets_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%r\\n\", 1); }",
	    "-e:1:24: ERROR: %r expects a buffer argument, got int64\n"
	    "    1 | BEGIN { printf(\"%r\\n\", 1); }\n"
	    "      |                        ^\n");
}

static void test_printf_too_few_arguments(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%s %d\\n\", comm); }",
	    "-e:1:9: ERROR: printf() format has 2 conversions but 1 argument is given\n"
	    "    1 | BEGIN { printf(\"%s %d\\n\", comm); }\n"
	    "      |         ^~~~~~\n");
}

static void test_printf_too_many_arguments(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%d\\n\", 1, 2); }",
	    "-e:1:9: ERROR: printf() format has 1 conversion but 2 arguments are given\n"
	    "    1 | BEGIN { printf(\"%d\\n\", 1, 2); }\n"
	    "      |         ^~~~~~\n");
}

static void test_printf_no_conversions(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"hello\\n\", 1); }",
	    "-e:1:9: ERROR: printf() format has 0 conversions but 1 argument is given\n"
	    "    1 | BEGIN { printf(\"hello\\n\", 1); }\n"
	    "      |         ^~~~~~\n");
}

static void test_printf_argument_without_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { printf(\"%d\\n\", count()); }",
	    "-e:1:24: ERROR: count() must be assigned to a map, as in @x = count()\n"
	    "    1 | BEGIN { printf(\"%d\\n\", count()); }\n"
	    "      |                        ^~~~~\n");
}

static void test_str_length_not_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { $n = 4; $s = str(comm, $n); }",
	    "-e:1:32: ERROR: the length of str() must be an integer literal\n"
	    "    1 | BEGIN { $n = 4; $s = str(comm, $n); }\n"
	    "      |                                ^~\n");
}

static void test_str_length_zero(void **state)
{
	(void)state;
	expect_diags("BEGIN { $s = str(comm, 0); }",
	    "-e:1:24: ERROR: str() length must be between 1 and 4096, got 0\n"
	    "    1 | BEGIN { $s = str(comm, 0); }\n"
	    "      |                        ^\n");
}

static void test_str_length_too_large(void **state)
{
	(void)state;
	expect_diags("BEGIN { $s = str(comm, 5000); }",
	    "-e:1:24: ERROR: str() length must be between 1 and 4096, got 5000\n"
	    "    1 | BEGIN { $s = str(comm, 5000); }\n"
	    "      |                        ^~~~\n");
}

static void test_str_of_tuple(void **state)
{
	(void)state;
	expect_diags("BEGIN { $s = str((1, 2)); }",
	    "-e:1:18: ERROR: str() needs a pointer or string, got (int64, int64)\n"
	    "    1 | BEGIN { $s = str((1, 2)); }\n"
	    "      |                  ^~~~~~\n");
}

/* bpftrace 0.26's standard-library functions: their hooks' errors */
static void test_strlen_of_tuple(void **state)
{
	(void)state;
	expect_diags("BEGIN { $n = strlen((1, 2)); }",
	    "-e:1:21: ERROR: strlen() needs a string or a char pointer, got (int64, int64)\n"
	    "    1 | BEGIN { $n = strlen((1, 2)); }\n"
	    "      |                     ^~~~~~\n");
}

/* len() of neither a map nor a stack, and comm(PID) of a string: errors
 * before anything is asked of the kernel */
static void test_len_of_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { $n = len(5); }",
	    "-e:1:18: ERROR: call to len() expects a map, ustack, or kstack, got int64\n"
	    "    1 | BEGIN { $n = len(5); }\n"
	    "      |                  ^\n");
}

/* dw_ustack: the unwind tables are read from the processes of -p, -c or
 * --dwarf-pid, so without one it is an error; unstable_dw_ustack = error
 * refuses it first */
static void test_dw_ustack_needs_process(void **state)
{
	(void)state;
	expect_diags("profile:hz:99 { @[dw_ustack(3)] = count(); }",
	    "-e:1:19: ERROR: dw_ustack requires a target process: give it with -p PID, -c CMD "
	    "or --dwarf-pid PID (its unwind tables are read when sonde starts)\n"
	    "    1 | profile:hz:99 { @[dw_ustack(3)] = count(); }\n"
	    "      |                   ^~~~~~~~~\n");
	struct compile_options o;
	compile_default_options(&o);
	o.unstable_dw_ustack = 4; /* "error" (unstable_names) */
	struct compile_run r;
	compile_run_opts(&r, "profile:hz:99 { @[dw_ustack] = count(); }", &o);
	assert_string_equal(compile_diags(&r),
	    "-e:1:19: ERROR: dw_ustack (DWARF stack unwinding) feature is not enabled by "
	    "default. To enable this unstable feature, set the config flag to enable. "
	    "unstable_dw_ustack=enable\n"
	    "    1 | profile:hz:99 { @[dw_ustack] = count(); }\n"
	    "      |                   ^~~~~~~~~\n");
	assert_int_equal(r.rc, -1);
	compile_fini(&r);
}

static void test_comm_of_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $c = comm(\"x\"); }",
	    "-e:1:19: ERROR: comm(PID) needs an integer pid, got string[2]\n"
	    "    1 | BEGIN { $c = comm(\"x\"); }\n"
	    "      |                   ^~~\n");
}

static void test_memcmp_longer_than_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $n = memcmp(\"ab\", \"abc\", 4); }",
	    "-e:1:34: ERROR: memcmp()'s length 4 is more than the 3 bytes of its first argument (string[3])\n"
	    "    1 | BEGIN { $n = memcmp(\"ab\", \"abc\", 4); }\n"
	    "      |                                  ^\n");
}

static void test_static_assert_false(void **state)
{
	(void)state;
	expect_diags("BEGIN { static_assert(sizeof(comm) == 8, \"comm is 8 bytes\"); }",
	    "-e:1:9: ERROR: comm is 8 bytes\n"
	    "    1 | BEGIN { static_assert(sizeof(comm) == 8, \"comm is 8 bytes\"); }\n"
	    "      |         ^~~~~~~~~~~~~\n");
}

/* assert_str (bpftrace 0.26): the error is at the argument, with its type */
static void test_assert_str_not_string_like(void **state)
{
	(void)state;
	expect_diags("BEGIN { assert_str((int32 *)0); }",
	    "-e:1:20: ERROR: assert_str(): a string-like pointer must be of chars (1-byte integers), "
	    "got int32 *\n"
	    "    1 | BEGIN { assert_str((int32 *)0); }\n"
	    "      |                    ^~~~~~~~~~\n");
	expect_ok("BEGIN { assert_str(\"x\"); assert_str((int8 *)0); if (0) { assert_str(1); } }");
}

/* is_err() of a value that is neither a pointer nor an integer */
static void test_is_err_of_a_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $e = is_err(\"s\"); }",
	    "-e:1:21: ERROR: is_err() needs a pointer or an integer, got string[2]\n"
	    "    1 | BEGIN { $e = is_err(\"s\"); }\n"
	    "      |                     ^~~\n");
}

static void test_fail_in_left_out_branch(void **state)
{
	(void)state;
	expect_ok("BEGIN { if (is_str(1)) { fail(\"%d\", 1); } else { static_assert(is_integer(1), \"x\"); } "
		  "if (1) { } else { fail(\"no\"); } }");
}

static void test_find_needs_variable(void **state)
{
	(void)state;
	expect_diags("BEGIN { find(@m, 1, 2); @m[1] = 1; }",
	    "-e:1:21: ERROR: find() stores the value in a $variable, as in find(@m, key, $v)\n"
	    "    1 | BEGIN { find(@m, 1, 2); @m[1] = 1; }\n"
	    "      |                     ^\n");
}

static void test_socket_cookie_outside_fentry(void **state)
{
	(void)state;
	expect_diags("BEGIN { $c = socket_cookie((struct sock *)0); }",
	    "-e:1:14: ERROR: 'socket_cookie()' is not available in BEGIN probes: the kernel gives "
	    "socket cookies of a 'struct sock *' only to fentry and fexit programs\n"
	    "    1 | BEGIN { $c = socket_cookie((struct sock *)0); }\n"
	    "      |              ^~~~~~~~~~~~~\n");
}

/* getopt() (bpftrace 0.26): compiles `src` with the command line's words
 * `params` after it and compares every diagnostic; the run fails exactly
 * when `fails`. The run is left to the caller (compile_fini). */
static void getopt_run(struct compile_run *r, const char *src, char *const *params, int nparams,
                       const char *want, bool fails)
{
	struct compile_options o;
	compile_default_options(&o);
	o.params = params;
	o.nparams = nparams;
	compile_run_opts(r, src, &o);
	assert_string_equal(compile_diags(r), want);
	assert_int_equal(r->rc, fails ? -1 : 0);
}

/* the named words are taken out of the positional ones, and each call is
 * its value */
static void test_getopt_splits_the_words(void **state)
{
	(void)state;
	char *words[] = {"p1", "--aa=20", "--bb", "p2"};
	struct compile_run r;
	getopt_run(&r, "BEGIN { @a = getopt(\"aa\", 1); @b = getopt(\"bb\"); @c = $2; @d = $#; }",
	           words, 4, "", false);
	assert_int_equal(r.c.npos_params, 2);
	assert_string_equal(r.c.pos_params[1], "p2");
	assert_true(r.c.uses_getopt);
	const struct named_param *aa = r.c.named_params, *bb = aa->next;
	assert_string_equal(aa->name, "aa");
	assert_int_equal(aa->kind, NAMED_INT);
	assert_int_equal(aa->value, 20);
	assert_string_equal(bb->name, "bb");
	assert_int_equal(bb->kind, NAMED_BOOL);
	assert_int_equal(bb->value, 1);
	assert_null(bb->next);
	compile_fini(&r);
}

/* without getopt() every word is positional (bpftrace 0.17), with a warning */
static void test_getopt_absent_words_positional(void **state)
{
	(void)state;
	char *words[] = {"--aa=20", "x"};
	struct compile_run r;
	getopt_run(
	    &r, "BEGIN { @a = $1; }", words, 2,
	    "WARNING: '--aa=20' is the positional parameter $1: the program calls no getopt(), "
	    "so it has no named parameters\n"
	    "NOTE: bpftrace 0.26 reads '--NAME[=VALUE]' after '--' as a named parameter, "
	    "bpftrace 0.17 as a positional one; sonde does the first only in a program that "
	    "calls getopt()\n",
	    false);
	assert_int_equal(r.c.npos_params, 2);
	assert_false(r.c.uses_getopt);
	compile_fini(&r);
}

static void test_getopt_bad_value_and_unknown_name(void **state)
{
	(void)state;
	char *words[] = {"--pid=12x", "--pdi=3"};
	struct compile_run r;
	getopt_run(&r, "BEGIN { @p = getopt(\"pid\", 0, \"the process\"); }", words, 2,
	           "ERROR: program command line option --pid expects an integer: '12x' is not an "
	           "integer\n"
	           "-e:1:14: NOTE: getopt() declares --pid here, an integer (default 0)\n"
	           "    1 | BEGIN { @p = getopt(\"pid\", 0, \"the process\"); }\n"
	           "      |              ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
	           "ERROR: unexpected program command line option: --pdi\n"
	           "NOTE: the program's named parameters are --pid ('-- --help' lists them)\n",
	           true);
	compile_fini(&r);
}

static void test_getopt_arguments_must_be_literals(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN { $n = \"a\"; @a = getopt($n); @b = getopt(\"b\", $n); @c = getopt(\"c\", 1, "
	    "2); }",
	    "-e:1:31: ERROR: the first argument of getopt(), the parameter's name, must be a "
	    "string "
	    "literal\n"
	    "    1 | BEGIN { $n = \"a\"; @a = getopt($n); @b = getopt(\"b\", $n); @c = "
	    "getopt(\"c\", 1, 2); }\n"
	    "      |                               ^~\n"
	    "-e:1:53: ERROR: the default of getopt(\"b\", ...) must be a literal: an integer, a "
	    "string, "
	    "true or false\n"
	    "    1 | BEGIN { $n = \"a\"; @a = getopt($n); @b = getopt(\"b\", $n); @c = "
	    "getopt(\"c\", 1, 2); }\n"
	    "      |                                                     ^~\n"
	    "-e:1:78: ERROR: the help text of getopt(\"c\", ...) must be a string literal\n"
	    "    1 | BEGIN { $n = \"a\"; @a = getopt($n); @b = getopt(\"b\", $n); @c = "
	    "getopt(\"c\", 1, 2); }\n"
	    "      |                                                                              "
	    "^\n");
}

static void test_skboutput_outside_fentry(void **state)
{
	(void)state;
	expect_diags("BEGIN { $r = skboutput(\"a.pcap\", (struct sk_buff *)0, 64, 0); }",
	    "-e:1:14: ERROR: 'skboutput()' is not available in BEGIN probes: the kernel copies the "
	    "packets of a 'struct sk_buff *' only in fentry and fexit programs\n"
	    "    1 | BEGIN { $r = skboutput(\"a.pcap\", (struct sk_buff *)0, 64, 0); }\n"
	    "      |              ^~~~~~~~~\n");
}

static void test_skboutput_offset_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { $o = 1; $r = skboutput(\"a.pcap\", (struct sk_buff *)0, 64, $o); }",
	    "-e:1:67: ERROR: skboutput()'s offset must be an integer literal\n"
	    "    1 | BEGIN { $o = 1; $r = skboutput(\"a.pcap\", (struct sk_buff *)0, 64, $o); }\n"
	    "      |                                                                   ^~\n");
}

/* an lpm() set used only by `in` (filled by --map-file or a pin) is a
 * declared LPM trie keyed by networks, holding int64 */
static void test_lpm_set_used_only_by_in(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "let @b = lpm(64); BEGIN { if (10.0.0.1 in @b) { exit(); } }");
	assert_string_equal(compile_diags(&r), "");
	assert_int_equal(r.rc, 0);
	struct map_info *m = r.c.maps;
	assert_non_null(m);
	assert_true(m->lpm && m->declared && m->keyed);
	assert_int_equal(m->decl_bpf_type, 11 /* BPF_MAP_TYPE_LPM_TRIE */);
	assert_int_equal(m->decl_entries, 64);
	assert_ptr_equal(m->key, &type_inet_net);
	assert_int_type(m->value, true, 8);
	compile_fini(&r);
}

static void test_lpm_key_is_a_network(void **state)
{
	(void)state;
	expect_diags("let @b = lpm(4); BEGIN { @b[\"x\"] = 1; }",
	    "-e:1:29: ERROR: map '@b' is declared lpm(): its key is an address (pkt.saddr, "
	    "10.0.0.1, ntop()) or a network (10.0.0.0/8), got string[2]\n"
	    "    1 | let @b = lpm(4); BEGIN { @b[\"x\"] = 1; }\n"
	    "      |                             ^~~\n");
}

static void test_ratelimit_rate_constant(void **state)
{
	(void)state;
	expect_diags("BEGIN { $r = 1; $p = ratelimit(@rl[1], $r, 0); }",
	    "-e:1:40: ERROR: ratelimit()'s rate (tokens per second) must be a constant, as in ratelimit(@rl[pkt.saddr], 100, 10)\n"
	    "    1 | BEGIN { $r = 1; $p = ratelimit(@rl[1], $r, 0); }\n"
	    "      |                                        ^~\n"
	    "-e:1:44: ERROR: ratelimit()'s burst (tokens) must be from 1 to 1000000000, got 0\n"
	    "    1 | BEGIN { $r = 1; $p = ratelimit(@rl[1], $r, 0); }\n"
	    "      |                                            ^\n");
}

static void test_ratelimit_map_of_its_own(void **state)
{
	(void)state;
	expect_diags("BEGIN { $p = ratelimit(@rl[1], 10, 5); @rl[2] = 1; }",
	    "-e:1:40: ERROR: map '@rl' keeps the state of ratelimit(), so it cannot also hold int64\n"
	    "    1 | BEGIN { $p = ratelimit(@rl[1], 10, 5); @rl[2] = 1; }\n"
	    "      |                                        ^~~~~~~~~~\n"
	    "-e:1:24: NOTE: ratelimit() uses it here\n"
	    "    1 | BEGIN { $p = ratelimit(@rl[1], 10, 5); @rl[2] = 1; }\n"
	    "      |                        ^~~~~~\n");
	expect_ok("#define RATE 10\nlet @rl = lruhash(10); BEGIN { $p = ratelimit(@rl[1], RATE, 5); $q = ratelimit(@all, 1, 1); }");
}

static void test_hash_arguments(void **state)
{
	(void)state;
	expect_diags("BEGIN { $h = hash(1, comm); }",
	    "-e:1:22: ERROR: hash() takes integers and addresses (inet), got string[16]\n"
	    "    1 | BEGIN { $h = hash(1, comm); }\n"
	    "      |                      ^~~~\n");
	expect_ok("BEGIN { $h = hash(1, 10.0.0.1, fd00::1, (int8)-1, curtask) % 4; }");
}

static void test_print_value_top_div(void **state)
{
	(void)state;
	expect_diags("BEGIN { print(1, 2); }",
	    "-e:1:15: ERROR: print() of a value takes no top or div arguments\n"
	    "    1 | BEGIN { print(1, 2); }\n"
	    "      |               ^\n");
}

static void test_print_map_element_top(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; print(@m[1], 5); }",
	    "-e:1:26: ERROR: print() of a value takes no top or div arguments\n"
	    "    1 | BEGIN { @m[1] = 1; print(@m[1], 5); }\n"
	    "      |                          ^~~~~\n");
}

static void test_clear_needs_whole_map(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; clear(@m[1]); }",
	    "-e:1:26: ERROR: clear() needs a whole map, as in clear(@name)\n"
	    "    1 | BEGIN { @m[1] = 1; clear(@m[1]); }\n"
	    "      |                          ^~~~~\n");
}

static void test_zero_needs_whole_map(void **state)
{
	(void)state;
	expect_diags("BEGIN { zero(1); }",
	    "-e:1:14: ERROR: zero() needs a whole map, as in zero(@name)\n"
	    "    1 | BEGIN { zero(1); }\n"
	    "      |              ^\n");
}

static void test_print_negative_top(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; print(@m, -1); }",
	    "-e:1:30: ERROR: print()'s top argument must not be negative\n"
	    "    1 | BEGIN { @m[1] = 1; print(@m, -1); }\n"
	    "      |                              ^~\n");
}

static void test_print_top_not_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; $n = 5; print(@m, $n); }",
	    "-e:1:38: ERROR: print()'s top and div arguments must be an integer literal\n"
	    "    1 | BEGIN { @m[1] = 1; $n = 5; print(@m, $n); }\n"
	    "      |                                      ^~\n");
}

static void test_delete_needs_map_element(void **state)
{
	(void)state;
	expect_diags("BEGIN { delete(1); }",
	    "-e:1:16: ERROR: delete() needs a map element or a map and a key, as in "
	    "delete(@m[key]) or delete(@m, key)\n"
	    "    1 | BEGIN { delete(1); }\n"
	    "      |                ^\n");
}

static void test_sum_of_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = sum(\"a\"); }",
	    "-e:1:18: ERROR: sum() needs an integer, got string[2]\n"
	    "    1 | BEGIN { @m = sum(\"a\"); }\n"
	    "      |                  ^~~\n");
}

static void test_hist_of_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = hist(comm); }",
	    "-e:1:19: ERROR: hist() needs an integer, got string[16]\n"
	    "    1 | BEGIN { @m = hist(comm); }\n"
	    "      |                   ^~~~\n");
}

/* The diagnostics of `src` under config unstable_tseries = `word` (an
 * index in unstable_names) */
static void expect_diags_tseries(const char *src, uint32_t word, const char *want)
{
	struct compile_options o;
	compile_default_options(&o);
	o.unstable_tseries = word;
	struct compile_run r;
	compile_run_opts(&r, src, &o);
	assert_string_equal(compile_diags(&r), want);
	compile_fini(&r);
}

/* tseries() (bpftrace 0.26): its arguments on the map; unsigned inputs
 * (nsecs, pid) stay unsigned, as the printer shows them */
static void test_tseries_arguments(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @a = tseries(-1, 100ms, 20); "
					 "@m[1] = tseries(nsecs, 1000, 1365, \"max\"); "
					 "@v = tseries(pid, 1s, 1, \"avg\"); }"),
			 0);
	struct map_info *a = compile_map(&r, "@a"), *m = compile_map(&r, "@m"),
			*v = compile_map(&r, "@v");
	assert_int_equal(a->agg, AGG_TSERIES);
	assert_int_type(a->value, true, 8);
	assert_int_equal(a->tseries_interval_ns, 100000000);
	assert_int_equal(a->tseries_nintervals, 20);
	assert_int_equal(a->tseries_agg, TSERIES_LAST);
	assert_int_type(m->value, false, 8);
	assert_int_equal(m->tseries_interval_ns, 1000);
	assert_int_equal(m->tseries_nintervals, 1365);
	assert_int_equal(m->tseries_agg, TSERIES_MAX);
	assert_int_type(v->value, false, 8);
	assert_int_equal(v->tseries_agg, TSERIES_AVG);
	compile_fini(&r);
}

static void test_tseries_errors(void **state)
{
	(void)state;
	expect_diags("BEGIN { @t = tseries(comm, 1s, 5); }",
	    "-e:1:22: ERROR: tseries() needs an integer, got string[16]\n"
	    "    1 | BEGIN { @t = tseries(comm, 1s, 5); }\n"
	    "      |                      ^~~~\n");
	expect_diags("BEGIN { $i = 1; @t = tseries(1, $i, 5); }",
	    "-e:1:33: ERROR: tseries: invalid interval_ns value (must be non-negative literal)\n"
	    "    1 | BEGIN { $i = 1; @t = tseries(1, $i, 5); }\n"
	    "      |                                 ^~\n");
	expect_diags("BEGIN { @t = tseries(1, 1s, pid); }",
	    "-e:1:29: ERROR: tseries: invalid num_intervals value (must be non-negative literal)\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, pid); }\n"
	    "      |                             ^~~\n");
	expect_diags("BEGIN { @t = tseries(1, 0, 5); }",
	    "-e:1:25: ERROR: tseries() interval_ns must be >= 1 (0 provided)\n"
	    "    1 | BEGIN { @t = tseries(1, 0, 5); }\n"
	    "      |                         ^\n");
	expect_diags("BEGIN { @t = tseries(1, 1s, -3); }",
	    "-e:1:29: ERROR: tseries() num_intervals must be >= 1 (-3 provided)\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, -3); }\n"
	    "      |                             ^~\n");
	expect_diags("BEGIN { @t = tseries(1, 1s, 1000001); }",
	    "-e:1:29: ERROR: tseries() num_intervals must be < 1000000 (1000001 provided)\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 1000001); }\n"
	    "      |                             ^~~~~~~\n");
	/* past 1365 intervals, an element each: no one element per key */
	expect_diags("BEGIN { @t[1] = tseries(1, 1s, 1366); delete(@t[1]); }",
	    "-e:1:17: WARNING: Script is using an unstable feature: tseries. To prevent this "
	    "warning you must explicitly enable it in the config e.g. unstable_tseries=enable\n"
	    "    1 | BEGIN { @t[1] = tseries(1, 1s, 1366); delete(@t[1]); }\n"
	    "      |                 ^~~~~~~\n"
	    "-e:1:46: ERROR: delete() of map '@t' is not supported: its tseries() keeps more "
	    "than 1365 intervals, each under a key of its own\n"
	    "    1 | BEGIN { @t[1] = tseries(1, 1s, 1366); delete(@t[1]); }\n"
	    "      |                                              ^~~~~\n");
	expect_diags("BEGIN { @t = tseries(1, 1s, 5, \"med\"); }",
	    "-e:1:32: ERROR: tseries() expects one of the following aggregation functions: avg, "
	    "max, min, sum (\"med\" provided)\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 5, \"med\"); }\n"
	    "      |                                ^~~~~\n");
	expect_diags("BEGIN { @t = tseries(1, 1s, 5, comm); }",
	    "-e:1:32: ERROR: tseries() needs a string literal aggregation function: avg, max, min "
	    "or sum\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 5, comm); }\n"
	    "      |                                ^~~~\n");
	expect_diags_tseries("BEGIN { @t = tseries(1, 1s, 5); } END { @t = tseries(2, 1s, 5, \"sum\"); }",
	    UNSTABLE_ENABLE,
	    "-e:1:46: ERROR: map '@t' is a tseries with other arguments elsewhere\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 5); } END { @t = tseries(2, 1s, 5, \"sum\"); }\n"
	    "      |                                              ^~~~~~~\n"
	    "-e:1:14: NOTE: first used here\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 5); } END { @t = tseries(2, 1s, 5, \"sum\"); }\n"
	    "      |              ^~~~~~~\n");
	expect_diags_tseries("BEGIN { @t = tseries(1, 1s, 5); $x = @t + 1; }", UNSTABLE_ENABLE,
	    "-e:1:38: ERROR: map '@t' holds tseries(), which is per-CPU and can only be read when "
	    "printed\n"
	    "    1 | BEGIN { @t = tseries(1, 1s, 5); $x = @t + 1; }\n"
	    "      |                                      ^~\n");
}

/* bpftrace 0.26 calls tseries unstable: a warning at the first use by
 * default, nothing with unstable_tseries = enable (or true), an error at
 * each use with error (or false) */
static void test_tseries_unstable(void **state)
{
	(void)state;
	expect_diags("BEGIN { @a = tseries(1, 1s, 5); @b = tseries(1, 1s, 5); }",
	    "-e:1:14: WARNING: Script is using an unstable feature: tseries. To prevent this "
	    "warning you must explicitly enable it in the config e.g. unstable_tseries=enable\n"
	    "    1 | BEGIN { @a = tseries(1, 1s, 5); @b = tseries(1, 1s, 5); }\n"
	    "      |              ^~~~~~~\n");
	expect_diags_tseries("BEGIN { @a = tseries(1, 1s, 5); }", UNSTABLE_ENABLE, "");
	expect_diags_tseries("BEGIN { @a = tseries(1, 1s, 5); }", 3 /* true */, "");
	static const char refused[] =
	    "-e:1:14: ERROR: tseries feature is not enabled by default. To enable this unstable "
	    "feature, set the config flag to enable. unstable_tseries=enable\n"
	    "    1 | BEGIN { @a = tseries(1, 1s, 5); }\n"
	    "      |              ^~~~~~~\n";
	expect_diags_tseries("BEGIN { @a = tseries(1, 1s, 5); }", UNSTABLE_ERROR, refused);
	expect_diags_tseries("BEGIN { @a = tseries(1, 1s, 5); }", 4 /* false */, refused);
}

static void test_lhist_bound_not_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { $lo = 0; @m = lhist(1, $lo, 10, 1); }",
	    "-e:1:32: ERROR: lhist() min must be an integer literal\n"
	    "    1 | BEGIN { $lo = 0; @m = lhist(1, $lo, 10, 1); }\n"
	    "      |                                ^~~\n");
}

static void test_lhist_min_above_max(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = lhist(1, 10, 0, 1); }",
	    "-e:1:14: ERROR: lhist() needs min < max and step > 0 (got 10, 0, 1)\n"
	    "    1 | BEGIN { @m = lhist(1, 10, 0, 1); }\n"
	    "      |              ^~~~~\n");
}

static void test_lhist_zero_step(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = lhist(1, 0, 10, 0); }",
	    "-e:1:14: ERROR: lhist() needs min < max and step > 0 (got 0, 10, 0)\n"
	    "    1 | BEGIN { @m = lhist(1, 0, 10, 0); }\n"
	    "      |              ^~~~~\n");
}

static void test_lhist_too_many_buckets(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = lhist(1, 0, 100000, 1); }",
	    "-e:1:14: ERROR: lhist() would have 100000 buckets; at most 1000 are allowed\n"
	    "    1 | BEGIN { @m = lhist(1, 0, 100000, 1); }\n"
	    "      |              ^~~~~\n");
}

static void test_lhist_other_bounds(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN { @m = lhist(1, 0, 10, 1); }\n"
	    "interval:s:1 { @m = lhist(2, 0, 20, 1); }",
	    "-e:2:21: ERROR: map '@m' is an lhist with other bounds elsewhere\n"
	    "    2 | interval:s:1 { @m = lhist(2, 0, 20, 1); }\n"
	    "      |                     ^~~~~\n"
	    "-e:1:14: NOTE: first used here\n"
	    "    1 | BEGIN { @m = lhist(1, 0, 10, 1); }\n"
	    "      |              ^~~~~\n");
}

static void test_map_keyed_then_unkeyed(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; @m = 2; }",
	    "-e:1:20: ERROR: map '@m' is used without keys here but with keys elsewhere\n"
	    "    1 | BEGIN { @m[1] = 1; @m = 2; }\n"
	    "      |                    ^~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m[1] = 1; @m = 2; }\n"
	    "      |         ^~~~~\n");
}

static void test_map_unkeyed_then_keyed(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; @m[1] = 2; }",
	    "-e:1:17: ERROR: map '@m' is used with keys here but without keys elsewhere\n"
	    "    1 | BEGIN { @m = 1; @m[1] = 2; }\n"
	    "      |                 ^~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m = 1; @m[1] = 2; }\n"
	    "      |         ^~\n");
}

static void test_map_key_type_differs(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1] = 1; @m[\"a\"] = 2; }",
	    "-e:1:20: ERROR: map '@m' key has type string[2] here but int64 elsewhere\n"
	    "    1 | BEGIN { @m[1] = 1; @m[\"a\"] = 2; }\n"
	    "      |                    ^~~~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m[1] = 1; @m[\"a\"] = 2; }\n"
	    "      |         ^~~~~\n");
}

static void test_map_key_arity_differs(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[1, comm] = 1; @m[1] = 2; }",
	    "-e:1:26: ERROR: map '@m' key has type int64 here but (int64, string[16]) elsewhere\n"
	    "    1 | BEGIN { @m[1, comm] = 1; @m[1] = 2; }\n"
	    "      |                          ^~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m[1, comm] = 1; @m[1] = 2; }\n"
	    "      |         ^~~~~~~~~~~\n");
}

static void test_map_kind_assignment_then_count(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; @m = count(); }",
	    "-e:1:22: ERROR: map '@m' holds count() here but plain values elsewhere\n"
	    "    1 | BEGIN { @m = 1; @m = count(); }\n"
	    "      |                      ^~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m = 1; @m = count(); }\n"
	    "      |         ^~~~~~\n");
}

static void test_map_kind_count_then_assignment(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = count(); @m = 1; }",
	    "-e:1:23: ERROR: map '@m' holds plain values here but count() elsewhere\n"
	    "    1 | BEGIN { @m = count(); @m = 1; }\n"
	    "      |                       ^~~~~~\n"
	    "-e:1:14: NOTE: first used here\n"
	    "    1 | BEGIN { @m = count(); @m = 1; }\n"
	    "      |              ^~~~~\n");
}

static void test_map_kind_count_then_sum(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = count(); @m = sum(1); }",
	    "-e:1:28: ERROR: map '@m' holds sum() here but count() elsewhere\n"
	    "    1 | BEGIN { @m = count(); @m = sum(1); }\n"
	    "      |                            ^~~\n"
	    "-e:1:14: NOTE: first used here\n"
	    "    1 | BEGIN { @m = count(); @m = sum(1); }\n"
	    "      |              ^~~~~\n");
}

static void test_map_value_type_differs(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; @m = \"s\"; }",
	    "-e:1:17: ERROR: map '@m' holds string[2] here but int64 elsewhere\n"
	    "    1 | BEGIN { @m = 1; @m = \"s\"; }\n"
	    "      |                 ^~~~~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m = 1; @m = \"s\"; }\n"
	    "      |         ^~~~~~\n");
}

static void test_map_value_tuple_vs_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; @m = (1, 2); }",
	    "-e:1:17: ERROR: map '@m' holds (int64, int64) here but int64 elsewhere\n"
	    "    1 | BEGIN { @m = 1; @m = (1, 2); }\n"
	    "      |                 ^~~~~~~~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m = 1; @m = (1, 2); }\n"
	    "      |         ^~~~~~\n");
}

static void test_map_aggregation_read(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = hist(1); $x = @m; }",
	    "-e:1:28: ERROR: map '@m' holds hist(), which is per-CPU and can only be read when printed\n"
	    "    1 | BEGIN { @m = hist(1); $x = @m; }\n"
	    "      |                            ^~\n");
}

static void test_map_read_never_assigned(void **state)
{
	(void)state;
	expect_diags("BEGIN { @x = @y; }",
	    "-e:1:14: ERROR: map '@y' is used but never assigned\n"
	    "    1 | BEGIN { @x = @y; }\n"
	    "      |              ^~\n");
}

static void test_map_key_without_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m[count()] = 1; }",
	    "-e:1:12: ERROR: count() must be assigned to a map, as in @x = count()\n"
	    "    1 | BEGIN { @m[count()] = 1; }\n"
	    "      |            ^~~~~\n");
}

static void test_map_compound_with_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = 1; @m += \"a\"; }",
	    "-e:1:23: ERROR: operator '+=' needs an integer, got string[2]\n"
	    "    1 | BEGIN { @m = 1; @m += \"a\"; }\n"
	    "      |                       ^~~\n");
}

/* the note points into the other probe, on its own line */
static void test_map_errors_across_probes(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN { @m[1] = count(); }\n"
	    "END { @m[\"x\"] = count(); }",
	    "-e:2:7: ERROR: map '@m' key has type string[2] here but int64 elsewhere\n"
	    "    2 | END { @m[\"x\"] = count(); }\n"
	    "      |       ^~~~~~~\n"
	    "-e:1:9: NOTE: first used here\n"
	    "    1 | BEGIN { @m[1] = count(); }\n"
	    "      |         ^~~~~\n");
}

static void test_variable_read_before_assignment(void **state)
{
	(void)state;
	expect_diags("BEGIN { $y = $x + 1; }",
	    "-e:1:14: ERROR: variable '$x' is used before it is assigned\n"
	    "    1 | BEGIN { $y = $x + 1; }\n"
	    "      |              ^~\n");
}

static void test_variable_compound_before_assignment(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x += 1; }",
	    "-e:1:9: ERROR: variable '$x' is used before it is assigned\n"
	    "    1 | BEGIN { $x += 1; }\n"
	    "      |         ^~\n");
}

static void test_variable_increment_before_assignment(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x++; }",
	    "-e:1:9: ERROR: variable '$x' is used before it is assigned\n"
	    "    1 | BEGIN { $x++; }\n"
	    "      |         ^~\n");
}

/* a variable whose value was an error is not reported again where it is
 * used: one error, not one per use */
static void test_variable_after_failed_assignment(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = nosuch; $x++; $x += 1; $y = $x + 1; printf(\"%d\", $x); }",
	    "-e:1:14: ERROR: unknown identifier 'nosuch'\n"
	    "    1 | BEGIN { $x = nosuch; $x++; $x += 1; $y = $x + 1; printf(\"%d\", $x); }\n"
	    "      |              ^~~~~~\n");
	expect_diags("BEGIN { $x = printf(\"a\"); $y = $x; }",
	    "-e:1:14: ERROR: printf() has no value; use it as a statement\n"
	    "    1 | BEGIN { $x = printf(\"a\"); $y = $x; }\n"
	    "      |              ^~~~~~\n");
}

static void test_variable_type_differs(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = 1; $x = \"a\"; }",
	    "-e:1:17: ERROR: variable '$x' holds string[2] here but int64 elsewhere\n"
	    "    1 | BEGIN { $x = 1; $x = \"a\"; }\n"
	    "      |                 ^~~~~~~~\n"
	    "-e:1:9: NOTE: first assigned here\n"
	    "    1 | BEGIN { $x = 1; $x = \"a\"; }\n"
	    "      |         ^~\n");
}

static void test_variable_compound_on_strings(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = \"a\"; $x += \"b\"; }",
	    "-e:1:19: ERROR: operator '+=' needs an integer variable, '$x' holds string[2]\n"
	    "    1 | BEGIN { $x = \"a\"; $x += \"b\"; }\n"
	    "      |                   ^~~~~~~~~\n");
}

static void test_variable_assigned_no_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = count(); }",
	    "-e:1:14: ERROR: count() must be assigned to a map, as in @x = count()\n"
	    "    1 | BEGIN { $x = count(); }\n"
	    "      |              ^~~~~\n");
}

/* scratch variables do not survive from one probe to the next */
static void test_variable_scope_is_the_probe(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN { $x = 1; }\n"
	    "END { $y = $x; }",
	    "-e:2:12: ERROR: variable '$x' is used before it is assigned\n"
	    "    2 | END { $y = $x; }\n"
	    "      |            ^~\n");
}

static void test_increment_string_variable(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = \"a\"; $x++; }",
	    "-e:1:19: ERROR: '++' needs an integer variable\n"
	    "    1 | BEGIN { $x = \"a\"; $x++; }\n"
	    "      |                   ^~\n");
}

static void test_increment_non_lvalue(void **state)
{
	(void)state;
	expect_diags("BEGIN { 1++; }",
	    "-e:1:9: ERROR: '++' needs a $variable or @map\n"
	    "    1 | BEGIN { 1++; }\n"
	    "      |         ^\n");
}

static void test_tuple_element_out_of_range(void **state)
{
	(void)state;
	expect_diags("BEGIN { $t = (1, \"a\"); $x = $t.2; }",
	    "-e:1:32: ERROR: tuple (int64, string[2]) has no element '2'\n"
	    "    1 | BEGIN { $t = (1, \"a\"); $x = $t.2; }\n"
	    "      |                                ^\n");
}

static void test_tuple_element_not_a_number(void **state)
{
	(void)state;
	expect_diags("BEGIN { $t = (1, \"a\"); $x = $t.x; }",
	    "-e:1:32: ERROR: tuple (int64, string[2]) has no element 'x'\n"
	    "    1 | BEGIN { $t = (1, \"a\"); $x = $t.x; }\n"
	    "      |                                ^\n");
}

static void test_field_of_integer(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = 1; $y = $x.foo; }",
	    "-e:1:22: ERROR: cannot access field 'foo' of a value of type int64\n"
	    "    1 | BEGIN { $x = 1; $y = $x.foo; }\n"
	    "      |                      ^~~~~~\n");
}

static void test_compare_string_with_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = comm == 1; }",
	    "-e:1:14: ERROR: cannot compare string[16] with int64\n"
	    "    1 | BEGIN { $x = comm == 1; }\n"
	    "      |              ^~~~~~~~~\n");
}

static void test_compare_tuples(void **state)
{
	(void)state;
	/* bpftrace 0.26 compares tuples element by element */
	expect_diags("BEGIN { $x = (1, 2) == (1, \"a\"); }",
	    "-e:1:14: ERROR: cannot compare (int64, int64) with (int64, string[2]): tuples compare element by element, so their elements must be of the same kinds\n"
	    "    1 | BEGIN { $x = (1, 2) == (1, \"a\"); }\n"
	    "      |              ^~~~~~~~~~~~~~~~~~\n");
}

static void test_logical_and_string_lhs(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = comm && 1; }",
	    "-e:1:14: ERROR: operator '&&' needs integer operands, got string[16]\n"
	    "    1 | BEGIN { $x = comm && 1; }\n"
	    "      |              ^~~~\n");
}

static void test_logical_or_string_rhs(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = 1 || comm; }",
	    "-e:1:19: ERROR: operator '||' needs integer operands, got string[16]\n"
	    "    1 | BEGIN { $x = 1 || comm; }\n"
	    "      |                   ^~~~\n");
}

static void test_arithmetic_string_lhs(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = \"a\" + 1; }",
	    "-e:1:14: ERROR: operator '+' needs integer operands, got string[2]\n"
	    "    1 | BEGIN { $x = \"a\" + 1; }\n"
	    "      |              ^~~\n");
}

static void test_arithmetic_string_rhs(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = 1 << comm; }",
	    "-e:1:19: ERROR: operator '<<' needs integer operands, got string[16]\n"
	    "    1 | BEGIN { $x = 1 << comm; }\n"
	    "      |                   ^~~~\n");
}

static void test_relational_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = comm < \"b\"; }",
	    "-e:1:14: ERROR: operator '<' needs integer operands, got string[16]\n"
	    "    1 | BEGIN { $x = comm < \"b\"; }\n"
	    "      |              ^~~~\n");
}

static void test_unary_minus_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = -comm; }",
	    "-e:1:15: ERROR: operator '-' needs an integer, got string[16]\n"
	    "    1 | BEGIN { $x = -comm; }\n"
	    "      |               ^~~~\n");
}

static void test_unary_not_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = !comm; }",
	    "-e:1:15: ERROR: operator '!' needs an integer, got string[16]\n"
	    "    1 | BEGIN { $x = !comm; }\n"
	    "      |               ^~~~\n");
}

static void test_unary_bnot_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = ~comm; }",
	    "-e:1:15: ERROR: operator '~' needs an integer, got string[16]\n"
	    "    1 | BEGIN { $x = ~comm; }\n"
	    "      |               ^~~~\n");
}

static void test_deref_needs_pointer(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = *comm; }",
	    "-e:1:15: ERROR: operator '*' needs a pointer or an address, got string[16]\n"
	    "    1 | BEGIN { $x = *comm; }\n"
	    "      |               ^~~~\n");
}

static void test_address_of_needs_variable(void **state)
{
	(void)state;
	expect_diags("BEGIN { $y = 1; $x = &($y + 1); }",
	    "-e:1:24: ERROR: operator '&' takes the address of a $variable only, as in &$x\n"
	    "    1 | BEGIN { $y = 1; $x = &($y + 1); }\n"
	    "      |                        ^~~~~~\n");
}

static void test_pointer_difference_refused(void **state)
{
	(void)state;
	expect_diags("BEGIN { $p = (int8 *)8; $x = 1 - $p; }",
	    "-e:1:30: ERROR: operator '-' cannot be used on int64 and int8 *; a pointer only moves "
	    "by an integer (p + n, p - n); cast it to uint64 to compute with its address\n"
	    "    1 | BEGIN { $p = (int8 *)8; $x = 1 - $p; }\n"
	    "      |                              ^~~~~~\n");
}

static void test_uptr_needs_address(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = kptr(comm); }",
	    "-e:1:19: ERROR: kptr() needs a pointer or an integer address, got string[16]\n"
	    "    1 | BEGIN { $x = kptr(comm); }\n"
	    "      |                   ^~~~\n");
}

static void test_ternary_condition_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = comm ? 1 : 2; }",
	    "-e:1:14: ERROR: condition must be an integer, got string[16]\n"
	    "    1 | BEGIN { $x = comm ? 1 : 2; }\n"
	    "      |              ^~~~\n");
}

static void test_ternary_branches_differ(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = pid ? 1 : \"a\"; }",
	    "-e:1:14: ERROR: branches of '?:' have different types, int64 and string[2]\n"
	    "    1 | BEGIN { $x = pid ? 1 : \"a\"; }\n"
	    "      |              ^~~~~~~~~~~~~\n");
}

static void test_cast_string_to_int(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = (uint8)comm; }",
	    "-e:1:14: ERROR: cannot cast string[16] to uint8\n"
	    "    1 | BEGIN { $x = (uint8)comm; }\n"
	    "      |              ^~~~~~~~~~~\n");
}

static void test_cast_to_unknown_struct(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = (struct no_such_struct *)curtask; }",
	    "-e:1:14: ERROR: the kernel has no type 'struct no_such_struct'\n"
	    "    1 | BEGIN { $x = (struct no_such_struct *)curtask; }\n"
	    "      |              ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_cast_string_to_struct_pointer(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = (struct task_struct *)comm; }",
	    "-e:1:14: ERROR: cannot cast string[16] to struct task_struct *\n"
	    "    1 | BEGIN { $x = (struct task_struct *)comm; }\n"
	    "      |              ^~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

static void test_unknown_struct_field(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = curtask->pidd; }",
	    "-e:1:23: ERROR: struct task_struct has no field 'pidd'\n"
	    "    1 | BEGIN { $x = curtask->pidd; }\n"
	    "      |                       ^~~~\n"
	    "NOTE: did you mean 'pid'?\n");
}

static void test_index_out_of_bounds(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = comm[20]; }",
	    "-e:1:19: ERROR: the index 20 is out of bounds for string of size 16\n"
	    "    1 | BEGIN { $x = comm[20]; }\n"
	    "      |                   ^~\n");
}

/* a warning alone does not fail sema */
static void test_unused_value_warning(void **state)
{
	(void)state;
	expect_diags("BEGIN { 1 + 2; }",
	    "-e:1:9: WARNING: this expression's value is not used\n"
	    "    1 | BEGIN { 1 + 2; }\n"
	    "      |         ^~~~~\n");
}

static void test_unused_builtin_warning(void **state)
{
	(void)state;
	expect_diags("BEGIN { pid; }",
	    "-e:1:9: WARNING: this expression's value is not used\n"
	    "    1 | BEGIN { pid; }\n"
	    "      |         ^~~\n");
}

static void test_verdict_outside_packet_probe(void **state)
{
	(void)state;
	expect_diags("BEGIN { drop; }",
	    "-e:1:9: ERROR: 'drop;' is a packet verdict; it is only allowed in xdp and tc probes, not in BEGIN probes\n"
	    "    1 | BEGIN { drop; }\n"
	    "      |         ^~~~\n");
}

static void test_pass_outside_packet_probe(void **state)
{
	(void)state;
	expect_diags("tracepoint:sched:sched_switch { pass; }",
	    "-e:1:33: ERROR: 'pass;' is a packet verdict; it is only allowed in xdp and tc probes, not in tracepoint probes\n"
	    "    1 | tracepoint:sched:sched_switch { pass; }\n"
	    "      |                                 ^~~~\n");
}

static void test_unknown_statement_identifier(void **state)
{
	(void)state;
	expect_diags("BEGIN { foo; }",
	    "-e:1:9: ERROR: unknown identifier 'foo'\n"
	    "    1 | BEGIN { foo; }\n"
	    "      |         ^~~\n");
}

static void test_if_condition_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { if (comm) { exit(); } }",
	    "-e:1:13: ERROR: an if condition must be an integer, got string[16]\n"
	    "    1 | BEGIN { if (comm) { exit(); } }\n"
	    "      |             ^~~~\n");
}

static void test_while_condition_string(void **state)
{
	(void)state;
	expect_diags("BEGIN { while (\"a\") { exit(); } }",
	    "-e:1:16: ERROR: a while condition must be an integer, got string[2]\n"
	    "    1 | BEGIN { while (\"a\") { exit(); } }\n"
	    "      |                ^~~\n");
}

static void test_predicate_string(void **state)
{
	(void)state;
	expect_diags("BEGIN /comm/ { exit(); }",
	    "-e:1:8: ERROR: a predicate must be an integer, got string[16]\n"
	    "    1 | BEGIN /comm/ { exit(); }\n"
	    "      |        ^~~~\n");
}

static void test_unroll_count_not_literal(void **state)
{
	(void)state;
	expect_diags("BEGIN { $n = 2; unroll($n) { exit(); } }",
	    "-e:1:24: ERROR: unroll's count must be an integer literal\n"
	    "    1 | BEGIN { $n = 2; unroll($n) { exit(); } }\n"
	    "      |                        ^~\n");
}

static void test_unroll_count_zero(void **state)
{
	(void)state;
	expect_diags("BEGIN { unroll(0) { exit(); } }",
	    "-e:1:16: ERROR: unroll minimum value is 1, got 0\n"
	    "    1 | BEGIN { unroll(0) { exit(); } }\n"
	    "      |                ^\n");
}

static void test_unroll_count_too_large(void **state)
{
	(void)state;
	expect_diags("BEGIN { unroll(101) { exit(); } }",
	    "-e:1:16: ERROR: unroll maximum value is 100, got 101\n"
	    "    1 | BEGIN { unroll(101) { exit(); } }\n"
	    "      |                ^~~\n");
}

static void test_break_outside_loop(void **state)
{
	(void)state;
	expect_diags("BEGIN { break; }",
	    "-e:1:9: ERROR: 'break' outside of a while loop\n"
	    "    1 | BEGIN { break; }\n"
	    "      |         ^~~~~\n");
}

static void test_continue_outside_loop(void **state)
{
	(void)state;
	expect_diags("BEGIN { if (pid) { continue; } }",
	    "-e:1:20: ERROR: 'continue' outside of a while loop\n"
	    "    1 | BEGIN { if (pid) { continue; } }\n"
	    "      |                    ^~~~~~~~\n");
}

/* unroll is not a loop one can break out of */
static void test_break_in_unroll(void **state)
{
	(void)state;
	expect_diags("BEGIN { unroll(2) { break; } }",
	    "-e:1:21: ERROR: 'break' outside of a while loop\n"
	    "    1 | BEGIN { unroll(2) { break; } }\n"
	    "      |                     ^~~~~\n");
}

static void test_for_over_aggregation(void **state)
{
	(void)state;
	/* count() and the like are read over all CPUs; a histogram is not */
	expect_diags("BEGIN { @m[1] = hist(1); for ($kv : @m) { exit(); } }",
	    "-e:1:37: ERROR: map '@m' holds hist(), which is per-CPU; 'for' iterates maps of plain values and of count, sum, min, max and avg (with bpf_map_lookup_percpu_elem, Linux 5.19)\n"
	    "    1 | BEGIN { @m[1] = hist(1); for ($kv : @m) { exit(); } }\n"
	    "      |                                     ^~\n");
}

static void test_func_needs_a_function_probe(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = func; }",
	    "-e:1:14: ERROR: 'func' is not available in BEGIN probes\n"
	    "    1 | BEGIN { $x = func; }\n"
	    "      |              ^~~~\n");
}

static void test_time_has_no_value(void **state)
{
	(void)state;
	expect_diags("BEGIN { $x = time(); }",
	    "-e:1:14: ERROR: time() has no value; use it as a statement\n"
	    "    1 | BEGIN { $x = time(); }\n"
	    "      |              ^~~~\n");
}

static void test_signal_unknown_name(void **state)
{
	(void)state;
	expect_diags_unsafe("BEGIN { signal(\"SIGFOO\"); }",
	    "-e:1:16: ERROR: signal(): unknown signal 'SIGFOO'\n"
	    "    1 | BEGIN { signal(\"SIGFOO\"); }\n"
	    "      |                ^~~~~~~~\n");
}

static void test_struct_value_is_copied(void **state)
{
	(void)state;
	expect_ok("BEGIN { $x = curtask->se; @m = $x.load; print($x.load.weight); }");
}

static void test_for_nested(void **state)
{
	(void)state;
	/* ranges and maps nest either way; each loop's variable is its own */
	expect_ok("BEGIN { @m[1] = 1; for ($a : @m) { for ($b : @m) { for ($i : 0..$a.0) { "
	          "for ($j : $i..2) { for ($c : @m) { @n[$a.0, $b.1, $i, $j, $c.0] = 1; } } } } "
	          "} }");
	expect_diags("BEGIN { @m[1] = 1; for ($a : @m) { for ($a : 0..2) { } } }",
	             "-e:1:41: ERROR: variable '$a' is already used in this probe\n"
	             "    1 | BEGIN { @m[1] = 1; for ($a : @m) { for ($a : 0..2) { } } }\n"
	             "      |                                         ^~\n");
}

/* every loop's body, and len()'s count, is one more callback frame of
 * the kernel's 8 */
static void test_for_nesting_limit(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN { for ($a : 0..2) { for ($b : 0..2) { for ($c : 0..2) { for ($d : 0..2) "
	    "{ for ($e : 0..2) { for ($f : 0..2) { for ($g : 0..2) { for ($h : 0..2) { } "
	    "} } } } } } } }",
	    "-e:1:135: ERROR: 'for' loops nest at most 7 deep: each body runs as a callback of the "
	    "loop around it, and the kernel allows a program 8 frames of calls\n"
	    "    1 | ...r ($e : 0..2) { for ($f : 0..2) { for ($g : 0..2) { for ($h : 0..2) { } } "
	    "} } } } } } }\n"
	    "      |                                                        ^~~~~~~~~~~~~~~~~~~\n");
	expect_diags("BEGIN { @m[1] = 1; for ($a : 0..2) { for ($b : 0..2) { for ($c : 0..2) { for "
	             "($d : 0..2) { for ($e : 0..2) { for ($f : @m) { for ($g : 0..2) { @n = "
	             "len(@m); } } } } } } } }",
	             "-e:1:149: ERROR: len() counts with a callback, which inside 7 nested 'for' "
	             "loops would be a frame of calls more than the kernel allows a program (8)\n"
	             "    1 | ...$e : 0..2) { for ($f : @m) { for ($g : 0..2) { @n = len(@m); } } "
	             "} } } } } }\n"
	             "      |                                                        ^~~\n");
}

/* checking goes on after an error, across lines and probes */
static void test_several_errors_in_one_run(void **state)
{
	(void)state;
	expect_diags(
	    "BEGIN {\n"
	    "  $x = foo;\n"
	    "  @m = count();\n"
	    "}\n"
	    "interval:s:1 { @m = 1; printf(\"%d\\n\", comm); }",
	    "-e:2:8: ERROR: unknown identifier 'foo'\n"
	    "    2 |   $x = foo;\n"
	    "      |        ^~~\n"
	    "-e:5:16: ERROR: map '@m' holds plain values here but count() elsewhere\n"
	    "    5 | interval:s:1 { @m = 1; printf(\"%d\\n\", comm); }\n"
	    "      |                ^~~~~~\n"
	    "-e:3:8: NOTE: first used here\n"
	    "    3 |   @m = count();\n"
	    "      |        ^~~~~\n"
	    "-e:5:39: ERROR: %d expects an integer argument, got string[16]\n"
	    "    5 | interval:s:1 { @m = 1; printf(\"%d\\n\", comm); }\n"
	    "      |                                       ^~~~\n");
}

/* ==== programs that must pass ========================================== */

static void test_ok_maps_with_keys_and_tuples(void **state)
{
	(void)state;
	expect_ok("BEGIN { @m[comm] = 1; @m[\"a string longer than sixteen bytes\"] = 2; }");
	expect_ok("BEGIN { @a[pid, comm] = 1; @a[(1, \"x\")] = 2; @ = 3; @k[1] = 4; }");
	expect_ok("BEGIN { $t = (1, \"two\", 3); $u = $t.1; @m[$t] = $t.0; }");
	expect_ok("BEGIN { @m = 1; $x = @m; @s = \"str\"; $s = @s; }");
	expect_ok("BEGIN { @m[1] = 1; delete(@m[1]); print(@m); print(@m, 10); print(@m, 10, 2); "
		  "clear(@m); zero(@m); }");
}

static void test_ok_aggregations(void **state)
{
	(void)state;
	expect_ok("BEGIN { @a[pid, comm] = count(); @b[(pid, comm)] = sum(1); @c = avg(2); "
		  "@d = min(3); @e = max(4); @f = stats(5); @g = hist(6); "
		  "@h = lhist(7, 0, 100, 10); @i = lhist(8, -10, 10, 2); }");
	/* the same aggregation from two probes */
	expect_ok("BEGIN { @c[1] = count(); }\ninterval:s:1 { @c[2] = count(); print(@c); }");
}

static void test_ok_printf_formats(void **state)
{
	(void)state;
	expect_ok("BEGIN { printf(\"plain text, 100%% sure\\n\"); }");
	expect_ok("BEGIN { printf(\"%d %i %u %x %X %o %c\\n\", 1, 2, 3, 4, 5, 6, 65); }");
	expect_ok("BEGIN { printf(\"%p %s %lu %llu %-10s|%5d %%\\n\", curtask, comm, 8, 9, "
		  "\"left\", 10); }");
	expect_ok("BEGIN { printf(\"%05x %hhd %hd %ld %lld %zu\\n\", 1, 2, 3, 4, 5, 6); "
		  "printf(\"%jd %td %+d % d %#x\\n\", 7, 8, 9, 10, 11); "
		  "printf(\"%.3s %10.2s\\n\", comm, \"abc\"); }");
	expect_ok("BEGIN { printf(\"%s\\n\", probe); printf(\"%d %s\\n\", pid, str(comm)); }");
	expect_ok("BEGIN { printf(\"%r\\n\", comm); }");
}

static void test_ok_str_and_tracepoint_args(void **state)
{
	(void)state;
	expect_ok("tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm, "
		  "str(args.filename)); $s = str(args.filename, 16); @[args.flags] = count(); }");
	expect_ok("tracepoint:syscalls:sys_enter_openat { $x = args->dfd; $y = args.mode; }");
	expect_ok("tracepoint:sched:sched_switch { @[args.prev_comm] = count(); "
		  "$p = args.prev_pid + args.next_pid; }");
	expect_ok("tracepoint:sched:sched_process_exec { printf(\"%s\\n\", args.filename); }");
	expect_ok("rawtracepoint:sched_switch { @[arg0, arg1] = count(); }");
}

static void test_ok_string_comparisons(void **state)
{
	(void)state;
	expect_ok("BEGIN { if (comm == \"bash\") { exit(); } $x = comm != \"sh\"; "
		  "$y = \"a\" == \"bcd\"; $z = comm == comm; }");
	expect_ok("tracepoint:sched:sched_switch /args.prev_comm == \"swapper/0\"/ { exit(); }");
}

static void test_ok_ternaries(void **state)
{
	(void)state;
	expect_ok("BEGIN { $x = pid > 100 ? 1 : 2; $s = pid > 1 ? \"yes\" : \"no way\"; "
		  "@m[pid ? comm : \"?\"] = count(); $n = pid ? pid : -1; }");
}

static void test_ok_loops(void **state)
{
	(void)state;
	expect_ok("BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { break; } "
		  "else if ($i == 3) { continue; } else { $i += 1; } } unroll(3) { $i--; } }");
	expect_ok("BEGIN { $i = 0; while ($i < 3) { unroll(2) { $i++; if ($i > 2) { break; } } } }");
	expect_ok("BEGIN { unroll(1) { exit(); } unroll(100) { @c = count(); } }");
}

static void test_ok_casts(void **state)
{
	(void)state;
	expect_ok("BEGIN { $a = (uint8)300; $b = (int16)-1; $c = (u32)pid; $d = (s64)$a; "
		  "$e = (int32)$b + (uint64)1; $f = (u8)(s16)1; }");
}

static void test_ok_compound_assignment_and_incdec(void **state)
{
	(void)state;
	expect_ok("BEGIN { $x = 1; $x += 2; $x -= 1; $x *= 3; $x /= 2; $x %= 5; $x &= 7; "
		  "$x |= 8; $x ^= 1; $x <<= 2; $x >>= 1; $x++; ++$x; $x--; --$x; }");
	expect_ok("BEGIN { @m = 0; @m += 5; @m++; ++@m; @m--; --@m; @k[comm] += 1; @k[comm]++; "
		  "@n++; }");
	expect_ok("BEGIN { $y = 1; $z = $y++ + ++$y; @c[1] = 0; $w = @c[1]++; }");
}

static void test_ok_operators(void **state)
{
	(void)state;
	expect_ok("BEGIN { $x = -1; $y = !$x; $z = ~$x; $w = +$x; "
		  "$v = (1 + 2 * 3 - 4 / 2 % 3) << 1 >> 1 & 0xff | 2 ^ 1; "
		  "$b = $x < 1 || $x <= 2 && $x > 3 || $x >= 4 && $x != 5; }");
	expect_ok("BEGIN { $x = 1_000 + 4K + 1M + 0x10 + 18446744073709551615; }");
}

static void test_ok_predicates(void **state)
{
	(void)state;
	expect_ok("BEGIN /pid > 0 && uid == 0/ { exit(); }");
	expect_ok("tracepoint:sched:sched_switch /args.prev_pid != 0/ { @[args.prev_comm] = count(); }");
	expect_ok("probe tracepoint:sched:sched_switch /args.prev_pid != 0/ < @[args.prev_comm] = "
		  "count(); >");
}

static void test_ok_wildcards_and_multi_spec(void **state)
{
	(void)state;
	expect_ok("tracepoint:syscalls:sys_enter_openat* { @[probe] = count(); "
		  "@f[args.filename] = count(); }");
	expect_ok("tracepoint:syscalls:sys_enter_open,tracepoint:syscalls:sys_enter_openat { "
		  "@f[str(args.filename)] = count(); @g[args.flags] = sum(args.mode); }");
	expect_ok("tracepoint:sched:sched_wakeup, tracepoint:sched:sched_waking { $p = args.prio; "
		  "@[probe, args.pid] = count(); }");
	expect_ok("BEGIN, END { @[probe] = count(); }");
	expect_ok("t:sched:sched_switch, interval:ms:100, i:s:1, profile:hz:99 { @[cpu] = count(); }");
}

static void test_ok_every_provider_and_builtin(void **state)
{
	(void)state;
	expect_ok("BEGIN { @b = nsecs; } END { @x = nsecs - elapsed; $y = rand; $z = curtask; "
		  "$w = cgroup; $v = pid + tid + uid + gid + cpu; $c = comm; $p = probe; }");
	expect_ok("interval:s:1 { exit(); } interval:ms:10 { @i = count(); } "
		  "interval:us:500 { @j = count(); } interval:hz:2 { @k = count(); }");
	expect_ok("profile:hz:99 { @[kstack] = count(); @u[ustack] = count(); @c[cpu] = count(); }");
	expect_ok("rawtracepoint:sched_switch { $a = arg0 + arg1 + arg2 + arg9; }");
	expect_ok("tracepoint:sched:sched_switch { printf(\"%s %d %s\\n\", comm, pid, probe); }");
}

static void test_ok_statements_and_blocks(void **state)
{
	(void)state;
	expect_ok("BEGIN < if (pid > 0) < exit(); > else < return; > >");
	expect_ok("BEGIN { if (pid) { exit(); } else if (tid) { return; } else { @n = 1; } }");
	expect_ok("BEGIN { return; }");
	expect_ok("config = { max_strlen = 128 }\nBEGIN { exit(); }");
}

/* ==== what sema infers ================================================= */

/* A string key takes the size of the longest string it is used with,
 * whichever use comes first. */
static void test_map_string_key_widens(void **state)
{
	(void)state;
	const char *longer = "a string longer than sixteen bytes";
	char *src;
	assert_true(asprintf(&src, "BEGIN { @m[comm] = 1; @m[\"%s\"] = 2; @n[\"%s\"] = 1; "
				   "@n[comm] = 2; }",
			     longer, longer) > 0);
	struct compile_run r;
	assert_int_equal(compile_run(&r, src), 0);
	struct map_info *m = compile_map(&r, "@m"), *n = compile_map(&r, "@n");
	assert_non_null(m);
	assert_non_null(n);
	assert_str_type(m->key, (uint32_t)strlen(longer) + 1);
	assert_str_type(n->key, (uint32_t)strlen(longer) + 1);
	assert_int_type(m->value, true, 8);
	assert_int_equal(m->agg, AGG_NONE);
	compile_fini(&r);
	free(src);
}

static void test_map_tuple_key_unifies_elementwise(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @m[pid, comm] = count(); "
					 "@m[tid, \"a string longer than sixteen\"] = count(); }"),
			 0);
	struct map_info *m = compile_map(&r, "@m");
	assert_non_null(m);
	assert_non_null(m->key);
	assert_int_equal(m->key->kind, TYPE_TUPLE);
	assert_int_equal(m->key->nfields, 2);
	/* pid and tid never exceed 32 bits: the key keeps 4 bytes for them */
	assert_int_type(m->key->fields[0].type, false, 4);
	assert_str_type(m->key->fields[1].type, (uint32_t)strlen("a string longer than sixteen") + 1);
	compile_fini(&r);
}

static void test_count_value_is_uint64(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @c[comm] = count(); @ = count(); }"), 0);
	struct map_info *c = compile_map(&r, "@c"), *anon = compile_map(&r, "@");
	assert_non_null(c);
	assert_non_null(anon);
	assert_int_equal(c->agg, AGG_COUNT);
	assert_int_type(c->value, false, 8);
	assert_str_type(c->key, 16);
	assert_int_equal(anon->agg, AGG_COUNT);
	assert_int_type(anon->value, false, 8);
	assert_null(anon->key);
	compile_fini(&r);
}

static void test_aggregation_kinds_and_inputs(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @s = sum(pid); @a = avg(-1); @mn = min(1); "
					 "@mx = max(nsecs); @st = stats(2); @h = hist(3); "
					 "@l = lhist(4, 10, 90, 5); }"),
			 0);
	static const struct {
		const char *name;
		enum agg_kind agg;
		bool is_signed;
	} want[] = {
	    {"@s", AGG_SUM, false},   {"@a", AGG_AVG, true},   {"@mn", AGG_MIN, true},
	    {"@mx", AGG_MAX, false},  {"@st", AGG_STATS, true}, {"@h", AGG_HIST, true},
	    {"@l", AGG_LHIST, true},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct map_info *m = compile_map(&r, want[i].name);
		assert_non_null(m);
		assert_true(m->has_kind);
		assert_int_equal(m->agg, want[i].agg);
		assert_int_type(m->value, want[i].is_signed, 8);
		assert_null(m->key);
	}
	struct map_info *l = compile_map(&r, "@l");
	assert_int_equal(l->lhist_min, 10);
	assert_int_equal(l->lhist_max, 90);
	assert_int_equal(l->lhist_step, 5);
	compile_fini(&r);
}

/* Maps are numbered in order of first use, across probes. */
static void test_map_indices_follow_first_use(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @b = 1; @a = 2; } END { @c = @a; @b = 3; }"), 0);
	assert_int_equal(r.c.nmaps, 3);
	assert_int_equal(compile_map(&r, "@b")->index, 0);
	assert_int_equal(compile_map(&r, "@a")->index, 1);
	assert_int_equal(compile_map(&r, "@c")->index, 2);
	compile_fini(&r);
}

static void test_variable_types(void **state)
{
	(void)state;
	struct compile_options o;
	compile_default_options(&o);
	o.max_strlen = 128;
	struct compile_run r;
	assert_int_equal(compile_run_opts(&r,
					  "tracepoint:syscalls:sys_enter_openat { $c = comm; "
					  "$f = str(args.filename); $g = str(args.filename, 10); "
					  "$p = probe; $n = pid; $i = -1; $b = (uint8)1; $e = comm == \"a\"; "
					  "$t = (pid, comm); $s = \"short\"; $s = \"a longer string\"; }",
					  &o),
			 0);
	assert_str_type(first_probe_var(&r, "c")->type, 16);
	/* str() reads max_strlen bytes, or the length asked for plus a NUL */
	assert_str_type(first_probe_var(&r, "f")->type, 128);
	assert_str_type(first_probe_var(&r, "g")->type, 11);
	assert_str_type(first_probe_var(&r, "p")->type,
			(uint32_t)strlen("tracepoint:syscalls:sys_enter_openat") + 1);
	assert_int_type(first_probe_var(&r, "n")->type, false, 8);
	assert_int_type(first_probe_var(&r, "i")->type, true, 8);
	/* variables hold integers in 64 bits */
	assert_int_type(first_probe_var(&r, "b")->type, true, 8);
	/* a comparison's bool, laid out as bpftrace 0.17's int64 */
	assert_cmp_bool_type(first_probe_var(&r, "e")->type);
	struct type *t = first_probe_var(&r, "t")->type;
	assert_int_equal(t->kind, TYPE_TUPLE);
	assert_int_equal(t->nfields, 2);
	assert_int_type(t->fields[0].type, false, 8);
	assert_str_type(t->fields[1].type, 16);
	/* a variable assigned strings of two sizes holds the longer */
	assert_str_type(first_probe_var(&r, "s")->type, 16);
	compile_fini(&r);
}

/* comparisons, !, && and || give bpftrace 0.26's bool; stored with an
 * integer it is bpftrace 0.17's integer, a true/false literal is not */
static void test_comparison_bools(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { $a = 1; $lt = $a < 2; $ne = $a != 2; "
					 "$not = !$a; $and = $a && 0; $or = $a || 0; "
					 "$has = strcontains(\"ab\", \"b\"); $lit = true; "
					 "$mix = true; $mix = $a > 1; $n = 0; $n = $a > 1; "
					 "$m = $a > 1; $m = 5; $neg = -($a > 1); $sum = ($a > 1) + 1; "
					 "$t = ($a > 1, 2); $band = ($a > 1) & ($a < 2); "
					 "$bor = ($a > 1) | 0; }"),
			 0);
	const char *cmp[] = {"lt", "ne", "not", "and", "or", "has", "band"};
	for (size_t i = 0; i < sizeof(cmp) / sizeof(cmp[0]); i++)
		assert_cmp_bool_type(first_probe_var(&r, cmp[i])->type);
	/* a variable of both bools is the first one's */
	const char *lits[] = {"lit", "mix"};
	for (size_t i = 0; i < 2; i++) {
		struct type *lit = first_probe_var(&r, lits[i])->type;
		assert_int_equal(lit->kind, TYPE_BOOL);
		assert_false(lit->int_in_017);
	}
	const char *ints[] = {"n", "m", "neg", "sum", "bor"};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		assert_int_type(first_probe_var(&r, ints[i])->type, true, 8);
	assert_cmp_bool_type(first_probe_var(&r, "t")->type->fields[0].type);
	compile_fini(&r);
	/* a literal's bool takes no integer, as before */
	expect_diags("BEGIN { $b = true; $b = 1; }",
		     "-e:1:20: ERROR: variable '$b' holds int64 here but bool elsewhere\n"
		     "    1 | BEGIN { $b = true; $b = 1; }\n"
		     "      |                    ^~~~~~\n"
		     "-e:1:9: NOTE: first assigned here\n"
		     "    1 | BEGIN { $b = true; $b = 1; }\n"
		     "      |         ^~\n");
}

static void test_printf_layout(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { printf(\"hi\\n\"); printf(\"%s %d %c\\n\", comm, "
					 "pid, 65); }"),
			 0);
	assert_true(r.c.uses_events);
	assert_int_equal(r.c.nfmts, 2);
	struct fmt_info *f0 = r.c.fmts, *f1 = f0->next;
	assert_string_equal(f0->fmt, "hi\n");
	assert_int_equal(f0->index, 0);
	assert_int_equal(f0->nargs, 0);
	assert_int_equal(f1->index, 1);
	assert_string_equal(f1->fmt, "%s %d %c\n");
	assert_int_equal(f1->nargs, 3);
	assert_str_type(f1->arg_types[0], 16);
	assert_int_type(f1->arg_types[1], false, 4);
	assert_int_type(f1->arg_types[2], true, 8);
	/* strings pack at byte alignment, integers at their own width and
	 * alignment (pid in 32 bits); the size is not rounded up */
	assert_int_equal(f1->arg_offsets[0], 0);
	assert_int_equal(f1->arg_offsets[1], 16);
	assert_int_equal(f1->arg_offsets[2], 24);
	assert_int_equal(f1->size, 32);
	/* a 32-bit value last: a 12-byte payload after the header */
	struct fmt_info *f2 = NULL;
	compile_fini(&r);
	assert_int_equal(compile_run(&r, "BEGIN { printf(\"%d %d\\n\", 7, tid); }"), 0);
	f2 = r.c.fmts;
	assert_int_type(f2->arg_types[1], false, 4);
	assert_int_equal(f2->arg_offsets[1], 8);
	assert_int_equal(f2->size, 12);
	compile_fini(&r);
}

/* Every match of a wildcard and every spec of a probe becomes one
 * program; scratch variables are shared by the probe's programs. */
static void test_attach_points(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN, END { $x = 1; }\n"
					 "tracepoint:sched:sched_switch,interval:s:2 { @ = count(); }\n"
					 "i:ms:5 { exit(); }"),
			 0);
	assert_int_equal(r.c.ninsts, 5);
	static const char *const specs[] = {"BEGIN", "END", "tracepoint:sched:sched_switch",
					    "interval:s:2", "interval:ms:5"};
	int i = 0;
	for (struct probe_inst *pi = r.c.insts; pi; pi = pi->next, i++) {
		assert_int_equal(pi->index, i);
		assert_string_equal(pi->ap->spec, specs[i]);
	}
	assert_int_equal(i, 5);
	assert_ptr_equal(r.c.insts->vars, r.c.insts->next->vars);
	assert_string_equal(r.c.insts->vars->name, "x");
	/* the interval period is in nanoseconds */
	struct probe_inst *iv = r.c.insts->next->next->next;
	assert_int_equal(iv->ap->value, 2000000000ull);
	assert_string_equal(iv->next->ap->target, "ms");
	assert_int_equal(iv->next->ap->value, 5000000ull);
	compile_fini(&r);
}

static void test_wildcard_expands_every_match(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "tracepoint:sched:sched_switch,"
					 "tracepoint:syscalls:sys_enter_openat* { @ = count(); }"),
			 0);
	/* sys_enter_openat and sys_enter_openat2 */
	assert_int_equal(r.c.ninsts, 3);
	assert_string_equal(r.c.insts->ap->spec, "tracepoint:sched:sched_switch");
	assert_string_equal(r.c.insts->ap->target, "sched/sched_switch");
	assert_string_equal(r.c.insts->next->ap->spec, "tracepoint:syscalls:sys_enter_openat");
	assert_string_equal(r.c.insts->next->next->ap->spec,
			    "tracepoint:syscalls:sys_enter_openat2");
	compile_fini(&r);
}

/* A map read before the assignment that types it still gets that type. */
static void test_read_before_typing_assignment(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @x = @y + 1; } END { @y = 5; }"), 0);
	assert_int_type(compile_map(&r, "@y")->value, true, 8);
	assert_int_type(compile_map(&r, "@x")->value, true, 8);
	compile_fini(&r);
}


/* ---- macros and fixed sema bugs ---- */

static void test_macro_value_and_statement(void **state)
{
	(void)state;
	expect_ok("macro add($a, $b) { $a + $b } macro TEN() { 10 }\n"
		  "macro say($x) { printf(\"%d\\n\", $x); }\n"
		  "BEGIN { $x = add(1, TEN); say($x); }");
}

static void test_macro_error_points_at_definition_and_call(void **state)
{
	(void)state;
	expect_diags("macro bad($a) { $a + \"x\" } BEGIN { $x = bad(1); }",
		     "-e:1:22: ERROR: operator '+' needs integer operands, got string[2]\n"
		     "    1 | macro bad($a) { $a + \"x\" } BEGIN { $x = bad(1); }\n"
		     "      |                      ^~~\n"
		     "-e:1:41: NOTE: in the expansion of macro 'bad' called here\n"
		     "    1 | macro bad($a) { $a + \"x\" } BEGIN { $x = bad(1); }\n"
		     "      |                                         ^~~\n");
}

static void test_macro_wrong_arity(void **state)
{
	(void)state;
	expect_diags("macro one($a) { $a } BEGIN { $x = one(1, 2); }",
		     "-e:1:35: ERROR: macro 'one' takes 1 argument, 2 given\n"
		     "    1 | macro one($a) { $a } BEGIN { $x = one(1, 2); }\n"
		     "      |                                   ^~~\n"
		     "-e:1:1: NOTE: 'one' is defined here\n"
		     "    1 | macro one($a) { $a } BEGIN { $x = one(1, 2); }\n"
		     "      | ^~~~~~~~~~~~~~~~~~~~\n");
}

static void test_macro_recursive(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "macro r($a) { r($a) } BEGIN { $x = r(1); }");
	assert_non_null(strstr(compile_diags(&r), "macro 'r' calls itself (r > r); macros cannot be recursive"));
	compile_fini(&r);
}

static void test_macro_named_like_builtin(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "macro count() { 1 } BEGIN { exit(); }");
	assert_non_null(strstr(compile_diags(&r), "ERROR: macro 'count' has the name of a builtin"));
	compile_fini(&r);
}

static void test_stdlib_constant_suggestion(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "macro IPPROTO_UDP() { 17 } BEGIN { $x = IPPROTO_UPD; }");
	assert_non_null(strstr(compile_diags(&r), "NOTE: did you mean 'IPPROTO_UDP'?"));
	compile_fini(&r);
}

static void test_lhist_negative_bounds(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "BEGIN { @l = lhist(4, -10, 90, 5); }");
	struct map_info *l = compile_map(&r, "@l");
	assert_non_null(l);
	assert_int_equal(l->lhist_min, -10);
	assert_int_equal(l->lhist_max, 90);
	compile_fini(&r);
}

/* A chain of macros, each calling the next twice: `levels` levels over
 * m0($x) { $x + 1 }, called once from BEGIN. */
static char *macro_chain(int levels, const char *leaf)
{
	size_t cap = 200 + (size_t)levels * 80;
	char *src = malloc(cap);
	assert_non_null(src);
	int n = snprintf(src, cap, "macro m0($x) { %s }\n", leaf);
	for (int i = 1; i <= levels; i++)
		n += snprintf(src + n, cap - (size_t)n, "macro m%d($x) { m%d($x) + m%d($x) }\n", i,
			      i - 1, i - 1);
	snprintf(src + n, cap - (size_t)n, "BEGIN { @a = m%d(1); }", levels);
	return src;
}

static int count_of(const char *text, const char *what)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* 2^22 copies of m0 used to take 3 GB and 10 s: the budget stops the
 * expansion at its first excess, with one located error. */
static void test_macro_chain_over_budget(void **state)
{
	(void)state;
	char *src = macro_chain(22, "$x + 1");
	struct compile_run r;
	compile_run(&r, src);
	const char *d = compile_diags(&r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.nerrors, 1);
	assert_non_null(strstr(d, "ERROR: macro expansion exceeds its budget of 262144 nodes at "
				  "this call of '"));
	assert_true(strncmp(d, "-e:", 3) == 0);
	assert_non_null(strstr(d, "NOTE: in the expansion of macro 'm22' called here"));
	compile_fini(&r);
	free(src);
}

/* At 40 levels the depth limit is hit first, once: it used to be reported
 * for each of the 2^32 copies that reached it. */
static void test_macro_chain_too_deep_reported_once(void **state)
{
	(void)state;
	char *src = macro_chain(40, "$x + 1");
	struct compile_run r;
	compile_run(&r, src);
	assert_int_equal(r.d.nerrors, 1);
	assert_int_equal(count_of(compile_diags(&r), "macro expansion nested more than 32 deep"),
			 1);
	compile_fini(&r);
	free(src);
}

/* An error in the innermost macro of a chain is reported once, not once
 * per copy. */
static void test_macro_chain_error_reported_once(void **state)
{
	(void)state;
	char *src = macro_chain(12, "$x + \"s\"");
	struct compile_run r;
	compile_run(&r, src);
	assert_int_equal(r.d.nerrors, 1);
	assert_int_equal(count_of(compile_diags(&r), "ERROR: "), 1);
	compile_fini(&r);
	free(src);
}

/* A chain well under the budget still expands. */
static void test_macro_chain_under_budget(void **state)
{
	(void)state;
	char *src = macro_chain(10, "$x + 1");
	expect_ok(src);
	free(src);
}

/* Bounds near the int64 limits: the range and the bucket count are
 * computed without overflow (UBSan reported signed overflow here). */
static void test_lhist_bounds_at_int64_limits(void **state)
{
	(void)state;
	expect_diags("BEGIN { @m = lhist(1, -9223372036854775808, 9223372036854775807, 1); }",
		     "-e:1:14: ERROR: lhist() would have 18446744073709551615 buckets; at most "
		     "1000 are allowed\n"
		     "    1 | BEGIN { @m = lhist(1, -9223372036854775808, 9223372036854775807, 1); }\n"
		     "      |              ^~~~~\n");
	expect_diags("BEGIN { @m = lhist(1, 0, 18446744073709551615, 1); }",
		     "-e:1:26: ERROR: lhist() max is 18446744073709551615, which does not fit in a "
		     "signed 64-bit integer\n"
		     "    1 | BEGIN { @m = lhist(1, 0, 18446744073709551615, 1); }\n"
		     "      |                          ^~~~~~~~~~~~~~~~~~~~\n");
	expect_diags("BEGIN { @m = lhist(1, -9223372036854775809, 0, 1); }",
		     "-e:1:23: ERROR: lhist() min is -9223372036854775809, which does not fit in a "
		     "signed 64-bit integer\n"
		     "    1 | BEGIN { @m = lhist(1, -9223372036854775809, 0, 1); }\n"
		     "      |                       ^~~~~~~~~~~~~~~~~~~~\n");
	/* in range: exact bounds and bucket counts */
	struct compile_run r;
	compile_run(&r, "BEGIN { @l = lhist(1, -9223372036854775808, 9223372036854775807, "
			"18446744073709551); }");
	assert_int_equal(r.rc, 0);
	struct map_info *l = compile_map(&r, "@l");
	assert_non_null(l);
	assert_true(l->lhist_min == INT64_MIN && l->lhist_max == INT64_MAX);
	/* 1000 whole steps and a partial one, plus below and above */
	assert_int_equal(lhist_nbuckets(l->lhist_min, l->lhist_max, l->lhist_step), 1003);
	assert_int_equal(lhist_bucket(INT64_MAX - 1, l->lhist_min, l->lhist_max, l->lhist_step),
			 1001);
	assert_int_equal(lhist_bucket(INT64_MIN, l->lhist_min, l->lhist_max, l->lhist_step), 1);
	compile_fini(&r);
	assert_int_equal(lhist_nbuckets(0, INT64_MAX, INT64_C(1) << 62), 4);
	assert_int_equal(lhist_nbuckets(INT64_MAX - 1, INT64_MAX, INT64_MAX), 3);
}

/* unroll's count and other literal arguments: no negation of INT64_MIN,
 * no literal wrapped into int64 */
static void test_const_int_limits(void **state)
{
	(void)state;
	expect_diags("BEGIN { unroll(-9223372036854775808) { @x = 1; } }",
		     "-e:1:16: ERROR: unroll minimum value is 1, got "
		     "-9223372036854775808\n"
		     "    1 | BEGIN { unroll(-9223372036854775808) { @x = 1; } }\n"
		     "      |                ^~~~~~~~~~~~~~~~~~~~\n");
	expect_diags("BEGIN { unroll(18446744073709551615) { @x = 1; } }",
		     "-e:1:16: ERROR: unroll's count is 18446744073709551615, which does not fit in "
		     "a signed 64-bit integer\n"
		     "    1 | BEGIN { unroll(18446744073709551615) { @x = 1; } }\n"
		     "      |                ^~~~~~~~~~~~~~~~~~~~\n");
	expect_diags("BEGIN { $s = str(0, 18446744073709551615); }",
		     "-e:1:21: ERROR: the length of str() is 18446744073709551615, which does not "
		     "fit in a signed 64-bit integer\n"
		     "    1 | BEGIN { $s = str(0, 18446744073709551615); }\n"
		     "      |                     ^~~~~~~~~~~~~~~~~~~~\n");
}

static void test_buf_negative_or_huge_length(void **state)
{
	(void)state;
	expect_diags("BEGIN { $b = buf(0, -1); }",
		     "-e:1:21: ERROR: buf() length must be between 1 and 4096, got -1\n"
		     "    1 | BEGIN { $b = buf(0, -1); }\n"
		     "      |                     ^~\n");
	expect_diags("BEGIN { $b = buf(0, 18446744073709551615); }",
		     "-e:1:21: ERROR: buf() length must be between 1 and 4096, got "
		     "18446744073709551615\n"
		     "    1 | BEGIN { $b = buf(0, 18446744073709551615); }\n"
		     "      |                     ^~~~~~~~~~~~~~~~~~~~\n");
	expect_diags("BEGIN { $b = buf(0, 4097); }",
		     "-e:1:21: ERROR: buf() length must be between 1 and 4096, got 4097\n"
		     "    1 | BEGIN { $b = buf(0, 4097); }\n"
		     "      |                     ^~~~\n");
}

static void test_ntop_family(void **state)
{
	(void)state;
	expect_diags("BEGIN { $a = ntop(99, 1); }",
		     "-e:1:19: ERROR: ntop(): 99 is not an address family; use AF_INET (2) or "
		     "AF_INET6 (10)\n"
		     "    1 | BEGIN { $a = ntop(99, 1); }\n"
		     "      |                   ^~\n");
	/* a negated literal is a constant too, never a family */
	expect_diags("BEGIN { $a = ntop(-1, 1); }",
		     "-e:1:19: ERROR: ntop(): -1 is not an address family; use AF_INET (2) or "
		     "AF_INET6 (10)\n"
		     "    1 | BEGIN { $a = ntop(-1, 1); }\n"
		     "      |                   ^~\n");
	expect_diags("BEGIN { $a = ntop(10, 1); }",
		     "-e:1:23: ERROR: ntop(AF_INET6, ...) needs a 16-byte array, got int64\n"
		     "    1 | BEGIN { $a = ntop(10, 1); }\n"
		     "      |                       ^\n");
	expect_diags("BEGIN { $a = ntop(2, \"0123456789abcde\"); }",
		     "-e:1:22: ERROR: ntop(AF_INET, ...) needs a 4-byte address (an integer or a "
		     "4-byte array), got string[16]\n"
		     "    1 | BEGIN { $a = ntop(2, \"0123456789abcde\"); }\n"
		     "      |                      ^~~~~~~~~~~~~~~~~\n");
	expect_ok("BEGIN { $a = ntop(2, 0x0100007f); $b = ntop(10, \"0123456789abcde\"); "
		  "$c = ntop(2, \"abc\"); }");
}

static void test_read_as_int_then_assigned_string(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "BEGIN { $x = @m; @m = \"a\"; }");
	assert_non_null(strstr(compile_diags(&r), "ERROR: map '@m' is read here as an integer, but it holds "
					"string[2]; assign it before the first read"));
	compile_fini(&r);
}

/* args.NAME of a function BTF types, as fentry, lsm and raw tracepoints
 * read it (probe_btf_param): the index of a parameter sonde can read; a
 * parameter it cannot read and a name the function lacks are errors at
 * the use, with the owner, noun and listing the provider gives. */
static void test_btf_param(void **state)
{
	(void)state;
	struct compile_run r;
	assert_int_equal(compile_run(&r, "BEGIN { @n = 1; }"), 0);
	struct btf_func fn = {.name = "f", .nparams = 3};
	fn.params[0] =
	    (struct btf_value){.name = "size", .c_type = "size_t", .size = 8, .readable = true};
	fn.params[1] = (struct btf_value){.name = "tv", .c_type = "struct timeval", .size = 16};
	fn.params[2] = (struct btf_value){
	    .name = "delta", .c_type = "int", .size = 4, .is_signed = true, .readable = true};
	struct loc at = {
	    .file = 0, .first_line = 1, .first_column = 9, .last_line = 1, .last_column = 10};
	assert_int_equal(probe_btf_param(&r.c, &fn, "delta", at, "f", "parameter", "fentry:f"), 2);
	assert_string_equal(compile_diags(&r), "");
	assert_int_equal(probe_btf_param(&r.c, &fn, "tv", at, "f", "parameter", "fentry:f"), -1);
	assert_int_equal(probe_btf_param(&r.c, &fn, "sise", at, "lsm:f", "argument", "lsm:f"), -1);
	assert_int_equal(probe_btf_param(&r.c, &fn, "zzzzzzzz", at, "f", "parameter", "fentry:f"),
	                 -1);
	assert_string_equal(
	    compile_diags(&r),
	    "-e:1:9: ERROR: args.tv of f has type 'struct timeval', which sonde cannot read yet\n"
	    "    1 | BEGIN { @n = 1; }\n"
	    "      |         ^~\n"
	    "-e:1:9: ERROR: lsm:f has no argument 'sise'\n"
	    "    1 | BEGIN { @n = 1; }\n"
	    "      |         ^~\n"
	    "NOTE: did you mean 'args.size'?\n"
	    "-e:1:9: ERROR: f has no parameter 'zzzzzzzz'\n"
	    "    1 | BEGIN { @n = 1; }\n"
	    "      |         ^~\n"
	    "NOTE: its parameters: 'sonde -lv fentry:f' lists them\n");
	/* how it is read: where, its size and sign, its language type (an
	 * integer; u64 for a pointer BTF does not type) */
	struct ctx_access a;
	probe_btf_value_access(&r.c, &fn.params[2], CTX_U64_ARRAY, 16, SPACE_KERNEL, &a);
	assert_int_equal(a.kind, CTX_U64_ARRAY);
	assert_int_equal(a.offset, 16);
	assert_int_equal(a.size, 4);
	assert_true(a.is_signed);
	assert_int_equal(a.space, SPACE_KERNEL);
	assert_ptr_equal(a.type, type_int(true, 4));
	struct btf_value untyped = {.name = "p", .size = 8, .is_pointer = true, .readable = true};
	probe_btf_value_access(&r.c, &untyped, CTX_LOAD, 112, SPACE_ANY, &a);
	assert_int_equal(a.kind, CTX_LOAD);
	assert_int_equal(a.offset, 112);
	assert_false(a.is_signed);
	assert_int_equal(a.space, SPACE_ANY);
	assert_ptr_equal(a.type, &type_u64);
	compile_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unknown_probe_type),
	    cmocka_unit_test(test_unknown_probe_type_no_suggestion),
	    cmocka_unit_test(test_every_stage_reports_in_program_order),
	    cmocka_unit_test(test_begin_takes_no_arguments),
	    cmocka_unit_test(test_end_takes_no_arguments),
	    cmocka_unit_test(test_interval_malformed),
	    cmocka_unit_test(test_interval_zero),
	    cmocka_unit_test(test_interval_unknown_unit),
	    cmocka_unit_test(test_profile_malformed),
	    cmocka_unit_test(test_interval_period_too_long),
	    cmocka_unit_test(test_timer_period_over_int64),
	    cmocka_unit_test(test_profile_hz_over_max_sample_rate),
	    cmocka_unit_test(test_tracepoint_missing_name),
	    cmocka_unit_test(test_tracepoint_too_many_parts),
	    cmocka_unit_test(test_tracepoint_unknown_suggests_name),
	    cmocka_unit_test(test_tracepoint_unknown_suggests_category),
	    cmocka_unit_test(test_tracepoint_unknown_no_suggestion),
	    cmocka_unit_test(test_tracepoint_alias_unknown),
	    cmocka_unit_test(test_tracepoint_glob_matches_nothing),
	    cmocka_unit_test(test_tracepoint_no_such_field_suggests),
	    cmocka_unit_test(test_tracepoint_no_such_field),
	    cmocka_unit_test(test_tracepoint_field_missing_in_one_spec),
	    cmocka_unit_test(test_tracepoint_field_types_differ),
	    cmocka_unit_test(test_tracepoint_field_unreadable),
	    cmocka_unit_test(test_rawtracepoint_malformed),
	    cmocka_unit_test(test_rawtracepoint_unknown),
	    cmocka_unit_test(test_no_probes),
	    cmocka_unit_test(test_unknown_identifier),
	    cmocka_unit_test(test_unknown_identifier_suggests),
	    cmocka_unit_test(test_argn_outside_raw_context),
	    cmocka_unit_test(test_retval_in_begin),
	    cmocka_unit_test(test_kstack_in_begin),
	    cmocka_unit_test(test_args_in_begin),
	    cmocka_unit_test(test_pkt_in_begin),
	    cmocka_unit_test(test_args_without_field),
	    cmocka_unit_test(test_unknown_function),
	    cmocka_unit_test(test_unknown_function_suggests),
	    cmocka_unit_test(test_unsafe_system),
	    cmocka_unit_test(test_unsafe_signal),
	    cmocka_unit_test(test_cat_is_not_unsafe),
	    cmocka_unit_test(test_unsafe_override),
	    cmocka_unit_test(test_unsafe_override_only_in_kprobes),
	    cmocka_unit_test(test_probe_bound_functions),
	    cmocka_unit_test(test_named_numbers),
	    cmocka_unit_test(test_macro_value_and_statement),
	    cmocka_unit_test(test_macro_error_points_at_definition_and_call),
	    cmocka_unit_test(test_macro_wrong_arity),
	    cmocka_unit_test(test_macro_recursive),
	    cmocka_unit_test(test_macro_named_like_builtin),
	    cmocka_unit_test(test_stdlib_constant_suggestion),
	    cmocka_unit_test(test_lhist_negative_bounds),
	    cmocka_unit_test(test_macro_chain_over_budget),
	    cmocka_unit_test(test_macro_chain_too_deep_reported_once),
	    cmocka_unit_test(test_macro_chain_error_reported_once),
	    cmocka_unit_test(test_macro_chain_under_budget),
	    cmocka_unit_test(test_lhist_bounds_at_int64_limits),
	    cmocka_unit_test(test_const_int_limits),
	    cmocka_unit_test(test_buf_negative_or_huge_length),
	    cmocka_unit_test(test_ntop_family),
	    cmocka_unit_test(test_read_as_int_then_assigned_string),
	    cmocka_unit_test(test_call_exact_arity),
	    cmocka_unit_test(test_call_arity_range),
	    cmocka_unit_test(test_call_arity_range_too_many),
	    cmocka_unit_test(test_aggregation_as_statement),
	    cmocka_unit_test(test_aggregation_with_arg_as_statement),
	    cmocka_unit_test(test_printf_as_value),
	    cmocka_unit_test(test_exit_as_value),
	    cmocka_unit_test(test_print_as_value),
	    cmocka_unit_test(test_delete_as_value),
	    cmocka_unit_test(test_redirect_as_value),
	    cmocka_unit_test(test_redirect_outside_xdp),
	    cmocka_unit_test(test_printf_format_not_literal),
	    cmocka_unit_test(test_printf_star_width),
	    cmocka_unit_test(test_printf_star_precision),
	    cmocka_unit_test(test_printf_incomplete_conversion),
	    cmocka_unit_test(test_printf_unknown_conversion),
	    cmocka_unit_test(test_printf_percent_with_width),
	    cmocka_unit_test(test_printf_length_on_string),
	    cmocka_unit_test(test_printf_string_conversion_gets_int),
	    cmocka_unit_test(test_printf_int_conversion_gets_string),
	    cmocka_unit_test(test_printf_int_conversion_gets_tuple),
	    cmocka_unit_test(test_printf_buffer_conversion_gets_int),
	    cmocka_unit_test(test_printf_too_few_arguments),
	    cmocka_unit_test(test_printf_too_many_arguments),
	    cmocka_unit_test(test_printf_no_conversions),
	    cmocka_unit_test(test_printf_argument_without_value),
	    cmocka_unit_test(test_str_length_not_literal),
	    cmocka_unit_test(test_str_length_zero),
	    cmocka_unit_test(test_str_length_too_large),
	    cmocka_unit_test(test_str_of_tuple),
	    cmocka_unit_test(test_print_value_top_div),
	    cmocka_unit_test(test_print_map_element_top),
	    cmocka_unit_test(test_clear_needs_whole_map),
	    cmocka_unit_test(test_zero_needs_whole_map),
	    cmocka_unit_test(test_print_negative_top),
	    cmocka_unit_test(test_print_top_not_literal),
	    cmocka_unit_test(test_delete_needs_map_element),
	    cmocka_unit_test(test_sum_of_string),
	    cmocka_unit_test(test_hist_of_string),
	    cmocka_unit_test(test_lhist_bound_not_literal),
	    cmocka_unit_test(test_tseries_arguments),
	    cmocka_unit_test(test_tseries_errors),
	    cmocka_unit_test(test_tseries_unstable),
	    cmocka_unit_test(test_lhist_min_above_max),
	    cmocka_unit_test(test_lhist_zero_step),
	    cmocka_unit_test(test_lhist_too_many_buckets),
	    cmocka_unit_test(test_lhist_other_bounds),
	    cmocka_unit_test(test_map_keyed_then_unkeyed),
	    cmocka_unit_test(test_map_unkeyed_then_keyed),
	    cmocka_unit_test(test_map_key_type_differs),
	    cmocka_unit_test(test_map_key_arity_differs),
	    cmocka_unit_test(test_map_kind_assignment_then_count),
	    cmocka_unit_test(test_map_kind_count_then_assignment),
	    cmocka_unit_test(test_map_kind_count_then_sum),
	    cmocka_unit_test(test_map_value_type_differs),
	    cmocka_unit_test(test_map_value_tuple_vs_int),
	    cmocka_unit_test(test_map_aggregation_read),
	    cmocka_unit_test(test_map_read_never_assigned),
	    cmocka_unit_test(test_map_key_without_value),
	    cmocka_unit_test(test_map_compound_with_string),
	    cmocka_unit_test(test_map_errors_across_probes),
	    cmocka_unit_test(test_variable_read_before_assignment),
	    cmocka_unit_test(test_variable_compound_before_assignment),
	    cmocka_unit_test(test_variable_increment_before_assignment),
	    cmocka_unit_test(test_variable_type_differs),
	    cmocka_unit_test(test_variable_compound_on_strings),
	    cmocka_unit_test(test_variable_assigned_no_value),
	    cmocka_unit_test(test_variable_scope_is_the_probe),
	    cmocka_unit_test(test_increment_string_variable),
	    cmocka_unit_test(test_increment_non_lvalue),
	    cmocka_unit_test(test_tuple_element_out_of_range),
	    cmocka_unit_test(test_tuple_element_not_a_number),
	    cmocka_unit_test(test_field_of_integer),
	    cmocka_unit_test(test_compare_string_with_int),
	    cmocka_unit_test(test_compare_tuples),
	    cmocka_unit_test(test_logical_and_string_lhs),
	    cmocka_unit_test(test_logical_or_string_rhs),
	    cmocka_unit_test(test_arithmetic_string_lhs),
	    cmocka_unit_test(test_arithmetic_string_rhs),
	    cmocka_unit_test(test_relational_string),
	    cmocka_unit_test(test_unary_minus_string),
	    cmocka_unit_test(test_unary_not_string),
	    cmocka_unit_test(test_unary_bnot_string),
	    cmocka_unit_test(test_deref_needs_pointer),
	    cmocka_unit_test(test_address_of_needs_variable),
	    cmocka_unit_test(test_pointer_difference_refused),
	    cmocka_unit_test(test_uptr_needs_address),
	    cmocka_unit_test(test_ternary_condition_string),
	    cmocka_unit_test(test_ternary_branches_differ),
	    cmocka_unit_test(test_cast_string_to_int),
	    cmocka_unit_test(test_cast_to_unknown_struct),
	    cmocka_unit_test(test_cast_string_to_struct_pointer),
	    cmocka_unit_test(test_unknown_struct_field),
	    cmocka_unit_test(test_index_out_of_bounds),
	    cmocka_unit_test(test_unused_value_warning),
	    cmocka_unit_test(test_unused_builtin_warning),
	    cmocka_unit_test(test_verdict_outside_packet_probe),
	    cmocka_unit_test(test_pass_outside_packet_probe),
	    cmocka_unit_test(test_unknown_statement_identifier),
	    cmocka_unit_test(test_if_condition_string),
	    cmocka_unit_test(test_while_condition_string),
	    cmocka_unit_test(test_predicate_string),
	    cmocka_unit_test(test_unroll_count_not_literal),
	    cmocka_unit_test(test_variable_after_failed_assignment),
	    cmocka_unit_test(test_unroll_count_zero),
	    cmocka_unit_test(test_unroll_count_too_large),
	    cmocka_unit_test(test_break_outside_loop),
	    cmocka_unit_test(test_continue_outside_loop),
	    cmocka_unit_test(test_break_in_unroll),
	    cmocka_unit_test(test_for_over_aggregation),
	    cmocka_unit_test(test_func_needs_a_function_probe),
	    cmocka_unit_test(test_time_has_no_value),
	    cmocka_unit_test(test_signal_unknown_name),
	    cmocka_unit_test(test_struct_value_is_copied),
	    cmocka_unit_test(test_for_nested),
	    cmocka_unit_test(test_for_nesting_limit),
	    cmocka_unit_test(test_several_errors_in_one_run),
	    cmocka_unit_test(test_ok_maps_with_keys_and_tuples),
	    cmocka_unit_test(test_ok_aggregations),
	    cmocka_unit_test(test_ok_printf_formats),
	    cmocka_unit_test(test_ok_str_and_tracepoint_args),
	    cmocka_unit_test(test_ok_string_comparisons),
	    cmocka_unit_test(test_ok_ternaries),
	    cmocka_unit_test(test_ok_loops),
	    cmocka_unit_test(test_ok_casts),
	    cmocka_unit_test(test_ok_compound_assignment_and_incdec),
	    cmocka_unit_test(test_ok_operators),
	    cmocka_unit_test(test_ok_predicates),
	    cmocka_unit_test(test_ok_wildcards_and_multi_spec),
	    cmocka_unit_test(test_ok_every_provider_and_builtin),
	    cmocka_unit_test(test_ok_statements_and_blocks),
	    cmocka_unit_test(test_map_string_key_widens),
	    cmocka_unit_test(test_map_tuple_key_unifies_elementwise),
	    cmocka_unit_test(test_count_value_is_uint64),
	    cmocka_unit_test(test_aggregation_kinds_and_inputs),
	    cmocka_unit_test(test_map_indices_follow_first_use),
	    cmocka_unit_test(test_variable_types),
	    cmocka_unit_test(test_comparison_bools),
	    cmocka_unit_test(test_printf_layout),
	    cmocka_unit_test(test_attach_points),
	    cmocka_unit_test(test_wildcard_expands_every_match),
	    cmocka_unit_test(test_read_before_typing_assignment),
	    cmocka_unit_test(test_strlen_of_tuple),
	    cmocka_unit_test(test_len_of_int),
	    cmocka_unit_test(test_dw_ustack_needs_process),
	    cmocka_unit_test(test_comm_of_string),
	    cmocka_unit_test(test_memcmp_longer_than_value),
	    cmocka_unit_test(test_static_assert_false),
	    cmocka_unit_test(test_assert_str_not_string_like),
	    cmocka_unit_test(test_is_err_of_a_string),
	    cmocka_unit_test(test_fail_in_left_out_branch),
	    cmocka_unit_test(test_find_needs_variable),
	    cmocka_unit_test(test_socket_cookie_outside_fentry),
	    cmocka_unit_test(test_getopt_splits_the_words),
	    cmocka_unit_test(test_getopt_absent_words_positional),
	    cmocka_unit_test(test_getopt_bad_value_and_unknown_name),
	    cmocka_unit_test(test_getopt_arguments_must_be_literals),
	    cmocka_unit_test(test_skboutput_outside_fentry),
	    cmocka_unit_test(test_skboutput_offset_literal),
	    cmocka_unit_test(test_lpm_set_used_only_by_in),
	    cmocka_unit_test(test_lpm_key_is_a_network),
	    cmocka_unit_test(test_ratelimit_rate_constant),
	    cmocka_unit_test(test_ratelimit_map_of_its_own),
	    cmocka_unit_test(test_hash_arguments),
	    cmocka_unit_test(test_btf_param),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
