"""export_icp: the scorecard as portable SQL, a JSON spec and CRM-style scoring rules.

The SQL is one SELECT over a table with the canonical columns (as written by load_accounts: industry,
employee_count, annual_revenue, size_band, employee_band, company_age, country, region, tech_stack...)
that returns the table's columns plus ``icp_score``, ``icp_criteria_met`` (one 1/0 per criterion with points, most
points first), ``icp_reasons`` (the three criteria with the most points the row meets, as the prospect list gives
them) and ``icp_tier``. It uses only CASE, LOWER, TRIM, LIKE, CAST, LEAST, GREATEST, CONCAT, CONCAT_WS, SUBSTRING,
LENGTH, REPLACE and POSITION. The main file is DuckDB / ANSI SQL (double-quoted
identifiers, VARCHAR); a Spark SQL file is transpiled from it with sqlglot (backticks, STRING), because Spark
reads "x" as a string literal. Whole points make both agree exactly with the Python scorer.
"""

from __future__ import annotations

import re
from pathlib import Path

from icp_assistant.tools.analysis.attributes import AGE_BANDS, REVENUE_BANDS
from icp_assistant.tools.analysis.conditions import Condition
from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.store.workspace import atomic_write_text, write_json

from .icp import ICPVersion
from .reading import NO_WORDS, YES_WORDS, placeholders_sql
from .schemas import Export
from .scorecard import Criterion

DIALECT = "duckdb"
MET, UNMET = "1", "0"  # icp_criteria_met: one character per criterion with points, most points first
TOP_REASONS = 3  # as the prospect list gives them
TABLE_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

BAND_SOURCES = {
    "revenue_band": ("annual_revenue", REVENUE_BANDS, "$1B+"),
    "age_band": ("company_age", AGE_BANDS, "21+ years"),
}


def sql_string(text: str) -> str:
    """A string literal, escaped by the dialect (data values never become SQL)."""
    from sqlglot import exp

    return exp.Literal.string(text).sql(dialect=DIALECT)


def sql_identifier(name: str) -> str:
    """A quoted column identifier, escaped by the dialect."""
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)


def table_identifier(table: str) -> str:
    """``table`` (optionally ``schema.table`` or ``catalog.schema.table``) as quoted identifiers; anything else
    (spaces, quotes, semicolons, comments) is refused rather than escaped: it is a name, not SQL."""
    from sqlglot import exp

    parts = str(table).split(".")
    if not 1 <= len(parts) <= 3 or not all(TABLE_PART.match(part) for part in parts):
        raise OptionError(
            f"table {table!r} is not a table name: use letters, digits and '_' (optionally schema.table), "
            "e.g. 'accounts' or 'crm.accounts'."
        )
    return ".".join(exp.to_identifier(part, quoted=True).sql(dialect=DIALECT) for part in parts)


def _single_select(sql: str) -> str:
    """Refuse to write anything but exactly one SELECT statement (a last guard against injected SQL)."""
    import sqlglot
    from sqlglot import exp

    statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise AssertionError("the scoring SQL must be exactly one SELECT statement")
    return sql


def _band_condition(criterion: Criterion) -> str | None:
    if criterion.attribute not in BAND_SOURCES:
        return None
    source, edges, last = BAND_SOURCES[criterion.attribute]
    bounds = [float("-inf")] + [edge for edge, _ in edges] + [float("inf")]
    labels = [label for _, label in edges] + [last]
    folded = [label.casefold() for label in labels]
    if criterion.value.casefold() not in folded:
        return None
    i = folded.index(criterion.value.casefold())
    column = f"CAST({sql_identifier(source)} AS DOUBLE)"
    parts = [f"{column} >= {bounds[i]!r}" if bounds[i] != float("-inf") else f"{column} IS NOT NULL"]
    if bounds[i + 1] != float("inf"):
        parts.append(f"{column} < {bounds[i + 1]!r}")
    return " AND ".join(parts)


def _spellings(value: str) -> list[str]:
    """Every text a cell may hold for a level as the scoring rule reads it (CAST of a number or a boolean included)."""
    if value == "yes":
        return [*YES_WORDS, "1.0"]
    if value == "no":
        return [*NO_WORDS, "0.0"]
    if value.lstrip("-").isdigit():
        return [value, f"{value}.0"]
    return [value]


def condition_sql(criterion: Criterion, numeric: bool = False) -> str:
    """The SQL test of one criterion, the same rule as the Python scorer (:func:`.reading.canonical`)."""
    band = _band_condition(criterion) if criterion.kind == "category" else None
    if band is not None:
        return band
    raw = sql_identifier(criterion.attribute)
    column = f"LOWER(TRIM(CAST({raw} AS VARCHAR)))"
    number = f"TRY_CAST({raw} AS DOUBLE)"
    if criterion.kind == "range":
        parts = [f"{number} >= {criterion.low!r}" if criterion.low is not None else f"{number} IS NOT NULL"]
        if criterion.high is not None:
            parts.append(f"{number} < {criterion.high!r}")
        return "(" + " AND ".join(parts) + ")"
    if criterion.kind == "missing":
        if numeric:
            return f"({number} IS NULL)"
        listed = ", ".join(sql_string(v) for v in ["", *placeholders_sql()])
        return f"({raw} IS NULL OR {column} IN ({listed}))"
    value = criterion.value.strip().lower()
    if criterion.kind == "multi":
        padded = f"CONCAT_WS('', ';', REPLACE({column}, '; ', ';'), ';')"
        return f"{padded} LIKE {sql_string('%;' + value.replace('%', '').replace('_', '') + ';%')}"
    return f"COALESCE({column} IN ({', '.join(sql_string(v) for v in _spellings(value))}), FALSE)"


def _gate_sql(condition: Condition) -> str:
    column = f"LOWER(TRIM(CAST({sql_identifier(condition.column)} AS VARCHAR)))"
    if condition.op in ("==", "!=") and not isinstance(condition.value, list):
        op = "=" if condition.op == "==" else "<>"
        return f"COALESCE({column} {op} {sql_string(str(condition.value).lower())}, FALSE)"
    if condition.op in ("in", "not in"):
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        listed = ", ".join(sql_string(str(v).lower()) for v in values)
        negate = "NOT " if condition.op == "not in" else ""
        return f"COALESCE({column} {negate}IN ({listed}), FALSE)"
    number = f"CAST({sql_identifier(condition.column)} AS DOUBLE)"
    return f"COALESCE({number} {condition.op} {float(condition.value)!r}, FALSE)"  # type: ignore[arg-type]


def icp_sql(icp: ICPVersion, table: str = "accounts") -> str:
    scorecard = icp.scorecard
    numeric = {a.column for a in scorecard.schema_ if a.kind == "numeric"}
    tests = {c.id: condition_sql(c, c.attribute in numeric) for c in scorecard.criteria}
    points = [f"CASE WHEN {tests[c.id]} THEN {c.points} ELSE 0 END" for c in scorecard.criteria]
    raw = " + ".join([str(scorecard.base), *points]) if points else str(scorecard.base)
    clipped = f"LEAST(100, GREATEST(0, {raw}))"
    gates = [_gate_sql(c) for c in icp.disqualifiers] + [f"NOT ({_gate_sql(c)})" for c in icp.must_haves]
    capped = (
        f"CASE WHEN {' OR '.join(gates)} THEN LEAST({clipped}, {icp.thresholds.yellow - 1}) ELSE {clipped} END"
        if gates
        else clipped
    )
    ranked = sorted((c for c in scorecard.criteria if c.points), key=lambda c: -abs(c.points))  # as the list ranks
    flags = [f"CASE WHEN {tests[c.id]} THEN {sql_string(MET)} ELSE {sql_string(UNMET)} END" for c in ranked]
    met = f"CONCAT({', '.join(flags)})"
    met_sql = met if ranked else "''"
    reason_sql = _top_reasons(ranked) if ranked else "''"
    t = icp.thresholds
    tier = (
        f"CASE WHEN s.icp_score >= {t.green} THEN 'green' WHEN s.icp_score >= {t.yellow} THEN 'yellow' ELSE 'red' END"
        if scorecard.scored
        else (f"CASE WHEN {' OR '.join(gates)} THEN 'red' ELSE 'unscored' END" if gates else "'unscored'")
    )
    return _single_select(
        f"-- ICP {icp.name} v{icp.version}: score = clip({scorecard.base} + points, 0, 100); "
        f"green >= {t.green}, yellow >= {t.yellow}\n"
        f"SELECT s.*,\n"
        f"  {reason_sql} AS icp_reasons,\n"
        f"  {tier} AS icp_tier\n"
        f"FROM (\n  SELECT t.*,\n    {capped} AS icp_score,\n    {met_sql} AS icp_criteria_met\n"
        f"  FROM {table_identifier(table)} AS t\n) AS s\n"
    )


def _top_reasons(ranked: list[Criterion]) -> str:
    """The (up to) three criteria with the most points that a row meets, "Label (+n); ...", read from its
    ``icp_criteria_met`` string (one character per criterion in ``ranked`` order): the criteria at the first three
    MET characters, found with POSITION, each named by one CASE on its place. Work per row grows with the number of
    criteria, not its square (counting the MET characters before each criterion made 10M rows take minutes)."""
    met, flag = "s.icp_criteria_met", sql_string(MET)
    labels = " ".join(f"WHEN {k} THEN {sql_string(f'{c.label} ({c.points:+d})')}" for k, c in enumerate(ranked, 1))
    places = [f"POSITION({flag} IN {met})"]
    for _ in range(TOP_REASONS - 1):  # each place: the next MET character after the one before (0: none left)
        before = places[-1]
        after = f"POSITION({flag} IN SUBSTRING({met}, {before} + 1, LENGTH({met})))"
        places.append(f"CASE WHEN {before} = 0 OR {after} = 0 THEN 0 ELSE {before} + {after} END")
    return f"CONCAT_WS('; ', {', '.join(f'CASE {place} {labels} END' for place in places)})"


def spark_sql(sql: str) -> str:
    """The DuckDB scoring SELECT in Spark SQL's dialect."""
    import sqlglot  # imported when a Spark file is written: the server starts without it

    return sqlglot.transpile(sql, read="duckdb", write="spark", pretty=True)[0] + "\n"


def crm_rules(icp: ICPVersion) -> list[dict[str, object]]:
    """HubSpot-style scoring rules: one row per criterion."""
    rules: list[dict[str, object]] = [{"rule": "base", "points": icp.scorecard.base}]
    for c in icp.scorecard.criteria:
        operator = "contains" if c.kind == "multi" else "is equal to"
        rules.append({"property": c.attribute, "operator": operator, "value": c.value, "points": c.points})
    return rules


def export_icp(icp: ICPVersion, folder: Path, table: str = "accounts") -> Export:
    sql = icp_sql(icp, table)
    spark = spark_sql(sql)
    sql_path = atomic_write_text(folder / f"{icp.name}-v{icp.version}.sql", sql)
    spark_path = atomic_write_text(folder / f"{icp.name}-v{icp.version}.spark.sql", spark)
    scorecard = icp.scorecard
    spec = {
        "icp": icp.name,
        "version": icp.version,
        "base": scorecard.base,
        "thresholds": icp.thresholds.model_dump(),
        "criteria": [
            c.model_dump(include={"attribute", "value", "kind", "points", "label"}) for c in scorecard.criteria
        ],
        "must_haves": [c.model_dump() for c in icp.must_haves],
        "disqualifiers": [c.model_dump() for c in icp.disqualifiers],
    }
    spec_path = write_json(folder / f"{icp.name}-v{icp.version}.json", spec)
    rules_path = write_json(folder / f"{icp.name}-v{icp.version}-crm-rules.json", crm_rules(icp))
    return Export(
        icp=icp.name, version=icp.version, sql_path=str(sql_path), spark_sql_path=str(spark_path),
        spec_path=str(spec_path),
        rules_path=str(rules_path), table=table, criteria=len(icp.scorecard.criteria),
        sql_preview="\n".join(sql.splitlines()[:6])[:1500],
    )  # fmt: skip
