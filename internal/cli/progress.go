package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// progress draws a one-line bar on a terminal, rewriting it in place:
//
//	reading usage history [=========>          ] 12/40 namespaces, 1,234 containers
//
// It draws nothing when its writer is not a terminal (mode "auto") or
// when mode is "never".
type progress struct {
	w     io.Writer
	label string
	on    bool
	drawn bool
}

func newProgress(w io.Writer, mode, label string) *progress {
	on := mode == "always"
	if mode == "auto" {
		f, ok := w.(*os.File)
		on = ok && term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, label: label, on: on}
}

const barWidth = 30

func (p *progress) update(done, total, containers int) {
	if !p.on || total <= 0 {
		return
	}
	n := done * barWidth / total
	bar := strings.Repeat("=", n)
	if n < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-n-1)
	}
	fmt.Fprintf(p.w, "\r%s [%s] %d/%d namespaces, %d containers", p.label, bar, done, total, containers)
	p.drawn = true
}

// done ends the line so later output starts on a fresh one.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
