-- Early stopping (issue 12): a trial may end `stopped`, keeping its last reported value, and
-- every intermediate report is kept with the decision it was answered with.
--
-- SQLite cannot change a CHECK constraint in place, so the trials table is rebuilt with the
-- new state allowed; no other table refers to it, so nothing else has to move.

CREATE TABLE trials_new (
  id               TEXT PRIMARY KEY,
  study_seq        INTEGER NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  params           TEXT NOT NULL,
  params_key       TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'failed', 'stopped')),
  value            REAL,
  failure_reason   TEXT,
  source           TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  completed_at     INTEGER,
  lease_expires_at INTEGER,
  prediction_mean  REAL,
  prediction_std   REAL,
  acquisition      REAL,
  UNIQUE (study_seq, number),
  CHECK ((state IN ('completed', 'stopped')) = (value IS NOT NULL))
);

INSERT INTO trials_new (id, study_seq, number, params, params_key, state, value, failure_reason, source,
  created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition)
SELECT id, study_seq, number, params, params_key, state, value, failure_reason, source,
  created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition
FROM trials;

DROP TABLE trials;
ALTER TABLE trials_new RENAME TO trials;
CREATE INDEX trials_by_state ON trials (study_seq, state, number);
CREATE INDEX trials_by_params ON trials (study_seq, params_key);

CREATE TABLE trial_reports (
  trial_id   TEXT NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  study_seq  INTEGER NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  value      REAL NOT NULL,
  at         INTEGER NOT NULL,
  decision   TEXT NOT NULL CHECK (decision IN ('continue', 'stop')),
  reason     TEXT NOT NULL,
  rung       INTEGER,                                -- the ASHA rung this report was judged at
  PRIMARY KEY (trial_id, step)
);

-- The rules compare trials of one study at one step (the median rule) or one rung (ASHA).
CREATE INDEX trial_reports_by_step ON trial_reports (study_seq, step);
CREATE INDEX trial_reports_by_rung ON trial_reports (study_seq, rung) WHERE rung IS NOT NULL;
