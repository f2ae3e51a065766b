package server

import (
	"context"
	"fmt"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// toTxn turns one write request into its txn at zxid, projecting its effect
// into the prep view. It follows PrepRequestProcessor.pRequest2Txn check for
// check, so that every error is the one ZooKeeper reports. The caller holds
// prepMu.
func (s *Server) toTxn(r *request, op proto.Op, body proto.Record, zxid, now int64) (proto.Record, error) {
	v := s.prep
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		return s.createTxn(r, op, body, zxid, now)

	case proto.OpDeleteContainer:
		if r.conn != nil {
			// Only the container reaper may delete containers. ZooKeeper
			// preps a client's deleteContainer like its own (raw-badinput
			// seq 31: BadArguments for "/", as an error txn with a zxid);
			// Warren refuses every path, at the same cost of one zxid.
			return nil, fmt.Errorf("%w: deleteContainer is server-internal", proto.ErrBadArguments)
		}
		path := body.(*proto.DeleteRequest).Path
		parent, err := parentForDelete(path)
		if err != nil {
			return nil, err
		}
		node, err := v.record(path)
		if err != nil {
			return nil, err
		}
		if node.childCount > 0 {
			return nil, proto.ErrNotEmpty
		}
		if _, ok := tree.EphemeralSession(node.stat.EphemeralOwner); ok || node.stat.EphemeralOwner == 0 {
			return nil, proto.ErrBadVersion // not a container or TTL node
		}
		return s.deleteTxn(path, parent, zxid)

	case proto.OpDelete:
		if err := s.checkSession(r); err != nil {
			return nil, err
		}
		req := body.(*proto.DeleteRequest)
		parent, err := parentForDelete(req.Path)
		if err != nil {
			return nil, err
		}
		prec, err := v.record(parent)
		if err != nil {
			return nil, err
		}
		if err := s.checkACL(r, prec.acl, proto.PermDelete); err != nil {
			return nil, err
		}
		node, err := v.record(req.Path)
		if err != nil {
			return nil, err
		}
		if _, err := checkAndIncVersion(node.stat.Version, req.Version); err != nil {
			return nil, err
		}
		if node.childCount > 0 {
			return nil, proto.ErrNotEmpty
		}
		return s.deleteTxn(req.Path, parent, zxid)

	case proto.OpSetData:
		if err := s.checkSession(r); err != nil {
			return nil, err
		}
		req := body.(*proto.SetDataRequest)
		if err := validatePath(req.Path); err != nil {
			return nil, err
		}
		node, err := v.record(req.Path)
		if err != nil {
			return nil, err
		}
		if err := s.checkACL(r, node.acl, proto.PermWrite); err != nil {
			return nil, err
		}
		version, err := checkAndIncVersion(node.stat.Version, req.Version)
		if err != nil {
			return nil, err
		}
		n := node.duplicate(zxid)
		n.stat.Version, n.stat.Mtime, n.stat.Mzxid = version, now, zxid
		v.add(n)
		return &proto.SetDataTxn{Path: req.Path, Data: req.Data, Version: version}, nil

	case proto.OpSetACL:
		if err := s.checkSession(r); err != nil {
			return nil, err
		}
		req := body.(*proto.SetACLRequest)
		if err := validatePath(req.Path); err != nil {
			return nil, err
		}
		acl, err := s.checker.FixupACL(req.Path, r.ids, req.ACL)
		if err != nil {
			return nil, err
		}
		node, err := v.record(req.Path)
		if err != nil {
			return nil, err
		}
		if err := s.checkACL(r, node.acl, proto.PermAdmin); err != nil {
			return nil, err
		}
		version, err := checkAndIncVersion(node.stat.Aversion, req.Version)
		if err != nil {
			return nil, err
		}
		n := node.duplicate(zxid)
		n.stat.Aversion, n.acl = version, acl
		v.add(n)
		return &proto.SetACLTxn{Path: req.Path, ACL: acl, Version: version}, nil

	case proto.OpCheck:
		if err := s.checkSession(r); err != nil {
			return nil, err
		}
		req := body.(*proto.CheckVersionRequest)
		if err := validatePath(req.Path); err != nil {
			return nil, err
		}
		node, err := v.record(req.Path)
		if err != nil {
			return nil, err
		}
		if err := s.checkACL(r, node.acl, proto.PermRead); err != nil {
			return nil, err
		}
		version, err := checkAndIncVersion(node.stat.Version, req.Version)
		if err != nil {
			return nil, err
		}
		return &proto.CheckVersionTxn{Path: req.Path, Version: version}, nil

	case proto.OpMulti:
		// A multi gets here only when ZooKeeper could not read it as one.
		return nil, fmt.Errorf("%w: %v", proto.ErrMarshallingError, body.(*refusedMulti).why)

	case proto.OpReconfig:
		// A standalone server, like ZooKeeper's with reconfigEnabled=false.
		return nil, proto.ErrReconfigDisabled

	case proto.OpCreateSession:
		return &proto.CreateSessionTxn{TimeOut: r.timeout}, nil

	case proto.OpCloseSession:
		paths := v.ephemeralsOf(r.session)
		for _, p := range paths {
			v.add(&changeRecord{zxid: zxid, path: p, deleted: true})
		}
		s.sessions.setClosing(r.session)
		return &proto.CloseSessionTxn{Paths: paths}, nil
	}
	return nil, fmt.Errorf("%w: %v is not a write", proto.ErrUnimplemented, op)
}

// createTxn is pRequest2TxnCreate.
func (s *Server) createTxn(r *request, op proto.Op, body proto.Record, zxid, now int64) (proto.Record, error) {
	var (
		path  string
		data  []byte
		acl   []proto.ACL
		flags proto.CreateMode
		ttl   int64 = -1
	)
	switch req := body.(type) {
	case *proto.CreateTTLRequest:
		path, data, acl, flags, ttl = req.Path, req.Data, req.ACL, req.Flags, req.TTL
	case *proto.CreateRequest:
		path, data, acl, flags = req.Path, req.Data, req.ACL, req.Flags
	}
	if !flags.Valid() {
		return nil, proto.ErrBadArguments
	}
	if err := s.validateCreate(r, op, flags, ttl); err != nil {
		return nil, err
	}
	parentPath, err := parentOf(path)
	if err != nil {
		return nil, err
	}
	acl, err = s.checker.FixupACL(path, r.ids, acl)
	if err != nil {
		return nil, err
	}
	parent, err := s.prep.record(parentPath)
	if err != nil {
		return nil, err
	}
	if err := s.checkACL(r, parent.acl, proto.PermCreate); err != nil {
		return nil, err
	}
	if flags.Sequential() {
		path = fmt.Sprintf("%s%010d", path, parent.stat.Cversion)
	}
	if err := validatePath(path); err != nil {
		return nil, err
	}
	if _, err := s.prep.record(path); err == nil {
		return nil, proto.ErrNodeExists
	}
	if _, ok := tree.EphemeralSession(parent.stat.EphemeralOwner); ok {
		return nil, proto.ErrNoChildrenForEphemerals
	}
	cversion := parent.stat.Cversion + 1

	owner := int64(0)
	var txn proto.Record
	switch {
	case op == proto.OpCreateContainer:
		owner = tree.ContainerOwner
		txn = &proto.CreateContainerTxn{Path: path, Data: data, ACL: acl, ParentCversion: cversion}
	case op == proto.OpCreateTTL:
		owner, _ = tree.TTLOwner(ttl) // validated above
		txn = &proto.CreateTTLTxn{Path: path, Data: data, ACL: acl, ParentCversion: cversion, TTL: ttl}
	default:
		if flags.Ephemeral() {
			owner = r.session
		}
		txn = &proto.CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: flags.Ephemeral(), ParentCversion: cversion}
	}

	p := parent.duplicate(zxid)
	p.childCount++
	p.stat.Cversion, p.stat.Pzxid = cversion, zxid
	s.prep.add(p)
	s.prep.add(&changeRecord{zxid: zxid, path: path, acl: acl, stat: proto.StatPersisted{
		Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: now, Mtime: now, EphemeralOwner: owner,
	}})
	return txn, nil
}

// validateCreate is validateCreateRequest plus the op/mode pairing rules of
// ZooKeeper's request records: containers only through createContainer, TTL
// modes only through createTTL.
func (s *Server) validateCreate(r *request, op proto.Op, mode proto.CreateMode, ttl int64) error {
	if mode.TTL() && !s.cfg.ExtendedTypes {
		return proto.ErrUnimplemented
	}
	// ZooKeeper does not pair the container mode with its opcode: the
	// opcode decides the txn (createContainer makes a container whatever the
	// flags), while TTL modes need createTTL's ttl field.
	if mode.TTL() != (op == proto.OpCreateTTL) {
		return proto.ErrBadArguments
	}
	if mode.TTL() {
		if _, err := tree.TTLOwner(ttl); err != nil {
			return proto.ErrBadArguments
		}
	}
	return s.checkSession(r)
}

func (s *Server) deleteTxn(path, parentPath string, zxid int64) (proto.Record, error) {
	parent, err := s.prep.record(parentPath)
	if err != nil {
		return nil, err
	}
	p := parent.duplicate(zxid)
	p.childCount--
	p.stat.Pzxid = zxid
	s.prep.add(p)
	s.prep.add(&changeRecord{zxid: zxid, path: path, deleted: true})
	return &proto.DeleteTxn{Path: path}, nil
}

// multiTxn preps every op of a multi at one zxid. On the first failure the
// failing op becomes an ErrorTxn with its code, the remaining ones
// RuntimeInconsistency, and the prep view is rolled back; the earlier ops
// keep their txns, which the tree turns into results of 0 when it sees the
// error, as ZooKeeper logs and applies a failed multi.
func (s *Server) multiTxn(r *request, m *proto.MultiRequest, zxid, now int64) (*proto.MultiTxn, error) {
	paths := make([]string, 0, len(m.Ops))
	for _, op := range m.Ops {
		paths = append(paths, opPath(op.Record))
	}
	saved := s.prep.snapshot(paths)
	out := &proto.MultiTxn{Txns: make([]proto.Txn, 0, len(m.Ops))}
	var failed error
	for _, op := range m.Ops {
		if failed != nil {
			out.Txns = append(out.Txns, errorSubTxn(proto.ErrRuntimeInconsistency))
			continue
		}
		typ := multiOpType(op)
		txn, err := s.toTxn(r, typ, op.Record, zxid, now)
		if err != nil {
			failed = err
			s.prep.rollback(zxid, saved)
			out.Txns = append(out.Txns, errorSubTxn(proto.Code(err)))
			continue
		}
		out.Txns = append(out.Txns, proto.Txn{Type: typ, Data: proto.Marshal(txn)})
	}
	return out, failed
}

// refusedMulti stands for the body of a multi (14) that ZooKeeper cannot
// read as one. Its prep fails with MarshallingError as an error txn with a
// zxid of its own, as ZooKeeper's does: PrepRequestProcessor gives a multi
// its TxnHeader before it reads the ops.
type refusedMulti struct{ why error }

func (*refusedMulti) Encode(*proto.Encoder) {}
func (*refusedMulti) Decode(*proto.Decoder) {}

// unreadableMulti reports why ZooKeeper would refuse m, decoded with
// decodeErr, as the body of a multi (14), or nil. MultiOperationRecord
// fails on an op type it does not know, on reads mixed with writes
// ("Mixing different kind of ops"), and on a create, create2 or
// createContainer whose flags are no create mode or a TTL mode, which needs
// the ttl only createTTL carries (3.9; 3.8 fails the same TTL ops later, on
// a cast in prep). A multi of reads only decodes, then fails in prep, where
// a read leaves no txn to serialise.
func unreadableMulti(m *proto.MultiRequest, decodeErr error) error {
	if decodeErr != nil {
		return decodeErr
	}
	for _, op := range m.Ops {
		switch op.Type {
		case proto.OpGetData, proto.OpGetChildren:
			return fmt.Errorf("%v in a multi: use multiRead for reads", op.Type)
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer:
			if mode := op.Record.(*proto.CreateRequest).Flags; !mode.Valid() || mode.TTL() {
				return fmt.Errorf("%v with create mode %d in a multi", op.Type, mode)
			}
		}
	}
	return nil
}

// multiOpType is what ZooKeeper 3.9 makes of a create inside a multi. Unlike
// a create sent alone, whose opcode decides, the create mode does
// (Op.Create's type): a container mode makes a createContainer whatever the
// opcode, a createTTL whose mode is not a TTL mode is a plain create (or a
// createContainer), and create2 stays create2 (ZOOKEEPER-4026; 3.8 decayed
// it, and createContainer with another mode, to create).
func multiOpType(op proto.MultiOp) proto.Op {
	switch r := op.Record.(type) {
	case *proto.CreateRequest:
		if r.Flags.Container() {
			return proto.OpCreateContainer
		}
	case *proto.CreateTTLRequest:
		switch {
		case r.Flags.TTL():
			return proto.OpCreateTTL
		case r.Flags.Container():
			return proto.OpCreateContainer
		default:
			return proto.OpCreate
		}
	}
	return op.Type
}

func errorSubTxn(code proto.Err) proto.Txn {
	return proto.Txn{Type: proto.OpError, Data: proto.Marshal(&proto.ErrorTxn{Err: code})}
}

// opPath is the path a multi op names.
func opPath(r proto.Record) string {
	switch v := r.(type) {
	case *proto.CreateRequest:
		return v.Path
	case *proto.CreateTTLRequest:
		return v.Path
	case *proto.DeleteRequest:
		return v.Path
	case *proto.SetDataRequest:
		return v.Path
	case *proto.CheckVersionRequest:
		return v.Path
	case *proto.GetDataRequest:
		return v.Path
	case *proto.GetChildrenRequest:
		return v.Path
	}
	return ""
}

// checkSession fails writes of a session that is unknown or closing, as
// SessionTracker.checkSession does. Internal requests (session 0) pass.
func (s *Server) checkSession(r *request) error {
	if r.session == 0 {
		return nil
	}
	return s.sessions.check(r.session)
}

// checkACL checks perm against acl for the request's identities.
func (s *Server) checkACL(r *request, acl []proto.ACL, perm int32) error {
	if r.conn == nil {
		return nil // the server's own requests (expiry, containers)
	}
	return s.checker.Check(context.Background(), r.conn.info, acl, perm, r.ids)
}
