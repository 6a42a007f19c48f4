-- What queue-admin needs beyond the queue's own indexes.

-- purge finds finished rows by age in small chunks; without this index every chunk
-- would scan the whole history. Partial: live rows are never purged.
CREATE INDEX IF NOT EXISTS email_queue_finished_age_idx
    ON email_queue ((COALESCE(processed_at, created_at)))
    WHERE status IN ('sent', 'failed', 'skipped', 'cancelled');

-- do_not_email is looked up by (lower(email), company_id) for every send and by every
-- suppression import. It is deliberately not unique: the web application writes this
-- table too and may already hold an address twice; a unique index would make its
-- inserts fail. queue-admin keeps its own writes free of duplicates under an advisory
-- lock instead (see lib/suppression).
CREATE INDEX IF NOT EXISTS do_not_email_lower_email_company_idx
    ON do_not_email (lower(email), company_id);
