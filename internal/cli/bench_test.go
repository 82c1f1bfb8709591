package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
	"time"
)

// benchJSON is the documented shape of bench recommenders -o json.
type benchJSON struct {
	Dataset    string `json:"dataset"`
	Containers int    `json:"containers"`
	Policies   []struct {
		Name                  string  `json:"name"`
		CPUSlackCoreHours     float64 `json:"cpu_slack_core_hours"`
		CPUShortfallCoreHours float64 `json:"cpu_shortfall_core_hours"`
		MemSlackGiBHours      float64 `json:"mem_slack_gib_hours"`
		OOMKills              int     `json:"oom_kills"`
		Changes               int     `json:"changes"`
		CostUSD               float64 `json:"cost_usd"`
		RelativeCPUSlack      float64 `json:"relative_cpu_slack"`
		RelativeMemSlack      float64 `json:"relative_mem_slack"`
	} `json:"policies"`
}

func parseBench(t *testing.T, out string) benchJSON {
	t.Helper()
	var rep benchJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON of the documented shape: %v\n%s", err, out)
	}
	return rep
}

// checkScores asserts the invariants of every score (the numbers themselves
// change as the engine is tuned): finite, non-negative, relative slack in
// [0, 1], cost > 0; and the policy names in order.
func checkScores(t *testing.T, rep benchJSON, names []string) {
	t.Helper()
	var got []string
	for _, p := range rep.Policies {
		got = append(got, p.Name)
		for field, v := range map[string]float64{
			"cpu_slack_core_hours": p.CPUSlackCoreHours, "cpu_shortfall_core_hours": p.CPUShortfallCoreHours,
			"mem_slack_gib_hours": p.MemSlackGiBHours, "oom_kills": float64(p.OOMKills),
			"changes": float64(p.Changes), "cost_usd": p.CostUSD,
			"relative_cpu_slack": p.RelativeCPUSlack, "relative_mem_slack": p.RelativeMemSlack,
		} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Errorf("%s: %s = %v, want finite and >= 0", p.Name, field, v)
			}
		}
		if p.RelativeCPUSlack > 1 || p.RelativeMemSlack > 1 {
			t.Errorf("%s: relative slack cpu %v, memory %v: want <= 1", p.Name, p.RelativeCPUSlack, p.RelativeMemSlack)
		}
		if p.CostUSD <= 0 {
			t.Errorf("%s: cost %v, want > 0", p.Name, p.CostUSD)
		}
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("policies %v, want %v", got, names)
	}
}

func TestBenchGoogleJSON(t *testing.T) {
	data := shareddata.Dir(t, "google-2019-tasks")
	r := run("bench", "recommenders", "--data", data, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	rep := parseBench(t, r.stdout)
	if rep.Dataset != "google-2019-tasks" || rep.Containers != 13 {
		t.Errorf("dataset %q with %d containers, want google-2019-tasks with 13", rep.Dataset, rep.Containers)
	}
	checkScores(t, rep, []string{"tailor", "vpa", "krr", "autopilot", "manual"})
}

// A sweep with --out and --plot on the synthetic trace: the JSON goes to the
// file (same bytes as stdout would get), the SVG is well-formed and names
// every policy and the sweep.
func TestBenchOutAndPlot(t *testing.T) {
	data := syntheticTrace(t)
	args := []string{"bench", "recommenders", "--data", data, "-o", "json", "--sweep", "cpu.margin=0,0.2"}
	want := run(args...)
	if want.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", want.code, want.stderr)
	}
	dir := t.TempDir()
	out, plot := filepath.Join(dir, "bench.json"), filepath.Join(dir, "tradeoffs.svg")
	r := run(append(args, "--out", out, "--plot", plot)...)
	if r.code != ExitOK || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.stdout {
		t.Errorf("--out file differs from stdout")
	}
	checkScores(t, parseBench(t, string(got)),
		[]string{"tailor", "vpa", "krr", "autopilot", "manual", "tailor[cpu.margin=0]", "tailor[cpu.margin=0.2]"})
	svg, err := os.ReadFile(plot)
	if err != nil {
		t.Fatal(err)
	}
	texts := svgText(t, svg)
	for _, w := range []string{"synthetic.csv", "tailor", "vpa", "krr", "autopilot", "manual", "cpu.margin=0", "0.2", "CPU slack (core-h)", "OOM kills"} {
		if !strings.Contains(texts, w) {
			t.Errorf("SVG has no text %q", w)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("output folder holds %d entries, want the two outputs only", len(entries))
	}
}

// svgText checks that svg is well-formed XML and returns all its text.
func svgText(t *testing.T, svg []byte) string {
	t.Helper()
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
			b.WriteByte('\n')
		}
	}
}

func TestBenchTableOut(t *testing.T) {
	data := syntheticTrace(t)
	path := filepath.Join(t.TempDir(), "bench.txt")
	r := run("bench", "recommenders", "--data", data, "--policies", "tailor,manual", "--out", path)
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(path)
	for _, w := range []string{"POLICY", "tailor", "manual", "2 containers"} {
		if !strings.Contains(string(got), w) {
			t.Errorf("table has no %q:\n%s", w, got)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{24 * time.Hour: "24h", 40 * time.Hour: "40h", 90 * time.Minute: "90m", 1500 * time.Millisecond: "1.5s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
