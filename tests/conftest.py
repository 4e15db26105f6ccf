"""Shared fixtures: one extraction pipeline per test session."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def reader():
    """The process-wide NoteReader (medspaCy ConText + rule files), built once."""
    from screener.nlp.reader import default_reader

    return default_reader()


@pytest.fixture(scope="session")
def mtsamples_texts():
    """The transcriptions of the 321 MTSamples reports the repository ships (data/README.md):
    real prose of other specialties, none a pump candidate."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "mtsamples" / "mtsamples_first321.csv"
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["transcription"] for row in csv.DictReader(handle) if (row.get("transcription") or "").strip()]


def _postgres_bin(name):
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server (Debian's packages; `make postgres` installs them) started for
    this test session on a free loopback port, with an empty database; stopped afterwards.
    Skipped, with the reason, where the server binaries are not installed."""
    import os
    import pwd
    import socket
    import subprocess

    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: `make postgres` installs Debian's postgresql")
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[postgres]')")
    import shutil
    import tempfile

    # under /tmp itself, not pytest's private (0700) folder: the server runs as another user when we are root
    root = Path(tempfile.mkdtemp(prefix="screener-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chown(sockets, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    subprocess.run(run_as + [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"],
                   check=True, capture_output=True, env=env)
    log = root / "server.log"
    subprocess.run(run_as + [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                             f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off", "start"], check=True, capture_output=True,
                   env=env)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE screener_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/screener_test"
    finally:
        subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)
