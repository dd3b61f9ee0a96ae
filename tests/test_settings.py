"""Settings from the old system's environment names, YAML with ${VAR}, and CLI overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coachplans.errors import ConfigError
from coachplans.settings import LEGACY_ENV, TOP_LEVEL_ENV, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the environment the tests run in."""
    for name in [*LEGACY_ENV, *TOP_LEVEL_ENV]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("COACHPLANS_"):
            monkeypatch.delenv(name, raising=False)


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coachplans.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def no_bot(**overrides: object) -> Settings:
    return load_settings(run_bot=False, **overrides)


# --- the old system's environment names ----------------------------------------------------


def test_legacy_env_names_map_into_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "DISCORD_BOT_TOKEN": "discord-token-value",
        "DATABASE_PATH": "/data/plans.db",
        "API_HOST": "0.0.0.0",
        "API_PORT": "8080",
        "LOG_LEVEL": "debug",
        "LOG_FILE": "/var/log/coachplans.log",
        "LOG_MAX_SIZE_MB": "20",
        "LOG_BACKUP_COUNT": "3",
        "LOG_JSON": "true",
        "CACHE_TTL_SECONDS": "60",
        "MAX_CACHE_SIZE": "7",
        "MOCK_MODE": "true",
        "RECONNECT_ATTEMPTS": "9",
        "RECONNECT_DELAY_SECONDS": "2.5",
        "MAX_CHART_ATTACHMENTS": "4",
        "MARKET_TIMEZONE": "Europe/London",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    s = load_settings()

    assert s.discord.token is not None
    assert s.discord.token.get_secret_value() == "discord-token-value"
    assert s.database.path == "/data/plans.db"
    assert s.database.effective_url == "sqlite:////data/plans.db"
    assert (s.api.host, s.api.port) == ("0.0.0.0", 8080)
    assert s.logging.level == "DEBUG"
    assert s.logging.file == "/var/log/coachplans.log"
    assert (s.logging.max_size_mb, s.logging.backup_count, s.logging.json_lines) == (20, 3, True)
    assert (s.cache.ttl_seconds, s.cache.max_size) == (60, 7)
    assert s.mock.enabled is True
    assert s.discord.reconnect_attempts == 9
    assert s.discord.reconnect_delay_seconds == 2.5
    assert s.discord.max_chart_attachments == 4
    assert s.market_timezone == "Europe/London"


def test_defaults_without_any_source() -> None:
    s = no_bot()
    assert (s.api.host, s.api.port) == ("127.0.0.1", 5000)
    assert s.database.effective_url == "sqlite:///coach_plans.db"
    assert s.market_timezone == "America/New_York"
    assert [c.key for c in s.coaches] == ["d", "i", "s", "n"]


def test_database_url_wins_over_database_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", "/data/old.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://plans@db.internal/plans")
    assert no_bot().database.effective_url == "postgresql://plans@db.internal/plans"


def test_prefixed_nested_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPLANS_API__PORT", "5151")
    monkeypatch.setenv("COACHPLANS_MOCK__SEED_DAYS", "3")
    s = no_bot()
    assert s.api.port == 5151
    assert s.mock.seed_days == 3


# --- YAML ----------------------------------------------------------------------------------


def test_yaml_expands_variables_and_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANS_DB", "/srv/plans.db")
    config = write_yaml(
        tmp_path,
        "database:\n  path: ${PLANS_DB}\n"
        "api:\n  host: ${PLANS_HOST:-10.0.0.5}\n  port: ${PLANS_PORT:-5055}\n",
    )
    s = no_bot(config_file=config)
    assert s.database.path == "/srv/plans.db"
    assert (s.api.host, s.api.port) == ("10.0.0.5", 5055)


def test_yaml_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPLANS_CONFIG", str(write_yaml(tmp_path, "api:\n  port: 5252\n")))
    assert no_bot().api.port == 5252


def test_yaml_unset_variable_without_default_is_an_error(tmp_path: Path) -> None:
    config = write_yaml(tmp_path, "discord:\n  token: ${UNSET_TOKEN_FOR_TEST}\n")
    with pytest.raises(ConfigError, match="UNSET_TOKEN_FOR_TEST is not set"):
        no_bot(config_file=config)


def test_yaml_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        no_bot(config_file=write_yaml(tmp_path, "- just\n- a list\n"))


def test_missing_yaml_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        no_bot(config_file=tmp_path / "absent.yaml")


def test_unknown_yaml_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"api\.prot"):
        no_bot(config_file=write_yaml(tmp_path, "api:\n  prot: 5000\n"))


def test_custom_roster_from_yaml(tmp_path: Path) -> None:
    config = write_yaml(
        tmp_path,
        "coaches:\n"
        "  - key: coach_x\n    name: Coach X (Crypto)\n    user_ids: [111]\n"
        "  - key: macro\n    name: Macro desk\n    role_ids: [222]\n    allow_anyone: true\n",
    )
    s = no_bot(config_file=config)
    assert [(c.key, c.name) for c in s.coaches] == [
        ("x", "Coach X (Crypto)"),
        ("macro", "Macro desk"),
    ]
    assert s.coaches[0].user_ids == [111]
    assert s.coaches[1].allow_anyone is True


def test_duplicate_coach_keys_are_an_error(tmp_path: Path) -> None:
    config = write_yaml(tmp_path, "coaches:\n  - {key: d, name: A}\n  - {key: coach_d, name: B}\n")
    with pytest.raises(ConfigError, match="duplicate coach keys"):
        no_bot(config_file=config)


# --- priority ------------------------------------------------------------------------------


def test_cli_beats_env_beats_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_yaml(tmp_path, "api:\n  port: 7000\n  host: 10.1.1.1\n")
    assert no_bot(config_file=config).api.port == 7000
    monkeypatch.setenv("API_PORT", "6500")
    assert no_bot(config_file=config).api.port == 6500
    assert no_bot(config_file=config, api={"port": 6000}).api.port == 6000


def test_cli_section_merges_with_env_and_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flag for one field of a section keeps the other fields from lower sources."""
    monkeypatch.setenv("API_HOST", "0.0.0.0")
    s = no_bot(api={"port": 6000})
    assert (s.api.host, s.api.port) == ("0.0.0.0", 6000)

    monkeypatch.delenv("API_HOST")
    config = write_yaml(tmp_path, "api:\n  host: 10.1.1.1\n  require_read_token: true\n")
    s = no_bot(config_file=config, api={"port": 6000})
    assert (s.api.host, s.api.port, s.api.require_read_token) == ("10.1.1.1", 6000, True)


def test_none_overrides_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_PORT", "6500")
    assert no_bot(config_file=None).api.port == 6500


# --- API tokens ----------------------------------------------------------------------------


def test_api_tokens_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKENS", " dashboard:s3cret-one , agents:s3cret-two,")
    tokens = no_bot().api.tokens
    assert {name: t.get_secret_value() for name, t in tokens.items()} == {
        "dashboard": "s3cret-one",
        "agents": "s3cret-two",
    }


@pytest.mark.parametrize("raw", ["justasecretvalue", "name:", ":secretvalue", "a:b,brokenentry"])
def test_malformed_api_tokens_are_an_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("API_TOKENS", raw)
    with pytest.raises(ConfigError, match=r"^API_TOKENS: ") as caught:
        no_bot()
    message = str(caught.value)
    assert "secretvalue" not in message and "brokenentry" not in message


def test_api_tokens_from_yaml_mapping(tmp_path: Path) -> None:
    config = write_yaml(tmp_path, "api:\n  tokens:\n    ops: yaml-secret\n")
    assert no_bot(config_file=config).api.tokens["ops"].get_secret_value() == "yaml-secret"


# --- required and invalid values -----------------------------------------------------------


def test_missing_token_without_mock_names_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "DISCORD_BOT_TOKEN" in message
    assert "--mock" in message and "--no-bot" in message
    assert "\n" not in message
    assert not message.startswith("Value error")


def test_token_not_needed_in_mock_mode_or_without_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(run_bot=False).discord.token is None
    assert load_settings(mock={"enabled": True}).mock.enabled
    monkeypatch.setenv("MOCK_MODE", "1")
    assert load_settings().mock.enabled


def test_bad_log_level_names_logging_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match=r"^LOG_LEVEL: .*; fix or unset LOG_LEVEL$"):
        no_bot()


def test_bad_port_names_api_port() -> None:
    with pytest.raises(ConfigError, match=r"api\.port"):
        no_bot(api={"port": 70000})


def test_bad_timezone_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKET_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match=r"^MARKET_TIMEZONE: "):
        no_bot()


# --- errors name what the user set ---------------------------------------------------------


def test_bad_env_value_names_the_variable_and_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("API_PORT", "notaport")
    with pytest.raises(ConfigError) as caught:
        no_bot()
    message = str(caught.value)
    assert message.startswith("API_PORT: ")
    assert "fix or unset API_PORT" in message
    assert "notaport" not in message and "\n" not in message
    monkeypatch.setenv("COACHPLANS_API__PORT", "70000")  # the prefixed name wins over API_PORT
    with pytest.raises(ConfigError, match=r"^COACHPLANS_API__PORT: .*65535"):
        no_bot()


def test_bad_yaml_value_names_the_key_and_the_file(tmp_path: Path) -> None:
    config = write_yaml(tmp_path, "api:\n  port: abc\ncoaches:\n  - key: '!!'\n    name: X\n")
    with pytest.raises(ConfigError) as caught:
        no_bot(config_file=config)
    message = str(caught.value)
    assert f"api.port in {config}: " in message
    assert f"coaches[0].key in {config}: " in message
    assert f"fix api.port in {config}" in message


def test_duplicate_token_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKENS", "ops:first-secret-value,agents:x-secret-value,ops:second")
    with pytest.raises(ConfigError) as caught:
        no_bot()
    message = str(caught.value)
    assert message.startswith("API_TOKENS: ")
    assert "duplicate token name 'ops'" in message
    assert "secret" not in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://u:pw-SECRET@h:notaport/x", "port"),
        ("postgresql://u:pw-SECRET@h:99999/x", "port"),
        ("mysql://u:pw-SECRET@h/x", "driver"),
        ("nosuchdb://u:pw-SECRET@h/x", "unknown database"),
        ("host=db user=u password=pw-SECRET dbname=x", "not a database URL"),
    ],
)
def test_bad_database_url_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        no_bot()
    message = str(caught.value)
    assert message.startswith("DATABASE_URL: ")
    assert problem in message
    assert "SECRET" not in message and "\n" not in message
