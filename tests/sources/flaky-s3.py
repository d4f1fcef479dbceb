#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for S3 that fails on purpose, for tests/sources/run.

    flaky-s3.py PORTFILE LOG FAILS STATUS

Serves GET /BUCKET/KEY from the current directory's KEY, answering the
first FAILS requests with HTTP STATUS instead; writes its port to PORTFILE
once listening, and one line per request to LOG: the method, the path and
the Authorization, x-amz-content-sha256, x-amz-date and
x-amz-security-token headers.  Only 127.0.0.1.
"""
import http.server
import os
import sys

portfile, log, fails, status = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global seen
        seen += 1
        with open(log, "a") as f:
            h = self.headers
            f.write("%s %s auth=%s sha=%s date=%s token=%s\n" % (
                self.command, self.path, h.get("Authorization"),
                h.get("x-amz-content-sha256"), h.get("x-amz-date"),
                h.get("x-amz-security-token")))
        if seen <= fails:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        key = self.path.split("/", 2)[2]
        try:
            with open(key, "rb") as f:
                body = f.read()
        except OSError:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
