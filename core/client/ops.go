package client

import (
	"context"

	"github.com/warrenzk/warren/core/proto"
)

// Typed helpers for the common operations; each is one Do. Errors are
// proto.Err values (errors.Is(err, proto.ErrNoNode)) or the Conn's failure.

// Create creates path with data and returns the path created (which has a
// sequence suffix for sequential modes). A nil acl means world:anyone, all.
func (c *Conn) Create(ctx context.Context, path string, data []byte, mode proto.CreateMode, acl []proto.ACL) (string, error) {
	if acl == nil {
		acl = proto.OpenACLUnsafe
	}
	req := proto.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode}
	var resp proto.CreateResponse
	_, err := c.Do(ctx, proto.OpCreate, &req, &resp)
	return resp.Path, err
}

// Get returns the data and stat of path.
func (c *Conn) Get(ctx context.Context, path string) ([]byte, proto.Stat, error) {
	req := proto.GetDataRequest{Path: path}
	var resp proto.GetDataResponse
	_, err := c.Do(ctx, proto.OpGetData, &req, &resp)
	return resp.Data, resp.Stat, err
}

// Set replaces the data of path if its version is version (-1: any).
func (c *Conn) Set(ctx context.Context, path string, data []byte, version int32) (proto.Stat, error) {
	req := proto.SetDataRequest{Path: path, Data: data, Version: version}
	var resp proto.SetDataResponse
	_, err := c.Do(ctx, proto.OpSetData, &req, &resp)
	return resp.Stat, err
}

// Exists reports whether path exists, with its stat when it does.
func (c *Conn) Exists(ctx context.Context, path string) (bool, proto.Stat, error) {
	req := proto.ExistsRequest{Path: path}
	var resp proto.ExistsResponse
	_, err := c.Do(ctx, proto.OpExists, &req, &resp)
	if err == proto.ErrNoNode {
		return false, proto.Stat{}, nil
	}
	return err == nil, resp.Stat, err
}

// Delete deletes path if its version is version (-1: any).
func (c *Conn) Delete(ctx context.Context, path string, version int32) error {
	req := proto.DeleteRequest{Path: path, Version: version}
	_, err := c.Do(ctx, proto.OpDelete, &req, nil)
	return err
}

// Children returns the names of path's children, in the server's order.
func (c *Conn) Children(ctx context.Context, path string) ([]string, error) {
	req := proto.GetChildrenRequest{Path: path}
	var resp proto.GetChildrenResponse
	_, err := c.Do(ctx, proto.OpGetChildren, &req, &resp)
	return resp.Children, err
}

// Multi runs ops atomically. A multi that fails as a whole still answers
// with a nil error and one result per op (ZooKeeper's form); FirstError
// picks out the failing op's code.
func (c *Conn) Multi(ctx context.Context, ops ...proto.MultiOp) ([]proto.MultiResult, error) {
	req := proto.MultiRequest{Ops: ops}
	var resp proto.MultiResponse
	_, err := c.Do(ctx, proto.OpMulti, &req, &resp)
	return resp.Results, err
}

// FirstError returns the code of the first failed result of a multi, or nil.
func FirstError(results []proto.MultiResult) error {
	for _, r := range results {
		if r.Err != proto.ErrOK && r.Err != proto.ErrRuntimeInconsistency {
			return r.Err
		}
	}
	return nil
}

// The helpers below are the rest of the client API, with watches: what a
// shell such as `warren cli` needs. A watch parameter leaves a one-shot watch
// whose notification reaches Options.OnEvent.

// CreateMode creates path as Create does, choosing the opcode the mode
// needs (createContainer, createTTL with ttl in milliseconds, else create),
// and returns the path created. Unlike Create, acl is sent as it is.
func (c *Conn) CreateMode(ctx context.Context, path string, data []byte, mode proto.CreateMode, acl []proto.ACL, ttl int64) (string, error) {
	var err error
	switch {
	case mode.TTL():
		req := proto.CreateTTLRequest{Path: path, Data: data, ACL: acl, Flags: mode, TTL: ttl}
		var resp proto.Create2Response
		_, err = c.Do(ctx, proto.OpCreateTTL, &req, &resp)
		return resp.Path, err
	case mode.Container():
		req := proto.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode}
		var resp proto.Create2Response
		_, err = c.Do(ctx, proto.OpCreateContainer, &req, &resp)
		return resp.Path, err
	}
	req := proto.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode}
	var resp proto.CreateResponse
	_, err = c.Do(ctx, proto.OpCreate, &req, &resp)
	return resp.Path, err
}

// GetData is Get, optionally leaving a data watch on path.
func (c *Conn) GetData(ctx context.Context, path string, watch bool) ([]byte, proto.Stat, error) {
	req := proto.GetDataRequest{Path: path, Watch: watch}
	var resp proto.GetDataResponse
	_, err := c.Do(ctx, proto.OpGetData, &req, &resp)
	return resp.Data, resp.Stat, err
}

// Stat returns path's stat, optionally leaving a data watch, which exists
// leaves even when path does not exist (then the error is proto.ErrNoNode).
func (c *Conn) Stat(ctx context.Context, path string, watch bool) (proto.Stat, error) {
	req := proto.ExistsRequest{Path: path, Watch: watch}
	var resp proto.ExistsResponse
	_, err := c.Do(ctx, proto.OpExists, &req, &resp)
	return resp.Stat, err
}

// Children2 returns the names of path's children and path's stat,
// optionally leaving a child watch (getChildren2).
func (c *Conn) Children2(ctx context.Context, path string, watch bool) ([]string, proto.Stat, error) {
	req := proto.GetChildren2Request{Path: path, Watch: watch}
	var resp proto.GetChildren2Response
	_, err := c.Do(ctx, proto.OpGetChildren2, &req, &resp)
	return resp.Children, resp.Stat, err
}

// GetACL returns the ACL of path and its stat.
func (c *Conn) GetACL(ctx context.Context, path string) ([]proto.ACL, proto.Stat, error) {
	req := proto.GetACLRequest{Path: path}
	var resp proto.GetACLResponse
	_, err := c.Do(ctx, proto.OpGetACL, &req, &resp)
	return resp.ACL, resp.Stat, err
}

// SetACL replaces the ACL of path if its ACL version is version (-1: any).
func (c *Conn) SetACL(ctx context.Context, path string, acl []proto.ACL, version int32) (proto.Stat, error) {
	req := proto.SetACLRequest{Path: path, ACL: acl, Version: version}
	var resp proto.SetACLResponse
	_, err := c.Do(ctx, proto.OpSetACL, &req, &resp)
	return resp.Stat, err
}

// Sync waits until the server the Conn talks to has caught up with the
// leader as of the call.
func (c *Conn) Sync(ctx context.Context, path string) error {
	req := proto.SyncRequest{Path: path}
	var resp proto.SyncResponse
	_, err := c.Do(ctx, proto.OpSync, &req, &resp)
	return err
}

// AddAuth adds credentials for an ACL scheme to the session (an auth
// packet, xid -4). A server that rejects them answers proto.ErrAuthFailed
// and closes the connection, as ZooKeeper does.
func (c *Conn) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	req := proto.AuthPacket{Scheme: scheme, Auth: auth}
	_, err := c.Do(ctx, proto.OpAuth, &req, nil)
	return err
}

// WhoAmI returns the identities the session is authenticated as.
func (c *Conn) WhoAmI(ctx context.Context) ([]proto.ClientInfo, error) {
	var resp proto.WhoAmIResponse
	_, err := c.Do(ctx, proto.OpWhoAmI, nil, &resp)
	return resp.ClientInfo, err
}

// Ephemerals returns the paths of the session's ephemeral znodes that
// start with prefix ("/" for all).
func (c *Conn) Ephemerals(ctx context.Context, prefix string) ([]string, error) {
	req := proto.GetEphemeralsRequest{PrefixPath: prefix}
	var resp proto.GetEphemeralsResponse
	_, err := c.Do(ctx, proto.OpGetEphemerals, &req, &resp)
	return resp.Ephemerals, err
}

// AllChildrenNumber returns the number of path's descendants.
func (c *Conn) AllChildrenNumber(ctx context.Context, path string) (int32, error) {
	req := proto.GetAllChildrenNumberRequest{Path: path}
	var resp proto.GetAllChildrenNumberResponse
	_, err := c.Do(ctx, proto.OpGetAllChildrenNumber, &req, &resp)
	return resp.TotalNumber, err
}

// AddWatch leaves a persistent (or persistent recursive) watch on path.
func (c *Conn) AddWatch(ctx context.Context, path string, mode proto.AddWatchMode) error {
	req := proto.AddWatchRequest{Path: path, Mode: mode}
	_, err := c.Do(ctx, proto.OpAddWatch, &req, nil)
	return err
}

// SetWatches sets the watches a session held on its previous connection
// again (setWatches2, sent by ZooKeeper's client after a reconnect). The
// server fires at once those whose znodes changed after w.RelativeZxid,
// normally the previous Conn's LastZxid.
func (c *Conn) SetWatches(ctx context.Context, w *proto.SetWatches2) error {
	_, err := c.Do(ctx, proto.OpSetWatches2, w, nil)
	return err
}

// RemoveWatches removes the session's watches of type typ on path;
// proto.ErrNoWatcher when there are none.
func (c *Conn) RemoveWatches(ctx context.Context, path string, typ proto.WatcherType) error {
	req := proto.RemoveWatchesRequest{Path: path, Type: typ}
	_, err := c.Do(ctx, proto.OpRemoveWatches, &req, nil)
	return err
}
