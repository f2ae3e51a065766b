package main

// Differential ACL scenarios: the same ACL stories run against Warren and
// Apache ZooKeeper 3.8 (see diff_test.go), covering every permission of
// every operation, the digest, ip, auth, world and super schemes, setACL
// with versions and multis that fail on an ACL. Both servers run with the
// super user of password "test" (harness_test.go).

import (
	"fmt"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/auth"
)

func init() {
	diffScenarios = append(diffScenarios,
		scenario{name: "acl-perms-matrix", run: scenarioACLPermsMatrix},
		scenario{name: "acl-digest", run: scenarioACLDigest},
		scenario{name: "acl-ip", run: scenarioACLIP},
		scenario{name: "acl-ip6", run: scenarioACLIP6, known: aclIP6Diffs},
		scenario{name: "acl-auth-scheme", run: scenarioACLAuthScheme},
		scenario{name: "acl-world-and-invalid", run: scenarioACLWorldAndInvalid},
		scenario{name: "acl-super", run: scenarioACLSuper},
		scenario{name: "acl-setacl-versions", run: scenarioACLSetACLVersions},
		scenario{name: "acl-multi", run: scenarioACLMulti},
		scenario{name: "acl-whoami", run: scenarioACLWhoAmI},
		scenario{name: "acl-getacl-masks-digests", run: scenarioACLGetACLMasks},
	)
}

var permNames = []struct {
	perm int32
	name string
}{
	{zk.PermRead, "r"}, {zk.PermWrite, "w"}, {zk.PermCreate, "c"}, {zk.PermDelete, "d"}, {zk.PermAdmin, "a"},
}

// scenarioACLPermsMatrix: for a znode whose ACL grants world exactly one
// permission (or none, or all), every operation on it and on its child, so
// that which permission each operation needs, and on which znode, shows.
func scenarioACLPermsMatrix(e *env) {
	owner := e.zk("owner")
	other := e.zk("other")
	e.create(owner, e.root, "", 0, nil)
	cases := append([]struct {
		perm int32
		name string
	}{{0, "none"}, {zk.PermAll, "all"}}, permNames...)
	for _, pc := range cases {
		n := e.p("/" + pc.name)
		e.create(owner, n, "d", 0, nil)
		e.create(owner, n+"/kid", "k", 0, nil)
		e.create(owner, n+"/kid2", "k", 0, nil)
		e.setACL(owner, n, zk.WorldACL(pc.perm), 0)
		e.log("== world may %s on %s", pc.name, n)
		e.get(other, n) // exists: see scenarioExistsNeedsRead
		e.children(other, n)
		e.getACL(other, n)
		e.set(other, n, "x", -1)
		e.create(other, n+"/new", "", 0, nil)
		e.create(other, n+"/eph", "", zk.FlagEphemeral, nil)
		e.del(other, n+"/kid", -1)
		e.get(other, n+"/kid2")         // the child's own ACL is open
		e.set(other, n+"/kid2", "", -1) // whatever the parent's
		e.setACL(other, n, zk.WorldACL(pc.perm), -1)
		res, err := other.Multi(&zk.CheckVersionRequest{Path: n, Version: -1})
		e.log("multi check %s: %s %v", n, zkErr(err), multiErrs(res))
		// getAllChildrenNumber has no go-zookeeper call: raw.
		r := e.raw("raw-" + pc.name)
		e.log("getAllChildrenNumber %s: %s", n, r.outcome(opGetAllChildren, pathOnly(n)))
	}
}

func multiErrs(res []zk.MultiResponse) []string {
	out := []string{}
	for _, r := range res {
		out = append(out, zkErr(r.Error))
	}
	return out
}

// scenarioACLDigest: digest ACLs with one permission each, a session with
// the right credentials, with wrong ones, and with none.
func scenarioACLDigest(e *env) {
	alice := e.zk("alice")
	bob := e.zk("bob")
	anon := e.zk("anon")
	e.create(alice, e.root, "", 0, nil)
	e.log("addAuth alice: %s", zkErr(alice.AddAuth("digest", []byte("alice:secret"))))
	e.log("addAuth bob, alice's user with a wrong password: %s", zkErr(bob.AddAuth("digest", []byte("alice:wrong"))))
	for _, pc := range permNames {
		n := e.p("/" + pc.name)
		e.create(alice, n, "d", 0, zk.DigestACL(pc.perm|zk.PermAdmin, "alice", "secret"))
		for _, c := range []struct {
			name string
			c    *zk.Conn
		}{{"alice", alice}, {"bob", bob}, {"anon", anon}} {
			e.log("-- %s on %s", c.name, n)
			e.get(c.c, n)
			e.set(c.c, n, c.name, -1)
			e.create(c.c, n+"/"+c.name, "", 0, nil)
			e.getACL(c.c, n)
		}
	}
	// Two users on one znode; the digest of the same user and password
	// given as an explicit id.
	e.create(alice, e.p("/two"), "", 0, append(zk.DigestACL(zk.PermRead, "alice", "secret"), zk.DigestACL(zk.PermAll, "bob", "pw")...))
	e.log("addAuth bob as bob: %s", zkErr(bob.AddAuth("digest", []byte("bob:pw"))))
	e.set(alice, e.p("/two"), "a", -1)
	e.set(bob, e.p("/two"), "b", -1)
	e.getACL(anon, e.p("/two"))
	// A user with a colon in the password, and one with none at all.
	e.create(alice, e.p("/colon"), "", 0, zk.DigestACL(zk.PermAll, "carol", "a:b"))
	c := e.zk("carol")
	e.log("addAuth carol a:b: %s", zkErr(c.AddAuth("digest", []byte("carol:a:b"))))
	e.get(c, e.p("/colon"))
	e.log("addAuth carol without colon: %s", zkErr(c.AddAuth("digest", []byte("carol"))))
	e.create(alice, e.p("/nocolon"), "", 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: auth.DigestOf("carol")}})
	e.get(c, e.p("/nocolon"))
	e.getACL(alice, e.p("/nocolon"))
}

// scenarioACLIP: ip ACLs of every form, valid or not, and whether a
// loopback client matches them.
func scenarioACLIP(e *env) {
	c := e.zk("client")
	e.create(c, e.root, "", 0, nil)
	for i, id := range []string{
		"127.0.0.1", "127.0.0.1/32", "127.0.0.0/8", "127.0.0.2/31", "127.255.255.255/8", "0.0.0.0/0",
		"10.0.0.0/8", "127.000.000.001", "127.0.0.1/0", "128.0.0.0/1",
		"127.1", "127.0.0.1/33", "127.0.0.1/", "/8", "127.0.0.1/-1", "256.0.0.1", "a.b.c.d", "127.0.0.1 ",
		"",
	} {
		n := e.p(fmt.Sprintf("/ip%d", i))
		got := e.create(c, n, "", 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "ip", ID: id}})
		if got == "" {
			continue
		}
		e.log("ip %q:", id)
		e.get(c, n)
	}
}

// aclIP6Valid are IPv6 ACL ids Warren accepts, as ZooKeeper does since
// 3.9.3; ZooKeeper 3.8 knows IPv4 only and refuses them with InvalidACL
// (docs/compatibility.md). The ids ZooKeeper 3.9 refuses, Warren refuses.
var aclIP6Valid = []string{"::1", "0:0:0:0:0:0:0:1", "::1/128", "::/0", "fe80::/10", "2001:db8::1/64", "1:2:3:4:5:6:7:8"}

var aclIP6Invalid = []string{"::ffff:127.0.0.1", "1:2:3:4:5:6:7:8:9", "1::2::3", "::1/129", "gggg::1", "fe80::1%eth0", "12345::"}

// aclIP6Diffs: ZooKeeper 3.8 refuses every IPv6 ACL id.
var aclIP6Diffs = func() []knownDiff {
	var d []knownDiff
	for i := range aclIP6Valid {
		p := fmt.Sprintf("/acl-ip6/v%d", i)
		d = append(d, knownDiff{zk: "create " + p + " flags=0: InvalidACL ", warren: "create " + p + " flags=0: OK " + p})
	}
	return d
}()

// scenarioACLIP6: IPv6 ACL ids, valid and not. The client connects over
// IPv4, so none of them matches it; core/server's TestIPv6ACL checks matching.
func scenarioACLIP6(e *env) {
	c := e.zk("client")
	e.create(c, e.root, "", 0, nil)
	for i, id := range aclIP6Valid {
		e.create(c, e.p(fmt.Sprintf("/v%d", i)), "", 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "ip", ID: id}})
	}
	for i, id := range aclIP6Invalid {
		e.create(c, e.p(fmt.Sprintf("/x%d", i)), "", 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "ip", ID: id}})
	}
}

// scenarioACLAuthScheme: "auth" entries expand to the session's
// authenticated ids; with none they are invalid.
func scenarioACLAuthScheme(e *env) {
	c := e.zk("c")
	e.create(c, e.root, "", 0, nil)
	e.create(c, e.p("/none"), "", 0, zk.AuthACL(zk.PermAll))
	e.create(c, e.p("/none-mixed"), "", 0, append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...))
	e.setACL(c, e.root, zk.AuthACL(zk.PermAll), -1)
	e.log("addAuth u1: %s", zkErr(c.AddAuth("digest", []byte("u1:p1"))))
	e.create(c, e.p("/one"), "", 0, zk.AuthACL(zk.PermRead|zk.PermWrite))
	e.log("addAuth u2: %s", zkErr(c.AddAuth("digest", []byte("u2:p2"))))
	e.log("addAuth u1 again: %s", zkErr(c.AddAuth("digest", []byte("u1:p1"))))
	e.create(c, e.p("/two"), "", 0, zk.AuthACL(zk.PermAll))
	e.create(c, e.p("/two-with-id"), "", 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "auth", ID: "someone"}})
	e.create(c, e.p("/dup"), "", 0, append(zk.DigestACL(zk.PermAll, "u1", "p1"), zk.AuthACL(zk.PermAll)...))
	for _, p := range []string{"/one", "/two", "/two-with-id", "/dup"} {
		e.getACL(c, e.p(p))
	}
	e.setACL(c, e.p("/one"), zk.AuthACL(zk.PermAll), -1)
	e.getACL(c, e.p("/one"))
	// Another session with only u2 may use what "auth" gave u2.
	o := e.zk("o")
	e.get(o, e.p("/two"))
	e.log("addAuth o as u2: %s", zkErr(o.AddAuth("digest", []byte("u2:p2"))))
	e.get(o, e.p("/two"))
	e.set(o, e.p("/one"), "x", -1)
}

// scenarioACLWorldAndInvalid: world entries, unknown schemes and other
// ACLs that are refused with InvalidACL, on create and setACL.
func scenarioACLWorldAndInvalid(e *env) {
	c := e.zk("c")
	e.create(c, e.root, "", 0, nil)
	for i, a := range [][]zk.ACL{
		zk.WorldACL(zk.PermAll),
		{{Perms: 0, Scheme: "world", ID: "anyone"}},
		{{Perms: 0x7fffffff, Scheme: "world", ID: "anyone"}},
		{{Perms: -1, Scheme: "world", ID: "anyone"}},
		{{Perms: zk.PermAll, Scheme: "world", ID: "Anyone"}},
		{{Perms: zk.PermAll, Scheme: "World", ID: "anyone"}},
		{{Perms: zk.PermAll, Scheme: "token", ID: "alice"}},
		{{Perms: zk.PermAll, Scheme: "super", ID: ""}},
		{{Perms: zk.PermAll, Scheme: "x509", ID: "CN=a"}},
		{{Perms: zk.PermAll, Scheme: "", ID: ""}},
		{{Perms: zk.PermAll, Scheme: "digest", ID: "a:b:c"}},
		{{Perms: zk.PermAll, Scheme: "digest", ID: "a:"}},
		{{Perms: zk.PermAll, Scheme: "digest", ID: ":b"}},
		{{Perms: zk.PermAll, Scheme: "digest", ID: "a:b:"}},
		{{Perms: zk.PermAll, Scheme: "digest", ID: "alice:not-base64-but-fine"}},
	} {
		n := e.p(fmt.Sprintf("/w%d", i))
		if e.create(c, n, "", 0, a) != "" {
			e.getACL(c, n)
		}
		e.setACL(c, e.root, a, -1)
	}
	// A znode whose ACL grants nothing to anyone: only reads of a missing
	// child and the ACL-free operations work.
	e.create(c, e.p("/perm0"), "", 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})
	e.get(c, e.p("/perm0"))
	e.getACL(c, e.p("/perm0"))
	e.setACL(c, e.p("/perm0"), zk.WorldACL(zk.PermAll), -1)
	e.del(c, e.p("/perm0"), -1)
}

// scenarioACLSuper: the super user passes every check and sees digests in
// getACL; a wrong super password is only a digest id.
func scenarioACLSuper(e *env) {
	owner := e.zk("owner")
	e.create(owner, e.root, "", 0, nil)
	e.log("addAuth owner: %s", zkErr(owner.AddAuth("digest", []byte("owner:pw"))))
	closed := zk.DigestACL(zk.PermRead, "owner", "pw")
	e.create(owner, e.p("/closed"), "c", 0, closed)
	e.create(owner, e.p("/closed-dir"), "", 0, zk.DigestACL(zk.PermRead|zk.PermAdmin, "owner", "pw"))
	e.create(owner, e.p("/perm0"), "", 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})

	wrong := e.zk("wrong")
	e.log("addAuth super with a wrong password: %s", zkErr(wrong.AddAuth("digest", []byte("super:nope"))))
	e.get(wrong, e.p("/closed"))

	su := e.zk("super")
	e.get(su, e.p("/closed"))
	e.log("addAuth super: %s", zkErr(su.AddAuth("digest", []byte("super:test"))))
	e.get(su, e.p("/closed"))
	e.set(su, e.p("/closed"), "s", -1)
	e.getACL(su, e.p("/closed"))
	e.children(su, e.p("/perm0"))
	e.create(su, e.p("/closed-dir/k"), "", 0, zk.AuthACL(zk.PermAll))
	e.getACL(su, e.p("/closed-dir/k"))
	e.del(su, e.p("/closed-dir/k"), -1)
	e.setACL(su, e.p("/perm0"), zk.WorldACL(zk.PermRead), 0)
	e.get(owner, e.p("/perm0"))
	e.del(su, e.p("/perm0"), -1)
	e.del(su, e.p("/closed"), -1)
}

// scenarioACLSetACLVersions: setACL checks ADMIN before the ACL version,
// bumps aversion, and validates the new ACL before both.
func scenarioACLSetACLVersions(e *env) {
	c := e.zk("c")
	o := e.zk("o")
	e.create(c, e.root, "", 0, nil)
	n := e.p("/n")
	e.create(c, n, "", 0, nil)
	e.setACL(c, n, zk.WorldACL(zk.PermAll), 1)
	e.setACL(c, n, zk.WorldACL(zk.PermAll), 0)
	e.setACL(c, n, zk.WorldACL(zk.PermAll), 0)
	e.setACL(c, n, zk.WorldACL(zk.PermAll), -1)
	e.setACL(c, n, zk.WorldACL(zk.PermAll), 2)
	e.setACL(c, n, []zk.ACL{}, 3)
	e.setACL(c, n, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: "bad"}}, 99)
	e.setACL(c, n, zk.WorldACL(zk.PermRead|zk.PermWrite), 3)
	e.setACL(o, n, zk.WorldACL(zk.PermAll), 4)  // no ADMIN: NoAuth, right version
	e.setACL(o, n, zk.WorldACL(zk.PermAll), 99) // no ADMIN: NoAuth before BadVersion
	e.setACL(o, n, []zk.ACL{}, 99)              // InvalidACL before NoAuth
	e.setACL(o, e.p("/missing"), zk.WorldACL(zk.PermAll), -1)
	e.setACL(o, e.p("/missing"), []zk.ACL{}, -1)
	e.set(o, n, "still writable", 0)
	e.exists(c, n)
}

// scenarioACLMulti: a multi fails whole on an op that needs a permission
// the session lacks, with the failing op's NoAuth and the others rolled
// back; an invalid ACL inside a multi fails it too.
func scenarioACLMulti(e *env) {
	c := e.zk("c")
	o := e.zk("o")
	e.create(c, e.root, "", 0, nil)
	e.create(c, e.p("/ro"), "r", 0, zk.WorldACL(zk.PermRead))
	e.create(c, e.p("/nocreate"), "", 0, zk.WorldACL(zk.PermAll&^zk.PermCreate))
	e.create(c, e.p("/nodelete"), "", 0, zk.WorldACL(zk.PermAll&^zk.PermDelete))
	e.create(c, e.p("/nodelete/k"), "", 0, nil)
	e.create(c, e.p("/noread"), "", 0, zk.WorldACL(zk.PermAll&^zk.PermRead))
	multi := func(what string, ops ...any) {
		res, err := o.Multi(ops...)
		e.log("multi %s: %s %v", what, zkErr(err), multiErrs(res))
	}
	open := zk.WorldACL(zk.PermAll)
	multi("setData without WRITE",
		&zk.CreateRequest{Path: e.p("/a"), Acl: open},
		&zk.SetDataRequest{Path: e.p("/ro"), Data: []byte("x"), Version: -1},
		&zk.CreateRequest{Path: e.p("/b"), Acl: open})
	multi("create without CREATE",
		&zk.CreateRequest{Path: e.p("/a"), Acl: open},
		&zk.CreateRequest{Path: e.p("/nocreate/x"), Acl: open})
	multi("delete without DELETE",
		&zk.DeleteRequest{Path: e.p("/nodelete/k"), Version: -1},
		&zk.CreateRequest{Path: e.p("/a"), Acl: open})
	multi("check without READ",
		&zk.CheckVersionRequest{Path: e.p("/noread"), Version: 0},
		&zk.CreateRequest{Path: e.p("/a"), Acl: open})
	multi("invalid ACL",
		&zk.CreateRequest{Path: e.p("/a"), Acl: open},
		&zk.CreateRequest{Path: e.p("/b"), Acl: zk.AuthACL(zk.PermAll)})
	multi("ok",
		&zk.CreateRequest{Path: e.p("/a"), Acl: zk.WorldACL(zk.PermRead)},
		&zk.SetDataRequest{Path: e.p("/noread"), Data: []byte("w"), Version: 0})
	// An earlier op of the multi changes the ACL a later op is checked
	// against: prep sees its own pending changes.
	multi("create then write the read-only znode it made",
		&zk.CreateRequest{Path: e.p("/c"), Acl: zk.WorldACL(zk.PermRead)},
		&zk.SetDataRequest{Path: e.p("/c"), Data: []byte("x"), Version: -1})
	e.children(c, e.root)
}

// scenarioACLWhoAmI: the ids whoAmI lists after each kind of addauth,
// including the super user's.
func scenarioACLWhoAmI(e *env) {
	r := e.raw("r")
	whoami := func(what string) { e.whoAmI(r, what) }
	whoami("at connect")
	e.log("addAuth super: %s", r.outcome(opAuth, authBody("digest", "super:test")))
	whoami("as super")
	e.log("addAuth u: %s", r.outcome(opAuth, authBody("digest", "u:p")))
	e.log("addAuth u again: %s", r.outcome(opAuth, authBody("digest", "u:p")))
	whoami("as super and u")
	for _, u := range []string{"a:1", "b:2", "c:3", "d:4", "e:5", "f:6", "g:7", "h:8", "i:9", "j:10", "k:11"} {
		r.outcome(opAuth, authBody("digest", u))
	}
	whoami("with 14 ids (the set's table has grown)")
}

// whoAmI logs the ids whoAmI lists on r, in the order the server gives.
func (e *env) whoAmI(r *rawClient, what string) {
	if ids, tail, ok := e.whoAmIIDs(r, what); ok {
		e.log("whoAmI %s: %v%s", what, ids, tail)
	}
}

// whoAmIIDs asks whoAmI on r and returns the ids as "scheme:id", in the
// server's order, and what followed them in the reply.
func (e *env) whoAmIIDs(r *rawClient, what string) (ids []string, tail string, ok bool) {
	rep, ok := e.rawCall(r, "whoAmI "+what, opWhoAmI, nil)
	if !ok {
		return nil, "", false
	}
	n := rep.Body.i32()
	for i := int32(0); i < n && rep.Body.err == nil; i++ {
		ids = append(ids, rep.Body.str()+":"+rep.Body.str())
	}
	return ids, rest(rep.Body), true
}

// scenarioACLGetACLMasks: getACL without ADMIN hides digest hashes the way
// ZooKeeper's regex does, also for ids with several colons or line breaks.
func scenarioACLGetACLMasks(e *env) {
	c := e.zk("c")
	e.create(c, e.root, "", 0, nil)
	acl := append(zk.WorldACL(zk.PermRead),
		zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: "u:abc\ndef"},
		zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: "v:a\u2028b"},
		zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: "w:a\r\nb:"},
		zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: ":h"})
	e.create(c, e.p("/n"), "", 0, acl)
	e.getACL(c, e.p("/n"))
	e.create(c, e.p("/admin"), "", 0, zk.WorldACL(zk.PermRead|zk.PermAdmin))
	e.getACL(c, e.p("/admin"))
}
