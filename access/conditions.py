"""Machine-readable access conditions checked against a request's stated purpose.

A dataset's conditions are GA4GH DUO terms in its metadata (any property pointing at a DUO class) and ODRL
policies (`odrl:hasPolicy`) whose permissions or prohibitions constrain `odrl:purpose`. The request states
its purpose as DUO codes: a data use permission (GRU, HMB, DS, POA) and the modifiers the applicant meets or
agrees to (NCU, NPU, IRB, PUB, COL, ...). The check follows the DUO hierarchy (DS is a kind of HMB, which is
a kind of GRU) and the matching rules of DUO's own documentation, and returns what matches, what conflicts,
and what a steward has to judge by hand. It informs the steward; it never decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyoxigraph as ox

from access.errors import InvalidRequest
from vocabularies.loader import DATA

OBO = "http://purl.obolibrary.org/obo/"
OIO = "http://www.geneontology.org/formats/oboInOwl#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUB = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
PERMISSION_ROOT = "DUO:0000001"
PERMISSIONS_ANY = "DUO:0000004"  # NRES: no restriction
# Modifiers the applicant must declare to meet (the dataset's code must be among the request's codes).
MUST_DECLARE = {"NCU", "NPU", "NPUNCU", "IRB", "PUB", "COL", "RTN", "MOR", "GSO", "CC"}
# Modifiers no stated purpose can settle: the steward checks them against the project.
BY_HAND = {"US", "PS", "IS", "GS", "TS", "RS", "NMDS"}


@dataclass(frozen=True)
class Term:
    """One DUO class."""

    id: str  # DUO:0000006
    iri: str
    shorthand: str | None
    label: str
    parents: tuple[str, ...]


@dataclass(frozen=True)
class Duo:
    """The trimmed DUO vocabulary with its hierarchy."""

    terms: dict[str, Term]
    lookup: dict[str, str]  # any accepted spelling (id, shorthand, IRI) -> id

    def resolve(self, code: str) -> Term | None:
        """The term for "HMB", "DUO:0000006", "DUO_0000006" or the IRI."""
        key = self.lookup.get(code.strip()) or self.lookup.get(code.strip().upper())
        return self.terms.get(key) if key else None

    def ancestors(self, term_id: str) -> set[str]:
        """The term and everything above it."""
        seen: set[str] = set()
        todo = [term_id]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.terms:
                continue
            seen.add(current)
            todo.extend(self.terms[current].parents)
        return seen

    def is_permission(self, term_id: str) -> bool:
        return PERMISSION_ROOT in self.ancestors(term_id) and term_id != PERMISSION_ROOT

    def label(self, term_id: str) -> str:
        term = self.terms[term_id]
        return f"{term.shorthand} ({term.label})" if term.shorthand else term.label


@cache
def duo() -> Duo:
    """The DUO vocabulary shipped in `vocabularies/data/duo.ttl`."""
    store = ox.Store()
    store.load(path=str(DATA / "duo.ttl"), format=ox.RdfFormat.TURTLE)
    subjects: dict[str, dict[str, Any]] = {}
    for quad in store:
        s, p, o = quad.subject.value, quad.predicate.value, quad.object
        entry = subjects.setdefault(s, {"parents": []})
        if p == OIO + "id":
            entry["id"] = o.value
        elif p == OIO + "shorthand":
            entry["shorthand"] = o.value
        elif p == RDFS_LABEL:
            entry["label"] = o.value
        elif p == RDFS_SUB:
            entry["parents"].append(o.value)
    by_iri = {iri: e["id"] for iri, e in subjects.items() if "id" in e}
    terms: dict[str, Term] = {}
    lookup: dict[str, str] = {}
    for iri, e in subjects.items():
        if "id" not in e:
            continue
        term_id = e["id"]
        parents = tuple(by_iri[p] for p in e["parents"] if p in by_iri)
        terms[term_id] = Term(term_id, iri, e.get("shorthand"), e.get("label", term_id), parents)
        canonical_iri = OBO + term_id.replace(":", "_")
        for spelling in (term_id, term_id.replace(":", "_"), iri, canonical_iri, e.get("shorthand")):
            if spelling:
                lookup[spelling] = term_id
    return Duo(terms, lookup)


def normalise_codes(codes: Iterable[str]) -> list[str]:
    """DUO ids for the codes a request states; `InvalidRequest` naming any code that is not DUO."""
    vocab = duo()
    out: list[str] = []
    unknown = []
    for code in codes:
        term = vocab.resolve(code)
        if term is None:
            unknown.append(code)
        elif term.id not in out:
            out.append(term.id)
    if unknown:
        raise InvalidRequest(f"not GA4GH DUO codes: {', '.join(map(repr, unknown))}")
    return out


@dataclass
class PurposeConstraint:
    """An ODRL constraint on `odrl:purpose` from a dataset's policy."""

    policy: str
    rule: str  # permission | prohibition
    operator: str  # eq, isA, isAnyOf, isAllOf, isNoneOf, neq
    operands: list[str]


@dataclass
class Conditions:
    """What a dataset's metadata says about its use."""

    duo: list[str] = field(default_factory=list)  # DUO ids
    purposes: list[PurposeConstraint] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # other ODRL constraints and duties, for the steward to read
    licence: str | None = None
    access_rights: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "duo": self.duo,
            "odrl_purposes": [c.__dict__ for c in self.purposes],
            "odrl_other": self.other,
            "licence": self.licence,
            "access_rights": self.access_rights,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conditions:
        return cls(
            duo=list(data.get("duo", [])),
            purposes=[PurposeConstraint(**c) for c in data.get("odrl_purposes", [])],
            other=list(data.get("odrl_other", [])),
            licence=data.get("licence"),
            access_rights=data.get("access_rights"),
        )


def _short(iri: str) -> str:
    for prefix in ("http://www.w3.org/ns/odrl/2/", OBO):
        if iri.startswith(prefix):
            return iri[len(prefix) :]
    return iri


def check(conditions: Conditions, codes: Iterable[str]) -> dict[str, list[str]]:
    """Matches, conflicts and points for review of a request's DUO codes against a dataset's conditions."""
    vocab = duo()
    stated = [c for c in codes if c in vocab.terms]
    stated_shorthands = {vocab.terms[c].shorthand for c in stated}
    purposes = [c for c in stated if vocab.is_permission(c)]
    lineage = {c: vocab.ancestors(c) for c in purposes}
    matches: list[str] = []
    conflicts: list[str] = []
    review: list[str] = []

    def covered(dataset_code: str) -> list[str]:
        # A stated purpose is allowed by a dataset permission when it is that permission or a narrower one;
        # population origins / ancestry research (POA) is allowed by general research use (DUO's own rule).
        term = vocab.terms[dataset_code]
        if dataset_code == PERMISSIONS_ANY:
            return purposes
        hits = [p for p in purposes if dataset_code in lineage[p]]
        if term.shorthand == "GRU":
            hits += [p for p in purposes if vocab.terms[p].shorthand == "POA" and p not in hits]
        return hits

    for code in conditions.duo:
        if code not in vocab.terms:
            continue
        term = vocab.terms[code]
        name = vocab.label(code)
        if vocab.is_permission(code):
            if not purposes:
                conflicts.append(f"the dataset permits {name}; the request states no DUO purpose")
            elif hits := covered(code):
                matches.append(f"{name} allows the stated purpose {', '.join(vocab.label(h) for h in hits)}")
            else:
                stated_names = ", ".join(vocab.label(p) for p in purposes)
                conflicts.append(f"the dataset permits only {name}; the request states {stated_names}")
            if term.shorthand == "DS":
                review.append("DS: check that the project's disease matches the dataset's disease")
        elif term.shorthand == "NPOA":
            if "POA" in stated_shorthands:
                conflicts.append(f"{name}: the request states population origins or ancestry research")
            else:
                matches.append(f"{name}: no population origins or ancestry research stated")
        elif term.shorthand in MUST_DECLARE:
            covering = {term.shorthand}
            if term.shorthand in {"NCU", "NPU"}:
                covering.add("NPUNCU")  # the stricter combined code declares both
            if covering & stated_shorthands:
                matches.append(f"{name}: declared by the applicant")
            else:
                conflicts.append(f"{name}: required by the dataset, not declared by the request")
        else:
            review.append(f"{name}: to be checked by the steward")

    stated_iris = {vocab.terms[c].iri for c in stated} | {OBO + c.replace(":", "_") for c in stated}
    stated_with_ancestors = set().union(*(vocab.ancestors(c) for c in stated)) if stated else set()
    for constraint in conditions.purposes:
        duo_operands = [vocab.resolve(o) for o in constraint.operands]
        known = [t.id for t in duo_operands if t is not None]
        names = ", ".join(_short(o) for o in constraint.operands)
        where = f"ODRL {constraint.rule} of {_short(constraint.policy)}"
        if not known:
            review.append(f"{where}: purpose {constraint.operator} {names} is not DUO; to be checked by hand")
            continue
        hit = bool(set(known) & stated_with_ancestors) or bool(set(constraint.operands) & stated_iris)
        negative = constraint.operator in {"neq", "isNoneOf"}
        allowed = hit != negative
        if constraint.rule == "prohibition":
            allowed = not allowed
        (matches if allowed else conflicts).append(
            f"{where}: purpose {constraint.operator} {names} "
            + ("is met by the stated purpose" if allowed else "is not met by the stated purpose")
        )
    review += [f"ODRL: {o}" for o in conditions.other]
    if conditions.licence:
        review.append(f"licence: {conditions.licence}")
    return {"matches": matches, "conflicts": conflicts, "review": review}


ODRL = "http://www.w3.org/ns/odrl/2/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"


def from_triples(dataset: str, triples: list[ox.Triple]) -> Conditions:
    """The conditions stated in a dataset's record graph."""
    vocab = duo()
    out: dict[str, list[ox.Triple]] = {}
    for t in triples:
        if not isinstance(t.subject, ox.Triple):  # RDF-star quoted triples state no conditions
            out.setdefault(t.subject.value, []).append(t)

    def objects(subject: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return [t.object for t in out.get(subject, []) if t.predicate.value == predicate]  # type: ignore[misc]

    conditions = Conditions()
    for t in out.get(dataset, []):
        term = vocab.resolve(t.object.value) if isinstance(t.object, ox.NamedNode) else None
        if term is not None and term.id not in conditions.duo:
            conditions.duo.append(term.id)
    conditions.duo.sort()
    licences = objects(dataset, DCT + "license")
    conditions.licence = licences[0].value if licences else None
    rights = objects(dataset, DCT + "accessRights")
    conditions.access_rights = rights[0].value if rights else None
    policies = objects(dataset, ODRL + "hasPolicy")
    for distribution in objects(dataset, "http://www.w3.org/ns/dcat#distribution"):
        policies += objects(distribution.value, ODRL + "hasPolicy")
    for policy in policies:
        for rule_name, predicate in (("permission", "permission"), ("prohibition", "prohibition")):
            for rule in objects(policy.value, ODRL + predicate):
                for constraint in objects(rule.value, ODRL + "constraint"):
                    left = [o.value for o in objects(constraint.value, ODRL + "leftOperand")]
                    operator = [_short(o.value) for o in objects(constraint.value, ODRL + "operator")]
                    right = [o.value for o in objects(constraint.value, ODRL + "rightOperand")]
                    if left == [ODRL + "purpose"] and operator:
                        conditions.purposes.append(PurposeConstraint(policy.value, rule_name, operator[0], right))
                    elif left:
                        conditions.other.append(
                            f"{rule_name} of {_short(policy.value)}: {_short(left[0])} "
                            f"{operator[0] if operator else '?'} {', '.join(_short(r) for r in right)}"
                        )
                for duty in objects(rule.value, ODRL + "duty"):
                    actions = [_short(a.value) for a in objects(duty.value, ODRL + "action")]
                    conditions.other.append(f"duty of {_short(policy.value)}: {', '.join(actions) or '?'}")
    return conditions
