"""The fuzz run's figures at the end of the run: requests sent and answers >= 500."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.security.test_fuzz_routes import summary_line

    line = summary_line()
    if line is not None:
        terminalreporter.write_line(line)
