package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the command failed (bad input, unreadable data)
	ExitUsage = 2 // bad flags or arguments
	// ExitIncomplete: the report was written, but parts are missing (a
	// list the credentials may not make, a namespace whose history could
	// not be read, an unreachable Prometheus); the warnings say which.
	ExitIncomplete = 3
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// Main runs the CLI with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "tailor:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	if errors.Is(err, errIncomplete) {
		return ExitIncomplete
	}
	if errors.Is(err, errNoFeasible) {
		return ExitNoFeasible
	}
	return ExitError
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "tailor",
		Short:         "Right-size Kubernetes workloads and prove each decision on history",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE:          showHelp,
	}
	root.AddCommand(newRecommendCmd(stdout, stderr), newExportCmd(stdout, stderr), newExperimentCmd(stdout, stderr), newBenchCmd(stdout))
	return root
}

// unknownCommand is the Args check of a command group (tailor, tailor bench):
// a word that names none of its subcommands is a usage error. Cobra's own
// check returns a plain error (exit 1) for the root and none at all for
// nested groups, which would print help and exit 0.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default for its own message
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usageError{errors.New(msg)}
}

// showHelp runs a command group without a subcommand: help, exit 0.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }
