package tree

import (
	"encoding/binary"
	"unsafe"

	"github.com/warrenzk/warren/core/proto"
)

// The tree keeps its znodes in a store built to hold millions of them in
// little more memory than their data and stats (issue 6): no heap object
// per znode, no pointer the garbage collector has to follow, and, once the
// tree is big, the bulk of it (records, entries, index) outside the Go
// heap (offHeap), so that the collector's headroom (GOGC) is a share of
// the server's working memory, not of the tree. Nothing outside the
// tree's lock may keep a slice of that memory: readers get copies.
//
//   - Each znode is a fixed-size record (node) in chunks of chunkLen,
//     named by a nodeID; ids of deleted znodes are reused.
//   - A znode's ACL id, name (its last path component) and data live
//     together in an entry appended to a slab. Entries are never changed
//     once written: setData and setACL append a new entry. A slab an
//     eighth dead is compacted into the current slab and freed.
//   - A hash index finds a child by (parent id, name); paths are not
//     stored, but walked component by component.
//   - A znode's children are a kidList, sorted by name, so listing them
//     and writing snapshots need no sort.

// nodeID names a znode in its store; 0 is no znode.
type nodeID uint32

// node is a znode's record. It holds no pointers.
type node struct {
	stat   proto.StatPersisted
	slab   uint32 // the slab holding the entry with the ACL id, name and data
	off    uint32 // the entry's offset in its slab
	parent nodeID
	kids   uint32 // index in store.kids; 0 when there are no children
}

const (
	chunkShift = 10
	chunkLen   = 1 << chunkShift // records per chunk

	// A shared slab holds from minSlab to slabSize bytes, an eighth of
	// the store's memory; a larger entry gets a slab of its own.
	minSlab  = 16 << 10
	slabSize = 1 << 20

	// offHeapAfter is how big a store grows on the Go heap. Below it, a
	// tree is memory like any other, which the collector frees when the
	// tree is garbage (a process may make many small trees: tests,
	// tools); above it, new memory is mapped outside the heap, and
	// unmapped by the store or by the cleanup that runs once its tree is
	// garbage. The collector cannot see mapped memory, so garbage trees
	// that had mapped much would otherwise pile up between collections.
	offHeapAfter = 1 << 20

	// An entry is the node's id (uint32), the name's length (uvarint) and
	// the name, which lookups read most, then the ACL id (varint) and the
	// data's length plus one (uvarint, 0 for null data) and the data.
	maxEntryHeader = 4 + 3*binary.MaxVarintLen64

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

	size   int              // bytes of records, slabs and index
	mapped map[*byte][]byte // the memory of those mapped off the heap, by address
}

func newStore() *store {
	s := &store{next: 1, kids: make([]kidList, 1), mapped: map[*byte][]byte{}}
	s.slabs = []slab{{b: s.alloc(minSlab)}}
	s.index.init(s)
	return s
}

// alloc returns n zeroed bytes (length 0, capacity n), on the heap or
// mapped (see offHeapAfter).
func (s *store) alloc(n int) []byte {
	s.size += n
	if s.size <= offHeapAfter {
		return make([]byte, 0, n)
	}
	b := offHeap(n)
	s.mapped[unsafe.SliceData(b)] = b
	return b
}

// release gives back memory from alloc. Nothing may use it afterwards.
func (s *store) release(b []byte) {
	s.size -= cap(b)
	p := unsafe.SliceData(b)
	if m, ok := s.mapped[p]; ok {
		delete(s.mapped, p)
		freeOffHeap(m)
	}
}

// unmap unmaps the store's mapped memory; it is called once the tree is
// garbage.
func (s *store) unmap() {
	for _, b := range s.mapped {
		freeOffHeap(b)
	}
}

// allocSlice returns n zero values of T, which must hold no pointers,
// from alloc.
func allocSlice[T any](s *store, n int) []T {
	b := s.alloc(n * int(unsafe.Sizeof(*new(T))))
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// asBytes is the memory of a slice from allocSlice, for release.
func asBytes[T any](v []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), cap(v)*int(unsafe.Sizeof(*new(T))))
}

// at returns the record of id, which must be in use.
func (s *store) at(id nodeID) *node {
	return &s.chunks[id>>chunkShift][id&(chunkLen-1)]
}

// add stores a znode with the given ACL id, name and data under parent (0
// for the root) and returns its id; the caller links it into the parent's
// kidList and fills in the stat. ok is false if parent has a child of that
// name already: the new znode is then stored but not indexed, and the
// store is no longer consistent (Load, which finds out this way, drops it).
func (s *store) add(parent nodeID, acl int64, name string, data []byte) (id nodeID, ok bool) {
	if n := len(s.free); n > 0 {
		id, s.free = s.free[n-1], s.free[:n-1]
	} else {
		id = s.next
		s.next++
		if int(id>>chunkShift) == len(s.chunks) {
			s.chunks = append(s.chunks, allocSlice[node](s, chunkLen))
		}
	}
	n := s.at(id)
	*n = node{parent: parent}
	n.slab, n.off = put(s, id, acl, name, data)
	s.count++
	if parent != 0 {
		return id, s.index.insert(s, id)
	}
	return id, true
}

// remove forgets znode id, which has no children. Its id and entry may be
// reused at once, or once the open snapshot view closes.
func (s *store) remove(id nodeID) {
	n := s.at(id)
	if n.parent != 0 {
		s.index.remove(s, id)
	}
	s.maybeCompact(s.kill(n))
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

// entry is an entry's content. Name and data are the store's memory: they
// must not be modified, nor used once the tree's lock is released.
type entry struct {
	acl        int64
	name, data []byte // data is nil for null data
	size       int    // of the whole entry
}

// parseName reads the name of the entry at off in slab bytes b, and
// returns where the name ends in b[off:].
func parseName(b []byte, off uint32) ([]byte, int) {
	e := b[off:]
	if nl := e[4]; nl < 0x80 { // a short name: the common case
		return e[5 : 5+int(nl) : 5+int(nl)], 5 + int(nl)
	}
	nl, k := binary.Uvarint(e[4:])
	i := 4 + k
	return e[i : i+int(nl) : i+int(nl)], i + int(nl)
}

// parseEntry reads the entry at off in slab bytes b.
func parseEntry(b []byte, off uint32) entry {
	e := b[off:]
	name, i := parseName(b, off)
	acl, k := binary.Varint(e[i:])
	i += k
	dl, k := binary.Uvarint(e[i:])
	i += k
	var data []byte
	if dl > 0 {
		data = e[i : i+int(dl)-1 : i+int(dl)-1]
		i += int(dl) - 1
	}
	return entry{acl: acl, name: name, data: data, size: i}
}

// entryOf returns n's entry.
func (s *store) entryOf(n *node) entry { return parseEntry(s.slabs[n.slab].b, n.off) }

// nameBytes returns n's name as stored, under entry's terms.
func (s *store) nameBytes(n *node) []byte {
	name, _ := parseName(s.slabs[n.slab].b, n.off)
	return name
}

// nameOf is n's name as a string aliasing the store, valid until the
// store next changes.
func (s *store) nameOf(n *node) string {
	b := s.nameBytes(n)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// name returns n's name; the root's is "".
func (s *store) name(n *node) string { return string(s.nameBytes(n)) }

// data returns n's data (nil for null data), under entry's terms.
func (s *store) data(n *node) []byte { return s.entryOf(n).data }

// dataLen is len(s.data(n)).
func (s *store) dataLen(n *node) int { return len(s.data(n)) }

// acl returns n's ACL id.
func (s *store) acl(n *node) int64 { return s.entryOf(n).acl }

// setData replaces n's data with a copy of data.
func (s *store) setData(id nodeID, data []byte) {
	old := s.entryOf(s.at(id))
	s.rewrite(id, old.acl, data)
}

// setACL replaces n's ACL id.
func (s *store) setACL(id nodeID, acl int64) {
	old := s.entryOf(s.at(id))
	s.rewrite(id, acl, old.data)
}

// rewrite gives id a new entry with its name and the given ACL id and
// data, which may be the old entry's: the old slab is compacted, if at
// all, only after the copy.
func (s *store) rewrite(id nodeID, acl int64, data []byte) {
	n := s.at(id)
	name := s.nameBytes(n)
	old := s.kill(n)
	n.slab, n.off = put(s, id, acl, name, data)
	s.maybeCompact(old)
}

// kill marks n's entry dead and points n at no entry, so that no
// compaction moves it, and returns the entry's slab, for maybeCompact.
func (s *store) kill(n *node) uint32 {
	si := n.slab
	s.slabs[si].dead += s.entryOf(n).size
	n.slab = noSlab
	return si
}

// put appends an entry for id and returns where it is. name and data may
// be in a slab: none is unmapped before they are copied.
func put[S string | []byte](s *store, id nodeID, acl int64, name S, data []byte) (uint32, uint32) {
	var hdr [maxEntryHeader]byte
	h := binary.LittleEndian.AppendUint32(hdr[:0], uint32(id))
	h = binary.AppendUvarint(h, uint64(len(name)))
	mid := len(h)
	h = binary.AppendVarint(h, acl)
	dl := uint64(0)
	if data != nil {
		dl = uint64(len(data)) + 1
	}
	h = binary.AppendUvarint(h, dl)
	si, left := s.room(len(h) + len(name) + len(data))
	b := s.slabs[si].b
	off := uint32(len(b))
	b = append(b, h[:mid]...)
	b = append(b, name...)
	b = append(b, h[mid:]...)
	b = append(b, data...)
	s.slabs[si].b = b
	s.maybeCompact(left)
	return si, off
}

// room returns a slab with room for size more bytes and the slab it made
// stop being the current one, if any (else noSlab), which the caller
// offers to maybeCompact once done with its own bytes.
func (s *store) room(size int) (si, left uint32) {
	if size > slabSize {
		return s.newSlab(size), noSlab
	}
	if b := s.slabs[s.cur].b; cap(b)-len(b) >= size {
		return s.cur, noSlab
	}
	left = s.cur
	s.cur = s.newSlab(max(size, min(slabSize, max(minSlab, s.size/8))))
	return s.cur, left
}

func (s *store) newSlab(capacity int) uint32 {
	sl := slab{b: s.alloc(capacity)}
	if n := len(s.freeSlabs); n > 0 {
		si := s.freeSlabs[n-1]
		s.freeSlabs = s.freeSlabs[:n-1]
		s.slabs[si] = sl
		return si
	}
	s.slabs = append(s.slabs, sl)
	return uint32(len(s.slabs) - 1)
}

// maybeCompact moves the live entries of slab si to the current slab and
// frees si, once an eighth of it is dead: garbage then stays under a
// seventh of the live entries' size (updates spread over many znodes
// would otherwise leave every slab nearly half dead), for about seven
// bytes copied per byte freed, in runs of at most a slab under the write
// lock. The current slab is left alone until it is full.
func (s *store) maybeCompact(si uint32) {
	if si == noSlab || si == s.cur {
		return
	}
	sl := s.slabs[si]
	if len(sl.b) == 0 || sl.dead*8 < len(sl.b) {
		return
	}
	s.slabs[si] = slab{} // so that a nested compaction (from put) skips it
	for off := uint32(0); int(off) < len(sl.b); {
		e := parseEntry(sl.b, off)
		id := nodeID(binary.LittleEndian.Uint32(sl.b[off:]))
		if id != 0 && id < s.next {
			if n := s.at(id); n.slab == si && n.off == off {
				n.slab, n.off = put(s, id, e.acl, e.name, e.data)
			}
		}
		off += uint32(e.size)
	}
	s.release(sl.b)
	s.freeSlabs = append(s.freeSlabs, si)
}
