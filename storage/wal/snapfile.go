package wal

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
)

// The footer ends every snapshot file, after the stream; integers are
// big-endian. The magic comes last so that a reader checks it first.
//
//	0  zxid      int64: the label given to Create
//	8  size      uint64: the stream's length
//	16 crc32c    of the stream
//	20 version   uint32, formatVersion
//	24 magic     "WZKS"
const (
	snapshotMagic = "WZKS"
	footerSize    = 28
)

// footer is a decoded snapshot footer.
type footer struct {
	zxid int64
	size int64
	crc  uint32
}

func (f footer) encode() []byte {
	b := make([]byte, 0, footerSize)
	b = binary.BigEndian.AppendUint64(b, uint64(f.zxid))
	b = binary.BigEndian.AppendUint64(b, uint64(f.size))
	b = binary.BigEndian.AppendUint32(b, f.crc)
	b = binary.BigEndian.AppendUint32(b, formatVersion)
	return append(b, snapshotMagic...)
}

// readFooter reads and checks the footer of snapshot file f, but not the
// stream's CRC.
func readFooter(f *os.File) (footer, error) {
	st, err := f.Stat()
	if err != nil {
		return footer{}, err
	}
	if st.Size() < footerSize {
		return footer{}, fmt.Errorf("%w: %d bytes is too short for a snapshot (no footer)", ErrCorrupt, st.Size())
	}
	b := make([]byte, footerSize)
	if _, err := f.ReadAt(b, st.Size()-footerSize); err != nil {
		return footer{}, err
	}
	if string(b[24:]) != snapshotMagic {
		return footer{}, fmt.Errorf("%w: no snapshot footer (magic %q, want %q): the file is truncated or not a Warren snapshot", ErrCorrupt, b[24:], snapshotMagic)
	}
	if v := binary.BigEndian.Uint32(b[20:]); v != formatVersion {
		return footer{}, fmt.Errorf("%w: snapshot format version %d; this build reads version %d only", ErrCorrupt, v, formatVersion)
	}
	ft := footer{
		zxid: int64(binary.BigEndian.Uint64(b)),
		size: int64(binary.BigEndian.Uint64(b[8:])),
		crc:  binary.BigEndian.Uint32(b[16:]),
	}
	if ft.size != st.Size()-footerSize {
		return footer{}, fmt.Errorf("%w: the footer gives a %d-byte stream, the file holds %d", ErrCorrupt, ft.size, st.Size()-footerSize)
	}
	return ft, nil
}

// verifySnapshot checks snapshot file f whole: footer and stream CRC.
func verifySnapshot(f *os.File) (footer, error) {
	ft, err := readFooter(f)
	if err != nil {
		return footer{}, err
	}
	if _, err := io.Copy(io.Discard, newCheckingReader(f, ft)); err != nil {
		return footer{}, err
	}
	return ft, nil
}

// OpenSnapshotFile opens the snapshot file at path for reading, after
// checking its footer and CRC, and returns its zxid and its stream (without
// the footer). The caller closes the reader.
func OpenSnapshotFile(path string) (zxid int64, r io.ReadCloser, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("storage/wal: open snapshot: %w", err)
	}
	ft, err := verifySnapshot(f)
	if err != nil {
		f.Close()
		return 0, nil, fmt.Errorf("storage/wal: snapshot %s: %w", path, err)
	}
	return ft.zxid, snapshotReader{io.NewSectionReader(f, 0, ft.size), f}, nil
}

// snapshotReader reads a snapshot's stream and closes its file.
type snapshotReader struct {
	*io.SectionReader
	f *os.File
}

func (r snapshotReader) Close() error { return r.f.Close() }

// checkingReader reads a snapshot's stream, checking its CRC against the
// footer's as it goes: the Read that reaches the end fails if they differ.
type checkingReader struct {
	r    io.Reader
	f    *os.File
	crc  hash.Hash32
	want uint32
	err  error
}

func newCheckingReader(f *os.File, ft footer) *checkingReader {
	return &checkingReader{r: io.NewSectionReader(f, 0, ft.size), f: f, crc: crc32.New(castagnoli), want: ft.crc}
}

func (c *checkingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	if err == io.EOF {
		if got := c.crc.Sum32(); got != c.want {
			err = fmt.Errorf("%w: snapshot checksum %#08x, the footer says %#08x", ErrCorrupt, got, c.want)
		}
	}
	c.err = err
	return n, err
}

func (c *checkingReader) Close() error { return c.f.Close() }
