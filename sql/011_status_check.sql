-- email_queue's status check, written against one constant array instead of an IN list.
-- PostgreSQL prepares a table's CHECK constraints again for every statement that writes
-- the table, and a row is written three times after it is queued: the IN list over a
-- varchar column is folded into an array again each time, the constant array is read as
-- it is. The statuses admitted are exactly the same.
-- The previous check, identical in effect, has already checked every existing row, so
-- the new one is added NOT VALID: the migration does not read the whole table while it
-- holds the table's lock. New and changed rows are checked at once. To have PostgreSQL
-- mark it validated, run `ALTER TABLE email_queue VALIDATE CONSTRAINT
-- email_queue_status_check` at any time; it reads the table without blocking writers.
ALTER TABLE email_queue DROP CONSTRAINT IF EXISTS email_queue_status_check;
ALTER TABLE email_queue ADD CONSTRAINT email_queue_status_check
    CHECK (status::text = ANY ('{pending,processing,sent,failed,skipped,held,cancelled}'::text[]))
    NOT VALID;
