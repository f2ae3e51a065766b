// Package zkdata reads an Apache ZooKeeper 3.x data directory: the
// version-2 folders under dataDir (snapshots) and dataLogDir (txn logs),
// their snapshot.<zxid> and log.<zxid> files, and the txn log file format.
// It is what `warren import` and `warren log dump` read ZooKeeper's files
// with; snapshots themselves are decoded by core/snapshot.
//
// Nothing here writes: a ZooKeeper data dir is only ever read.
package zkdata

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// VersionDirName is the folder ZooKeeper keeps its files in, under dataDir
// and dataLogDir (FileTxnSnapLog.version + VERSION).
const VersionDirName = "version-2"

// File is one snapshot or log file.
type File struct {
	// Path is the file's path.
	Path string
	// Zxid comes from the name: the last zxid a snapshot includes (it may
	// hold later ones: ZooKeeper's snapshots are fuzzy), or the first zxid
	// of a log file.
	Zxid int64
}

// VersionDir returns the version-2 folder of a ZooKeeper dataDir or
// dataLogDir; dir may also name the version-2 folder itself.
func VersionDir(dir string) (string, error) {
	if filepath.Base(filepath.Clean(dir)) == VersionDirName {
		if err := isDir(dir); err != nil {
			return "", err
		}
		return dir, nil
	}
	v := filepath.Join(dir, VersionDirName)
	if err := isDir(v); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("zkdata: no %s folder in %s: is it ZooKeeper's dataDir or dataLogDir?", VersionDirName, dir)
		}
		return "", err
	}
	return v, nil
}

func isDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("zkdata: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("zkdata: %s is not a directory", dir)
	}
	return nil
}

// ListSnapshots lists the snapshot files in a version-2 folder, newest first
// (FileSnap.findNValidSnapshots' order). Compressed snapshots
// (snapshot.<zxid>.gz, .snappy) are included; other names are ignored.
func ListSnapshots(dir string) ([]File, error) {
	files, err := list(dir, "snapshot")
	slices.Reverse(files)
	return files, err
}

// ListLogs lists the txn log files in a version-2 folder, oldest first.
func ListLogs(dir string) ([]File, error) { return list(dir, "log") }

// ZxidFromName reads the zxid in a file name of the form
// prefix.<hex zxid>[.ext] ("snapshot", "log"), as Util.getZxidFromName.
func ZxidFromName(name, prefix string) (int64, bool) {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || parts[0] != prefix {
		return 0, false
	}
	zxid, err := strconv.ParseUint(parts[1], 16, 64)
	if err != nil || int64(zxid) < 0 {
		return 0, false // Java's Long.parseLong(s, 16) refuses these too
	}
	return int64(zxid), true
}

// list finds prefix.<hex zxid>[.ext] files, as Util.getZxidFromName reads
// names, in ascending zxid order.
func list(dir, prefix string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("zkdata: %w", err)
	}
	var out []File
	for _, e := range entries {
		if zxid, ok := ZxidFromName(e.Name(), prefix); ok && !e.IsDir() {
			out = append(out, File{Path: filepath.Join(dir, e.Name()), Zxid: zxid})
		}
	}
	slices.SortFunc(out, func(a, b File) int {
		return cmp.Or(cmp.Compare(a.Zxid, b.Zxid), strings.Compare(a.Path, b.Path))
	})
	return out, nil
}

// LogsSince returns the log files, from logs in ascending order, that may
// hold txns with zxids >= zxid, as ZooKeeper's FileTxnIterator picks them:
// every file starting at or after zxid, and the last one starting before.
func LogsSince(logs []File, zxid int64) []File {
	start := 0
	for i, f := range logs {
		if f.Zxid < zxid {
			start = i
		}
	}
	return logs[start:]
}
