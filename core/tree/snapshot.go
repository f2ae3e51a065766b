package tree

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/warrenzk/warren/core/proto"
)

// Snapshot format (DataTree.serialize): the ACL cache as an int count and
// (long id, vector<ACL>) entries, then one record per znode, parents first,
// starting with the root under the empty path: ustring path, buffer data,
// long ACL id, StatPersisted; the list ends with the path "/". Sessions
// precede the tree and are the caller's business, as in ZooKeeper's
// SerializeUtils. SnapshotView writes it.

// Deserialize reads a tree written by a SnapshotView or by ZooKeeper
// (DataTree.deserialize), rebuilding the ephemeral, container and TTL
// indexes and the quota state, and dropping ACL entries no node uses. It
// refuses, rather than half-loads, a stream whose nodes do not form a tree:
// a missing root, a node before its parent, a duplicate path, an unknown ACL
// id, or an invalid extended ephemeralOwner. LastZxid is 0: set it with
// SetLastZxid.
func Deserialize(d *proto.Decoder, opts Options) (*Tree, error) {
	t := newEmpty(opts)
	n := d.Int()
	if d.Err() == nil && (n < 0 || int(n) > d.Remaining()/12) {
		return nil, fmt.Errorf("tree: snapshot: bad ACL cache size %d", n)
	}
	for i := int32(0); i < n && d.Err() == nil; i++ {
		id := d.Long()
		acls := proto.DecodeACLs(d)
		if d.Err() == nil && acls == nil {
			return nil, fmt.Errorf("tree: snapshot: ACL cache entry %d is null", id)
		}
		t.acls.load(id, acls)
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("tree: snapshot: ACL cache: %w", err)
	}
	for {
		path := d.String()
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node path: %w", err)
		}
		if path == RootPath {
			break
		}
		node := &znode{data: bytes.Clone(d.Buffer()), acl: d.Long()}
		node.stat.Decode(d)
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node %q: %w", path, err)
		}
		if err := t.load(path, node); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node %q: %w", path, err)
		}
	}
	if t.nodes[RootPath] == nil {
		return nil, errors.New("tree: snapshot: no root node")
	}
	t.dataSize = t.computeDataSize()
	t.setupQuotas()
	t.acls.purgeUnused()
	return t, nil
}

// load adds one node read from a snapshot.
func (t *Tree) load(path string, n *znode) error {
	if !t.acls.addRef(n.acl) {
		return fmt.Errorf("unknown ACL id %d", n.acl)
	}
	if OwnerType(n.stat.EphemeralOwner, t.extended) == EphemeralInvalid {
		return fmt.Errorf("invalid ephemeralOwner %#x", uint64(n.stat.EphemeralOwner))
	}
	if path == "" {
		if t.nodes[RootPath] != nil {
			return errors.New("second root")
		}
		t.nodes[RootPath] = n
		return nil
	}
	parentPath, name, ok := split(path)
	if !ok || name == "" {
		return errors.New("not an absolute path")
	}
	parent := t.nodes[parentPath]
	if parent == nil {
		return fmt.Errorf("parent %q not loaded yet", parentPath)
	}
	if t.nodes[path] != nil {
		return errors.New("duplicate path")
	}
	t.attach(parent, path, n)
	t.index(path, n.stat.EphemeralOwner)
	return nil
}
