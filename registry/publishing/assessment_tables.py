"""The frameworks, their criteria and every assessment's scores one criterion per row, written into the public copy.

Frameworks live in files, not in the registry, so the public copy is where
journalists meet them as tables. Scores are stored as JSON per assessment;
one row per criterion lets a plain SQL query ask how a record's score
changed between two dates. How each criterion fares across the registry is
counted once here, from each record's latest assessment, so the canned query
reads a row per criterion instead of every score.
Shares put every scale on 0 to 1 so criteria scored 0–2 and 0–3 compare.
"""

from __future__ import annotations

import json
import sqlite3

from registry.model.frameworks import load_frameworks

# The tables written here, in order.
ASSESSMENT_TABLES = ("frameworks", "criteria", "assessment_scores", "criterion_scores")

_CREATE = """
CREATE TABLE [frameworks] (
  [id] TEXT PRIMARY KEY,
  [title] TEXT NOT NULL,
  [short_title] TEXT NOT NULL,
  [author] TEXT,
  [summary] TEXT,
  [source] TEXT,
  [source_url] TEXT,
  [applies_to] TEXT,
  [scale_min] INTEGER NOT NULL,
  [scale_max] INTEGER NOT NULL,
  [scale_labels] TEXT,
  [criteria] INTEGER NOT NULL
);
CREATE TABLE [criteria] (
  [framework] TEXT NOT NULL REFERENCES [frameworks]([id]),
  [id] TEXT NOT NULL,
  [position] INTEGER NOT NULL,
  [title] TEXT NOT NULL,
  [question] TEXT,
  PRIMARY KEY ([framework], [id])
);
CREATE TABLE [assessment_scores] (
  [assessment_id] TEXT NOT NULL REFERENCES [assessments]([id]),
  [framework] TEXT NOT NULL REFERENCES [frameworks]([id]),
  [criterion] TEXT NOT NULL,
  [record_kind] TEXT NOT NULL,
  [record_id] TEXT NOT NULL,
  [assessed_on] TEXT NOT NULL,
  [score] INTEGER,
  [known] INTEGER NOT NULL,
  [share] REAL,
  [why] TEXT,
  [source] TEXT,
  [latest] INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY ([assessment_id], [criterion])
);
CREATE TABLE [criterion_scores] (
  [framework] TEXT NOT NULL REFERENCES [frameworks]([id]),
  [criterion] TEXT NOT NULL,
  [position] INTEGER NOT NULL,
  [records_scored] INTEGER NOT NULL,
  [records_unknown] INTEGER NOT NULL,
  [average_share] REAL,
  PRIMARY KEY ([framework], [criterion])
);
"""

_SCORES = """
INSERT INTO [assessment_scores]
SELECT a.[id], a.[framework], c.[id],
  CASE WHEN a.[case_id] IS NOT NULL THEN 'cases' ELSE 'agreements' END,
  coalesce(a.[case_id], a.[agreement_id]), a.[assessed_on],
  CASE WHEN json_type(s.[value], '$.score') = 'integer' THEN json_extract(s.[value], '$.score') END,
  coalesce(json_type(s.[value], '$.score') = 'integer', 0),
  CASE WHEN json_type(s.[value], '$.score') = 'integer'
    THEN round(1.0 * (json_extract(s.[value], '$.score') - f.[scale_min]) / (f.[scale_max] - f.[scale_min]), 4) END,
  json_extract(s.[value], '$.why'), json_extract(s.[value], '$.source'), 0
FROM [assessments] a
JOIN [frameworks] f ON f.[id] = a.[framework]
JOIN [criteria] c ON c.[framework] = a.[framework]
LEFT JOIN json_each(CASE WHEN json_valid(a.[scores]) THEN a.[scores] ELSE '{}' END) s ON s.[key] = c.[id]
ORDER BY a.[id], c.[position];
CREATE INDEX [idx_assessment_scores_record] ON [assessment_scores] ([record_id], [framework], [criterion], [assessed_on]);
CREATE INDEX [idx_assessment_scores_criterion] ON [assessment_scores] ([framework], [criterion]);
UPDATE [assessment_scores] SET [latest] = 1
WHERE [assessment_id] IN (
  SELECT [id] FROM (
    SELECT [id], row_number() OVER (
      PARTITION BY [framework], coalesce([case_id], ''), coalesce([agreement_id], '') ORDER BY [assessed_on] DESC, [id] DESC
    ) AS [n]
    FROM [assessments]
  ) WHERE [n] = 1
);
INSERT INTO [criterion_scores]
SELECT c.[framework], c.[id], c.[position],
  count(s.[known]) FILTER (WHERE s.[known] = 1), count(s.[known]) FILTER (WHERE s.[known] = 0), round(avg(s.[share]), 4)
FROM [criteria] c
LEFT JOIN [assessment_scores] s ON s.[framework] = c.[framework] AND s.[criterion] = c.[id] AND s.[latest] = 1
GROUP BY c.[framework], c.[id]
ORDER BY c.[framework], c.[position];
CREATE INDEX [idx_criterion_scores_weakest] ON [criterion_scores] ([average_share], [records_unknown]);
"""


def write_assessment_tables(conn: sqlite3.Connection, refill: bool = False) -> None:
    """Create and fill the tables on the public copy, after its assessments table is written.

    With `refill`, tables already there are emptied and filled again, keeping
    their place in the schema (a copy updated in place must dump as a fresh one does).
    """
    frameworks = load_frameworks()
    for table in reversed(ASSESSMENT_TABLES):
        conn.execute(f"DELETE FROM [{table}]" if refill else f"DROP TABLE IF EXISTS [{table}]")
    for statement in _CREATE.split(";\n") if not refill else ():
        if statement.strip():
            conn.execute(statement)
    conn.executemany(
        "INSERT INTO [frameworks] VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f.id,
                f.title,
                f.short_title,
                f.author or None,
                f.summary,
                f.source,
                f.source_url or None,
                json.dumps(list(f.applies_to)),
                f.scale.min,
                f.scale.max,
                json.dumps({str(point): label for point, label in f.scale.labels.items()}, ensure_ascii=False),
                len(f.criteria),
            )
            for f in frameworks.values()
        ],
    )
    conn.executemany(
        "INSERT INTO [criteria] VALUES (?, ?, ?, ?, ?)",
        [(f.id, c.id, n, c.title, c.question) for f in frameworks.values() for n, c in enumerate(f.criteria, 1)],
    )
    for statement in _SCORES.split(";\n"):
        if statement.strip() and not (refill and statement.strip().startswith("CREATE INDEX")):
            conn.execute(statement)
