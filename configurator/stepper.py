"""The studio's stepper as plain data: one tab per step and a last one for the summary, which
step is open (`?step=<code>` in the URL, so without JavaScript every step is a link), and what
the summary lists for each step. No request, no ORM: studio.py builds it for the page."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from configurator.engine import Catalog, State
from configurator.engine.catalog import TEXT, iter_bits
from configurator.i18n import pick

SUMMARY = "summary"  # the last tab's code; no step may be called so (the URL would be ambiguous)


def open_step(cat: Catalog, code: str | None) -> str:
    """The step a URL asks to open: a step of this product, or the summary; else the first."""
    if code == SUMMARY or (code and code in cat.group_by_code):
        return code
    return cat.groups[0].code if cat.groups else SUMMARY


@dataclass(frozen=True)
class Tab:
    code: str
    name: str
    number: int  # 1-based; the summary is the last
    missing: bool = False  # a required step with nothing chosen
    choice: str = ""  # what is chosen, as the summary lists it ("" for nothing)


@dataclass(frozen=True)
class Stepper:
    open: str
    tabs: list[Tab]

    @property
    def total(self) -> int:
        return len(self.tabs)

    @property
    def steps(self) -> list[Tab]:
        """Every tab but the summary: the summary's lines."""
        return self.tabs[:-1]

    @property
    def missing(self) -> list[Tab]:
        return [tab for tab in self.tabs if tab.missing]

    @property
    def previous(self) -> Tab | None:
        """The tab before the open one (Previous), None on the first."""
        at = self._at()
        return self.tabs[at - 1] if at > 0 else None

    @property
    def next(self) -> Tab | None:
        """The tab after the open one (Next), None on the summary."""
        at = self._at()
        return self.tabs[at + 1] if at + 1 < len(self.tabs) else None

    def _at(self) -> int:
        return next(i for i, tab in enumerate(self.tabs) if tab.code == self.open)


def stepper(cat: Catalog, state: State, missing: Collection[str], open_code: str, lang: str,
            summary_name: str) -> Stepper:
    """The tabs of `cat`'s steps for the build `state`, with `open_code` open."""
    tabs = []
    for number, group in enumerate(cat.groups, start=1):
        if group.kind == TEXT:
            choice = state.text(group.code)
        else:
            choice = ", ".join(pick(cat.options[i].name, lang) for i in iter_bits(state.mask & group.mask))
        tabs.append(Tab(group.code, pick(group.name, lang), number, group.code in missing, choice))
    tabs.append(Tab(SUMMARY, summary_name, len(tabs) + 1))
    return Stepper(open_code, tabs)
