"""A SPARQL query worker process: `python -m catalogue.sparql_worker JOBS_FD ANSWERS_FD PARENT_PID MEMORY_MB`.

It reads jobs from one pipe, answers on the other, and keeps the current snapshot open read-only. Started
by `catalogue.sparql_pool` as a plain subprocess (not `multiprocessing`, which would re-import the web
process's main module in every worker); it imports only pyoxigraph and the result writer, so a replacement
for a killed worker is ready in about 0.1 s.

Before reading any job it installs a seccomp filter that refuses every socket but Unix ones, so even a
`SERVICE` the query guard missed cannot open a connection (Oxigraph would otherwise follow it over HTTP).
It also caps its address space (a query can build strings that double at every step) and asks to be killed
when the web process dies, so an orphaned worker never keeps grinding through a query.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import resource
import signal
import struct
import sys
from dataclasses import asdict
from multiprocessing.connection import Connection

# (AUDIT_ARCH, __NR_socket, __NR_io_uring_setup, __NR_seccomp) per machine.
_SYSCALLS = {"x86_64": (0xC000003E, 41, 425, 317), "aarch64": (0xC00000B7, 198, 425, 277)}
_AF_UNIX = 1
_EACCES = 13


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> bool:
    """Forbid this process (all its threads) every non-Unix socket, for good; False where seccomp is unavailable."""
    spec = _SYSCALLS.get(platform.machine())
    if spec is None or not sys.platform.startswith("linux"):
        return False
    audit_arch, nr_socket, nr_io_uring, nr_seccomp = spec
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | _EACCES  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO
    program = [
        (ld, 0, 0, 4),  # 0: seccomp_data.arch
        (jeq, 1, 0, audit_arch),  # 1: native ABI -> 3
        (ret, 0, 0, deny),  # 2: a foreign ABI (32-bit compat) gets nothing
        (ld, 0, 0, 0),  # 3: seccomp_data.nr
        (jge, 6, 0, 0x40000000),  # 4: x32 ABI -> 11
        (jeq, 5, 0, nr_io_uring),  # 5: io_uring could open sockets behind the filter's back -> 11
        (jeq, 0, 3, nr_socket),  # 6: socket()? else -> 10
        (ld, 0, 0, 16),  # 7: args[0] (low word): the address family
        (jeq, 1, 0, _AF_UNIX),  # 8: AF_UNIX -> 10
        (ret, 0, 0, deny),  # 9
        (ret, 0, 0, allow),  # 10
        (ret, 0, 0, deny),  # 11
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *ins) for ins in program))
    fprog = _SockFprog(len(program), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: lets an unprivileged process install a filter
        return False
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, ...): every thread, including any started early.
    return bool(libc.syscall(nr_seccomp, 1, 1, ctypes.byref(fprog)) == 0)


def bind_to_parent(parent: int) -> None:
    """Die (SIGKILL) with the web process's thread that started us; exit now if it is already gone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


def limit_memory(megabytes: int) -> None:
    """Cap the address space: an allocation past it fails and the worker dies, instead of the machine swapping."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def serve(jobs: Connection, answers: Connection) -> None:
    """Answer jobs until the web process closes the pipe (or dies)."""
    import pyoxigraph as ox

    from catalogue.sparql_results import Answer, Job, execute

    # The answers travel as JSON, not pickle: the web process must not unpickle what a query process wrote.
    answers.send_bytes(json.dumps({"network_denied": deny_network()}).encode())
    store: ox.Store | None = None
    opened = ""
    while True:
        try:
            message = jobs.recv()
        except (EOFError, OSError):
            return
        if isinstance(message, str):  # open a snapshot ahead of the first query on it
            with contextlib.suppress(OSError):
                store, opened = ox.Store.read_only(message), message
            continue
        job: Job = message
        body = b""
        if store is None or job.snapshot != opened:
            try:
                store, opened = ox.Store.read_only(job.snapshot), job.snapshot
            except OSError as exc:
                answer = Answer("unavailable", message=f"the snapshot {job.snapshot} cannot be opened: {exc}")
                answers.send_bytes(json.dumps(asdict(answer)).encode())
                answers.send_bytes(body)
                continue
        answer, body = execute(store, job)
        answers.send_bytes(json.dumps(asdict(answer)).encode())
        answers.send_bytes(body)


if __name__ == "__main__":
    bind_to_parent(int(sys.argv[3]))
    limit_memory(int(sys.argv[4]))
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
