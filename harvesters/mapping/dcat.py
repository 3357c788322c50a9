"""Cut harvested DCAT pages into records: one dataset and the nodes it owns, per record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox

from catalogue.errors import MappingError
from catalogue.records import Record, Statement, Term, statements
from vocabularies.namespaces import DCAT, DCT, HYDRA, RDF

# Nodes of these types are records (or containers) of their own, never part of another record.
_STANDALONE = {
    DCAT.Dataset,
    DCAT.Catalog,
    DCAT.DatasetSeries,
    HYDRA.Collection,
    HYDRA.PartialCollectionView,
    HYDRA.PagedCollection,
}
MAX_DEPTH = 4


class PageGraph:
    """A parsed page indexed by subject, so records can be cut out in linear time.

    `known` holds the N-Triples lines of the statements when the parser printed them (`parse_printed`); the
    records cut out take them along.
    """

    def __init__(
        self, triples: list[Statement] | list[ox.Triple], known: dict[int, tuple[Statement, str]] | None = None
    ) -> None:
        self.by_subject: dict[ox.NamedNode | ox.BlankNode, list[Statement]] = defaultdict(list)
        self.types: dict[ox.NamedNode | ox.BlankNode, set[ox.NamedNode]] = defaultdict(set)
        self.known = known
        rdf_type, named = RDF.type, ox.NamedNode
        for t in statements(triples):
            s, p, o = t
            self.by_subject[s].append(t)  # type: ignore[index]
            if p == rdf_type and type(o) is named:
                self.types[s].add(o)  # type: ignore[index]
        self.standalone = {s for s, types in self.types.items() if types & _STANDALONE}

    def datasets(self) -> list[ox.NamedNode | ox.BlankNode]:
        """Subjects typed `dcat:Dataset`, in a stable order."""
        found = [s for s, types in self.types.items() if DCAT.Dataset in types]
        return sorted(found, key=str)

    def values(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode) -> list[Term]:
        """Objects of `subject predicate ?o`."""
        return [t.object for t in self.by_subject.get(subject, ()) if t.predicate == predicate]

    def closure(self, root: ox.NamedNode | ox.BlankNode) -> list[Statement]:
        """The root's triples plus those of the nodes it reaches (distributions, agents, periods...)."""
        out: list[Statement] = []
        seen: set[Term] = {root}
        frontier: list[Term] = [root]
        by_subject, standalone = self.by_subject, self.standalone
        for _ in range(MAX_DEPTH + 1):
            nxt: list[Term] = []
            for node in frontier:
                triples = by_subject.get(node, ())  # type: ignore[arg-type]
                out += triples
                for _, _, obj in triples:
                    # Literals are never keys of by_subject, so one dict probe filters them too.
                    if obj in by_subject and obj not in seen and obj not in standalone:
                        seen.add(obj)
                        nxt.append(obj)
            frontier = nxt
            if not frontier:
                break
        return out

    def next_page(self) -> str | None:
        """The next page named by Hydra paging: `hydra:next` or the older `hydra:nextPage`."""
        for triples in self.by_subject.values():
            for t in triples:
                if t.predicate in (HYDRA.next, HYDRA.nextPage) and isinstance(t.object, ox.NamedNode | ox.Literal):
                    return t.object.value
        return None

    def total_items(self) -> int | None:
        """`hydra:totalItems` of the collection, when the source says it."""
        for triples in self.by_subject.values():
            for t in triples:
                if t.predicate == HYDRA.totalItems and isinstance(t.object, ox.Literal):
                    try:
                        return int(float(t.object.value))
                    except ValueError:
                        return None
        return None

    def catalogs(self) -> list[Statement]:
        """The triples describing `dcat:Catalog` nodes on the page (minus their dataset lists)."""
        skip = {DCAT.dataset, HYDRA.member, HYDRA.view}
        return [
            t
            for s, types in self.types.items()
            if DCAT.Catalog in types
            for t in self.by_subject[s]
            if t.predicate not in skip
        ]


def extract_record(page: PageGraph, node: ox.NamedNode | ox.BlankNode, minted_prefix: str) -> Record:
    """The record of one dataset node; raises `MappingError` when it cannot stand as a record."""
    titles = page.values(node, DCT.title)
    identifiers = [v.value for v in page.values(node, DCT.identifier) if isinstance(v, ox.Literal | ox.NamedNode)]
    label = node.value if isinstance(node, ox.NamedNode) else (identifiers[0] if identifiers else "blank node")
    if not titles:
        raise MappingError(f"dataset {label} has no dct:title", record=label)
    if isinstance(node, ox.NamedNode):
        return Record(key=node.value, dataset=node, triples=page.closure(node), known_lines=page.known)
    triples = page.closure(node)
    if not identifiers:
        raise MappingError("a dataset without an IRI or dct:identifier cannot be tracked across harvests")
    # A blank-node dataset keeps a stable identity through its identifier.
    minted = ox.NamedNode(minted_prefix + quote(identifiers[0], safe=""))
    triples = [Statement(minted if s == node else s, p, minted if o == node else o) for s, p, o in triples]
    return Record(key=identifiers[0], dataset=minted, triples=triples)


def records(page: PageGraph, minted_prefix: str) -> Iterator[Record | MappingError]:
    """Every dataset record on the page, or the reason it could not be taken."""
    for node in page.datasets():
        try:
            yield extract_record(page, node, minted_prefix)
        except MappingError as exc:
            yield exc
