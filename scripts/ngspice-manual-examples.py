#!/usr/bin/env python3
"""Runs the example netlists of the ngspice manual through `anode simulate`, as they stand.

The manual comes with Debian's ngspice-doc package (apt-get install ngspice-doc); its HTML holds
each example deck in a <pre class='listings'> block. Every block that ends with .end and has more
than four lines is written to DIR/exNNN.cir and simulated; the script prints one line per deck:
its title and either OK or Anode's first error. See Docs/Validation.md for the last run.
Usage: scripts/ngspice-manual-examples.py [DIR] (default: a temporary directory)
"""
import glob, html, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANODE = os.path.join(ROOT, '.build', 'release', 'anode')

pages = glob.glob('/usr/share/doc/ngspice-doc/html/*.html')
if not pages:
    sys.exit('the ngspice manual is not here: apt-get install ngspice-doc')
if not os.path.exists(ANODE):
    sys.exit('build Anode first: swift build -c release')
out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix='ngspice-examples-')
os.makedirs(out, exist_ok=True)
blocks = re.findall(r"<pre class ='listings'>(.*?)</pre>", open(pages[0]).read(), re.S)
decks = [html.unescape(re.sub('<[^>]+>', '', b)).strip() for b in blocks]
decks = [d for d in decks if d.upper().endswith('.END') and len(d.splitlines()) > 4]
ran = 0
for k, deck in enumerate(decks, 1):
    path = os.path.join(out, f'ex{k:03d}.cir')
    open(path, 'w').write(deck + '\n')
    result = subprocess.run([ANODE, 'simulate', path, '-o', os.path.join(out, f'ex{k:03d}.csv')],
                            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines() if 'error:' in line]
    ran += result.returncode == 0
    print(f'{os.path.basename(path)}  {deck.splitlines()[0][:44]:44}  {"OK" if result.returncode == 0 else errors[0] if errors else "exit " + str(result.returncode)}')
print(f'{ran} of {len(decks)} decks ran; netlists in {out}')
