package gitops

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"tailor.dev/tailor/internal/workload"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	mi = 1 << 20
	gi = 1 << 30
)

// sampleChanges are recommendations for the workloads of testdata/base:
// every kind, init and sidecar containers, values left as they are, a
// memory size that is no whole number of Ki, and two changes that change
// nothing (and so get no patch).
func sampleChanges() []Change {
	return []Change{
		{Kind: Deployment, Namespace: "shop", Name: "web", Containers: []ContainerChange{{
			Name:   "web",
			Before: workload.Resources{CPURequest: 1, CPULimit: 2, MemRequest: gi, MemLimit: gi},
			After:  workload.Resources{CPURequest: 0.25, MemRequest: 512 * mi, MemLimit: 512 * mi},
		}}},
		{Kind: StatefulSet, Namespace: "shop", Name: "db", Containers: []ContainerChange{{
			Name:   "postgres",
			Before: workload.Resources{CPURequest: 0.5, MemRequest: 2 * gi, MemLimit: 4 * gi},
			After:  workload.Resources{CPURequest: 1.5, MemRequest: 3 * gi, MemLimit: 3 * gi},
		}}},
		{Kind: CronJob, Namespace: "batch", Name: "report", Containers: []ContainerChange{{
			Name:   "report",
			Before: workload.Resources{CPURequest: 2, MemRequest: 4 * gi, MemLimit: 4 * gi},
			After:  workload.Resources{CPURequest: 0.1, MemRequest: 300e6, MemLimit: 1.5 * gi},
		}}},
		{Kind: Deployment, Namespace: "shop", Name: "api", Containers: []ContainerChange{
			{
				Name:   "api",
				Before: workload.Resources{CPURequest: 0.8, MemRequest: 512 * mi, MemLimit: 512 * mi},
				After:  workload.Resources{CPURequest: 0.3, MemRequest: 512 * mi},
			},
			{
				Name: "migrate", Init: true,
				Before: workload.Resources{CPURequest: 0.5, MemRequest: gi, MemLimit: gi},
				After:  workload.Resources{MemRequest: 256 * mi, MemLimit: 256 * mi},
			},
			{
				Name: "istio-proxy", Init: true,
				Before: workload.Resources{CPURequest: 0.1, MemRequest: 128 * mi},
				After:  workload.Resources{CPURequest: 0.1, CPULimit: 0.5, MemRequest: 96 * mi},
			},
			{
				Name:   "cache",
				Before: workload.Resources{CPURequest: 0.2, MemRequest: 256 * mi},
				After:  workload.Resources{CPURequest: 0.2001}, // rounds to the same 200m: no change
			},
		}},
		{Kind: DaemonSet, Namespace: "monitoring", Name: "node-exporter", Containers: []ContainerChange{{
			Name:   "node-exporter",
			Before: workload.Resources{CPURequest: 0.25, CPULimit: 0.5, MemRequest: 256 * mi, MemLimit: 256 * mi},
			After:  workload.Resources{CPURequest: 0.05, CPULimit: 0.2, MemRequest: 64 * mi, MemLimit: 128 * mi},
		}}},
		{Kind: Job, Namespace: "batch", Name: "migrate", Containers: []ContainerChange{{
			Name:   "migrate",
			Before: workload.Resources{CPURequest: 1, MemRequest: gi},
			After:  workload.Resources{CPURequest: 0.75, MemRequest: 768 * mi},
		}}},
		{Kind: Deployment, Namespace: "shop", Name: "idle", Containers: []ContainerChange{{
			Name:   "idle",
			Before: workload.Resources{CPURequest: 0.1, MemRequest: 64 * mi},
			After:  workload.Resources{CPURequest: 0.1, MemRequest: 64 * mi},
		}}},
		{Kind: StatefulSet, Namespace: "shop", Name: "queue"},
	}
}

// readTree reads every file under dir into relative slash path -> content.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// filesMap is Files as path -> content.
func filesMap(fs Files) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Path] = string(f.Data)
	}
	return out
}
