"""Loopback-only networking for every Python process that ``.ci/run``'s tests start.

``.ci/run`` puts this folder on PYTHONPATH and sets ``KZCN_CI_LOOPBACK_ONLY=1``, so
pytest, ``python -m kzcn build``, papermill and the notebook kernels all load this
module at start-up.  A connection to any address other than 127.0.0.0/8 or ::1 then
fails at once with a message naming the address, instead of a test silently
depending on the internet (the browser tests block other hosts in chromium itself).
"""

from __future__ import annotations

import ipaddress
import os
import socket

if os.environ.get("KZCN_CI_LOOPBACK_ONLY") == "1":
    _original_connect = socket.socket.connect
    _original_connect_ex = socket.socket.connect_ex

    def _check(sock: socket.socket, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # Unix sockets and the like stay on this machine
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(
                f"blocked by .ci/run: tests may only connect to 127.0.0.1, not {host}:{address[1]}"
            )

    def _connect(self, address):
        _check(self, address)
        return _original_connect(self, address)

    def _connect_ex(self, address):
        _check(self, address)
        return _original_connect_ex(self, address)

    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
