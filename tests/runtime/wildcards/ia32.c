/*
 * ia32.c COMM - three 32-bit getppid calls (int $0x80, ia32 number 64,
 * which is semget's number in the 64-bit table) and one 64-bit getppid
 * (110), after renaming itself COMM. The kernel's syscalls:* events are
 * silent for 32-bit syscalls, so probes see one sys_enter_getppid and no
 * sys_enter_semget.
 */
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	long r;
	if (argc < 2 || prctl(PR_SET_NAME, argv[1], 0, 0, 0))
		return 2;
	for (int i = 0; i < 3; i++)
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory");
	__asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
	return r > 0 ? 0 : 1;
}
