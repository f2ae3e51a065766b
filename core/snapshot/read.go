package snapshot

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// Read reads and verifies a stream written by Write or by ZooKeeper
// (uncompressed or compressed), checking the header and every seal. Errors
// about the content wrap ErrCorrupt and give the offset, in the uncompressed
// stream, where it goes wrong; errors of r itself are returned wrapped but
// not as ErrCorrupt.
//
// The stream is read once, front to back, and the tree is built one node
// at a time as it arrives (tree.Load): memory holds the tree, not the
// stream. Read reads r to its end, so that a reader that checks a
// checksum of its own at the end (as the storage backends' do) is heard.
func Read(r io.Reader, opts tree.Options) (*Snapshot, error) {
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	body, kind, err := decompress(br)
	var s *Snapshot
	dec := &sourceReader{r: body}
	if err == nil {
		if body != io.Reader(br) {
			body = bufio.NewReaderSize(dec, 64<<10)
		}
		p := parser{kind: kind, sum: 1}
		p.r = &checkedReader{r: body, p: &p}
		s, err = p.snapshot(opts)
	}
	switch {
	case src.err != nil:
		return nil, fmt.Errorf("snapshot: read: %w", src.err)
	case dec.err != nil:
		return nil, fmt.Errorf("%w: %s stream: %v", ErrCorrupt, kind, dec.err)
	case err != nil && !errors.Is(err, ErrCorrupt):
		return nil, fmt.Errorf("%w: %s stream: %v", ErrCorrupt, kind, err)
	}
	return s, err
}

// sourceReader remembers whether the reader under it failed, so that Read
// can tell an I/O error (or a damaged compressed stream, for the reader
// over the decompressor) from a damaged snapshot.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// checkedReader passes on what it reads and keeps the parser's running
// adler32 and offset, as ZooKeeper's CheckedInputStream.
type checkedReader struct {
	r io.Reader
	p *parser
}

func (c *checkedReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.sum = adlerExtend(c.p.sum, b[:n])
	c.p.start += int64(n)
	return n, err
}

// maxTail bounds what Read keeps after the tree: its seal and ZooKeeper's
// sections, a few dozen bytes.
const maxTail = 64 << 10

// parser walks one uncompressed snapshot stream: the header, sessions and
// tree as they are read from r, then the rest (the tail), held in b.
type parser struct {
	r      io.Reader
	b      []byte         // the tail
	d      *proto.Decoder // over b[base:]
	base   int
	start  int64  // the stream offset of b[0]; until the tail, of the next byte
	kind   string // "plain", "gzip" or "snappy", for error messages
	sum    uint32 // adler32 of the stream up to b[summed]; 1 for no bytes
	summed int
}

// off is the decoder's position in the stream.
func (p *parser) off() int64 { return p.start + int64(p.base+p.d.Offset()) }

// corrupt returns an ErrCorrupt error about offset off.
func (p *parser) corrupt(off int64, format string, args ...any) error {
	where := fmt.Sprintf("offset %d", off)
	if p.kind != "plain" {
		where += " of the uncompressed " + p.kind + " stream"
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, where, fmt.Sprintf(format, args...))
}

func (p *parser) snapshot(opts tree.Options) (*Snapshot, error) {
	var head [16]byte
	if n, err := io.ReadFull(p.r, head[:]); err != nil {
		return nil, p.readError(err, 0, "header truncated (%d bytes)", n)
	}
	d := proto.NewDecoder(head[:])
	magic, version := d.Int(), d.Int()
	if magic != Magic {
		return nil, p.corrupt(0, "magic %#08x is not a snapshot's (%#08x, \"ZKSN\")", uint32(magic), Magic)
	}
	if version != Version {
		return nil, p.corrupt(4, "unsupported snapshot version %d (want %d)", version, Version)
	}
	// The dbid is unused, as in ZooKeeper.

	var rec [12]byte
	if _, err := io.ReadFull(p.r, rec[:4]); err != nil {
		return nil, p.readError(err, 16, "bad session count (truncated)")
	}
	n := int32(binary.BigEndian.Uint32(rec[:4]))
	if n < 0 {
		return nil, p.corrupt(16, "bad session count %d", n)
	}
	// The count is not trusted for an allocation: the sessions are read
	// as they come, and a count the stream cannot hold is reported as such.
	s := &Snapshot{Sessions: make([]Session, 0, min(n, 1<<16)), LastProcessedZxid: -1}
	for range n {
		if _, err := io.ReadFull(p.r, rec[:]); err != nil {
			return nil, p.readError(err, 16, "bad session count %d", n)
		}
		s.Sessions = append(s.Sessions, Session{
			ID: int64(binary.BigEndian.Uint64(rec[:8])), Timeout: int32(binary.BigEndian.Uint32(rec[8:])),
		})
	}

	off := p.start
	t, err := tree.Load(p.r, opts)
	if err != nil {
		// p.start is where the tree decoder gave up.
		return nil, p.corrupt(p.start, "tree starting at offset %d: %v", off, err)
	}
	s.Tree = t
	// Hold the rest, the seal and sections, and check them from memory.
	p.r = p.r.(*checkedReader).r
	tail, err := io.ReadAll(io.LimitReader(p.r, maxTail+1))
	if err != nil {
		return nil, err
	}
	p.b, p.d = tail, proto.NewDecoder(tail)
	if err := p.seal("tree"); err != nil {
		return nil, err
	}
	if err := p.sections(s); err != nil {
		return nil, err
	}
	return s, nil
}

// readError is what a failed read at off means: a stream that ends too
// soon is corrupt, for the reason given; other errors are the reader's.
func (p *parser) readError(err error, off int64, format string, args ...any) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return p.corrupt(off, format, args...)
	}
	return err
}

// seal checks a seal at the decoder's position: the adler32 of every byte
// before it, then the path "/" (SnapStream.checkSealIntegrity).
func (p *parser) seal(after string) error {
	off := p.off()
	at := p.base + p.d.Offset()
	p.sum = adlerExtend(p.sum, p.b[p.summed:at])
	p.summed = at
	got := p.d.Long()
	path := p.d.String()
	switch {
	case p.d.Err() != nil:
		return p.corrupt(off, "seal after the %s missing or truncated", after)
	case uint64(got) != uint64(p.sum):
		return p.corrupt(off, "seal after the %s: checksum %#x, want %#x", after, uint64(got), p.sum)
	case path != "/":
		return p.corrupt(off, "seal after the %s: path %q, want \"/\"", after, path)
	}
	return nil
}

// sections reads the optional sections ZooKeeper 3.6+ appends after the
// tree's seal. Which are present depends on ZooKeeper's settings
// (zookeeper.digest.enabled, zookeeper.serializeLastProcessedZxid.enabled),
// which the file does not record, so each is recognised by its seal.
func (p *parser) sections(s *Snapshot) error {
	if p.d.Remaining() == 0 {
		return nil
	}
	start := p.off()
	var dg Digest
	if p.try(func(d *proto.Decoder) { dg = decodeDigest(d) }) {
		s.Digest = &dg
	}
	if p.d.Remaining() > 0 {
		var zxid int64
		if p.try(func(d *proto.Decoder) { zxid = d.Long() }) {
			s.LastProcessedZxid = zxid
			s.Tree.SetLastZxid(zxid)
		}
	}
	if p.d.Remaining() > 0 {
		if p.off() == start {
			return p.corrupt(start, "%s bytes after the tree's seal are neither a digest nor a last zxid section", p.remaining())
		}
		return p.corrupt(p.off(), "%s unexpected bytes after the last section", p.remaining())
	}
	return nil
}

// remaining says how many bytes are left after the decoder's position.
func (p *parser) remaining() string {
	if len(p.b) > maxTail {
		return fmt.Sprintf("more than %d", maxTail-(p.base+p.d.Offset()))
	}
	return fmt.Sprint(p.d.Remaining())
}

// try decodes one section with body followed by its seal from a copy of
// the parser; if that works it advances the parser past them.
func (p *parser) try(body func(*proto.Decoder)) bool {
	q := *p
	q.base = p.base + p.d.Offset()
	q.d = proto.NewDecoder(p.b[q.base:])
	body(q.d)
	if q.d.Err() != nil || q.seal("section") != nil {
		return false
	}
	*p = q
	return true
}

// decodeDigest reads DataTree.ZxidDigest: digest versions before 2 wrote the
// digest as a hex string.
func decodeDigest(d *proto.Decoder) Digest {
	dg := Digest{Zxid: d.Long(), Version: d.Int()}
	if dg.Version >= 2 {
		dg.Value = d.Long()
		return dg
	}
	var v uint64
	hex := d.String()
	if _, err := fmt.Sscanf(hex, "%x", &v); err != nil && hex != "" {
		d.Fail(errors.New("bad hex digest"))
	}
	dg.Value = int64(v)
	return dg
}
