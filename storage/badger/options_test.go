package badger

import (
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		want    settings
		wantErr string // substring of the error; "" for success
	}{
		{name: "defaults", want: settings{
			memTableSize: 16 << 20, valueLogFileSize: 64 << 20, indexCacheSize: 16 << 20,
			numCompactors: 2, gcInterval: 10 * time.Minute,
		}},
		{name: "all set", opts: map[string]any{
			"mem_table_size":      "8MiB",
			"value_log_file_size": 32 << 20,
			"index_cache_size":    float64(0), // JSON numbers
			"num_compactors":      int64(3),
			"gc_interval":         "90s",
		}, want: settings{
			memTableSize: 8 << 20, valueLogFileSize: 32 << 20, indexCacheSize: 0,
			numCompactors: 3, gcInterval: 90 * time.Second,
		}},
		{name: "from the environment", opts: map[string]any{
			"mem_table_size": "33554432", "num_compactors": " 4 ", "gc_interval": "1h",
		}, want: settings{
			memTableSize: 32 << 20, valueLogFileSize: 64 << 20, indexCacheSize: 16 << 20,
			numCompactors: 4, gcInterval: time.Hour,
		}},
		{name: "bad count", opts: map[string]any{"num_compactors": "two"}, wantErr: "num_compactors"},
		{name: "gc off", opts: map[string]any{"gc_interval": "0s"}, want: settings{
			memTableSize: 16 << 20, valueLogFileSize: 64 << 20, indexCacheSize: 16 << 20, numCompactors: 2,
		}},
		{name: "unknown key", opts: map[string]any{"mem_table_sise": 1}, wantErr: `unknown option "mem_table_sise"`},
		{name: "one compactor", opts: map[string]any{"num_compactors": 1}, wantErr: "num_compactors"},
		{name: "tiny memtable", opts: map[string]any{"mem_table_size": "64KiB"}, wantErr: "mem_table_size"},
		{name: "huge vlog file", opts: map[string]any{"value_log_file_size": "4GiB"}, wantErr: "value_log_file_size"},
		{name: "bad size", opts: map[string]any{"index_cache_size": "lots"}, wantErr: "index_cache_size"},
		{name: "fraction", opts: map[string]any{"mem_table_size": 1.5e6 + 0.5}, wantErr: "not a whole number"},
		{name: "negative gc", opts: map[string]any{"gc_interval": "-1m"}, wantErr: "gc_interval"},
		{name: "gc not a duration", opts: map[string]any{"gc_interval": 10}, wantErr: "gc_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOptions(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("settings = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestUnknownOptionRejected checks that Open refuses a typo before it
// creates anything.
func TestUnknownOptionRejected(t *testing.T) {
	_, err := storage.Default.Open("badger", storage.Config{DataDir: t.TempDir(), Options: map[string]any{"gc_intervall": "1m"}})
	if err == nil || !strings.Contains(err.Error(), `"gc_intervall"`) {
		t.Fatalf("Open with an unknown option: %v, want an error naming it", err)
	}
}

// TestValueLogGC runs value-log GC every millisecond while large log
// entries and snapshots come and go, and relies on goleak (TestMain) to see
// that Close stops it.
func TestValueLogGC(t *testing.T) {
	b := openConfig(t, storage.Config{DataDir: t.TempDir(), Options: map[string]any{"gc_interval": "1ms", "value_log_file_size": "16MiB"}})
	s := b.Snapshots()
	for z := int64(1); z <= 12; z++ {
		if err := b.Log().Append(bigEntries(z*10, z*10+3, valueThreshold)...); err != nil {
			t.Fatal(err)
		}
		if err := b.Log().Sync(); err != nil {
			t.Fatal(err)
		}
		if err := b.Log().PurgeBefore(z * 10); err != nil {
			t.Fatal(err)
		}
		storagetest.WriteSnapshot(t, s, z, stream(byte(z), 3*chunkSize))
		if err := s.Purge(1); err != nil {
			t.Fatal(err)
		}
	}
	if _, data := storagetest.ReadNewest(t, s); len(data) != 3*chunkSize {
		t.Fatalf("newest snapshot has %d bytes", len(data))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
