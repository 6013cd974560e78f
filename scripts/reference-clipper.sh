#!/usr/bin/env bash
# Builds and runs the hand-written C diode clippers of Benchmarks/Reference/diode-clipper.c (a wave
# digital filter with the Wright omega function, and scalar Newton with libm's exp, of a bare
# junction pair; and Newton on the whole 1N914 model, at 0.1 V and 1 V), the yardstick
# Docs/Benchmarks.md measures Anode's clipper against on the same machine.
# Usage: scripts/reference-clipper.sh [runs]   (needs gcc; each run is 10 s of audio, 48 kHz)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
binary=$(mktemp -d)/diode-clipper
trap 'rm -rf "$(dirname "$binary")"' EXIT
gcc -O3 -march=native -o "$binary" Benchmarks/Reference/diode-clipper.c -lm
for variant in wdf newton; do
    for _ in $(seq "$runs"); do "$binary" "$variant"; done
done
for amplitude in 0.1 1; do
    for _ in $(seq "$runs"); do "$binary" full 10 "$amplitude"; done
done
