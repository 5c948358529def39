/*
 * symbols.c - kernel and user symbols (see symbols.h).
 *
 * Everything read is kept in the host (host.h) until host_fini:
 * /proc/kallsyms once, ftrace's function lists once, each ELF file's
 * function table once (keyed by path), each pid's executable mappings once.
 * Lookups are binary searches.
 */
#define _GNU_SOURCE
#include "kernel/symbols.h"

#include "bpf-runtime/dwunwind.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/host.h"

/* ---- kernel --------------------------------------------------------------- */

struct host_ksym {
	uint64_t addr;
	char *name;
	char *module; /* "[ext4]" at the end of the line; NULL in vmlinux */
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct host_ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void free_ksyms(struct host *h)
{
	for (size_t i = 0; i < h->nksyms; i++) {
		free(h->ksyms[i].name);
		free(h->ksyms[i].module);
	}
	free(h->ksyms);
	h->ksyms = NULL;
	h->nksyms = 0;
	h->ksyms_loaded = false;
}

static int load_ksyms(struct host *h)
{
	if (h->ksyms_loaded)
		return h->ksyms_err;
	h->ksyms_loaded = true;
	FILE *f = fopen(h->kallsyms_path, "re");
	if (!f) {
		h->ksyms_err = -errno;
		return h->ksyms_err;
	}
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], module[64];
		int fields = sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, module);
		if (fields < 3)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (h->nksyms == cap) {
			cap = cap ? cap * 2 : 65536;
			struct host_ksym *n = realloc(h->ksyms, cap * sizeof(*n));
			if (!n)
				break;
			h->ksyms = n;
		}
		struct host_ksym *k = &h->ksyms[h->nksyms];
		k->addr = addr;
		k->name = strdup(name);
		k->module = fields == 4 ? strdup(module) : NULL;
		if (k->name && (fields < 4 || k->module))
			h->nksyms++;
		else {
			free(k->name);
			free(k->module);
		}
	}
	fclose(f);
	if (h->nksyms)
		qsort(h->ksyms, h->nksyms, sizeof(*h->ksyms), cmp_ksym);
	return 0;
}

int sym_kernel_lookup(struct host *h, uint64_t addr, const char **name, uint64_t *offset)
{
	if (load_ksyms(h) || !h->nksyms || addr < h->ksyms[0].addr || h->ksyms[0].addr == 0)
		return -ENOENT;
	const struct host_ksym *ksyms = h->ksyms;
	size_t lo = 0, hi = h->nksyms;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*name = ksyms[lo].name;
	*offset = addr - ksyms[lo].addr;
	return 0;
}

int sym_kernel_has(struct host *h, const char *name)
{
	if (load_ksyms(h))
		return -ENODATA;
	for (size_t i = 0; i < h->nksyms; i++)
		if (!strcmp(h->ksyms[i].name, name))
			return 1;
	return 0;
}

int sym_kernel_in_module(struct host *h, const char *name, const char *module)
{
	if (load_ksyms(h))
		return -ENODATA;
	for (size_t i = 0; i < h->nksyms; i++)
		if (h->ksyms[i].module && !strcmp(h->ksyms[i].module, module) &&
		    (!name || !strcmp(h->ksyms[i].name, name)))
			return 1;
	return 0;
}

/* Any symbol, not just text: kaddr("avenrun") names data (B, D, R). The
 * table of ksyms holds text only, for ksym()'s "which function contains
 * this address", so this reads the file; the first line in file order
 * wins when a name repeats, as for bpftrace. Once per kaddr() at compile
 * time. */
static bool find_kernel_sym(struct host *h, const char *name, uint64_t *addr_out)
{
	FILE *f = fopen(h->kallsyms_path, "re");
	if (!f)
		return false;
	bool found = false;
	char line[512];
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, sym[256];
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && !strcmp(sym, name)) {
			found = true;
			*addr_out = addr;
		}
	}
	fclose(f);
	return found;
}

uint64_t sym_kernel_addr(struct host *h, const char *name)
{
	uint64_t addr = 0;
	find_kernel_sym(h, name, &addr);
	return addr;
}

bool sym_kernel_listed(struct host *h, const char *name)
{
	uint64_t addr;
	return find_kernel_sym(h, name, &addr);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Kernel functions of vmlinux and every module (module NULL) or of one
 * module, matching glob: without the compiler's copies and padding labels,
 * sorted, each name once. */
static int kernel_each_in(struct host *h, const char *module, const char *glob,
			  int (*cb)(const char *name, void *arg), void *arg)
{
	int err = load_ksyms(h);
	if (err)
		return err;
	const char **names = calloc(h->nksyms + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < h->nksyms; i++) {
		const char *name = h->ksyms[i].name;
		if (module && (!h->ksyms[i].module || strcmp(h->ksyms[i].module, module)))
			continue;
		/* __pfx_F and __cfi_F label the padding before F (kernels
		 * since 6.2), not functions */
		if (!fnmatch(glob, name, 0) && !strchr(name, '.') && strncmp(name, "__pfx_", 6) &&
		    strncmp(name, "__cfi_", 6))
			names[n++] = name;
	}
	qsort(names, n, sizeof(*names), cmp_strp);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]))
			rc = cb(names[i], arg);
	free(names);
	return rc;
}

int sym_kernel_each(struct host *h, const char *glob, int (*cb)(const char *name, void *arg),
		    void *arg)
{
	return kernel_each_in(h, NULL, glob, cb, arg);
}

int sym_kernel_module_each(struct host *h, const char *module, const char *glob,
			   int (*cb)(const char *name, void *arg), void *arg)
{
	return kernel_each_in(h, module, glob, cb, arg);
}

int sym_kernel_each_addr(struct host *h, int (*cb)(const char *name, uint64_t addr, void *arg),
			 void *arg)
{
	int err = load_ksyms(h);
	if (err)
		return err;
	/* addresses hidden (kptr_restrict): every symbol reads as 0 */
	if (!h->nksyms || h->ksyms[h->nksyms - 1].addr == 0)
		return -ENODATA;
	int rc = 0;
	for (size_t i = 0; i < h->nksyms && !rc; i++)
		rc = cb(h->ksyms[i].name, h->ksyms[i].addr, arg);
	return rc;
}

/* ---- kernel function lists ------------------------------------------------ */

static void name_list_free(struct host_name_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->names[i]);
	free(list->names);
	memset(list, 0, sizeof(*list));
}

/* Reads the first readable of paths; the name is field `field` (0-based)
 * of each whitespace-separated line. */
static const struct host_name_list *name_list_get(struct host_name_list *list,
						  const char *const *paths, int field)
{
	if (list->loaded)
		return list;
	list->loaded = true;
	FILE *f = NULL;
	for (int i = 0; paths && paths[i] && !f; i++)
		f = fopen(paths[i], "re");
	if (!f)
		return list;
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *name = line;
		for (int i = 0; i < field && *name; i++) {
			name += strcspn(name, " \t\n");
			name += strspn(name, " \t");
		}
		name[strcspn(name, " \t\n")] = 0;
		if (!*name)
			continue;
		if (list->n == cap) {
			cap = cap ? cap * 2 : 65536;
			char **n = realloc(list->names, cap * sizeof(*n));
			if (!n)
				break;
			list->names = n;
		}
		list->names[list->n] = strdup(name);
		if (list->names[list->n])
			list->n++;
	}
	fclose(f);
	if (!list->n) {
		free(list->names);
		list->names = NULL;
		return list;
	}
	qsort(list->names, list->n, sizeof(*list->names), cmp_strp);
	return list;
}

const struct host_name_list *sym_kernel_traceable(struct host *h)
{
	/* lines are "name" or "name [module]" */
	return name_list_get(&h->traceable, h->traceable_paths, 0);
}

const struct host_name_list *sym_kernel_kprobe_blacklist(struct host *h)
{
	/* lines are "0xSTART-0xEND\tname" */
	return name_list_get(&h->kprobe_blacklist, h->kprobe_blacklist_paths, 1);
}

bool sym_name_list_has(const struct host_name_list *list, const char *name)
{
	return list->n &&
	       bsearch(&name, list->names, list->n, sizeof(*list->names), cmp_strp) != NULL;
}

/* ---- ELF files -------------------------------------------------------------- */

struct host_elf_file {
	char *path;
	int err;
	struct sym_elf_func *by_addr; /* sorted by addr */
	size_t n;
	struct sym_elf_func *by_name; /* sorted by name, unique */
	size_t nnames;
	struct { uint64_t offset, vaddr, filesz; } loads[16];
	int nloads;
	bool is_dyn; /* ET_DYN: a PIE or shared library, loaded at a base chosen at run time */
	struct glob_match *matches; /* results of sym_elf_funcs() globs */
	struct host_elf_file *next;
};

struct glob_match {
	struct glob_match *next;
	struct sym_elf_func funcs[];
};

static int cmp_addr(const void *a, const void *b)
{
	const struct sym_elf_func *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* the lookup takes the last of several names at one address: the
	 * preferred binding sorts last, then the name first in the table */
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->index > y->index ? -1 : x->index < y->index;
}

static int cmp_name(const void *a, const void *b)
{
	const struct sym_elf_func *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void free_elf_files(struct host *h)
{
	while (h->elf_files) {
		struct host_elf_file *e = h->elf_files;
		h->elf_files = e->next;
		for (size_t i = 0; i < e->n; i++)
			free((char *)e->by_addr[i].name);
		free(e->by_addr);
		free(e->by_name);
		while (e->matches) {
			struct glob_match *m = e->matches;
			e->matches = m->next;
			free(m);
		}
		free(e->path);
		free(e);
	}
}

static uint64_t vaddr_to_offset(const struct host_elf_file *e, uint64_t vaddr)
{
	for (int i = 0; i < e->nloads; i++)
		if (vaddr >= e->loads[i].vaddr && vaddr < e->loads[i].vaddr + e->loads[i].filesz)
			return vaddr - e->loads[i].vaddr + e->loads[i].offset;
	return vaddr;
}

/* How strongly a name is preferred when several name one address: a global
 * name over a weak alias over a local one (glibc's __getpid over getpid). */
static int binding_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 2;
	case STB_WEAK:
		return 1;
	default:
		return 0;
	}
}

/* The functions of one symbol table of `elf` (SHT_SYMTAB or SHT_DYNSYM)
 * appended to e->by_addr. -ENOENT when `elf` has no such table. */
static int add_symbols(struct host_elf_file *e, Elf *elf, Elf64_Word table, size_t *cap)
{
	int rc = -ENOENT;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != table)
			continue;
		rc = 0;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < count; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, (int)i, &s))
				continue;
			if ((GELF_ST_TYPE(s.st_info) != STT_FUNC &&
			     GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC) ||
			    s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			if (e->n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 1024;
				struct sym_elf_func *nf = realloc(e->by_addr, ncap * sizeof(*nf));
				if (!nf)
					return -ENOMEM;
				e->by_addr = nf;
				*cap = ncap;
			}
			/* "malloc@@GLIBC_2.2.5" in some tables: keep the bare name */
			char *nm = strdup(name);
			if (!nm)
				return -ENOMEM;
			char *at = strchr(nm, '@');
			if (at)
				*at = 0;
			e->by_addr[e->n] = (struct sym_elf_func){.name = nm,
								   .addr = s.st_value,
								   .size = s.st_size,
								   .rank = binding_rank(s.st_info),
								   .index = e->n};
			e->n++;
		}
	}
	return rc;
}

/* The GNU build ID of `elf` as lowercase hex, or "" without one. */
static void build_id_hex(Elf *elf, char *out, size_t size)
{
	out[0] = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4))
				continue;
			const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;
			size_t w = 0;
			for (size_t i = 0; i < nh.n_descsz && w + 3 <= size; i++)
				w += (size_t)snprintf(out + w, size - w, "%02x", id[i]);
			return;
		}
	}
}

/* The CRC-32 .gnu_debuglink records (the zlib polynomial), of a whole file. */
static int file_crc32(const char *path, uint32_t *crc_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint32_t crc = 0xffffffffu;
	unsigned char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++) {
			crc ^= buf[i];
			for (int k = 0; k < 8; k++)
				crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
		}
	close(fd);
	*crc_out = ~crc;
	return n < 0 ? -EIO : 0;
}

/* An ELF file opened for reading: 0, -errno when it cannot be opened, or
 * -ENOEXEC when it is not ELF. */
static int open_elf(const char *path, Elf **elf_out, int *fd_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	*elf_out = elf;
	*fd_out = fd;
	return 0;
}

/* The separate debug file of `elf` (read from `path`), where gdb looks for
 * it: /usr/lib/debug/.build-id/NN/REST.debug by build ID, else the name in
 * .gnu_debuglink beside the file, in its .debug/, or under /usr/lib/debug,
 * its CRC checked. NULL when there is none. */
static Elf *open_debug_file(Elf *elf, const char *path, char *buf, size_t size, int *fd_out)
{
	char id[128];
	build_id_hex(elf, id, sizeof(id));
	if (strlen(id) > 2) {
		snprintf(buf, size, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
		Elf *d;
		if (!open_elf(buf, &d, fd_out))
			return d;
	}
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".gnu_debuglink"))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || data->d_size < 8)
			return NULL;
		const char *name = data->d_buf;
		size_t len = strnlen(name, data->d_size);
		size_t crc_off = (len + 4) & ~(size_t)3;
		if (len == 0 || len == data->d_size || crc_off + 4 > data->d_size)
			return NULL;
		uint32_t want;
		memcpy(&want, (const char *)data->d_buf + crc_off, 4);
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		else
			snprintf(dir, sizeof(dir), ".");
		const char *forms[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			snprintf(buf, size, forms[i], dir, name);
			uint32_t got;
			if (!strcmp(buf, path) || file_crc32(buf, &got) || got != want)
				continue;
			Elf *d;
			if (!open_elf(buf, &d, fd_out))
				return d;
		}
		return NULL;
	}
	return NULL;
}

static int read_elf(struct host_elf_file *e)
{
	elf_version(EV_CURRENT);
	Elf *elf;
	int fd;
	int err = open_elf(e->path, &elf, &fd);
	if (err)
		return err;
	size_t nph = 0;
	GElf_Ehdr eh;
	e->is_dyn = gelf_getehdr(elf, &eh) && eh.e_type == ET_DYN;
	elf_getphdrnum(elf, &nph);
	for (size_t i = 0; i < nph && e->nloads < 16; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			e->loads[e->nloads].offset = ph.p_offset;
			e->loads[e->nloads].vaddr = ph.p_vaddr;
			e->loads[e->nloads].filesz = ph.p_filesz;
			e->nloads++;
		}
	}
	size_t cap = 0;
	/* .symtab when present (it includes .dynsym's functions); else the
	 * .symtab of the separate debug file a distribution ships (libc6-dbg's
	 * has libc's static functions, such as __libc_start_call_main, that
	 * end most user stacks); else .dynsym */
	int rc = add_symbols(e, elf, SHT_SYMTAB, &cap);
	if (rc == -ENOENT) {
		char debug_path[4096];
		int dfd = -1;
		Elf *debug = open_debug_file(elf, e->path, debug_path, sizeof(debug_path), &dfd);
		if (debug) {
			rc = add_symbols(e, debug, SHT_SYMTAB, &cap);
			elf_end(debug);
			close(dfd);
		}
	}
	if (rc == -ENOENT)
		add_symbols(e, elf, SHT_DYNSYM, &cap);
	elf_end(elf);
	close(fd);
	for (size_t i = 0; i < e->n; i++)
		e->by_addr[i].offset = vaddr_to_offset(e, e->by_addr[i].addr);
	if (e->n)
		qsort(e->by_addr, e->n, sizeof(*e->by_addr), cmp_addr);
	e->by_name = calloc(e->n + 1, sizeof(*e->by_name));
	if (!e->by_name)
		return -ENOMEM;
	if (e->n)
		memcpy(e->by_name, e->by_addr, e->n * sizeof(*e->by_name));
	qsort(e->by_name, e->n, sizeof(*e->by_name), cmp_name);
	size_t w = 0;
	for (size_t i = 0; i < e->n; i++)
		if (w == 0 || strcmp(e->by_name[w - 1].name, e->by_name[i].name))
			e->by_name[w++] = e->by_name[i];
	e->nnames = w;
	return 0;
}

static struct host_elf_file *elf_get(struct host *h, const char *path)
{
	for (struct host_elf_file *e = h->elf_files; e; e = e->next)
		if (!strcmp(e->path, path))
			return e;
	struct host_elf_file *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->path = strdup(path);
	if (!e->path) {
		free(e);
		return NULL;
	}
	e->next = h->elf_files;
	h->elf_files = e;
	e->err = read_elf(e);
	return e;
}

int sym_elf_vaddr_offset(struct host *h, const char *path, uint64_t vaddr, uint64_t *offset)
{
	struct host_elf_file *e = elf_get(h, path);
	if (!e)
		return -ENOMEM;
	if (e->err)
		return e->err;
	for (int i = 0; i < e->nloads; i++)
		if (vaddr >= e->loads[i].vaddr && vaddr < e->loads[i].vaddr + e->loads[i].filesz) {
			*offset = vaddr - e->loads[i].vaddr + e->loads[i].offset;
			return 0;
		}
	return -ERANGE;
}

int sym_elf_offset_vaddr(struct host *h, const char *path, uint64_t offset, uint64_t *vaddr,
			 bool *is_dyn)
{
	struct host_elf_file *e = elf_get(h, path);
	if (!e)
		return -ENOMEM;
	if (e->err)
		return e->err;
	*is_dyn = e->is_dyn;
	for (int i = 0; i < e->nloads; i++)
		if (offset >= e->loads[i].offset && offset < e->loads[i].offset + e->loads[i].filesz) {
			*vaddr = offset - e->loads[i].offset + e->loads[i].vaddr;
			return 0;
		}
	return -ERANGE;
}

/* one symbol table of `elf` (SHT_SYMTAB or SHT_DYNSYM): -ENOENT if the
 * file has no such table or the table has no defined `name` */
static int find_symbol(Elf *elf, Elf64_Word table, const char *name, uint64_t *addr,
		       uint64_t *size)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != table)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			const char *nm = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (nm && !strcmp(nm, name)) {
				*addr = sym.st_value;
				*size = sym.st_size;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int sym_elf_symbol(const char *path, const char *name, uint64_t *addr, uint64_t *size)
{
	elf_version(EV_CURRENT);
	Elf *elf;
	int fd;
	int err = open_elf(path, &elf, &fd);
	if (err)
		return err;
	err = find_symbol(elf, SHT_SYMTAB, name, addr, size);
	if (err == -ENOENT)
		err = find_symbol(elf, SHT_DYNSYM, name, addr, size);
	elf_end(elf);
	close(fd);
	return err;
}

int sym_elf_funcs(struct host *h, const char *path, const char *glob,
		  const struct sym_elf_func **out)
{
	struct host_elf_file *e = elf_get(h, path);
	if (!e)
		return -ENOMEM;
	if (e->err)
		return e->err;
	/* a plain name: binary search; a glob: the matching run is copied */
	if (!strpbrk(glob, "*?[")) {
		struct sym_elf_func key = {.name = glob};
		struct sym_elf_func *f = bsearch(&key, e->by_name, e->nnames, sizeof(key), cmp_name);
		*out = f;
		return f ? 1 : 0;
	}
	struct glob_match *gm = calloc(1, sizeof(*gm) + (e->nnames + 1) * sizeof(gm->funcs[0]));
	if (!gm)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < e->nnames; i++)
		if (!fnmatch(glob, e->by_name[i].name, 0))
			gm->funcs[n++] = e->by_name[i];
	/* kept with the file, freed with the host like the rest of the cache */
	gm->next = e->matches;
	e->matches = gm;
	*out = gm->funcs;
	return (int)n;
}

static const struct sym_elf_func *elf_lookup(struct host_elf_file *e, uint64_t addr)
{
	if (e->err || !e->n || addr < e->by_addr[0].addr)
		return NULL;
	size_t lo = 0, hi = e->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (e->by_addr[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const struct sym_elf_func *f = &e->by_addr[lo];
	/* sized symbols must contain the address */
	if (f->size && addr >= f->addr + f->size)
		return NULL;
	return f;
}

/* ---- processes ------------------------------------------------------------ */

struct mapping {
	uint64_t start, end, pgoff;
	struct host_elf_file *file;
	char *path; /* as in /proc/PID/maps (owned) */
};

struct host_proc_maps {
	int pid;
	struct mapping *maps;
	size_t n;
	struct host_proc_maps *next;
};

static void free_procs(struct host *h)
{
	while (h->procs) {
		struct host_proc_maps *p = h->procs;
		h->procs = p->next;
		for (size_t i = 0; i < p->n; i++)
			free(p->maps[i].path);
		free(p->maps);
		free(p);
	}
}

static struct host_proc_maps *proc_get(struct host *h, int pid)
{
	for (struct host_proc_maps *p = h->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	struct host_proc_maps *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = h->procs;
	h->procs = p;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return p;
	char line[4096];
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff;
		char perms[8];
		int pathpos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &pgoff,
			   &pathpos) < 4)
			continue;
		if (perms[2] != 'x' || !pathpos || line[pathpos] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		/* a deleted or replaced binary: still readable through the root */
		char full[4200];
		snprintf(full, sizeof(full), "/proc/%d/root%s", pid, line + pathpos);
		if (access(full, R_OK))
			snprintf(full, sizeof(full), "%s", line + pathpos);
		struct host_elf_file *e = elf_get(h, full);
		if (!e)
			continue;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 32;
			struct mapping *nm = realloc(p->maps, cap * sizeof(*nm));
			if (!nm)
				break;
			p->maps = nm;
		}
		/* shown as the process sees it (ustack(perf)), not through /proc */
		char *shown = strdup(line + pathpos);
		if (!shown)
			break;
		p->maps[p->n++] = (struct mapping){start, end, pgoff, e, shown};
	}
	fclose(f);
	return p;
}

void sym_user_preload(struct host *h, int pid)
{
	proc_get(h, pid);
}

int sym_user_lookup(struct host *h, int pid, uint64_t addr, const char **name, uint64_t *offset,
		    const char **file)
{
	struct host_proc_maps *p = proc_get(h, pid);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		struct mapping *m = &p->maps[i];
		if (addr < m->start || addr >= m->end)
			continue;
		struct host_elf_file *e = m->file;
		uint64_t off = addr - m->start + m->pgoff;
		uint64_t vaddr = off;
		for (int j = 0; j < e->nloads; j++)
			if (off >= e->loads[j].offset && off < e->loads[j].offset + e->loads[j].filesz)
				vaddr = off - e->loads[j].offset + e->loads[j].vaddr;
		if (file)
			*file = m->path;
		const struct sym_elf_func *f = elf_lookup(e, vaddr);
		if (!f)
			return -ENOENT;
		*name = f->name;
		*offset = vaddr - f->addr;
		return 0;
	}
	return -ENOENT;
}

/* ---- DWARF ------------------------------------------------------------------ */

/* DWARF names handed out by sym_dwarf_params: valid until host_fini. */
struct host_interned {
	struct host_interned *next;
	char s[];
};

static void free_interned(struct host *h)
{
	while (h->interned) {
		struct host_interned *i = h->interned;
		h->interned = i->next;
		free(i);
	}
}

static char *intern(struct host *h, const char *s)
{
	s = s ? s : "";
	size_t n = strlen(s) + 1;
	struct host_interned *i = malloc(sizeof(*i) + n);
	if (!i)
		return (char *)"";
	memcpy(i->s, s, n);
	i->next = h->interned;
	h->interned = i;
	return i->s;
}

/* What the pointer type `ptr` (already peeled) points to: an integer of
 * 1, 2, 4 or 8 bytes, another pointer, or something else. */
static void dwarf_pointee(Dwarf_Die *ptr, struct sym_dwarf_param *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die to, peeled;
	out->pointee = SYM_POINTEE_OTHER;
	if (!dwarf_attr_integrate(ptr, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &to) ||
	    dwarf_peel_type(&to, &peeled) != 0)
		return; /* void * */
	int tag = dwarf_tag(&peeled);
	if (tag == DW_TAG_pointer_type) {
		out->pointee = SYM_POINTEE_POINTER;
		return;
	}
	if (tag != DW_TAG_base_type && tag != DW_TAG_enumeration_type)
		return;
	Dwarf_Word size = 0, enc = 0;
	if (dwarf_attr_integrate(&peeled, DW_AT_byte_size, &attr))
		dwarf_formudata(&attr, &size);
	if (dwarf_attr_integrate(&peeled, DW_AT_encoding, &attr))
		dwarf_formudata(&attr, &enc);
	if (enc == DW_ATE_float || (size != 1 && size != 2 && size != 4 && size != 8))
		return;
	out->pointee = SYM_POINTEE_INT;
	out->pointee_size = (uint32_t)size;
	out->pointee_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

/* The C type of `die` as bpftrace 0.17 spells it in -lv: a base type or
 * typedef by name, "struct foo", a pointer with the '*' against its
 * target ("char**", "void*"), "const T" or, for a const pointer, "T*
 * const"; volatile as const is, an array as "T[N]". What it cannot name
 * (a function) is "<unknown type>", as in bpftrace. */
static void dwarf_c_type(Dwarf_Die *die, char *buf, size_t size, int depth)
{
	Dwarf_Attribute attr;
	Dwarf_Die to;
	bool has_to = dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, &to);
	char inner[128] = "void";
	int tag = dwarf_tag(die);
	const char *name = dwarf_diename(die);
	if (depth > 8) {
		snprintf(buf, size, "<unknown type>");
		return;
	}
	if (has_to && tag != DW_TAG_base_type && tag != DW_TAG_typedef)
		dwarf_c_type(&to, inner, sizeof(inner), depth + 1);
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		snprintf(buf, size, "%s", name ? name : "<unknown type>");
		return;
	case DW_TAG_pointer_type:
		snprintf(buf, size, "%s*", inner);
		return;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		snprintf(buf, size, "%s %s",
			 tag == DW_TAG_structure_type ? "struct"
			 : tag == DW_TAG_union_type   ? "union"
						      : "enum",
			 name ? name : "<anonymous>");
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type: {
		const char *q = tag == DW_TAG_const_type ? "const" : "volatile";
		if (has_to && dwarf_tag(&to) == DW_TAG_pointer_type)
			snprintf(buf, size, "%s %s", inner, q);
		else
			snprintf(buf, size, "%s %s", q, inner);
		return;
	}
	case DW_TAG_array_type: {
		Dwarf_Die sub;
		Dwarf_Word n = 0;
		if (dwarf_child(die, &sub) == 0 && dwarf_tag(&sub) == DW_TAG_subrange_type) {
			if (dwarf_attr_integrate(&sub, DW_AT_count, &attr))
				dwarf_formudata(&attr, &n);
			else if (dwarf_attr_integrate(&sub, DW_AT_upper_bound, &attr) &&
				 dwarf_formudata(&attr, &n) == 0)
				n++;
		}
		snprintf(buf, size, "%s[%llu]", inner, (unsigned long long)n);
		return;
	}
	default:
		snprintf(buf, size, "<unknown type>");
	}
}

static void dwarf_param(struct host *h, Dwarf_Die *die, struct sym_dwarf_param *out)
{
	memset(out, 0, sizeof(*out));
	out->name = intern(h, dwarf_diename(die));
	Dwarf_Attribute attr;
	Dwarf_Die type, peeled;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type))
		return;
	dwarf_c_type(&type, out->c_type, sizeof(out->c_type), 0);
	out->int_regs = -1;
	if (dwarf_peel_type(&type, &peeled) != 0)
		return;
	int tag = dwarf_tag(&peeled);
	Dwarf_Word size = 0;
	if (tag == DW_TAG_pointer_type) {
		out->is_pointer = true;
		out->size = 8;
		out->readable = true;
		out->int_regs = 1;
		dwarf_pointee(&peeled, out);
		return;
	}
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	    tag == DW_TAG_class_type) {
		/* a record by value: on the stack when it is over 16 bytes */
		Dwarf_Attribute a2;
		if (dwarf_attr_integrate(&peeled, DW_AT_byte_size, &a2) &&
		    dwarf_formudata(&a2, &size) == 0 && size > 16)
			out->int_regs = 0;
		return;
	}
	if (tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type) {
		Dwarf_Attribute a2;
		if (dwarf_attr_integrate(&peeled, DW_AT_byte_size, &a2))
			dwarf_formudata(&a2, &size);
		Dwarf_Word enc = 0;
		if (dwarf_attr_integrate(&peeled, DW_AT_encoding, &a2))
			dwarf_formudata(&a2, &enc);
		out->size = (uint32_t)size;
		out->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char ||
				 (tag == DW_TAG_enumeration_type && enc == 0 && 0);
		bool is_float = enc == DW_ATE_float || enc == DW_ATE_complex_float;
		out->readable = !is_float && (size == 1 || size == 2 || size == 4 || size == 8);
		if (!is_float)
			out->int_regs = size <= 8 ? 1 : size == 16 ? 2 : -1;
		else if (size <= 8 || (enc == DW_ATE_complex_float && size == 16))
			out->int_regs = 0; /* float, double, complex float/double: xmm */
		else if (size == 16 && enc == DW_ATE_float &&
			 !strcmp(dwarf_diename(&peeled) ? dwarf_diename(&peeled) : "", "long double"))
			out->int_regs = 0; /* x87: on the stack */
	}
}

int sym_dwarf_params(struct host *h, const char *path, const char *func,
		     struct sym_dwarf_param *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		close(fd);
		return -ENODATA;
	}
	int rc = -ENOENT;
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (rc == -ENOENT && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				if (dwarf_tag(&child) != DW_TAG_subprogram)
					continue;
				const char *name = dwarf_diename(&child);
				if (!name || strcmp(name, func))
					continue;
				Dwarf_Attribute a;
				if (dwarf_attr(&child, DW_AT_declaration, &a))
					continue;
				int n = 0;
				Dwarf_Die p;
				if (dwarf_child(&child, &p) == 0) {
					do {
						if (dwarf_tag(&p) == DW_TAG_formal_parameter &&
						    n < SYM_MAX_PARAMS)
							dwarf_param(h, &p, &params[n++]);
					} while (dwarf_siblingof(&p, &p) == 0);
				}
				rc = n;
				break;
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	dwarf_end(dw);
	close(fd);
	return rc;
}

/* ---- paths ------------------------------------------------------------------ */

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ldconfig_lookup(const char *name, char *buf, size_t size)
{
	FILE *f = popen("/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null", "r");
	if (!f)
		return -ENOENT;
	char line[1024];
	size_t len = strlen(name);
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");
		char *arrow = strstr(s, " => ");
		if (!arrow)
			continue;
		/* "libc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6" */
		bool match = !strncmp(s, name, len) &&
			     (s[len] == ' ' || !strncmp(s + len, ".so", 3));
		if (match && strstr(s, "x86-64")) {
			char *p = arrow + 4;
			p[strcspn(p, "\n")] = 0;
			snprintf(buf, size, "%s", p);
			rc = 0;
			break;
		}
	}
	pclose(f);
	return rc;
}

/* An absolute form of `path` that keeps its last component: the directory
 * is made canonical, but /usr/bin/python3 stays python3 and not the
 * python3.11 it links to, so probe names read as the user wrote them. */
static void absolute_path(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	char *r = realpath(dir, NULL);
	if (r)
		snprintf(buf, size, "%s%s%s", r, strcmp(r, "/") ? "/" : "", slash + 1);
	else
		snprintf(buf, size, "%s", path);
	free(r);
}

int sym_resolve_path(const char *name, char *buf, size_t size)
{
	if (strchr(name, '/')) {
		if (!is_file(name) || name[strlen(name) - 1] == '/')
			return -ENOENT;
		absolute_path(name, buf, size);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	for (const char *p = path; p && *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char cand[4096];
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, name);
		if (n && is_file(cand) && access(cand, X_OK) == 0) {
			absolute_path(cand, buf, size);
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	if (!strncmp(name, "lib", 3)) {
		if (ldconfig_lookup(name, buf, size) == 0)
			return 0;
		static const char *const dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
						   "/lib64", "/usr/lib64", "/lib", "/usr/lib",
						   "/usr/local/lib", NULL};
		static const char *const sfx[] = {"", ".so", ".so.6", ".so.1", ".so.0", NULL};
		for (int d = 0; dirs[d]; d++)
			for (int s = 0; sfx[s]; s++) {
				char cand[4096];
				snprintf(cand, sizeof(cand), "%s/%s%s", dirs[d], name, sfx[s]);
				if (is_file(cand)) {
					char *r = realpath(cand, NULL);
					snprintf(buf, size, "%s", r ? r : cand);
					free(r);
					return 0;
				}
			}
	}
	return -ENOENT;
}

int sym_resolve_path_of(int pid, const char *name, char *buf, size_t size)
{
	int rc = sym_resolve_path(name, buf, size);
	if (rc && pid > 0 && name[0] == '/') {
		struct stat st;
		snprintf(buf, size, "/proc/%d/root%s", pid, name);
		rc = stat(buf, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -ENOENT;
	}
	return rc;
}

/* ---- the printer's resolver -------------------------------------------------- */

#include <bpf/bpf.h>

/* One frame a line: "    func+off" (bpftrace mode), or perf's
 * "\tADDR func+off (file)" with the file only for user frames. */
static void put_frames(struct host *h, FILE *f, const uint64_t *ips, uint32_t depth, bool user,
		       uint32_t pid, enum stack_mode mode, int indent)
{
	fputc('\n', f);
	for (uint32_t i = 0; i < depth && ips[i]; i++) {
		const char *name, *file = NULL;
		uint64_t off;
		unsigned long long ip = (unsigned long long)ips[i];
		if (mode == STACK_MODE_RAW) {
			/* bpftrace 0.26's raw mode: the bare hex address, unindented */
			fprintf(f, "%llx\n", ip);
			continue;
		}
		int rc = user ? sym_user_lookup(h, (int)pid, ips[i], &name, &off, &file)
			      : sym_kernel_lookup(h, ips[i], &name, &off);
		if (mode == STACK_MODE_PERF) {
			fprintf(f, "\t%llx ", ip);
			if (rc == 0)
				fprintf(f, "%s+%llu", name, (unsigned long long)off);
			else
				fprintf(f, "0x%llx", ip);
			if (user)
				fprintf(f, " (%s)", rc == 0 && file ? file : "[unknown]");
			fputc('\n', f);
		} else if (rc == 0) {
			fprintf(f, "%*s%s+%llu\n", indent, "", name, (unsigned long long)off);
		} else {
			fprintf(f, "%*s0x%llx\n", indent, "", ip);
		}
	}
}

static int resolver_format(const struct out_resolver *base, FILE *f, const struct type *t,
			   const uint8_t *data, bool in_printf)
{
	const struct sym_resolver *r = (const struct sym_resolver *)base;
	uint64_t v;
	uint64_t pid = 0;
	memcpy(&v, data, 8);
	if (t->kind == TYPE_USTACK || t->kind == TYPE_USYM)
		memcpy(&pid, data + 8, 8);
	const char *name;
	uint64_t off;
	switch (t->kind) {
	case TYPE_KSTACK:
	case TYPE_USTACK: {
		/* a failed bpf_get_stackid (no stack, e.g. a user stack of a
		 * kernel thread) is a negative id: an empty stack, as bpftrace */
		uint64_t ips[STACK_MAX_DEPTH] = {0};
		uint32_t id = (uint32_t)v, depth = type_stack_depth(t);
		if (t->dwarf) {
			/* the frames the unwinder stored under the id; none for a
			 * process sonde read no tables of */
			if (v == SONDE_DW_NO_TABLES && !r->dw_warned) {
				((struct sym_resolver *)r)->dw_warned = true;
				fprintf(stderr, "WARNING: dw_ustack: no unwind information for process "
						"%llu: only the processes of -p, -c and --dwarf-pid are unwound\n",
					(unsigned long long)pid);
			}
			if (!v || v == SONDE_DW_NO_TABLES || r->dw_stacks_fd <= 0 ||
			    bpf_map_lookup_elem(r->dw_stacks_fd, &v, ips))
				return 0;
			put_frames(r->host, f, ips, depth, true, (uint32_t)pid,
				   (enum stack_mode)t->stack_mode, in_printf ? 8 : 4);
			return 0;
		}
		int fd = r->stack_fds[depth];
		if ((int64_t)v < 0 || fd <= 0 || bpf_map_lookup_elem(fd, &id, ips))
			return 0;
		put_frames(r->host, f, ips, depth, t->kind == TYPE_USTACK, (uint32_t)pid,
			   (enum stack_mode)t->stack_mode, in_printf ? 8 : 4);
		return 0;
	}
	case TYPE_KSYM:
		if (sym_kernel_lookup(r->host, v, &name, &off))
			return -1;
		fputs(name, f);
		return 0;
	case TYPE_USYM:
		if (sym_user_lookup(r->host, (int)pid, v, &name, &off, NULL))
			return -1;
		fputs(name, f);
		return 0;
	case TYPE_VOID:
	case TYPE_INT:
	case TYPE_STR:
	case TYPE_TUPLE:
	case TYPE_INET:
	case TYPE_PTR:
	case TYPE_RECORD:
	case TYPE_ARRAY:
	case TYPE_BUF:
	case TYPE_BOOL:
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
		break; /* not resolved through symbols */
	}
	return -1;
}

void sym_resolver_init(struct sym_resolver *r, struct host *h)
{
	memset(r, 0, sizeof(*r));
	r->base.format = resolver_format;
	r->host = h;
}

void sym_host_free(struct host *h)
{
	free_ksyms(h);
	name_list_free(&h->traceable);
	name_list_free(&h->kprobe_blacklist);
	free_procs(h);
	free_elf_files(h);
	free_interned(h);
}
