#!/usr/bin/python3
"""A reverse proxy that serves an upstream agent under a path prefix and strips it, as DC/OS's
Admin Router does for the services behind it: the integration tests point the CLI at
http://ADDRESS:PORT/PREFIX (`--cluster` as a DC/OS URL) and check it reaches the agent.

    tools/admin-router/strip-prefix-proxy.py --address 127.0.0.1 --port 18499
        --prefix /service/lockstep --upstream 127.0.1.1:18420

Requests outside the prefix get 404. Prints "proxy ready on http://ADDRESS:PORT" once it listens.
"""
import argparse
import http.client
import http.server

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "host"}


def handler_for(prefix, upstream):
    host, port = upstream.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            if not (self.path == prefix or self.path.startswith(prefix + "/")):
                self.send_error(404, "not under " + prefix)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection = http.client.HTTPConnection(host, int(port), timeout=600)
            connection.request(self.command, self.path[len(prefix):] or "/", body, headers)
            reply = connection.getresponse()
            data = reply.read()
            self.send_response(reply.status, reply.reason)
            for name, value in reply.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the agent")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer((args.address, args.port),
                                             handler_for(args.prefix.rstrip("/"), args.upstream))
    print(f"proxy ready on http://{args.address}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
