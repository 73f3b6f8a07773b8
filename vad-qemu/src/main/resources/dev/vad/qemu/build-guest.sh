#!/usr/bin/env bash
# Builds a test guest for vad from Debian packages only: the Debian cloud kernel, a busybox-static initramfs and an
# ext4 disk image. Usage:
#
#   build-guest.sh busybox|debian OUTDIR
#
# OUTDIR receives vmlinuz, initrd.gz, disk.img and recipe.txt (what was used: kernel package, mirror, sizes).
# Environment: VAD_DEBIAN_MIRROR overrides the mirror debootstrap uses (default: the first Debian bookworm URI in
# /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list). Needs root (dpkg -x, debootstrap, mke2fs -d with
# ownership), apt-get, busybox-static, cpio, e2fsprogs; the debian kind also debootstrap.
#
# The guest's init (below) reads the workload from the kernel command line, vad.workload=NAME, runs
# /workloads/NAME from the initramfs and prints "VAD-DONE workload=NAME uptime=SECONDS" (or "VAD-FAIL ...") before
# powering off. The exact recipe is documented in docs/guests.md; keep the two in step.
set -euo pipefail

kind=${1:?usage: build-guest.sh busybox|debian OUTDIR}
out=${2:?usage: build-guest.sh busybox|debian OUTDIR}
case "$kind" in busybox|debian) ;; *) echo "build-guest.sh: unknown guest kind '$kind' (busybox, debian)" >&2; exit 2;; esac

# Load order matters: each module needs the ones before it.
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk)

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "build-guest.sh: '$1' not found; install the Debian package $2" >&2; exit 3; }
}
need apt-get apt
need dpkg dpkg
need cpio cpio
need mke2fs e2fsprogs
need gzip gzip
busybox=/bin/busybox
# busybox-static installs a static busybox there; a dynamic one would not run in the initramfs
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-guest.sh: $busybox is missing or not static; install the Debian package busybox-static" >&2
  exit 3
fi
[[ $kind == debian ]] && need debootstrap debootstrap

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- kernel: the package linux-image-cloud-amd64 depends on -------------------------------------------------
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [[ -z $kpkg ]]; then
  echo "build-guest.sh: cannot resolve linux-image-cloud-amd64 (run apt-get update?)" >&2
  exit 4
fi
(cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || {
  echo "build-guest.sh: apt-get download $kpkg failed" >&2; exit 4; }
dpkg -x "$work"/"$kpkg"_*.deb "$work/kernel"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
kver=$(basename "$work"/kernel/lib/modules/*)

# --- initramfs: busybox-static, the virtio modules, init, workloads --------------------------------------------
ir="$work/initramfs"
mkdir -p "$ir"/{bin,dev,proc,sys,mnt,lib/modules,workloads}
cp "$busybox" "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"
for m in "${modules[@]}"; do
  f=$(find "$work/kernel/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
  [[ -n $f ]] || { echo "build-guest.sh: module $m not in $kpkg" >&2; exit 4; }
  case "$f" in *.xz) xz -dc "$f" > "$ir/lib/modules/$m.ko";; *) cp "$f" "$ir/lib/modules/$m.ko";; esac
done

cat > "$ir/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${modules[*]}; do insmod /lib/modules/\$m.ko || echo "VAD-FAIL insmod \$m"; done
workload=none
for a in \$(cat /proc/cmdline); do
  case "\$a" in vad.workload=*) workload="\${a#vad.workload=}";; esac
done
i=0
while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done
if ! mount -t ext4 -o ro /dev/vda /mnt; then
  echo "VAD-FAIL workload=\$workload mount /dev/vda"
  poweroff -f
fi
echo "VAD-READY workload=\$workload"
if [ -f "/workloads/\$workload" ]; then
  sh "/workloads/\$workload"
  rc=\$?
else
  echo "no workload '\$workload' in /workloads: \$(ls /workloads)"
  rc=127
fi
up=\$(cut -d' ' -f1 /proc/uptime)
if [ \$rc -eq 0 ]; then echo "VAD-DONE workload=\$workload uptime=\$up"; else echo "VAD-FAIL workload=\$workload rc=\$rc uptime=\$up"; fi
poweroff -f
INIT
chmod 755 "$ir/init"

# none: boot, mount, done. counter: counts forever (the snapshot/resume test watches it go on).
echo 'true' > "$ir/workloads/none"
cat > "$ir/workloads/counter" <<'W'
i=0
while true; do echo "VAD-COUNT $i"; i=$((i+1)); sleep 0.2; done
W

# A deterministic data directory (pseudo-random words from a seeded awk: compressible like real text).
make_data() { # dir files words-per-file seed
  mkdir -p "$1"
  awk -v dir="$1" -v files="$2" -v words="$3" -v seed="$4" 'BEGIN {
    srand(seed)
    for (f = 0; f < files; f++) {
      path = sprintf("%s/f%04d.txt", dir, f)
      line = ""
      for (w = 0; w < words; w++) {
        n = 2 + int(rand() * 9); s = ""
        for (c = 0; c < n; c++) s = s sprintf("%c", 97 + int(rand() * 26))
        line = line s " "
        if (length(line) > 72) { print line > path; line = "" }
      }
      print line > path
      close(path)
    }
  }'
}

root="$work/root"
if [[ $kind == busybox ]]; then
  disk_size=32M
  label=vaddisk
  mkdir -p "$root"
  make_data "$root/data" 200 800 1
  cat > "$ir/workloads/scan" <<'W'
n=0
for f in /mnt/data/*; do cat "$f" > /dev/null || exit 1; n=$((n+1)); done
echo "scanned $n files"
W
else
  disk_size=512M
  label=vadroot
  mirror=${VAD_DEBIAN_MIRROR:-}
  if [[ -z $mirror ]]; then
    mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ && u ~ /debian\/?$/ {print u; exit}' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  if [[ -z $mirror ]]; then
    mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      2>/dev/null || true)
  fi
  [[ -n $mirror ]] || { echo "build-guest.sh: no Debian bookworm mirror in /etc/apt sources; set VAD_DEBIAN_MIRROR" >&2; exit 4; }
  debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib bookworm "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; echo "build-guest.sh: debootstrap failed" >&2; exit 4; }
  rm -f "$root"/var/cache/apt/archives/*.deb
  make_data "$root/srv/data" 600 2000 2
  # import: start Python and import a typical service's modules. scan: hash every file of /srv/data.
  cat > "$ir/workloads/import" <<'W'
chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import json, email.parser, email.mime.multipart, http.client, urllib.request, xml.etree.ElementTree
import decimal, csv, argparse, logging, asyncio, difflib, textwrap, zipfile, tarfile, gzip, sqlite3
print("imported", len(__import__("sys").modules), "modules")
'
W
  cat > "$ir/workloads/scan" <<'W'
chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import hashlib, os
h = hashlib.sha256(); n = 0; size = 0
for d, _, files in sorted(os.walk("/srv/data")):
    for f in sorted(files):
        with open(os.path.join(d, f), "rb") as fh:
            b = fh.read(); h.update(b); n += 1; size += len(b)
print("scanned", n, "files", size, "bytes", h.hexdigest()[:16])
'
W
  # --- BEGIN resume workload (issue 18: snapshot/resume at appliance scale) ----------------------------------
  # resume: Python loads a service's modules, builds a working heap (an inverted index of half of /srv/data, a record
  # cache: ~150 MB of Python objects), prints "VAD-SNAPSHOT-READY" and waits; `vad snapshot --at VAD-SNAPSHOT-READY`
  # pauses it there. Input after a resume is the guest's CMOS RTC: QEMU drives it from the host's clock while the
  # guest's own clocks stand still while paused, so a resume seconds or more after the pause shows as a jump
  # between the RTC and CLOCK_MONOTONIC (no console input or disk write needed; the disk is read-only). The workload
  # then seeds from os.urandom, the RTC and the clocks' jitter (the kernel's CRNG state alone is frozen in the
  # snapshot and would repeat), queries a random subset of the heap, and prints "VAD-RESUME-DONE seed=...".
  # vad.zerofree=1 on the kernel command line: before the marker, drop the page cache and fault in (kernel-zeroed)
  # every free page once, so the guest's free memory is zeros in the RAM image (elided from the pack).
  # The heap is gc.freeze()d before the marker (vad.gcfreeze=0: not), as pre-forking servers do: otherwise Python's
  # first full collection after the resume walks every object and touches the whole heap.
  # vad.nowait=1: do not wait after the marker (a cold boot that runs the same work, to compare against a resume).
  cat > "$ir/workloads/resume" <<'W'
mount -t proc proc /mnt/proc && mount -t sysfs sys /mnt/sys || exit 1
chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import json, email.parser, email.mime.multipart, http.client, urllib.request, xml.etree.ElementTree
import decimal, csv, argparse, logging, asyncio, difflib, textwrap, zipfile, tarfile, gzip, sqlite3
import collections, gc, hashlib, mmap, os, random, re, statistics, time

def rtc():
    with open("/sys/class/rtc/rtc0/since_epoch") as f:
        return int(f.read())

docs, index = {}, collections.defaultdict(list)
for f in sorted(os.listdir("/srv/data"))[:300]:
    path = os.path.join("/srv/data", f)
    with open(path) as fh:
        docs[path] = fh.read().split("\n")
    for ln, line in enumerate(docs[path]):
        for w in line.split():
            index[w].append((path, ln))
r = random.Random(1)
words = list(index)
records = [{"id": i, "name": r.choice(words), "score": r.random(), "tags": r.sample(words, 3),
            "note": " ".join(r.choice(words) for _ in range(8))} for i in range(100000)]
with open("/proc/meminfo") as f:
    mem = {l.split(":")[0]: int(l.split()[1]) for l in f}
cmdline = open("/proc/cmdline").read().split()
zero, nowait = "vad.zerofree=1" in cmdline, "vad.nowait=1" in cmdline
if zero:
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    with open("/proc/meminfo") as f:
        free = {l.split(":")[0]: int(l.split()[1]) for l in f}["MemFree"] * 1024
    # leave some headroom so the kernel does not reclaim or OOM; anonymous pages are zeroed when first written
    n = max(0, free - (24 << 20))
    m = mmap.mmap(-1, n)
    for off in range(0, n, 4096):
        m[off] = 0
    m.close()
# what a pre-forking server does before fork(): move the heap out of the collector, or the first full collection
# after the resume walks every object and pulls the whole heap across the link (vad.gcfreeze=0 to compare)
if "vad.gcfreeze=0" not in cmdline:
    gc.collect()
    gc.freeze()
r0, m0 = rtc(), time.monotonic()
print("VAD-SNAPSHOT-READY modules=%d words=%d records=%d zerofree=%d memfree_kib=%d" % (len(__import__("sys").modules),
      len(index), len(records), zero, mem["MemFree"]), flush=True)
while not nowait and rtc() - r0 - (time.monotonic() - m0) < 3:
    time.sleep(0.02)
t0 = time.monotonic()
seed = hashlib.sha256(os.urandom(32) + repr((rtc(), time.time_ns(), time.perf_counter_ns())).encode()).hexdigest()
g = random.Random(seed)
hits = 0
# skewed like the requests of a service: a hot head that every run touches and a tail that differs from run to run
for w in [words[int(len(words) * g.random() ** 4)] for _ in range(100)]:
    for path, ln in index[w][:20]:
        hits += len(docs[path][ln])
chosen = [records[int(len(records) * g.random() ** 4)] for _ in range(2000)]
best = sorted(chosen, key=lambda x: x["score"])[-50:]
out = json.dumps({"hits": hits, "mean": statistics.mean(x["score"] for x in chosen), "best": [x["id"] for x in best]})
pat = re.compile(g.choice(words)[:3] + r"\w*")
found = sum(len(pat.findall(x["note"])) for x in chosen)
print("VAD-RESUME-DONE seed=%s hits=%d found=%d digest=%s work_s=%.2f" % (seed[:16], hits, found,
      hashlib.sha256(out.encode()).hexdigest()[:16], time.monotonic() - t0), flush=True)
'
W
  # --- END resume workload -----------------------------------------------------------------------------------
fi
mke2fs -q -t ext4 -d "$root" -L "$label" "$work/disk.img" "$disk_size"
mv "$work/disk.img" "$out/disk.img"

(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9n > "$out/initrd.gz"

{
  echo "kind $kind"
  echo "kernel-package $kpkg"
  echo "kernel $kver"
  echo "modules ${modules[*]}"
  echo "disk-size $disk_size"
  echo "workloads $(ls "$ir/workloads" | tr '\n' ' ')"
  if [[ $kind == debian ]]; then echo "mirror $mirror"; fi
} > "$out/recipe.txt"
