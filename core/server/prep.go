package server

import (
	"fmt"
	"strings"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/stats"
	"github.com/warrenzk/warren/core/tree"
)

// changeRecord is the projected state of one path once every txn prepared
// but not yet applied has been applied (ZooKeeper's ChangeRecord).
type changeRecord struct {
	zxid       int64
	path       string
	deleted    bool // the path is being deleted; the other fields mean nothing
	stat       proto.StatPersisted
	childCount int32
	acl        []proto.ACL
}

// prepView is the preprocessor's overlay over the tree. Only the goroutine
// holding Server.prepMu touches it, except forget, which the applier calls
// under the same mutex.
type prepView struct {
	tree    *tree.Tree
	changes []*changeRecord // outstanding changes in zxid order
	byPath  map[string]*changeRecord

	queued, removed *stats.Counter // outstanding_changes_queued and _removed
}

func newPrepView(t *tree.Tree, queued, removed *stats.Counter) *prepView {
	return &prepView{tree: t, byPath: map[string]*changeRecord{}, queued: queued, removed: removed}
}

// record returns a copy of the projected state of path, or ErrNoNode. It is
// a copy so that looking a path up costs no allocation: only the records a
// txn adds (duplicate) live on the heap.
func (v *prepView) record(path string) (changeRecord, error) {
	if c, ok := v.byPath[path]; ok {
		if c.deleted {
			return changeRecord{}, proto.ErrNoNode
		}
		return *c, nil
	}
	n, ok := v.tree.Lookup(path)
	if !ok {
		return changeRecord{}, proto.ErrNoNode
	}
	return changeRecord{zxid: -1, path: path, stat: n.Stat, childCount: n.NumChildren, acl: n.ACL}, nil
}

// duplicate copies c for a new txn, as ChangeRecord.duplicate does.
func (c *changeRecord) duplicate(zxid int64) *changeRecord {
	d := *c
	d.zxid = zxid
	return &d
}

func (v *prepView) add(c *changeRecord) {
	v.changes = append(v.changes, c)
	v.byPath[c.path] = c
	v.queued.Add(1)
}

// forget drops the records of every txn up to zxid once it is applied: the
// tree now holds what they projected.
func (v *prepView) forget(zxid int64) {
	n := 0
	for _, c := range v.changes {
		if c.zxid > zxid {
			break
		}
		if v.byPath[c.path] == c {
			delete(v.byPath, c.path)
		}
		n++
	}
	if n > 0 {
		clear(v.changes[:n])
		v.changes = v.changes[n:]
		v.removed.Add(int64(n))
	}
}

// snapshot saves the records of paths a multi may touch, so a failed multi
// can restore them (PrepRequestProcessor.getPendingChanges).
func (v *prepView) snapshot(paths []string) map[string]*changeRecord {
	saved := map[string]*changeRecord{}
	for _, p := range paths {
		if c, ok := v.byPath[p]; ok {
			saved[p] = c
		}
		if i := strings.LastIndexByte(p, '/'); i >= 0 && !strings.ContainsRune(p, 0) {
			if c, ok := v.byPath[p[:i]]; ok {
				saved[p[:i]] = c
			}
		}
	}
	return saved
}

// rollback removes the records a failed multi added (all carry its zxid) and
// restores the saved ones that are still outstanding.
func (v *prepView) rollback(zxid int64, saved map[string]*changeRecord) {
	for len(v.changes) > 0 && v.changes[len(v.changes)-1].zxid == zxid {
		c := v.changes[len(v.changes)-1]
		v.changes = v.changes[:len(v.changes)-1]
		delete(v.byPath, c.path)
	}
	if len(v.changes) == 0 {
		return
	}
	first := v.changes[0].zxid
	for p, c := range saved {
		if c.zxid >= first {
			v.byPath[p] = c
		}
	}
}

// ephemeralsOf is the session's ephemerals as they will be once outstanding
// txns apply (the closeSession prep in PrepRequestProcessor).
func (v *prepView) ephemeralsOf(session int64) []string {
	set := map[string]bool{}
	for _, p := range v.tree.Ephemerals(session) {
		set[p] = true
	}
	for _, c := range v.changes {
		switch {
		case c.deleted:
			delete(set, c.path)
		case c.stat.EphemeralOwner == session:
			set[c.path] = true
		}
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	return paths
}

// checkAndIncVersion implements ZooKeeper's optimistic version check: -1
// matches anything, and the version after MaxInt32 wraps past -1 to 0
// (ZOOKEEPER-4743) so that -1 keeps meaning "any".
func checkAndIncVersion(current, expected int32) (int32, error) {
	if expected != -1 && expected != current {
		return 0, proto.ErrBadVersion
	}
	next := current + 1
	if next == -1 {
		next = 0
	}
	return next, nil
}

// parentOf splits path for create: the parent is everything before the last
// slash. No slash or a NUL byte is BadArguments (validatePathForCreate).
func parentOf(path string) (string, error) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("%w: path %q", proto.ErrBadArguments, path)
	}
	return path[:i], nil
}

// specialPaths cannot be deleted (ZKDatabase.isSpecialPath).
var specialPaths = map[string]bool{"/": true, "/zookeeper": true, "/zookeeper/quota": true, "/zookeeper/config": true}

// parentForDelete is getParentPathAndValidate.
func parentForDelete(path string) (string, error) {
	if specialPaths[path] {
		return "", fmt.Errorf("%w: %s is a system node", proto.ErrBadArguments, path)
	}
	return parentOf(path)
}

func validatePath(path string) error {
	if err := tree.ValidatePath(path); err != nil {
		return fmt.Errorf("%w: %v", proto.ErrBadArguments, err)
	}
	return nil
}
