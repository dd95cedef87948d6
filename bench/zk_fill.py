"""Fills an ensemble with ~MB of realistic values (100 KB base64 payloads) through kazoo."""
import base64, random


def fill(hosts, mb):
    from kazoo.client import KazooClient
    zk = KazooClient(hosts=hosts, timeout=30)
    zk.start()
    zk.ensure_path("/bench")
    rng = random.Random(7)
    pending = []
    for i in range(max(1, mb * 1024 // 100)):
        value = base64.b64encode(rng.randbytes(75 * 1024))  # 100 KB
        pending.append(zk.create_async(f"/bench/v{i:06d}", value))
        if len(pending) >= 32:
            [p.get() for p in pending]
            pending = []
    [p.get() for p in pending]
    zk.stop()
