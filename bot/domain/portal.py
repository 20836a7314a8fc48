"""The account domain as the conversation engine sees it: one object, one method per action.

``Portal`` only wires the injected ports into the use cases of ``bot.domain.services``. Each call
opens the unit of work the factory gives: a transaction of its own from the command line, or a
part of the conversation turn's one transaction (``Portal.within``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain import login, recognise, services
from bot.domain.catalogue import Catalogue
from bot.domain.model import AccountSummary, CdaResendResult, Modality, SystemRow, UpgradeResult
from bot.domain.passwords import LoginCheck, Verdict
from bot.domain.ports import Clock, Templates, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Portal:
    uow: UnitOfWorkFactory
    templates: Templates
    clock: Clock
    catalogue: Catalogue

    def within(self, uow: UnitOfWork) -> Portal:
        """The same portal, acting inside one unit of work (a conversation turn's)."""
        return replace(self, uow=lambda: uow)

    def begin_login(self, username: str, *, chat_key: str) -> LoginCheck:
        return login.begin_login(self.uow(), username, chat_key=chat_key, clock=self.clock)

    def finish_login(self, check: LoginCheck, verdict: Verdict) -> AccountSummary:
        return login.finish_login(
            self.uow(), check, verdict, clock=self.clock, templates=self.templates
        )

    def start_password_recovery(self, username_or_email: str) -> None:
        login.start_password_recovery(
            self.uow(), username_or_email, clock=self.clock, templates=self.templates
        )

    def complete_password_reset(self, digest: str, new_hash: str, chat_key: str) -> None:
        login.complete_password_reset(
            self.uow(),
            digest,
            new_hash,
            chat_key=chat_key,
            clock=self.clock,
            templates=self.templates,
        )

    def password_hash(self, account_id: int) -> str | None:
        return recognise.password_hash(self.uow(), account_id)

    def reset_code_is_valid(self, code: str) -> bool:
        return recognise.reset_code_is_valid(self.uow(), code, clock=self.clock)

    def account(self, account_id: int) -> AccountSummary:
        return services.get_account(self.uow(), account_id)

    def list_systems(self, account_id: int, modality: Modality | None = None) -> list[SystemRow]:
        return services.list_systems(
            self.uow(), account_id, modality, catalogue=self.catalogue, clock=self.clock
        )

    def system(self, account_id: int, serial: str) -> SystemRow:
        return services.get_system(
            self.uow(), account_id, serial, catalogue=self.catalogue, clock=self.clock
        )

    def request_upgrade(self, account_id: int, serial: str) -> UpgradeResult:
        return services.request_upgrade(
            self.uow(),
            account_id,
            serial,
            catalogue=self.catalogue,
            clock=self.clock,
            templates=self.templates,
        )

    def resend_cda(self, account_id: int, serial: str) -> CdaResendResult:
        return services.resend_cda(
            self.uow(),
            account_id,
            serial,
            catalogue=self.catalogue,
            clock=self.clock,
            templates=self.templates,
        )
