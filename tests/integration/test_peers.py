"""
Sanity checks of the LDAP test peers (peers.py, tests/peers/*.sh).

Why: the realm tests trust these servers to behave like the directories
they stand for (TLS verified against our CA only, binds, ACLs, the 500
entry size limit, AD's UPN binds, account states, nesting, range
retrieval).  If a peer drifts, these fail first and say which property broke,
instead of a realm test failing for an unclear reason.
"""
import re


# slapd ----------------------------------------------------------------------
def test_slapd_svc_binds_over_plain_ldap(slapd):
    assert slapd.bind(slapd.bind_dn, slapd.bind_pw, mode="ldap").returncode == 0
    res = slapd.search("(uid=user1)", ["uid", "mail", "memberOf"], mode="ldap")
    assert [e.dn for e in res] == [slapd.user_dn(1)]
    assert res[0].first("mail") == "user1@example.org"
    # memberof overlay: the online load filled memberOf
    assert slapd.group_dn(1) in res[0].attr("memberOf")


def test_slapd_tls_with_the_right_ca(slapd):
    for mode in ("ldaps", "starttls"):
        p = slapd.bind(slapd.bind_dn, slapd.bind_pw, mode=mode)
        assert p.returncode == 0, (mode, p.stderr)
    assert slapd.uri("ldaps") == "ldaps://127.0.0.1:%d" % slapd.tls_port
    assert slapd.uri("starttls") == slapd.uri("ldap") == "ldap://127.0.0.1:%d" % slapd.port


def test_slapd_wrong_ca_fails(slapd):
    p = slapd.bind(slapd.bind_dn, slapd.bind_pw, mode="ldaps",
                   ca_file=slapd.wrong_ca_file)
    assert p.returncode == 255, p.stderr
    assert "Can't contact LDAP server (-1)" in p.stderr
    p = slapd.bind(slapd.bind_dn, slapd.bind_pw, mode="starttls",
                   ca_file=slapd.wrong_ca_file)
    assert p.returncode != 0
    assert "Connect error (-11)" in p.stderr, p.stderr


def test_slapd_user_binds_with_its_password(slapd):
    assert slapd.can_bind(slapd.user_dn(7), slapd.user_password)
    p = slapd.bind(slapd.user_dn(7), "wrong")
    assert p.returncode == 49 and "Invalid credentials" in p.stderr
    assert slapd.can_bind(slapd.user_dn(slapd.weird_uid), slapd.user_password)


def test_slapd_acls(slapd):
    # anonymous: bind only, sees nothing
    res = slapd.search("(uid=user1)", anonymous=True, ok_rc=(0, 32))
    assert list(res) == []
    # a user reads its own entry, nothing else (not even the base entry:
    # a subtree search from the base gives "No such object")
    me = dict(bind_dn=slapd.user_dn(3), bind_pw=slapd.user_password)
    res = slapd.search(base=slapd.user_dn(3), scope="base", **me)
    assert [e.dn for e in res] == [slapd.user_dn(3)]
    res = slapd.search(base=slapd.user_dn(4), scope="base", ok_rc=(32,), **me)
    assert res.rc == 32 and list(res) == []
    assert slapd.search("(uid=user3)", ok_rc=(32,), **me).rc == 32
    # the bind account reads users but not password hashes
    res = slapd.search("(uid=user4)", ["userPassword", "cn"])
    assert res[0].first("cn") == "User 4" and res[0].attr("userPassword") == []


def test_slapd_special_entries(slapd):
    res = slapd.search(r"(uid=we\2aird\28name\29)", ["uid"])
    assert [e.first("uid") for e in res] == [slapd.weird_uid]
    res = slapd.search("(cn=%s)" % slapd.space_group, ["member"],
                       base=slapd.groups_dn)
    assert sorted(res[0].attr("member")) == sorted(
        [slapd.user_dn(1), slapd.user_dn(2), slapd.user_dn(slapd.weird_uid)])
    assert len(slapd.search("(objectClass=inetOrgPerson)", ["1.1"])) == 51
    assert len(slapd.search("(objectClass=groupOfNames)", ["1.1"])) == 6


def test_slapd_size_limit_forces_paging(slapd_factory):
    big = slapd_factory(nusers=600, ngroups=2, members=300, special=False)
    res = big.search("(objectClass=inetOrgPerson)", ["uid"], ok_rc=(4,))
    assert res.rc == 4 and len(res) == 500
    assert "Size limit exceeded" in res.stderr
    res = big.search("(objectClass=inetOrgPerson)", ["uid"], paged=200)
    assert len(res) == 600


def test_slapd_factory_second_instance_and_kill(slapd, slapd_factory):
    second = slapd_factory()
    assert (second.port, second.tls_port) != (slapd.port, slapd.tls_port)
    assert second.ca_file == slapd.ca_file  # one CA verifies both
    second.ldapadd("dn: uid=only2,%s\nobjectClass: inetOrgPerson\nuid: only2\n"
                   "cn: Only Two\nsn: Two\n" % second.people_dn)
    assert len(second.search("(uid=only2)")) == 1
    assert len(slapd.search("(uid=only2)")) == 0
    # killed mid-work: down, then back with its data
    second.kill()
    assert not second.running()
    assert second.bind(second.bind_dn, second.bind_pw).returncode == 255
    assert slapd.can_bind(slapd.bind_dn, slapd.bind_pw)
    second.start()
    assert len(second.search("(uid=only2)")) == 1
    second.ldapdelete(second.user_dn("only2"))
    assert len(second.search("(uid=only2)")) == 0
    second.restart()
    assert second.can_bind(second.bind_dn, second.bind_pw, mode="starttls")


# Samba AD -------------------------------------------------------------------
def test_ad_upn_bind(samba_ad):
    for mode in ("ldaps", "starttls"):
        p = samba_ad.bind(samba_ad.upn("alice"), samba_ad.user_password, mode=mode)
        assert p.returncode == 0, (mode, p.stderr)
    assert samba_ad.can_bind("EXAMPLE\\bob", samba_ad.user_password)
    assert samba_ad.can_bind(samba_ad.user_dn("carol"), samba_ad.user_password)
    # simple binds need TLS
    p = samba_ad.bind(samba_ad.upn("alice"), samba_ad.user_password, mode="ldap")
    assert p.returncode == 8 and "Strong(er) authentication required" in p.stderr
    p = samba_ad.bind(samba_ad.upn("alice"), "wrong")
    assert p.returncode == 49 and "data 52e" in p.stderr


def test_ad_wrong_ca_fails(samba_ad):
    p = samba_ad.bind(samba_ad.bind_dn, samba_ad.bind_pw,
                      ca_file=samba_ad.wrong_ca_file)
    assert p.returncode == 255 and "Can't contact LDAP server" in p.stderr


def test_ad_samaccountname_search(samba_ad):
    res = samba_ad.search("(sAMAccountName=alice)",
                          ["sAMAccountName", "userPrincipalName", "mail",
                           "givenName", "memberOf"])
    assert [e.dn for e in res] == [samba_ad.user_dn("alice")]
    alice = res[0]
    assert alice.first("samaccountname") == "alice"
    assert alice.first("userPrincipalName") == "alice@example.test"
    assert alice.first("givenName") == "Alice"
    assert sorted(alice.attr("memberOf")) == sorted(
        [samba_ad.group_dn("infra-admins"), samba_ad.group_dn("Domain Ops Team")])
    # searches from the domain root come with continuation references
    assert any("CN=Configuration" in r for r in res.refs)


def test_ad_account_states(samba_ad):
    p = samba_ad.bind(samba_ad.upn(samba_ad.disabled_user), samba_ad.user_password)
    assert p.returncode == 49 and "data 533" in p.stderr, p.stderr
    p = samba_ad.bind(samba_ad.upn(samba_ad.expired_user), samba_ad.user_password)
    assert p.returncode == 49 and "data 701" in p.stderr, p.stderr
    res = samba_ad.search("(sAMAccountName=dave)", ["userAccountControl"])
    assert res[0].first("userAccountControl") == "514"


def test_ad_big_group_needs_range_retrieval(samba_ad):
    dn = samba_ad.group_dn(samba_ad.big_group)
    first = samba_ad.search("(objectClass=*)", ["member;range=0-1499"],
                            base=dn, scope="base")[0]
    assert len(first.attr("member;range=0-1499")) == 1500
    rest = samba_ad.search("(objectClass=*)", ["member;range=1500-*"],
                           base=dn, scope="base")[0]
    assert len(rest.attr("member;range=1500-*")) == 100
    members = set(first.attr("member;range=0-1499")) | set(rest.attr("member;range=1500-*"))
    assert members == {samba_ad.user_dn("bulk%04d" % i) for i in range(1, 1601)}


def test_ad_nested_groups_and_cycle(samba_ad):
    chain = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN
    for group, want in samba_ad.transitive_members.items():
        res = samba_ad.search("(&(objectClass=user)(memberOf:%s:=%s))" % (
            chain, samba_ad.group_dn(group)), ["sAMAccountName"],
            base=samba_ad.people_dn)
        assert {e.first("sAMAccountName") for e in res} == want, group
    a = samba_ad.search("(cn=cyc-a)", ["member", "memberOf"], base=samba_ad.groups_dn)[0]
    assert a.attr("member") == [samba_ad.group_dn("cyc-b")]
    assert a.attr("memberOf") == [samba_ad.group_dn("cyc-b")]


def test_ad_odd_group_names(samba_ad):
    res = samba_ad.search("(objectClass=group)", ["cn", "sAMAccountName", "member"],
                          base=samba_ad.groups_dn)
    by_cn = {e.first("cn"): e for e in res}
    for cn in samba_ad.odd_groups:
        assert cn in by_cn, cn
        assert by_cn[cn].dn == samba_ad.group_dn(cn)
    assert by_cn["ops+dev"].first("sAMAccountName") == "ops-dev"
    assert by_cn["ops+dev"].attr("member") == [samba_ad.user_dn("carol")]
    assert re.search(r"CN=ops\\\+dev,", by_cn["ops+dev"].dn)


def test_ad_kill_start_and_reset(samba_ad):
    samba_ad.ldapadd(
        "dn: CN=temp1,%s\nobjectClass: user\nsAMAccountName: temp1\n"
        "userPrincipalName: temp1@example.test\n" % samba_ad.people_dn)
    samba_ad.kill()
    assert not samba_ad.running()
    samba_ad.start()
    assert len(samba_ad.search("(sAMAccountName=temp1)", ["1.1"])) == 1
    samba_ad.reset()
    assert len(samba_ad.search("(sAMAccountName=temp1)", ["1.1"])) == 0
    assert samba_ad.can_bind(samba_ad.upn("alice"), samba_ad.user_password)
