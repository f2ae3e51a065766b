package main

// The differential scenarios. Each writes under its own root (/<name>) and
// logs what it saw through env; TestDifferential compares the logs.

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

var diffScenarios = []scenario{
	{name: "crud", run: scenarioCRUD},
	{name: "create-modes", run: scenarioCreateModes},
	{name: "create-modes-raw", run: scenarioCreateModesRaw},
	{name: "create-mode-opcode-mismatch", run: scenarioCreateModeOpcodeMismatch},
	{name: "errors", run: scenarioErrors},
	{name: "exists-ignores-acl", run: scenarioExistsIgnoresACL},
	{name: "stats", run: scenarioStats},
	{name: "multi", run: scenarioMulti},
	{name: "multi-raw", run: scenarioMultiRaw},
	{name: "multi-result-types", run: scenarioMultiResultTypes},
	{name: "multi-with-read-op", run: scenarioMultiWithReadOp},
	{name: "watches", run: scenarioWatches},
	{name: "watches-gozk", run: scenarioWatchesGoZK},
	{name: "watches-persistent", run: scenarioPersistentWatches, known: watchModeDiffs},
	{name: "addwatch-bad-mode", run: scenarioAddWatchBadMode},
	{name: "watch-events-need-read", run: scenarioWatchEventsNeedRead,
		skip: "warren bug: watch events reach watchers that may not READ the znode (ZooKeeper's fix for CVE-2024-23944 " +
			"checks READ against the znode's ACL, the parent's for NodeChildrenChanged, before delivering any event); " +
			"Warren delivers NodeCreated, NodeDataChanged and NodeDeleted of unreadable znodes to one-shot, persistent and recursive watches"},
	{name: "watch-modes-one-path", run: scenarioWatchModesOnePath, known: []knownDiff{{
		zk:     "events after a child was created: [NodeCreated /watch-modes-one-path/child]",
		warren: "events after a child was created: [NodeCreated /watch-modes-one-path/child NodeChildrenChanged /watch-modes-one-path]",
	}}},
	{name: "ephemerals", run: scenarioEphemerals},
	{name: "acl", run: scenarioACL},
	{name: "authfailed-closes-connection", run: scenarioAuthFailedCloses},
	{name: "sync", run: scenarioSync},
	{name: "bad-input", run: scenarioBadInput, known: []knownDiff{{
		// docs/compatibility.md: check outside multi.
		zk:     "check outside multi, version matches: no reply, then open",
		warren: "check outside multi, version matches: reply OK, then open",
	}, {
		// Not in docs/compatibility.md yet. ZooKeeper answers a frame shaped
		// like a ConnectResponse (xid 0); no client sends this.
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
	{name: "system-nodes", run: scenarioSystemNodes},
}

// watchModeDiffs follow from docs/compatibility.md "watch modes on one path
// and connection": ZooKeeper 3.8 files a persistent watch under both the
// data and the child watch tables, so checkWatches and removeWatches with
// type Data (2) or Children (1) find it; Warren, like ZooKeeper 3.9, keeps
// the modes apart and those types only match standard watches.
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

func scenarioMulti(e *env) {
	c := e.zk("self")
	e.create(c, e.root, "", 0, nil)
	e.create(c, e.p("/a"), "x", 0, nil)
	acl := zk.WorldACL(zk.PermAll)
	multi := func(what string, ops ...any) {
		res, err := c.Multi(ops...)
		e.log("multi %s: %s", what, zkErr(err))
		for i, r := range res {
			e.log("  op %d: %s %q %s", i, zkErr(r.Error), r.String, e.fmtZKStat(r.Stat))
		}
	}
	multi("ok",
		&zk.CreateRequest{Path: e.p("/m1"), Data: []byte("1"), Acl: acl},
		&zk.CreateRequest{Path: e.p("/m2"), Data: []byte("2"), Acl: acl, Flags: zk.FlagSequence},
		&zk.SetDataRequest{Path: e.p("/a"), Data: []byte("y"), Version: 0},
		&zk.CheckVersionRequest{Path: e.p("/a"), Version: 1},
		&zk.DeleteRequest{Path: e.p("/m1"), Version: 0},
	)
	e.children(c, e.root)
	e.get(c, e.p("/a"))
	multi("bad version in the middle",
		&zk.CreateRequest{Path: e.p("/n1"), Acl: acl},
		&zk.SetDataRequest{Path: e.p("/a"), Data: []byte("z"), Version: 99},
		&zk.CreateRequest{Path: e.p("/n2"), Acl: acl},
	)
	e.exists(c, e.p("/n1"))
	e.get(c, e.p("/a"))
	multi("check fails", &zk.CheckVersionRequest{Path: e.p("/missing"), Version: 0})
	multi("check fails last",
		&zk.CreateRequest{Path: e.p("/n3"), Acl: acl},
		&zk.CheckVersionRequest{Path: e.p("/a"), Version: 0})
	multi("same path twice",
		&zk.CreateRequest{Path: e.p("/x"), Acl: acl},
		&zk.CreateRequest{Path: e.p("/x"), Acl: acl})
	multi("sees its own earlier ops",
		&zk.CreateRequest{Path: e.p("/d"), Acl: acl},
		&zk.CreateRequest{Path: e.p("/d/k"), Acl: acl},
		&zk.DeleteRequest{Path: e.p("/d/k"), Version: -1},
		&zk.DeleteRequest{Path: e.p("/d"), Version: -1},
		&zk.CreateRequest{Path: e.p("/d"), Data: []byte("again"), Acl: acl})
	multi("delete then create under it",
		&zk.DeleteRequest{Path: e.p("/d"), Version: -1},
		&zk.CreateRequest{Path: e.p("/d/k"), Acl: acl})
	multi("ephemeral parent",
		&zk.CreateRequest{Path: e.p("/eph"), Acl: acl, Flags: zk.FlagEphemeral},
		&zk.CreateRequest{Path: e.p("/eph/k"), Acl: acl})
	multi("bad ACL", &zk.CreateRequest{Path: e.p("/acl"), Acl: []zk.ACL{}})
	multi("empty")
	e.children(c, e.root)
	e.exists(c, e.root)
}

// logMulti logs a raw multi or multiRead reply.
func (e *env) logMulti(c *rawClient, what string, op int32, ops ...multiOp) {
	r, err := c.call(op, multiBody(ops...))
	if err != nil {
		e.log("%s: %s", what, errText(err))
		return
	}
	e.log("%s: header %s", what, errName(r.Err))
	if r.Err != 0 {
		e.log("  body%s", rest(r.Body))
		return
	}
	res, derr := readMulti(r.Body)
	for i, x := range res {
		line := fmt.Sprintf("  op %d: type=%d err=%s", i, x.Op, errName(x.Err))
		if x.Path != "" {
			line += " path=" + x.Path
		}
		if x.Data != nil {
			line += fmt.Sprintf(" data=%q", x.Data)
		}
		if x.Children != nil {
			line += fmt.Sprintf(" children=%v", sorted(x.Children))
		}
		if x.Stat != nil {
			line += " " + e.fmtStat(*x.Stat)
		}
		e.log("%s", line)
	}
	if derr != nil {
		e.log("  decode: %v", derr)
	} else if len(r.Body.b) > 0 {
		e.log("  %d bytes after the results", len(r.Body.b))
	}
}

func scenarioMultiRaw(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(c, opCreate, e.p("/a"), []byte("A"), openACL, 0, 0)
	e.logMulti(c, "multi ok", opMulti,
		multiOp{opCreate, createBody(e.p("/b"), []byte("B"), openACL, 0)},
		multiOp{opCreate, createBody(e.p("/c"), nil, openACL, 0)},
		multiOp{opSetData, setDataBody(e.p("/a"), []byte("A1"), 0)},
		multiOp{opCheck, pathVersion(e.p("/a"), 1)},
		multiOp{opDelete, pathVersion(e.p("/b"), -1)})
	e.logMulti(c, "multi failing", opMulti,
		multiOp{opCreate, createBody(e.p("/f1"), nil, openACL, 0)},
		multiOp{opDelete, pathVersion(e.p("/missing"), -1)},
		multiOp{opSetData, setDataBody(e.p("/a"), nil, -1)},
		multiOp{opCreate, createBody(e.p("/f2"), nil, openACL, 0)})
	e.logMulti(c, "multiRead", opMultiRead,
		multiOp{opGetData, pathWatch(e.p("/a"), false)},
		multiOp{opGetChildren, pathWatch(e.root, false)},
		multiOp{opGetData, pathWatch(e.p("/missing"), false)},
		multiOp{opGetChildren, pathWatch(e.p("/missing"), false)},
		multiOp{opGetData, pathWatch(e.p("/c"), false)})
	e.logMulti(c, "multiRead with a write op", opMultiRead,
		multiOp{opGetData, pathWatch(e.p("/a"), false)},
		multiOp{opCreate, createBody(e.p("/w1"), nil, openACL, 0)})
	e.logMulti(c, "multiRead empty", opMultiRead)
	e.logMulti(c, "multi empty", opMulti)
	r, ok := e.rawCall(c, "children", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("children: %v", sorted(r.Body.strs()))
	}
}

// scenarioMultiResultTypes: ZooKeeper answers every create that returns a
// stat inside a multi as a create2 result (type 15), containers and TTL nodes
// included; the Java 3.8 client's MultiResponse rejects types 19 and 21
// ("Invalid type"). A create2 op itself comes back as a plain create result.
func scenarioMultiResultTypes(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.logMulti(c, "multi with container and TTL", opMulti,
		multiOp{opCreateContainer, createBody(e.p("/mc"), nil, openACL, 4)},
		multiOp{opCreateTTL, createTTLBody(e.p("/mt"), nil, openACL, 5, 60000)})
	e.logMulti(c, "multi with create2", opMulti,
		multiOp{opCreate2, createBody(e.p("/c2"), nil, openACL, 0)})
}

// scenarioMultiWithReadOp: a read op inside a write multi (14) does not
// decode in ZooKeeper: MarshallingError for the whole request.
func scenarioMultiWithReadOp(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(c, opCreate, e.p("/a"), []byte("A"), openACL, 0, 0)
	e.logMulti(c, "multi with a getData op", opMulti,
		multiOp{opCreate, createBody(e.p("/r1"), nil, openACL, 0)},
		multiOp{opGetData, pathWatch(e.p("/a"), false)})
	e.logMulti(c, "multi with a getChildren op", opMulti,
		multiOp{opGetChildren, pathWatch(e.p("/a"), false)})
	r, ok := e.rawCall(c, "children", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("children: %v", sorted(r.Body.strs()))
	}
}

// scenarioWatches checks one-shot watches with the exact order of
// notifications on one connection.
func scenarioWatches(e *env) {
	w := e.raw("watcher")
	m := e.zk("mutator")
	e.create(m, e.root, "", 0, nil)
	d := e.p("/d")
	e.create(m, d, "0", 0, nil)
	watch := func(what string, op int32, path string) {
		r, err := w.call(op, pathWatch(path, true))
		if err != nil {
			e.log("watch %s %s: %s", what, path, errText(err))
			return
		}
		e.log("watch %s %s: %s", what, path, errName(r.Err))
	}
	watch("getData", opGetData, d)
	watch("exists", opExists, e.p("/new"))
	watch("getChildren", opGetChildren, e.root)
	watch("exists", opExists, d)
	watch("getData", opGetData, e.p("/missing"))
	e.set(m, d, "1", -1)
	e.create(m, e.p("/new"), "", 0, nil)
	e.set(m, d, "2", -1) // no watch left on d
	if err := w.barrier(); err != nil {
		e.log("barrier: %s", errText(err))
	}
	e.logEvents(w, "after set, create, set")

	watch("getChildren", opGetChildren, d)
	watch("getData", opGetData, d)
	watch("getChildren", opGetChildren, e.root)
	e.create(m, d+"/k", "", 0, nil)
	e.del(m, d+"/k", -1)
	e.del(m, d, -1)
	w.barrier()
	e.logEvents(w, "after child create, child delete, delete")

	// An ephemeral going away with its session fires both watches.
	o := e.zk("owner")
	e.create(o, e.p("/eph"), "", zk.FlagEphemeral, nil)
	watch("exists", opExists, e.p("/eph"))
	watch("getChildren", opGetChildren, e.root)
	o.Close()
	if err := w.waitEvents(2); err != nil {
		e.log("wait for events: %s", errText(err))
	}
	w.barrier()
	e.logEvents(w, "after the owner closed its session")

	// The same watch registered twice fires once.
	watch("getData", opGetData, e.p("/new"))
	watch("getData", opGetData, e.p("/new"))
	watch("exists", opExists, e.p("/new"))
	e.set(m, e.p("/new"), "x", -1)
	w.barrier()
	e.logEvents(w, "after set on a path watched three times")
	// Watches from two connections of different sessions both fire.
	w2 := e.raw("watcher2")
	watch("getData", opGetData, e.p("/new"))
	if _, err := w2.call(opGetData, pathWatch(e.p("/new"), true)); err != nil {
		e.log("watcher2: %s", errText(err))
	}
	e.del(m, e.p("/new"), -1)
	w.barrier()
	w2.barrier()
	e.logEvents(w, "watcher after delete")
	e.logEvents(w2, "watcher2 after delete")
}

// scenarioWatchesGoZK checks one-shot watches through go-zookeeper's API.
func scenarioWatchesGoZK(e *env) {
	w := e.zk("watcher")
	m := e.zk("mutator")
	e.create(m, e.root, "", 0, nil)
	d := e.p("/d")
	e.create(m, d, "0", 0, nil)
	var chans []<-chan zk.Event
	var names []string
	add := func(name string, ch <-chan zk.Event, err error) {
		e.log("%s: %s", name, zkErr(err))
		if err == nil {
			chans = append(chans, ch)
			names = append(names, name)
		}
	}
	_, _, ch, err := w.GetW(d)
	add("GetW d", ch, err)
	_, _, ch, err = w.ExistsW(e.p("/later"))
	add("ExistsW later", ch, err)
	_, _, ch, err = w.ChildrenW(e.root)
	add("ChildrenW root", ch, err)
	_, _, ch, err = w.ChildrenW(d)
	add("ChildrenW d", ch, err)
	_, _, ch, err = w.GetW(e.p("/missing"))
	add("GetW missing", ch, err)
	e.set(m, d, "1", -1)
	e.create(m, e.p("/later"), "", 0, nil)
	e.del(m, d, -1)
	for i, ch := range chans {
		select {
		case ev := <-ch:
			e.log("%s fired: %v %s %v", names[i], ev.Type, ev.Path, zkErr(ev.Err))
		case <-time.After(3 * time.Second):
			e.log("%s: no event", names[i])
		}
	}
}

func scenarioPersistentWatches(e *env) {
	w := e.raw("watcher")
	m := e.zk("mutator")
	e.create(m, e.root, "", 0, nil)
	p, rec := e.p("/p"), e.p("/rec")
	e.create(m, p, "", 0, nil)
	e.create(m, rec, "", 0, nil)
	addWatch := func(path string, mode int32) {
		r, err := w.call(opAddWatch, pathMode(path, mode))
		if err != nil {
			e.log("addWatch %s mode=%d: %s", path, mode, errText(err))
			return
		}
		e.log("addWatch %s mode=%d: %s%s", path, mode, errName(r.Err), rest(r.Body))
	}
	addWatch(p, 0)
	addWatch(rec, 1)
	addWatch(e.p("/notyet"), 0)
	e.create(m, p+"/c", "", 0, nil)
	e.set(m, p, "x", -1)
	e.set(m, p+"/c", "x", -1) // not watched: persistent is not recursive
	e.create(m, rec+"/a", "", 0, nil)
	e.create(m, rec+"/a/b", "", 0, nil)
	e.set(m, rec+"/a/b", "y", -1)
	e.del(m, rec+"/a/b", -1)
	e.set(m, rec, "y", -1)
	e.del(m, p+"/c", -1)
	e.create(m, e.p("/notyet"), "", 0, nil)
	e.create(m, e.p("/other"), "", 0, nil)
	w.barrier()
	e.logEvents(w, "first round")
	e.set(m, p, "again", -1)
	e.set(m, rec+"/a", "again", -1)
	e.del(m, e.p("/notyet"), -1)
	w.barrier()
	e.logEvents(w, "second round (still registered)")

	check := func(op int32, name, path string, typ int32) {
		r, err := w.call(op, pathMode(path, typ))
		if err != nil {
			e.log("%s %s type=%d: %s", name, path, typ, errText(err))
			return
		}
		e.log("%s %s type=%d: %s%s", name, path, typ, errName(r.Err), rest(r.Body))
	}
	check(opCheckWatches, "checkWatches", p, 3)
	check(opCheckWatches, "checkWatches", p, 1)
	check(opCheckWatches, "checkWatches", p, 2)
	check(opCheckWatches, "checkWatches", e.p("/none"), 3)
	check(opRemoveWatches, "removeWatches", p, 3)
	check(opRemoveWatches, "removeWatches", p, 3)
	check(opRemoveWatches, "removeWatches", rec, 2)
	check(opRemoveWatches, "removeWatches", rec, 3)
	e.set(m, p, "after removal", -1)
	e.create(m, rec+"/after", "", 0, nil)
	w.barrier()
	e.logEvents(w, "after removeWatches")
	addWatch("noslash", 0)

	// One-shot data watch and a persistent watch on the same path fire once.
	co := e.p("/co")
	e.create(m, co, "", 0, nil)
	if _, err := w.call(opGetData, pathWatch(co, true)); err != nil {
		e.log("getData watch: %s", errText(err))
	}
	addWatch(co, 0)
	e.set(m, co, "1", -1)
	e.set(m, co, "2", -1)
	w.barrier()
	e.logEvents(w, "one-shot and persistent data watch on one path")
}

// scenarioWatchEventsNeedRead: the ZooKeeper the tests run carries the fix
// for CVE-2024-23944 (Debian 3.8.0-11+deb12u2): a watch event about a znode
// is only delivered to a watcher that may READ that znode, so a watch on a
// readable parent does not reveal the names of unreadable children.
func scenarioWatchEventsNeedRead(e *env) {
	a := e.zk("owner")
	e.log("addAuth: %s", zkErr(a.AddAuth("digest", []byte("alice:secret"))))
	secret := zk.DigestACL(zk.PermAll, "alice", "secret")
	e.create(a, e.root, "", 0, nil)
	for _, p := range []string{"/dir", "/rec", "/pw", "/gone"} {
		e.create(a, e.p(p), "", 0, nil)
	}
	w := e.raw("watcher")
	call := func(what string, op int32, body []byte) {
		r, err := w.call(op, body)
		if err != nil {
			e.log("%s: %s", what, errText(err))
			return
		}
		e.log("%s: %s%s", what, errName(r.Err), rest(r.Body))
	}
	// One watch mode per path: ZooKeeper 3.8 keeps only one (see
	// watch-modes-one-path).
	call("exists watch /later", opExists, pathWatch(e.p("/later"), true))
	call("getChildren watch /dir", opGetChildren, pathWatch(e.p("/dir"), true))
	call("exists watch /gone", opExists, pathWatch(e.p("/gone"), true))
	call("addWatch recursive /rec", opAddWatch, pathMode(e.p("/rec"), 1))
	call("addWatch persistent /pw", opAddWatch, pathMode(e.p("/pw"), 0))
	step := func(what string, f func()) {
		f()
		w.barrier()
		e.logEvents(w, what)
	}
	step("unreadable node created", func() { e.create(a, e.p("/later"), "", 0, secret) })
	step("unreadable child of a readable parent", func() { e.create(a, e.p("/dir/secret"), "", 0, secret) })
	step("unreadable node under a recursive watch", func() {
		e.create(a, e.p("/rec/secret"), "", 0, secret)
		e.set(a, e.p("/rec/secret"), "x", -1)
	})
	step("readable child of an unreadable node", func() {
		e.create(a, e.p("/rec/secret/child"), "", 0, nil)
		e.del(a, e.p("/rec/secret/child"), -1)
	})
	step("unreadable node deleted", func() { e.del(a, e.p("/rec/secret"), -1) })
	step("watched node made unreadable, then deleted", func() {
		e.setACL(a, e.p("/gone"), secret, -1)
		e.del(a, e.p("/gone"), -1)
	})
	step("persistently watched node made unreadable, then changed", func() {
		e.setACL(a, e.p("/pw"), secret, -1)
		e.set(a, e.p("/pw"), "y", -1)
	})
	step("readable node under a recursive watch", func() { e.create(a, e.p("/rec/open"), "", 0, nil) })
}

// scenarioWatchModesOnePath: ZooKeeper 3.8 keeps one watch mode per path
// and connection, the last registered; Warren keeps them all, as 3.9 does
// (docs/compatibility.md).
func scenarioWatchModesOnePath(e *env) {
	m := e.zk("mutator")
	e.create(m, e.root, "", 0, nil)
	w := e.raw("watcher")
	for _, c := range []struct {
		what string
		op   int32
		body []byte
	}{
		{"getChildren watch", opGetChildren, pathWatch(e.root, true)},
		{"addWatch recursive", opAddWatch, pathMode(e.root, 1)},
	} {
		r, err := w.call(c.op, c.body)
		if err != nil {
			e.log("%s: %s", c.what, errText(err))
			return
		}
		e.log("%s: %s", c.what, errName(r.Err))
	}
	e.create(m, e.p("/child"), "", 0, nil)
	w.barrier()
	e.logEvents(w, "after a child was created")
}

// scenarioAddWatchBadMode: ZooKeeper fails to map an unknown addWatch mode
// (WatcherMode.fromZooDef throws) and answers MarshallingError.
func scenarioAddWatchBadMode(e *env) {
	c := e.raw("self")
	for _, mode := range []int32{2, 7, -1} {
		e.log("addWatch mode %d: %s", mode, c.outcome(opAddWatch, pathMode("/", mode)))
	}
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
		rep, ok := e.rawCall(r, "whoAmI "+what, opWhoAmI, nil)
		if !ok {
			return
		}
		n := rep.Body.i32()
		var ids []string
		for i := int32(0); i < n && rep.Body.err == nil; i++ {
			ids = append(ids, rep.Body.str()+":"+rep.Body.str())
		}
		// ZooKeeper lists them in hash-set order: compare them as a set.
		e.log("whoAmI %s: %v%s", what, sorted(ids), rest(rep.Body))
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

// scenarioAuthFailedCloses: ZooKeeper answers addAuth with an unknown scheme
// with AuthFailed and then closes the connection (the session lives on).
func scenarioAuthFailedCloses(e *env) {
	r := e.raw("self")
	e.log("addAuth nosuch: %s", r.outcome(opAuth, authBody("nosuch", "x")))
	again := e.dial()
	resp, err := again.connect(30000, r.session.SessionID, r.session.Passwd)
	e.log("reattach after AuthFailed: same id %v %v", resp.SessionID == r.session.SessionID, errTextOrOK(err))
}

// scenarioExistsIgnoresACL: exists needs no permission in ZooKeeper (3.8
// and later: "TODO we need to figure out the security requirement").
func scenarioExistsIgnoresACL(e *env) {
	a := e.zk("self")
	b := e.zk("other")
	e.create(a, e.root, "", 0, nil)
	e.create(a, e.p("/perm0"), "", 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})
	e.create(a, e.p("/digest"), "d", 0, zk.DigestACL(zk.PermAll, "alice", "secret"))
	e.exists(a, e.p("/perm0"))
	e.exists(b, e.p("/digest"))
	e.exists(b, e.p("/missing"))
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

// scenarioBadInput sends what no well-behaved client sends, each on a
// fresh session, and logs the reply and whether the connection survived.
func scenarioBadInput(e *env) {
	setup := e.raw("setup")
	e.rawCreate(setup, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(setup, opCreate, e.p("/n"), []byte("n"), openACL, 0, 0)
	e.rawCreate(setup, opCreateContainer, e.p("/c"), nil, openACL, 4, 0)
	longPath := (&jw{}).i32(0x7fffffff).b
	cases := []struct {
		what string
		op   int32
		body []byte
	}{
		{"getData noslash", opGetData, pathWatch("noslash", false)},
		{"create noslash", opCreate, createBody("noslash", nil, openACL, 0)},
		{"create //", opCreate, createBody(e.p("//x"), nil, openACL, 0)},
		{"create trailing slash", opCreate, createBody(e.p("/n/"), nil, openACL, 0)},
		{"create empty path", opCreate, createBody("", nil, openACL, 0)},
		{"create /", opCreate, createBody("/", nil, openACL, 0)},
		{"create dot", opCreate, createBody(e.p("/n/."), nil, openACL, 0)},
		{"create dotdot", opCreate, createBody(e.p("/n/.."), nil, openACL, 0)},
		{"create NUL", opCreate, createBody(e.p("/a\x00b"), nil, openACL, 0)},
		{"create U+FFFF", opCreate, createBody(e.p("/a\uffffb"), nil, openACL, 0)},
		{"exists empty path", opExists, pathWatch("", false)},
		{"getChildren empty path", opGetChildren, pathWatch("", false)},
		{"delete empty path", opDelete, pathVersion("", -1)},
		{"delete /", opDelete, pathVersion("/", -1)},
		{"setData noslash", opSetData, setDataBody("noslash", nil, -1)},
		{"create empty ACL", opCreate, createBody(e.p("/x1"), nil, []acl{}, 0)},
		{"create null ACL", opCreate, (&jw{}).str(e.p("/x2")).buf(nil).i32(-1).i32(0).b},
		{"create unknown scheme", opCreate, createBody(e.p("/x3"), nil, []acl{{31, "nosuch", "x"}}, 0)},
		{"create perms 99", opCreate, createBody(e.p("/x4"), nil, []acl{{99, "world", "anyone"}}, 0)},
		{"create flags 99", opCreate, createBody(e.p("/x5"), nil, openACL, 99)},
		{"create flags -1", opCreate, createBody(e.p("/x6"), nil, openACL, -1)},
		{"create data length -5", opCreate, (&jw{}).str(e.p("/x7")).i32(-5).acls(openACL).i32(0).b},
		{"create path length 2^31-1", opCreate, longPath},
		{"check outside multi, version matches", opCheck, pathVersion(e.p("/n"), 0)},
		{"check outside multi, version wrong", opCheck, pathVersion(e.p("/n"), 3)},
		{"check outside multi, no node", opCheck, pathVersion(e.p("/missing"), 0)},
		{"deleteContainer from a client", opDeleteContainer, pathOnly(e.p("/c"))},
		{"deleteContainer missing", opDeleteContainer, pathOnly(e.p("/missing"))},
		{"getData truncated body", opGetData, []byte{0, 0}},
		{"create truncated body", opCreate, (&jw{}).str(e.p("/t")).b},
		{"setData truncated body", opSetData, (&jw{}).str(e.p("/n")).b},
		{"getData trailing bytes", opGetData, append(pathWatch(e.p("/n"), false), 1, 2, 3)},
		{"getData no body", opGetData, nil},
		{"reconfig", opReconfig, (&jw{}).str("").str("").str("").i64(-1).b},
		{"opcode 0", 0, nil},
		{"setWatches empty", 101, (&jw{}).i64(0).i32(0).i32(0).i32(0).b},
		{"unknown opcode 999", 999, nil},
		{"createSession after connect", -10, connectRequest(30000, 0, nil, nil)},
	}
	// Each case has its own session and paths, so they run concurrently.
	conns := make([]*rawClient, len(cases))
	for i := range cases {
		conns[i] = e.raw("bad")
	}
	results := make([]string, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = conns[i].outcome(tc.op, tc.body)
		}()
	}
	wg.Wait()
	for i, tc := range cases {
		e.log("%s: %s", tc.what, results[i])
	}
	r, ok := e.rawCall(setup, "children", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("children after the bad requests: %v", sorted(r.Body.strs()))
	}

	// Frames that break the framing itself.
	frames := []struct {
		what string
		raw  []byte
	}{
		{"length prefix 1048577", (&jw{}).i32(1048577).b},
		{"length prefix -5", (&jw{}).i32(-5).b},
		{"length prefix 0", (&jw{}).i32(0).b},
		{"length prefix 3", append((&jw{}).i32(3).b, 0, 0, 0)},
	}
	for _, f := range frames {
		c := e.raw("bad")
		if err := c.writeRaw(f.raw); err != nil {
			e.log("%s: write: %s", f.what, errText(err))
			continue
		}
		e.log("%s: %s", f.what, c.expectClose())
	}

	// Requests before the ConnectRequest.
	for _, tc := range []struct {
		what string
		b    []byte
	}{
		{"ping before connect", (&jw{}).i32(-2).i32(opPing).b},
		{"getData before connect", append((&jw{}).i32(1).i32(opGetData).b, pathWatch("/", false)...)},
	} {
		c := e.dial()
		if err := c.writeFrame(tc.b); err != nil {
			e.log("%s: write: %s", tc.what, errText(err))
			continue
		}
		e.log("%s: %s", tc.what, c.expectClose())
	}
}

// scenarioBigData checks the jute.maxbuffer limit from both sides.
func scenarioBigData(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	for _, n := range []int{1_000_000, 1_048_000} {
		path := e.p(fmt.Sprintf("/d%d", n))
		e.rawCreate(c, opCreate, path, make([]byte, n), openACL, 0, 0)
		r, ok := e.rawCall(c, "getData "+path, opGetData, pathWatch(path, false))
		if ok {
			data := r.Body.buf()
			e.log("getData %s: %d bytes %s%s", path, len(data), e.fmtStat(r.Body.stat()), rest(r.Body))
		}
	}
	// Data that makes the frame one byte longer than the limit allows.
	for _, n := range []int{1_048_576, 2_000_000} {
		c := e.raw("big")
		_, err := c.send(opCreate, createBody(e.p("/big"), make([]byte, n), openACL, 0))
		if err != nil {
			// The server may close before it has read the whole frame.
			e.log("create with %d bytes: %s", n, errText(err))
			continue
		}
		e.log("create with %d bytes: %s", n, c.expectClose())
	}
	r, ok := e.rawCall(c, "exists /big", opExists, pathWatch(e.p("/big"), false))
	if ok {
		e.log("exists /big: %s", e.fmtStat(r.Body.stat()))
	}
}

func scenarioSessions(e *env) {
	// Negotiation against tickTime 2000: [4000, 40000].
	for _, ask := range []int32{100, 0, 4000, 30000, 40000, 10_000_000, -1} {
		c := e.dial()
		resp, err := c.connect(ask, 0, nil)
		if err != nil {
			e.log("connect asking %d: %s", ask, errText(err))
			continue
		}
		e.log("connect asking %d: timeout %d, protocol %d, len %d, passwd %d bytes, readOnly %v",
			ask, resp.TimeOut, resp.ProtocolVersion, resp.Len, len(resp.Passwd), resp.ReadOnly)
	}
	// go-zookeeper's 44-byte ConnectRequest gets a 36-byte answer.
	c := e.dial()
	resp, err := c.connectWith(connectRequest(30000, 0, nil, nil))
	e.log("connect without readOnly byte: len %d %v", resp.Len, errTextOrOK(err))
	// readOnly=true against a read-write server: answered readOnly=false.
	c = e.dial()
	t := true
	resp, err = c.connectWith(connectRequest(30000, 0, nil, &t))
	e.log("connect readOnly=true: readOnly %v %v", resp.ReadOnly, errTextOrOK(err))
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)

	// Reattach with the right password: same session, the old connection is closed.
	first := e.raw("self")
	e.rawCreate(first, opCreate, e.p("/eph"), nil, openACL, 1, 0)
	again := e.dial()
	resp, err = again.connect(30000, first.session.SessionID, first.session.Passwd)
	e.log("reattach: same id %v, same password %v, timeout %d %v",
		resp.SessionID == first.session.SessionID, string(resp.Passwd) == string(first.session.Passwd), resp.TimeOut, errTextOrOK(err))
	e.log("old connection after reattach: %s", first.outcome(opExists, pathWatch("/", false)))
	r, ok := e.rawCall(again, "exists eph", opExists, pathWatch(e.p("/eph"), false))
	if ok {
		e.log("ephemeral after reattach: %s", e.fmtStat(r.Body.stat()))
	}

	// Reattach with a wrong password.
	bad := e.dial()
	wrong := make([]byte, 16)
	resp, err = bad.connect(30000, again.session.SessionID, wrong)
	e.log("reattach wrong password: timeout %d, id %d, passwd %x, len %d %v",
		resp.TimeOut, resp.SessionID, resp.Passwd, resp.Len, errTextOrOK(err))
	e.log("after the refusal: %s", bad.expectClose())
	e.log("live connection after a wrong-password reattach: %s", again.outcome(opExists, pathWatch("/", false)))

	// Reattach to a session that never existed.
	ghost := e.dial()
	resp, err = ghost.connect(30000, 0x0123456789abcdef, make([]byte, 16))
	e.log("reattach unknown session: timeout %d, id %d, len %d %v", resp.TimeOut, resp.SessionID, resp.Len, errTextOrOK(err))
	e.log("after it: %s", ghost.expectClose())

}

// scenarioPipelinedAfterFatal: a request pipelined behind one after which
// the server closes the connection (an unknown opcode, closeSession) is never
// answered by ZooKeeper, which stops reading at the fatal request.
func scenarioPipelinedAfterFatal(e *env) {
	for _, tc := range []struct {
		what string
		op   int32
		body []byte
	}{
		{"unknown opcode 999", 999, nil},
		{"opcode 0", 0, nil},
		{"closeSession", opCloseSession, nil},
		{"addAuth with an unknown scheme", opAuth, authBody("nosuch", "x")},
	} {
		c := e.raw("self")
		e.log("%s then exists, in one write: %s", tc.what, c.pipelinedOutcome(tc.op, tc.body))
	}
}

// scenarioCloseSessionCloses: after answering closeSession ZooKeeper closes
// the connection; the session's ephemerals are gone and it cannot be
// reattached.
func scenarioCloseSessionCloses(e *env) {
	closer := e.raw("closer")
	e.rawCreate(closer, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(closer, opCreate, e.p("/closer-eph"), nil, openACL, 1, 0)
	e.log("closeSession: %s", closer.outcome(opCloseSession, nil))
	watcher := e.raw("watcher")
	r, ok := e.rawCall(watcher, "exists closer-eph", opExists, pathWatch(e.p("/closer-eph"), false))
	if ok {
		e.log("closer's ephemeral still there: %s", e.fmtStat(r.Body.stat()))
	}
	late := e.dial()
	resp, err := late.connect(30000, closer.session.SessionID, closer.session.Passwd)
	e.log("reattach closed session: timeout %d, id %d %v", resp.TimeOut, resp.SessionID, errTextOrOK(err))
}

func errTextOrOK(err error) string {
	if err == nil {
		return "OK"
	}
	return errText(err)
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
	r, ok := e.rawCall(m, "delete /c/x", opDelete, pathVersion(e.p("/c/x"), -1))
	if ok {
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
	_ = r
	r, ok = e.rawCall(m, "children", opGetChildren, pathWatch(e.root, false))
	if ok {
		e.log("left: %v", sorted(r.Body.strs()))
	}
}

func scenarioFourLetterWords(e *env) {
	for _, w := range []string{"ruok", "isro", "xyzw", "ruokextra"} {
		out, err := fourLetter(e.srv.Addr, w, 5*time.Second)
		e.log("%s: %q %v", w, out, errTextOrOK(err))
	}
	// A four-letter word after a ConnectRequest is just a bad frame.
	c := e.raw("self")
	if err := c.writeRaw([]byte("ruok")); err != nil {
		e.log("ruok after connect: write %s", errText(err))
		return
	}
	e.log("ruok after connect: %s", c.expectClose())
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
