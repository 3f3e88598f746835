"""The Postfix Admin stack the lookupd integration tests share (stdlib only).

What: a private MariaDB loaded with schema/postfixadmin-3.3.sql and
tests/integration/fixtures/postfixadmin.sql, the Postfix Admin recommended
mysql_*.cf files (from schema/postfix/ when present, else the queries of
DOCUMENTS/POSTFIX_CONF.txt) with this server's connection values, the
lookupd map layout built over them, and Postfix's own key search order for
address maps (the reference answer lookupd must reproduce).
create_domain() / create_mailbox() / create_alias() / create_alias_domain()
insert rows as Postfix Admin 3.3's forms do (md5crypt passwords, maildir
"domain/local/", quota in bytes, the mailbox's self-alias).
Ownership: PfaStack owns its MariaDB and its .cf dir; Lookupd and Postfix
instances are owned by the tests. Not thread-safe.
Errors: MissingTool / RuntimeError from the harness modules.
"""

import atexit
import os
import re
import shutil
import tempfile

from . import common

SCHEMA = os.path.join(common.REPO_ROOT, "schema", "postfixadmin-3.3.sql")
FIXTURE = os.path.join(common.REPO_ROOT, "tests", "integration", "fixtures", "postfixadmin.sql")
CF_SRC_DIR = os.path.join(common.REPO_ROOT, "schema", "postfix")

# name -> (.cf file name, query used when schema/postfix/ lacks the file)
TABLES = {
    "domains": ("mysql_virtual_domains_maps.cf",
                "SELECT domain FROM domain WHERE domain='%s' AND active = '1'"),
    "alias": ("mysql_virtual_alias_maps.cf",
              "SELECT goto FROM alias WHERE address='%s' AND active = '1'"),
    "alias_domain": ("mysql_virtual_alias_domain_maps.cf",
                     "SELECT goto FROM alias,alias_domain WHERE alias_domain.alias_domain = '%d' and "
                     "alias.address = CONCAT('%u', '@', alias_domain.target_domain) AND alias.active='1' "
                     "AND alias_domain.active='1'"),
    "alias_domain_catchall": ("mysql_virtual_alias_domain_catchall_maps.cf",
                              "SELECT goto FROM alias,alias_domain WHERE alias_domain.alias_domain = '%d' and "
                              "alias.address = CONCAT('@', alias_domain.target_domain) AND alias.active='1' "
                              "AND alias_domain.active='1'"),
    "mailbox": ("mysql_virtual_mailbox_maps.cf",
                "SELECT maildir FROM mailbox WHERE username='%s' AND active = '1'"),
    "alias_domain_mailbox": ("mysql_virtual_alias_domain_mailbox_maps.cf",
                             "SELECT maildir FROM mailbox,alias_domain WHERE alias_domain.alias_domain = '%d' "
                             "and mailbox.username = CONCAT('%u', '@', alias_domain.target_domain) AND "
                             "mailbox.active='1' AND alias_domain.active='1'"),
    "sender_login": ("mysql_sender_login_maps.cf",
                     "SELECT username FROM mailbox WHERE username='%s' AND active = '1' "
                     "UNION SELECT goto FROM alias WHERE address='%s' AND active = '1'"),
    # Test-only: several rows per key (joined with ',' by Postfix).
    "domain_addresses": ("test_domain_addresses.cf",
                         "SELECT address FROM alias WHERE domain='%s' AND active = '1' ORDER BY address"),
}

# Address maps: lookupd runs Postfix's key search over the list itself.
ADDRESS_MAPS = {
    "virtual_alias": ["alias", "alias_domain", "alias_domain_catchall"],
    "virtual_mailbox": ["mailbox", "alias_domain_mailbox"],
    "smtpd_sender_login": ["sender_login"],
}

_CONN_KEYS = ("hosts", "user", "password", "dbname")
_RUNNING = set()


def cf_body(name, db, hosts=None):
    """.cf text for table NAME: the shipped file's non-connection lines + DB's connection."""
    fname, query = TABLES[name]
    src = os.path.join(CF_SRC_DIR, fname)
    body = []
    if os.path.exists(src):
        with open(src, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"\s*(\w+)\s*=", line)
                if m and m.group(1) in _CONN_KEYS:
                    continue
                if line.startswith((" ", "\t")) and body and body[-1] is None:
                    continue  # continuation of a dropped connection line
                body.append(line.rstrip("\n"))
    else:
        body.append("query = " + query)
    conn = ["hosts = %s" % (hosts or db.hosts_inet), "user = %s" % db.user,
            "password = %s" % db.password, "dbname = %s" % db.dbname]
    return "\n".join(conn + [b for b in body if b is not None]) + "\n"


class PfaStack:
    """MariaDB + fixtures + .cf files; see the module docstring."""

    def __init__(self, tmp_root=None, fixtures=(FIXTURE,)):
        from .mariadb import MariaDB  # written by the "mysql" helper
        self.db = MariaDB(schema=SCHEMA, fixtures=list(fixtures), tmp_root=tmp_root)
        self.dir = None
        self.tmp_root = tmp_root
        self.cf = {}

    def start(self):
        _RUNNING.add(self)  # stopped at exit even if a test dies before cleanup()
        self.db.start()
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-cf-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
        for name in TABLES:
            path = os.path.join(self.dir, TABLES[name][0])
            with open(path, "w", encoding="utf-8") as f:
                f.write(cf_body(name, self.db))
            os.chmod(path, 0o644)
            self.cf[name] = path
        return self

    def cleanup(self):
        _RUNNING.discard(self)
        try:
            self.db.cleanup()
        finally:
            if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
                shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def mysql(self, name):
        return "mysql:" + self.cf[name]

    def mysql_list(self, address_map):
        return [self.mysql(n) for n in ADDRESS_MAPS[address_map]]

    def lookupd_maps(self):
        """lookupd_map_* values: every single table under its own name plus the address maps."""
        maps = {n: [self.mysql(n)] for n in TABLES}
        for n in ADDRESS_MAPS:
            maps[n] = self.mysql_list(n)
        return maps


@atexit.register
def _stop_all():
    for st in list(_RUNNING):
        try:
            st.cleanup()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass


QUOTA_MULTIPLIER = 1024000  # Postfix Admin's $CONF['quota_multiplier']: MB -> bytes


def sql_string(value):
    """VALUE as a MariaDB string literal."""
    return "'%s'" % str(value).replace("\\", "\\\\").replace("'", "\\'")


def md5crypt(password):
    """Postfix Admin 3.3's default $CONF['encrypt'] = 'md5crypt' ($1$salt$hash)."""
    r = common.run([common.require("openssl", "openssl"), "passwd", "-1", "-stdin"],
                   input_bytes=password.encode() + b"\n")
    if r.returncode != 0:
        raise RuntimeError("openssl passwd failed: " + r.stderr)
    return r.stdout.strip()


def create_domain(db, domain, description="", aliases=0, mailboxes=0, maxquota_mb=0, quota_mb=0):
    """The row Postfix Admin's "New Domain" form inserts (transport virtual)."""
    db.sql("INSERT INTO domain (domain, description, aliases, mailboxes, maxquota, quota, transport, backupmx, "
           "created, modified, active) VALUES (%s, %s, %d, %d, %d, %d, 'virtual', 0, NOW(), NOW(), 1);"
           % (sql_string(domain.lower()), sql_string(description), aliases, mailboxes, maxquota_mb, quota_mb))


def create_mailbox(db, username, password, name="", quota_mb=0, quota_bytes=None):
    """The rows Postfix Admin's "Add Mailbox" inserts: the mailbox (md5crypt,
    maildir "domain/local/", quota MB * 1024000 bytes) and its self-alias."""
    username = username.lower()
    local, domain = username.split("@", 1)
    quota = quota_bytes if quota_bytes is not None else quota_mb * QUOTA_MULTIPLIER
    db.sql("INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, created, modified, "
           "active) VALUES (%s, %s, %s, %s, %d, %s, %s, NOW(), NOW(), 1);\n"
           "INSERT INTO alias (address, goto, domain, created, modified, active) "
           "VALUES (%s, %s, %s, NOW(), NOW(), 1);"
           % (sql_string(username), sql_string(md5crypt(password)), sql_string(name),
              sql_string("%s/%s/" % (domain, local)), quota, sql_string(local), sql_string(domain),
              sql_string(username), sql_string(username), sql_string(domain)))


def create_alias(db, address, gotos):
    """An alias row ("Add Alias"; address "@domain" is a catch-all); GOTOS joined with ','."""
    address = address.lower()
    db.sql("INSERT INTO alias (address, goto, domain, created, modified, active) VALUES (%s, %s, %s, NOW(), NOW(), 1) "
           "ON DUPLICATE KEY UPDATE goto = VALUES(goto), modified = NOW();"
           % (sql_string(address), sql_string(",".join(gotos)), sql_string(address.split("@", 1)[1])))


def create_alias_domain(db, alias_domain, target_domain):
    """"Add Alias Domain": the alias domain's domain row and the alias_domain row."""
    create_domain(db, alias_domain, "alias of " + target_domain)
    db.sql("INSERT INTO alias_domain (alias_domain, target_domain, created, modified, active) "
           "VALUES (%s, %s, NOW(), NOW(), 1);" % (sql_string(alias_domain.lower()), sql_string(target_domain.lower())))


NO_SPLIT = ("postmaster", "mailer-daemon", "double-bounce")


def key_forms(key, delimiter="+"):
    """Postfix's MA_FIND_DEFAULT key sequence for an address-map lookup of KEY
    (postfix-mysql-table.md section 8), without the localpart-only step (our
    test domains are never $myorigin/$mydestination). Keys without '@' are
    looked up as they are (domain-list style)."""
    at = key.rfind("@")
    if at < 0:
        return [key]
    local, domain = key[:at], key[at + 1:]
    forms = [key]
    if delimiter and local and local.lower() not in NO_SPLIT:
        hits = [local.find(c) for c in delimiter if c in local]
        pos = min(hits) if hits else -1
        if pos > 0:  # never split when the delimiter is the first character
            forms.append(local[:pos] + "@" + domain)
    if domain:
        forms.append("@" + domain)
    out = []
    for f in forms:
        if f not in out:
            out.append(f)
    return out
