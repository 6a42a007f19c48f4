-- Every queue row is written three times after it is queued: claimed, marked as being
-- sent, and given its outcome. The mark changes no indexed column, so PostgreSQL can
-- write it as a heap-only update (no new index entries) when the row's page has room
-- for the new version. Leaving a fifth of each new page free gives it that room; pages
-- already written keep their layout until they are rewritten. A storage parameter only:
-- the table's columns, constraints and indexes are unchanged.
ALTER TABLE email_queue SET (fillfactor = 80);
