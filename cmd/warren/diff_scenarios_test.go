package main

// The differential scenarios. Each writes under its own root (/<name>) and
// logs what it saw through env; TestDifferential compares the logs.

import (
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

var diffScenarios = []scenario{
	{name: "crud", run: scenarioCRUD},
	{name: "create-modes", run: scenarioCreateModes},
	{name: "create-modes-raw", run: scenarioCreateModesRaw},
	{name: "create-mode-opcode-mismatch", run: scenarioCreateModeOpcodeMismatch},
	{name: "errors", run: scenarioErrors},
	{name: "exists-needs-read", run: scenarioExistsNeedsRead, known: existsNeedsReadDiffs},
	{name: "stats", run: scenarioStats},
	{name: "multi", run: scenarioMulti},
	{name: "multi-raw", run: scenarioMultiRaw},
	{name: "multi-result-types", run: scenarioMultiResultTypes},
	{name: "multi-with-read-op", run: scenarioMultiWithReadOp},
	{name: "multiread-sets-no-watch", run: scenarioMultiReadSetsNoWatch},
	{name: "multi-create-modes", run: scenarioMultiCreateModes, known: multiCreateModesDiffs},
	{name: "watches", run: scenarioWatches},
	{name: "watches-gozk", run: scenarioWatchesGoZK},
	{name: "watches-persistent", run: scenarioPersistentWatches, known: watchModeDiffs},
	{name: "persistent-then-recursive", run: scenarioPersistentThenRecursive},
	{name: "addwatch-bad-mode", run: scenarioAddWatchBadMode},
	{name: "watch-events-need-read", run: scenarioWatchEventsNeedRead},
	{name: "watch-modes-one-path", run: scenarioWatchModesOnePath, known: []knownDiff{{
		zk:     "events after a child was created: [NodeCreated /watch-modes-one-path/child]",
		warren: "events after a child was created: [NodeCreated /watch-modes-one-path/child NodeChildrenChanged /watch-modes-one-path]",
	}}},
	{name: "ephemerals", run: scenarioEphemerals},
	{name: "acl", run: scenarioACL},
	{name: "authfailed-closes-connection", run: scenarioAuthFailedCloses},
	{name: "sasl-without-provider", run: scenarioSASLWithoutProvider},
	{name: "sync", run: scenarioSync},
	{name: "bad-input", run: scenarioBadInput, known: []knownDiff{{
		// docs/compatibility.md: check outside multi.
		zk:     "check outside multi, version matches: no reply, then open",
		warren: "check outside multi, version matches: reply OK, then open",
	}, {
		// docs/compatibility.md: createSession after the handshake.
		// ZooKeeper answers a frame shaped like a ConnectResponse (xid 0),
		// and the session expires at its next tick.
		zk:     "createSession after connect: a frame with xid 0, then closed",
		warren: "createSession after connect: reply BadArguments, then open",
	}}},
	{name: "close-session-closes-connection", run: scenarioCloseSessionCloses},
	{name: "pipelined-after-fatal", run: scenarioPipelinedAfterFatal},
	{name: "big-data", run: scenarioBigData},
	{name: "sessions", run: scenarioSessions, known: []knownDiff{{
		// docs/compatibility.md: reattach with a wrong password.
		zk:     "live connection after a wrong-password reattach: closed",
		warren: "live connection after a wrong-password reattach: reply OK +68 bytes, then open",
	}}},
	{name: "containers-ttl", run: scenarioContainersTTL},
	{name: "four-letter-words", run: scenarioFourLetterWords},
	{name: "cons-fields", run: scenarioConsFields},
	{name: "client-ahead", run: scenarioClientAhead},
	{name: "mntr-keys", run: scenarioMntrKeys},
	{name: "system-nodes", run: scenarioSystemNodes},
}

// watchModeDiffs are docs/compatibility.md's checkWatches/removeWatches row,
// which follows from "watch modes on one path and connection": ZooKeeper 3.8
// files a persistent watch under both the data and the child watch tables,
// so checkWatches and removeWatches with type Data (2) or Children (1) find
// it; Warren, like ZooKeeper 3.9, keeps the modes apart and those types only
// match standard watches.
var watchModeDiffs = []knownDiff{
	{zk: "checkWatches /watches-persistent/p type=1: OK", warren: "checkWatches /watches-persistent/p type=1: NoWatcher"},
	{zk: "checkWatches /watches-persistent/p type=2: OK", warren: "checkWatches /watches-persistent/p type=2: NoWatcher"},
	{zk: "removeWatches /watches-persistent/rec type=2: OK", warren: "removeWatches /watches-persistent/rec type=2: NoWatcher"},
}

func scenarioCRUD(e *env) {
	c := e.zk("self")
	e.create(c, e.root, "", 0, nil)
	a := e.p("/a")
	e.create(c, a, "v0", 0, nil)
	e.get(c, a)
	e.set(c, a, "v1", 0)
	e.set(c, a, "v2", 0)
	e.set(c, a, "v2", -1)
	e.set(c, a, "", 2)
	e.set(c, a, "x", -2)
	e.set(c, a, "x", 1<<31-1)
	e.get(c, a)
	e.del(c, a, 1)
	e.del(c, a, 3)
	e.get(c, a)
	e.exists(c, a)
	e.set(c, a, "gone", -1)
	e.create(c, e.p("/nil"), "", 0, nil)
	if _, err := c.Create(e.p("/nildata"), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		e.log("create nil data: %s", zkErr(err))
	}
	e.get(c, e.p("/nildata"))
	e.create(c, e.p("/bin"), "\x00\xff\x01", 0, nil)
	e.get(c, e.p("/bin"))
	e.create(c, e.p("/unicode-é✓"), "ü", 0, nil)
	e.get(c, e.p("/unicode-é✓"))
	e.children(c, e.root)
}

func scenarioCreateModes(e *env) {
	c := e.zk("self")
	e.create(c, e.root, "", 0, nil)
	var paths []string
	add := func(p string, err error, what string) {
		e.log("%s: %s %s", what, zkErr(err), p)
		if err == nil {
			paths = append(paths, p)
		}
	}
	paths = append(paths, e.create(c, e.p("/p"), "p", zk.FlagPersistent, nil))
	paths = append(paths, e.create(c, e.p("/e"), "e", zk.FlagEphemeral, nil))
	paths = append(paths, e.create(c, e.p("/s-"), "s", zk.FlagSequence, nil))
	paths = append(paths, e.create(c, e.p("/s-"), "s", zk.FlagSequence, nil))
	paths = append(paths, e.create(c, e.p("/es-"), "es", zk.FlagEphemeralSequential, nil))
	p, err := c.CreateContainer(e.p("/c"), []byte("c"), zk.FlagContainer, zk.WorldACL(zk.PermAll))
	add(p, err, "createContainer /c")
	p, err = c.CreateTTL(e.p("/t"), []byte("t"), zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Minute)
	add(p, err, "createTTL /t")
	p, err = c.CreateTTL(e.p("/ts-"), []byte("ts"), zk.FlagPersistentSequentialWithTTL, zk.WorldACL(zk.PermAll), 90*time.Second)
	add(p, err, "createTTL /ts-")
	for _, p := range paths {
		if p != "" {
			e.exists(c, p)
		}
	}
	e.children(c, e.root)
	// A delete also bumps cversion, and so the next sequence number.
	e.del(c, e.p("/p"), -1)
	e.create(c, e.p("/s-"), "", zk.FlagSequence, nil)
	// A sequential path may end in "/": the number is the whole last name.
	e.create(c, e.p("/dir"), "", 0, nil)
	e.create(c, e.p("/dir/"), "", zk.FlagSequence, nil)
	e.create(c, e.p("/dir/"), "", zk.FlagEphemeralSequential, nil)
	e.children(c, e.p("/dir"))
	e.exists(c, e.root)
}

func scenarioCreateModesRaw(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	for _, flags := range []int32{0, 1, 2, 3, 5, 6} {
		e.rawCreate(c, opCreate2, e.p(fmt.Sprintf("/c2-%d-", flags)), []byte("x"), openACL, flags, 0)
	}
	for _, flags := range []int32{0, 1, 2, 3, 5, 6} {
		e.rawCreate(c, opCreate, e.p(fmt.Sprintf("/c1-%d-", flags)), []byte("x"), openACL, flags, 0)
	}
	for _, flags := range []int32{4, 5} {
		e.rawCreate(c, opCreateContainer, e.p(fmt.Sprintf("/cc-%d", flags)), nil, openACL, flags, 0)
	}
	for _, tc := range []struct {
		flags int32
		ttl   int64
	}{{5, 1000}, {6, 1000}, {0, 1000}, {1, 1000}, {4, 1000}, {5, 0}, {5, -1}, {5, 1 << 40}, {5, 1<<40 - 1}} {
		e.rawCreate(c, opCreateTTL, e.p(fmt.Sprintf("/ttl-%d-%d-", tc.flags, tc.ttl)), nil, openACL, tc.flags, tc.ttl)
	}
	r, ok := e.rawCall(c, "getChildren root", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("getChildren root: %v%s", sorted(r.Body.strs()), rest(r.Body))
	}
}

// scenarioCreateModeOpcodeMismatch sends create modes with the "wrong"
// opcode. ZooKeeper decides what it creates by the opcode alone: create (1)
// and create2 (15) with the container flag make a plain persistent node, and
// createContainer (19) with a persistent or ephemeral flag makes a container.
func scenarioCreateModeOpcodeMismatch(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(c, opCreate, e.p("/op1-container"), nil, openACL, 4, 0)
	e.rawCreate(c, opCreate2, e.p("/op15-container"), nil, openACL, 4, 0)
	e.rawCreate(c, opCreateContainer, e.p("/op19-persistent"), nil, openACL, 0, 0)
	e.rawCreate(c, opCreateContainer, e.p("/op19-ephemeral"), nil, openACL, 1, 0)
	e.rawCreate(c, opCreateContainer, e.p("/op19-sequential-"), nil, openACL, 2, 0)
	r, ok := e.rawCall(c, "getChildren root", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("getChildren root: %v%s", sorted(r.Body.strs()), rest(r.Body))
	}
}

func scenarioErrors(e *env) {
	c := e.zk("self")
	e.create(c, e.root, "", 0, nil)
	e.create(c, e.p("/a"), "", 0, nil)
	e.create(c, e.p("/a/child"), "", 0, nil)
	e.create(c, e.p("/e"), "", zk.FlagEphemeral, nil)

	e.create(c, e.p("/a"), "", 0, nil)
	e.create(c, e.p("/missing/x"), "", 0, nil)
	e.create(c, e.p("/missing/x"), "", zk.FlagSequence, nil)
	e.del(c, e.p("/a"), -1)
	e.del(c, e.p("/a"), 5)
	e.create(c, e.p("/e/x"), "", 0, nil)
	e.create(c, e.p("/e/x"), "", zk.FlagEphemeralSequential, nil)
	e.create(c, e.p("/e"), "", zk.FlagEphemeral, nil)
	e.set(c, e.p("/missing"), "", -1)
	e.set(c, e.p("/missing"), "", 3)
	e.del(c, e.p("/missing"), -1)
	e.del(c, e.p("/missing"), 7)
	e.children(c, e.p("/missing"))
	e.get(c, e.p("/missing"))
	e.getACL(c, e.p("/missing"))
	e.setACL(c, e.p("/missing"), zk.WorldACL(zk.PermAll), -1)
	e.create(c, e.p("/emptyacl"), "", 0, []zk.ACL{})
	e.create(c, e.p("/badscheme"), "", 0, []zk.ACL{{Perms: 31, Scheme: "nosuch", ID: "x"}})
	e.create(c, e.p("/worldsomeone"), "", 0, []zk.ACL{{Perms: 31, Scheme: "world", ID: "someone"}})
	e.create(c, e.p("/badip"), "", 0, []zk.ACL{{Perms: 31, Scheme: "ip", ID: "999.1.1.1"}})
	e.create(c, e.p("/badmask"), "", 0, []zk.ACL{{Perms: 31, Scheme: "ip", ID: "127.0.0.1/33"}})
	e.create(c, e.p("/baddigest"), "", 0, []zk.ACL{{Perms: 31, Scheme: "digest", ID: "nocolon"}})
	e.create(c, e.p("/noauth-auth"), "", 0, zk.AuthACL(zk.PermAll))
	e.create(c, e.p("/perm0"), "", 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})
	e.getACL(c, e.p("/perm0"))
	e.create(c, e.p("/perm0/x"), "", 0, nil)
	e.get(c, e.p("/perm0"))
	e.del(c, e.p("/perm0"), -1)
	e.children(c, e.root)
}

func scenarioStats(e *env) {
	c := e.zk("self")
	o := e.zk("other")
	e.create(c, e.root, "", 0, nil)
	s := e.p("/s")
	e.create(c, s, "a", 0, nil)
	e.exists(c, s)
	e.set(c, s, "bb", -1)
	e.set(c, s, "bb", -1)
	e.create(c, s+"/c1", "1", 0, nil)
	e.exists(c, s)
	e.create(o, s+"/c2", "22", zk.FlagEphemeral, nil)
	e.exists(c, s)
	e.exists(c, s+"/c2")
	e.set(c, s+"/c1", "111", -1)
	e.exists(c, s)
	e.del(c, s+"/c1", -1)
	e.exists(c, s)
	e.setACL(c, s, zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermCreate|zk.PermDelete|zk.PermAdmin), 0)
	e.setACL(c, s, zk.WorldACL(zk.PermAll), 0)
	e.setACL(c, s, zk.WorldACL(zk.PermAll), -1)
	e.getACL(c, s)
	e.children(c, s)
	e.get(c, s)
	// Closing a session deletes its ephemerals in the closeSession txn.
	o.Close()
	e.exists(c, s)
	e.children(c, s)
	e.create(c, s+"/c3", "", 0, nil)
	e.del(c, s+"/c3", -1)
	e.children(c, s)
	e.exists(c, e.root)
}

func scenarioEphemerals(e *env) {
	a := e.raw("self")
	b := e.raw("other")
	e.rawCreate(a, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(a, opCreate, e.p("/a"), nil, openACL, 0, 0)
	e.rawCreate(a, opCreate, e.p("/a/e1"), nil, openACL, 1, 0)
	e.rawCreate(a, opCreate, e.p("/ab"), nil, openACL, 1, 0)
	e.rawCreate(a, opCreate, e.p("/e2"), nil, openACL, 1, 0)
	e.rawCreate(a, opCreate, e.p("/s-"), nil, openACL, 3, 0)
	e.rawCreate(b, opCreate, e.p("/b1"), nil, openACL, 1, 0)
	ephemerals := func(c *rawClient, who, prefix string) {
		r, ok := e.rawCall(c, "getEphemerals "+who+" "+prefix, opGetEphemerals, pathOnly(prefix))
		if ok {
			e.log("getEphemerals %s %s: %v%s", who, prefix, sorted(r.Body.strs()), rest(r.Body))
		}
	}
	ephemerals(a, "self", "/")
	ephemerals(a, "self", e.root)
	ephemerals(a, "self", e.p("/a"))
	ephemerals(a, "self", e.p("/zzz"))
	ephemerals(a, "self", "")
	ephemerals(b, "other", e.root)
	count := func(path string) {
		r, ok := e.rawCall(a, "getAllChildrenNumber "+path, opGetAllChildren, pathOnly(path))
		if ok {
			e.log("getAllChildrenNumber %s: %d%s", path, r.Body.i32(), rest(r.Body))
		}
	}
	count(e.root)
	count(e.p("/a"))
	count(e.p("/a/e1"))
	count(e.p("/missing"))
	count("noslash")
}

func scenarioACL(e *env) {
	a := e.zk("alice")
	b := e.zk("bob")
	e.create(a, e.root, "", 0, nil)
	e.log("addAuth alice: %s", zkErr(a.AddAuth("digest", []byte("alice:secret"))))
	digest := zk.DigestACL(zk.PermAll, "alice", "secret")
	e.create(a, e.p("/digest"), "d", 0, digest)
	e.create(a, e.p("/creator"), "c", 0, zk.AuthACL(zk.PermAll))
	e.create(a, e.p("/ro"), "r", 0, zk.WorldACL(zk.PermRead))
	e.create(a, e.p("/mixed"), "m", 0, append(zk.WorldACL(zk.PermRead), digest...))
	e.create(a, e.p("/ip"), "i", 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}})
	e.create(a, e.p("/ipnet"), "n", 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}})
	e.create(a, e.p("/nodelete"), "", 0, zk.WorldACL(zk.PermRead|zk.PermCreate))
	e.create(a, e.p("/nodelete/x"), "", 0, nil)
	e.create(a, e.p("/twice"), "", 0, append(zk.WorldACL(zk.PermRead), zk.WorldACL(zk.PermRead)...))
	for _, p := range []string{"/digest", "/creator", "/ro", "/mixed", "/ip", "/ipnet", "/nodelete", "/twice"} {
		e.getACL(a, e.p(p))
	}
	e.get(b, e.p("/digest"))
	e.set(b, e.p("/digest"), "x", -1)
	e.getACL(b, e.p("/digest"))
	e.getACL(b, e.p("/mixed"))
	e.children(b, e.p("/digest"))
	e.setACL(b, e.p("/digest"), zk.WorldACL(zk.PermAll), -1)
	e.set(b, e.p("/ro"), "x", -1)
	e.get(b, e.p("/ro"))
	e.create(b, e.p("/ro/x"), "", 0, nil)
	e.get(b, e.p("/ip"))
	e.get(b, e.p("/ipnet"))
	e.get(a, e.p("/ipnet"))
	e.create(b, e.p("/bob-creator"), "", 0, zk.AuthACL(zk.PermAll))
	e.del(b, e.p("/nodelete/x"), -1)
	e.del(b, e.p("/digest"), -1) // the parent allows DELETE: the node's own ACL does not matter
	e.setACL(a, e.p("/mixed"), zk.WorldACL(zk.PermRead|zk.PermAdmin), 5)
	e.setACL(a, e.p("/mixed"), zk.WorldACL(zk.PermRead|zk.PermAdmin), 0)
	e.getACL(b, e.p("/mixed"))
	e.setACL(a, e.p("/mixed"), zk.AuthACL(zk.PermAll), -1)
	e.getACL(a, e.p("/mixed"))
	e.log("addAuth bob wrong password: %s", zkErr(b.AddAuth("digest", []byte("alice:wrong"))))
	e.get(b, e.p("/creator"))
	e.log("addAuth bob right password: %s", zkErr(b.AddAuth("digest", []byte("alice:secret"))))
	e.get(b, e.p("/creator"))
	e.set(b, e.p("/creator"), "bob was here", 0)

	// whoAmI and addAuth on raw connections.
	r := e.raw("carol")
	whoami := func(what string) {
		// ZooKeeper lists them in hash-set order: compare them as a set.
		if ids, tail, ok := e.whoAmIIDs(r, what); ok {
			e.log("whoAmI %s: %v%s", what, sorted(ids), tail)
		}
	}
	whoami("before addAuth")
	auth := func(scheme, cred string) {
		e.log("addAuth %s %q: %s", scheme, cred, r.outcome(opAuth, authBody(scheme, cred)))
	}
	auth("digest", "carol:pw")
	whoami("after digest")
	auth("digest", "carol:pw")
	auth("digest", "dave:pw")
	whoami("after three digests")
	auth("digest", "nocolon")
	whoami("after a digest without colon")
	auth("ip", "127.0.0.1")
	whoami("after an ip addAuth")
}

// scenarioExistsNeedsRead: exists of a znode the session may not READ.
// ZooKeeper 3.8.0 answers it with the stat and sets the watch
// (FinalRequestProcessor carried "TODO we need to figure out the security
// requirement"); ZooKeeper 3.8.4 and 3.9.2 answer NoAuth and set no watch
// (ZOOKEEPER-2590), and so does Warren (docs/compatibility.md). A missing
// znode needs no permission in either.
func scenarioExistsNeedsRead(e *env) {
	a := e.zk("self")
	b := e.zk("other")
	e.create(a, e.root, "", 0, nil)
	e.create(a, e.p("/perm0"), "", 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})
	e.create(a, e.p("/digest"), "d", 0, zk.DigestACL(zk.PermAll, "alice", "secret"))
	e.exists(a, e.p("/perm0"))
	e.exists(b, e.p("/digest"))
	e.exists(b, e.p("/missing"))
	w := e.raw("watcher")
	r, ok := e.rawCall(w, "exists with watch /digest", opExists, pathWatch(e.p("/digest"), true))
	if ok {
		e.log("exists with watch /digest: %s", e.fmtStat(r.Body.stat()))
	}
	// Type 2 (Data) finds the watch an exists leaves on an existing znode.
	e.log("checkWatches /digest type=2: %s", w.outcome(opCheckWatches, pathMode(e.p("/digest"), 2)))
}

// existsNeedsReadDiffs: ZooKeeper 3.8.0 before ZOOKEEPER-2590; see
// scenarioExistsNeedsRead.
var existsNeedsReadDiffs = []knownDiff{
	{zk: "exists /exists-needs-read/perm0: {czxid=z1 mzxid=z1 pzxid=z1 ver=0 cver=0 aver=0 owner=0 len=0 kids=0}",
		warren: "exists /exists-needs-read/perm0: true NoAuth"},
	{zk: "exists /exists-needs-read/digest: {czxid=z2 mzxid=z2 pzxid=z2 ver=0 cver=0 aver=0 owner=0 len=1 kids=0}",
		warren: "exists /exists-needs-read/digest: true NoAuth"},
	{zk: "exists with watch /digest: {czxid=z2 mzxid=z2 pzxid=z2 ver=0 cver=0 aver=0 owner=0 len=1 kids=0}",
		warren: "exists with watch /digest: NoAuth"},
	{zk: "checkWatches /digest type=2: reply OK, then open",
		warren: "checkWatches /digest type=2: reply NoWatcher, then open"},
}

func scenarioSync(e *env) {
	c := e.zk("self")
	e.create(c, e.root, "", 0, nil)
	for _, p := range []string{"/", e.root, e.p("/missing")} {
		got, err := c.Sync(p)
		e.log("sync %s: %s %q", p, zkErr(err), got)
	}
	r := e.raw("raw")
	for _, p := range []string{"", "noslash", e.root} {
		rep, ok := e.rawCall(r, fmt.Sprintf("raw sync %q", p), opSync, pathOnly(p))
		if ok {
			e.log("raw sync %q: OK %q%s", p, rep.Body.str(), rest(rep.Body))
		}
	}
}

// scenarioContainersTTL waits for the servers' container sweeps (every
// second on both) to remove empty containers and expired TTL nodes.
func scenarioContainersTTL(e *env) {
	m := e.raw("self")
	e.rawCreate(m, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(m, opCreateContainer, e.p("/c"), nil, openACL, 4, 0)
	e.rawCreate(m, opCreate, e.p("/c/x"), nil, openACL, 0, 0)
	e.rawCreate(m, opCreateContainer, e.p("/never"), nil, openACL, 4, 0)
	e.rawCreate(m, opCreateContainer, e.p("/full"), nil, openACL, 4, 0)
	e.rawCreate(m, opCreate, e.p("/full/x"), nil, openACL, 0, 0)
	e.rawCreate(m, opCreateTTL, e.p("/t"), nil, openACL, 5, 500)
	e.rawCreate(m, opCreateTTL, e.p("/ts-"), nil, openACL, 6, 500)
	e.rawCreate(m, opCreateTTL, e.p("/tk"), nil, openACL, 5, 500)
	e.rawCreate(m, opCreate, e.p("/tk/x"), nil, openACL, 0, 0)
	e.rawCreate(m, opCreateTTL, e.p("/long"), nil, openACL, 5, 3_600_000)
	w := e.raw("watcher")
	for _, p := range []string{"/c", "/t", "/ts-0000000004"} {
		r, err := w.call(opExists, pathWatch(e.p(p), true))
		if err != nil {
			e.log("watch %s: %s", p, errText(err))
			return
		}
		e.log("watch %s: %s", p, errName(r.Err))
	}
	if _, ok := e.rawCall(m, "delete /c/x", opDelete, pathVersion(e.p("/c/x"), -1)); ok {
		e.log("delete /c/x: OK")
	}
	w.limit = 20 * time.Second
	if err := w.waitEvents(3); err != nil {
		e.log("waiting for the sweeps: %s", errText(err))
	}
	ev := w.takeEvents()
	var names []string
	for _, x := range ev {
		names = append(names, x.String())
	}
	e.log("swept: %v", sorted(names))
	e.logChildren(m, "left", e.root)
}

// scenarioSystemNodes looks at /zookeeper; it runs last as it may change it.
func scenarioSystemNodes(e *env) {
	c := e.zk("self")
	e.children(c, "/zookeeper")
	e.exists(c, "/zookeeper")
	e.get(c, "/zookeeper/config")
	e.getACL(c, "/zookeeper/config")
	e.getACL(c, "/zookeeper")
	e.exists(c, "/zookeeper/quota")
	e.getACL(c, "/zookeeper/quota")
	e.get(c, "/zookeeper/quota")
	e.set(c, "/zookeeper/config", "x", -1)
	e.del(c, "/zookeeper/config", -1)
	e.del(c, "/zookeeper", -1)
	e.create(c, "/zookeeper/mine", "", 0, nil)
	e.del(c, "/zookeeper/mine", -1)
	e.getACL(c, "/")
	r := e.raw("raw")
	rep, ok := e.rawCall(r, "getData /zookeeper/config with watch", opGetData, pathWatch("/zookeeper/config", true))
	if ok {
		e.log("getData /zookeeper/config: %q %s", rep.Body.buf(), e.fmtStat(rep.Body.stat()))
	}
	e.log("reconfig: %s", r.outcome(opReconfig, (&jw{}).str("").str("").str("server.1=127.0.0.1:2888:3888").i64(-1).b))
}
