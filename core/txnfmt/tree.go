package txnfmt

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
)

// TreeOptions controls WriteTree.
type TreeOptions struct {
	// Data prints each znode's data in base64 instead of its length
	// (SnapshotFormatter -d).
	Data bool
	// Location is the time zone of ctime and mtime; nil means UTC.
	Location *time.Location
	// FileZxid is the zxid in the snapshot's file name (0 if none); the last
	// zxid printed is the larger of it and the newest zxid in the tree.
	FileZxid int64
}

// WriteTree prints a snapshot as SnapshotFormatter does: every znode with
// its stat, parents before children, then the sessions with their
// ephemeral counts, then the last zxid. Children come in name order where
// ZooKeeper prints them in hash order.
func WriteTree(w io.Writer, t *tree.Tree, sessions []snapshot.Session, opts TreeOptions) error {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "ZNode Details (count=%d):\n", t.NodeCount())
	last := opts.FileZxid
	stack := []string{tree.RootPath}
	for len(stack) > 0 {
		path := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		info, ok := t.Lookup(path)
		if !ok {
			continue // deleted meanwhile: the tree may be live
		}
		st := info.Stat
		last = max(last, st.Mzxid, st.Pzxid)
		fmt.Fprintf(bw, "----\n%s\n", path)
		fmt.Fprintf(bw, "  cZxid = %s\n  ctime = %s\n", hex016(st.Czxid), javaDate(st.Ctime, loc))
		fmt.Fprintf(bw, "  mZxid = %s\n  mtime = %s\n", hex016(st.Mzxid), javaDate(st.Mtime, loc))
		fmt.Fprintf(bw, "  pZxid = %s\n  cversion = %d\n  dataVersion = %d\n  aclVersion = %d\n  ephemeralOwner = %s\n",
			hex016(st.Pzxid), st.Cversion, st.Version, st.Aversion, hex016(st.EphemeralOwner))
		if opts.Data {
			data, _, _ := t.GetData(path, nil)
			fmt.Fprintf(bw, "  data = %s\n", base64.StdEncoding.EncodeToString(data))
		} else {
			fmt.Fprintf(bw, "  dataLength = %d\n", info.DataLength)
		}
		children, _, _ := t.GetChildren(path, nil)
		prefix := path + "/"
		if path == tree.RootPath {
			prefix = "/"
		}
		for i := len(children) - 1; i >= 0; i-- {
			stack = append(stack, prefix+children[i])
		}
	}
	fmt.Fprint(bw, "----\nSession Details (sid, timeout, ephemeralCount):\n")
	for _, s := range sessions {
		fmt.Fprintf(bw, "%s, %d, %d\n", hex016(s.ID), s.Timeout, len(t.Ephemerals(s.ID)))
	}
	fmt.Fprintf(bw, "----\nLast zxid: 0x%x\n", uint64(last))
	return bw.Flush()
}

// hex016 is Java's String.format("%#016x", v): the width counts the "0x".
func hex016(v int64) string { return fmt.Sprintf("0x%014x", uint64(v)) }

// javaDate is java.util.Date.toString.
func javaDate(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format("Mon Jan 02 15:04:05 MST 2006")
}
