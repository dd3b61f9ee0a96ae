"""Every Python snippet of README.md runs, as written, against a real ``coachplans serve
--mock`` process (only the port and the write token it printed are filled in). A snippet that
cannot run says why in an HTML comment just above it: ``<!-- not run by tests: reason -->``."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from process_support import ServerProcess, clean_env

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(
    r"(?:<!-- not run by tests: (?P<reason>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S
)
DOC_BASE = "http://127.0.0.1:5000"
TOKEN_PLACEHOLDER = re.compile(r'"<API token[^">]*>"')
PRINTED_TOKEN = re.compile(r"MOCK MODE: write token for this run: (\S+)")


@dataclass(frozen=True)
class Snippet:
    line: int
    code: str
    reason: str | None


def snippets() -> list[Snippet]:
    text = README.read_text(encoding="utf-8")
    return [
        Snippet(text.count("\n", 0, match.start("code")) + 1, match["code"], match["reason"])
        for match in BLOCK.finditer(text)
    ]


@pytest.fixture(scope="module")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``coachplans serve --mock`` (no API_TOKENS): its base URL and the token it printed."""
    server = ServerProcess(tmp_path_factory.mktemp("readme"), "serve", "--mock")
    try:
        server.wait_healthy()
        server.wait_for(
            "the printed write token", lambda: bool(PRINTED_TOKEN.search(server.output()))
        )
        token = PRINTED_TOKEN.search(server.output())
        assert token is not None
        yield server.base, token.group(1)
    finally:
        server.kill()


def test_the_readme_has_python_snippets_and_every_skip_has_a_reason() -> None:
    found = snippets()
    assert len(found) >= 4
    assert all(snippet.reason is None or snippet.reason.strip() for snippet in found)


@pytest.mark.parametrize("snippet", snippets(), ids=lambda s: f"README.md:{s.line}")
def test_readme_snippet_runs_against_a_mock_server(
    snippet: Snippet, mock_server: tuple[str, str], tmp_path: Path
) -> None:
    if snippet.reason:
        pytest.skip(snippet.reason)
    base, token = mock_server
    code = TOKEN_PLACEHOLDER.sub(repr(token), snippet.code.replace(DOC_BASE, base))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"README.md:{snippet.line}\n{code}\n{done.stderr}"
