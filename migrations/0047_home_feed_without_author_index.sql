-- home_feed's (account_id, author_id) index served one statement only: taking an author's
-- entries out of one feed after an unfollow or a block, a job that runs once per such
-- change. Every fan-out wrote it, one entry per feed row: about a quarter of the PostgreSQL
-- time of a 10,000-follower fan-out once the foreign keys were gone (bench/micro/pg.py).
-- That delete now reads the owner's feed through the primary key (account_id first) and
-- filters by author, which costs a few milliseconds for the largest feeds.
DROP INDEX home_feed_author_idx;
