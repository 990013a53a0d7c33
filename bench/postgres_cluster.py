"""A throwaway PostgreSQL 15 cluster for benchmarks: 127.0.0.1 only, a free port, trust auth, stopped after.

    with private_cluster() as url:        # postgresql+psycopg://postgres@127.0.0.1:PORT/studies
        ...

Made the way tests/test_tuning_postgres.py makes its own: ``initdb`` into a temporary folder (run
as the ``postgres`` user via ``runuser`` when we are root, since the server refuses root),
``pg_ctl start`` with fsync off, ``createdb studies``; on exit ``pg_ctl stop -m fast`` and the
folder is removed. Raises `ClusterUnavailable` when the server cannot be made here.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL is not installed, or cannot be run as a non-root user here."""


def _as_server_user() -> tuple[list[str], int | None]:
    """The command prefix that runs PostgreSQL's tools, and the uid that must own its files."""
    if os.geteuid() != 0:
        return [], None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        raise ClusterUnavailable("running as root and there is no 'postgres' user to run the server as") from None
    runuser = shutil.which("runuser")
    if not runuser:
        raise ClusterUnavailable("running as root and 'runuser' is missing")
    return [runuser, "-u", "postgres", "--"], uid


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def private_cluster(database: str = "studies") -> Iterator[str]:
    """Start a private cluster, yield a SQLAlchemy URL to an empty ``database``, stop and delete it."""
    if not (PG_BIN / "initdb").exists():
        raise ClusterUnavailable(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing)")
    prefix, uid = _as_server_user()
    base = Path(tempfile.mkdtemp(prefix="pe-bench-pg-"))
    data, sockets, port = base / "data", base / "sock", _free_port()
    sockets.mkdir()
    if uid is not None:
        os.chown(base, uid, -1)
        os.chown(sockets, uid, -1)

    def tool(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, cwd=base)

    def check(step: subprocess.CompletedProcess, what: str) -> None:
        if step.returncode != 0:
            log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
            raise ClusterUnavailable(f"{what} failed: {step.stdout}{step.stderr}{log}")

    started = False
    try:
        check(tool(str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "--no-sync",
                   "-E", "UTF8", "--locale=C"), "initdb")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} -c fsync=off"
        started = True
        check(tool(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
                   "-o", options, "start"), "pg_ctl start")
        check(tool(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database),
              "createdb")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        if started:
            tool(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
