"""Where customers drop off: journey instances and funnels, computed from flow-event rows.

Pure functions over ``FlowRow`` (one row of ``flow_events``); no I/O, easy to test.

An *instance* of a journey, per chat, in time order:
- starts with its pick trigger (``pick_upgrade``, ``pick_cda``, ``pick_recovery``); asking for
  a forgotten password from the log-in steps (``forgot_password``) also starts a recovery;
- reaches steps (the states it arrives at);
- ends **completed** on reaching the journey's done state; **advisor** on reaching the handoff;
  **abandoned** at the step it leaves for the menu, for a reason read from the trigger
  (``expire`` -> inactivity; ``cancel``, ``start``, ``back``, ``logout`` -> cancelled;
  ``terms_declined`` -> declined; anything else, e.g. ``login_locked`` or leaving the log-in for
  a password recovery -> other);
- with no further event, it is abandoned by inactivity at its last step once the report's end
  is more than the idle timeout after that event, and **in progress** before then.
Events outside an instance (the menu, an advisor asked for from the menu, leaving a done
state) are not part of any funnel. An instance belongs to the product first known within it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby

from bot.fsm import MENU_LIKE, State


class Outcome(StrEnum):
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    ADVISOR = "advisor"
    IN_PROGRESS = "in_progress"


class Reason(StrEnum):
    INACTIVITY = "inactivity"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Journey:
    name: str
    done: State
    steps: tuple[State, ...]  # in journey order
    by_product: bool = True  # a password recovery concerns no product


LOGIN = (State.LOGIN_USER, State.LOGIN_PASSWORD, State.CHOOSE_MODALITY, State.CHOOSE_SERIAL)
JOURNEYS: dict[str, Journey] = {
    "upgrade": Journey(
        "upgrade", State.UPGRADE_DONE, (*LOGIN, State.UPGRADE_TERMS, State.LICENCE_UPGRADE)
    ),
    "cda": Journey("cda", State.CDA_DONE, (*LOGIN, State.CDA_CONFIRM)),
    "recovery": Journey("recovery", State.RECOVERY_DONE, (State.RECOVERY_USER,), False),
}
STARTS: dict[str, str] = {
    "pick_upgrade": "upgrade",
    "pick_cda": "cda",
    "pick_recovery": "recovery",
    "forgot_password": "recovery",
}
REASONS: dict[str, Reason] = {
    "expire": Reason.INACTIVITY,
    "cancel": Reason.CANCELLED,
    "start": Reason.CANCELLED,
    "back": Reason.CANCELLED,
    "logout": Reason.CANCELLED,
    "terms_declined": Reason.DECLINED,
}
MENU_STATES = frozenset(s.value for s in MENU_LIKE)


@dataclass(frozen=True, slots=True)
class FlowRow:
    chat_id: str
    at: datetime
    journey: str | None
    product: str | None
    from_state: str
    to_state: str
    trigger: str


@dataclass(slots=True)
class Instance:
    chat_id: str
    journey: str
    started_at: datetime
    product: str | None = None
    reached: list[str] = field(default_factory=list)  # distinct, in order
    outcome: Outcome = Outcome.IN_PROGRESS
    step: str | None = None  # where it ended (abandoned, advisor) or stands (in progress)
    reason: Reason | None = None
    ended_at: datetime | None = None
    last_at: datetime | None = None

    def reach(self, state: str) -> None:
        if state not in self.reached:
            self.reached.append(state)
        self.step = state

    def end(self, outcome: Outcome, at: datetime | None, reason: Reason | None = None) -> None:
        self.outcome, self.ended_at, self.reason = outcome, at, reason

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None


# --- instances ---------------------------------------------------------------------------


def instances(
    rows: Iterable[FlowRow], *, now: datetime, idle: timedelta, since: datetime | None = None
) -> list[Instance]:
    """Every journey instance in ``rows``, started at or after ``since``.

    Rows come in recording order (by id); they are regrouped per chat and by time, so rows of
    one update (same time) keep the order they were recorded in.
    """
    ordered = sorted(rows, key=lambda r: (r.chat_id, r.at))  # stable: same-time rows keep order
    found: list[Instance] = []
    for _chat, chat_rows in groupby(ordered, key=lambda r: r.chat_id):
        found += _chat_instances(chat_rows, now=now, idle=idle)
    return [i for i in found if since is None or i.started_at >= since]


def _chat_instances(rows: Iterable[FlowRow], *, now: datetime, idle: timedelta) -> list[Instance]:
    found: list[Instance] = []
    current: Instance | None = None
    for row in rows:
        if row.trigger in STARTS:
            if current is not None and current.outcome is Outcome.IN_PROGRESS:
                _leave(current, row)
            current = Instance(row.chat_id, STARTS[row.trigger], row.at, row.product)
            current.reach(row.to_state)
            current.last_at = row.at
            found.append(current)
        elif current is not None and current.outcome is Outcome.IN_PROGRESS:
            _advance(current, row)
    if current is not None and current.outcome is Outcome.IN_PROGRESS:
        _maybe_idle(current, now, idle)
    return found


def _advance(instance: Instance, row: FlowRow) -> None:
    instance.product = instance.product or row.product
    instance.last_at = row.at
    if row.to_state == JOURNEYS[instance.journey].done.value:
        instance.end(Outcome.COMPLETED, row.at)
    elif row.to_state == State.HANDOFF.value:
        instance.step = row.from_state
        instance.end(Outcome.ADVISOR, row.at)
    elif row.to_state in MENU_STATES:
        _leave(instance, row)
    else:
        instance.reach(row.to_state)


def _leave(instance: Instance, row: FlowRow) -> None:
    instance.step = row.from_state
    instance.end(Outcome.ABANDONED, row.at, REASONS.get(row.trigger, Reason.OTHER))


def _maybe_idle(instance: Instance, now: datetime, idle: timedelta) -> None:
    if instance.last_at is not None and now - instance.last_at > idle:
        instance.end(Outcome.ABANDONED, None, Reason.INACTIVITY)


# --- funnels -----------------------------------------------------------------------------


@dataclass(slots=True)
class StepFigures:
    step: str
    reached: int = 0
    abandoned: dict[Reason, int] = field(default_factory=lambda: dict.fromkeys(Reason, 0))
    advisor: int = 0
    in_progress: int = 0

    @property
    def abandoned_total(self) -> int:
        return sum(self.abandoned.values())


@dataclass(slots=True)
class Funnel:
    journey: str
    product: str | None  # None: every product
    started: int
    completed: int
    advisor: int
    in_progress: int
    steps: list[StepFigures]
    median_to_complete: timedelta | None

    def abandoned(self, reason: Reason | None = None) -> int:
        return sum(s.abandoned[reason] if reason else s.abandoned_total for s in self.steps)

    def share(self, count: int) -> float:
        """``count`` as a percentage of the instances started (0 when none started)."""
        return 100.0 * count / self.started if self.started else 0.0


def funnel(found: Sequence[Instance], journey: str, product: str | None = None) -> Funnel:
    """The funnel of one journey (of one product, when given) over instances."""
    mine = [i for i in found if i.journey == journey and (product is None or i.product == product)]
    steps = _step_figures(mine, JOURNEYS[journey])
    done = [i.duration for i in mine if i.outcome is Outcome.COMPLETED and i.duration is not None]
    return Funnel(
        journey=journey,
        product=product,
        started=len(mine),
        completed=sum(i.outcome is Outcome.COMPLETED for i in mine),
        advisor=sum(i.outcome is Outcome.ADVISOR for i in mine),
        in_progress=sum(i.outcome is Outcome.IN_PROGRESS for i in mine),
        steps=steps,
        median_to_complete=statistics.median(done) if done else None,  # type: ignore[type-var]
    )


def _step_figures(mine: Sequence[Instance], journey: Journey) -> list[StepFigures]:
    figures = {s.value: StepFigures(s.value) for s in journey.steps}
    for instance in mine:
        for state in instance.reached:
            figures.setdefault(state, StepFigures(state)).reached += 1
        if instance.step is None or instance.outcome is Outcome.COMPLETED:
            continue
        at = figures.setdefault(instance.step, StepFigures(instance.step))
        if instance.outcome is Outcome.ADVISOR:
            at.advisor += 1
        elif instance.outcome is Outcome.IN_PROGRESS:
            at.in_progress += 1
        elif instance.reason is not None:
            at.abandoned[instance.reason] += 1
    return list(figures.values())


def products(found: Sequence[Instance], journey: str) -> list[str]:
    """The products known in a journey's instances, sorted."""
    return sorted({i.product for i in found if i.journey == journey and i.product})


def funnels(
    found: Sequence[Instance],
    *,
    journey: str | None = None,
    product: str | None = None,
    per_product: bool = True,
) -> list[Funnel]:
    """Per journey: the whole funnel, then one per product (or only the product asked for)."""
    result: list[Funnel] = []
    for name in [journey] if journey else list(JOURNEYS):
        if product is not None:
            if product in products(found, name):
                result.append(funnel(found, name, product))
            continue
        result.append(funnel(found, name))
        if per_product:
            result += [funnel(found, name, p) for p in products(found, name)]
    return result
