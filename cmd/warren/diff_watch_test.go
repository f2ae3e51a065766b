package main

// Differential scenarios about watches: one-shot, persistent and recursive
// watches, the order of notifications on a connection, and who gets them.

import (
	"time"

	"github.com/go-zookeeper/zk"
)

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

// scenarioPersistentThenRecursive: a persistent watch added, removed
// (removeWatches type Any, as zkCli's removewatches sends it) and a
// recursive watch added on the same path by the same connection. The
// removal takes the persistent mode away in both servers, so the recursive
// watch alone fires: the changes below the path, and no
// NodeChildrenChanged. (zkCli.sh 3.8 shows NodeChildrenChanged for the same
// commands, because its addWatch keeps the -m of an earlier addWatch: see
// docs/tools.md.)
func scenarioPersistentThenRecursive(e *env) {
	m := e.zk("mutator")
	e.create(m, e.root, "", 0, nil)
	w := e.raw("watcher")
	e.log("addWatch persistent: %s", w.outcome(opAddWatch, pathMode(e.root, 0)))
	e.log("removeWatches any: %s", w.outcome(opRemoveWatches, pathMode(e.root, 3)))
	e.log("addWatch recursive: %s", w.outcome(opAddWatch, pathMode(e.root, 1)))
	w.barrier()
	e.logEvents(w, "after the watches were set")
	e.create(m, e.p("/c"), "", 0, nil)
	e.set(m, e.p("/c"), "x", -1)
	e.create(m, e.p("/c/d"), "", 0, nil)
	e.set(m, e.root, "y", -1)
	e.del(m, e.p("/c/d"), -1)
	e.del(m, e.p("/c"), -1)
	w.barrier()
	e.logEvents(w, "after changes below the path")
}
