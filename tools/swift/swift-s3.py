#!/usr/bin/python3
"""A single-node OpenStack Swift with its S3 API (s3api + tempauth), for Lockstep's tests.

Swift's S3 API is a production S3 implementation, stricter than s3rver: it checks Signature
Version 4 itself, compares x-amz-content-sha256 with the body, refuses requests whose clock is
more than 15 minutes off, and has its own multipart rules (parts of at least 5 MiB but the last).

    tools/swift/swift-s3.py --directory DIR --address 127.0.0.1 --port 9000
        --access-key ACCOUNT:USER --secret-key SECRET [--region us-east-1]

Everything lives under DIR: swift.conf, the rings (built at start: one device, one replica),
the four servers' configurations, the stored objects. Nothing is read from or written to
/etc/swift: each server process points Swift at DIR/etc before it loads. The proxy, account,
container and object servers run as child processes of this one (Debian's python3-swift; the
swift-proxy and other server packages only add init scripts and units for /etc/swift, which the
tests do not want). Prints "s3 test server ready on http://ADDRESS:PORT" once the proxy and every
backend answer; SIGTERM stops them all. The access key is tempauth's ACCOUNT:USER.
"""
import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

BACKENDS = ("account", "container", "object")
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def build_rings(etc, address, ports):
    from swift.common.ring import RingBuilder
    for kind in BACKENDS:
        builder = RingBuilder(6, 1, 1)  # 2^6 partitions, one replica, min_part_hours 1
        builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": address,
                         "port": ports[kind], "device": "d1", "weight": 1})
        builder.rebalance()
        builder.get_ring().save(os.path.join(etc, kind + ".ring.gz"))


def common_conf(etc, devices, address, port):
    return (f"[DEFAULT]\nswift_dir = {etc}\ndevices = {devices}\nmount_check = false\n"
            f"bind_ip = {address}\nbind_port = {port}\nworkers = 0\nlog_level = WARNING\n"
            "disable_fallocate = true\n")


def write_configs(root, args, ports):
    etc, devices = os.path.join(root, "etc"), os.path.join(root, "srv")
    os.makedirs(os.path.join(devices, "d1"), exist_ok=True)
    os.makedirs(etc, exist_ok=True)
    write(os.path.join(etc, "swift.conf"),
          "[swift-hash]\nswift_hash_path_suffix = lockstep-test\n"
          "swift_hash_path_prefix = lockstep-test\n\n"
          "[storage-policy:0]\nname = standard\ndefault = yes\n")
    build_rings(etc, args.address, ports)
    for kind in BACKENDS:
        write(os.path.join(etc, kind + "-server.conf"),
              common_conf(etc, devices, args.address, ports[kind]) +
              f"\n[pipeline:main]\npipeline = {kind}-server\n\n"
              f"[app:{kind}-server]\nuse = egg:swift#{kind}\n")
    account, user = args.access_key.split(":", 1)
    # s3api before tempauth (it turns the S3 signature into auth details tempauth checks);
    # slo after it (S3 multipart uploads are static large objects); cache because tempauth needs
    # one (dict_cache.py: in this process, no memcached).
    write(os.path.join(etc, "proxy-server.conf"),
          common_conf(etc, devices, args.address, args.port) +
          "\n[pipeline:main]\npipeline = catch_errors gatekeeper healthcheck proxy-logging cache "
          "listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server\n\n"
          "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n\n"
          f"[filter:tempauth]\nuse = egg:swift#tempauth\nuser_{account}_{user} = "
          f"{args.secret_key} .admin\n\n"
          f"[filter:s3api]\nuse = egg:swift#s3api\nlocation = {args.region}\n\n"
          "[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n"
          "[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n\n"
          "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
          "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n"
          "[filter:cache]\npaste.filter_factory = dict_cache:filter_factory\n\n"
          "[filter:listing_formats]\nuse = egg:swift#listing_formats\n\n"
          "[filter:copy]\nuse = egg:swift#copy\n\n"
          "[filter:slo]\nuse = egg:swift#slo\n\n"
          "[filter:dlo]\nuse = egg:swift#dlo\n")
    return etc


def die_with_parent():
    # A child left behind by a killed test would hold the ports and the directory.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def serve(conf, section, etc):
    """One server, in this process (the --serve mode the parent starts children with)."""
    from swift.common import utils
    from swift.common import storage_policy
    from swift.common.wsgi import run_wsgi
    utils.set_swift_dir(etc)
    storage_policy.reload_storage_policies()
    sys.exit(run_wsgi(conf, section, verbose=True))


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return reply.status == 200
    except Exception:
        return False


def connects(address, port):
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(*sys.argv[2:5])
    parser = argparse.ArgumentParser(description="Swift with s3api for tests")
    for name in ("--directory", "--address", "--access-key", "--secret-key"):
        parser.add_argument(name, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    if ":" not in args.access_key:
        sys.exit("swift-s3: --access-key must be tempauth's ACCOUNT:USER, got " + args.access_key)
    ports = {kind: free_port(args.address) for kind in BACKENDS}
    etc = write_configs(os.path.abspath(args.directory), args, ports)
    children = []
    for kind in BACKENDS + ("proxy",):
        conf = os.path.join(etc, kind + "-server.conf")
        children.append(subprocess.Popen([sys.executable, __file__, "--serve", conf,
                                          kind + "-server", etc], preexec_fn=die_with_parent,
                                         env=dict(os.environ, PYTHONPATH=HERE)))

    def stop(*_):
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + 60
    url = f"http://{args.address}:{args.port}/healthcheck"
    while not (answers(url) and all(connects(args.address, p) for p in ports.values())):
        ended = [c for c in children if c.poll() is not None]
        if ended or time.monotonic() > deadline:
            print("swift-s3: a server ended or none answered within 60 s", flush=True)
            stop()
        time.sleep(0.1)
    print(f"s3 test server ready on http://{args.address}:{args.port}", flush=True)
    while all(c.poll() is None for c in children):
        time.sleep(0.5)
    print("swift-s3: a server ended; stopping the others", flush=True)
    stop()


if __name__ == "__main__":
    main()
