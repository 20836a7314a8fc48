"""Stored conversations across releases: a versioned map of renamed and removed states.

Every saved conversation carries the ``STATE_VERSION`` of the release that wrote it. A release
that renames or removes a state bumps ``STATE_VERSION`` and adds one entry to ``MIGRATIONS``:
``{new version: {old name: today's state}}``. On load, ``restore_state`` applies the steps from
the row's version up to today's, in order, so a conversation written three releases ago still
resumes where the customer was. A name that no state carries any more (and no step maps)
restarts at the menu: nothing is stranded. The next save writes today's name and version, so the
map is applied once per conversation; no data migration is needed at deploy time.

Example, for a release that renamed ``upgrade_terms`` to ``terms``::

    STATE_VERSION = 2
    MIGRATIONS = {2: {"upgrade_terms": State.UPGRADE_TERMS}}
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.fsm import State

STATE_VERSION = 1
# version -> {state name as stored by the release before it -> state of that version}
MIGRATIONS: dict[int, Mapping[str, State | str]] = {}


def restore_state(
    name: str,
    version: int = STATE_VERSION,
    *,
    current: int | None = None,
    migrations: Mapping[int, Mapping[str, State | str]] | None = None,
) -> State:
    """Today's state for a name stored by the release of ``version``."""
    current = STATE_VERSION if current is None else current
    steps = MIGRATIONS if migrations is None else migrations
    for step in range(version + 1, current + 1):
        renamed = steps.get(step, {}).get(name)
        if renamed is not None:
            name = str(renamed)
    try:
        return State(name)
    except ValueError:
        return State.MENU
