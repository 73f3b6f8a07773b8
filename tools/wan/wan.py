#!/usr/bin/env python3
"""A real kernel network path between two network namespaces: one-way delay, rate limit and random packet loss.

  wan.py up NS_A NS_B --delay-ms 20 --rate 20mbit [--loss 1%] [--seed 1] [--queue-ms 100] [--watch-pid PID]
  wan.py down NS_A NS_B        remove what a killed 'up' left behind (process, namespaces)
  wan.py probe                 exit 0 if this machine can run 'up', else print why and exit 1

'up' creates NS_A (10.98.0.1) and NS_B (10.98.0.2), each with a TUN device, and runs in the foreground as the
wire between them until SIGTERM/SIGINT/SIGHUP (or until --watch-pid exits); then it deletes both namespaces.
It prints one line 'READY ...' when the path carries packets, and 'STATS ...' lines when it stops.

Why this shape (this kernel has no netem):
  * delay: this process reads every IP packet from one TUN device and writes it to the other DELAY ms later;
    the delay is constant, so a FIFO per direction keeps packet order (no reordering, like a real path).
  * loss: each packet is dropped with probability LOSS, independently, per direction, from a random.Random seeded
    with (SEED, direction). The drop sequence is reproducible per packet index; which packets they hit depends on
    timing.
  * rate: tbf on an ifb device that takes the receiving namespace's TUN ingress, so the bottleneck queue (QUEUE ms
    deep, drop-tail) sits in the network. A tbf on the sender's own device would be a local qdisc: TCP learns of
    local drops at once (no retransmission timeout), a UDP sender does not, which would favour TCP unfairly.
Stdlib only; Linux; needs root, /dev/net/tun, iproute2 (ip, tc) and the ifb/u32/mirred/tbf kernel parts.
"""
import argparse
import collections
import fcntl
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
ADDR_A, ADDR_B = "10.98.0.1", "10.98.0.2"
PID_DIR = "/run/vad-wan"


def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("'%s' failed (exit %d): %s" % (" ".join(cmd), r.returncode, r.stdout.strip()))
    return r


def parse_rate(text):
    """'20mbit' -> bits per second (tc's units: bit, kbit, mbit, gbit; decimal)."""
    t = text.strip().lower()
    for suffix, mult in (("gbit", 10**9), ("mbit", 10**6), ("kbit", 10**3), ("bit", 1)):
        if t.endswith(suffix):
            return float(t[: -len(suffix)]) * mult
    return float(t)


def parse_loss(text):
    t = text.strip()
    v = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError("loss must be in [0%, 100%): " + text)
    return v


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def setup_side(ns, tun, fd_name, addr, peer, rate_bits, queue_ms):
    """Moves the TUN into ns, addresses it, and shapes what ns receives with tbf on an ifb (see module doc)."""
    sh("ip", "link", "set", fd_name, "netns", ns)  # the fd stays attached after the move
    sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "-n", ns, "addr", "add", addr + "/32", "peer", peer, "dev", tun)
    sh("ip", "-n", ns, "link", "set", tun, "up", "mtu", "1500")
    sh("ip", "-n", ns, "link", "add", "ifb0", "type", "ifb")
    sh("ip", "-n", ns, "link", "set", "ifb0", "up")
    # burst: at least one rate/HZ worth (HZ <= 1000) and a few MTUs, or tbf cannot reach the rate
    burst = max(int(rate_bits / 8 / 1000) * 2, 4 * 1514)
    sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "ifb0", "root", "tbf", "rate", "%dbit" % rate_bits,
       "burst", str(burst), "latency", "%dms" % queue_ms)
    sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", tun, "handle", "ffff:", "ingress")
    sh("ip", "netns", "exec", ns, "tc", "filter", "add", "dev", tun, "parent", "ffff:", "protocol", "all", "u32",
       "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "ifb0")


def delete_namespaces(*names):
    for ns in names:
        sh("ip", "netns", "del", ns, check=False)


class Direction:
    """One way of the wire: loss decision on arrival, then a constant delay in a FIFO."""

    def __init__(self, name, src, dst, delay, loss, seed):
        self.name, self.src, self.dst, self.delay, self.loss = name, src, dst, delay, loss
        self.rng = random.Random("%d/%s" % (seed, name))
        self.queue = collections.deque()
        self.packets = self.dropped = self.bytes = self.write_errors = 0
        self.max_lateness = 0.0
        self.late_1ms = 0  # packets written more than 1 ms after their due time (delay-line jitter)

    def take(self, now):
        while True:
            try:
                pkt = os.read(self.src, 65536)
            except BlockingIOError:
                return
            self.packets += 1
            # draw for every packet, also with loss 0, so the sequence for a seed does not depend on the loss rate
            if self.rng.random() < self.loss:
                self.dropped += 1
                continue
            self.bytes += len(pkt)
            self.queue.append((now + self.delay, pkt))

    def release(self, now):
        q = self.queue
        while q and q[0][0] <= now:
            due, pkt = q.popleft()
            late = now - due
            if late > 0.001:
                self.late_1ms += 1
                self.max_lateness = max(self.max_lateness, late)
            try:
                os.write(self.dst, pkt)
            except OSError:
                self.write_errors += 1

    def stats(self):
        return ("STATS %s packets=%d dropped=%d loss=%.4f bytes=%d write_errors=%d late_over_1ms=%d "
                "max_lateness_ms=%.2f" % (self.name, self.packets, self.dropped, self.dropped / max(1, self.packets),
                                          self.bytes, self.write_errors, self.late_1ms, self.max_lateness * 1000))


class Stop(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def realtime():
    """A wire must not wait for a CPU: other builds on a 2-core box delayed packets by up to 80 ms at normal
    priority. SCHED_FIFO keeps us ahead of them; the loop sleeps in select, so it takes little CPU (and the kernel's
    RT throttling caps it anyway)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        return "fifo"
    except (OSError, AttributeError):
        try:
            os.nice(-10)
            return "nice-10"
        except OSError:
            return "normal"


def up(args):
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    sched = realtime() if args.realtime else "normal"
    ns_a, ns_b = args.ns_a, args.ns_b
    rate = parse_rate(args.rate)
    # device names must be unique in the root namespace while they are created there: tag them with our pid
    tun_a, tun_b = "vwa%d" % os.getpid(), "vwb%d" % os.getpid()
    fds = []
    created = []
    ab = ba = None
    pid_file = os.path.join(PID_DIR, "%s--%s.pid" % (ns_a, ns_b))
    try:
        for ns in (ns_a, ns_b):
            sh("ip", "netns", "add", ns)
            created.append(ns)
        os.makedirs(PID_DIR, exist_ok=True)
        with open(pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
        fa, fb = open_tun(tun_a), open_tun(tun_b)
        fds += [fa, fb]
        setup_side(ns_a, tun_a, tun_a, ADDR_A, ADDR_B, rate, args.queue_ms)
        setup_side(ns_b, tun_b, tun_b, ADDR_B, ADDR_A, rate, args.queue_ms)
        for ns in (ns_a, ns_b):
            if args.tcp_cc:
                r = sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                       "net.ipv4.tcp_congestion_control=" + args.tcp_cc, check=False)
                if r.returncode != 0:
                    # outside the initial namespace only the host's net.ipv4.tcp_allowed_congestion_control apply
                    allowed = sh("sysctl", "-n", "net.ipv4.tcp_allowed_congestion_control").stdout.strip()
                    raise RuntimeError("cannot use TCP congestion control '%s' in a namespace (the host allows: %s): %s"
                                       % (args.tcp_cc, allowed, r.stdout.strip()))
        tcp_cc = sh("ip", "netns", "exec", ns_a, "sysctl", "-n", "net.ipv4.tcp_congestion_control").stdout.strip()
        delay = args.delay_ms / 1000.0
        loss_ab = args.loss if args.loss_ab is None else args.loss_ab
        loss_ba = args.loss if args.loss_ba is None else args.loss_ba
        ab = Direction("a->b", fa, fb, delay, loss_ab, args.seed)
        ba = Direction("b->a", fb, fa, delay, loss_ba, args.seed)
        by_fd = {fa: ab, fb: ba}
        print("READY %s=%s %s=%s delay_ms=%g rate_bit=%d loss_ab=%g loss_ba=%g seed=%d queue_ms=%d tcp_cc=%s sched=%s "
              "pid=%d" % (ns_a, ADDR_A, ns_b, ADDR_B, args.delay_ms, rate, loss_ab, loss_ba, args.seed, args.queue_ms,
                          tcp_cc, sched, os.getpid()), flush=True)
        next_watch = time.monotonic() + 0.5
        while True:
            now = time.monotonic()
            due = min([d.queue[0][0] for d in (ab, ba) if d.queue] + [next_watch])
            ready, _, _ = select.select([fa, fb], [], [], max(0.0, due - now))
            now = time.monotonic()
            for fd in ready:
                by_fd[fd].take(now)
            ab.release(now)
            ba.release(now)
            if now >= next_watch:
                next_watch = now + 0.5
                if args.watch_pid and not alive(args.watch_pid):
                    raise Stop("watched pid %d exited" % args.watch_pid)
    except Stop as e:
        print("STOP %s" % e, flush=True)
        for d in (ab, ba):
            if d is not None:
                print(d.stats(), flush=True)
        return 0
    finally:
        for fd in fds:
            os.close(fd)
        delete_namespaces(*created)
        if created:
            try:
                os.remove(pid_file)
            except FileNotFoundError:
                pass


def down(args):
    pid_file = os.path.join(PID_DIR, "%s--%s.pid" % (args.ns_a, args.ns_b))
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not alive(pid):
                break
            time.sleep(0.1)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass
    delete_namespaces(args.ns_a, args.ns_b)
    try:
        os.remove(pid_file)
    except FileNotFoundError:
        pass
    return 0


def probe(_args):
    """Builds and removes a throwaway side (namespace, TUN, ifb, tbf, u32 redirect): the real prerequisites."""
    if os.geteuid() != 0:
        print("not root (euid %d): network namespaces and TUN devices need CAP_NET_ADMIN" % os.geteuid())
        return 1
    if not os.path.exists("/dev/net/tun"):
        print("/dev/net/tun does not exist")
        return 1
    import shutil
    for tool in ("ip", "tc", "sysctl"):
        if shutil.which(tool) is None:
            print("'%s' is not on the PATH (iproute2 / procps)" % tool)
            return 1
    ns = "vadprobe%d" % os.getpid()
    fd = None
    try:
        sh("ip", "netns", "add", ns)
        fd = open_tun("vwp%d" % os.getpid())
        setup_side(ns, "vwp%d" % os.getpid(), "vwp%d" % os.getpid(), ADDR_A, ADDR_B, 20e6, 100)
    except (OSError, RuntimeError) as e:
        print("cannot build a WAN namespace: %s" % e)
        return 1
    finally:
        if fd is not None:
            os.close(fd)
        delete_namespaces(ns)
    print("OK")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up", help="create the namespaces and run the wire in the foreground")
    u.add_argument("ns_a")
    u.add_argument("ns_b")
    u.add_argument("--delay-ms", type=float, required=True, help="one-way delay, each direction")
    u.add_argument("--rate", required=True, help="bottleneck rate each direction, tc units (20mbit)")
    u.add_argument("--loss", type=parse_loss, default=0.0, help="random loss each direction (1%% or 0.01)")
    u.add_argument("--loss-ab", type=parse_loss, help="loss NS_A -> NS_B only (overrides --loss)")
    u.add_argument("--loss-ba", type=parse_loss, help="loss NS_B -> NS_A only (overrides --loss)")
    u.add_argument("--seed", type=int, default=1)
    u.add_argument("--queue-ms", type=int, default=100, help="bottleneck queue depth in ms of the rate")
    u.add_argument("--tcp-cc", help="TCP congestion control inside both namespaces (default: the host's)")
    u.add_argument("--no-realtime", dest="realtime", action="store_false", help="do not ask for SCHED_FIFO")
    u.add_argument("--watch-pid", type=int, help="stop (and clean up) when this process exits")
    d = sub.add_parser("down", help="stop an 'up' and delete its namespaces")
    d.add_argument("ns_a")
    d.add_argument("ns_b")
    sub.add_parser("probe", help="check that 'up' can work here")
    args = p.parse_args()
    return {"up": up, "down": down, "probe": probe}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
