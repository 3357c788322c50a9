"""Theme word banks: subjects, dimensions, sentences and keywords, parsed from the text blocks in `banks`."""

from __future__ import annotations

from dataclasses import dataclass, field

from demo.texts import SHARED_DIMS, Tr


@dataclass(frozen=True)
class Subject:
    name: Tr
    table: str | None = None  # kind of hosted data file this subject can back (see demo.tables)
    sensitive: bool = False  # personal data: RESTRICTED / NON_PUBLIC access
    dims: tuple[str, ...] = ()  # keys of the theme's specific dimensions that make sense for it


@dataclass
class Theme:
    key: str
    eu: tuple[str, ...]  # EU data-theme codes, main one first
    subjects: list[Subject] = field(default_factory=list)
    dims: list[Tr] = field(default_factory=list)  # generic: fit every subject
    specific: dict[str, Tr] = field(default_factory=dict)  # fit the subjects that list them
    sentences: list[Tr] = field(default_factory=list)
    keywords: list[Tr] = field(default_factory=list)
    formats: tuple[str, ...] = ("CSV",)  # EU file-type codes typical for the theme
    freqs: tuple[str, ...] = ("ANNUAL",)  # EU frequency codes

    def dims_for(self, subject: Subject) -> list[Tr]:
        return [*self.dims, *(self.specific[key] for key in subject.dims)]


def _tr(text: str) -> Tr:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) == 1:
        parts *= 4
    if len(parts) != 4:
        raise ValueError(f"need en | fr | de | lb, got {text!r}")
    return Tr(*parts)


def parse_theme(block: str) -> Theme:
    """Parse one bank block.

    Header lines: `theme KEY EU [EU...]`, `formats CODE...`, `freqs CODE...`.
    Entries: `subject [TABLE] [sensitive] [+DIM...]: en | fr | de | lb`; `dim: ...` (generic) or
    `dim KEY: ...` (only for subjects listing `+KEY`), either of them `@shared` for a `SHARED_DIMS` entry;
    `sentence: ...`; `keyword: ...` (a keyword without `|` is the same in every language).
    """
    theme: Theme | None = None
    for raw in block.strip().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, text = line.partition(":") if ": " in line else (line, "", "")
        kind, *args = head.split()
        if kind == "theme":
            theme = Theme(args[0], tuple(args[1:]))
            continue
        if theme is None:
            raise ValueError("a bank block starts with a `theme` line")
        if kind == "formats":
            theme.formats = tuple(args)
        elif kind == "freqs":
            theme.freqs = tuple(args)
        elif kind == "subject":
            table = next((a for a in args if a != "sensitive" and not a.startswith("+")), None)
            dims = tuple(a[1:] for a in args if a.startswith("+"))
            theme.subjects.append(Subject(_tr(text), table, "sensitive" in args, dims))
        elif kind == "dim":
            text = text.strip()
            dim = SHARED_DIMS[text[1:]] if text.startswith("@") else _tr(text)
            if args:
                theme.specific[args[0]] = dim
            else:
                theme.dims.append(dim)
        elif kind == "sentence":
            theme.sentences.append(_tr(text))
        elif kind == "keyword":
            theme.keywords.append(_tr(text))
        else:
            raise ValueError(f"unknown bank line {line!r}")
    if theme is None or not (theme.subjects and theme.dims and theme.sentences and theme.keywords):
        raise ValueError("incomplete bank block")
    unknown = {key for s in theme.subjects for key in s.dims} - set(theme.specific)
    if unknown:
        raise ValueError(f"theme {theme.key}: unknown dimensions {sorted(unknown)}")
    return theme
