package tree

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unsafe"

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
// a missing root, a node before its parent, a duplicate or non-canonical
// path, an unknown ACL id, or an invalid extended ephemeralOwner. LastZxid
// is 0: set it with SetLastZxid.
func Deserialize(d *proto.Decoder, opts Options) (*Tree, error) {
	return load(sliceSource{d}, opts)
}

// Load reads a tree as Deserialize does, from a stream, one node at a
// time: memory holds the tree being built, not the stream. It reads exactly
// the tree's bytes from r, a few at a time, so r should be buffered; on
// success r is positioned just after the tree.
func Load(r io.Reader, opts Options) (*Tree, error) {
	return load(&streamSource{r: r, buf: make([]byte, 0, 4<<10)}, opts)
}

// source is what load reads, from a byte slice (sliceSource) or a stream
// (streamSource), with a sticky error.
type source interface {
	// Fixed returns a decoder for the next n bytes, n at most
	// maxFixed, which hold fixed-size values.
	Fixed(n int) *proto.Decoder
	// Buffer reads a length-prefixed byte string; the result is valid
	// until the next call.
	Buffer() []byte
	Err() error
	Fail(error)
	Remaining() int // math.MaxInt when unknown
}

// maxFixed is the longest run of fixed-size values load reads at once: a
// node's ACL id and stat.
const maxFixed = 8 + 60

// sliceSource reads a byte slice, through its decoder.
type sliceSource struct{ *proto.Decoder }

func (s sliceSource) Fixed(int) *proto.Decoder { return s.Decoder }

func load(d source, opts Options) (*Tree, error) {
	t := newEmpty(opts)
	n := d.Fixed(4).Int()
	if d.Err() == nil && (n < 0 || int(n) > d.Remaining()/12) {
		return nil, fmt.Errorf("tree: snapshot: bad ACL cache size %d", n)
	}
	for i := int32(0); i < n && d.Err() == nil; i++ {
		id := d.Fixed(8).Long()
		acls := decodeACLs(d)
		if d.Err() == nil && acls == nil {
			return nil, fmt.Errorf("tree: snapshot: ACL cache entry %d is null", id)
		}
		t.acls.load(id, acls)
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("tree: snapshot: ACL cache: %w", err)
	}
	var pathBuf []byte
	var last lastParent
	for {
		pathBuf = append(pathBuf[:0], d.Buffer()...)
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node path: %w", err)
		}
		// path lives until the next iteration; whatever keeps it clones it.
		path := unsafe.String(unsafe.SliceData(pathBuf), len(pathBuf))
		if path == RootPath {
			break
		}
		data := d.Buffer()
		f := d.Fixed(maxFixed)
		acl := f.Long()
		var st proto.StatPersisted
		st.Decode(f)
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node %q: %w", path, err)
		}
		if err := t.load(&last, path, data, acl, &st); err != nil {
			return nil, fmt.Errorf("tree: snapshot: node %q: %w", path, err)
		}
	}
	if t.root == 0 {
		return nil, errors.New("tree: snapshot: no root node")
	}
	t.setupQuotas()
	t.acls.purgeUnused()
	return t, nil
}

// lastParent remembers the parent of the node loaded last: nodes come
// parents first, siblings together, so the next one usually shares it.
type lastParent struct {
	path string
	id   nodeID
}

// load adds one node read from a snapshot.
func (t *Tree) load(last *lastParent, path string, data []byte, acl int64, st *proto.StatPersisted) error {
	if !t.acls.addRef(acl) {
		return fmt.Errorf("unknown ACL id %d", acl)
	}
	if OwnerType(st.EphemeralOwner, t.extended) == EphemeralInvalid {
		return fmt.Errorf("invalid ephemeralOwner %#x", uint64(st.EphemeralOwner))
	}
	if path == "" {
		if t.root != 0 {
			return errors.New("second root")
		}
		t.root, _ = t.s.add(0, acl, "", data)
		t.s.at(t.root).stat = *st
		t.dataSize += int64(1 + 2*len(data)) // under "/" and ""
		return nil
	}
	parentPath, name, ok := split(path)
	if !ok || name == "" || childPath(parentPath, name) != path {
		return errors.New("not an absolute path")
	}
	parent := last.id
	if parentPath != last.path || parent == 0 {
		parent = t.lookup(parentPath)
		*last = lastParent{strings.Clone(parentPath), parent}
	}
	if parent == 0 {
		return fmt.Errorf("parent %q not loaded yet", parentPath)
	}
	id, ok := t.s.add(parent, acl, name, data)
	if !ok {
		return errors.New("duplicate path") // the tree is dropped: no need to undo the add
	}
	t.s.at(id).stat = *st
	t.s.link(parent, id)
	t.dataSize += int64(len(path) + len(data))
	if OwnerType(st.EphemeralOwner, t.extended) != EphemeralVoid {
		t.index(strings.Clone(path), st.EphemeralOwner)
	}
	return nil
}

// decodeACLs is proto.DecodeACLs over a source.
func decodeACLs(d source) []proto.ACL {
	n := d.Fixed(4).Int()
	if d.Err() != nil || n == -1 {
		return nil
	}
	if n < -1 || int(n) > d.Remaining()/12 {
		d.Fail(fmt.Errorf("%w: vector of %d", proto.ErrBadLength, n))
		return nil
	}
	v := make([]proto.ACL, 0, min(n, 16))
	for i := int32(0); i < n && d.Err() == nil; i++ {
		a := proto.ACL{Perms: d.Fixed(4).Int()}
		a.ID.Scheme = string(d.Buffer())
		a.ID.ID = string(d.Buffer())
		v = append(v, a)
	}
	return v
}

// streamSource reads a stream.
type streamSource struct {
	r     io.Reader
	buf   []byte
	fixed [maxFixed]byte
	dec   proto.Decoder
	err   error
}

func (d *streamSource) Err() error     { return d.err }
func (d *streamSource) Remaining() int { return math.MaxInt }

func (d *streamSource) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// fill reads len(b) bytes into b.
func (d *streamSource) fill(b []byte) bool {
	if d.err != nil {
		return false
	}
	if _, err := io.ReadFull(d.r, b); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = proto.ErrShortBuffer
		}
		d.err = err
		return false
	}
	return true
}

// Fixed reads n bytes; if they are not there, d's error says so and the
// decoder returned has nothing to read.
func (d *streamSource) Fixed(n int) *proto.Decoder {
	b := d.fixed[:n]
	if !d.fill(b) {
		b = nil
	}
	d.dec = *proto.NewDecoder(b)
	return &d.dec
}

// Buffer reads a length-prefixed byte string as proto.Decoder.Buffer does
// (-1 is nil, 0 an empty non-nil slice). The buffer grows as bytes
// arrive, so a damaged length costs no more memory than the stream holds.
func (d *streamSource) Buffer() []byte {
	n := d.Fixed(4).Int()
	if d.err != nil || n == -1 {
		return nil
	}
	if n < -1 {
		d.err = fmt.Errorf("%w: %d", proto.ErrBadLength, n)
		return nil
	}
	const step = 1 << 20
	d.buf = d.buf[:0]
	for len(d.buf) < int(n) {
		k := min(int(n)-len(d.buf), step)
		if cap(d.buf)-len(d.buf) < k {
			d.buf = append(d.buf[:cap(d.buf)], make([]byte, k)...)[:len(d.buf)]
		}
		if !d.fill(d.buf[len(d.buf) : len(d.buf)+k]) {
			return nil
		}
		d.buf = d.buf[:len(d.buf)+k]
	}
	return d.buf
}
