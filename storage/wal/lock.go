package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lockFile is the name of the file flocked in each directory the backend
// uses, so that two servers never write one log.
const lockFile = "LOCK"

// lockDir takes an exclusive flock on dir/LOCK without waiting. flock locks
// belong to the open file, so a second open in the same process conflicts
// as one in another process does.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is locked: another process (or another backend in this one) holds directory %s; stop it or use another directory", path, dir)
		}
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	return f, nil
}
