package experiment

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func exampleYAML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/goservice.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every case edits the example spec and lists every error Parse must
// report, in order; each want is a prefix of the error's text.
func TestValidate(t *testing.T) {
	base := exampleYAML(t)
	for _, c := range []struct {
		name     string
		old, new string
		want     []string
	}{
		{"valid", "", "", nil},
		{"max <= min", "{name: gomaxprocs, type: int, min: 1, max: 4,", "{name: gomaxprocs, type: int, min: 4, max: 1,",
			[]string{"spec.parameters[2].max: must be > min (got 1 <= 4)"}},
		{"unknown constraint parameter", "lower: gomaxprocs", "lower: gomaxprocz",
			[]string{`spec.constraints[0].order.lower: unknown parameter "gomaxprocz"`}},
		{"categorical in a constraint", "lower: gomaxprocs", "lower: gogc",
			[]string{`spec.constraints[0].order.lower: parameter "gogc" is categorical; constraints take float and int parameters`}},
		{"unknown source", "source: latency_p99", "source: latency_p999",
			[]string{`spec.metrics[1].source: unknown source "latency_p999" (want one of latency_p50, latency_p95, latency_p99, throughput, error_rate, cpu_throttled_ratio, oom_kills, peak_memory_bytes, cost_per_hour)`}},
		{"duplicate parameter", "{name: gomaxprocs,", "{name: memory,", []string{
			`spec.parameters[2].name: duplicate name "memory" (also spec.parameters[1])`,
			`spec.constraints[0].order.lower: unknown parameter "gomaxprocs"`}},
		{"reserved parameter name", "{name: gomaxprocs,", "{name: port,", []string{
			`spec.parameters[2].name: "port" is reserved (addr, port, trial, experiment are set for every trial)`,
			`spec.constraints[0].order.lower: unknown parameter "gomaxprocs"`}},
		{"parameter name not an identifier", "{name: gogc,", "{name: go-gc,",
			[]string{`spec.parameters[3].name: "go-gc": want a letter or '_'`}},
		{"baseline out of range", "max: 1024, baseline: 512", "max: 1024, baseline: 2048",
			[]string{"spec.parameters[1].baseline: 2048 is outside [64, 1024]"}},
		{"baseline not a value", `baseline: "100"`, `baseline: "150"`,
			[]string{`spec.parameters[3].baseline: "150" is not one of 25, 50, 100, 200, off`}},
		{"baseline missing", "max: 4, baseline: 2}", "max: 4}",
			[]string{"spec.parameters[2].baseline: required"}},
		{"numbers as values", `values: ["25", "50", "100", "200", "off"], baseline: "100"`, `values: [25, 50, 100, 200, "off"], baseline: 100`, nil},
		{"baseline a string", "max: 2, log: true, baseline: 1}", `max: 2, log: true, baseline: "1"}`,
			[]string{`spec.parameters[0].baseline: want a number, got the string "1"`}},
		{"baseline violates a constraint", "max: 4, baseline: 2}", "max: 4, baseline: 4}",
			[]string{"spec.constraints[0]: the baseline violates gomaxprocs <= 2*cpu + 0.5 (gomaxprocs = 4, cpu = 1)"}},
		{"log with min 0", "min: 0.25, max: 2, log: true", "min: 0, max: 2, log: true",
			[]string{"spec.parameters[0].log: needs min > 0 (got 0)"}},
		{"int bound not whole", "min: 64, max: 1024", "min: 64.5, max: 1024",
			[]string{"spec.parameters[1].min: must be a whole number (got 64.5)"}},
		{"zero weight", "weight: 0.001953125", "weight: 0",
			[]string{"spec.constraints[1].weightedSum.terms[1].weight: must be a finite non-zero number (got 0)"}},
		{"order and sum", "    order: {lower: gomaxprocs, upper: cpu, factor: 2, offset: 0.5}",
			"    order: {lower: gomaxprocs, upper: cpu}\n    weightedSum: {terms: [{parameter: cpu}], max: 2}",
			[]string{"spec.constraints[0]: want exactly one of order and weightedSum"}},
		{"trials < 1", "trials: 24", "trials: 0", []string{"spec.budget.trials: must be >= 1 (got 0)"}},
		{"parallel > trials", "parallel: 1", "parallel: 30", []string{"spec.budget.parallel: must be <= trials (got 30 > 24)"}},
		{"algorithm", "algorithm: gp", "algorithm: tpe", []string{`spec.optimizer.algorithm: unknown algorithm "tpe" (want random, sobol or gp)`}},
		{"api version", "apiVersion: tailor.dev/v1alpha1", "apiVersion: tailor.dev/v1", []string{`apiVersion: want "tailor.dev/v1alpha1", got "tailor.dev/v1"`}},
		{"metadata name", "name: goservice", "name: Go_Service", []string{`metadata.name: "Go_Service": want at most 63 lowercase`}},
		{"duplicate source", "{name: p99, source: latency_p99,", "{name: p99, source: cost_per_hour,", []string{
			`spec.metrics[1].source: "cost_per_hour" is already measured by spec.metrics[0]`,
			`spec.metrics[1].max: "250ms": want a number (USD/h)`}},
		{"bad duration bound", "max: 250ms", "max: 250 ms",
			[]string{`spec.metrics[1].max: "250 ms": want a duration such as 250ms or 1.5s, or a number of seconds`}},
		{"min > max bound", "max: 250ms}", "min: 300ms, max: 250ms}",
			[]string{"spec.metrics[1].max: must be >= min (got 250ms < 300ms)"}},
		{"negative bound", `max: "1%"`, "max: -0.5", []string{"spec.metrics[2].max: -0.5: must be >= 0"}},
		{"optimize without goal", "{name: throttling, source: cpu_throttled_ratio}", "{name: throttling, source: cpu_throttled_ratio, optimize: true}",
			[]string{"spec.metrics[3].optimize: an optimized metric needs a goal (minimize or maximize)"}},
		{"unknown goal", "source: cost_per_hour, goal: minimize", "source: cost_per_hour, goal: lower", []string{
			`spec.metrics[0].goal: unknown goal "lower" (want minimize or maximize)`}},
		{"cost without resources", "    resources:\n      cpu: \"{{.cpu}}\"\n      memory: \"{{.memory}}Mi\"\n", "",
			[]string{"spec.metrics[0].source: cost_per_hour is priced from spec.trial.resources; set cpu, memory or both"}},
		{"template parse error", `GOGC: "{{.gogc}}"`, `GOGC: "{{.gogc}"`,
			[]string{`spec.trial.env.GOGC: 1: bad character U+007D '}'`}},
		{"unknown template variable", "{{.gomaxprocs}}", "{{.gomaxprocz}}",
			[]string{`spec.trial.env.GOMAXPROCS: unknown variable "gomaxprocz" (want a parameter name or one of addr, port, trial, experiment)`}},
		{"unknown function", "{{mul .memory 0.9 | int}}", "{{times .memory 0.9 | int}}",
			[]string{`spec.trial.env.GOMEMLIMIT: 1: function "times" not defined`}},
		{"template execution error", "{{mul .memory 0.9 | int}}", "{{mul .experiment 0.9 | int}}",
			[]string{`spec.trial.env.GOMEMLIMIT: 1:2: at <mul .experiment 0.9>: error calling mul: "goservice" is not a number`}},
		{"not a quantity", `memory: "{{.memory}}Mi"`, `memory: "{{.memory}}MB"`,
			[]string{`spec.trial.resources.memory: "512MB" is not a Kubernetes quantity (such as 500m, 0.5, 512Mi, 1Gi)`}},
		{"not a URL", `url: "http://{{.addr}}/work"`, `url: "{{.addr}}/work"`,
			[]string{`spec.trial.load.target.url: "127.0.0.1:8080/work": want an http:// or https:// URL with a host`}},
		{"rate", "rate: 200", "rate: 0", []string{"spec.trial.load.rate: must be a number of requests per second > 0 (got 0)"}},
		{"timeout too short", "timeout: 5m", "timeout: 40s",
			[]string{"spec.trial.timeout: 40s is shorter than readiness.timeout + load.warmup + load.duration (1m5s)"}},
		{"no command", `command: ["go", "run", "./examples/goservice", "--addr", "{{.addr}}"]`, "command: []",
			[]string{"spec.trial.command: required"}},
		{"several at once", "trials: 24", "trials: 0\n    maxFailed: -1", []string{
			"spec.budget.trials: must be >= 1 (got 0)", "spec.budget.maxFailed: must be >= 0 (got -1)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := base
			if c.old != "" {
				if !strings.Contains(base, c.old) {
					t.Fatalf("%q is not in the example", c.old)
				}
				text = strings.Replace(base, c.old, c.new, 1)
			}

			_, err := Parse([]byte(text))
			var got []string
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("not a ValidationError: %v", err)
				}
				for _, fe := range ve.Errors {
					got = append(got, fe.Error())
				}
			}
			ok := len(got) == len(c.want)
			for i := range c.want {
				ok = ok && strings.HasPrefix(got[i], c.want[i])
			}
			if !ok {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// Problems YAML decoding catches before validation.
func TestParseErrors(t *testing.T) {
	base := exampleYAML(t)
	for _, c := range []struct{ name, old, new, want string }{
		{"unknown field", "    seed: 1", "    seed: 1\n    sed: 2", `unknown field "sed"`},
		{"duplicate field", "    seed: 1", "    seed: 1\n    seed: 2", `key "seed" already set`},
		{"unquoted off", `baseline: "100"`, "baseline: off", "quote YAML words such as off"},
		{"unquoted off in values", `"200", "off"]`, `"200", off]`, "values[4]: value false: want a number or a string (quote YAML words such as off"},
		{"duration without unit", "duration: 30s", "duration: 30", `want a string such as "30s"`},
		{"bad duration", "duration: 30s", "duration: 30 s", `duration "30 s": want a number with a unit`},
	} {
		text := strings.Replace(base, c.old, c.new, 1)
		_, err := Parse([]byte(text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// With an invalid parameter there is no baseline to render templates on:
// they are still parsed, and parse errors reported.
func TestValidateWithoutBaseline(t *testing.T) {
	e, err := Parse([]byte(exampleYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	e.Spec.Parameters[1].Baseline = NumberScalar(2048)
	e.Spec.Trial.Env = map[string]string{"GOGC": "{{.gogc}", "X": "{{.x", "Y": "{{.nosuch}}"}
	err = e.Validate()
	want := "spec.parameters[1].baseline: 2048 is outside [64, 1024]\n" +
		"spec.trial.env.GOGC: 1: bad character U+007D '}'\n" +
		"spec.trial.env.X: 1: unclosed action"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
