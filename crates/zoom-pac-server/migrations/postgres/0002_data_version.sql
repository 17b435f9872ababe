-- The data version: one counter that every fixture load which changes data increases in its
-- transaction, so that each server process can tell with one small query per request whether
-- the reads it cached are still current.

CREATE TABLE data_version (
    -- Always TRUE, so that the table has exactly one row.
    id      BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    version BIGINT NOT NULL
);

INSERT INTO data_version (id, version) VALUES (TRUE, 0);
