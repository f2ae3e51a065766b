package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"golang.org/x/term"

	"github.com/warrenzk/warren/cmd/warren/internal/cli"
)

// runCli is `warren cli`: zkCli.sh's shell for any ZooKeeper-compatible
// server. With a command after the flags it runs that one command and
// exits with its code (0 ran, 1 failed, 127 unknown command), as
// ZooKeeperMain does; otherwise it reads commands from a terminal (with
// line editing, history and completion) or, line by line, from stdin.
func runCli(args []string) error {
	code, err := cliMain(args, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		return err
	}
	if code != 0 {
		os.Exit(code)
	}
	return nil
}

func cliMain(args []string, stdin *os.File, stdout, stderr io.Writer) (int, error) {
	// zkCli's flags are single-dash words (-server), which the standard
	// flag package reads as they are; it stops at the command.
	fs := flag.NewFlagSet("warren cli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warren cli [-server host:port[,host:port...]] [-timeout ms] [-r] [cmd args...]")
		fs.PrintDefaults()
	}
	var cfg cli.Config
	fs.StringVar(&cfg.Server, "server", "localhost:2181", "comma-separated `host:port` list of the ensemble")
	timeout := fs.Int("timeout", 30000, "session timeout in `ms`")
	fs.BoolVar(&cfg.ReadOnly, "r", false, "ask for a read-only session")
	fs.Bool("waitforconnection", false, "accepted for zkCli's sake: warren cli always connects before its first command")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, nil
		}
		return 2, nil
	}
	cfg.Timeout = time.Duration(*timeout) * time.Millisecond
	cfg.Stdout, cfg.Stderr = stdout, stderr
	cfg.Version = cliVersion()
	sh := cli.New(cfg)
	if fs.NArg() > 0 {
		return sh.RunOnce(fs.Args()), nil
	}
	if !term.IsTerminal(int(stdin.Fd())) {
		return sh.RunScript(stdin), nil
	}
	history := ""
	if home, err := os.UserHomeDir(); err == nil {
		history = filepath.Join(home, ".warren_cli_history")
	}
	return sh.RunTerminal(stdin, history)
}

// cliVersion is what `version` prints in warren cli, in the form of
// ZooKeeper's Version.getFullVersion: "0.1.0-<commit>, built on
// 2026-11-22 20:55 UTC", from the version set at build time and the VCS
// stamp Go's build records (without it: the version alone and "unknown").
func cliVersion() string {
	v, built := version, "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				v += "-" + st.Value
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, st.Value); err == nil {
					built = t.UTC().Format("2006-01-02 15:04 UTC")
				}
			}
		}
	}
	return v + ", built on " + built
}
