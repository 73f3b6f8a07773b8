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
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "$out: $(wc -c < "$out") bytes, workloads: $(ls "$tmp/workloads" | tr '\n' ' ')"
