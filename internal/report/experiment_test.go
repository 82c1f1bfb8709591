package report

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/experiment"
)

const specYAML = `apiVersion: tailor.dev/v1alpha1
kind: Experiment
metadata: {name: report}
spec:
  optimizer: {algorithm: sobol, seed: 1}
  budget: {trials: 12}
  parameters:
  - {name: cpu, type: float, min: 0.1, max: 2, baseline: 1}
  metrics:
  - {name: cost, source: cost_per_hour, goal: minimize}
  - {name: p99, source: latency_p99, goal: minimize, max: 60ms}
  trial:
    command: ["svc"]
    resources: {cpu: "{{.cpu}}", memory: "256Mi"}
    load: {target: {url: "http://{{.addr}}/"}, rate: 10, duration: 1s}
`

// modelRunner answers with a latency that falls with the CPU limit.
type modelRunner struct{}

func (modelRunner) RunTrial(_ context.Context, t experiment.Trial) (experiment.Measurement, error) {
	p99 := 0.05 / math.Min(1, t.Resources.CPUCores)
	if t.Number == 5 {
		return experiment.Measurement{Failure: "OOM-killed"}, nil
	}
	return experiment.Measurement{Metrics: map[string]float64{experiment.LatencyP99: p99}}, nil
}

func results(t *testing.T) *experiment.Results {
	t.Helper()
	exp, err := experiment.Parse([]byte(specYAML))
	if err != nil {
		t.Fatal(err)
	}
	res, err := experiment.Run(context.Background(), exp, modelRunner{}, experiment.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestExperimentTable(t *testing.T) {
	res := results(t)
	var b bytes.Buffer
	if err := WriteExperimentTable(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"TRIAL", "COST", "P99", "failed", "OOM-killed", "infeasible", "Recommended: trial", "B "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	best, _ := res.Recommended()
	// p99 <= 60 ms needs at least 0.05/0.06 = 0.83 cores.
	if cpu := best.Parameters["cpu"].Num; cpu < 0.833 || cpu > 2 {
		t.Errorf("recommended cpu %g", cpu)
	}
}

// The HTML report renders in a real browser (Debian's chromium, headless):
// the page has the Pareto plot as SVG with drawn points, and the trials
// table with one row per trial.
func TestExperimentHTMLInBrowser(t *testing.T) {
	res := results(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := WriteExperimentHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (make browser installs Debian's chromium)")
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(dir, "profile")}
	dom, err := exec.Command(browser, append(args, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	d := string(dom)
	if !strings.Contains(d, "<svg") || strings.Count(d, "<tr class=") != len(res.Trials) || !strings.Contains(d, "Pareto front") {
		t.Errorf("rendered DOM lacks the plot or rows (%d trials):\n%.2000s", len(res.Trials), d)
	}
	shot := filepath.Join(dir, "shot.png")
	if out, err := exec.Command(browser, append(args, "--screenshot="+shot, "--window-size=1000,1200", "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	info, err := os.Stat(shot)
	if err != nil || info.Size() < 20000 {
		t.Errorf("screenshot %v, size %d: the page rendered (nearly) blank", err, sizeOf(info))
	}
	if os.Getenv("TAILOR_KEEP_SCREENSHOT") != "" {
		_ = os.WriteFile(os.Getenv("TAILOR_KEEP_SCREENSHOT"), mustRead(t, shot), 0o644)
	}
}

func sizeOf(info os.FileInfo) int64 {
	if info == nil {
		return 0
	}
	return info.Size()
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
