/*
 * stapsdt.c - USDT probe sites from .note.stapsdt, and their argument
 * strings.
 *
 * Each note (owner "stapsdt", type 3) holds three addresses - the probe
 * site, the link-time address of .stapsdt.base, the semaphore - then the
 * provider, name and argument strings. If the file was relocated after
 * linking (prelink), the site moves by how far .stapsdt.base moved; the
 * uprobe wants file offsets, found through the PT_LOAD program headers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/stapsdt.h"

enum { NT_STAPSDT = 3 };

struct segment {
	uint64_t vaddr, offset, filesz;
};

static uint64_t file_offset(const struct segment *segs, size_t nsegs, uint64_t vaddr)
{
	for (size_t i = 0; i < nsegs; i++)
		if (vaddr >= segs[i].vaddr && vaddr < segs[i].vaddr + segs[i].filesz)
			return vaddr - segs[i].vaddr + segs[i].offset;
	return 0;
}

void usdt_sites_free(struct usdt_site *sites, int n)
{
	for (int i = 0; i < n; i++) {
		free(sites[i].provider);
		free(sites[i].name);
		free(sites[i].args_text);
	}
	free(sites);
}

/* One note's descriptor; returns 0, or -1 when it is malformed. */
static int parse_note(const uint8_t *desc, size_t size, struct usdt_site *s, uint64_t *base)
{
	if (size < 3 * 8 + 3)
		return -1;
	memcpy(&s->addr, desc, 8);
	memcpy(base, desc + 8, 8);
	uint64_t sema;
	memcpy(&sema, desc + 16, 8);
	s->sema_offset = sema; /* a virtual address until translated */
	const char *p = (const char *)desc + 24, *end = (const char *)desc + size;
	const char *strs[3];
	for (int i = 0; i < 3; i++) {
		const char *nul = memchr(p, 0, (size_t)(end - p));
		if (!nul)
			return -1;
		strs[i] = p;
		p = nul + 1;
	}
	s->provider = strdup(strs[0]);
	s->name = strdup(strs[1]);
	s->args_text = strdup(strs[2]);
	return s->provider && s->name && s->args_text ? 0 : -1;
}

int usdt_read_sites(const char *path, struct usdt_site **out)
{
	*out = NULL;
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    gelf_getclass(elf) != ELFCLASS64) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	struct segment segs[32];
	size_t nsegs = 0, nph = 0;
	elf_getphdrnum(elf, &nph);
	for (size_t i = 0; i < nph && nsegs < 32; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			segs[nsegs++] = (struct segment){ph.p_vaddr, ph.p_offset, ph.p_filesz};
	}
	size_t shstrndx = 0;
	elf_getshdrstrndx(elf, &shstrndx);
	uint64_t base_addr = 0;
	bool have_base = false;
	Elf_Scn *notes = NULL, *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".stapsdt.base")) {
			base_addr = sh.sh_addr;
			have_base = true;
		} else if (!strcmp(name, ".note.stapsdt") && sh.sh_type == SHT_NOTE) {
			notes = scn;
		}
	}
	int n = 0, rc = 0;
	size_t cap = 0;
	struct usdt_site *sites = NULL;
	Elf_Data *data = notes ? elf_getdata(notes, NULL) : NULL;
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
			continue;
		if ((size_t)n == cap) {
			cap = cap ? cap * 2 : 16;
			struct usdt_site *ns = realloc(sites, cap * sizeof(*ns));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			sites = ns;
		}
		struct usdt_site *s = &sites[n];
		memset(s, 0, sizeof(*s));
		uint64_t link_base;
		if (parse_note((const uint8_t *)data->d_buf + desc_off, nh.n_descsz, s,
		               &link_base)) {
			free(s->provider);
			free(s->name);
			free(s->args_text);
			continue;
		}
		if (have_base && link_base)
			s->addr += base_addr - link_base;
		s->offset = eh.e_type == ET_REL ? s->addr : file_offset(segs, nsegs, s->addr);
		if (s->sema_offset)
			s->sema_offset = file_offset(segs, nsegs, s->sema_offset);
		n++;
	}
	elf_end(elf);
	close(fd);
	if (rc) {
		usdt_sites_free(sites, n);
		return rc;
	}
	*out = sites;
	return n;
}

/* ---- argument strings ---------------------------------------------------- */

/* x86-64 registers as struct pt_regs lays them out; `shift` is 1 for the
 * high-byte registers (%ah is byte 1 of rax). */
static const struct {
	const char *names[4]; /* 64, 32, 16, 8-bit */
	uint32_t offset;
} registers[] = {
    {{"rax", "eax", "ax", "al"}, 80},      {{"rbx", "ebx", "bx", "bl"}, 40},
    {{"rcx", "ecx", "cx", "cl"}, 88},      {{"rdx", "edx", "dx", "dl"}, 96},
    {{"rsi", "esi", "si", "sil"}, 104},    {{"rdi", "edi", "di", "dil"}, 112},
    {{"rbp", "ebp", "bp", "bpl"}, 32},     {{"rsp", "esp", "sp", "spl"}, 152},
    {{"r8", "r8d", "r8w", "r8b"}, 72},     {{"r9", "r9d", "r9w", "r9b"}, 64},
    {{"r10", "r10d", "r10w", "r10b"}, 56}, {{"r11", "r11d", "r11w", "r11b"}, 48},
    {{"r12", "r12d", "r12w", "r12b"}, 24}, {{"r13", "r13d", "r13w", "r13b"}, 16},
    {{"r14", "r14d", "r14w", "r14b"}, 8},  {{"r15", "r15d", "r15w", "r15b"}, 0},
    {{"rip", "eip", "ip", NULL}, 128},
};

static int register_offset(const char *name, size_t len, uint32_t *offset)
{
	static const struct {
		const char *name;
		uint32_t offset;
	} high[] = {{"ah", 81}, {"bh", 41}, {"ch", 89}, {"dh", 97}};
	for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		if (strlen(high[i].name) == len && !strncmp(name, high[i].name, len)) {
			*offset = high[i].offset;
			return 0;
		}
	for (size_t i = 0; i < sizeof(registers) / sizeof(registers[0]); i++)
		for (int w = 0; w < 4; w++) {
			const char *r = registers[i].names[w];
			if (r && strlen(r) == len && !strncmp(name, r, len)) {
				*offset = registers[i].offset;
				return 0;
			}
		}
	return -1;
}

/* "%reg" at *p; advances past it. */
static int parse_register(const char **p, uint32_t *offset)
{
	if (**p != '%')
		return -1;
	const char *start = ++*p;
	while (isalnum((unsigned char)**p))
		(*p)++;
	return register_offset(start, (size_t)(*p - start), offset);
}

int usdt_parse_args(const char *text, struct usdt_arg *args, int max, char *err, size_t errsz)
{
	int n = 0;
	const char *p = text;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		const char *start = p;
		size_t len = strcspn(start, " \t");
		if (n == max) {
			snprintf(err, errsz, "the probe has more than %d arguments", max);
			return -1;
		}
		struct usdt_arg *a = &args[n];
		memset(a, 0, sizeof(*a));
		/* SIZE@: negative sizes are signed; a bare operand is 8 bytes */
		char *end;
		long size = strtol(p, &end, 10);
		if (end != p && *end == '@') {
			a->is_signed = size < 0;
			a->size = (uint32_t)(size < 0 ? -size : size);
			p = end + 1;
		} else {
			a->size = 8;
		}
		if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
			goto bad;
		if (*p == '$') {
			a->kind = USDT_ARG_CONST;
			a->value = strtoll(p + 1, &end, 0);
			if (end == p + 1)
				goto bad;
			p = end;
			/* the value as the argument's type holds it: an unsigned
			 * 1@$-1 is 255, not -1 (the compiler writes either form) */
			if (a->size < 8) {
				unsigned bits = a->size * 8;
				uint64_t v = (uint64_t)a->value & ((1ULL << bits) - 1);
				if (a->is_signed && (v >> (bits - 1)))
					v |= ~((1ULL << bits) - 1);
				a->value = (int64_t)v;
			}
		} else if (*p == '%') {
			a->kind = USDT_ARG_REG;
			if (parse_register(&p, &a->reg_offset))
				goto bad;
		} else {
			/* [disp](%reg[,%index[,scale]]); symbols are not supported */
			a->kind = USDT_ARG_MEM;
			if (*p != '(') {
				a->value = strtoll(p, &end, 0);
				if (end == p)
					goto bad;
				p = end;
			}
			if (*p++ != '(' || parse_register(&p, &a->reg_offset))
				goto bad;
			if (*p == ',') {
				p++;
				if (parse_register(&p, &a->index_offset))
					goto bad;
				a->scale = 1;
				if (*p == ',') {
					long sc = strtol(p + 1, &end, 10);
					if (end == p + 1 || (sc != 1 && sc != 2 && sc != 4 && sc != 8))
						goto bad;
					a->scale = (uint32_t)sc;
					p = end;
				}
			}
			if (*p++ != ')')
				goto bad;
		}
		if (*p && !isspace((unsigned char)*p))
			goto bad;
		n++;
		continue;
	bad:
		snprintf(err, errsz, "argument %d is '%.*s', a location sonde cannot read", n,
		         (int)len, start);
		return -1;
	}
}
