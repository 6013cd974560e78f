#!/usr/bin/env python3
"""Counts the instructions the real-time processor executes per audio sample, with valgrind's
callgrind: a figure that does not depend on how fast (or how busy) the machine is, for comparing
builds on a noisy VM. `anode bench` runs the netlist for 0.25 s and for 0.5 s of a 1 kHz sine at
48 kHz (its output to /dev/null); the difference of the two totals, over the 12000 samples between
them, leaves out start-up (loading, parsing, building the processor).

Usage: scripts/instructions-per-sample.py [--anode PATH] [--oversample N] [--block N] NETLIST AMPLITUDE [AMPLITUDE ...]
(--block: frames per `process` call, 256 by default as in `anode bench`; 1 shows what a call costs.)
Needs a release build (`swift build -c release`) and valgrind (`apt-get install valgrind`)."""
import argparse, os, re, subprocess, sys, tempfile

RATE = 48000


def total(anode, netlist, amplitude, seconds, oversample, block):
    with tempfile.TemporaryDirectory(prefix='anode-callgrind-') as work:
        out = os.path.join(work, 'callgrind.out')
        command = ['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}', anode, 'bench', netlist,
                   '--rate', str(RATE), '--amplitude', str(amplitude), '--seconds', str(seconds),
                   '--oversample', str(oversample), '--block', str(block)]
        with open(os.devnull, 'w') as null:
            subprocess.run(command, stdout=null, stderr=null, check=True)
        for line in open(out):
            match = re.match(r'(?:summary|totals):\s+(\d+)', line)
            if match:
                return int(match.group(1))
    sys.exit(f'no instruction total in callgrind output for {netlist}')


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--anode', default=os.path.join(root, '.build', 'release', 'anode'))
    parser.add_argument('--oversample', type=int, default=1)
    parser.add_argument('--block', type=int, default=256)
    parser.add_argument('netlist')
    parser.add_argument('amplitudes', nargs='+', type=float)
    args = parser.parse_args()
    if not os.path.exists(args.anode):
        sys.exit(f'{args.anode}: not found (swift build -c release)')
    for amplitude in args.amplitudes:
        short = total(args.anode, args.netlist, amplitude, 0.25, args.oversample, args.block)
        long = total(args.anode, args.netlist, amplitude, 0.5, args.oversample, args.block)
        per_sample = (long - short) / (0.25 * RATE)
        calls = '' if args.block == 256 else f', {args.block} frames per call'
        print(f'{os.path.basename(args.netlist)} at {amplitude:g} V, {args.oversample}x{calls}: {per_sample:.0f} instructions per sample')


if __name__ == '__main__':
    main()
