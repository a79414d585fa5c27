#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into OUT/<target>/.

  make_seeds.py SRC_ROOT OUT

ir: the MLIR files of test/ and models/ (up to 4 KB, the fuzz_ir limit),
split at `// -----` like `tvq-opt --split-input-file`, with comment lines
dropped, and OUT/ir.dict, a libFuzzer dictionary of MLIR tokens and the tvq
op and attribute names of TVQOps.td. npy, safetensors, data: small valid and near-valid files of every
supported (and some unsupported) kind, written here with numpy and struct
(safetensors with and without the tvq.crc32c checksum). Deterministic: the
same tree gives the same seeds.
"""
import hashlib
import io
import json
import os
import re
import struct
import sys

import numpy as np

MAX_IR = 4096


def save(out, target, data):
    directory = os.path.join(out, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def ir_seeds(root, out):
    for top in ("test", "models"):
        for dirpath, _, files in sorted(os.walk(os.path.join(root, top))):
            for name in sorted(files):
                if not name.endswith(".mlir"):
                    continue
                text = open(os.path.join(dirpath, name), encoding="utf-8").read()
                for chunk in text.split("// -----"):
                    lines = [l for l in chunk.splitlines()
                             if not l.lstrip().startswith("//")]
                    body = "\n".join(lines).strip() + "\n"
                    if body.strip() and len(body.encode()) <= MAX_IR:
                        save(out, "ir", body.encode())


IR_TOKENS = [
    "func.func", "func.return", "return", "module", "arith.constant",
    "arith.addf", "arith.mulf", "tensor.empty", "tensor<", "memref<", "xf32>",
    "xi32>", "f32", "f64", "i32", "i64", "index", "?x", "0x", "1x", "16x",
    "dense<", "->", "%", "^bb0", "{", "}", "(", ")", ":", ",", "=", "true",
    "false", "-1", "0", "1", "2", "1.0e+30", "nan", "0x7FC00000",
    "tvq.model", "tvq.train_step", "tvq.name", "llvm.emit_c_interface",
]


def ir_dictionary(root, out):
    """tvq op and attribute names from TVQOps.td, and common MLIR tokens."""
    td = open(os.path.join(root, "include/tvq/Dialect/TVQ/IR/TVQOps.td"),
              encoding="utf-8").read()
    tokens = list(IR_TOKENS)
    tokens += ["tvq." + name for name in re.findall(r'TVQ_Op<"(\w+)"', td)]
    tokens += re.findall(r":\$(\w+)", td)
    with open(os.path.join(out, "ir.dict"), "w") as f:
        for token in dict.fromkeys(tokens):
            f.write('"%s"\n' % token.replace("\\", "\\\\").replace('"', '\\"'))


def npy_bytes(array, version=None, fortran=False):
    buffer = io.BytesIO()
    if fortran:
        array = np.asfortranarray(array)
    np.lib.format.write_array(buffer, array, version=version,
                              allow_pickle=False)
    return buffer.getvalue()


def npy_seeds(out):
    arrays = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(3.5, dtype=np.float64),
        np.arange(4, dtype=np.int32),
        np.arange(8, dtype=np.int64).reshape(2, 2, 2),
        np.zeros((0, 3), dtype=np.float32),
        np.arange(3, dtype=">f4"),
        np.arange(3, dtype=np.uint16),
    ]
    for array in arrays:
        save(out, "npy", npy_bytes(array))
    save(out, "npy", npy_bytes(arrays[0], version=(2, 0)))
    save(out, "npy", npy_bytes(arrays[0], version=(3, 0)))
    save(out, "npy", npy_bytes(arrays[0].T.copy(), fortran=True))


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def safetensors_bytes(tensors, metadata, checksum):
    """tensors: [(name, dtype name, shape, raw bytes)]."""
    header, offset, data = {}, 0, b""
    meta = dict(metadata)
    if checksum:
        meta["tvq.crc32c"] = "00000000"
    if meta:
        header["__metadata__"] = meta
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    blob = struct.pack("<Q", len(text)) + text + data
    if checksum:
        digits = b"%08x" % crc32c(blob)
        blob = blob.replace(b'"tvq.crc32c":"00000000"',
                            b'"tvq.crc32c":"' + digits + b'"')
    return blob


def safetensors_seeds(out):
    f32 = np.arange(6, dtype=np.float32).tobytes()
    tensors = [
        ("b.weight", "F32", [2, 3], f32),
        ("a.step", "I64", [], np.array(7, dtype=np.int64).tobytes()),
        ("c", "I32", [2], np.arange(2, dtype=np.int32).tobytes()),
        ("d", "F64", [1], np.ones(1).tobytes()),
        ("h", "F16", [2], np.ones(2, dtype=np.float16).tobytes()),
        ("bf", "BF16", [2], b"\x80\x3f\x00\xc0"),
        ("empty", "F32", [0, 4], b""),
    ]
    meta = {"tvq.step": "7", "tvq.model": "0123456789abcdef", "note": "\u00e9"}
    for checksum in (True, False):
        save(out, "safetensors", safetensors_bytes(tensors, meta, checksum))
        save(out, "safetensors", safetensors_bytes(tensors[:1], {}, checksum))
        save(out, "safetensors", safetensors_bytes([], {}, checksum))


def data_seeds(out):
    # fuzz_data: byte 0 picks format (x % 3) and split (x / 3 % 4), bytes 1
    # and 2 the batch size and sequence length; the file follows.
    text = b"In the beginning God created the heaven and the earth.\n" * 4
    tokens = npy_bytes(np.arange(300, dtype=np.int32) % 97)
    short = npy_bytes(np.arange(300, dtype=np.uint16))
    images = npy_bytes(np.arange(2 * 64 * 64 * 3, dtype=np.uint8)
                       .reshape(2, 64, 64, 3))
    for split in range(4):
        save(out, "data", bytes([0 + 3 * split, 3, 7]) + text)
        save(out, "data", bytes([1 + 3 * split, 2, 5]) + tokens)
        save(out, "data", bytes([1 + 3 * split, 1, 9]) + short)
        save(out, "data", bytes([2 + 3 * split, 1, 63]) + images)


def main():
    root, out = sys.argv[1], sys.argv[2]
    ir_seeds(root, out)
    ir_dictionary(root, out)
    npy_seeds(out)
    safetensors_seeds(out)
    data_seeds(out)


if __name__ == "__main__":
    main()
