"""Shared pieces of the access tests: a node with restricted datasets of two publishers, its users, tokens,
and the app served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import tomlkit
import uvicorn
from typer.testing import CliRunner

from catalogue.api import create_app
from catalogue.cli import app as cli_app
from catalogue.config import Settings, load_settings
from catalogue.nodehome import init_home

PASSWORD = "correct horse battery staple"
HOSPITAL = "Centre Hospitalier de Luxembourg"  # stewards name this publisher by its name
STATEC_IRI = "https://data.example.lu/org/statec"  # ... and this one by its IRI

CATALOGUE = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix odrl: <http://www.w3.org/ns/odrl/2/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix ar: <http://publications.europa.eu/resource/authority/access-right/> .

<https://data.example.lu/ds/stays> a dcat:Dataset ; dct:title "Hospital stays"@en ; dct:description "Stays."@en ;
  dct:publisher <https://data.example.lu/org/chl> ; dct:accessRights ar:NON_PUBLIC ;
  dct:conformsTo obo:DUO_0000006, obo:DUO_0000046 ;
  odrl:hasPolicy <https://data.example.lu/policy/stays> .
<https://data.example.lu/org/chl> a foaf:Agent ; foaf:name "{HOSPITAL}"@en .
<https://data.example.lu/policy/stays> a odrl:Offer ;
  odrl:permission [ odrl:action odrl:use ;
    odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:isAnyOf ;
                      odrl:rightOperand obo:DUO_0000006 ] ] ;
  odrl:prohibition [ odrl:action odrl:use ;
    odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:isA ; odrl:rightOperand obo:DUO_0000011 ] ] .

<https://data.example.lu/ds/census> a dcat:Dataset ; dct:title "Census microdata"@en ; dct:description "Census."@en ;
  dct:publisher <{STATEC_IRI}> ; dct:accessRights ar:RESTRICTED ; dct:conformsTo obo:DUO_0000042 .
<{STATEC_IRI}> a foaf:Agent ; foaf:name "STATEC"@en .
"""
PUBLIC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://open.example.lu/ds/parks> a dcat:Dataset ; dct:title "Parks"@en ; dct:description "Parks."@en .
"""
USERS = {
    "alice": ("scientist", []),
    "bob": ("scientist", []),
    "mallory": ("scientist", []),
    "sam": ("steward", [HOSPITAL]),
    "sue": ("steward", [STATEC_IRI]),
    "carl": ("steward", [HOSPITAL]),  # also a member of alice's projects: must never decide them
    "ada": ("admin", []),
}


def cli(home: Path, *args: str, input: str | None = None) -> Any:
    """Run a `fedcat` command against `home`."""
    result = CliRunner().invoke(cli_app, [*args, "--home", str(home)], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def configure(home: Path, **access: Any) -> None:
    """Set keys of `[access]` (and `base_url` when given) in the node's fedcat.toml."""
    path = home / "fedcat.toml"
    doc = tomlkit.parse(path.read_text())
    if "base_url" in access:
        doc["base_url"] = access.pop("base_url")
    table = doc.get("access") or tomlkit.table()
    for key, value in access.items():
        table[key] = value
    doc["access"] = table
    path.write_text(tomlkit.dumps(doc))


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def build_node(home: Path, database_url: str | None = None, *, users: bool = True) -> dict[str, str]:
    """A harvested node with two restricted datasets and a public one; returns their public ids."""
    init_home(home)
    if database_url:
        configure(home, database_url=database_url)
    (home / "restricted.ttl").write_text(CATALOGUE)
    (home / "public.ttl").write_text(PUBLIC)
    assert (
        cli(
            home,
            "sources",
            "add",
            "secret",
            "--kind",
            "dcat",
            "--url",
            (home / "restricted.ttl").as_uri(),
            "--restricted",
        ).exit_code
        == 0
    )
    assert cli(home, "sources", "add", "open", "--kind", "dcat", "--url", (home / "public.ttl").as_uri()).exit_code == 0
    assert cli(home, "harvest").exit_code == 0
    if users:
        for name, (role, publishers) in USERS.items():
            args = ["users", "add", name, "--role", role]
            for p in publishers:
                args += ["--publisher", p]
            result = cli(home, *args, input=PASSWORD + "\n")
            assert result.exit_code == 0, result.output
    from catalogue.records import dataset_id

    return {
        "stays": dataset_id("secret", "https://data.example.lu/ds/stays"),
        "census": dataset_id("secret", "https://data.example.lu/ds/census"),
        "parks": dataset_id("open", "https://open.example.lu/ds/parks"),
    }


class LiveNode:
    """The node's app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.sock = sock
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    @property
    def runtime(self) -> Any:
        return self.app.state.access

    def start(self) -> LiveNode:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)

    def token(self, username: str, scope: str | None = None, **extra: Any) -> str:
        """An access token for `username` from the node's own issuer, on the node's (possibly moved) clock."""
        from access.accounts import API_SCOPES, OPERATOR_CLIENT, publishers_of, user_by_name

        runtime = self.runtime
        with runtime.db.session() as session:
            user = user_by_name(session, username)
            token, _ = runtime.issuer.access_token(
                subject=user.subject,
                client_id=OPERATOR_CLIENT,
                scope=scope if scope is not None else " ".join(API_SCOPES),
                roles=[user.role],
                publishers=publishers_of(session, user),
                username=username,
                **extra,
            )
        return token

    def set_clock(self, moment: datetime | None) -> None:
        """Freeze the node's clock at `moment` (None: the wall clock again)."""
        from access.runtime import utcnow

        self.runtime.clock = (lambda: moment) if moment is not None else utcnow


@contextmanager
def live(home: Path, **overrides: Any) -> Iterator[LiveNode]:
    """Serve the node at `home` on a free loopback port, with `base_url` set to where it listens."""
    sock = free_socket()
    host, port = sock.getsockname()[:2]
    configure(home, base_url=f"http://{host}:{port}", **overrides)
    node = LiveNode(load_settings(home), sock).start()
    try:
        yield node
    finally:
        node.stop()
        sock.close()
