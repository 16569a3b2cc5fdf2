"""Clients of the server, beside the adapter: ``chat`` (a terminal chat through the Anthropic API, with this server
as its tools) and ``demo`` (a scripted session over generated example data). They talk to the server over MCP like
any host does; the adapter never imports them."""
