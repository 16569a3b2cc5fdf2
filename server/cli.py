"""The ``icp-assistant`` command: ``serve`` (stdio or HTTP), ``chat`` and ``demo``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import ServerConfig
from .http import ENV_TOKEN, check_token, serve_http


def _folder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="folder the server may read exports from (repeatable; default ~/ICP-Assistant/data, created on first run)",
    )
    parser.add_argument("--workspace", type=Path, help="folder for datasets, ICP versions and documents")


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    _folder_arguments(parser)
    parser.add_argument("--max-file-mb", type=float, help="largest input file accepted, in MB (default 500)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument(
        "--spark",
        metavar="URL",
        help="Spark master or Spark Connect URL (local[2], spark://host:7077, sc://host:15002) for scoring big "
        "prospect files and universes; default $ICP_ASSISTANT_SPARK, else an embedded DuckDB",
    )
    parser.add_argument("--model", help="Anthropic model for narrative text when ANTHROPIC_API_KEY is set")
    parser.add_argument(
        "--narrative",
        choices=["auto", "sampling", "anthropic", "template"],
        help="who writes narrative text (default auto: client sampling, else Anthropic API with a key, else templates)",
    )


def _chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="Anthropic model (default: $ICP_ASSISTANT_MODEL, else claude-sonnet-4-6)")
    parser.add_argument("--api-key", help="Anthropic API key (default: $ANTHROPIC_API_KEY)")
    parser.add_argument("--base-url", help="Anthropic API base URL (default: $ANTHROPIC_BASE_URL, else the real API)")
    _folder_arguments(parser)
    parser.add_argument("--max-turns", type=int, default=20, help="most model turns per user message (default 20)")
    parser.add_argument(
        "--message",
        action="append",
        default=[],
        metavar="TEXT",
        help="send this instead of reading stdin, then exit (repeatable: one user message each)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icp-assistant", description="ICP Assistant MCP server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the MCP server (stdio by default)")
    _serve_arguments(serve)
    serve.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--token",
        default=os.environ.get(ENV_TOKEN),
        help=f"bearer token every HTTP request must carry (default ${ENV_TOKEN}; off loopback one is generated)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="extra Host header to accept over HTTP (repeatable; 'name:*' for any port)",
    )
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="extra Origin header to accept over HTTP (repeatable)",
    )
    chat = commands.add_parser("chat", help="talk with Claude over the MCP server in this terminal (needs an API key)")
    _chat_arguments(chat)
    demo = commands.add_parser("demo", help="run a real MCP client session over generated example data")
    demo.add_argument("--workspace", type=Path, help="where the demo writes (default: a new temporary folder)")
    return parser


def config_from(args: argparse.Namespace) -> ServerConfig:
    max_bytes = int(args.max_file_mb * 1024 * 1024) if getattr(args, "max_file_mb", None) else None
    return ServerConfig.from_env(
        data_dirs=tuple(args.data_dir) or None,
        workspace=args.workspace,
        max_file_bytes=max_bytes,
        model=getattr(args, "model", None),
        narrative=getattr(args, "narrative", None),
        spark=getattr(args, "spark", None),
    )


def serve(args: argparse.Namespace) -> int:
    from .app import build_server

    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = config_from(args)
        check_token(args.token if args.http else None)
    except ValueError as error:
        sys.stderr.write(f"icp-assistant: {error}\n")
        return 2
    log = logging.getLogger("icp_assistant")
    log.info("data folders: %s; workspace: %s", ", ".join(map(str, config.data_dirs)), config.workspace)
    if Path.home().resolve() in config.data_dirs:
        log.warning("--data-dir is your whole home folder: the model can read every file in it. Prefer a subfolder.")
    for problem in config.data_dir_problems():  # still serve: a crash would only make the client restart us
        log.warning("%s (The server runs without it and tells the model, so it can tell you.)", problem)
    server = build_server(config)
    if args.http:
        serve_http(server, args.host, args.port, args.token, args.allowed_host, args.allowed_origin)
    else:
        server.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "chat":
        from .clients.chat import run_chat

        return run_chat(args)
    if args.command == "demo":
        from .clients.demo import run_demo

        return run_demo(args.workspace)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse allows only the commands above


if __name__ == "__main__":
    sys.exit(main())
