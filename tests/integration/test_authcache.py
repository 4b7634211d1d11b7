"""The front's token-secret cache follows priv/token.cfg (issue 9 A.5).

The front cannot read priv/, so it keeps the token secrets authd
confirmed.  Every answer of authd now names the identity of token.cfg, and
a change of it empties the cache: a secret removed from token.cfg by hand
(user.cfg untouched, so no new snapshot) stops working as soon as authd
has answered anything, not only when the cache entry expires.
"""
import os

from conftest import cli_json, error, ok


def remove_secret(config_dir, tokenid):
    path = os.path.join(config_dir, "priv", "token.cfg")
    with open(path) as fh:
        lines = [l for l in fh if not l.startswith(tokenid + " ")]
    tmp = path + ".edit"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.writelines(lines)
    os.rename(tmp, path)


def test_hand_edited_token_cfg_seen_at_next_authd_answer(server_factory):
    api = server_factory()
    admin = api.session("alice@pve")
    tok = api.token_session("alice@pve!full")
    # verified through authd, then served from the cache
    for _ in range(3):
        ok(tok.get("/access/users"))
    remove_secret(api.config_dir, "alice@pve!full")
    # any call that goes to authd (this one reads priv/) brings the news
    ok(admin.get("/cluster/jobs/realm-sync"))
    error(tok.get("/access/users"), 401)


def test_token_regenerated_with_cli_stops_at_once(server_factory):
    """The CLI rewrites token.cfg, then user.cfg: a new snapshot."""
    api = server_factory()
    tok = api.token_session("alice@pve!full")
    for _ in range(3):
        ok(tok.get("/access/users"))
    new = cli_json(api.config_dir, "user", "token", "modify", "alice@pve",
                   "full", "--regenerate", "1")["value"]
    error(tok.get("/access/users"), 401)
    ok(api.token_session("alice@pve!full", new).get("/access/users"))
