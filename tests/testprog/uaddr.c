/*
 * uaddr.c - a global with a known value for uaddr(): in this PIE, the
 * address where the process has it differs from its ELF address, and
 * reading it through uaddr() gives the value only at the loaded address.
 */
volatile unsigned long sonde_uaddr_value = 0x5eedc0de;
