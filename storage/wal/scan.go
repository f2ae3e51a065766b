package wal

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// scan is what reading a segment file from end to end found.
type scan struct {
	seg     segment // path, name, prev, last, size (the valid records' end), index
	first   int64   // zxid of the first record, 0 if none
	records int
	file    int64 // the file's size

	// When the records stop before the file does:
	bad     string // why the bytes at seg.size are not a record ("" for zeros)
	garbage int64  // non-zero bytes from seg.size to the last non-zero byte
	later   int64  // offset of a valid record from a later write, or -1

	// tornHeader: the file is too short for a header, or it is all zeros:
	// a crash while the segment was being created.
	tornHeader bool
}

// clean reports whether the segment ends in zeros or at its end.
func (s *scan) clean() bool { return s.bad == "" && s.garbage == 0 }

// scanSegment reads and checks every record of the segment file at path.
// It returns a *CorruptError for damage no crash explains (a bad header,
// zxids out of order); the caller judges what sits past the last record.
func scanSegment(path string, name int64) (*scan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s := &scan{seg: segment{path: path, name: name}, file: st.Size(), later: -1}
	h := make([]byte, min(headerSize, s.file))
	if _, err := f.ReadAt(h, 0); err != nil {
		return nil, fmt.Errorf("read header of %s: %w", path, err)
	}
	if len(h) < headerSize || isZero(h) {
		g, _, err := examineTail(f, 0, s.file, 0)
		if err != nil {
			return nil, err
		}
		if g == 0 {
			s.tornHeader = true
			return s, nil
		}
	}
	if s.seg.prev, err = decodeHeader(h); err != nil {
		return nil, &CorruptError{path, 0, err.Error()}
	}
	if name <= s.seg.prev {
		return nil, &CorruptError{path, 0, fmt.Sprintf("the header says the segment follows zxid %#x, not before its name", s.seg.prev)}
	}
	s.seg.last, s.seg.size = s.seg.prev, headerSize
	r := recordReader{r: f, off: headerSize, limit: s.file}
	for {
		rec, err := r.next()
		if err == io.EOF || err == errEnd {
			break
		}
		if err != nil {
			s.bad = err.Error()
			break
		}
		if s.records == 0 && rec.zxid != name {
			return nil, &CorruptError{path, rec.off, fmt.Sprintf("first zxid %#x does not match the file name", rec.zxid)}
		}
		if rec.zxid <= s.seg.last {
			return nil, &CorruptError{path, rec.off, fmt.Sprintf("zxid %#x follows zxid %#x", rec.zxid, s.seg.last)}
		}
		if s.records == 0 {
			s.first = rec.zxid
		}
		s.records++
		s.seg.addIndex(rec.zxid, rec.off)
		s.seg.last, s.seg.size = rec.zxid, rec.off+rec.size
	}
	if s.seg.size < s.file {
		s.garbage, s.later, err = examineTail(f, s.seg.size, s.file, s.seg.last)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return s, nil
}

// examineTail examines [end, size) of a segment whose valid records stop at end.
// It returns how many bytes from end to the last non-zero byte there are,
// and the offset of the first valid record, newer than last, written by a
// later write than the one that reached end (-1 if none). Such a record
// proves the bytes at end were once durable: a Sync writes only after the
// previous one's fsync returned.
func examineTail(f io.ReaderAt, end, size, last int64) (garbage, later int64, err error) {
	later = -1
	buf := make([]byte, readChunk+recordHeaderSize)
	for pos := end; pos < size; pos += readChunk {
		n := min(int64(len(buf)), size-pos)
		b := buf[:n]
		if _, err := f.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, -1, err
		}
		scanned := min(n, readChunk)
		if isZero(b[:scanned]) {
			continue
		}
		for i := scanned - 1; i >= 0; i-- {
			if b[i] != 0 {
				garbage = pos + i + 1 - end
				break
			}
		}
		for i := int64(0); i < scanned && later < 0; i++ {
			p := pos + i
			if p == end || i+recordHeaderSize > n {
				continue
			}
			later, err = laterRecord(f, b[i:i+recordHeaderSize], p, end, size, last)
			if err != nil {
				return 0, -1, err
			}
		}
	}
	return garbage, later, nil
}

// laterRecord returns p if a valid record newer than last, written after
// end, starts at p (h holds its first bytes), and -1 otherwise.
func laterRecord(f io.ReaderAt, h []byte, p, end, size, last int64) (int64, error) {
	n := recordLength(h)
	if n < recordHeaderSize || n > size-p || n > recordHeaderSize+maxEntrySize {
		return -1, nil
	}
	probe := decodeRecordHeader(h)
	if probe.write <= end || probe.write > p || probe.zxid <= last {
		return -1, nil
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, p); err != nil {
		return -1, err
	}
	if _, err := decodeRecord(b, p); err != nil {
		return -1, nil
	}
	return p, nil
}
