/*
 * stapsdt_note.h - a USDT marker written out by hand, laid out as
 * <sys/sdt.h> lays it out: a nop at the probe's address and a
 * .note.stapsdt note (type 3) naming it, with the .stapsdt.base section
 * that tools use to find how far the binary was moved. Tests write their
 * own argument strings (index registers, odd constants) that sys/sdt.h
 * would never produce.
 *
 * STAPSDT_NOTE(PROVIDER, NAME, ARGS) is a string for __asm__: PROVIDER,
 * NAME and ARGS are string literals. In an __asm__ with operands, a
 * register in ARGS is written %%reg.
 */
#ifndef TESTPROG_STAPSDT_NOTE_H
#define TESTPROG_STAPSDT_NOTE_H

#define STAPSDT_NOTE(provider, name, args)                                          \
	"990: nop\n"                                                                \
	".pushsection .note.stapsdt,\"?\",\"note\"\n"                               \
	".balign 4\n"                                                               \
	".4byte 992f-991f, 994f-993f, 3\n"                                          \
	"991: .asciz \"stapsdt\"\n"                                                 \
	"992: .balign 4\n"                                                          \
	"993: .8byte 990b\n"                                                        \
	".8byte _.stapsdt.base\n"                                                   \
	".8byte 0\n"                                                                \
	".asciz \"" provider "\"\n"                                                 \
	".asciz \"" name "\"\n"                                                     \
	".asciz \"" args "\"\n"                                                     \
	"994: .balign 4\n"                                                          \
	".popsection\n"                                                             \
	".ifndef _.stapsdt.base\n"                                                  \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"     \
	".weak _.stapsdt.base\n"                                                    \
	".hidden _.stapsdt.base\n"                                                  \
	"_.stapsdt.base: .space 1\n"                                                \
	".size _.stapsdt.base, 1\n"                                                 \
	".popsection\n"                                                             \
	".endif\n"

#endif
