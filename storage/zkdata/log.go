package zkdata

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"os"

	"github.com/warrenzk/warren/storage"
)

// A txn log file (FileTxnLog) is a FileHeader (int magic "ZKLG", int
// version 2, long dbid), then one record per txn: long adler32 of the txn
// bytes, int length, the txn bytes (TxnHeader, txn record, digest), and the
// byte 'B'. ZooKeeper preallocates files with zeros, so a record length of 0
// marks the end of the written part.

// LogMagic is the magic number of a txn log file ("ZKLG").
const LogMagic int32 = 0x5a4b4c47

// ErrCorrupt is wrapped by the errors of a log file that is damaged rather
// than merely cut short.
var ErrCorrupt = errors.New("zkdata: corrupt log")

// FileHeader starts every log file.
type FileHeader struct {
	Magic   int32
	Version int32
	DBID    int64
}

// LogReader reads the records of one log file, as a storage.Iterator. Like
// ZooKeeper it treats a torn tail (a record cut short, or not ended by 'B',
// as a crash mid-write leaves it) as the end of the file: Next returns false
// with Err nil, and Torn says what was cut. A record whose checksum does
// not match is an error wrapping ErrCorrupt that names the file and offset.
type LogReader struct {
	name   string
	br     *bufio.Reader
	c      io.Closer
	header FileHeader
	off    int64 // offset of the next record
	last   int64 // offset of the record Next returned last
	buf    bytes.Buffer
	done   bool
	err    error
	torn   string
}

// OpenLog opens a log file and reads its header.
func OpenLog(path string) (*LogReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("zkdata: %w", err)
	}
	l, err := NewLogReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	l.c = f
	return l, nil
}

// NewLogReader reads a log file's header from r; name is used in errors. An
// empty r is an empty log (ZooKeeper removes such a file when it is the
// newest: a crash came before the header was written).
func NewLogReader(r io.Reader, name string) (*LogReader, error) {
	l := &LogReader{name: name, br: bufio.NewReaderSize(r, 64<<10)}
	var h [16]byte
	n, err := io.ReadFull(l.br, h[:])
	switch {
	case n == 0 && err == io.EOF:
		l.done = true
		return l, nil
	case err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: %s: header cut short at %d bytes", ErrCorrupt, name, n)
	case err != nil:
		return nil, fmt.Errorf("zkdata: read %s: %w", name, err)
	}
	l.header = FileHeader{
		Magic:   int32(binary.BigEndian.Uint32(h[0:])),
		Version: int32(binary.BigEndian.Uint32(h[4:])),
		DBID:    int64(binary.BigEndian.Uint64(h[8:])),
	}
	if l.header.Magic != LogMagic {
		return nil, fmt.Errorf("%w: %s: magic %#08x is not a txn log's (%#08x, \"ZKLG\")", ErrCorrupt, name, uint32(l.header.Magic), LogMagic)
	}
	l.off = 16
	return l, nil
}

// Header returns the file header.
func (l *LogReader) Header() FileHeader { return l.header }

// Offset returns the file offset of the record Next returned last.
func (l *LogReader) Offset() int64 { return l.last }

// Torn describes the torn tail that ended the file early, or is "" if the
// file ended cleanly (at its end or at the preallocated zeros).
func (l *LogReader) Torn() string { return l.torn }

// Next returns the next record's txn, its zxid taken from the TxnHeader in
// it. Data is valid until the next call.
func (l *LogReader) Next() (storage.Entry, bool) {
	if l.done {
		return storage.Entry{}, false
	}
	start := l.off
	var head [12]byte // checksum, length
	n, err := io.ReadFull(l.br, head[:])
	switch {
	case n == 0 && err == io.EOF:
		return l.end("")
	case err == io.ErrUnexpectedEOF:
		return l.end(fmt.Sprintf("the file ends %d bytes into the record at offset %d", n, start))
	case err != nil:
		return l.fail(fmt.Errorf("zkdata: read %s: %w", l.name, err))
	}
	sum := binary.BigEndian.Uint64(head[:8])
	size := int32(binary.BigEndian.Uint32(head[8:]))
	switch {
	case size == 0:
		return l.end("") // the preallocated zeros
	case size < 0:
		return l.fail(l.corrupt(start, "record length %d", size))
	}
	l.buf.Reset()
	// Copy rather than allocate size up front: a damaged length costs no
	// more memory than the file holds.
	if got, err := io.CopyN(&l.buf, l.br, int64(size)); err != nil {
		if err == io.EOF {
			return l.end(fmt.Sprintf("the file ends %d bytes into the %d-byte txn at offset %d", got, size, start))
		}
		return l.fail(fmt.Errorf("zkdata: read %s: %w", l.name, err))
	}
	eor, err := l.br.ReadByte()
	switch {
	case err == io.EOF:
		return l.end(fmt.Sprintf("the record at offset %d has no end-of-record mark", start))
	case err != nil:
		return l.fail(fmt.Errorf("zkdata: read %s: %w", l.name, err))
	case eor != 'B':
		return l.end(fmt.Sprintf("the record at offset %d ends with %#02x, not 'B' (last transaction was partial)", start, eor))
	}
	data := l.buf.Bytes()
	if want := adler32.Checksum(data); sum != uint64(want) {
		return l.fail(l.corrupt(start, "checksum %#x, want %#x (ZooKeeper's zkTxnLogToolkit.sh -r can rewrite it, if the txn is known good)", sum, want))
	}
	if len(data) < txnHeaderLen {
		return l.fail(l.corrupt(start, "%d-byte txn is shorter than a txn header", len(data)))
	}
	l.last = start
	l.off = start + 12 + int64(size) + 1
	return storage.Entry{Zxid: int64(binary.BigEndian.Uint64(data[12:20])), Data: data}, true
}

// txnHeaderLen is the size of a TxnHeader: long clientId, int cxid, long
// zxid, long time, int type.
const txnHeaderLen = 32

func (l *LogReader) corrupt(off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s: record at offset %d: %s", ErrCorrupt, l.name, off, fmt.Sprintf(format, args...))
}

func (l *LogReader) end(torn string) (storage.Entry, bool) {
	l.done = true
	l.torn = torn
	return storage.Entry{}, false
}

func (l *LogReader) fail(err error) (storage.Entry, bool) {
	l.done = true
	l.err = err
	return storage.Entry{}, false
}

// Err returns the error that stopped Next, or nil at the end of the file.
func (l *LogReader) Err() error { return l.err }

// Close closes the file OpenLog opened.
func (l *LogReader) Close() error {
	l.done = true
	if l.c == nil {
		return nil
	}
	c := l.c
	l.c = nil
	return c.Close()
}
