"""Rendering: the HTML report and its charts."""

from personacraft.render.report import render_report

__all__ = ["render_report"]
