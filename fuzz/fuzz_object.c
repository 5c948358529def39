/*
 * fuzz_object.c - libFuzzer target for what `sonde FILE.o` reads of an
 * object (objfile.h): an input that starts as an ELF file goes through
 * objfile_read() (section headers, the .sonde.manifest header, its
 * checksum), anything else straight into manifest_decode(), the
 * manifest's reader, which the checksum would otherwise keep the fuzzer
 * from reaching. Neither may crash, leak or read out of bounds: whatever
 * the bytes, a program or an error message.
 */
#include "fuzz_common.h"

#include "manifest_io.h"
#include "objfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return -1;
	char err[1024] = "";
	struct run_extras x;
	if (objfile_is_elf(data, size)) {
		struct program *p = objfile_read("fuzz.o", data, size, false, &x, err, sizeof(err));
		if (!p && !err[0])
			abort(); /* a refusal must say why */
		program_free(p);
		return 0;
	}
	struct program p = {0};
	arena_init(&p.arena);
	if (manifest_decode(data, size, &p, &x, err, sizeof(err)) && !err[0])
		abort();
	arena_fini(&p.arena);
	return 0;
}
