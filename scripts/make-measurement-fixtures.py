#!/usr/bin/env python3
"""Reference measurements from ngspice for Anode's measurement tests.

For each case below, the netlist from circuits/ is run in ngspice with its input source replaced
by a sine (on the source's DC value) for ceil(settle * f) + 1 periods, at a maximum step of 1/200
of a period and tight tolerances; then, over the last period:
  * `fourier` gives the THD over harmonics 2-9 (ngspice's own analysis, the `.four` of SPICE);
  * `meas ... avg` gives the average power of each supply (-V*I) and of the load resistors (V^2/R).
Tubes become ngspice subcircuits and knobs fixed resistors, exactly as in scripts/make-fixtures.py.
Output: Tests/AnodeTests/Fixtures/measurements.csv with rows circuit,drive,frequency,quantity,value.
Usage: scripts/make-measurement-fixtures.py
"""
import importlib.util, math, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location('fixtures', os.path.join(ROOT, 'scripts', 'make-fixtures.py'))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

SETTLE = 0.2
# (circuit, input source, peak drive, frequency, probe for THD, supplies, load resistors)
CASES = [
    ('12ax7-common-cathode', 'vin', 0.1, 1000, 'v(out)', [], []),
    ('12ax7-common-cathode', 'vin', 1.0, 1000, 'v(out)', [], []),
    ('2n3904-common-emitter', 'vin', 0.01, 1000, 'v(out)', [], []),
    ('2n3904-common-emitter', 'vin', 0.05, 1000, 'v(out)', [], []),
    ('2n3904-common-emitter', 'vin', 0.2, 1000, 'v(out)', [], []),
    ('class-ab-output', 'vin', 0.05, 1000, 'v(out)', ['vcc', 'vee'], ['rload']),
    ('class-ab-output', 'vin', 1.0, 1000, 'v(out)', ['vcc', 'vee'], ['rload']),
    ('mosfet-class-ab', 'vin', 1.0, 1000, 'v(out)', ['vcc', 'vee'], ['rload']),
    ('mosfet-class-ab', 'vin', 10.0, 1000, 'v(out)', ['vcc', 'vee'], ['rload']),
    ('tube-amp', 'vin', 0.02, 1000, 'v(out)', ['vhv'], ['rvc', 'rm']),
    ('tube-amp', 'vin', 0.2, 1000, 'v(out)', ['vhv'], ['rvc', 'rm']),
    ('solid-state-amp', 'vin', 0.005, 1000, 'v(out)', ['vcc', 'vee'], ['rvc', 'rm']),
    ('solid-state-amp', 'vin', 0.05, 1000, 'v(out)', ['vcc', 'vee'], ['rvc', 'rm']),
]


def deck(name, source, drive, frequency, probe, supplies, loads, work):
    path = os.path.join(ROOT, 'circuits', name + '.cir')
    text = open(path).read()
    title, lines = text.splitlines()[0], fixtures.logical_lines('\n'.join(text.splitlines()[1:]))
    body, resistors = [], {}
    for line in lines:
        words = line.split()
        head = words[0].lower()
        if head in ('.pot', '.varres'):
            body += fixtures.control_resistors(line)
            continue
        if head.startswith('.') and head not in ('.include', '.inc', '.model', '.param', '.subckt', '.ends', '.options', '.global'):
            continue
        if head in ('.include', '.inc'):
            inc = os.path.join(os.path.dirname(path), line.split(None, 1)[1].strip().strip('"'))
            if os.path.basename(inc) == 'tubes.lib':
                generated = os.path.join(work, 'tubes-ngspice.lib')
                open(generated, 'w').write(fixtures.tube_subcircuits(inc))
                inc = generated
            line = f'.include {inc}'
        elif head == source:
            dc = 0.0
            m = re.search(r'\bdc\s+(\S+)', line, re.I)
            if m:
                dc = fixtures.number(m.group(1))
            line = f'{words[0]} {words[1]} {words[2]} DC {dc!r} SIN({dc!r} {drive!r} {frequency!r})'
        elif head.startswith('r'):
            resistors[head] = (words[1], words[2], fixtures.number(words[3]))
        body.append(line)
    periods = math.ceil(SETTLE * frequency) + 1
    stop = periods / frequency
    start = stop - 1 / frequency
    tmax = 1 / (frequency * 200)
    control = [f'tran {tmax!r} {stop!r} 0 {tmax!r}', f'fourier {frequency!r} {probe}']
    for s in supplies:
        # Supply power is -V*I with V the source's DC value: the current's average is enough.
        control.append(f'meas tran i_{s} avg i({s}) from={start!r} to={stop!r}')
    for r in loads:
        a, b, value = resistors[r]
        across = f'v({a})' if b == '0' else f'(v({a})-v({b}))'
        control += [f'let w_{r} = {across}*{across}/{value!r}', f'meas tran p_{r} avg w_{r} from={start!r} to={stop!r}']
    return '\n'.join([title] + body + ['.options reltol=1e-6 abstol=1e-9 vntol=1e-6 method=trap', '.control'] + control + ['.endc', '.end']) + '\n'


def main():
    rows = []
    for name, source, drive, frequency, probe, supplies, loads in CASES:
        work = tempfile.mkdtemp(prefix='anode-meas-')
        text = deck(name, source, drive, frequency, probe, supplies, loads, work)
        deck_path = os.path.join(work, name + '.cir')
        open(deck_path, 'w').write(text)
        result = subprocess.run(['ngspice', '-b', deck_path], capture_output=True, text=True, timeout=1200)
        out = result.stdout + result.stderr
        m = re.search(r'THD:\s*([0-9.eE+-]+)\s*%', out)
        if not m:
            sys.exit(f'no THD from ngspice for {name} at {drive} V:\n{out}')
        rows.append((name, drive, frequency, 'thd', float(m.group(1)) / 100))
        for s in supplies:
            mi = re.search(rf'^i_{s}\s*=\s*([0-9.eE+-]+)', out, re.M)
            voltage = None
            for line in fixtures.logical_lines(open(os.path.join(ROOT, 'circuits', name + '.cir')).read()):
                words = line.split()
                if words[0].lower() == s:
                    voltage = fixtures.number(words[words.index(next(w for w in words if w.lower() == 'dc')) + 1])
            if not mi or voltage is None:
                sys.exit(f'no supply current for {s} in {name}:\n{out}')
            rows.append((name, drive, frequency, f'supply {s}', -voltage * float(mi.group(1))))
        for r in loads:
            mp = re.search(rf'^p_{r}\s*=\s*([0-9.eE+-]+)', out, re.M)
            if not mp:
                sys.exit(f'no load power for {r} in {name}:\n{out}')
            rows.append((name, drive, frequency, f'load {r}', float(mp.group(1))))
        print(f'{name} at {drive} V: THD {rows[-1 - len(supplies) - len(loads)][4] * 100:.4g} %', file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    path = os.path.join(ROOT, 'Tests', 'AnodeTests', 'Fixtures', 'measurements.csv')
    with open(path, 'w') as f:
        f.write('circuit,drive,frequency,quantity,value\n')
        for row in rows:
            f.write(f'{row[0]},{row[1]!r},{row[2]!r},{row[3]},{row[4]!r}\n')
    print(f'wrote {os.path.relpath(path)}', file=sys.stderr)


if __name__ == '__main__':
    main()
