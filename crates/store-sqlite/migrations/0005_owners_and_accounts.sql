-- starl schema version 5: owners and accounts, for a file shared by several users (`starl serve
-- --multi-user` on SQLite). A personal journal keeps working unchanged: every existing record
-- belongs to the local user (id 1), whom `SqliteStore::open` reads and writes as before.
--
-- Ids stay unique in the file (they are the rowids the full-text index and the sort keys are
-- built on); each store handle sees only its owner's records. `owner` has no foreign key (SQLite
-- cannot add one with a default to an existing table): deleting a user deletes their records
-- explicitly, in the same transaction. The account tables are those of the PostgreSQL store.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    role          TEXT    NOT NULL CHECK (role IN ('member', 'mentor', 'admin')),
    -- Argon2id, PHC string format; NULL: no password login.
    password_hash TEXT,
    created       INTEGER NOT NULL
);
INSERT INTO users (id, name, role, created) VALUES (1, 'local', 'admin', 0);

ALTER TABLE entries ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stories ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
ALTER TABLE practice_attempts ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
ALTER TABLE feedback ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
CREATE INDEX stories_by_owner ON stories (owner, id);
CREATE INDEX practice_attempts_by_owner ON practice_attempts (owner, created, id);

-- Session ids and invite tokens are kept as SHA-256 hashes only.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE cohorts (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    created INTEGER NOT NULL
);

CREATE TABLE cohort_members (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (cohort_id, user_id)
) WITHOUT ROWID;
CREATE INDEX cohort_members_by_user ON cohort_members (user_id);

CREATE TABLE invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT    NOT NULL UNIQUE,
    cohort_id  INTEGER REFERENCES cohorts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('member', 'mentor', 'admin')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    used_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at    INTEGER
);

CREATE TABLE shares (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    owner    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    reviewer INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title    TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    redacted INTEGER NOT NULL CHECK (redacted IN (0, 1)),
    created  INTEGER NOT NULL,
    revoked  INTEGER,
    CHECK (owner <> reviewer)
);
CREATE INDEX shares_by_owner ON shares (owner, id);
CREATE INDEX shares_by_reviewer ON shares (reviewer, id);
CREATE INDEX shares_by_story ON shares (story_id);

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    share_id     INTEGER NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    reviewer     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authenticity INTEGER NOT NULL CHECK (authenticity BETWEEN 1 AND 5),
    learning     INTEGER NOT NULL CHECK (learning BETWEEN 1 AND 5),
    strengthen   TEXT    NOT NULL,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    UNIQUE (share_id, reviewer)
);
CREATE INDEX reviews_by_reviewer ON reviews (reviewer);

CREATE TABLE review_comments (
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    start_byte INTEGER NOT NULL CHECK (start_byte >= 0),
    end_byte   INTEGER NOT NULL CHECK (end_byte >= start_byte),
    quote      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (review_id, pos)
) WITHOUT ROWID;

-- Refused access attempts: who, what, on which ids. Never content.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL
);
