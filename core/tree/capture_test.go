package tree

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/watch"
)

// This file replays the writes of real client captures (ZooKeeper 3.8.0
// answering Java, zkCli, go-zookeeper, kazoo and C clients) through a tiny
// stand-in for the request preprocessor, applies them at the zxids the
// server gave them, and checks every reply about the capture's own nodes
// (stats, data, children, ACLs, create paths, multi results) against what
// the tree answers.

// clientRequest is one request frame waiting for its reply.
type clientRequest struct {
	op   proto.Op
	body []byte
}

type replayer struct {
	t        *testing.T
	tr       *Tree
	watches  *watch.Manager
	prefixes []string
	times    map[int64]int64 // zxid → time, learned from the replies' stats
	checked  int
	watchers map[int]*recorder // per connection, as ZooKeeper's ServerCnxn
	events   map[int][]string  // notifications in the capture, per connection
}

func (r *replayer) watcher(conn int) *recorder {
	w := r.watchers[conn]
	if w == nil {
		w = &recorder{}
		r.watchers[conn] = w
	}
	return w
}

func (r *replayer) mine(path string) bool {
	for _, p := range r.prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// frames pairs each reply with its request, per connection, in order, and
// reports watch notifications and connection closes.
func frames(t *testing.T, name string, fn func(conn int, session int64, req clientRequest, rep proto.ReplyHeader, body []byte),
	onEvent func(conn int, ev proto.WatcherEvent), onClose func(conn int)) {
	lines := wiretest.Read(t, name)
	type connState struct {
		session   int64
		connected bool
		closed    bool
		pending   map[int32]clientRequest
	}
	conns := map[int]*connState{}
	for _, l := range lines {
		if l.Route != "client" {
			continue
		}
		c := conns[l.Conn]
		if c == nil {
			c = &connState{pending: map[int32]clientRequest{}}
			conns[l.Conn] = c
		}
		if l.Event == "close" || l.Event == "dropped-by-proxy" {
			if !c.closed && onClose != nil {
				onClose(l.Conn)
			}
			c.closed = true
			continue
		}
		if l.Kind != "frame" {
			continue
		}
		d := proto.NewDecoder(l.Bytes)
		switch {
		case l.Dir == "s2c" && !c.connected:
			var cr proto.ConnectResponse
			cr.Decode(d)
			c.session, c.connected = cr.SessionID, true
		case l.Dir == "c2s" && !c.connected:
			// ConnectRequest
		case l.Dir == "c2s":
			var h proto.RequestHeader
			h.Decode(d)
			c.pending[h.Xid] = clientRequest{op: h.Type, body: d.Rest()}
		default:
			var h proto.ReplyHeader
			h.Decode(d)
			if h.Xid == proto.XidNotification {
				var ev proto.WatcherEvent
				ev.Decode(d)
				if onEvent != nil {
					onEvent(l.Conn, ev)
				}
				continue
			}
			req, ok := c.pending[h.Xid]
			if !ok || h.Xid < 0 {
				continue
			}
			delete(c.pending, h.Xid)
			fn(l.Conn, c.session, req, h, d.Rest())
		}
	}
}

// learnTimes records the ctime of each czxid and mtime of each mzxid seen in
// any reply stat, so that replayed txns carry the leader's timestamps.
func learnTimes(t *testing.T, name string) map[int64]int64 {
	times := map[int64]int64{}
	add := func(b []byte) {
		var st proto.Stat
		d := proto.NewDecoder(b)
		st.Decode(d)
		if d.Err() == nil {
			times[st.Czxid] = st.Ctime
			times[st.Mzxid] = st.Mtime
		}
	}
	frames(t, name, func(_ int, _ int64, req clientRequest, rep proto.ReplyHeader, body []byte) {
		if rep.Err != proto.ErrOK {
			return
		}
		d := proto.NewDecoder(body)
		switch req.op {
		case proto.OpExists, proto.OpSetData, proto.OpSetACL:
			add(body)
		case proto.OpGetData:
			d.Buffer()
			add(d.Rest())
		case proto.OpGetChildren2:
			d.Strings()
			add(d.Rest())
		case proto.OpGetACL:
			proto.DecodeACLs(d)
			add(d.Rest())
		case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
			_ = d.String()
			add(d.Rest())
		case proto.OpMulti, proto.OpMultiRead:
			for d.Err() == nil {
				typ, done := proto.Op(d.Int()), d.Bool()
				d.Int()
				if done {
					break
				}
				switch typ {
				case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
					_ = d.String()
					add(body[d.Offset():])
					d.Fail(skipStat(d))
				case proto.OpSetData:
					add(body[d.Offset():])
					d.Fail(skipStat(d))
				case proto.OpGetData:
					d.Buffer()
					add(body[d.Offset():])
					d.Fail(skipStat(d))
				case proto.OpCreate:
					_ = d.String()
				case proto.OpGetChildren:
					d.Strings()
				case proto.OpError:
					d.Int()
				}
			}
		}
	}, nil, nil)
	return times
}

// skipStat consumes a Stat; its error (nil if it fit) is for Decoder.Fail.
func skipStat(d *proto.Decoder) error {
	var st proto.Stat
	st.Decode(d)
	return d.Err()
}

// createTxn is the preprocessor's work for a create request against tr.
func createTxn(tr *Tree, op proto.Op, body []byte) (proto.Op, proto.Record, string) {
	d := proto.NewDecoder(body)
	path, data, acl, mode := d.String(), d.Buffer(), proto.DecodeACLs(d), proto.CreateMode(d.Int())
	var ttl int64
	if op == proto.OpCreateTTL {
		ttl = d.Long()
	}
	parent, _ := tr.Lookup(Parent(path + "x"))
	if mode.Sequential() {
		path += fmt.Sprintf("%010d", parent.Stat.Cversion)
	}
	cv := parent.Stat.Cversion + 1
	switch op {
	case proto.OpCreateContainer:
		return op, &proto.CreateContainerTxn{Path: path, Data: data, ACL: acl, ParentCversion: cv}, path
	case proto.OpCreateTTL:
		return op, &proto.CreateTTLTxn{Path: path, Data: data, ACL: acl, ParentCversion: cv, TTL: ttl}, path
	}
	return op, &proto.CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: mode.Ephemeral(), ParentCversion: cv}, path
}

// writeTxn turns a write request into its txn as the preprocessor would
// (for requests that succeeded); the string is the path it concerns.
func writeTxn(tr *Tree, session int64, op proto.Op, body []byte) (proto.Op, proto.Record, string) {
	d := proto.NewDecoder(body)
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		return createTxn(tr, op, body)
	case proto.OpDelete:
		p := d.String()
		return op, &proto.DeleteTxn{Path: p}, p
	case proto.OpSetData:
		p, data := d.String(), d.Buffer()
		info, _ := tr.Lookup(p)
		return op, &proto.SetDataTxn{Path: p, Data: data, Version: info.Stat.Version + 1}, p
	case proto.OpSetACL:
		p, acl := d.String(), proto.DecodeACLs(d)
		info, _ := tr.Lookup(p)
		return op, &proto.SetACLTxn{Path: p, ACL: acl, Version: info.Stat.Aversion + 1}, p
	case proto.OpCheck:
		p := d.String()
		return op, &proto.CheckVersionTxn{Path: p, Version: d.Int()}, p
	case proto.OpCloseSession:
		return op, &proto.CloseSessionTxn{Paths: tr.Ephemerals(session)}, ""
	}
	return 0, nil, ""
}

// multiOps splits a multi request into its ops.
func multiOps(body []byte) []clientRequest {
	d := proto.NewDecoder(body)
	var ops []clientRequest
	for d.Err() == nil {
		typ, done := proto.Op(d.Int()), d.Bool()
		d.Int()
		if done {
			break
		}
		start := d.Offset()
		switch typ {
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
			_ = d.String()
			d.Buffer()
			proto.DecodeACLs(d)
			d.Int()
			if typ == proto.OpCreateTTL {
				d.Long()
			}
		case proto.OpSetData:
			_ = d.String()
			d.Buffer()
			d.Int()
		case proto.OpDelete, proto.OpCheck:
			_ = d.String()
			d.Int()
		case proto.OpGetData, proto.OpGetChildren:
			_ = d.String()
			d.Bool()
		}
		ops = append(ops, clientRequest{op: typ, body: body[start:d.Offset()]})
	}
	return ops
}

func (r *replayer) hdr(session int64, zxid int64, typ proto.Op) *proto.TxnHeader {
	return &proto.TxnHeader{ClientID: session, Zxid: zxid, Time: r.times[zxid], Type: typ}
}

func (r *replayer) expect(what string, got, want []byte) {
	r.t.Helper()
	r.checked++
	if !bytes.Equal(got, want) {
		r.t.Errorf("%s:\n got %x\nwant %x", what, got, want)
	}
}

func enc(f func(e *proto.Encoder)) []byte {
	e := proto.NewEncoder(nil)
	f(e)
	return e.Bytes()
}

// resultBytes encodes a write result as the reply body ZooKeeper sends.
func resultBytes(res Result) []byte {
	return enc(func(e *proto.Encoder) {
		switch res.Type {
		case proto.OpCreate:
			e.String(res.Path)
		case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
			e.String(res.Path)
			res.Stat.Encode(e)
		case proto.OpSetData, proto.OpSetACL:
			res.Stat.Encode(e)
		}
	})
}

func (r *replayer) write(session int64, req clientRequest, rep proto.ReplyHeader, body []byte) {
	t, tr := r.t, r.tr
	if rep.Err != proto.ErrOK {
		tr.Apply(r.hdr(session, rep.Zxid, proto.OpError), &proto.ErrorTxn{Err: rep.Err})
		return
	}
	if req.op != proto.OpMulti {
		typ, txn, path := writeTxn(tr, session, req.op, req.body)
		res := tr.Apply(r.hdr(session, rep.Zxid, typ), txn)
		if !r.mine(path) {
			return
		}
		if res.Err != proto.ErrOK {
			t.Errorf("zxid %#x %v %s: %v, ZooKeeper succeeded", rep.Zxid, typ, path, res.Err)
			return
		}
		r.expect(fmt.Sprintf("zxid %#x %v %s", rep.Zxid, typ, path), resultBytes(res), body)
		return
	}
	// A multi: a scratch copy of the tree stands in for the preprocessor's
	// outstanding changes while the sub-txns are built.
	ops := multiOps(req.body)
	d := proto.NewDecoder(body)
	var errs []proto.Err
	failed := false
	for range ops {
		typ := proto.Op(d.Int())
		d.Bool()
		code := proto.Err(d.Int())
		if typ == proto.OpError {
			failed = true
			code = proto.Err(d.Int())
		} else {
			switch typ {
			case proto.OpCreate:
				_ = d.String()
			case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
				_ = d.String()
				var st proto.Stat
				st.Decode(d)
			case proto.OpSetData:
				var st proto.Stat
				st.Decode(d)
			}
		}
		errs = append(errs, code)
	}
	m := &proto.MultiTxn{}
	if failed {
		for _, code := range errs {
			m.Txns = append(m.Txns, sub(mkError(code)))
		}
	} else {
		scratch, err := Deserialize(proto.NewDecoder(serialize(tr)), Options{ExtendedTypes: tr.extended})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ops {
			typ, txn, _ := writeTxn(scratch, session, o.op, o.body)
			scratch.Apply(r.hdr(session, rep.Zxid, typ), txn)
			m.Txns = append(m.Txns, proto.Txn{Type: typ, Data: proto.Marshal(txn)})
		}
	}
	res := tr.Apply(r.hdr(session, rep.Zxid, proto.OpMulti), m)
	got := enc(func(e *proto.Encoder) {
		for _, s := range res.Multi {
			e.Int(int32(s.Type))
			e.Bool(false)
			if s.Type == proto.OpError {
				e.Int(int32(s.Err)) // MultiHeader.err, then ErrorResult
				e.Int(int32(s.Err))
			} else {
				e.Int(0)
				e.Raw(resultBytes(s))
			}
		}
		e.Int(-1)
		e.Bool(true)
		e.Int(-1)
	})
	r.expect(fmt.Sprintf("zxid %#x multi", rep.Zxid), got, body)
}

// read answers a read request from the tree and compares it with the reply.
func (r *replayer) read(conn int, req clientRequest, rep proto.ReplyHeader, body []byte) {
	tr := r.tr
	d := proto.NewDecoder(req.body)
	if req.op == proto.OpSetWatches || req.op == proto.OpSetWatches2 {
		rel, data, exist, child := d.Long(), d.Strings(), d.Strings(), d.Strings()
		var pers, rec []string
		if req.op == proto.OpSetWatches2 {
			pers, rec = d.Strings(), d.Strings()
		}
		tr.SetWatches(rel, data, exist, child, pers, rec, r.watcher(conn))
		return
	}
	path := d.String()
	if !r.mine(path) {
		return
	}
	var w watch.Watcher
	switch req.op {
	case proto.OpExists, proto.OpGetData, proto.OpGetChildren, proto.OpGetChildren2:
		if d.Bool() {
			w = r.watcher(conn)
		}
	}
	what := fmt.Sprintf("zxid %#x %v %s", rep.Zxid, req.op, path)
	var err error
	var got []byte
	switch req.op {
	case proto.OpAddWatch:
		r.watches.AddPersistent(path, r.watcher(conn), proto.AddWatchMode(d.Int()) == proto.AddWatchPersistentRecursive)
		got = enc(func(e *proto.Encoder) { e.Int(0) })
	case proto.OpCheckWatches, proto.OpRemoveWatches:
		typ := proto.WatcherType(d.Int())
		var ok bool
		if req.op == proto.OpCheckWatches {
			ok = r.watches.Contains(path, r.watcher(conn), typ)
		} else {
			ok = r.watches.Remove(path, r.watcher(conn), typ)
		}
		if !ok {
			err = proto.ErrNoWatcher
		}
	case proto.OpExists:
		var st proto.Stat
		st, err = tr.Exists(path, w)
		got = enc(st.Encode)
	case proto.OpGetData:
		var data []byte
		var st proto.Stat
		data, st, err = tr.GetData(path, w)
		got = enc(func(e *proto.Encoder) { e.Buffer(data); st.Encode(e) })
	case proto.OpGetChildren, proto.OpGetChildren2:
		var kids []string
		var st proto.Stat
		kids, st, err = tr.GetChildren(path, w)
		// ZooKeeper lists children in hash order; compare as sets.
		rd := proto.NewDecoder(body)
		theirs := rd.Strings()
		slices.Sort(theirs)
		body = enc(func(e *proto.Encoder) { e.Strings(theirs); e.Raw(rd.Rest()) })
		got = enc(func(e *proto.Encoder) {
			e.Strings(kids)
			if req.op == proto.OpGetChildren2 {
				st.Encode(e)
			}
		})
	case proto.OpGetACL:
		var acl []proto.ACL
		var st proto.Stat
		acl, st, err = tr.GetACL(path)
		got = enc(func(e *proto.Encoder) { proto.EncodeACLs(e, acl); st.Encode(e) })
	case proto.OpGetAllChildrenNumber:
		var n int32
		n, err = tr.AllChildrenNumber(path)
		got = enc(func(e *proto.Encoder) { e.Int(n) })
	default:
		return
	}
	if code := proto.Code(err); code != rep.Err {
		r.t.Errorf("%s: %v, ZooKeeper said %v", what, code, rep.Err)
		return
	}
	if rep.Err == proto.ErrOK {
		r.expect(what, got, body)
	}
}

// replay runs a capture through the tree. override, if not nil, replaces
// the notifications expected on some connections (where ZooKeeper 3.9
// deliberately differs from the 3.8 server that made the capture).
func replay(t *testing.T, name string, override map[int][]string, prefixes ...string) {
	tr, m := newTree(true)
	r := &replayer{t: t, tr: tr, watches: m, prefixes: prefixes, times: learnTimes(t, name),
		watchers: map[int]*recorder{}, events: map[int][]string{}}
	names := map[proto.EventType]string{
		proto.EventNodeCreated: "created", proto.EventNodeDeleted: "deleted",
		proto.EventNodeDataChanged: "data", proto.EventNodeChildrenChanged: "children",
	}
	frames(t, name, func(conn int, session int64, req clientRequest, rep proto.ReplyHeader, body []byte) {
		switch req.op {
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL,
			proto.OpDelete, proto.OpSetData, proto.OpSetACL, proto.OpMulti, proto.OpCloseSession:
			r.write(session, req, rep, body)
		default:
			r.read(conn, req, rep, body)
		}
	}, func(conn int, ev proto.WatcherEvent) {
		r.events[conn] = append(r.events[conn], names[ev.Type]+" "+ev.Path)
	}, func(conn int) {
		m.RemoveWatcher(r.watcher(conn))
	})
	for conn, want := range override {
		r.events[conn] = want
	}
	for conn, w := range r.watchers {
		got := w.unsorted()
		if !slices.Equal(got, r.events[conn]) {
			t.Errorf("conn %d notifications\n got %q\nwant %q", conn, got, r.events[conn])
		}
		r.checked += len(got)
	}
	if m.Count() != 0 {
		t.Errorf("%d watches left after every connection closed", m.Count())
	}
	if r.checked == 0 {
		t.Fatal("nothing compared")
	}
	t.Logf("%d replies and notifications compared", r.checked)
}

func TestReplayClientCaptures(t *testing.T) {
	tests := []struct {
		file     string
		prefixes []string
		override map[int][]string
	}{
		{"client/java-crud.jsonl", []string{"/crud"}, nil},
		{"client/java-multi.jsonl", []string{"/m"}, nil},
		{"client/java-ephemerals.jsonl", []string{"/eph"}, nil},
		{"client/zkcli-basic.jsonl", []string{"/zkc", "/zookeeper/quota/zkc"}, nil},
		{"client/gozk-basic.jsonl", []string{"/goz"}, nil},
		{"client/kazoo-basic.jsonl", []string{"/kz"}, nil},
		{"client/cmt-basic.jsonl", []string{"/cmt"}, nil},
		{"client/java-watch.jsonl", []string{"/w"}, nil},
		// getData with a watch on /pw, which already had a persistent watch,
		// turned that watch one-shot in 3.8 (in the data table only), so the
		// second and third setData of /pw went unnoticed there.
		{"client/java-pwatch.jsonl", []string{"/pw", "/pr"}, map[int][]string{1: {
			"data /pw", "data /pw", "created /pr/a", "created /pr/a/b", "data /pr/a/b", "deleted /pr/a/b", "data /pw", "deleted /pw",
		}}},
		{"client/java-reconnect1.jsonl", []string{"/rc"}, nil},
		// ZooKeeper 3.8 kept one watch mode per path and connection, so after
		// setWatches2 re-registered a child, a persistent and a recursive
		// watch on /rc only the recursive one fired. 3.9 keeps all three.
		{"client/java-reconnect.jsonl", []string{"/rc"}, map[int][]string{2: {
			"created /rc/new", "children /rc", "deleted /rc/new", "children /rc", "deleted /rc/eph", "children /rc",
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) { replay(t, tc.file, tc.override, tc.prefixes...) })
	}
}
