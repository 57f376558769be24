-- The study's last fitted surrogate (GP hyperparameters, JSON), to warm-start the next fit.
-- Kept in the database, not in memory, so that a restart or a second server process
-- suggests exactly what the first would have.
ALTER TABLE studies ADD COLUMN model TEXT;
