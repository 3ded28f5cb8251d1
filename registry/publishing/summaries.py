"""Summary tables of the public copy, counted once at publish time so grouped canned queries read a few rows.

Counting every asset by status and district, every co-manager's agreements or
every case study by who designs and who delivers means reading a whole table:
0.3 s to a time-out at 1M records, on every click. A real Datasette deployment
counts once when the data changes instead. The counts are made with plain SQL
from the public tables themselves, in the same file, so they hold nothing the
public copy does not and cannot drift from it. Each table and column is
described in metadata.json, and the canned queries that read them say so.
"""

from __future__ import annotations

import sqlite3

# Every summary table, in the order they are written.
SUMMARY_TABLES = ("asset_counts", "co_manager_counts", "bovaird_counts")

# The row that counts everything: agreements of any status, case studies of any policy area.
ALL = "all"

_SQL = f"""
CREATE TABLE [asset_counts] (
  [city] TEXT,
  [district] TEXT,
  [status] TEXT,
  [assets] INTEGER NOT NULL
);
INSERT INTO [asset_counts] ([city], [district], [status], [assets])
SELECT [city], [district], [status], count(*)
FROM [assets]
GROUP BY [city], [district], [status]
ORDER BY [city], [district], [status];

CREATE TEMP TABLE [_co_managed] AS
SELECT a.[status], p.[actor_id], p.[agreement_id]
FROM [agreement_parties] p
JOIN [agreements] a ON a.[id] = p.[agreement_id]
WHERE p.[role] = 'co_manager';
CREATE TABLE [co_manager_counts] (
  [status] TEXT NOT NULL,
  [actor_id] TEXT NOT NULL REFERENCES [actors]([id]),
  [co_manager] TEXT,
  [kind] TEXT,
  [city] TEXT,
  [agreements] INTEGER NOT NULL,
  [active_agreements] INTEGER NOT NULL,
  [agreement_ids] TEXT,
  PRIMARY KEY ([status], [actor_id])
);
INSERT INTO [co_manager_counts]
SELECT g.[status], g.[actor_id], ac.[name], ac.[kind], ac.[city], g.[agreements], g.[active_agreements], g.[agreement_ids]
FROM (
  SELECT [status], [actor_id], count(*) AS [agreements], sum([status] = 'active') AS [active_agreements],
    group_concat([agreement_id], '; ') AS [agreement_ids]
  FROM (SELECT * FROM temp.[_co_managed] ORDER BY [status], [actor_id], [agreement_id])
  GROUP BY [status], [actor_id]
  UNION ALL
  SELECT '{ALL}', [actor_id], count(*), sum([status] = 'active'), group_concat([agreement_id], '; ')
  FROM (SELECT * FROM temp.[_co_managed] ORDER BY [actor_id], [agreement_id])
  GROUP BY [actor_id]
) g
JOIN [actors] ac ON ac.[id] = g.[actor_id]
ORDER BY g.[status], g.[actor_id];
DROP TABLE temp.[_co_managed];
CREATE INDEX [idx_co_manager_counts_order] ON [co_manager_counts] ([status], [agreements] DESC, [co_manager], [actor_id]);

CREATE TABLE [bovaird_counts] (
  [policy_area] TEXT NOT NULL,
  [design_by] TEXT NOT NULL,
  [delivery_by] TEXT NOT NULL,
  [case_studies] INTEGER NOT NULL,
  [case_study_ids] TEXT,
  PRIMARY KEY ([policy_area], [design_by], [delivery_by])
);
INSERT INTO [bovaird_counts]
SELECT '{ALL}', [design_by], [delivery_by], count(*), group_concat([id], '; ')
FROM (
  SELECT [id], [design_by], [delivery_by] FROM [case_studies]
  WHERE [design_by] IS NOT NULL AND [delivery_by] IS NOT NULL
  ORDER BY [design_by], [delivery_by], [id]
)
GROUP BY [design_by], [delivery_by]
UNION ALL
SELECT [policy_area], [design_by], [delivery_by], count(*), group_concat([id], '; ')
FROM (
  SELECT DISTINCT j.[value] AS [policy_area], c.[design_by], c.[delivery_by], c.[id]
  FROM (SELECT * FROM [case_studies] WHERE json_valid([policy_areas])) c, json_each(c.[policy_areas]) j
  WHERE c.[design_by] IS NOT NULL AND c.[delivery_by] IS NOT NULL AND j.[type] = 'text'
  ORDER BY 1, 2, 3, 4
)
GROUP BY [policy_area], [design_by], [delivery_by]
ORDER BY 1, 2, 3;
"""


def write_summaries(conn: sqlite3.Connection, refill: bool = False) -> None:
    """Create and fill the summary tables on the public copy: after its tables are written, before ANALYZE.

    Runs in a savepoint, so it works inside the caller's transaction or outside
    one; a summary table already there is replaced, or with `refill` emptied
    and counted again, keeping its place in the schema (a copy updated in
    place must dump as a fresh one does).
    """
    statements = [s.strip() for s in _SQL.split(";\n") if s.strip()]
    if refill:
        statements = [f"DELETE FROM [{table}]" for table in SUMMARY_TABLES] + [s for s in statements if not _creates_in_main(s)]
    else:
        statements = [f"DROP TABLE IF EXISTS [{table}]" for table in SUMMARY_TABLES] + statements
    conn.execute("SAVEPOINT public_summaries")
    try:
        for statement in statements:
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK TO public_summaries")
        conn.execute("RELEASE public_summaries")
        raise
    conn.execute("RELEASE public_summaries")


def _creates_in_main(statement: str) -> bool:
    return statement.startswith(("CREATE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX"))
