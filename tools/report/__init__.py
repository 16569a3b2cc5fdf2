"""Report: the words and the documents a person reads. The ICP document (Markdown, HTML, charts), messaging, and
the narrative writer (the LLM writes the words; the facts come from the layers below). The top of the engine.
"""
