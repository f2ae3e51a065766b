package wal

import (
	"errors"
	"fmt"
	"io"
)

// errEnd reports a zero length where a record would start: the end of the
// written part of a segment.
var errEnd = errors.New("end of written log")

// readChunk is how much a recordReader reads at once.
const readChunk = 256 << 10

// recordReader reads consecutive records of one segment file, from off up
// to limit, through a read-ahead buffer.
type recordReader struct {
	r     io.ReaderAt
	off   int64 // offset of the next record
	limit int64 // no record is read at or past limit

	buf    []byte
	bufOff int64 // file offset of buf[0]
}

// next returns the record at r.off and moves past it. It returns io.EOF at
// limit, errEnd at a zero length, and another error for a record that is
// short, has a bad length or a bad CRC; r.off then stays on that record.
// The record's data is valid until the next call.
func (r *recordReader) next() (record, error) {
	left := r.limit - r.off
	if left <= 0 {
		return record{}, io.EOF
	}
	h, err := r.window(min(recordHeaderSize, left))
	if err != nil {
		return record{}, err
	}
	if isZero(h[:min(4, len(h))]) {
		return record{}, errEnd
	}
	if len(h) < recordHeaderSize {
		return record{}, fmt.Errorf("partial record: %d bytes left in the segment", len(h))
	}
	n := recordLength(h)
	if n < recordHeaderSize || n > recordHeaderSize+maxEntrySize {
		return record{}, fmt.Errorf("invalid record length %d", n-8)
	}
	if n > left {
		return record{}, fmt.Errorf("record of %d bytes runs past the end of the segment (%d bytes left)", n, left)
	}
	b, err := r.window(n)
	if err != nil {
		return record{}, err
	}
	rec, err := decodeRecord(b, r.off)
	if err != nil {
		return record{}, err
	}
	r.off += n
	return rec, nil
}

// window returns the n bytes at r.off, reading ahead when the buffer does
// not hold them. n never exceeds r.limit - r.off.
func (r *recordReader) window(n int64) ([]byte, error) {
	if start := r.off - r.bufOff; r.off >= r.bufOff && start+n <= int64(len(r.buf)) {
		return r.buf[start : start+n], nil
	}
	want := min(max(n, readChunk), r.limit-r.off)
	if int64(cap(r.buf)) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	m, err := r.r.ReadAt(r.buf, r.off)
	if int64(m) < n {
		r.buf = r.buf[:0]
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the file is shorter than it was
		}
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, r.off, err)
	}
	r.buf, r.bufOff = r.buf[:m], r.off
	return r.buf[:n], nil
}
