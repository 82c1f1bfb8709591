package cli

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/cgroup"
)

// The test binary doubles as an experiment's service: with
// TAILOR_TEST_SERVE set it serves /healthz and /work (hashing) there.
func TestMain(m *testing.M) {
	if addr := os.Getenv("TAILOR_TEST_SERVE"); addr != "" {
		http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		http.HandleFunc("/work", func(w http.ResponseWriter, _ *http.Request) {
			sum := sha256.Sum256([]byte("x"))
			for i := 0; i < 50000; i++ {
				sum = sha256.Sum256(sum[:])
			}
			fmt.Fprintf(w, "%x\n", sum[:4])
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil))
		os.Exit(3)
	}
	os.Exit(m.Run())
}

const experimentYAML = `apiVersion: tailor.dev/v1alpha1
kind: Experiment
metadata: {name: clitest}
spec:
  optimizer: {algorithm: gp, seed: 3}
  budget: {trials: 4}
  parameters:
  - {name: cpu, type: float, min: 0.05, max: 1, log: true, baseline: 1}
  metrics:
  - {name: cost, source: cost_per_hour, goal: minimize}
  - {name: p99, source: latency_p99, max: 100ms}
  - {name: throttling, source: cpu_throttled_ratio}
  trial:
    command: ["%s"]
    env: {TAILOR_TEST_SERVE: "{{.addr}}"}
    resources: {cpu: "{{.cpu}}", memory: "128Mi"}
    readiness: {httpGet: "http://{{.addr}}/healthz", timeout: 10s}
    load:
      target: {url: "http://{{.addr}}/work"}
      rate: 20
      duration: 1500ms
      warmup: 300ms
    timeout: 1m
`

// A whole experiment through the CLI: real processes under cgroup CPU
// limits, real load; then results (table, JSON, HTML), export, and a
// resume that repeats nothing.
func TestExperimentRunResultsExport(t *testing.T) {
	if _, err := cgroup.Detect(); err != nil {
		t.Skipf("cgroups not usable here: %v", err)
	}
	dir := t.TempDir()
	spec := writeFile(t, dir, "exp.yaml", fmt.Sprintf(experimentYAML, os.Args[0]))
	results := filepath.Join(dir, "results")
	r := run("experiment", "run", "-f", spec, "--results", results)
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("stdout:\n%s", r.stdout)
	if !strings.Contains(r.stderr, "trial 4/4") || !strings.Contains(r.stdout, "Recommended: trial") {
		t.Errorf("progress or recommendation missing:\n%s\n%s", r.stderr, r.stdout)
	}
	lines := strings.Count(readFile(t, filepath.Join(results, "trials.jsonl")), "\n")
	if lines != 4 {
		t.Errorf("trials.jsonl holds %d lines, want 4", lines)
	}
	// Running again resumes: the budget is spent, nothing runs.
	r = run("experiment", "run", "-f", spec, "--results", results)
	if r.code != ExitOK || strings.Contains(r.stderr, "started") {
		t.Errorf("resume: exit %d, stderr %s", r.code, r.stderr)
	}
	r = run("experiment", "results", results, "-o", "json", "--html", filepath.Join(dir, "report.html"))
	var doc struct {
		Trials []struct {
			Number int                `json:"number"`
			Status string             `json:"status"`
			Metric map[string]float64 `json:"metrics"`
		} `json:"trials"`
		Recommended *int `json:"recommended_trial"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != ExitOK || len(doc.Trials) != 4 || doc.Recommended == nil {
		t.Fatalf("results -o json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	html := readFile(t, filepath.Join(dir, "report.html"))
	if !strings.Contains(html, "<svg") || !strings.Contains(html, "Pareto") || !strings.Contains(html, `id="trials"`) {
		t.Errorf("HTML report lacks the plot or the table")
	}
	r = run("experiment", "export", results, "--format", "resources")
	if r.code != ExitOK || !strings.Contains(r.stdout, "cpu:") || !strings.Contains(r.stdout, `memory: "128Mi"`) {
		t.Errorf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run("experiment", "export", results, "--format", "env")
	if r.code != ExitOK || !strings.Contains(r.stdout, "TAILOR_TEST_SERVE=127.0.0.1:8080") {
		t.Errorf("export env: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// An impossible gate fails with exit 4.
	r = run("experiment", "results", results, "--min-gain", "0.999")
	if r.code != ExitNoFeasible || !strings.Contains(r.stderr, "--min-gain") {
		t.Errorf("--min-gain 0.999: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestExperimentBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", strings.Replace(fmt.Sprintf(experimentYAML, "/bin/true"), "max: 1,", "max: 0.01,", 1))
	for _, c := range []failCase{
		{"no file", []string{"experiment", "run"}, ExitUsage, "-f/--file is required"},
		{"missing file", []string{"experiment", "run", "-f", filepath.Join(dir, "none.yaml")}, ExitError, "none.yaml"},
		{"invalid spec", []string{"experiment", "run", "-f", bad}, ExitError, "spec.parameters[0]"},
		{"results of nothing", []string{"experiment", "results", dir}, ExitError, dir},
		{"export bad format", []string{"experiment", "export", dir, "--format", "xml"}, ExitUsage, `"xml"`},
	} {
		t.Run(c.name, func(t *testing.T) { checkFailure(t, run(c.args...), c.code, c.msg) })
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
