package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// command is one of the shell's commands: its name and option string as
// zkCli's usage prints them, its flags, and what it does. The few that
// manage the shell itself (builtin) run even without a connection.
type command struct {
	name    string
	usage   string
	flags   flags
	minArgs int // words, the command included; fewer prints the usage line
	builtin bool
	run     func(s *Shell, p *parsed) error
}

// errUsage makes the dispatcher report the command's usage line.
var errUsage = errors.New("usage")

// commandList holds the commands, sorted as Java sorts their names, with
// ZooKeeper 3.8.0's usage texts. commands indexes it by name. Both are filled by
// init, since commands refer to them (redo runs a command).
var (
	commandList []*command
	commands    = map[string]*command{}
)

func init() {
	commandList = []*command{
		{name: "addWatch", usage: "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE", flags: "m:", run: (*Shell).addWatch},
		{name: "addauth", usage: "scheme auth", minArgs: 2, run: (*Shell).addAuth},
		{name: "close", run: (*Shell).closeCmd},
		{name: "config", usage: "[-c] [-w] [-s]", flags: "cws", run: (*Shell).config},
		{name: "connect", usage: "host:port", builtin: true, run: (*Shell).connect},
		{name: "create", usage: "[-s] [-e] [-c] [-t ttl] path [data] [acl]", flags: "esct:", minArgs: 2, run: (*Shell).create},
		{name: "delete", usage: "[-v version] path", flags: "v:", minArgs: 2, run: (*Shell).delete},
		{name: "deleteall", usage: "path [-b batch size]", flags: "b:", minArgs: 2, run: (*Shell).deleteAll},
		{name: "delquota", usage: "[-n|-b|-N|-B] path", flags: "[nbNB]", minArgs: 2, run: (*Shell).delQuota},
		{name: "get", usage: "[-s] [-w] path", flags: "sw", minArgs: 2, run: (*Shell).get},
		{name: "getAcl", usage: "[-s] path", flags: "s", minArgs: 2, run: (*Shell).getACL},
		{name: "getAllChildrenNumber", usage: "path", run: (*Shell).allChildrenNumber},
		{name: "getEphemerals", usage: "path", run: (*Shell).ephemerals},
		{name: "history", builtin: true, run: (*Shell).historyCmd},
		{name: "listquota", usage: "path", minArgs: 2, run: (*Shell).listQuota},
		{name: "ls", usage: "[-s] [-w] [-R] path", flags: "swR", run: (*Shell).ls},
		{name: "printwatches", usage: "on|off", builtin: true, run: (*Shell).printWatchesCmd},
		{name: "quit", builtin: true, run: (*Shell).quitCmd},
		{name: "reconfig", usage: reconfigUsage, flags: "sv:(file):(members):(add):(remove):", run: (*Shell).reconfig},
		{name: "redo", usage: "cmdno", builtin: true, run: (*Shell).redo},
		{name: "removewatches", usage: "path [-c|-d|-a] [-l]", flags: "cdal", minArgs: 2, run: (*Shell).removeWatches},
		{name: "set", usage: "[-s] [-v version] path data", flags: "sv:", minArgs: 3, run: (*Shell).set},
		{name: "setAcl", usage: "[-s] [-v version] [-R] path acl", flags: "sv:R", minArgs: 3, run: (*Shell).setACL},
		// setquota checks its required option before its arguments.
		{name: "setquota", usage: "-n|-b|-N|-B val path", flags: "[n:b:N:B:]", run: (*Shell).setQuota},
		{name: "stat", usage: "[-w] path", flags: "w", minArgs: 2, run: (*Shell).stat},
		{name: "sync", usage: "path", minArgs: 2, run: (*Shell).sync},
		{name: "version", run: (*Shell).version},
		{name: "whoami", run: (*Shell).whoAmI},
	}
	for _, c := range commandList {
		commands[c.name] = c
	}
}

func lookup(name string) *command { return commands[name] }

// usageLine is CliCommand.getUsageStr: the name and the option string.
func (c *command) usageLine() string { return c.name + " " + c.usage }

// writeUsage prints the list of commands, as ZooKeeperMain.usage does.
func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("warren cli -server host:port[,host:port...] [-timeout ms] [-r] cmd args\n")
	for _, c := range commandList { // sorted as Java sorts the names
		fmt.Fprintf(&b, "\t%s\n", c.usageLine())
	}
	io.WriteString(w, b.String())
}

// execute runs one command line (already split into words) as
// ZooKeeperMain.processZKCmd does: the shell's own commands first, then
// "Not connected" if the session is closed, then the command.
func (s *Shell) execute(words []string) error {
	if len(words) == 0 {
		writeUsage(s.err)
		return errorf("No command entered")
	}
	c := lookup(words[0])
	if c == nil {
		writeUsage(s.err)
		return &cliError{msg: "Command not found: Command not found " + words[0], code: exitNotFound}
	}
	if c.builtin {
		if err := c.run(s, &parsed{args: words}); err != nil || s.quitting {
			return err
		}
	}
	if !s.sess.alive() {
		fmt.Fprintln(s.out, "Not connected")
		return nil
	}
	s.sess.settle()
	if c.builtin {
		return nil
	}
	p, err := parseArgs(words, c.flags)
	if err != nil {
		return err
	}
	p.words = words
	if len(p.args) < c.minArgs {
		return errorf("%s", c.usageLine())
	}
	if err := c.run(s, p); err != errUsage {
		return err
	}
	return errorf("%s", c.usageLine())
}

// version prints the version, as zkCli prints its own
// (Version.getFullVersion).
func (s *Shell) version(p *parsed) error {
	if len(p.args) > 1 {
		return errUsage
	}
	fmt.Fprintln(s.out, "ZooKeeper CLI version: "+s.cfg.Version)
	return nil
}
