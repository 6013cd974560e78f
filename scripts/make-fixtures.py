#!/usr/bin/env python3
"""Reference results from ngspice for Anode's validation tests.

For each netlist given (default: every circuits/*.cir), this script writes an ngspice version of it
and runs `ngspice -b`:
  * tubes, which ngspice lacks, become subcircuits of behavioral (B) sources computing the same
    equations as Anode's models (Koren triode and pentode, Dempwolf-Zoelzer triode), generated
    from circuits/models/tubes.lib;
  * the analyses run with tight tolerances (reltol=1e-6, abstol=1e-12, vntol=1e-7, trapezoidal)
    and, for .tran, a maximum step of TSTEP/50 (or TMAX/5 if smaller), so that the reference is
    close to the exact solution;
  * raw transient points are resampled to the TSTEP grid here (ngspice's own interpolation is
    misaligned in batch mode).
Netlists: circuits/*.cir, Tests/AnodeTests/Netlists/*.cir, Tests/AnodeTests/Clipping/*.cir and
Tests/AnodeTests/LTspice/*.cir and Tests/AnodeTests/PSpice/*.cir (the ngspice twins of the LTspice and PSpice
netlists there) unless some are named. Results go to
Tests/AnodeTests/Fixtures/NAME.{op,dc,ac,tran,tf,noise,noise-total,meas,four}.csv (tf: the gain and impedances of .tf;
noise: the spectra of .noise, noise-total its totals;
meas: the values ngspice's .meas statements print; four: its .four tables); the tests read them and
do not need ngspice.
Usage: scripts/make-fixtures.py [netlist.cir ...] [--out DIR]
"""
import math, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCALE = {'t': 1e12, 'g': 1e9, 'meg': 1e6, 'k': 1e3, 'm': 1e-3, 'mil': 25.4e-6, 'u': 1e-6, 'n': 1e-9, 'p': 1e-12, 'f': 1e-15}


def number(text):
    m = re.match(r'^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$', text)
    if not m:
        raise ValueError('not a number: ' + text)
    value, suffix = float(m.group(1)), m.group(2).lower()
    for key in ('meg', 'mil'):
        if suffix.startswith(key):
            return value * SCALE[key]
    return value * SCALE.get(suffix[:1], 1.0) if suffix else value


def logical_lines(text):
    """Netlist lines with '+' continuations joined and comments removed (title excluded)."""
    out = []
    for raw in text.splitlines():
        line = re.split(r';|\s\$', raw)[0].rstrip()
        if not line.strip() or line.lstrip().startswith('*'):
            continue
        if line.lstrip().startswith('+') and out:
            out[-1] += ' ' + line.lstrip()[1:]
        else:
            out.append(line.strip())
    return out


def tube_subcircuits(lib_path):
    """ngspice subcircuits, one per .model card of tubes.lib."""
    result = []
    for line in logical_lines(open(lib_path).read()):
        m = re.match(r'\.model\s+(\S+)\s+(triode|pentode)\s*\((.*)\)\s*$', line, re.I)
        if not m:
            continue
        name, kind = m.group(1), m.group(2).lower()
        p = {k.lower(): number(v) for k, v in re.findall(r'(\w+)\s*=\s*(\S+)', m.group(3))}
        level = int(p.get('level', 1))
        rgi, isg, ng = p.get('rgi', 2000.0), p.get('isg', 1e-9), p.get('ng', 1.0)
        grid = [f'Rgi G gx {rgi!r}', 'Dgrid gx K dgrid', f'.model dgrid D(IS={isg!r} N={ng!r})'] if isg > 0 else []
        if kind == 'triode' and level == 1:
            body = [
                f'.subckt {name} P G K',
                f"Be1 e1 0 V={{V(P,K)/{p['kp']!r}*ln(1+exp({p['kp']!r}*(1/{p['mu']!r}+(V(G,K)+{p.get('vct', 0.0)!r})/sqrt({p['kvb']!r}+V(P,K)*V(P,K)))))}}",
                'Re1 e1 0 1G',
                f"Bp P K I={{2*pwr(uramp(V(e1)),{p['ex']!r})/{p['kg1']!r}}}",
            ] + grid
            caps = [('G', 'K', 'ccg'), ('G', 'P', 'cgp'), ('P', 'K', 'ccp')]
        elif kind == 'triode':
            g, c, mu, gam = p['g'], p['c'], p['mu'], p['gamma']
            gg, cg, xi, ig0 = p['gg'], p['cg'], p['xi'], p.get('ig0', 0.0)
            ig = f'{gg!r}*pwr(ln(1+exp({cg!r}*V(G,K)))/{cg!r},{xi!r})+{ig0!r}'
            body = [
                f'.subckt {name} P G K',
                f'Bg G K I={{{ig}}}',
                f'Bp P K I={{{g!r}*pwr(ln(1+exp({c!r}*(V(P,K)/{mu!r}+V(G,K))))/{c!r},{gam!r})-({ig})}}',
            ]
            caps = [('G', 'K', 'ccg'), ('G', 'P', 'cgp'), ('P', 'K', 'ccp')]
        else:
            v2 = 'max(V(G2,K),1e-6)'
            body = [
                f'.subckt {name} P G2 G K',
                f"Be1 e1 0 V={{{v2}/{p['kp']!r}*ln(1+exp({p['kp']!r}*(1/{p['mu']!r}+V(G,K)/{v2})))}}",
                'Re1 e1 0 1G',
                f"Bp P K I={{2*pwr(uramp(V(e1)),{p['ex']!r})/{p['kg1']!r}*atan(uramp(V(P,K))/{p['kvb']!r})}}",
                f"Bs G2 K I={{pwr(uramp(V(G2,K)/{p['mu']!r}+V(G,K)),{p['ex']!r})/{p['kg2']!r}}}",
            ] + grid
            caps = [('G', 'K', 'ccg'), ('P', 'G', 'cpg1'), ('P', 'K', 'ccp')]
        for k, (a, b, key) in enumerate(caps):
            if p.get(key, 0) > 0:
                body.append(f'C{k} {a} {b} {p[key]!r}')
        result += body + ['.ends', '']
    return '\n'.join(result)


def control_resistors(line):
    """Anode's `.pot` and `.varres` as the fixed resistors they are at their netlist position
    (a zero-ohm end becomes 1 micro-ohm, which ngspice accepts)."""
    words = line.split()
    head, name = words[0].lower(), words[1]
    nodes = [w for w in words[2:] if '=' not in w]
    p = {k.lower(): v for k, v in re.findall(r'(\w+)\s*=\s*(\S+)', line)}
    r = number(p['r'])
    x = min(max(float(p.get('position', '0.5')), 0), 1)
    fraction = (81 ** x - 1) / 80 if p.get('taper', 'lin').lower().startswith('log') else x
    if head == '.pot':
        a, w, b = nodes
        return [f'R{name}_1 {a} {w} {max(fraction * r, 1e-6)!r}', f'R{name}_2 {w} {b} {max((1 - fraction) * r, 1e-6)!r}']
    low = number(p.get('min', '0'))
    a, b = nodes
    return [f'R{name} {a} {b} {max(low + fraction * (r - low), 1e-6)!r}']


def probes(analysis_lines, kind):
    """The outputs `.print KIND` asks for, in ngspice's names: LTspice's terminal currents
    `Ic(Q1)`, `Id(M1)` become ngspice's device parameters `@q1[ic]`, `@m1[id]`. (Those are the same
    current except for a P-channel FET, whose @m1[id] ngspice gives in the N-channel orientation:
    netlists print a P-channel FET's terminal currents in ngspice's form.)"""
    names = []
    for line in analysis_lines:
        words = re.findall(r'@[\w.#]+\[\w+\]|\w+\([^)]*\)', line)
        head = line.split()[0].lower()
        if head == '.print' and line.split()[1].lower() == kind:
            for w in words:
                w = w.lower().replace(' ', '')
                m = re.fullmatch(r'i([cbedgs])\(([^,)]+)\)', w)
                names.append(f'@{m.group(2)}[i{m.group(1)}]' if m else w)
    return names


def anode_name(probe):
    """The name Anode gives an output: ngspice's `@c1[i]` and `@r1[p]` are its `i(c1)` and `p(r1)`."""
    m = re.fullmatch(r'@([^\[]+)\[([ip])\]', probe)
    return f'{m.group(2)}({m.group(1)})' if m else probe


def saved_parameters(want):
    """ngspice records device parameters (@q1[ic]) only when saved: `save all` and those."""
    parameters = [w for w in want if w.startswith('@')]
    return ['save all ' + ' '.join(parameters)] if parameters else []


def run(netlist):
    name = os.path.splitext(os.path.basename(netlist))[0]
    directory = os.path.dirname(os.path.abspath(netlist))
    text = open(netlist).read()
    title, lines = text.splitlines()[0], logical_lines('\n'.join(text.splitlines()[1:]))
    work = tempfile.mkdtemp(prefix='anode-ng-')
    body, analyses = [], []
    for line in lines:
        head = line.split()[0].lower()
        if head in ('.pot', '.varres'):
            body += control_resistors(line)
            continue
        if head in ('.op', '.ac', '.tran', '.dc', '.tf', '.noise', '.print', '.probe', '.save', '.end'):
            analyses.append(line)
            continue
        if head in ('.include', '.inc'):
            path = os.path.join(directory, line.split(None, 1)[1].strip().strip('"'))
            if os.path.basename(path) == 'tubes.lib':
                generated = os.path.join(work, 'tubes-ngspice.lib')
                open(generated, 'w').write(tube_subcircuits(path))
                path = generated
            line = f'.include {path}'
        body.append(line)
    control, outputs = ['set numdgt=15'], []
    for line in analyses:
        words = line.split()
        head = words[0].lower()
        if head == '.op':
            control += ['op', 'set numdgt=15', f'print all > {work}/op.txt']
            outputs.append(('op', f'{work}/op.txt', None))
        elif head == '.tf':
            control += [' '.join(['tf'] + words[1:]), f'print all > {work}/tf.txt']
            outputs.append(('tf', f'{work}/tf.txt', None))
        elif head == '.noise':
            # The spectra are the first noise plot, the totals the second.
            control += [' '.join(['noise'] + words[1:]), 'setplot noise1',
                        f'wrdata {work}/noise.txt onoise_spectrum inoise_spectrum', 'setplot noise2',
                        f'print onoise_total inoise_total > {work}/noise-total.txt']
            outputs.append(('noise', f'{work}/noise.txt', ['onoise_spectrum', 'inoise_spectrum']))
            outputs.append(('noise-total', f'{work}/noise-total.txt', None))
        elif head == '.ac':
            want = probes(analyses, 'ac') or []
            control += [' '.join(['ac'] + words[1:]), f'wrdata {work}/ac.txt ' + ' '.join(want)]
            outputs.append(('ac', f'{work}/ac.txt', want))
        elif head == '.dc':
            want = probes(analyses, 'dc')
            control += saved_parameters(want) + [' '.join(['dc'] + words[1:]), f'wrdata {work}/dc.txt ' + ' '.join(want)]
            outputs.append(('dc', f'{work}/dc.txt', want))
        elif head == '.tran':
            values = [w for w in words[1:] if w.lower() != 'uic']
            tstep, tstop = number(values[0]), number(values[1])
            tmax = min(tstep / 50, number(values[3]) / 5) if len(values) > 3 else tstep / 50
            uic = ' uic' if any(w.lower() == 'uic' for w in words) else ''
            want = probes(analyses, 'tran')
            control += saved_parameters(want) + [f'tran {tstep!r} {tstop!r} 0 {tmax!r}{uic}', f'wrdata {work}/tran.txt ' + ' '.join(want)]
            outputs.append(('tran', f'{work}/tran.txt', (want, tstep, tstop)))
    deck_path = os.path.join(work, name + '.cir')
    # Tight tolerances first. Stiff circuits (an output transformer's large, tightly coupled
    # inductances carrying DC) can make ngspice's timestep collapse with abstol=1e-12 A; then the
    # run is repeated with abstol=1e-9 A and vntol=1e-6 V, and a note says so.
    for options in ('reltol=1e-6 abstol=1e-12 vntol=1e-7 method=trap', 'reltol=1e-6 abstol=1e-9 vntol=1e-6 method=trap'):
        deck = [title] + body + ['.options ' + options, '.control'] + control + ['.endc', '.end']
        open(deck_path, 'w').write('\n'.join(deck) + '\n')
        # ngspice -b exits with status 1 when a deck has only a .control block; the output files tell.
        result = subprocess.run(['ngspice', '-b', deck_path], capture_output=True, text=True, timeout=600)
        if 'Timestep too small' not in result.stdout + result.stderr:
            break
        print(f'note: {name}: ngspice could not step with {options.split()[1]}; trying the next tolerances', file=sys.stderr)
        for _, path, _ in outputs:
            if os.path.exists(path):
                os.remove(path)
    else:
        sys.exit(f'ngspice failed on {deck_path}:\n{result.stdout}\n{result.stderr}')
    for _, path, _ in outputs:
        if not os.path.exists(path):
            sys.exit(f'ngspice wrote no {os.path.basename(path)} for {deck_path}:\n{result.stdout}\n{result.stderr}')
    # .meas results: ngspice prints `name = value [at= …]` after the analysis they measure.
    measured = [line.split()[2].lower() for line in lines if line.split()[0].lower() in ('.meas', '.measure')]
    if measured:
        values = {}
        for line in result.stdout.splitlines():
            m = re.match(r'\s*(\w+)\s*=\s*(\S+)', line)
            if m and m.group(1).lower() in measured:
                values[m.group(1).lower()] = m.group(2)
        missing = [n for n in measured if n not in values]
        if missing:
            sys.exit(f'ngspice printed no value for .meas {", ".join(missing)} of {deck_path}:\n{result.stdout}')
        path = f'{work}/meas.txt'
        open(path, 'w').write(''.join(f'{n},{float(values[n])!r}\n' for n in measured))
        outputs.append(('meas', path, None))
    # .four tables: ngspice prints `Fourier analysis for v(out):`, a THD line and a row per harmonic.
    if any(line.split()[0].lower() in ('.four', '.fourier') for line in lines):
        rows, output, thd = [], None, None
        for line in result.stdout.splitlines():
            m = re.match(r'\s*Fourier analysis for (\S+):', line)
            if m:
                output = m.group(1).lower()
                continue
            m = re.search(r'THD:\s*(\S+)\s*%', line)
            if m and output:
                thd = float(m.group(1))
                continue
            words = line.split()
            if output and len(words) == 6 and re.fullmatch(r'\d+', words[0]):
                rows.append(f'{output},{words[0]},{float(words[1])!r},{float(words[2])!r},{float(words[3])!r},{thd!r}')
        if not rows:
            sys.exit(f'ngspice printed no Fourier table for {deck_path}:\n{result.stdout}')
        path = f'{work}/four.txt'
        open(path, 'w').write('\n'.join(rows) + '\n')
        outputs.append(('four', path, None))
    return name, outputs


def write_fixtures(netlist, out_dir):
    name, outputs = run(netlist)
    work = os.path.dirname(outputs[0][1]) if outputs else None
    for kind, path, extra in outputs:
        target = os.path.join(out_dir, f'{name}.{kind}.csv')
        if kind in ('tf', 'noise-total'):
            # `print all` of the tf plot: `name = value` for the gain and the two impedances.
            with open(target, 'w') as f:
                f.write('name,value\n')
                for line in open(path):
                    m = re.match(r'\s*(\S+)\s*=\s*(\S+)', line)
                    if m:
                        f.write(f'{m.group(1).lower()},{float(m.group(2))!r}\n')
            print('wrote', os.path.relpath(target, ROOT))
            continue
        if kind in ('meas', 'four'):
            header = 'name,value' if kind == 'meas' else 'output,harmonic,frequency,magnitude,phase,thd'
            with open(target, 'w') as f:
                f.write(header + '\n' + open(path).read())
            print('wrote', os.path.relpath(target, ROOT))
            continue
        if kind == 'op':
            # `print all`: `node = value` and `source#branch = current`; subcircuit internals
            # (names with a dot) are the tube subcircuits' own nodes and are left out, and so are the
            # names with a '$', which ngspice gives the code models it builds for POLY sources, and
            # the B source, code model and inner nodes it builds for an E or G source with VALUE or TABLE
            # (`bE1`, `aE1`, `e1_int1`).
            valued = {l.split()[0].lower() for l in logical_lines(open(netlist).read()) if re.match(r'[eg]\S*\s+\S+\s+\S+\s+(value|table)\b', l, re.I)}
            # Likewise the sources, inductors and inner nodes it builds for a behavioral capacitor or
            # inductor (`C1 a b q='…'`, `c='…'`, `L1 a b l='…'`): `ec2`, `lc1`, `bl1`, `c1_int1`.
            valued |= {l.split()[0].lower() for l in logical_lines(open(netlist).read()) if re.match(r'[cl]\S*\s+\S+\s+\S+\s+(c|q|l)\s*=', l, re.I)}
            inner = re.compile('|'.join(rf'([bel]{re.escape(e)}#branch|{re.escape(e)}_int\d+|a{re.escape(e)}#.*)' for e in valued) or '$^')
            # For a B source's i() of an inductor, ngspice inserts a 0 V source `v_l1` and a node `c_vmeas_0`.
            elements = {l.split()[0].lower() for l in logical_lines(open(netlist).read())}
            def inserted(n):
                return re.fullmatch(r'.*_vmeas_\d+', n) or (n.startswith('v_') and n.endswith('#branch') and n[:-7] not in elements)
            # An XSPICE code model's voltage output is a branch `a1#branch_1_0` (Anode's i(A1)); the
            # current its current input senses, `a1#ibranch_0_2`, is left out (Anode's is `A1#in1`).
            # An lcouple has two: its winding's `a1#branch_0_0` (i(A1)) and its mmf's
            # `a1#branch_1_0` (Anode's i(A1#mmf)).
            lines = logical_lines(open(netlist).read())
            couplings = {m.group(1).lower() for l in lines for m in [re.match(r'\.model\s+(\S+)\s+lcouple\b', l, re.I)] if m}
            windings = {l.split()[0].lower() for l in lines if l[:1].lower() == 'a' and l.split()[-1].lower() in couplings}
            with open(target, 'w') as f:
                f.write('name,value\n')
                for line in open(path):
                    m = re.match(r'\s*(\S+)\s*=\s*(\S+)', line)
                    if not m or '.' in m.group(1) or '$' in m.group(1) or inner.fullmatch(m.group(1).lower()) or inserted(m.group(1).lower()):
                        continue
                    n = m.group(1).lower()
                    if '#ibranch_' in n:
                        continue
                    # A device's internal node (ngspice prints a VDMOS's gate behind RG, `m1#gate`):
                    # Anode's operating point lists the netlist's nodes.
                    if '#' in n and not re.search(r'#branch(_\d+_\d+)?$', n):
                        continue
                    if n.split('#')[0] in windings and n.endswith('#branch_1_0'):
                        n = n.split('#')[0] + '#mmf#branch'
                    n = re.sub(r'#branch_\d+_\d+$', '#branch', n)
                    # (ngspice prints a node whose name is a number as `v(1)`.)
                    n = f'i({n[:-7]})' if n.endswith('#branch') else n if re.fullmatch(r'v\(.*\)', n) else f'v({n})'
                    f.write(f'{n},{float(m.group(2))!r}\n')
            print('wrote', os.path.relpath(target, ROOT))
            continue
        rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
        with open(target, 'w') as f:
            if kind in ('ac', 'dc', 'noise'):
                f.write(','.join(['sweep' if kind == 'dc' else 'frequency'] + [anode_name(w) for w in extra]) + '\n')
                for r in rows:
                    f.write(','.join(repr(x) for x in [r[0]] + r[1::2]) + '\n')
            else:
                want, tstep, tstop = extra
                times = [r[0] for r in rows]
                cols = [[r[2 * k + 1] for r in rows] for k in range(len(want))]
                f.write(','.join(['time'] + [anode_name(w) for w in want]) + '\n')
                count = int(tstop / tstep * (1 + 1e-12))
                j = 0
                for k in range(count + 1):
                    t = k * tstep
                    while j + 2 < len(times) and times[j + 1] < t:
                        j += 1
                    # Cubic (Lagrange) interpolation through the four raw points around t.
                    lo = max(0, min(j - 1, len(times) - 4))
                    pts = range(lo, lo + 4)
                    values = []
                    for c in cols:
                        v = 0.0
                        for a in pts:
                            w = 1.0
                            for b in pts:
                                if b != a:
                                    w *= (t - times[b]) / (times[a] - times[b])
                            v += w * c[a]
                        values.append(v)
                    f.write(','.join(repr(x) for x in [t] + values) + '\n')
        print('wrote', os.path.relpath(target, ROOT))
    # The ngspice deck and its raw output go once the fixtures are written (kept on failure, when
    # the error names the deck).
    if work:
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = sys.argv[1:]
    out_dir = os.path.join(ROOT, 'Tests', 'AnodeTests', 'Fixtures')
    if '--out' in args:
        k = args.index('--out')
        out_dir = args[k + 1]
        del args[k:k + 2]
    os.makedirs(out_dir, exist_ok=True)
    if not args:
        for folder in (os.path.join(ROOT, 'circuits'), os.path.join(ROOT, 'Tests', 'AnodeTests', 'Netlists'),
                       os.path.join(ROOT, 'Tests', 'AnodeTests', 'Clipping'), os.path.join(ROOT, 'Tests', 'AnodeTests', 'LTspice'),
                       os.path.join(ROOT, 'Tests', 'AnodeTests', 'PSpice')):
            if os.path.isdir(folder):
                args += sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.cir'))
    netlists = args
    for n in netlists:
        write_fixtures(n, out_dir)


if __name__ == '__main__':
    main()
