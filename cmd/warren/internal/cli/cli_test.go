package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/core/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSplitLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"ls /", []string{"ls", "/"}},
		{"  create   /a  b ", []string{"create", "/a", "b"}},
		{`create /a "two words"`, []string{"create", "/a", "two words"}},
		{`set /a 'it''s'`, []string{"set", "/a", "it", "s"}},
		{`set /a a"b c"`, []string{"set", "/a", `a"b`, `c"`}},
		{`set /a ""`, []string{"set", "/a", ""}},
		{`get "/unclosed`, []string{"get", "/unclosed"}},
		{"", nil},
	} {
		if got := splitLine(tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("splitLine(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		words   string
		flags   flags
		args    []string
		opts    map[string]string
		wantErr string
	}{
		{"ls -s -w /a", "swR", []string{"ls", "/a"}, map[string]string{"s": "", "w": ""}, ""},
		{"ls -sw /a", "swR", []string{"ls", "/a"}, map[string]string{"s": "", "w": ""}, ""},
		{"ls /a -R", "swR", []string{"ls", "/a"}, map[string]string{"R": ""}, ""},
		{"set -v 3 /a x", "sv:", []string{"set", "/a", "x"}, map[string]string{"v": "3"}, ""},
		{"set -v3 /a x", "sv:", []string{"set", "/a", "x"}, map[string]string{"v": "3"}, ""},
		{"set -v -1 /a x", "sv:", []string{"set", "/a", "x"}, map[string]string{"v": "-1"}, ""},
		{"set /a -- -x", "sv:", []string{"set", "/a", "-x"}, map[string]string{}, ""},
		{"ls -x /a", "swR", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"},
		{"set /a x -v", "sv:", nil, nil, "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"},
		{"set -v -s /a x", "sv:", nil, nil, "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"},
		{"set -v 1 -v 2 /a x", "sv:", []string{"set", "/a", "x"}, map[string]string{"v": "1"}, ""}, // the first value, as commons-cli
		{"reconfig -file f -s -v=a", "sv:(file):(add):", []string{"reconfig"}, map[string]string{"file": "f", "s": "", "v": "a"}, ""},
		{"reconfig -add 1=h:1:2;3", "sv:(file):(add):", []string{"reconfig"}, map[string]string{"add": "1=h:1:2;3"}, ""},
		{"reconfig -sv10", "sv:(file):(add):", []string{"reconfig"}, map[string]string{"s": "", "v": "10"}, ""},
		{"reconfig -fil x", "sv:(file):(add):", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -fil"},
		{"reconfig -file", "sv:(file):(add):", nil, nil, "org.apache.commons.cli.MissingArgumentException: Missing argument for option: file"},
		{"setquota -n 3 -n 4 /a", "[n:b:N:B:]", []string{"setquota", "/a"}, map[string]string{"n": "3"}, ""},
		{"setquota -N 1 -B 2 /a", "[n:b:N:B:]", nil, nil, "org.apache.commons.cli.AlreadySelectedException: The option 'B' was specified but an option from this group has already been selected: 'N'"},
		{"delquota -nb /a", "[nbNB]", nil, nil, "org.apache.commons.cli.AlreadySelectedException: The option 'b' was specified but an option from this group has already been selected: 'n'"},
		{"delquota -x -n -b /a", "[nbNB]", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"},
	} {
		p, err := parseArgs(strings.Fields(tc.words), tc.flags)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("parseArgs(%q): %v, want %q", tc.words, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(p.args, tc.args) || len(p.opts) != len(tc.opts) {
			t.Errorf("parseArgs(%q) = %q %q %v, want %q %q", tc.words, p.args, p.opts, err, tc.args, tc.opts)
			continue
		}
		for k, v := range tc.opts {
			if p.opts[k] != v {
				t.Errorf("parseArgs(%q): -%s = %q, want %q", tc.words, k, p.opts[k], v)
			}
		}
	}
}

func TestValidatePath(t *testing.T) {
	for path, want := range map[string]string{
		"/": "", "/a/b": "", "/a.b/..c": "",
		"":        "Path length must be > 0",
		"a":       "Path must start with / character",
		"/a/":     "Path must not end with / character",
		"//a":     `Invalid path string "//a" caused by empty node name specified @1`,
		"/a/../b": `Invalid path string "/a/../b" caused by relative paths not allowed @4`,
		"/a/./b":  `Invalid path string "/a/./b" caused by relative paths not allowed @3`,
		"/a\x01":  "Invalid path string \"/a\x01\" caused by invalid character @2",
	} {
		err := validatePath(path)
		if got := ""; err != nil {
			got = err.Error()
			if got != want {
				t.Errorf("validatePath(%q) = %q, want %q", path, got, want)
			}
		} else if want != "" {
			t.Errorf("validatePath(%q) = nil, want %q", path, want)
		}
	}
}

func TestErrorTexts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		path string
		want string
	}{
		{proto.ErrNoNode, "/x", "Node does not exist: /x"},
		{proto.ErrNodeExists, "/x", "Node already exists: /x"},
		{proto.ErrBadVersion, "/x", "version No is not valid : /x"},
		{proto.ErrNoAuth, "/x", "Insufficient permission : /x"},
		{proto.ErrNotEmpty, "/x", "Node not empty: /x"},
		{proto.ErrInvalidACL, "null", "Acl is not valid : null"},
		{proto.ErrNoWatcher, "/x", "KeeperErrorCode = No such watcher for /x"},
		{proto.ErrUnimplemented, "/x", "KeeperErrorCode = Unimplemented for /x"},
		{errors.New("read: EOF"), "/", "KeeperErrorCode = ConnectionLoss for /"},
		{proto.Err(-999), "null", "KeeperErrorCode = Unknown error -999"},
	} {
		if got := wrapError(tc.err, tc.path).Error(); got != tc.want {
			t.Errorf("wrapError(%v, %q) = %q, want %q", tc.err, tc.path, got, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	var b bytes.Buffer
	st := proto.Stat{Czxid: 2, Mzxid: 0x1f, Pzxid: 3, Ctime: 0, Mtime: 0, Cversion: 1, Version: 2, Aversion: 3,
		EphemeralOwner: -1, DataLength: 5, NumChildren: 6}
	writeStat(&b, st)
	epoch := time.UnixMilli(0).Format(javaDate)
	want := "cZxid = 0x2\nctime = " + epoch + "\nmZxid = 0x1f\nmtime = " + epoch + "\npZxid = 0x3\n" +
		"cversion = 1\ndataVersion = 2\naclVersion = 3\nephemeralOwner = 0xffffffffffffffff\n" +
		"dataLength = 5\nnumChildren = 6\n"
	if b.String() != want {
		t.Errorf("stat:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := aclLine(proto.ACL{Perms: proto.PermAll, ID: proto.WorldAnyone}); got != "'world,'anyone\n: cdrwa" {
		t.Errorf("aclLine = %q", got)
	}
	if got := aclLine(proto.ACL{Perms: proto.PermRead | proto.PermWrite, ID: proto.Id{Scheme: "ip", ID: "1,2%}"}}); got != "'ip,'1%2C2%25%7D\n: rw" {
		t.Errorf("aclLine with escapes = %q", got)
	}
	ev := proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/a"}
	if got := eventText(ev); got != "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n" {
		t.Errorf("eventText = %q", got)
	}
	if got := eventText(proto.WatcherEvent{Type: proto.EventNone, State: proto.StateClosed}); !strings.HasSuffix(got, "state:Closed type:None path:null\n") {
		t.Errorf("eventText of a state change = %q", got)
	}
	if got := dataString(nil); got != "null" {
		t.Errorf("dataString(nil) = %q", got)
	}
	if got := dataString([]byte("a\xff\xfeb")); got != "a\uFFFD\uFFFDb" {
		t.Errorf("dataString of invalid UTF-8 = %q", got)
	}
	if got := clientConfig("server.1=h1:2888:3888:participant;0.0.0.0:2181\nversion=100000000\n"); got != "100000000 0.0.0.0:2181" {
		t.Errorf("clientConfig = %q", got)
	}
}

func TestCompleterCommands(t *testing.T) {
	s := New(Config{Server: "127.0.0.1:1", Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	defer s.close()
	got, n := completer{s}.Do([]rune("getA"), 4)
	if n != 4 || len(got) != 2 || string(got[0]) != "cl " || string(got[1]) != "llChildrenNumber " {
		t.Errorf("completing getA = %q, %d", got, n)
	}
	if got, _ := (completer{s}).Do([]rune("get -s x"), 8); got != nil {
		t.Errorf("completing a non-path argument = %q", got)
	}
}

func TestWatchTable(t *testing.T) {
	var w watchTable
	w.add("/a", watchData)
	w.add("/a", watchChild)
	w.add("/b", watchPersistent)
	w.add("/c", watchExist)
	w.add("/d", watchRecursive)
	w.fired(proto.WatcherEvent{Type: proto.EventNodeDataChanged, Path: "/a"})
	if got := w.has("/a", watchAny); got != watchChild {
		t.Errorf("after a data change /a holds %b", got)
	}
	w.fired(proto.WatcherEvent{Type: proto.EventNodeDeleted, Path: "/b"})
	if got := w.has("/b", watchAny); got != watchPersistent {
		t.Errorf("a persistent watch was used up: %b", got)
	}
	sw := w.setWatches(7)
	want := &proto.SetWatches2{RelativeZxid: 7, ExistWatches: []string{"/c"}, ChildWatches: []string{"/a"},
		PersistentWatches: []string{"/b"}, PersistentRecursiveWatches: []string{"/d"}}
	if !reflect.DeepEqual(sw, want) {
		t.Errorf("setWatches = %+v, want %+v", sw, want)
	}
	evs := removedEvents("/a", watchAny)
	var types []proto.EventType
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	if !slices.Equal(types, []proto.EventType{proto.EventDataWatchRemoved, proto.EventChildWatchRemoved, proto.EventPersistentWatchRemoved}) {
		t.Errorf("removed events = %v", types)
	}
}

// A shell whose server cannot be reached still runs its own commands,
// and one-shot mode reports what zkCli reports, with its exit codes.
func TestOfflineShell(t *testing.T) {
	run := func(words ...string) (string, int) {
		var out bytes.Buffer
		s := New(Config{Server: "127.0.0.1:1", Timeout: time.Second, Stdout: &out, Stderr: &out, Version: "9.9.9-abc, built on unknown"})
		code := s.RunOnce(words)
		return out.String(), code
	}
	for _, tc := range []struct {
		words []string
		code  int
		last  string
	}{
		{[]string{"ls", "/"}, 1, "KeeperErrorCode = ConnectionLoss for /"},
		{[]string{"nosuch"}, 127, "Command not found: Command not found nosuch"},
		{[]string{"ls"}, 1, "ls [-s] [-w] [-R] path"},
		{[]string{"get", "bad"}, 1, "Path must start with / character"},
		{[]string{"printwatches"}, 0, "printwatches is on"},
		{[]string{"history"}, 0, "0 - null"},
		{[]string{"create", "-c", "-e", "/x"}, 1, "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential."},
		{[]string{"create", "-t", "0", "/x"}, 1, "ttl must be positive and cannot be larger than: 1099511627775"},
		{[]string{"deleteall", "/x", "-b", "y"}, 1, "-b argument must be an int value"},
		{[]string{"sync", "/"}, 0, "Sync has failed. rc=-4"},
		{[]string{"version"}, 0, "ZooKeeper CLI version: 9.9.9-abc, built on unknown"},
		{[]string{"version", "x"}, 1, "version"},
		{[]string{"setquota"}, 1, quotaGroupMissing},
		{[]string{"setquota", "/x"}, 1, quotaGroupMissing},
		{[]string{"setquota", "-n", "5"}, 1, "setquota -n|-b|-N|-B val path"},
		{[]string{"setquota", "-n", "0", "/x"}, 0, "the num quota must be greater than zero"},
		{[]string{"setquota", "-N", "3000000000", "/x"}, 0, "NumberFormatException happens when parsing the option value"},
		{[]string{"setquota", "-B", "-1", "/x"}, 0, "the bytes quota must be greater than or equal to zero"},
		{[]string{"setquota", "-b", "1k", "/x"}, 0, "NumberFormatException happens when parsing the option value"},
		{[]string{"setquota", "-n", "5", "/zookeeper/quotas"}, 0, "cannot set a quota under the path: /zookeeper/quota"},
		{[]string{"delquota"}, 1, "delquota [-n|-b|-N|-B] path"},
		{[]string{"listquota"}, 1, "listquota path"},
		{[]string{"reconfig", "-s"}, 1, "reconfig " + reconfigUsage},
		{[]string{"reconfig", "-v", "xyz", "-remove", "3"}, 1, "-v must be followed by a long (configuration version)"},
		{[]string{"reconfig", "-members", "1=a", "-remove", "3"}, 1, "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)"},
		{[]string{"reconfig", "-file", "f", "-members", "1=a"}, 1, "Can't use -file and -members together (conflicting non-incremental modes)"},
		{[]string{"reconfig", "-file", "/nonexistent"}, 1, "Error processing /nonexistent/nonexistent (No such file or directory)"},
		{[]string{"reconfig", "-file", "/"}, 1, "Error processing // (Is a directory)"},
		{[]string{"reconfig", "-remove", "3"}, 1, "KeeperErrorCode = ConnectionLoss"},
	} {
		out, code := run(tc.words...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != tc.code || lines[len(lines)-1] != tc.last {
			t.Errorf("%q: exit %d, last line %q; want %d, %q", tc.words, code, lines[len(lines)-1], tc.code, tc.last)
		}
	}
	var out bytes.Buffer
	s := New(Config{Server: "127.0.0.1:1", Timeout: time.Second, Stdout: &out, Stderr: &out})
	code := s.RunScript(strings.NewReader("printwatches off\nls /\nhistory\nredo 0\nredo 5\nquit\nls /\n"))
	want := []string{"0 - printwatches off", "1 - ls /", "2 - history"}
	for _, w := range want {
		if !strings.Contains(out.String(), w+"\n") {
			t.Errorf("script output lacks %q:\n%s", w, out.String())
		}
	}
	if !strings.Contains(out.String(), "Command index out of range") || code != 1 {
		t.Errorf("script: exit %d, output:\n%s", code, out.String())
	}
}

func TestStats(t *testing.T) {
	for in, want := range map[string]string{
		"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1": "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1",
		"count=2,bytes=0":              "count=2,bytes=0",
		"bytes=7;countHardLimit=3":     "count=-1,bytes=7=;countHardLimit=3",
		"count=,bytes=4=":              "count=-1,bytes=4",
		"":                             "count=-1,bytes=-1",
		"count=1;;bytes=2,,zeta=1,a=2": "count=1,bytes=2=;a=2;zeta=1",
	} {
		if got := parseStats([]byte(in)).String(); got != want {
			t.Errorf("parseStats(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReconfigRequest(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "dyn.cfg")
	if err := os.WriteFile(cfg, []byte("# members\nserver.1=A:2888:3888;2181\n\n  server.2 = b:2888:3888;2181\n! a comment\nversion:100000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.cfg")
	if err := os.WriteFile(other, []byte("server.1=a:1:2;3\nfoo=bar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := parseArgs([]string{"reconfig", "-file", other}, lookup("reconfig").flags)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconfigRequest(p); err == nil || err.Error() != "Error processing "+other+"Unrecognised parameter: foo" {
		t.Errorf("reconfig -file with an unknown key: %v", err)
	}
	for _, tc := range []struct {
		words string
		want  proto.ReconfigRequest
	}{
		{"reconfig -add 4=Host:1:2;3 -remove 1,2", proto.ReconfigRequest{JoiningServers: "4=host:1:2;3", LeavingServers: "1,2", CurConfigID: -1}},
		{"reconfig -s -v 1f -members 1=A:1:2;3", proto.ReconfigRequest{NewMembers: "1=a:1:2;3", CurConfigID: 0x1f}},
		{"reconfig -file " + cfg, proto.ReconfigRequest{NewMembers: "server.1=A:2888:3888;2181\nserver.2=b:2888:3888;2181\nversion=100000000", CurConfigID: -1}},
	} {
		p, err := parseArgs(strings.Fields(tc.words), lookup("reconfig").flags)
		if err != nil {
			t.Fatalf("%s: %v", tc.words, err)
		}
		req, err := reconfigRequest(p)
		if err != nil || *req != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.words, req, err, tc.want)
		}
	}
}
