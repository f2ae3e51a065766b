package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The segment header. Integers are big-endian, as in jute.
//
//	0  magic      "WZKL"
//	4  version    uint32, formatVersion
//	8  prev zxid  int64: the entry before this segment (0 if none)
//	16 reserved   12 zero bytes
//	28 crc32c     of bytes 0..28
const (
	segmentMagic  = "WZKL"
	formatVersion = 1
	headerSize    = 32
)

// A record. Its length counts the bytes after the CRC, which are the bytes
// the CRC covers, so a real record never has length 0: a zero length marks
// the end of the written log.
//
//	0  length     uint32: 12 + len(data)
//	4  crc32c     of bytes 8..8+length
//	8  write      uint32: offset in the segment where the write carrying
//	              this record began (see recover.go for why)
//	12 zxid       int64
//	20 data
const (
	recordHeaderSize = 20
	recordFixed      = 12 // length of a record with no data
	// maxEntrySize bounds one entry's data: offsets in a segment stay well
	// inside uint32, and a corrupt length cannot make recovery allocate
	// gigabytes.
	maxEntrySize = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeHeader returns the header of a segment that follows entry prev.
func encodeHeader(prev int64) []byte {
	h := make([]byte, headerSize)
	copy(h, segmentMagic)
	binary.BigEndian.PutUint32(h[4:], formatVersion)
	binary.BigEndian.PutUint64(h[8:], uint64(prev))
	binary.BigEndian.PutUint32(h[28:], crc32.Checksum(h[:28], castagnoli))
	return h
}

// decodeHeader checks a segment header and returns its prev zxid.
func decodeHeader(h []byte) (prev int64, err error) {
	if len(h) < headerSize {
		return 0, fmt.Errorf("header is %d bytes, want %d", len(h), headerSize)
	}
	if string(h[:4]) != segmentMagic {
		return 0, fmt.Errorf("magic %q is not %q: not a Warren log segment", h[:4], segmentMagic)
	}
	if v := binary.BigEndian.Uint32(h[4:]); v != formatVersion {
		return 0, fmt.Errorf("format version %d; this build reads version %d only: run the Warren version that wrote it", v, formatVersion)
	}
	if got, want := crc32.Checksum(h[:28], castagnoli), binary.BigEndian.Uint32(h[28:]); got != want {
		return 0, fmt.Errorf("header checksum %#08x, want %#08x", got, want)
	}
	return int64(binary.BigEndian.Uint64(h[8:])), nil
}

// appendRecord encodes one record at the end of dst.
func appendRecord(dst []byte, zxid int64, write uint32, data []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(recordFixed+len(data)))
	dst = append(dst, 0, 0, 0, 0) // CRC, filled below
	dst = binary.BigEndian.AppendUint32(dst, write)
	dst = binary.BigEndian.AppendUint64(dst, uint64(zxid))
	dst = append(dst, data...)
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+8:], castagnoli))
	return dst
}

// record is one decoded record; data aliases the buffer it was read from.
type record struct {
	off   int64 // offset in the segment
	size  int64 // bytes on disk
	write int64 // offset where the write carrying it began
	zxid  int64
	data  []byte
}

// recordLength returns the total size of the record whose header starts b,
// or 0 if b starts with a zero length (the end of the written log).
func recordLength(b []byte) int64 {
	n := int64(binary.BigEndian.Uint32(b))
	if n == 0 {
		return 0
	}
	return 8 + n
}

// decodeRecord decodes the record that fills b exactly (recordLength bytes,
// at least recordHeaderSize, read at offset off), checking its CRC and that
// it was written where it says.
func decodeRecord(b []byte, off int64) (record, error) {
	if got, want := crc32.Checksum(b[8:], castagnoli), binary.BigEndian.Uint32(b[4:]); got != want {
		return record{}, fmt.Errorf("checksum mismatch (%#08x, want %#08x)", got, want)
	}
	r := decodeRecordHeader(b)
	r.off, r.size, r.data = off, int64(len(b)), b[recordHeaderSize:]
	if r.write < headerSize || r.write > off {
		return record{}, fmt.Errorf("record claims its write began at offset %d", r.write)
	}
	return r, nil
}

// decodeRecordHeader reads the write offset and zxid of a record header,
// unchecked.
func decodeRecordHeader(h []byte) record {
	return record{
		write: int64(binary.BigEndian.Uint32(h[8:])),
		zxid:  int64(binary.BigEndian.Uint64(h[12:])),
	}
}

// isZero reports whether b holds only zero bytes.
func isZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// zeros is what allZero compares with and zeroAhead writes; nothing
// writes to it.
var zeros = make([]byte, zeroAhead)
