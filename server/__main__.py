"""``python -m icp_assistant.server [serve options]`` serves over stdio, like ``icp-assistant serve``."""

import sys

from .cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args if args[:1] in (["serve"], ["demo"], ["chat"]) else ["serve", *args]))
