/*
 * libdw.c - libdw opened on first use, not at exec.
 *
 * Only some runs read DWARF (user-space types, uprobe arguments, the CFI
 * of ustack's unwinder), but linking libdw made every run load it with
 * liblzma and libbz2 at exec: about 0.75 ms of CPU and 30 page faults, a
 * third of a cached `BEGIN { exit(); }` beyond the hand-written loader
 * (docs/PERFORMANCE.md). The functions sonde calls are defined here with
 * libdw's own names and prototypes (<elfutils/libdw.h> checks them) and
 * forward to the library, which the first call opens with dlopen.
 *
 * They are hidden: the binary exports its symbols for sonde-backend.so,
 * and an exported dwarf_child would also be what libdw's own calls to it
 * bind to, calling back into this file.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#pragma GCC visibility push(hidden)
#include <elfutils/libdw.h>

/* Each function sonde uses. Without the library each returns what libdw
 * itself returns for an error. */
#define LIBDW_FUNCTIONS(X)                                                                     \
	X(dwarf_attr)                                                                          \
	X(dwarf_attr_integrate)                                                                \
	X(dwarf_begin)                                                                         \
	X(dwarf_cfi_addrframe)                                                                 \
	X(dwarf_cfi_end)                                                                       \
	X(dwarf_child)                                                                         \
	X(dwarf_diename)                                                                       \
	X(dwarf_dieoffset)                                                                     \
	X(dwarf_end)                                                                           \
	X(dwarf_formref_die)                                                                   \
	X(dwarf_formudata)                                                                     \
	X(dwarf_frame_cfa)                                                                     \
	X(dwarf_frame_info)                                                                    \
	X(dwarf_frame_register)                                                                \
	X(dwarf_getcfi_elf)                                                                    \
	X(dwarf_nextcu)                                                                        \
	X(dwarf_offdie)                                                                        \
	X(dwarf_peel_type)                                                                     \
	X(dwarf_siblingof)                                                                     \
	X(dwarf_tag)

/* dwarf_tag's error */
enum { DW_TAG_invalid_value = -1 };

struct libdw_api {
#define LIBDW_POINTER(name) __typeof__(name) *name;
	LIBDW_FUNCTIONS(LIBDW_POINTER)
#undef LIBDW_POINTER
};

/* The library is the process's, opened once, as its loading at exec
 * was: the one state here, set once and read-only after. */
static struct libdw_api libdw_api;
static int libdw_ok;
static pthread_once_t libdw_once = PTHREAD_ONCE_INIT;

static void libdw_open(void)
{
	void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "sonde: cannot load libdw, which reading DWARF needs: %s\n",
		        dlerror());
		return;
	}
#define LIBDW_RESOLVE(name)                                                                    \
	*(void **)&libdw_api.name = dlsym(h, #name);                                           \
	if (!libdw_api.name) {                                                                 \
		fprintf(stderr, "sonde: libdw.so.1 has no %s: %s\n", #name, dlerror());       \
		return;                                                                        \
	}
	LIBDW_FUNCTIONS(LIBDW_RESOLVE)
#undef LIBDW_RESOLVE
	libdw_ok = 1;
}

static int libdw_ready(void)
{
	pthread_once(&libdw_once, libdw_open);
	return libdw_ok;
}

Dwarf_Attribute *dwarf_attr(Dwarf_Die *die, unsigned int name, Dwarf_Attribute *result)
{
	return libdw_ready() ? libdw_api.dwarf_attr(die, name, result) : NULL;
}

Dwarf_Attribute *dwarf_attr_integrate(Dwarf_Die *die, unsigned int name, Dwarf_Attribute *result)
{
	return libdw_ready() ? libdw_api.dwarf_attr_integrate(die, name, result) : NULL;
}

Dwarf *dwarf_begin(int fd, Dwarf_Cmd cmd)
{
	return libdw_ready() ? libdw_api.dwarf_begin(fd, cmd) : NULL;
}

int dwarf_cfi_addrframe(Dwarf_CFI *cache, Dwarf_Addr address, Dwarf_Frame **frame)
{
	return libdw_ready() ? libdw_api.dwarf_cfi_addrframe(cache, address, frame) : -1;
}

int dwarf_cfi_end(Dwarf_CFI *cache)
{
	return libdw_ready() ? libdw_api.dwarf_cfi_end(cache) : 0;
}

int dwarf_child(Dwarf_Die *die, Dwarf_Die *result)
{
	return libdw_ready() ? libdw_api.dwarf_child(die, result) : -1;
}

const char *dwarf_diename(Dwarf_Die *die)
{
	return libdw_ready() ? libdw_api.dwarf_diename(die) : NULL;
}

Dwarf_Off dwarf_dieoffset(Dwarf_Die *die)
{
	return libdw_ready() ? libdw_api.dwarf_dieoffset(die) : (Dwarf_Off)-1;
}

int dwarf_end(Dwarf *dwarf)
{
	return libdw_ready() ? libdw_api.dwarf_end(dwarf) : 0;
}

Dwarf_Die *dwarf_formref_die(Dwarf_Attribute *attr, Dwarf_Die *type_mem)
{
	return libdw_ready() ? libdw_api.dwarf_formref_die(attr, type_mem) : NULL;
}

int dwarf_formudata(Dwarf_Attribute *attr, Dwarf_Word *return_uval)
{
	return libdw_ready() ? libdw_api.dwarf_formudata(attr, return_uval) : -1;
}

int dwarf_frame_cfa(Dwarf_Frame *frame, Dwarf_Op **ops, size_t *nops)
{
	return libdw_ready() ? libdw_api.dwarf_frame_cfa(frame, ops, nops) : -1;
}

int dwarf_frame_info(Dwarf_Frame *frame, Dwarf_Addr *start, Dwarf_Addr *end, bool *signalp)
{
	return libdw_ready() ? libdw_api.dwarf_frame_info(frame, start, end, signalp) : -1;
}

int dwarf_frame_register(Dwarf_Frame *frame, int regno, Dwarf_Op ops_mem[3], Dwarf_Op **ops,
                         size_t *nops)
{
	return libdw_ready() ? libdw_api.dwarf_frame_register(frame, regno, ops_mem, ops, nops) : -1;
}

Dwarf_CFI *dwarf_getcfi_elf(Elf *elf)
{
	return libdw_ready() ? libdw_api.dwarf_getcfi_elf(elf) : NULL;
}

int dwarf_nextcu(Dwarf *dwarf, Dwarf_Off off, Dwarf_Off *next_off, size_t *header_sizep,
                 Dwarf_Off *abbrev_offsetp, uint8_t *address_sizep, uint8_t *offset_sizep)
{
	return libdw_ready() ? libdw_api.dwarf_nextcu(dwarf, off, next_off, header_sizep,
	                                              abbrev_offsetp, address_sizep, offset_sizep)
	                     : -1;
}

Dwarf_Die *dwarf_offdie(Dwarf *dbg, Dwarf_Off offset, Dwarf_Die *result)
{
	return libdw_ready() ? libdw_api.dwarf_offdie(dbg, offset, result) : NULL;
}

int dwarf_peel_type(Dwarf_Die *die, Dwarf_Die *result)
{
	return libdw_ready() ? libdw_api.dwarf_peel_type(die, result) : -1;
}

int dwarf_siblingof(Dwarf_Die *die, Dwarf_Die *result)
{
	return libdw_ready() ? libdw_api.dwarf_siblingof(die, result) : -1;
}

int dwarf_tag(Dwarf_Die *die)
{
	return libdw_ready() ? libdw_api.dwarf_tag(die) : DW_TAG_invalid_value;
}

#pragma GCC visibility pop
