/*
 * stapsdt.h - USDT probe sites of an ELF file (.note.stapsdt).
 *
 * Programs built with <sys/sdt.h> (python3, libstdc++, postgres, ...)
 * mark probe sites with a nop and describe each in a note: its address,
 * an optional semaphore the program checks before preparing arguments,
 * the provider and probe names, and where each argument lives at the nop
 * ("-4@%edi 8@-16(%rbp) 4@$5"). sonde attaches a uprobe at the site and
 * reads the arguments from the registers and memory the note names.
 */
#ifndef SONDE_STAPSDT_H
#define SONDE_STAPSDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum usdt_arg_kind {
	USDT_ARG_CONST, /* $imm */
	USDT_ARG_REG,   /* %reg: the register's value */
	USDT_ARG_MEM,   /* disp(%reg[,%index[,scale]]): `size` bytes of user memory at
			 * reg + index * scale + disp */
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	uint32_t size; /* 1, 2, 4 or 8 bytes */
	bool is_signed;
	uint32_t reg_offset; /* offset of the register in x86-64 struct pt_regs */
	int64_t value;       /* the constant, or the displacement */
	uint32_t index_offset; /* USDT_ARG_MEM with an index register: its offset */
	uint32_t scale;        /* its scale (1, 2, 4 or 8); 0: no index register */
};

enum { USDT_MAX_ARGS = 12 };

struct usdt_site {
	char *provider;
	char *name;
	char *args_text;      /* as written in the note */
	uint64_t addr;        /* virtual address of the nop */
	uint64_t offset;      /* file offset of the nop (where the uprobe goes) */
	uint64_t sema_offset; /* file offset of the semaphore, 0 if none */
};

/* Reads every USDT site of `path`, in note order. *out is malloc'ed (each
 * string too; free with usdt_sites_free). Returns the count, 0 when the
 * file has no notes, or -errno (-ENOEXEC: not ELF). */
int usdt_read_sites(const char *path, struct usdt_site **out);
void usdt_sites_free(struct usdt_site *sites, int n);

/* Parses an x86-64 argument string. Returns the number of arguments, or
 * -1 with a sentence in err naming the argument that cannot be read. */
int usdt_parse_args(const char *text, struct usdt_arg *args, int max, char *err, size_t errsz);

#endif
