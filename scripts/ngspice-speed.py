#!/usr/bin/env python3
"""Times ngspice on the netlists of circuits/ for comparison with Anode's real-time processor:
one second of transient at a 48 kHz output step (TSTEP = 1/48000 s), ngspice's default tolerances,
the netlist's own input waveform. Prints microseconds per output sample (ngspice -b wall time,
start-up included, divided by 48000). Tubes become behavioral subcircuits as in make-fixtures.py.
Usage: scripts/ngspice-speed.py [netlist.cir ...]"""
import importlib.util, os, re, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('fixtures', os.path.join(HERE, 'make-fixtures.py'))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)


def deck(netlist, work):
    text = open(netlist).read()
    directory = os.path.dirname(os.path.abspath(netlist))
    lines = fixtures.logical_lines('\n'.join(text.splitlines()[1:]))
    body = []
    for line in lines:
        head = line.split()[0].lower()
        if head in ('.op', '.ac', '.tran', '.dc', '.print', '.probe', '.save', '.end', '.options'):
            continue
        if head in ('.pot', '.varres'):
            body += fixtures.control_resistors(line)
            continue
        if head in ('.include', '.inc'):
            path = os.path.join(directory, line.split(None, 1)[1].strip().strip('"'))
            if os.path.basename(path) == 'tubes.lib':
                generated = os.path.join(work, 'tubes-ngspice.lib')
                open(generated, 'w').write(fixtures.tube_subcircuits(path))
                path = generated
            line = f'.include {path}'
        body.append(line)
    return [text.splitlines()[0]] + body + ['.control', f'tran {1/48000!r} 1', f'wrdata {work}/out.txt v(out)', '.endc', '.end']


def main():
    root = os.path.dirname(HERE)
    netlists = sys.argv[1:] or sorted(os.path.join(root, 'circuits', f) for f in os.listdir(os.path.join(root, 'circuits')) if f.endswith('.cir'))
    for n in netlists:
        work = tempfile.mkdtemp(prefix='anode-speed-')
        path = os.path.join(work, 'deck.cir')
        open(path, 'w').write('\n'.join(deck(n, work)) + '\n')
        start = time.perf_counter()
        subprocess.run(['ngspice', '-b', path], capture_output=True, timeout=3600)
        elapsed = time.perf_counter() - start
        shutil.rmtree(work, ignore_errors=True)
        print(f'{os.path.basename(n)}: {elapsed / 48000 * 1e6:.2f} us per output sample ({elapsed:.2f} s for 1 s of audio)')


if __name__ == '__main__':
    main()
