package main

// Differential scenarios about multi (14) and multiRead (22): results and
// their types, failures, what a multi may hold, and how ZooKeeper decides
// what a create inside one makes.

import (
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

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
	// The zxid shows whether the request took a txn of its own.
	e.log("%s: header %s zxid=%s", what, errName(r.Err), zxidMark(r.Zxid))
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
	e.logChildren(c, "children", e.root)
}

// scenarioMultiResultTypes: ZooKeeper answers every create that returns a
// stat inside a multi as a create2 result (type 15), containers and TTL nodes
// included; the Java 3.8 client's MultiResponse rejects types 19 and 21
// ("Invalid type").
func scenarioMultiResultTypes(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.logMulti(c, "multi with container and TTL", opMulti,
		multiOp{opCreateContainer, createBody(e.p("/mc"), nil, openACL, 4)},
		multiOp{opCreateTTL, createTTLBody(e.p("/mt"), nil, openACL, 5, 60000)})
}

// scenarioMultiReadSetsNoWatch: the watch flags of a multiRead's getData
// and getChildren are ignored; ZooKeeper's MultiOperationRecord keeps only
// their paths (Op.getData(path), whose request record asks for no watch).
func scenarioMultiReadSetsNoWatch(e *env) {
	m := e.raw("mutator")
	e.rawCreate(m, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(m, opCreate, e.p("/a"), []byte("A"), openACL, 0, 0)
	w := e.raw("watcher")
	e.logMulti(w, "multiRead with watch flags", opMultiRead,
		multiOp{opGetData, pathWatch(e.p("/a"), true)},
		multiOp{opGetChildren, pathWatch(e.root, true)})
	r, err := m.call(opSetData, setDataBody(e.p("/a"), []byte("B"), -1))
	e.log("setData /a: %v %v", errTextOrOK(err), errName(r.Err))
	e.rawCreate(m, opCreate, e.p("/b"), nil, openACL, 0, 0)
	w.barrier()
	e.logEvents(w, "after setData and a new child")
}

// scenarioMultiWithReadOp: a multi (14) that ZooKeeper cannot turn into a
// txn fails as a whole with MarshallingError, as an error txn of its own:
// MultiOperationRecord refuses to mix reads and writes ("Mixing different
// kind of ops") or an unknown op type, and a multi of reads only fails in
// prep (a read op leaves no txn to serialise). Either way the request
// already had its TxnHeader with the next zxid.
func scenarioMultiWithReadOp(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	e.rawCreate(c, opCreate2, e.p("/a"), []byte("A"), openACL, 0, 0)
	e.logMulti(c, "multi with a getData op", opMulti,
		multiOp{opCreate, createBody(e.p("/r1"), nil, openACL, 0)},
		multiOp{opGetData, pathWatch(e.p("/a"), false)})
	e.rawCreate(c, opCreate2, e.p("/b"), nil, openACL, 0, 0)
	e.logMulti(c, "multi with a getChildren op", opMulti,
		multiOp{opGetChildren, pathWatch(e.p("/a"), false)})
	e.rawCreate(c, opCreate2, e.p("/c"), nil, openACL, 0, 0)
	e.logMulti(c, "multi with an exists op", opMulti,
		multiOp{opCreate, createBody(e.p("/r2"), nil, openACL, 0)},
		multiOp{opExists, pathWatch(e.p("/a"), false)})
	e.rawCreate(c, opCreate2, e.p("/d"), nil, openACL, 0, 0)
	r, err := c.call(opMulti, multiBody(multiOp{opCreate, createBody(e.p("/r3"), nil, openACL, 0)})[:20])
	if err != nil {
		e.log("truncated multi: %s", errText(err))
	} else {
		e.log("truncated multi: %s zxid=%s%s", errName(r.Err), zxidMark(r.Zxid), rest(r.Body))
	}
	e.rawCreate(c, opCreate2, e.p("/e"), nil, openACL, 0, 0)
	e.logChildren(c, "children", e.root)
}

// scenarioMultiCreateModes: inside a multi, ZooKeeper decides what a create
// makes by its flags, not by its opcode as outside one: MultiOperationRecord
// reads create, create2 and createContainer as one CreateRequest and
// Op.Create takes its type from the create mode. A container mode makes a
// createContainer; createTTL with a mode that is not a TTL mode is a plain
// create; a TTL mode without createTTL's ttl fails the whole request with
// MarshallingError. Warren follows 3.9, where create2 stays create2 and
// createContainer stays createContainer (ZOOKEEPER-4026) and a flag that is
// no create mode fails the whole request; 3.8 decays both to create and
// fails only the op (multiCreateModesDiffs). Containers show in their
// stat only as owner 0, so each new znode gets a child and loses it, and
// the servers' container sweeps (every second) remove the containers.
func scenarioMultiCreateModes(e *env) {
	c := e.raw("self")
	e.rawCreate(c, opCreate, e.root, nil, openACL, 0, 0)
	var paths []string
	for _, tc := range []struct {
		op, flags int32
		ttl       int64
	}{
		{opCreate, 0, 0}, {opCreate, 4, 0}, {opCreate, 5, 0}, {opCreate, 99, 0},
		{opCreate2, 0, 0}, {opCreate2, 1, 0}, {opCreate2, 4, 0}, {opCreate2, 6, 0},
		{opCreateContainer, 4, 0}, {opCreateContainer, 0, 0},
		{opCreateTTL, 5, 60000}, {opCreateTTL, 0, 60000}, {opCreateTTL, 4, 60000}, {opCreateTTL, 99, 60000}, {opCreateTTL, 5, 0},
	} {
		path := e.p(fmt.Sprintf("/op%d-flags%d", tc.op, tc.flags))
		body := createBody(path, nil, openACL, tc.flags)
		if tc.op == opCreateTTL {
			path += fmt.Sprintf("-ttl%d", tc.ttl)
			body = createTTLBody(path, nil, openACL, tc.flags, tc.ttl)
		}
		paths = append(paths, path)
		e.logMulti(c, fmt.Sprintf("multi op%d flags=%d", tc.op, tc.flags), opMulti, multiOp{tc.op, body})
	}
	for _, p := range paths {
		r, err := c.call(opCreate, createBody(p+"/x", nil, openACL, 0))
		if err != nil || r.Err != 0 {
			continue // not created
		}
		if r, err := c.call(opDelete, pathVersion(p+"/x", -1)); err != nil || r.Err != 0 {
			e.log("delete %s/x: %v %v", p, err, r.Err)
		}
	}
	time.Sleep(3 * time.Second)
	e.logChildren(c, "left after the container sweeps", e.root)
}

// multiCreateModesDiffs are where ZooKeeper 3.8 and 3.9 part in
// scenarioMultiCreateModes; Warren answers as 3.9 (docs/compatibility.md).
var multiCreateModesDiffs = []knownDiff{
	{zk: "multi op1 flags=99: header OK zxid=z4", warren: "multi op1 flags=99: header MarshallingError zxid=z4"},
	{zk: "  op 0: type=-1 err=BadArguments", warren: "  body"},
	{zk: "  op 0: type=1 err=OK path=/multi-create-modes/op15-flags0",
		warren: "  op 0: type=15 err=OK path=/multi-create-modes/op15-flags0 {czxid=z5 mzxid=z5 pzxid=z5 ver=0 cver=0 aver=0 owner=0 len=0 kids=0}"},
	{zk: "  op 0: type=1 err=OK path=/multi-create-modes/op15-flags1",
		warren: "  op 0: type=15 err=OK path=/multi-create-modes/op15-flags1 {czxid=z6 mzxid=z6 pzxid=z6 ver=0 cver=0 aver=0 owner=self len=0 kids=0}"},
	{zk: "  op 0: type=1 err=OK path=/multi-create-modes/op19-flags0",
		warren: "  op 0: type=15 err=OK path=/multi-create-modes/op19-flags0 {czxid=z10 mzxid=z10 pzxid=z10 ver=0 cver=0 aver=0 owner=0 len=0 kids=0}"},
	{zk: "left after the container sweeps: [op1-flags0 op15-flags0 op15-flags1 op19-flags0 op21-flags0-ttl60000 op21-flags5-ttl60000]",
		warren: "left after the container sweeps: [op1-flags0 op15-flags0 op15-flags1 op21-flags0-ttl60000 op21-flags5-ttl60000]"},
}
