"""ggml block quantisation (q8_0, q5_0, q4_0) in numpy, bit for bit as ggml's reference
`quantize_row_*_ref` in ggml-quants.c, so that a model quantised here loads and decodes in
whisper.cpp exactly like one from its own `quantize` tool.

Every format cuts a row into blocks of 32 values and stores one float16 scale `d` per block:
- q8_0 (34 bytes/block): d = max|x| / 127, q = round(x / d) as int8.
- q5_0 (22 bytes/block): d = x[argmax|x|] / -16, q = min(31, trunc(x / d + 16.5)); the low four
  bits of each q are packed two to a byte (value j in the low nibble, j + 16 in the high one),
  the fifth bits go into a little-endian uint32 `qh` (bit j for value j).
- q4_0 (18 bytes/block): d = x[argmax|x|] / -8, q = min(15, trunc(x / d + 8.5)), packed as q5_0's
  low nibbles.

Arithmetic is float32 throughout, as in C, so that rounding matches.
"""

import numpy as np

QK = 32

# ggml_type ids written into each tensor header, and the model-wide ggml "ftype" (llama_ftype)
# that whisper.cpp reads from the hyper-parameters (plus GGML_QNT_VERSION * 1000).
GGML_TYPE = {"f32": 0, "f16": 1, "q4_0": 2, "q5_0": 6, "q8_0": 8}
GGML_FTYPE = {"f16": 1, "q4_0": 2, "q8_0": 7, "q5_0": 8}
GGML_QNT_VERSION = 2
GGML_QNT_VERSION_FACTOR = 1000


class QuantError(ValueError):
    """A tensor cannot be quantised (row length not a multiple of the block size)."""


def _blocks(array):
    x = np.ascontiguousarray(array, dtype=np.float32)
    if x.shape[-1] % QK:
        raise QuantError(f"row length {x.shape[-1]} is not a multiple of {QK}")
    return x.reshape(-1, QK)


def _inverse(d):
    # ggml: id = d ? 1.0f/d : 0.0f
    with np.errstate(divide="ignore"):
        return np.where(d != 0, np.float32(1.0) / np.where(d != 0, d, 1), 0).astype(np.float32)


def _signed_max(x):
    """Per block, the value of largest magnitude with its sign (first one on ties, as in C)."""
    idx = np.argmax(np.abs(x), axis=1)
    return x[np.arange(x.shape[0]), idx]


def _nibbles(q):
    """Packs 32 4-bit values per block: byte j = q[j] | q[j + 16] << 4."""
    return (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)


def quantize_q8_0(array):
    x = _blocks(array)
    d = (np.max(np.abs(x), axis=1) / np.float32(127)).astype(np.float32)
    v = x * _inverse(d)[:, None]
    # roundf: half away from zero
    q = (np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))).astype(np.int8)
    out = np.empty(x.shape[0], dtype=[("d", "<f2"), ("qs", "i1", (QK,))])
    out["d"], out["qs"] = d.astype(np.float16), q
    return out.tobytes()


def quantize_q5_0(array):
    x = _blocks(array)
    d = (_signed_max(x) / np.float32(-16)).astype(np.float32)
    v = x * _inverse(d)[:, None] + np.float32(16.5)
    q = np.minimum(31, np.trunc(v).astype(np.int32)).astype(np.uint32)
    high = (q >> 4) & 1
    qh = np.sum(high << np.arange(QK, dtype=np.uint32), axis=1, dtype=np.uint32)
    out = np.empty(x.shape[0], dtype=[("d", "<f2"), ("qh", "<u4"), ("qs", "u1", (QK // 2,))])
    out["d"], out["qh"], out["qs"] = d.astype(np.float16), qh, _nibbles(q & 0x0F)
    return out.tobytes()


def quantize_q4_0(array):
    x = _blocks(array)
    d = (_signed_max(x) / np.float32(-8)).astype(np.float32)
    v = x * _inverse(d)[:, None] + np.float32(8.5)
    q = np.minimum(15, np.trunc(v).astype(np.int32)).astype(np.uint8)
    out = np.empty(x.shape[0], dtype=[("d", "<f2"), ("qs", "u1", (QK // 2,))])
    out["d"], out["qs"] = d.astype(np.float16), _nibbles(q)
    return out.tobytes()


QUANTIZERS = {"q8_0": quantize_q8_0, "q5_0": quantize_q5_0, "q4_0": quantize_q4_0}


def dequantize(kind, data, n):
    """Inverse of the quantisers (for checks): `n` float32 values from `data`."""
    blocks = n // QK
    if kind == "q8_0":
        b = np.frombuffer(data, dtype=[("d", "<f2"), ("qs", "i1", (QK,))], count=blocks)
        return (b["d"].astype(np.float32)[:, None] * b["qs"]).reshape(-1)
    if kind == "q5_0":
        b = np.frombuffer(data, dtype=[("d", "<f2"), ("qh", "<u4"), ("qs", "u1", (QK // 2,))], count=blocks)
        low = np.concatenate([b["qs"] & 0x0F, b["qs"] >> 4], axis=1).astype(np.int32)
        high = ((b["qh"][:, None] >> np.arange(QK, dtype=np.uint32)) & 1).astype(np.int32)
        return (b["d"].astype(np.float32)[:, None] * ((low | (high << 4)) - 16)).reshape(-1)
    if kind == "q4_0":
        b = np.frombuffer(data, dtype=[("d", "<f2"), ("qs", "u1", (QK // 2,))], count=blocks)
        low = np.concatenate([b["qs"] & 0x0F, b["qs"] >> 4], axis=1).astype(np.int32)
        return (b["d"].astype(np.float32)[:, None] * (low - 8)).reshape(-1)
    raise QuantError(f"unknown quantisation {kind}")
