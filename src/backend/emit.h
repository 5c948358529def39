/*
 * emit.h - the LLVM module's target side: debug info that becomes BTF,
 * the pass pipeline, and ELF emission in memory.
 *
 * All LLVM debug-info calls live in emit.c. The BPF backend turns that
 * debug info into .BTF (map definitions, function prototypes) and .BTF.ext
 * (func and line info), which is how a verifier rejection can point back at
 * a script line.
 */
#ifndef SONDE_EMIT_H
#define SONDE_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

struct emit;

/* Sets up target, data layout and a compile unit whose file is `path`
 * (read back after codegen for the source text of line info). core_flavor is
 * compile_options' (compile.h): not 0, the kernel structs CO-RE
 * relocations name get it as a libbpf flavor (emit_core_member). */
struct emit *emit_new(LLVMModuleRef mod, const char *path, uint32_t core_flavor, char **err);
void emit_free(struct emit *e);

/* Declares a BTF-defined map `name` in section .maps. key_size 0 means
 * the map type has no key (ring buffer). */
LLVMValueRef emit_map(struct emit *e, const char *name, uint32_t map_type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size, int line);
/* Declares kernel variable `name` (the BTF VAR `var_id` of kernel_btf)
 * as an extern of section .ksyms, typed as the kernel types it, which is
 * how libbpf resolves a typed __ksym: it loads the variable's address
 * with ldimm64 BPF_PSEUDO_BTF_ID, what bpf_per_cpu_ptr and
 * bpf_this_cpu_ptr take. One declaration per name; NULL when the
 * program has a global of that name of its own (map0, events, zeros). */
struct btf;
/* The debug type a CO-RE relocation of member `member` of named kernel
 * struct `rec_id` refers to: the struct with its name and size and that
 * one member, at bit_off (a bitfield of bit_size bits when that is not
 * 0), typed as the kernel types it (libbpf matches
 * the member by name in the running kernel's struct, through anonymous
 * members too, and checks its type's kind). *index is the member's access
 * index: one per struct and member in the module (the debug struct has
 * unnamed members before it). The struct is named NAME___sN with emit's
 * core_flavor N when that is not 0. NULL for anonymous records,
 * unions and types with no size. */
LLVMMetadataRef emit_core_member(struct emit *e, const struct btf *kernel_btf, uint32_t rec_id,
				 const char *member, uint32_t bit_off, uint32_t bit_size,
				 uint32_t member_type, unsigned *index);
LLVMValueRef emit_kernel_var(struct emit *e, const struct btf *kernel_btf, const char *name,
			     uint32_t var_id);
/* Declares kernel function `name` (a kfunc in kernel_btf) as an extern
 * of section .ksyms with LLVM type fn_type: a call of it becomes a
 * BPF_PSEUDO_KFUNC_CALL once libbpf resolves it. One declaration per
 * name; NULL when the kernel's BTF has no such function or the program
 * has a symbol of that name of its own. */
LLVMValueRef emit_kernel_func(struct emit *e, const struct btf *kernel_btf, const char *name,
			      LLVMTypeRef fn_type);
/* Debug info for a program function `int name(void *ctx)`; returns the
 * scope for emit_loc(). */
LLVMMetadataRef emit_function(struct emit *e, LLVMValueRef fn, const char *name, int line);
/* The same for a static helper function of the programs (a callback). */
LLVMMetadataRef emit_static_function(struct emit *e, LLVMValueRef fn, const char *name, int line);
/* Sets the builder's current debug location. */
void emit_loc(struct emit *e, LLVMBuilderRef b, LLVMMetadataRef scope, int line, int col);

/* Links BPF-runtime bitcode into the module; its functions (named
 * sonde_*) become internal and are always inlined. */
int emit_link_bitcode(struct emit *e, const char *name, const void *data, size_t len,
		      char **err);
/* Finalizes debug info, verifies the module, runs the -O2 pipeline and
 * emits a BPF ELF object into malloc'd memory. */
int emit_object(struct emit *e, void **elf, size_t *size, char **err);
/* Textual IR into a file (for -d and --emit-llvm). */
int emit_ir_file(struct emit *e, const char *path, char **err);

#endif
