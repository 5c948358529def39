/*
 * scratch.c - where values live: buffers on the stack within a function's
 * budget or in the program's per-CPU scratch memory (see cg_internal.h),
 * released per statement; the scratch lookup at a function's start and
 * the scratch map once its size is known; variables' slots.
 */
#include "backend/cg_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* The address `off` bytes into this CPU's scratch memory, computed here
 * (addresses computed once up front would each hold a register, or a
 * stack slot, for the whole run). The lookup is made the first time a
 * function needs it, in a block of its own between the entry and the
 * body, which ends the run if the lookup fails (it cannot: the array has
 * its one entry). */
static LLVMValueRef scratch_addr(struct cg *g, uint32_t off)
{
	if (!g->scratch) {
		if (!g->scratch_map)
			g->scratch_map = LLVMAddGlobal(g->mod, g->i8, "scratch.placeholder");
		g->scratch_bb = new_block(g, "scratch");
		LLVMPositionBuilderAtEnd(g->sb, g->scratch_bb);
		LLVMSetCurrentDebugLocation2(g->sb, LLVMGetCurrentDebugLocation2(g->ab));
		LLVMValueRef key = LLVMBuildAlloca(g->ab, g->i32, "scratch_key");
		LLVMBuildStore(g->sb, LLVMConstInt(g->i32, 0, 0), key);
		LLVMBuilderRef body = g->b;
		g->b = g->sb;
		LLVMValueRef args[] = {g->scratch_map, key};
		g->scratch = cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
		g->b = body;
		/* map values are 8-aligned: lets LLVM copy in words */
		unsigned align = LLVMGetEnumAttributeKindForName("align", 5);
		LLVMAddCallSiteAttribute(g->scratch, LLVMAttributeReturnIndex,
					 LLVMCreateEnumAttribute(g->ctx, align, 8));
	}
	return gep(g, g->scratch, off);
}

/* Ends the function's entry: into the scratch lookup when there is one,
 * then to `body`. */
void finish_entry(struct cg *g, LLVMBasicBlockRef body)
{
	LLVMPositionBuilderAtEnd(g->ab, g->entry);
	if (!g->scratch_bb) {
		LLVMBuildBr(g->ab, body);
		return;
	}
	LLVMBuildBr(g->ab, g->scratch_bb);
	/* sb may hold a location of another function's */
	LLVMSetCurrentDebugLocation2(g->sb, LLVMGetCurrentDebugLocation2(g->ab));
	LLVMBasicBlockRef none = new_block(g, "no_scratch");
	LLVMBuildCondBr(g->sb, LLVMBuildIsNull(g->sb, g->scratch, ""), none, body);
	LLVMPositionBuilderAtEnd(g->b, none);
	ret_default(g);
}

/* Scratch bytes [off, off + size) of the program are taken: the first
 * time its scratch memory grows past what the kernel allows one per-CPU
 * value, the code being generated is told why. */
void scratch_take(struct cg *g, uint32_t off, uint32_t size)
{
	if (off + size > g->scratch_size)
		g->scratch_size = off + size;
	if (g->scratch_size <= SCRATCH_MAX || g->scratch_full)
		return;
	g->scratch_full = g->failed = true;
	diag_error(g->c->diag, g->loc,
		   "this needs more than %u bytes of memory for strings and other values at once",
		   (unsigned)SCRATCH_MAX);
	diag_note(g->c->diag, (struct loc){0},
		  "a probe has 512 bytes of stack and %u KiB of per-CPU memory for them; lower "
		  "--max-strlen (now %u), ask str() and buf() for fewer bytes, or spread the "
		  "values over more statements",
		  (unsigned)SCRATCH_MAX / 1024, g->c->opts->max_strlen);
}

/* A buffer of `size` bytes, zero-filled unless a helper writes every byte
 * of it; on the stack while the function's budget allows, else in scratch
 * memory. */
LLVMValueRef buf_new(struct cg *g, uint32_t size, bool zeroed, enum buf_life life, const char *name)
{
	uint32_t rounded = round8(size);
	bool on_stack = life != BUF_TEMP ||
			(rounded <= STACK_BUF_MAX && g->stack_used + rounded <= g->stack_budget);
	LLVMValueRef p;
	if (on_stack) {
		LLVMValueRef a = LLVMBuildAlloca(g->ab, LLVMArrayType2(g->i8, rounded), name);
		LLVMSetAlignment(a, 8);
		lifetime(g, "llvm.lifetime.start.p0", a, rounded);
		if (life != BUF_FUNC)
			g->stack_used += rounded;
		p = a;
	} else {
		scratch_take(g, g->scratch_top, rounded);
		p = scratch_addr(g, g->scratch_top);
		g->scratch_top += rounded;
	}
	if (zeroed)
		zero_fill(g, p, rounded, !on_stack);
	if (life == BUF_FUNC)
		return p;
	if (g->ntemps == g->cap_temps) {
		uint32_t cap = g->cap_temps ? 2 * g->cap_temps : 64;
		struct temp_buf *t = realloc(g->temps, cap * sizeof(*t));
		if (!t) {
			fprintf(stderr, "sonde: out of memory\n");
			exit(5);
		}
		g->temps = t;
		g->cap_temps = cap;
	}
	g->temps[g->ntemps++] = (struct temp_buf){p, rounded, on_stack, false};
	return p;
}

/* A zero-filled temporary, and one that a helper fills. */
LLVMValueRef new_buf(struct cg *g, uint32_t size, const char *name)
{
	return buf_new(g, size, true, BUF_TEMP, name);
}

LLVMValueRef new_buf_filled_by_callee(struct cg *g, uint32_t size, const char *name)
{
	return buf_new(g, size, false, BUF_TEMP, name);
}

/* Undoes the newest temporaries while they are released. */
static void pop_done_temps(struct cg *g)
{
	while (g->ntemps && g->temps[g->ntemps - 1].done) {
		struct temp_buf *t = &g->temps[--g->ntemps];
		if (t->on_stack)
			g->stack_used -= t->size;
		else
			g->scratch_top -= t->size;
	}
}

/* Releases a temporary before its statement ends: nothing reads it after
 * this point, on any path. */
void buf_done(struct cg *g, LLVMValueRef buf)
{
	for (uint32_t i = g->ntemps; i-- > 0;) {
		struct temp_buf *t = &g->temps[i];
		if (t->ptr != buf || t->done)
			continue;
		if (t->on_stack)
			lifetime(g, "llvm.lifetime.end.p0", buf, t->size);
		t->done = true;
		pop_done_temps(g);
		return;
	}
}

struct buf_mark buf_mark(struct cg *g)
{
	return (struct buf_mark){g->ntemps, g->scratch_top, g->stack_used};
}

/* Releases the temporaries made since `m`; `end_lifetimes` is false when
 * the function they belong to is already finished. */
void buf_release(struct cg *g, struct buf_mark m, bool end_lifetimes)
{
	for (uint32_t i = g->ntemps; end_lifetimes && i-- > m.ntemps;) {
		struct temp_buf *t = &g->temps[i];
		if (t->on_stack && !t->done)
			lifetime(g, "llvm.lifetime.end.p0", t->ptr, t->size);
	}
	g->ntemps = m.ntemps;
	g->scratch_top = m.scratch_top;
	g->stack_used = m.stack_used;
}

LLVMValueRef var_slot(struct cg *g, struct var_info *v)
{
	if (g->in_callback && v != g->cb_kv) {
		/* the probe's variable: at the same place in scratch memory, or
		 * on the probe's stack through the pointer the probe passed */
		if (v->scratch_offset >= 0)
			return scratch_addr(g, (uint32_t)v->scratch_offset);
		LLVMValueRef ctx = g->cb_ctx;
		for (const struct cb_scope *sc = g->cb_scope; sc; sc = sc->up) {
			if (!sc->up) {
				for (uint32_t i = 0; i < sc->nvars; i++)
					if (sc->vars[i] == v)
						return LLVMBuildLoad2(g->b, g->ptr,
								      gep(g, ctx, 16 + 8 * i), "");
				break;
			}
			if (v == sc->outer_kv)
				return LLVMBuildLoad2(g->b, g->ptr, gep(g, ctx, 24), "");
			ctx = LLVMBuildLoad2(g->b, g->ptr, gep(g, ctx, 16), "outer_ctx");
		}
	}
	if (!v->slot) {
		/* placed where the probe starts (place_vars) */
		if (v->scratch_offset >= 0) {
			/* zeroed once; its address is computed where it is used */
			LLVMValueRef p = scratch_addr(g, (uint32_t)v->scratch_offset);
			zero_fill(g, p, round8(v->type->size), true);
			v->slot = p;
			return p;
		} else {
			v->slot = buf_new(g, v->type->size, true, BUF_FUNC, v->name);
		}
	}
	if (v->scratch_offset >= 0)
		return scratch_addr(g, (uint32_t)v->scratch_offset);
	return v->slot;
}

/* The program's scratch map, now that its size is known, in place of the
 * placeholder its code refers to. */
void finish_scratch(struct cg *g, struct probe_inst *pi)
{
	if (!g->scratch_map)
		return;
	const char *name = arena_printf(&g->c->arena, "%s_scratch", pi->prog_name);
	LLVMValueRef map = emit_map(g->em, name, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4,
				    g->scratch_size, pi->probe->loc.first_line);
	LLVMReplaceAllUsesWith(g->scratch_map, map);
	LLVMDeleteGlobal(g->scratch_map);
	g->scratch_map = NULL;
}
