"""Makes the landmark model the product runs: the converted BlazePose landmark model without
its segmentation branch, proven to give the same landmarks as the model it came from.

Pose estimation never reads the segmentation mask, but ONNX Runtime computes every node of the
graph whichever outputs a run asks for, so the mask decoder costs about a third of the full
model's time on one core. Runs inside the small virtualenv `models/provision.sh` creates for it
(onnxruntime, onnx, numpy). Steps:

1. prune: drop the `segmentation` output and every node and weight only it needs.
2. real inputs: the frames of a real video (decoded by the `ffmpeg` command), cropped the way
   the product tracks a person: the first frame letterboxed, every later frame cut along the
   rotated region the model's alignment points predict, bilinear, black outside.
3. verify: on every crop each remaining output of the pruned model must equal the original's
   within float rounding (ABS_TOL + REL_TOL * max|reference|); else nothing is written and the
   script exits non-zero.

Int8 quantisation (ONNX Runtime's quantize_static, calibrated on the same crops) was tried
here and rejected: on an AVX2 processor without VNNI it moved landmarks by 25-125 pixels of
the 256-pixel input and ran no faster than the pruned float model.

Usage: prune_pose.py --source FULL.onnx --output PRUNED.onnx --video MP4 --report JSON
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

# Max abs difference allowed per output: ABS_TOL + REL_TOL * max|reference| (as the conversion
# allows): the same kernels run on the same values, only fusion may reorder a sum.
ABS_TOL = 1e-4
REL_TOL = 1e-5
# How BlazePose enlarges the region spanned by its alignment points (as the product does).
ROI_SCALE = 1.25
# Frames decoded from the video (its first ones) at this width, keeping the aspect ratio.
DECODE_WIDTH = 540
MAX_FRAMES = 100
SEGMENTATION = "segmentation"


def prune_segmentation(model: onnx.ModelProto) -> onnx.ModelProto:
    """Removes the segmentation output and the nodes and weights only it uses."""
    kept_outputs = [o for o in model.graph.output if o.name != SEGMENTATION]
    if len(kept_outputs) == len(model.graph.output):
        raise SystemExit("prune_pose: the model has no segmentation output to prune")
    needed = {o.name for o in kept_outputs}
    kept_nodes = []
    for node in reversed(model.graph.node):
        if any(name in needed for name in node.output):
            kept_nodes.append(node)
            needed.update(node.input)
    kept_nodes.reverse()
    del model.graph.output[:]
    model.graph.output.extend(kept_outputs)
    del model.graph.node[:]
    model.graph.node.extend(kept_nodes)
    weights = [w for w in model.graph.initializer if w.name in needed]
    del model.graph.initializer[:]
    model.graph.initializer.extend(weights)
    onnx.checker.check_model(model)
    return model


def decode_frames(video: str) -> list[np.ndarray]:
    """The video's first frames as float RGB in [0, 1], DECODE_WIDTH wide."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "csv=p=0", video],
        check=True, capture_output=True, text=True,
    ).stdout.strip().split(",")
    width, height = int(probe[0]), int(probe[1])
    out_h = int(round(height * DECODE_WIDTH / width / 2)) * 2
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", video, "-frames:v", str(MAX_FRAMES),
         "-vf", f"scale={DECODE_WIDTH}:{out_h}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout
    frame_bytes = DECODE_WIDTH * out_h * 3
    count = len(raw) // frame_bytes
    if count < 10:
        raise SystemExit(f"prune_pose: only {count} frames decoded from {video}")
    frames = np.frombuffer(raw[: count * frame_bytes], np.uint8).reshape(count, out_h, DECODE_WIDTH, 3)
    return [f.astype(np.float32) / 255.0 for f in frames]


def crop(image: np.ndarray, cx: float, cy: float, size: float, rotation: float, side: int) -> np.ndarray:
    """The rotated square region as a side x side float image, bilinear, black outside."""
    h, w, _ = image.shape
    grid = (np.arange(side, dtype=np.float32) + 0.5) / side - 0.5
    du, dv = np.meshgrid(grid * size, grid * size)
    sin, cos = math.sin(rotation), math.cos(rotation)
    x = cx + cos * du - sin * dv - 0.5
    y = cy + sin * du + cos * dv - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]

    def at(yy, xx):
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        out = image[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return out * inside[..., None]

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def next_region(landmarks: np.ndarray, region: tuple, side: int) -> tuple:
    """The region for the next frame from alignment points 33 (centre) and 34 (scale)."""
    cx, cy, size, rotation = region
    sin, cos = math.sin(rotation), math.cos(rotation)

    def to_image(point):
        du, dv = (point[0] / side - 0.5) * size, (point[1] / side - 0.5) * size
        return cx + cos * du - sin * dv, cy + sin * du + cos * dv

    centre, scale = to_image(landmarks[33]), to_image(landmarks[34])
    dx, dy = scale[0] - centre[0], scale[1] - centre[1]
    box = 2.0 * math.hypot(dx, dy) * ROI_SCALE
    return centre[0], centre[1], box, math.pi / 2 - math.atan2(-dy, dx)


def tracked_crops(session: ort.InferenceSession, frames: list[np.ndarray], side: int) -> list[np.ndarray]:
    """Crops of every frame along the regions the float model tracks."""
    h, w, _ = frames[0].shape
    letterbox = (w / 2, h / 2, float(max(w, h)), 0.0)
    region, crops = letterbox, []
    for frame in frames:
        tensor = crop(frame, *region, side)
        crops.append(tensor)
        landmarks, flag = session.run(["landmarks", "pose_flag"], {"image": tensor[None]})
        flag = float(flag.reshape(-1)[0])
        present = flag if 0.0 <= flag <= 1.0 else 1 / (1 + math.exp(-flag))
        region = next_region(landmarks.reshape(-1, 5), region, side) if present >= 0.5 else letterbox
    return crops


def compare(original: ort.InferenceSession, pruned: ort.InferenceSession, crops: list[np.ndarray]) -> dict:
    """Largest difference of every output the pruned model keeps, over all crops."""
    names = [o.name for o in pruned.get_outputs()]
    worst = {name: {"max_abs_diff": 0.0, "ref_max_abs": 0.0} for name in names}
    for tensor in crops:
        feed = {"image": tensor[None]}
        for name, ref, new in zip(names, original.run(names, feed), pruned.run(names, feed)):
            worst[name]["max_abs_diff"] = max(worst[name]["max_abs_diff"], float(np.abs(ref - new).max()))
            worst[name]["ref_max_abs"] = max(worst[name]["ref_max_abs"], float(np.abs(ref).max()))
    for values in worst.values():
        values["tolerance"] = ABS_TOL + REL_TOL * values["ref_max_abs"]
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="converted landmark model (ONNX)")
    parser.add_argument("--output", required=True, help="where the pruned model goes")
    parser.add_argument("--video", required=True, help="real video whose crops verify it")
    parser.add_argument("--report", required=True, help="verification report (JSON)")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    original = ort.InferenceSession(args.source, options, providers=["CPUExecutionProvider"])
    side = int(original.get_inputs()[0].shape[1])
    crops = tracked_crops(original, decode_frames(args.video), side)

    with tempfile.TemporaryDirectory() as tmp:
        candidate = os.path.join(tmp, "pruned.onnx")
        model = prune_segmentation(onnx.load(args.source))
        onnx.save(model, candidate)
        pruned = ort.InferenceSession(candidate, options, providers=["CPUExecutionProvider"])
        outputs = compare(original, pruned, crops)
        report = {
            "model": os.path.basename(args.output),
            "source": os.path.basename(args.source),
            "video": os.path.basename(args.video),
            "crops": len(crops),
            "nodes": {"source": len(onnx.load(args.source).graph.node), "pruned": len(model.graph.node)},
            "outputs": outputs,
        }
        with open(args.report, "w") as out:
            json.dump(report, out)
        print(json.dumps(report))
        bad = [n for n, v in outputs.items() if not v["max_abs_diff"] <= v["tolerance"]]
        if bad:
            print(f"prune_pose: pruned model departs from the original on {bad}", file=sys.stderr)
            return 1
        os.replace(candidate, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
