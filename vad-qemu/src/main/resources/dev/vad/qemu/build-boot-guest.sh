#!/usr/bin/env bash
# Builds a bootable test guest for vad: one partitioned disk that boots through its own boot loader (SeaBIOS runs
# the MBR, the MBR runs SYSLINUX, SYSLINUX reads the kernel and initramfs from the disk), from Debian packages only.
# Usage:
#
#   build-boot-guest.sh busybox-boot|debian-boot OUTDIR
#
# OUTDIR receives disk.img (the bootable disk), vmlinuz and initrd.gz (copies of what the disk boots, for direct-boot
# comparisons) and recipe.txt. Environment: VAD_DEBIAN_MIRROR as for build-guest.sh. Needs root, apt-get, dpkg,
# busybox-static, cpio, e2fsprogs, fdisk (sfdisk), dosfstools, mtools, syslinux, syslinux-common; debian-boot also
# debootstrap. A separate script from build-guest.sh so that the older kinds' recipe keys (a digest of their
# script) and outputs stay exactly as they were.
#
# Disk layout (MBR): SYSLINUX's mbr.bin in sector 0; partition 1 (FAT, 32 MiB, active) holds ldlinux.sys,
# ldlinux.c32, syslinux.cfg, vmlinuz, initrd.gz; partition 2 (ext4, the root) holds the served files (and for
# debian-boot a Debian minbase + Python). The initramfs loads the virtio modules, mounts partition 2 read-only,
# brings up eth0 as QEMU's user network expects (10.0.2.15/24, gateway 10.0.2.2) and runs the workload named by
# vad.workload= (syslinux.cfg passes vad.workload=http):
#   http: serve /www (busybox-boot: busybox httpd) or /srv/www (debian-boot: python3 -m http.server) on port 80,
#         print "VAD-READY workload=http", and keep running until powered off;
#   none: print "VAD-DONE workload=none" and power off (a boot test without network).
set -euo pipefail

kind=${1:?usage: build-boot-guest.sh busybox-boot|debian-boot OUTDIR}
out=${2:?usage: build-boot-guest.sh busybox-boot|debian-boot OUTDIR}
case "$kind" in busybox-boot|debian-boot) ;;
  *) echo "build-boot-guest.sh: unknown guest kind '$kind' (busybox-boot, debian-boot)" >&2; exit 2;; esac

# Load order matters: each module needs the ones before it.
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk failover net_failover
  virtio_net)

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "build-boot-guest.sh: '$1' not found; install the Debian package $2" >&2; exit 3; }
}
need apt-get apt
need dpkg dpkg
need cpio cpio
need mke2fs e2fsprogs
need gzip gzip
need sfdisk fdisk
need mkfs.fat dosfstools
need mcopy mtools
need syslinux syslinux
mbr=/usr/lib/syslinux/mbr/mbr.bin
ldlinux_c32=/usr/lib/syslinux/modules/bios/ldlinux.c32
[[ -r $mbr && -r $ldlinux_c32 ]] || { echo "build-boot-guest.sh: $mbr or $ldlinux_c32 missing; install the Debian package syslinux-common" >&2; exit 3; }
busybox=/bin/busybox
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-boot-guest.sh: $busybox is missing or not static; install the Debian package busybox-static" >&2
  exit 3
fi
[[ $kind == debian-boot ]] && need debootstrap debootstrap

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- kernel: the package linux-image-cloud-amd64 depends on -------------------------------------------------
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $kpkg ]] || { echo "build-boot-guest.sh: cannot resolve linux-image-cloud-amd64 (run apt-get update?)" >&2; exit 4; }
(cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || {
  echo "build-boot-guest.sh: apt-get download $kpkg failed" >&2; exit 4; }
dpkg -x "$work"/"$kpkg"_*.deb "$work/kernel"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
kver=$(basename "$work"/kernel/lib/modules/*)

# --- initramfs ---------------------------------------------------------------------------------------------------
ir="$work/initramfs"
mkdir -p "$ir"/{bin,dev,proc,sys,mnt,lib/modules}
cp "$busybox" "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"
for m in "${modules[@]}"; do
  f=$(find "$work/kernel/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
  [[ -n $f ]] || { echo "build-boot-guest.sh: module $m not in $kpkg" >&2; exit 4; }
  case "$f" in *.xz) xz -dc "$f" > "$ir/lib/modules/$m.ko";; *) cp "$f" "$ir/lib/modules/$m.ko";; esac
done
if [[ $kind == busybox-boot ]]; then
  serve='httpd -p 80 -h /mnt/www'
else
  # the root is read-only: Python must not try to write bytecode; HOME and /tmp are not needed by http.server
  serve='mount -t proc proc /mnt/proc; chroot /mnt /usr/bin/env -i PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m http.server 80 --directory /srv/www > /dev/null 2>&1 &'
fi
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
while [ ! -b /dev/vda2 ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done
if ! mount -t ext4 -o ro /dev/vda2 /mnt; then
  echo "VAD-FAIL workload=\$workload mount /dev/vda2"
  poweroff -f
fi
case "\$workload" in
  none)
    echo "VAD-DONE workload=none uptime=\$(cut -d' ' -f1 /proc/uptime)"
    poweroff -f;;
  http)
    ip link set lo up
    if ip link set eth0 up 2>/dev/null; then
      ip addr add 10.0.2.15/24 dev eth0
      ip route add default via 10.0.2.2
    else
      echo "no eth0: the guest has no network (vad run --forward or --ready-port gives it one)"
    fi
    $serve
    echo "VAD-READY workload=http uptime=\$(cut -d' ' -f1 /proc/uptime)"
    while true; do sleep 3600; done;;
  *)
    echo "VAD-FAIL workload=\$workload: unknown (none, http)"
    poweroff -f;;
esac
INIT
chmod 755 "$ir/init"
(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9n > "$out/initrd.gz"

# --- root partition ----------------------------------------------------------------------------------------------
root="$work/root"
if [[ $kind == busybox-boot ]]; then
  root_size=16M
  www="$root/www"
  mkdir -p "$www"
else
  root_size=512M
  mirror=${VAD_DEBIAN_MIRROR:-}
  if [[ -z $mirror ]]; then
    mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ && u ~ /debian\/?$/ {print u; exit}' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  if [[ -z $mirror ]]; then
    mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      2>/dev/null || true)
  fi
  [[ -n $mirror ]] || { echo "build-boot-guest.sh: no Debian bookworm mirror in /etc/apt sources; set VAD_DEBIAN_MIRROR" >&2; exit 4; }
  debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib bookworm "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; echo "build-boot-guest.sh: debootstrap failed" >&2; exit 4; }
  rm -f "$root"/var/cache/apt/archives/*.deb
  www="$root/srv/www"
  mkdir -p "$www"
fi
printf '<!doctype html><title>vad %s</title><p>served by the %s appliance\n' "$kind" "$kind" > "$www/index.html"
mke2fs -q -t ext4 -d "$root" -L vadroot "$work/root.img" "$root_size"

# --- boot partition (FAT + SYSLINUX) and the disk -----------------------------------------------------------------
boot_mib=32
boot_start=2048 # sectors: partition 1 at 1 MiB
root_start=$((boot_start + boot_mib * 2048))
cat > "$work/syslinux.cfg" <<CFG
DEFAULT vad
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL vad
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0 panic=-1 quiet vad.workload=http
CFG
mkfs.fat -F 16 -n VADBOOT -h "$boot_start" -C "$work/boot.img" $((boot_mib * 1024)) > /dev/null
mcopy -i "$work/boot.img" "$out/vmlinuz" "$out/initrd.gz" "$work/syslinux.cfg" "$ldlinux_c32" ::/
root_bytes=$(stat -c %s "$work/root.img")
disk="$work/disk.img"
truncate -s $(( root_start * 512 + root_bytes )) "$disk"
printf 'label: dos\nstart=%d, size=%d, type=6, bootable\nstart=%d, type=83\n' "$boot_start" $((boot_mib * 2048)) \
  "$root_start" | sfdisk -q "$disk"
dd if="$mbr" of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$work/boot.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$disk" bs=1M seek=$((root_start / 2048)) conv=notrunc,sparse status=none
syslinux --offset $((boot_start * 512)) --install "$disk"
mv "$disk" "$out/disk.img"

{
  echo "kind $kind"
  echo "kernel-package $kpkg"
  echo "kernel $kver"
  echo "modules ${modules[*]}"
  echo "boot syslinux $(dpkg-query -W -f '${Version}' syslinux 2>/dev/null || echo unknown), FAT16 ${boot_mib}M at sector $boot_start"
  echo "root-size $root_size"
  echo "disk-size $(stat -c %s "$out/disk.img")"
  echo "workloads none http"
  if [[ $kind == debian-boot ]]; then echo "mirror $mirror"; fi
} > "$out/recipe.txt"
