package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warrenzk/warren/plugins/sdk"
)

func writeFile(t *testing.T, path, body string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// Make each version of the file look changed even within one clock tick.
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestTokenScheme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	t0 := time.Now().Add(-time.Hour)
	writeFile(t, path, "# comment\n\nsecret-a alice\n  secret-b   deploy-bot  \n", t0)
	s := &scheme{store: newStore(path), log: slog.New(slog.DiscardHandler)}
	auth := func(tok string) ([]string, error) {
		return s.Authenticate(context.Background(), sdk.AuthRequest{Auth: []byte(tok), RemoteAddr: "127.0.0.1:1"})
	}
	if ids, err := auth("secret-a"); err != nil || len(ids) != 1 || ids[0] != "alice" {
		t.Fatalf("secret-a: %v, %v", ids, err)
	}
	if ids, err := auth("secret-b"); err != nil || ids[0] != "deploy-bot" {
		t.Fatalf("secret-b: %v, %v", ids, err)
	}
	if _, err := auth("nope"); err == nil {
		t.Fatal("an unknown token authenticated")
	}
	if _, err := auth(""); err == nil {
		t.Fatal("an empty token authenticated")
	}

	// Revoke alice, add carol: the next addauth sees the new file.
	writeFile(t, path, "secret-c carol\n", t0.Add(time.Minute))
	if _, err := auth("secret-a"); err == nil {
		t.Fatal("a revoked token still authenticates")
	}
	if ids, err := auth("secret-c"); err != nil || ids[0] != "carol" {
		t.Fatalf("secret-c: %v, %v", ids, err)
	}

	// A broken file fails closed, and recovers when fixed.
	writeFile(t, path, "secret-c carol extra\n", t0.Add(2*time.Minute))
	if _, err := auth("secret-c"); err == nil {
		t.Fatal("a malformed file still authenticates")
	}
	os.Remove(path)
	if _, err := auth("secret-c"); err == nil {
		t.Fatal("a missing file still authenticates")
	}
	writeFile(t, path, "secret-c carol\n", t0.Add(3*time.Minute))
	if _, err := auth("secret-c"); err != nil {
		t.Fatalf("after the file came back: %v", err)
	}
}

func TestValidID(t *testing.T) {
	s := &scheme{}
	for id, want := range map[string]bool{
		"alice": true, "deploy-bot": true, "a.b@c_d": true, "": false, "a b": false, "a:b": false,
		string(make([]byte, 129)): false,
	} {
		if got := s.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
