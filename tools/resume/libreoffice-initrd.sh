#!/usr/bin/env bash
# The LibreOffice guest's initrd with the `resume` workload of libreoffice-resume.sh added (issue 18). The guest's
# disk is used as it is.  Usage: libreoffice-initrd.sh GUEST_DIR OUT.gz   (GUEST_DIR from build-guest.sh libreoffice)
set -euo pipefail
guest=${1:?usage: libreoffice-initrd.sh GUEST_DIR OUT.gz}
out=${2:?usage: libreoffice-initrd.sh GUEST_DIR OUT.gz}
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && zcat "$guest/initrd.gz" | cpio -id --quiet)
cp "$here/libreoffice-resume.sh" "$tmp/workloads/resume"
# the convert workload's document generator as a function gen SEED FILE, so both draw the same kind of documents
{
  echo 'gen() {'
  sed -n '/^awk -v seed="$VAD_SEED"/,/> \/mnt\/tmp\/doc.fodt || exit 1$/p' "$tmp/workloads/convert" \
    | sed -e 's/^awk -v seed="$VAD_SEED"/awk -v seed="$1"/' -e 's/> \/mnt\/tmp\/doc.fodt || exit 1$/> "$2"/'
  echo '}'
} > "$tmp/workloads/resume-gen.sh"
grep -q 'seed="$1"' "$tmp/workloads/resume-gen.sh" && grep -q '> "$2"$' "$tmp/workloads/resume-gen.sh" \
  || { echo "libreoffice-initrd.sh: no document generator found in the guest's workloads/convert" >&2; exit 1; }
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "$out: $(wc -c < "$out") bytes, workloads: $(ls "$tmp/workloads" | tr '\n' ' ')"
