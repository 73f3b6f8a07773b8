# The LibreOffice appliance's `resume` workload (issue 18), run by the guest's initrd as /workloads/resume:
# one LibreOffice instance is started headless and kept running (the service), a first document is converted
# through it (so the application is loaded and warm), "VAD-SNAPSHOT-READY" is printed and the guest waits;
# `vad snapshot --at VAD-SNAPSHOT-READY` pauses it there. A resume shows as a jump of the CMOS RTC (driven by the
# host's clock) against the guest's own uptime (which stands still while paused). Then a document generated from
# a seed drawn after the resume (20-200 sections) is converted to PDF by the running instance (a second
# `soffice --convert-to` hands its request to the first over LibreOffice's own pipe) and "VAD-RESUME-DONE" printed.
# vad.nowait=1: no wait after the ready line (a cold boot that does the same work, to compare against a resume).
mount -t tmpfs -o size=256m tmpfs /mnt/tmp && mount -t proc proc /mnt/proc && mount -t devtmpfs dev /mnt/dev || exit 1
# gen SEED FILE: the convert workload's document generator (a flat ODT of 20-200 sections of headings, paragraphs
# and tables), taken from the guest's own /workloads/convert by libreoffice-initrd.sh
. /workloads/resume-gen.sh
lo() { chroot /mnt /usr/bin/env -i HOME=/tmp PATH=/usr/bin:/bin /usr/bin/soffice --headless --norestore "$@"; }
convert() { # NAME: /tmp/NAME.fodt to /tmp/out/NAME.pdf through the running instance; waits up to 10 minutes
  lo --convert-to pdf --outdir /tmp/out "/tmp/$1.fodt" > /dev/null 2>&1
  i=0
  while [ ! -s "/mnt/tmp/out/$1.pdf" ] && [ $i -lt 12000 ]; do sleep 0.05; i=$((i+1)); done
  [ -s "/mnt/tmp/out/$1.pdf" ]
}
lo --nologo --nodefault --accept="pipe,name=vad;urp;" > /dev/null 2>&1 &
i=0
while ! ls /mnt/tmp/OSL_PIPE_* > /dev/null 2>&1 && [ $i -lt 6000 ]; do sleep 0.05; i=$((i+1)); done
gen 1 /mnt/tmp/warm.fodt
convert warm || { echo "VAD-FAIL warm-up conversion"; exit 1; }
r0=$(cat /sys/class/rtc/rtc0/since_epoch); u0=$(cut -d. -f1 /proc/uptime)
echo "VAD-SNAPSHOT-READY service=soffice warm=$(wc -c < /mnt/tmp/out/warm.pdf)"
if ! grep -q "vad.nowait=1" /proc/cmdline; then
  while [ $(( $(cat /sys/class/rtc/rtc0/since_epoch) - r0 - ($(cut -d. -f1 /proc/uptime) - u0) )) -lt 3 ]; do
    sleep 0.02
  done
fi
# the kernel's random state is in the snapshot too and repeats after every resume: mix in the host's time (the
# RTC, a different second on every resume) and the guest's uptime since the resume
seed=$(( 0x$( (od -An -N8 -tu4 /dev/urandom; cat /sys/class/rtc/rtc0/since_epoch /proc/uptime /proc/interrupts) \
  | md5sum | cut -c1-7) ))
[ "$seed" -gt 0 ] || { echo "VAD-FAIL no seed"; exit 1; }
t0=$(cut -d' ' -f1 /proc/uptime)
gen "$seed" /mnt/tmp/doc.fodt
convert doc || { echo "VAD-FAIL conversion after the resume"; exit 1; }
echo "VAD-RESUME-DONE seed=$seed fodt=$(wc -c < /mnt/tmp/doc.fodt) pdf=$(wc -c < /mnt/tmp/out/doc.pdf) t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
