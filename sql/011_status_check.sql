-- email_queue's status check, written as one regular expression instead of an IN list.
-- PostgreSQL prepares a table's CHECK constraints again for every statement that writes
-- the table, and a row is written three times after it is queued; an IN list over a
-- varchar column is re-folded each time (a list of casts), the pattern is one constant
-- whose compiled form PostgreSQL caches. The statuses admitted are the same, exactly.
-- Adding the check reads every existing row once, in this migration's transaction.
ALTER TABLE email_queue DROP CONSTRAINT IF EXISTS email_queue_status_check;
ALTER TABLE email_queue ADD CONSTRAINT email_queue_status_check
    CHECK (status::text ~ '^(pending|processing|sent|failed|skipped|held|cancelled)$');
