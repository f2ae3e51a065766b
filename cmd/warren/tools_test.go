package main

// Tests of the offline tools (tools.go): log dump, snapshot dump and import,
// on the ZooKeeper 3.8 files kept as test data and on a data dir a live
// Apache ZooKeeper writes during the test.

import (
	"bytes"
	"errors"
	"fmt"
	"hash/adler32"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/core/txnfmt/txnfmttest"
	"github.com/warrenzk/warren/storage"
	_ "github.com/warrenzk/warren/storage/badger" // to read back what import wrote
	"github.com/warrenzk/warren/storage/wal"
)

// toolZK38 is a ZooKeeper 3.8 dataDir kept as test data (storage/zkdata):
// snapshots 0, 10, 1d, 2e and logs 1, 12, 1f, 30, 0x32 txns in all.
var toolZK38 = filepath.Join("..", "..", "storage", "zkdata", "testdata", "zk38")

// runTool runs the warren binary to the end, in UTC so that times print
// the same everywhere.
func runTool(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := warrenCommand(args...)
	cmd.Env = append(cmd.Env, "TZ=UTC")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("warren %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

func TestToolLogDump(t *testing.T) {
	v2 := filepath.Join(toolZK38, "version-2")
	out, stderr, code := runTool(t, "log", "dump", filepath.Join(v2, "log.30"))
	want := "ZooKeeper Transactional Log File with dbid 0 txnlog format version 2\n" +
		"11/22/26, 7:17:18 PM UTC session 0x100002da0350001 cxid 0x1 zxid 0x30 create /app/eph2,,[31,s{'world,'anyone}\n],true,38\n" +
		"11/22/26, 7:17:18 PM UTC session 0x100002da0350001 cxid 0x2 zxid 0x31 closeSession v{'/app/eph2}\n" +
		"11/22/26, 7:17:19 PM UTC session 0x100002da0350000 cxid 0x2f zxid 0x32 closeSession v{'/app/eph}\n" +
		"EOF reached after 3 txns.\n"
	if code != 0 || out != want {
		t.Errorf("log dump log.30: exit %d, stderr %q\n got %q\nwant %q", code, stderr, out, want)
	}

	// A data dir, or its version-2 folder: every log file, oldest first.
	for _, dir := range []string{toolZK38, v2} {
		out, stderr, code = runTool(t, "log", "dump", dir)
		if code != 0 || strings.Count(out, "==> ") != 4 || strings.Count(out, "EOF reached after") != 4 ||
			!strings.HasPrefix(out, "==> "+filepath.Join(v2, "log.1")+" <==\n") || !strings.HasSuffix(out, "EOF reached after 3 txns.\n") {
			t.Errorf("log dump %s: exit %d, stderr %q, out:\n%s", dir, code, stderr, out)
		}
	}

	junk := filepath.Join(t.TempDir(), "log.1")
	os.WriteFile(junk, []byte("not a log at all"), 0o644)
	for _, args := range [][]string{
		{"log", "dump", junk},
		{"log", "dump", t.TempDir()},
		{"log", "dump", "/nonexistent"},
		{"log", "dump"},
		{"log", "dump", "--backend", "wal"},
		{"log"},
	} {
		if _, stderr, code := runTool(t, args...); code != 1 || !strings.Contains(stderr, "warren: ") || strings.Contains(stderr, "panic") {
			t.Errorf("warren %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestToolLogDumpTornTail(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(toolZK38, "version-2", "log.30"))
	if err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(t.TempDir(), "log.30")
	os.WriteFile(torn, b[:len(bytes.TrimRight(b, "\x00"))-5], 0o644)
	out, stderr, code := runTool(t, "log", "dump", torn)
	if code != 0 || !strings.HasSuffix(out, "EOF reached after 2 txns.\n") || !strings.Contains(stderr, "torn tail") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	b[100] ^= 1
	os.WriteFile(torn, b, 0o644)
	out, stderr, code = runTool(t, "log", "dump", torn)
	if code != 1 || !strings.Contains(stderr, "record at offset 16: checksum") || !strings.HasSuffix(out, "EOF reached after 0 txns.\n") {
		t.Errorf("damaged: exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
}

func TestToolSnapshotDump(t *testing.T) {
	snaps := filepath.Join("..", "..", "core", "snapshot", "testdata")
	for _, f := range []string{
		filepath.Join(toolZK38, "version-2", "snapshot.2e"),
		filepath.Join(snaps, "snapshot.26.gz"),
		filepath.Join(snaps, "snapshot.30.snappy"),
	} {
		out, stderr, code := runTool(t, "snapshot", "dump", f)
		if code != 0 || !strings.HasPrefix(out, "ZNode Details (count=") || !strings.Contains(out, "\n----\n/app/ttl\n") ||
			!strings.Contains(out, "Session Details (sid, timeout, ephemeralCount):\n0x1") {
			t.Errorf("snapshot dump %s: exit %d, stderr %q, out:\n%s", f, code, stderr, out)
		}
	}
	out, _, code := runTool(t, "snapshot", "dump", "-d", filepath.Join(toolZK38, "version-2", "snapshot.2e"))
	if code != 0 || !strings.Contains(out, "\n/app\n  cZxid = 0x00000000000002\n  ctime = Sun Nov 22 19:17:18 UTC 2026\n") ||
		!strings.Contains(out, "  data = djI=\n") || !strings.HasSuffix(out, "----\nLast zxid: 0x2e\n") {
		t.Errorf("snapshot dump -d: exit %d, out:\n%s", code, out)
	}

	junk := filepath.Join(t.TempDir(), "snapshot.1")
	os.WriteFile(junk, []byte("ZKSN\x00\x00\x00\x02 and then nothing sensible"), 0o644)
	for _, args := range [][]string{
		{"snapshot", "dump", junk},
		{"snapshot", "dump", filepath.Join(toolZK38, "version-2", "log.1")},
		{"snapshot", "dump"},
		{"snapshot", "dump", "--backend", "wal", "--data-dir", t.TempDir()},
	} {
		if _, stderr, code := runTool(t, args...); code != 1 || !strings.Contains(stderr, "warren: ") || strings.Contains(stderr, "panic") {
			t.Errorf("warren %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// readStore opens a store and reads its newest snapshot back.
func readStore(t *testing.T, backend, dataDir string) (*snapshot.Snapshot, storage.SnapshotMeta) {
	t.Helper()
	b, err := storage.Default.Open(backend, storage.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if last := b.Log().LastZxid(); last != 0 {
		t.Errorf("import left log entries up to %#x", last)
	}
	metas, err := b.Snapshots().List()
	if err != nil || len(metas) != 1 {
		t.Fatalf("snapshots %v, %v; want exactly one", metas, err)
	}
	meta, r, err := b.Snapshots().OpenNewest()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, err := snapshot.Read(r, tree.Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, meta
}

func TestToolImport(t *testing.T) {
	for _, backend := range []string{"wal", "badger"} {
		t.Run(backend, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			args := []string{"import", "--zookeeper-data", toolZK38, "--data-dir", dataDir, "--backend", backend}
			out, stderr, code := runTool(t, args...)
			if code != 0 && strings.Contains(stderr, "unknown backend") {
				t.Skipf("this build has no %s backend: %s", backend, stderr)
			}
			if code != 0 || !strings.Contains(out, "snapshot.2e and 4 txns after it") || !strings.Contains(out, "last zxid: 0x32\n") ||
				!strings.Contains(out, "znodes:    41\n") || !strings.Contains(out, "sessions:  0\n") {
				t.Fatalf("exit %d, stderr %q, out:\n%s", code, stderr, out)
			}
			s, meta := readStore(t, backend, dataDir)
			if meta.Zxid != 0x32 || len(s.Sessions) != 0 || s.Tree.NodeCount() != 42 {
				t.Errorf("snapshot at %#x with %d sessions and %d nodes", meta.Zxid, len(s.Sessions), s.Tree.NodeCount())
			}
			if _, ok := s.Tree.Lookup("/app/eph"); ok {
				t.Error("/app/eph survived its session's close")
			}

			// A second import is refused: the store holds data.
			_, stderr, code = runTool(t, args...)
			if code != 1 || !strings.Contains(stderr, "already holds data") {
				t.Errorf("second import: exit %d, stderr %q", code, stderr)
			}
			// --force replaces it; there is still one snapshot.
			if out, stderr, code := runTool(t, append(args, "--force")...); code != 0 {
				t.Fatalf("--force: exit %d, stderr %q, out:\n%s", code, stderr, out)
			}
			readStore(t, backend, dataDir)
		})
	}
}

func TestToolImportRefuses(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	noSnap := filepath.Join(t.TempDir(), "version-2")
	os.Mkdir(noSnap, 0o755)
	log1, _ := os.ReadFile(filepath.Join(toolZK38, "version-2", "log.1"))
	os.WriteFile(filepath.Join(noSnap, "log.1"), log1, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--data-dir", data, "--backend", "wal"}, "--zookeeper-data is required"},
		{[]string{"import", "--zookeeper-data", toolZK38, "--data-dir", data, "--backend", "memory"}, `"memory" backend keeps nothing`},
		{[]string{"import", "--zookeeper-data", toolZK38, "--data-dir", data, "--backend", "nosuch"}, "unknown backend"},
		{[]string{"import", "--zookeeper-data", t.TempDir(), "--data-dir", data, "--backend", "wal"}, "no version-2 folder"},
		{[]string{"import", "--zookeeper-data", noSnap, "--data-dir", data, "--backend", "wal"}, "no ZooKeeper snapshot, but 1 log files"},
		{[]string{"import", "--zookeeper-data", toolZK38, "stray"}, `unexpected argument "stray"`},
	} {
		if _, stderr, code := runTool(t, tc.args...); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("warren %v: exit %d, stderr %q, want it to contain %q", tc.args, code, stderr, tc.want)
		}
	}
}

// impNode is what a server says about one znode.
type impNode struct {
	data []byte
	stat proto.Stat
	acl  []proto.ACL
}

func fromZKStat(s *zk.Stat) proto.Stat {
	return proto.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner, DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: s.Pzxid}
}

func fromZKACL(acl []zk.ACL) []proto.ACL {
	out := make([]proto.ACL, len(acl))
	for i, a := range acl {
		out[i] = proto.ACL{Perms: a.Perms, ID: proto.Id{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

// walkServer reads every znode a server serves, a few requests in flight
// at a time.
func walkServer(c *zk.Conn) (map[string]impNode, error) {
	var (
		mu    sync.Mutex
		nodes = map[string]impNode{}
		errs  []error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 16)
	)
	var visit func(path string)
	visit = func(path string) {
		defer wg.Done()
		sem <- struct{}{}
		data, st, err := c.Get(path)
		var acl []zk.ACL
		var kids []string
		if err == nil {
			acl, _, err = c.GetACL(path)
		}
		if err == nil {
			kids, _, err = c.Children(path)
		}
		<-sem
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return
		}
		nodes[path] = impNode{data: data, stat: fromZKStat(st), acl: fromZKACL(acl)}
		for _, k := range kids {
			wg.Add(1)
			go visit(strings.TrimSuffix(path, "/") + "/" + k)
		}
	}
	wg.Add(1)
	go visit("/")
	wg.Wait()
	return nodes, errors.Join(errs...)
}

// walkTree reads every znode of a tree.
func walkTree(tr *tree.Tree) map[string]impNode {
	nodes := map[string]impNode{}
	stack := []string{"/"}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		data, st, _ := tr.GetData(p, nil)
		acl, _, _ := tr.GetACL(p)
		kids, _, _ := tr.GetChildren(p, nil)
		nodes[p] = impNode{data: data, stat: st, acl: acl}
		for _, k := range kids {
			stack = append(stack, strings.TrimSuffix(p, "/")+"/"+k)
		}
	}
	return nodes
}

// compareNodes reports every znode whose path, data, stat or ACL differ.
func compareNodes(t *testing.T, what string, got, want map[string]impNode) {
	t.Helper()
	bad := 0
	report := func(format string, args ...any) {
		if bad++; bad <= 20 {
			t.Errorf(what+": "+format, args...)
		}
	}
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			report("%s missing", p)
		case !bytes.Equal(g.data, w.data):
			report("%s: data of %d bytes, want %d bytes", p, len(g.data), len(w.data))
		case g.stat != w.stat:
			report("%s: stat\n got %+v\nwant %+v", p, g.stat, w.stat)
		case !slices.Equal(g.acl, w.acl):
			report("%s: ACL %v, want %v", p, g.acl, w.acl)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			report("%s should not be there", p)
		}
	}
	if bad > 20 {
		t.Errorf("%s: %d differences in all", what, bad)
	}
}

// launchZooKeeperFor starts ZooKeeper 3.8 for the import test: small
// snapCount so that it writes snapshots as well as logs, small
// preallocation, the given compression of snapshots.
func launchZooKeeperFor(t *testing.T, java, dir, compression string) *node {
	t.Helper()
	dataDir := filepath.Join(dir, "data")
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPortAddress=127.0.0.1\nclientPort=%d\n"+
			"4lw.commands.whitelist=*\nadmin.enableServer=false\nmaxClientCnxns=0\nforceSync=no\nsnapCount=1000\n", dataDir, port)
		cfgPath := filepath.Join(dir, "zoo.cfg")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append(slices.Clone(zooKeeperJVMFlags), "-Dzookeeper.preAllocSize=1024",
			"-Dzookeeper.snapshot.compression.method="+compression,
			"-cp", zooKeeperClasspath, "org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
		p, err := startProc("zookeeper", exec.Command(java, args...))
		if err != nil {
			t.Fatal(err)
		}
		s := &node{Name: "zookeeper", Addr: addr, DataDir: dataDir, p: p}
		t.Cleanup(func() {
			p.killGroup()
			<-p.done
			if t.Failed() {
				t.Logf("zookeeper output:\n%s", p.out.tail(8<<10))
			}
		})
		err = waitReady(p, addr, 60*time.Second)
		if err == nil {
			return s
		}
		if attempt == 2 || !strings.Contains(p.out.String(), "Address already in use") {
			t.Fatal(err)
		}
	}
}

// buildZooKeeperTree writes a tree of every znode kind through c, with
// ephemerals owned by owner, whose session stays open.
func buildZooKeeperTree(t *testing.T, c, owner *zk.Conn, addr string) {
	t.Helper()
	open := zk.WorldACL(zk.PermAll)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Create("/import", []byte("root of the import test"), 0, open))
	must(c.Create("/import/persistent", []byte("plain"), 0, open))
	must(c.Create("/import/empty", nil, 0, open))
	for range 20 {
		must(c.Create("/import/seq-", []byte("s"), zk.FlagSequence, open))
	}
	must(owner.Create("/import/eph", []byte("mine"), zk.FlagEphemeral, open))
	for range 5 {
		must(owner.Create("/import/eph-seq-", nil, zk.FlagEphemeralSequential, open))
	}
	must(c.CreateContainer("/import/cont", []byte("c"), zk.FlagContainer, open))
	must(c.Create("/import/cont/child", nil, 0, open))
	must(c.CreateContainer("/import/cont-never-used", nil, zk.FlagContainer, open))
	must(c.CreateTTL("/import/ttl", []byte("t"), zk.FlagTTL, open, time.Hour))
	must(c.CreateTTL("/import/ttl-seq-", []byte("t"), zk.FlagPersistentSequentialWithTTL, open, 2*time.Hour))
	must(c.Create("/import/acl-digest", []byte("d"), 0, zk.DigestACL(zk.PermAll, "user", "pw")))
	mixed := append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAll, "user", "pw")...)
	mixed = append(mixed, zk.ACL{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"})
	must(c.Create("/import/acl-mixed", []byte("m"), 0, mixed))
	must(c.Create("/import/acl-set", nil, 0, open))
	must(c.SetACL("/import/acl-set", zk.WorldACL(zk.PermRead|zk.PermWrite), 0))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	must(c.Create("/import/binary", all, 0, open))

	// Data up to 100 KiB.
	must(c.Create("/import/big", nil, 0, open))
	for i := range 12 {
		data := bytes.Repeat([]byte{byte('a' + i)}, (i+1)*100<<10/12)
		must(c.Create(fmt.Sprintf("/import/big/%02d", i), data, 0, open))
	}

	// Several thousand nodes, created in multis of 100 from a few
	// goroutines, then changed and deleted so that the log holds more than
	// any snapshot.
	must(c.Create("/import/bulk", nil, 0, open))
	const dirs, perDir = 50, 100
	var wg sync.WaitGroup
	errs := make(chan error, dirs)
	for d := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := fmt.Sprintf("/import/bulk/d%02d", d)
			ops := []any{&zk.CreateRequest{Path: dir, Acl: open}}
			for n := range perDir {
				ops = append(ops, &zk.CreateRequest{Path: fmt.Sprintf("%s/n%03d", dir, n), Data: []byte(strconv.Itoa(d * n)), Acl: open})
			}
			if _, err := c.Multi(ops...); err != nil {
				errs <- err
				return
			}
			for n := range perDir {
				p := fmt.Sprintf("%s/n%03d", dir, n)
				var err error
				switch {
				case n%11 == 0:
					err = c.Delete(p, 0)
				case n%7 == 0:
					_, err = c.Set(p, []byte("changed"), 0)
					if err == nil && n%2 == 0 {
						_, err = c.Set(p, []byte("changed twice"), 1)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A failed multi (an error txn) and a refused create (another).
	if _, err := c.Multi(&zk.CreateRequest{Path: "/import/never", Acl: open}, &zk.DeleteRequest{Path: "/import/missing", Version: -1}); err == nil {
		t.Fatal("failing multi succeeded")
	}
	if _, err := c.Create("/import/persistent", nil, 0, open); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	// A session that comes and goes, with its ephemeral.
	gone := connectZK(t, addr, 10*time.Second)
	must(gone.Create("/import/eph-gone", nil, zk.FlagEphemeral, open))
	gone.Close()
	must(c.Set("/import/persistent", []byte("last write"), 0))
}

func TestImportFromZooKeeper(t *testing.T) {
	java := requireZooKeeper(t)
	for _, tc := range []struct {
		stop        syscall.Signal
		compression string
	}{
		{syscall.SIGKILL, ""},
		{syscall.SIGTERM, "gz"},
	} {
		t.Run(tc.stop.String(), func(t *testing.T) {
			testImportFromZooKeeper(t, java, tc.stop, tc.compression)
		})
	}
}

func testImportFromZooKeeper(t *testing.T, java string, stop syscall.Signal, compression string) {
	zkDir := t.TempDir()
	zks := launchZooKeeperFor(t, java, zkDir, compression)
	c := connectZK(t, zks.Addr, 30*time.Second)
	owner := connectZK(t, zks.Addr, 30*time.Second)
	if err := c.AddAuth("digest", []byte("user:pw")); err != nil {
		t.Fatal(err)
	}
	buildZooKeeperTree(t, c, owner, zks.Addr)
	want, err := walkServer(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4000 {
		t.Fatalf("ZooKeeper serves only %d znodes", len(want))
	}
	openSessions := []int64{c.SessionID(), owner.SessionID()}

	// Stop ZooKeeper with the sessions open, as a crash or an operator
	// would.
	zks.p.terminate(stop, 30*time.Second)
	snaps, _ := filepath.Glob(filepath.Join(zks.DataDir, "version-2", "snapshot.*"))
	logs, _ := filepath.Glob(filepath.Join(zks.DataDir, "version-2", "log.*"))
	if len(snaps) < 2 || len(logs) < 2 {
		t.Fatalf("ZooKeeper wrote snapshots %v and logs %v; want several of each", snaps, logs)
	}

	dataDir := filepath.Join(t.TempDir(), "warren")
	out, stderr, code := runTool(t, "import", "--zookeeper-data", zks.DataDir, "--data-dir", dataDir, "--backend", "wal")
	if code != 0 {
		t.Fatalf("import: exit %d, stderr:\n%s\nout:\n%s", code, stderr, out)
	}
	t.Logf("import:\n%s%s", out, stderr)
	s, meta := readStore(t, "wal", dataDir)
	compareNodes(t, "imported snapshot", walkTree(s.Tree), want)
	var ids []int64
	for _, sess := range s.Sessions {
		ids = append(ids, sess.ID)
		if sess.Timeout != 30000 {
			t.Errorf("session %#x timeout %d, want 30000", sess.ID, sess.Timeout)
		}
	}
	slices.Sort(ids)
	slices.Sort(openSessions)
	if !slices.Equal(ids, openSessions) {
		t.Errorf("sessions %x, want the ones left open: %x", ids, openSessions)
	}
	if got := s.Tree.Ephemerals(owner.SessionID()); len(got) != 6 {
		t.Errorf("owner's ephemerals %v", got)
	}
	lastZxid := int64(0)
	for _, n := range want {
		lastZxid = max(lastZxid, n.stat.Mzxid, n.stat.Pzxid)
	}
	if meta.Zxid < lastZxid {
		t.Errorf("snapshot labelled %#x, below the newest zxid in the tree %#x", meta.Zxid, lastZxid)
	}

	if stop == syscall.SIGKILL {
		t.Run("ZooKeeperReadsWarrenSnapshot", func(t *testing.T) { compareSnapshotFormatter(t, java, dataDir, meta.Zxid) })
		t.Run("LogDumpMatchesTxnLogToolkit", func(t *testing.T) { compareTxnLogToolkit(t, java, logs) })
	}
	t.Run("WarrenServesImport", func(t *testing.T) { compareWarrenServer(t, dataDir, want) })
}

// compareSnapshotFormatter runs ZooKeeper's SnapshotFormatter on the stream
// Warren wrote, as a snapshot.<zxid> file, and compares what it prints with
// warren snapshot dump of the store's file.
func compareSnapshotFormatter(t *testing.T, java, dataDir string, zxid int64) {
	files, _ := filepath.Glob(filepath.Join(dataDir, "snapshots", "snapshot.*"))
	if len(files) != 1 {
		t.Fatalf("wal snapshot files %v", files)
	}
	_, r, err := wal.OpenSnapshotFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	stream.ReadFrom(r)
	r.Close()
	zkFile := filepath.Join(t.TempDir(), fmt.Sprintf("snapshot.%x", zxid))
	if err := os.WriteFile(zkFile, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	zkOut := runJava(t, java, "org.apache.zookeeper.server.SnapshotFormatter", zkFile)
	out, stderr, code := runTool(t, "snapshot", "dump", files[0])
	if code != 0 {
		t.Fatalf("snapshot dump: exit %d: %s", code, stderr)
	}
	if diff := txnfmttest.DiffTree(out, zkOut); diff != "" {
		t.Errorf("warren snapshot dump differs from ZooKeeper's SnapshotFormatter on the same snapshot: %s", diff)
	}
}

// compareTxnLogToolkit compares warren log dump with ZooKeeper's
// TxnLogToolkit on the first and last log files.
func compareTxnLogToolkit(t *testing.T, java string, logs []string) {
	slices.Sort(logs)
	for _, f := range []string{logs[0], logs[len(logs)-1]} {
		zkOut := runJava(t, java, "org.apache.zookeeper.server.persistence.TxnLogToolkit", f)
		out, stderr, code := runTool(t, "log", "dump", f)
		if code != 0 {
			t.Fatalf("log dump %s: exit %d: %s", f, code, stderr)
		}
		if diff := txnfmttest.DiffLog(out, zkOut); diff != "" {
			t.Errorf("%s: warren log dump differs from ZooKeeper's TxnLogToolkit: %s", f, diff)
		}
	}
}

// runJava runs a ZooKeeper tool in UTC and the en_US locale.
func runJava(t *testing.T, java, class string, args ...string) string {
	t.Helper()
	cmdArgs := append([]string{"-Duser.timezone=UTC", "-Duser.language=en", "-Duser.country=US", "-Xmx256m",
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar", class}, args...)
	out, err := exec.Command(java, cmdArgs...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", class, args, err, out)
	}
	return string(out)
}

// compareWarrenServer starts Warren on the imported store and compares what
// it serves with what ZooKeeper served.
func compareWarrenServer(t *testing.T, dataDir string, want map[string]impNode) {
	cfgPath := filepath.Join(t.TempDir(), "warren.yaml")
	cfg := "server:\n  four_letter_words: [\"*\"]\nstorage:\n  backend: wal\nlog:\n  level: warn\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	p := runWarren(t, "server", "--config", cfgPath, "--client-addr", addr, "--data-dir", dataDir)
	if err := waitReady(p, addr, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	c := connectZK(t, addr, 30*time.Second)
	if err := c.AddAuth("digest", []byte("user:pw")); err != nil {
		t.Fatal(err)
	}
	got, err := walkServer(c)
	if err != nil {
		t.Fatal(err)
	}
	compareNodes(t, "Warren serving the import", got, want)
}

// The dumps read a store Warren itself wrote: its wal log, through the
// folder or the backend, and its snapshot.
func TestToolDumpWarrenStore(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not starting a server")
	}
	w := startWarren(t, "storage:\n  backend: wal\n")
	c := connectZK(t, w.Addr, 10*time.Second)
	if _, err := c.Create("/dumped", []byte("by warren"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/dumped", []byte("again"), 0); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"log", "dump", w.DataDir},
		{"log", "dump", "--backend", "wal", "--data-dir", w.DataDir},
	} {
		out, stderr, code := runTool(t, args...)
		if code != 0 || !strings.Contains(out, " createSession ") || !strings.Contains(out, " create /dumped,by warren,[31,s{'world,'anyone}\n],false,") ||
			!strings.Contains(out, " setData /dumped,again,1\n") || !strings.Contains(out, " closeSession ") || !strings.HasSuffix(out, " txns.\n") {
			t.Errorf("warren %v: exit %d, stderr %q, out:\n%s", args, code, stderr, out)
		}
	}
}

// A record whose checksum holds but whose txn does not decode is reported
// with its place, and the dump goes on; an empty file is an empty log.
func TestToolLogDumpOddRecords(t *testing.T) {
	record := func(hdr proto.TxnHeader, body ...byte) []byte {
		e := proto.NewEncoder(nil)
		hdr.Encode(e)
		e.Raw(body)
		txn := e.Bytes()
		r := proto.NewEncoder(nil)
		r.Long(int64(adler32.Checksum(txn)))
		r.Buffer(txn)
		r.Raw([]byte{'B'})
		return r.Bytes()
	}
	file := []byte("ZKLG\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00")
	file = append(file, record(proto.TxnHeader{ClientID: 1, Zxid: 1, Type: proto.OpGetData})...)
	file = append(file, record(proto.TxnHeader{ClientID: 1, Zxid: 2, Type: proto.OpCreateSession}, 0, 0, 0x75, 0x30)...)
	dir := t.TempDir()
	path := filepath.Join(dir, "log.1")
	os.WriteFile(path, file, 0o644)
	out, stderr, code := runTool(t, "log", "dump", path)
	if code != 1 || !strings.Contains(stderr, "txn at zxid 0x1 ("+path+" offset 16) does not decode: unsupported txn type 4") ||
		!strings.Contains(out, " zxid 0x2 createSession 30000\nEOF reached after 1 txns.\n") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	empty := filepath.Join(dir, "log.3")
	os.WriteFile(empty, nil, 0o644)
	if out, stderr, code := runTool(t, "log", "dump", empty); code != 0 || out != "EOF reached after 0 txns.\n" {
		t.Errorf("empty file: exit %d, stderr %q, out %q", code, stderr, out)
	}
}

// A node whose store is empty refuses to start on a data dir that holds
// Apache ZooKeeper's files (a zoo.cfg used as it is) and says how to
// import them; once imported into that data dir, it starts on them.
func TestServerRefusesZooKeeperDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS(toolZK38)); err != nil {
		t.Fatal(err)
	}
	cmd := warrenCommand("server", "--client-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--data-dir", filepath.Join(dir, "data"))
	cmd.Env = append(cmd.Env, "WARREN_ADMIN_ENABLE_SERVER=false")
	p, err := startProc("warren", cmd)
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.exitCode(15 * time.Second)
	if out := p.out.String(); err != nil || code == 0 || !strings.Contains(out, "holds Apache ZooKeeper's data") ||
		!strings.Contains(out, "warren import --zookeeper-data") {
		t.Fatalf("exit %d, %v; want a refusal naming warren import:\n%s", code, err, out)
	}
	if out, stderr, code := runTool(t, "import", "--zookeeper-data", filepath.Join(dir, "data"), "--data-dir", filepath.Join(dir, "data"),
		"--backend", "wal"); code != 0 {
		t.Fatalf("import: exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	n := startWarrenIn(t, "", dir)
	c := connectZK(t, n.Addr, 10*time.Second)
	if _, _, err := c.Get("/app"); err != nil {
		t.Fatalf("get /app after the import: %v", err)
	}
}
