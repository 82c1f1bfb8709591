package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"tailor.dev/tailor/internal/experiment"
	"tailor.dev/tailor/internal/optimize"
)

// marks says what a trial is: B baseline, * on the Pareto front, R the
// recommended configuration.
func marks(res *experiment.Results) func(experiment.Record) string {
	front := map[int]bool{}
	for _, r := range res.ParetoFront() {
		front[r.Number] = true
	}
	best, ok := res.Recommended()
	return func(r experiment.Record) string {
		var m string
		if r.Baseline {
			m += "B"
		}
		if front[r.Number] {
			m += "*"
		}
		if ok && best.Number == r.Number {
			m += "R"
		}
		return m
	}
}

// metricCell formats a trial's value of a metric.
func metricCell(r experiment.Record, m experiment.Metric) string {
	v, ok := r.Metrics[m.Source]
	if !ok {
		return "-"
	}
	src, _ := experiment.LookupSource(m.Source)
	return src.Format(v)
}

// WriteExperimentTable prints every trial (parameters, metrics, status),
// then the recommended configuration and its gain over the baseline.
func WriteExperimentTable(w io.Writer, res *experiment.Results) error {
	spec := res.Experiment.Spec
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"TRIAL", ""}
	for _, p := range spec.Parameters {
		head = append(head, p.Name)
	}
	for _, m := range spec.Metrics {
		head = append(head, strings.ToUpper(m.Name))
	}
	head = append(head, "STATUS", "REASON")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	mark := marks(res)
	for _, r := range sortedTrials(res) {
		status, reason := res.Judge(r)
		row := []string{fmt.Sprint(r.Number), mark(r)}
		for _, p := range spec.Parameters {
			row = append(row, paramCell(r.Parameters[p.Name]))
		}
		for _, m := range spec.Metrics {
			row = append(row, metricCell(r, m))
		}
		row = append(row, string(status), oneLine(reason))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeRecommendation(w, res)
}

func writeRecommendation(w io.Writer, res *experiment.Results) error {
	fmt.Fprintf(w, "\n%d of %d trials; B baseline, * Pareto front, R recommended.\n", len(res.Trials), res.Experiment.Spec.Budget.Trials)
	for _, x := range res.Warnings {
		fmt.Fprintln(w, "warning: "+x)
	}
	best, ok := res.Recommended()
	if !ok {
		_, err := fmt.Fprintln(w, "No trial met every bound: nothing to recommend.")
		return err
	}
	fmt.Fprintf(w, "Recommended: trial %d (", best.Number)
	var parts []string
	for _, p := range res.Experiment.Spec.Parameters {
		parts = append(parts, p.Name+"="+paramCell(best.Parameters[p.Name]))
	}
	fmt.Fprintf(w, "%s)\n", strings.Join(parts, ", "))
	for _, g := range res.Gains(best) {
		src, _ := experiment.LookupSource(g.Source)
		change := ""
		if c, ok := g.Change(); ok {
			change = fmt.Sprintf(" (%+.1f%%)", c*100)
		}
		fmt.Fprintf(w, "  %-12s %s -> %s%s\n", g.Metric, src.Format(g.Baseline), src.Format(g.Value), change)
	}
	return nil
}

// paramCell prints a parameter value, floats to 4 significant digits.
func paramCell(v optimize.Value) string {
	if v.Kind == optimize.Float {
		return strconv.FormatFloat(v.Num, 'g', 4, 64)
	}
	return v.String()
}

func sortedTrials(res *experiment.Results) []experiment.Record {
	out := append([]experiment.Record(nil), res.Trials...)
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// ExperimentDoc is the JSON form of an experiment's results.
type ExperimentDoc struct {
	Experiment  string                 `json:"experiment"`
	Budget      int                    `json:"budget"`
	Trials      []ExperimentTrialDoc   `json:"trials"`
	Recommended *int                   `json:"recommended_trial,omitempty"`
	Gains       []experiment.Gain      `json:"gains_over_baseline,omitempty"`
	Warnings    []string               `json:"warnings,omitempty"`
	Metrics     []experiment.Metric    `json:"metrics"`
	Parameters  []experiment.Parameter `json:"parameters"`
}

// ExperimentTrialDoc is one trial with its judgement under the spec.
type ExperimentTrialDoc struct {
	experiment.Record
	Status experiment.Status `json:"status"`
	Reason string            `json:"reason,omitempty"`
	Pareto bool              `json:"pareto,omitempty"`
}

// NewExperimentDoc converts results for encoding.
func NewExperimentDoc(res *experiment.Results) ExperimentDoc {
	spec := res.Experiment.Spec
	d := ExperimentDoc{Experiment: res.Experiment.Metadata.Name, Budget: spec.Budget.Trials, Warnings: res.Warnings,
		Metrics: spec.Metrics, Parameters: spec.Parameters, Trials: []ExperimentTrialDoc{}}
	front := map[int]bool{}
	for _, r := range res.ParetoFront() {
		front[r.Number] = true
	}
	for _, r := range sortedTrials(res) {
		status, reason := res.Judge(r)
		d.Trials = append(d.Trials, ExperimentTrialDoc{Record: r, Status: status, Reason: reason, Pareto: front[r.Number]})
	}
	if best, ok := res.Recommended(); ok {
		n := best.Number
		d.Recommended = &n
		d.Gains = res.Gains(best)
	}
	return d
}

// WriteTrialExport prints a trial's settings: env (KEY=value lines),
// command (one argument per line), resources (a container resources
// block for a Kubernetes manifest) or json (everything).
func WriteTrialExport(w io.Writer, format string, rec experiment.Record, t experiment.Trial) error {
	switch format {
	case "env":
		keys := make([]string, 0, len(t.Env))
		for k := range t.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, err := fmt.Fprintf(w, "%s=%s\n", k, t.Env[k]); err != nil {
				return err
			}
		}
		return nil
	case "command":
		_, err := fmt.Fprintln(w, strings.Join(t.Command, "\n"))
		return err
	case "resources":
		if t.Resources.CPU == "" && t.Resources.Memory == "" {
			return fmt.Errorf("trial %d: the experiment sets no resources", rec.Number)
		}
		var b strings.Builder
		b.WriteString("resources:\n")
		for _, kind := range []string{"requests", "limits"} {
			b.WriteString("  " + kind + ":\n")
			if t.Resources.CPU != "" {
				fmt.Fprintf(&b, "    cpu: %q\n", t.Resources.CPU)
			}
			if t.Resources.Memory != "" {
				fmt.Fprintf(&b, "    memory: %q\n", t.Resources.Memory)
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"trial": rec.Number, "parameters": rec.Parameters, "metrics": rec.Metrics,
		"command": t.Command, "env": t.Env, "resources": t.Resources})
}
