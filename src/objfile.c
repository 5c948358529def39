/*
 * objfile.c - the .sonde.manifest section of an object (see objfile.h):
 * added to the object codegen emitted, found and checked again when an
 * object is run.
 *
 * The section is added without libelf's writer: the new section's bytes,
 * a copy of the section-name table with its name appended, and a new
 * section header table go after the object's bytes, and the ELF header
 * points at the new table. The old table and name table stay behind as
 * bytes nothing refers to; every offset inside the object is unchanged.
 */
#define _GNU_SOURCE
#include "objfile.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend/backend.h"
#include "runtime/leftover.h"

static const char objfile_magic[8] = {'S', 'O', 'N', 'D', 'E', 'O', 'B', 'J'};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static const uint64_t fnv_offset = 0xcbf29ce484222325ull;

/* What identifies the kernel objects are compiled for. */
struct kernel_id {
	char release[65], version[65];
	uint64_t btf_size, btf_hash;
	char boot_id[40]; /* /proc/sys/kernel/random/boot_id: this boot */
};

/* The BTF's size and hash, remembered for this boot in the run
 * directory (runtime/leftover.h; /run is emptied at boot): the kernel's
 * own BTF cannot change while it runs, and reading and hashing its
 * megabytes was a third of the start-up of a run from an object. Used
 * only when this user wrote it and nobody else can. */
static bool btf_memo_path(char *path, size_t size)
{
	const char *dir = leftover_dir(false);
	return dir && (size_t)snprintf(path, size, "%s/btf-id", dir) < size;
}

static bool btf_memo_read(const struct kernel_id *k, uint64_t *size, uint64_t *hash)
{
	char path[PATH_MAX], text[160];
	if (!k->boot_id[0] || !btf_memo_path(path, sizeof path))
		return false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	ssize_t n = -1;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    !(st.st_mode & (S_IWGRP | S_IWOTH)))
		n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = 0;
	char boot[40];
	unsigned format;
	unsigned long long sz, h;
	if (sscanf(text, "sonde-btf %u %39s %llu %llx", &format, boot, &sz, &h) != 4 ||
	    format != OBJFILE_FORMAT || strcmp(boot, k->boot_id))
		return false;
	*size = sz;
	*hash = h;
	return true;
}

static void btf_memo_write(const struct kernel_id *k)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	if (!k->boot_id[0] || !btf_memo_path(path, sizeof path))
		return;
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char text[160];
	int len = snprintf(text, sizeof text, "sonde-btf %d %s %llu %llx\n", OBJFILE_FORMAT,
	                   k->boot_id, (unsigned long long)k->btf_size,
	                   (unsigned long long)k->btf_hash);
	bool ok = write(fd, text, (size_t)len) == len;
	if (close(fd) || !ok || rename(tmp, path))
		unlink(tmp);
}

static void kernel_id_get(struct kernel_id *k)
{
	memset(k, 0, sizeof(*k));
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(k->release, sizeof(k->release), "%s", u.release);
		snprintf(k->version, sizeof(k->version), "%s", u.version);
	}
	FILE *b = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (b) {
		if (!fgets(k->boot_id, sizeof(k->boot_id), b))
			k->boot_id[0] = 0;
		k->boot_id[strcspn(k->boot_id, "\n")] = 0;
		fclose(b);
	}
	/* the types the programs' offsets come from: a kernel rebuilt with
	 * another configuration keeps its release but not its BTF. Read on
	 * every run of an object, so hashed 8 bytes a step (a byte-wise hash
	 * of its megabytes was a third of a cached run's start-up) */
	if (btf_memo_read(k, &k->btf_size, &k->btf_hash))
		return;
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	uint64_t h = fnv_offset, size = 0;
	static uint64_t buf[(1 << 18) / sizeof(uint64_t)];
	unsigned char *bytes = (unsigned char *)buf;
	ssize_t n = 0;
	for (;;) {
		/* the buffer filled whole but at the end, so words stay aligned */
		size_t got = 0;
		while (got < sizeof(buf) && (n = read(fd, bytes + got, sizeof(buf) - got)) > 0)
			got += (size_t)n;
		size_t words = got / sizeof(uint64_t);
		for (size_t i = 0; i < words; i++) {
			h = (h ^ buf[i]) * 0x100000001b3ull;
			h ^= h >> 31;
		}
		h = fnv1a(h, bytes + words * sizeof(uint64_t), got % sizeof(uint64_t));
		size += got;
		if (n <= 0 || got < sizeof(buf))
			break;
	}
	close(fd);
	if (n == 0) {
		k->btf_size = size;
		k->btf_hash = h;
		btf_memo_write(k);
	}
}

bool objfile_is_elf(const void *data, size_t len)
{
	return len >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

/* The section headers of an ELF64 little-endian file, checked to lie
 * within it; NULL with the reason in err. */
static const Elf64_Shdr *section_headers(const void *data, size_t len, const Elf64_Ehdr **eh,
                                         char *err, size_t errsz)
{
	const Elf64_Ehdr *e = data;
	*eh = e;
	if (len < sizeof(*e) || !objfile_is_elf(data, len)) {
		snprintf(err, errsz, "it is not an ELF file");
		return NULL;
	}
	if (e->e_ident[EI_CLASS] != ELFCLASS64 || e->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errsz, "it is not a 64-bit little-endian ELF file");
		return NULL;
	}
	if (e->e_shentsize != sizeof(Elf64_Shdr) || e->e_shnum == 0 || e->e_shnum >= SHN_LORESERVE ||
	    e->e_shstrndx >= e->e_shnum) {
		snprintf(err, errsz, "its ELF header's section table fields are invalid");
		return NULL;
	}
	if (e->e_shoff > len || (len - e->e_shoff) / sizeof(Elf64_Shdr) < e->e_shnum ||
	    e->e_shoff % 8) {
		snprintf(err, errsz, "its section headers lie past its end (truncated?)");
		return NULL;
	}
	return (const Elf64_Shdr *)((const char *)data + e->e_shoff);
}

static bool section_in_file(const Elf64_Shdr *sh, size_t len)
{
	return sh->sh_type == SHT_NOBITS || (sh->sh_offset <= len && sh->sh_size <= len - sh->sh_offset);
}

int objfile_find_section(const void *data, size_t len, const char *section, const void **sec,
                         size_t *seclen, char *err, size_t errsz)
{
	const Elf64_Ehdr *e;
	const Elf64_Shdr *sh = section_headers(data, len, &e, err, errsz);
	if (!sh)
		return -1;
	const Elf64_Shdr *names = &sh[e->e_shstrndx];
	if (names->sh_type != SHT_STRTAB || !section_in_file(names, len)) {
		snprintf(err, errsz, "its section name table lies past its end (truncated?)");
		return -1;
	}
	const char *strtab = (const char *)data + names->sh_offset;
	size_t want = strlen(section);
	for (unsigned i = 0; i < e->e_shnum; i++) {
		if (sh[i].sh_name >= names->sh_size || names->sh_size - sh[i].sh_name <= want ||
		    memcmp(strtab + sh[i].sh_name, section, want + 1))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || !section_in_file(&sh[i], len)) {
			snprintf(err, errsz, "its %s section lies past its end (truncated?)", section);
			return -1;
		}
		*sec = (const char *)data + sh[i].sh_offset;
		*seclen = sh[i].sh_size;
		return 0;
	}
	return 1;
}

/* The files the probes are in (a uprobe's binary, whose offsets were
 * found when compiling): each absolute path of a regular file among the
 * probes' targets, with its size and modification time, so that a file
 * replaced since (a package update) is refused rather than probed at an
 * offset that may now fall inside an instruction. */
static void put_probe_files(struct mio_buf *b, const struct manifest *m)
{
	size_t at = b->len;
	uint32_t n = 0;
	mio_put_u32(b, 0);
	for (uint32_t i = 0; i < m->nprobes; i++) {
		const char *t = m->probes[i].target;
		struct stat st;
		bool seen = false;
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = m->probes[k].target && t && !strcmp(m->probes[k].target, t);
		if (seen || !t || t[0] != '/' || stat(t, &st) || !S_ISREG(st.st_mode))
			continue;
		mio_put_str(b, t);
		mio_put_u64(b, (uint64_t)st.st_size);
		mio_put_u64(b, (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
		                   (uint64_t)st.st_mtim.tv_nsec);
		n++;
	}
	if (!b->failed)
		for (int i = 0; i < 4; i++)
			b->data[at + i] = (unsigned char)(n >> (8 * i));
}

/* ---- writing ------------------------------------------------------------- */

static void pad_to(struct mio_buf *b, size_t align)
{
	static const unsigned char zeros[8];
	if (b->len % align)
		mio_put_bytes(b, zeros, align - b->len % align);
}

/* `elf` with a section `name` holding `sec` appended, into *out. */
static int add_section(const void *elf, size_t len, const char *name, const struct mio_buf *sec,
                       struct mio_buf *out, char *err, size_t errsz)
{
	const Elf64_Ehdr *e;
	const Elf64_Shdr *sh = section_headers(elf, len, &e, err, errsz);
	if (!sh)
		return -1;
	const Elf64_Shdr *names = &sh[e->e_shstrndx];
	if (!section_in_file(names, len) || e->e_shnum + 1 >= SHN_LORESERVE) {
		snprintf(err, errsz, "its section name table is invalid");
		return -1;
	}
	mio_put_bytes(out, elf, len);
	pad_to(out, 8);
	size_t sec_off = out->len;
	mio_put_bytes(out, sec->data, sec->len);
	size_t names_off = out->len;
	mio_put_bytes(out, (const char *)elf + names->sh_offset, names->sh_size);
	mio_put_bytes(out, name, strlen(name) + 1);
	size_t names_size = out->len - names_off;
	pad_to(out, 8);
	size_t sh_off = out->len;
	for (unsigned i = 0; i < e->e_shnum; i++) {
		Elf64_Shdr h = sh[i];
		if (i == e->e_shstrndx) {
			h.sh_offset = names_off;
			h.sh_size = names_size;
		}
		mio_put_bytes(out, &h, sizeof(h));
	}
	Elf64_Shdr h = {
	    .sh_name = (Elf64_Word)names->sh_size,
	    .sh_type = SHT_PROGBITS,
	    .sh_offset = sec_off,
	    .sh_size = sec->len,
	    .sh_addralign = 1,
	};
	mio_put_bytes(out, &h, sizeof(h));
	if (out->failed) {
		snprintf(err, errsz, "%s", strerror(ENOMEM));
		return -1;
	}
	Elf64_Ehdr *ne = (Elf64_Ehdr *)out->data;
	ne->e_shoff = sh_off;
	ne->e_shnum = (Elf64_Half)(e->e_shnum + 1);
	return 0;
}

int objfile_write(const struct program *p, const struct diag *d, char *const *params,
                  int nparams, const char *path)
{
	struct kernel_id k;
	kernel_id_get(&k);
	struct mio_buf body = {0}, sec = {0}, out = {0};
	char err[256] = "";
	int rc = -1;
	if (manifest_encode(&body, p, d, params, nparams)) {
		snprintf(err, sizeof(err), "the program's description cannot be encoded");
		goto done;
	}
	mio_put_bytes(&sec, objfile_magic, sizeof(objfile_magic));
	mio_put_u32(&sec, OBJFILE_FORMAT);
	mio_put_str(&sec, SONDE_BACKEND_BUILD);
	mio_put_str(&sec, k.release);
	mio_put_str(&sec, k.version);
	mio_put_u64(&sec, k.btf_size);
	mio_put_u64(&sec, k.btf_hash);
	mio_put_str(&sec, k.boot_id);
	put_probe_files(&sec, &p->m);
	mio_put_u64(&sec, fnv1a(fnv_offset, body.data, body.len));
	mio_put_bytes(&sec, body.data, body.len);
	if (sec.failed) {
		snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
		goto done;
	}
	if (add_section(p->elf, p->elf_size, OBJFILE_SECTION, &sec, &out, err, sizeof(err)))
		goto done;
	FILE *f = fopen(path, "wbe");
	if (!f || fwrite(out.data, 1, out.len, f) != out.len) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		if (f)
			fclose(f);
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, err);
		err[0] = 0;
		goto done;
	}
	if (fclose(f)) {
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (err[0])
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, err);
	free(body.data);
	free(sec.data);
	free(out.data);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

struct program *objfile_read(const char *name, const void *data, size_t len,
                             bool check_identity, struct run_extras *x, char *err, size_t errsz)
{
	const void *sec;
	size_t seclen;
	char why[160] = "";
	int found = objfile_find_section(data, len, OBJFILE_SECTION, &sec, &seclen, why, sizeof(why));
	if (found < 0) {
		snprintf(err, errsz, "%s is not a valid BPF object: %s", name, why);
		return NULL;
	}
	if (found > 0) {
		snprintf(err, errsz,
		         "%s has no %s section: it is not a BPF object sonde --emit-elf wrote (sonde "
		         "runs only its own objects); compile the script with --emit-elf",
		         name, OBJFILE_SECTION);
		return NULL;
	}
	struct program *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errsz, "%s", strerror(ENOMEM));
		return NULL;
	}
	arena_init(&p->arena);
	struct mio_reader rd = {.p = sec, .end = (const unsigned char *)sec + seclen, .a = &p->arena};
	struct mio_reader *r = &rd;
	if (seclen < sizeof(objfile_magic) || memcmp(sec, objfile_magic, sizeof(objfile_magic))) {
		snprintf(err, errsz, "%s is corrupted: its %s section does not start as sonde's does",
		         name, OBJFILE_SECTION);
		goto fail;
	}
	r->p += sizeof(objfile_magic);
	uint32_t format = mio_get_u32(r);
	const char *build = mio_get_str(r, NULL);
	if (mio_ok(r) && format != OBJFILE_FORMAT) {
		snprintf(err, errsz,
		         "%s was written by sonde %s in object format %u; this sonde (%s) reads format "
		         "%d: compile the script again with this sonde",
		         name, build ? build : "?", format, SONDE_BACKEND_BUILD, OBJFILE_FORMAT);
		goto fail;
	}
	if (mio_ok(r) && !build)
		mio_fail(r, "the build that wrote it is missing");
	if (check_identity && mio_ok(r) && strcmp(build, SONDE_BACKEND_BUILD)) {
		snprintf(err, errsz,
		         "%s was written by sonde %s; this is sonde %s: an object runs only with the "
		         "sonde build that wrote it: compile the script again with this one",
		         name, build, SONDE_BACKEND_BUILD);
		goto fail;
	}
	const char *release = mio_get_str(r, NULL), *version = mio_get_str(r, NULL);
	uint64_t btf_size = mio_get_u64(r), btf_hash = mio_get_u64(r);
	const char *boot_id = mio_get_str(r, NULL);
	struct kernel_id k = {0};
	/* another kernel (or this one rebuilt): checked once the description,
	 * which says whether the programs hold this kernel's layouts as
	 * constants, is read; CO-RE relocations are libbpf's at load */
	bool other_kernel = false;
	char other_why[400] = "";
	if (check_identity && mio_ok(r)) {
		kernel_id_get(&k);
		const char *rel = release ? release : "", *ver = version ? version : "";
		if (strcmp(rel, k.release) || strcmp(ver, k.version)) {
			other_kernel = true;
			snprintf(other_why, sizeof(other_why), "kernel %s (%s); this kernel is %s (%s)",
			         rel, ver, k.release, k.version);
		} else if (btf_size != k.btf_size || btf_hash != k.btf_hash) {
			other_kernel = true;
			snprintf(other_why, sizeof(other_why),
			         "kernel %s (%s), but this kernel's types (its BTF, %llu bytes) are "
			         "not the ones it was compiled against (%llu bytes)",
			         rel, ver, (unsigned long long)k.btf_size,
			         (unsigned long long)btf_size);
		}
	}
	uint32_t nfiles = mio_get_u32(r);
	for (uint32_t i = 0; i < nfiles && mio_ok(r); i++) {
		const char *path = mio_get_str(r, NULL);
		uint64_t size = mio_get_u64(r), mtime = mio_get_u64(r);
		struct stat st;
		if (!check_identity || !mio_ok(r))
			continue;
		if (!path) {
			mio_fail(r, "a probed file has no name");
			continue;
		}
		if (stat(path, &st)) {
			snprintf(err, errsz, "%s probes %s, which is not there now (%s): compile the "
			         "script again",
			         name, path, strerror(errno));
			goto fail;
		}
		if ((uint64_t)st.st_size != size ||
		    (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec != mtime) {
			snprintf(err, errsz,
			         "%s probes %s at the offsets it had when the object was compiled, and "
			         "it has changed since (its size or modification time): compile the "
			         "script again",
			         name, path);
			goto fail;
		}
	}
	uint64_t want = mio_get_u64(r);
	if (!mio_ok(r)) {
		snprintf(err, errsz, "%s is corrupted: its %s section's header is invalid: %s", name,
		         OBJFILE_SECTION, r->err);
		goto fail;
	}
	size_t body_len = (size_t)(r->end - r->p);
	if (fnv1a(fnv_offset, r->p, body_len) != want) {
		snprintf(err, errsz,
		         "%s is corrupted: its %s section does not match the checksum it was written "
		         "with",
		         name, OBJFILE_SECTION);
		goto fail;
	}
	if (manifest_decode(r->p, body_len, p, x, why, sizeof(why))) {
		snprintf(err, errsz, "%s is corrupted: its program description is invalid: %s", name,
		         why);
		goto fail;
	}
	if (other_kernel && p->m.kernel_bound) {
		snprintf(err, errsz,
		         "%s was compiled for %s: its programs hold that kernel's layouts as "
		         "constants (%s), so it runs only there: compile the script again on "
		         "this kernel",
		         name, other_why, p->m.kernel_bound);
		goto fail;
	}
	p->elf = malloc(len ? len : 1);
	if (!p->elf) {
		snprintf(err, errsz, "%s", strerror(ENOMEM));
		goto fail;
	}
	memcpy(p->elf, data, len);
	p->elf_size = len;
	if (check_identity && p->m.boot_bound && (!boot_id || strcmp(boot_id, k.boot_id))) {
		snprintf(err, errsz,
		         "%s holds kernel addresses or BPF program ids of the boot it was compiled "
		         "in (kaddr(), kprobe:ADDRESS or fentry:bpf:ID), and the kernel has booted "
		         "since: compile the script again",
		         name);
		goto fail;
	}
	return p;
fail:
	program_free(p);
	return NULL;
}
