"""The account domain as the conversation engine sees it: one object, one method per action.

``Portal`` only wires the injected ports into the use cases of ``bot.domain.services``; each
call opens a fresh unit of work.
"""

from __future__ import annotations

from bot.domain import services
from bot.domain.catalogue import Catalogue
from bot.domain.model import AccountSummary, CdaResendResult, Modality, SystemRow, UpgradeResult
from bot.domain.ports import Clock, PasswordHasher, Templates, UnitOfWorkFactory


class Portal:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        templates: Templates,
        clock: Clock,
        catalogue: Catalogue,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._templates = templates
        self._clock = clock
        self._catalogue = catalogue

    async def authenticate(self, username: str, password: str, *, chat_key: str) -> AccountSummary:
        return await services.authenticate(
            self._uow(),
            username,
            password,
            chat_key=chat_key,
            hasher=self._hasher,
            clock=self._clock,
            templates=self._templates,
        )

    async def start_password_recovery(self, username_or_email: str) -> None:
        await services.start_password_recovery(
            self._uow(), username_or_email, clock=self._clock, templates=self._templates
        )

    async def complete_password_reset(self, token: str, new_password: str) -> None:
        await services.complete_password_reset(
            self._uow(),
            token,
            new_password,
            hasher=self._hasher,
            clock=self._clock,
            templates=self._templates,
        )

    async def account(self, account_id: int) -> AccountSummary:
        return await services.get_account(self._uow(), account_id)

    async def list_systems(
        self, account_id: int, modality: Modality | None = None
    ) -> list[SystemRow]:
        return await services.list_systems(
            self._uow(), account_id, modality, catalogue=self._catalogue, clock=self._clock
        )

    async def system(self, account_id: int, serial: str) -> SystemRow:
        return await services.get_system(
            self._uow(), account_id, serial, catalogue=self._catalogue, clock=self._clock
        )

    async def request_upgrade(self, account_id: int, serial: str) -> UpgradeResult:
        return await services.request_upgrade(
            self._uow(),
            account_id,
            serial,
            catalogue=self._catalogue,
            clock=self._clock,
            templates=self._templates,
        )

    async def resend_cda(self, account_id: int, serial: str) -> CdaResendResult:
        return await services.resend_cda(
            self._uow(),
            account_id,
            serial,
            catalogue=self._catalogue,
            clock=self._clock,
            templates=self._templates,
        )
