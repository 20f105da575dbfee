"""Converts one BlazePose TFLite model to ONNX and proves the result matches the original.

Runs inside the throw-away conversion virtualenv that `models/provision.sh` creates
(tensorflow-cpu, tf2onnx, onnxruntime). Steps:

1. detector only: bake the sparse DENSIFY weights into plain constants (tf2onnx cannot read
   sparse tensors). The dense values are read through the TFLite interpreter *without* any
   delegate: the default XNNPACK delegate takes over the weights and leaves wrong values behind.
2. tf2onnx at opset 17, NHWC input kept as is.
3. inputs/outputs renamed to the names documented in models/README.md.
4. both models run on the same real image; every output must agree within tolerance, else the
   script exits non-zero and writes nothing.

Usage: convert_pose.py --kind detector|landmark --source X.tflite --output Y.onnx --image PNG
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import warnings  # noqa: E402

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402
from tensorflow.lite.tools import flatbuffer_utils  # noqa: E402

OPSET = 17

# TFLite output tensor name -> ONNX name, per model kind. Order is the TFLite output order.
OUTPUT_NAMES = {
    "detector": {"Identity": "box_deltas", "Identity_1": "score_logits"},
    "landmark": {
        "Identity": "landmarks",
        "Identity_1": "pose_flag",
        "Identity_2": "segmentation",
        "Identity_3": "heatmap",
        "Identity_4": "world_landmarks",
    },
}
INPUT_NAME = "image"
INPUT_SIZE = {"detector": 224, "landmark": 256}

# Max abs difference allowed per output: ABS_TOL + REL_TOL * max|reference|. Both runtimes compute
# in float32 with different kernels and summation orders, so only rounding noise is tolerated.
ABS_TOL = 2e-3
REL_TOL = 1e-4
# Segmentation logits reach magnitudes above 1000 and lose about 0.1 % to float32 rounding deep in
# the decoder; they are compared after the sigmoid every consumer applies, like any probability.
SIGMOID_COMPARED = {"segmentation"}
PROBABILITY_TOL = 5e-3


def fail(message: str) -> None:
    print(f"convert_pose: ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def interpreter(model_path: str) -> tf.lite.Interpreter:
    """A TFLite interpreter with built-in kernels only (no XNNPACK delegate)."""
    return tf.lite.Interpreter(
        model_path=model_path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        experimental_preserve_all_tensors=True,
    )


def opcode_names(model: schema.ModelT) -> list[str]:
    by_value = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    return [
        by_value.get(max(code.builtinCode, code.deprecatedBuiltinCode), "?")
        for code in model.operatorCodes
    ]


def densify(source: str, destination: str) -> int:
    """Rewrites `source` with every DENSIFY op replaced by its dense constant output."""
    interp = interpreter(source)
    interp.allocate_tensors()
    size = interp.get_input_details()[0]["shape"]
    interp.set_tensor(interp.get_input_details()[0]["index"], np.zeros(size, np.float32))
    interp.invoke()

    model = flatbuffer_utils.read_model(source)
    if len(model.subgraphs) != 1:
        fail(f"{source}: expected one subgraph, found {len(model.subgraphs)}")
    graph = model.subgraphs[0]
    codes = opcode_names(model)
    kept = []
    replaced = 0
    for op in graph.operators:
        if codes[op.opcodeIndex] != "DENSIFY":
            kept.append(op)
            continue
        sparse_index, dense_index = int(op.inputs[0]), int(op.outputs[0])
        dense_tensor = graph.tensors[dense_index]
        values = interp.get_tensor(dense_index)
        if list(values.shape) != list(dense_tensor.shape):
            fail(f"densified tensor {dense_tensor.name!r} has shape {values.shape}")
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(np.ascontiguousarray(values).tobytes(), dtype=np.uint8)
        model.buffers.append(buffer)
        dense_tensor.buffer = len(model.buffers) - 1
        # The sparse source becomes an unused dense constant: nothing may see sparsity any more.
        sparse_tensor = graph.tensors[sparse_index]
        sparse_tensor.buffer = dense_tensor.buffer
        sparse_tensor.sparsity = None
        replaced += 1
    graph.operators = kept
    flatbuffer_utils.write_model(model, destination)
    return replaced


def rename(model: onnx.ModelProto, mapping: dict[str, str]) -> None:
    """Renames graph inputs/outputs everywhere they are referenced."""
    graph = model.graph
    for node in graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        value.name = mapping.get(value.name, value.name)


def to_onnx(tflite_path: str, kind: str) -> onnx.ModelProto:
    model, _ = tf2onnx.convert.from_tflite(tflite_path, opset=OPSET)
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    expected = list(OUTPUT_NAMES[kind])
    if len(inputs) != 1 or sorted(outputs) != sorted(expected):
        fail(f"unexpected converted graph signature: inputs {inputs}, outputs {outputs}")
    mapping = dict(OUTPUT_NAMES[kind])
    mapping[inputs[0]] = INPUT_NAME
    rename(model, mapping)
    # Keep the TFLite output order so that index-based consumers see the same layout.
    order = {name: i for i, name in enumerate(OUTPUT_NAMES[kind].values())}
    sorted_outputs = sorted(model.graph.output, key=lambda o: order[o.name])
    del model.graph.output[:]
    model.graph.output.extend(sorted_outputs)
    model.producer_name = "physalign models/provision.sh (tf2onnx)"
    onnx.checker.check_model(model)
    return model


def test_image(path: str, kind: str) -> np.ndarray:
    """The verification image, scaled to the model input (letterboxed) and value range."""
    image = tf.io.decode_png(tf.io.read_file(path), channels=3)
    size = INPUT_SIZE[kind]
    resized = tf.image.resize_with_pad(tf.cast(image, tf.float32), size, size).numpy()
    scaled = resized / 127.5 - 1.0 if kind == "detector" else resized / 255.0
    return scaled[np.newaxis].astype(np.float32)


def detector_anchors() -> np.ndarray:
    """Anchor centres [2254, 2] (x, y in [0, 1]) in output order, as MediaPipe's SSD anchors."""
    centres = []
    for grid, per_cell in ((28, 2), (14, 2), (7, 6)):
        for row in range(grid):
            for col in range(grid):
                centres.extend([((col + 0.5) / grid, (row + 0.5) / grid)] * per_cell)
    return np.array(centres, np.float64)


def best_detection(deltas: np.ndarray, logits: np.ndarray) -> dict:
    """Decodes the highest-scoring anchor (coordinates normalised to the 224 input)."""
    anchors = detector_anchors()
    if anchors.shape[0] != deltas.shape[1]:
        fail(f"anchor count {anchors.shape[0]} != detector outputs {deltas.shape[1]}")
    best = int(np.argmax(logits[0, :, 0]))
    raw = deltas[0, best].astype(np.float64) / INPUT_SIZE["detector"]
    anchor_x, anchor_y = anchors[best]
    keypoints = [[raw[4 + 2 * k] + anchor_x, raw[5 + 2 * k] + anchor_y] for k in range(4)]
    return {
        "anchor": best,
        "score": float(sigmoid(logits[0, best, 0])),
        "box_cx_cy_w_h": [raw[0] + anchor_x, raw[1] + anchor_y, raw[2], raw[3]],
        "keypoints_xy": keypoints,
    }


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(values, np.float64), -80.0, 80.0)))


def compare(tflite_path: str, model: onnx.ModelProto, kind: str, image: np.ndarray) -> dict:
    interp = interpreter(tflite_path)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], image)
    interp.invoke()
    reference = {
        OUTPUT_NAMES[kind][d["name"]]: interp.get_tensor(d["index"])
        for d in interp.get_output_details()
    }
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    converted = dict(zip([o.name for o in session.get_outputs()], session.run(None, {INPUT_NAME: image})))
    report = {}
    failures = []
    for name, ref in reference.items():
        got = converted[name]
        if got.shape != ref.shape:
            failures.append(f"{name}: shape {got.shape} != {ref.shape}")
            continue
        raw_diff = float(np.max(np.abs(got.astype(np.float64) - ref)))
        report[name] = {"max_abs_diff": raw_diff, "ref_max_abs": float(np.max(np.abs(ref)))}
        if name in SIGMOID_COMPARED:
            diff = float(np.max(np.abs(sigmoid(got) - sigmoid(ref))))
            tolerance = PROBABILITY_TOL
            report[name]["max_abs_diff_after_sigmoid"] = diff
        else:
            diff = raw_diff
            tolerance = ABS_TOL + REL_TOL * report[name]["ref_max_abs"]
        report[name]["tolerance"] = tolerance
        if not diff <= tolerance:
            failures.append(f"{name}: max abs diff {diff:.3g} > tolerance {tolerance:.3g}")
    if failures:
        fail("ONNX and TFLite outputs differ: " + "; ".join(failures))
    if kind == "detector":
        report["best_detection"] = best_detection(converted["box_deltas"], converted["score_logits"])
    else:
        report["pose_presence"] = float(reference["pose_flag"].ravel()[0])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=sorted(OUTPUT_NAMES), required=True)
    parser.add_argument("--source", required=True, help="original .tflite")
    parser.add_argument("--output", required=True, help="ONNX file to write")
    parser.add_argument("--image", required=True, help="PNG used to compare both models")
    parser.add_argument("--report", help="write the comparison as JSON here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        source = args.source
        densified = 0
        if args.kind == "detector":
            source = os.path.join(work, "dense.tflite")
            densified = densify(args.source, source)
            if densified == 0:
                fail(f"{args.source}: no DENSIFY ops found; is this the pose detector?")
        model = to_onnx(source, args.kind)
        # Compare against the untouched original, so a bad densify cannot hide.
        report = compare(args.source, model, args.kind, test_image(args.image, args.kind))
        report["densified_weights"] = densified
        tmp = args.output + ".tmp"
        onnx.save(model, tmp)
        os.replace(tmp, args.output)
    line = json.dumps({"model": os.path.basename(args.output), **report})
    if args.report:
        with open(args.report, "w") as handle:
            handle.write(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
