package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/gitops"
	"tailor.dev/tailor/internal/report"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

type exportOptions struct {
	rec       recommendOptions // where the recommendations come from, unless from is set
	from      string           // a saved `tailor recommend -o json` report
	format    string
	out       string
	overwrite bool
	resources []string
	gitRepo   string
	branch    string
	gitDir    string
	message   string
}

func newExportCmd(stdout, stderr io.Writer) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the recommendations as kustomize patches, to a folder or as one commit on a Git branch",
		Long: "Export turns recommendations into one strategic-merge patch per workload plus a kustomization.yaml\n" +
			"(docs/formats/export.md). The recommendations come from a saved report (--from recs.json, written by\n" +
			"`tailor recommend -o json`) or are computed with the same flags as `tailor recommend`. With --out the\n" +
			"files go to a folder (written atomically); with --git they are committed to a branch of a local\n" +
			"repository without touching its checkout. Resources that an HPA scales on, and containers without\n" +
			"history, are left as they are.",
		Example: "  tailor recommend --prometheus-url http://prometheus:9090 -n shop -o json --out recs.json\n" +
			"  tailor export --from recs.json --out deploy/tailor --resources ../base\n" +
			"  tailor export --from recs.json --git . --branch tailor/right-size",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "a report written by `tailor recommend -o json`")
	f.BoolVar(&o.rec.in.demo, "demo", false, "recommend from the embedded demo trace")
	f.StringVar(&o.rec.in.path, "trace", "", "recommend from a trace file or folder")
	f.StringVar(&o.rec.in.format, "trace-format", "", "trace format: "+strings.Join(trace.Formats, ", ")+" (default: detect)")
	o.rec.live.register(f)
	f.StringVar(&o.rec.prices, "prices", "", "OpenCost pricing JSON, for the commit message's figures")
	f.StringVar(&o.format, "format", "kustomize", "output format: kustomize")
	f.StringVar(&o.out, "out", "", "write the patches and kustomization.yaml to this folder")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace a folder an earlier export wrote")
	f.StringSliceVar(&o.resources, "resources", nil, "entries of the kustomization's resources: (your base, e.g. ../base)")
	f.StringVar(&o.gitRepo, "git", "", "commit the files to a branch of this local Git repository")
	f.StringVar(&o.branch, "branch", "", "the branch to commit to (created from HEAD if missing; not the checked-out one)")
	f.StringVar(&o.gitDir, "dir", gitops.DefaultGitDir, "folder inside the repository for the files")
	f.StringVar(&o.message, "message", "", "commit message (default: a summary and one line per container)")
	return cmd
}

func (o exportOptions) check() error {
	switch {
	case o.format != "kustomize":
		return usagef("--format %q: want kustomize", o.format)
	case (o.out == "") == (o.gitRepo == ""):
		return usagef("give exactly one of --out DIR and --git REPO")
	case o.gitRepo != "" && o.branch == "":
		return usagef("--git needs --branch")
	case o.gitRepo == "" && (o.branch != "" || o.message != ""):
		return usagef("--branch and --message go with --git")
	case o.from != "" && (o.rec.in.demo || o.rec.in.path != "" || o.rec.live.set()):
		return usagef("--from reads a saved report: drop the recommend flags")
	case o.from == "":
		o.rec.output = "table"
		return o.rec.check()
	}
	return nil
}

func runExport(ctx context.Context, o exportOptions, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	doc, incomplete, err := o.report(ctx, stderr)
	if err != nil {
		return err
	}
	changes, skipped, err := changesOf(doc)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(stderr, "tailor: skipped:", s)
	}
	kopts := gitops.KustomizeOptions{Resources: o.resources}
	if o.gitRepo != "" {
		hash, err := gitops.CommitGit(o.gitRepo, o.branch, changes, gitops.GitOptions{KustomizeOptions: kopts, Dir: o.gitDir, Message: o.message})
		if errors.Is(err, gitops.ErrNoChanges) {
			fmt.Fprintln(stdout, "nothing to export: the branch already holds these recommendations, or none changes anything")
			return incomplete
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "committed %d workloads to %s as %s\n", len(changes), o.branch, hash)
		return incomplete
	}
	files, err := gitops.WriteKustomize(o.out, changes, gitops.WriteOptions{KustomizeOptions: kopts, Overwrite: o.overwrite})
	if errors.Is(err, gitops.ErrNoChanges) {
		fmt.Fprintln(stdout, "nothing to export: no recommendation changes anything")
		return incomplete
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files for %d workloads to %s\n", len(files), len(changes), o.out)
	return incomplete
}

// report loads --from or computes the plan; incomplete is the recommend
// path's exit-3 error, returned after a successful export.
func (o exportOptions) report(ctx context.Context, stderr io.Writer) (report.PlanDoc, error, error) {
	if o.from != "" {
		data, err := os.ReadFile(o.from)
		if err != nil {
			return report.PlanDoc{}, nil, fmt.Errorf("--from: %w", err)
		}
		var doc report.PlanDoc
		if err := json.Unmarshal(data, &doc); err != nil {
			return report.PlanDoc{}, nil, fmt.Errorf("--from %s: not a `tailor recommend -o json` report: %w", o.from, err)
		}
		return doc, nil, nil
	}
	p, h, err := buildPlan(ctx, o.rec, stderr)
	if err != nil {
		return report.PlanDoc{}, nil, err
	}
	var incomplete error
	if len(p.Warnings) > 0 {
		incomplete = fmt.Errorf("%w: %s", errIncomplete, strings.Join(p.Warnings, "; "))
	}
	return report.NewPlanDoc(p, h), incomplete, nil
}

// changesOf groups the report's rows per workload. Rows of kinds that
// cannot be patched (bare pods, trace-file workloads) are skipped with a
// reason; rows that recommend nothing give no container change.
func changesOf(doc report.PlanDoc) ([]gitops.Change, []string, error) {
	byKey := map[string]*gitops.Change{}
	var order []string
	var skipped []string
	for i, r := range doc.Recommendations {
		kind := gitops.Kind(r.Kind)
		if !patchable(kind) {
			skipped = append(skipped, fmt.Sprintf("%s %s/%s: kind %q cannot be patched", orDash(r.Kind), r.Namespace, r.Workload, r.Kind))
			continue
		}
		if r.Namespace == "" || r.Workload == "" || r.Container == "" {
			return nil, nil, fmt.Errorf("report row %d: namespace, workload and container are required", i)
		}
		key := r.Kind + "/" + r.Namespace + "/" + r.Workload
		c := byKey[key]
		if c == nil {
			c = &gitops.Change{Kind: kind, Namespace: r.Namespace, Name: r.Workload}
			byKey[key] = c
			order = append(order, key)
		}
		c.Containers = append(c.Containers, gitops.ContainerChange{Name: r.Container,
			Init:   r.Role == string(workload.RoleInit) || r.Role == string(workload.RoleSidecar),
			Before: resources(r.Current), After: resources(r.Recommended)})
	}
	changes := make([]gitops.Change, 0, len(order))
	for _, k := range order {
		changes = append(changes, *byKey[k])
	}
	return changes, skipped, nil
}

func patchable(k gitops.Kind) bool {
	switch k {
	case gitops.Deployment, gitops.StatefulSet, gitops.DaemonSet, gitops.Job, gitops.CronJob:
		return true
	}
	return false
}

func resources(d report.ResourcesDoc) workload.Resources {
	v := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return workload.Resources{CPURequest: v(d.CPURequest), CPULimit: v(d.CPULimit), MemRequest: v(d.MemRequest), MemLimit: v(d.MemLimit)}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
