/* BEGIN { exit(); }: a program the loader runs once, then it exits (--once). */
#include "common.h"

SEC("syscall")
int begin(void *ctx)
{
	return 0;
}
