#!/usr/bin/env python3
"""The recording and the ngspice twin for the test of LTspice's WAV sources (`wavefile=`).

Writes Tests/AnodeTests/LTspice/pluck.wav: 20 ms at 48 kHz, 16-bit stereo, from closed forms —
channel 0 a decaying 1 kHz tone, channel 1 a plucked string (six decaying harmonics of 110 Hz).
Then writes Tests/AnodeTests/LTspice/wav-clipper.cir, the circuit of wav-clipper.net in ngspice's
syntax: each `wavefile=` source becomes a PWL through the file's samples (sample k at k/48000 s,
its value k/32768 written exactly), which is what LTspice's WAV source is. ngspice has no WAV
source, so this twin is the reference:

    scripts/make-wavefile-twin.py && scripts/make-fixtures.py Tests/AnodeTests/LTspice/wav-clipper.cir
"""
import math, os, struct, wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, 'Tests', 'AnodeTests', 'LTspice')
RATE, FRAMES, FULL = 48000, 960, 32768


def tone(t):
    return 0.5 * math.exp(-60 * t) * math.sin(2 * math.pi * 1000 * t)


def pluck(t):
    s = sum(math.exp(-(40 + 25 * h) * t) * math.sin(2 * math.pi * 110 * h * t + 0.3 * h) / h for h in range(1, 7))
    return 0.55 * s


def quantized(x):
    return max(-FULL, min(FULL - 1, int(round(x * FULL))))


def main():
    channels = [[quantized(f(k / RATE)) for k in range(FRAMES)] for f in (tone, pluck)]
    path = os.path.join(FOLDER, 'pluck.wav')
    with wave.open(path, 'wb') as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b''.join(struct.pack('<hh', channels[0][k], channels[1][k]) for k in range(FRAMES)))
    print('wrote', os.path.relpath(path, ROOT))

    def pwl(samples):
        pairs = ['%r %r' % (k / RATE, q / FULL) for k, q in enumerate(samples)]
        lines = ['+ ' + ' '.join(pairs[i:i + 6]) for i in range(0, len(pairs), 6)]
        return 'PWL(\n' + '\n'.join(lines) + ')'

    twin = os.path.join(FOLDER, 'wav-clipper.cir')
    with open(twin, 'w') as f:
        f.write('wav-clipper.net written out in ngspice\'s syntax (the reference for the WAV-source test)\n')
        f.write('* Written by scripts/make-wavefile-twin.py: each wavefile= source is a PWL through the samples of\n')
        f.write('* pluck.wav (sample k at k/48000 s, full scale 1 V or 1 A), as LTspice reads a WAV source.\n')
        f.write('V1 in 0 ' + pwl(channels[1]) + '\n')
        f.write('R1 in out 2.2k\nC1 out 0 10n\nD1 out 0 1N914\nD2 0 out 1N914\n')
        f.write('I1 0 tone ' + pwl(channels[0]) + '\n')
        f.write('R2 tone 0 1\nC2 tone 0 2u\n')
        f.write('.model 1N914 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)\n')
        f.write('.tran %r 20m\n' % (1 / RATE))
        f.write('.print tran v(out) v(in) v(tone)\n.end\n')
    print('wrote', os.path.relpath(twin, ROOT))


if __name__ == '__main__':
    main()
