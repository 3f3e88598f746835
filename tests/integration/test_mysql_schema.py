#!/usr/bin/python3
"""schema/: the Postfix Admin 3.3 DDL loads into MariaDB, and migrate-2.1.sql
turns a Postfix Admin 2.1 database (tests/integration/fixtures/pfa-2.1.sql)
into the same schema, keeping the data. Exit 77 when MariaDB is missing."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness.mariadb import MariaDB, SkipTest  # noqa: E402

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def columns(db, name):
    return db.sql("""SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,
        IFNULL(COLUMN_DEFAULT, 'NULL'), IFNULL(CHARACTER_SET_NAME, '-'),
        IFNULL(COLLATION_NAME, '-'), EXTRA FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = '%s' ORDER BY TABLE_NAME, COLUMN_NAME""" % name, db=False).splitlines()


def indexes(db, name):
    return db.sql("""SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '%s'
        ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX""" % name, db=False).splitlines()


def tables(db, name):
    return db.sql("""SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = '%s' ORDER BY TABLE_NAME""" % name, db=False).splitlines()


def diff(a, b):
    sa, sb = set(a), set(b)
    return ["- " + x for x in sorted(sa - sb)] + ["+ " + x for x in sorted(sb - sa)]


def main():
    try:
        db = MariaDB()  # loads schema/postfixadmin-3.3.sql into `postfix`
    except SkipTest as e:
        print("SKIP:", e)
        return 77
    with db:
        want_tables = ["admin", "alias", "alias_domain", "config", "domain", "domain_admins",
                       "fetchmail", "log", "mailbox", "quota", "quota2", "vacation",
                       "vacation_notification"]
        got = [t.split("\t")[0] for t in tables(db, "postfix")]
        check(got == want_tables, "3.3 DDL creates the 13 Postfix Admin tables")
        check(all(t.endswith("\tInnoDB") for t in tables(db, "postfix")), "3.3 tables are InnoDB")
        check(db.sql("SELECT value FROM config WHERE name='version'").strip() == "1847",
              "config.version = 1847")
        # A mailbox as Postfix Admin 3.3 inserts it (defaults fill the rest).
        db.sql("INSERT INTO domain (domain, description, transport) VALUES ('d.test', '', 'virtual');"
               "INSERT INTO mailbox (username, password, name, maildir, local_part, domain) "
               "VALUES ('a@d.test', 'x', 'A', 'd.test/a/', 'a', 'd.test');")
        check(db.sql("SELECT quota, active, created FROM mailbox").strip() == "0\t1\t2000-01-01 00:00:00",
              "3.3 defaults: quota 0, active 1, created 2000-01-01")
        check(db.sql("SELECT COUNT(*) FROM mailbox WHERE username = 'A@D.TEST'").strip() == "1",
              "latin1_general_ci: ids compare case-insensitively")

        db.sql("CREATE DATABASE pfa21 CHARACTER SET latin1;", db=False)
        db.sql("USE pfa21;\n" + open(os.path.join(HERE, "fixtures", "pfa-2.1.sql")).read(), db=False)
        check(len(tables(db, "pfa21")) == 7, "2.1 fixture has 7 tables")
        db.sql("USE pfa21;\n" + open(os.path.join(ROOT, "schema", "migrate-2.1.sql")).read(), db=False)
        d = diff(columns(db, "postfix"), columns(db, "pfa21"))
        check(not d, "migrated columns equal the 3.3 DDL" + ("".join("\n     " + x for x in d)))
        d = diff(indexes(db, "postfix"), indexes(db, "pfa21"))
        check(not d, "migrated indexes equal the 3.3 DDL" + ("".join("\n     " + x for x in d)))
        d = diff(tables(db, "postfix"), tables(db, "pfa21"))
        check(not d, "migrated tables and engines equal the 3.3 DDL" + ("".join("\n     " + x for x in d)))

        q = lambda s: db.sql("USE pfa21;\n" + s, db=False).strip()  # noqa: E731
        check(q("SELECT value FROM config WHERE name='version'") == "1847", "migrated: version 1847")
        check(q("SELECT username, local_part, maildir, quota FROM mailbox ORDER BY username") ==
              "ann@example.com\tann\tann@example.com/\t0\njoe@example.com\tjoe\tjoe@example.com/\t10240000",
              "migrated: maildir and quota kept, local_part filled")
        check(q("SELECT username FROM admin WHERE superadmin = 1") == "admin@example.com",
              "migrated: the 'ALL' domain admin is superadmin")
        check(q("SELECT domain, quota, maxquota, transport FROM domain ORDER BY domain") ==
              "ALL\t0\t0\t\nexample.com\t0\t10\tvirtual\nrelay.test\t0\t0\trelay:[mx.relay.test]",
              "migrated: domain.quota added, NULL transport -> virtual, pseudo domain ALL")
        check(q("SELECT COUNT(*) FROM mailbox WHERE modified < '1000-01-01' OR created < '1000-01-01'") == "0",
              "migrated: no zero datetimes left")
        check(q("SELECT goto FROM alias WHERE address='info@example.com' AND active = '1'") ==
              "joe@example.com,ann@example.com", "migrated: aliases answer the Postfix query")
        q("UPDATE mailbox SET quota = 5000000000 WHERE username = 'joe@example.com'")
        check(q("SELECT quota FROM mailbox WHERE username = 'joe@example.com'") == "5000000000",
              "migrated: quota holds more than 2 GB")
        q("INSERT INTO vacation_notification (on_vacation, notified) VALUES ('joe@example.com', 'x@y.test')")
        q("DELETE FROM vacation WHERE email = 'joe@example.com'")
        check(q("SELECT COUNT(*) FROM vacation_notification") == "0",
              "migrated: vacation_notification cascades from vacation (InnoDB FK)")
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
