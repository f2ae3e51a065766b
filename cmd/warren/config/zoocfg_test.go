package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// zooFile writes a zoo.cfg into dir, replacing <dir> with dir.
func zooFile(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(content, "<dir>", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeMyid(t *testing.T, dir, id string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "myid"), []byte(id), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The standalone zoo.cfg the wire captures were recorded with
// (../shared/wire/README.md, "Standalone server").
const standaloneCfg = `tickTime=2000
initLimit=10
syncLimit=5
dataDir=<dir>
clientPortAddress=127.0.0.1
clientPort=24181
4lw.commands.whitelist=*
admin.enableServer=false
maxClientCnxns=100
`

func TestLoadZooCfgStandalone(t *testing.T) {
	dir := t.TempDir()
	got, ignored, err := LoadZooCfg(zooFile(t, dir, standaloneCfg), Default())
	if err != nil {
		t.Fatal(err)
	}
	w := Default()
	w.Server.DataDir = dir
	w.Server.ClientAddr = "127.0.0.1:24181"
	w.Server.FourLetterWords = []string{"*"}
	w.Server.MaxClientCnxns = 100
	w.Admin.EnableServer = false
	if !reflect.DeepEqual(got, w) {
		t.Errorf("LoadZooCfg =\n%+v\nwant\n%+v", got, w)
	}
	if len(ignored) > 0 {
		t.Errorf("ignored = %v", ignored)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

// The ensemble zoo.cfg of the captures, as server 4 (the observer) saw it,
// with the ports filled in.
const ensembleCfg = `tickTime=1000
initLimit=10
syncLimit=5
snapCount=100
dataDir=<dir>
clientPort=24281
clientPortAddress=127.0.0.4
4lw.commands.whitelist=*
admin.enableServer=false
server.1=127.0.0.1:24889:25889
server.2=127.0.0.2:24889:25889
server.3=127.0.0.3:24889:25889
server.4=127.0.0.4:24888:25888:observer
peerType=observer
`

func TestLoadZooCfgEnsemble(t *testing.T) {
	dir := t.TempDir()
	writeMyid(t, dir, "4\n")
	got, ignored, err := LoadZooCfg(zooFile(t, dir, ensembleCfg), Default())
	if err != nil {
		t.Fatal(err)
	}
	w := Default()
	w.Server.ID = 4
	w.Server.TickTime = time.Second
	w.Server.SnapCount = 100
	w.Server.DataDir = dir
	w.Server.ClientAddr = "127.0.0.4:24281"
	w.Server.FourLetterWords = []string{"*"}
	w.Server.Servers = []ServerSpec{
		{ID: 1, Host: "127.0.0.1", QuorumPort: 24889, ElectionPort: 25889, Role: "participant"},
		{ID: 2, Host: "127.0.0.2", QuorumPort: 24889, ElectionPort: 25889, Role: "participant"},
		{ID: 3, Host: "127.0.0.3", QuorumPort: 24889, ElectionPort: 25889, Role: "participant"},
		{ID: 4, Host: "127.0.0.4", QuorumPort: 24888, ElectionPort: 25888, Role: "observer"},
	}
	w.Admin.EnableServer = false
	if !reflect.DeepEqual(got, w) {
		t.Errorf("LoadZooCfg =\n%+v\nwant\n%+v", got, w)
	}
	if len(ignored) > 0 {
		t.Errorf("ignored = %v", ignored)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

// TestLoadZooCfgEveryKey sets every key LoadZooCfg knows, in the spellings
// and syntax a real zoo.cfg uses.
func TestLoadZooCfgEveryKey(t *testing.T) {
	dir := t.TempDir()
	writeMyid(t, dir, "2")
	const cfg = `# A zoo.cfg with everything
! a comment in the other style
tickTime = 500
initLimit: 20
syncLimit 7
dataDir=<dir>
dataLogDir=<dir>/log
clientPort=2182
maxClientCnxns=0
minSessionTimeout=1500
maxSessionTimeout=-1
autopurge.snapRetainCount=5
autopurge.purgeInterval=24
zookeeper.snapCount=0x400
preAllocSize=1024
forceSync=no
jute.maxbuffer=4194304
4lw.commands.whitelist=ruok, srvr ,\
    mntr,,
zookeeper.extendedTypesEnabled=FALSE
skipACL=yes
znode.container.checkIntervalMs=1000
znode.container.maxPerMinute=500
readonlymode.enabled=true
zookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
server.1=[::1]:2888:3888;2181
server.2=[::1]:2889:3889:participant;[::1]:2182
server.3=host3:2888:3888:observer;0.0.0.0:2181
standaloneEnabled=false
reconfigEnabled=true
admin.serverPort=8081
admin.serverPort=8082
`
	got, ignored, err := LoadZooCfg(zooFile(t, dir, cfg), Default())
	if err != nil {
		t.Fatal(err)
	}
	w := Default()
	w.Server = Server{
		ID:                     2,
		TickTime:               500 * time.Millisecond,
		InitLimit:              20,
		SyncLimit:              7,
		ClientAddr:             "[::1]:2182", // from server.2, agreeing with clientPort
		MaxClientCnxns:         0,
		MinSessionTimeout:      1500 * time.Millisecond,
		MaxSessionTimeout:      0,
		DataDir:                dir,
		DataLogDir:             dir + "/log",
		SnapCount:              1024,
		SnapLogFraction:        0.25, // Warren's own: no zoo.cfg key, the default
		PreAllocSize:           1 << 20,
		ForceSync:              false,
		JuteMaxBuffer:          4 << 20,
		ExtendedTypesEnabled:   false,
		ContainerCheckInterval: time.Second,
		ContainerMaxPerMinute:  500,
		ReadOnlyMode:           true,
		FourLetterWords:        []string{"ruok", "srvr", "mntr"},
		Autopurge:              Autopurge{SnapRetainCount: 5, PurgeInterval: 24 * time.Hour},
		Servers: []ServerSpec{
			{ID: 1, Host: "::1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientAddr: ":2181"},
			{ID: 2, Host: "::1", QuorumPort: 2889, ElectionPort: 3889, Role: "participant", ClientAddr: "[::1]:2182"},
			{ID: 3, Host: "host3", QuorumPort: 2888, ElectionPort: 3888, Role: "observer", ClientAddr: "0.0.0.0:2181"},
		},
	}
	w.Auth.SkipACL = true
	w.Auth.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
	w.Admin.ServerPort = 8082
	if !reflect.DeepEqual(got, w) {
		t.Errorf("LoadZooCfg =\n%+v\nwant\n%+v", got, w)
	}
	if want := []string{"reconfigEnabled", "standaloneEnabled"}; !reflect.DeepEqual(ignored, want) {
		t.Errorf("ignored = %v, want %v", ignored, want)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadZooCfgDoesNotTouchBase(t *testing.T) {
	dir := t.TempDir()
	base := Default()
	if _, _, err := LoadZooCfg(zooFile(t, dir, "4lw.commands.whitelist=ruok\ndataDir=<dir>\n"), base); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(base, Default()) {
		t.Error("LoadZooCfg changed its base")
	}
}

func TestLoadZooCfgErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     string
		myid    string // written to dataDir/myid unless ""
		wantErr string // <path> is the zoo.cfg path
	}{
		{"tickTime not a number", "tickTime=2000\ninitLimit=10\n\n# c\n\ndataDir=<dir>\ntickTime=abc\n", "",
			`<path>:7: tickTime: "abc" is not a number`},
		{"initLimit float", "initLimit=1.5", "", `<path>:1: initLimit: "1.5" is not a number`},
		{"overflow", "maxClientCnxns=99999999999", "", `maxClientCnxns: "99999999999" is not a number`},
		{"double sign", "syncLimit=+-1", "", `syncLimit: "+-1" is not a number`},
		{"empty number", "clientPort=", "", `clientPort: "" is not a number`},
		{"snapCount octal 9", "snapCount=09", "", `snapCount: "09" is not a number`},
		{"preAllocSize", "preAllocSize=64M", "", `preAllocSize: "64M" is not a number`},
		{"forceSync", "forceSync=false", "", `forceSync: "false" is not yes or no`},
		{"skipACL", "zookeeper.skipACL=true", "", `zookeeper.skipACL: "true" is not yes or no`},
		{"extendedTypes", "extendedTypesEnabled=yes", "", `extendedTypesEnabled: "yes" is not true or false`},
		{"readonly", "readonlymode.enabled=1", "", `readonlymode.enabled: "1" is not true or false`},
		{"peerType", "peerType=leader", "", `peerType: "leader" is not observer or participant`},
		{"continued line counts from its start", "a=1\nb=2 \\\n 3\ntickTime=x", "", `<path>:4: tickTime`},
		{"bad escape", "dataDir=\\u12", "", `<path>:1: malformed \uxxxx escape`},
		{"address without port", "clientPortAddress=127.0.0.1\ndataDir=<dir>", "", "clientPortAddress is set but clientPort is not"},
		{"server id", "server.x=a:1:2", "", `<path>:1: server.x: server id "x" is not a number`},
		{"server too few parts", "server.1=a:1", "", `server.1: "a:1" is not host:quorumPort`},
		{"server too many parts", "server.1=a:1:2:observer:5", "", `server.1: "a:1:2:observer:5" is not`},
		{"server bad role", "server.1=a:1:2:voter", "", `server.1: "a:1:2:voter": "voter" is not participant or observer`},
		{"server bad port", "server.1=a:x:2", "", `server.1: port "x" is not a number`},
		{"server port range", "server.1=a:1:70000", "", `server.1: port 70000 is out of range`},
		{"server same ports", "server.1=a:1:1", "", `quorum and election ports must differ`},
		{"server multi address", "server.1=a:1:2|b:1:2", "", `multiple addresses per server are not supported`},
		{"server two clients", "server.1=a:1:2;3;4", "", `is not host:quorumPort`},
		{"server bad client", "server.1=a:1:2;h:x:3", "", `is not host:quorumPort`},
		{"server bad bracket", "server.1=[::1:1:2", "", `is not host:quorumPort`},
		{"hierarchical", "group.1=1:2:3", "", "hierarchical quorums are not supported"},
		{"myid missing", "dataDir=<dir>\nserver.1=a:1:2\nserver.2=b:1:2", "", "the myid file <dir>/myid is missing"},
		{"myid malformed", "dataDir=<dir>\nserver.1=a:1:2\nserver.2=b:1:2", "one", `<dir>/myid: "one" is not a server id`},
		{"client port disagrees", "dataDir=<dir>\nclientPort=2181\nserver.1=a:1:2;2182\nserver.2=b:1:2", "1",
			"clientPort/clientPortAddress :2181 differs from the client address :2182 on server.1"},
		{"client host disagrees", "dataDir=<dir>\nclientPort=2181\nclientPortAddress=10.0.0.1\nserver.1=a:1:2;10.0.0.2:2181\nserver.2=b:1:2", "1",
			"differs from the client address 10.0.0.2:2181"},
		{"server.N beside dynamicConfigFile", "dynamicConfigFile=<dir>/dyn\nserver.1=a:1:2", "", "server.1: must be in the dynamic config file"},
		{"missing dynamicConfigFile", "dynamicConfigFile=<dir>/none", "", "no such file"},
		{"missing file", "%MISSING%", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "absent.cfg")
			if tt.cfg != "%MISSING%" {
				path = zooFile(t, dir, tt.cfg)
			}
			if tt.myid != "" {
				writeMyid(t, dir, tt.myid)
			}
			_, _, err := LoadZooCfg(path, Default())
			wantErr := strings.NewReplacer("<path>", path, "<dir>", dir).Replace(tt.wantErr)
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("LoadZooCfg error = %v, want one containing %q", err, wantErr)
			}
		})
	}
}

func TestLoadZooCfgMyid(t *testing.T) {
	tests := []struct {
		name       string
		cfg        string
		myid       string
		wantID     int64
		wantClient string
	}{
		{"standalone ignores a missing myid", "dataDir=<dir>", "", 0, ":2181"},
		{"one server line is standalone", "dataDir=<dir>\nserver.1=a:1:2", "", 0, ":2181"},
		{"myid read with one server line", "dataDir=<dir>\nserver.1=a:1:2", "1", 1, ":2181"},
		{"myid with spaces and more lines", "dataDir=<dir>\nserver.1=a:1:2\nserver.7=b:1:2", " 7 \nignored\n", 7, ":2181"},
		{"client address from own server line", "dataDir=<dir>\nserver.1=a:1:2;2191\nserver.2=b:1:2;2192", "2", 2, ":2192"},
		{"wildcard clientPortAddress agrees by port", "dataDir=<dir>\nclientPort=2192\nclientPortAddress=0.0.0.0\nserver.1=a:1:2\nserver.2=b:1:2;10.1.1.1:2192", "2", 2, "10.1.1.1:2192"},
		{"clientPort kept when own line has none", "dataDir=<dir>\nclientPort=2200\nserver.1=a:1:2;2191\nserver.2=b:1:2", "2", 2, ":2200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.myid != "" {
				writeMyid(t, dir, tt.myid)
			}
			got, _, err := LoadZooCfg(zooFile(t, dir, tt.cfg), Default())
			if err != nil {
				t.Fatal(err)
			}
			if got.Server.ID != tt.wantID || got.Server.ClientAddr != tt.wantClient {
				t.Errorf("id %d, client %q; want %d, %q", got.Server.ID, got.Server.ClientAddr, tt.wantID, tt.wantClient)
			}
		})
	}
}

func TestLoadZooCfgDynamicFile(t *testing.T) {
	dir := t.TempDir()
	writeMyid(t, dir, "1")
	dyn := filepath.Join(dir, "zoo.cfg.dynamic.100000000")
	if err := os.WriteFile(dyn, []byte("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nserver.2=127.0.0.2:2888:3888:participant;127.0.0.2:2181\nversion=100000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, ignored, err := LoadZooCfg(zooFile(t, dir, "dataDir=<dir>\ndynamicConfigFile="+dyn+"\n"), Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Server.Servers) != 2 || got.Server.ID != 1 || got.Server.ClientAddr != "127.0.0.1:2181" || len(ignored) != 0 {
		t.Errorf("got servers %+v, id %d, client %q, ignored %v", got.Server.Servers, got.Server.ID, got.Server.ClientAddr, ignored)
	}

	if err := os.WriteFile(dyn, []byte("tickTime=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadZooCfg(zooFile(t, dir, "dynamicConfigFile="+dyn+"\n"), Default())
	if err == nil || !strings.Contains(err.Error(), dyn+":1: tickTime: only server.N and version lines") {
		t.Errorf("error = %v", err)
	}
}

func TestReadProperties(t *testing.T) {
	const text = "  # comment\n" +
		"\t! comment\n" +
		"\n" +
		"a=1\n" +
		"b = two words  \n" +
		"c:3\n" +
		"d 4\n" +
		"e\t=\t5\n" +
		"f\n" +
		"g=x\\\n" +
		"   y\\\n" +
		"\tz\n" +
		"h=back\\\\slash\n" +
		"i\\ j=k\n" +
		"l=\\u00e9\\t\\q\n" +
		"m==n\n" +
		"a=again\r\n" +
		"o=p\rq=r\n" +
		"# a comment ending in a backslash does not continue \\\n" +
		"s=t\n" +
		"u=last\\"
	path := filepath.Join(t.TempDir(), "p.properties")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	props, err := readProperties(path)
	if err != nil {
		t.Fatal(err)
	}
	type kv struct {
		line       int
		key, value string
	}
	var got []kv
	for _, p := range props {
		got = append(got, kv{p.line, p.key, p.value})
	}
	want := []kv{
		{4, "a", "1"},
		{5, "b", "two words"},
		{6, "c", "3"},
		{7, "d", "4"},
		{8, "e", "5"},
		{9, "f", ""},
		{10, "g", "xyz"},
		{13, "h", `back\slash`},
		{14, "i j", "k"},
		{15, "l", "é\tq"},
		{16, "m", "=n"},
		{17, "a", "again"},
		{18, "o", "p"},
		{19, "q", "r"},
		{21, "s", "t"},
		{22, "u", "last"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readProperties =\n%v\nwant\n%v", got, want)
	}
}

func TestDecodeInt(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"100", 100, true},
		{"+100", 100, true},
		{"-5", -5, true},
		{"0x10", 16, true},
		{"0XfF", 255, true},
		{"#10", 16, true},
		{"-0x10", -16, true},
		{"010", 8, true},
		{"0", 0, true},
		{"2147483647", 1<<31 - 1, true},
		{"-2147483648", -1 << 31, true},
		{"2147483648", 0, false},
		{"0x-1", 0, false},
		{"08", 0, false},
		{"", 0, false},
		{"0x", 0, false},
		{"1_000", 0, false},
	}
	for _, tt := range tests {
		got, err := property{value: tt.in}.decodeInt()
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("decodeInt(%q) = %d, %v", tt.in, got, err)
		}
	}
}
