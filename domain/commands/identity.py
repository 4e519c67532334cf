"""Settings, accounts, devices' registration, support access."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain import access
from domain.actor import MANAGER, SUPPORT, SYSTEM_ROLE, Actor
from domain.aggregates.account import Account, EmailIndex, check_email, email_digest
from domain.aggregates.device import Device
from domain.aggregates.setting import Setting
from domain.commands.base import Commands
from domain.errors import Conflict, Invalid, NotFound
from domain.opening_hours import ALL_HOURS, DEFAULT_HOURS, DEFAULT_TIMEZONE


class IdentityCommands(Commands):
    """Settings, accounts, devices' registration, support access."""

    email_key: bytes = b"journey email index"  # the deployment's key, set at start-up

    def set_up_setting(self, name: str, manager_email: str, manager_name: str,
                       device_token_hash: str, actor: Actor, at: datetime,
                       open_all_hours: bool = False) -> tuple[Setting, Account, Device, int]:
        """Register a setting with its first manager and an office computer, in one save."""
        hours = ALL_HOURS if open_all_hours else DEFAULT_HOURS
        setting = Setting.register(name, DEFAULT_TIMEZONE, hours, actor, at)
        as_setting = Actor(actor.account_id, setting.id, actor.roles)
        manager = Account.open(setting.id, manager_email, manager_name, [MANAGER], as_setting, at)
        index = EmailIndex(email_digest(manager.email, self.email_key), manager.id,
                           as_setting, at)
        device = Device.register(setting.id, "Office computer", "computer", device_token_hash,
                                 as_setting, at)
        position = self._save(setting, manager, index, device)
        return setting, manager, device, position

    def create_account(self, email: str, display_name: str, roles: list[str], actor: Actor,
                       at: datetime) -> tuple[Account, int]:
        """A manager opens an account in their setting; one account per email."""
        email = check_email(email)
        digest = email_digest(email, self.email_key)
        if self._find(EmailIndex.id_for(digest), EmailIndex) is not None:
            raise Conflict("An account with this email already exists.")
        account = Account.open(actor.setting_id, email, display_name, roles, actor, at)
        index = EmailIndex(digest, account.id, actor, at)
        try:
            position = self._save(account, index)
        except Conflict:
            raise Conflict("An account with this email already exists.") from None
        return account, position

    def account_of_setting(self, account_id: UUID, actor: Actor) -> Account:
        """The account if it belongs to the actor's setting, else NotFound."""
        account = self._load(account_id, Account)
        if account.setting_id != actor.setting_id:
            raise NotFound()
        return account

    def disable_account(self, account_id: UUID, actor: Actor, at: datetime) -> int:
        """Disable an account of the setting."""
        account = self.account_of_setting(account_id, actor)
        account.disable(actor, at)
        return self._save(account)

    def record_password_changed(self, account_id: UUID, actor: Actor, at: datetime) -> int:
        account = self._load(account_id, Account)
        account.password_changed(actor, at)
        return self._save(account)

    def set_opening_hours(self, timezone: str, days: dict, actor: Actor, at: datetime) -> int:
        setting = self._load(actor.setting_id, Setting)
        setting.set_opening_hours(timezone, days, actor, at)
        return self._save(setting)

    def register_device(self, label: str, kind: str, token_hash: str, actor: Actor,
                        at: datetime) -> tuple[Device, int]:
        device = Device.register(actor.setting_id, label, kind, token_hash, actor, at)
        return device, self._save(device)

    def issue_device_token(self, device_id: UUID, token_hash: str, actor: Actor,
                           at: datetime) -> int:
        """Give a device of the actor's setting a new token (the old one stops working)."""
        device = self._load(device_id, Device, "No such device.")
        if SYSTEM_ROLE not in actor.roles and device.setting_id != actor.setting_id:
            raise NotFound("No such device.")
        device.issue_new_token(token_hash, actor, at)
        return self._save(device)

    def grant_support_access(self, account_id: UUID, until: datetime, actor: Actor,
                             at: datetime) -> int:
        """A manager lets a support account read the setting until a time."""
        account = self.account_of_setting(account_id, actor)
        if SUPPORT not in account.roles:
            raise Invalid("The field 'account_id' must name a support account.", "account_id")
        setting = self._load(actor.setting_id, Setting)
        setting.grant_support_access(account_id, until, actor, at)
        return self._save(setting)

    def revoke_support_access(self, account_id: UUID, actor: Actor, at: datetime) -> int:
        self.account_of_setting(account_id, actor)
        setting = self._load(actor.setting_id, Setting)
        setting.revoke_support_access(account_id, actor, at)
        return self._save(setting)

    def link_parent(self, child_id: UUID, account_id: UUID, relationship: str,
                    actor: Actor, at: datetime) -> int:
        """Link a parent account to a child of the same setting."""
        access.require_may_act_on_child(actor, self._child_setting(child_id), child_id)
        account = self.account_of_setting(account_id, actor)
        account.link_child(child_id, relationship, actor, at)
        return self._save(account)

    def change_parent_access(self, change: str, child_id: UUID, account_id: UUID, reason: str,
                             actor: Actor, at: datetime) -> int:
        """A manager unlinks a parent from a child (`unlink`), restricts their access
        (`restrict`, a court order) or lifts a restriction (`lift`), with a reason."""
        access.require_may_act_on_child(actor, self._child_setting(child_id), child_id)
        account = self.account_of_setting(account_id, actor)
        {"unlink": account.unlink_child, "restrict": account.restrict_child,
         "lift": account.lift_restriction}[change](child_id, reason, actor, at)
        return self._save(account)
