#!/usr/bin/env python3
"""runtime_interop.py - checks the runtime's file formats and random streams
against independent Python code.

Usage: runtime_interop.py LIBTVQ_RUNTIME.so

Calls the C API through ctypes and checks, with struct, json and numpy only:
- a safetensors file written by tvq parses by hand (layout, padding, offsets,
  data, CRC-32C checksum), and a file written here by hand reads in tvq
  (F32/F64/I32/I64/F16/BF16, with and without a checksum);
- tvq_rng equals numpy.random.Philox, tvq_sample_top_p equals a numpy
  re-implementation of its algorithm, and the batcher's epoch orders equal a
  re-implementation of its Fisher-Yates shuffle;
- byte-file splits are floor(0.9 n) / floor(0.95 n), tokens byte + 3.
"""
import ctypes as C
import json
import os
import re
import struct
import sys
import tempfile

import numpy as np

TVQ_F32, TVQ_F64, TVQ_I32, TVQ_I64 = 0, 1, 2, 3
REQUIRE_CHECKSUM = 1
MASK64 = (1 << 64) - 1


class Rng(C.Structure):
    _fields_ = [("key", C.c_uint64), ("counter", C.c_uint64)]


def load(path):
    lib = C.CDLL(path)
    P = C.c_void_p
    sig = {
        "tvq_last_error": (C.c_char_p, []),
        "tvq_tensor_create": (P, [C.c_int, C.c_int32, C.POINTER(C.c_int64)]),
        "tvq_tensor_destroy": (None, [P]),
        "tvq_tensor_data": (P, [P]),
        "tvq_tensor_dtype": (C.c_int, [P]),
        "tvq_tensor_rank": (C.c_int32, [P]),
        "tvq_tensor_shape": (C.POINTER(C.c_int64), [P]),
        "tvq_tensor_num_bytes": (C.c_size_t, [P]),
        "tvq_safetensors_write": (C.c_int, [C.c_char_p, C.POINTER(C.c_char_p),
                                            C.POINTER(P), C.c_int32,
                                            C.POINTER(C.c_char_p),
                                            C.POINTER(C.c_char_p), C.c_int32]),
        "tvq_safetensors_read": (P, [C.c_char_p, C.c_int]),
        "tvq_safetensors_destroy": (None, [P]),
        "tvq_safetensors_find": (P, [P, C.c_char_p]),
        "tvq_safetensors_metadata": (C.c_char_p, [P, C.c_char_p]),
        "tvq_safetensors_num_tensors": (C.c_int32, [P]),
        "tvq_rng_create": (Rng, [C.c_uint64]),
        "tvq_rng_next_u64": (C.c_uint64, [C.POINTER(Rng)]),
        "tvq_sample_top_p": (C.c_int32, [C.POINTER(C.c_float), C.c_int32,
                                         C.c_float, C.c_float,
                                         C.POINTER(Rng)]),
        "tvq_dataset_open": (P, [C.c_char_p, C.c_int, C.c_int]),
        "tvq_dataset_close": (None, [P]),
        "tvq_dataset_num_tokens": (C.c_int64, [P]),
        "tvq_dataset_read": (C.c_int, [P, C.c_int64, C.c_int64,
                                       C.POINTER(C.c_int32)]),
        "tvq_batcher_create": (P, [P, C.c_int32, C.c_int32, C.c_uint64,
                                   C.c_int]),
        "tvq_batcher_destroy": (None, [P]),
        "tvq_batcher_window": (C.c_int64, [P, C.c_int64, C.c_int32]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def check(lib, ok, what):
    if not ok:
        raise AssertionError(what + ": " + lib.tvq_last_error().decode())


# --- CRC-32C, bit by bit (independent of the runtime's table method) -------

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def checksum_digits(file_bytes, header_len):
    """The stored digits and the CRC-32C of the file with them zeroed."""
    header = file_bytes[8:8 + header_len]
    found = list(re.finditer(rb'"tvq\.crc32c"\s*:\s*"([0-9a-f]{8})"', header))
    assert len(found) == 1, header
    start = 8 + found[0].start(1)
    zeroed = file_bytes[:start] + b"00000000" + file_bytes[start + 8:]
    return found[0].group(1).decode(), "%08x" % crc32c(zeroed)


# --- safetensors ------------------------------------------------------------

def tensor_from_numpy(lib, array):
    dtype = {np.dtype("float32"): TVQ_F32, np.dtype("float64"): TVQ_F64,
             np.dtype("int32"): TVQ_I32, np.dtype("int64"): TVQ_I64}[array.dtype]
    shape = (C.c_int64 * max(array.ndim, 1))(*array.shape)
    tensor = lib.tvq_tensor_create(dtype, array.ndim, shape)
    check(lib, tensor, "tvq_tensor_create")
    raw = np.ascontiguousarray(array).tobytes()
    C.memmove(lib.tvq_tensor_data(tensor), raw, len(raw))
    return tensor


def tensor_to_numpy(lib, tensor):
    dtype = [np.float32, np.float64, np.int32, np.int64][
        lib.tvq_tensor_dtype(tensor)]
    rank = lib.tvq_tensor_rank(tensor)
    shape = tuple(lib.tvq_tensor_shape(tensor)[i] for i in range(rank))
    raw = C.string_at(lib.tvq_tensor_data(tensor),
                      lib.tvq_tensor_num_bytes(tensor))
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def tvq_writes_python_reads(lib, tmp):
    rng = np.random.default_rng(0)
    arrays = {
        "layer.0.w": rng.standard_normal((3, 5)).astype(np.float32),
        "layer.0.b": rng.standard_normal(7),
        "codes": rng.integers(-9, 9, (2, 2, 3)).astype(np.int32),
        "step": np.array(123456789012, dtype=np.int64),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    metadata = {"step": "1200", "rng": "x", "text": "é \"quoted\" \\ \n"}
    path = os.path.join(tmp, "tvq.safetensors")
    names = list(arrays)
    tensors = [tensor_from_numpy(lib, arrays[n]) for n in names]
    status = lib.tvq_safetensors_write(
        path.encode(), (C.c_char_p * len(names))(*[n.encode() for n in names]),
        (C.c_void_p * len(names))(*tensors), len(names),
        (C.c_char_p * 3)(*[k.encode() for k in metadata]),
        (C.c_char_p * 3)(*[v.encode() for v in metadata.values()]), 3)
    for tensor in tensors:
        lib.tvq_tensor_destroy(tensor)
    check(lib, status == 0, "tvq_safetensors_write")

    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, n
    text = data[8:8 + n].decode("utf-8")
    assert text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" ")))
    header = json.loads(text)
    meta = header.pop("__metadata__")
    assert {k: v for k, v in meta.items() if k != "tvq.crc32c"} == metadata
    stored, computed = checksum_digits(data, n)
    assert meta["tvq.crc32c"] == stored == computed, (stored, computed)
    body = data[8 + n:]
    spans = []
    for name, array in arrays.items():
        entry = header.pop(name)
        kind = {"float32": "F32", "float64": "F64", "int32": "I32",
                "int64": "I64"}[array.dtype.name]
        assert entry["dtype"] == kind and entry["shape"] == list(array.shape)
        begin, end = entry["data_offsets"]
        assert begin % array.dtype.itemsize == 0, (name, begin)
        got = np.frombuffer(body[begin:end], dtype=array.dtype)
        np.testing.assert_array_equal(got.reshape(array.shape), array)
        spans.append((begin, end))
    assert not header, header
    covered = 0
    for begin, end in sorted(spans):
        assert begin == covered, spans
        covered = end
    assert covered == len(body), (covered, len(body))


def python_writes_tvq_reads(lib, tmp):
    f16 = np.array([1.0, -2.5, 65504, 6e-8, np.inf], dtype=np.float16)
    f32 = np.array([[1.5, -2.0], [3.25, 1e-30]], dtype=np.float32)
    bf16_source = np.array([1.0, -0.5, 3.140625], dtype=np.float32)
    bf16 = (bf16_source.view(np.uint32) >> 16).astype(np.uint16)
    parts = [("b", "F64", np.arange(3, dtype=np.float64) / 7),
             ("a", "I64", np.array([-1, 2**40], dtype=np.int64)),
             ("c", "F32", f32),
             ("d", "I32", np.array([7], dtype=np.int32)),
             ("h", "F16", f16),
             ("g", "BF16", bf16)]
    for with_checksum in (True, False):
        header, body = {}, b""
        for name, kind, array in parts:
            raw = array.tobytes()
            header[name] = {"shape": list(array.shape), "dtype": kind,
                            "data_offsets": [len(body), len(body) + len(raw)]}
            body += raw
        meta = {"note": "by hand"}
        if with_checksum:
            meta["tvq.crc32c"] = "00000000"
        header["__metadata__"] = meta  # last, with Python's spacing
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        data = struct.pack("<Q", len(text)) + text + body
        if with_checksum:
            _, computed = checksum_digits(data, len(text))
            data = data.replace(b'"00000000"', b'"' + computed.encode() + b'"')
        path = os.path.join(tmp, "py.safetensors")
        open(path, "wb").write(data)

        flags = REQUIRE_CHECKSUM if with_checksum else 0
        handle = lib.tvq_safetensors_read(path.encode(), flags)
        check(lib, handle, "tvq_safetensors_read")
        assert lib.tvq_safetensors_num_tensors(handle) == len(parts)
        assert lib.tvq_safetensors_metadata(handle, b"note") == b"by hand"
        for name, kind, array in parts:
            tensor = lib.tvq_safetensors_find(handle, name.encode())
            check(lib, tensor, "find " + name)
            got = tensor_to_numpy(lib, tensor)
            expected = {"F16": lambda: array.astype(np.float32),
                        "BF16": lambda: bf16_source}.get(kind, lambda: array)()
            assert got.dtype == expected.dtype, (name, got.dtype)
            np.testing.assert_array_equal(got, expected)
        lib.tvq_safetensors_destroy(handle)

        if with_checksum:  # one flipped data byte is caught
            bad = bytearray(data)
            bad[-1] ^= 1
            open(path, "wb").write(bytes(bad))
            assert not lib.tvq_safetensors_read(path.encode(), flags)
            assert b"checksum mismatch" in lib.tvq_last_error()


# --- random streams ---------------------------------------------------------

def philox_values(key, counter, domain=0, stream=0):
    """Values counter, counter + 1, ... of the runtime's stream, by numpy."""
    start = (domain << 128) | (stream << 64) | (counter // 4)
    gen = np.random.Philox(key=key, counter=(start - 1) % (1 << 256))
    skip = counter % 4
    while True:
        for value in gen.random_raw(64)[skip:]:
            yield int(value)
        skip = 0


def uniform_below(values, n):
    product = next(values) * n
    if product & MASK64 < n:
        threshold = ((1 << 64) - n) % n
        while product & MASK64 < threshold:
            product = next(values) * n
    return product >> 64


def sample_top_p(logits, temperature, top_p, values):
    u = (next(values) >> 11) * 2.0**-53
    argmax = int(np.argmax(logits))
    if temperature == 0 or top_p == 0:
        return argmax
    weights = np.exp((logits.astype(np.float64) - logits[argmax])
                     / np.float64(np.float32(temperature)))
    order = sorted(range(len(logits)), key=lambda i: (-weights[i], i))
    total = 0.0
    for i in order:
        total += weights[i]
    threshold, kept, count = float(np.float32(top_p)) * total, 0.0, 0
    while count < len(order) and (count == 0 or kept < threshold) \
            and weights[order[count]] > 0:
        kept += weights[order[count]]
        count += 1
    target, acc = u * kept, 0.0
    for i in order[:count]:
        acc += weights[i]
        if target < acc:
            return i
    return order[count - 1]


def check_random_streams(lib):
    for key in (0, 12345, 2**64 - 1):
        rng = lib.tvq_rng_create(key)
        expected = philox_values(key, 0)
        for _ in range(10):
            assert lib.tvq_rng_next_u64(C.byref(rng)) == next(expected)
    # The state (key, counter) resumes mid-block.
    rng = Rng(99, 6)
    assert lib.tvq_rng_next_u64(C.byref(rng)) == next(philox_values(99, 6))

    logits = (np.random.default_rng(1).standard_normal(259) * 3).astype(
        np.float32)
    for temperature, top_p in ((1.0, 1.0), (0.8, 0.9), (1.3, 0.5), (0.0, 1.0)):
        rng = lib.tvq_rng_create(7)
        values = philox_values(7, 0)
        pointer = logits.ctypes.data_as(C.POINTER(C.c_float))
        for _ in range(300):
            got = lib.tvq_sample_top_p(pointer, 259, temperature, top_p,
                                       C.byref(rng))
            assert got == sample_top_p(logits, temperature, top_p, values), \
                (temperature, top_p)


def check_data(lib, tmp):
    path = os.path.join(tmp, "bytes")
    raw = bytes((i * 31 + 7) % 256 for i in range(1237))
    open(path, "wb").write(raw)
    n = len(raw)
    bounds = {1: (0, n * 9 // 10), 2: (n * 9 // 10, n * 19 // 20),
              3: (n * 19 // 20, n), 0: (0, n)}
    for split, (begin, end) in bounds.items():
        dataset = lib.tvq_dataset_open(path.encode(), 0, split)
        check(lib, dataset, "tvq_dataset_open")
        count = lib.tvq_dataset_num_tokens(dataset)
        assert count == end - begin, (split, count)
        out = (C.c_int32 * count)()
        check(lib, lib.tvq_dataset_read(dataset, 0, count, out) == 0, "read")
        assert list(out) == [b + 3 for b in raw[begin:end]]
        lib.tvq_dataset_close(dataset)

    # The batcher's epoch orders: Fisher-Yates from Philox domain 1.
    dataset = lib.tvq_dataset_open(path.encode(), 0, 0)
    seq_len, seed = 16, 2024
    windows = n // seq_len
    batcher = lib.tvq_batcher_create(dataset, 1, seq_len, seed, 1)
    check(lib, batcher, "tvq_batcher_create")
    for epoch in range(3):
        order = list(range(windows))
        values = philox_values(seed, 0, domain=1, stream=epoch)
        for i in range(windows - 1, 0, -1):
            j = uniform_below(values, i + 1)
            order[i], order[j] = order[j], order[i]
        got = [lib.tvq_batcher_window(batcher, epoch * windows + r, 0)
               for r in range(windows)]
        assert got == order, (epoch, got[:8], order[:8])
    lib.tvq_batcher_destroy(batcher)
    lib.tvq_dataset_close(dataset)


def main():
    lib = load(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        tvq_writes_python_reads(lib, tmp)
        python_writes_tvq_reads(lib, tmp)
        check_random_streams(lib)
        check_data(lib, tmp)
    print("runtime interop: ok")


if __name__ == "__main__":
    main()
