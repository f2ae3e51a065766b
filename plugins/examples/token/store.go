package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxTokenFile bounds the token file, so that a mistake (the wrong file)
// cannot make the plugin read gigabytes.
const maxTokenFile = 16 << 20

// store holds the tokens of a file, read again when the file changes.
type store struct {
	path string

	mu    sync.Mutex
	stamp fileStamp
	users map[[sha256.Size]byte]string // sha256(token) -> user
	err   error                        // why the file could not be used, if it could not
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	size  int64
	mtime time.Time
	ino   uint64
}

func newStore(path string) *store { return &store{path: path} }

// lookup returns the user of token, "" if the file has no such token, or an
// error if the file cannot be read or parsed.
func (s *store) lookup(token string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
	if s.err != nil {
		return "", s.err
	}
	// Keyed by hash: a lookup reveals nothing about other tokens by timing.
	return s.users[sha256.Sum256([]byte(token))], nil
}

// refresh reads the file again if it changed. The caller holds mu.
func (s *store) refresh() {
	fi, err := os.Stat(s.path)
	if err != nil {
		s.users, s.err, s.stamp = nil, fmt.Errorf("token file: %w", err), fileStamp{}
		return
	}
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	if st == s.stamp && (s.users != nil || s.err != nil) {
		return
	}
	s.stamp = st
	s.users, s.err = readTokens(s.path)
}

// readTokens parses a token file: "token user" per line, blank lines and
// lines starting with # ignored.
func readTokens(path string) (map[[sha256.Size]byte]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	if len(b) > maxTokenFile {
		return nil, fmt.Errorf("token file %s: %d bytes, more than %d", path, len(b), maxTokenFile)
	}
	users := make(map[[sha256.Size]byte]string)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxTokenFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !validUser(f[1]) {
			return nil, fmt.Errorf("token file %s:%d: want \"token user\", user of letters, digits and ._@-", path, n)
		}
		users[sha256.Sum256([]byte(f[0]))] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return users, nil
}

// validUser reports whether u is a user name the scheme accepts: 1 to 128
// of letters, digits and ._@-.
func validUser(u string) bool {
	if u == "" || len(u) > 128 {
		return false
	}
	for _, c := range []byte(u) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._@-", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
