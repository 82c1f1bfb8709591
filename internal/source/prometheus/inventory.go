package prometheus

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	k8slabels "k8s.io/apimachinery/pkg/labels"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/workload"
)

// kube-state-metrics families read by Inventory, besides MetricPodOwner,
// MetricRSOwner, MetricRequests and MetricLimits.
const (
	MetricJobOwner           = "kube_job_owner"
	MetricPodCreated         = "kube_pod_created"
	MetricContainerInfo      = "kube_pod_container_info"
	MetricInitInfo           = "kube_pod_init_container_info"
	MetricInitRequests       = "kube_pod_init_container_resource_requests"
	MetricInitLimits         = "kube_pod_init_container_resource_limits"
	MetricHPAInfo            = "kube_horizontalpodautoscaler_info"
	MetricHPAMinReplicas     = "kube_horizontalpodautoscaler_spec_min_replicas"
	MetricHPAMaxReplicas     = "kube_horizontalpodautoscaler_spec_max_replicas"
	MetricHPATarget          = "kube_horizontalpodautoscaler_spec_target_metric"
	MetricHPAContainerTarget = "kube_horizontalpodautoscaler_spec_target_container_metric"
	MetricHPAObjectTarget    = "kube_horizontalpodautoscaler_spec_target_object_metric"
	MetricLimitRange         = "kube_limitrange"
	MetricNodeAllocatable    = "kube_node_status_allocatable"
)

// InventoryLookback is the window Inventory reads when its Start is zero:
// a series last seen longer ago than that before the end is gone.
const InventoryLookback = 10 * time.Minute

// kindSeries are, per workload kind, the label naming the object in its
// kube-state-metrics series, and its labels and replica-count families.
var kindSeries = []struct{ kind, label, labels, replicas string }{
	{workload.KindDeployment, "deployment", "kube_deployment_labels", "kube_deployment_spec_replicas"},
	{workload.KindStatefulSet, "statefulset", "kube_statefulset_labels", "kube_statefulset_replicas"},
	{workload.KindDaemonSet, "daemonset", "kube_daemonset_labels", "kube_daemonset_status_desired_number_scheduled"},
	{workload.KindReplicaSet, "replicaset", "kube_replicaset_labels", "kube_replicaset_spec_replicas"},
	{workload.KindJob, "job_name", "kube_job_labels", "kube_job_spec_parallelism"},
	{workload.KindCronJob, "cronjob", "kube_cronjob_labels", ""},
	{workload.KindPod, "pod", "kube_pod_labels", ""},
}

// kindLabel tags each series of the union queries with its workload kind.
const kindLabel = "tailor_kind"

// Inventory reads the workloads selected by f from kube-state-metrics
// series, for when there is no cluster access (Mode "prometheus").
//
// Every series is read at w.End (zero: now) as its last value in w (zero
// Start: InventoryLookback before the end), with one query per metric
// family for all selected namespaces at once (20 queries, whatever the
// number of pods). A workload is anything owning a pod with a
// kube_pod_owner series in the window:
//
//   - pods resolve to workloads through kube_pod_owner,
//     kube_replicaset_owner and kube_job_owner (controller owners only)
//     with workload.Owners, as in cluster discovery: a ReplicaSet's pods
//     belong to its Deployment, a Job's to its CronJob, a pod whose owner is
//     "<none>" is a bare Pod;
//   - containers, with their requests and limits (cores, bytes; from
//     kube_pod_[init_]container_resource_requests and _limits), are those
//     of the workload's newest pod (kube_pod_created, then name), so a rollout in the window
//     reports the new template; kube_pod_[init_]container_info adds the
//     containers without resources and marks sidecars (restart_policy
//     "Always"). Init and sidecar containers come first, then main
//     containers, each by name (series do not keep the spec's order);
//   - Replicas come from kube_deployment_spec_replicas,
//     kube_statefulset_replicas, kube_replicaset_spec_replicas,
//     kube_daemonset_status_desired_number_scheduled and
//     kube_job_spec_parallelism (a CronJob: that of its newest pod's Job),
//     else the number of pods seen in the window;
//   - Labels come from kube_<kind>_labels (bare pods and custom controllers:
//     their newest pod's kube_pod_labels) without the "label_" prefix, with
//     kube-state-metrics' sanitized names (app.kubernetes.io/name becomes
//     app_kubernetes_io_name); the filter's selector is sanitized alike.
//     kube-state-metrics only exports labels in --metric-labels-allowlist;
//   - HPAs come from kube_horizontalpodautoscaler_info (scaleTargetRef),
//     _spec_min/max_replicas and _spec_target_metric (metric name cpu or
//     memory: Resource; else Pods for an average target, External for a
//     value: the series does not tell them apart),
//     _spec_target_container_metric (ContainerResource) and
//     _spec_target_object_metric (Object);
//   - clamps come from kube_limitrange (type Container) and
//     kube_node_status_allocatable.
//
// It fails, wrapping ErrNoMetrics, when the window holds no kube_pod_owner
// series, or no container series for the pods.
func (s *Source) Inventory(ctx context.Context, w source.Window, f workload.Filter) (workload.Inventory, error) {
	if err := f.Validate(); err != nil {
		return workload.Inventory{}, fmt.Errorf("prometheus inventory: %w", err)
	}
	sel, err := sanitizedSelector(f.LabelSelector)
	if err != nil {
		return workload.Inventory{}, fmt.Errorf("prometheus inventory: label selector: %w", err)
	}
	if w.End.IsZero() {
		w.End = time.Now()
	}
	if w.Start.IsZero() || !w.Start.Before(w.End) {
		w.Start = w.End.Add(-InventoryLookback)
	}
	r := &inventoryReader{s: s, w: w, namespaces: f.Namespaces, data: newInventoryData()}
	if err := r.read(ctx); err != nil {
		return workload.Inventory{}, err
	}
	inv := r.data.assemble(f, sel)
	if f.LabelSelector != "" && !r.data.sawLabels {
		inv.Warnings = append(inv.Warnings, fmt.Sprintf("label selector %q: no kube_*_labels series carries a label "+
			"(kube-state-metrics exports labels listed in --metric-labels-allowlist only)", f.LabelSelector))
	}
	return inv, nil
}

// inventoryReader issues Inventory's queries and folds their results.
type inventoryReader struct {
	s          *Source
	w          source.Window
	namespaces []string
	data       *inventoryData
}

// read issues one query per family: owners first (no pod is an error),
// then containers, labels and replicas, HPAs, LimitRanges and nodes.
func (r *inventoryReader) read(ctx context.Context) error {
	v, err := r.last(ctx, MetricPodOwner, "", "namespace,pod,owner_kind,owner_name,owner_is_controller")
	if err != nil {
		return err
	}
	if r.data.addPods(v); len(r.data.pods) == 0 {
		return r.missing(MetricPodOwner)
	}
	for _, step := range [][]fold{r.ownerFolds(), r.containerFolds(), r.objectFolds(), r.hpaFolds(), r.clampFolds()} {
		for _, f := range step {
			v, err := r.s.instant(ctx, f.expr, r.w.End)
			if err != nil {
				return err
			}
			f.add(v)
		}
	}
	if !r.data.hasContainers() {
		return r.missing(MetricContainerInfo + " or " + MetricRequests)
	}
	return nil
}

// fold is one query and what to do with its result.
type fold struct {
	expr string
	add  func(model.Vector)
}

// missing is the error for a window without any series of family.
func (r *inventoryReader) missing(family string) error {
	where := ""
	if len(r.namespaces) > 0 {
		where = " in namespaces " + strings.Join(r.namespaces, ", ")
	}
	return fmt.Errorf("prometheus at %s: no %s series%s between %s and %s (is kube-state-metrics scraped?): %w",
		r.s.cfg.URL, family, where, r.w.Start.Format(time.RFC3339), r.w.End.Format(time.RFC3339), ErrNoMetrics)
}

// expr is `max by (BY) (last_over_time(METRIC{NS,MATCHERS}[WINDOW]))`.
func (r *inventoryReader) expr(metric, matchers, by string) string {
	return fmt.Sprintf(`max by (%s) (last_over_time(%s{%s}[%s]))`, by, metric, r.matchers(matchers), promDuration(r.w.End.Sub(r.w.Start)))
}

func (r *inventoryReader) last(ctx context.Context, metric, matchers, by string) (model.Vector, error) {
	return r.s.instant(ctx, r.expr(metric, matchers, by), r.w.End)
}

// matchers adds the namespace matcher of the filter to extra.
func (r *inventoryReader) matchers(extra string) string {
	if len(r.namespaces) == 0 {
		return extra
	}
	quoted := make([]string, len(r.namespaces))
	for i, ns := range r.namespaces {
		quoted[i] = regexp.QuoteMeta(ns)
	}
	m := fmt.Sprintf(`namespace=~%q`, strings.Join(quoted, "|"))
	if extra != "" {
		m += "," + extra
	}
	return m
}

// union is one query over several families, each series tagged with the
// kind of its family in kindLabel.
func (r *inventoryReader) union(family func(kind, label, labels, replicas string) string, aggregate bool) string {
	var parts []string
	for _, k := range kindSeries {
		name := family(k.kind, k.label, k.labels, k.replicas)
		if name == "" {
			continue
		}
		e := fmt.Sprintf(`last_over_time(%s{%s}[%s])`, name, r.matchers(""), promDuration(r.w.End.Sub(r.w.Start)))
		if aggregate {
			e = fmt.Sprintf(`max by (namespace,%s) (%s)`, k.label, e)
		}
		parts = append(parts, fmt.Sprintf(`label_replace(%s, %q, %q, "", "")`, e, kindLabel, k.kind))
	}
	return strings.Join(parts, " or ")
}

func (r *inventoryReader) ownerFolds() []fold {
	const by = "owner_kind,owner_name,owner_is_controller"
	return []fold{
		{r.expr(MetricRSOwner, "", "namespace,replicaset,"+by), func(v model.Vector) { r.data.addOwners(v, "replicaset", r.data.owners.ReplicaSets) }},
		{r.expr(MetricJobOwner, "", "namespace,job_name,"+by), func(v model.Vector) { r.data.addOwners(v, "job_name", r.data.owners.Jobs) }},
		{r.expr(MetricPodCreated, "", "namespace,pod"), r.data.addCreated},
	}
}

func (r *inventoryReader) containerFolds() []fold {
	const by, res = "namespace,pod,container", `resource=~"cpu|memory"`
	return []fold{
		{r.expr(MetricContainerInfo, "", by), func(v model.Vector) { r.data.addContainers(v, workload.RoleMain) }},
		{r.expr(MetricInitInfo, "", by+",restart_policy"), func(v model.Vector) { r.data.addContainers(v, workload.RoleInit) }},
		{r.expr(MetricRequests, res, by+",resource"), func(v model.Vector) { r.data.addResources(v, workload.RoleMain, false) }},
		{r.expr(MetricLimits, res, by+",resource"), func(v model.Vector) { r.data.addResources(v, workload.RoleMain, true) }},
		{r.expr(MetricInitRequests, res, by+",resource"), func(v model.Vector) { r.data.addResources(v, workload.RoleInit, false) }},
		{r.expr(MetricInitLimits, res, by+",resource"), func(v model.Vector) { r.data.addResources(v, workload.RoleInit, true) }},
	}
}

// objectFolds read the workloads' labels and replica counts.
func (r *inventoryReader) objectFolds() []fold {
	labelsOf := func(_, _, labels, _ string) string { return labels }
	replicasOf := func(_, _, _, replicas string) string { return replicas }
	return []fold{
		{r.union(labelsOf, false), r.data.addLabels},
		{r.union(replicasOf, true), r.data.addReplicas},
	}
}

func (r *inventoryReader) hpaFolds() []fold {
	const by = "namespace,horizontalpodautoscaler"
	target := by + ",metric_name,metric_target_type"
	return []fold{
		{r.expr(MetricHPAInfo, "", by+",scaletargetref_kind,scaletargetref_name"), r.data.addHPAInfo},
		{r.expr(MetricHPAMinReplicas, "", by), func(v model.Vector) { r.data.addHPAReplicas(v, false) }},
		{r.expr(MetricHPAMaxReplicas, "", by), func(v model.Vector) { r.data.addHPAReplicas(v, true) }},
		{r.expr(MetricHPATarget, "", target), func(v model.Vector) { r.data.addHPAMetrics(v, "") }},
		{r.expr(MetricHPAContainerTarget, "", target+",container_name"), func(v model.Vector) {
			r.data.addHPAMetrics(v, workload.MetricContainerResource)
		}},
		{r.expr(MetricHPAObjectTarget, "", target), func(v model.Vector) { r.data.addHPAMetrics(v, workload.MetricObject) }},
	}
}

// clampFolds read LimitRanges (selected namespaces) and node allocatable
// (every node).
func (r *inventoryReader) clampFolds() []fold {
	nodes := fmt.Sprintf(`max by (node,resource) (last_over_time(%s{resource=~"cpu|memory"}[%s]))`,
		MetricNodeAllocatable, promDuration(r.w.End.Sub(r.w.Start)))
	return []fold{
		{r.expr(MetricLimitRange, `type="Container",resource=~"cpu|memory"`, "namespace,limitrange,resource,constraint"), r.data.addLimitRanges},
		{nodes, r.data.addNodes},
	}
}

// sanitizedSelector parses a label selector and renames its keys as
// kube-state-metrics renames label names (app.kubernetes.io/name ->
// app_kubernetes_io_name), to match Workload.Labels in this mode.
func sanitizedSelector(s string) (k8slabels.Selector, error) {
	parsed, err := k8slabels.Parse(s)
	if err != nil {
		return nil, err
	}
	reqs, _ := parsed.Requirements()
	out := k8slabels.NewSelector()
	for _, req := range reqs {
		r, err := k8slabels.NewRequirement(sanitizeLabel(req.Key()), req.Operator(), req.ValuesUnsorted())
		if err != nil {
			return nil, err
		}
		out = out.Add(*r)
	}
	return out, nil
}

var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// sanitizeLabel is kube-state-metrics' label-name sanitizing.
func sanitizeLabel(s string) string { return invalidLabelChars.ReplaceAllString(s, "_") }
