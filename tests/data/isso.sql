-- An Isso database (isso/db/*.py schema), as `sqlite3 comments.db .dump` would print it.
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
INSERT INTO preferences VALUES ('session-key', 'abc123');
INSERT INTO threads VALUES (1, '/posts/isso-one/', 'Isso one');
INSERT INTO threads VALUES (2, '/posts/isso-two/?utm_medium=rss', NULL);
-- 1577872800 = 2020-01-01T10:00:00Z
INSERT INTO comments VALUES (1, 1, NULL, 1577872800.25, NULL, 1, '192.0.2.0',
    'Markdown *works* and <b>raw html</b> is escaped', 'Ida', 'ida@example.org',
    'https://ida.example.org', 4, 1, X'00', 0);
INSERT INTO comments VALUES (1, 2, 1, 1577876400.0, 1577880000.0, 1, '192.0.2.0',
    'A reply, edited later — ✓', 'Jon', NULL, NULL, 0, 2, X'00', 0);
INSERT INTO comments VALUES (1, 3, NULL, 1577880000.0, NULL, 2, '192.0.2.0',
    'Waiting in the moderation queue', 'Kim', 'kim@example.org', NULL, 0, 0, X'00', 0);
-- Deleted with a reply: Isso blanks it and keeps it (mode 4).
INSERT INTO comments VALUES (1, 4, NULL, 1577883600.0, NULL, 4, '192.0.2.0',
    '', NULL, NULL, NULL, 0, 0, X'00', 0);
INSERT INTO comments VALUES (1, 5, 4, 1577887200.0, NULL, 1, '192.0.2.0',
    'Reply under a deleted comment', NULL, NULL, NULL, 0, 0, X'00', 0);
INSERT INTO comments VALUES (2, 6, NULL, 1577890800.0, NULL, 1, NULL,
    '日本語のコメント', 'Lee', NULL, NULL, NULL, NULL, X'00', 0);
