#!/usr/bin/env bash
# Start-up of the vad command: wall and CPU time of short commands, interleaved, for this tree's ./vad with its
# class-data sharing archive, without it (VAD_CDS=off), and optionally an older vad.jar run as the old script did
# (java -jar). Results: benchmarks/RESULTS.md, "Start-up".
# usage: benchmarks/startup/compare.sh [ROUNDS] [OLD_JAR]     (run from the repository root, after a build)
set -euo pipefail
rounds="${1:-20}"; old="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
jar="$root/vad-cli/target/vad.jar"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# the archive, built now if missing or stale (./vad would build it in the background on first use)
if [[ ! "$root/vad-cli/target/vad.jsa" -nt "$jar" ]]; then java -cp "$jar" dev.vad.cli.CdsArchive "$root/vad-cli/target/vad.jsa"; fi
dd if=/dev/urandom of="$work/x.img" bs=1M count=64 status=none
VAD_CDS=off "$root/vad" pack --image disk="$work/x.img" -o "$work/x.vad" >/dev/null
variants=("new=$root/vad" "new-nocds=env VAD_CDS=off $root/vad")
[[ -n "$old" ]] && variants=("old=java -jar $old" "${variants[@]}")
for cmd in "--version" "inspect $work/x.vad" "fetch file:$work/x.vad --cache $work/c --out $work/o"; do
  echo "## vad $cmd" | sed "s|$work/||g"
  args=()
  for v in "${variants[@]}"; do args+=("${v%%=*}=${v#*=} $cmd"); done
  PREPARE="rm -rf $work/c $work/o" "$here/interleave.sh" "$rounds" "${args[@]}"
done
