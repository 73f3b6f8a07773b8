#!/usr/bin/env python3
"""Resume a suspended appliance over a real WAN path and compare it with downloading the snapshot whole and with
booting from scratch (issue 18). Needs root (network namespaces, FUSE), QEMU, zstd, curl, a built `vad.jar` (run
from the repository root, which has `./vad`) and a Debian guest from build-guest.sh (its `resume` workload).

  sudo python3 tools/resume/resume_wan.py prepare-resume GUEST WORK NAME [--chunk-size 64K] [--zerofree]
  sudo python3 tools/resume/resume_wan.py prepare-boot GUEST WORK NAME
  sudo python3 tools/resume/resume_wan.py prepare-download WORK NAME      # from WORK/NAME.vad
  sudo python3 tools/resume/resume_wan.py profile WORK NAME [--vad-arg=--ram-huge-pages]  # record again, rebuild
  sudo python3 tools/resume/resume_wan.py measure WORK --run MODE:PACK[:VAD_ARGS] ... [--rounds 3]

LibreOffice: `tools/resume/libreoffice-initrd.sh GUEST lo-initrd.gz` (GUEST from build-guest.sh libreoffice), then
prepare-resume/prepare-boot with `--initrd lo-initrd.gz --memory 1G` and prepare-download with `--level 12`.

prepare-resume: `vad snapshot --at VAD-SNAPSHOT-READY` (512 MiB), three local resumes recorded with `vad run
--record` (policy full), `vad profile build` from them. prepare-boot: a runnable pack that boots the same guest with
`vad.nowait=1` (the same work right after the heap is built), three recorded boots, a profile. prepare-download:
the snapshot's files (disk, kernel, initrd, cmdline, ram, state) as a sparse tar, `zstd -19 --long`.

profile: the three recorded local resumes and `vad profile build` of prepare-resume again, for an existing pack,
with more `vad run` arguments (e.g. a copy of the pack profiled with `--ram-huge-pages`, QEMU's own RAM advice).

measure: `tools/wan/wan.py up vcA vcB --delay-ms 20 --rate 20mbit`; `vad serve` and `python3 -m http.server` in vcA;
each round runs every MODE:PACK once, in a rotated order, from vcB with a fresh cache. MODE is a vad policy
(`trace`, `demand`, `full`: `vad run vad+tcp://... --policy MODE`) or `download` (curl | zstd -d | tar, then QEMU
resumes from the local files); `http-POLICY` runs `vad run http://...` against nginx serving the packs (started
in vcA when asked for); VAD_ARGS (space-separated) are added to `vad run`. Time is from the command's start to `VAD-RESUME-DONE` on the console; wire bytes
are what vcB's interfaces received. Prints one JSON line per run and a median/min/max table; appends to
WORK/results.jsonl.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MARKER = "VAD-RESUME-DONE"
SNAP_MARKER = "VAD-SNAPSHOT-READY"
BASE_APPEND = "console=ttyS0 panic=-1 quiet vad.workload=resume"
ADDR_A = "10.98.0.1"
# network namespaces (server, client): measure --netns-prefix P names them PA and PB
NS_A, NS_B = "vcA", "vcB"
# a boot pack has no RAM image to size the guest: give it the snapshot's memory (packs named boot*)
BOOT_MEMORY = ("--memory", "512M")


def sh(*cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def record_runs(work, name, n=3, extra=()):
    pack = os.path.join(work, name + ".vad")
    cache = tempfile.mkdtemp(prefix="cache-", dir=work)
    traces = []
    for i in range(n):
        t = os.path.join(work, "%s.t%d.trace" % (name, i + 1))
        # the guest waits for the RTC to run ahead of its own clocks (a resume): keep the runs apart a little
        time.sleep(4)
        sh("./vad", "run", pack, "--cache", cache, "--policy", "full", "--record", t, "--marker", MARKER,
           "--stop-at-marker", "--timeout", "15m", *extra, stdout=subprocess.DEVNULL)
        traces.append(t)
    shutil.rmtree(cache)
    sh("./vad", "profile", "build", "--pack", pack, *traces)


def initrd(a):
    return a.initrd or os.path.join(a.guest, "initrd.gz")


def prepare_resume(a):
    append = BASE_APPEND + (" vad.zerofree=1" if a.zerofree else "")
    sh("./vad", "snapshot", "--kernel", os.path.join(a.guest, "vmlinuz"), "--initrd", initrd(a),
       "--disk", os.path.join(a.guest, "disk.img"), "--append", append,
       "--at", SNAP_MARKER, "--memory", a.memory, "--timeout", "15m", "--chunk-size", a.chunk_size,
       "-o", os.path.join(a.work, a.name + ".vad"))
    record_runs(a.work, a.name)


def profile(a):
    record_runs(a.work, a.name, extra=tuple(a.vad_arg))


def prepare_boot(a):
    cmd = os.path.join(a.work, a.name + ".cmdline")
    with open(cmd, "w") as f:
        f.write(BASE_APPEND + " vad.nowait=1\n")
    sh("./vad", "pack", "--image", "disk=" + os.path.join(a.guest, "disk.img"), "--image",
       "kernel=" + os.path.join(a.guest, "vmlinuz"), "--image", "initrd=" + initrd(a),
       "--image", "cmdline=" + cmd, "--chunk-size", a.chunk_size, "-o", os.path.join(a.work, a.name + ".vad"))
    record_runs(a.work, a.name, extra=("--memory", a.memory))


def prepare_download(a):
    pack = os.path.join(a.work, a.name + ".vad")
    files = os.path.join(a.work, a.name + ".files")
    os.makedirs(files, exist_ok=True)
    mnt = tempfile.mkdtemp(prefix="mnt-", dir=a.work)
    cache = tempfile.mkdtemp(prefix="cache-", dir=a.work)
    m = subprocess.Popen(["./vad", "mount", "file:" + os.path.abspath(pack), mnt, "--cache", cache,
                          "--policy", "full", "--read-only"], stdout=subprocess.PIPE, text=True)
    try:
        assert m.stdout.readline().strip() == "ready"
        for img in ("disk", "kernel", "initrd", "cmdline", "ram", "state"):
            sh("cp", "--sparse=always", os.path.join(mnt, img), os.path.join(files, img))
    finally:
        m.send_signal(signal.SIGTERM)
        m.wait()
        os.rmdir(mnt)
        shutil.rmtree(cache)
    http = os.path.join(a.work, "http")
    os.makedirs(http, exist_ok=True)
    out = os.path.join(http, a.name + ".tar.zst")
    with open(out, "wb") as f:
        tar = subprocess.Popen(["tar", "-C", files, "-cS", "."], stdout=subprocess.PIPE)
        subprocess.run(["zstd", "-%d" % a.level, "--long", "-T2", "-q", "-c"], stdin=tar.stdout, stdout=f, check=True)
        tar.wait()
    print("%s: %d bytes" % (out, os.path.getsize(out)))


def rx_bytes(ns):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/dev"], capture_output=True, text=True,
                         check=True).stdout
    total = 0
    for line in out.splitlines()[2:]:
        iface, data = line.split(":", 1)
        # the delay line's TUN device; lo and the ifb that mirrors the TUN's ingress for the rate limit do not count
        if iface.strip() != "lo" and not iface.strip().startswith("ifb"):
            total += int(data.split()[0])
    return total


def await_marker(p, t0, timeout=900):
    """Reads p's stdout until the marker; returns (seconds since t0, the marker line, all output)."""
    lines = []
    deadline = time.monotonic() + timeout
    for line in p.stdout:
        lines.append(line)
        if MARKER in line:
            return time.monotonic() - t0, line.strip(), "".join(lines)
        if time.monotonic() > deadline:
            break
    raise RuntimeError("no marker; output tail:\n" + "".join(lines[-20:]))


def run_vad(uri, policy, work, extra=()):
    cache = tempfile.mkdtemp(prefix="cache-", dir=work)
    rx0 = rx_bytes(NS_B)
    t0 = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", NS_B, "./vad", "run", uri, "--cache", cache, "--policy", policy,
                          "--marker", MARKER, "--stop-at-marker", "--timeout", os.environ.get("VAD_RUN_TIMEOUT", "15m"),
                          *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        secs, line, _ = await_marker(p, t0)
    except KeyboardInterrupt:
        # measure stopped by hand: do not leave this run behind in a namespace about to go
        p.terminate()
        p.wait()
        shutil.rmtree(cache, ignore_errors=True)
        raise
    except RuntimeError:
        p.wait()
        shutil.rmtree(cache)
        return {"seconds": None, "wire_bytes": rx_bytes(NS_B) - rx0, "marker": "timeout: " + p.stderr.read()[-300:]}
    err = p.stderr.read()
    p.wait()
    shutil.rmtree(cache)
    metrics = json.loads(err.split("metrics ", 1)[1].splitlines()[0])
    stalls = re.search(r"stalls:\s+(\d+) \(([\d.]+) s\)", err)
    # QEMU's start to the marker, less the stalls: the guest's own run time (CPU under TCG, plus QEMU's loading)
    qemu = re.search(r"([\d.]+) s after QEMU started", err)
    return {"seconds": round(secs, 2), "wire_bytes": rx_bytes(NS_B) - rx0, "bytes_fetched": metrics["bytesFetched"],
            "demand_misses": metrics["demandMisses"], "stalls": int(stalls.group(1)),
            "stall_s": float(stalls.group(2)), "qemu_to_marker_s": float(qemu.group(1)) if qemu else None,
            "initial_wait_ms": metrics["initialWaitMs"], "marker": line}


def qmp(path, commands, until_loaded=False):
    for _ in range(200):
        try:
            c = socket.socket(socket.AF_UNIX)
            c.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    f = c.makefile("rw")
    f.readline()  # greeting
    for cmd in commands:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (cmd["execute"], reply["error"]))
            if "return" in reply:
                break
    while until_loaded:
        f.write(json.dumps({"execute": "query-migrate"}) + "\n")
        f.flush()
        reply = json.loads(f.readline())
        while "return" not in reply:
            reply = json.loads(f.readline())
        if reply["return"].get("status") == "completed":
            f.write(json.dumps({"execute": "cont"}) + "\n")
            f.flush()
            while "return" not in json.loads(f.readline()):
                pass
            break
        if reply["return"].get("status") == "failed":
            raise RuntimeError("loading the device state failed")
        time.sleep(0.01)
    c.close()


def run_download(name, work):
    dest = tempfile.mkdtemp(prefix="dl-", dir=work)
    rx0 = rx_bytes(NS_B)
    t0 = time.monotonic()
    subprocess.run(["bash", "-o", "pipefail", "-c",
                    "ip netns exec %s curl -sf http://%s:8000/%s.tar.zst | zstd -d -q | tar -C %s -xS"
                    % (NS_B, ADDR_A, name, dest)], check=True)
    t_dl = time.monotonic() - t0
    wire = rx_bytes(NS_B) - rx0
    with open(os.path.join(dest, "cmdline")) as f:
        append = f.read().strip()
    mem = os.path.getsize(os.path.join(dest, "ram")) >> 20
    # the command line vad's QemuLauncher builds for a resume
    q = subprocess.Popen(["qemu-system-x86_64", "-nographic", "-no-reboot", "-nic", "none", "-m", "%dM" % mem,
                          "-smp", "1", "-accel", "tcg", "-object",
                          "memory-backend-file,id=mem0,size=%dM,mem-path=%s/ram,share=off" % (mem, dest),
                          "-machine", "pc,memory-backend=mem0", "-kernel", dest + "/kernel", "-initrd",
                          dest + "/initrd", "-append", append, "-drive",
                          "file=%s/disk,format=raw,if=virtio,id=disk,readonly=on" % dest,
                          "-qmp", "unix:%s/qmp,server=on,wait=off" % dest, "-incoming", "defer"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # as vad's Snapshotter does: load the state, wait until it is in (paused), cont
        qmp(dest + "/qmp", [{"execute": "qmp_capabilities"},
                            {"execute": "migrate-set-capabilities",
                             "arguments": {"capabilities": [{"capability": "x-ignore-shared", "state": True}]}},
                            {"execute": "migrate-incoming", "arguments": {"uri": "exec:cat %s/state" % dest}}],
            until_loaded=True)
        secs, line, _ = await_marker(q, t0)
    finally:
        q.kill()
        q.wait()
        shutil.rmtree(dest)
    return {"seconds": round(secs, 2), "download_s": round(t_dl, 2), "wire_bytes": wire, "marker": line}


NGINX_PORT = 8080


def start_nginx(work):
    """nginx in the server namespace, serving WORK (the packs) with range requests, as a web server or CDN would."""
    d = os.path.join(os.path.abspath(work), "nginx")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("daemon off; user root; worker_processes 1; pid %s/nginx.pid; error_log %s/error.log;\n"
                "events { }\nhttp { access_log off; sendfile on; server { listen %s:%d; root %s; } }\n"
                % (d, d, ADDR_A, NGINX_PORT, os.path.abspath(work)))
    return subprocess.Popen(["ip", "netns", "exec", NS_A, "nginx", "-c", conf, "-p", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(a):
    global NS_A, NS_B
    NS_A, NS_B = a.netns_prefix + "A", a.netns_prefix + "B"
    runs = [(r.split(":", 2) + [""])[:3] for r in a.run]
    packs = sorted({os.path.abspath(os.path.join(a.work, p + ".vad")) for m, p, _ in runs if m != "download"})
    procs = []
    try:
        wan = subprocess.Popen(["python3", "tools/wan/wan.py", "up", NS_A, NS_B, "--delay-ms", "20", "--rate",
                                "20mbit", "--watch-pid", str(os.getpid())])
        procs.append(wan)
        for _ in range(100):
            if subprocess.run(["ip", "netns", "exec", NS_B, "ping", "-c1", "-W1", ADDR_A],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        srv = subprocess.Popen(["ip", "netns", "exec", NS_A, "./vad", "serve", *packs, "--listen",
                                "tcp://%s:7420" % ADDR_A], stdout=subprocess.PIPE, text=True)
        procs.append(srv)
        uris = []
        for line in srv.stdout:
            if line.startswith("vad+tcp://"):
                uris.append(line.split()[0])
            if line.startswith("serving"):
                break
        by_pack = dict(zip(packs, uris))
        http = subprocess.Popen(["ip", "netns", "exec", NS_A, "python3", "-m", "http.server", "8000", "--bind",
                                 ADDR_A, "--directory", os.path.join(a.work, "http")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(http)
        if any(m.startswith("http-") for m, _, _ in runs):
            procs.append(start_nginx(a.work))
        time.sleep(1)
        results = {}
        for rnd in range(a.rounds):
            order = runs[rnd % len(runs):] + runs[:rnd % len(runs)]
            for mode, name, vad_args in order:
                if mode == "download":
                    r = run_download(name, a.work)
                else:
                    uri = by_pack[os.path.abspath(os.path.join(a.work, name + ".vad"))]
                    policy = mode
                    if mode.startswith("http-"):
                        # the same pack from nginx (range requests), pinned to its id
                        policy = mode[len("http-"):]
                        uri = "http://%s:%d/%s.vad#id=%s" % (ADDR_A, NGINX_PORT, name, uri.rsplit("/", 1)[1])
                    r = run_vad(uri, policy, a.work,
                                (BOOT_MEMORY if name.startswith("boot") and "--memory" not in vad_args.split() else ())
                                + tuple(vad_args.split()))
                r.update({"mode": mode, "pack": name, "vad_args": vad_args, "round": rnd + 1,
                          "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load1": os.getloadavg()[0]})
                print(json.dumps(r), flush=True)
                with open(os.path.join(a.work, "results.jsonl"), "a") as f:
                    f.write(json.dumps(r) + "\n")
                results.setdefault((mode, name, vad_args), []).append(r)
        print("\n| mode | pack | vad args | median s | min–max s | median MiB on the wire |")
        print("|---|---|---|---:|---:|---:|")
        for (mode, name, vad_args), rs in results.items():
            s = [r["seconds"] if r["seconds"] is not None else float("inf") for r in rs]
            w = [r["wire_bytes"] / 2 ** 20 for r in rs]
            print("| %s | %s | %s | %.2f | %.2f–%.2f | %.1f |" % (mode, name, vad_args, statistics.median(s), min(s),
                                                               max(s), statistics.median(w)))
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for n in ("prepare-resume", "prepare-boot"):
        p = sub.add_parser(n)
        p.add_argument("guest")
        p.add_argument("work")
        p.add_argument("name")
        p.add_argument("--chunk-size", default="64K")
        p.add_argument("--memory", default="512M", help="guest memory (a boot pack is run with it too)")
        p.add_argument("--initrd", help="instead of GUEST/initrd.gz (e.g. from libreoffice-initrd.sh)")
        if n == "prepare-resume":
            p.add_argument("--zerofree", action="store_true")
    p = sub.add_parser("profile")
    p.add_argument("work")
    p.add_argument("name")
    p.add_argument("--vad-arg", action="append", default=[], help="more `vad run` arguments, repeatable")
    p = sub.add_parser("prepare-download")
    p.add_argument("work")
    p.add_argument("name")
    p.add_argument("--level", type=int, default=19, help="zstd level (default 19, as the issue's baseline)")
    p = sub.add_parser("measure")
    p.add_argument("work")
    p.add_argument("--run", action="append", required=True, help="MODE:PACK, repeatable")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--netns-prefix", default="vc", help="namespaces PREFIXA (server) and PREFIXB (client)")
    a = ap.parse_args()
    os.makedirs(getattr(a, "work"), exist_ok=True)
    {"prepare-resume": prepare_resume, "prepare-boot": prepare_boot, "prepare-download": prepare_download,
     "profile": profile, "measure": measure}[a.cmd](a)


if __name__ == "__main__":
    main()
