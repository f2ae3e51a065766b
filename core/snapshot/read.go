package snapshot

import (
	"bufio"
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
// The whole uncompressed stream is held in memory while the tree is built,
// because the tree decoder works on a byte slice.
func Read(r io.Reader, opts tree.Options) (*Snapshot, error) {
	src := &sourceReader{r: r}
	body, kind, err := decompress(bufio.NewReaderSize(src, 64<<10))
	if err == nil {
		var b []byte
		if b, err = io.ReadAll(body); err == nil {
			p := parser{b: b, d: proto.NewDecoder(b), kind: kind, sum: 1}
			return p.snapshot(opts)
		}
	}
	if src.err != nil {
		return nil, fmt.Errorf("snapshot: read: %w", src.err)
	}
	return nil, fmt.Errorf("%w: %s stream: %v", ErrCorrupt, kind, err)
}

// sourceReader remembers whether the underlying reader failed, so that Read
// can tell an I/O error from a damaged compressed stream.
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

// parser walks one uncompressed snapshot stream held in b.
type parser struct {
	b      []byte
	d      *proto.Decoder // over b[base:]
	base   int
	kind   string // "plain", "gzip" or "snappy", for error messages
	sum    uint32 // adler32 of b[:summed]; 1 for no bytes
	summed int
}

// off is the decoder's position in b.
func (p *parser) off() int { return p.base + p.d.Offset() }

// corrupt returns an ErrCorrupt error about offset off.
func (p *parser) corrupt(off int, format string, args ...any) error {
	where := fmt.Sprintf("offset %d", off)
	if p.kind != "plain" {
		where += " of the uncompressed " + p.kind + " stream"
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, where, fmt.Sprintf(format, args...))
}

func (p *parser) snapshot(opts tree.Options) (*Snapshot, error) {
	d := p.d
	magic, version := d.Int(), d.Int()
	d.Long() // dbid: unused, as in ZooKeeper
	if d.Err() != nil {
		return nil, p.corrupt(0, "header truncated (%d bytes)", len(p.b))
	}
	if magic != Magic {
		return nil, p.corrupt(0, "magic %#08x is not a snapshot's (%#08x, \"ZKSN\")", uint32(magic), Magic)
	}
	if version != Version {
		return nil, p.corrupt(4, "unsupported snapshot version %d (want %d)", version, Version)
	}

	off := p.off()
	n := d.Int()
	if d.Err() != nil || n < 0 || int64(n) > int64(d.Remaining())/12 {
		return nil, p.corrupt(off, "bad session count %d", n)
	}
	s := &Snapshot{Sessions: make([]Session, n), LastProcessedZxid: -1}
	for i := range s.Sessions {
		s.Sessions[i] = Session{ID: d.Long(), Timeout: d.Int()}
	}

	off = p.off()
	t, err := tree.Deserialize(d, opts)
	if err != nil {
		// d's offset is where the tree decoder gave up.
		return nil, p.corrupt(p.off(), "tree starting at offset %d: %v", off, err)
	}
	s.Tree = t
	if err := p.seal("tree"); err != nil {
		return nil, err
	}
	if err := p.sections(s); err != nil {
		return nil, err
	}
	return s, nil
}

// seal checks a seal at the decoder's position: the adler32 of every byte
// before it, then the path "/" (SnapStream.checkSealIntegrity).
func (p *parser) seal(after string) error {
	off := p.off()
	p.sum = adlerExtend(p.sum, p.b[p.summed:off])
	p.summed = off
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
			return p.corrupt(start, "%d bytes after the tree's seal are neither a digest nor a last zxid section", p.d.Remaining())
		}
		return p.corrupt(p.off(), "%d unexpected bytes after the last section", p.d.Remaining())
	}
	return nil
}

// try decodes one section with body followed by its seal from a copy of
// the parser; if that works it advances the parser past them.
func (p *parser) try(body func(*proto.Decoder)) bool {
	q := *p
	q.base = p.off()
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

// adlerExtend continues the adler32 checksum sum (of some bytes) over p, as
// java.util.zip.Adler32 does when more bytes pass a CheckedInputStream.
func adlerExtend(sum uint32, p []byte) uint32 {
	const mod = 65521
	const nmax = 5552 // most bytes before b can overflow 32 bits
	a, b := sum&0xffff, sum>>16
	for len(p) > 0 {
		n := min(len(p), nmax)
		for _, c := range p[:n] {
			a += uint32(c)
			b += a
		}
		a %= mod
		b %= mod
		p = p[n:]
	}
	return b<<16 | a
}
