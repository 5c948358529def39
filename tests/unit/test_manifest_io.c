/*
 * test_manifest_io.c - unit tests for manifest_io.c and objfile.c: a
 * manifest written and read back is the same manifest (types included);
 * every truncation of it is refused with a reason, every one-byte change
 * is read or refused without reading past the buffer; a type nested too
 * deep is refused when written; objfile adds its section to an ELF file
 * and finds it again, and a truncated file is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>
#include <unistd.h>

#include "front/types.h"
#include "manifest_io.h"
#include "objfile.h"

/* A program whose manifest uses every part of the encoding. */
struct sample {
	struct program p;
	struct diag d;
	char *params[2];
};

static const char sample_script[] = "BEGIN { @[\"a\", 1] = count(); @l = lhist(3, 0, 10, 2); }\n";

static void sample_init(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	struct arena *a = &s->p.arena;
	arena_init(a);
	struct manifest *m = &s->p.m;
	struct type *el[] = {type_str(a, 16), &type_u64};
	struct type *key = type_tuple(a, el, 2);
	key->fields[0].name = "name";
	key->fields[1].name = "n";
	static struct map_desc maps[2];
	maps[0] = (struct map_desc){.name = "@", .elf_name = "map0", .key = key, .value = &type_u64,
	                            .agg = AGG_COUNT, .bpf_type = 5, .percpu = true,
	                            .key_size = key->size, .value_size = 8, .max_entries = 4096};
	maps[1] = (struct map_desc){.name = "@l", .elf_name = "map1", .value = &type_s64,
	                            .agg = AGG_LHIST, .bpf_type = 6, .key_size = 8,
	                            .value_size = 8 * 7, .max_entries = 1, .lhist_min = 0,
	                            .lhist_max = 10, .lhist_step = 2, .nbuckets = 7,
	                            .has_sum = true};
	m->maps = maps;
	m->nmaps = 2;
	static struct type *arg_types[2];
	static uint32_t arg_offsets[2] = {0, 16};
	arg_types[0] = type_str(a, 16);
	arg_types[1] = type_ptr(a, type_array(a, &type_s32, 4));
	/* a comparison's bool and a dw_ustack, whose flags the printer reads */
	struct type *el2[] = {&type_cmp_bool, type_stack(a, true, STACK_MODE_PERF, 5)};
	el2[1]->dwarf = true;
	maps[1].value = type_tuple(a, el2, 2);
	static struct fmt_desc fmts[1];
	fmts[0] = (struct fmt_desc){.fmt = "%s %p\n", .nargs = 2, .arg_types = arg_types,
	                            .arg_offsets = arg_offsets, .size = 24,
	                            .stderr_prefix = "-e:1:1: ERROR: ", .is_error = true};
	m->fmts = fmts;
	m->nfmts = 1;
	static struct probe_desc probes[1] = {{.prog_name = "p0", .provider = "BEGIN",
	                                      .spec = "BEGIN", .value = 7, .script_line = 1}};
	m->probes = probes;
	m->nprobes = 1;
	static struct aux_map_desc aux[1] = {{AUX_MAP_STACKS, "stacks", 127}};
	m->aux_maps = aux;
	m->naux_maps = 1;
	m->events_map = "events";
	m->ringbuf_size = 1 << 19;
	m->print_maps_on_exit = true;
	m->max_cat_bytes = 10240;
	m->missing_probes = MISSING_PROBES_WARN;
	static struct skb_output_desc skb[1] = {{"/tmp/x.pcap", 14}};
	m->skb_outputs = skb;
	m->nskb_outputs = 1;
	static struct helper_site sites[1] = {{"map_update_elem", "stdin:1:9-10", "text", " ~", 1, 9}};
	m->helper_sites = sites;
	m->nhelper_sites = 1;
	diag_init(&s->d, stderr);
	diag_add_source(&s->d, "-e", sample_script, strlen(sample_script));
	diag_add_source(&s->d, "stdlib.bt", "unused", 6);
	s->params[0] = "one";
	s->params[1] = "2";
}

static void test_round_trip(void **state)
{
	struct sample s;
	sample_init(&s);
	struct mio_buf b = {0};
	assert_int_equal(manifest_encode(&b, &s.p, &s.d, s.params, 2), 0);
	struct program q = {0};
	arena_init(&q.arena);
	struct run_extras x;
	char err[256] = "";
	assert_int_equal(manifest_decode(b.data, b.len, &q, &x, err, sizeof(err)), 0);
	const struct manifest *m = &q.m;
	assert_int_equal(m->nmaps, 2);
	assert_string_equal(m->maps[0].name, "@");
	assert_true(type_equal(m->maps[0].key, s.p.m.maps[0].key));
	assert_string_equal(m->maps[0].key->fields[0].name, "name");
	assert_true(m->maps[0].percpu);
	assert_int_equal(m->maps[0].agg, AGG_COUNT);
	assert_null(m->maps[1].key);
	assert_int_equal(m->maps[1].lhist_step, 2);
	assert_int_equal(m->maps[1].nbuckets, 7);
	assert_true(m->maps[1].has_sum);
	assert_true(m->maps[1].value->fields[0].type->int_in_017);
	assert_true(m->maps[1].value->fields[1].type->dwarf);
	assert_int_equal(m->maps[1].value->fields[1].type->stack_mode, STACK_MODE_PERF);
	assert_string_equal(m->fmts[0].fmt, "%s %p\n");
	assert_true(type_equal(m->fmts[0].arg_types[1], s.p.m.fmts[0].arg_types[1]));
	assert_string_equal(type_name(&q.arena, m->fmts[0].arg_types[1]),
	                    type_name(&s.p.arena, s.p.m.fmts[0].arg_types[1]));
	assert_int_equal(m->fmts[0].arg_offsets[1], 16);
	assert_string_equal(m->fmts[0].stderr_prefix, "-e:1:1: ERROR: ");
	assert_string_equal(m->probes[0].provider, "BEGIN");
	assert_null(m->probes[0].target);
	assert_int_equal(m->probes[0].value, 7);
	assert_int_equal(m->aux_maps[0].depth, 127);
	assert_string_equal(m->events_map, "events");
	assert_int_equal(m->missing_probes, MISSING_PROBES_WARN);
	assert_null(m->str_trunc_trailer);
	assert_string_equal(m->skb_outputs[0].path, "/tmp/x.pcap");
	assert_string_equal(m->helper_sites[0].marker, " ~");
	assert_int_equal(x.nsources, 2);
	assert_string_equal(x.sources[0].text, sample_script);
	assert_int_equal(x.sources[0].len, strlen(sample_script));
	/* a source no probe is in: its name only */
	assert_string_equal(x.sources[1].name, "stdlib.bt");
	assert_string_equal(x.sources[1].text, "");
	assert_int_equal(x.nparams, 2);
	assert_string_equal(x.params[1], "2");
	arena_fini(&q.arena);
	free(b.data);
	arena_fini(&s.p.arena);
}

/* Every prefix is refused with a reason; every byte changed is read or
 * refused (the sanitizer and valgrind builds check that nothing is read
 * past the buffer, which is allocated to the exact size). */
static void test_damage(void **state)
{
	struct sample s;
	sample_init(&s);
	struct mio_buf b = {0};
	assert_int_equal(manifest_encode(&b, &s.p, &s.d, s.params, 2), 0);
	for (size_t n = 0; n < b.len; n++) {
		unsigned char *cut = malloc(n ? n : 1);
		memcpy(cut, b.data, n);
		struct program q = {0};
		arena_init(&q.arena);
		struct run_extras x;
		char err[256] = "";
		assert_int_equal(manifest_decode(cut, n, &q, &x, err, sizeof(err)), -1);
		assert_true(err[0]);
		arena_fini(&q.arena);
		free(cut);
	}
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			unsigned char *bad = malloc(b.len);
			memcpy(bad, b.data, b.len);
			bad[i] ^= (unsigned char)(1u << bit);
			struct program q = {0};
			arena_init(&q.arena);
			struct run_extras x;
			char err[256] = "";
			if (manifest_decode(bad, b.len, &q, &x, err, sizeof(err)))
				assert_true(err[0]);
			arena_fini(&q.arena);
			free(bad);
		}
	}
	free(b.data);
	arena_fini(&s.p.arena);
}

static void test_deep_type(void **state)
{
	struct sample s;
	sample_init(&s);
	struct type *t = &type_u64;
	for (int i = 0; i < MIO_MAX_TYPE_DEPTH + 2; i++)
		t = type_array(&s.p.arena, t, 2);
	s.p.m.maps[1].value = t;
	struct mio_buf b = {0};
	assert_int_equal(manifest_encode(&b, &s.p, &s.d, NULL, 0), -1);
	free(b.data);
	arena_fini(&s.p.arena);
}

/* The smallest ELF64 object: the null section and a name table. */
static size_t tiny_elf(unsigned char *buf)
{
	static const char names[] = "\0.shstrtab";
	Elf64_Ehdr e = {.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
	                            EV_CURRENT},
	                .e_type = ET_REL,
	                .e_machine = EM_BPF,
	                .e_version = EV_CURRENT,
	                .e_ehsize = sizeof(Elf64_Ehdr),
	                .e_shentsize = sizeof(Elf64_Shdr),
	                .e_shnum = 2,
	                .e_shstrndx = 1};
	size_t names_off = sizeof(e), sh_off = (names_off + sizeof(names) + 7) / 8 * 8;
	e.e_shoff = sh_off;
	memset(buf, 0, sh_off + 2 * sizeof(Elf64_Shdr));
	memcpy(buf, &e, sizeof(e));
	memcpy(buf + names_off, names, sizeof(names));
	Elf64_Shdr sh[2] = {{0}, {.sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = names_off,
	                          .sh_size = sizeof(names), .sh_addralign = 1}};
	memcpy(buf + sh_off, sh, sizeof(sh));
	return sh_off + sizeof(sh);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void test_objfile(void **state)
{
	struct sample s;
	sample_init(&s);
	unsigned char elf[512];
	s.p.elf = elf;
	s.p.elf_size = tiny_elf(elf);
	char path[] = "/tmp/sonde-test-objfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(objfile_write(&s.p, &s.d, s.params, 2, path), 0);
	size_t len;
	unsigned char *obj = read_all(path, &len);
	unlink(path);
	assert_true(objfile_is_elf(obj, len));
	const void *sec;
	size_t seclen;
	char err[1024] = "";
	assert_int_equal(objfile_find_section(obj, len, ".shstrtab", &sec, &seclen, err, sizeof(err)), 0);
	assert_int_equal(objfile_find_section(obj, len, OBJFILE_SECTION, &sec, &seclen, err,
	                                      sizeof(err)), 0);
	assert_memory_equal(sec, "SONDEOBJ", 8);
	struct run_extras x;
	struct program *q = objfile_read("t.o", obj, len, true, &x, err, sizeof(err));
	assert_non_null(q);
	assert_int_equal(q->m.nmaps, 2);
	assert_int_equal(q->elf_size, len);
	assert_int_equal(x.nparams, 2);
	program_free(q);
	/* the original has no manifest */
	q = objfile_read("t.o", elf, s.p.elf_size, true, &x, err, sizeof(err));
	assert_null(q);
	assert_non_null(strstr(err, "has no .sonde.manifest section"));
	for (size_t n = 0; n < len; n++) {
		unsigned char *cut = malloc(n ? n : 1);
		memcpy(cut, obj, n);
		err[0] = 0;
		q = objfile_read("t.o", cut, n, true, &x, err, sizeof(err));
		assert_null(q);
		assert_true(err[0]);
		free(cut);
	}
	/* a byte of the body changed: the checksum says so */
	obj[(const unsigned char *)sec - obj + seclen - 3] ^= 1;
	q = objfile_read("t.o", obj, len, true, &x, err, sizeof(err));
	assert_null(q);
	assert_non_null(strstr(err, "checksum"));
	free(obj);
	arena_fini(&s.p.arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_deep_type),
	    cmocka_unit_test(test_objfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
