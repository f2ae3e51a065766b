package main

// Differential tests: every scenario in diffScenarios runs against Warren and
// against Apache ZooKeeper 3.8, writes a transcript of what the server
// answered, and the two transcripts must be identical, except for the
// documented differences a scenario lists (and those must still be there).
//
// A transcript holds error codes by name, paths, data, sorted children and
// stats normalised so that two servers can agree: zxids are replaced by their
// rank among the zxids the scenario saw, times are dropped, and ephemeral
// owners are named (the session's name in the scenario, "container",
// "ttl:<ms>" or 0).

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// scenario is one differential test case.
type scenario struct {
	name string
	run  func(e *env)
	// known lists the documented differences (docs/compatibility.md) this
	// scenario shows. Each must be observed, exactly.
	known []knownDiff
	// skip, if set, is why the scenario is skipped ("warren bug: ...").
	skip string
}

// knownDiff is a transcript line where Warren deliberately answers
// differently from ZooKeeper 3.8.
type knownDiff struct {
	zk, warren string
}

// transcript is what a scenario observed on one server.
type transcript struct {
	mu    sync.Mutex
	lines []string
}

// zxidMark wraps a zxid in a transcript line until finish ranks it.
func zxidMark(z int64) string {
	if z <= 0 {
		return strconv.FormatInt(z, 10)
	}
	return fmt.Sprintf("⟦%d⟧", z)
}

var zxidMarkRE = regexp.MustCompile(`⟦(\d+)⟧`)

// finish replaces each marked zxid by "z<rank>", rank 1 being the smallest
// zxid the scenario saw.
func (tr *transcript) finish() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var zs []int64
	for _, l := range tr.lines {
		for _, m := range zxidMarkRE.FindAllStringSubmatch(l, -1) {
			z, _ := strconv.ParseInt(m[1], 10, 64)
			zs = append(zs, z)
		}
	}
	slices.Sort(zs)
	zs = slices.Compact(zs)
	out := make([]string, len(tr.lines))
	for i, l := range tr.lines {
		out[i] = zxidMarkRE.ReplaceAllStringFunc(l, func(m string) string {
			z, _ := strconv.ParseInt(m[len("⟦"):len(m)-len("⟧")], 10, 64)
			r, _ := slices.BinarySearch(zs, z)
			return "z" + strconv.Itoa(r+1)
		})
	}
	return out
}

// env is what a scenario runs against: one server, a root path of its own
// (the scenario's name) and the transcript it writes.
type env struct {
	t    *testing.T
	srv  *node
	root string
	tr   *transcript

	mu     sync.Mutex
	owners map[int64]string // session id -> name in the scenario
}

// log adds a line to the transcript.
func (e *env) log(format string, args ...any) {
	e.tr.mu.Lock()
	defer e.tr.mu.Unlock()
	e.tr.lines = append(e.tr.lines, fmt.Sprintf(format, args...))
}

// p returns the scenario's root joined with rel.
func (e *env) p(rel string) string { return e.root + rel }

func (e *env) nameSession(id int64, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.owners[id] = name
}

// owner names an ephemeralOwner value.
func (e *env) owner(id int64) string {
	switch {
	case id == 0:
		return "0"
	case uint64(id) == 0x8000000000000000:
		return "container"
	case uint64(id)>>56 == 0xff:
		return fmt.Sprintf("ttl:%d", id&0x00ffffffffffffff)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if n, ok := e.owners[id]; ok {
		return n
	}
	return "unknown-session"
}

// zk opens a go-zookeeper session named name, closed when the test ends.
func (e *env) zk(name string) *zk.Conn {
	c := connectZK(e.t, e.srv.Addr, 30*time.Second)
	e.nameSession(c.SessionID(), name)
	return c
}

// dial opens a raw connection without a session, closed when the test ends.
func (e *env) dial() *rawClient {
	c, err := dialRaw(e.srv.Addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// raw opens a raw connection with a session named name.
func (e *env) raw(name string) *rawClient {
	c := e.dial()
	resp, err := c.connect(30000, 0, nil)
	if err != nil {
		e.t.Fatalf("raw connect: %v", err)
	}
	e.nameSession(resp.SessionID, name)
	return c
}

// fmtStat formats a stat with marked zxids and a named owner, without times.
func (e *env) fmtStat(s stat) string {
	return fmt.Sprintf("{czxid=%s mzxid=%s pzxid=%s ver=%d cver=%d aver=%d owner=%s len=%d kids=%d}",
		zxidMark(s.Czxid), zxidMark(s.Mzxid), zxidMark(s.Pzxid), s.Version, s.Cversion, s.Aversion,
		e.owner(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

func (e *env) fmtZKStat(s *zk.Stat) string {
	if s == nil {
		return "nil"
	}
	return e.fmtStat(stat{
		Czxid: s.Czxid, Mzxid: s.Mzxid, Pzxid: s.Pzxid, Version: s.Version, Cversion: s.Cversion,
		Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner, DataLength: s.DataLength, NumChildren: s.NumChildren,
	})
}

// zkErrNames names go-zookeeper's errors as ZooKeeper does.
var zkErrNames = []struct {
	err  error
	name string
}{
	{zk.ErrAPIError, "APIError"}, {zk.ErrNoNode, "NoNode"}, {zk.ErrNoAuth, "NoAuth"},
	{zk.ErrBadVersion, "BadVersion"}, {zk.ErrNoChildrenForEphemerals, "NoChildrenForEphemerals"},
	{zk.ErrNodeExists, "NodeExists"}, {zk.ErrNotEmpty, "NotEmpty"},
	{zk.ErrSessionExpired, "SessionExpired"}, {zk.ErrInvalidACL, "InvalidACL"},
	{zk.ErrAuthFailed, "AuthFailed"}, {zk.ErrClosing, "Closing"}, {zk.ErrNothing, "Nothing"},
	{zk.ErrSessionMoved, "SessionMoved"}, {zk.ErrReconfigDisabled, "ReconfigDisabled"},
	{zk.ErrBadArguments, "BadArguments"}, {zk.ErrConnectionClosed, "ConnectionClosed"},
	{zk.ErrUnknown, "Unknown"},
}

func zkErr(err error) string {
	if err == nil {
		return "OK"
	}
	for _, n := range zkErrNames {
		if errors.Is(err, n.err) {
			return n.name
		}
	}
	return err.Error()
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

// Recording wrappers around go-zookeeper calls.

func (e *env) create(c *zk.Conn, path, data string, flags int32, acl []zk.ACL) string {
	if acl == nil {
		acl = zk.WorldACL(zk.PermAll)
	}
	got, err := c.Create(path, []byte(data), flags, acl)
	e.log("create %s flags=%d: %s %s", path, flags, zkErr(err), got)
	return got
}

func (e *env) get(c *zk.Conn, path string) {
	data, st, err := c.Get(path)
	if err != nil {
		e.log("get %s: %s", path, zkErr(err))
		return
	}
	e.log("get %s: %q %s", path, data, e.fmtZKStat(st))
}

func (e *env) set(c *zk.Conn, path, data string, version int32) {
	st, err := c.Set(path, []byte(data), version)
	if err != nil {
		e.log("set %s v=%d: %s", path, version, zkErr(err))
		return
	}
	e.log("set %s v=%d: OK %s", path, version, e.fmtZKStat(st))
}

func (e *env) del(c *zk.Conn, path string, version int32) {
	e.log("delete %s v=%d: %s", path, version, zkErr(c.Delete(path, version)))
}

func (e *env) exists(c *zk.Conn, path string) {
	ok, st, err := c.Exists(path)
	if err != nil || !ok {
		e.log("exists %s: %v %s", path, ok, zkErr(err))
		return
	}
	e.log("exists %s: %s", path, e.fmtZKStat(st))
}

func (e *env) children(c *zk.Conn, path string) {
	kids, st, err := c.Children(path)
	if err != nil {
		e.log("children %s: %s", path, zkErr(err))
		return
	}
	e.log("children %s: %v %s", path, sorted(kids), e.fmtZKStat(st))
}

func (e *env) getACL(c *zk.Conn, path string) {
	acls, st, err := c.GetACL(path)
	if err != nil {
		e.log("getACL %s: %s", path, zkErr(err))
		return
	}
	e.log("getACL %s: %v %s", path, fmtZKACL(acls), e.fmtZKStat(st))
}

func (e *env) setACL(c *zk.Conn, path string, acl []zk.ACL, version int32) {
	st, err := c.SetACL(path, acl, version)
	if err != nil {
		e.log("setACL %s v=%d: %s", path, version, zkErr(err))
		return
	}
	e.log("setACL %s v=%d: OK %s", path, version, e.fmtZKStat(st))
}

func fmtZKACL(acls []zk.ACL) []string {
	out := []string{}
	for _, a := range acls {
		out = append(out, fmt.Sprintf("%s:%s=%d", a.Scheme, a.ID, a.Perms))
	}
	return out
}

// Recording wrappers around raw requests.

// rawCall sends a request and returns the reply, logging transport errors
// (a closed connection is a legitimate answer and is logged as such).
func (e *env) rawCall(c *rawClient, what string, op int32, body []byte) (reply, bool) {
	r, err := c.call(op, body)
	if err != nil {
		e.log("%s: %s", what, errText(err))
		return reply{}, false
	}
	if r.Err != 0 {
		e.log("%s: %s%s", what, errName(r.Err), rest(r.Body))
		return r, false
	}
	return r, true
}

// rest describes bytes left in a reply after its record was read.
func rest(r *jr) string {
	if r.err != nil {
		return " (decode: " + r.err.Error() + ")"
	}
	if len(r.b) > 0 {
		return fmt.Sprintf(" +%d bytes", len(r.b))
	}
	return ""
}

// rawCreate sends create (1), create2 (15), createContainer (19) or createTTL
// (21) and logs the path and, where the reply has one, the stat.
func (e *env) rawCreate(c *rawClient, op int32, path string, data []byte, acls []acl, flags int32, ttl int64) {
	what := fmt.Sprintf("op%d %s flags=%d", op, path, flags)
	if op == opCreateTTL {
		what += fmt.Sprintf(" ttl=%d", ttl)
	}
	body := createBody(path, data, acls, flags)
	if op == opCreateTTL {
		body = createTTLBody(path, data, acls, flags, ttl)
	}
	r, ok := e.rawCall(c, what, op, body)
	if !ok {
		return
	}
	got := r.Body.str()
	if op == opCreate {
		e.log("%s: OK %s%s", what, got, rest(r.Body))
		return
	}
	st := r.Body.stat()
	e.log("%s: OK %s %s%s", what, got, e.fmtStat(st), rest(r.Body))
}

// logChildren logs path's children, sorted, as "<what>: [...]".
func (e *env) logChildren(c *rawClient, what, path string) {
	if r, ok := e.rawCall(c, what, opGetChildren, pathWatch(path, false)); ok {
		e.log("%s: %v", what, sorted(r.Body.strs()))
	}
}

// logEvents logs the notifications c has read since the last call.
func (e *env) logEvents(c *rawClient, what string) {
	var ev []string
	for _, x := range c.takeEvents() {
		s := x.String()
		if x.State != 3 {
			s += fmt.Sprintf(" state=%d", x.State)
		}
		if x.Zxid != -1 {
			s += " zxid=" + zxidMark(x.Zxid)
		}
		ev = append(ev, s)
	}
	e.log("events %s: %v", what, ev)
}

// diffServers is how TestDifferential configures Warren to match the
// ZooKeeper the harness starts (tickTime 2000, TTL on, containers swept
// every second).
const diffServers = `
server:
  tick_time: 2s
  container_check_interval: 1s
  extended_types_enabled: true
`

// runKnownBugs runs the scenarios skipped as known Warren bugs, to see
// whether a fix has landed: go test -run TestDifferential -known-bugs
var runKnownBugs = flag.Bool("known-bugs", false, "also run differential scenarios skipped as known Warren bugs")

func TestDifferential(t *testing.T) {
	t.Parallel()
	w, z := startBoth(t, diffServers)
	servers := []*node{w, z}
	for _, sc := range diffScenarios {
		t.Run(sc.name, func(t *testing.T) {
			if why, ok := knownWarrenBugs[sc.name]; ok && !*runKnownBugs {
				t.Skip("warren bug, to fix: " + why)
			}
			if sc.skip != "" && !*runKnownBugs {
				t.Skip(sc.skip)
			}
			var got [2][]string
			// Runs after both parallel subtests below have finished.
			t.Cleanup(func() {
				if !t.Failed() {
					compareTranscripts(t, sc, got[0], got[1])
				}
			})
			for i, srv := range servers {
				t.Run(srv.Name, func(t *testing.T) {
					t.Parallel()
					got[i] = runScenario(t, srv, sc)
				})
			}
		})
	}
}

// runScenario runs sc on srv under its own root and returns the transcript.
func runScenario(t *testing.T, srv *node, sc scenario) []string {
	e := &env{t: t, srv: srv, root: "/" + sc.name, tr: &transcript{}, owners: map[int64]string{}}
	sc.run(e)
	lines := e.tr.finish()
	t.Logf("%s transcript:\n  %s", srv.Name, strings.Join(lines, "\n  "))
	return lines
}

// compareTranscripts fails t unless Warren's transcript equals ZooKeeper's
// up to the scenario's known differences, all of which must appear.
func compareTranscripts(t *testing.T, sc scenario, warren, zookeeper []string) {
	used := make([]bool, len(sc.known))
	mismatch := len(warren) != len(zookeeper)
	marks := make([]string, max(len(warren), len(zookeeper)))
	for i := range marks {
		var wl, zl string
		if i < len(warren) {
			wl = warren[i]
		}
		if i < len(zookeeper) {
			zl = zookeeper[i]
		}
		if wl == zl {
			continue
		}
		marks[i] = "≠"
		matched := false
		for k, d := range sc.known {
			if !used[k] && d.zk == zl && d.warren == wl {
				used[k], matched = true, true
				marks[i] = "≈"
				break
			}
		}
		if !matched {
			mismatch = true
		}
	}
	for k, d := range sc.known {
		if !used[k] {
			t.Errorf("documented difference not observed (update docs/compatibility.md and this test if it is gone):\n  zookeeper: %s\n  warren:    %s", d.zk, d.warren)
		}
	}
	if mismatch {
		t.Errorf("transcripts differ (≠ unexpected, ≈ documented):\n%s", sideBySide(warren, zookeeper, marks))
	}
}

// sideBySide lays out two transcripts line by line with a marker column.
func sideBySide(warren, zookeeper, marks []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "   %-4s %s\n", "line", "warren | zookeeper")
	for i, m := range marks {
		if m == "" {
			m = " "
		}
		var wl, zl string
		if i < len(warren) {
			wl = warren[i]
		} else {
			wl = "(missing)"
		}
		if i < len(zookeeper) {
			zl = zookeeper[i]
		} else {
			zl = "(missing)"
		}
		if wl == zl {
			fmt.Fprintf(&b, " %s %3d  %s\n", m, i+1, wl)
			continue
		}
		fmt.Fprintf(&b, " %s %3d  warren:    %s\n", m, i+1, wl)
		fmt.Fprintf(&b, "        zookeeper: %s\n", zl)
	}
	return b.String()
}

// knownWarrenBugs are differences the differential test found that are
// Warren bugs still to fix; each is skipped with its description until then.
var knownWarrenBugs = map[string]string{}
