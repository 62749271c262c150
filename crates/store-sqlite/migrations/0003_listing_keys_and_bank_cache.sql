-- starl schema version 3: listings that never sort, and the bank's analysis cache.
--
-- Every listing of entries is "most recent `happened` first, then highest id". Each entry gets a
-- sort key `k` = (days since 1970-01-01 of `happened`) * 2^32 + id (ids fit in 32 bits), which
-- orders exactly so. The full-text index is keyed by `k` instead of the id, and each tag row
-- carries it, so `--search`, `--tag` and plain listings all walk an index backwards and stop at
-- the LIMIT: no matching set is materialised, nothing is sorted. The store computes `k` on
-- every write; this migration computes it once for the rows already there.

ALTER TABLE entries ADD COLUMN k INTEGER NOT NULL DEFAULT 0;
UPDATE entries
   SET k = coalesce(CAST(round(julianday(happened) - 2440587.5) AS INTEGER), 0) * 4294967296 + id;
CREATE UNIQUE INDEX entries_by_key ON entries (k);
DROP INDEX entries_by_happened;
DROP INDEX entries_by_category;
CREATE INDEX entries_by_category ON entries (category, k);

ALTER TABLE entry_tags ADD COLUMN k INTEGER NOT NULL DEFAULT 0;
UPDATE entry_tags SET k = (SELECT e.k FROM entries e WHERE e.id = entry_tags.entry_id);
CREATE INDEX entry_tags_by_key ON entry_tags (tag, k);

-- Re-key the full-text index: the same text as the store writes (title, the text fields, the
-- tags), under `k`.
INSERT INTO entries_fts (entries_fts) VALUES ('delete-all');
INSERT INTO entries_fts (rowid, text)
SELECT e.k,
       e.title || char(10) || e.what_happened || char(10) || e.impact || char(10) || e.my_part || char(10) ||
       e.root_cause || char(10) || e.what_i_did || char(10) || e.learned || char(10) || e.will_change || char(10) ||
       coalesce((SELECT group_concat(t.tag, ' ') FROM entry_tags t WHERE t.entry_id = e.id), '')
  FROM entries e;

-- What the analyzer said about a story's text, so `starl bank` need not analyse every ready
-- story on every run. `key` is the caller's hash of the text and the rules; a different key is
-- a stale row, recomputed and replaced.
CREATE TABLE story_analyses (
    story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    key      TEXT    NOT NULL,
    score    INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    category TEXT    NOT NULL,
    fits     TEXT    NOT NULL DEFAULT ''
);
