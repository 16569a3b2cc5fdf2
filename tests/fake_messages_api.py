"""A fake Anthropic Messages API on 127.0.0.1 that plays a script of assistant turns.

Point the ``anthropic`` SDK at it (``base_url=api.base_url``, or ``ANTHROPIC_BASE_URL``) and it answers
``POST /v1/messages`` with the next turn of its script: a JSON ``Message``, or, when the request says
``"stream": true``, the same turn as the server-sent events the real API sends (``message_start``,
``content_block_start`` / ``content_block_delta`` (``text_delta``, ``input_json_delta``) /
``content_block_stop``, ``message_delta`` with the stop reason, ``message_stop``), so the SDK's
stream helpers parse it as they parse the real thing.

    script = [
        [tool_use("load_accounts", {"path": "accounts.csv"})],   # stop_reason "tool_use"
        [text("Done: 500 accounts.")],                          # stop_reason "end_turn"
    ]
    with FakeMessagesAPI(script) as api:
        client = Anthropic(api_key=api.api_key, base_url=api.base_url)
        ...
    api.requests        # every request body, parsed, in order
    api.tool_results()  # the tool_result blocks the client sent back

A turn may also be a callable that takes the request body and returns the blocks, to answer from
what the client sent. A request with another API key gets the real API's 401
``authentication_error``; a request after the script is spent gets a 400 that says so (400 is not
retried by the SDK, so a test fails at once instead of after retries).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Block = dict[str, Any]
Turn = Sequence[Block] | Callable[[dict[str, Any]], Sequence[Block]]

_ids = itertools.count(1)


def text(value: str) -> Block:
    """A text block of an assistant turn."""
    return {"type": "text", "text": value}


def tool_use(name: str, input: dict[str, Any], id: str | None = None) -> Block:
    """A tool_use block of an assistant turn; the id is generated when not given."""
    return {"type": "tool_use", "id": id or f"toolu_fake_{next(_ids):04d}", "name": name, "input": input}


def stop_reason(blocks: Sequence[Block]) -> str:
    return "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"


def message(blocks: Sequence[Block], model: str) -> dict[str, Any]:
    """The JSON body of a non-streaming ``Message`` answer."""
    return {
        "id": f"msg_fake_{next(_ids):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [dict(b) for b in blocks],
        "stop_reason": stop_reason(blocks),
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def _chunks(value: str, size: int) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)] or [""]


def _block_events(index: int, block: Block) -> Iterator[tuple[str, dict[str, Any]]]:
    if block["type"] == "text":
        yield "content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}}
        for piece in _chunks(block["text"], 12):
            yield "content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": piece}}
    else:
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        yield "content_block_start", {"index": index, "content_block": start}
        for piece in _chunks(json.dumps(block["input"]), 20):
            yield "content_block_delta", {"index": index, "delta": {"type": "input_json_delta", "partial_json": piece}}
    yield "content_block_stop", {"index": index}


def stream_events(blocks: Sequence[Block], model: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a streamed answer, in the order the real API sends them."""
    start = message([], model) | {"stop_reason": None, "usage": {"input_tokens": 10, "output_tokens": 1}}
    yield "message_start", {"message": start}
    yield "ping", {}
    for index, block in enumerate(blocks):
        yield from _block_events(index, block)
    delta = {"stop_reason": stop_reason(blocks), "stop_sequence": None}
    yield "message_delta", {"delta": delta, "usage": {"output_tokens": 10}}
    yield "message_stop", {}


class FakeMessagesAPI:
    """The fake API server; use it as a context manager (it serves on a free port until exit)."""

    def __init__(self, script: Sequence[Turn], api_key: str = "test-key") -> None:
        self.script = list(script)
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-messages-api", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_turn(self, body: dict[str, Any], headers: dict[str, str]) -> Sequence[Block] | None:
        """Record the request and take the next turn of the script (None when it is spent)."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            answered = len(self.requests) - 1
            if answered >= len(self.script):
                return None
            turn = self.script[answered]
        return turn(body) if callable(turn) else turn

    def tool_results(self) -> list[Block]:
        """Every tool_result block the client sent, over all requests, without repeats."""
        seen: dict[str, Block] = {}
        for body in self.requests:
            for msg in body.get("messages", []):
                content = msg.get("content")
                for block in content if isinstance(content, list) else []:
                    if block.get("type") == "tool_result":
                        seen.setdefault(block["tool_use_id"], block)
        return list(seen.values())


def _error_body(kind: str, text_: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": text_}, "request_id": "req_fake"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeMessagesAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no stderr noise in tests
        pass

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/v1/messages":
            self._json(404, _error_body("not_found_error", f"Not found: {self.path}"))
            return
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self._authorised():
            self._json(401, _error_body("authentication_error", "invalid x-api-key"))
            return
        self._answer(body)

    def _answer(self, body: dict[str, Any]) -> None:
        blocks = self.server.api.next_turn(body, dict(self.headers.items()))
        model = body.get("model", "fake-model")
        if blocks is None:
            spent = f"the fake API's script has no turn left for request {len(self.server.api.requests)}"
            self._json(400, _error_body("invalid_request_error", spent))
        elif body.get("stream"):
            self._sse(blocks, model)
        else:
            self._json(200, message(blocks, model))

    def _authorised(self) -> bool:
        bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ")
        return self.server.api.api_key in (self.headers.get("x-api-key"), bearer)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("request-id", "req_fake")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, blocks: Sequence[Block], model: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("request-id", "req_fake")
        self.end_headers()  # HTTP/1.0: the stream ends when the connection closes
        for event, data in stream_events(blocks, model):
            payload = json.dumps({"type": event, **data})
            self.wfile.write(f"event: {event}\ndata: {payload}\n\n".encode())
            self.wfile.flush()
