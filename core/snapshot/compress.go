package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
)

// ZooKeeper's SnapStream compresses snapshots with java.util.zip's gzip or
// with snappy-java's SnappyOutputStream, whose framing is its own (not the
// Snappy framing format): a 16-byte header (the magic below, then int
// version 1 and int minimum compatible version 1), then chunks of an int
// big-endian length and one raw Snappy block of up to 32 KiB uncompressed.
// A header may recur between chunks where streams were concatenated.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const xerialHeaderLen = 16

// decompress returns the uncompressed content of br, recognising gzip and
// snappy-java streams by their first bytes, and the kind it found.
func decompress(br *bufio.Reader) (io.Reader, string, error) {
	head, _ := br.Peek(len(xerialMagic))
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "gzip", err
		}
		return zr, "gzip", nil
	case bytes.Equal(head, xerialMagic):
		return &xerialReader{r: br}, "snappy", nil
	}
	return br, "plain", nil
}

// xerialReader undoes snappy-java's SnappyOutputStream framing.
type xerialReader struct {
	r      io.Reader
	header bool   // whether the stream's first header has been read
	out    []byte // the current chunk, uncompressed, not yet read
	comp   bytes.Buffer
	err    error
}

func (x *xerialReader) Read(p []byte) (int, error) {
	for len(x.out) == 0 {
		if x.err != nil {
			return 0, x.err
		}
		x.err = x.next()
	}
	n := copy(p, x.out)
	x.out = x.out[n:]
	return n, nil
}

// next reads the next chunk into x.out, or returns io.EOF at the end.
func (x *xerialReader) next() error {
	if !x.header {
		x.header = true
		return x.readHeader(nil)
	}
	var size [4]byte
	if n, err := io.ReadFull(x.r, size[:]); err != nil {
		if n == 0 && err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("snappy chunk length: %w", noEOF(err))
	}
	if bytes.Equal(size[:], xerialMagic[:4]) {
		return x.readHeader(size[:])
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 0 {
		return fmt.Errorf("snappy chunk length %d", n)
	}
	// Copy rather than allocate n up front: a damaged length must not
	// cost more memory than the input holds.
	x.comp.Reset()
	if _, err := io.CopyN(&x.comp, x.r, int64(n)); err != nil {
		return fmt.Errorf("snappy chunk of %d bytes: %w", n, noEOF(err))
	}
	chunk := x.comp.Bytes()
	size32, err := snappy.DecodedLen(chunk)
	if err != nil {
		return fmt.Errorf("snappy chunk: %w", err)
	}
	// A Snappy block expands at most about 22 times (a 3-byte copy of
	// 64 bytes); a larger claim is damage, not data.
	if size32 > 22*len(chunk)+64 {
		return fmt.Errorf("snappy chunk of %d bytes claims %d uncompressed", len(chunk), size32)
	}
	out, err := snappy.Decode(nil, chunk)
	if err != nil {
		return fmt.Errorf("snappy chunk: %w", err)
	}
	x.out = out
	return nil
}

// readHeader reads and checks a stream header, of which got holds the bytes
// already read.
func (x *xerialReader) readHeader(got []byte) error {
	h := make([]byte, xerialHeaderLen)
	copy(h, got)
	if _, err := io.ReadFull(x.r, h[len(got):]); err != nil {
		return fmt.Errorf("snappy header: %w", noEOF(err))
	}
	if !bytes.Equal(h[:8], xerialMagic) {
		return errors.New("bad snappy header")
	}
	if compat := int32(binary.BigEndian.Uint32(h[12:])); compat > 1 {
		return fmt.Errorf("snappy stream needs codec version %d (this reader has 1)", compat)
	}
	return nil
}

// noEOF turns a clean EOF inside a structure into an unexpected one.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
