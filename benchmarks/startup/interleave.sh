#!/usr/bin/env bash
# Interleaved start-up comparison: runs each command once per round, ROUNDS rounds, so that load from others on a
# shared machine hits every variant alike. Prints, per variant, the median wall time with quartiles, min and max,
# and the median CPU time (user + sys), which load from others disturbs less. All in ms.
# usage: interleave.sh ROUNDS 'label=command' 'label=command' ...   (PREPARE='cmd' runs before every run, untimed)
set -euo pipefail
rounds="$1"; shift
declare -a labels cmds
for a in "$@"; do labels+=("${a%%=*}"); cmds+=("${a#*=}"); done
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
exec 3>&2
TIMEFORMAT='%R %U %S'
for ((r = 0; r < rounds; r++)); do
  for i in "${!cmds[@]}"; do
    if [[ -n "${PREPARE:-}" ]]; then eval "$PREPARE"; fi
    { time eval "${cmds[$i]}" >/dev/null 2>&1 || echo "run failed: ${labels[$i]}" >&3; } 2>> "$tmp/$i"
  done
done
printf '%-24s %7s %7s %7s %7s %7s %8s  (ms, %d rounds)\n' variant median q1 q3 min max cpu-med "$rounds"
for i in "${!cmds[@]}"; do
  awk '/^[0-9.]+ [0-9.]+ [0-9.]+$/ {print $1 * 1000, ($2 + $3) * 1000}' "$tmp/$i" > "$tmp/$i.ms"
  cpu="$(cut -d' ' -f2 "$tmp/$i.ms" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  cut -d' ' -f1 "$tmp/$i.ms" | sort -n | awk -v l="${labels[$i]}" -v c="$cpu" '{a[NR]=$1} END {
    printf "%-24s %7d %7d %7d %7d %7d %8d\n", l, a[int((NR+1)/2)], a[int((NR+3)/4)], a[int((3*NR+3)/4)], a[1], a[NR], c }'
done
