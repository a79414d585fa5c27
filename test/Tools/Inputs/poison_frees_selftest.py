"""Self-test of the use-after-free detector (unittests/poisonfrees), run under
LD_PRELOAD=%poison_frees: a block written, freed, then read holds 0xFF bytes
(the detector's poison) and not what was written."""
import ctypes

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

block = libc.malloc(64)
ctypes.memset(block, 0x11, 64)
before = ctypes.string_at(block, 64)
libc.free(block)
# Safe only under the detector, which keeps the block from reuse.
after = ctypes.string_at(block, 64)
print("written block reads", before[:4].hex(" "))
print("freed block reads", after[:4].hex(" "), "(all 64 bytes 0xff: %s)" % (after == b"\xff" * 64))
