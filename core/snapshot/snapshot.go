// Package snapshot is the node's snapshot stream codec. The stream is Apache
// ZooKeeper's snapshot file format byte for byte, so that a Warren snapshot
// is a valid ZooKeeper snapshot.N file and the other way round:
//
//	FileHeader   int magic "ZKSN", int version 2, long dbid -1
//	sessions     int count, then per session: long id, int timeout
//	tree         the DataTree serialization (see core/tree)
//	seal         long adler32 of every byte before it, ustring "/"
//
// ZooKeeper 3.6+ may append sections, each followed by its own seal whose
// checksum covers the whole stream before it: the zxid digest (long zxid,
// int digest version, long digest) and, from 3.9, the last processed zxid
// (long). ZooKeeper may also compress the file with gzip or with Snappy in
// snappy-java's framing (snapshot.N.gz, snapshot.N.snappy). Read accepts all
// of these, telling them apart by content rather than by file name; Write
// writes the plain, unsectioned form, which every ZooKeeper since 3.4 reads.
package snapshot

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// The FileHeader Write writes and Read expects (FileSnap.SNAP_MAGIC,
// FileSnap.VERSION; the dbid is unused and ZooKeeper writes -1).
const (
	Magic   int32 = 0x5a4b534e // "ZKSN"
	Version int32 = 2
	DBID    int64 = -1
)

// ErrCorrupt is wrapped by every error Read returns for a stream that is not
// a well-formed, intact snapshot (as opposed to an I/O error of the reader).
var ErrCorrupt = errors.New("snapshot: corrupt")

// Session is one open session as a snapshot records it: its id and its
// negotiated timeout in milliseconds.
type Session struct {
	ID      int64
	Timeout int32
}

// Snapshot is what Read returns.
type Snapshot struct {
	// Tree is the znode tree. Its LastZxid is 0 unless the stream carried
	// ZooKeeper 3.9's last processed zxid; the caller knows the zxid the
	// snapshot is labelled with and sets it.
	Tree *tree.Tree
	// Sessions are the open sessions, in stream order.
	Sessions []Session
	// Digest is ZooKeeper 3.6+'s zxid digest section, or nil if the stream
	// has none. Warren does not check tree digests; it is exposed for tools.
	Digest *Digest
	// LastProcessedZxid is ZooKeeper 3.9's last-processed-zxid section, or
	// -1 if the stream has none.
	LastProcessedZxid int64
}

// Digest is the zxid digest section of a ZooKeeper 3.6+ snapshot: the tree
// digest ZooKeeper computed after applying Zxid (DataTree.ZxidDigest).
type Digest struct {
	Zxid    int64
	Version int32
	Value   int64
}

// Write writes a whole snapshot stream: header, sessions (in the order
// given), the tree via tree.WriteTo, the seal. It buffers w itself and
// flushes before returning.
func Write(w io.Writer, sessions []Session, tree io.WriterTo) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &checksumWriter{w: bw, sum: 1} // the Adler-32 of no bytes

	e := proto.NewEncoder(make([]byte, 0, 16+4+12*len(sessions)))
	e.Int(Magic)
	e.Int(Version)
	e.Long(DBID)
	e.Int(int32(len(sessions)))
	for _, s := range sessions {
		e.Long(s.ID)
		e.Int(s.Timeout)
	}
	if _, err := cw.Write(e.Bytes()); err != nil {
		return fmt.Errorf("snapshot: write header: %w", err)
	}
	if _, err := tree.WriteTo(cw); err != nil {
		return fmt.Errorf("snapshot: write tree: %w", err)
	}
	e.Reset()
	appendSeal(e, cw.sum)
	if _, err := cw.Write(e.Bytes()); err != nil {
		return fmt.Errorf("snapshot: write seal: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	return nil
}

// appendSeal is SnapStream.sealStream: the checksum so far as a long, then
// the path "/" that FileSnap.isValidSnapshot looks for at the end.
func appendSeal(e *proto.Encoder, sum uint32) {
	e.Long(int64(sum))
	e.String("/")
}

// checksumWriter passes writes on and keeps a running Adler-32 of them, as
// ZooKeeper's CheckedOutputStream.
type checksumWriter struct {
	w   io.Writer
	sum uint32
}

func (c *checksumWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.sum = adlerExtend(c.sum, p[:n])
	return n, err
}
