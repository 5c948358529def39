/*
 * emit.c - debug info, optimisation and BPF ELF emission (see emit.h).
 */
#include "backend/emit.h"

#include <elf.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <bpf/btf.h>

enum { BTF_MAX_PARAMS_MIRRORED = 16 };

/* the BTF name LLVM gives every function sonde defines (new_function) */
#define FUNC_NAME_PLACEHOLDER "sonde_fn"

struct emit {
	LLVMModuleRef mod;
	LLVMContextRef ctx;
	LLVMDIBuilderRef dib;
	LLVMMetadataRef file, cu;
	/* the functions' file (new_function says why), and the script's */
	LLVMMetadataRef code_file;
	char *code_file_name, *path;
	LLVMMetadataRef int_type, void_ptr_type, prog_type, byte_type;
	LLVMTargetMachineRef tm;
	bool finalized;
	/* the kernel struct members CO-RE relocations name, each once: the
	 * position of one here is its access index (emit_core_member) */
	struct core_key {
		uint32_t rec_id;
		char *member;
	} *core_keys;
	uint32_t ncore_keys;
	uint32_t core_flavor; /* compile_options' core_flavor (emit_new) */
	char *backend_error; /* first error the BPF backend reported */
	/* the maps, in emission order, whose BTF finish_btf writes after
	 * codegen (emit_map says why) */
	struct map_def {
		char *name;
		uint32_t nattrs;
		const char *attr_names[5];
		uint32_t attr_values[5];
	} *map_defs;
	uint32_t nmap_defs, map_defs_cap;
};

/* The BPF backend reports some failures (stack too large, unsupported
 * constructs) as diagnostics rather than return codes; keep the first
 * error so emission fails instead of producing a broken object. */
static void on_llvm_diagnostic(LLVMDiagnosticInfoRef di, void *arg)
{
	struct emit *e = arg;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError)
		return;
	char *msg = LLVMGetDiagInfoDescription(di);
	if (!e->backend_error)
		e->backend_error = strdup(msg);
	LLVMDisposeMessage(msg);
}

static char *dupmsg(const char *s)
{
	return strdup(s ? s : "unknown error");
}

struct emit *emit_new(LLVMModuleRef mod, const char *path, uint32_t core_flavor, char **err)
{
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();

	const char *triple = "bpfel-unknown-none";
	LLVMTargetRef target;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
		*err = dupmsg(msg);
		LLVMDisposeMessage(msg);
		return NULL;
	}
	struct emit *e = calloc(1, sizeof(*e));
	if (!e) {
		*err = dupmsg("out of memory");
		return NULL;
	}
	e->mod = mod;
	e->core_flavor = core_flavor;
	e->ctx = LLVMGetModuleContext(mod);
	LLVMContextSetDiagnosticHandler(e->ctx, on_llvm_diagnostic, e);
	/* v3 has 32-bit jumps and ALU ops: smaller, faster programs on every
	 * kernel sonde supports (5.1 and later). */
	e->tm = LLVMCreateTargetMachine(target, triple, "v3", "", LLVMCodeGenLevelDefault,
					LLVMRelocStatic, LLVMCodeModelDefault);
	LLVMSetTarget(mod, triple);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(e->tm);
	LLVMSetModuleDataLayout(mod, td);
	LLVMDisposeTargetData(td);

	LLVMValueRef v4 = LLVMConstInt(LLVMInt32TypeInContext(e->ctx), 4, 0);
	LLVMValueRef v3 = LLVMConstInt(LLVMInt32TypeInContext(e->ctx), 3, 0);
	LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
			  LLVMValueAsMetadata(v4));
	LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(v3));

	e->dib = LLVMCreateDIBuilder(mod);
	e->file = LLVMDIBuilderCreateFile(e->dib, path, strlen(path), "", 0);
	/* the script's directory: a file LLVM cannot read lines from */
	const char *slash = strrchr(path, '/');
	e->path = strdup(path);
	e->code_file_name =
	    slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!e->path || !e->code_file_name) {
		*err = dupmsg("out of memory");
		emit_free(e);
		return NULL;
	}
	e->code_file =
	    LLVMDIBuilderCreateFile(e->dib, e->code_file_name, strlen(e->code_file_name), "", 0);
	e->cu = LLVMDIBuilderCreateCompileUnit(e->dib, LLVMDWARFSourceLanguageC, e->file, "sonde",
					       5, 1, "", 0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0,
					       0, "", 0, "", 0);
	e->int_type = LLVMDIBuilderCreateBasicType(e->dib, "int", 3, 32, 5 /* DW_ATE_signed */,
						   LLVMDIFlagZero);
	e->byte_type = LLVMDIBuilderCreateBasicType(e->dib, "char", 4, 8, 8 /* DW_ATE_unsigned_char */,
						    LLVMDIFlagZero);
	e->void_ptr_type = LLVMDIBuilderCreatePointerType(e->dib, NULL, 64, 64, 0, NULL, 0);
	LLVMMetadataRef params[] = {e->int_type, e->void_ptr_type};
	e->prog_type = LLVMDIBuilderCreateSubroutineType(e->dib, e->file, params, 2,
							 LLVMDIFlagPrototyped);
	return e;
}

void emit_free(struct emit *e)
{
	if (!e)
		return;
	if (e->dib)
		LLVMDisposeDIBuilder(e->dib);
	if (e->tm)
		LLVMDisposeTargetMachine(e->tm);
	free(e->backend_error);
	free(e->path);
	free(e->code_file_name);
	for (uint32_t i = 0; i < e->ncore_keys; i++)
		free(e->core_keys[i].member);
	free(e->core_keys);
	for (uint32_t i = 0; i < e->nmap_defs; i++)
		free(e->map_defs[i].name);
	free(e->map_defs);
	free(e);
}

/* A map is a global in .maps without debug info: LLVM's BPF backend
 * (19) re-adds the name of every BTF VAR it holds to its string table,
 * a linear search, at the start of every function, and it collects the
 * .maps VARs before the first one, so a VAR per map made N probes with
 * a map each cost N^3. finish_btf writes the same BTF libbpf reads map
 * attributes from (`int (*type)[T]` members, a VAR, the .maps DATASEC)
 * once, after codegen. */
LLVMValueRef emit_map(struct emit *e, const char *name, uint32_t map_type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size, int line)
{
	(void)line;
	if (e->nmap_defs == e->map_defs_cap) {
		uint32_t cap = e->map_defs_cap ? 2 * e->map_defs_cap : 16;
		struct map_def *m = realloc(e->map_defs, cap * sizeof(*m));
		if (!m)
			return NULL;
		e->map_defs = m;
		e->map_defs_cap = cap;
	}
	struct map_def *d = &e->map_defs[e->nmap_defs];
	memset(d, 0, sizeof(*d));
	d->name = strdup(name);
	if (!d->name)
		return NULL;
	e->nmap_defs++;
	unsigned n = 0;
	d->attr_names[n] = "type";
	d->attr_values[n++] = map_type;
	d->attr_names[n] = "max_entries";
	d->attr_values[n++] = max_entries;
	if (key_size) {
		d->attr_names[n] = "key_size";
		d->attr_values[n++] = key_size;
		d->attr_names[n] = "value_size";
		d->attr_values[n++] = value_size;
	}
	if (map_type == BPF_MAP_TYPE_LPM_TRIE) {
		/* the kernel makes an LPM trie only without preallocation;
		 * written here so that any loader of the object asks for it */
		d->attr_names[n] = "map_flags";
		d->attr_values[n++] = BPF_F_NO_PREALLOC;
	}
	d->nattrs = n;
	LLVMTypeRef ptr = LLVMPointerTypeInContext(e->ctx, 0);
	LLVMTypeRef fields[5] = {ptr, ptr, ptr, ptr, ptr};
	LLVMTypeRef lt = LLVMStructTypeInContext(e->ctx, fields, n, 0);
	LLVMValueRef g = LLVMAddGlobal(e->mod, lt, name);
	LLVMSetInitializer(g, LLVMConstNull(lt));
	LLVMSetSection(g, ".maps");
	LLVMSetAlignment(g, 8);
	return g;
}

/* The debug type that becomes a BTF type libbpf finds compatible with
 * kernel type `id` (bpf_core_types_are_compat: the same kind after
 * typedefs and modifiers, pointers and arrays alike all the way down,
 * any struct for a struct): records and enums without members, so a
 * pointer to struct task_struct costs one empty struct. NULL is void. */
static LLVMMetadataRef mirror_kernel_type(struct emit *e, const struct btf *btf, uint32_t id,
					  int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && id && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (!t || !id || depth > 8)
		return NULL;
	const char *name = btf__name_by_offset(btf, t->name_off);
	if (!name)
		name = "";
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		unsigned dw = enc & BTF_INT_BOOL     ? 2 /* DW_ATE_boolean */
			      : enc & BTF_INT_SIGNED ? (enc & BTF_INT_CHAR ? 6 : 5)
						     : (enc & BTF_INT_CHAR ? 8 : 7);
		return LLVMDIBuilderCreateBasicType(e->dib, name, strlen(name),
						    (uint64_t)t->size * 8, dw, LLVMDIFlagZero);
	}
	case BTF_KIND_FLOAT:
		return LLVMDIBuilderCreateBasicType(e->dib, name, strlen(name),
						    (uint64_t)t->size * 8, 4 /* DW_ATE_float */,
						    LLVMDIFlagZero);
	case BTF_KIND_PTR:
		return LLVMDIBuilderCreatePointerType(
			e->dib, mirror_kernel_type(e, btf, t->type, depth + 1), 64, 64, 0, NULL, 0);
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		LLVMMetadataRef elem = mirror_kernel_type(e, btf, a->type, depth + 1);
		long esize = btf__resolve_size(btf, a->type);
		LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(e->dib, 0, a->nelems);
		return LLVMDIBuilderCreateArrayType(
			e->dib, (uint64_t)(esize > 0 ? esize : 0) * a->nelems * 8, 8, elem, &sub, 1);
	}
	case BTF_KIND_STRUCT:
		return LLVMDIBuilderCreateStructType(e->dib, e->file, name, strlen(name), e->file,
						     0, (uint64_t)t->size * 8, 8, LLVMDIFlagZero,
						     NULL, NULL, 0, 0, NULL, "", 0);
	case BTF_KIND_UNION:
		return LLVMDIBuilderCreateUnionType(e->dib, e->file, name, strlen(name), e->file, 0,
						    (uint64_t)t->size * 8, 8, LLVMDIFlagZero, NULL,
						    0, 0, "", 0);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return LLVMDIBuilderCreateEnumerationType(e->dib, e->file, name, strlen(name),
							  e->file, 0, (uint64_t)t->size * 8, 8,
							  NULL, 0, NULL);
	case BTF_KIND_FWD:
		return LLVMDIBuilderCreateForwardDecl(e->dib, btf_kflag(t) ? 0x17 : 0x13, name,
						      strlen(name), e->file, e->file, 0, 0, 0, 0,
						      "", 0);
	case BTF_KIND_FUNC_PROTO: {
		LLVMMetadataRef types[BTF_MAX_PARAMS_MIRRORED + 1];
		int n = btf_vlen(t);
		if (n > BTF_MAX_PARAMS_MIRRORED)
			return NULL;
		const struct btf_param *p = btf_params(t);
		types[0] = mirror_kernel_type(e, btf, t->type, depth + 1);
		for (int i = 0; i < n; i++)
			types[i + 1] = mirror_kernel_type(e, btf, p[i].type, depth + 1);
		return LLVMDIBuilderCreateSubroutineType(e->dib, e->file, types, (unsigned)n + 1,
							 LLVMDIFlagPrototyped);
	}
	default:
		return NULL;
	}
}

LLVMMetadataRef emit_core_member(struct emit *e, const struct btf *kernel_btf, uint32_t rec_id,
				 const char *member, uint32_t bit_off, uint32_t bit_size,
				 uint32_t member_type, unsigned *index)
{
	const struct btf_type *t = btf__type_by_id(kernel_btf, rec_id);
	if (!t || !btf_is_struct(t))
		return NULL;
	uint32_t k = 0;
	while (k < e->ncore_keys &&
	       (e->core_keys[k].rec_id != rec_id || strcmp(e->core_keys[k].member, member)))
		k++;
	if (k == e->ncore_keys) {
		struct core_key *more = realloc(e->core_keys, (k + 1) * sizeof(*more));
		char *m = strdup(member);
		if (!more || !m) {
			free(m);
			if (more)
				e->core_keys = more;
			return NULL;
		}
		e->core_keys = more;
		e->core_keys[k] = (struct core_key){rec_id, m};
		e->ncore_keys++;
	}
	const char *name = btf__name_by_offset(kernel_btf, t->name_off);
	long msize = btf__resolve_size(kernel_btf, member_type);
	LLVMMetadataRef mt = mirror_kernel_type(e, kernel_btf, member_type, 0);
	if (!name || !*name || msize <= 0 || !mt)
		return NULL;
	/* LLVM 19's BPF backend keeps the globals standing for relocations
	 * in a map that outlives the module, keyed by the struct's name and
	 * the access: a second module of the process with the same key would
	 * get the first one's freed global. A flavor (libbpf ignores a
	 * "___suffix" when it matches the struct to the kernel's) makes the
	 * key the compilation's own. After a name ending in '_' libbpf sees
	 * no separator ("foo____s1" is a name of its own, which no kernel
	 * struct has): such a struct is not relocated. */
	char flavored[256];
	if (e->core_flavor) {
		size_t len = strlen(name);
		int n = snprintf(flavored, sizeof(flavored), "%s___s%u", name, e->core_flavor);
		if (name[len - 1] == '_' || n < 0 || (size_t)n >= sizeof(flavored))
			return NULL;
		name = flavored;
	}
	LLVMMetadataRef *elems = calloc(k + 1, sizeof(*elems));
	if (!elems)
		return NULL;
	/* the member at index k, after k unnamed one-byte members at offset
	 * 0 that nothing accesses: a member's access index is then its own
	 * in the whole module, and two reads at one address stay two
	 * relocations (LLVM merges intrinsic calls with equal operands,
	 * whatever their metadata) */
	for (uint32_t i = 0; i < k; i++)
		elems[i] = LLVMDIBuilderCreateMemberType(e->dib, e->file, "", 0, e->file, 0, 8, 8, 0,
							 LLVMDIFlagZero, e->byte_type);
	LLVMMetadataRef m =
	    bit_size ? LLVMDIBuilderCreateBitFieldMemberType(
			   e->dib, e->file, member, strlen(member), e->file, 0, bit_size, bit_off,
			   bit_off / 64 * 64, LLVMDIFlagZero, mt)
		     : LLVMDIBuilderCreateMemberType(e->dib, e->file, member, strlen(member),
						     e->file, 0, (uint64_t)msize * 8, 8, bit_off,
						     LLVMDIFlagZero, mt);
	elems[k] = m;
	*index = k;
	LLVMMetadataRef st = LLVMDIBuilderCreateStructType(e->dib, e->file, name, strlen(name),
							   e->file, 0, (uint64_t)t->size * 8, 8,
							   LLVMDIFlagZero, NULL, elems, k + 1, 0, NULL,
							   "", 0);
	free(elems);
	return st;
}

LLVMValueRef emit_kernel_var(struct emit *e, const struct btf *kernel_btf, const char *name,
			     uint32_t var_id)
{
	LLVMValueRef g = LLVMGetNamedGlobal(e->mod, name);
	if (g) {
		const char *sec = LLVMGetSection(g);
		return sec && !strcmp(sec, ".ksyms") ? g : NULL;
	}
	const struct btf_type *var = btf__type_by_id(kernel_btf, var_id);
	long size = var ? btf__resolve_size(kernel_btf, var->type) : 0;
	LLVMTypeRef lt =
		LLVMArrayType2(LLVMInt8TypeInContext(e->ctx), size > 0 ? (uint64_t)size : 1);
	g = LLVMAddGlobal(e->mod, lt, name); /* no initializer: an extern */
	LLVMSetLinkage(g, LLVMExternalLinkage);
	LLVMSetSection(g, ".ksyms");
	LLVMSetGlobalConstant(g, 1);
	LLVMMetadataRef ty = var ? mirror_kernel_type(e, kernel_btf, var->type, 0) : NULL;
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(e->dib, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		e->dib, e->cu, name, strlen(name), "", 0, e->file, 0, ty, 0, expr, NULL, 8);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(e->ctx, "dbg", 3), gve);
	return g;
}

LLVMValueRef emit_kernel_func(struct emit *e, const struct btf *kernel_btf, const char *name,
			      LLVMTypeRef fn_type)
{
	LLVMValueRef fn = LLVMGetNamedFunction(e->mod, name);
	if (fn)
		return LLVMGetSection(fn) && !strcmp(LLVMGetSection(fn), ".ksyms") ? fn : NULL;
	if (LLVMGetNamedGlobal(e->mod, name))
		return NULL;
	int func_id = btf__find_by_name_kind(kernel_btf, name, BTF_KIND_FUNC);
	const struct btf_type *func = func_id > 0 ? btf__type_by_id(kernel_btf, func_id) : NULL;
	LLVMMetadataRef proto = func ? mirror_kernel_type(e, kernel_btf, func->type, 0) : NULL;
	if (!proto)
		return NULL;
	fn = LLVMAddFunction(e->mod, name, fn_type);
	LLVMSetLinkage(fn, LLVMExternalLinkage);
	LLVMSetSection(fn, ".ksyms");
	/* a declaration's subprogram: the BPF backend writes it as an extern
	 * BTF FUNC in .ksyms, whose prototype libbpf compares with the
	 * kernel's (and names its parameters, as the kernel wants) */
	size_t len = strlen(name);
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(e->dib, e->file, name, len, name, len,
							 e->file, 0, proto, 0, 0, 0,
							 LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(fn, sp);
	return fn;
}

static LLVMMetadataRef new_function(struct emit *e, LLVMValueRef fn, const char *name, int line,
				    bool local);

LLVMMetadataRef emit_function(struct emit *e, LLVMValueRef fn, const char *name, int line)
{
	return new_function(e, fn, name, line, false);
}

LLVMMetadataRef emit_static_function(struct emit *e, LLVMValueRef fn, const char *name, int line)
{
	return new_function(e, fn, name, line, true);
}

/* `local`: a static function (BTF linkage static), as the kernel wants
 * for callbacks such as bpf_for_each_map_elem's.
 *
 * LLVM's BPF backend (19) adds every BTF string with a linear search of
 * the strings it holds, so a string new at every function costs N^2 over
 * N functions. Two are: the function's name, and the script line of
 * each line-info record (read from the function's file). So LLVM gets a
 * name found among the first strings, FUNC_NAME_PLACEHOLDER, and a file
 * it cannot read lines from (the script's directory: line info with no
 * text); name_functions and fill_line_info write both after codegen. */
static LLVMMetadataRef new_function(struct emit *e, LLVMValueRef fn, const char *name, int line,
				    bool local)
{
	size_t len = strlen(name);
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(
	    e->dib, e->code_file, FUNC_NAME_PLACEHOLDER, strlen(FUNC_NAME_PLACEHOLDER), name, len,
	    e->code_file, (unsigned)line, e->prog_type, local, 1, (unsigned)line,
	    LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(fn, sp);
	/* The kernel rejects BTF whose FUNC prototypes have unnamed
	 * parameters (and libbpf then drops all BTF), so the parameter is
	 * declared and kept even after optimisation. */
	LLVMDIBuilderCreateParameterVariable(e->dib, sp, "ctx", 3, 1, e->file, (unsigned)line,
					     e->void_ptr_type, 1, LLVMDIFlagZero);
	return sp;
}

void emit_loc(struct emit *e, LLVMBuilderRef b, LLVMMetadataRef scope, int line, int col)
{
	LLVMMetadataRef loc = LLVMDIBuilderCreateDebugLocation(
		e->ctx, (unsigned)(line > 0 ? line : 0), (unsigned)(col > 0 ? col : 0), scope,
		NULL);
	LLVMSetCurrentDebugLocation2(b, loc);
}

static void finalize(struct emit *e)
{
	if (!e->finalized) {
		LLVMDIBuilderFinalize(e->dib);
		e->finalized = true;
	}
}

int emit_link_bitcode(struct emit *e, const char *name, const void *data, size_t len,
		      char **err)
{
	LLVMMemoryBufferRef buf =
		LLVMCreateMemoryBufferWithMemoryRangeCopy(data, len, name);
	LLVMModuleRef rt = NULL;
	if (LLVMParseBitcodeInContext2(e->ctx, buf, &rt)) {
		LLVMDisposeMemoryBuffer(buf);
		*err = dupmsg("cannot read the embedded BPF runtime bitcode");
		return -1;
	}
	LLVMDisposeMemoryBuffer(buf);
	/* the runtime was compiled without debug info: its functions are
	 * inlined into the probes and must not become programs themselves */
	LLVMSetTarget(rt, LLVMGetTarget(e->mod));
	LLVMSetDataLayout(rt, LLVMGetDataLayoutStr(e->mod));
	for (LLVMValueRef f = LLVMGetFirstFunction(rt); f; f = LLVMGetNextFunction(f)) {
		if (LLVMIsDeclaration(f))
			continue;
		unsigned inl = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
		unsigned noinl = LLVMGetEnumAttributeKindForName("noinline", 8);
		LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, noinl);
		LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(e->ctx, inl, 0));
	}
	if (LLVMLinkModules2(e->mod, rt)) {
		*err = dupmsg("cannot link the BPF runtime into the program");
		return -1;
	}
	for (LLVMValueRef f = LLVMGetFirstFunction(e->mod); f; f = LLVMGetNextFunction(f)) {
		size_t n;
		const char *fname = LLVMGetValueName2(f, &n);
		if (!LLVMIsDeclaration(f) && !strncmp(fname, "sonde_", 6))
			LLVMSetLinkage(f, LLVMInternalLinkage);
	}
	return 0;
}

int emit_ir_file(struct emit *e, const char *path, char **err)
{
	finalize(e);
	char *msg = NULL;
	if (LLVMPrintModuleToFile(e->mod, path, &msg)) {
		*err = dupmsg(msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	return 0;
}

struct map_sym {
	const char *name;
	uint64_t offset;
};

static int cmp_map_sym(const void *a, const void *b)
{
	return strcmp(((const struct map_sym *)a)->name, ((const struct map_sym *)b)->name);
}

/* `int (*)[value]`, shared by the maps with an attribute of that value
 * while there are few distinct values (types, sizes: most of them) */
enum { ATTR_PTR_CACHE = 64 };
struct attr_ptr {
	uint32_t value;
	int ptr_id;
};

static int attr_ptr(struct btf *btf, int index_id, int int_id, uint32_t value,
		    struct attr_ptr *cache, unsigned *ncache)
{
	for (unsigned i = 0; i < *ncache; i++)
		if (cache[i].value == value)
			return cache[i].ptr_id;
	int arr = btf__add_array(btf, index_id, int_id, value);
	int ptr = arr < 0 ? arr : btf__add_ptr(btf, arr);
	if (ptr >= 0 && *ncache < ATTR_PTR_CACHE)
		cache[(*ncache)++] = (struct attr_ptr){value, ptr};
	return ptr;
}

struct map_slot {
	uint64_t offset;
	uint32_t var_id, size;
};

static int cmp_map_slot(const void *a, const void *b)
{
	uint64_t x = ((const struct map_slot *)a)->offset, y = ((const struct map_slot *)b)->offset;
	return (x > y) - (x < y);
}

static const Elf64_Shdr *section_named(const unsigned char *elf, size_t size,
				       const Elf64_Shdr *sh, unsigned nsh, const char *shstr,
				       size_t shstr_len, const char *name, unsigned *index)
{
	for (unsigned i = 0; i < nsh; i++) {
		if (sh[i].sh_name >= shstr_len || strcmp(shstr + sh[i].sh_name, name))
			continue;
		if (sh[i].sh_type != SHT_NOBITS &&
		    (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset))
			return NULL;
		if (index)
			*index = i;
		return &sh[i];
	}
	return NULL;
}

/* The parts of the object LLVM wrote that finish_btf reads. */
struct elf_view {
	unsigned char *data;
	size_t size;
	const Elf64_Shdr *sh;
	unsigned nsh;
	const char *shstr;
	size_t shstr_len;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strs;
	size_t strs_len;
};

/* .BTF.ext's header (libbpf keeps its own declaration private) */
struct btf_ext_head {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
};

/* One of .BTF.ext's info tables: a record size, then per section its
 * name's string offset, a count and the records. */
struct ext_table {
	unsigned char *at, *end;
	uint32_t rec_size;
};

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The func-info (line: false) or line-info table of the .BTF.ext at
 * `ext`, of `min_rec` bytes a record at least; 0 when there is none. */
static int ext_table(unsigned char *ext, size_t ext_size, bool line, uint32_t min_rec,
                     struct ext_table *t)
{
	struct btf_ext_head h;
	memset(t, 0, sizeof(*t));
	if (!ext)
		return 0;
	if (ext_size < offsetof(struct btf_ext_head, line_info_off))
		return -1;
	memset(&h, 0, sizeof(h));
	memcpy(&h, ext, ext_size < sizeof(h) ? ext_size : sizeof(h));
	if (h.magic != 0xeB9F || h.hdr_len > ext_size)
		return -1;
	if (line && h.hdr_len < sizeof(h))
		return 0;
	uint32_t off = line ? h.line_info_off : h.func_info_off;
	uint32_t len = line ? h.line_info_len : h.func_info_len;
	if (!len)
		return 0;
	if (off > ext_size - h.hdr_len || len > ext_size - h.hdr_len - off || len < 4)
		return -1;
	t->at = ext + h.hdr_len + off;
	t->end = t->at + len;
	t->rec_size = get_u32(t->at);
	t->at += 4;
	return t->rec_size < min_rec ? -1 : 0;
}

/* The next section's block of `t`: its name's offset, its records and
 * their count; 0 at the end, -1 when the table is cut short. */
static int ext_block(struct ext_table *t, uint32_t *sec_name_off, unsigned char **recs, uint32_t *n)
{
	if (t->at == t->end)
		return 0;
	if (t->end - t->at < 8)
		return -1;
	*sec_name_off = get_u32(t->at);
	*n = get_u32(t->at + 4);
	t->at += 8;
	if (*n > (size_t)(t->end - t->at) / t->rec_size)
		return -1;
	*recs = t->at;
	t->at += (size_t)*n * t->rec_size;
	return 1;
}

struct func_sym {
	uint32_t shndx;
	uint64_t value;
	const char *name;
};

static int cmp_func_sym(const void *a, const void *b)
{
	const struct func_sym *x = a, *y = b;
	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return (x->value > y->value) - (x->value < y->value);
}

/* Gives each function's BTF FUNC, which LLVM named FUNC_NAME_PLACEHOLDER
 * (new_function), its symbol's name: func info says at which section and
 * offset the function of each FUNC starts. */
static int name_functions(struct btf *btf, const struct elf_view *v, unsigned char *ext,
                          size_t ext_size)
{
	struct ext_table t;
	if (ext_table(ext, ext_size, false, sizeof(struct bpf_func_info), &t))
		return -1;
	struct func_sym *fs = calloc(v->nsyms ? v->nsyms : 1, sizeof(*fs));
	if (!fs)
		return -1;
	size_t nfs = 0;
	for (size_t i = 0; i < v->nsyms; i++)
		if (ELF64_ST_TYPE(v->syms[i].st_info) == STT_FUNC &&
		    v->syms[i].st_name < v->strs_len)
			fs[nfs++] = (struct func_sym){v->syms[i].st_shndx, v->syms[i].st_value,
			                              v->strs + v->syms[i].st_name};
	qsort(fs, nfs, sizeof(*fs), cmp_func_sym);
	int rc = -1;
	uint32_t sec_name_off, n;
	unsigned char *recs;
	int more;
	while ((more = ext_block(&t, &sec_name_off, &recs, &n)) > 0) {
		unsigned shndx;
		const char *sec = btf__name_by_offset(btf, sec_name_off);
		if (!sec || !section_named(v->data, v->size, v->sh, v->nsh, v->shstr, v->shstr_len,
		                           sec, &shndx))
			goto out;
		for (uint32_t i = 0; i < n; i++) {
			const unsigned char *r = recs + (size_t)i * t.rec_size;
			uint32_t type_id = get_u32(r + offsetof(struct bpf_func_info, type_id));
			struct func_sym key = {shndx, get_u32(r), NULL};
			const struct func_sym *s =
			    bsearch(&key, fs, nfs, sizeof(*fs), cmp_func_sym);
			const struct btf_type *ft = btf__type_by_id(btf, type_id);
			if (!s || !ft || !btf_is_func(ft))
				goto out;
			if (strcmp(btf__name_by_offset(btf, ft->name_off), FUNC_NAME_PLACEHOLDER))
				continue;
			int name_off = btf__add_str(btf, s->name);
			if (name_off < 0)
				goto out;
			/* btf__add_str made the BTF modifiable: its types are
			 * memory libbpf owns and writes to itself, and libbpf
			 * (1.1) has no call that renames a type */
			((struct btf_type *)btf__type_by_id(btf, type_id))->name_off =
			    (uint32_t)name_off;
		}
	}
	if (more < 0)
		goto out;
	/* every function LLVM wrote has func info: a FUNC left unnamed would
	 * be a function of an unknown name */
	for (uint32_t id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *ft = btf__type_by_id(btf, id);
		if (btf_is_func(ft) &&
		    !strcmp(btf__name_by_offset(btf, ft->name_off), FUNC_NAME_PLACEHOLDER))
			goto out;
	}
	rc = 0;
out:
	free(fs);
	return rc;
}

/* The script's lines as LLVM reads a file for line info: line 0 is
 * empty, line N is lines[N], without its "\n" or "\r\n". An unreadable
 * script has no lines (LLVM's line info then has no text either). */
struct script_lines {
	char *text;
	char **lines;
	uint32_t n;
};

static int read_script_lines(const char *path, struct script_lines *sl)
{
	memset(sl, 0, sizeof(*sl));
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t cap = 0, len = 0;
	int rc = -1;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			size_t nc = cap ? 2 * cap : 65536;
			char *p = realloc(sl->text, nc);
			if (!p)
				goto out;
			sl->text = p;
			cap = nc;
		}
		size_t got = fread(sl->text + len, 1, cap - len - 1, f);
		len += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		rc = 0; /* as unreadable */
		free(sl->text);
		sl->text = NULL;
		goto out;
	}
	sl->text[len] = 0;
	uint32_t nlines = 1;
	for (size_t i = 0; i < len; i++)
		nlines += sl->text[i] == '\n';
	sl->lines = calloc((size_t)nlines + 1, sizeof(*sl->lines));
	if (!sl->lines)
		goto out;
	char *p = sl->text, *end = sl->text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl) {
			*nl = 0;
			if (nl > p && nl[-1] == '\r')
				nl[-1] = 0;
		}
		sl->lines[++sl->n] = p;
		p = nl ? nl + 1 : end;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static void free_script_lines(struct script_lines *sl)
{
	free(sl->text);
	free(sl->lines);
}

/* Writes the script's path and each record's line text into the line
 * info LLVM wrote against the functions' file, which it could not read
 * (new_function): the strings LLVM would have added, in the .BTF.ext's
 * place (records keep their size). */
static int fill_line_info(struct emit *e, struct btf *btf, unsigned char *ext, size_t ext_size)
{
	struct ext_table t;
	if (ext_table(ext, ext_size, true, sizeof(struct bpf_line_info), &t))
		return -1;
	if (!t.at)
		return 0;
	struct script_lines sl;
	if (read_script_lines(e->path, &sl))
		return -1;
	int rc = -1;
	int path_off = btf__add_str(btf, e->path);
	if (path_off < 0)
		goto out;
	uint32_t sec_name_off, n;
	unsigned char *recs;
	int more;
	int64_t code_file_off = -1; /* the functions' file's name, once seen */
	while ((more = ext_block(&t, &sec_name_off, &recs, &n)) > 0) {
		for (uint32_t i = 0; i < n; i++) {
			unsigned char *r = recs + (size_t)i * t.rec_size;
			uint32_t file_off =
			    get_u32(r + offsetof(struct bpf_line_info, file_name_off));
			if (file_off != code_file_off) {
				const char *name = btf__name_by_offset(btf, file_off);
				if (!name || strcmp(name, e->code_file_name))
					continue;
				code_file_off = file_off;
			}
			uint32_t line = BPF_LINE_INFO_LINE_NUM(
			    get_u32(r + offsetof(struct bpf_line_info, line_col)));
			int line_off = 0;
			if (line >= 1 && line <= sl.n &&
			    (line_off = btf__add_str(btf, sl.lines[line])) < 0)
				goto out;
			put_u32(r + offsetof(struct bpf_line_info, file_name_off),
			        (uint32_t)path_off);
			put_u32(r + offsetof(struct bpf_line_info, line_off), (uint32_t)line_off);
		}
	}
	rc = more < 0 ? -1 : 0;
out:
	free_script_lines(&sl);
	return rc;
}

/* Adds the maps' BTF (emit_map): their structs, VARs and the .maps DATASEC. */
static int add_maps(struct emit *e, struct btf *btf, const struct elf_view *v, unsigned maps_index,
                    const Elf64_Shdr *maps_sh)
{
	struct map_sym *ms = calloc(v->nsyms ? v->nsyms : 1, sizeof(*ms));
	uint32_t *var_ids = calloc(e->nmap_defs, sizeof(*var_ids));
	struct map_slot *slots = calloc(e->nmap_defs, sizeof(*slots));
	int rc = -1;
	if (!ms || !var_ids || !slots)
		goto out;
	size_t nms = 0;
	for (size_t i = 0; i < v->nsyms; i++)
		if (v->syms[i].st_shndx == maps_index && v->syms[i].st_name < v->strs_len &&
		    ELF64_ST_TYPE(v->syms[i].st_info) == STT_OBJECT)
			ms[nms++] =
			    (struct map_sym){v->strs + v->syms[i].st_name, v->syms[i].st_value};
	qsort(ms, nms, sizeof(*ms), cmp_map_sym);
	int int_id = btf__find_by_name_kind(btf, "int", BTF_KIND_INT);
	if (int_id < 0)
		int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int index_id = btf__add_int(btf, "__ARRAY_SIZE_TYPE__", 4, 0);
	if (int_id < 0 || index_id < 0)
		goto out;
	struct attr_ptr ptr_cache[ATTR_PTR_CACHE];
	unsigned ncache = 0;
	for (uint32_t i = 0; i < e->nmap_defs; i++) {
		const struct map_def *d = &e->map_defs[i];
		int ptr_ids[5];
		for (uint32_t a = 0; a < d->nattrs; a++) {
			ptr_ids[a] = attr_ptr(btf, index_id, int_id, d->attr_values[a], ptr_cache,
					      &ncache);
			if (ptr_ids[a] < 0)
				goto out;
		}
		int st = btf__add_struct(btf, "", 8 * d->nattrs);
		if (st < 0)
			goto out;
		for (uint32_t a = 0; a < d->nattrs; a++)
			if (btf__add_field(btf, d->attr_names[a], ptr_ids[a], 64 * a, 0))
				goto out;
		int var = btf__add_var(btf, d->name, BTF_VAR_GLOBAL_ALLOCATED, st);
		if (var < 0)
			goto out;
		var_ids[i] = (uint32_t)var;
	}
	if (btf__add_datasec(btf, ".maps", (uint32_t)maps_sh->sh_size) < 0)
		goto out;
	/* the kernel wants a DATASEC's variables in the order of their offsets */
	for (uint32_t i = 0; i < e->nmap_defs; i++) {
		struct map_sym key = {e->map_defs[i].name, 0};
		const struct map_sym *m = bsearch(&key, ms, nms, sizeof(*ms), cmp_map_sym);
		if (!m)
			goto out;
		slots[i] = (struct map_slot){m->offset, var_ids[i], 8 * e->map_defs[i].nattrs};
	}
	qsort(slots, e->nmap_defs, sizeof(*slots), cmp_map_slot);
	for (uint32_t i = 0; i < e->nmap_defs; i++)
		if (btf__add_datasec_var_info(btf, (int)slots[i].var_id, (uint32_t)slots[i].offset,
					      slots[i].size))
			goto out;
	rc = 0;
out:
	free(ms);
	free(var_ids);
	free(slots);
	return rc;
}

/* Writes the BTF LLVM leaves to sonde: the functions' names and line
 * text (new_function says why), the maps (emit_map). The grown .BTF and a
 * new section header table go after the object's bytes, the ELF header
 * points at the new table, and the old bytes stay where they were. Types
 * and strings are appended, so every type id and string offset .BTF.ext
 * refers to is unchanged; the line info's records are rewritten in
 * place. */
static int finish_btf(struct emit *e, void **elfp, size_t *sizep, char **err)
{
	unsigned char *elf = *elfp;
	size_t size = *sizep;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	if (size < sizeof(*eh) || eh->e_shoff > size || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum) {
		*err = dupmsg("the BPF backend wrote an object sonde cannot read");
		return -1;
	}
	struct elf_view v = {.data = elf, .size = size};
	v.sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	v.nsh = eh->e_shnum;
	const Elf64_Shdr *shs = &v.sh[eh->e_shstrndx];
	if (shs->sh_offset > size || shs->sh_size > size - shs->sh_offset) {
		*err = dupmsg("the BPF backend wrote an object sonde cannot read");
		return -1;
	}
	v.shstr = (const char *)elf + shs->sh_offset;
	v.shstr_len = shs->sh_size;
	unsigned btf_index = 0, maps_index = 0;
	const Elf64_Shdr *btf_sh =
	    section_named(elf, size, v.sh, v.nsh, v.shstr, v.shstr_len, ".BTF", &btf_index);
	const Elf64_Shdr *ext_sh =
	    section_named(elf, size, v.sh, v.nsh, v.shstr, v.shstr_len, ".BTF.ext", NULL);
	const Elf64_Shdr *maps_sh =
	    section_named(elf, size, v.sh, v.nsh, v.shstr, v.shstr_len, ".maps", &maps_index);
	const Elf64_Shdr *sym_sh =
	    section_named(elf, size, v.sh, v.nsh, v.shstr, v.shstr_len, ".symtab", NULL);
	if (!btf_sh && !e->nmap_defs)
		return 0; /* no functions either */
	if (!btf_sh || (e->nmap_defs && !maps_sh) || !sym_sh || sym_sh->sh_link >= v.nsh ||
	    sym_sh->sh_entsize != sizeof(Elf64_Sym)) {
		*err = dupmsg("the BPF backend wrote no .BTF, .maps or symbol table");
		return -1;
	}
	const Elf64_Shdr *str_sh = &v.sh[sym_sh->sh_link];
	if (str_sh->sh_offset > size || str_sh->sh_size > size - str_sh->sh_offset) {
		*err = dupmsg("the BPF backend wrote an object sonde cannot read");
		return -1;
	}
	v.syms = (const Elf64_Sym *)(elf + sym_sh->sh_offset);
	v.nsyms = sym_sh->sh_size / sizeof(Elf64_Sym);
	v.strs = (const char *)elf + str_sh->sh_offset;
	v.strs_len = str_sh->sh_size;
	struct btf *btf = btf__new(elf + btf_sh->sh_offset, btf_sh->sh_size);
	if (!btf) {
		*err = dupmsg("cannot read the BTF the BPF backend wrote");
		return -1;
	}
	int rc = -1;
	/* no .BTF.ext: no functions */
	unsigned char *ext = ext_sh ? elf + ext_sh->sh_offset : NULL;
	size_t ext_size = ext_sh ? ext_sh->sh_size : 0;
	if (name_functions(btf, &v, ext, ext_size)) {
		*err = dupmsg("cannot name the functions' BTF");
		goto out;
	}
	if (fill_line_info(e, btf, ext, ext_size)) {
		*err = dupmsg("cannot write the line info's text");
		goto out;
	}
	if (e->nmap_defs && add_maps(e, btf, &v, maps_index, maps_sh)) {
		*err = dupmsg("cannot write the maps' BTF");
		goto out;
	}
	uint32_t raw_size;
	const void *raw = btf__raw_data(btf, &raw_size);
	size_t btf_off = (size + 7) & ~(size_t)7;
	size_t shoff = (btf_off + raw_size + 7) & ~(size_t)7;
	size_t new_size = shoff + (size_t)v.nsh * sizeof(Elf64_Shdr);
	unsigned char *out = raw ? calloc(1, new_size) : NULL;
	if (!out) {
		*err = dupmsg("out of memory");
		goto out;
	}
	memcpy(out, elf, size);
	memcpy(out + btf_off, raw, raw_size);
	Elf64_Shdr *nsh_tab = (Elf64_Shdr *)(out + shoff);
	memcpy(nsh_tab, v.sh, (size_t)v.nsh * sizeof(Elf64_Shdr));
	nsh_tab[btf_index].sh_offset = btf_off;
	nsh_tab[btf_index].sh_size = raw_size;
	((Elf64_Ehdr *)out)->e_shoff = shoff;
	free(*elfp);
	*elfp = out;
	*sizep = new_size;
	rc = 0;
out:
	btf__free(btf);
	return rc;
}

int emit_object(struct emit *e, void **elf, size_t *size, char **err)
{
	finalize(e);
	char *msg = NULL;
	if (LLVMVerifyModule(e->mod, LLVMReturnStatusAction, &msg)) {
		/* a bug in codegen, not in the user's script */
		*err = dupmsg(msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);
	LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
	/* SONDE_PASSES overrides the pipeline, for measuring codegen choices */
	const char *pipeline = getenv("SONDE_PASSES");
	LLVMErrorRef perr =
		LLVMRunPasses(e->mod, pipeline && *pipeline ? pipeline : "default<O2>", e->tm, opts);
	LLVMDisposePassBuilderOptions(opts);
	if (perr) {
		char *m = LLVMGetErrorMessage(perr);
		*err = dupmsg(m);
		LLVMDisposeErrorMessage(m);
		return -1;
	}
	LLVMMemoryBufferRef buf;
	if (LLVMTargetMachineEmitToMemoryBuffer(e->tm, e->mod, LLVMObjectFile, &msg, &buf)) {
		*err = dupmsg(msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	if (e->backend_error) {
		LLVMDisposeMemoryBuffer(buf);
		*err = dupmsg(e->backend_error);
		return -1;
	}
	*size = LLVMGetBufferSize(buf);
	*elf = malloc(*size);
	if (!*elf) {
		LLVMDisposeMemoryBuffer(buf);
		*err = dupmsg("out of memory");
		return -1;
	}
	memcpy(*elf, LLVMGetBufferStart(buf), *size);
	LLVMDisposeMemoryBuffer(buf);
	if (finish_btf(e, elf, size, err)) {
		free(*elf);
		*elf = NULL;
		return -1;
	}
	return 0;
}
