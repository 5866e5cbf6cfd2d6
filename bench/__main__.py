"""Run every benchmark module: ``.venv/bin/python -m bench`` (arguments are not passed on)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failures = 0
    for module in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        print(f"== {module.stem}", flush=True)
        failures += subprocess.run([sys.executable, str(module)], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
