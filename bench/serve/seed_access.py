"""Seed hfcached's access state for bench/serve, as an online daemon would have left it: repo
models--bench--serve known public, models--bench--gated known gated and granted to TOKEN (an HMAC of
it under the daemon's secret, common/access/token_key.cpp). Run between a first start (which creates
state_dir/index.sqlite and access-secret) and the measured --offline start.
Usage: seed_access.py STATE_DIR TOKEN"""
import hashlib
import hmac
import os
import sqlite3
import sys
import time

state, token = sys.argv[1], sys.argv[2]
secret = open(os.path.join(state, "access-secret"), "rb").read()
key = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
now = int(time.time())
db = sqlite3.connect(os.path.join(state, "index.sqlite"))
with db:
    db.execute("INSERT OR REPLACE INTO repo_access VALUES('models--bench--serve', 'public', ?)", (now,))
    db.execute("INSERT OR REPLACE INTO repo_access VALUES('models--bench--gated', 'gated', ?)", (now,))
    db.execute("INSERT OR REPLACE INTO access_grants VALUES(?, 'models--bench--gated', 1, ?, ?)", (key, now, now))
db.close()
