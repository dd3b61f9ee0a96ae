"""Text the databases can store: PostgreSQL refuses the NUL character in text, and no UTF-8
database can hold a lone surrogate (Python strings can, after JSON ``\\ud800`` escapes). Every
entry point checks its text values here, so both backends answer alike, with a clear message,
instead of one storing the value and the other failing in its driver."""

from __future__ import annotations

from coachplans.errors import ValidationFailed


def unstorable(value: str) -> str | None:
    """What in ``value`` cannot be stored (``"a NUL character (U+0000)"``), or None."""
    if "\x00" in value:
        return "a NUL character (U+0000)"
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"an unpaired surrogate (U+{ord(value[exc.start]):04X})"
    return None


def storage_problem(value: str) -> str | None:
    """The refusal for ``value`` without its subject ("contains a NUL character ..."), or
    None when it can be stored."""
    reason = unstorable(value)
    return None if reason is None else f"contains {reason}, which cannot be stored; remove it"


def check_storable(value: str, what: str) -> str:
    """``value`` unchanged, or ValidationFailed naming ``what`` and the offending character."""
    problem = storage_problem(value)
    if problem is not None:
        raise ValidationFailed(f"{what} {problem}")
    return value


def check_optional(value: str | None, what: str) -> str | None:
    return None if value is None else check_storable(value, what)
