"""`fedcat backup` / `fedcat restore`: a node copied while `fedcat serve` answers searches, restored into a fresh
home and served again: same searches, same SPARQL counts, the audit log verifies, old tokens still work."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.access_support import HOSPITAL, build_node, cli
from tests.pg import postgres  # noqa: F401  (the session's PostgreSQL server fixture)
from tests.servers import LoopbackServer

UDATA = "udata/udata/harvest/tests/dcat"
QUERIES: list[dict[str, Any]] = [
    {},
    {"q": "dataset"},
    {"q": "hospital stays"},
    {"q": "parks"},
    {"sort": "title"},
    {"q": "dataset", "page_size": 2, "page": 2},
]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
STAYS_CSV = "age,ward,diagnosis\n" + "".join(f"{20 + i % 60},{'ABC'[i % 3]},I{i % 9}\n" for i in range(200))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """`fedcat serve` running for real in a subprocess."""

    home: Path
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def serve(home: Path, port: int | None = None) -> Served:
    """Start `fedcat serve` on `home` and wait until it answers."""
    port = port or _free_port()
    log = (home.parent / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "serve", "--port", str(port), "--home", str(home)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"fedcat serve exited: {(home.parent / f'serve-{port}.log').read_text()}"
        try:
            if httpx.get(f"{url}/api/version", timeout=2).status_code == 200:
                return Served(home, url, process)
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "fedcat serve did not start within 60 s"
        time.sleep(0.2)


def token(home: Path, username: str) -> str:
    result = cli(home, "token", "issue", username)
    assert result.exit_code == 0, result.output
    return str(result.output.strip().splitlines()[-1])


def searches(url: str) -> list[dict[str, Any]]:
    """What the node answers to QUERIES: ids in order, totals and facet counts."""
    answers = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for params in QUERIES:
            response = client.get("/api/datasets", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            answers.append(
                {
                    "total": body["total"],
                    "ids": [item["id"] for item in body["items"]],
                    "scores": [item["score"] and round(item["score"], 6) for item in body["items"]],
                    "facets": body["facets"],
                }
            )
    return answers


def said(result: Any) -> str:
    """A command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def restricted_searches(home: Path) -> list[dict[str, Any]]:
    """`fedcat search --include-restricted`: the operator's view of the index, restricted records included."""
    answers = []
    for words in ("", "hospital", "census microdata"):
        result = cli(home, "search", words, "--include-restricted", "--json")
        assert result.exit_code == 0, result.output
        answers.append(json.loads(result.output))
    return answers


def quad_count(url: str) -> int:
    response = httpx.post(
        f"{url}/sparql", data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@dataclass
class Origin:
    """The node that gets backed up, served while that happens."""

    home: Path
    root: Path
    served: Served
    ids: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    request_id: str = ""


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory, reference: Path) -> Iterator[Origin]:
    root = tmp_path_factory.mktemp("backup")
    home = root / "node"
    ids = build_node(home)  # restricted and public sources, users (their creation is audited)
    source = LoopbackServer().start()
    try:
        source.route("/catalog", (reference / UDATA / "catalog.xml").read_bytes(), content_type="application/rdf+xml")
        url = f"{source.url}/catalog"
        added = cli(home, "sources", "add", "udata", "--kind", "dcat", "--url", url, "--allow-private-network")
        assert added.exit_code == 0, added.output
        harvested = cli(home, "harvest")
        assert harvested.exit_code == 0, harvested.output
    finally:
        source.stop()
    (root / "stays.csv").write_text(STAYS_CSV)
    hosted = cli(home, "data", "add", ids["stays"], str(root / "stays.csv"), "--access", "aggregate-only")
    assert hosted.exit_code == 0, hosted.output
    served = serve(home)  # base_url stays what the records were harvested under: tokens name it as issuer
    node = Origin(home, root, served, ids)
    try:
        node.tokens = {name: token(home, name) for name in ("alice", "sam")}
        with httpx.Client(base_url=served.url, timeout=30) as client:
            alice = {"Authorization": f"Bearer {node.tokens['alice']}"}
            project = client.post(
                "/api/projects", json={"title": "Stays", "purpose": "Readmissions."}, headers=alice
            ).json()
            body = {
                "project_id": project["id"],
                "datasets": [ids["stays"]],
                "purpose": "Readmission rates after cardiac surgery.",
                "duo_codes": ["DS", "NCU"],
                "legal_basis": "GDPR Art. 9(2)(j) scientific research",
                "accept_terms": True,
            }
            created = client.post("/api/access-requests", json=body, headers=alice)
            assert created.status_code == 201, created.text
            node.request_id = created.json()["id"]
            assert client.post(f"/api/access-requests/{node.request_id}/submit", headers=alice).status_code == 200
            decided = client.post(
                f"/api/access-requests/{node.request_id}/decision",
                json={"decision": "approve", "reason": "fine"},
                headers={"Authorization": f"Bearer {node.tokens['sam']}"},
            )
            assert decided.status_code == 200 and decided.json()["state"] == "approved", decided.text
        yield node
    finally:
        served.stop()


def test_backup_while_serving_restores_the_same_node(origin: Origin) -> None:
    backup_dir = origin.root / "backup-1"
    before = searches(origin.served.url)
    before_restricted = restricted_searches(origin.home)
    quads_before = quad_count(origin.served.url)
    assert before[0]["total"] == 5 and quads_before > 0  # parks and the four udata datasets
    assert any(HOSPITAL in json.dumps(a) for a in before_restricted)  # the operator sees the restricted records

    # Searches keep arriving while the backup runs; every one of them must be answered.
    stop, statuses = threading.Event(), []

    def hammer() -> None:
        with httpx.Client(base_url=origin.served.url, timeout=30) as client:
            while not stop.is_set():
                for params in QUERIES:
                    statuses.append(client.get("/api/datasets", params=params).status_code)
                statuses.append(client.post("/sparql", data={"query": COUNT}).status_code)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        while len(statuses) < 10:
            time.sleep(0.05)
        in_flight = len(statuses)
        result = cli(origin.home, "backup", str(backup_dir))
        during = len(statuses) - in_flight
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
    assert result.exit_code == 0, result.output
    assert during > 0 and set(statuses) == {200}, (during, set(statuses))

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    parts = manifest["components"]
    assert parts["graph"]["from"] == "store" and parts["index"]["rebuild"] is False
    assert parts["database"]["kind"] == "sqlite" and parts["database"]["audit"]["ok"] is True
    assert parts["database"]["audit"]["events"] >= 10  # users, tokens, the request, its submission and decision
    assert f"files/data/{origin.ids['stays']}/hosted.json" in manifest["files"]
    assert f"files/quality/suites/{origin.ids['stays']}.json" in manifest["files"]
    assert not any(rel.startswith(("files/snapshots", "files/store", "files/index")) for rel in manifest["files"])

    restored = origin.root / "restored"
    result = cli(restored, "restore", str(backup_dir))
    assert result.exit_code == 0, result.output
    assert "audit log verified" in said(result)

    # Keys, hosted data and suites come back byte for byte, private keys still private.
    for folder in ("keys", "data", "quality/suites", "runs", "state"):
        originals = sorted(p for p in (origin.home / folder).rglob("*") if p.is_file())
        assert originals, folder
        for path in originals:
            assert (restored / path.relative_to(origin.home)).read_bytes() == path.read_bytes(), path
    pems = sorted((restored / "keys").glob("*.pem"))
    assert pems and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in pems)

    verified = cli(restored, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    head = parts["database"]["audit"]
    assert f"head {head['head_seq']}:{head['head_hash']}" in verified.output

    again = serve(restored)
    try:
        assert searches(again.url) == before
        assert restricted_searches(restored) == before_restricted
        assert quad_count(again.url) == quads_before
        # A token signed before the backup verifies on the restored node, which still knows alice's request.
        mine = httpx.get(
            f"{again.url}/api/access-requests",
            headers={"Authorization": f"Bearer {origin.tokens['alice']}"},
            timeout=30,
        )
        assert mine.status_code == 200, mine.text
        assert origin.request_id in mine.text
        listed = cli(restored, "data", "list")
        assert listed.exit_code == 0 and origin.ids["stays"] in listed.output
    finally:
        again.stop()


def test_restore_refuses_missing_tampered_or_truncated_backups(origin: Origin) -> None:
    good = origin.root / "backup-2"
    assert cli(origin.home, "backup", str(good)).exit_code == 0
    target = origin.root / "never"

    missing = cli(target, "restore", str(origin.root / "no-such-backup"))
    assert missing.exit_code == 2 and "backup-invalid" in said(missing) and "does not exist" in said(missing)

    interrupted = origin.root / "interrupted"
    shutil.copytree(good, interrupted)
    (interrupted / "manifest.json").unlink()
    result = cli(target, "restore", str(interrupted))
    assert result.exit_code == 2 and "no manifest.json" in said(result)

    tampered = origin.root / "tampered"
    shutil.copytree(good, tampered)
    toml = tampered / "files" / "fedcat.toml"
    text = toml.read_text()
    toml.write_text(text.replace("fedcat", "fedcaT", 1))  # same size, other bytes
    result = cli(target, "restore", str(tampered))
    assert result.exit_code == 2, result.output
    assert "files/fedcat.toml does not match its checksum" in said(result)

    truncated = origin.root / "truncated"
    shutil.copytree(good, truncated)
    sst = max((truncated / "graph").glob("*.sst"), key=lambda p: p.stat().st_size)
    with sst.open("r+b") as handle:
        handle.truncate(sst.stat().st_size // 2)
    result = cli(target, "restore", str(truncated))
    assert result.exit_code == 2 and "truncated" in said(result)

    extra = origin.root / "extra"
    shutil.copytree(good, extra)
    (extra / "files" / "keys" / "planted.pem").write_text("not ours")
    result = cli(target, "restore", str(extra))
    assert result.exit_code == 2 and "planted.pem is not in the manifest" in said(result)

    escaping = origin.root / "escaping"
    shutil.copytree(good, escaping)
    manifest = json.loads((escaping / "manifest.json").read_text())
    manifest["files"]["files/../../escaped.txt"] = {"size": 1, "sha256": "0" * 64}
    (escaping / "manifest.json").write_text(json.dumps(manifest))
    result = cli(target, "restore", str(escaping))
    assert result.exit_code == 2 and "outside the backup's components" in said(result)
    del manifest["components"]["graph"]
    (escaping / "manifest.json").write_text(json.dumps(manifest))
    result = cli(target, "restore", str(escaping))
    assert result.exit_code == 2 and "does not describe the components graph" in said(result)
    (escaping / "manifest.json").write_text("{not json")
    result = cli(target, "restore", str(escaping))
    assert result.exit_code == 2 and "unreadable" in said(result)

    assert not target.exists()  # nothing was written anywhere for any of them
    assert not list(origin.root.glob(".never.*"))

    checked = cli(target, "restore", str(good), "--check")
    assert checked.exit_code == 0 and "intact" in said(checked) and not target.exists()


def test_restore_refuses_a_non_empty_home_unless_forced(origin: Origin) -> None:
    good = origin.root / "backup-3"
    assert cli(origin.home, "backup", str(good)).exit_code == 0
    occupied = origin.root / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("the operator's own file")
    result = cli(occupied, "restore", str(good))
    assert result.exit_code == 2 and "target-not-empty" in said(result) and "--force" in said(result)
    assert (occupied / "notes.txt").read_text() == "the operator's own file" and len(list(occupied.iterdir())) == 1

    toml_before = (origin.home / "fedcat.toml").read_bytes()
    result = cli(origin.home, "restore", str(good))  # onto the serving node itself
    assert result.exit_code == 2 and "not empty" in said(result)
    assert (origin.home / "fedcat.toml").read_bytes() == toml_before

    result = cli(occupied, "restore", str(good), "--force")
    assert result.exit_code == 0, result.output
    assert not (occupied / "notes.txt").exists() and (occupied / "fedcat.toml").read_bytes() == toml_before
    assert cli(occupied, "audit", "verify").exit_code == 0


def test_backup_refuses_bad_targets_and_remote_stores(origin: Origin, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "photo.jpg").write_bytes(b"\xff\xd8")
    result = cli(origin.home, "backup", str(busy))
    assert result.exit_code == 2 and "no fedcat backup" in said(result)
    assert [p.name for p in busy.iterdir()] == ["photo.jpg"]

    previous = tmp_path / "previous"
    assert cli(origin.home, "backup", str(previous)).exit_code == 0
    stamp = json.loads((previous / "manifest.json").read_text())["created_at"]
    result = cli(origin.home, "backup", str(previous))
    assert result.exit_code == 2 and "--replace" in said(result)
    time.sleep(1.1)
    assert cli(origin.home, "backup", str(previous), "--replace").exit_code == 0
    assert json.loads((previous / "manifest.json").read_text())["created_at"] != stamp
    assert not list(tmp_path.glob(".previous.*"))  # no staging or old copy left behind

    inside = cli(origin.home, "backup", str(origin.home / "backups" / "today"))
    assert inside.exit_code == 2 and "inside the node's home" in said(inside)
    assert not (origin.home / "backups").exists()

    remote = tmp_path / "remote"
    cli(remote, "init")
    with (remote / "fedcat.toml").open("a") as handle:
        handle.write('\n[store]\nbackend = "sparql"\nquery_url = "http://127.0.0.1:9/sparql"\n')
    text = (remote / "fedcat.toml").read_text().replace('[store]\nbackend = "oxigraph"\n', "", 1)
    (remote / "fedcat.toml").write_text(text)
    result = cli(remote, "backup", str(tmp_path / "remote-backup"))
    assert result.exit_code == 2 and "remote SPARQL store" in said(result)
    assert not (tmp_path / "remote-backup").exists()

    nowhere = cli(tmp_path / "no-node", "backup", str(tmp_path / "b"))
    assert nowhere.exit_code == 2 and "no node at" in said(nowhere)


def test_postgresql_node_round_trip(postgres: Any, tmp_path: Path) -> None:  # noqa: F811
    home = tmp_path / "pgnode"
    build_node(home, postgres.database())
    alice = token(home, "alice")
    verified = cli(home, "audit", "verify")
    assert verified.exit_code == 0
    backup_dir = tmp_path / "pg-backup"
    result = cli(home, "backup", str(backup_dir))
    assert result.exit_code == 0, result.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["components"]["database"]["kind"] == "postgresql"
    assert "files/database" not in json.dumps(manifest["files"])  # the dump is the database component

    # The restored fedcat.toml still names the original database: restoring into it is refused ...
    restored = tmp_path / "pg-restored"
    result = cli(restored, "restore", str(backup_dir))
    assert result.exit_code == 2 and "already has tables" in said(result)
    assert not restored.exists()
    # ... and a fresh database named by the environment receives it.
    fresh = postgres.database()
    env = {"FEDCAT_ACCESS__DATABASE_URL": fresh}
    from typer.testing import CliRunner

    from catalogue.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["restore", str(backup_dir), "--home", str(restored)], env=env)
    assert result.exit_code == 0, result.output
    verified_again = runner.invoke(app, ["audit", "verify", "--home", str(restored)], env=env)
    assert verified_again.exit_code == 0, verified_again.output
    assert verified_again.output.split("head ")[1] == verified.output.split("head ")[1]
    # Once more into that database, now holding the restored tables: only with --force, which replaces them.
    again = tmp_path / "pg-again"
    refused = runner.invoke(app, ["restore", str(backup_dir), "--home", str(again)], env=env)
    assert refused.exit_code == 2 and "already has tables" in said(refused) and not again.exists()
    forced = runner.invoke(app, ["restore", str(backup_dir), "--home", str(again), "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert runner.invoke(app, ["audit", "verify", "--home", str(again)], env=env).exit_code == 0
    from access.runtime import AccessRuntime
    from catalogue.config import load_settings

    os.environ["FEDCAT_ACCESS__DATABASE_URL"] = fresh
    try:
        runtime = AccessRuntime(load_settings(restored))
        claims = runtime.validator.validate(alice)  # signed by the original node before the backup
        runtime.close()
    finally:
        del os.environ["FEDCAT_ACCESS__DATABASE_URL"]
    assert claims is not None


def test_backup_during_a_harvest_copies_the_last_snapshot(tmp_path: Path, reference: Path) -> None:
    home = tmp_path / "busy"
    build_node(home, users=False)
    before = restricted_searches(home)
    release = threading.Event()
    body = (reference / "ckanext-dcat/examples/dcat/dataset_afs.ttl").read_bytes()

    def slow(request: Any) -> tuple[int, dict[str, str], bytes]:
        release.wait(60)  # the harvest holds the writer lock and the store while it waits for us
        return 200, {"Content-Type": "text/turtle"}, body

    source = LoopbackServer().start()
    source.route("/slow.ttl", slow)
    url = f"{source.url}/slow.ttl"
    assert cli(home, "sources", "add", "slow", "--kind", "dcat", "--url", url, "--allow-private-network").exit_code == 0
    harvest = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "harvest", "slow", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")},
    )
    try:
        deadline = time.monotonic() + 60
        while not any(hit.startswith("/slow.ttl") for hit in source.hits):
            assert harvest.poll() is None, harvest.communicate()[0]
            assert time.monotonic() < deadline, "the harvest never fetched its source"
            time.sleep(0.1)
        started = time.monotonic()
        result = cli(home, "backup", str(tmp_path / "during"), "--wait", "1")
        waited = time.monotonic() - started
    finally:
        release.set()
        output = harvest.communicate(timeout=120)[0]
        source.stop()
    assert result.exit_code == 0, result.output
    assert harvest.returncode == 0, output  # the harvest went on undisturbed
    assert waited < 30 and "rebuilt on restore" in said(result)
    parts = json.loads((tmp_path / "during" / "manifest.json").read_text())["components"]
    assert parts["graph"]["from"] == "snapshot" and parts["index"]["rebuild"] is True
    after = restricted_searches(home)
    assert after[0]["total"] == before[0]["total"] + 1  # the harvest added its dataset after the backup

    restored = tmp_path / "restored"
    result = cli(restored, "restore", str(tmp_path / "during"))
    assert result.exit_code == 0, result.output
    assert "(rebuilt)" in said(result) and "no workflow database" in said(result)
    assert restricted_searches(restored) == before  # the node as of its last complete write


def test_an_audit_log_that_cannot_be_checked_is_never_reported_verified(tmp_path: Path) -> None:
    import sqlite3

    home = tmp_path / "bare"
    assert cli(home, "init").exit_code == 0
    with sqlite3.connect(home / "fedcat.db") as con:  # a database without the workflow's tables
        con.execute("CREATE TABLE notes (text TEXT)")
        con.execute("INSERT INTO notes VALUES ('kept')")
    con.close()
    result = cli(home, "backup", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "did not verify when backed up" in said(result) and "audit log:" not in said(result)
    result = cli(tmp_path / "restored", "restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "audit log unchecked" in said(result) and "verified" not in said(result).replace("could not be verified", "")
    with sqlite3.connect(tmp_path / "restored" / "fedcat.db") as con:
        assert con.execute("SELECT text FROM notes").fetchall() == [("kept",)]
    con.close()
