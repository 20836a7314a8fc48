"""The per-update model the shared machine of ``bot.fsm`` acts on.

A ``Dialogue`` is restored from the stored state name and slots, receives one trigger, and
collects what to say and where it moved. What happens on each transition is in
``bot.conversation.callbacks``; what each step shows is in ``bot.conversation.screens``.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.conversation import keyboards as kb
from bot.conversation.messages import Reply
from bot.conversation.screens import screen_of
from bot.conversation.states import State
from bot.fsm import MACHINE

Translate = Callable[..., str]


@dataclass(frozen=True, slots=True)
class Step:
    """A trigger to fire, with the outcome of the step's work as keyword arguments."""

    trigger: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FlowEvent:
    from_state: str
    to_state: str
    trigger: str
    journey: str | None
    product: str | None


@dataclass(slots=True)
class Dialogue:
    state: State
    slots: dict[str, Any]
    account_id: int | None
    t: Translate
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    flow: list[FlowEvent] = field(default_factory=list)
    handoff_reason: str | None = None  # set when this update asks for an advisor
    handoff_closed: str | None = None  # "closed" (by the advisor) or "left" (by the customer)
    # (journey, product) as the trigger found them: a ``before`` callback may drop the journey
    left: tuple[str | None, str | None] = (None, None)
    then: str | None = None  # a second request of this turn's message, offered when done

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        """Fire one trigger; False when the current step has no such transition."""
        event = MACHINE.events.get(trigger)
        if event is None or self.state.name not in event.transitions:
            return False
        self.left = (self.slots.get("journey"), self.slots.get("product"))
        return bool(event.trigger(self, **kwargs))

    def say(
        self,
        key: str,
        *,
        buttons: kb.Rows = (),
        secret: bool = False,
        keep: bool = False,
        **args: Any,
    ) -> None:
        """Add a reply; ``keep``: a result the customer keeps on screen (never edited away)."""
        self.replies.append(Reply(key, self.t(key, **args), buttons, secret, keep))

    def prompt(self) -> None:
        """Show the current step's question and its buttons (again)."""
        screen = screen_of(self.state, self.slots)
        buttons = screen.buttons(self.t, self.slots)
        self.say(screen.key, buttons=buttons, secret=screen.secret, **screen.arguments(self.slots))

    def remember_offered(self) -> None:
        """Keep the buttons of this turn's replies: only those may be pressed next."""
        offered = [[b.data, b.label] for reply in self.replies for b in reply.all_buttons()]
        if offered:
            self.slots["offered"] = offered

    def moved(
        self, source: State, dest: State, trigger: str, journey: str | None, product: str | None
    ) -> None:
        self.flow.append(FlowEvent(source.value, dest.value, trigger, journey, product))
