"""What every benchmark needs: peak memory of this process, and one measurement in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM). Unlike ru_maxrss it is reset by exec, so a child does not
    inherit its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_child(module: str, function: str, *args: object) -> dict:
    """Call ``module.function(*args)`` in a fresh Python process and return its JSON-able result."""
    call = ", ".join(f"Path({str(a)!r})" if isinstance(a, Path) else repr(a) for a in args)
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); from pathlib import Path; "
        f"from {module} import {function}; print(json.dumps({function}({call})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_results(path: Path, results: list[dict[str, object]]) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
