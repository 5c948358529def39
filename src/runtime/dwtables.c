/*
 * dwtables.c - dw_ustack's unwind tables from a process's .eh_frame
 * (dwtables.h).
 *
 * Each executable file mapping of /proc/PID/maps is opened through
 * /proc/PID/map_files (the very file mapped, even if replaced since) and
 * its .eh_frame read with libdw. The functions' first addresses come from
 * the binary search table of .eh_frame_hdr (PT_GNU_EH_FRAME); from each,
 * libdw's interpreter gives the rules of one address range after the
 * other (dwarf_cfi_addrframe, dwarf_frame_info), and each range becomes a
 * row at the address the mapping puts it.
 */
#include "runtime/dwtables.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* x86_64 DWARF register numbers */
#define DW_REG_RBP 6
#define DW_REG_RSP 7
#define DW_REG_RA 16

static int add_row(struct dw_tables *t, const struct sonde_dw_row *row)
{
	if (t->nrows == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 4096;
		struct sonde_dw_row *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return -1;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->nrows++] = *row;
	return 0;
}

/* CFA = reg + offset as libdw spells it (DW_OP_bregx reg, offset) */
static uint32_t cfa_rule(Dwarf_Frame *frame, int32_t *offset)
{
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1 || ops[0].atom != DW_OP_bregx)
		return DW_ROW_STOP;
	if ((int64_t)ops[0].number2 < INT32_MIN || (int64_t)ops[0].number2 > INT32_MAX)
		return DW_ROW_STOP;
	*offset = (int32_t)ops[0].number2;
	if (ops[0].number == DW_REG_RSP)
		return DW_ROW_CFA_RSP;
	if (ops[0].number == DW_REG_RBP)
		return DW_ROW_CFA_RBP;
	return DW_ROW_STOP;
}

/* Where register regno was saved: 1 with *offset from the CFA, 0 when
 * unchanged (same value, or undefined for rbp), -1 for another rule. */
static int saved_at(Dwarf_Frame *frame, int regno, int32_t *offset)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	if (dwarf_frame_register(frame, regno, mem, &ops, &nops))
		return -1;
	if (nops == 0)
		return 0;
	/* offset(N): DW_OP_call_frame_cfa, then DW_OP_plus_uconst N or a
	 * constant and DW_OP_plus; a value rule ends in DW_OP_stack_value */
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return -1;
	if (nops == 1) {
		*offset = 0;
		return 1;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*offset = (int32_t)ops[1].number;
		return 1;
	}
	if (nops == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus) {
		*offset = (int32_t)ops[1].number;
		return 1;
	}
	return -1;
}

/* The rows of one function's FDE from address `start` (ELF addresses),
 * stopping at `limit` (the next function's start) */
static int add_function(struct dw_tables *t, Dwarf_CFI *cfi, uint64_t start, uint64_t limit,
			uint64_t lo, uint64_t hi, int64_t bias)
{
	uint64_t addr = start;
	while (addr < limit) {
		Dwarf_Frame *frame = NULL;
		if (dwarf_cfi_addrframe(cfi, addr, &frame))
			break;
		Dwarf_Addr rs, re;
		bool signal;
		int ra = dwarf_frame_info(frame, &rs, &re, &signal);
		if (re <= addr) {
			free(frame);
			break;
		}
		struct sonde_dw_row row = {0};
		int32_t ra_off = 0, bp_off = 0;
		row.kind = cfa_rule(frame, &row.cfa_offset);
		/* the return address at CFA - 8, as every x86_64 call leaves it */
		if (ra != DW_REG_RA || saved_at(frame, DW_REG_RA, &ra_off) != 1 || ra_off != -8)
			row.kind = DW_ROW_STOP;
		int bp = saved_at(frame, DW_REG_RBP, &bp_off);
		if (bp < 0 || (bp == 1 && bp_off == 0))
			row.kind = DW_ROW_STOP;
		row.rbp_offset = bp == 1 ? bp_off : 0;
		free(frame);
		uint64_t end = re < limit ? re : limit;
		uint64_t from = addr;
		addr = re;
		/* only what the mapping holds */
		if (from < lo)
			from = lo;
		if (end > hi)
			end = hi;
		if (from >= end || end - from > UINT32_MAX)
			continue;
		row.start = from + (uint64_t)bias;
		row.len = (uint32_t)(end - from);
		if (add_row(t, &row))
			return -1;
	}
	return 0;
}

/* The functions' first addresses from .eh_frame_hdr: sorted, as the
 * header's binary search table keeps them */
static uint64_t *function_starts(Elf *elf, size_t *n)
{
	size_t nph;
	*n = 0;
	if (elf_getphdrnum(elf, &nph))
		return NULL;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_GNU_EH_FRAME)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_BYTE);
		const uint8_t *h = d ? d->d_buf : NULL;
		/* version 1; eh_frame_ptr in 4 bytes (udata4 or sdata4, any
		 * base: it is skipped); count udata4; table datarel sdata4, the
		 * encodings every linker writes */
		if (!h || d->d_size < 12)
			return NULL;
		unsigned ptr_size = h[1] & 0x0f;
		if (h[0] != 1 || (ptr_size != 0x03 && ptr_size != 0x0b) || h[2] != 0x03 ||
		    h[3] != 0x3b)
			return NULL;
		uint32_t count;
		memcpy(&count, h + 8, 4);
		if ((uint64_t)count * 8 + 12 > d->d_size)
			return NULL;
		uint64_t *starts = malloc(((size_t)count + 1) * sizeof(*starts));
		if (!starts)
			return NULL;
		for (uint32_t k = 0; k < count; k++) {
			int32_t rel;
			memcpy(&rel, h + 12 + (size_t)k * 8, 4);
			starts[k] = ph.p_vaddr + (uint64_t)(int64_t)rel;
		}
		*n = count;
		return starts;
	}
	return NULL;
}

/* One executable mapping [lo, hi) of file offset `off` */
static int add_mapping(struct dw_tables *t, int pid, uint64_t lo, uint64_t hi, uint64_t off,
		       const char *path, FILE *err)
{
	char file[96];
	snprintf(file, sizeof(file), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, lo, hi);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(err, "WARNING: dw_ustack: cannot open %s of process %d: %s\n", path, pid,
			strerror(errno));
		return 0;
	}
	int rc = 0;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf_CFI *cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	size_t n = 0, nph = 0;
	uint64_t *starts = cfi ? function_starts(elf, &n) : NULL;
	if (!starts) {
		fprintf(err, "WARNING: dw_ustack: cannot find unwind information in %s (process %d)\n",
			path, pid);
		goto out;
	}
	/* the segment the mapping holds: ELF address = file offset + its delta */
	int64_t bias = 0;
	uint64_t elf_lo = 0, elf_hi = 0;
	elf_getphdrnum(elf, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (off < (ph.p_offset & ~0xfffull) || off >= ph.p_offset + ph.p_filesz)
			continue;
		uint64_t at = ph.p_vaddr - ph.p_offset + off; /* ELF address of the mapping's first byte */
		bias = (int64_t)(lo - at);
		elf_lo = at;
		elf_hi = at + (hi - lo);
		break;
	}
	for (size_t k = 0; elf_hi && k < n && !rc; k++) {
		uint64_t limit = k + 1 < n ? starts[k + 1] : UINT64_MAX;
		if (limit <= elf_lo || starts[k] >= elf_hi)
			continue;
		rc = add_function(t, cfi, starts[k], limit, elf_lo, elf_hi, bias);
	}
out:
	free(starts);
	/* dwarf_getcfi_elf's CFI is the caller's to end, before its Elf */
	if (cfi)
		dwarf_cfi_end(cfi);
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

static int by_start(const void *a, const void *b)
{
	const struct sonde_dw_row *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int dw_tables_read(struct dw_tables *t, int pid, FILE *err)
{
	for (uint32_t i = 0; i < t->npids; i++)
		if (t->pids[i] == (uint32_t)pid)
			return 0;
	elf_version(EV_CURRENT);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(err, "WARNING: dw_ustack: cannot read the mappings of process %d: %s\n", pid,
			strerror(errno));
		return 0;
	}
	char line[4096];
	int rc = 0;
	uint32_t first = t->nrows; /* this process's rows start here */
	while (!rc && fgets(line, sizeof(line), f)) {
		uint64_t lo, hi, off;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*u %n", &lo, &hi, perms,
			   &off, &name_at) < 4 || !name_at)
			continue;
		char *name = line + name_at;
		name[strcspn(name, "\n")] = 0;
		if (perms[2] != 'x' || name[0] != '/')
			continue;
		rc = add_mapping(t, pid, lo, hi, off, name, err);
	}
	fclose(f);
	if (rc)
		return rc;
	uint32_t *pids = realloc(t->pids, (t->npids + 1) * sizeof(*pids));
	if (pids)
		t->pids = pids;
	struct sonde_dw_span *spans = realloc(t->spans, (t->npids + 1) * sizeof(*spans));
	if (spans)
		t->spans = spans;
	if (!pids || !spans)
		return -1;
	qsort(t->rows + first, t->nrows - first, sizeof(*t->rows), by_start);
	t->pids[t->npids] = (uint32_t)pid;
	t->spans[t->npids++] = (struct sonde_dw_span){first, t->nrows - first};
	return 0;
}

int dw_tables_store(const struct dw_tables *t, int pids_fd, int rows_fd)
{
	for (uint32_t i = 0; i < t->nrows; i++)
		if (bpf_map_update_elem(rows_fd, &i, &t->rows[i], BPF_ANY))
			return -errno;
	for (uint32_t i = 0; i < t->npids; i++)
		if (bpf_map_update_elem(pids_fd, &t->pids[i], &t->spans[i], BPF_ANY))
			return -errno;
	return 0;
}

void dw_tables_free(struct dw_tables *t)
{
	free(t->rows);
	free(t->pids);
	free(t->spans);
	memset(t, 0, sizeof(*t));
}
