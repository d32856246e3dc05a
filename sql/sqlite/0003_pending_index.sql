-- The janitor looks for files still `pending` long after their upload URL expired; this keeps that
-- query off a scan of every file.
CREATE INDEX files_pending ON files (created_at) WHERE status = 'pending';
