-- A feed read without a cursor starts at the ledger's beginning and walks its whole history before
-- it reaches the dates still open (production's feed takes no start date). Until it has
-- (caught_up = 0), a sync fetches open dates by date and moves the feed on a bounded number of
-- pages. Feeds stored before this column existed were read to their end: caught up.
ALTER TABLE feed_cursors ADD COLUMN caught_up INTEGER NOT NULL DEFAULT 1;
