-- At start-up the server analyses again the files a previous process left in `processing` (it died
-- during their analysis); this keeps that query off a scan of every file.
CREATE INDEX files_processing ON files (updated_at) WHERE status = 'processing';
