"""The MCP adapter: builds the server, registers tools/prompts/resources, converts errors,
enforces the file sandbox and output budgets. Thin by design: the work happens in
:mod:`icp_assistant.tools`."""
