package wal

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/warrenzk/warren/storage"
)

func init() { storage.Register("wal", New) }

// snapshotDirName is the snapshots' directory under DataDir.
const snapshotDirName = "snapshots"

// Backend is the wal storage.Backend: a Log and Snapshots, with the
// directories they live in locked against other processes.
type Backend struct {
	log   *Log
	snaps *Snapshots
	locks []*os.File

	mu     sync.Mutex
	closed bool
}

// New opens a Backend; it is the registered storage.Factory.
func New(cfg storage.Config) (storage.Backend, error) {
	b, err := Open(cfg)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Open opens (creating if need be) the log in LogDir, or DataDir when
// LogDir is empty, and the snapshots in DataDir, recovering the log as
// docs/storage-wal.md describes. It fails at once if another process, or
// another Backend in this one, holds either directory.
func Open(cfg storage.Config) (*Backend, error) {
	return open(cfg, osFS{})
}

// open is Open with the log's file operations given.
func open(cfg storage.Config, fs fileSystem) (_ *Backend, err error) {
	opts, err := parseOptions(cfg)
	if err != nil {
		return nil, fmt.Errorf("storage/wal: %w", err)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("storage/wal: no data directory configured")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logRoot := cmp.Or(cfg.LogDir, cfg.DataDir)
	b := &Backend{}
	defer func() {
		if err != nil {
			b.release()
		}
	}()
	if err := b.lock(cfg.DataDir, logRoot); err != nil {
		return nil, fmt.Errorf("storage/wal: %w", err)
	}
	walDir, snapDir := filepath.Join(logRoot, walDirName), filepath.Join(cfg.DataDir, snapshotDirName)
	for _, dir := range []string{walDir, snapDir} {
		if err := makeDir(dir); err != nil {
			return nil, fmt.Errorf("storage/wal: %w", err)
		}
	}
	if b.log, err = openLog(walDir, fs, logger, opts); err != nil {
		return nil, fmt.Errorf("storage/wal: open log: %w", err)
	}
	if b.snaps, err = openSnapshots(snapDir, logger); err != nil {
		return nil, fmt.Errorf("storage/wal: open snapshots: %w", err)
	}
	if !opts.forceSync {
		logger.Warn("storage/wal: force sync is off, so a machine crash or power loss can lose writes clients were told succeeded; use it for tests and benchmarks only",
			"dir", walDir)
	}
	return b, nil
}

// lock creates and flocks each directory, once if they are the same.
func (b *Backend) lock(dataDir, logRoot string) error {
	for _, dir := range []string{dataDir, logRoot} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	if a, err := os.Stat(dataDir); err == nil {
		if c, err := os.Stat(logRoot); err == nil && os.SameFile(a, c) {
			logRoot = ""
		}
	}
	for _, dir := range []string{dataDir, logRoot} {
		if dir == "" {
			continue
		}
		f, err := lockDir(dir)
		if err != nil {
			return err
		}
		b.locks = append(b.locks, f)
	}
	return nil
}

// makeDir creates dir if it is missing and fsyncs its parent, so that the
// directory outlives a crash.
func makeDir(dir string) error {
	err := os.Mkdir(dir, 0o750)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// Log returns the transaction log.
func (b *Backend) Log() storage.TxnLog { return b.log }

// Snapshots returns the snapshot store.
func (b *Backend) Snapshots() storage.Snapshotter { return b.snaps }

// Close closes the log and the snapshots and releases the directory locks.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return b.release()
}

// release closes whatever open managed to open.
func (b *Backend) release() error {
	var errs []error
	if b.log != nil {
		errs = append(errs, b.log.Close())
	}
	if b.snaps != nil {
		b.snaps.close()
	}
	for _, f := range b.locks {
		errs = append(errs, f.Close()) // closing drops the flock
	}
	b.locks = nil
	return errors.Join(errs...)
}

// Interface guards.
var (
	_ storage.Backend = (*Backend)(nil)
	_ storage.Factory = New
)
