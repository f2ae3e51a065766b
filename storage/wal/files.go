package wal

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// segmentFile is what the log does to a segment file it writes. It is an
// interface so that tests can inject ENOSPC and EIO where a disk would.
type segmentFile interface {
	io.ReaderAt
	WriteAt(p []byte, off int64) (int, error)
	// Allocate grows the file to size, reserving its blocks where the file
	// system can, so that writes below size do not fail with ENOSPC.
	Allocate(size int64) error
	Truncate(size int64) error
	// Datasync flushes the data (fdatasync); Sync flushes data and metadata.
	Datasync() error
	Sync() error
	Close() error
}

// fileSystem makes and removes segment files; the log does all its
// mutating file operations through it.
type fileSystem interface {
	// Create makes a new file (failing if it exists) open for reading and
	// writing; OpenFile opens an existing one.
	Create(path string) (segmentFile, error)
	OpenFile(path string) (segmentFile, error)
	Remove(path string) error
	SyncDir(dir string) error
}

// osFS is the real file system.
type osFS struct{}

func (osFS) Create(path string) (segmentFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) OpenFile(path string) (segmentFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Remove(path string) error { return os.Remove(path) }

func (osFS) SyncDir(dir string) error { return syncDir(dir) }

// syncDir fsyncs a directory, so that files created, renamed or removed in
// it stay so after a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// osFile is a segmentFile on an *os.File.
type osFile struct{ *os.File }

func (f osFile) Allocate(size int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if size <= st.Size() {
		return nil
	}
	err = unix.Fallocate(int(f.Fd()), 0, st.Size(), size-st.Size())
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		// No fallocate here: a sparse extension at least keeps the zeros
		// that end the log, though a write may still find the disk full.
		return f.File.Truncate(size)
	}
	if err != nil {
		return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
	}
	return nil
}

func (f osFile) Datasync() error {
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}
