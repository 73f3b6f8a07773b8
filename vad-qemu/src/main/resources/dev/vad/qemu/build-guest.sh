#!/usr/bin/env bash
# Builds a test guest for vad from Debian packages only: the Debian cloud kernel, a busybox-static initramfs and an
# ext4 disk image. Usage:
#
#   build-guest.sh busybox|debian|libreoffice OUTDIR
#
# OUTDIR receives vmlinuz, initrd.gz, disk.img and recipe.txt (what was used: kernel package, mirror, sizes).
# Environment: VAD_DEBIAN_MIRROR overrides the mirror debootstrap uses (default: the first Debian bookworm URI in
# /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list). Needs root (dpkg -x, debootstrap, mke2fs -d with
# ownership), apt-get, busybox-static, cpio, e2fsprogs; the debian and libreoffice kinds also debootstrap.
#
# The guest's init (below) reads the workload from the kernel command line, vad.workload=NAME, runs
# /workloads/NAME from the initramfs and prints "VAD-DONE workload=NAME seed=N uptime=SECONDS" (or "VAD-FAIL ...")
# before powering off. N is drawn from the guest's /dev/urandom at each boot (exported as VAD_SEED): the *-rand
# workloads pick their inputs with it, so every boot differs and the line tells runs apart. The exact recipe is documented in docs/guests.md; keep the two in step.
set -euo pipefail

kind=${1:?usage: build-guest.sh busybox|debian|libreoffice OUTDIR}
out=${2:?usage: build-guest.sh busybox|debian|libreoffice OUTDIR}
case "$kind" in busybox|debian|libreoffice) ;;
  *) echo "build-guest.sh: unknown guest kind '$kind' (busybox, debian, libreoffice)" >&2; exit 2;; esac

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
[[ $kind == debian || $kind == libreoffice ]] && need debootstrap debootstrap

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
# per-boot seed for the *-rand workloads (the guest's own randomness: each boot differs)
VAD_SEED=\$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
export VAD_SEED
echo "VAD-READY workload=\$workload seed=\$VAD_SEED"
if [ -f "/workloads/\$workload" ]; then
  sh "/workloads/\$workload"
  rc=\$?
else
  echo "no workload '\$workload' in /workloads: \$(ls /workloads)"
  rc=127
fi
up=\$(cut -d' ' -f1 /proc/uptime)
if [ \$rc -eq 0 ]; then echo "VAD-DONE workload=\$workload seed=\$VAD_SEED uptime=\$up"; else echo "VAD-FAIL workload=\$workload seed=\$VAD_SEED rc=\$rc uptime=\$up"; fi
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

# --- per-boot random workloads (issue 17) ------------------------------------------------------------------------
# Each picks its inputs with $VAD_SEED (drawn from /dev/urandom by the init at every boot), so a profile trained on
# some boots is tested on a boot it has not seen. Deterministic for a given seed.
rand_workloads_busybox() {
  # scan-rand: cat a random 20-80% of /data
  cat > "$ir/workloads/scan-rand" <<'W'
n=0
for f in $(ls /mnt/data | awk -v s="$VAD_SEED" 'BEGIN { srand(s); k = 0.2 + rand() * 0.6 } rand() < k'); do
  cat "/mnt/data/$f" > /dev/null || exit 1; n=$((n+1))
done
echo "scanned $n files"
W
}
rand_workloads_debian() {
  # import-rand: import a random third to two thirds of a list of ~100 stdlib modules
  cat > "$ir/workloads/import-rand" <<'W'
chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 VAD_SEED="$VAD_SEED" /usr/bin/python3 -c '
import importlib, os, random, sys
mods = """json email.parser email.mime.multipart email.mime.text http.client http.server http.cookies
urllib.request urllib.parse xml.etree.ElementTree xml.dom.minidom xml.sax html.parser decimal fractions statistics
csv argparse optparse logging logging.handlers asyncio concurrent.futures multiprocessing subprocess selectors
socketserver difflib textwrap zipfile tarfile gzip bz2 lzma sqlite3 ssl hashlib hmac secrets uuid pickle shelve
datetime calendar zoneinfo pprint dataclasses typing enum functools itertools collections heapq bisect array struct
codecs unicodedata locale gettext shutil glob fnmatch tempfile configparser plistlib base64 binascii mimetypes
mailbox smtplib imaplib ftplib xmlrpc.client xmlrpc.server wsgiref.simple_server unittest doctest pdb cProfile
pstats timeit trace inspect ast dis tokenize pydoc ctypes shlex ipaddress netrc compileall zipimport sched queue
contextvars graphlib tomllib""".split()
r = random.Random(int(os.environ["VAD_SEED"]))
pick = r.sample(mods, r.randint(len(mods) // 3, 2 * len(mods) // 3))
for m in pick:
    importlib.import_module(m)
print("imported", len(pick), "of", len(mods), "listed;", len(sys.modules), "modules loaded")
'
W
  # scan-rand: SHA-256 over a random 20-80% of /srv/data
  cat > "$ir/workloads/scan-rand" <<'W'
chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 VAD_SEED="$VAD_SEED" /usr/bin/python3 -c '
import hashlib, os, random
r = random.Random(int(os.environ["VAD_SEED"])); k = 0.2 + r.random() * 0.6
h = hashlib.sha256(); n = 0; size = 0
for d, _, files in sorted(os.walk("/srv/data")):
    for f in sorted(files):
        if r.random() < k:
            with open(os.path.join(d, f), "rb") as fh:
                b = fh.read(); h.update(b); n += 1; size += len(b)
print("scanned", n, "files", size, "bytes", h.hexdigest()[:16])
'
W
}
# --- end of the per-boot random workloads -------------------------------------------------------------------------

# --- the LibreOffice appliance (issue 17) ---------------------------------------------------------------------------
# Debian minbase + libreoffice-writer-nogui (apt in the chroot: debootstrap's own resolver does not handle the
# alternatives LibreOffice's dependencies use) + one small font, so that PDF export has glyphs.
libreoffice_root() { # root mirror
  debootstrap --variant=minbase bookworm "$1" "$2" > "$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2; echo "build-guest.sh: debootstrap failed" >&2; exit 4; }
  mount -t proc proc "$1/proc"
  if ! chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libreoffice-writer-nogui fonts-dejavu-core > "$work/apt.log" 2>&1; then
    umount "$1/proc"; tail -n 20 "$work/apt.log" >&2; echo "build-guest.sh: apt-get install libreoffice failed" >&2
    exit 4
  fi
  umount "$1/proc"
  chroot "$1" apt-get clean
  rm -rf "$1"/var/lib/apt/lists/*
}
libreoffice_workloads() {
  # convert: a generated flat-ODT document (seeded by VAD_SEED: 20-200 sections of headings, paragraphs and a
  # table) converted headless to PDF. The disk is read-only: /tmp in the chroot is a tmpfs (HOME and output).
  cat > "$ir/workloads/convert" <<'W'
mount -t tmpfs -o size=256m tmpfs /mnt/tmp && mount -t proc proc /mnt/proc && mount -t devtmpfs dev /mnt/dev || exit 1
awk -v seed="$VAD_SEED" 'function words(n,  s, w, c, l) { s = ""
    for (w = 0; w < n; w++) { l = 2 + int(rand() * 9); for (c = 0; c < l; c++) s = s sprintf("%c", 97 + int(rand() * 26)); s = s " " }
    return s }
  BEGIN { srand(seed); sections = 20 + int(rand() * 180)
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<office:document xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" office:version=\"1.3\" office:mimetype=\"application/vnd.oasis.opendocument.text\"><office:body><office:text>"
    for (s = 0; s < sections; s++) {
      printf "<text:h text:outline-level=\"1\">%d %s</text:h>\n", s + 1, words(3)
      for (p = int(rand() * 4); p >= 0; p--) printf "<text:p>%s</text:p>\n", words(40 + int(rand() * 120))
      if (rand() < 0.3) { printf "<table:table table:name=\"T%d\"><table:table-column table:number-columns-repeated=\"3\"/>", s
        for (r = 0; r < 3; r++) { printf "<table:table-row>"; for (c = 0; c < 3; c++) printf "<table:table-cell><text:p>%s</text:p></table:table-cell>", words(2); printf "</table:table-row>" }
        print "</table:table>" }
    }
    print "</office:text></office:body></office:document>" }' > /mnt/tmp/doc.fodt || exit 1
chroot /mnt /usr/bin/env -i HOME=/tmp PATH=/usr/bin:/bin /usr/bin/soffice --headless --norestore \
  --convert-to pdf --outdir /tmp/out /tmp/doc.fodt > /dev/null 2>&1 || exit 1
[ -s /mnt/tmp/out/doc.pdf ] || exit 1
echo "converted $(wc -c < /mnt/tmp/doc.fodt) bytes of fodt to $(wc -c < /mnt/tmp/out/doc.pdf) bytes of pdf"
W
}
# --- end of the LibreOffice appliance -------------------------------------------------------------------------------

root="$work/root"
if [[ $kind == busybox ]]; then
  disk_size=32M
  label=vaddisk
  mkdir -p "$root"
  make_data "$root/data" 200 800 1
  rand_workloads_busybox
  # /pad: 8 MiB of incompressible bytes no workload reads, so that a full download costs more than the working set
  # (without it the 14 MB kernel is nearly the whole appliance and vad bench --ci could not tell trace from full)
  python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(3).randbytes(8 << 20))' > "$root/pad" 2>/dev/null \
    || head -c $((8 << 20)) /dev/urandom > "$root/pad"
  cat > "$ir/workloads/scan" <<'W'
n=0
for f in /mnt/data/*; do cat "$f" > /dev/null || exit 1; n=$((n+1)); done
echo "scanned $n files"
W
else # debian, libreoffice
  disk_size=512M
  [[ $kind == libreoffice ]] && disk_size=1536M
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
  if [[ $kind == libreoffice ]]; then
    libreoffice_root "$root" "$mirror"
    libreoffice_workloads
  else
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
  rand_workloads_debian
  fi
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
  if [[ $kind != busybox ]]; then echo "mirror $mirror"; fi
} > "$out/recipe.txt"
