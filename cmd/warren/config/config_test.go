package config

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// want is the documented default configuration, written out by hand so that
// a change to default.yaml shows up here.
func want() Config {
	return Config{
		Server: Server{
			ID:                     0,
			TickTime:               2 * time.Second,
			InitLimit:              10,
			SyncLimit:              5,
			ClientAddr:             ":2181",
			MaxClientCnxns:         60,
			DataDir:                "./warren-data",
			SnapCount:              100000,
			SnapLogFraction:        0.25,
			PreAllocSize:           64 << 20,
			ForceSync:              true,
			JuteMaxBuffer:          0xfffff,
			ExtendedTypesEnabled:   true,
			ContainerCheckInterval: time.Minute,
			ContainerMaxPerMinute:  10000,
			FourLetterWords:        []string{"srvr"},
			Autopurge:              Autopurge{SnapRetainCount: 3},
			Servers:                []ServerSpec{},
		},
		Storage:   Storage{Backend: "wal", Options: map[string]any{}},
		Transport: Transport{Client: TransportPlugin{Name: "tcp", Options: map[string]any{}}},
		Auth:      Auth{Schemes: []string{"digest", "ip", "world"}, Plugins: []AuthPlugin{}},
		Metrics:   Metrics{HTTPHost: "0.0.0.0", HTTPPort: 7000},
		Admin:     Admin{EnableServer: true, ServerAddress: "0.0.0.0", ServerPort: 8080, CommandURL: "/commands"},
		Log:       Log{Level: "info", Format: "text"},
	}
}

func TestDefault(t *testing.T) {
	got := Default()
	if !reflect.DeepEqual(got, want()) {
		t.Fatalf("Default() =\n%+v\nwant\n%+v", got, want())
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if got.Storage.Backend != DefaultStorageBackend {
		t.Errorf("default.yaml storage.backend %q != DefaultStorageBackend %q", got.Storage.Backend, DefaultStorageBackend)
	}
	// Each call returns its own slices and maps.
	got.Server.FourLetterWords[0] = "ruok"
	got.Storage.Options["x"] = 1
	if again := Default(); again.Server.FourLetterWords[0] != "srvr" || len(again.Storage.Options) != 0 {
		t.Error("Default shares state between calls")
	}
}

func TestDerivedValues(t *testing.T) {
	s := want().Server
	if lo, hi := s.SessionTimeouts(); lo != 4*time.Second || hi != 40*time.Second {
		t.Errorf("SessionTimeouts() = %v, %v; want 4s, 40s", lo, hi)
	}
	s.MinSessionTimeout, s.MaxSessionTimeout = time.Second, time.Minute
	if lo, hi := s.SessionTimeouts(); lo != time.Second || hi != time.Minute {
		t.Errorf("SessionTimeouts() = %v, %v", lo, hi)
	}
	if s.LogDir() != "./warren-data" {
		t.Errorf("LogDir() = %q", s.LogDir())
	}
	s.DataLogDir = "/fast"
	if s.LogDir() != "/fast" {
		t.Errorf("LogDir() = %q", s.LogDir())
	}
}

// TestEveryKeyDocumented keeps default.yaml and docs/configuration.md complete.
func TestEveryKeyDocumented(t *testing.T) {
	k := mustDefaults()
	ks := knownKeys()
	var yamlKeys []string
	for _, key := range k.Keys() {
		yamlKeys = append(yamlKeys, key)
	}
	wantKeys := slices.Concat(ks.sorted, ks.open)
	slices.Sort(wantKeys)
	slices.Sort(yamlKeys)
	if !slices.Equal(yamlKeys, wantKeys) {
		t.Errorf("default.yaml keys\n%v\nwant (from the Config struct)\n%v", yamlKeys, wantKeys)
	}
	ref, err := os.ReadFile("../../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range wantKeys {
		if !strings.Contains(string(ref), "`"+key+"`") {
			t.Errorf("docs/configuration.md does not document `%s`", key)
		}
	}
}

func TestEnvNamesAreUnambiguous(t *testing.T) {
	ks := knownKeys()
	if len(ks.byEnv) != len(ks.kinds) {
		t.Fatalf("%d keys map to %d environment variables", len(ks.kinds), len(ks.byEnv))
	}
	for _, open := range ks.open {
		for name := range ks.byEnv {
			if strings.HasPrefix(name, envName(open)+"_") {
				t.Errorf("%s would be read as an option of %s", name, open)
			}
		}
	}
}
