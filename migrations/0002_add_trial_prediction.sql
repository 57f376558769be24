-- What the model expected of a trial when it suggested it: the posterior mean and standard
-- deviation of the objective (in its own units) and the log expected improvement.
ALTER TABLE trials ADD COLUMN prediction_mean REAL;
ALTER TABLE trials ADD COLUMN prediction_std REAL;
ALTER TABLE trials ADD COLUMN acquisition REAL;
