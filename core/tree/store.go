package tree

import (
	"encoding/binary"

	"github.com/warrenzk/warren/core/proto"
)

// The tree keeps its znodes in a store built to hold millions of them in
// little more memory than their data and stats (issue 6): no heap object
// per znode, and no pointer the garbage collector has to follow.
//
//   - Each znode is a fixed-size record (node) in chunks of chunkLen,
//     named by a nodeID; ids of deleted znodes are reused.
//   - A znode's name (its last path component) and data live together in
//     an entry appended to a slab, a large byte slice. Entries are never
//     changed once written: setData appends a new entry, so a data slice
//     handed to a reader stays valid and unchanged for as long as the
//     reader keeps it. A slab whose entries are mostly dead is compacted
//     into the current slab and dropped; the garbage collector frees it
//     once no reader holds a slice of it.
//   - A hash index finds a child by (parent id, name); paths are not
//     stored, but walked component by component.
//   - A znode's children are a kidList, sorted by name, so listing them
//     and writing snapshots need no sort.

// nodeID names a znode in its store; 0 is no znode.
type nodeID uint32

// node is a znode's record. It holds no pointers.
type node struct {
	stat   proto.StatPersisted
	acl    int64  // id in the ACL cache
	slab   uint32 // the slab holding the entry with the name and data
	off    uint32 // the entry's offset in its slab
	parent nodeID
	kids   uint32 // index in store.kids; 0 when there are no children
}

const (
	chunkShift = 10
	chunkLen   = 1 << chunkShift // records per chunk

	// slabSize is the capacity of a shared slab; a larger entry gets a
	// slab of its own.
	slabSize = 256 << 10

	// An entry is a header, then the name, then the data:
	//   uint32 id, uint32 name length, uint32 data length (nullData: nil)
	entryHeader = 12
	nullData    = ^uint32(0)

	noSlab = ^uint32(0) // the slab of a deleted znode's record
)

// slab is a run of entries. Only the current slab grows, and only by
// appending within its capacity, so the bytes of every entry written stay
// where they are.
type slab struct {
	b    []byte
	dead int // bytes of entries no longer in use
}

// store holds the znodes. It is not safe for concurrent use: the Tree's
// lock guards it.
type store struct {
	chunks [][]node
	next   nodeID   // the lowest id never handed out
	free   []nodeID // ids of deleted znodes, for reuse
	held   []nodeID // ids freed while a snapshot view is open, reused after it closes
	hold   bool     // whether ids being freed go to held
	count  int      // znodes in the store

	slabs     []slab
	cur       uint32 // the slab entries are appended to
	freeSlabs []uint32

	index    index
	kids     []kidList // [0] is unused
	freeKids []uint32
}

func newStore() *store {
	s := &store{next: 1, kids: make([]kidList, 1)}
	s.slabs = []slab{{b: make([]byte, 0, slabSize)}}
	s.index.init()
	return s
}

// at returns the record of id, which must be in use.
func (s *store) at(id nodeID) *node {
	return &s.chunks[id>>chunkShift][id&(chunkLen-1)]
}

// add stores a znode with the given name and data under parent (0 for the
// root) and returns its id; the caller links it into the parent's kidList.
// The record's stat and ACL are the caller's to fill in.
func (s *store) add(parent nodeID, name string, data []byte) nodeID {
	var id nodeID
	if n := len(s.free); n > 0 {
		id, s.free = s.free[n-1], s.free[:n-1]
	} else {
		id = s.next
		s.next++
		if int(id>>chunkShift) == len(s.chunks) {
			s.chunks = append(s.chunks, make([]node, chunkLen))
		}
	}
	n := s.at(id)
	*n = node{parent: parent}
	n.slab, n.off = put(s, id, name, data)
	s.count++
	if parent != 0 {
		s.index.insert(s, id)
	}
	return id
}

// remove forgets znode id, which has no children. Its id and entry may be
// reused at once, or once the open snapshot view closes.
func (s *store) remove(id nodeID) {
	n := s.at(id)
	if n.parent != 0 {
		s.index.remove(s, id)
	}
	s.detach(n)
	*n = node{slab: noSlab}
	s.count--
	if s.hold {
		s.held = append(s.held, id)
	} else {
		s.free = append(s.free, id)
	}
}

// setHold starts or stops holding freed ids back from reuse.
func (s *store) setHold(on bool) {
	s.hold = on
	if !on {
		s.free = append(s.free, s.held...)
		s.held = nil
	}
}

// parts splits the entry at off in slab bytes b into its name and data
// (nil for null data). Neither must be modified.
func parts(b []byte, off uint32) (name, data []byte) {
	e := b[off:]
	nl := binary.LittleEndian.Uint32(e[4:])
	dl := binary.LittleEndian.Uint32(e[8:])
	name = e[entryHeader : entryHeader+nl : entryHeader+nl]
	if dl == nullData {
		return name, nil
	}
	start := entryHeader + nl
	return name, e[start : start+dl : start+dl]
}

// nameBytes returns n's name as stored; it must not be modified.
func (s *store) nameBytes(n *node) []byte {
	name, _ := parts(s.slabs[n.slab].b, n.off)
	return name
}

// name returns n's name; the root's is "".
func (s *store) name(n *node) string { return string(s.nameBytes(n)) }

// data returns n's data (nil for null data). The slice stays valid and
// unchanged after the tree changes; it must not be modified.
func (s *store) data(n *node) []byte {
	_, data := parts(s.slabs[n.slab].b, n.off)
	return data
}

// dataLen is len(s.data(n)).
func (s *store) dataLen(n *node) int { return len(s.data(n)) }

// setData replaces n's data with a copy of data.
func (s *store) setData(id nodeID, data []byte) {
	n := s.at(id)
	name := s.nameBytes(n) // stays valid: entries are never overwritten
	s.detach(n)
	n.slab, n.off = put(s, id, name, data)
}

// entrySize is the size of the entry at off in slab bytes b.
func entrySize(b []byte, off uint32) int {
	name, data := parts(b, off)
	return entryHeader + len(name) + len(data)
}

// put appends an entry for id and returns where it is.
func put[S string | []byte](s *store, id nodeID, name S, data []byte) (uint32, uint32) {
	si, b := s.room(entryHeader + len(name) + len(data))
	off := uint32(len(b))
	dl := uint32(len(data))
	if data == nil {
		dl = nullData
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(id))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(name)))
	b = binary.LittleEndian.AppendUint32(b, dl)
	b = append(b, name...)
	b = append(b, data...)
	s.slabs[si].b = b
	return si, off
}

// room returns a slab with room for size more bytes, and its bytes.
func (s *store) room(size int) (uint32, []byte) {
	if size > slabSize {
		si := s.newSlab(size)
		return si, s.slabs[si].b
	}
	if b := s.slabs[s.cur].b; cap(b)-len(b) >= size {
		return s.cur, b
	}
	old := s.cur
	s.cur = s.newSlab(slabSize)
	// The slab just left may already be mostly dead.
	s.maybeCompact(old)
	return s.cur, s.slabs[s.cur].b
}

func (s *store) newSlab(capacity int) uint32 {
	sl := slab{b: make([]byte, 0, capacity)}
	if n := len(s.freeSlabs); n > 0 {
		si := s.freeSlabs[n-1]
		s.freeSlabs = s.freeSlabs[:n-1]
		s.slabs[si] = sl
		return si
	}
	s.slabs = append(s.slabs, sl)
	return uint32(len(s.slabs) - 1)
}

// detach marks n's entry dead and points n at no entry, so that the
// compaction this may start does not move it.
func (s *store) detach(n *node) {
	si, off := n.slab, n.off
	n.slab = noSlab
	sl := &s.slabs[si]
	sl.dead += entrySize(sl.b, off)
	s.maybeCompact(si)
}

// maybeCompact moves the live entries of slab si to the current slab and
// drops si, once at least half of it is dead. The current slab is left
// alone until it is full.
func (s *store) maybeCompact(si uint32) {
	sl := s.slabs[si]
	if si == s.cur || len(sl.b) == 0 || sl.dead*2 < len(sl.b) {
		return
	}
	s.slabs[si] = slab{} // so that a nested compaction (from put) skips it
	for off := uint32(0); int(off) < len(sl.b); off += uint32(entrySize(sl.b, off)) {
		id := nodeID(binary.LittleEndian.Uint32(sl.b[off:]))
		if id == 0 || id >= s.next {
			continue
		}
		if n := s.at(id); n.slab == si && n.off == off {
			name, data := parts(sl.b, off)
			n.slab, n.off = put(s, id, name, data)
		}
	}
	s.freeSlabs = append(s.freeSlabs, si)
}
