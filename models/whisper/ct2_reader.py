"""Reads a CTranslate2 `model.bin` (binary version 6) into numpy arrays.

Layout (CTranslate2's model_spec.py `_serialize`): u32 version, string spec name, u32 revision,
u32 variable count, then per variable: string name, u8 rank, u32 dims[rank], u8 dtype,
u32 byte count, raw bytes; then u32 alias count and (alias, target) string pairs.
Strings are u16 length (including the trailing NUL) followed by the bytes.
"""

import struct

import numpy as np

# CTranslate2 DataType enum order.
DTYPES = {
    0: np.float32,
    1: np.int8,
    2: np.int16,
    3: np.int32,
    4: np.float16,
    5: None,  # bfloat16: handled separately
}


class FormatError(Exception):
    """The file is not a CTranslate2 model this reader understands."""


def _read_string(buf, pos):
    (length,) = struct.unpack_from("<H", buf, pos)
    pos += 2
    raw = bytes(buf[pos : pos + length])
    if not raw.endswith(b"\0"):
        raise FormatError(f"unterminated string at byte {pos}")
    return raw[:-1].decode("utf-8"), pos + length


def read_model(path):
    """Returns (spec_name, revision, {name: ndarray}, {alias: target})."""
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    pos = 0
    (version,) = struct.unpack_from("<I", buf, pos)
    pos += 4
    if version != 6:
        raise FormatError(f"unsupported CTranslate2 binary version {version} (expected 6)")
    spec, pos = _read_string(buf, pos)
    (revision, count) = struct.unpack_from("<II", buf, pos)
    pos += 8
    variables = {}
    for _ in range(count):
        name, pos = _read_string(buf, pos)
        rank = buf[pos]
        pos += 1
        dims = struct.unpack_from("<" + "I" * rank, buf, pos)
        pos += 4 * rank
        dtype_id = buf[pos]
        (nbytes,) = struct.unpack_from("<I", buf, pos + 1)
        pos += 5
        raw = buf[pos : pos + nbytes]
        if len(raw) != nbytes:
            raise FormatError(f"variable {name} truncated: file ends early")
        pos += nbytes
        if dtype_id == 5:
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif dtype_id in DTYPES:
            array = np.frombuffer(raw, dtype=DTYPES[dtype_id])
        else:
            raise FormatError(f"variable {name} has unknown dtype id {dtype_id}")
        variables[name] = array.reshape(dims) if rank else array.reshape(())
    aliases = {}
    if pos < len(buf):
        (alias_count,) = struct.unpack_from("<I", buf, pos)
        pos += 4
        for _ in range(alias_count):
            alias, pos = _read_string(buf, pos)
            target, pos = _read_string(buf, pos)
            aliases[alias] = target
    return spec, revision, variables, aliases
