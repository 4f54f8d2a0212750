-- The line a thread hangs from, as its source says (a Slack parent, a Matrix
-- thread root, a Mattermost root post, a Discord message replied to). The
-- review shows a reply's thread from this line, not from the thread's
-- earliest line: a root can be stamped after its replies (edited, or read
-- from a later file), and an export may begin mid-thread. 1 or 0.
ALTER TABLE transcript_lines ADD COLUMN thread_root INTEGER NOT NULL DEFAULT 0;
