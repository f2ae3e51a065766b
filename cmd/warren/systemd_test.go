package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks configs/warren.service with systemd-analyze verify,
// with ExecStart pointed at the binary under test (verify wants it to
// exist), and that it keeps its hardening.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	b, err := os.ReadFile("../../configs/warren.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "CapabilityBoundingSet=\n", "ReadWritePaths=/var/lib/warren"} {
		if !strings.Contains(unit, want) {
			t.Errorf("warren.service lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "warren.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/bin/warren", warrenBin)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
