"""Which message of ``locales/es/report.ftl`` names each journey, step and column."""

from __future__ import annotations

from bot.fsm import State
from bot.i18n import Translator
from bot.report.funnel import JOURNEYS, Funnel, Reason

JOURNEY_KEYS: dict[str, str] = {
    "upgrade": "report-journey-upgrade",
    "cda": "report-journey-cda",
    "recovery": "report-journey-recovery",
}
STEP_KEYS: dict[str, str] = {
    State.LOGIN_USER.value: "report-step-login-user",
    State.LOGIN_PASSWORD.value: "report-step-login-password",
    State.CHOOSE_MODALITY.value: "report-step-choose-modality",
    State.CHOOSE_SERIAL.value: "report-step-choose-serial",
    State.UPGRADE_TERMS.value: "report-step-upgrade-terms",
    State.LICENCE_UPGRADE.value: "report-step-licence-upgrade",
    State.CDA_CONFIRM.value: "report-step-cda-confirm",
    State.RECOVERY_USER.value: "report-step-recovery-user",
}
STARTED = "report-step-started"
COMPLETED = "report-step-completed"
TOTAL = "report-step-total"
REASON_KEYS: dict[Reason, str] = {
    Reason.INACTIVITY: "report-col-inactivity",
    Reason.CANCELLED: "report-col-cancelled",
    Reason.DECLINED: "report-col-declined",
    Reason.OTHER: "report-col-other",
}
COLUMN_KEYS: tuple[str, ...] = (
    "report-col-step",
    "report-col-reached",
    "report-col-share",
    *REASON_KEYS.values(),
    "report-col-advisor",
    "report-col-in-progress",
)


def journey(t: Translator, name: str) -> str:
    return t(JOURNEY_KEYS[name]) if name in JOURNEY_KEYS else name


def step(t: Translator, state: str) -> str:
    """A step's Spanish name; a state with no name (data of another release) shows as is."""
    return t(STEP_KEYS[state]) if state in STEP_KEYS else state


def funnel_title(t: Translator, f: Funnel) -> str:
    if f.product is None and not JOURNEYS[f.journey].by_product:
        return journey(t, f.journey)
    product = f.product or t("report-all-products")
    return t("report-funnel-title", journey=journey(t, f.journey), product=product)


def percent(value: float) -> str:
    return f"{value:.1f}%"
