"""What a harvest stores and indexes for fixed inputs is pinned: speed work on the record pipeline must not change it.

The recorded CKAN responses, ckanext-dcat's CKAN and DCAT examples and synthetic CKAN packages with awkward values
(translations, odd extras, literals where IRIs belong, control characters, repeated resources and tags, private
flags) are harvested from files into a real on-disk Oxigraph store. Every record graph and marker (run IRIs and
harvest stamps masked), the duplicates found, the run counts and problems are printed as sorted text, whose digest
is pinned below. The digest was taken from the code before the record
pipeline moved from `ox.Triple`s to `Statement` tuples (aebba27); a change to it is a change of what is stored.
To see what changed, `dump()` the text before and after and diff the two.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox

from benchmarks.synthetic import ckan_packages, write_dcat_pages
from catalogue.config import SourceConfig, load_settings
from catalogue.records import Statement, ntriples_lines, printed_statements, skolemize, statements
from catalogue.store import OxigraphStore
from harvesters.duplicates import find_duplicates
from harvesters.rdfparse import guess_format, parse_rdf
from harvesters.run import harvest_source

PINNED = "7c1e4f3fa124467df9db471bc184309f5bb6c2875bc3aab5e9e091b63d2d7d33"
PINNED_LINES = 33_976

_STAMP = re.compile(r'"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>')
_RUN = re.compile(r"/run/(\w+)/[0-9a-f]{32}")


def awkward_packages() -> list[dict]:
    """Synthetic CKAN packages, a third of them bent in one of ten awkward ways."""
    packages = ckan_packages(300)
    for i, p in enumerate(packages[:100]):
        k = i % 10
        if k == 0:
            p["title_translated"] = {"en": p["title"], "fr": "Titre " + p["title"], "x y": "bad tag"}
        elif k == 1:
            p["extras"] += [
                {"key": "theme", "value": '["http://publications.europa.eu/resource/authority/data-theme/HEAL", "x"]'},
                {"key": "access_rights", "value": "public"},
            ]
        elif k == 2:
            p["license_id"] = ["notspecified", "other", "CC-BY-4.0", "Some local licence"][i % 4]
            p["resources"][0]["format"] = "text/csv"
        elif k == 3:
            p["url"] = "https://example.org/with space|pipe"
            p["resources"][0]["url"] = "not a url"
        elif k == 4:
            p["private"] = "True"
            p["notes"] = 'quote " backslash \\ newline \n tab \t uni \u00e9 ctrl \u0001'
        elif k == 5:
            p["resources"].append(p["resources"][0].copy())
            p["tags"].append({"name": p["tags"][0]["name"]})
        elif k == 6:
            p["extras"] += [
                {"key": "spatial", "value": '{"type": "Point", "coordinates": [6.1, 49.6]}'},
                {"key": "temporal_start", "value": "2020-01"},
                {"key": "temporal_end", "value": "2021"},
            ]
        elif k == 7:
            p["resources"][1]["size"] = "12.0"
            p["resources"][1]["hash"] = "sha256:" + "ab" * 32
            p["language"] = "fr,de"
        elif k == 8:
            p["author"] = None
            p["maintainer_email"] = "a@b.org; c@d.org"
            p["contact"] = [{"name": "C", "email": "c@x.org", "uri": ""}]
        else:
            p["resources"][0]["mimetype"] = "application/vnd.ms-excel"
            p["resources"][0]["format"] = "xls"
            p["frequency"] = "http://purl.org/cld/freq/daily"
    return packages


def dump(reference: Path, work: Path) -> str:
    """Everything the harvest of the fixed inputs stores and indexes, as sorted, masked text."""
    ckan, dcat = work / "ckan", work / "dcat"
    ckan.mkdir()
    dcat.mkdir()
    for f in sorted((reference / "ckanext-dcat/examples/ckan").glob("*.json")):
        shutil.copy(f, ckan / f"dcat-{f.name}")
    shutil.copy(reference / "Amsterdam-dcatd/test/fixtures/packages.json", ckan / "ams-packages.json")
    for name in ("package_search.json", "package_show.json"):
        shutil.copy(reference / "envidat-ckan-recorded/tests/fixtures" / name, ckan / f"envidat-{name}")
    (ckan / "synthetic.jsonl").write_text("".join(json.dumps(p) + "\n" for p in awkward_packages()))
    write_dcat_pages(dcat, 300, 100, "http://pages.example")
    for f in sorted((reference / "ckanext-dcat/examples/dcat").glob("*")):
        body = f.read_bytes()
        try:
            parse_rdf(body, guess_format(body, "", f.name))
        except Exception:  # one example has an undeclared prefix: it would fail the whole run
            continue
        shutil.copy(f, dcat / f"ex-{f.name}")
    home = work / "home"
    home.mkdir()
    settings = load_settings(home)
    store = OxigraphStore(work / "store")
    lines = []
    for name, kind, folder in (("ck", "ckan", ckan), ("dc", "dcat", dcat)):
        run = harvest_source(settings, store, SourceConfig(name=name, kind=kind, url=folder.as_uri()))
        problems = [(p.type, p.message) for p in run.problems]
        lines.append(f"# run {name} {run.status} {json.dumps(run.counts)} {problems} {run.error}")
        assert run.records is not None
        run.records.close()  # the index records built in hand: tests/test_index_in_hand.py holds them to the store
    lines += [f"# duplicate {d.to_dict()}" for d in find_duplicates(store)]
    quads = ox.serialize(store.raw.quads_for_pattern(None, None, None, None), format=ox.RdfFormat.N_QUADS).decode()
    for line in quads.splitlines():
        if "/graph/source/" in line:  # the run's own provenance: durations and counts of this very run
            continue
        line = _RUN.sub(r"/run/\1/RUN", line)
        if "firstHarvested" in line or "lastChanged" in line:
            line = _STAMP.sub('"T"', line)
        lines.append(line)
    store.close()
    return "\n".join(sorted(line.replace(str(work), "WORK") for line in lines)) + "\n"


def test_harvest_output_is_pinned(reference, tmp_path):
    """The stored quads of the fixture harvest, byte for byte (as sorted, masked N-Quads)."""
    text = dump(reference, tmp_path)
    assert len(text.splitlines()) == PINNED_LINES
    assert hashlib.sha256(text.encode()).hexdigest() == PINNED


def test_statement_lines_equal_pyoxigraph_lines(reference):
    """Lines printed from statements are pyoxigraph's, escapes, language tags, datatypes and quoted triples too."""
    examples = reference / "ckanext-dcat/examples/dcat"
    triples = [t for f in sorted(examples.glob("*.rdf")) for t in parse_rdf(f.read_bytes(), ox.RdfFormat.RDF_XML)]
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    odd = ox.Literal('a "quoted"\n\\ line\u0001\u00e9', language="fr")
    triples += [
        ox.Triple(s, p, odd),
        ox.Triple(s, p, ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        ox.Triple(s, p, ox.Triple(s, p, odd)),
        ox.Triple(s, p, ox.BlankNode("b1")),
    ]
    assert len(triples) > 100
    ours = statements(triples)
    assert all(type(t) is Statement for t in ours)
    assert ntriples_lines(ours) == [str(t) for t in triples] == [str(t) for t in ours]
    # Lines printed while parsed triples became statements stand for those statements only: the ones skolemised
    # after are printed afresh.
    printed, known = printed_statements(triples)
    assert printed == ours and len(known) == len(ours)
    skolemised = skolemize(printed, "http://example.org/.well-known/genid/")
    assert skolemised != printed
    assert ntriples_lines(skolemised, known) == ntriples_lines(skolemised) == [str(t) for t in skolemised]
