package memory

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/warrenzk/warren/storage"
)

// Snapshots is an in-memory storage.Snapshotter. A committed snapshot's
// bytes are never modified, so readers share them.
type Snapshots struct {
	mu sync.Mutex
	// list holds the committed snapshots, oldest first.
	list []snapshot
	// seq numbers snapshots in commit order; it breaks ties between equal
	// zxids and makes IDs unique.
	seq    uint64
	closed bool
}

type snapshot struct {
	meta storage.SnapshotMeta
	seq  uint64
	data []byte
}

// NewSnapshots returns an empty Snapshots.
func NewSnapshots() *Snapshots { return &Snapshots{} }

// Create starts a snapshot labelled zxid.
func (s *Snapshots) Create(zxid int64) (storage.SnapshotSink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("create snapshot %#x: %w", zxid, storage.ErrClosed)
	}
	return &sink{store: s, zxid: zxid}, nil
}

// OpenNewest opens the committed snapshot with the highest zxid (the latest
// committed among equals).
func (s *Snapshots) OpenNewest() (storage.SnapshotMeta, io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.SnapshotMeta{}, nil, fmt.Errorf("open newest snapshot: %w", storage.ErrClosed)
	}
	if len(s.list) == 0 {
		return storage.SnapshotMeta{}, nil, storage.ErrNoSnapshot
	}
	newest := s.list[len(s.list)-1]
	return newest.meta, io.NopCloser(bytes.NewReader(newest.data)), nil
}

// Open opens the committed snapshot called id.
func (s *Snapshots) Open(id string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("open snapshot %s: %w", id, storage.ErrClosed)
	}
	for _, snap := range s.list {
		if snap.meta.ID == id {
			return io.NopCloser(bytes.NewReader(snap.data)), nil
		}
	}
	return nil, fmt.Errorf("open snapshot %s: %w", id, storage.ErrNoSnapshot)
}

// List returns the committed snapshots, newest first.
func (s *Snapshots) List() ([]storage.SnapshotMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("list snapshots: %w", storage.ErrClosed)
	}
	metas := make([]storage.SnapshotMeta, len(s.list))
	for i, snap := range s.list {
		metas[len(s.list)-1-i] = snap.meta
	}
	return metas, nil
}

// Purge deletes all but the newest keep snapshots.
func (s *Snapshots) Purge(keep int) error {
	if keep < 1 {
		return fmt.Errorf("storage/memory: purge snapshots keeping %d: must keep at least 1", keep)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("purge snapshots: %w", storage.ErrClosed)
	}
	if drop := len(s.list) - keep; drop > 0 {
		s.list = slices.Clone(s.list[drop:])
	}
	return nil
}

// commit adds a finished snapshot labelled zxid, keeping list ordered by
// (zxid, seq).
func (s *Snapshots) commit(zxid int64, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("commit snapshot %#x: %w", zxid, storage.ErrClosed)
	}
	s.seq++
	snap := snapshot{
		meta: storage.SnapshotMeta{
			Zxid: zxid,
			Size: int64(len(data)),
			ID:   fmt.Sprintf("snapshot.%016x.%d", zxid, s.seq),
		},
		seq:  s.seq,
		data: data,
	}
	i, _ := slices.BinarySearchFunc(s.list, snap, func(a, b snapshot) int {
		return cmp.Or(cmp.Compare(a.meta.Zxid, b.meta.Zxid), cmp.Compare(a.seq, b.seq))
	})
	s.list = slices.Insert(s.list, i, snap)
	return nil
}

func (s *Snapshots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// durable returns an open copy holding the committed snapshots.
func (s *Snapshots) durable() *Snapshots {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Snapshots{list: slices.Clone(s.list), seq: s.seq}
}

// sink buffers one snapshot until Commit.
type sink struct {
	store *Snapshots
	zxid  int64
	buf   bytes.Buffer
	done  bool
}

func (k *sink) Write(p []byte) (int, error) {
	if k.done {
		return 0, fmt.Errorf("write snapshot %#x: %w", k.zxid, storage.ErrClosed)
	}
	return k.buf.Write(p)
}

func (k *sink) Commit() error {
	if k.done {
		return fmt.Errorf("commit snapshot %#x: %w", k.zxid, storage.ErrClosed)
	}
	k.done = true
	data := bytes.Clone(k.buf.Bytes())
	k.buf = bytes.Buffer{}
	return k.store.commit(k.zxid, data)
}

func (k *sink) Abort() error {
	k.done = true
	k.buf = bytes.Buffer{}
	return nil
}

// Interface guards.
var (
	_ storage.Snapshotter  = (*Snapshots)(nil)
	_ storage.SnapshotSink = (*sink)(nil)
)
