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
