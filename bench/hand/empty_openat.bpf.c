/* The baseline of the cases on sys_enter_openat: an empty program there. */
#include "common.h"

SEC("tracepoint/syscalls/sys_enter_openat")
int empty_openat(void *ctx)
{
	return 0;
}
