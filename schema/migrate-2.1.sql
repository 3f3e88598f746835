-- Upgrade a Postfix Admin 2.1 MySQL database (DATABASE_MYSQL.TXT) to the
-- Postfix Admin 3.3 schema at config version 1847, as in postfixadmin-3.3.sql.
-- Read MIGRATION-2.1.md first; take a backup (mysqldump) before running:
--   mariadb -u root postfix < schema/migrate-2.1.sql
-- Existing data is kept (maildir paths, password hashes, quotas in bytes).
-- Afterwards Postfix Admin 3.3's upgrade.php finds version 1847: nothing to do.

SET NAMES utf8mb4;
-- 2.1 stored '0000-00-00 00:00:00'; strict modes refuse to ALTER such tables.
SET SESSION sql_mode = '';

UPDATE admin SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
UPDATE admin SET modified = '2000-01-01 00:00:00' WHERE modified < '1000-01-01';
UPDATE alias SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
UPDATE alias SET modified = '2000-01-01 00:00:00' WHERE modified < '1000-01-01';
UPDATE domain SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
UPDATE domain SET modified = '2000-01-01 00:00:00' WHERE modified < '1000-01-01';
UPDATE domain_admins SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
UPDATE log SET timestamp = '2000-01-01 00:00:00' WHERE timestamp < '1000-01-01';
UPDATE mailbox SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
UPDATE mailbox SET modified = '2000-01-01 00:00:00' WHERE modified < '1000-01-01';
UPDATE vacation SET created = '2000-01-01 00:00:00' WHERE created < '1000-01-01';
-- NULL transport meant "Postfix default"; 3.3 requires a value ('virtual' is its default).
UPDATE domain SET transport = 'virtual' WHERE transport IS NULL;

ALTER TABLE `admin` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `password` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  ADD `superadmin` tinyint(1) NOT NULL DEFAULT 0 AFTER `password`,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1,
  ADD `phone` varchar(30) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `email_other` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `token` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `token_validity` datetime NOT NULL DEFAULT '2000-01-01 00:00:00';

ALTER TABLE `alias` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `address` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `goto` text CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1,
  ADD KEY `domain` (`domain`);

-- The step Postfix Admin 3.3's upgrade.php skips on MySQL (upgrade_4_mysql):
-- without domain.quota its step 169 fails and the upgrade stops at 168.
ALTER TABLE `domain` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `description` varchar(255) CHARACTER SET utf8 NOT NULL,
  MODIFY `aliases` int(10) NOT NULL DEFAULT 0,
  MODIFY `mailboxes` int(10) NOT NULL DEFAULT 0,
  MODIFY `maxquota` bigint(20) NOT NULL DEFAULT 0,
  ADD `quota` bigint(20) NOT NULL DEFAULT 0 AFTER `maxquota`,
  MODIFY `transport` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `backupmx` tinyint(1) NOT NULL DEFAULT 0,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1,
  ADD `password_expiry` int(11) DEFAULT 0;

ALTER TABLE `domain_admins` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1,
  ADD `id` int(11) NOT NULL AUTO_INCREMENT, ADD PRIMARY KEY (`id`);

ALTER TABLE `log` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `timestamp` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `action` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `data` text CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  ADD `id` int(11) NOT NULL AUTO_INCREMENT, ADD PRIMARY KEY (`id`),
  ADD KEY `domain_timestamp` (`domain`, `timestamp`);

-- mailbox.quota was int(10) bytes: widen before anything above 2 GB is stored.
ALTER TABLE `mailbox` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `password` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `name` varchar(255) CHARACTER SET utf8mb4 NOT NULL,
  MODIFY `maildir` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `quota` bigint(20) NOT NULL DEFAULT 0,
  ADD `local_part` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL AFTER `quota`,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1,
  ADD `phone` varchar(30) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `email_other` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `token` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  ADD `token_validity` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  ADD `password_expiry` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  ADD KEY `domain` (`domain`);
-- Postfix Admin step 495: local_part is the text before the (last) '@'.
UPDATE mailbox SET local_part = SUBSTRING(username, 1, CHAR_LENGTH(username) - CHAR_LENGTH(SUBSTRING_INDEX(username, '@', -1)) - 1)
  WHERE local_part = '' AND username LIKE '%@%';

ALTER TABLE `vacation` ENGINE=InnoDB, DEFAULT CHARSET=latin1,
  MODIFY `email` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `subject` varchar(255) CHARACTER SET utf8mb4 NOT NULL,
  MODIFY `body` text CHARACTER SET utf8mb4 NOT NULL,
  ADD `activefrom` timestamp NOT NULL DEFAULT '2000-01-01 00:00:00' AFTER `body`,
  ADD `activeuntil` timestamp NOT NULL DEFAULT '2038-01-18 00:00:00' AFTER `activefrom`,
  MODIFY `cache` text CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  MODIFY `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  ADD `interval_time` int(11) NOT NULL DEFAULT 0 AFTER `domain`,
  MODIFY `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  ADD `modified` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER `created`,
  MODIFY `active` tinyint(1) NOT NULL DEFAULT 1;

-- 2.2+ superadmins are domain_admins rows for 'ALL'; 3.3 also flags admin.superadmin.
UPDATE admin SET superadmin = 1
  WHERE username IN (SELECT username FROM domain_admins WHERE domain = 'ALL');
-- setup.php's pseudo domain 'ALL' (the domain_admins superadmin rows refer to it).
INSERT IGNORE INTO domain (domain, description, transport) VALUES ('ALL', '', '');

CREATE TABLE `alias_domain` (
  `alias_domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `target_domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `active` tinyint(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (`alias_domain`),
  KEY `active` (`active`),
  KEY `target_domain` (`target_domain`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT='Postfix Admin - Domain Aliases';

CREATE TABLE `config` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(20) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `value` varchar(20) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT='PostfixAdmin settings';

CREATE TABLE `fetchmail` (
  `id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci DEFAULT '',
  `mailbox` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `src_server` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `src_port` int(11) NOT NULL DEFAULT 0,
  `src_auth` enum('password','kerberos_v5','kerberos','kerberos_v4','gssapi','cram-md5','otp','ntlm','msn','ssh','any') CHARACTER SET latin1 DEFAULT NULL,
  `src_user` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `src_password` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `src_folder` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `poll_time` int(11) unsigned NOT NULL DEFAULT 10,
  `fetchall` tinyint(1) unsigned NOT NULL DEFAULT 0,
  `keep` tinyint(1) unsigned NOT NULL DEFAULT 0,
  `protocol` enum('POP3','IMAP','POP2','ETRN','AUTO') CHARACTER SET latin1 DEFAULT NULL,
  `usessl` tinyint(1) unsigned NOT NULL DEFAULT 0,
  `sslcertck` tinyint(1) NOT NULL DEFAULT 0,
  `sslcertpath` varchar(255) CHARACTER SET utf8 DEFAULT '',
  `sslfingerprint` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci DEFAULT '',
  `extra_options` text CHARACTER SET latin1 COLLATE latin1_general_ci,
  `returned_text` text CHARACTER SET latin1 COLLATE latin1_general_ci,
  `mda` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `date` timestamp NOT NULL DEFAULT '2000-01-01 00:00:00',
  `created` timestamp NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `active` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE `quota` (
  `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `path` varchar(100) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `current` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`username`,`path`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `quota2` (
  `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `bytes` bigint(20) NOT NULL DEFAULT 0,
  `messages` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`username`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `vacation_notification` (
  `on_vacation` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `notified` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL DEFAULT '',
  `notified_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`on_vacation`,`notified`),
  CONSTRAINT `vacation_notification_pkey` FOREIGN KEY (`on_vacation`) REFERENCES `vacation` (`email`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT='Postfix Admin - Virtual Vacation Notifications';

INSERT INTO `config` (`name`, `value`) VALUES ('version', '1847');
