package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

var crashRounds = flag.Int("crash-rounds", 3, "kill -9 rounds per storage configuration in TestCrashRecovery")

// TestCrashRecovery kills bin/warren with SIGKILL while clients write as
// fast as they can, restarts it on the same directories, and checks that
// every acknowledged write is there with its data and version, and that
// the one write each client had in flight is either wholly applied or not
// at all (a multi included). It runs for each durable backend, with the log
// beside the snapshots and in a directory of its own.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no crash rounds")
	}
	for _, backend := range []string{"wal", "badger"} {
		for _, separate := range []bool{false, true} {
			name := backend
			if separate {
				name += "/separate-log-dir"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				logDir := ""
				if separate {
					logDir = filepath.Join(dir, "txnlog")
				}
				yaml := fmt.Sprintf("storage: {backend: %s}\nserver: {snap_count: 200, data_log_dir: %q}\n", backend, logDir)
				rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
				model := newCrashModel(4)
				for round := range *crashRounds {
					n := startWarrenIn(t, yaml, dir)
					model.verify(t, n.Addr, round)
					acked := model.write(t, n.Addr, time.Duration(100+rng.IntN(700))*time.Millisecond, rng.Uint64(), n.Kill)
					t.Logf("round %d: %d writes acknowledged before kill -9", round, acked)
				}
				n := startWarrenIn(t, yaml, dir)
				model.verify(t, n.Addr, *crashRounds)
			})
		}
	}
}

// keyState is a znode as the model expects it; a missing key is the zero
// value.
type keyState struct {
	exists  bool
	version int32
	data    string
}

// crashWriter is one client's keys: what was acknowledged, and the effect of
// the operation that was in flight when the server died, if any.
type crashWriter struct {
	root    string
	acked   map[string]keyState
	pending map[string]keyState // nil: nothing in flight
	next    int                 // the next new key's number
}

type crashModel struct{ writers []*crashWriter }

func newCrashModel(n int) *crashModel {
	m := &crashModel{}
	for i := range n {
		m.writers = append(m.writers, &crashWriter{root: fmt.Sprintf("/crash/w%d", i), acked: map[string]keyState{}})
	}
	return m
}

func crashConnect(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// write runs every writer against addr until d has passed, then calls kill
// while they are still writing, and returns how many writes were
// acknowledged.
func (m *crashModel) write(t *testing.T, addr string, d time.Duration, seed uint64, kill func()) int {
	t.Helper()
	c := crashConnect(t, addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/crash", nil, 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, len(m.writers))
	var conns []*zk.Conn
	for i, w := range m.writers {
		if _, err := c.Create(w.root, nil, 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			t.Fatal(err)
		}
		// Closed from here after the kill: a go-zookeeper request sent while
		// disconnected would otherwise wait for a server that never returns.
		cw := crashConnect(t, addr)
		conns = append(conns, cw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = w.run(cw, rand.New(rand.NewPCG(seed, uint64(i))))
		}()
	}
	time.Sleep(d)
	kill()
	c.Close()
	for _, cw := range conns {
		cw.Close()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	return total
}

// run writes until the connection fails, which the kill causes; every op
// is recorded as pending before it is sent.
func (w *crashWriter) run(c *zk.Conn, rng *rand.Rand) int {
	acl := zk.WorldACL(zk.PermAll)
	acked := 0
	for {
		existing := slices.Sorted(maps.Keys(w.acked))
		effect := map[string]keyState{}
		var err error
		switch op := rng.IntN(10); {
		case op < 4 || len(existing) < 3: // create
			k := w.newKey()
			data := strings.Repeat("c", rng.IntN(2048))
			effect[k] = keyState{true, 0, data}
			w.pending = effect
			_, err = c.Create(k, []byte(data), 0, acl)
		case op < 7: // setData with the expected version
			k := existing[rng.IntN(len(existing))]
			st := w.acked[k]
			data := fmt.Sprintf("s%d", rng.Uint32())
			effect[k] = keyState{true, st.version + 1, data}
			w.pending = effect
			_, err = c.Set(k, []byte(data), st.version)
		case op < 9: // multi: two creates and a setData, all or nothing
			a, b := w.newKey(), w.newKey()
			k := existing[rng.IntN(len(existing))]
			st := w.acked[k]
			effect[a] = keyState{true, 0, "ma"}
			effect[b] = keyState{true, 0, "mb"}
			effect[k] = keyState{true, st.version + 1, "m" + a}
			w.pending = effect
			_, err = c.Multi(
				&zk.CreateRequest{Path: a, Data: []byte("ma"), Acl: acl},
				&zk.CreateRequest{Path: b, Data: []byte("mb"), Acl: acl},
				&zk.SetDataRequest{Path: k, Data: []byte("m" + a), Version: st.version},
			)
		default: // delete with the expected version
			k := existing[rng.IntN(len(existing))]
			effect[k] = keyState{}
			w.pending = effect
			err = c.Delete(k, w.acked[k].version)
		}
		if err != nil {
			return acked // outcome unknown: the op stays pending
		}
		w.apply(effect)
		w.pending = nil
		acked++
	}
}

func (w *crashWriter) newKey() string {
	w.next++
	return fmt.Sprintf("%s/k%06d", w.root, w.next)
}

func (w *crashWriter) apply(effect map[string]keyState) {
	for k, st := range effect {
		if st.exists {
			w.acked[k] = st
		} else {
			delete(w.acked, k)
		}
	}
}

// verify reads every writer's keys from a restarted node and checks them
// against the model: exactly the acknowledged state, or that state with the
// pending op wholly applied.
func (m *crashModel) verify(t *testing.T, addr string, round int) {
	t.Helper()
	c := crashConnect(t, addr)
	defer c.Close()
	for _, w := range m.writers {
		actual := map[string]keyState{}
		kids, _, err := c.Children(w.root)
		if errors.Is(err, zk.ErrNoNode) && round == 0 {
			continue
		}
		if err != nil {
			t.Fatalf("round %d: children of %s: %v", round, w.root, err)
		}
		for _, k := range kids {
			p := w.root + "/" + k
			data, st, err := c.Get(p)
			if err != nil {
				t.Fatalf("round %d: get %s: %v", round, p, err)
			}
			actual[p] = keyState{true, st.Version, string(data)}
		}
		without := maps.Clone(w.acked)
		with := maps.Clone(w.acked)
		for k, st := range w.pending {
			if st.exists {
				with[k] = st
			} else {
				delete(with, k)
			}
		}
		switch {
		case maps.Equal(actual, without):
		case w.pending != nil && maps.Equal(actual, with):
			w.apply(w.pending)
		default:
			t.Fatalf("round %d: %s after kill -9 and restart:\n%s", round, w.root, describeDiff(actual, without, w.pending))
		}
		w.pending = nil
	}
}

// describeDiff lists the keys where actual differs from the acknowledged
// state, and the op that was in flight.
func describeDiff(actual, acked, pending map[string]keyState) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range actual {
		keys[k] = true
	}
	for k := range acked {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a, w := actual[k], acked[k]
		if a != w {
			fmt.Fprintf(&b, "  %s: got exists=%v v%d %.20q, acknowledged exists=%v v%d %.20q\n", k, a.exists, a.version, a.data, w.exists, w.version, w.data)
		}
	}
	for k, st := range pending {
		fmt.Fprintf(&b, "  in flight: %s -> exists=%v v%d %.20q\n", k, st.exists, st.version, st.data)
	}
	return b.String()
}

// TestDataDirLockedBySecondNode starts a second node on a data dir a running
// node holds: it must refuse to start, saying why, and the first one must
// keep serving.
func TestDataDirLockedBySecondNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, backend := range []string{"wal", "badger"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			yaml := fmt.Sprintf("storage: {backend: %s}\n", backend)
			first := startWarrenIn(t, yaml, dir)
			addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
			p, err := startProc("second warren", warrenCommand("server", "--config", filepath.Join(dir, "warren.yaml"),
				"--client-addr", addr, "--data-dir", first.DataDir))
			if err != nil {
				t.Fatal(err)
			}
			code, err := p.exitCode(15 * time.Second)
			if err != nil || code == 0 {
				t.Fatalf("second node on a held data dir: exit %d, %v\n%s", code, err, p.out.String())
			}
			if out := p.out.String(); !strings.Contains(out, "another process") {
				t.Errorf("the second node's error does not say another process holds the dir:\n%s", out)
			}
			if _, err := fourLetter(first.Addr, "ruok", 5*time.Second); err != nil {
				t.Fatalf("the first node stopped answering: %v", err)
			}
		})
	}
}

// TestDataDirUnusable: a data dir that cannot be created or written is a
// start-up error that names it, not a node that starts and loses writes.
func TestDataDirUnusable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"wal", "badger"} {
		t.Run(backend, func(t *testing.T) {
			cmd := warrenCommand("server", "--client-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
				"--data-dir", filepath.Join(file, "data"))
			cmd.Env = append(cmd.Env, "WARREN_STORAGE_BACKEND="+backend)
			p, err := startProc("warren", cmd)
			if err != nil {
				t.Fatal(err)
			}
			code, err := p.exitCode(15 * time.Second)
			if err != nil || code == 0 {
				t.Fatalf("exit %d, %v\n%s", code, err, p.out.String())
			}
			if out := p.out.String(); !strings.Contains(out, file) {
				t.Errorf("the error does not name the data dir:\n%s", out)
			}
		})
	}
}
