"""Postfix Admin rows for the saslcheck integration tests (stdlib only).

What: a private MariaDB (harness.mariadb) with schema/postfixadmin-3.3.sql and
mailboxes in several password schemes, plus the saslcheck_password_maps .cf
(mailbox.password of active mailboxes in active domains, with MAILDIR, QUOTA
and NAME attributes). USERS maps each login to (password, expected outcome).
Ownership: the caller owns the MariaDB (cleanup()). Not thread-safe.
"""

import os

from .mariadb import MariaDB

# login -> (stored password, cleartext password, active mailbox, active domain)
ROWS = {
    "joe@example.com": ("$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/", "password", 1, 1),
    "ann@example.com": ("{PLAIN}tanstaaftanstaaf", "tanstaaftanstaaf", 1, 1),
    "sha@example.com": ("{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
                        "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/", "password", 1, 1),
    "blf@example.com": ("{BLF-CRYPT}$2y$05$CW/nhp4Y.d45PkfY5xSIPuXzNr.ZoxqDt01wsRBvP6/Xs0vzpqGwi", "password", 1, 1),
    "ssha@example.com": ("{SSHA512}9ZxHVj4YomwqqFiYKcIjExMLx2ZblYfXRGc4KMqbgvHq2+HOgwiTIi+eO/Uam/8D0beDAkGpvx14+"
                         "UFlfBskLnNhbHRzYWx0", "password", 1, 1),
    "off@example.com": ("$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/", "password", 0, 1),
    "bob@dead.example": ("$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/", "password", 1, 0),
}

QUERY = ("SELECT CONCAT(mailbox.password, '\\tMAILDIR=', mailbox.maildir, "
         "IF(mailbox.quota > 0, CONCAT('\\tQUOTA=', mailbox.quota, 'S'), ''), '\\tNAME=', mailbox.name) "
         "FROM mailbox JOIN domain ON domain.domain = mailbox.domain "
         "WHERE mailbox.username = '%s' AND mailbox.active = '1' AND domain.active = '1'")


def start_db():
    """A started MariaDB holding ROWS."""
    db = MariaDB()
    db.start()
    sql = []
    for dom, active in (("example.com", 1), ("dead.example", 0)):
        sql.append("INSERT INTO domain (domain, description, transport, active) VALUES ('%s', '', 'virtual', %d);"
                   % (dom, active))
    for login, (stored, _pw, mb_active, _dom_active) in ROWS.items():
        local, dom = login.split("@")
        sql.append("INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active) "
                   "VALUES ('%s', '%s', 'User %s', '%s/%s/', %d, '%s', '%s', %d);"
                   % (login, stored.replace("\\", "\\\\"), local, dom, local, 1024 if local == "ann" else 0,
                      local, dom, mb_active))
    db.sql("\n".join(sql))
    return db


def write_cf(db, directory):
    """The password map .cf in DIRECTORY; returns 'mysql:/path'."""
    path = os.path.join(directory, "saslcheck-passwords.cf")
    with open(path, "w") as f:
        f.write(db.cf_text(hosts=db.hosts_inet) + "query = " + QUERY + "\n")
    return "mysql:" + path
