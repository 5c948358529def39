/*
 * test_codegen.c - properties of the BPF that codegen emits for small
 * programs, checked on the object the driver compiles, without loading
 * anything: how many map lookups, updates and helper calls a program
 * makes and on which paths, how many bytes of stack it uses, whether its
 * control flow has a loop, what a packet program returns, where a large
 * map key lives. A codegen change that makes the programs slower, larger or
 * wrong in these ways fails here, on a machine where nothing can be
 * loaded.
 *
 * The object is read with libelf: each probe's function (its symbol in
 * the ELF), its instructions and the relocations that name the maps its
 * ld_imm64 instructions load. A small forward dataflow over the
 * function's control-flow graph tracks what each register holds (a
 * small constant, an address on the stack, a map, the result of a call),
 * which is enough to say what a helper is passed and what r0 holds at
 * each exit.
 *
 * Needs no root and no particular kernel: the programs use BEGIN, xdp:lo
 * and tc:lo, whose compilation needs no privilege (kprobes, fentry and
 * tracepoints do) and does not depend on what the kernel offers (sema's
 * helper probe answers yes when it cannot ask), and the object is only
 * parsed. The CO-RE test reads the kernel's BTF (world-readable) for the
 * struct it relocates. Run it unprivileged to check:
 *   setpriv --reuid=65534 --regid=65534 --clear-groups build/tests/test_codegen
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

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "compile_helper.h"
#include "driver.h"
#include "manifest.h"

/* ---- the compiled object ------------------------------------------------ */

struct reloc {
	size_t insn;     /* index of the instruction (an ld_imm64) */
	const char *sym; /* the symbol it loads: a map, the counters */
};

/* One probe's function: its instructions and their relocations. */
struct bpf_fn {
	struct bpf_insn *insns;
	size_t n;
	struct reloc *relocs;
	size_t nrelocs;
};

struct compiled {
	struct program *prog;
	struct bpf_fn fn; /* the first probe's */
};

/* A copy of the object's probe function `name`. */
static void fn_from_elf(struct program *p, const char *name, struct bpf_fn *fn)
{
	memset(fn, 0, sizeof(*fn));
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	Elf *elf = elf_memory(p->elf, p->elf_size);
	assert_non_null(elf);
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);

	/* the symbol table: the function's section, offset and size */
	Elf_Scn *symscn = NULL;
	GElf_Shdr symsh;
	for (Elf_Scn *s = elf_nextscn(elf, NULL); s; s = elf_nextscn(elf, s)) {
		gelf_getshdr(s, &symsh);
		if (symsh.sh_type == SHT_SYMTAB) {
			symscn = s;
			break;
		}
	}
	assert_non_null(symscn);
	Elf_Data *syms = elf_getdata(symscn, NULL);
	size_t nsyms = symsh.sh_size / symsh.sh_entsize;
	GElf_Sym fsym = {0};
	bool found = false;
	for (size_t i = 0; i < nsyms && !found; i++) {
		GElf_Sym s;
		gelf_getsym(syms, (int)i, &s);
		const char *sn = elf_strptr(elf, symsh.sh_link, s.st_name);
		if (GELF_ST_TYPE(s.st_info) == STT_FUNC && sn && !strcmp(sn, name)) {
			fsym = s;
			found = true;
		}
	}
	assert_true(found);
	Elf_Scn *text = elf_getscn(elf, fsym.st_shndx);
	Elf_Data *code = elf_getdata(text, NULL);
	assert_true(fsym.st_value + fsym.st_size <= code->d_size);
	fn->n = fsym.st_size / sizeof(struct bpf_insn);
	fn->insns = malloc(fsym.st_size);
	assert_non_null(fn->insns);
	memcpy(fn->insns, (char *)code->d_buf + fsym.st_value, fsym.st_size);

	/* its relocations: the SHT_REL section that applies to its section */
	for (Elf_Scn *s = elf_nextscn(elf, NULL); s; s = elf_nextscn(elf, s)) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		if (sh.sh_type != SHT_REL || sh.sh_info != fsym.st_shndx)
			continue;
		Elf_Data *rd = elf_getdata(s, NULL);
		size_t nrel = sh.sh_size / sh.sh_entsize;
		fn->relocs = calloc(nrel ? nrel : 1, sizeof(*fn->relocs));
		assert_non_null(fn->relocs);
		for (size_t i = 0; i < nrel; i++) {
			GElf_Rel r;
			gelf_getrel(rd, (int)i, &r);
			if (r.r_offset < fsym.st_value ||
			    r.r_offset >= fsym.st_value + fsym.st_size)
				continue;
			GElf_Sym rs;
			gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &rs);
			const char *rn = elf_strptr(elf, symsh.sh_link, rs.st_name);
			if (GELF_ST_TYPE(rs.st_info) == STT_SECTION) {
				/* a section's symbol: named by the section */
				GElf_Shdr target;
				gelf_getshdr(elf_getscn(elf, rs.st_shndx), &target);
				rn = elf_strptr(elf, shstrndx, target.sh_name);
			}
			/* names live in the malloc'd object, which outlives the fn */
			fn->relocs[fn->nrelocs++] = (struct reloc){
			    (r.r_offset - fsym.st_value) / sizeof(struct bpf_insn), rn};
		}
	}
	elf_end(elf);
}

static void fn_free(struct bpf_fn *fn)
{
	free(fn->insns);
	free(fn->relocs);
}

/* Compiles `src` through the driver (stdlib, sema, codegen, emit: what
 * --emit-elf writes) and reads the first probe's function. */
static void compile_with(struct compiled *cp, const char *src, uint32_t max_strlen)
{
	/* each compilation of this process its own CO-RE flavor (compile.h) */
	static uint32_t compilations;
	struct compile_options o;
	compile_default_options(&o);
	o.core_flavor = ++compilations;
	if (max_strlen)
		o.max_strlen = max_strlen;
	char *diags = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&diags, &len);
	assert_non_null(out);
	struct diag d;
	diag_init(&d, out);
	struct source s = {.name = "-e", .text = src, .len = strlen(src)};
	bool script_error = false;
	struct host host;
	host_init(&host);
	int rc = driver_compile(&s, &o, &host, &d, &cp->prog, &script_error);
	host_fini(&host);
	fclose(out);
	if (rc)
		print_error("compiling %s failed:\n%s", src, diags ? diags : "");
	free(diags);
	assert_int_equal(rc, 0);
	assert_true(cp->prog->m.nprobes >= 1);
	fn_from_elf(cp->prog, cp->prog->m.probes[0].prog_name, &cp->fn);
}

static void compile_ok(struct compiled *cp, const char *src)
{
	compile_with(cp, src, 0);
}

static void compiled_free(struct compiled *cp)
{
	fn_free(&cp->fn);
	program_free(cp->prog);
}

/* The ELF name of the script's map `name` ("@", "@m"). */
static const char *map_elf_name(const struct compiled *cp, const char *name)
{
	for (uint32_t i = 0; i < cp->prog->m.nmaps; i++)
		if (!strcmp(cp->prog->m.maps[i].name, name))
			return cp->prog->m.maps[i].elf_name;
	fail_msg("no map %s", name);
	return NULL;
}

static const struct map_desc *map_desc(const struct compiled *cp, const char *name)
{
	for (uint32_t i = 0; i < cp->prog->m.nmaps; i++)
		if (!strcmp(cp->prog->m.maps[i].name, name))
			return &cp->prog->m.maps[i];
	fail_msg("no map %s", name);
	return NULL;
}

/* ---- instructions ------------------------------------------------------- */

static bool is_ld_imm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_helper_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0;
}

static bool is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static bool is_exit(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_EXIT);
}

static bool is_jump(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);
	return (cls == BPF_JMP || cls == BPF_JMP32) && !is_call(in) && !is_exit(in);
}

static bool is_goto(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JA);
}

/* An atomic add to memory (lock *(u64 *)(rD + off) += rS), with or
 * without fetching the old value. */
static bool is_atomic_add(const struct bpf_insn *in)
{
	return (in->code == (BPF_STX | BPF_ATOMIC | BPF_DW) ||
	        in->code == (BPF_STX | BPF_ATOMIC | BPF_W)) &&
	       (in->imm & ~BPF_FETCH) == BPF_ADD;
}

/* The instructions after `i` that control can reach next (at most 2).
 * The second slot of an ld_imm64 is no instruction. */
static int successors(const struct bpf_fn *fn, size_t i, size_t out[2])
{
	const struct bpf_insn *in = &fn->insns[i];
	if (is_exit(in))
		return 0;
	if (is_ld_imm64(in)) {
		out[0] = i + 2;
		return 1;
	}
	if (is_goto(in)) {
		out[0] = (size_t)((long)i + 1 + in->off);
		return 1;
	}
	if (is_jump(in)) {
		out[0] = i + 1;
		out[1] = (size_t)((long)i + 1 + in->off);
		return 2;
	}
	out[0] = i + 1;
	return 1;
}

static size_t count_helper_calls(const struct bpf_fn *fn, int id)
{
	size_t n = 0;
	for (size_t i = 0; i < fn->n; i++)
		n += is_helper_call(&fn->insns[i]) && fn->insns[i].imm == id;
	return n;
}

static size_t count_all_helper_calls(const struct bpf_fn *fn)
{
	size_t n = 0;
	for (size_t i = 0; i < fn->n; i++)
		n += is_helper_call(&fn->insns[i]);
	return n;
}

static size_t count_atomic_adds(const struct bpf_fn *fn)
{
	size_t n = 0;
	for (size_t i = 0; i < fn->n; i++)
		n += is_atomic_add(&fn->insns[i]);
	return n;
}

/* The index of the `nth` (from 0) call of helper `id`, or fails. */
static size_t find_helper_call(const struct bpf_fn *fn, int id, int nth)
{
	for (size_t i = 0; i < fn->n; i++)
		if (is_helper_call(&fn->insns[i]) && fn->insns[i].imm == id && nth-- == 0)
			return i;
	fail_msg("no call %d of helper %d", nth, id);
	return 0;
}

static const char *reloc_at(const struct bpf_fn *fn, size_t insn)
{
	for (size_t i = 0; i < fn->nrelocs; i++)
		if (fn->relocs[i].insn == insn)
			return fn->relocs[i].sym;
	return NULL;
}

/* Whether `to` is reachable from `from` (itself included), and the helper
 * calls reachable from `from` (when `calls` is not NULL). */
static bool reachable(const struct bpf_fn *fn, size_t from, size_t to, size_t *calls)
{
	bool *seen = calloc(fn->n + 2, 1);
	size_t *work = malloc((fn->n + 2) * sizeof(*work));
	assert_true(seen && work);
	size_t nwork = 0;
	bool hit = false;
	if (calls)
		*calls = 0;
	work[nwork++] = from;
	seen[from] = true;
	while (nwork) {
		size_t i = work[--nwork];
		hit |= i == to;
		if (calls && is_helper_call(&fn->insns[i]))
			(*calls)++;
		size_t next[2];
		int ns = successors(fn, i, next);
		for (int k = 0; k < ns; k++) {
			assert_true(next[k] < fn->n);
			if (!seen[next[k]]) {
				seen[next[k]] = true;
				work[nwork++] = next[k];
			}
		}
	}
	free(seen);
	free(work);
	return hit;
}

/* Whether the control-flow graph has a cycle (depth-first search: an
 * edge back to an instruction on the current path). */
static bool has_cycle_from(const struct bpf_fn *fn, size_t i, uint8_t *state)
{
	state[i] = 1; /* on the path */
	size_t next[2];
	int ns = successors(fn, i, next);
	for (int k = 0; k < ns; k++) {
		if (state[next[k]] == 1)
			return true;
		if (state[next[k]] == 0 && has_cycle_from(fn, next[k], state))
			return true;
	}
	state[i] = 2; /* done */
	return false;
}

static bool has_cycle(const struct bpf_fn *fn)
{
	uint8_t *state = calloc(fn->n + 2, 1);
	assert_non_null(state);
	bool cyc = has_cycle_from(fn, 0, state);
	free(state);
	return cyc;
}

static size_t count_backward_jumps(const struct bpf_fn *fn)
{
	size_t n = 0;
	for (size_t i = 0; i < fn->n; i++)
		n += is_jump(&fn->insns[i]) && fn->insns[i].off < 0;
	return n;
}

/* ---- what registers hold ------------------------------------------------ */

enum val_kind {
	V_NONE,   /* not reached yet */
	V_CONSTS, /* one of the small constants in `mask` (see vbit) */
	V_FP,     /* the stack address r10 + off */
	V_MAP,    /* the address an ld_imm64 loads: relocation `sym` */
	V_RESULT, /* off + the result of the call at instruction `at` */
	V_UNKNOWN,
};

struct val {
	enum val_kind k;
	uint64_t mask;
	int64_t off;
	size_t at;
	const char *sym;
};

static bool val_eq(const struct val *a, const struct val *b)
{
	if (a->k != b->k)
		return false;
	switch (a->k) {
	case V_CONSTS:
		return a->mask == b->mask;
	case V_FP:
		return a->off == b->off;
	case V_MAP:
		return a->sym == b->sym;
	case V_RESULT:
		return a->at == b->at && a->off == b->off;
	case V_NONE:
	case V_UNKNOWN:
		return true;
	}
	return true;
}

static struct val val_join(struct val a, struct val b)
{
	if (a.k == V_NONE)
		return b;
	if (b.k == V_NONE)
		return a;
	if (a.k == V_CONSTS && b.k == V_CONSTS) {
		a.mask |= b.mask;
		return a;
	}
	if (val_eq(&a, &b))
		return a;
	return (struct val){.k = V_UNKNOWN};
}

struct regs {
	struct val r[11];
};

struct flow {
	struct regs *in; /* before each instruction */
	int64_t min_fp;  /* the lowest stack offset the function touches */
};

/* The bit of constant c (-1 to 62) in a V_CONSTS mask: -1 is a verdict
 * (TC_ACT_UNSPEC), the rest flags and verdicts. */
static uint64_t vbit(int64_t c)
{
	return 1ull << (c + 1);
}

static struct val v_const(int64_t c)
{
	if (c >= -1 && c < 63)
		return (struct val){.k = V_CONSTS, .mask = vbit(c)};
	return (struct val){.k = V_UNKNOWN};
}

static void touch_fp(struct flow *f, int64_t off)
{
	if (off < f->min_fp)
		f->min_fp = off;
}

/* The registers after instruction `i`, given those before it. */
static struct regs transfer(const struct bpf_fn *fn, size_t i, struct regs s, struct flow *f)
{
	const struct bpf_insn *in = &fn->insns[i];
	uint8_t cls = BPF_CLASS(in->code);
	struct val unknown = {.k = V_UNKNOWN};
	struct val *dst = &s.r[in->dst_reg], src = s.r[in->src_reg];
	switch (cls) {
	case BPF_LD:
		if (is_ld_imm64(in)) {
			const char *sym = reloc_at(fn, i);
			*dst = sym ? (struct val){.k = V_MAP, .sym = sym} : unknown;
		} else {
			s.r[BPF_REG_0] = unknown; /* legacy packet loads */
		}
		break;
	case BPF_LDX: {
		struct val base = s.r[in->src_reg];
		if (in->src_reg == BPF_REG_10)
			touch_fp(f, in->off);
		else if (base.k == V_FP)
			touch_fp(f, base.off + in->off);
		*dst = unknown;
		break;
	}
	case BPF_ST:
	case BPF_STX: {
		struct val base = s.r[in->dst_reg];
		if (in->dst_reg == BPF_REG_10)
			touch_fp(f, in->off);
		else if (base.k == V_FP)
			touch_fp(f, base.off + in->off);
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC && (in->imm & BPF_FETCH))
			s.r[in->imm == BPF_CMPXCHG ? BPF_REG_0 : in->src_reg] = unknown;
		break;
	}
	case BPF_ALU:
	case BPF_ALU64: {
		uint8_t op = BPF_OP(in->code);
		bool k = BPF_SRC(in->code) == BPF_K;
		if (op == BPF_MOV && k) {
			/* w0 = -1 leaves 0xffffffff, which an int return value reads as -1 */
			*dst = v_const(in->imm);
		} else if (op == BPF_MOV && cls == BPF_ALU64 && in->off == 0) {
			*dst = in->src_reg == BPF_REG_10 ? (struct val){.k = V_FP, .off = 0} : src;
			if (dst->k == V_FP)
				touch_fp(f, dst->off);
		} else if (op == BPF_MOV && cls == BPF_ALU && in->off == 0 && src.k == V_CONSTS) {
			/* w0 = w1: the low 32 bits, all an int return value reads
			 * (-1 as above) */
			*dst = src;
		} else if (op == BPF_ADD && k && cls == BPF_ALU64 &&
		           (dst->k == V_FP || dst->k == V_RESULT)) {
			dst->off += in->imm;
			if (dst->k == V_FP)
				touch_fp(f, dst->off);
		} else {
			*dst = unknown;
		}
		break;
	}
	case BPF_JMP:
	case BPF_JMP32:
		if (is_call(in)) {
			for (int r = BPF_REG_1; r <= BPF_REG_5; r++) {
				/* a stack address passed to a helper */
				if (s.r[r].k == V_FP)
					touch_fp(f, s.r[r].off);
				s.r[r] = unknown;
			}
			s.r[BPF_REG_0] = (struct val){.k = V_RESULT, .at = i};
		}
		break;
	}
	return s;
}

/* Runs the dataflow to its fixed point: r1 holds the context, r10 the
 * frame pointer, the rest nothing yet. */
static void flow_run(const struct bpf_fn *fn, struct flow *f)
{
	f->in = calloc(fn->n + 2, sizeof(*f->in));
	assert_non_null(f->in);
	f->min_fp = 0;
	for (int r = 0; r < 11; r++)
		f->in[0].r[r] = (struct val){.k = V_UNKNOWN};
	f->in[0].r[BPF_REG_10] = (struct val){.k = V_FP, .off = 0};
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < fn->n; i++) {
			if (f->in[i].r[BPF_REG_10].k == V_NONE)
				continue; /* not reached, or an ld_imm64's second slot */
			struct regs out = transfer(fn, i, f->in[i], f);
			size_t next[2];
			int ns = successors(fn, i, next);
			for (int k = 0; k < ns; k++) {
				assert_true(next[k] < fn->n);
				struct regs *to = &f->in[next[k]];
				for (int r = 0; r < 11; r++) {
					struct val j = val_join(to->r[r], out.r[r]);
					if (!val_eq(&j, &to->r[r])) {
						to->r[r] = j;
						changed = true;
					}
				}
			}
		}
	}
}

static void flow_free(struct flow *f)
{
	free(f->in);
}

/* Bytes of stack the function uses: the deepest offset below r10 that it
 * reads, writes or hands a helper. */
static int64_t stack_depth(const struct bpf_fn *fn)
{
	struct flow f;
	flow_run(fn, &f);
	int64_t depth = -f.min_fp;
	flow_free(&f);
	return depth;
}

/* What the helper call at `call` is passed in register `reg`. */
static struct val call_arg(const struct bpf_fn *fn, size_t call, int reg)
{
	struct flow f;
	flow_run(fn, &f);
	struct val v = f.in[call].r[reg];
	flow_free(&f);
	return v;
}

/* The map a helper call at `call` is given in r1 (its ELF symbol). */
static const char *call_map(const struct bpf_fn *fn, size_t call)
{
	struct val v = call_arg(fn, call, BPF_REG_1);
	assert_int_equal(v.k, V_MAP);
	return v.sym;
}

/* The lookups of map `sym`. */
static size_t count_map_calls(const struct bpf_fn *fn, int helper, const char *sym)
{
	struct flow f;
	flow_run(fn, &f);
	size_t n = 0;
	for (size_t i = 0; i < fn->n; i++) {
		const struct bpf_insn *in = &fn->insns[i];
		if (is_helper_call(in) && in->imm == helper && f.in[i].r[BPF_REG_1].k == V_MAP &&
		    !strcmp(f.in[i].r[BPF_REG_1].sym, sym))
			n++;
	}
	flow_free(&f);
	return n;
}

/* The first NULL test of the result of the call at `call`: where control
 * goes when it is not NULL (*hit) and when it is (*miss). */
static void null_test(const struct bpf_fn *fn, size_t call, size_t *hit, size_t *miss)
{
	struct flow f;
	flow_run(fn, &f);
	for (size_t i = call + 1; i < fn->n; i++) {
		const struct bpf_insn *in = &fn->insns[i];
		uint8_t op = BPF_OP(in->code);
		struct val v = f.in[i].r[in->dst_reg];
		if (BPF_CLASS(in->code) != BPF_JMP || BPF_SRC(in->code) != BPF_K || in->imm != 0 ||
		    (op != BPF_JEQ && op != BPF_JNE) || v.k != V_RESULT || v.at != call || v.off)
			continue;
		size_t taken = (size_t)((long)i + 1 + in->off);
		*hit = op == BPF_JNE ? taken : i + 1;
		*miss = op == BPF_JNE ? i + 1 : taken;
		flow_free(&f);
		return;
	}
	flow_free(&f);
	fail_msg("the result of the call at %zu is never tested for NULL", call);
}

/* After the lookup at `lookup`: a hit reaches no helper call at all, and
 * every call of helper `id` is on the miss path. */
static void only_on_miss_path(const struct bpf_fn *fn, size_t lookup, int id)
{
	size_t hit, miss, calls;
	null_test(fn, lookup, &hit, &miss);
	reachable(fn, hit, hit, &calls); /* only the calls it counts */
	assert_int_equal(calls, 0);
	for (size_t i = 0; i < fn->n; i++) {
		if (!is_helper_call(&fn->insns[i]) || fn->insns[i].imm != id)
			continue;
		if (!reachable(fn, miss, i, NULL))
			fail_msg("the call of helper %d at %zu is not on the miss path", id, i);
	}
}

/* The constants r0 may hold at each exit, or'ed together; fails when an
 * exit can return something not constant. */
static uint64_t exit_values(const struct bpf_fn *fn, const char *what)
{
	struct flow f;
	flow_run(fn, &f);
	uint64_t all = 0;
	size_t nexits = 0;
	for (size_t i = 0; i < fn->n; i++) {
		if (!is_exit(&fn->insns[i]) || f.in[i].r[BPF_REG_10].k == V_NONE)
			continue;
		nexits++;
		struct val r0 = f.in[i].r[BPF_REG_0];
		if (r0.k != V_CONSTS)
			fail_msg("%s: the exit at instruction %zu may return a non-constant", what,
			         i);
		all |= r0.mask;
	}
	flow_free(&f);
	assert_true(nexits > 0);
	return all;
}

/* ---- aggregations -------------------------------------------------------- */

/* A keyless count() lives in a one-slot per-CPU array (codegen's
 * map_is_array): one lookup, which the kernel inlines, and an add through
 * the pointer it returns. The slot is this CPU's, so the add is a plain
 * load, add and store, not an atomic; the slot always exists, so nothing
 * is ever inserted and no other helper is called. */
static void test_keyless_count(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp, "BEGIN { @ = count(); }");
	const char *map = map_elf_name(&cp, "@");
	assert_int_equal(map_desc(&cp, "@")->bpf_type, BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 1);
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_lookup_elem, map), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_update_elem), 0);
	assert_int_equal(count_all_helper_calls(&cp.fn), 1);
	assert_int_equal(count_atomic_adds(&cp.fn), 0);
	/* exactly one store, and it goes through the lookup's pointer */
	size_t lookup = find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0);
	struct flow f;
	flow_run(&cp.fn, &f);
	size_t stores = 0, slot_stores = 0;
	for (size_t i = 0; i < cp.fn.n; i++) {
		const struct bpf_insn *in = &cp.fn.insns[i];
		if (BPF_CLASS(in->code) != BPF_STX && BPF_CLASS(in->code) != BPF_ST)
			continue;
		if (in->dst_reg == BPF_REG_10 || f.in[i].r[in->dst_reg].k == V_FP)
			continue; /* the key */
		stores++;
		struct val base = f.in[i].r[in->dst_reg];
		slot_stores += base.k == V_RESULT && base.at == lookup && in->off + base.off == 0;
	}
	flow_free(&f);
	assert_int_equal(stores, 1);
	assert_int_equal(slot_stores, 1);
	compiled_free(&cp);
}

/* A keyed count() is a per-CPU hash: a key seen before costs one lookup
 * and no other helper call; only the miss path inserts, with the first
 * count as the value (one update, no second lookup), and counts a refused
 * insert with the update's sign bit, added without a branch. */
static void test_keyed_count(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp, "BEGIN { @[pid] = count(); }");
	const char *map = map_elf_name(&cp, "@");
	assert_int_equal(map_desc(&cp, "@")->bpf_type, BPF_MAP_TYPE_PERCPU_HASH);
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_lookup_elem, map), 1);
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_update_elem, map), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_update_elem), 1);

	size_t lookup = find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0);
	size_t update = find_helper_call(&cp.fn, BPF_FUNC_map_update_elem, 0);
	only_on_miss_path(&cp.fn, lookup, BPF_FUNC_map_update_elem);
	/* the update uses the lookup's key (one key buffer) */
	struct val k1 = call_arg(&cp.fn, lookup, BPF_REG_2),
	           k2 = call_arg(&cp.fn, update, BPF_REG_2);
	assert_int_equal(k1.k, V_FP);
	assert_int_equal(k2.k, V_FP);
	assert_int_equal(k1.off, k2.off);
	/* BPF_ANY: per-CPU, another CPU inserting first loses nothing */
	struct val flags = call_arg(&cp.fn, update, BPF_REG_4);
	assert_int_equal(flags.k, V_CONSTS);
	assert_int_equal(flags.mask, vbit(BPF_ANY));

	/* the refused insert: one atomic add, into the counters, after the
	 * update with no jump in between, its result unused */
	assert_int_equal(count_atomic_adds(&cp.fn), 1);
	size_t add = update + 1;
	while (add < cp.fn.n && !is_atomic_add(&cp.fn.insns[add])) {
		assert_false(is_jump(&cp.fn.insns[add]));
		assert_false(is_exit(&cp.fn.insns[add]));
		add++;
	}
	assert_true(add < cp.fn.n);
	assert_int_equal(cp.fn.insns[add].imm & BPF_FETCH, 0);
	struct val base = call_arg(&cp.fn, add, cp.fn.insns[add].dst_reg);
	assert_int_equal(base.k, V_MAP);
	assert_string_equal(base.sym, "sonde_counters");
	compiled_free(&cp);
}

/* Aggregations other than count() and sum() insert zeroes the first time:
 * from .rodata, since a histogram's 66 buckets would not fit on the
 * stack, with BPF_NOEXIST, then look the key up again. */
static void test_keyed_hist_inserts_zeroes_from_rodata(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp, "BEGIN { @[pid] = hist(nsecs); }");
	const char *map = map_elf_name(&cp, "@");
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_lookup_elem, map), 2);
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_update_elem, map), 1);
	size_t update = find_helper_call(&cp.fn, BPF_FUNC_map_update_elem, 0);
	struct val value = call_arg(&cp.fn, update, BPF_REG_3);
	assert_int_equal(value.k, V_MAP);
	assert_int_equal(strncmp(value.sym, ".rodata", 7), 0);
	struct val flags = call_arg(&cp.fn, update, BPF_REG_4);
	assert_int_equal(flags.k, V_CONSTS);
	assert_int_equal(flags.mask, vbit(BPF_NOEXIST));
	only_on_miss_path(&cp.fn, find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0),
	                  BPF_FUNC_map_update_elem);
	/* key (8) and nothing else on the stack */
	assert_true(stack_depth(&cp.fn) <= 8);
	compiled_free(&cp);
}

/* hist()'s log2 is found by halving the range in a fixed number of steps:
 * straight-line code, no loop for the verifier to bound. */
static void test_hist_log2_has_no_loop(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp, "BEGIN { @ = hist(nsecs); }");
	assert_false(has_cycle(&cp.fn));
	/* LLVM lays it out with no jump backwards either */
	assert_int_equal(count_backward_jumps(&cp.fn), 0);
	/* a keyless hist is an array slot too: one lookup, no insert */
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_update_elem), 0);
	compiled_free(&cp);
}

/* What the loop check above looks for: a while loop whose trip count
 * LLVM cannot know is a cycle in the emitted code. */
static void test_while_is_a_loop(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp, "BEGIN { $i = 0; while ($i < nsecs % 10) { $i++; @ = count(); } }");
	assert_true(has_cycle(&cp.fn));
	compiled_free(&cp);
}

/* ---- events -------------------------------------------------------------- */

/* printf() writes its record straight into ring-buffer memory: one reserve
 * and one submit, no bpf_ringbuf_output of a copy, and the record is not
 * built on the stack (the stack holds less than the record; what it holds
 * are LLVM's spills of the twelve values across the helper calls). */
static void test_printf_writes_into_the_ring_buffer(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp,
	           "BEGIN { printf(\"%d %d %d %d %d %d %d %d %d %d %d %d\\n\", pid, tid, uid, "
	           "gid, cpu, nsecs, pid + 1, tid + 1, uid + 1, gid + 1, cpu + 1, nsecs + 1); }");
	assert_int_equal(cp.prog->m.nfmts, 1);
	uint32_t record = (uint32_t)sizeof(struct event_hdr) + cp.prog->m.fmts[0].size;
	assert_true(record >= 8 + 12 * 4);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_ringbuf_reserve), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_ringbuf_submit), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_ringbuf_output), 0);
	size_t reserve = find_helper_call(&cp.fn, BPF_FUNC_ringbuf_reserve, 0);
	assert_string_equal(call_map(&cp.fn, reserve), cp.prog->m.events_map);
	int64_t depth = stack_depth(&cp.fn);
	assert_true(depth < (int64_t)record);
	/* the submit is only reached when the reserve succeeded */
	size_t submit = find_helper_call(&cp.fn, BPF_FUNC_ringbuf_submit, 0), hit, miss;
	null_test(&cp.fn, reserve, &hit, &miss);
	assert_false(reachable(&cp.fn, miss, submit, NULL));
	struct val rec = call_arg(&cp.fn, submit, BPF_REG_1);
	assert_int_equal(rec.k, V_RESULT);
	assert_int_equal(rec.at, reserve);
	compiled_free(&cp);
}

/* pid and tid come from one bpf_get_current_pid_tgid() call, uid and gid
 * from one bpf_get_current_uid_gid(): codegen marks those helpers as
 * reading no memory, so LLVM keeps a single call. */
static void test_pure_helpers_are_called_once(void **state)
{
	(void)state;
	struct compiled cp;
	compile_ok(&cp,
	           "BEGIN { printf(\"%d %d %d %d %d %d\\n\", pid, tid, uid, gid, pid, uid); }");
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_get_current_pid_tgid), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_get_current_uid_gid), 1);
	compiled_free(&cp);
}

/* ---- stack --------------------------------------------------------------- */

/* Programs without variables use no more stack than their buffers need
 * (each figure below is what they use now): codegen rounds every buffer
 * to 8 bytes and releases a statement's buffers when it ends, and LLVM
 * keeps everything else in registers. */
static void test_stack_is_what_the_buffers_need(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		int64_t bytes; /* and why */
	} cases[] = {
	    /* a constant record: nothing on the stack */
	    {"BEGIN { printf(\"hello\\n\"); }", 0},
	    /* exit(): its 8-byte record, sent with bpf_ringbuf_output */
	    {"BEGIN { exit(); }", 8},
	    /* the array's u32 key (rounded to 8) */
	    {"BEGIN { @ = count(); }", 8},
	    /* key (u32 pid, rounded to 8) and the first value of an insert */
	    {"BEGIN { @[pid] = count(); }", 16},
	    /* key (comm: 16) and the first value */
	    {"BEGIN { @[comm] = count(); }", 24},
	    /* str() buffer (65 bytes read, rounded to 72), the 64-byte key,
	     * the first value */
	    {"BEGIN { @[str(nsecs)] = count(); }", 72 + 64 + 8},
	    /* two such statements one after the other reuse the same bytes */
	    {"BEGIN { @a[str(nsecs)] = count(); @b[str(nsecs)] = count(); }", 72 + 64 + 8},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compiled cp;
		compile_ok(&cp, cases[i].src);
		int64_t depth = stack_depth(&cp.fn);
		if (depth > cases[i].bytes)
			fail_msg("%s uses %lld bytes of stack, more than the %lld it needs",
			         cases[i].src, (long long)depth, (long long)cases[i].bytes);
		compiled_free(&cp);
	}
}

/* A map key larger than a stack buffer may be (STACK_BUF_MAX, 128 bytes)
 * lives in the program's per-CPU scratch memory: the key the map lookup
 * is given is an address in the scratch map's one value, and the stack
 * holds only the scratch map's key and the first value. A 64-byte key
 * stays on the stack and needs no scratch map. */
static void test_large_str_key_uses_scratch(void **state)
{
	(void)state;
	const char *src = "BEGIN { @[str(nsecs)] = count(); }";
	struct compiled cp;

	compile_with(&cp, src, 64);
	const char *map = map_elf_name(&cp, "@");
	size_t lookup = find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0);
	assert_string_equal(call_map(&cp.fn, lookup), map);
	assert_int_equal(call_arg(&cp.fn, lookup, BPF_REG_2).k, V_FP);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 1);
	compiled_free(&cp);

	compile_with(&cp, src, 200);
	map = map_elf_name(&cp, "@");
	/* the scratch lookup first, where the function starts, then the map's */
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 2);
	size_t scratch = find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0);
	lookup = find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 1);
	assert_string_equal(call_map(&cp.fn, lookup), map);
	assert_string_not_equal(call_map(&cp.fn, scratch), map);
	struct val key = call_arg(&cp.fn, lookup, BPF_REG_2);
	assert_int_equal(key.k, V_RESULT);
	assert_int_equal(key.at, scratch);
	assert_true(stack_depth(&cp.fn) <= 16);
	compiled_free(&cp);

	/* two such keys: still one scratch lookup per function */
	compile_with(&cp, "BEGIN { @a[str(nsecs)] = count(); @b[str(nsecs)] = count(); }", 200);
	const char *scratch_map =
	    call_map(&cp.fn, find_helper_call(&cp.fn, BPF_FUNC_map_lookup_elem, 0));
	assert_int_equal(count_map_calls(&cp.fn, BPF_FUNC_map_lookup_elem, scratch_map), 1);
	assert_int_equal(count_helper_calls(&cp.fn, BPF_FUNC_map_lookup_elem), 3);
	compiled_free(&cp);
}

/* ---- XDP ----------------------------------------------------------------- */

/* The text of examples/NAME with its interface replaced by lo, which every
 * machine has (the examples name eth0: xdp:eth0, tc:eth0:ingress). */
static char *example_on_lo(const char *name)
{
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	int dirlen = slash ? (int)(slash - src) : 1;
	char path[4096];
	snprintf(path, sizeof(path), "%.*s/../../examples/%s", dirlen, slash ? src : ".", name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char *text = NULL;
	size_t n = 0;
	FILE *copy = open_memstream(&text, &n);
	assert_non_null(copy);
	for (int ch; (ch = fgetc(f)) != EOF;)
		fputc(ch, copy);
	fclose(copy);
	fclose(f);
	/* ":lo" is shorter than ":eth0" */
	char *out = malloc(n + 1);
	assert_non_null(out);
	char *o = out;
	for (const char *p = text; *p;) {
		if (!strncmp(p, ":eth0", 5)) {
			memcpy(o, ":lo", 3);
			o += 3;
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	free(text);
	assert_non_null(strstr(out, ":lo"));
	return out;
}

/* Every way out of a packet program returns a verdict constant: XDP_DROP
 * where the script says drop, else XDP_PASS (tc: TC_ACT_UNSPEC, which
 * leaves the packet to the next filter), never a helper's result or
 * whatever r0 held last. */
static void test_packet_examples_return_verdicts(void **state)
{
	(void)state;
	const struct {
		const char *file;
		const char *provider;
		uint64_t verdicts;
	} cases[] = {
	    {"udp-blocklist.sd", "xdp", vbit(XDP_DROP) | vbit(XDP_PASS)},
	    {"syn-flood.sd", "xdp", vbit(XDP_PASS)},
	    {"pkt-proto-count.sd", "xdp", vbit(XDP_PASS)},
	    {"pkt-top-talkers.sd", "xdp", vbit(XDP_PASS)},
	    {"pkt-size-hist.sd", "tc", vbit(TC_ACT_UNSPEC)},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *src = example_on_lo(cases[i].file);
		struct compiled cp;
		compile_ok(&cp, src);
		assert_string_equal(cp.prog->m.probes[0].provider, cases[i].provider);
		uint64_t got = exit_values(&cp.fn, cases[i].file);
		if (got != cases[i].verdicts)
			fail_msg("%s: exits return the verdicts %#llx, want %#llx", cases[i].file,
			         (unsigned long long)got, (unsigned long long)cases[i].verdicts);
		compiled_free(&cp);
		free(src);
	}
}

/* The object's section `name` (its bytes stay the program's), or NULL. */
static const void *elf_section(const struct program *p, const char *name, size_t *size)
{
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	Elf *elf = elf_memory(p->elf, p->elf_size);
	assert_non_null(elf);
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	const void *found = NULL;
	for (Elf_Scn *s = elf_nextscn(elf, NULL); s && !found; s = elf_nextscn(elf, s)) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		const char *sn = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sn && !strcmp(sn, name)) {
			Elf_Data *data = elf_getdata(s, NULL);
			found = data->d_buf;
			*size = data->d_size;
		}
	}
	elf_end(elf);
	return found;
}

/* Bytes of CO-RE relocation records in the object's .BTF.ext (the
 * core_relo_len of its header, struct btf_ext_header in libbpf). */
static uint32_t core_relo_bytes(const struct program *p)
{
	size_t size = 0;
	const unsigned char *ext = elf_section(p, ".BTF.ext", &size);
	assert_non_null(ext);
	uint32_t hdr_len, core_relo_len;
	assert_true(size >= 32);
	memcpy(&hdr_len, ext + 4, 4);
	assert_true(hdr_len >= 32);
	memcpy(&core_relo_len, ext + 28, 4);
	return core_relo_len;
}

/* The object's .BTF has a struct named `name`. */
static bool btf_has_struct(const struct program *p, const char *name)
{
	size_t size = 0;
	const void *raw = elf_section(p, ".BTF", &size);
	assert_non_null(raw);
	struct btf *btf = btf__new(raw, (uint32_t)size);
	assert_non_null(btf);
	bool has = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT) > 0;
	btf__free(btf);
	return has;
}

/* One process compiling kernel member reads more than once: LLVM 19's BPF
 * backend keeps each CO-RE relocation's global in a map of the process,
 * keyed by the struct's name and the access, that outlives the module.
 * Two scripts reading the same member, and one script twice, must not
 * meet in it (under ASan, a repeated key is a use after free inside
 * LLVM): each compilation names the struct with its own libbpf flavor,
 * and each object still carries its relocations. */
static void test_core_compilations_share_no_relocation_globals(void **state)
{
	(void)state;
	static const char *const scripts[] = {
	    "BEGIN { print(curtask->real_parent->tgid); exit(); }",
	    "BEGIN { print(curtask->real_parent->pid); exit(); }",
	    "BEGIN { print(curtask->real_parent->tgid); exit(); }",
	};
	enum { N = sizeof(scripts) / sizeof(scripts[0]) };
	struct compiled cp[N];
	char flavored[N][64];
	/* all compiled first: each module is freed before the next is built,
	 * and a repeated key shows in the next one's compilation */
	for (size_t i = 0; i < N; i++)
		compile_ok(&cp[i], scripts[i]);
	for (size_t i = 0; i < N; i++) {
		assert_true(core_relo_bytes(cp[i].prog) > 0);
		bool named = false;
		for (uint32_t k = 1; k < 1000 && !named; k++) {
			snprintf(flavored[i], sizeof(flavored[i]), "task_struct___s%u", k);
			named = btf_has_struct(cp[i].prog, flavored[i]);
		}
		if (!named)
			fail_msg("%s: no flavored task_struct in the object's BTF", scripts[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(flavored[i], flavored[j]);
	}
	for (size_t i = 0; i < N; i++)
		compiled_free(&cp[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keyless_count),
	    cmocka_unit_test(test_keyed_count),
	    cmocka_unit_test(test_keyed_hist_inserts_zeroes_from_rodata),
	    cmocka_unit_test(test_hist_log2_has_no_loop),
	    cmocka_unit_test(test_while_is_a_loop),
	    cmocka_unit_test(test_printf_writes_into_the_ring_buffer),
	    cmocka_unit_test(test_pure_helpers_are_called_once),
	    cmocka_unit_test(test_stack_is_what_the_buffers_need),
	    cmocka_unit_test(test_large_str_key_uses_scratch),
	    cmocka_unit_test(test_packet_examples_return_verdicts),
	    cmocka_unit_test(test_core_compilations_share_no_relocation_globals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
