-- starl schema version 1: the failure journal, follow-ups and the story bank.
-- Dates are ISO 8601 text (YYYY-MM-DD, sorts as text); instants are Unix seconds (UTC).

CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL CHECK (title <> ''),
    happened      TEXT    NOT NULL,
    what_happened TEXT    NOT NULL DEFAULT '',
    impact        TEXT    NOT NULL DEFAULT '',
    my_part       TEXT    NOT NULL DEFAULT '',
    root_cause    TEXT    NOT NULL DEFAULT '',
    what_i_did    TEXT    NOT NULL DEFAULT '',
    learned       TEXT    NOT NULL DEFAULT '',
    will_change   TEXT    NOT NULL DEFAULT '',
    category      TEXT    CHECK (category IN ('technical', 'leadership', 'communication')),
    severity      INTEGER CHECK (severity BETWEEN 1 AND 5),
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);
CREATE INDEX entries_by_happened ON entries (happened DESC, id DESC);
CREATE INDEX entries_by_category ON entries (category, happened DESC);

-- Tags: one row per (tag, entry); the primary key is the index `--tag` uses.
CREATE TABLE entry_tags (
    tag      TEXT    NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, entry_id)
) WITHOUT ROWID;
CREATE INDEX entry_tags_by_entry ON entry_tags (entry_id);

-- At most one follow-up per entry: did "what I will change" stick?
CREATE TABLE follow_ups (
    entry_id INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    due      TEXT    NOT NULL,
    status   TEXT    NOT NULL CHECK (status IN ('open', 'held', 'didnt-hold')),
    evidence TEXT    NOT NULL DEFAULT '',
    recorded INTEGER
);
CREATE INDEX follow_ups_by_due ON follow_ups (status, due);

-- Full-text index over an entry's title, text fields and tags (rowid = entries.id). Contentless:
-- the text lives once, in `entries`; the store keeps this index in step in the same transaction.
CREATE VIRTUAL TABLE entries_fts USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE stories (
    id        INTEGER PRIMARY KEY,
    title     TEXT    NOT NULL CHECK (title <> ''),
    framework TEXT,
    body      TEXT    NOT NULL,
    entry_id  INTEGER REFERENCES entries (id) ON DELETE SET NULL,
    ready     INTEGER NOT NULL DEFAULT 0 CHECK (ready IN (0, 1)),
    score     INTEGER CHECK (score BETWEEN 0 AND 100),
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
);
CREATE INDEX stories_by_entry ON stories (entry_id);
CREATE INDEX stories_by_ready ON stories (ready, id);

-- The user's word over the analyzer's: pinned = 1 (answers the question), 0 (does not).
CREATE TABLE story_questions (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    question TEXT    NOT NULL,
    pinned   INTEGER NOT NULL CHECK (pinned IN (0, 1)),
    PRIMARY KEY (story_id, question)
) WITHOUT ROWID;
