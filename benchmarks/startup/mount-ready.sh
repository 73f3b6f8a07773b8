#!/usr/bin/env bash
# Time from process start to 'ready' on stdout for `vad mount` (FUSE mount up, policy's ready rule met), and the
# command's own start-up line. usage: mount-ready.sh PACK [VAD]   (VAD: the launcher, default ./vad; root + FUSE)
set -euo pipefail
pack="$1"; vad="${2:-./vad}"
dir="$(mktemp -d)"; mkdir "$dir/mnt"
trap 'fusermount -u "$dir/mnt" 2>/dev/null || true; rm -rf "$dir"' EXIT
t0=$EPOCHREALTIME
coproc M { "$vad" mount "file:$pack" "$dir/mnt" --cache "$dir/cache" --policy demand 2>"$dir/err"; }
read -r line <&"${M[0]}"
t1=$EPOCHREALTIME
[[ "$line" == ready ]] || { echo "unexpected: $line" >&2; cat "$dir/err" >&2; exit 1; }
kill -TERM "$M_PID"; wait "$M_PID" || true
echo "ready after $(( (${t1/./} - ${t0/./}) / 1000 )) ms; $(grep '^start-up' "$dir/err")"
