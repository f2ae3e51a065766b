package server

import (
	"context"
	"sort"
	"strings"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/watch"
)

// read answers a request from the local tree (FinalRequestProcessor's read
// cases) and returns the reply frame, or nil for none.
func (s *Server) read(c *conn, r *request) []byte {
	zxid := s.tree.LastZxid()
	// Pings count in the latencies, as in ZooKeeper's FinalRequestProcessor.
	defer s.observeRequest(r, zxid, false, false)
	if r.op == proto.OpPing {
		return encodeReply(proto.XidPing, zxid, proto.ErrOK, nil)
	}
	body, err := s.readOp(c, r.op, r.body, r.ids)
	code := proto.Code(err)
	if err != nil && code == proto.ErrSystemError {
		s.log.Error("read failed", "op", r.op, "err", err)
	}
	return encodeReply(r.xid, zxid, code, body)
}

// readPath maps a read's path to the tree's key: ZooKeeper keeps the root
// under "" as well as "/", so a read of "" answers for the root.
func readPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func (s *Server) readOp(c *conn, op proto.Op, body proto.Record, ids []proto.Id) (proto.Record, error) {
	watchIf := func(on bool) watch.Watcher {
		if on {
			return c
		}
		return nil
	}
	switch op {
	case proto.OpExists:
		req := body.(*proto.ExistsRequest)
		path := readPath(req.Path)
		if strings.IndexByte(path, 0) >= 0 {
			return nil, proto.ErrBadArguments
		}
		if n, ok := s.tree.Lookup(path); ok {
			if err := s.checkRead(c, n.ACL, proto.PermRead, ids); err != nil {
				return nil, err
			}
		}
		st, err := s.tree.Exists(path, watchIf(req.Watch))
		if err != nil {
			return nil, err
		}
		s.zk.observeRead(path, 0)
		return &proto.ExistsResponse{Stat: st}, nil

	case proto.OpGetData:
		req := body.(*proto.GetDataRequest)
		return s.getData(c, readPath(req.Path), req.Watch, ids)

	case proto.OpGetChildren:
		req := body.(*proto.GetChildrenRequest)
		children, _, err := s.getChildren(c, readPath(req.Path), req.Watch, ids)
		if err != nil {
			return nil, err
		}
		return &proto.GetChildrenResponse{Children: children}, nil

	case proto.OpGetChildren2:
		req := body.(*proto.GetChildren2Request)
		children, st, err := s.getChildren(c, readPath(req.Path), req.Watch, ids)
		if err != nil {
			return nil, err
		}
		return &proto.GetChildren2Response{Children: children, Stat: st}, nil

	case proto.OpGetACL:
		path := readPath(body.(*proto.GetACLRequest).Path)
		n, ok := s.tree.Lookup(path)
		if !ok {
			return nil, proto.ErrNoNode
		}
		if err := s.checkRead(c, n.ACL, proto.PermRead|proto.PermAdmin, ids); err != nil {
			return nil, err
		}
		acl, st, err := s.tree.GetACL(path)
		if err != nil {
			return nil, err
		}
		if s.checkRead(c, acl, proto.PermAdmin, ids) != nil {
			acl = maskDigests(acl) // without ADMIN, digest hashes are hidden
		}
		return &proto.GetACLResponse{ACL: acl, Stat: st}, nil

	case proto.OpGetAllChildrenNumber:
		path := readPath(body.(*proto.GetAllChildrenNumberRequest).Path)
		n, ok := s.tree.Lookup(path)
		if !ok {
			return nil, proto.ErrNoNode
		}
		if err := s.checkRead(c, n.ACL, proto.PermRead, ids); err != nil {
			return nil, err
		}
		num, err := s.tree.AllChildrenNumber(path)
		if err != nil {
			return nil, err
		}
		return &proto.GetAllChildrenNumberResponse{TotalNumber: num}, nil

	case proto.OpGetEphemerals:
		prefix := strings.TrimSpace(body.(*proto.GetEphemeralsRequest).PrefixPath)
		all := s.tree.Ephemerals(c.sessionID())
		out := make([]string, 0, len(all))
		for _, p := range all {
			if prefix == "" || prefix == "/" || strings.HasPrefix(p, prefix) {
				out = append(out, p)
			}
		}
		return &proto.GetEphemeralsResponse{Ephemerals: out}, nil

	case proto.OpWhoAmI:
		infos := make([]proto.ClientInfo, 0, len(ids))
		for _, id := range auth.SessionOrder(ids) { // ZooKeeper lists its id set in hash order
			infos = append(infos, proto.ClientInfo{AuthScheme: id.Scheme, User: userName(id)})
		}
		return &proto.WhoAmIResponse{ClientInfo: infos}, nil

	case proto.OpSetWatches:
		req := body.(*proto.SetWatches)
		s.tree.SetWatches(req.RelativeZxid, req.DataWatches, req.ExistWatches, req.ChildWatches, nil, nil, c)
		return nil, nil

	case proto.OpSetWatches2:
		req := body.(*proto.SetWatches2)
		s.tree.SetWatches(req.RelativeZxid, req.DataWatches, req.ExistWatches, req.ChildWatches,
			req.PersistentWatches, req.PersistentRecursiveWatches, c)
		return nil, nil

	case proto.OpAddWatch:
		req := body.(*proto.AddWatchRequest)
		if req.Mode != proto.AddWatchPersistent && req.Mode != proto.AddWatchPersistentRecursive {
			return nil, proto.ErrMarshallingError // ZooKeeper fails decoding an unknown AddWatchMode
		}
		s.watches.AddPersistent(req.Path, c, req.Mode == proto.AddWatchPersistentRecursive)
		return &proto.ErrorResponse{Err: proto.ErrOK}, nil

	case proto.OpCheckWatches:
		req := body.(*proto.CheckWatchesRequest)
		if !s.watches.Contains(req.Path, c, req.Type) {
			return nil, proto.ErrNoWatcher
		}
		return nil, nil

	case proto.OpRemoveWatches:
		req := body.(*proto.RemoveWatchesRequest)
		if !s.watches.Remove(req.Path, c, req.Type) {
			return nil, proto.ErrNoWatcher
		}
		return nil, nil

	case proto.OpMultiRead:
		return s.multiRead(c, body.(*proto.MultiRequest), ids)
	}
	return nil, proto.ErrUnimplemented
}

// getData checks READ before anything else, as ZooKeeper does, and does
// not hold the tree's lock across the check (an ACL plugin may be asked).
// Without a watch one lookup serves both; with one, the data is read again
// as the watch is set, so that no change falls between the two.
func (s *Server) getData(c *conn, path string, watchOn bool, ids []proto.Id) (*proto.GetDataResponse, error) {
	data, st, acl, err := s.tree.GetDataACL(path)
	if err != nil {
		return nil, err
	}
	if err := s.checkRead(c, acl, proto.PermRead, ids); err != nil {
		return nil, err
	}
	if watchOn {
		if data, st, err = s.tree.GetData(path, c); err != nil {
			return nil, err
		}
	}
	s.zk.observeRead(path, len(data))
	return &proto.GetDataResponse{Data: data, Stat: st}, nil
}

func (s *Server) getChildren(c *conn, path string, watchOn bool, ids []proto.Id) ([]string, proto.Stat, error) {
	n, ok := s.tree.Lookup(path)
	if !ok {
		return nil, proto.Stat{}, proto.ErrNoNode
	}
	if err := s.checkRead(c, n.ACL, proto.PermRead, ids); err != nil {
		return nil, proto.Stat{}, err
	}
	var w watch.Watcher
	if watchOn {
		w = c
	}
	children, st, err := s.tree.GetChildren(path, w)
	if err == nil {
		n := 0
		for _, child := range children {
			n += len(child)
		}
		s.zk.observeRead(path, n)
	}
	return children, st, err
}

// multiRead answers each read of a multiRead; a failing read becomes an
// ErrorResult and the others still run. The reads' watch flags are ignored:
// ZooKeeper's MultiOperationRecord keeps only their paths.
func (s *Server) multiRead(c *conn, m *proto.MultiRequest, ids []proto.Id) (proto.Record, error) {
	out := &proto.MultiResponse{Results: make([]proto.MultiResult, 0, len(m.Ops))}
	for _, op := range m.Ops {
		var (
			rec proto.Record
			err error
		)
		switch req := op.Record.(type) {
		case *proto.GetDataRequest:
			rec, err = s.getData(c, readPath(req.Path), false, ids)
		case *proto.GetChildrenRequest:
			var children []string
			children, _, err = s.getChildren(c, readPath(req.Path), false, ids)
			rec = &proto.GetChildrenResponse{Children: children}
		default:
			return nil, proto.ErrMarshallingError // ZooKeeper: "Invalid type of readOp"
		}
		if err != nil {
			code := proto.Code(err)
			out.Results = append(out.Results, proto.MultiResult{Type: proto.OpError, Err: code, Record: &proto.ErrorResponse{Err: code}})
			continue
		}
		out.Results = append(out.Results, proto.MultiResult{Type: op.Type, Record: rec})
	}
	return out, nil
}

func (s *Server) checkRead(c *conn, acl []proto.ACL, perm int32, ids []proto.Id) error {
	return s.checker.Check(context.Background(), c.info, acl, perm, ids)
}

// maskDigests hides digest hashes from a client without ADMIN, as
// ZooKeeper's getACL does ("user:x").
func maskDigests(acl []proto.ACL) []proto.ACL {
	out := make([]proto.ACL, len(acl))
	for i, a := range acl {
		out[i] = a
		if a.ID.Scheme == "digest" {
			out[i].ID.ID = auth.MaskDigest(a.ID.ID)
		}
	}
	return out
}

// userName is what whoAmI reports for an id: digest ids show the user only.
func userName(id proto.Id) string {
	if id.Scheme == "digest" {
		if j := strings.IndexByte(id.ID, ':'); j >= 0 {
			return id.ID[:j]
		}
	}
	return id.ID
}

// sortedKeys is a small helper for deterministic 4lw output.
func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
