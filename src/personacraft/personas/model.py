"""The result of a build: a PersonaSet that owns its exports (JSON now; HTML via render)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from personacraft.errors import SchemaError
from personacraft.schema import personas_schema

STABILITY_BANDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"), (0.0, "do not trust"))


def stability_band(value: float) -> str:
    """Hennig's reading of a bootstrap Jaccard mean, in words."""
    return next(word for floor, word in STABILITY_BANDS if value >= floor)


@dataclass
class PersonaSet:
    """Personas of one run, with where they came from."""

    run_id: str
    created_at: str
    customers: int
    personas: list[dict[str, Any]]
    provenance: dict[str, Any] = field(default_factory=dict)
    why_they_left: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "customers": self.customers,
            "personas": self.personas,
            "why_they_left": self.why_they_left,
            "provenance": self.provenance,
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PersonaSet:
        return cls(
            run_id=data["run_id"],
            created_at=data["created_at"],
            customers=data["customers"],
            personas=data["personas"],
            provenance=data.get("provenance", {}),
            why_they_left=data.get("why_they_left"),
        )

    @classmethod
    def from_json(cls, path: str | Path) -> PersonaSet:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def validate(self) -> None:
        """Check against the shipped JSON Schema; raise SchemaError naming the first problem."""
        validator = jsonschema.Draft202012Validator(personas_schema())
        errors = sorted(validator.iter_errors(json.loads(self.to_json())), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.path) or "(root)"
            raise SchemaError(f"personas.json does not match its schema at {where}: {e.message}")

    def save_json(self, path: str | Path) -> Path:
        self.validate()
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path
