"""The result of a build: a PersonaSet that owns its exports (JSON, the report, the cards).

It sits with the renderers in the layers of the house (``tests/test_layers.py``): it owns
its exports, so it may call them.

A :class:`PersonaSet` holds a run's typed :class:`~personacraft.personas.model.Persona`
objects with where they came from (``provenance``: version, config hash, input
fingerprints, seed). ``PersonaSet.load(path).to_json()`` gives back the file's text exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import jsonschema

from personacraft.errors import InputFormatError, NotFoundError, SchemaError
from personacraft.personas.model import Persona
from personacraft.schema import personas_schema


@dataclass
class PersonaSet(Sequence[Persona]):
    """Personas of one run, with where they came from; indexable by position or persona id, and iterable."""

    run_id: str
    created_at: str
    customers: int
    personas: list[Persona]
    provenance: dict[str, Any] = field(default_factory=dict)
    why_they_left: dict[str, Any] | None = None

    # -- a sequence of personas ---------------------------------------------------------------
    @overload
    def __getitem__(self, key: int | str) -> Persona: ...
    @overload
    def __getitem__(self, key: slice) -> list[Persona]: ...
    def __getitem__(self, key: int | str | slice) -> Persona | list[Persona]:
        if isinstance(key, str):
            for p in self.personas:
                if p.id == key:
                    return p
            raise NotFoundError(f"no persona {key!r} in run {self.run_id}; its personas: {self.ids()}")
        return self.personas[key]

    def __len__(self) -> int:
        return len(self.personas)

    def __iter__(self) -> Iterator[Persona]:
        return iter(self.personas)

    def ids(self) -> list[str]:
        return [p.id for p in self.personas]

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "customers": self.customers,
            "personas": [p.to_dict() for p in self.personas],
            "why_they_left": self.why_they_left,
            "provenance": self.provenance,
        }

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """The JSON text of ``personas.json``; also written to ``path`` (with a final newline) when given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PersonaSet:
        return cls(
            run_id=data["run_id"],
            created_at=data["created_at"],
            customers=data["customers"],
            personas=[Persona.from_dict(p) for p in data["personas"]],
            provenance=data.get("provenance", {}),
            why_they_left=data.get("why_they_left"),
        )

    @classmethod
    def load(cls, path: str | Path) -> PersonaSet:
        """Read a ``personas.json`` written by this version of personacraft or an older one."""
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"{path}: no such file; a build writes personas.json to its out/ folder.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except json.JSONDecodeError as exc:
            raise InputFormatError(path, f"is not JSON ({exc.msg})", line=exc.lineno) from exc
        except (KeyError, TypeError) as exc:
            raise InputFormatError(path, f"is not a personas.json file (missing or wrong {exc})") from exc

    from_json = load

    def validate(self) -> None:
        """Check against the shipped JSON Schema; raise SchemaError naming the first problem."""
        validator = jsonschema.Draft202012Validator(personas_schema())
        errors = sorted(validator.iter_errors(json.loads(self.to_json())), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.path) or "(root)"
            raise SchemaError(f"personas.json does not match its schema at {where}: {e.message}")

    def save_json(self, path: str | Path) -> Path:
        """Validate, then write ``personas.json`` to ``path``."""
        self.validate()
        self.to_json(path)
        return Path(path)

    # -- the report and the cards ---------------------------------------------------------------
    def save_report(self, folder: str | Path, *, title: str = "Customer personas", max_quotes: int = 3) -> Path:
        """Write the self-contained HTML report as ``folder/index.html``; return its path."""
        from personacraft.render.report import write_report

        return write_report(self, Path(folder), title=title, accounting=[], max_quotes=max_quotes)

    def save_cards(
        self,
        folder: str | Path,
        *,
        formats: Sequence[str] | None = None,
        title: str = "Customer personas",
        base_url: str | None = None,
    ) -> list[Path]:
        """Write each persona's card into ``folder`` (``<id>.html``, ``.md``, ``.json``, ``.pdf``, ``.png``),
        its 16:9 slide (``<id>.slide.pdf``, ``<id>.slide.png``) and ``deck.pdf`` of all slides.

        ``formats``: a subset of ``html, pdf, png, md, json, slide, deck``; by default every one the
        installed extras allow (PDF, PNG and the slides need ``personacraft[pdf]``, and asking for them
        without it raises MissingExtraError). ``base_url``: where the persona pages are published;
        each card and slide then links ``<base_url>/personas/<id>``, with a QR code.
        """
        from personacraft.render.cards.writer import write_cards

        personas = [p.to_dict() for p in self.personas]
        return write_cards(
            personas,
            Path(folder),
            title=title,
            run_id=self.run_id,
            formats=formats,
            base_url=base_url,
            customers=self.customers,
        )
