#!/bin/sh
# WAV files written by another program (SoX), for the WAV reader's tests: a 2 ms, 1 kHz sine at
# half of full scale, 8 kHz, in the layouts Anode must read. Rerun after installing sox
# (apt-get install sox); the tests check formats, sizes, levels and the period, not exact samples
# (SoX dithers its integer output).
set -e
cd "$(dirname "$0")/../Tests/AnodeTests/Fixtures/wav"
sox -n -r 8000 -b 16 -c 2 -e signed-integer stereo-int16.wav synth 0.002 sine 1000 vol 0.5
sox -n -r 8000 -b 24 -c 1 -e signed-integer mono-int24-extensible.wav synth 0.002 sine 1000 vol 0.5
sox -n -r 8000 -b 32 -c 1 -e floating-point mono-float32.wav synth 0.002 sine 1000 vol 0.5
sox -n -r 8000 -b 8 -c 1 -e unsigned-integer mono-uint8.wav synth 0.002 sine 1000 vol 0.5
echo "wrote $(ls *.wav | tr '\n' ' ')"
