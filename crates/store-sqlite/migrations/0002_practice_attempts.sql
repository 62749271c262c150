-- starl schema version 2: practice attempts (the practice loop: an answer to a common question,
-- how long it took aloud, and the analyzer's scores). Attempts are added, never edited.

CREATE TABLE practice_attempts (
    id           INTEGER PRIMARY KEY,
    question     TEXT    NOT NULL CHECK (question <> ''),
    story_id     INTEGER REFERENCES stories (id) ON DELETE SET NULL,
    answer       TEXT    NOT NULL CHECK (answer <> ''),
    duration     INTEGER CHECK (duration >= 0),
    words        INTEGER NOT NULL CHECK (words >= 0),
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    ownership    INTEGER NOT NULL CHECK (ownership BETWEEN 0 AND 100),
    transparency INTEGER NOT NULL CHECK (transparency BETWEEN 0 AND 100),
    learning     INTEGER NOT NULL CHECK (learning BETWEEN 0 AND 100),
    resilience   INTEGER NOT NULL CHECK (resilience BETWEEN 0 AND 100),
    prevention   INTEGER NOT NULL CHECK (prevention BETWEEN 0 AND 100),
    created      INTEGER NOT NULL
);
-- A question's history, and a date range over all of them, in order without sorting.
CREATE INDEX practice_attempts_by_question ON practice_attempts (question, created, id);
CREATE INDEX practice_attempts_by_created ON practice_attempts (created, id);
CREATE INDEX practice_attempts_by_story ON practice_attempts (story_id);
