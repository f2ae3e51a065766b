package tree

import (
	"bytes"
	"slices"
	"sort"
)

// kidList is a znode's children, sorted by name (byte order, as
// sort.Strings), in blocks of at most maxBlock ids so that adding or
// removing a child of a node with a million children moves a few hundred
// bytes, not megabytes.
type kidList struct {
	blocks [][]nodeID // none empty
	n      int
}

const maxBlock = 512

// kidsOf returns n's kidList, or nil when it has no children.
func (s *store) kidsOf(n *node) *kidList {
	if n.kids == 0 {
		return nil
	}
	return &s.kids[n.kids]
}

// numKids is the number of n's children.
func (s *store) numKids(n *node) int {
	if n.kids == 0 {
		return 0
	}
	return s.kids[n.kids].n
}

// search returns where name is or would go in l: the block and the
// position in it.
func (s *store) search(l *kidList, name []byte) (int, int) {
	less := func(id nodeID) bool { return bytes.Compare(s.nameBytes(s.at(id)), name) < 0 }
	last := len(l.blocks) - 1
	if blk := l.blocks[last]; less(blk[len(blk)-1]) {
		return last, len(blk) // after every child: appending, the common case
	}
	b := sort.Search(last, func(i int) bool { blk := l.blocks[i]; return !less(blk[len(blk)-1]) })
	blk := l.blocks[b]
	return b, sort.Search(len(blk), func(i int) bool { return !less(blk[i]) })
}

// link adds child (whose entry holds its name) to parent's children.
func (s *store) link(parent, child nodeID) {
	p := s.at(parent)
	if p.kids == 0 {
		if n := len(s.freeKids); n > 0 {
			p.kids, s.freeKids = s.freeKids[n-1], s.freeKids[:n-1]
		} else {
			s.kids = append(s.kids, kidList{})
			p.kids = uint32(len(s.kids) - 1)
		}
		s.kids[p.kids] = kidList{blocks: [][]nodeID{{child}}, n: 1}
		return
	}
	l := &s.kids[p.kids]
	b, i := s.search(l, s.nameBytes(s.at(child)))
	if blk := l.blocks[b]; len(blk) == maxBlock {
		if b == len(l.blocks)-1 && i == maxBlock {
			// Past the end of a full last block (sequential names): a
			// new block, the full one left as it is.
			l.blocks = append(l.blocks, []nodeID{child})
			l.n++
			return
		}
		// Split before inserting, so that no block outgrows maxBlock
		// (and its array twice that).
		const half = maxBlock / 2
		l.blocks = slices.Insert(l.blocks, b+1, slices.Clone(blk[half:]))
		l.blocks[b] = blk[:half]
		if i > half {
			b, i = b+1, i-half
		}
	}
	l.blocks[b] = slices.Insert(l.blocks[b], i, child)
	l.n++
}

// unlink removes child from parent's children.
func (s *store) unlink(parent, child nodeID) {
	p := s.at(parent)
	l := &s.kids[p.kids]
	b, i := s.search(l, s.nameBytes(s.at(child)))
	l.blocks[b] = slices.Delete(l.blocks[b], i, i+1)
	if len(l.blocks[b]) == 0 {
		l.blocks = slices.Delete(l.blocks, b, b+1)
	}
	l.n--
	if l.n == 0 {
		s.kids[p.kids] = kidList{}
		s.freeKids = append(s.freeKids, p.kids)
		p.kids = 0
	}
}

// flat returns a copy of l's ids in order (nil for no list).
func (l *kidList) flat() []nodeID {
	if l == nil {
		return nil
	}
	out := make([]nodeID, 0, l.n)
	for _, blk := range l.blocks {
		out = append(out, blk...)
	}
	return out
}
