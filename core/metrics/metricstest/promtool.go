// Package metricstest checks a Prometheus exposition with promtool, for the
// tests of core/metrics and of the warren binary.
package metricstest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Problems runs `promtool check metrics` on an exposition and
// returns its lint findings for series not in allowed; it fails the test if
// promtool cannot parse the text. Without promtool it skips, unless CI is
// set (CI installs the prometheus package).
func Problems(t *testing.T, text []byte, allowed map[string]bool) []string {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is required in CI (apt-get install prometheus)")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &exit) || exit.ExitCode() != 3: // 3: lint findings only
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, _, _ := strings.Cut(line, " ")
		if !allowed[name] {
			problems = append(problems, line)
		}
	}
	return problems
}
