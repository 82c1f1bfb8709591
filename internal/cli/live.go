package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/pflag"

	"tailor.dev/tailor/internal/discovery"
	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/report"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// liveInput selects a cluster and a Prometheus to read.
type liveInput struct {
	kubeconfig, kubeContext string
	prometheusURL           string
	prometheusOnly          bool
	filter                  workload.Filter
	history, step           time.Duration
	end                     string // RFC 3339; "" = now
	progress                string // auto, always, never
}

func (l *liveInput) register(f *pflag.FlagSet) {
	f.StringVar(&l.prometheusURL, "prometheus-url", "", "Prometheus (or Thanos, Mimir) base URL to read usage history from")
	f.BoolVar(&l.prometheusOnly, "prometheus-only", false, "do not contact the cluster: read workloads and current requests from kube-state-metrics series")
	f.StringVar(&l.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&l.kubeContext, "context", "", "kubeconfig context (default: the current context)")
	f.StringSliceVarP(&l.filter.Namespaces, "namespace", "n", nil, "only these namespaces (repeat or comma-separate; default: all)")
	f.StringVarP(&l.filter.LabelSelector, "selector", "l", "", "only workloads whose labels match this selector (e.g. app=web,tier!=db)")
	f.StringSliceVar(&l.filter.Kinds, "kind", nil, "only these workload kinds (deployment, statefulset, daemonset, job, cronjob, ...)")
	f.StringSliceVar(&l.filter.Names, "name", nil, "only workloads with these names")
	f.DurationVar(&l.history, "history", 14*24*time.Hour, "how much usage history to read")
	f.DurationVar(&l.step, "step", 5*time.Minute, "resolution of the usage history")
	f.StringVar(&l.end, "end", "", "end of the history, RFC 3339 (default: now)")
	f.StringVar(&l.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always, never")
}

// set reports whether any flag selects the live path.
func (l liveInput) set() bool {
	return l.prometheusURL != "" || l.prometheusOnly || l.kubeconfig != "" || l.kubeContext != "" ||
		len(l.filter.Namespaces) > 0 || l.filter.LabelSelector != "" || len(l.filter.Kinds) > 0 || len(l.filter.Names) > 0
}

func (l liveInput) check() error {
	switch {
	case l.prometheusURL == "":
		return usagef("--prometheus-url is required to read usage history of a cluster (metrics-server keeps none)")
	case l.prometheusOnly && (l.kubeconfig != "" || l.kubeContext != ""):
		return usagef("--prometheus-only does not contact the cluster: drop --kubeconfig/--context")
	case l.history < time.Hour:
		return usagef("--history %s: want at least 1h", l.history)
	case l.step < time.Second || l.step > l.history:
		return usagef("--step %s: want between 1s and --history", l.step)
	case l.progress != "auto" && l.progress != "always" && l.progress != "never":
		return usagef("--progress %q: want auto, always or never", l.progress)
	}
	if _, err := l.window(); err != nil {
		return err
	}
	if err := l.filter.Validate(); err != nil {
		return usagef("--kind: %v", err)
	}
	return nil
}

func (l liveInput) window() (source.Window, error) {
	end := time.Now()
	if l.end != "" {
		t, err := time.Parse(time.RFC3339, l.end)
		if err != nil {
			return source.Window{}, usagef("--end %q: want RFC 3339, e.g. 2026-11-25T12:00:00Z", l.end)
		}
		end = t
	}
	return source.Window{Start: end.Add(-l.history), End: end}, nil
}

// plan discovers the workloads, scans their namespaces' history and plans.
func (l liveInput) plan(ctx context.Context, b *plan.Builder, opts plan.Options, stderr io.Writer) (plan.Plan, report.PlanHeader, error) {
	w, _ := l.window()
	prom, err := prometheus.New(prometheus.Config{URL: l.prometheusURL})
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	inv, where, err := l.inventory(ctx, prom, w)
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	bar := newProgress(stderr, l.progress, "reading usage history")
	warnings, err := b.Scan(ctx, prom, namespacesOf(inv), source.Query{Window: w, Step: l.step}, bar.update)
	bar.done()
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	p := b.Plan(inv, opts)
	p.Warnings = append(p.Warnings, warnings...)
	p.End = w.End
	h := report.PlanHeader{Source: fmt.Sprintf("%s, history from %s (%d queries)", where, l.prometheusURL, prom.Queries())}
	return p, h, nil
}

// inventory reads the workloads from the cluster, or from kube-state-metrics
// when asked to or when the cluster cannot be reached.
func (l liveInput) inventory(ctx context.Context, prom *prometheus.Source, w source.Window) (workload.Inventory, string, error) {
	var clusterErr error
	if !l.prometheusOnly {
		client, cfg, err := discovery.Client(l.kubeconfig, l.kubeContext)
		if err == nil {
			inv, derr := discovery.Discover(ctx, client, l.filter)
			if derr == nil {
				return inv, "cluster " + cfg.Host, nil
			}
			err = derr
		}
		if ctx.Err() != nil {
			return workload.Inventory{}, "", ctx.Err()
		}
		clusterErr = err
	}
	inv, err := prom.Inventory(ctx, w, l.filter)
	if err != nil {
		if clusterErr != nil {
			return workload.Inventory{}, "", errors.Join(fmt.Errorf("cluster: %w", clusterErr), fmt.Errorf("kube-state-metrics: %w", err))
		}
		return workload.Inventory{}, "", err
	}
	if clusterErr != nil {
		inv.Warnings = append([]string{fmt.Sprintf("cluster not read (%v): workloads and requests from kube-state-metrics", clusterErr)}, inv.Warnings...)
	}
	return inv, "kube-state-metrics at " + l.prometheusURL, nil
}

func namespacesOf(inv workload.Inventory) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range inv.Workloads {
		if !seen[w.Namespace] {
			seen[w.Namespace] = true
			out = append(out, w.Namespace)
		}
	}
	sort.Strings(out)
	return out
}
