"""Free ports, port checks, and who listens on a port."""

from __future__ import annotations

import errno
import socket

import psutil


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def pick_free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free on `host` right now."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on `host:port` (TIME_WAIT sockets do not count)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def pid_listens_on(pid: int, port: int) -> bool:
    """True when process `pid` (or one of its children) holds a listening socket on `port`."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for candidate in procs:
        try:
            conns = candidate.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for conn in conns:
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return True
    return False


def free_port_run(count: int, host: str = "127.0.0.1", tries: int = 50) -> int:
    """The first of `count` consecutive ports free on `host` now (the ring backend of mlx.launch
    listens on one port per rank, counting up from the one it is given)."""
    for _ in range(tries):
        first = pick_free_port(host)
        if first + count <= 65536 and all(port_is_free(host, first + i) for i in range(count)):
            return first
    raise OSError(f"no {count} consecutive free ports on {host}")
