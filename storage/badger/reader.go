package badger

import (
	"fmt"
	"hash"
	"io"

	"github.com/warrenzk/warren/storage"
)

// reader streams a snapshot a chunk at a time, each chunk in its own short
// read transaction. It checks the size and CRC at the end: a snapshot
// opened by Open is checked there only, and damage done after OpenNewest
// verified one is not passed on silently.
type reader struct {
	snaps    *Snapshots
	meta     snapMeta
	verified bool // by OpenNewest, before the reader was returned
	// next is the index of the next chunk to read.
	next uint32
	// chunk holds the current chunk; buf is its unread part.
	chunk, buf []byte
	crc        hash.Hash32
	size       int64
	err        error
	closed     bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("storage/badger: read snapshot %#x: %w", r.meta.zxid, storage.ErrClosed)
	}
	for len(r.buf) == 0 && r.err == nil {
		r.err = r.fill()
	}
	if len(r.buf) == 0 {
		return 0, r.err
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// fill reads the next chunk into buf, or returns io.EOF after the last
// one if the stream still matches its meta record.
func (r *reader) fill() error {
	if r.next == r.meta.chunks {
		if r.size != r.meta.size || r.crc.Sum32() != r.meta.crc {
			what := "is damaged"
			if r.verified {
				what = "changed after it was verified"
			}
			return fmt.Errorf("storage/badger: read snapshot %s: the stream %s (%d bytes, CRC-32C %08x; meta %d bytes, %08x)",
				r.meta.public().ID, what, r.size, r.crc.Sum32(), r.meta.size, r.meta.crc)
		}
		return io.EOF
	}
	r.snaps.life.RLock()
	defer r.snaps.life.RUnlock()
	if r.snaps.closed {
		return fmt.Errorf("storage/badger: read snapshot %#x: %w", r.meta.zxid, storage.ErrClosed)
	}
	err := r.snaps.readChunk(r.meta.id, r.next, func(v []byte) error {
		r.chunk = append(r.chunk[:0], v...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage/badger: read snapshot %s: %w", r.meta.public().ID, err)
	}
	r.next++
	r.buf = r.chunk
	r.crc.Write(r.chunk)
	r.size += int64(len(r.chunk))
	return nil
}

// Close releases the snapshot; if it was purged while being read, the last
// reader to close deletes it.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed, r.chunk, r.buf = true, nil, nil
	s := r.snaps
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil // the next open removes a purged snapshot's leftovers
	}
	if err := s.release(r.meta.id); err != nil {
		return fmt.Errorf("storage/badger: remove snapshot %s purged while read (the next open retries): %w", r.meta.public().ID, err)
	}
	return nil
}
