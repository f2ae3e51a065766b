package badger

import (
	"fmt"
	"hash"

	"github.com/warrenzk/warren/storage"
)

// sink cuts a snapshot's stream into chunks, writing each as it fills;
// Commit writes the last one with the committed meta record.
type sink struct {
	snaps *Snapshots
	// meta counts the chunks written and the bytes taken so far.
	meta snapMeta
	// buf is the chunk being filled.
	buf []byte
	crc hash.Hash32
	// err is the first write failure; the snapshot is then lost.
	err  error
	done bool
}

func (k *sink) Write(p []byte) (int, error) {
	if k.done {
		return 0, fmt.Errorf("storage/badger: write snapshot %#x: %w", k.meta.zxid, storage.ErrClosed)
	}
	if k.err != nil {
		return 0, k.err
	}
	written := 0
	for len(p) > 0 {
		if k.buf == nil {
			k.buf = make([]byte, 0, chunkSize)
		}
		n := min(chunkSize-len(k.buf), len(p))
		k.buf = append(k.buf, p[:n]...)
		k.crc.Write(p[:n])
		k.meta.size += int64(n)
		p, written = p[n:], written+n
		if len(k.buf) < chunkSize {
			continue
		}
		if err := k.snaps.writeChunk(k.meta.id, k.meta.chunks, k.buf); err != nil {
			k.err = fmt.Errorf("storage/badger: write snapshot %#x chunk %d: %w", k.meta.zxid, k.meta.chunks, err)
			return written, k.err
		}
		k.meta.chunks++
		k.buf = k.buf[:0] // Badger copied it during the commit
	}
	return written, nil
}

func (k *sink) Commit() error {
	if k.done {
		return fmt.Errorf("storage/badger: commit snapshot %#x: %w", k.meta.zxid, storage.ErrClosed)
	}
	k.done = true
	defer func() { k.buf = nil }()
	err := k.err
	if err == nil {
		k.meta.crc = k.crc.Sum32()
		if err = k.snaps.commit(k.meta, k.buf); err != nil {
			err = fmt.Errorf("storage/badger: commit snapshot %#x: %w", k.meta.zxid, err)
		}
	}
	if err != nil {
		k.snaps.discard(k.meta.id) // best effort: the next open removes what is left
		return err
	}
	return nil
}

func (k *sink) Abort() error {
	if k.done {
		return nil
	}
	k.done, k.buf = true, nil
	return k.snaps.discard(k.meta.id)
}

// Interface guard.
var _ storage.SnapshotSink = (*sink)(nil)
