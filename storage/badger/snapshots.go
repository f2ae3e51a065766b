package badger

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"slices"
	"sync"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
)

// chunkSize is how much of a snapshot's stream one key holds: large enough
// that a snapshot is few keys, small enough to stay in the LSM tree (under
// valueThreshold) and to fit, with the meta record, in one transaction of
// the snapshot DB.
const chunkSize = 256 << 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshots is the storage.Snapshotter of the badger backend. A snapshot is
// a meta record and the chunks of its stream, in the snapshot DB; it is
// visible once its meta record says committed.
type Snapshots struct {
	db     *badgerdb.DB
	w      writer
	logger *slog.Logger

	// life is held for reading by every operation on the DB and for
	// writing by close, so that the DB is never closed under one.
	life   sync.RWMutex
	closed bool

	// mu makes choosing a snapshot and registering its reader
	// (OpenNewest) atomic with respect to Purge and Commit, and guards the
	// fields below.
	mu sync.Mutex
	// seq numbers snapshots at Create and again at Commit; the commit
	// number ranks snapshots of equal zxid.
	seq uint64
	// readers counts the open readers of each snapshot id.
	readers map[uint64]int
	// doomed holds snapshots purged while being read: the last reader's
	// Close deletes them.
	doomed map[uint64]bool
}

// snapMeta is a snapshot's meta record.
type snapMeta struct {
	id        uint64 // from the key, not encoded
	zxid      int64
	size      int64
	crc       uint32 // CRC-32C of the whole stream
	chunks    uint32
	seq       uint64 // commit number
	committed bool
}

const metaLen = 8 + 8 + 4 + 4 + 8 + 1

func (m snapMeta) encode() []byte {
	b := make([]byte, 0, metaLen)
	b = binary.BigEndian.AppendUint64(b, uint64(m.zxid))
	b = binary.BigEndian.AppendUint64(b, uint64(m.size))
	b = binary.BigEndian.AppendUint32(b, m.crc)
	b = binary.BigEndian.AppendUint32(b, m.chunks)
	b = binary.BigEndian.AppendUint64(b, m.seq)
	if m.committed {
		return append(b, 1)
	}
	return append(b, 0)
}

func decodeMeta(id uint64, b []byte) (snapMeta, error) {
	if len(b) != metaLen {
		return snapMeta{}, fmt.Errorf("snapshot %d: meta record is %d bytes, want %d", id, len(b), metaLen)
	}
	return snapMeta{
		id:        id,
		zxid:      int64(binary.BigEndian.Uint64(b)),
		size:      int64(binary.BigEndian.Uint64(b[8:])),
		crc:       binary.BigEndian.Uint32(b[16:]),
		chunks:    binary.BigEndian.Uint32(b[20:]),
		seq:       binary.BigEndian.Uint64(b[24:]),
		committed: b[32] == 1,
	}, nil
}

// public returns what the storage interface shows of m.
func (m snapMeta) public() storage.SnapshotMeta {
	return storage.SnapshotMeta{Zxid: m.zxid, Size: m.size, ID: fmt.Sprintf("snapshot.%016x.%d", m.zxid, m.id)}
}

// openSnapshots removes what uncommitted snapshots left behind (a crash
// during a write, an abort or a purge) and readies the store.
func openSnapshots(db *badgerdb.DB, logger *slog.Logger) (*Snapshots, error) {
	s := &Snapshots{
		db:      db,
		w:       writer{db: db},
		logger:  logger,
		readers: make(map[uint64]int),
		doomed:  make(map[uint64]bool),
	}
	metas, err := s.metas()
	if err != nil {
		return nil, fmt.Errorf("storage/badger: list snapshots: %w", err)
	}
	for _, m := range metas {
		s.seq = max(s.seq, m.id, m.seq)
		if m.committed {
			continue
		}
		if err := s.remove(m.id); err != nil {
			return nil, fmt.Errorf("storage/badger: remove unfinished snapshot %d: %w", m.id, err)
		}
		logger.Info("removed an unfinished snapshot (interrupted write, abort or purge)", "id", m.id, "zxid", fmt.Sprintf("%#x", m.zxid))
	}
	return s, nil
}

// Create starts a snapshot labelled zxid. Its meta record is written at
// once, uncommitted, so that the next open finds and removes its chunks if
// it is never committed.
func (s *Snapshots) Create(zxid int64) (storage.SnapshotSink, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil, fmt.Errorf("storage/badger: create snapshot %#x: %w", zxid, storage.ErrClosed)
	}
	s.mu.Lock()
	s.seq++
	m := snapMeta{id: s.seq, zxid: zxid}
	s.mu.Unlock()
	if err := s.w.apply([]change{{key: metaKey(m.id), val: m.encode()}}); err != nil {
		return nil, fmt.Errorf("storage/badger: create snapshot %#x: %w", zxid, err)
	}
	return &sink{snaps: s, meta: m, crc: crc32.New(castagnoli)}, nil
}

// OpenNewest opens the newest committed snapshot whose stream matches its
// size and CRC, logging and skipping any that does not. It reads the
// stream once to check it before returning it.
func (s *Snapshots) OpenNewest() (storage.SnapshotMeta, io.ReadCloser, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return storage.SnapshotMeta{}, nil, fmt.Errorf("storage/badger: open newest snapshot: %w", storage.ErrClosed)
	}
	skip := make(map[uint64]bool)
	for {
		m, ok, err := s.acquire(func(m snapMeta) bool { return !skip[m.id] })
		if err != nil {
			return storage.SnapshotMeta{}, nil, fmt.Errorf("storage/badger: open newest snapshot: %w", err)
		}
		if !ok {
			if len(skip) > 0 {
				return storage.SnapshotMeta{}, nil, fmt.Errorf("storage/badger: all %d snapshots are damaged: %w", len(skip), storage.ErrNoSnapshot)
			}
			return storage.SnapshotMeta{}, nil, storage.ErrNoSnapshot
		}
		err = s.verify(m)
		if err == nil {
			return m.public(), &reader{snaps: s, meta: m, crc: crc32.New(castagnoli), verified: true}, nil
		}
		s.logger.Warn("skipping a damaged snapshot, trying the next newest; restore the data dir from a backup if none is left",
			"id", m.public().ID, "zxid", fmt.Sprintf("%#x", m.zxid), "err", err)
		skip[m.id] = true
		if err := s.release(m.id); err != nil {
			return storage.SnapshotMeta{}, nil, fmt.Errorf("storage/badger: open newest snapshot: %w", err)
		}
	}
}

// Open opens the committed snapshot called id without reading it first;
// the reader checks the stream's size and CRC when it reaches the end.
func (s *Snapshots) Open(id string) (io.ReadCloser, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil, fmt.Errorf("storage/badger: open snapshot %s: %w", id, storage.ErrClosed)
	}
	m, ok, err := s.acquire(func(m snapMeta) bool { return m.public().ID == id })
	if err != nil {
		return nil, fmt.Errorf("storage/badger: open snapshot %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("storage/badger: open snapshot %s: %w", id, storage.ErrNoSnapshot)
	}
	return &reader{snaps: s, meta: m, crc: crc32.New(castagnoli)}, nil
}

// acquire picks the newest committed snapshot that want accepts and
// registers a reader of it, so that a concurrent Purge leaves its chunks.
func (s *Snapshots) acquire(want func(snapMeta) bool) (snapMeta, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	metas, err := s.committed()
	if err != nil {
		return snapMeta{}, false, err
	}
	for _, m := range metas {
		if want(m) {
			s.readers[m.id]++
			return m, true, nil
		}
	}
	return snapMeta{}, false, nil
}

// release unregisters a reader of snapshot id, deleting the snapshot if it
// was purged meanwhile and this was its last reader. life held.
func (s *Snapshots) release(id uint64) error {
	s.mu.Lock()
	s.readers[id]--
	drop := s.readers[id] == 0 && s.doomed[id]
	if s.readers[id] == 0 {
		delete(s.readers, id)
		delete(s.doomed, id)
	}
	s.mu.Unlock()
	if drop {
		return s.remove(id)
	}
	return nil
}

// List returns the committed snapshots, newest first.
func (s *Snapshots) List() ([]storage.SnapshotMeta, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil, fmt.Errorf("storage/badger: list snapshots: %w", storage.ErrClosed)
	}
	metas, err := s.committed()
	if err != nil {
		return nil, fmt.Errorf("storage/badger: list snapshots: %w", err)
	}
	list := make([]storage.SnapshotMeta, len(metas))
	for i, m := range metas {
		list[i] = m.public()
	}
	return list, nil
}

// Purge keeps the keep newest snapshots whose stream checks out (reading
// them whole) and deletes every committed snapshot older than the last of
// them, so that a damaged newer snapshot never costs the good one a node
// would start from. Each is first marked uncommitted, so that it vanishes
// at once and a crash midway leaves only leftovers for the next open to
// remove; one being read is deleted when its last reader closes.
func (s *Snapshots) Purge(keep int) error {
	if keep < 1 {
		return fmt.Errorf("storage/badger: purge snapshots keeping %d: must keep at least 1", keep)
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return fmt.Errorf("storage/badger: purge snapshots: %w", storage.ErrClosed)
	}
	s.mu.Lock()
	victims, err := s.purgeable(keep)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("storage/badger: purge snapshots: %w", err)
	}
	marks := make([]change, len(victims))
	for i, m := range victims {
		m.committed = false
		marks[i] = change{key: metaKey(m.id), val: m.encode()}
	}
	if err := s.w.apply(marks); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("storage/badger: purge snapshots: %w", err)
	}
	var drop []uint64
	for _, m := range victims {
		if s.readers[m.id] > 0 {
			s.doomed[m.id] = true
		} else {
			drop = append(drop, m.id)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, id := range drop {
		if err := s.remove(id); err != nil {
			errs = append(errs, fmt.Errorf("storage/badger: purge snapshot %d (the next open retries): %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// purgeable returns the committed snapshots older than the keep-th newest
// one that verifies; none if fewer than keep verify. mu held.
func (s *Snapshots) purgeable(keep int) ([]snapMeta, error) {
	metas, err := s.committed()
	if err != nil {
		return nil, err
	}
	good := 0
	for i, m := range metas {
		if err := s.verify(m); err != nil {
			s.logger.Warn("a damaged snapshot does not count towards those a purge keeps",
				"id", m.public().ID, "zxid", fmt.Sprintf("%#x", m.zxid), "err", err)
			continue
		}
		if good++; good == keep {
			return metas[i+1:], nil
		}
	}
	return nil, nil
}

// close makes every later call fail with ErrClosed, once the calls under
// way are done.
func (s *Snapshots) close() {
	s.life.Lock()
	defer s.life.Unlock()
	s.closed = true
}

// writeChunk stores chunk index of snapshot id.
func (s *Snapshots) writeChunk(id uint64, index uint32, data []byte) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return s.w.apply([]change{{key: chunkKey(id, index), val: data}})
}

// commit writes the last chunk (if any) and the committed meta record in
// one transaction: a crash leaves the whole snapshot or none of it.
func (s *Snapshots) commit(m snapMeta, last []byte) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	// Holding mu from numbering to writing keeps commit numbers in the
	// order snapshots become visible.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.seq, m.committed = s.seq, true
	return s.db.Update(func(txn *badgerdb.Txn) error {
		if len(last) > 0 {
			if err := txn.Set(chunkKey(m.id, m.chunks), last); err != nil {
				return err
			}
			m.chunks++
		}
		return txn.Set(metaKey(m.id), m.encode())
	})
}

// discard removes snapshot id after an abort or a failed commit. Once the
// store is closed it leaves it to the next open.
func (s *Snapshots) discard(id uint64) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil
	}
	if err := s.remove(id); err != nil {
		return fmt.Errorf("storage/badger: discard snapshot %d (the next open retries): %w", id, err)
	}
	return nil
}

// remove deletes snapshot id's chunks, then its meta record, so that a
// crash midway leaves a meta record to find the rest by.
func (s *Snapshots) remove(id uint64) error {
	for {
		keys, err := s.keys(chunksKey(id), deletePage)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			break
		}
		changes := make([]change, len(keys))
		for i, k := range keys {
			changes[i] = change{key: k, del: true}
		}
		if err := s.w.apply(changes); err != nil {
			return err
		}
	}
	return s.w.apply([]change{{key: metaKey(id), del: true}})
}

// readChunk calls fn with chunk index of snapshot id; the bytes are valid
// only during the call.
func (s *Snapshots) readChunk(id uint64, index uint32, fn func([]byte) error) error {
	return s.db.View(func(txn *badgerdb.Txn) error {
		item, err := txn.Get(chunkKey(id, index))
		if errors.Is(err, badgerdb.ErrKeyNotFound) {
			return fmt.Errorf("chunk %d is missing", index)
		}
		if err != nil {
			return fmt.Errorf("chunk %d: %w", index, err)
		}
		return item.Value(fn)
	})
}

// verify reads snapshot m whole and checks its size and CRC. life held.
func (s *Snapshots) verify(m snapMeta) error {
	h := crc32.New(castagnoli)
	var size int64
	for i := range m.chunks {
		err := s.readChunk(m.id, i, func(v []byte) error {
			h.Write(v)
			size += int64(len(v))
			return nil
		})
		if err != nil {
			return err
		}
	}
	if size != m.size {
		return fmt.Errorf("stream is %d bytes, its meta record says %d", size, m.size)
	}
	if sum := h.Sum32(); sum != m.crc {
		return fmt.Errorf("stream CRC-32C is %08x, its meta record says %08x", sum, m.crc)
	}
	return nil
}

// committed returns the committed snapshots, newest first.
func (s *Snapshots) committed() ([]snapMeta, error) {
	metas, err := s.metas()
	if err != nil {
		return nil, err
	}
	metas = slices.DeleteFunc(metas, func(m snapMeta) bool { return !m.committed })
	slices.SortFunc(metas, func(a, b snapMeta) int {
		return cmp.Or(cmp.Compare(b.zxid, a.zxid), cmp.Compare(b.seq, a.seq))
	})
	return metas, nil
}

// metas returns every meta record, committed or not. A record that does
// not decode is logged and left out: its snapshot is as good as damaged.
func (s *Snapshots) metas() ([]snapMeta, error) {
	var metas []snapMeta
	err := s.db.View(func(txn *badgerdb.Txn) error {
		it := txn.NewIterator(badgerdb.IteratorOptions{Prefix: []byte{metaPrefix}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			id := binary.BigEndian.Uint64(item.Key()[1:])
			err := item.Value(func(v []byte) error {
				m, err := decodeMeta(id, v)
				if err != nil {
					s.logger.Warn("ignoring a snapshot whose meta record is damaged", "err", err)
					return nil
				}
				metas = append(metas, m)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return metas, err
}

// keys returns up to limit keys with prefix.
func (s *Snapshots) keys(prefix []byte, limit int) ([][]byte, error) {
	var keys [][]byte
	err := s.db.View(func(txn *badgerdb.Txn) error {
		it := txn.NewIterator(badgerdb.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(keys) < limit; it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	})
	return keys, err
}

// Interface guard.
var _ storage.Snapshotter = (*Snapshots)(nil)
