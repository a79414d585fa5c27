"""The dropout mask of tvq.dropout, written in numpy from the op's definition (TVQOps.td).

    h    = fmix(lo32(seed) ^ fmix(hi32(seed) ^ (stream * 0x9e3779b9)))
    h    = fmix(h ^ i_d)      for each of the first mask_rank indices i_d
    keep = (h >> 8) >= floor(rate * 2^24)
    y    = keep ? x / (1 - rate) : 0

with fmix the MurmurHash3 32-bit finalizer. Used by grad_check.py and dropout_check.py.
"""

import numpy as np

M32 = np.uint64(0xFFFFFFFF)


def fmix32(h):
    """MurmurHash3's finalizer on uint64 arrays holding 32-bit values."""
    h = np.asarray(h, dtype=np.uint64) & M32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & M32
    h ^= h >> np.uint64(16)
    return h


def keep_mask(shape, seed, stream, mask_rank, rate):
    """Boolean keep mask of `shape` (broadcast over the dimensions after mask_rank)."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    lo, hi = seed & 0xFFFFFFFF, seed >> 32
    mixed = (stream * 0x9E3779B9) & 0xFFFFFFFF
    base = fmix32(np.uint64(lo) ^ fmix32(np.uint64(hi ^ mixed)))
    h = np.full(tuple(shape[:mask_rank]), base, dtype=np.uint64)
    for d in range(mask_rank):
        index = np.arange(shape[d], dtype=np.uint64).reshape(
            [shape[d] if e == d else 1 for e in range(mask_rank)])
        h = fmix32(h ^ index)
    keep = (h >> np.uint64(8)) >= np.uint64(int(np.floor(rate * 16777216.0)))
    return np.broadcast_to(keep.reshape(keep.shape + (1,) * (len(shape) - mask_rank)), shape)


def dropout(x, seed, stream, mask_rank, rate):
    """tvq.dropout in the precision of x."""
    keep = keep_mask(x.shape, seed, stream, mask_rank, rate)
    return np.where(keep, x * (1.0 / (1.0 - rate)), 0.0)
