"""What the web app and the API read from the workspace: a run's published outputs, its customers, its assigner.

A :class:`RunView` holds the documents a build wrote (``personas.json``, ``journeys.json``,
``accounting.json``, ``icp.json`` when ``personacraft icp`` ran) and where its report and
cards are. The :class:`Service` opens the workspace read-only, picks the newest successful run
(or a given one) and keeps the run list, the workspace's alerts (``alerts.jsonl``), the history
of its personas (every successful run's ``personas.json`` and ``changes.json``) and the newest
inspection's ``inspect.json`` (``personacraft inspect``). Reloading
is explicit (:meth:`Service.reload`), so a request never sees half of a new build.
:class:`Assigners` keeps the in-memory :class:`~personacraft.web.assigner.Assigner` of the run shown.
The routes reach the workspace only through this module.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from personacraft.alerts.log import ALERTS_FILE, AlertLog
from personacraft.alerts.log import read as read_alerts
from personacraft.config import Config
from personacraft.erasure import generation, generation_stamp, read_log
from personacraft.errors import NotFoundError, PersonaError
from personacraft.personas.history import History, read_history
from personacraft.render.cards.slides import DECK
from personacraft.render.cards.writer import FORMATS as CARD_FORMATS
from personacraft.segment.persist import explain
from personacraft.store import Workspace
from personacraft.web.assigner import Assigner
from personacraft.web.records import RecordMapper

CARD_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "png": "image/png",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


# the files of ``out/activation/`` a persona page offers (activation.write_activation writes them)
AUDIENCES = ("google", "meta")
CRM_FILE = "crm_personas.csv"
# the slide and deck the cards write when the pdf extra is installed (render.cards)
SLIDES = {"slide.png": "image/png", "slide.pdf": "application/pdf"}
MEMBERS = """COPY (SELECT customer_id, email, persona_id, confidence FROM read_csv(?, header = true, all_varchar = true)
WHERE persona_id = ? ORDER BY customer_id) TO '{path}' (HEADER, DELIMITER ',')"""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def newest_inspection(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``inspect.json`` of the newest inspection among ``runs`` (newest first); None when there is none,
    or when its file was moved or is not an inspection's."""
    row = next((r for r in runs if r.get("status") == "inspected"), None)
    if row is None:
        return None
    try:
        summary = json.loads(row.get("summary_json") or "{}")
        doc = _read_json(Path(str(summary.get("json") or "")))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == "inspection" else None


@dataclass(frozen=True)
class RunView:
    """One finished run's published outputs."""

    run_id: str
    created_at: str
    run_dir: Path
    personas_doc: dict[str, Any]
    journeys: dict[str, Any] | None
    accounting: dict[str, Any] | None
    icp: dict[str, Any] | None
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, run_dir: Path, icp_dir: Path | None = None) -> RunView:
        personas = _read_json(run_dir / "personas.json")
        if personas is None:
            raise NotFoundError(f"{run_dir}: no personas.json; the run's outputs were moved or deleted.")
        icp = _read_json(icp_dir / "icp.json") if icp_dir is not None else None
        if icp is not None and icp.get("run_id") not in (None, personas["run_id"]):
            icp = None  # learned from another run
        return cls(
            run_id=str(personas["run_id"]),
            created_at=str(personas.get("created_at", "")),
            run_dir=run_dir,
            personas_doc=personas,
            journeys=_read_json(run_dir / "journeys.json"),
            accounting=_read_json(run_dir / "accounting.json"),
            icp=icp,
            by_id={p["id"]: p for p in personas["personas"]},
        )

    @property
    def personas(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.personas_doc["personas"]
        return result

    def persona(self, persona_id: str) -> dict[str, Any]:
        try:
            return self.by_id[persona_id]
        except KeyError:
            raise NotFoundError(f"no persona {persona_id!r} in run {self.run_id}.") from None

    def journey(self, persona_id: str) -> dict[str, Any] | None:
        for block in (self.journeys or {}).get("personas", []):
            if block.get("persona_id") == persona_id:
                return dict(block)
        return None

    def card_path(self, persona_id: str, fmt: str) -> Path:
        """The card file of a persona; only known personas and formats (no path from the request)."""
        self.persona(persona_id)
        if fmt not in CARD_FORMATS:
            raise NotFoundError(f"no card format {fmt!r}; one of {', '.join(CARD_FORMATS)}.")
        path = self.run_dir / "report" / "cards" / f"{persona_id}.{fmt}"
        if not path.is_file():
            raise NotFoundError(f"the {fmt} card of {persona_id} was not written by run {self.run_id}.")
        return path

    def slide_path(self, persona_id: str | None, kind: str) -> Path:
        """A persona's slide (``slide.png``, ``slide.pdf``) or, with no persona, the deck (``deck.pdf``)."""
        if persona_id is None:
            path = self.run_dir / "report" / "cards" / DECK
        else:
            self.persona(persona_id)
            if kind not in SLIDES:
                raise NotFoundError(f"no slide format {kind!r}; one of {', '.join(SLIDES)}.")
            path = self.run_dir / "report" / "cards" / f"{persona_id}.{kind}"
        if not path.is_file():
            raise NotFoundError(f"run {self.run_id} wrote no {path.name} (the cards' pdf extra is not installed).")
        return path

    def activation_path(self, persona_id: str | None, kind: str) -> Path:
        """A file of ``activation/``: a persona's ``google`` or ``meta`` audience, or (no persona) the CRM import."""
        if persona_id is None:
            path = self.run_dir / "activation" / CRM_FILE
        else:
            self.persona(persona_id)
            if kind not in AUDIENCES:
                raise NotFoundError(f"no audience {kind!r}; one of {', '.join(AUDIENCES)}.")
            path = self.run_dir / "activation" / kind / f"{persona_id}.csv"
        if not path.is_file():
            raise NotFoundError(f"run {self.run_id} wrote no {path.relative_to(self.run_dir)}.")
        return path

    def members_csv(self, persona_id: str, target: Path) -> Path:
        """Write the persona's members (``customer_id, email, persona_id, confidence`` from assignments.csv)
        to ``target`` with DuckDB, and return it."""
        self.persona(persona_id)
        source = self.run_dir / "assignments.csv"
        if not source.is_file():
            raise NotFoundError(f"run {self.run_id} wrote no assignments.csv.")
        escaped = str(target).replace("'", "''")
        con = duckdb.connect()
        try:
            con.execute(MEMBERS.format(path=escaped), [str(source), persona_id])
        finally:
            con.close()
        return target


class Service:
    """The workspace of a config, read-only, with the run the app shows."""

    def __init__(self, config: Config, run_id: str | None = None) -> None:
        self.config = config
        self.run_id = run_id
        self._lock = threading.Lock()
        self.view: RunView
        self.runs: list[dict[str, Any]] = []
        self.alerts = AlertLog([], 0, 0)
        self.history = History()
        self.inspection: dict[str, Any] | None = None
        self.generation = 0  # of the erasures (`personacraft forget`) when the run was read
        self.erasures = 0  # how many forgets the erasure log holds
        self._stamp: tuple[int, int, int] | None = None  # of the counter file when check() last read it
        # serve --workers: a counter in memory shared by the workers, bumped by the one that answered a reload
        self.reloads: Any = None
        self._reloads_seen = 0
        self._checking = threading.Lock()
        self.reload()

    def check(self) -> None:
        """Reload when a ``personacraft forget`` ran since the run was read (a ``stat`` per request; the counter
        is read again only when its file changed), or when another worker of ``serve --workers`` answered a
        ``POST /api/reload``. Each worker checks for itself; requests that come during a reload wait for it."""
        wanted = self.reloads.value if self.reloads is not None else 0
        stamp = generation_stamp(self.config.workspace_path)
        if wanted == self._reloads_seen and stamp == self._stamp:
            return
        with self._checking:
            if wanted != self._reloads_seen:
                self.reload()
                self._reloads_seen = wanted
            elif stamp != self._stamp and generation(self.config.workspace_path) != self.generation:
                self.reload()
            self._stamp = stamp

    def share_reloads(self, counter: Any) -> None:
        """Before the workers of ``serve --workers`` are forked: ``counter`` (an integer in shared memory, such as a
        ``multiprocessing`` ``RawValue``) tells each worker that another one read the run again."""
        self.reloads = counter
        self._reloads_seen = counter.value

    def announce_reload(self) -> None:
        """After a reload asked of this worker (``POST /api/reload``): the other workers read the run again too."""
        if self.reloads is not None:
            self.reloads.value += 1
            self._reloads_seen = self.reloads.value

    def reload(self) -> None:
        """Read the run (the newest successful one unless pinned), the run list, the alerts, the history and the
        newest inspection again."""
        seen = generation(self.config.workspace_path)
        with Workspace(self.config.workspace_path, read_only=True) as ws:
            run = ws.run(self.run_id)
            runs = ws.runs()
        out = next((r.get("out_dir") for r in runs if r["run_id"] == run.run_id), None)
        if not out:
            raise NotFoundError(f"run {run.run_id} has no output folder recorded; build again.")
        run_dir = Path(out)
        view = RunView.load(run_dir, icp_dir=run_dir.parent.parent)
        alerts = read_alerts(self.config.workspace_path.parent / ALERTS_FILE)
        history = read_history(runs)
        inspection = newest_inspection(runs)
        with self._lock:
            self.view = view
            self.alerts = alerts
            self.history = history
            self.inspection = inspection
            self.generation = seen
            self.erasures = len(read_log(self.config.workspace_path))
            self.runs = [{k: v for k, v in r.items() if k not in ("config_json", "inputs_json")} for r in runs]

    def customer(self, run_id: str, customer: str, *, with_email: bool) -> tuple[dict[str, Any], str | None]:
        """A customer of run ``run_id`` by id or email (its persona and reasons), and its email if asked."""
        with Workspace(self.config.workspace_path, read_only=True) as ws:
            run = ws.run(run_id)
            found = explain(run, customer)
            email = None
            if with_email:
                rows = run.execute(
                    f"SELECT email FROM {run.t('customer_index')} WHERE customer_key = ?", [found["customer_id"]]
                ).fetchall()
                email = rows[0][0] if rows else None
        return found, email


class Assigners:
    """The :class:`Assigner` of the service's run, made again when the run changes."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._current: tuple[tuple[str, int], Assigner | PersonaError, RecordMapper | None] | None = None

    def load(self) -> None:
        view = self.service.view
        names = {p["id"]: p.get("name") or p["id"] for p in view.personas}
        with self._lock:
            key = (view.run_id, self.service.generation)
            if self._current is not None and self._current[0] == key:
                return
            try:
                assigner: Assigner | PersonaError = Assigner.from_workspace(
                    self.service.config.workspace_path, view.run_id, names
                )
            except PersonaError as exc:  # no stable personas, or an old build without a saved model
                assigner = exc
            if self._current is not None and self._current[2] is not None:
                self._current[2].close()
            mapper = RecordMapper(assigner) if isinstance(assigner, Assigner) else None
            self._current = (key, assigner, mapper)

    def get(self) -> tuple[Assigner, RecordMapper]:
        current = self._current
        if current is None or current[0] != (self.service.view.run_id, self.service.generation):
            self.load()
            current = self._current
        assert current is not None
        if isinstance(current[1], PersonaError):
            raise current[1]
        assert current[2] is not None
        return current[1], current[2]
