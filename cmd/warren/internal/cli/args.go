package cli

import (
	"regexp"
	"strings"
)

// argRE is how zkCli splits a line into words: a word not starting with a
// quote runs to the next space; a quoted word runs to its closing quote
// (spaces included). What matches neither, such as an unclosed quote, is
// skipped.
var argRE = regexp.MustCompile(`\s*([^"']\S*|"[^"]*"|'[^']*')\s*`)

// splitLine breaks a typed line into the command and its arguments, with
// the quotes around a quoted word taken off.
func splitLine(line string) []string {
	var words []string
	for _, m := range argRE.FindAllStringSubmatch(line, -1) {
		w := m[1]
		if len(w) >= 2 && (w[0] == '"' || w[0] == '\'') && w[len(w)-1] == w[0] {
			w = w[1 : len(w)-1]
		}
		words = append(words, w)
	}
	return words
}

// flags is what the options of one command look like, in the form
// commons-cli's DefaultParser reads them (zkCli's parser): single letters,
// a letter followed by ':' taking a value ("sv:R" is -s, -v VALUE and -R).
type flags string

func (f flags) known(c byte) (ok, takesValue bool) {
	i := strings.IndexByte(string(f), c)
	if i < 0 || c == ':' {
		return false, false
	}
	return true, i+1 < len(f) && f[i+1] == ':'
}

// parsed is a command line after option parsing: args[0] is the command.
type parsed struct {
	words []string // as typed, for the commands that re-read them
	args  []string
	opts  map[byte]string // a flag given without a value maps to ""
}

func (p *parsed) has(c byte) bool { _, ok := p.opts[c]; return ok }

// parseArgs sorts words (the command first) into options and arguments as
// DefaultParser does: options may come anywhere, "--" ends them, a value
// may be joined to its flag (-v3, -v=3) and flags without values may be
// joined together (-sw). Errors carry commons-cli's exception text, which
// zkCli prints as it is.
func parseArgs(words []string, f flags) (*parsed, error) {
	p := &parsed{opts: map[byte]string{}}
	var pending byte // a flag waiting for its value
	noMore := false
	for _, w := range words {
		switch {
		case pending != 0:
			if strings.HasPrefix(w, "-") && len(w) > 1 && !isNumber(w) {
				return nil, missingValue(pending)
			}
			p.opts[pending], pending = w, 0
		case noMore || w == "-" || !strings.HasPrefix(w, "-"):
			p.args = append(p.args, w)
		case w == "--":
			noMore = true
		default:
			var err error
			if pending, err = p.flag(w, f); err != nil {
				return nil, err
			}
		}
	}
	if pending != 0 {
		return nil, missingValue(pending)
	}
	return p, nil
}

// flag records the flags of the word w ("-s", "-sw", "-v3", "-v=3") and
// returns the flag still waiting for a value, if any.
func (p *parsed) flag(w string, f flags) (byte, error) {
	for i := 1; i < len(w); i++ {
		ok, takesValue := f.known(w[i])
		if !ok {
			return 0, &cliError{msg: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: " + w}
		}
		if takesValue {
			if rest := strings.TrimPrefix(w[i+1:], "="); rest != "" {
				p.opts[w[i]] = rest
				return 0, nil
			}
			return w[i], nil
		}
		p.opts[w[i]] = ""
	}
	return 0, nil
}

func missingValue(c byte) error {
	return &cliError{msg: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: " + string(c)}
}

// isNumber reports whether w is a number, which commons-cli takes as an
// option's value even when it starts with '-'.
func isNumber(w string) bool {
	digits := false
	for i := 1; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.':
		default:
			return false
		}
	}
	return digits
}
