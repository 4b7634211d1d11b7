#!/usr/bin/env python3
"""Generate a large, realistic user.cfg for realmgate's benchmarks.

Why: the performance targets (parse, permission queries, memory, CLI
latency) are stated for a cluster with 10,000 users, 1,000 groups, 300
pools and ~120,000 ACL entries.  No real file of that size can be shared,
so this script builds one with the shape of a big Proxmox VE installation:
several realms, API tokens with and without privilege separation, users in
1-10 groups, nested pools holding VMs and storages, custom roles, and ACL
lines with several members and roles on every kind of path, NoAccess
included.  Output is deterministic for a given seed and set of flags.

An "ACL entry" is one (path, member, role) triple, the unit the parser
stores; an acl line with 2 members and 2 roles holds 4 entries.  Entries
are unique, so the parsed config holds exactly the number printed.

Standard library only.  Counts go to stderr, the file to -o or stdout.
"""

import argparse
import random
import sys

# The 47 privileges of spec 2.1 (names are the format's vocabulary).
PRIVS = """
VM.Config.Disk VM.Config.CPU VM.Config.Memory VM.Config.Network
VM.Config.HWType VM.Config.Options VM.Allocate VM.Clone
VM.GuestAgent.Unrestricted VM.Migrate VM.Replicate VM.Snapshot
VM.Snapshot.Rollback VM.Config.CDROM VM.Config.Cloudinit VM.Console
VM.Backup VM.GuestAgent.FileRead VM.GuestAgent.FileSystemMgmt
VM.GuestAgent.FileWrite VM.PowerMgmt VM.Audit VM.GuestAgent.Audit
Sys.PowerMgmt Sys.Modify Sys.Incoming Sys.AccessNetwork Sys.Console
Sys.Syslog Sys.Audit Datastore.Allocate Datastore.AllocateTemplate
Datastore.AllocateSpace Datastore.Audit SDN.Allocate SDN.Audit SDN.Use
Realm.Allocate User.Modify Group.Allocate Realm.AllocateUser
Pool.Allocate Pool.Audit Mapping.Modify Mapping.Use Mapping.Audit
Permissions.Modify
""".split()

BUILTIN_ROLES = """
Administrator PVEAdmin PVEAuditor PVEDatastoreAdmin PVEDatastoreUser
PVEMappingAdmin PVEMappingUser PVEPoolAdmin PVEPoolUser PVESDNAdmin
PVESDNUser PVESysAdmin PVETemplateUser PVEUserAdmin PVEVMAdmin PVEVMUser
""".split()

FIRST = """
anna ben carla david eva frank greta hans ida jonas karl lena max nina
otto paula rolf sara tom uwe lukas mia leon emma noah sofia elias marie
felix hannah paul lea jan clara finn julia moritz laura
""".split()
LAST = """
mueller schmidt schneider fischer weber meyer wagner becker schulz
hoffmann koch richter klein wolf schroeder neumann schwarz braun hofmann
zimmermann krueger hartmann lange werner krause lehmann koehler huber
""".split()
# Display forms for some last names, to exercise percent-encoding.
DISPLAY_LAST = {"mueller": "Müller", "schroeder": "Schröder",
                "krueger": "Krüger", "koehler": "Köhler"}

# (realm, share of users)
REALMS = [("pve", 0.40), ("pam", 0.10), ("ldap-corp", 0.30),
          ("ad-hq", 0.20)]
TOKEN_NAMES = """
ci monitoring backup terraform ansible grafana prometheus packer
automation deploy billing inventory
""".split()
DEPTS = """
dev ops qa sec dba net support finance hr research infra platform
storage backup web data ml mobile edge
""".split()
POOL_WORDS = """
alpha beta gamma delta omega atlas apollo hermes zeus orion vega nova
phoenix titan luna sol terra aqua ignis ventus cobalt onyx quartz jade
ruby amber ivory slate cedar maple
""".split()
POOL_SUB = """
prod staging test dev qa ci lab demo legacy dr
""".split()
ROLE_WORDS = """
VMOperator VMConsole VMBackup VMSnapshot VMMigrator VMCreator
StorageReader StorageWriter ISOUploader BackupOperator NetworkViewer
NetworkAdmin SDNUser NodeAuditor NodeOperator PoolViewer PoolManager
UserManager GroupManager Auditor Helpdesk Tenant TenantAdmin Deployer
Monitoring Billing MappingUser MappingAdmin GuestAgent TemplateUser
Provisioner ReadOnly Support Security Developer
""".split()
COMMENTS = ["Team: ops", "on-call rotation", "contractor (external)",
            "100% remote", "Büro München", "synthetic user", "needs review"]


def pct_encode(s):
    """Percent-encode as spec 1.3 'Escaping' describes."""
    out = []
    for b in s.encode("utf-8"):
        if 0x20 <= b <= 0x24 or 0x26 <= b <= 0x39 or 0x3B <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def weighted(rng, weights):
    """Index drawn with the given relative weights."""
    r = rng.random() * sum(weights)
    for i, w in enumerate(weights):
        r -= w
        if r < 0:
            return i
    return len(weights) - 1


def skewed(rng, n, power=2.0):
    """Index in [0, n) skewed towards 0 (a few items are very popular)."""
    return min(n - 1, int(n * rng.random() ** power))


def scaled(value, scale):
    return max(1, int(round(value * scale)))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every default count (10: a 100k-user file)")
    ap.add_argument("--users", type=int)
    ap.add_argument("--groups", type=int)
    ap.add_argument("--pools", type=int)
    ap.add_argument("--roles", type=int, default=30)
    ap.add_argument("--acl-entries", type=int)
    ap.add_argument("--vms", type=int, help="VM ids in the cluster")
    ap.add_argument("--storages", type=int)
    ap.add_argument("--nodes", type=int)
    ap.add_argument("--token-share", type=float, default=0.15,
                    help="share of users that own API tokens")
    a = ap.parse_args(argv)
    s = a.scale
    a.users = a.users if a.users is not None else scaled(10000, s)
    a.groups = a.groups if a.groups is not None else scaled(1000, s)
    a.pools = a.pools if a.pools is not None else scaled(300, s)
    a.acl_entries = (a.acl_entries if a.acl_entries is not None
                     else scaled(120000, s))
    a.vms = a.vms if a.vms is not None else scaled(20000, s)
    a.storages = a.storages if a.storages is not None else scaled(80, s)
    a.nodes = a.nodes if a.nodes is not None else scaled(48, s)
    if a.users < 2 or a.groups < 1 or a.pools < 1 or a.vms < 1 or \
            a.storages < 1 or a.nodes < 1 or a.roles < 0:
        ap.error("need at least 2 users and one of everything else")
    return a


def make_users(rng, a, out):
    users, tokens = ["root@pam"], []
    out.append("user:root@pam:1:0:::root@example.com:::")
    taken = set(users)
    realm_w = [w for _, w in REALMS]
    n_privsep = 0
    while len(users) < a.users:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        realm = REALMS[weighted(rng, realm_w)][0]
        name = "%s.%s" % (first, last)
        uid = "%s@%s" % (name, realm)
        k = 2
        while uid in taken:
            uid = "%s%d@%s" % (name, k, realm)
            k += 1
        taken.add(uid)
        users.append(uid)
        enable = 0 if rng.random() < 0.05 else 1
        expire = 0
        if rng.random() < 0.10:
            expire = 1735689600 + rng.randrange(0, 3 * 365 * 86400)
        fn, ln, email = first.capitalize(), DISPLAY_LAST.get(
            last, last.capitalize()), "%s@example.com" % uid.split("@")[0]
        if rng.random() < 0.08:     # sparse record, as sync often leaves
            fn = ln = email = ""
        comment = rng.choice(COMMENTS) if rng.random() < 0.08 else ""
        keys = "x" if rng.random() < 0.05 else ""
        out.append("user:%s:%d:%d:%s:%s:%s:%s:%s:" % (
            uid, enable, expire, pct_encode(fn), pct_encode(ln), email,
            pct_encode(comment), keys))
        if rng.random() < a.token_share:
            for tn in rng.sample(TOKEN_NAMES, 1 + weighted(rng, [6, 3, 1])):
                privsep = 0 if rng.random() < 0.3 else 1
                n_privsep += privsep
                texp = 0 if rng.random() < 0.8 else 1767225600 + \
                    rng.randrange(0, 2 * 365 * 86400)
                tc = "read-only metrics" if tn == "monitoring" else ""
                tid = "%s!%s" % (uid, tn)
                tokens.append(tid)
                out.append("token:%s:%d:%d:%s:" % (tid, texp, privsep,
                                                   pct_encode(tc)))
    return users, tokens, n_privsep


def make_groups(rng, a, users, out):
    groups = ["%s-%04d" % (DEPTS[i % len(DEPTS)], i + 1)
              for i in range(a.groups)]
    members = [[] for _ in groups]
    k_weights = [30, 22, 15, 10, 7, 5, 4, 3, 2, 2]     # 1..10 groups
    n_memb = 0
    for uid in users[1:]:
        k = min(len(groups), 1 + weighted(rng, k_weights))
        chosen = set()
        while len(chosen) < k:
            chosen.add(skewed(rng, len(groups), 1.6))
        for g in chosen:
            members[g].append(uid)
        n_memb += k
    for g, m in zip(groups, members):
        comment = "%s team" % g.split("-")[0] if rng.random() < 0.3 else ""
        out.append("group:%s:%s:%s:" % (g, ",".join(sorted(m)),
                                        pct_encode(comment)))
    return groups, n_memb


def make_pools(rng, a, out):
    storages = ["local", "local-lvm", "local-zfs"]
    kinds = ["ceph-rbd", "nfs-backup", "cifs-iso", "pbs", "zfs-pool",
             "lvm-thin", "iscsi"]
    i = 0
    while len(storages) < a.storages:
        storages.append("%s-%02d" % (kinds[i % len(kinds)], i // len(kinds)))
        i += 1
    storages = storages[:a.storages]
    vmids = rng.sample(range(100, 100 + a.vms * 4), a.vms)
    # About 60% of the VMs sit in a pool; the pool map is exclusive.
    pooled = vmids[:int(len(vmids) * 0.6)]
    n_top = max(1, int(a.pools * 0.6))
    pools, tops = [], []
    for i in range(n_top):
        p = "%s-%03d" % (POOL_WORDS[i % len(POOL_WORDS)], i + 1)
        pools.append(p)
        tops.append(p)
    level2 = []
    while len(pools) < a.pools:
        if level2 and rng.random() < 0.3:
            parent = rng.choice(level2)
        else:
            parent = rng.choice(tops)
        sub = rng.choice(POOL_SUB)
        pid = "%s/%s" % (parent, sub)
        if pid in pools:
            pid = "%s%d" % (pid, len(pools))
        if pid in pools:
            continue
        pools.append(pid)
        if pid.count("/") == 1:
            level2.append(pid)
    vm_of = {p: [] for p in pools}
    for v in pooled:
        vm_of[pools[skewed(rng, len(pools), 1.3)]].append(v)
    st_of = {}
    n_vm = n_st = 0
    for p in sorted(pools):
        st = sorted(rng.sample(storages, min(len(storages),
                                             weighted(rng, [2, 4, 3, 2, 1]))))
        st_of[p] = st
        vms = sorted(str(v) for v in vm_of[p])
        comment = "project %s" % p if rng.random() < 0.4 else ""
        out.append("pool:%s:%s:%s:%s:" % (p, pct_encode(comment),
                                          ",".join(vms), ",".join(st)))
        n_vm += len(vms)
        n_st += len(st)
    return pools, storages, vmids, n_vm, n_st


def make_roles(rng, a, out):
    names = []
    for i in range(a.roles):
        w = ROLE_WORDS[i % len(ROLE_WORDS)]
        names.append(w if i < len(ROLE_WORDS) else "%s%d" % (w, i))
    for r in sorted(names):
        privs = sorted(rng.sample(PRIVS, 1 + skewed(rng, 20, 1.5)))
        out.append("role:%s:%s:" % (r, ",".join(privs)))
    return names


def make_paths(rng, a, groups, pools, storages, vmids):
    """Candidate ACL paths by category, with the category weights."""
    nodes = ["pve-node%02d" % (i + 1) for i in range(a.nodes)]
    zones = ["zone%02d" % (i + 1) for i in range(max(2, a.nodes // 3))]
    sdn = []
    for z in zones:
        sdn.append("/sdn/zones/%s" % z)
        for v in range(rng.randrange(2, 8)):
            vnet = "vnet%s%d" % (z[-2:], v)
            sdn.append("/sdn/zones/%s/%s" % (z, vnet))
            for _ in range(rng.randrange(0, 3)):
                sdn.append("/sdn/zones/%s/%s/%d" % (z, vnet,
                                                    rng.randrange(1, 4095)))
    mapping = []
    for kind, n in (("pci", 40), ("usb", 30), ("dir", 20)):
        for i in range(max(2, int(n * a.nodes / 48))):
            mapping.append("/mapping/%s/%s%02d" % (kind, kind, i + 1))
    top = ["/", "/vms", "/storage", "/nodes", "/pool", "/access",
           "/access/groups", "/access/realm", "/sdn", "/sdn/zones",
           "/mapping"] + ["/access/realm/%s" % r for r, _ in REALMS]
    cats = [
        (0.58, ["/vms/%d" % v for v in vmids]),
        (0.08, ["/storage/%s" % s for s in storages]),
        (0.12, ["/pool/%s" % p for p in pools]),
        (0.04, ["/nodes/%s" % n for n in nodes]),
        (0.08, ["/access/groups/%s" % g for g in groups]),
        (0.05, sdn),
        (0.04, mapping),
        (0.01, top),
    ]
    return cats


def make_acls(rng, a, users, tokens, groups, roles, cats, out):
    role_pool = roles + ["PVEVMUser", "PVEVMAdmin", "PVEAuditor",
                         "PVEDatastoreUser", "PVEPoolUser", "PVETemplateUser",
                         "PVESDNUser", "PVEMappingUser", "PVEAdmin",
                         "PVESysAdmin", "PVEDatastoreAdmin", "Administrator"]
    cat_w = [w for w, _ in cats]
    seen = set()
    lines = []
    n_entries = n_noaccess = 0
    kinds = {"group": 0, "user": 0, "token": 0}
    stuck = 0
    while n_entries < a.acl_entries:
        if stuck > 100000:
            sys.stderr.write("gen-usercfg: only %d unique acl entries fit "
                             "this shape\n" % n_entries)
            break
        paths = cats[weighted(rng, cat_w)][1]
        # /vms/N: most VMs carry one or two entries, a few many.
        path = paths[skewed(rng, len(paths), 1.2)]
        prop = 0 if rng.random() < 0.2 else 1
        members = []
        for _ in range(1 + weighted(rng, [45, 30, 15, 10])):
            r = rng.random()
            if r < 0.50:
                m = "@" + groups[skewed(rng, len(groups), 1.6)]
            elif r < 0.85 or not tokens:
                m = users[1 + rng.randrange(len(users) - 1)]
            else:
                m = rng.choice(tokens)
            if m not in members:
                members.append(m)
        if rng.random() < 0.03:
            rl = ["NoAccess"]
        else:
            rl = rng.sample(role_pool, 1 + weighted(rng, [62, 27, 11]))
        # Keep entries unique, so the parsed count is exactly n_entries.
        fresh = 0
        keep_m = [m for m in members
                  if all((path, m, r) not in seen for r in rl)]
        if not keep_m:
            stuck += 1
            continue
        stuck = 0
        for m in keep_m:
            for r in rl:
                seen.add((path, m, r))
                fresh += 1
            kinds["group" if m[0] == "@" else
                  "token" if "!" in m else "user"] += len(rl)
        if "NoAccess" in rl:
            n_noaccess += fresh
        n_entries += fresh
        lines.append("acl:%d:%s:%s:%s:" % (prop, path, ",".join(keep_m),
                                            ",".join(rl)))
    out.extend(lines)
    return len(lines), n_entries, n_noaccess, kinds, len(
        {p for p, _, _ in seen})


def main(argv):
    a = parse_args(argv)
    rng = random.Random(a.seed)
    ulines, glines, plines, rlines, alines = [], [], [], [], []
    users, tokens, n_privsep = make_users(rng, a, ulines)
    groups, n_memb = make_groups(rng, a, users, glines)
    pools, storages, vmids, n_vm, n_st = make_pools(rng, a, plines)
    roles = make_roles(rng, a, rlines)
    cats = make_paths(rng, a, groups, pools, storages, vmids)
    n_acl, n_ent, n_noacc, kinds, n_paths = make_acls(
        rng, a, users, tokens, groups, roles, cats, alines)
    # Block order and separators as Proxmox writes them (spec 1.3).
    text = "\n".join(ulines) + "\n\n" + "\n".join(glines) + "\n\n" + \
        "\n".join(plines) + "\n\n" + "\n".join(rlines) + "\n\n" + \
        "\n".join(alines) + "\n"
    data = text.encode("utf-8")
    if a.output:
        with open(a.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    sys.stderr.write(
        "gen-usercfg: seed %d: %d users (%d tokens, %d privsep), "
        "%d groups (%d memberships), %d pools (%d VMs, %d storage refs, "
        "%d VM ids in all), %d custom roles, %d acl lines = %d entries "
        "on %d paths (group %d, user %d, token %d, NoAccess %d); "
        "%d bytes\n" % (
            a.seed, len(users), len(tokens), n_privsep, len(groups), n_memb,
            len(pools), n_vm, n_st, len(vmids), len(roles), n_acl, n_ent,
            n_paths, kinds["group"], kinds["user"], kinds["token"],
            n_noacc, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
