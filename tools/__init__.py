"""The ICP Assistant engine: loading, cleaning, analysis, the ICP model, scoring and documents.

Plain Python over pandas, scikit-learn and pydantic. Nothing here knows about MCP: the server
package is a thin adapter on top, and everything here can be used and tested on its own.
"""
