package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const tailorHeader = "timestamp,namespace,workload,container,cpu_cores,memory_bytes\n"

// badInputs writes the invalid inputs of TestBadInput to a folder.
func badInputs(t *testing.T) (empty, nonmono, negative, nan string) {
	dir := t.TempDir()
	empty = filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	nonmono = writeFile(t, dir, "nonmono.csv", tailorHeader+
		"2024-01-01T00:05:00Z,ns,web,app,0.5,1000000\n2024-01-01T00:00:00Z,ns,web,app,0.5,1000000\n")
	negative = writeFile(t, dir, "negative.csv", tailorHeader+
		"2024-01-01T00:05:00Z,ns,web,app,0.5,1000000\n2024-01-01T00:10:00Z,ns,web,app,-0.5,1000000\n")
	nan = writeFile(t, dir, "nan.csv", tailorHeader+"2024-01-01T00:05:00Z,ns,web,app,NaN,1000000\n")
	return empty, nonmono, negative, nan
}

// failCase is a command that must fail with code and a message containing msg
// (the offending input).
type failCase struct {
	name string
	args []string
	code int
	msg  string
}

// badInputCases is every bad flag, argument or input.
func badInputCases(t *testing.T) []failCase {
	empty, nonmono, negative, nan := badInputs(t)
	good := syntheticTrace(t)
	missing := filepath.Join(t.TempDir(), "no-such-trace")
	bench := func(args ...string) []string { return append([]string{"bench", "recommenders"}, args...) }
	rec := func(args ...string) []string { return append([]string{"recommend"}, args...) }
	return []failCase{
		{"unknown command", []string{"bogus"}, ExitUsage, `"bogus"`},
		{"unknown bench command", []string{"bench", "bogus"}, ExitUsage, `"bogus"`},
		{"recommend positional argument", rec("--demo", "extra"), ExitUsage, `"extra"`},
		{"bench positional argument", bench("--data", good, "extra"), ExitUsage, `"extra"`},
		{"recommend unknown flag", rec("--demo", "--bogus"), ExitUsage, "--bogus"},
		{"bench unknown flag", bench("--data", good, "--bogus"), ExitUsage, "--bogus"},
		{"recommend unknown format", rec("--trace", good, "--format", "xyz"), ExitUsage, `--format "xyz"`},
		{"demo unknown format", rec("--demo", "--format", "xyz"), ExitUsage, `--format "xyz"`},
		{"bench unknown format", bench("--data", good, "--format", "xyz"), ExitUsage, `--format "xyz"`},
		{"recommend unknown output", rec("--demo", "-o", "xml"), ExitUsage, `"xml"`},
		{"recommend explain with json", rec("--demo", "--explain", "x", "-o", "json"), ExitUsage, "--explain prints text"},
		{"recommend trace and cluster", rec("--demo", "--prometheus-url", "http://127.0.0.1:1"), ExitUsage, "use one or the other"},
		{"recommend cluster without prometheus", rec("--namespace", "a"), ExitUsage, "--prometheus-url is required"},
		{"recommend bad end", rec("--prometheus-url", "http://x", "--end", "yesterday"), ExitUsage, "--end"},
		{"recommend bad kind", rec("--prometheus-url", "http://x", "--kind", "widget"), ExitUsage, "widget"},
		{"recommend unknown workload to explain", rec("--demo", "--explain", "nope"), ExitError, "no such workload"},
		{"bench unknown output", bench("--data", good, "-o", "yaml"), ExitUsage, `"yaml"`},
		{"recommend no input", rec(), ExitUsage, "--trace"},
		{"demo and trace", rec("--demo", "--trace", good), ExitUsage, "--demo and --trace"},
		{"data missing", bench(), ExitUsage, "--data"},
		{"recommend empty folder", rec("--trace", empty), ExitError, empty},
		{"bench empty folder", bench("--data", empty), ExitError, empty},
		{"recommend nonexistent path", rec("--trace", missing), ExitError, missing},
		{"bench nonexistent path", bench("--data", missing), ExitError, missing},
		{"recommend non-monotonic time", rec("--trace", nonmono), ExitError, nonmono + ":3"},
		{"bench non-monotonic time", bench("--data", nonmono), ExitError, nonmono + ":3"},
		{"recommend negative usage", rec("--trace", negative), ExitError, negative + ":3"},
		{"bench negative usage", bench("--data", negative), ExitError, negative + ":3"},
		{"recommend NaN usage", rec("--trace", nan), ExitError, nan + ":2"},
		{"bench NaN usage", bench("--data", nan), ExitError, nan + ":2"},
		{"unknown set key", bench("--data", good, "--set", "bogus=1"), ExitUsage, `"bogus"`},
		{"unknown set key without tailor", bench("--data", good, "--policies", "vpa", "--set", "bogus=1"), ExitUsage, `"bogus"`},
		{"bad set value", bench("--data", good, "--set", "cpu.margin=abc"), ExitUsage, "cpu.margin"},
		{"set without =", bench("--data", good, "--set", "cpu.margin"), ExitUsage, `"cpu.margin"`},
		{"unknown policy", bench("--data", good, "--policies", "tailor,bogus"), ExitUsage, `"bogus"`},
		{"sweep without =", bench("--data", good, "--sweep", "cpu.margin"), ExitUsage, `--sweep "cpu.margin"`},
		{"sweep without values", bench("--data", good, "--sweep", "cpu.margin="), ExitUsage, `--sweep "cpu.margin="`},
		{"sweep without key", bench("--data", good, "--sweep", "=0.1"), ExitUsage, `--sweep "=0.1"`},
		{"sweep empty value", bench("--data", good, "--sweep", "cpu.margin=0.1,,0.2"), ExitUsage, `--sweep "cpu.margin=0.1,,0.2"`},
		{"sweep repeated value", bench("--data", good, "--sweep", "cpu.margin=0.1,0.1"), ExitUsage, `--sweep "cpu.margin=0.1,0.1"`},
		{"sweep unknown key", bench("--data", good, "--sweep", "bogus=1,2"), ExitUsage, `"bogus"`},
		{"sweep bad value", bench("--data", good, "--sweep", "cpu.margin=0.1,abc"), ExitUsage, "abc"},
		{"plot not svg", bench("--data", good, "--plot", "curves.png"), ExitUsage, `"curves.png"`},
	}
}

// Every bad flag, argument or input gives its exit code and a message naming
// the input. Each case runs again with --out (and --plot for bench) into an
// empty folder, which must stay empty: no partial output, no temporary file.
func TestBadInput(t *testing.T) {
	for _, c := range badInputCases(t) {
		t.Run(c.name, func(t *testing.T) {
			checkFailure(t, run(c.args...), c.code, c.msg)
			dir := t.TempDir()
			args := slices.Concat(c.args, []string{"--out", filepath.Join(dir, "out.txt")})
			if c.args[0] == "bench" && !slices.Contains(c.args, "--plot") {
				args = append(args, "--plot", filepath.Join(dir, "plot.svg"))
			}
			checkFailure(t, run(args...), c.code, "")
			assertEmptyDir(t, dir)
		})
	}
}

func checkFailure(t *testing.T, r result, code int, msg string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d; stderr: %s", r.code, code, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "tailor: ") || !strings.Contains(r.stderr, msg) {
		t.Errorf("stderr %q: want a tailor: message containing %q", r.stderr, msg)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing on failure", r.stdout)
	}
}

// Bad --out and --plot values fail before any work and leave nothing.
func TestBadOutputPath(t *testing.T) {
	good := syntheticTrace(t)
	dir := t.TempDir()
	missingDir := filepath.Join(dir, "no-such-folder", "out.txt")
	same := filepath.Join(dir, "same.svg")
	cases := []failCase{
		{"recommend out folder missing", []string{"recommend", "--demo", "--out", missingDir}, ExitError, missingDir},
		{"recommend out is a folder", []string{"recommend", "--demo", "--out", dir}, ExitError, dir},
		{"bench out folder missing", []string{"bench", "recommenders", "--data", good, "--out", missingDir}, ExitError, missingDir},
		{"bench plot folder missing", []string{"bench", "recommenders", "--data", good, "--plot", missingDir + ".svg"}, ExitError, missingDir},
		{"out and plot the same", []string{"bench", "recommenders", "--data", good, "--out", same, "--plot", same}, ExitUsage, same},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkFailure(t, run(c.args...), c.code, c.msg)
			assertEmptyDir(t, dir)
		})
	}
}

// Group commands without a subcommand print help and succeed.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"bench"}, {"--help"}, {"recommend", "--help"}, {"bench", "recommenders", "--help"}} {
		r := run(args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := run("bench", "recommenders", "--help")
	for _, flag := range []string{"--out", "--plot", "--sweep", "--set"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("bench recommenders --help does not mention %s", flag)
		}
	}
	if r := run("recommend", "--help"); !strings.Contains(r.stdout, "--out") {
		t.Error("recommend --help does not mention --out")
	}
}
