"""MediaPipe Pose baseline for PhysAlign's pose benchmark.

Runs MediaPipe's own pipeline, `solutions.pose.Pose(model_complexity=1, static_image_mode=False)`
(BlazePose detector + full landmark model with tracking), over a video, decoding with OpenCV,
and prints one JSON line: {"frames": N, "seconds": S, "fps": F, "cpu_seconds": C, "model_complexity": 1}.
The timed loop covers decoding, colour conversion and inference; graph set-up is excluded.
Start it through mediapipe_baseline.sh, which pins one core and one thread.
Nothing is downloaded: the detector and the full landmark model ship inside the mediapipe wheel.
"""

import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cv2  # noqa: E402
import mediapipe as mp  # noqa: E402

MODEL_COMPLEXITY = 1


def default_video() -> str:
    cache = os.environ.get("PHYSALIGN_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "physalign", "models"
    )
    return os.path.join(cache, "assets", "pose2sim_cam01.mp4")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=default_video(), help="video file (default: provisioned pose2sim_cam01.mp4)")
    parser.add_argument("--max-frames", type=int, default=0, help="stop after this many frames (0 = all)")
    args = parser.parse_args()

    if not os.path.isfile(args.video):
        print(f"mediapipe_pose_baseline: video not found: {args.video} (run `bash models/provision.sh`)", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    capture = cv2.VideoCapture(args.video)
    if not capture.isOpened():
        print(f"mediapipe_pose_baseline: cannot decode {args.video}", file=sys.stderr)
        return 2

    frames = frames_with_pose = 0
    with mp.solutions.pose.Pose(model_complexity=MODEL_COMPLEXITY, static_image_mode=False) as pose:
        start = time.perf_counter()
        cpu_start = time.process_time()
        while args.max_frames <= 0 or frames < args.max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            frames += 1
            frames_with_pose += result.pose_landmarks is not None
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    capture.release()

    if frames == 0:
        print(f"mediapipe_pose_baseline: no frames decoded from {args.video}", file=sys.stderr)
        return 2
    # CPU time shows the cost per frame even when other processes share the core.
    print(
        f"mediapipe_pose_baseline: pose found in {frames_with_pose}/{frames} frames; "
        f"cpu {cpu_seconds:.3f} s ({frames / max(cpu_seconds, 1e-9):.1f} frames per cpu second)",
        file=sys.stderr,
    )
    print(json.dumps({"frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 2), "cpu_seconds": round(cpu_seconds, 3), "model_complexity": MODEL_COMPLEXITY}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
