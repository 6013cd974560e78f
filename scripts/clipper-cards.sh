#!/usr/bin/env bash
# The diode clipper (circuits/diode-clipper.cir: 2.2k, 10 nF, an antiparallel 1N914 pair) with three
# cards for its diodes — the whole card, without its charges, bare junctions (the C yardstick's
# circuit) — timed by `anode bench` at 48 kHz at 0.1 V and 1 V, fastest of six runs each.
# Needs a release build (swift build -c release --product anode). Usage: scripts/clipper-cards.sh
set -euo pipefail
cd "$(dirname "$0")/.."
anode=.build/release/anode
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cards=("whole:IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n" "no-charges:IS=2.52n RS=0.568 N=1.752" "bare:IS=2.52n N=1.752")
for entry in "${cards[@]}"; do
    name=${entry%%:*}
    printf 'clipper, %s card\nVin in 0 DC 0 SIN(0 1 1k)\nR1 in out 2.2k\nC1 out 0 10n\nD1 out 0 DX\nD2 0 out DX\n.model DX D(%s)\n.tran 10u 5m\n.print tran v(out)\n.end\n' \
        "$name" "${entry#*:}" > "$work/$name.cir"
done
for amplitude in 0.1 1; do
    for entry in "${cards[@]}"; do
        name=${entry%%:*}
        line=$("$anode" bench "$work/$name.cir" --rate 48000 --amplitude "$amplitude" --seconds 1 --repeat 6)
        echo "$name card at $amplitude V: $line"
    done
done
