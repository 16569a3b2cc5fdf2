"""The ``icp-assistant`` command: ``serve`` (stdio or HTTP) and ``demo``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import ServerConfig


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="folder the server may read exports from (repeatable; default: the current folder)",
    )
    parser.add_argument("--workspace", type=Path, help="folder for datasets, ICP versions and documents")
    parser.add_argument("--max-file-mb", type=float, help="largest input file accepted, in MB (default 500)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icp-assistant", description="ICP Assistant MCP server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the MCP server (stdio by default)")
    _serve_arguments(serve)
    serve.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    demo = commands.add_parser("demo", help="run a real MCP client session over generated example data")
    demo.add_argument("--workspace", type=Path, help="where the demo writes (default: a new temporary folder)")
    return parser


def config_from(args: argparse.Namespace) -> ServerConfig:
    max_bytes = int(args.max_file_mb * 1024 * 1024) if getattr(args, "max_file_mb", None) else None
    return ServerConfig.from_env(
        data_dirs=tuple(args.data_dir) or None,
        workspace=args.workspace,
        max_file_bytes=max_bytes,
    )


def serve(args: argparse.Namespace) -> int:
    from .app import build_server

    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    config = config_from(args)
    logging.getLogger("icp_assistant").info(
        "data folders: %s; workspace: %s", ", ".join(map(str, config.data_dirs)), config.workspace
    )
    server = build_server(config)
    if args.http:
        server.run("streamable-http", host=args.host, port=args.port)
    else:
        server.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    from .demo import run_demo

    return run_demo(args.workspace)


if __name__ == "__main__":
    sys.exit(main())
