#!/usr/bin/env python3
"""Converts a CTranslate2 (faster-whisper) Whisper `model.bin` into whisper.cpp's ggml format.

The output layout follows whisper.cpp's convert-pt-to-ggml.py: int32 magic "ggml", eleven int32
hyper-parameters, the 80-bin mel filterbank (float32), the byte-level vocabulary from the tiktoken
file, then every tensor (n_dims, name length, ftype, dims innermost first, name, data). Matrices are
written as float16 (or, with `--type`, block-quantised: see ggml_quant.py), vectors, conv biases
and positional embeddings as float32, exactly as whisper.cpp expects. Quantisation covers the same
tensors as whisper.cpp's own `quantize` tool: every 2-D weight matrix (the conv kernels are 3-D and
stay float16), with the model-wide ftype in the header (whisper.cpp gives all matrices one type).

CTranslate2 fuses projections that whisper.cpp keeps apart; this script splits them:
- self-attention `linear_0` = [query; key; value] rows (the key bias is all zeros in CT2 and absent
  in whisper.cpp),
- decoder cross-attention `linear_0` = query, `linear_1` = [key; value], `linear_2` = out.
int8 weights (CT2 `int8*` quantisation) are dequantised with their `weight_scale` (w = q / scale).

Usage: convert_ct2_to_ggml.py [--type f16|q8_0|q5_0|q4_0] MODEL.BIN MEL_FILTERS.NPZ TOKENS.TIKTOKEN OUT.BIN
"""

import base64
import struct
import sys

import numpy as np

from ct2_reader import FormatError, read_model
from ggml_quant import GGML_FTYPE, GGML_QNT_VERSION, GGML_QNT_VERSION_FACTOR, GGML_TYPE, QUANTIZERS

GGML_MAGIC = 0x67676D6C


def weight(variables, prefix):
    """A weight matrix as float32, dequantised when CT2 stored it as int8."""
    w = variables[prefix + "/weight"]
    scale = variables.get(prefix + "/weight_scale")
    if w.dtype == np.int8:
        if scale is None:
            raise FormatError(f"{prefix}/weight is int8 but has no weight_scale")
        scale = np.asarray(scale, dtype=np.float32)
        w = w.astype(np.float32) / (scale.reshape(-1, 1) if scale.ndim else scale)
    return w.astype(np.float32)


def vector(variables, name):
    return np.asarray(variables[name], dtype=np.float32)


def count_layers(variables, side):
    n = 0
    while f"{side}/layer_{n}/ffn/linear_0/weight" in variables:
        n += 1
    return n


def linear(out, dst, variables, src, bias=True):
    out[dst + ".weight"] = weight(variables, src)
    if bias:
        out[dst + ".bias"] = vector(variables, src + "/bias")


def layer_norm(out, dst, variables, src):
    out[dst + ".weight"] = vector(variables, src + "/gamma")
    out[dst + ".bias"] = vector(variables, src + "/beta")


def split_rows(matrix, parts):
    return np.split(matrix, parts, axis=0)


def attention_qkv(out, dst, variables, src):
    """Splits a fused [q; k; v] projection into whisper.cpp's query/key/value."""
    q, k, v = split_rows(weight(variables, src + "/linear_0"), 3)
    qb, _kb, vb = split_rows(vector(variables, src + "/linear_0/bias"), 3)
    out[dst + ".query.weight"], out[dst + ".query.bias"] = q, qb
    out[dst + ".key.weight"] = k
    out[dst + ".value.weight"], out[dst + ".value.bias"] = v, vb
    linear(out, dst + ".out", variables, src + "/linear_1")


def cross_attention(out, dst, variables, src):
    """Decoder cross-attention: query alone, [k; v] fused, then the output projection."""
    linear(out, dst + ".query", variables, src + "/linear_0")
    k, v = split_rows(weight(variables, src + "/linear_1"), 2)
    _kb, vb = split_rows(vector(variables, src + "/linear_1/bias"), 2)
    out[dst + ".key.weight"] = k
    out[dst + ".value.weight"], out[dst + ".value.bias"] = v, vb
    linear(out, dst + ".out", variables, src + "/linear_2")


def ffn(out, dst, variables, src):
    layer_norm(out, dst + ".mlp_ln", variables, src + "/layer_norm")
    linear(out, dst + ".mlp.0", variables, src + "/linear_0")
    linear(out, dst + ".mlp.2", variables, src + "/linear_1")


def whisper_tensors(variables):
    """Maps CT2 variables to whisper.cpp tensor names, in whisper.cpp's order."""
    out = {}
    enc_layers = count_layers(variables, "encoder")
    dec_layers = count_layers(variables, "decoder")
    out["encoder.positional_embedding"] = vector(variables, "encoder/position_encodings/encodings")
    for i in (1, 2):
        out[f"encoder.conv{i}.weight"] = np.asarray(
            variables[f"encoder/conv{i}/weight"], dtype=np.float32
        )
        out[f"encoder.conv{i}.bias"] = vector(variables, f"encoder/conv{i}/bias").reshape(-1, 1)
    for n in range(enc_layers):
        src, dst = f"encoder/layer_{n}", f"encoder.blocks.{n}"
        layer_norm(out, dst + ".attn_ln", variables, src + "/self_attention/layer_norm")
        attention_qkv(out, dst + ".attn", variables, src + "/self_attention")
        ffn(out, dst, variables, src + "/ffn")
    layer_norm(out, "encoder.ln_post", variables, "encoder/layer_norm")

    out["decoder.positional_embedding"] = vector(variables, "decoder/position_encodings/encodings")
    out["decoder.token_embedding.weight"] = weight(variables, "decoder/embeddings")
    for n in range(dec_layers):
        src, dst = f"decoder/layer_{n}", f"decoder.blocks.{n}"
        layer_norm(out, dst + ".attn_ln", variables, src + "/self_attention/layer_norm")
        attention_qkv(out, dst + ".attn", variables, src + "/self_attention")
        layer_norm(out, dst + ".cross_attn_ln", variables, src + "/attention/layer_norm")
        cross_attention(out, dst + ".cross_attn", variables, src + "/attention")
        ffn(out, dst, variables, src + "/ffn")
    layer_norm(out, "decoder.ln", variables, "decoder/layer_norm")
    return out, enc_layers, dec_layers


def hyperparameters(variables, enc_layers, dec_layers, wtype="f16"):
    emb = variables["decoder/embeddings/weight"]
    return [
        emb.shape[0],  # n_vocab
        variables["encoder/position_encodings/encodings"].shape[0],  # n_audio_ctx
        variables["encoder/conv1/weight"].shape[0],  # n_audio_state
        int(variables["encoder/num_heads"]),
        enc_layers,
        variables["decoder/position_encodings/encodings"].shape[0],  # n_text_ctx
        emb.shape[1],  # n_text_state
        int(variables["decoder/num_heads"]),
        dec_layers,
        variables["encoder/conv1/weight"].shape[1],  # n_mels
        model_ftype(wtype),
    ]


def model_ftype(wtype):
    """The header's ftype: float16 is plain 1; quantised types carry ggml's quantisation version,
    as whisper.cpp's quantize writes them (whisper.cpp takes `ftype % 1000`)."""
    if wtype == "f16":
        return GGML_FTYPE["f16"]
    return GGML_FTYPE[wtype] + GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR


def read_tiktoken(path):
    """Byte sequences of the base vocabulary, ordered by rank."""
    ranks = {}
    with open(path, "rb") as f:
        for line in f.read().splitlines():
            if line:
                token, rank = line.split()
                ranks[int(rank)] = base64.b64decode(token)
    return [ranks[r] for r in sorted(ranks)]


def keeps_float32(name, array):
    return array.ndim < 2 or name in (
        "encoder.conv1.bias",
        "encoder.conv2.bias",
        "encoder.positional_embedding",
        "decoder.positional_embedding",
    )


def encode_tensor(name, array, wtype):
    """(ggml type id, bytes) of one tensor in the requested weight type."""
    if keeps_float32(name, array):
        return GGML_TYPE["f32"], array.astype(np.float32).tobytes()
    if wtype == "f16" or array.ndim != 2:
        return GGML_TYPE["f16"], np.ascontiguousarray(array.astype(np.float16)).tobytes()
    return GGML_TYPE[wtype], QUANTIZERS[wtype](array)


def convert(model_bin, mel_npz, tiktoken_path, out_path, wtype="f16"):
    spec, _revision, variables, _aliases = read_model(model_bin)
    if spec != "WhisperSpec":
        raise FormatError(f"{model_bin} holds a {spec}, not a WhisperSpec")
    tensors, enc_layers, dec_layers = whisper_tensors(variables)
    if wtype not in GGML_FTYPE:
        raise FormatError(f"unknown weight type {wtype} (f16, q8_0, q5_0, q4_0)")
    hparams = hyperparameters(variables, enc_layers, dec_layers, wtype)
    n_mels = hparams[9]
    filters = np.load(mel_npz)[f"mel_{n_mels}"].astype(np.float32)
    tokens = read_tiktoken(tiktoken_path)
    if len(tokens) > hparams[0]:
        raise FormatError(f"tokenizer has {len(tokens)} tokens, model only {hparams[0]}")
    with open(out_path, "wb") as fout:
        fout.write(struct.pack("<i", GGML_MAGIC))
        fout.write(struct.pack("<" + "i" * len(hparams), *hparams))
        fout.write(struct.pack("<ii", *filters.shape))
        fout.write(filters.tobytes())
        fout.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            fout.write(struct.pack("<i", len(token)))
            fout.write(token)
        for name, array in tensors.items():
            if not np.all(np.isfinite(array)):
                raise FormatError(f"tensor {name} holds non-finite values")
            ttype, data = encode_tensor(name, array, wtype)
            encoded = name.encode("utf-8")
            fout.write(struct.pack("<iii", array.ndim, len(encoded), ttype))
            for dim in reversed(array.shape):
                fout.write(struct.pack("<i", dim))
            fout.write(encoded)
            fout.write(data)
    multilingual = hparams[0] >= 51865
    print(
        f"wrote {out_path}: {len(tensors)} tensors, {enc_layers}+{dec_layers} layers, "
        f"state {hparams[2]}, vocab {hparams[0]} ({'multilingual' if multilingual else 'English'}), "
        f"weights {wtype}"
    )


def main(argv):
    args, wtype = list(argv[1:]), "f16"
    if len(args) >= 2 and args[0] == "--type":
        wtype, args = args[1], args[2:]
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        convert(*args, wtype=wtype)
    except (FormatError, KeyError, OSError, ValueError) as err:
        print(f"conversion failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
