"""Access benchmark: token validation, validated requests/s, request/decision throughput, JWKS refetches.

Run: `python benchmarks/access.py --size smoke|full`. It builds a node in a temporary directory (restricted
datasets of two publishers, harvested for real; a scientist and two stewards), then measures in-process:

* validations/s of `TokenValidator.validate` on an RS256 access token (allow-list, typ, kid, signature,
  claims, revocation check);
* validated requests/s: `GET /api/me` through the whole ASGI app (FastAPI, the bearer dependency, JSON) with
  httpx's ASGI transport and 8 concurrent callers;
* workflow cycles/s on SQLite and on a real PostgreSQL server (started as in the tests): create a request
  for two datasets of two publishers, submit it, and one decision by each publisher's steward, each step an
  HTTP call through the app;
* JWKS fetches caused by 100 tokens with unknown `kid`s against an external issuer on 127.0.0.1, within one
  cooldown.

Figures go to the "## Access" section of benchmarks/README.md (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.accounts import API_SCOPES, OPERATOR_CLIENT, add_user, publishers_of, user_by_name  # noqa: E402
from access.tokens import TokenValidator  # noqa: E402
from catalogue.api import create_app  # noqa: E402
from catalogue.config import load_settings  # noqa: E402
from catalogue.nodehome import init_home  # noqa: E402
from catalogue.records import dataset_id  # noqa: E402

SIZES = {
    "smoke": {"validations": 3000, "requests": 2000, "cycles": 30},
    "full": {"validations": 30000, "requests": 20000, "cycles": 300},
}
PUBLISHERS = ("https://data.example.lu/org/chl", "https://data.example.lu/org/statec")
console = Console()


def catalogue_ttl(n: int) -> str:
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> ."]
    lines.append("@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix obo: <http://purl.obolibrary.org/obo/> .")
    for i, pub in enumerate(PUBLISHERS):
        lines.append(f'<{pub}> a foaf:Agent ; foaf:name "Publisher {i}"@en .')
    for i in range(n):
        pub = PUBLISHERS[i % 2]
        lines.append(
            f'<https://data.example.lu/ds/{i}> a dcat:Dataset ; dct:title "Register {i}"@en ; '
            f'dct:description "d"@en ; dct:publisher <{pub}> ; dct:conformsTo obo:DUO_0000006 .'
        )
    return "\n".join(lines)


def build(home: Path, database_url: str | None) -> dict[str, str]:
    from typer.testing import CliRunner

    from catalogue.cli import app as cli

    init_home(home)
    if database_url:
        with (home / "fedcat.toml").open("a") as fh:
            fh.write(f'\n[access]\ndatabase_url = "{database_url}"\n')
    (home / "restricted.ttl").write_text(catalogue_ttl(20))
    runner = CliRunner()
    url = (home / "restricted.ttl").as_uri()
    for args in (["sources", "add", "secret", "--kind", "dcat", "--url", url, "--restricted"], ["harvest"]):
        result = runner.invoke(cli, [*args, "--home", str(home)])
        assert result.exit_code == 0, result.output
    return {
        "a": dataset_id("secret", "https://data.example.lu/ds/0"),
        "b": dataset_id("secret", "https://data.example.lu/ds/1"),
    }


def token(runtime: Any, username: str) -> str:
    with runtime.db.session() as session:
        user = user_by_name(session, username)
        value, _ = runtime.issuer.access_token(
            subject=user.subject,
            client_id=OPERATOR_CLIENT,
            scope=" ".join(API_SCOPES),
            roles=[user.role],
            publishers=publishers_of(session, user),
            username=username,
            lifetime=3600,
        )
    return value


def add_users(runtime: Any) -> None:
    with runtime.db.session() as session:
        now = runtime.now()
        add_user(session, "alice", role="scientist", password="bench password", now=now)
        add_user(session, "sam", role="steward", password="bench password", publishers=[PUBLISHERS[0]], now=now)
        add_user(session, "sue", role="steward", password="bench password", publishers=[PUBLISHERS[1]], now=now)


def bench_validation(runtime: Any, n: int) -> tuple[float, float]:
    """Validations per wall-clock second and per CPU second of this process (the shared VM steals time)."""
    value = token(runtime, "alice")
    validator: TokenValidator = runtime.validator
    validator.validate(value)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        validator.validate(value)
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


async def bench_requests(app: Any, value: str, n: int) -> tuple[float, float, float]:
    """Validated requests per wall-clock and per CPU second straight into the ASGI app, and the p50 in ms."""
    headers = [(b"host", b"bench"), (b"authorization", b"Bearer " + value.encode())]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    def scope() -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/me",
            "raw_path": b"/api/me",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
            "state": {},
        }

    latencies = []
    for _ in range(min(200, n)):  # warm-up
        await app(scope(), receive, send)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        await app(scope(), receive, send)
        latencies.append(time.perf_counter() - t0)
    elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    assert set(statuses) == {200}, set(statuses)
    return n / elapsed, n / cpu_used, statistics.median(latencies) * 1000


async def bench_httpx(app: Any, value: str, n: int) -> float:
    """The same through httpx's ASGI transport: what a Python client in the same process would see."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {value}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
        start = time.perf_counter()
        for _ in range(n):
            assert (await client.get("/api/me")).status_code == 200
        return n / (time.perf_counter() - start)


async def bench_workflow(app: Any, runtime: Any, ids: dict[str, str], cycles: int) -> dict[str, float]:
    transport = httpx.ASGITransport(app=app)
    tokens = {u: token(runtime, u) for u in ("alice", "sam", "sue")}
    timings: dict[str, list[float]] = {"create": [], "submit": [], "decide": []}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[user]}"}

        project = await client.post("/api/projects", json={"title": "b", "purpose": "p"}, headers=auth("alice"))
        assert project.status_code == 201, project.text
        pid = project.json()["id"]
        start = time.perf_counter()
        for _ in range(cycles):
            body = {
                "project_id": pid,
                "datasets": [ids["a"], ids["b"]],
                "purpose": "p",
                "legal_basis": "b",
                "duo_codes": ["HMB"],
                "accept_terms": True,
            }
            t0 = time.perf_counter()
            created = await client.post("/api/access-requests", json=body, headers=auth("alice"))
            assert created.status_code == 201, created.text
            rid = created.json()["id"]
            t1 = time.perf_counter()
            assert (await client.post(f"/api/access-requests/{rid}/submit", headers=auth("alice"))).status_code == 200
            t2 = time.perf_counter()
            for steward in ("sam", "sue"):
                decided = await client.post(
                    f"/api/access-requests/{rid}/decision",
                    json={"decision": "approve", "reason": "ok"},
                    headers=auth(steward),
                )
                assert decided.status_code == 200, decided.text
            t3 = time.perf_counter()
            timings["create"].append(t1 - t0)
            timings["submit"].append(t2 - t1)
            timings["decide"].append((t3 - t2) / 2)
        elapsed = time.perf_counter() - start
    return {
        "cycles_per_s": cycles / elapsed,
        **{f"{k}_ms": statistics.median(v) * 1000 for k, v in timings.items()},
    }


def run_node(database_url: str | None, size: dict[str, int], label: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fedcat-bench-") as tmp:
        home = Path(tmp) / "node"
        ids = build(home, database_url)
        app = create_app(load_settings(home))
        runtime = app.state.access
        add_users(runtime)

        async def main() -> dict[str, Any]:
            async with app.router.lifespan_context(app):
                out: dict[str, Any] = {}
                if label == "SQLite":
                    out["validations_per_s"], out["validations_per_cpu_s"] = bench_validation(
                        runtime, size["validations"]
                    )
                    value = token(runtime, "alice")
                    rates = await bench_requests(app, value, size["requests"])
                    out["requests_per_s"], out["requests_per_cpu_s"], out["request_p50_ms"] = rates
                    out["httpx_per_s"] = await bench_httpx(app, value, size["requests"] // 2)
                out["workflow"] = await bench_workflow(app, runtime, ids, size["cycles"])
                return out

        return asyncio.run(main())


class _Issuer(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    body: ClassVar[dict[str, bytes]] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        _Issuer.hits.append(self.path)
        data = _Issuer.body.get(self.path)
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")


def bench_jwks() -> dict[str, Any]:
    """JWKS fetches for 100 tokens with unknown kids: on a fresh cache, and right after a fetch."""
    from access.jwks import JwksCache

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
    _Issuer.body = {
        "/.well-known/openid-configuration": json.dumps({"issuer": url, "jwks_uri": url + "/jwks"}).encode(),
        "/jwks": json.dumps(KeySet([key]).as_dict(private=False)).encode(),
    }
    now = int(time.time())
    claims = {"iss": url, "aud": "bench", "sub": "s", "exp": now + 300, "iat": now}
    stranger = RSAKey.generate_key(2048)
    forged = [
        jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": f"unknown-{i}"}, claims, stranger) for i in range(100)
    ]

    def attack(validator: TokenValidator) -> tuple[int, int, float]:
        before = sum(1 for h in _Issuer.hits if h == "/jwks")
        refused, start = 0, time.perf_counter()
        for value in forged:
            try:
                validator.validate(value)
            except Exception:
                refused += 1
        fetched = sum(1 for h in _Issuer.hits if h == "/jwks") - before
        return fetched, refused, (time.perf_counter() - start) * 1000

    fresh = TokenValidator(JwksCache(url, algorithms=["RS256"], cooldown=60), issuer=url, audience="bench")
    cold = attack(fresh)  # the first unknown kid fetches (there is no key set yet); the other 99 wait
    warm_cache = JwksCache(url, algorithms=["RS256"], cooldown=60)
    warm = TokenValidator(warm_cache, issuer=url, audience="bench")
    warm.validate(jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "k1"}, claims, key))
    hot = attack(warm)  # a fetch just happened: none of the 100 may cause another inside the cooldown
    server.shutdown()
    return {"cold": cold, "warm": hot}


def write_readme(section: str) -> None:
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "## Access\n\n" + section.strip() + "\n"
    if re.search(r"^## Access\n", text, flags=re.M):
        text = re.sub(r"^## Access\n.*?(?=^## |\Z)", block + "\n", text, flags=re.M | re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave benchmarks/README.md alone")
    args = parser.parse_args()
    size = SIZES[args.size]
    from tests.pg import PostgresServer

    sqlite = run_node(None, size, "SQLite")
    pg = PostgresServer().start()
    try:
        postgres = run_node(pg.database(), size, "PostgreSQL")
    finally:
        pg.stop()
    jwks = bench_jwks()

    table = Table(title=f"access benchmark ({args.size})")
    for col in ("measure", "value", "target / note"):
        table.add_column(col)
    rows = [
        (
            "token validations/s (validator only)",
            f"{sqlite['validations_per_s']:,.0f}",
            f"RS256; {sqlite['validations_per_cpu_s']:,.0f} per CPU second",
        ),
        (
            "validated requests/s in-process (GET /api/me)",
            f"{sqlite['requests_per_s']:,.0f}",
            f">= 2,000: {sqlite['requests_per_cpu_s']:,.0f} per CPU second; p50 {sqlite['request_p50_ms']:.2f} ms; "
            "ASGI calls, one at a time",
        ),
        (
            "validated requests/s via httpx ASGITransport",
            f"{sqlite['httpx_per_s']:,.0f}",
            "the same route with an in-process Python HTTP client on top",
        ),
    ]
    for name, result in (("SQLite", sqlite), ("PostgreSQL", postgres)):
        w = result["workflow"]
        rows.append(
            (
                f"workflow cycles/s, {name}",
                f"{w['cycles_per_s']:,.1f}",
                f"create {w['create_ms']:.1f} ms, submit {w['submit_ms']:.1f} ms, decide {w['decide_ms']:.1f} ms (p50)",
            )
        )
    for label, (fetched, refused, ms) in (("fresh cache", jwks["cold"]), ("just fetched", jwks["warm"])):
        rows.append(
            (
                f"JWKS fetches for 100 unknown kids ({label})",
                str(fetched),
                f"<= 1 per cooldown (60 s); {refused} tokens refused in {ms:.0f} ms",
            )
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    load = os.getloadavg()[0]  # other work on the shared VM shows in every figure below
    md = [
        f"`python benchmarks/access.py --size {args.size}` (sizes: smoke, full). In-process on the development VM "
        "(2 shared cores, shared with other work: expect ±20 %); requests/s are ASGI calls straight into the app "
        "(FastAPI routing, the bearer dependency, JSON); a workflow cycle is create (2 datasets of 2 publishers) "
        "+ submit + one decision per "
        "publisher, each an HTTP call through the ASGI app.",
        "",
        f"Load average (1 min) at the end of this run: {load:.1f} on 2 cores.",
        "",
        "| measure | value | target / note |",
        "|---|---:|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    if not args.no_readme:
        write_readme("\n".join(md))


if __name__ == "__main__":
    main()
