package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// writeFile writes content to name in a fresh temp dir and returns the path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsedFlags returns a flag set with Flags registered, parsed from args.
func parsedFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("warren", pflag.ContinueOnError)
	Flags(fs)
	fs.Bool("verbose", false, "a flag of the command, not of the config")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     []string
		args    []string
		want    func(c *Config)
		wantErr string
	}{
		{name: "defaults only", want: func(*Config) {}},
		{name: "empty file", yaml: "# nothing yet\n", want: func(*Config) {}},
		{name: "empty sections keep their defaults", yaml: "server:\n  autopurge:\nlog:\n", want: func(*Config) {}},
		{
			name: "a single word for a list, dotted option names",
			yaml: "auth: {schemes: digest}\nstorage: {options: {a.b: 1}}\n",
			want: func(c *Config) {
				c.Auth.Schemes = []string{"digest"}
				c.Storage.Options = map[string]any{"a.b": 1}
			},
		},
		{
			name: "YAML overrides",
			yaml: `
server:
  client_addr: 127.0.0.1:2281
  tick_time: 500ms
  four_letter_words: [ruok, srvr, mntr]
  autopurge: {purge_interval: 24h}
storage:
  backend: wal
  options: {segment_size: 1048576}
auth:
  super_digest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
log: {format: json}
`,
			want: func(c *Config) {
				c.Server.ClientAddr = "127.0.0.1:2281"
				c.Server.TickTime = 500 * time.Millisecond
				c.Server.FourLetterWords = []string{"ruok", "srvr", "mntr"}
				c.Server.Autopurge.PurgeInterval = 24 * time.Hour
				c.Storage.Backend = "wal"
				c.Storage.Options = map[string]any{"segment_size": 1048576}
				c.Auth.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
				c.Log.Format = "json"
			},
		},
		{
			name: "YAML ensemble",
			yaml: `
server:
  id: 2
  servers:
    - {id: 1, host: 10.0.0.1, quorum_port: 2888, election_port: 3888}
    - {id: 2, host: 10.0.0.2, quorum_port: 2888, election_port: 3888, role: participant}
    - {id: 3, host: 10.0.0.3, quorum_port: 2888, election_port: 3888, role: observer, client_addr: "10.0.0.3:2181"}
`,
			want: func(c *Config) {
				c.Server.ID = 2
				c.Server.Servers = []ServerSpec{
					{ID: 1, Host: "10.0.0.1", QuorumPort: 2888, ElectionPort: 3888},
					{ID: 2, Host: "10.0.0.2", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"},
					{ID: 3, Host: "10.0.0.3", QuorumPort: 2888, ElectionPort: 3888, Role: "observer", ClientAddr: "10.0.0.3:2181"},
				}
			},
		},
		{
			name: "YAML auth plugins",
			yaml: `
auth:
  plugins:
    - {name: token, path: /usr/lib/warren/plugins/warren-auth-token, args: [-file, /etc/warren/tokens], timeout: 500ms}
    - name: other
      path: ./other
      match_timeout: 20ms
`,
			want: func(c *Config) {
				c.Auth.Plugins = []AuthPlugin{
					{Name: "token", Path: "/usr/lib/warren/plugins/warren-auth-token", Args: []string{"-file", "/etc/warren/tokens"}, Timeout: 500 * time.Millisecond},
					{Name: "other", Path: "./other", MatchTimeout: 20 * time.Millisecond},
				}
			},
		},
		{
			name: "env overrides",
			env: []string{
				"WARREN_SERVER_CLIENT_ADDR=:3181",
				"WARREN_SERVER_TICK_TIME=1s",
				"WARREN_SERVER_MAX_CLIENT_CNXNS=0",
				"WARREN_SERVER_FORCE_SYNC=false",
				"WARREN_SERVER_AUTOPURGE_SNAP_RETAIN_COUNT=5",
				"WARREN_SERVER_FOUR_LETTER_WORDS=ruok, srvr",
				"WARREN_AUTH_SCHEMES=digest,world",
				"WARREN_STORAGE_OPTIONS_SEGMENT_SIZE=4096",
				"WARREN_LOG_LEVEL=debug",
				"HOME=/root", // not ours: left alone
			},
			want: func(c *Config) {
				c.Server.ClientAddr = ":3181"
				c.Server.TickTime = time.Second
				c.Server.MaxClientCnxns = 0
				c.Server.ForceSync = false
				c.Server.Autopurge.SnapRetainCount = 5
				c.Server.FourLetterWords = []string{"ruok", "srvr"}
				c.Auth.Schemes = []string{"digest", "world"}
				c.Storage.Options = map[string]any{"segment_size": "4096"}
				c.Log.Level = "debug"
			},
		},
		{
			name: "flag overrides",
			args: []string{"--client-addr", "127.0.0.1:4181", "--data-dir", "/var/lib/warren", "--data-log-dir", "/log",
				"--log-level", "warn", "--log-format", "json", "--verbose"},
			want: func(c *Config) {
				c.Server.ClientAddr = "127.0.0.1:4181"
				c.Server.DataDir = "/var/lib/warren"
				c.Server.DataLogDir = "/log"
				c.Log.Level = "warn"
				c.Log.Format = "json"
			},
		},
		{
			name: "precedence: flags > env > YAML > defaults",
			yaml: "server: {client_addr: ':1', data_dir: /yaml, data_log_dir: /yaml-log}\nlog: {level: error}\n",
			env:  []string{"WARREN_SERVER_CLIENT_ADDR=:2", "WARREN_SERVER_DATA_DIR=/env"},
			args: []string{"--client-addr=:3"},
			want: func(c *Config) {
				c.Server.ClientAddr = ":3"        // flag
				c.Server.DataDir = "/env"         // env over YAML
				c.Server.DataLogDir = "/yaml-log" // YAML over default
				c.Log.Level = "error"             // YAML
			},
		},
		{
			name:    "unknown YAML key",
			yaml:    "server:\n  clinet_addr: ':1'\n",
			wantErr: `unknown config key "server.clinet_addr" in ` + "%YAML%" + ` (did you mean "server.client_addr"?)`,
		},
		{
			name:    "unknown YAML section",
			yaml:    "metrics:\n  port: 9090\n",
			wantErr: `unknown config key "metrics.port" in`,
		},
		{
			name:    "unknown key inside a server entry",
			yaml:    "server:\n  servers:\n    - {id: 1, hots: a, quorum_port: 1, election_port: 2}\n",
			wantErr: "hots",
		},
		{
			name:    "unknown env var",
			env:     []string{"WARREN_SERVER_CLINET_ADDR=:1"},
			wantErr: `unknown environment variable WARREN_SERVER_CLINET_ADDR (did you mean WARREN_SERVER_CLIENT_ADDR?)`,
		},
		{
			name:    "servers not settable from env",
			env:     []string{"WARREN_SERVER_SERVERS=1=a:1:2"},
			wantErr: "server.servers cannot be set from the environment",
		},
		{
			name:    "duration without unit",
			yaml:    "server: {tick_time: 2000}\n",
			wantErr: "2000 is not a duration",
		},
		{
			name:    "bad duration in env",
			env:     []string{"WARREN_SERVER_TICK_TIME=fast"},
			wantErr: `"fast" is not a duration`,
		},
		{
			name:    "type error names its source",
			env:     []string{"WARREN_SERVER_INIT_LIMIT=ten"},
			wantErr: "(from the environment)",
		},
		{
			name:    "invalid result",
			yaml:    "server: {min_session_timeout: 1m, max_session_timeout: 10s}\n",
			wantErr: "server.min_session_timeout: 1m0s is above server.max_session_timeout 10s",
		},
		{
			name:    "missing YAML file",
			yaml:    "%MISSING%",
			wantErr: "no such file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path string
			switch tt.yaml {
			case "":
			case "%MISSING%":
				path = filepath.Join(t.TempDir(), "absent.yaml")
			default:
				path = writeFile(t, "warren.yaml", tt.yaml)
			}
			var fs *pflag.FlagSet
			if tt.args != nil {
				fs = parsedFlags(t, tt.args...)
			}
			got, err := Load(path, tt.env, fs)
			if tt.wantErr != "" {
				wantErr := strings.ReplaceAll(tt.wantErr, "%YAML%", path)
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Fatalf("Load error = %v, want one containing %q", err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := want()
			tt.want(&w)
			if !reflect.DeepEqual(got, w) {
				t.Fatalf("Load =\n%+v\nwant\n%+v", got, w)
			}
		})
	}
}

func TestLoadReportsEveryUnknownKey(t *testing.T) {
	path := writeFile(t, "warren.yaml", "server: {a: 1, b: 2}\nlog: {levle: info}\n")
	_, err := Load(path, nil, nil)
	for _, key := range []string{"server.a", "server.b", "log.levle"} {
		if err == nil || !strings.Contains(err.Error(), `"`+key+`"`) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}

func TestFlagsUnsetDoNotOverride(t *testing.T) {
	path := writeFile(t, "warren.yaml", "server: {client_addr: ':9'}\n")
	got, err := Load(path, nil, parsedFlags(t, "--data-dir", "/d"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Server.ClientAddr != ":9" || got.Server.DataDir != "/d" {
		t.Errorf("client_addr %q, data_dir %q", got.Server.ClientAddr, got.Server.DataDir)
	}
}

func TestSourcesFromFlags(t *testing.T) {
	fs := parsedFlags(t, "--config", "/etc/warren.yaml", "--zoo-cfg", "/etc/zoo.cfg")
	s := SourcesFromFlags(fs, []string{"A=b"})
	if s.YAML != "/etc/warren.yaml" || s.ZooCfg != "/etc/zoo.cfg" || s.Flags != fs || len(s.Env) != 1 {
		t.Errorf("SourcesFromFlags = %+v", s)
	}
	if s := SourcesFromFlags(pflag.NewFlagSet("x", pflag.ContinueOnError), nil); s.YAML != "" || s.ZooCfg != "" {
		t.Errorf("without the flags: %+v", s)
	}
}

// TestPrecedenceWithZooCfg stacks all five layers on server.client_addr and
// takes them off one at a time.
func TestPrecedenceWithZooCfg(t *testing.T) {
	dir := t.TempDir()
	zoo := writeFile(t, "zoo.cfg", "tickTime=1000\ndataDir="+dir+"\nclientPort=1111\nstandaloneEnabled=false\n")
	yml := writeFile(t, "warren.yaml", "server: {client_addr: ':2222'}\n")
	env := []string{"WARREN_SERVER_CLIENT_ADDR=:3333"}
	flags := parsedFlags(t, "--client-addr", ":4444")
	tests := []struct {
		name string
		src  Sources
		want string
	}{
		{"all", Sources{ZooCfg: zoo, YAML: yml, Env: env, Flags: flags}, ":4444"},
		{"no flags", Sources{ZooCfg: zoo, YAML: yml, Env: env}, ":3333"},
		{"no env", Sources{ZooCfg: zoo, YAML: yml}, ":2222"},
		{"zoo.cfg only", Sources{ZooCfg: zoo}, ":1111"},
		{"nothing", Sources{}, ":2181"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ignored, err := tt.src.Load()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.ClientAddr != tt.want {
				t.Errorf("client_addr = %q, want %q", cfg.Server.ClientAddr, tt.want)
			}
			if tt.src.ZooCfg != "" {
				if cfg.Server.TickTime != time.Second || cfg.Server.DataDir != dir {
					t.Errorf("zoo.cfg settings lost: tick %v, dataDir %q", cfg.Server.TickTime, cfg.Server.DataDir)
				}
				if !reflect.DeepEqual(ignored, []string{"standaloneEnabled"}) {
					t.Errorf("ignored = %v", ignored)
				}
			}
		})
	}
}

func TestZooCfgLayerRoundTrips(t *testing.T) {
	// A Config turned into a koanf layer and back is unchanged, with every
	// kind of field set.
	c := want()
	c.Server.Servers = []ServerSpec{{ID: 1, Host: "h", QuorumPort: 1, ElectionPort: 2, Role: "observer", ClientAddr: ":3"}}
	c.Storage.Options = map[string]any{"a": "b", "n": map[string]any{"x": 1}}
	c.Server.Autopurge.PurgeInterval = time.Hour
	k := mustDefaults()
	k.Delete("")
	if err := k.Load(configLayer(c), nil); err != nil {
		t.Fatal(err)
	}
	got, err := decode(k)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip =\n%+v\nwant\n%+v", got, c)
	}
}

// configs/warren.yaml says it holds every setting at its default: it names
// every key default.yaml has, and loads to the defaults.
func TestExampleConfigHoldsEveryDefault(t *testing.T) {
	const example = "../../../configs/warren.yaml"
	k := koanf.New(".")
	if err := k.Load(file.Provider(example), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	for _, key := range mustDefaults().Keys() {
		if !k.Exists(key) {
			t.Errorf("%s has no %s", example, key)
		}
	}
	got, err := Load(example, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s loads to\n%+v\nthe defaults are\n%+v", example, got, want)
	}
}
