/* The baseline: an empty program on the same tracepoint. */
#include "common.h"

SEC("tracepoint/syscalls/sys_enter_getppid")
int empty(void *ctx)
{
	return 0;
}
