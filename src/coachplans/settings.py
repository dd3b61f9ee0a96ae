"""One validated settings object, built once at start and passed down.

Sources, highest first: explicit keyword arguments (CLI flags), environment (the old system's
flat names and ``COACHPLANS_<SECTION>__<FIELD>``), a YAML file with ``${VAR}`` expansion,
defaults.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from coachplans.db_url import check_url
from coachplans.domain.coaches import DEFAULT_ROSTER, coach_key
from coachplans.domain.dates import DEFAULT_TIMEZONE
from coachplans.errors import ConfigError

# Flat environment names of the old system -> (section, field).
LEGACY_ENV: dict[str, tuple[str, str]] = {
    "DISCORD_BOT_TOKEN": ("discord", "token"),
    "RECONNECT_ATTEMPTS": ("discord", "reconnect_attempts"),
    "RECONNECT_DELAY_SECONDS": ("discord", "reconnect_delay_seconds"),
    "MAX_CHART_ATTACHMENTS": ("discord", "max_chart_attachments"),
    "DATABASE_PATH": ("database", "path"),
    "DATABASE_URL": ("database", "url"),
    "API_HOST": ("api", "host"),
    "API_PORT": ("api", "port"),
    "API_TOKENS": ("api", "tokens"),
    "PUBLIC_URL": ("api", "public_url"),
    "ALLOWED_HOSTS": ("api", "allowed_hosts"),
    "LOG_LEVEL": ("logging", "level"),
    "LOG_FILE": ("logging", "file"),
    "LOG_MAX_SIZE_MB": ("logging", "max_size_mb"),
    "LOG_BACKUP_COUNT": ("logging", "backup_count"),
    "LOG_JSON": ("logging", "json_lines"),
    "CACHE_TTL_SECONDS": ("cache", "ttl_seconds"),
    "MAX_CACHE_SIZE": ("cache", "max_size"),
    "MOCK_MODE": ("mock", "enabled"),
}
TOP_LEVEL_ENV = {"MARKET_TIMEZONE": "market_timezone"}

_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Section(BaseModel):
    """A settings section: an unknown key (a typo in the YAML) is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class CoachConfig(_Section):
    """One roster entry: who the coach is and who may post for it from Discord."""

    key: str
    name: str
    user_ids: list[int] = Field(default_factory=list)
    role_ids: list[int] = Field(default_factory=list)
    channel_ids: list[int] = Field(default_factory=list)
    allow_anyone: bool = False

    @field_validator("key")
    @classmethod
    def _slug(cls, value: str) -> str:
        key = coach_key(value)
        if not _SLUG.match(key):
            raise ValueError(f"coach key {value!r} must be a letter or short slug (a-z, 0-9, _)")
        return key


class DiscordSettings(_Section):
    token: SecretStr | None = None
    command_prefix: str = "!"
    channel_ids: list[int] = Field(default_factory=list)
    admin_user_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    reconnect_attempts: int = Field(default=5, ge=0)
    reconnect_delay_seconds: float = Field(default=5.0, ge=0)
    max_chart_attachments: int = Field(default=10, ge=0, le=10)
    max_chart_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    download_timeout_seconds: float = Field(default=30.0, gt=0)
    # Slash commands are synced on start: to these guilds (at once) or, when empty, globally
    # (Discord may take up to an hour to show global changes).
    guild_ids: list[int] = Field(default_factory=list)
    sync_commands: bool = True
    # Discord's HTTP API base with its version, e.g. ``http://nirn:8080/api/v10`` for an HTTP
    # proxy that pools rate limits (nirn-proxy); the gateway URL is then asked of it too.
    # None is Discord itself.
    api_base: str | None = None


class DatabaseSettings(_Section):
    url: str | None = None
    path: str = "coach_plans.db"
    # PostgreSQL, per process: at most pool_size + max_overflow connections from the pool, a
    # request waits pool_timeout seconds for one, then fails (503); plus two connections of
    # its own (the event listener and the bot lock).
    pool_size: int = Field(default=10, ge=1, le=1000)
    max_overflow: int = Field(default=20, ge=0, le=1000)
    pool_timeout_seconds: float = Field(default=10.0, gt=0)
    connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # How often a standby bot tries to take the bot lock (failover time after the active
    # process dies is about this plus the bot's start).
    standby_retry_seconds: float = Field(default=1.0, gt=0, le=60)

    @field_validator("url")
    @classmethod
    def _usable_url(cls, value: str | None) -> str | None:
        # Checked here, not when the engine is built: a bad URL is one line naming the
        # setting, before anything starts, and the URL (with its password) is never echoed.
        return check_url(value) if value else None

    @property
    def effective_url(self) -> str:
        """``url`` wins over ``path``; a bare path means a SQLite file."""
        if self.url:
            return self.url
        return f"sqlite:///{Path(self.path).expanduser()}"


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    tokens: dict[str, SecretStr] = Field(default_factory=dict)
    require_read_token: bool = False
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    max_body_bytes: int = Field(default=12 * 1024 * 1024, gt=0)
    # Hot reads are served from memory; writes in this process drop the cache at once, and
    # this bounds how long a write made by another process can go unseen.
    read_cache_seconds: float = Field(default=1.0, ge=0)
    # Absolute links in responses (chart URLs) start with public_url when it is set (the
    # address clients use, e.g. behind a proxy). Otherwise the request's Host is followed only
    # for loopback names, the bound address and allowed_hosts ("name" on the server's port,
    # "name:port", or "*" for any); any other Host gets the server's own address.
    public_url: str | None = None
    allowed_hosts: list[str] = Field(default_factory=list)
    # Slow or oversized request headers (header_guard.py): a request's headers must arrive
    # within this time and size, or the connection is answered 408 / 431 and closed.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    keep_alive_seconds: int = Field(default=5, ge=1)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme, sep, rest = value.partition("://")
        if scheme.lower() not in {"http", "https"} or not sep or not rest.split("/")[0]:
            raise ValueError("must be an http:// or https:// URL, e.g. https://plans.example.com")
        return value.rstrip("/")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("tokens", mode="before")
    @classmethod
    def _parse_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_token_list(value)
        return value

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class LoggingSettings(_Section):
    level: str = "INFO"
    file: str | None = None
    max_size_mb: float = Field(default=10, gt=0)
    backup_count: int = Field(default=5, ge=0)
    json_lines: bool = False

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None


class CacheSettings(_Section):
    ttl_seconds: float = Field(default=3600, ge=0)
    max_size: int = Field(default=100, ge=1)


class MockSettings(_Section):
    enabled: bool = False
    seed_days: int = Field(default=5, ge=1, le=60)
    simulate_every_seconds: float | None = Field(default=None, gt=0)


def default_coaches() -> list[CoachConfig]:
    return [CoachConfig(key=key, name=name) for key, name in DEFAULT_ROSTER]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COACHPLANS_", env_nested_delimiter="__", extra="forbid"
    )

    config_file: Path | None = Field(default=None, exclude=True)
    market_timezone: str = DEFAULT_TIMEZONE
    run_bot: bool = True
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    mock: MockSettings = Field(default_factory=MockSettings)
    coaches: list[CoachConfig] = Field(default_factory=default_coaches)

    @field_validator("market_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("coaches")
    @classmethod
    def _unique(cls, value: list[CoachConfig]) -> list[CoachConfig]:
        if not value:
            raise ValueError("the roster needs at least one coach")
        keys = [coach.key for coach in value]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate coach keys in {keys}")
        return value

    @model_validator(mode="after")
    def _token_needed(self) -> Settings:
        if self.run_bot and not self.mock.enabled and self.discord.token is None:
            raise ValueError(
                "discord.token is required unless mock mode is on: set DISCORD_BOT_TOKEN, "
                "or run with --mock or --no-bot"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.market_timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            LegacyEnvSource(settings_cls),
            YamlSource(settings_cls, init_settings),
        )


def parse_token_list(raw: str) -> dict[str, str]:
    """``name:secret,name2:secret2`` -> mapping; a malformed entry is an error, not dropped."""
    tokens: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, secret = item.partition(":")
        if not sep or not name.strip() or not secret.strip():
            raise ValueError("API_TOKENS entries must look like name:secret")
        if name.strip() in tokens:  # the name is the actor of every write: one secret each
            raise ValueError(f"duplicate token name {name.strip()!r}; give each token its own name")
        tokens[name.strip()] = secret.strip()
    return tokens


class LegacyEnvSource(PydanticBaseSettingsSource):
    """The old system's flat environment names, mapped into sections."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for env_name, (section, field) in LEGACY_ENV.items():
            value = os.environ.get(env_name)
            if value is not None and value != "":
                out.setdefault(section, {})[field] = value
        for env_name, field in TOP_LEVEL_ENV.items():
            if os.environ.get(env_name):
                out[field] = os.environ[env_name]
        return out


class YamlSource(PydanticBaseSettingsSource):
    """A YAML file named by ``config_file`` (CLI ``--config`` or ``COACHPLANS_CONFIG``)."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._init = init

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = self._init().get("config_file") or os.environ.get("COACHPLANS_CONFIG")
        if not path:
            return {}
        return load_yaml(Path(path))


def expand_vars(text: str, env: Mapping[str, str] | None = None) -> str:
    """``${VAR}`` and ``${VAR:-default}``; an unset variable without default is an error."""
    env = os.environ if env is None else env

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"config file uses ${{{name}}} but {name} is not set")

    return _VAR.sub(sub, text)


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(expand_vars(text))
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of sections")
    return data


Loc = tuple[str | int, ...]
_LEGACY_BY_FIELD: dict[tuple[str, ...], str] = {
    **{fields: name for name, fields in LEGACY_ENV.items()},
    **{(field,): name for name, field in TOP_LEVEL_ENV.items()},
}


def _dotted(loc: Loc) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def _nested(data: Mapping[str, Any], loc: Loc) -> bool:
    value: Any = data
    for part in loc:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return False
        elif not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return True


def _env_name(loc: Loc) -> str | None:
    """The environment variable that set ``loc``, the prefixed name first (it wins)."""
    for depth in range(len(loc), 0, -1):
        named = [str(part) for part in loc[:depth] if isinstance(part, str)]
        if len(named) == depth:
            prefixed = "COACHPLANS_" + "__".join(named).upper()
            if any(key.upper() == prefixed for key in os.environ):
                return prefixed
    legacy = _LEGACY_BY_FIELD.get(tuple(str(part) for part in loc[:2]))
    return legacy if legacy and os.environ.get(legacy) else None


def setting_origin(loc: Loc, overrides: Mapping[str, Any], flags: Mapping[Loc, str]) -> str:
    """Where the value at ``loc`` came from, as the user wrote it, and how to fix it:
    the command-line flag, the environment variable, or the key in the YAML file."""
    dotted = _dotted(loc)
    if _nested(overrides, loc):
        flag = flags.get(loc[:2])
        return f"{flag}|fix {flag}" if flag else f"{dotted}|"
    env = _env_name(loc)
    if env:
        return f"{env}|fix or unset {env}"
    path = overrides.get("config_file") or os.environ.get("COACHPLANS_CONFIG")
    if path:
        return f"{dotted} in {path}|fix {dotted} in {path}"
    return f"{dotted}|"


def describe_validation_error(
    exc: Exception,
    overrides: Mapping[str, Any] | None = None,
    flags: Mapping[Loc, str] | None = None,
) -> str:
    """One human line per problem, naming the setting as the user set it (flag, environment
    variable or YAML key) and how to fix it; never its value."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    lines = []
    for err in errors():
        loc = tuple(err.get("loc", ()))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if not loc:
            lines.append(message)
            continue
        where, fix = setting_origin(loc, overrides or {}, flags or {}).split("|", 1)
        lines.append(f"{where}: {message}" + (f"; {fix}" if fix else ""))
    return "; ".join(lines)


def load_settings(*, flags: Mapping[Loc, str] | None = None, **overrides: Any) -> Settings:
    """Build settings; raise ConfigError with a clear message when they are invalid.
    ``flags``: the command-line flag of each overridden setting, for the messages."""
    from pydantic import ValidationError

    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, clean, flags)) from exc
