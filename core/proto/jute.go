// Package proto is ZooKeeper's wire vocabulary: the jute encoding, opcodes,
// error codes, and the client, transaction and peer records, written by hand
// without reflection so that the hot path allocates only what it returns.
//
// Field layouts follow zookeeper-jute/src/main/resources/zookeeper.jute in
// Apache ZooKeeper; ../shared/wire holds captures that pin them byte for byte.
//
// Null versus empty: a jute buffer or vector is either null (length -1) or
// has a length. Decoders return nil for null and a non-nil slice (possibly
// empty) otherwise, and encoders write nil as -1, so that decoding and
// re-encoding a frame gives back the same bytes. A null ustring decodes as
// "" because Go strings have no null; the one record where real clients
// send null strings, ReconfigRequest, writes "" back as null (see its doc).
// Every well-formed frame in ../shared/wire round-trips under these rules.
//
// Decoders never panic on hostile input and allocate at most a small
// multiple of the input: vector counts are checked against the bytes left
// (Decoder.VectorLen) before anything is allocated.
package proto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrShortBuffer is returned by a Decoder that ran out of bytes.
var ErrShortBuffer = errors.New("proto: record truncated")

// ErrBadLength is returned for a negative (other than -1) or impossible length.
var ErrBadLength = errors.New("proto: bad length")

// Record is a jute record: fields in declaration order, no tags, no length.
type Record interface {
	// Encode appends the record to e.
	Encode(e *Encoder)
	// Decode reads the record from d; errors are sticky in d.
	Decode(d *Decoder)
}

// Encoder appends jute-encoded values to a byte slice. The zero value is ready.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns everything encoded so far.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len is the number of bytes encoded so far.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset empties the encoder, keeping its buffer.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// Int appends a 4-byte big-endian int.
func (e *Encoder) Int(v int32) { e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v)) }

// Long appends an 8-byte big-endian long.
func (e *Encoder) Long(v int64) { e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v)) }

// Bool appends one byte, 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// Buffer appends a length-prefixed byte string; nil is written as length -1,
// as ZooKeeper writes a null buffer.
func (e *Encoder) Buffer(b []byte) {
	if b == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(b)))
	e.buf = append(e.buf, b...)
}

// String appends a length-prefixed UTF-8 string (never null).
func (e *Encoder) String(s string) {
	e.Int(int32(len(s)))
	e.buf = append(e.buf, s...)
}

// Strings appends a vector<ustring>; nil is written as -1 (null vector).
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// Raw appends bytes with no length prefix.
func (e *Encoder) Raw(b []byte) { e.buf = append(e.buf, b...) }

// Decoder reads jute-encoded values from a byte slice. The first error is
// sticky: later reads return zero values, and Err reports it.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder over b. Returned byte slices alias b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Reset makes d decode b from its start, forgetting any error; a Decoder
// kept per connection this way costs no allocation per frame.
func (d *Decoder) Reset(b []byte) { *d = Decoder{buf: b} }

// Err is the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Offset is the number of bytes consumed.
func (d *Decoder) Offset() int { return d.off }

// Remaining is the number of bytes not yet consumed.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Rest returns the unread bytes and consumes them.
func (d *Decoder) Rest() []byte {
	b := d.buf[d.off:]
	d.off = len(d.buf)
	return b
}

// Fail records err unless an error is already recorded.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.buf)-d.off {
		d.err = ErrShortBuffer
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

// Int reads a 4-byte big-endian int.
func (d *Decoder) Int() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Long reads an 8-byte big-endian long.
func (d *Decoder) Long() int64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads one byte; any non-zero value is true, as Java's readBoolean.
func (d *Decoder) Bool() bool {
	b := d.take(1)
	return b != nil && b[0] != 0
}

// Buffer reads a length-prefixed byte string; length -1 gives nil, length 0
// a non-nil empty slice, so that re-encoding gives the same bytes.
func (d *Decoder) Buffer() []byte {
	n := d.Int()
	if d.err != nil {
		return nil
	}
	if n == -1 {
		return nil
	}
	if n < -1 {
		d.err = fmt.Errorf("%w: %d", ErrBadLength, n)
		return nil
	}
	b := d.take(int(n))
	if b == nil {
		return nil
	}
	return b
}

// String reads a length-prefixed string; a null string (-1) reads as "".
func (d *Decoder) String() string {
	n := d.Int()
	if d.err != nil || n == -1 {
		return ""
	}
	if n < -1 {
		d.err = fmt.Errorf("%w: %d", ErrBadLength, n)
		return ""
	}
	return string(d.take(int(n)))
}

// VectorLen reads a vector's element count: -1 (null) is returned as -1;
// a count that cannot fit in the remaining bytes at minSize bytes per
// element is an error, so hostile input cannot force a huge allocation.
func (d *Decoder) VectorLen(minSize int) int {
	n := d.Int()
	if d.err != nil {
		return 0
	}
	if n == -1 {
		return -1
	}
	if n < -1 || (minSize > 0 && int64(n) > int64(d.Remaining())/int64(minSize)) || n > math.MaxInt32 {
		d.err = fmt.Errorf("%w: vector of %d", ErrBadLength, n)
		return 0
	}
	return int(n)
}

// Strings reads a vector<ustring>; null gives nil, empty a non-nil slice.
func (d *Decoder) Strings() []string {
	n := d.VectorLen(4)
	if n < 0 || d.err != nil {
		return nil
	}
	v := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		v = append(v, d.String())
	}
	return v
}

// Marshal encodes r into a new byte slice.
func Marshal(r Record) []byte {
	var e Encoder
	r.Encode(&e)
	return e.buf
}

// Unmarshal decodes r from b, requiring that every byte is consumed.
func Unmarshal(b []byte, r Record) error {
	d := NewDecoder(b)
	r.Decode(d)
	if d.err != nil {
		return d.err
	}
	if d.Remaining() != 0 {
		return fmt.Errorf("proto: %d trailing bytes", d.Remaining())
	}
	return nil
}
