package main

// Jute, ZooKeeper's record encoding, written by hand for the raw client:
// opcodes and error names, a writer and a reader for the primitives, and the
// request and response records the differential tests send and decode.

import (
	"encoding/binary"
	"fmt"
)

// Opcodes used by the raw client (zookeeper.jute / ZooDefs.OpCode).
const (
	opCreate          = 1
	opDelete          = 2
	opExists          = 3
	opGetData         = 4
	opSetData         = 5
	opGetACL          = 6
	opSetACL          = 7
	opGetChildren     = 8
	opSync            = 9
	opPing            = 11
	opGetChildren2    = 12
	opCheck           = 13
	opMulti           = 14
	opCreate2         = 15
	opReconfig        = 16
	opCheckWatches    = 17
	opRemoveWatches   = 18
	opCreateContainer = 19
	opDeleteContainer = 20
	opCreateTTL       = 21
	opMultiRead       = 22
	opAuth            = 100
	opGetEphemerals   = 103
	opGetAllChildren  = 104
	opAddWatch        = 106
	opWhoAmI          = 107
	opCloseSession    = -11
)

// errNames are ZooKeeper's error codes by the names KeeperException uses.
var errNames = map[int32]string{
	0: "OK", -1: "SystemError", -2: "RuntimeInconsistency", -3: "DataInconsistency",
	-4: "ConnectionLoss", -5: "MarshallingError", -6: "Unimplemented",
	-7: "OperationTimeout", -8: "BadArguments", -12: "UnknownSession",
	-13: "NewConfigNoQuorum", -14: "ReconfigInProgress", -100: "APIError",
	-101: "NoNode", -102: "NoAuth", -103: "BadVersion", -108: "NoChildrenForEphemerals",
	-110: "NodeExists", -111: "NotEmpty", -112: "SessionExpired", -113: "InvalidCallback",
	-114: "InvalidACL", -115: "AuthFailed", -118: "SessionMoved", -119: "NotReadOnly",
	-120: "EphemeralOnLocalSession", -121: "NoWatcher", -122: "RequestTimeout",
	-123: "ReconfigDisabled", -124: "SessionClosedRequireSasl", -125: "QuotaExceeded",
	-127: "Throttled",
}

func errName(code int32) string {
	if n, ok := errNames[code]; ok {
		return n
	}
	return fmt.Sprintf("err(%d)", code)
}

// eventNames are WatcherEvent types.
var eventNames = map[int32]string{
	-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged",
	4: "NodeChildrenChanged", 5: "DataWatchRemoved", 6: "ChildWatchRemoved",
	7: "PersistentWatchRemoved",
}

// jw builds a jute record.
type jw struct{ b []byte }

func (w *jw) i32(v int32) *jw { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)); return w }
func (w *jw) i64(v int64) *jw { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)); return w }

func (w *jw) boolean(v bool) *jw {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
	return w
}

func (w *jw) str(s string) *jw { w.i32(int32(len(s))); w.b = append(w.b, s...); return w }

// buf writes a buffer; nil is written as -1, as ZooKeeper writes null.
func (w *jw) buf(b []byte) *jw {
	if b == nil {
		return w.i32(-1)
	}
	w.i32(int32(len(b)))
	w.b = append(w.b, b...)
	return w
}

func (w *jw) strs(ss []string) *jw {
	w.i32(int32(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
	return w
}

// acl is one ACL entry.
type acl struct {
	perms      int32
	scheme, id string
}

func (a acl) String() string { return fmt.Sprintf("%s:%s=%d", a.scheme, a.id, a.perms) }

var openACL = []acl{{31, "world", "anyone"}}

func (w *jw) acls(as []acl) *jw {
	w.i32(int32(len(as)))
	for _, a := range as {
		w.i32(a.perms).str(a.scheme).str(a.id)
	}
	return w
}

// jr reads a jute record; the first error sticks and later reads return
// zero values.
type jr struct {
	b   []byte
	err error
}

func (r *jr) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("record too short: want %d bytes, have %d", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *jr) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *jr) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *jr) boolean() bool {
	if b := r.take(1); b != nil {
		return b[0] != 0
	}
	return false
}

// buf reads a buffer; -1 is returned as nil.
func (r *jr) buf() []byte {
	n := r.i32()
	if n == -1 || r.err != nil {
		return nil
	}
	return append([]byte{}, r.take(int(n))...)
}

func (r *jr) str() string { return string(r.buf()) }

func (r *jr) strs() []string {
	n := r.i32()
	if n < 0 || r.err != nil {
		return nil
	}
	out := []string{}
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, r.str())
	}
	return out
}

func (r *jr) acls() []acl {
	n := r.i32()
	var out []acl
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, acl{perms: r.i32(), scheme: r.str(), id: r.str()})
	}
	return out
}

// stat is the Stat record.
type stat struct {
	Czxid, Mzxid, Ctime, Mtime  int64
	Version, Cversion, Aversion int32
	EphemeralOwner              int64
	DataLength, NumChildren     int32
	Pzxid                       int64
}

func (r *jr) stat() stat {
	return stat{
		Czxid: r.i64(), Mzxid: r.i64(), Ctime: r.i64(), Mtime: r.i64(),
		Version: r.i32(), Cversion: r.i32(), Aversion: r.i32(),
		EphemeralOwner: r.i64(), DataLength: r.i32(), NumChildren: r.i32(),
		Pzxid: r.i64(),
	}
}

// Request bodies.

func pathWatch(path string, watch bool) []byte { return (&jw{}).str(path).boolean(watch).b }
func pathOnly(path string) []byte              { return (&jw{}).str(path).b }

func createBody(path string, data []byte, acls []acl, flags int32) []byte {
	return (&jw{}).str(path).buf(data).acls(acls).i32(flags).b
}

func createTTLBody(path string, data []byte, acls []acl, flags int32, ttl int64) []byte {
	return (&jw{}).str(path).buf(data).acls(acls).i32(flags).i64(ttl).b
}

func pathVersion(path string, version int32) []byte { return (&jw{}).str(path).i32(version).b }

func setDataBody(path string, data []byte, version int32) []byte {
	return (&jw{}).str(path).buf(data).i32(version).b
}

func setACLBody(path string, acls []acl, version int32) []byte {
	return (&jw{}).str(path).acls(acls).i32(version).b
}

func authBody(scheme, auth string) []byte { return (&jw{}).i32(0).str(scheme).buf([]byte(auth)).b }

func pathMode(path string, mode int32) []byte { return (&jw{}).str(path).i32(mode).b }

// multiOp is one operation of a multi or multiRead.
type multiOp struct {
	op   int32
	body []byte
}

func multiBody(ops ...multiOp) []byte {
	w := &jw{}
	for _, o := range ops {
		w.i32(o.op).boolean(false).i32(-1)
		w.b = append(w.b, o.body...)
	}
	return w.i32(-1).boolean(true).i32(-1).b
}

// multiResult is one per-op result of a multi reply.
type multiResult struct {
	Op       int32
	Err      int32
	Path     string
	Stat     *stat
	Data     []byte
	Children []string
}

// readMulti decodes a multi or multiRead response.
func readMulti(r *jr) ([]multiResult, error) {
	var out []multiResult
	for r.err == nil {
		typ, done, err := r.i32(), r.boolean(), r.i32()
		if done {
			break
		}
		res := multiResult{Op: typ, Err: err}
		switch typ {
		case -1:
			res.Err = r.i32()
		case opCreate:
			res.Path = r.str()
		case opCreate2, opCreateContainer, opCreateTTL:
			res.Path = r.str()
			st := r.stat()
			res.Stat = &st
		case opSetData:
			st := r.stat()
			res.Stat = &st
		case opGetData:
			res.Data = r.buf()
			st := r.stat()
			res.Stat = &st
		case opGetChildren:
			res.Children = r.strs()
		case opDelete, opCheck:
		default:
			return out, fmt.Errorf("multi result of unknown type %d", typ)
		}
		out = append(out, res)
	}
	return out, r.err
}
