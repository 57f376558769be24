-- Metadata (issue 14): a JSON object of the user's own on every study and trial (a run's URL,
-- a checkpoint path, a git commit). NULL reads as the empty object; the model never sees it.
--
-- NOTE for a later migration that rebuilds either table (as 0004 rebuilt trials): copy this
-- column too.
ALTER TABLE studies ADD COLUMN metadata TEXT;
ALTER TABLE trials ADD COLUMN metadata TEXT;
