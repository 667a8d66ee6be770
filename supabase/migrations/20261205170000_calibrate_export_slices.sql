-- XLSX past one sheet, and slices sized for an edge function's CPU.
--
-- An XLSX export is written in slices as workbooks of as many sheets as its
-- rows need (a new sheet after 1,048,575 rows), so the format's row cap goes:
-- only a source's own row_limits bound it.
--
-- A slice's CPU goes by rows as well as by bytes (each COPY row or cursor row
-- read, the writer's framing, the part's SHA-256), so each format's slices
-- are bounded by both: the figures are bench/slices' (BENCHMARKS.md, "Sliced
-- exports"), a slice in a fresh instance well under the Free plan's 1 s of
-- CPU before the instance stops taking work.

-- ============================================================================
-- formats
-- ============================================================================

update exports.formats set row_cap = null,
  description = 'An Excel workbook: a sheet holds 1048575 rows below its header, then the next sheet goes on.'
where name = 'xlsx';

update exports.formats f set slice_bytes = v.slice_bytes, slice_rows = v.slice_rows
from (values
  ('csv', 8388608, 100000),
  ('json', 8388608, 50000),
  ('jsonl', 8388608, 50000),
  ('markdown', 8388608, 50000),
  ('html', 8388608, 50000),
  ('txt', 8388608, 50000),
  ('xlsx', 4194304, 15000)
) as v(name, slice_bytes, slice_rows)
where f.name = v.name;
