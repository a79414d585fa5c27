#!/usr/bin/env python3
"""Reads, checks and edits tvq training checkpoints for the tvq-run tests.

A checkpoint is a safetensors file whose "__metadata__" holds "tvq.crc32c":
the CRC-32C of the whole file computed with those 8 hex digits replaced by
"00000000" (docs/design.md section 3). This script reads and writes that
format itself (json, struct and numpy only), independently of the runtime.

  checkpoint_tool.py show FILE             names, dtypes, shapes, metadata
  checkpoint_tool.py check-init FILE       the initialization rules hold
  checkpoint_tool.py other-model FILE OUT  as if from another model
  checkpoint_tool.py poison FILE NAME [V]  element 0 of tensor NAME set to V (default NaN),
                                           with a valid CRC
  checkpoint_tool.py corrupt FILE          flips one data byte (bad CRC)
  checkpoint_tool.py truncate FILE         drops the last 100 bytes
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


TABLE = crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def read(path):
    """(metadata dict, {name: array}) of a checkpoint."""
    blob = open(path, "rb").read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + length])
    data = blob[8 + length :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).copy()
    return metadata, tensors


def write(path, metadata, tensors):
    """Writes a checkpoint with a valid tvq.crc32c."""
    header = {"__metadata__": dict(metadata, **{"tvq.crc32c": "00000000"})}
    offset, chunks = 0, []
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        dtype = [k for k, v in DTYPES.items() if v == array.dtype.type][0]
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    blob = struct.pack("<Q", len(text)) + text + b"".join(chunks)
    digits = "%08x" % crc32c(blob)
    blob = blob.replace(b'"tvq.crc32c":"00000000"', b'"tvq.crc32c":"%s"' % digits.encode())
    open(path, "wb").write(blob)


def show(path):
    metadata, tensors = read(path)
    for key in sorted(metadata):
        print("meta %s" % key)
    for name in sorted(tensors):
        array = tensors[name]
        print("tensor %s %s %s" % (name, array.dtype, list(array.shape)))


def check_init(path):
    """Checks the documented initialization of a --steps 0 checkpoint."""
    metadata, tensors = read(path)
    assert metadata["tvq.step"] == "0", metadata
    for name, array in tensors.items():
        if name == "step":
            assert array.dtype == np.int64 and array.shape == () and array == 0
        elif name.startswith(("m.", "v.")):
            assert not array.any(), name
        elif name == "embed":
            assert abs(array.std() - 1) < 0.05 and abs(array.mean()) < 0.05, name
        elif array.ndim == 2:
            # c_sum and the matrices: N(0, 1 / shape[0]).
            expected = 1 / np.sqrt(array.shape[0])
            assert abs(array.std() / expected - 1) < 0.2, (name, array.std())
        elif name.endswith((".gain", ".c_count")):
            assert (array == 1).all(), name
        else:
            assert not array.any(), name
    print("init ok: %d tensors" % len(tensors))


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == "show":
        show(path)
    elif command == "check-init":
        check_init(path)
    elif command == "other-model":
        metadata, tensors = read(path)
        metadata["tvq.model"] = "0123456789abcdef"
        tensors["embed"] = np.zeros((300, tensors["embed"].shape[1]), np.float32)
        write(sys.argv[3], metadata, tensors)
    elif command == "poison":
        metadata, tensors = read(path)
        value = float(sys.argv[4]) if len(sys.argv) > 4 else np.nan
        tensors[sys.argv[3]].reshape(-1)[0] = value
        write(path, metadata, tensors)
    elif command == "corrupt":
        blob = bytearray(open(path, "rb").read())
        blob[-5] ^= 0x40
        open(path, "wb").write(bytes(blob))
    elif command == "truncate":
        blob = open(path, "rb").read()
        open(path, "wb").write(blob[:-100])
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
