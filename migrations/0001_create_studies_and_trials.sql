-- Studies, their trials, and the idempotency keys of suggest requests.
-- Times are epoch milliseconds (INTEGER); JSON documents are TEXT.

CREATE TABLE studies (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order, for stable pagination
  id           TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL UNIQUE,
  parameters   TEXT NOT NULL,                      -- JSON array, normalized
  objective    TEXT NOT NULL,                      -- JSON {name, goal}
  options      TEXT NOT NULL,                      -- JSON {seed, initialTrials, leaseSeconds}
  state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active')),
  created_at   INTEGER NOT NULL
);

CREATE TABLE trials (
  id               TEXT PRIMARY KEY,
  study_seq        INTEGER NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  params           TEXT NOT NULL,                  -- JSON object in the space's order
  params_key       TEXT NOT NULL,                  -- canonical form, equal iff params are equal
  state            TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'failed')),
  value            REAL,
  failure_reason   TEXT,
  source           TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  completed_at     INTEGER,
  lease_expires_at INTEGER,
  UNIQUE (study_seq, number),
  CHECK ((state = 'completed') = (value IS NOT NULL))
);

CREATE INDEX trials_by_state ON trials (study_seq, state, number);
CREATE INDEX trials_by_params ON trials (study_seq, params_key);

CREATE TABLE idempotency_keys (
  study_seq    INTEGER NOT NULL REFERENCES studies(seq) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  trial_ids    TEXT NOT NULL,                      -- JSON array of trial ids, in order
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (study_seq, key)
);
