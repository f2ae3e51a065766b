package tree

import (
	"hash/maphash"
	"strings"
)

// index finds a znode by its parent's id and its name: an open-addressing
// hash table with linear probing. A slot holds a node id and the low 32
// bits of the node's hash, so that a probe reads a candidate's record and
// name only when the hashes agree (once, almost always, instead of once
// per slot probed: each a cache miss in a big tree), and a slot's home is
// known without reading its record at all (remove, resize). Names are not
// kept here.
type index struct {
	slots []slot // 0 is an empty slot; len is a power of two
	n     int
	seed  maphash.Seed
}

// slot is a node id in the low 32 bits and its hash's low 32 bits above.
// Those bits hold the home slot too, as long as the table has at most
// 2^32 slots, far more than 32-bit node ids can fill.
type slot uint64

func makeSlot(id nodeID, h uint64) slot { return slot(h)<<32 | slot(id) }
func (e slot) id() nodeID               { return nodeID(e) }
func (e slot) hash() uint32             { return uint32(e >> 32) }

const minIndexSlots = 64

func (x *index) init(s *store) {
	x.slots = allocSlice[slot](s, minIndexSlots)
	x.seed = maphash.MakeSeed()
}

func (x *index) hash(parent nodeID, name string) uint64 {
	return maphash.String(x.seed, name) ^ uint64(parent)*0x9e3779b97f4a7c15
}

// probe looks for parent's child called name along its probe run: it
// returns the name's hash, the slot of the child (id not 0) or of the
// empty slot that ends the run (id 0).
func (x *index) probe(s *store, parent nodeID, name string) (h, i uint64, id nodeID) {
	h = x.hash(parent, name)
	mask := uint64(len(x.slots) - 1)
	for i = h & mask; x.slots[i] != 0; i = (i + 1) & mask {
		e := x.slots[i]
		if e.hash() != uint32(h) {
			continue
		}
		if n := s.at(e.id()); n.parent == parent && string(s.nameBytes(n)) == name {
			return h, i, e.id()
		}
	}
	return h, i, 0
}

// find returns the id of parent's child called name, or 0.
func (x *index) find(s *store, parent nodeID, name string) nodeID {
	_, _, id := x.probe(s, parent, name)
	return id
}

// insert adds id, whose record and entry are in place, unless a node with
// the same parent and name is there already (false).
func (x *index) insert(s *store, id nodeID) bool {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.resize(s, len(x.slots)*2)
	}
	n := s.at(id)
	h, i, dup := x.probe(s, n.parent, s.nameOf(n))
	if dup != 0 {
		return false
	}
	x.slots[i] = makeSlot(id, h)
	x.n++
	return true
}

// home is the slot e hashes to.
func (x *index) home(e slot) uint64 { return uint64(e.hash()) & uint64(len(x.slots)-1) }

// remove takes id out, shifting later entries of its probe run back so
// that no run is broken (no tombstones).
func (x *index) remove(s *store, id nodeID) {
	mask := uint64(len(x.slots) - 1)
	n := s.at(id)
	i := x.hash(n.parent, s.nameOf(n)) & mask
	for x.slots[i].id() != id {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		// Move the entry at j back to the hole at i unless its home slot
		// lies cyclically in (i, j].
		home := x.home(x.slots[j])
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = 0
	x.n--
	if len(x.slots) > minIndexSlots && x.n*8 < len(x.slots) {
		x.resize(s, len(x.slots)/2)
	}
}

// resize rehashes every entry into size slots, from the hash bits each
// slot keeps: no record is read.
func (x *index) resize(s *store, size int) {
	old := x.slots
	x.slots = allocSlice[slot](s, size)
	mask := uint64(size - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := x.home(e)
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = e
	}
	s.release(asBytes(old))
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
