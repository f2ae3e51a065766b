package cli

import (
	"errors"
	"io"

	"github.com/chzyer/readline"
)

// RunTerminal runs the shell on a terminal: zkCli's prompt, line editing,
// a history of lines kept in historyFile across runs (none if ""), TAB
// completion of command names and znode paths, and watch events printed
// above the line being typed, which is then drawn again. Ctrl-C clears the
// line; Ctrl-D on an empty line or quit leaves. It returns the exit code
// of the last command.
func (s *Shell) RunTerminal(stdin io.ReadCloser, historyFile string) (int, error) {
	rl, err := readline.NewEx(&readline.Config{
		HistoryFile:       historyFile,
		HistorySearchFold: true,
		AutoComplete:      completer{s},
		InterruptPrompt:   "^C",
		Stdin:             stdin,
		Stdout:            s.cfg.Stdout,
		Stderr:            s.cfg.Stderr,
	})
	if err != nil {
		return 0, err
	}
	defer rl.Close()
	s.setOutput(rl.Stdout(), rl.Stderr())
	s.start("enabled")
	for !s.quitting {
		rl.SetPrompt(s.prompt())
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			break
		}
		s.executeLine(line)
	}
	s.close()
	return s.exitCode, nil
}
