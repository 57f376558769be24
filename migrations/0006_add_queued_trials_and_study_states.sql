-- Issue 14: a study's state (active, paused, completed) is set by its users, and a trial may
-- wait `queued`: a configuration a person asked for, handed out by the next suggest.
--
-- studies.state: the column's CHECK allowed only 'active'. SQLite cannot change a CHECK in
-- place, and rebuilding studies would cascade-delete every trial (foreign keys are on), so
-- the column is dropped and added again with the wider CHECK; every existing study is active.
ALTER TABLE studies DROP COLUMN state;
ALTER TABLE studies ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'completed'));

-- trials.state gains 'queued'. The table is rebuilt as in 0004, with 0005's metadata column.
-- trial_reports refers to it with ON DELETE CASCADE, so dropping trials would delete every report: the reports are
-- set aside first and put back into a trial_reports made anew.
CREATE TEMP TABLE reports_kept AS SELECT trial_id, study_seq, step, value, at, decision, reason, rung FROM trial_reports;
DROP TABLE trial_reports;

CREATE TABLE trials_new (
  id               TEXT PRIMARY KEY,
  study_seq        INTEGER NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  params           TEXT NOT NULL,
  params_key       TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('queued', 'pending', 'completed', 'failed', 'stopped')),
  value            REAL,
  failure_reason   TEXT,
  source           TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  completed_at     INTEGER,
  lease_expires_at INTEGER,
  prediction_mean  REAL,
  prediction_std   REAL,
  acquisition      REAL,
  metadata         TEXT,
  UNIQUE (study_seq, number),
  CHECK ((state IN ('completed', 'stopped')) = (value IS NOT NULL)),
  CHECK (state != 'queued' OR lease_expires_at IS NULL)
);

INSERT INTO trials_new (id, study_seq, number, params, params_key, state, value, failure_reason, source,
  created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition, metadata)
SELECT id, study_seq, number, params, params_key, state, value, failure_reason, source,
  created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition, metadata
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
  rung       INTEGER,
  PRIMARY KEY (trial_id, step)
);
INSERT INTO trial_reports (trial_id, study_seq, step, value, at, decision, reason, rung)
SELECT trial_id, study_seq, step, value, at, decision, reason, rung FROM reports_kept;
DROP TABLE reports_kept;
CREATE INDEX trial_reports_by_step ON trial_reports (study_seq, step);
CREATE INDEX trial_reports_by_rung ON trial_reports (study_seq, rung) WHERE rung IS NOT NULL;
