# openat(AT_FDCWD, (char *)8, 0): a filename pointer no read can follow,
# for json.test's -kk tests of a failing str() in a tracepoint probe
import ctypes
ctypes.CDLL(None).syscall(257, -100, ctypes.c_void_p(8), 0)
