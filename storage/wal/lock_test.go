package wal

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// lockHelperEnv makes the test binary a process that holds a backend open
// on the directory it names until its standard input closes.
const lockHelperEnv = "WAL_TEST_HOLD_LOCK"

// holdLock is the helper process's main.
func holdLock(dir string) {
	b, err := Open(storage.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin)
	b.Close()
}

func TestLockSameProcess(t *testing.T) {
	cfg := testConfig(t)
	cfg.LogDir = t.TempDir()
	b := openCfg(t, cfg)
	for name, other := range map[string]storage.Config{
		"same dirs":     cfg,
		"same data dir": {DataDir: cfg.DataDir, LogDir: t.TempDir(), Logger: quiet},
		"same log dir":  {DataDir: t.TempDir(), LogDir: cfg.LogDir, Logger: quiet},
	} {
		if b2, err := Open(other); err == nil {
			b2.Close()
			t.Errorf("%s: a second Open succeeded", name)
		} else {
			mustContain(t, name+": error", err.Error(), "another process", "LOCK")
		}
	}
	b.Close()
	openCfg(t, cfg).Close() // released
}

func TestLockOtherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("helper said %q", line)
	}
	_, err = Open(storage.Config{DataDir: dir, Logger: quiet})
	stdin.Close()
	if werr := cmd.Wait(); werr != nil {
		t.Errorf("helper: %v", werr)
	}
	if err == nil {
		t.Fatal("Open succeeded while another process held the directory")
	}
	mustContain(t, "error", err.Error(), "another process", dir)
	b, err := Open(storage.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatalf("Open after the other process exited: %v", err)
	}
	b.Close()
}
