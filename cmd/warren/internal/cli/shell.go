// Package cli is `warren cli`: a shell for any ZooKeeper-compatible server
// that behaves as Apache ZooKeeper 3.8's zkCli.sh — the same commands,
// flags, output and error texts, watch events and exit codes — with line
// editing, a history file and completion of command names and znode paths.
package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// Config configures a Shell.
type Config struct {
	// Server is the comma-separated host:port list (zkCli's -server).
	Server string
	// Timeout is the session timeout asked for, which also bounds each
	// connection attempt and request (zkCli's -timeout, default 30s).
	Timeout time.Duration
	// ReadOnly asks for a read-only session (zkCli's -r).
	ReadOnly bool
	// Version is what the version command prints after "ZooKeeper CLI
	// version: ", as zkCli prints Version.getFullVersion ("3.8.0-<commit>,
	// built on <date>").
	Version string
	// Stdout and Stderr receive what zkCli prints on each.
	Stdout, Stderr io.Writer
}

// Shell runs commands against one session, keeps the numbered history
// that history and redo use, and prints watch events as they arrive.
type Shell struct {
	cfg      Config
	out, err io.Writer // for commands: events already queued print first
	evOut    io.Writer // for the event printer
	sess     *session
	events   *eventQueue

	printWatches atomic.Bool
	history      map[int]string
	count        int  // commands run, the prompt's number
	exitCode     int  // of the last command: one-shot and end-of-input exit with it
	quitting     bool // quit was run
}

// New returns a Shell that has not connected yet.
func New(cfg Config) *Shell {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	s := &Shell{cfg: cfg, history: map[int]string{}}
	s.setOutput(cfg.Stdout, cfg.Stderr)
	s.printWatches.Store(true)
	s.events = newEventQueue(func(ev proto.WatcherEvent) {
		if s.printWatches.Load() {
			io.WriteString(s.evOut, eventText(ev))
		}
	})
	s.sess = newSession(cfg.Server, cfg.Timeout, cfg.ReadOnly, s.events.push)
	return s
}

// setOutput points the shell's output at stdout and stderr. Each write is
// whole, so that an event never lands inside a command's line, and a
// command's output waits for the events queued before it: the notification
// a request triggers, which the server sends before its reply, prints
// before what the command prints of the reply, every time.
func (s *Shell) setOutput(stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	s.evOut = &lockedWriter{mu: mu, w: stdout}
	s.out = &lockedWriter{mu: mu, w: stdout, before: s.flushEvents}
	s.err = &lockedWriter{mu: mu, w: stderr, before: s.flushEvents}
}

func (s *Shell) flushEvents() { s.events.flush() }

type lockedWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	before func() // called before the lock is taken; nil for none
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if l.before != nil {
		l.before()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// RunOnce runs one command given as words (zkCli's "cmd args" after the
// flags), without a history, and returns the exit code: 0 when it ran, 1
// when it failed, 127 when there is no such command. It connects only if
// the command needs the server.
func (s *Shell) RunOnce(words []string) int {
	fmt.Fprintln(s.out, "Connecting to "+s.cfg.Server)
	s.process(words)
	s.close()
	return s.exitCode
}

// RunScript runs the lines of r as zkCli does when its input is not a
// terminal: no prompt, each non-empty line a command, and the exit code
// of the last command (or of the one before quit) at the end.
func (s *Shell) RunScript(r io.Reader) int {
	s.start("disabled")
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for !s.quitting && sc.Scan() {
		s.executeLine(sc.Text())
	}
	s.close()
	return s.exitCode
}

// start prints zkCli's greeting and opens the session.
func (s *Shell) start(jline string) {
	fmt.Fprintln(s.out, "Connecting to "+s.cfg.Server)
	fmt.Fprintln(s.out, "Welcome to ZooKeeper!")
	fmt.Fprintln(s.out, "JLine support is "+jline)
	_ = s.sess.open(true) // until a server answers: CONNECTING, and ConnectionLoss
	s.events.flush()
}

// close ends the session (without the Closed event zkCli does not print
// when its input ends) and the event printer.
func (s *Shell) close() {
	s.sess.close(false)
	s.sess.wg.Wait()
	s.events.close()
}

// prompt is zkCli's: "[zk: host:port(CONNECTED) 3] ".
func (s *Shell) prompt() string {
	hosts, state := s.sess.Status()
	return fmt.Sprintf("[zk: %s(%s) %d] ", hosts, state, s.count)
}

// executeLine records a typed line in the history and runs it.
func (s *Shell) executeLine(line string) {
	words := splitLine(line)
	if len(words) == 0 {
		return
	}
	s.history[s.count] = line
	s.process(words)
	s.count++
}

// process runs a command and reports its outcome as ZooKeeperMain's
// processCmd: the error message on stderr and the exit code kept. Events
// the command caused are printed before it returns.
func (s *Shell) process(words []string) {
	err := s.execute(words)
	s.events.flush()
	if s.quitting {
		return
	}
	var ce *cliError
	switch {
	case err == nil:
		s.exitCode = exitOK
	case errors.As(err, &ce):
		s.exitCode = ce.exitCode()
		fmt.Fprintln(s.err, ce.msg)
	default:
		s.exitCode = exitError
		fmt.Fprintln(s.err, err)
	}
}

// The shell's own commands.

func (s *Shell) connect(p *parsed) error {
	if len(p.args) >= 2 {
		s.sess.setHosts(p.args[1])
		s.cfg.Server = p.args[1]
	}
	s.sess.close(true)
	_ = s.sess.open(true)
	return nil
}

func (s *Shell) closeCmd(*parsed) error {
	s.sess.close(true)
	return nil
}

func (s *Shell) quitCmd(*parsed) error {
	s.quitting = true
	s.sess.close(true)
	return nil
}

func (s *Shell) printWatchesCmd(p *parsed) error {
	if len(p.args) == 1 {
		state := "off"
		if s.printWatches.Load() {
			state = "on"
		}
		fmt.Fprintln(s.out, "printwatches is "+state)
		return nil
	}
	s.printWatches.Store(p.args[1] == "on")
	return nil
}

// historyCmd prints the last ten commands and this one, numbered.
func (s *Shell) historyCmd(*parsed) error {
	var b strings.Builder
	for i := max(s.count-10, 0); i <= s.count; i++ {
		line, ok := s.history[i]
		if !ok {
			line = "null"
		}
		fmt.Fprintf(&b, "%d - %s\n", i, line)
	}
	io.WriteString(s.out, b.String())
	return nil
}

// redo runs command cmdno of the history again, as a command of its own:
// its failure is printed, but redo itself succeeds.
func (s *Shell) redo(p *parsed) error {
	if len(p.args) < 2 {
		return nil
	}
	i, err := strconv.ParseInt(p.args[1], 0, 32)
	if err != nil || int(i) >= s.count || i < 0 {
		return errorf("Command index out of range")
	}
	line := s.history[int(i)]
	words := splitLine(line)
	if len(words) > 0 && words[0] == "redo" {
		return errorf("No redoing redos")
	}
	s.history[s.count] = line
	s.process(words)
	return nil
}
