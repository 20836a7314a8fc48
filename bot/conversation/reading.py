"""How the step and the last journey shape the reading of what a customer types.

``bot.nlu`` reads a message on its own; here it is read where it was said:
- at a question, a loose answer presses its button: "la de renta" at the modality question,
  "va, dale" at a confirmation, "todavia no, luego" as its no (``loose_press``);
- right after a CDA resend, "todavia no me cae el correo, me lo reenvias?" is a follow-up on
  that resend (explain, offer it again), not a new journey; after a refusal (a licence, a
  physical box), "pero si ya pague, por que no se puede?" is a complaint about it (explain,
  offer the advisor), not the journey started over (``_in_context``);
- a product or serial named at the modality question goes to that system, or says why not
  (in both lists, not in this account) — never silence (``follow_hints``);
- a message with two requests does the blocker first and offers the other when it is done
  (``Dialogue.then``, ``after_step``);
- when the classifier is unsure, the bot asks "Quieres … o …?" with buttons instead of
  "no te entendi", in the manner of Rasa's two-stage fallback (``_clarify``): the press
  continues the journey chosen; each question counts as a miss, so after two failed
  clarifications the third unclear message reaches the advisor as before
  (``engine.MISSES_BEFORE_ADVISOR``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.conversation import keyboards as kb
from bot.conversation.callbacks import offer_advisor
from bot.conversation.dialogue import Dialogue, Step
from bot.conversation.states import MENU_LIKE, State
from bot.domain import errors
from bot.domain.catalogue import default_catalogue
from bot.nlu import Intent, Understanding, choose, options, understand, yes_no
from bot.nlu.features import read
from bot.nlu.lexicon import default_lexicon
from bot.nlu.products import find_product

if TYPE_CHECKING:
    from bot.conversation.steps import Turn

# When to ask instead of act (``_clarity``), read off the cross-validated folds of the
# training data (each writer's messages scored by a model trained on the others): a top
# probability of 0.8 or more is right 97–99 % of the time, 0.5–0.8 about 80 %, under 0.4
# almost never; top two closer than 0.2 are right about 75 % of the time. Rasa's defaults
# (threshold 0.3, ambiguity 0.1) are the same idea on a less calibrated scale.
CLARIFY_BELOW = 0.6  # a middling top probability: ask which of the two best was meant
AMBIGUOUS_MARGIN = 0.2  # the two best intents closer than this: ask
CANDIDATE_MIN = 0.15  # an intent less likely than this is not offered as an option
MISSES_BEFORE_ADVISOR = 3  # the engine's: the third miss at one step opens a ticket
CHOOSE_MAX_WORDS = 6  # "la de licencia": a longer message is a request, read as one

ACTIONS = {
    Intent.UPGRADE_SERIAL: "pick_upgrade",
    Intent.RESEND_CDA: "pick_cda",
    Intent.HUMAN_AGENT: "advisor",
    Intent.CANCEL: "cancel",
}
ANSWERS = {
    Intent.GREETING: Step("greet"),
    Intent.THANKS: Step("thank"),
    Intent.HELP: Step("help"),
    Intent.NO_ACCOUNT: Step("faq", {"key": "faq-no-account"}),
    Intent.DOWNLOAD: Step("faq", {"key": "faq-download"}),
    Intent.ACTIVATION_HELP: Step("faq", {"key": "activation-help"}),
}
ACTING = {*ACTIONS, Intent.FORGOT_PASSWORD}
# Intents worth a "Quieres …?": the rest (a greeting, thanks, nothing) are answered as read.
CLARIFIABLE = (set(ACTIONS) | set(ANSWERS) | {Intent.FORGOT_PASSWORD}) - {
    Intent.GREETING,
    Intent.THANKS,
}
# A second request offered when the first journey is done, and the menu button that starts it.
LATER = {Intent.UPGRADE_SERIAL: kb.UPGRADE, Intent.RESEND_CDA: kb.CDA}
TWO_FIRST = (Intent.FORGOT_PASSWORD, Intent.UPGRADE_SERIAL, Intent.RESEND_CDA)
DONE = (State.RECOVERY_DONE, State.UPGRADE_DONE, State.CDA_DONE)
# The yes and no buttons of each confirmation step.
CONFIRMATIONS = {
    State.UPGRADE_TERMS: (kb.ACCEPT, kb.DECLINE),
    State.CDA_CONFIRM: (kb.SEND_CDA, kb.BACK),
}
MODALITY_PROMPTS = ("modality-ask-upgrade", "modality-ask-cda")
MODALITY_BUTTONS = {"Suscripciones": kb.SUBSCRIPTIONS, "Licenciamiento": kb.LICENCES}
# The refusals a complaint can be about (the advisor offer's reason).
COMPLAINTS = ("licence", "physical_box")
# What a message about the journey just finished or refused reads as, there.
FOLLOW_UPS = (Intent.RESEND_CDA, Intent.HELP, Intent.UNKNOWN, Intent.ACTIVATION_HELP)
COMPLAINT_INTENTS = {
    "licence": (Intent.UPGRADE_SERIAL, Intent.HELP, Intent.UNKNOWN, Intent.ACTIVATION_HELP),
    "physical_box": FOLLOW_UPS,
}


def loose_press(d: Dialogue, text: str) -> str | None:
    """The button a loose answer to the current question means, if it clearly means one."""
    short = len(text.split()) <= CHOOSE_MAX_WORDS
    if d.state in (State.CHOOSE_MODALITY, State.CHOOSE_SERIAL) and short:
        picked = choose(text, options("modality"))
        if picked and d.state is State.CHOOSE_SERIAL:  # "las compradas": the other list
            d.fire("back")
            _drop_prompt(d, MODALITY_PROMPTS)
        if picked:
            return MODALITY_BUTTONS[picked]
        shown = _shown_serial(d, _system_named(text))  # "la de nomina" among the systems
        return kb.SERIAL_PREFIX + shown if shown else None
    offered = [data for data, _label in d.slots.get("offered", [])]
    clarifying = [data for data in offered if data.startswith(kb.CLARIFY_PREFIX)]
    buttons = CONFIRMATIONS.get(d.state)
    if buttons is None and len(clarifying) == 2:  # "Quieres …?" with one option and "no"
        buttons = (clarifying[0], clarifying[1])
    if buttons is None or "?" in text:  # "pero si ya pague, por que no?" is no answer
        return None
    answer = yes_no(text)
    return None if answer is None else buttons[0 if answer == "yes" else 1]


def _system_named(text: str) -> str | None:
    """The product a short answer names as a system: in a list of serials "la de nomina" is
    the serial ("la") of Aspel NOI, as the catalogue's "el de nomina" is the system."""
    reading = read(text, default_lexicon())
    words = ["el" if w == "la" else "los" if w == "las" else w for w in reading.words]
    return find_product(words, reading.typed, None, True)


def understood(d: Dialogue, text: str, t: Turn, fallback: Step) -> Step | None:
    """What a free-text message asks for at this step (``None``: already acted on)."""
    u = understand(text)
    handled, step = _in_context(d, u)
    if handled:
        return step
    small_talk = u.intent in (Intent.GREETING, Intent.THANKS)  # "si, gracias": thanks
    answer = None if "?" in text or small_talk else yes_no(text)
    if d.state not in CONFIRMATIONS and answer == "yes":
        d.say("reply-pick-option")  # "va, dale" where the question is not a yes or no
        d.prompt()
        return None
    confident = _clarity(u)
    if confident and u.intent in ACTING:
        _two_requests(d, u)
        return _action(d, u)
    if confident and u.faq:
        return Step("faq", {"key": u.faq})
    if confident and u.intent in ANSWERS:
        return ANSWERS[u.intent]
    shown = _shown_serial(d, u.product)
    if shown:
        return serial_chosen(d, t, shown)
    if (u.product or u.serial) and d.state in (State.CHOOSE_MODALITY, State.CHOOSE_SERIAL):
        d.slots.update(hint_product=u.product, hint_serial=u.serial)
        follow_hints(d, t)
        return None
    if not confident and _clarify(d, u):
        return None
    return fallback


def clarified(d: Dialogue, data: str) -> Step | None:
    """The customer pressed one of the options of "Quieres … o …?" (or neither)."""
    asked = d.slots.pop("clarify", {})
    choice = data.removeprefix(kb.CLARIFY_PREFIX)
    if choice == kb.CLARIFY_NONE:
        d.say("clarify-rephrase")
        return None
    d.slots.pop("misses", None)
    intent = Intent(choice)
    u = Understanding(intent, asked.get("product"), asked.get("serial"), 1.0, None)
    if intent in ACTING:
        return _action(d, u)
    return ANSWERS.get(intent, Step("help"))


def after_step(d: Dialogue, t: Turn, pending: str | None) -> None:
    """After the turn's trigger: follow a named system, keep or offer a second request."""
    if d.state is State.CHOOSE_MODALITY and ("hint_product" in d.slots or "hint_serial" in d.slots):
        follow_hints(d, t)
    later = d.then or pending
    if later is None:
        return
    if d.state in DONE:
        d.slots.pop("then", None)
        button = kb.then_button(d.t, LATER[Intent(later)], later)
        menu = d.replies.pop() if d.replies and d.replies[-1].key == "menu-more" else None
        d.say("then-offer", buttons=kb.rows(button), request=later)  # before the menu's own
        d.replies.extend([menu] if menu else [])
    elif d.then is not None:
        d.slots["then"] = d.then


def follow_hints(d: Dialogue, t: Turn) -> None:
    """Go straight to the system the customer named (product or serial), once logged in;
    when that cannot be, say why and ask again."""
    product, serial = d.slots.pop("hint_product", None), d.slots.pop("hint_serial", None)
    if d.account_id is None or not (product or serial):
        return
    rows = t.portal.list_systems(d.account_id)
    if serial is not None and not any(r.serial == serial for r in rows):
        _reprompt(d, "serial-not-in-account", serial=serial)  # not this account's: nothing more
        return
    named = [r for r in rows if r.serial == serial] or [
        r for r in rows if r.product == product and r.replaced_by is None
    ]
    if not named:
        assert product is not None
        _reprompt(d, "product-not-in-account", system=default_catalogue().get(product).name)
        return
    if len({r.modality for r in named}) > 1:
        _reprompt(d, "modality-both-lists", system=named[0].product_name)
        return
    _drop_prompt(d, (*MODALITY_PROMPTS, "serial-ask"))
    if len(named) > 1:
        d.fire("modality_chosen", modality=named[0].modality, systems=named)
        return
    same_list = [r for r in rows if r.modality is named[0].modality]
    d.fire("modality_chosen", modality=named[0].modality, systems=same_list)
    _drop_prompt(d, ("serial-ask",))
    d.fire("serial_chosen", row=named[0])


# --- the reading in context -----------------------------------------------------------------


def _in_context(d: Dialogue, u: Understanding) -> tuple[bool, Step | None]:
    """A follow-up on the journey just finished, or a complaint about a refusal:
    (whether it was one, the step to fire)."""
    if u.serial is not None and u.serial != d.slots.get("serial"):
        return False, None  # another system named: read as a request of its own
    same = u.product is None or u.product == d.slots.get("product")
    if (
        d.state is State.CDA_DONE
        and d.account_id is not None
        and d.slots.get("serial")
        and same
        and u.intent in FOLLOW_UPS
    ):
        d.say("cda-followup", keep=True, email=d.slots.get("email", ""))
        return True, Step("pick_cda", {"serial": d.slots["serial"]})
    offer = d.slots.get("advisor_offer", {})
    reason = "licence" if d.state is State.LICENCE_UPGRADE else offer.get("reason")
    if reason not in COMPLAINTS or offer.get("at", d.state.value) != d.state.value:
        return False, None
    # about the refused system: a licence may be named again; a box's list holds other systems
    about = same if reason == "licence" else u.product is None
    if u.intent not in COMPLAINT_INTENTS[reason] or not about:
        return False, None
    buttons = kb.rows(kb.advisor(d.t), kb.main_menu(d.t))
    if reason == "licence":
        system, version = d.slots.get("system", ""), d.slots.get("version", "")
        d.say("licence-complaint", keep=True, buttons=buttons, system=system, version=version)
        named = {k: d.slots[k] for k in ("product", "serial") if d.slots.get(k)}
        offer_advisor(d, "licence", State.LICENCE_UPGRADE, **named)
    else:
        d.say("cda-physical-complaint", keep=True, buttons=buttons)
        d.prompt()  # the list it was refused from, to pick another
    return True, None


def _clarity(u: Understanding) -> bool:
    """Whether the classifier is sure enough to act on its reading."""
    if not u.ranked or u.intent is not u.ranked[0].intent:
        return True  # empty, or read clause by clause (a blocker first): acted on as read
    top = u.ranked[0].probability
    second = u.ranked[1].probability if len(u.ranked) > 1 else 0.0
    if u.intent in (Intent.GREETING, Intent.THANKS, Intent.UNKNOWN):
        return True  # nothing to choose between: answered, or "no te entendi"
    return top >= CLARIFY_BELOW and top - second >= AMBIGUOUS_MARGIN


def _clarify(d: Dialogue, u: Understanding) -> bool:
    """Ask "Quieres … o …?" with the likeliest intents as buttons; False: nothing to offer."""
    candidates = [
        s.intent for s in u.ranked[:2] if s.intent in CLARIFIABLE and s.probability >= CANDIDATE_MIN
    ]
    if not candidates:
        return False
    d.slots["misses"] = d.slots.get("misses", 0) + 1
    if d.slots["misses"] >= MISSES_BEFORE_ADVISOR:
        return True  # two clarifications failed: the engine hands over to an advisor
    d.slots["clarify"] = {"product": u.product, "serial": u.serial}
    buttons = [kb.clarify_option(d.t, str(intent)) for intent in candidates]
    phrases = [d.t("clarify-option", intent=str(intent)) for intent in candidates]
    if len(candidates) == 2:
        d.say(
            "clarify-ask-two",
            buttons=kb.rows(*buttons, kb.clarify_none(d.t)),
            first=phrases[0],
            second=phrases[1],
        )
    else:
        d.say("clarify-ask-one", buttons=kb.rows(*buttons, kb.clarify_none(d.t)), first=phrases[0])
    return True


def _two_requests(d: Dialogue, u: Understanding) -> None:
    """ "No puedo entrar y ademas necesito el CDA": the password first, the CDA offered next."""
    if u.also not in LATER or u.also is u.intent or u.intent not in TWO_FIRST:
        return
    if u.intent is Intent.FORGOT_PASSWORD and d.state not in (*MENU_LIKE, State.LOGIN_USER):
        return  # no recovery from here: the turn says why, the second request waits
    d.then = str(u.also)
    d.say("two-requests", first=str(u.intent), then=str(u.also))


def _action(d: Dialogue, u: Understanding) -> Step:
    if u.intent is Intent.FORGOT_PASSWORD:
        return Step("pick_recovery" if d.state in MENU_LIKE else "forgot_password")
    return Step(ACTIONS[u.intent], {"product": u.product, "serial": u.serial})


def serial_chosen(d: Dialogue, t: Turn, serial: str) -> Step:
    """The step for a serial the customer picked or typed: chosen if it is theirs, else why not."""
    assert d.account_id is not None
    try:
        row = t.portal.system(d.account_id, serial)
    except errors.SerialError as error:
        return Step("serial_rejected", {"error": error})
    return Step("serial_chosen", {"row": row})


def _shown_serial(d: Dialogue, product: str | None) -> str | None:
    """The one serial of the list on screen that belongs to the product named, if exactly one."""
    if d.state is not State.CHOOSE_SERIAL or product is None:
        return None
    name = default_catalogue().get(product).name
    shown = [serial for serial, system, _version in d.slots.get("systems", []) if system == name]
    return shown[0] if len(shown) == 1 else None


def _reprompt(d: Dialogue, key: str, **args: Any) -> None:
    """Say why the named system cannot be followed, then the question again."""
    _drop_prompt(d, (*MODALITY_PROMPTS, "serial-ask"))
    d.say(key, **args)
    d.prompt()


def _drop_prompt(d: Dialogue, keys: tuple[str, ...]) -> None:
    """Take back the last prompt when the conversation moves on at once (a followed hint)."""
    if d.replies and d.replies[-1].key in keys:
        d.replies.pop()


__all__ = ["after_step", "clarified", "follow_hints", "loose_press", "understood"]
