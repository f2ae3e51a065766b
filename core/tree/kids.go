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
	blk := slices.Insert(l.blocks[b], i, child)
	if len(blk) > maxBlock {
		// Split; appends leave the first half full, as a run of
		// increasing names (sequential znodes) never comes back to it.
		half := len(blk) / 2
		if b == len(l.blocks)-1 && i == len(blk)-1 {
			half = len(blk) - 1
		}
		rest := slices.Clone(blk[half:])
		blk = slices.Clip(blk[:half])
		l.blocks = slices.Insert(l.blocks, b+1, rest)
	}
	l.blocks[b] = blk
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
