"""Local accounts: PIN hashes (argon2id), roles, lockout with growing back-off after failures.

On a device with signed key slots (`app.security.keyslots`), a login is a slot unlock: the PIN
opens the user's slot, the role is the admin's signed grant, and a database role that differs
from it is refused — an agent who rewrites her role in the database gains nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import func, select

from app import audit
from app.errors import Invalid, Refused
from app.security.keyslots import REFUSAL, GrantForged, KeySlots, SlotError
from app.security.pins import MIN_PIN_LENGTH as MIN_PIN_LENGTH  # re-exported for the CLI
from app.security.pins import DefaultPinRules, PinRules
from app.store import Database
from app.store.models import User, utcnow
from app.vocabulary import Actor, Role

_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
FREE_ATTEMPTS = 3

MAX_LOCKOUT = dt.timedelta(hours=1)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AuthenticationError(Refused):
    """Login refused; the message never says whether the user exists."""

    default_code = "login.refused"


class UserError(Invalid, ValueError):
    default_code = "user.invalid"


class WeakPin(UserError):
    default_code = "user.weak_pin"


def check_pin(pin: str, policy: PinRules | None = None) -> None:
    """Refuse a PIN before anything is written: too short, too few distinct characters, or holding
    control or other unprintable characters (a terminal could not type it back)."""
    policy = policy or DefaultPinRules()
    if len(pin) < policy.min_pin_length:
        raise WeakPin(f"a PIN has at least {policy.min_pin_length} characters",
                      params={"min_length": policy.min_pin_length})
    if len(pin) > 128:
        raise WeakPin("a PIN has at most 128 characters")
    if not pin.isprintable() or any(0xD800 <= ord(c) <= 0xDFFF for c in pin):
        raise WeakPin("a PIN holds printable characters only (no control characters)")
    if len(set(pin)) < policy.min_distinct_pin_characters:
        raise WeakPin(f"a PIN has at least {policy.min_distinct_pin_characters} different characters",
                      params={"min_distinct": policy.min_distinct_pin_characters})


def lockout_for(failures: int) -> dt.timedelta:
    """No delay for the first few mistakes, then 30 s doubling up to an hour."""
    if failures < FREE_ATTEMPTS:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=30 * 2 ** (failures - FREE_ATTEMPTS)), MAX_LOCKOUT)


class UserService:
    def __init__(self, db: Database, clock: Callable[[], dt.datetime] = utcnow, *,
                 slots: KeySlots | None = None, pin_policy: PinRules | None = None):
        self.db = db
        self.clock = clock
        self.slots = slots
        self.pin_policy: PinRules = pin_policy or DefaultPinRules()

    def count(self) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(User)).one()

    def add(self, by: Actor | None, name: str, role: Role | str, pin: str, language: str = "en") -> User:
        """Create an account. Only an admin may, except for the very first one (device init)."""
        role = Role(role)
        if role is Role.SYSTEM:
            raise UserError("'system' is not a role for people")
        if not _NAME.match(name):
            raise UserError("user names are 2–64 lowercase letters, digits, '.', '_' or '-'")
        check_pin(pin, self.pin_policy)
        with self.db.write() as session:
            first = session.exec(select(func.count()).select_from(User)).one() == 0
            if not first and (by is None or by.role is not Role.ADMIN):
                raise UserError("only an admin can add users")
            if first and role is not Role.ADMIN:
                raise UserError("the first user of a device must be an admin")
            if session.get(User, name) is not None:
                raise UserError(f"user {name!r} already exists")
            user = User(name=name, role=role.value, pin_hash=_hasher.hash(pin), language=language)
            session.add(user)
            audit.append(session, actor=by.name if by else name, kind="user-added",
                         details={"user": name, "role": role.value})
        return user

    def actor(self, name: str) -> Actor | None:
        with self.db.read() as session:
            user = session.get(User, name)
            return None if user is None or user.disabled else Actor(user.name, Role(user.role))

    def disable(self, by: Actor, name: str) -> None:
        with self.db.write() as session:
            user = session.get(User, name)
            if user is None:
                raise UserError(f"no user {name!r}")
            user.disabled = True
            session.add(user)
            audit.append(session, actor=by.name, kind="user-removed", details={"user": name})

    def set_pin(self, name: str, pin: str) -> None:
        check_pin(pin, self.pin_policy)
        with self.db.write() as session:
            user = session.get(User, name)
            if user is None:
                raise UserError(f"no user {name!r}")
            user.pin_hash = _hasher.hash(pin)
            session.add(user)
            audit.append(session, actor=name, kind="pin-changed", details={"user": name})

    def signed(self) -> bool:
        return self.slots is not None and self.slots.admin_public() is not None

    def actor_for_grant(self, name: str, granted_role: str) -> Actor:
        """The database's account for a verified grant: enabled, and with the granted role."""
        with self.db.read() as session:
            user = session.get(User, name)
        if user is None or user.disabled:
            raise AuthenticationError(REFUSAL)
        if user.role != granted_role:
            raise GrantForged(f"the database gives {name!r} the role {user.role!r} but the admin granted "
                              f"{granted_role!r}: the database was altered", code="keyslot.role_mismatch")
        return Actor(user.name, Role(user.role))

    def authenticate(self, name: str, pin: str) -> Actor:
        if self.signed():
            assert self.slots is not None
            try:
                unlocked, _ = self.slots.unlock_all(name, pin)
            except SlotError as exc:
                raise AuthenticationError(str(exc), code=exc.code, params=exc.params) from None
            return self.actor_for_grant(name, unlocked.role)
        refusal: str | None = None
        with self.db.write() as session:  # failures are counted even though the login is refused
            user = session.get(User, name)
            now = self.clock()
            if user is None or user.disabled:
                _hasher.hash(pin)  # same cost either way: no user enumeration by timing
                refusal = REFUSAL
            else:
                locked_until = user.locked_until
                if locked_until is not None and locked_until.tzinfo is None:
                    locked_until = locked_until.replace(tzinfo=dt.UTC)
                if locked_until and locked_until > now:
                    wait = int((locked_until - now).total_seconds()) + 1
                    refusal = f"too many wrong PINs: try again in {wait} s"
                else:
                    try:
                        _hasher.verify(user.pin_hash, pin)
                    except (VerifyMismatchError, VerificationError, InvalidHashError):
                        user.failed_attempts += 1
                        delay = lockout_for(user.failed_attempts)
                        user.locked_until = now + delay if delay else None
                        audit.append(session, actor=name, kind="login-failed",
                                     details={"failures": user.failed_attempts})
                        refusal = "unknown user or wrong PIN"
                    else:
                        if _hasher.check_needs_rehash(user.pin_hash):
                            user.pin_hash = _hasher.hash(pin)
                        user.failed_attempts = 0
                        user.locked_until = None
                session.add(user)
        if refusal or user is None:
            raise AuthenticationError(refusal or "unknown user or wrong PIN")
        return Actor(user.name, Role(user.role))
