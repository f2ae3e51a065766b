package wal

import (
	"cmp"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/warrenzk/warren/storage"
)

// Snapshots is a storage.Snapshotter over one directory. A snapshot is
// written to a temporary file, which Commit closes with a footer, fsyncs and
// renames to snapshot.<zxid>.<seq>; seq orders commits of equal zxids.
type Snapshots struct {
	dir    string
	logger *slog.Logger

	mu     sync.Mutex
	seq    uint64 // the highest commit sequence in use
	closed bool
}

// tmpSuffix ends the name of a snapshot being written.
const tmpSuffix = ".tmp"

// openSnapshots opens the snapshot directory, removing what a crash left of
// snapshots being written.
func openSnapshots(dir string, logger *slog.Logger) (*Snapshots, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read snapshot directory: %w", err)
	}
	s := &Snapshots{dir: dir, logger: logger}
	removed := false
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, "snapshot.") && strings.HasSuffix(name, tmpSuffix) {
			logger.Info("storage/wal: removing a snapshot that was being written when the server stopped", "file", filepath.Join(dir, name))
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("remove unfinished snapshot: %w", err)
			}
			removed = true
		}
		if _, seq, ok := parseSnapshotName(name); ok {
			s.seq = max(s.seq, seq)
		}
	}
	if removed {
		if err := syncDir(dir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// snapshotName names a committed snapshot.
func snapshotName(zxid int64, seq uint64) string {
	return fmt.Sprintf("snapshot.%016x.%d", uint64(zxid), seq)
}

// parseSnapshotName returns the zxid and sequence in a snapshot's name.
func parseSnapshotName(name string) (zxid int64, seq uint64, ok bool) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 || parts[0] != "snapshot" || len(parts[1]) != 16 {
		return 0, 0, false
	}
	z, err1 := strconv.ParseUint(parts[1], 16, 64)
	seq, err2 := strconv.ParseUint(parts[2], 10, 64)
	return int64(z), seq, err1 == nil && err2 == nil
}

// snapshotFile is a committed snapshot's name, parsed.
type snapshotFile struct {
	name string
	zxid int64
	seq  uint64
}

// checkOpen returns an error wrapping ErrClosed once the store is closed.
func (s *Snapshots) checkOpen(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("storage/wal: %s: %w", op, storage.ErrClosed)
	}
	return nil
}

// files returns the committed snapshot files, newest first.
func (s *Snapshots) files(op string) ([]snapshotFile, error) {
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("storage/wal: %s: %w", op, err)
	}
	var files []snapshotFile
	for _, e := range ents {
		if z, seq, ok := parseSnapshotName(e.Name()); ok {
			files = append(files, snapshotFile{e.Name(), z, seq})
		}
	}
	slices.SortFunc(files, func(a, b snapshotFile) int {
		return cmp.Or(cmp.Compare(b.zxid, a.zxid), cmp.Compare(b.seq, a.seq))
	})
	return files, nil
}

// open opens snapshot file sf; whole checks the stream's CRC, not just the
// footer.
func (s *Snapshots) open(sf snapshotFile, whole bool) (*os.File, footer, error) {
	f, err := os.Open(filepath.Join(s.dir, sf.name))
	if err != nil {
		return nil, footer{}, err
	}
	check := readFooter
	if whole {
		check = verifySnapshot
	}
	ft, err := check(f)
	if err == nil && ft.zxid != sf.zxid {
		err = fmt.Errorf("%w: the footer says zxid %#x", ErrCorrupt, ft.zxid)
	}
	if err != nil {
		f.Close()
		return nil, footer{}, err
	}
	return f, ft, nil
}

// Create starts a snapshot labelled zxid in a temporary file.
func (s *Snapshots) Create(zxid int64) (storage.SnapshotSink, error) {
	if err := s.checkOpen(fmt.Sprintf("create snapshot %#x", zxid)); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.dir, fmt.Sprintf("snapshot.%016x.*%s", uint64(zxid), tmpSuffix))
	if err != nil {
		return nil, fmt.Errorf("storage/wal: create snapshot %#x: %w", zxid, err)
	}
	return &sink{store: s, zxid: zxid, f: f, w: newDirectWriter(f, 1<<20), crc: crc32.New(castagnoli)}, nil
}

// OpenNewest opens the newest snapshot whose footer and CRC check out,
// logging each damaged one it skips.
func (s *Snapshots) OpenNewest() (storage.SnapshotMeta, io.ReadCloser, error) {
	files, err := s.files("open newest snapshot")
	if err != nil {
		return storage.SnapshotMeta{}, nil, err
	}
	for _, sf := range files {
		f, ft, err := s.open(sf, true)
		if errNotExist(err) {
			continue // purged since the listing
		}
		if err != nil {
			s.logger.Warn("storage/wal: skipping a damaged snapshot; the server starts from an older one and replays more of the log",
				"file", filepath.Join(s.dir, sf.name), "err", err)
			continue
		}
		meta := storage.SnapshotMeta{Zxid: sf.zxid, Size: ft.size, ID: sf.name}
		return meta, snapshotReader{io.NewSectionReader(f, 0, ft.size), f}, nil
	}
	return storage.SnapshotMeta{}, nil, storage.ErrNoSnapshot
}

// Open opens snapshot file id after checking its footer; the reader
// checks the stream's CRC as it goes and fails at the end if it does not
// match.
func (s *Snapshots) Open(id string) (io.ReadCloser, error) {
	if err := s.checkOpen("open snapshot " + id); err != nil {
		return nil, err
	}
	zxid, seq, ok := parseSnapshotName(id)
	if !ok || id != snapshotName(zxid, seq) {
		return nil, fmt.Errorf("storage/wal: open snapshot %q: %w", id, storage.ErrNoSnapshot)
	}
	f, ft, err := s.open(snapshotFile{id, zxid, seq}, false)
	if errNotExist(err) {
		return nil, fmt.Errorf("storage/wal: open snapshot %s: %w", id, storage.ErrNoSnapshot)
	}
	if err != nil {
		return nil, fmt.Errorf("storage/wal: open snapshot %s: %w", filepath.Join(s.dir, id), err)
	}
	return newCheckingReader(f, ft), nil
}

// List returns the snapshots whose footer checks out, newest first.
func (s *Snapshots) List() ([]storage.SnapshotMeta, error) {
	files, err := s.files("list snapshots")
	if err != nil {
		return nil, err
	}
	metas := []storage.SnapshotMeta{}
	for _, sf := range files {
		f, ft, err := s.open(sf, false)
		if err != nil {
			continue
		}
		f.Close()
		metas = append(metas, storage.SnapshotMeta{Zxid: sf.zxid, Size: ft.size, ID: sf.name})
	}
	return metas, nil
}

// Purge removes every snapshot older than the keep newest valid ones. It
// reads those whole to check their CRCs, so that a damaged newer snapshot
// never costs the good one the server would start from; damaged ones are
// left for the operator to look at.
func (s *Snapshots) Purge(keep int) error {
	if keep < 1 {
		return fmt.Errorf("storage/wal: purge snapshots keeping %d: must keep at least 1", keep)
	}
	files, err := s.files("purge snapshots")
	if err != nil {
		return err
	}
	var errs []error
	removed := false
	for _, sf := range files {
		if keep > 0 {
			if f, _, err := s.open(sf, true); err == nil {
				f.Close()
				keep--
			}
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, sf.name)); err != nil && !errNotExist(err) {
			errs = append(errs, err)
		}
		removed = true
	}
	if removed {
		errs = append(errs, syncDir(s.dir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage/wal: purge snapshots: %w", err)
	}
	return nil
}

// publish renames a finished temporary file to the next committed name.
func (s *Snapshots) publish(tmp string, zxid int64) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return storage.ErrClosed
	}
	s.seq++
	final := filepath.Join(s.dir, snapshotName(zxid, s.seq))
	err := os.Rename(tmp, final)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return syncDir(s.dir)
}

func (s *Snapshots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// sink writes one snapshot to its temporary file.
type sink struct {
	store *Snapshots
	zxid  int64
	f     *os.File
	w     *directWriter
	crc   hash.Hash32
	size  int64
	done  bool
}

func (k *sink) Write(p []byte) (int, error) {
	if k.done {
		return 0, fmt.Errorf("storage/wal: write snapshot %#x: %w", k.zxid, storage.ErrClosed)
	}
	n, err := k.w.Write(p)
	k.crc.Write(p[:n])
	k.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("storage/wal: write snapshot %#x: %w", k.zxid, err)
	}
	return n, nil
}

// Commit appends the footer, fsyncs, renames the file into place and
// fsyncs the directory. On failure the file is removed.
func (k *sink) Commit() error {
	if k.done {
		return fmt.Errorf("storage/wal: commit snapshot %#x: %w", k.zxid, storage.ErrClosed)
	}
	k.done = true
	if err := k.commit(); err != nil {
		os.Remove(k.f.Name())
		return fmt.Errorf("storage/wal: commit snapshot %#x: %w", k.zxid, err)
	}
	return nil
}

func (k *sink) commit() error {
	_, err := k.w.Write(footer{zxid: k.zxid, size: k.size, crc: k.crc.Sum32()}.encode())
	if err == nil {
		err = k.w.Flush()
	}
	if err == nil {
		err = k.f.Sync()
	}
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return k.store.publish(k.f.Name(), k.zxid)
}

// Abort removes the temporary file.
func (k *sink) Abort() error {
	if k.done {
		return nil
	}
	k.done = true
	k.f.Close()
	if err := os.Remove(k.f.Name()); err != nil {
		return fmt.Errorf("storage/wal: abort snapshot %#x: %w", k.zxid, err)
	}
	return nil
}

// Interface guards.
var (
	_ storage.Snapshotter  = (*Snapshots)(nil)
	_ storage.SnapshotSink = (*sink)(nil)
)
