/* Helper of ci/stress.sh, copied into a scratch rootfs: a container init that dies of a real
 * fault. The kernel forces fault signals even on a PID namespace's init, which ignores every
 * other signal it has no handler for. Usage: engine_crash segv */
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "segv")) {
		volatile int *volatile nowhere = 0;
		*nowhere = 1;
	}
	return 2;
}
