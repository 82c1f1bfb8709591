package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/report"
)

func TestRecommendDemoTableGolden(t *testing.T) {
	r := run("recommend", "--demo")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Google cluster-data 2019") || !strings.Contains(r.stdout, "CC-BY 4.0") {
		t.Errorf("no attribution line in\n%s", r.stdout)
	}
	golden(t, "recommend-demo.golden", r.stdout)
}

// recommendJSON is the documented shape of recommend -o json.
type recommendJSON struct {
	Source          string `json:"source"`
	Format          string `json:"format"`
	Attribution     string `json:"attribution"`
	Recommendations []struct {
		Namespace   string              `json:"namespace"`
		Workload    string              `json:"workload"`
		Container   string              `json:"container"`
		Current     report.ResourcesDoc `json:"current"`
		Recommended report.ResourcesDoc `json:"recommended"`
		Reasons     []report.ReasonDoc  `json:"reasons"`
	} `json:"recommendations"`
}

func TestRecommendDemoJSON(t *testing.T) {
	r := run("recommend", "--demo", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var rep recommendJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("output is not JSON of the documented shape: %v\n%s", err, r.stdout)
	}
	if rep.Source == "" || rep.Format == "" || !strings.Contains(rep.Attribution, "CC-BY 4.0") {
		t.Errorf("source %q, format %q, attribution %q", rep.Source, rep.Format, rep.Attribution)
	}
	if len(rep.Recommendations) == 0 {
		t.Fatal("no recommendations")
	}
	for _, c := range rep.Recommendations {
		name := c.Namespace + "/" + c.Workload + "/" + c.Container
		rec := c.Recommended
		if c.Workload == "" || c.Container == "" {
			t.Errorf("%s: empty workload or container", name)
		}
		if rec.CPURequest == nil || *rec.CPURequest <= 0 {
			t.Errorf("%s: recommended CPU request %v, want > 0", name, rec.CPURequest)
		}
		if rec.MemRequest == nil || rec.MemLimit == nil || *rec.MemRequest <= 0 || *rec.MemLimit != *rec.MemRequest {
			t.Errorf("%s: recommended memory request %v, limit %v: want limit = request > 0", name, rec.MemRequest, rec.MemLimit)
		}
		if c.Current.CPURequest == nil || c.Current.MemRequest == nil {
			t.Errorf("%s: current values missing: %+v", name, c.Current)
		}
		if len(c.Reasons) == 0 {
			t.Errorf("%s: no reasons", name)
		}
	}
}

// --out writes exactly what stdout would show, and nothing to stdout.
func TestRecommendOut(t *testing.T) {
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			want := run("recommend", "--demo", "-o", format)
			dir := t.TempDir()
			path := filepath.Join(dir, "recs."+format)
			r := run("recommend", "--demo", "-o", format, "--out", path)
			if r.code != ExitOK || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.stdout {
				t.Errorf("--out file differs from stdout:\n%s\n---\n%s", got, want.stdout)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("output folder holds %d entries, want only the output file", len(entries))
			}
		})
	}
}

// --out replaces an existing file.
func TestRecommendOutReplaces(t *testing.T) {
	path := writeFile(t, t.TempDir(), "recs.txt", "old content that is longer than nothing\n")
	if r := run("recommend", "--demo", "-o", "json", "--out", path); r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(path)
	if !json.Valid(got) {
		t.Errorf("replaced file is not JSON:\n%s", got)
	}
}

// --node-type packs the replicas before and after onto nodes of a pool
// read from an instance-type table (here a synthetic one in the table's
// format).
func TestRecommendNodes(t *testing.T) {
	dir := t.TempDir()
	table := writeFile(t, dir, "types.csv", "instance_type,arch,vcpu,memory_mib,alloc_cpu_millicores,alloc_memory_mib,alloc_pods,ondemand_linux_usd_per_hour_us_east_1\n"+
		"t.small,amd64,2,8192,1930,7000,29,0.1\nt.big,amd64,4,16384,3920,14000,58,0.2\n")
	r := run("recommend", "--demo", "--node-type", "t.small,t.big", "--instance-types", table, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc report.PlanDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Nodes == nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	// Before: the 2332m task needs the big node, the three 104m tasks fit beside it. After
	// (1618m and 3 x 13m) one small node holds everything.
	if doc.Nodes.Before.ByType["t.big"] != 1 || doc.Nodes.Before.Nodes != 1 || doc.Nodes.After.ByType["t.small"] != 1 || doc.Nodes.After.Nodes != 1 {
		t.Errorf("nodes %+v", doc.Nodes)
	}
	checkFailure(t, run("recommend", "--demo", "--node-type", "t.huge", "--instance-types", table), ExitUsage, "t.huge")
	checkFailure(t, run("recommend", "--demo", "--instance-types", table), ExitUsage, "--instance-types needs --node-type")
}
