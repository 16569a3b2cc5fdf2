"""Model: the ICP and everything that applies it. The scorecard and rubric, ICP versions, validation and drift,
scoring one prospect or a whole list (in memory or out of core), market size, export as SQL, the workbook of a
list. Imports every layer below it, never report.
"""
