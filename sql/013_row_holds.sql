-- How many holds of its company in a row a queue row has caused: a message the server
-- refuses in a way the classifier takes for the account's fault would otherwise come
-- back first in line after every hold and keep the whole company from sending.
-- queue-process stops holding the company for a row that reached
-- processing.max_row_holds (the row is failed or retried behind the others instead).
-- A metadata-only change: no row is rewritten.
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS company_holds INTEGER NOT NULL DEFAULT 0;
