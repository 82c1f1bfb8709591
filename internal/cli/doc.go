// Package cli implements the tailor command line: one file per subcommand,
// each an options struct plus run(ctx, opts, io.Writer) error. It only
// gathers inputs, calls engines and renders results.
package cli
