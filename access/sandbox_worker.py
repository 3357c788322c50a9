"""One project's query worker: `python -m access.sandbox_worker JOBS_FD ANSWERS_FD`.

The web process never runs a sandboxed query itself. Each project with an active entitlement gets a worker
process that owns the project's only DuckDB connection; the web process talks to it over two pipes (JSON
headers, Arrow IPC bodies: no pickle, so even a compromised worker cannot inject objects into the service).

Before it opens anything, the worker

1. installs a seccomp filter (x86_64 and aarch64 Linux): no sockets but Unix ones, no `execve`, no `io_uring`,
   and no file system writes at all (`open` with a write, create or truncate flag, `rename`, `unlink`, `mkdir`,
   `link`, `chmod`, `truncate`, ...). DuckDB's `allowed_paths` lets a connection *write* to an allowed file
   (`COPY ... TO '<approved file>' (USE_TMP_FILE false)` overwrites it: checked on duckdb 2.0.1), so without this
   filter a gate bypass could destroy hosted data. With it, the worker is read-only at the kernel level;
2. opens the project database read-only, lists exactly the approved files in `allowed_paths` (never a
   directory), turns external access, extension autoload / autoinstall, community extensions and Python
   replacement scans off, disables spilling (`temp_directory = ''`), sets the memory and thread limits, defines
   the pseudonym macro from the project key, and locks the configuration last.

Its data segment is capped (RLIMIT_DATA) at twice the DuckDB memory limit plus headroom, so allocations DuckDB
does not account for (one giant string) fail inside the worker too. It starts with a scrubbed environment (no
`FEDCAT_*` settings or secrets) and none of the service's file descriptors but its two pipes. The service keeps
one worker started ahead of need (a "spare" without a project), so an approval does not wait for an interpreter.

The query thread reads a job, runs it and answers it; the main thread only keeps the clock: at the deadline it
calls `con.interrupt()` on the same connection. If the query ignores that for the grace period, the worker
answers "timeout" and exits, and the web process starts a fresh one; if the worker stops answering altogether,
the web process kills it (see `WorkerHandle.call`). SIGUSR1 interrupts the running query at once: revocation
uses it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# -- the seccomp filter ----------------------------------------------------------------------------------------

_EACCES = 13
_SECCOMP_ALLOW, _SECCOMP_ERRNO = 0x7FFF0000, 0x00050000
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, JMP|JSET|K, RET|K
# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE: any of them makes an open a write.
_WRITE_FLAGS = 0x1 | 0x2 | 0x40 | 0x200 | 0x400 | 0x400000
_AF_UNIX = 1


@dataclass(frozen=True)
class _Arch:
    audit: int
    seccomp: int
    socket: int
    openat: int
    open: int | None  # the legacy open(2) (x86_64 only)
    denied: tuple[int, ...]  # refused outright


_ARCHES = {
    "x86_64": _Arch(
        audit=0xC000003E,
        seccomp=317,
        socket=41,
        openat=257,
        open=2,
        # creat rename renameat renameat2 unlink unlinkat mkdir mkdirat rmdir mknod mknodat link linkat symlink
        # symlinkat truncate chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat execve execveat
        # openat2 (flags hidden in a struct) open_by_handle_at io_uring_setup
        denied=(
            *(85, 82, 264, 316, 87, 263, 83, 258, 84, 133, 259, 86, 265, 88, 266, 76, 90, 91, 268, 452),
            *(92, 93, 94, 260, 59, 322, 437, 304, 425),
        ),
    ),
    "aarch64": _Arch(
        audit=0xC00000B7,
        seccomp=277,
        socket=198,
        openat=56,
        open=None,
        # renameat renameat2 unlinkat mkdirat mknodat linkat symlinkat truncate fchmod fchmodat fchmodat2
        # fchown fchownat execve execveat openat2 open_by_handle_at io_uring_setup
        denied=(38, 276, 35, 34, 33, 37, 36, 45, 52, 53, 452, 55, 54, 221, 281, 437, 265, 425),
    ),
}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _filter_program(arch: _Arch) -> list[tuple[int, int, int, int]]:
    """The BPF program: labels resolved into the relative jumps BPF wants."""
    deny = _SECCOMP_ERRNO | _EACCES
    code: list[tuple[int, int | str, int, int]] = [
        (_LD, 0, 0, 4),  # seccomp_data.arch
        (_JEQ, 1, 0, arch.audit),
        (_RET, 0, 0, deny),  # a foreign ABI (32-bit compat) gets nothing
        (_LD, 0, 0, 0),  # seccomp_data.nr
        (_JGE, "deny", 0, 0x40000000),  # the x32 ABI
    ]
    code += [(_JEQ, "deny", 0, nr) for nr in arch.denied]
    code.append((_JEQ, "openat", 0, arch.openat))
    if arch.open is not None:
        code.append((_JEQ, "open", 0, arch.open))
    code.append((_JEQ, "socket", 0, arch.socket))
    code.append((_RET, 0, 0, _SECCOMP_ALLOW))
    labels: dict[str, int] = {}
    labels["openat"] = len(code)
    code += [(_LD, 0, 0, 16 + 8 * 2), (_JSET, "deny", 0, _WRITE_FLAGS), (_RET, 0, 0, _SECCOMP_ALLOW)]
    labels["open"] = len(code)
    code += [(_LD, 0, 0, 16 + 8 * 1), (_JSET, "deny", 0, _WRITE_FLAGS), (_RET, 0, 0, _SECCOMP_ALLOW)]
    labels["socket"] = len(code)
    code += [(_LD, 0, 0, 16), (_JEQ, 1, 0, _AF_UNIX), (_RET, 0, 0, deny), (_RET, 0, 0, _SECCOMP_ALLOW)]
    labels["deny"] = len(code)
    code.append((_RET, 0, 0, deny))
    program = []
    for pc, (op, target, jf, k) in enumerate(code):
        jt = labels[target] - pc - 1 if isinstance(target, str) else target
        program.append((op, jt, jf, k))
    return program


def confine() -> bool:
    """Make this process (all threads) read-only on the file system and offline; False where unavailable."""
    arch = _ARCHES.get(platform.machine())
    if arch is None or not sys.platform.startswith("linux"):
        return False
    program = _filter_program(arch)
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *ins) for ins in program))
    fprog = _SockFprog(len(program), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: lets an unprivileged process install a filter
        return False
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, ...): every thread, including any started early.
    return bool(libc.syscall(arch.seccomp, 1, 1, ctypes.byref(fprog)) == 0)


# -- the worker process ----------------------------------------------------------------------------------------

_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
_UNITS["TIB"] = 2**40
# What the interpreter, pyarrow and a capped result need on top of DuckDB's own limit.
_HEADROOM = 512 * 10**6


def limit_memory(memory_limit: str) -> int | None:
    """Cap the process's data segment (RLIMIT_DATA) at twice DuckDB's limit plus headroom; the cap in bytes.

    DuckDB's `memory_limit` governs its buffer manager, not every allocation: one huge string
    (`lpad('x', 2000000000, 'y')`) is allocated outside it. With this cap such an allocation fails inside the
    worker (DuckDB reports "Out of Memory Error: Allocation failure") instead of taking memory from the node.
    """
    import re
    import resource

    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$", memory_limit)
    if not match or match.group(2).upper() not in _UNITS:
        return None
    cap = int(float(match.group(1)) * _UNITS[match.group(2).upper()]) * 2 + _HEADROOM
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    except (ValueError, OSError):
        return None
    return cap


def _connect(spec: dict[str, Any]) -> Any:
    """The hardened, locked connection described by `spec` (see the module docstring for the order)."""
    import duckdb

    from access.pseudonyms import macro_sql

    con = duckdb.connect(
        spec["database"],
        read_only=True,
        config={
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
            "allow_community_extensions": False,
            "python_enable_replacements": False,
            "temp_directory": "",  # no spilling: a query over the memory limit fails instead of filling a disk
            "threads": spec["threads"],
        },
    )
    # allowed_paths can only be set while external access is still on, so it comes first.
    con.execute("SET allowed_paths = ?", [spec["allowed_paths"]])
    con.execute("SET enable_external_access = false")
    con.execute("SET memory_limit = ?", [spec["memory_limit"]])
    con.execute(macro_sql(bytes.fromhex(spec["key"])))
    con.execute("SET lock_configuration = true")
    return con


class _Redactor:
    """Takes secrets and server paths out of DuckDB's error messages before they reach the user."""

    def __init__(self, spec: dict[str, Any]) -> None:
        key = spec["key"]
        self.secrets = [key, key.upper()]
        paths = [spec["database"], *spec["allowed_paths"]]
        # Longest first, so a file's path is replaced before its folder's.
        self.paths = sorted({*paths, *(str(Path(p).parent) for p in paths)}, key=len, reverse=True)

    def __call__(self, message: str) -> str:
        for secret in self.secrets:
            message = message.replace(secret, "<key>")
        for path in self.paths:
            message = message.replace(path, "<hosted data>")
        return message[:2000]


def _execute(con: Any, sql: str, max_rows: int, max_bytes: int) -> tuple[bytes, list[list[str]], int, bool]:
    """Run `sql`, keep at most `max_rows` rows and about `max_bytes`; Arrow IPC, column types, rows, cut or not."""
    import pyarrow as pa

    relation = con.sql(sql)
    columns = [[name, str(kind)] for name, kind in zip(relation.columns, relation.types, strict=True)]
    reader = relation.to_arrow_reader(2048)
    try:
        batches, rows, size, truncated = [], 0, 0, False
        for batch in reader:
            room = max_rows - rows
            if size + batch.nbytes > max_bytes:  # wide rows: cut at a row boundary within the byte budget
                room = min(room, int((max_bytes - size) / max(1, batch.nbytes / max(1, batch.num_rows))))
            if batch.num_rows > room:
                batches.append(batch.slice(0, max(0, room)))
                rows, truncated = rows + max(0, room), True
                break
            batches.append(batch)
            rows, size = rows + batch.num_rows, size + batch.nbytes
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, reader.schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    finally:
        reader.close()  # a half-read result would keep the connection busy for the next query
    return sink.getvalue().to_pybytes(), columns, rows, truncated


class _Clock:
    """What the query thread tells the main thread: which job runs and until when."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.job = 0  # increases with every job; 0 while none has run
        self.deadline: float | None = None  # set while a job runs
        self.timed_out = False
        self.revoked = False
        self.closed = False
        self.send = threading.Lock()  # one writer on the answer pipe at a time


def _answer(answers: Connection, header: dict[str, Any], body: bytes = b"") -> None:
    answers.send_bytes(json.dumps(header).encode())
    answers.send_bytes(body)


def _queries(con: Any, jobs: Connection, answers: Connection, clock: _Clock, redact: _Redactor) -> None:
    """The query thread: read a job, run it, answer it. It alone touches the pipes while the worker is healthy,
    so a query costs no hand-over between threads; the main thread only keeps the clock beside it.
    """
    import duckdb

    while True:
        try:
            job = json.loads(jobs.recv_bytes())
        except (EOFError, OSError):
            break
        started = time.monotonic()
        with clock.cond:
            clock.job += 1
            clock.deadline, clock.timed_out, clock.revoked = started + float(job["timeout"]), False, False
            clock.cond.notify()
        try:
            body, columns, rows, truncated = _execute(con, job["sql"], int(job["max_rows"]), int(job["max_bytes"]))
            header: dict[str, Any] = {"ok": True, "columns": columns, "rows": rows, "truncated": truncated}
        except BaseException as error:  # every failure is reported, none kills the worker
            body = b""
            if clock.revoked:
                kind = "interrupted"
            elif clock.timed_out or isinstance(error, duckdb.InterruptException):
                kind = "timeout"
            elif isinstance(error, duckdb.OutOfMemoryException):
                kind = "memory"
            elif isinstance(error, duckdb.Error):
                kind = "failed"
            else:
                kind = "internal"
            header = {"ok": False, "kind": kind, "message": redact(str(error))}
        with clock.cond:
            clock.deadline = None
            clock.cond.notify()
        header["seconds"] = time.monotonic() - started
        with clock.send:
            _answer(answers, header, body)
    with clock.cond:
        clock.closed = True
        clock.cond.notify()


def _keep_time(con: Any, answers: Connection, clock: _Clock, grace: float) -> None:
    """The main thread: interrupt a query at its deadline on the same connection; leave if it will not stop."""
    with clock.cond:
        while not clock.closed:
            if clock.deadline is None:
                clock.cond.wait()
                continue
            remaining = clock.deadline - time.monotonic()
            if remaining > 0:
                clock.cond.wait(remaining)
                continue
            job = clock.job
            clock.timed_out = True
            con.interrupt()  # the same connection: the query stops, the worker stays

            def stopped(job: int = job) -> bool:
                return clock.deadline is None or clock.job != job or clock.closed

            if not clock.cond.wait_for(stopped, grace):  # deaf to the interrupt
                clock.send.acquire()  # the query thread may not answer any more: this process is leaving
                message = "the query ignored the interrupt"
                _answer(answers, {"ok": False, "kind": "timeout", "message": message, "exiting": True})
                os._exit(75)


def serve(jobs: Connection, answers: Connection) -> None:
    """The worker's life: confine itself, open the connection, answer jobs until the pipe closes."""
    # Everything the worker needs is imported before the filter goes on (no byte-code caches written later).
    import duckdb  # noqa: F401
    import pyarrow.ipc  # noqa: F401

    import access.pseudonyms  # noqa: F401

    try:
        spec = json.loads(jobs.recv_bytes())
    except (EOFError, OSError):
        return
    confined = confine() if spec.get("confine", True) else False
    limit_memory(spec["memory_limit"])
    try:
        con = _connect(spec)
    except Exception as exc:
        _answer(answers, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    clock = _Clock()

    def interrupt(_signum: int, _frame: Any) -> None:
        clock.revoked = True
        con.interrupt()

    # Signals reach the main thread, which waits in `_keep_time` and so handles them at once.
    signal.signal(signal.SIGUSR1, interrupt)
    _answer(answers, {"ready": True, "confined": confined, "pid": os.getpid()})
    thread = threading.Thread(
        target=_queries, args=(con, jobs, answers, clock, _Redactor(spec)), name="sandbox-query", daemon=True
    )
    thread.start()
    _keep_time(con, answers, clock, float(spec["grace_seconds"]))


# -- the web process's side ------------------------------------------------------------------------------------


_ENVIRONMENT = frozenset({"PATH", "LANG", "TZ", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "TMPDIR"})


class WorkerGone(Exception):
    """The worker died, was killed, or stopped answering."""

    def __init__(self, message: str, *, hung: bool = False) -> None:
        super().__init__(message)
        self.hung = hung


class WorkerHandle:
    """One worker process and the web process's ends of its pipes; used by one query at a time."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.process: subprocess.Popen[bytes] | None = None
        self.jobs: Connection | None = None
        self.answers: Connection | None = None
        self.ready: dict[str, Any] | None = None

    def start(self) -> None:
        """Start the process (and send its spec, if it has one); it gets ready while the caller goes on.

        Without a spec the process imports DuckDB and waits: a warm spare that `assign` gives a project later,
        so an approval does not wait for a Python interpreter to start.
        """
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        # The worker gets no more of the service's environment than an interpreter needs (no FEDCAT_* secrets)
        # and, as Popen does by default, none of its other file descriptors.
        environment = {k: v for k, v in os.environ.items() if k in _ENVIRONMENT or k.startswith("LC_")}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "access.sandbox_worker", str(jobs_r), str(answers_w)],
                pass_fds=(jobs_r, answers_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environment,
            )
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        self.jobs = Connection(jobs_w, readable=False)
        self.answers = Connection(answers_r, writable=False)
        if self.spec is not None:
            self.assign(self.spec)

    def assign(self, spec: dict[str, Any]) -> None:
        """Give a started worker its project: it confines itself, opens the database and says it is ready."""
        assert self.jobs is not None
        self.spec = spec
        self.jobs.send_bytes(json.dumps(spec).encode())

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        """The worker's hello (`confined`, `pid`); `WorkerGone` when it failed to start."""
        if self.ready is None:
            header, _ = self._receive(timeout)
            if not header.get("ready"):
                raise WorkerGone(f"the query worker could not start: {header.get('error', 'no reason given')}")
            self.ready = header
        return self.ready

    def call(
        self, sql: str, *, max_rows: int, timeout: float, grace: float, max_bytes: int = 64 * 2**20
    ) -> tuple[dict[str, Any], bytes]:
        """Run one query; the answer header and body. The worker enforces `timeout` itself, this waits longer."""
        self.wait_ready(timeout + grace)
        assert self.jobs is not None
        job = {"sql": sql, "max_rows": max_rows, "max_bytes": max_bytes, "timeout": timeout}
        try:
            self.jobs.send_bytes(json.dumps(job).encode())
        except OSError as exc:
            raise WorkerGone(f"the query worker is gone ({exc})") from exc
        # The worker interrupts at `timeout` and gives up `grace` later; one more second covers its answer.
        return self._receive(timeout + grace + 1.0)

    def _receive(self, timeout: float) -> tuple[dict[str, Any], bytes]:
        assert self.answers is not None
        try:
            if not self.answers.poll(timeout):
                self.kill()
                raise WorkerGone("the query worker stopped answering and was stopped", hung=True)
            header = json.loads(self.answers.recv_bytes())
            body = self.answers.recv_bytes()
        except (EOFError, OSError, ValueError) as exc:
            raise WorkerGone(f"the query worker stopped ({type(exc).__name__})") from exc
        return header, body

    def interrupt(self) -> None:
        """Interrupt the running query now (SIGUSR1 -> `con.interrupt()`); safe from any thread."""
        if self.alive() and self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGUSR1)

    def kill(self) -> None:
        """Stop the process for good (SIGKILL); safe from any thread, the pipes stay open until `close`."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()

    def close(self, grace: float = 1.0) -> None:
        """Ask the worker to leave (its job pipe closes), kill it if it lingers, release the pipes."""
        if self.jobs is not None:
            self.jobs.close()
        if self.process is not None:
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.answers is not None:
            self.answers.close()
        self.jobs = self.answers = None


def main(argv: list[str]) -> None:
    """Entry point of the worker process."""
    jobs = Connection(int(argv[0]), writable=False)
    answers = Connection(int(argv[1]), readable=False)
    # The web process owns Ctrl-C; the worker leaves when its pipe closes or it is killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(jobs, answers)


if __name__ == "__main__":
    main(sys.argv[1:])
