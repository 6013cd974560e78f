#!/usr/bin/env python3
"""Measures the real-time processor against the issue's targets on this machine, the way
Docs/Benchmarks.md reports them: for each reference circuit at its low and high drive, `anode bench`
(48 kHz, a 1 kHz sine, each process timing the run `--repeat` times and keeping the fastest), in
`--processes` separate processes, alternating the circuits so that a slow spell of a shared VM
falls on all of them; the fastest process counts. The hand-written C wave digital filter of
Benchmarks/Reference/diode-clipper.c runs once per round as the machine's yardstick, and every
figure is printed as well as a multiple of it, so that figures from different machines compare.
The same file's `full` clipper (the 1N914 with RS and its charges, as Anode and ngspice model it,
by hand-written Newton with libm) runs at the clipper's two drives too, for a like-for-like line.

Usage: scripts/target-figures.py [--anode PATH] [--processes N] [--repeat N]
Needs a release build (`swift build -c release --product anode`) and gcc. Prints a Markdown table."""
import argparse, os, subprocess, sys, tempfile

# (netlist, low drive, high drive, seconds per run, target in ns per sample): the targets.
CIRCUITS = [
    ('diode-clipper', 0.1, 1, 1, 60),
    ('12ax7-common-cathode', 0.1, 1, 1, 200),
    ('2n3904-common-emitter', 0.01, 0.2, 1, 200),
    ('class-ab-output', 0.05, 1, 0.5, 1500),
]


def nanoseconds(line):
    """The leading `123.4 ns/sample` of a line that anode bench or the C yardstick printed."""
    value, unit = line.split()[:2]
    if not unit.startswith('ns/sample'):
        sys.exit(f'unexpected output: {line}')
    return float(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--anode', default='.build/release/anode')
    parser.add_argument('--processes', type=int, default=12)
    parser.add_argument('--repeat', type=int, default=8)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    anode = os.path.abspath(args.anode)
    if not os.access(anode, os.X_OK):
        sys.exit(f'{anode}: not found; build it with `swift build -c release --product anode`')
    with tempfile.TemporaryDirectory(prefix='anode-targets-') as work:
        yardstick = os.path.join(work, 'diode-clipper')
        subprocess.run(['gcc', '-O3', '-march=native', '-o', yardstick,
                        os.path.join(root, 'Benchmarks/Reference/diode-clipper.c'), '-lm'], check=True)
        best = {}
        for _ in range(args.processes):
            out = subprocess.run([yardstick, 'wdf'], capture_output=True, text=True, check=True).stdout
            best['wdf'] = min(best.get('wdf', float('inf')), nanoseconds(out))
            for amplitude in (CIRCUITS[0][1], CIRCUITS[0][2]):
                out = subprocess.run([yardstick, 'full', '2', str(amplitude)], capture_output=True, text=True,
                                     check=True).stdout
                best[('full', amplitude)] = min(best.get(('full', amplitude), float('inf')), nanoseconds(out))
            for name, low, high, seconds, _target in CIRCUITS:
                for amplitude in (low, high):
                    command = [anode, 'bench', os.path.join(root, 'circuits', name + '.cir'), '--rate', '48000',
                               '--amplitude', str(amplitude), '--seconds', str(seconds), '--repeat', str(args.repeat)]
                    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
                    key = (name, amplitude)
                    best[key] = min(best.get(key, float('inf')), nanoseconds(out))
    wdf = best['wdf']
    print(f'C wave digital filter (the yardstick): {wdf:.1f} ns/sample; fastest of {args.processes} processes')
    low, high = CIRCUITS[0][1], CIRCUITS[0][2]
    print(f'C Newton on the clipper\'s whole 1N914 model: {best[("full", low)]:.1f} ns at {low:g} V, '
          f'{best[("full", high)]:.1f} ns at {high:g} V')
    print()
    print('| circuit (low / high drive) | low drive | high drive | target | x the yardstick |')
    print('|---|---|---|---|---|')
    for name, low, high, _seconds, target in CIRCUITS:
        a, b = best[(name, low)], best[(name, high)]
        verdict = 'met' if max(a, b) <= target else 'missed'
        print(f'| {name} ({low:g} V / {high:g} V) | {a:.1f} ns | {b:.1f} ns | {target} ns ({verdict}) | '
              f'{a / wdf:.1f} / {b / wdf:.1f} |')


if __name__ == '__main__':
    main()
