package tree

import (
	"hash/maphash"
	"strings"
)

// index finds a znode by its parent's id and its name: an open-addressing
// hash table of node ids with linear probing, four bytes a slot. Names are not kept here; a probe compares the candidate's
// record and entry.
type index struct {
	slots []nodeID // 0 is an empty slot; len is a power of two
	n     int
	seed  maphash.Seed
}

const minIndexSlots = 64

func (x *index) init(s *store) {
	x.slots = allocSlice[nodeID](s, minIndexSlots)
	x.seed = maphash.MakeSeed()
}

func (x *index) hash(parent nodeID, name []byte) uint64 {
	return maphash.Bytes(x.seed, name) ^ uint64(parent)*0x9e3779b97f4a7c15
}

func (x *index) hashString(parent nodeID, name string) uint64 {
	return maphash.String(x.seed, name) ^ uint64(parent)*0x9e3779b97f4a7c15
}

// find returns the id of parent's child called name, or 0.
func (x *index) find(s *store, parent nodeID, name string) nodeID {
	mask := uint64(len(x.slots) - 1)
	for i := x.hashString(parent, name) & mask; ; i = (i + 1) & mask {
		id := x.slots[i]
		if id == 0 {
			return 0
		}
		if n := s.at(id); n.parent == parent && string(s.nameBytes(n)) == name {
			return id
		}
	}
}

// slotOf is where id hashes to.
func (x *index) slotOf(s *store, id nodeID) uint64 {
	n := s.at(id)
	return x.hash(n.parent, s.nameBytes(n)) & uint64(len(x.slots)-1)
}

// insert adds id, whose record and entry are in place, unless a node with
// the same parent and name is there already (false).
func (x *index) insert(s *store, id nodeID) bool {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.resize(s, len(x.slots)*2, id)
	}
	mask := uint64(len(x.slots) - 1)
	n := s.at(id)
	name := s.nameBytes(n)
	i := x.hash(n.parent, name) & mask
	for ; x.slots[i] != 0; i = (i + 1) & mask {
		if o := s.at(x.slots[i]); o.parent == n.parent && string(s.nameBytes(o)) == string(name) {
			return false
		}
	}
	x.slots[i] = id
	x.n++
	return true
}

// remove takes id out, shifting later entries of its probe run back so
// that no run is broken (no tombstones).
func (x *index) remove(s *store, id nodeID) {
	mask := uint64(len(x.slots) - 1)
	i := x.slotOf(s, id)
	for x.slots[i] != id {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		// Move the entry at j back to the hole at i unless its home slot
		// lies cyclically in (i, j].
		home := x.slotOf(s, x.slots[j])
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = 0
	x.n--
	if len(x.slots) > minIndexSlots && x.n*8 < len(x.slots) {
		x.resize(s, len(x.slots)/2, id)
	}
}

// resize rehashes every znode but skip (being inserted or removed) into
// size slots. It goes by id, not by old slot: records, and mostly entries,
// are then read in memory order.
func (x *index) resize(s *store, size int, skip nodeID) {
	s.release(asBytes(x.slots))
	x.slots = allocSlice[nodeID](s, size)
	mask := uint64(size - 1)
	for id := nodeID(1); id < s.next; id++ {
		if n := s.at(id); id != skip && n.slab != noSlab && n.parent != 0 {
			i := x.slotOf(s, id)
			for x.slots[i] != 0 {
				i = (i + 1) & mask
			}
			x.slots[i] = id
		}
	}
}

// lookup returns the id of the znode at path, or 0. The empty path is the
// root, as in ZooKeeper, whose DataTree maps the root under both "" and "/"
// (so exists("") answers).
func (t *Tree) lookup(path string) nodeID {
	if path == "" || path == RootPath {
		return t.root
	}
	if path[0] != '/' {
		return 0
	}
	id := t.root
	for rest := path[1:]; id != 0; {
		name, more, found := strings.Cut(rest, "/")
		id = t.s.index.find(t.s, id, name)
		if !found {
			return id
		}
		rest = more
	}
	return 0
}
