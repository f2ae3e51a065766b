package tree

import (
	"slices"

	"github.com/warrenzk/warren/core/proto"
)

// openACLID is the id ZooKeeper gives a null ACL list: OPEN_ACL_UNSAFE,
// never stored in the cache.
const openACLID int64 = -1

// aclCache interns ACL lists: znodes hold an id, and each distinct list is
// stored once with a reference count, as ZooKeeper's ReferenceCountedACLCache.
// Ids are part of the snapshot format, so they are assigned as ZooKeeper
// assigns them: increasing from 1, never reused while the index grows.
type aclCache struct {
	byID  map[int64][]proto.ACL
	byKey map[string]int64
	refs  map[int64]int64
	index int64 // the last id handed out
}

func newACLCache() aclCache {
	return aclCache{
		byID:  make(map[int64][]proto.ACL),
		byKey: make(map[string]int64),
		refs:  make(map[int64]int64),
	}
}

// aclKey is a canonical encoding of an ACL list, used as a map key.
func aclKey(acls []proto.ACL) string {
	e := proto.NewEncoder(make([]byte, 0, 64))
	proto.EncodeACLs(e, acls)
	return string(e.Bytes())
}

// intern returns the id of acls, adding a reference. A nil list is
// OPEN_ACL_UNSAFE (id -1), as in ZooKeeper; an empty list is a list.
func (c *aclCache) intern(acls []proto.ACL) int64 {
	if acls == nil {
		return openACLID
	}
	key := aclKey(acls)
	id, ok := c.byKey[key]
	if !ok {
		c.index++
		id = c.index
		c.byKey[key] = id
		c.byID[id] = slices.Clip(slices.Clone(acls))
	}
	c.refs[id]++
	return id
}

// get returns the list with the given id; callers must not modify it.
func (c *aclCache) get(id int64) []proto.ACL {
	if id == openACLID {
		return proto.OpenACLUnsafe
	}
	return c.byID[id]
}

// release drops a reference, forgetting the list when none is left.
func (c *aclCache) release(id int64) {
	if id == openACLID {
		return
	}
	if _, ok := c.byID[id]; !ok {
		return
	}
	c.refs[id]--
	if c.refs[id] <= 0 {
		c.forget(id)
	}
}

func (c *aclCache) forget(id int64) {
	if key := aclKey(c.byID[id]); c.byKey[key] == id {
		delete(c.byKey, key)
	}
	delete(c.byID, id)
	delete(c.refs, id)
}

// load adds a list read from a snapshot under its recorded id, with no
// reference yet.
func (c *aclCache) load(id int64, acls []proto.ACL) {
	if id > c.index {
		c.index = id
	}
	c.byID[id] = acls
	c.byKey[aclKey(acls)] = id
	c.refs[id] = 0
}

// addRef adds a reference to a known id (snapshot loading).
func (c *aclCache) addRef(id int64) bool {
	if id == openACLID {
		return true
	}
	if _, ok := c.byID[id]; !ok {
		return false
	}
	c.refs[id]++
	return true
}

// purgeUnused forgets lists no znode refers to, as ZooKeeper does after
// loading a snapshot.
func (c *aclCache) purgeUnused() {
	for id, n := range c.refs {
		if n <= 0 {
			c.forget(id)
		}
	}
}
