package snapshot

import (
	"bytes"
	"compress/gzip"
	"errors"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy/xerial"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// serialized writes a tree through a SnapshotView.
type serialized struct{ t *tree.Tree }

func (s serialized) WriteTo(w io.Writer) (int64, error) {
	v, err := s.t.BeginSnapshot()
	if err != nil {
		return 0, err
	}
	defer v.Close()
	return v.WriteTo(w)
}

func treeBytes(t *tree.Tree) []byte {
	var b bytes.Buffer
	if _, err := (serialized{t}).WriteTo(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var opts = tree.Options{ExtendedTypes: true}

// sampleTree holds a persistent node with data, an ephemeral, a container,
// a TTL node and a node with a digest ACL.
func sampleTree(t *testing.T) *tree.Tree { return sampleTreeTB(t) }

func sampleTreeTB(t testing.TB) *tree.Tree {
	t.Helper()
	tr := tree.New(opts)
	open := []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "world", ID: "anyone"}}}
	txns := []struct {
		typ proto.Op
		rec proto.Record
	}{
		{proto.OpCreate, &proto.CreateTxn{Path: "/a", Data: []byte("data"), ACL: open, ParentCversion: 1}},
		{proto.OpCreate, &proto.CreateTxn{Path: "/a/eph", ACL: open, Ephemeral: true, ParentCversion: 1}},
		{proto.OpCreateContainer, &proto.CreateContainerTxn{Path: "/c", ACL: open, ParentCversion: 2}},
		{proto.OpCreateTTL, &proto.CreateTTLTxn{Path: "/ttl", Data: []byte{0, 1, 2}, ACL: open, ParentCversion: 3, TTL: 5000}},
		{proto.OpCreate, &proto.CreateTxn{Path: "/acl", ACL: []proto.ACL{{Perms: 1, ID: proto.Id{Scheme: "digest", ID: "u:x"}}}, ParentCversion: 4}},
		{proto.OpSetData, &proto.SetDataTxn{Path: "/a", Data: []byte("v2"), Version: 1}},
	}
	for i, x := range txns {
		hdr := &proto.TxnHeader{ClientID: 0x1234, Cxid: int32(i), Zxid: int64(i + 1), Time: 1700000000000 + int64(i), Type: x.typ}
		if r := tr.Apply(hdr, x.rec); r.Err != proto.ErrOK {
			t.Fatalf("apply %d: %v", i, r.Err)
		}
	}
	return tr
}

func write(t testing.TB, sessions []Session, tr *tree.Tree) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, sessions, serialized{tr}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteRead(t *testing.T) {
	tr := sampleTree(t)
	sessions := []Session{{ID: 0x1234, Timeout: 30000}, {ID: 7, Timeout: 4000}, {ID: -5, Timeout: 1}}
	b := write(t, sessions, tr)

	if !bytes.HasPrefix(b, []byte("ZKSN\x00\x00\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x03")) {
		t.Errorf("header % x", b[:20])
	}
	// What FileSnap.isValidSnapshot checks: the file ends with the path "/".
	if !bytes.HasSuffix(b, []byte("\x00\x00\x00\x01/")) {
		t.Errorf("tail % x", b[len(b)-5:])
	}
	s, err := Read(bytes.NewReader(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Sessions, sessions) {
		t.Errorf("sessions %v, want %v", s.Sessions, sessions)
	}
	if !bytes.Equal(treeBytes(s.Tree), treeBytes(tr)) {
		t.Error("tree differs after the round trip")
	}
	if s.Digest != nil || s.LastProcessedZxid != -1 {
		t.Errorf("sections %+v %d, want none", s.Digest, s.LastProcessedZxid)
	}
	// The tree indexes are rebuilt: the ephemeral belongs to its session.
	if got := s.Tree.Ephemerals(0x1234); !slices.Equal(got, []string{"/a/eph"}) {
		t.Errorf("ephemerals %v", got)
	}
}

func TestWriteNoSessions(t *testing.T) {
	s, err := Read(bytes.NewReader(write(t, nil, tree.New(opts))), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sessions) != 0 || s.Tree.NodeCount() != 5 {
		t.Errorf("sessions %v, nodes %d", s.Sessions, s.Tree.NodeCount())
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	tr := sampleTree(t)
	full := len(write(t, nil, tr))
	for _, n := range []int{0, 10, full - 1} {
		if err := Write(&failingWriter{n: n}, nil, serialized{tr}); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("writer failing at %d: %v", n, err)
		}
	}
}

// section appends a trailing section (body, then a seal over everything
// before it) to a stream, as ZooKeeper 3.6+ does.
func section(stream []byte, body func(e *proto.Encoder)) []byte {
	e := proto.NewEncoder(slices.Clone(stream))
	body(e)
	appendSeal(e, adler32.Checksum(e.Bytes()))
	return e.Bytes()
}

func digestSection(e *proto.Encoder) { e.Long(0x42); e.Int(2); e.Long(-123456789) }
func zxidSection(e *proto.Encoder)   { e.Long(0x1_0000_0042) }

func TestSections(t *testing.T) {
	base := write(t, []Session{{ID: 1, Timeout: 2}}, sampleTree(t))
	wantDigest := &Digest{Zxid: 0x42, Version: 2, Value: -123456789}
	tests := []struct {
		name   string
		stream []byte
		digest *Digest
		zxid   int64
	}{
		{"digest (3.6-3.8)", section(base, digestSection), wantDigest, -1},
		{"digest and last zxid (3.9)", section(section(base, digestSection), zxidSection), wantDigest, 0x1_0000_0042},
		{"last zxid only", section(base, zxidSection), nil, 0x1_0000_0042},
		{"old hex digest", section(base, func(e *proto.Encoder) { e.Long(0x42); e.Int(1); e.String("ff") }), &Digest{Zxid: 0x42, Version: 1, Value: 0xff}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Read(bytes.NewReader(tc.stream), opts)
			if err != nil {
				t.Fatal(err)
			}
			if (s.Digest == nil) != (tc.digest == nil) || s.Digest != nil && *s.Digest != *tc.digest {
				t.Errorf("digest %+v, want %+v", s.Digest, tc.digest)
			}
			if s.LastProcessedZxid != tc.zxid {
				t.Errorf("last zxid %#x, want %#x", s.LastProcessedZxid, tc.zxid)
			}
			if tc.zxid > 0 && s.Tree.LastZxid() != tc.zxid {
				t.Errorf("tree last zxid %#x", s.Tree.LastZxid())
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	good := write(t, []Session{{ID: 1, Timeout: 2}}, sampleTree(t))
	withDigest := section(good, digestSection)
	set := func(b []byte, off int, v ...byte) []byte {
		b = slices.Clone(b)
		copy(b[off:], v)
		return b
	}
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"empty", nil, "header truncated"},
		{"short header", good[:10], "header truncated"},
		{"log file", set(good, 0, 'Z', 'K', 'L', 'G'), "magic 0x5a4b4c47 is not a snapshot's"},
		{"version", set(good, 7, 3), "offset 4: unsupported snapshot version 3"},
		{"negative session count", set(good, 16, 0xff), "offset 16: bad session count"},
		{"huge session count", set(good, 16, 0x7f), "offset 16: bad session count"},
		{"tree", set(good, 32, 0x7f), "tree starting at offset 32"},
		{"no seal", good[:len(good)-13], "seal after the tree missing"},
		{"bad checksum", set(good, len(good)-9, 0), "seal after the tree: checksum"},
		{"seal path", set(good, len(good)-1, 'x'), `path "x"`},
		{"garbage after seal", append(slices.Clone(good), 1, 2, 3), "3 bytes after the tree's seal"},
		{"damaged digest seal", set(withDigest, len(withDigest)-9, 0), "bytes after the tree's seal"},
		{"garbage after sections", append(slices.Clone(withDigest), 0), "1 unexpected bytes after the last section"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.stream), opts)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrCorrupt containing %q", err, tc.want)
			}
		})
	}
}

// Every single-byte change and every truncation of a stream is caught.
func TestEveryByteMatters(t *testing.T) {
	good := section(write(t, []Session{{ID: 1, Timeout: 2}}, sampleTree(t)), digestSection)
	for i := range good {
		b := slices.Clone(good)
		b[i] ^= 0x41
		if _, err := Read(bytes.NewReader(b), opts); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d changed: error %v", i, err)
		}
	}
	for n := range len(good) {
		if _, err := Read(bytes.NewReader(good[:n]), opts); !errors.Is(err, ErrCorrupt) {
			// A cut right after the tree's seal is a valid older snapshot.
			if n != len(good)-33 {
				t.Fatalf("truncated to %d: error %v", n, err)
			}
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("EIO") }

func TestReadIOError(t *testing.T) {
	_, err := Read(io.MultiReader(bytes.NewReader([]byte("ZKSN")), errReader{}), opts)
	if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "EIO") {
		t.Errorf("error %v, want the reader's, not ErrCorrupt", err)
	}
}

// testdata holds snapshots written by Apache ZooKeeper 3.8: plain (with the
// digest section), gzip and snappy (zookeeper.snapshot.compression.method).
func TestReadZooKeeperFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "snapshot.*"))
	if err != nil || len(files) < 3 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Read(bytes.NewReader(b), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Sessions) == 0 {
				t.Error("no sessions")
			}
			for _, p := range []string{"/app", "/app/cont", "/app/ttl", "/app/acl", "/zookeeper/config"} {
				if _, ok := s.Tree.Lookup(p); !ok {
					t.Errorf("%s missing", p)
				}
			}
			info, _ := s.Tree.Lookup("/app/ttl")
			if ttl, ok := tree.OwnerTTL(info.Stat.EphemeralOwner); !ok || ttl != 60000 {
				t.Errorf("/app/ttl owner %#x", info.Stat.EphemeralOwner)
			}
			if !strings.HasSuffix(f, ".gz") && !strings.HasSuffix(f, ".snappy") && s.Digest == nil {
				t.Error("ZooKeeper 3.8's digest section not found")
			}
			// Warren writes what it read, and reads that back the same.
			again, err := Read(bytes.NewReader(write(t, s.Sessions, s.Tree)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(treeBytes(again.Tree), treeBytes(s.Tree)) || !slices.Equal(again.Sessions, s.Sessions) {
				t.Error("rewritten snapshot differs")
			}
		})
	}
}

func TestCompressed(t *testing.T) {
	plain := section(write(t, []Session{{ID: 9, Timeout: 9}}, sampleTree(t)), digestSection)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()

	// snappy-java writes 32 KiB chunks; a stream may also hold a second
	// header where two streams were concatenated.
	big := section(write(t, nil, bigTree(t)), digestSection)
	half := len(big) / 2
	concatenated := append(xerial.Encode(nil, big[:half]), xerial.Encode(nil, big[half:])...)

	tests := map[string][]byte{
		"gzip":                gz.Bytes(),
		"snappy":              xerial.Encode(nil, plain),
		"snappy many chunks":  xerial.Encode(nil, big),
		"snappy concatenated": concatenated,
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Read(bytes.NewReader(b), opts)
			if err != nil {
				t.Fatal(err)
			}
			want := treeBytes(s.Tree)
			// Damage is an ErrCorrupt, never a panic. Neither format
			// checks a few header bytes: gzip's mtime, flags and OS,
			// snappy-java's codec version.
			unchecked := [2]int{4, 10}
			if strings.HasPrefix(name, "snappy") {
				unchecked = [2]int{8, 12}
			}
			for i := 0; i < len(b); i += max(1, len(b)/200) {
				if i >= unchecked[0] && i < unchecked[1] {
					continue
				}
				d := slices.Clone(b)
				d[i] ^= 0x55
				s, err := Read(bytes.NewReader(d), opts)
				switch {
				case err == nil && !bytes.Equal(treeBytes(s.Tree), want):
					// A changed copy offset may decode to the same bytes;
					// anything else must be caught.
					t.Fatalf("byte %d changed: a different tree and no error", i)
				case err != nil && !errors.Is(err, ErrCorrupt):
					t.Fatalf("byte %d changed: %v is not ErrCorrupt", i, err)
				}
			}
			if _, err := Read(bytes.NewReader(b[:len(b)-3]), opts); !errors.Is(err, ErrCorrupt) {
				t.Errorf("truncated: %v", err)
			}
		})
	}
}

func bigTree(t *testing.T) *tree.Tree {
	tr := tree.New(opts)
	open := []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "world", ID: "anyone"}}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		// Compressible, but not so uniform that a damaged copy offset
		// yields a change adler32 cannot see (it is a weak checksum).
		var word [16]byte
		for j := range word {
			word[j] = byte(rng.IntN(256))
		}
		data := bytes.Repeat(word[:], rng.IntN(60))
		hdr := &proto.TxnHeader{Zxid: int64(i + 1), Type: proto.OpCreate}
		if r := tr.Apply(hdr, &proto.CreateTxn{Path: "/n" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Data: data, ACL: open, ParentCversion: -1}); r.Err != proto.ErrOK {
			t.Fatal(r.Err)
		}
	}
	return tr
}

func TestSnappyHeader(t *testing.T) {
	good := xerial.Encode(nil, write(t, nil, tree.New(opts)))
	future := slices.Clone(good)
	future[15] = 2 // minimum compatible codec version 2
	if _, err := Read(bytes.NewReader(future), opts); err == nil || !strings.Contains(err.Error(), "codec version 2") {
		t.Errorf("future codec: %v", err)
	}
	huge := append(slices.Clone(good[:16]), 0x7f, 0xff, 0xff, 0xff, 1, 2, 3)
	if _, err := Read(bytes.NewReader(huge), opts); !errors.Is(err, ErrCorrupt) {
		t.Errorf("chunk longer than the stream: %v", err)
	}
}

// failAtEOF passes a stream on and fails where it ends, as a backend's
// reader does when the checksum of what it read does not match.
type failAtEOF struct{ r io.Reader }

func (f failAtEOF) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		err = errors.New("checksum mismatch at the end")
	}
	return n, err
}

// Read reads its stream to the end, so that an error the reader gives only
// there is not missed, and reports it as the reader's.
func TestReadReadsToTheEnd(t *testing.T) {
	for _, stream := range [][]byte{
		write(t, []Session{{ID: 1, Timeout: 2}}, sampleTree(t)),
		section(write(t, nil, sampleTree(t)), digestSection),
	} {
		_, err := Read(failAtEOF{bytes.NewReader(stream)}, opts)
		if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum mismatch at the end") {
			t.Errorf("error %v, want the reader's", err)
		}
	}
}
