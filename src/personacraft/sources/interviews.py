"""Interview notes: a folder of .txt or .md files, one interview each.

A note is tagged in a front-matter block or in its first lines::

    ---
    email: mia.chen@acme.io
    role: VP Engineering
    date: 2025-02-28
    ---
    We spend hours every week reconciling …

``Interviewee:``, ``Email:``, ``Role:`` and ``Date:`` lines at the top work the same way.
The whole note (without its tags) becomes one text of kind ``interview``; its line is 1.
"""

from __future__ import annotations

from personacraft.sources.base import Source, register
from personacraft.sources.columns import lit
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.raw import keep_raw, note_read
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

TAG = "(?im)^\\s*(?:{names})\\s*:\\s*(.+?)\\s*$"


def tag(names: str) -> str:
    return lit(TAG.format(names=names))


@register
class Interviews(Source):
    """Use a glob: ``path = "interviews/*.md"``."""

    kind = "interviews"
    tables = ("texts",)
    description = "A folder of interview notes (.txt/.md) tagged with the interviewee's email or role."

    def load_file(self, run: Run, file: FileLoad) -> None:
        # a note is one small file, already in UTF-8 (see text_copy); NUL bytes are not text
        content = file.readable.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")
        kept = keep_raw(run, file, "SELECT 1 AS _line, ?::VARCHAR AS content", [content])
        note_read(run, file, 1)
        # the tag block: a --- front matter, or "Key: value" lines at the top
        front = "regexp_matches(content, '^\\s*---')"
        head = (
            f"CASE WHEN {front} THEN regexp_extract(content, '(?s)^\\s*---\\s*\\n(.*?)\\n---', 1) "
            "ELSE regexp_extract(content, '^((?:[A-Za-z -]{1,20}:[^\\n]*\\n)+)', 1) END"
        )
        run.execute(f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT _line, content, {head} AS head FROM {kept}")
        body = (
            f"trim(CASE WHEN {front} THEN regexp_replace(content, '(?s)^\\s*---\\s*\\n.*?\\n---\\s*', '') "
            "ELSE substr(content, length(head) + 1) END, ' ' || chr(9) || chr(10) || chr(13))"
        )
        reject_where(run, file, "_stage", f"nullif({body}, '') IS NULL", "", "NULL", "'the note is empty'")
        email = f"nullif(regexp_extract(head, {tag('email|e-mail|interviewee|contact')}, 1), '')"
        insert(
            run,
            file,
            "texts",
            {
                "text_id": lit("interview:" + file.path.name),
                "customer_id": "NULL",
                "email": f"CASE WHEN {email} LIKE '%@%' THEN {email} END",
                "created_at": f"try_cast(nullif(regexp_extract(head, {tag('date')}, 1), '') AS TIMESTAMP)",
                "kind": "'interview'",
                "rating": "NULL",
                "title": f"nullif(regexp_extract(head, {tag('title|topic')}, 1), '')",
                "body": body,
                "author_role": f"nullif(regexp_extract(head, {tag('role|job title|position')}, 1), '')",
            },
            "_stage",
        )
