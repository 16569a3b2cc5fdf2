"""The Claude Desktop bundle's entry point: ``icp-assistant serve`` (stdio) with this file's arguments.

scripts/build_bundle.py copies it to the bundle's root, beside pyproject.toml; the manifest runs it with
``uv run --directory <bundle> <bundle>/bundle_entry.py --data-dir <folder>``, so uv installs the project
(and its dependencies) from pyproject.toml first. Run with no arguments it still serves, with the
default data folder.
"""

import sys
from pathlib import Path

# The bundle root holds the package sources as server/, tools/, prompts/: never import them as top-level
# packages (the installed project maps them to icp_assistant.*).
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

from icp_assistant.server.cli import main  # noqa: E402  (after the path fix above)

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
