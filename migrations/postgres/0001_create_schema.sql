-- The schema of SQLite's migrations 0001-0006 in one step, in PostgreSQL's dialect; later
-- changes come as later files here, as in migrations/ for SQLite.
-- Times are epoch milliseconds (BIGINT); JSON documents are TEXT, read and written as the
-- SQLite store does (src/storage/rows.ts maps both).

CREATE TABLE studies (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- creation order, for stable pagination
  id           TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL UNIQUE,
  parameters   TEXT NOT NULL,
  objective    TEXT NOT NULL,
  options      TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'completed')),
  created_at   BIGINT NOT NULL,
  model        TEXT,
  metadata     TEXT
);

CREATE TABLE trials (
  id               TEXT PRIMARY KEY,
  study_seq        BIGINT NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  params           TEXT NOT NULL,
  params_key       TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('queued', 'pending', 'completed', 'failed', 'stopped')),
  value            DOUBLE PRECISION,
  failure_reason   TEXT,
  source           TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  completed_at     BIGINT,
  lease_expires_at BIGINT,
  prediction_mean  DOUBLE PRECISION,
  prediction_std   DOUBLE PRECISION,
  acquisition      DOUBLE PRECISION,
  metadata         TEXT,
  UNIQUE (study_seq, number),
  CHECK ((state IN ('completed', 'stopped')) = (value IS NOT NULL)),
  CHECK (state != 'queued' OR lease_expires_at IS NULL)
);
CREATE INDEX trials_by_state ON trials (study_seq, state, number);
CREATE INDEX trials_by_params ON trials (study_seq, params_key);

CREATE TABLE trial_reports (
  trial_id   TEXT NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  study_seq  BIGINT NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  value      DOUBLE PRECISION NOT NULL,
  at         BIGINT NOT NULL,
  decision   TEXT NOT NULL CHECK (decision IN ('continue', 'stop')),
  reason     TEXT NOT NULL,
  rung       INTEGER,
  PRIMARY KEY (trial_id, step)
);
CREATE INDEX trial_reports_by_step ON trial_reports (study_seq, step);
CREATE INDEX trial_reports_by_rung ON trial_reports (study_seq, rung) WHERE rung IS NOT NULL;

CREATE TABLE idempotency_keys (
  study_seq    BIGINT NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  trial_ids    TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (study_seq, key)
);
