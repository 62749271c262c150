-- starl schema version 4: peer feedback on stories (the rubric of a review packet filled in by
-- a peer: how authentic the story feels, how compelling the learning is, where to strengthen).
-- Added and listed, never edited; removed with the story.

CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY,
    story_id     INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    reviewer     TEXT    NOT NULL,
    authenticity INTEGER CHECK (authenticity BETWEEN 1 AND 5),
    learning     INTEGER CHECK (learning BETWEEN 1 AND 5),
    strengthen   TEXT    NOT NULL,
    comments     TEXT    NOT NULL,
    received     INTEGER NOT NULL
);
CREATE INDEX feedback_by_story ON feedback (story_id, received, id);
