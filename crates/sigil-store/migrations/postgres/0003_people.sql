-- Schema version 3. Already part of 0001_initial.sql on PostgreSQL (no PostgreSQL
-- deployment predates version 6); this step only keeps the numbering aligned with SQLite.
SELECT 1;
