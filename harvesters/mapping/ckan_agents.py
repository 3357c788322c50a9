"""Who a CKAN dataset is about: contact points, publisher, creators, and the HealthDCAT-AP / PROV
agents (access body, qualified attributions, provenance activities).

Each property has ckanext-dcat's sources in its order of precedence: the scheming field (a list of
objects), then the legacy `{field}_{subfield}` extras, then CKAN's core fields (maintainer, author,
organization). EnviDat-style core fields holding JSON-encoded person objects are read as such."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from harvesters.mapping.ckan_fields import date_literal, iri, literals, raw, records, site_iri, text
from harvesters.mapping.ckan_parts import Out, Subject, agent, contact_point
from harvesters.mapping.ckan_terms import DCAT, DCT, HEALTH, PROV, RDF, RDFS

_AGENT_KEYS = ("uri", "name", "email", "url", "type", "identifier")
_LEGACY_KEYS = {prefix: [(k, f"{prefix}_{k}") for k in _AGENT_KEYS] for prefix in ("contact", "publisher", "creator")}


def _objects(value: Any) -> list[dict[str, Any]]:
    """A scheming agent field: objects, or a bare name some portals put there instead."""
    if not value:
        return []
    found = records(value)
    if not found:
        name = text(value)
        if name is not None and name[0] not in "[{":
            found = [{"name": name}]
    return found


def _legacy(f: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """ckanext-dcat's legacy `publisher_name`, `publisher_email`... extras as one agent object."""
    keys = _LEGACY_KEYS[prefix]
    if f.get(keys[0][1]) is None and f.get(keys[1][1]) is None:  # neither uri nor name
        return []
    d = {k: f.get(key) for k, key in keys}
    if not isinstance(d["type"], str):
        d["type"] = None  # HealthDCAT-AP's publisher_type is a dataset-level list, not the agent's type
    return [d]


def _people(name: Any, email: Any) -> list[dict[str, Any]]:
    """CKAN's author/maintainer (+ _email) pair; EnviDat stores JSON person objects in `name`."""
    if name is None and email is None:
        return []
    if isinstance(name, str) and name.lstrip()[:1] in ("[", "{"):
        found = records(name)
        if found:
            return found
    return [{"name": name, "email": email}] if text(name) or text(email) else []


def add_agents(out: Out, ds: Subject, f: dict[str, Any], package: dict[str, Any], site: str) -> None:
    """Contact points, publisher, creators and the HealthDCAT-AP / PROV agents of the dataset."""
    contacts = (
        _objects(f.get("contact"))
        or _legacy(f, "contact")
        or _people(f.get("maintainer"), f.get("maintainer_email"))
        or _people(f.get("author"), f.get("author_email"))
    )
    for c in contacts:
        contact_point(out, ds, c)

    publisher_uri = iri(f["publisher_uri"]) if "publisher_uri" in f else None
    publishers = _objects(f.get("publisher")) or _legacy(f, "publisher")
    p = publishers[0] if publishers else None  # DCAT-AP: at most one publisher
    org = package.get("organization")
    node = (iri(p.get("uri")) if p else None) or publisher_uri
    if p is not None and (p.get("name") or not isinstance(org, dict)):
        agent(out, ds, DCT.publisher, p, node=node, organization=True)
    elif isinstance(org, dict):
        # The CKAN organization; a bare publisher IRI names it, else its page on the portal does.
        org_name = text(org.get("name"))
        if node is None and org_name is not None:
            node = site_iri(site, "organization", org_name)
        agent(out, ds, DCT.publisher, {"name": org.get("title") or org_name}, node=node, organization=True)

    creators = _objects(f.get("creator")) or _legacy(f, "creator") or _people(f.get("author"), f.get("author_email"))
    for c in creators:
        agent(out, ds, DCT.creator, c)

    if "hdab" in f:
        for h in records(f["hdab"]):
            agent(out, ds, HEALTH.hdab, h)
    if "qualified_attribution" in f:
        for qa in records(f["qualified_attribution"]):
            _attribution(out, ds, qa)
    if "provenance_activity" in f:
        for activity in records(f["provenance_activity"]):
            _activity(out, ds, activity)


def _attribution(out: Out, ds: Subject, d: dict[str, Any]) -> None:
    agents = records(d.get("agent"))
    role = raw(d.get("role"))
    if not agents and role is None:
        return
    node = ox.BlankNode()
    out.add(ds, PROV.qualifiedAttribution, node)
    out.add(node, RDF.type, PROV.Attribution)
    for a in agents:
        agent(out, node, PROV.agent, a)
    if role is not None:
        out.add(node, DCAT.hadRole, role)


def _activity(out: Out, ds: Subject, d: dict[str, Any]) -> None:
    labels = literals(d.get("label"))
    associated = records(d.get("wasAssociatedWith"))
    node = iri(d.get("uri"))
    if node is None and not labels and not associated:
        return
    ref: Subject = node if node is not None else ox.BlankNode()
    out.add(ds, PROV.wasGeneratedBy, ref)
    out.add(ref, RDF.type, PROV.Activity)
    out.all(ref, RDFS.label, labels)
    see_also = iri(d.get("seeAlso"))
    if see_also is not None:
        out.add(ref, RDFS.seeAlso, see_also)
    out.raw(ref, DCT.type, d.get("dct_type"))
    out.literal(ref, PROV.startedAtTime, date_literal(d.get("startedAtTime")))
    for a in associated:
        who = agent(out, ref, PROV.wasAssociatedWith, a)
        if who is not None:
            for org in records(a.get("actedOnBehalfOf")):
                agent(out, who, PROV.actedOnBehalfOf, org, organization=True)
