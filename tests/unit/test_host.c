/*
 * test_host.c - struct host (src/kernel/host.h): what sonde reads about
 * the machine lives in one object per host, not in static caches. Two
 * hosts in one process answer from their own files and their own
 * features; a host that is finished and initialized again reads afresh;
 * a host filled in by hand stands for another kernel (one without
 * kprobes, one without a BPF helper) and sema answers as it would there.
 * Every test here would fail if a cache were still shared by the process:
 * the second host would see what the first one read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile_helper.h"
#include "kernel/btf.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "kernel/symbols.h"

/* A temporary file holding `text`; its path is written into `path`. */
static void write_temp(char *path, size_t size, const char *text)
{
	snprintf(path, size, "/tmp/sonde-test-host-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static const char kallsyms_a[] = "ffffffff81000000 T alpha_func\n"
				 "ffffffff81000100 t alpha_helper\n"
				 "ffffffff81000200 D alpha_data\n";
static const char kallsyms_b[] = "ffffffff82000000 T beta_func\n"
				 "ffffffff82000080 T beta_other\n";

/* Two hosts read their own kallsyms: neither sees the other's symbols. */
static void test_two_hosts_have_their_own_kallsyms(void **state)
{
	(void)state;
	char pa[64], pb[64];
	write_temp(pa, sizeof(pa), kallsyms_a);
	write_temp(pb, sizeof(pb), kallsyms_b);
	struct host a, b;
	host_init(&a);
	host_init(&b);
	a.kallsyms_path = pa;
	b.kallsyms_path = pb;

	const char *name;
	uint64_t off;
	assert_int_equal(sym_kernel_lookup(&a, 0xffffffff81000104ull, &name, &off), 0);
	assert_string_equal(name, "alpha_helper");
	assert_int_equal(off, 4);
	/* b has its own table, although a's is loaded */
	assert_int_equal(sym_kernel_lookup(&b, 0xffffffff82000084ull, &name, &off), 0);
	assert_string_equal(name, "beta_other");
	assert_int_equal(off, 4);
	assert_int_equal(sym_kernel_lookup(&b, 0xffffffff81000104ull, &name, &off), -ENOENT);
	assert_int_equal(sym_kernel_has(&a, "alpha_func"), 1);
	assert_int_equal(sym_kernel_has(&a, "beta_func"), 0);
	assert_int_equal(sym_kernel_has(&b, "beta_func"), 1);
	assert_int_equal(sym_kernel_has(&b, "alpha_func"), 0);
	/* data symbols too (kaddr), read from the host's file */
	assert_int_equal(sym_kernel_addr(&a, "alpha_data"), 0xffffffff81000200ull);
	assert_int_equal(sym_kernel_addr(&b, "alpha_data"), 0);

	host_fini(&a);
	host_fini(&b);
	unlink(pa);
	unlink(pb);
}

/* host_fini forgets what was read: the same host, initialized again,
 * reads the file as it is now. */
static void test_reset_host_reads_again(void **state)
{
	(void)state;
	char p[64];
	write_temp(p, sizeof(p), kallsyms_a);
	struct host h;
	host_init(&h);
	h.kallsyms_path = p;
	assert_int_equal(sym_kernel_has(&h, "alpha_func"), 1);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(kallsyms_b, f);
	fclose(f);
	/* kept: the file is read once per host */
	assert_int_equal(sym_kernel_has(&h, "alpha_func"), 1);
	host_fini(&h);
	host_init(&h);
	h.kallsyms_path = p;
	assert_int_equal(sym_kernel_has(&h, "alpha_func"), 0);
	assert_int_equal(sym_kernel_has(&h, "beta_func"), 1);
	host_fini(&h);
	unlink(p);
}

/* Features as a test says they are: probed is set, nothing is asked. */
static void fake_features(struct host *h, bool kprobes)
{
	memset(&h->features, 0, sizeof(h->features));
	h->features.kprobes = kprobes;
	if (!kprobes)
		snprintf(h->features.kprobes_why, sizeof(h->features.kprobes_why),
			 "no kprobes on this fake kernel");
	snprintf(h->features.fentry_why, sizeof(h->features.fentry_why),
		 "no fentry on this fake kernel");
	snprintf(h->features.btf_why, sizeof(h->features.btf_why), "no BTF on this fake kernel");
	snprintf(h->features.lockdown, sizeof(h->features.lockdown), "none");
	h->features_probed = true;
}

/* The attach points sema made, as "spec spec ...". */
static const char *attach_specs(struct compile_run *r, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = 0;
	for (struct probe_inst *pi = r->c.insts; pi; pi = pi->next)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", pi->ap->spec);
	return buf;
}

/* kprobe wildcards expand over the host's kallsyms, less what its ftrace
 * list does not name and what its kprobe blacklist refuses; a second host
 * without those lists expands over all of its kallsyms. */
static void test_kprobe_filters_are_the_hosts(void **state)
{
	(void)state;
	char syms[64], traceable[64], blacklist[64];
	write_temp(syms, sizeof(syms),
		   "ffffffff81000000 T vfs_read\n"
		   "ffffffff81000100 T vfs_write\n"
		   "ffffffff81000200 t vfs_open\n");
	write_temp(traceable, sizeof(traceable), "vfs_read\nvfs_open [ext4]\n");
	write_temp(blacklist, sizeof(blacklist),
		   "0xffffffff81000200-0xffffffff81000300\tvfs_open\n");
	const char *const traceable_paths[] = {traceable, NULL};
	const char *const blacklist_paths[] = {blacklist, NULL};
	const char *const no_paths[] = {NULL};

	struct host filtered, unfiltered;
	host_init(&filtered);
	host_init(&unfiltered);
	fake_features(&filtered, true);
	fake_features(&unfiltered, true);
	filtered.kallsyms_path = syms;
	filtered.traceable_paths = traceable_paths;
	filtered.kprobe_blacklist_paths = blacklist_paths;
	unfiltered.kallsyms_path = syms;
	unfiltered.traceable_paths = no_paths;
	unfiltered.kprobe_blacklist_paths = no_paths;

	char buf[256];
	struct compile_run r;
	assert_int_equal(compile_run_host(&r, "kprobe:vfs_* { @n = count(); }", NULL, &filtered),
			 0);
	assert_string_equal(attach_specs(&r, buf, sizeof(buf)), "kprobe:vfs_read");
	compile_fini(&r);
	assert_int_equal(
		compile_run_host(&r, "kprobe:vfs_* { @n = count(); }", NULL, &unfiltered), 0);
	assert_string_equal(attach_specs(&r, buf, sizeof(buf)),
			    "kprobe:vfs_open kprobe:vfs_read kprobe:vfs_write");
	compile_fini(&r);

	host_fini(&filtered);
	host_fini(&unfiltered);
	unlink(syms);
	unlink(traceable);
	unlink(blacklist);
}

/* A host whose kernel has neither kprobes nor fentry makes sema warn that
 * a kprobe will not attach, with its reasons; one with kprobes, in the
 * same process, takes the same program without a word. */
static void test_features_are_the_hosts(void **state)
{
	(void)state;
	char syms[64];
	write_temp(syms, sizeof(syms), "ffffffff81000000 T vfs_read\n");
	struct host with, without;
	host_init(&with);
	host_init(&without);
	with.kallsyms_path = without.kallsyms_path = syms;
	fake_features(&with, true);
	fake_features(&without, false);

	const char *src = "kprobe:vfs_read { @n = count(); }";
	struct compile_run r;
	const char *warned = "-e:1:1: WARNING: kprobe:vfs_read: no kprobes on this fake kernel and "
			     "no fentry on this fake kernel: attaching it will fail\n"
			     "    1 | kprobe:vfs_read { @n = count(); }\n"
			     "      | ^~~~~~~~~~~~~~~\n";
	assert_int_equal(compile_run_host(&r, src, NULL, &without), 0);
	assert_string_equal(compile_diags(&r), warned);
	compile_fini(&r);
	assert_int_equal(compile_run_host(&r, src, NULL, &with), 0);
	assert_string_equal(compile_diags(&r), "");
	compile_fini(&r);
	/* the first host still answers as before */
	assert_int_equal(compile_run_host(&r, src, NULL, &without), 0);
	assert_string_equal(compile_diags(&r), warned);
	compile_fini(&r);

	host_fini(&with);
	host_fini(&without);
	unlink(syms);
}

/* args.NAME that a kprobe's function lacks: the closest parameter, or the
 * listing that names them (this machine has no kprobes, so a fake host
 * with them stands in; the parameters are the real kernel's BTF). */
static void test_kprobe_missing_parameter(void **state)
{
	(void)state;
	char syms[64];
	write_temp(syms, sizeof(syms), "ffffffff81000000 T vfs_read\n");
	struct host h;
	host_init(&h);
	h.kallsyms_path = syms;
	fake_features(&h, true);
	struct compile_run r;
	assert_int_equal(compile_run_host(&r, "kprobe:vfs_read { @n = args.cont; }", NULL, &h), -1);
	assert_string_equal(compile_diags(&r), "-e:1:29: ERROR: vfs_read has no parameter 'cont'\n"
	                                       "    1 | kprobe:vfs_read { @n = args.cont; }\n"
	                                       "      |                             ^~~~\n"
	                                       "NOTE: did you mean 'args.count'?\n");
	compile_fini(&r);
	assert_int_equal(compile_run_host(&r, "kprobe:vfs_read { @n = args.zzzzzzzz; }", NULL, &h),
	                 -1);
	assert_string_equal(compile_diags(&r),
	                    "-e:1:29: ERROR: vfs_read has no parameter 'zzzzzzzz'\n"
	                    "    1 | kprobe:vfs_read { @n = args.zzzzzzzz; }\n"
	                    "      |                             ^~~~~~~~\n"
	                    "NOTE: its parameters: 'sonde -lv kprobe:vfs_read' lists them\n");
	compile_fini(&r);
	host_fini(&h);
	unlink(syms);
}

/* Helper probing is the host's: one host says the kernel lacks
 * bpf_for_each_map_elem and sema refuses 'for' over a map, another says
 * it has it and sema takes the loop. */
static void test_helpers_are_the_hosts(void **state)
{
	(void)state;
	struct host lacks, has;
	host_init(&lacks);
	host_init(&has);
	lacks.helpers[BPF_FUNC_for_each_map_elem] = -1;
	has.helpers[BPF_FUNC_for_each_map_elem] = 1;

	const char *src = "BEGIN { @m[1] = 2; for ($kv : @m) { print($kv); } }";
	struct compile_run r;
	assert_int_equal(compile_run_host(&r, src, NULL, &lacks), -1);
	assert_string_equal(compile_diags(&r),
			    "-e:1:20: ERROR: 'for' over a map needs bpf_for_each_map_elem, which "
			    "this kernel lacks (Linux 5.13 or later)\n"
			    "    1 | BEGIN { @m[1] = 2; for ($kv : @m) { print($kv); } }\n"
			    "      |                    ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	compile_fini(&r);
	assert_int_equal(compile_run_host(&r, src, NULL, &has), 0);
	assert_string_equal(compile_diags(&r), "");
	compile_fini(&r);
	assert_int_equal(compile_run_host(&r, src, NULL, &lacks), -1);
	compile_fini(&r);

	host_fini(&lacks);
	host_fini(&has);
}

/* A kprobe wildcard attaches to as many functions as the cap (512) and
 * no more: one past it is a located error, not 513 programs. The host's
 * kallsyms holds `n` functions cap_0.. (no ftrace list: all of them). */
static void expect_kprobe_cap(int n, int want_rc, const char *want_diags)
{
	char syms[64];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	for (int i = 0; i < n; i++)
		fprintf(f, "ffffffff8%07x T cap_%d\n", 0x100 * i, i);
	fclose(f);
	write_temp(syms, sizeof(syms), text);
	free(text);
	const char *const no_paths[] = {NULL};
	struct host h;
	host_init(&h);
	fake_features(&h, true);
	h.kallsyms_path = syms;
	h.traceable_paths = no_paths;
	h.kprobe_blacklist_paths = no_paths;
	struct compile_run r;
	assert_int_equal(compile_run_host(&r, "kprobe:cap_* { @n = count(); }", NULL, &h),
	                 want_rc);
	assert_string_equal(compile_diags(&r), want_diags);
	if (!want_rc) {
		int points = 0;
		for (struct probe_inst *pi = r.c.insts; pi; pi = pi->next)
			points++;
		assert_int_equal(points, n);
	}
	compile_fini(&r);
	host_fini(&h);
	unlink(syms);
}

static void test_kprobe_wildcard_cap(void **state)
{
	(void)state;
	expect_kprobe_cap(512, 0, "");
	expect_kprobe_cap(513, -1,
	                  "-e:1:1: ERROR: 'kprobe:cap_*' matches more than 512 kernel functions; "
	                  "narrow the pattern\n"
	                  "    1 | kprobe:cap_* { @n = count(); }\n"
	                  "      | ^~~~~~~~~~~~\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_hosts_have_their_own_kallsyms),
	    cmocka_unit_test(test_reset_host_reads_again),
	    cmocka_unit_test(test_kprobe_filters_are_the_hosts),
	    cmocka_unit_test(test_features_are_the_hosts),
	    cmocka_unit_test(test_helpers_are_the_hosts),
	    cmocka_unit_test(test_kprobe_missing_parameter),
	    cmocka_unit_test(test_kprobe_wildcard_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
