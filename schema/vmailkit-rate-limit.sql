-- vmailkit-rate-limit.sql - tables of policyd's optional per-login sending
-- rate limit (policyd_rate_limit = yes). New tables beside the Postfix Admin
-- ones; the Postfix Admin tables are not changed. Load into the Postfix Admin
-- database (or any database policyd_rate_database names):
--   mariadb postfix < schema/vmailkit-rate-limit.sql
-- The policyd MySQL user needs SELECT on vmailkit_rate_limit and
-- SELECT, INSERT, UPDATE on vmailkit_rate_counter.

-- Limits, looked up like a Postfix map: scope 'user@example.org' first, then
-- '@example.org'; logins in neither get the policyd_rate_default_* parameters.
-- 0 = no limit for that count. A message is refused when it would make the
-- login's messages or recipients in the current window exceed the limit.
CREATE TABLE IF NOT EXISTS `vmailkit_rate_limit` (
  `scope` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  `messages` int(11) NOT NULL DEFAULT 0,
  `recipients` int(11) NOT NULL DEFAULT 0,
  `window_seconds` int(11) NOT NULL DEFAULT 3600,
  `modified` datetime NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (`scope`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='vmailkit policyd: sending rate limits';

-- Counters, shared by every policyd host on this database: one row per SASL
-- login (lowercase), holding the current fixed window (Unix seconds, aligned
-- to multiples of the window length) and what was sent in it. policyd
-- restarts a row when a new window begins, so the table holds one row per
-- login that ever sent; rows of logins idle for a day may be deleted at any
-- time (e.g. DELETE FROM vmailkit_rate_counter WHERE window_start <
-- UNIX_TIMESTAMP() - 86400 - the longest window).
CREATE TABLE IF NOT EXISTS `vmailkit_rate_counter` (
  `login` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  `window_start` bigint(20) NOT NULL,
  `messages` int(11) NOT NULL DEFAULT 0,
  `recipients` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`login`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='vmailkit policyd: sending rate counters';
