"""The import-linter contracts (run by scripts/test) only hold if they name every module: a
new top-level module must be placed in them, or this fails."""

from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path
from typing import Any

import coachplans

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# Modules the domain may import, and modules that are not a layer of their own.
DOMAIN_MAY_USE = {"coachplans.domain", "coachplans.errors", "coachplans.__main__"}
# Client-safe modules: the client may import these (and itself).
CLIENT_MAY_USE = {
    "coachplans.client", "coachplans.contract", "coachplans.compat_json", "coachplans.domain",
    "coachplans.errors", "coachplans.sample_plans", "coachplans.__main__", "coachplans.agents",
    "coachplans.bot_status",
}  # fmt: skip


def contract(name_start: str) -> dict[str, Any]:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    found = [c for c in contracts if c["name"].startswith(name_start)]
    assert len(found) == 1, name_start
    return found[0]


def top_level_modules() -> set[str]:
    return {f"coachplans.{m.name}" for m in pkgutil.iter_modules(coachplans.__path__)}


def test_the_domain_contract_names_every_other_module() -> None:
    forbidden = set(contract("The domain is pure")["forbidden_modules"])
    assert top_level_modules() - DOMAIN_MAY_USE <= forbidden


def test_the_client_contract_names_every_server_module() -> None:
    forbidden = set(contract("The client is sealed")["forbidden_modules"])
    assert top_level_modules() - CLIENT_MAY_USE <= forbidden


def test_the_readme_module_map_names_every_module() -> None:
    readme = (PYPROJECT.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Where things live")
    section = readme[start : readme.index("\n## ", start + 1)]
    named = set(re.findall(r"`([a-z_]+)(?:\.py|/)`", section))
    modules = {m.name for m in pkgutil.iter_modules(coachplans.__path__)} - {"__main__"}
    assert modules - named == set(), "README's module map misses these"
    everywhere = {
        m.name.rsplit(".", 1)[-1] for m in pkgutil.walk_packages(coachplans.__path__, "coachplans.")
    }
    assert named - everywhere == set(), "README's module map names modules that do not exist"
