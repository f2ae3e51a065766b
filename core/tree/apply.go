package tree

import (
	"sort"

	"github.com/warrenzk/warren/core/proto"
)

// Result is the outcome of applying one txn, as DataTree.ProcessTxnResult.
type Result struct {
	Type  proto.Op    // the txn type (a failed multi's sub-results are OpError)
	Path  string      // the znode the txn names, if any
	Stat  *proto.Stat // the node's stat after create2/createContainer/createTTL, setData, setACL
	Err   proto.Err   // ErrOK, the ErrorTxn's code, or why the txn did not fit the tree
	Multi []Result    // per-op results of a multi
}

// errBadTxn is the result of a txn whose record does not match its type.
const errBadTxn = proto.ErrMarshallingError

// Apply applies one committed txn and fires its watch events. It must be
// called in zxid order, each txn once. A txn that does not fit the tree
// (a create whose node exists or whose parent is missing, a delete or
// setData of a missing node) changes nothing, or only what ZooKeeper's
// DataTree changes in that case, and reports NodeExists or NoNode: such
// txns occur when replaying a log over a fuzzy snapshot. LastZxid becomes
// hdr.Zxid if that is higher.
func (t *Tree) Apply(hdr *proto.TxnHeader, txn proto.Record) Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.apply(hdr, hdr.Type, txn)
	if hdr.Zxid > t.lastZxid.Load() {
		t.lastZxid.Store(hdr.Zxid)
	}
	return r
}

func (t *Tree) apply(hdr *proto.TxnHeader, typ proto.Op, txn proto.Record) Result {
	r := Result{Type: typ}
	switch typ {
	case proto.OpCreate, proto.OpCreate2:
		c, ok := txn.(*proto.CreateTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		var owner int64
		if c.Ephemeral {
			owner = hdr.ClientID
		}
		r.Path = c.Path
		r.Err = t.create(&r, typ == proto.OpCreate2, c.Path, c.Data, c.ACL, owner, c.ParentCversion, hdr)
		if typ == proto.OpCreate && r.Err == proto.ErrNodeExists {
			// ZooKeeper's processTxn: a create replayed over a fuzzy
			// snapshot whose node was deleted and recreated by another
			// session still moves the parent's cversion and pzxid on.
			if p, _, ok := split(c.Path); !ok || !t.bumpCversion(p, c.ParentCversion, hdr.Zxid) {
				r.Err = proto.ErrNoNode
			}
		}
	case proto.OpCreateContainer:
		c, ok := txn.(*proto.CreateContainerTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Path = c.Path
		r.Err = t.create(&r, true, c.Path, c.Data, c.ACL, ContainerOwner, c.ParentCversion, hdr)
	case proto.OpCreateTTL:
		c, ok := txn.(*proto.CreateTTLTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Path = c.Path
		owner, err := TTLOwner(c.TTL)
		if err != nil {
			r.Err = proto.ErrBadArguments
			break
		}
		r.Err = t.create(&r, true, c.Path, c.Data, c.ACL, owner, c.ParentCversion, hdr)
	case proto.OpDelete, proto.OpDeleteContainer:
		d, ok := txn.(*proto.DeleteTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Path = d.Path
		r.Err = t.delete(d.Path, hdr.Zxid)
	case proto.OpSetData, proto.OpReconfig:
		// A reconfig txn is a SetDataTxn on /zookeeper/config.
		s, ok := txn.(*proto.SetDataTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Path = s.Path
		r.Stat, r.Err = t.setData(s.Path, s.Data, s.Version, hdr.Zxid, hdr.Time)
	case proto.OpSetACL:
		s, ok := txn.(*proto.SetACLTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Path = s.Path
		r.Stat, r.Err = t.setACL(s.Path, s.ACL, s.Version)
	case proto.OpCheck:
		if c, ok := txn.(*proto.CheckVersionTxn); ok {
			r.Path = c.Path
		}
	case proto.OpError:
		e, ok := txn.(*proto.ErrorTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		r.Err = e.Err
	case proto.OpCloseSession:
		var paths []string
		if c, ok := txn.(*proto.CloseSessionTxn); ok && c != nil {
			paths = c.Paths
		}
		t.killSession(hdr.ClientID, hdr.Zxid, paths)
	case proto.OpMulti:
		m, ok := txn.(*proto.MultiTxn)
		if !ok {
			r.Err = errBadTxn
			break
		}
		t.applyMulti(hdr, m, &r)
	}
	return r
}

// applyMulti applies a multi's sub-txns in order. A multi holding an
// ErrorTxn failed in the preprocessor: every sub-txn is then treated as an
// ErrorTxn (OK before the first error, RuntimeInconsistency after it), as
// ZooKeeper does, so nothing changes and each op reports its code.
func (t *Tree) applyMulti(hdr *proto.TxnHeader, m *proto.MultiTxn, r *Result) {
	failed := false
	for _, sub := range m.Txns {
		if sub.Type == proto.OpError {
			failed = true
			break
		}
	}
	r.Multi = make([]Result, 0, len(m.Txns))
	postFailed := false
	for _, sub := range m.Txns {
		switch sub.Type {
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateTTL, proto.OpCreateContainer,
			proto.OpDelete, proto.OpDeleteContainer, proto.OpSetData, proto.OpCheck, proto.OpError:
		default:
			// ZooKeeper stops at an op that cannot be in a multi.
			r.Err = errBadTxn
			return
		}
		rec := proto.TxnRecord(sub.Type)
		d := proto.NewDecoder(sub.Data)
		rec.Decode(d)
		if d.Err() != nil {
			r.Err = errBadTxn
			return
		}
		typ := sub.Type
		if typ == proto.OpError {
			postFailed = true
		} else if failed {
			code := proto.ErrOK
			if postFailed {
				code = proto.ErrRuntimeInconsistency
			}
			typ, rec = proto.OpError, &proto.ErrorTxn{Err: code}
		}
		sr := t.apply(hdr, typ, rec)
		r.Multi = append(r.Multi, sr)
		if sr.Err != proto.ErrOK && r.Err == proto.ErrOK {
			r.Err = sr.Err
		}
	}
}

// create is DataTree.createNode. It fills r.Stat when withStat.
func (t *Tree) create(r *Result, withStat bool, path string, data []byte, acl []proto.ACL,
	owner int64, parentCversion int32, hdr *proto.TxnHeader) proto.Err {
	parentPath, name, ok := split(path)
	if !ok {
		return proto.ErrNoNode
	}
	parent := t.lookup(parentPath)
	if parent == 0 {
		return proto.ErrNoNode
	}
	if ValidatePath(path) != nil {
		// Unreachable through the preprocessor; refusing keeps a bad key
		// ("/a//b", "/a/.") out of the tree.
		return proto.ErrBadArguments
	}
	if kind := OwnerType(owner, t.extended); kind == EphemeralInvalid {
		return proto.ErrBadArguments
	}
	aclID := t.acls.intern(acl)
	if existing := t.s.index.find(t.s, parent, name); existing != 0 {
		// As DataTree: the replayed create's ACL replaces the node's.
		t.preserve(existing)
		t.acls.release(t.s.acl(t.s.at(existing)))
		t.s.setACL(existing, aclID)
		return proto.ErrNodeExists
	}
	p := t.s.at(parent)
	if parentCversion == -1 {
		parentCversion = p.stat.Cversion + 1
	}
	// Replaying over a fuzzy snapshot must not move cversion back.
	if parentCversion > p.stat.Cversion {
		t.preserve(parent)
		p.stat.Cversion = parentCversion
		p.stat.Pzxid = hdr.Zxid
	}
	// attach copies data: the txn's buffer may be reused by its owner.
	n := t.s.at(t.attach(parent, aclID, name, data))
	n.stat = proto.StatPersisted{
		Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Pzxid: hdr.Zxid,
		Ctime: hdr.Time, Mtime: hdr.Time,
		EphemeralOwner: owner,
	}
	t.dataSize += int64(len(path) + len(data))
	t.index(path, owner)
	t.quotaCreated(parentPath, name, path, int64(len(data)))
	if withStat {
		st := t.stat(n)
		r.Stat = &st
	}
	if t.watches != nil {
		t.watches.Trigger(path, proto.EventNodeCreated, t.acls.get(aclID))
		t.watches.Trigger(parentPath, proto.EventNodeChildrenChanged, t.acls.get(t.s.acl(p)))
	}
	return proto.ErrOK
}

// index records path in the ephemeral, container or TTL index its owner
// calls for.
func (t *Tree) index(path string, owner int64) {
	switch OwnerType(owner, t.extended) {
	case EphemeralContainer:
		t.containers[path] = struct{}{}
	case EphemeralTTL:
		t.ttls[path] = struct{}{}
	case EphemeralNormal:
		s := t.ephemerals[owner]
		if s == nil {
			s = make(map[string]struct{}, 1)
			t.ephemerals[owner] = s
		}
		s[path] = struct{}{}
	}
}

func (t *Tree) unindex(path string, owner int64) {
	switch OwnerType(owner, t.extended) {
	case EphemeralContainer:
		delete(t.containers, path)
	case EphemeralTTL:
		delete(t.ttls, path)
	case EphemeralNormal:
		if s := t.ephemerals[owner]; s != nil {
			delete(s, path)
			if len(s) == 0 {
				delete(t.ephemerals, owner)
			}
		}
	}
}

// bumpCversion is DataTree.setCversionPzxid; false if the node is missing.
func (t *Tree) bumpCversion(path string, cversion int32, zxid int64) bool {
	id := t.lookup(path)
	if id == 0 {
		return false
	}
	n := t.s.at(id)
	if cversion == -1 {
		cversion = n.stat.Cversion + 1
	}
	if cversion > n.stat.Cversion {
		t.preserve(id)
		n.stat.Cversion = cversion
		n.stat.Pzxid = zxid
	}
	return true
}

// delete is DataTree.deleteNode. As there, a delete of a missing child of an
// existing parent still moves the parent's pzxid forward (the child may have
// been deleted already in a fuzzy snapshot). Unlike there, a node that still
// has children is not deleted (ErrNotEmpty): ZooKeeper would leave its
// descendants unreachable in the node map.
func (t *Tree) delete(path string, zxid int64) proto.Err {
	parentPath, name, ok := split(path)
	if !ok {
		if path == RootPath {
			return proto.ErrBadArguments
		}
		return proto.ErrNoNode
	}
	parent := t.lookup(parentPath)
	if parent == 0 {
		return proto.ErrNoNode
	}
	id := t.s.index.find(t.s, parent, name)
	if id != 0 && t.s.at(id).kids != 0 {
		return proto.ErrNotEmpty
	}
	t.preserve(parent)
	p := t.s.at(parent)
	if zxid > p.stat.Pzxid {
		p.stat.Pzxid = zxid
	}
	if id == 0 {
		return proto.ErrNoNode
	}
	n := t.s.at(id)
	aclID, owner, dataLen := t.s.acl(n), n.stat.EphemeralOwner, t.s.dataLen(n)
	t.preserve(id)
	t.s.unlink(parent, id)
	t.s.remove(id)
	acl := t.acls.get(aclID)
	t.acls.release(aclID)
	t.dataSize -= int64(len(path) + dataLen)
	t.unindex(path, owner)
	t.quotaDeleted(parentPath, name, path, int64(dataLen))
	if t.watches != nil {
		t.watches.Trigger(path, proto.EventNodeDeleted, acl)
		t.watches.Trigger(parentPath, proto.EventNodeChildrenChanged, t.acls.get(t.s.acl(p)))
	}
	return proto.ErrOK
}

// setData is DataTree.setData: version is the txn's new version.
func (t *Tree) setData(path string, data []byte, version int32, zxid, time int64) (*proto.Stat, proto.Err) {
	id := t.lookup(path)
	if id == 0 {
		return nil, proto.ErrNoNode
	}
	t.preserve(id)
	n := t.s.at(id)
	diff := int64(len(data) - t.s.dataLen(n))
	t.s.setData(id, data)
	n.stat.Mtime = time
	n.stat.Mzxid = zxid
	n.stat.Version = version
	st := t.stat(n)
	t.dataSize += diff
	t.quotaAccount(path, diff, 0)
	if t.watches != nil {
		t.watches.Trigger(path, proto.EventNodeDataChanged, t.acls.get(t.s.acl(n)))
	}
	return &st, proto.ErrOK
}

// setACL is DataTree.setACL: version is the txn's new aversion.
func (t *Tree) setACL(path string, acl []proto.ACL, version int32) (*proto.Stat, proto.Err) {
	id := t.lookup(path)
	if id == 0 {
		return nil, proto.ErrNoNode
	}
	t.preserve(id)
	n := t.s.at(id)
	t.acls.release(t.s.acl(n))
	n.stat.Aversion = version
	t.s.setACL(id, t.acls.intern(acl))
	st := t.stat(n)
	return &st, proto.ErrOK
}

// killSession deletes a closed session's ephemerals (DataTree.killSession):
// first the paths the txn lists, then any other ephemeral the tree still
// knows for the session. Deletes that do not fit are skipped.
func (t *Tree) killSession(session, zxid int64, paths []string) {
	local := t.ephemerals[session]
	delete(t.ephemerals, session)
	for _, p := range paths {
		t.delete(p, zxid)
		delete(local, p)
	}
	rest := make([]string, 0, len(local))
	for p := range local {
		rest = append(rest, p)
	}
	sort.Strings(rest)
	for _, p := range rest {
		t.delete(p, zxid)
	}
}
