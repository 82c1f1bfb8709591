package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"tailor.dev/tailor/internal/workload"
)

// Filter selects what Discover returns (see workload.Filter). The label
// selector is sent to the API server with every workload and pod list.
type Filter = workload.Filter

// pageSize is the number of objects asked for per list call (Limit); the
// next page is fetched with the Continue token of the previous one.
var pageSize int64 = 500

// probeTimeout bounds the first request, which tells an unreachable server
// from a reachable one before anything is listed.
const probeTimeout = 10 * time.Second

// Discover lists the workloads selected by f with their containers and HPAs,
// and the clamps (LimitRanges, largest node) of the selected namespaces.
// Lists the client may not make become Inventory.Warnings; an unreachable
// server, or any other failed request, is an error naming the server.
func Discover(ctx context.Context, client kubernetes.Interface, f Filter) (workload.Inventory, error) {
	if err := f.Validate(); err != nil {
		return workload.Inventory{}, fmt.Errorf("discover: %w", err)
	}
	if _, err := labels.Parse(f.LabelSelector); err != nil {
		return workload.Inventory{}, fmt.Errorf("discover: label selector: %w", err)
	}
	d := newDiscoverer(client, f)
	if err := d.probe(ctx); err != nil {
		return workload.Inventory{}, err
	}
	steps := []func(context.Context) error{d.replicaSets, d.jobs, d.controllers, d.pods, d.hpas, d.limitRanges, d.nodes}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return workload.Inventory{}, err
		}
	}
	return d.inventory(), nil
}

// discoverer accumulates one Discover call's results.
type discoverer struct {
	client      kubernetes.Interface
	filter      Filter
	server      string   // the API server's URL, for errors
	namespaces  []string // the namespaces to list in; "" = all
	custom      bool     // also report workloads of other controllers, through their pods
	owners      workload.Owners
	workloads   map[string]*workload.Workload // by Key
	groups      map[string]*podGroup          // workloads of other controllers, by Key
	autoscalers []targetedHPA
	clamps      workload.Clamps
	warnings    []string
}

func newDiscoverer(client kubernetes.Interface, f Filter) *discoverer {
	d := &discoverer{
		client: client, filter: f, server: serverURL(client), namespaces: f.Namespaces, custom: len(f.Kinds) == 0,
		owners:    workload.Owners{ReplicaSets: map[string]workload.Owner{}, Jobs: map[string]workload.Owner{}},
		workloads: map[string]*workload.Workload{}, groups: map[string]*podGroup{},
		clamps: workload.Clamps{LimitRanges: map[string]workload.LimitRange{}},
	}
	if len(d.namespaces) == 0 {
		d.namespaces = []string{metav1.NamespaceAll}
	}
	return d
}

// probe gets /version, so an unreachable server fails fast, with its URL.
func (d *discoverer) probe(ctx context.Context) error {
	rc := restClient(d.client)
	if rc == nil {
		return nil // a client without a server (client-go's fake) has nothing to probe
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	err := rc.Get().AbsPath("/version").Do(pctx).Error()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("discover: %w", ctx.Err())
	case unreachable(err):
		return fmt.Errorf("kubernetes API server at %s unreachable: %w", d.server, err)
	}
	return fmt.Errorf("kubernetes API server at %s: get /version: %w", d.server, err)
}

// listing is one resource to page through.
type listing struct {
	resource   string // plural lower-case name, for warnings and errors
	namespaced bool
	selector   bool // send the filter's label selector
	page       func(namespace string) pager.ListPageFunc
	add        func(runtime.Object) error
}

// list pages through l in every selected namespace (once for a
// cluster-scoped resource), pageSize objects at a time.
func (d *discoverer) list(ctx context.Context, l listing) error {
	namespaces := d.namespaces
	if !l.namespaced {
		namespaces = []string{metav1.NamespaceAll}
	}
	opts := metav1.ListOptions{}
	if l.selector {
		opts.LabelSelector = d.filter.LabelSelector
	}
	for _, ns := range namespaces {
		p := pager.New(l.page(ns))
		p.PageSize = pageSize
		if err := p.EachListItem(ctx, opts, l.add); err != nil {
			if err := d.failed(ctx, err, l, ns); err != nil {
				return err
			}
		}
	}
	return nil
}

// failed turns a list error into a warning (forbidden) or an error.
func (d *discoverer) failed(ctx context.Context, err error, l listing, ns string) error {
	where := "in namespace " + ns
	switch {
	case !l.namespaced:
		where = "(cluster-scoped)"
	case ns == metav1.NamespaceAll:
		where = "in all namespaces"
	}
	switch {
	case apierrors.IsForbidden(err):
		d.warnings = append(d.warnings, fmt.Sprintf("forbidden: list %s %s", l.resource, where))
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("discover: list %s %s: %w", l.resource, where, ctx.Err())
	case unreachable(err):
		return fmt.Errorf("kubernetes API server at %s unreachable: list %s %s: %w", d.server, l.resource, where, err)
	}
	return fmt.Errorf("kubernetes API server at %s: list %s %s: %w", d.server, l.resource, where, err)
}

// pageFunc adapts a typed client's List method to the pager.
func pageFunc[L runtime.Object](list func(context.Context, metav1.ListOptions) (L, error)) pager.ListPageFunc {
	return func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return list(ctx, o) }
}

// each adapts a function of one typed item to the pager.
func each[T runtime.Object](f func(T)) func(runtime.Object) error {
	return func(o runtime.Object) error {
		f(o.(T))
		return nil
	}
}

// replicaSets records each ReplicaSet's controller and reports the
// ReplicaSets that have none.
func (d *discoverer) replicaSets(ctx context.Context) error {
	if !d.filter.MatchKind(workload.KindReplicaSet) {
		return nil
	}
	return d.list(ctx, listing{resource: "replicasets", namespaced: true, selector: true,
		page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.AppsV1().ReplicaSets(ns).List) },
		add: each(func(rs *appsv1.ReplicaSet) {
			if c := metav1.GetControllerOf(rs); c != nil {
				d.owners.ReplicaSets[rs.Namespace+"/"+rs.Name] = workload.Owner{Kind: c.Kind, Name: c.Name}
				return
			}
			d.add(workload.KindReplicaSet, rs.ObjectMeta, replicas(rs.Spec.Replicas), &rs.Spec.Template.Spec)
		})})
}

// jobs records each Job's controller (a CronJob's Jobs appear as the
// CronJob) and reports the Jobs that have none.
func (d *discoverer) jobs(ctx context.Context) error {
	if !d.filter.MatchKind(workload.KindJob) {
		return nil
	}
	return d.list(ctx, listing{resource: "jobs", namespaced: true, selector: true,
		page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.BatchV1().Jobs(ns).List) },
		add: each(func(j *batchv1.Job) {
			if c := metav1.GetControllerOf(j); c != nil {
				d.owners.Jobs[j.Namespace+"/"+j.Name] = workload.Owner{Kind: c.Kind, Name: c.Name}
				return
			}
			d.add(workload.KindJob, j.ObjectMeta, replicas(j.Spec.Parallelism), &j.Spec.Template.Spec)
		})})
}

// controllers lists Deployments, StatefulSets, DaemonSets and CronJobs.
func (d *discoverer) controllers(ctx context.Context) error {
	ls := []listing{
		{resource: "deployments", page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.AppsV1().Deployments(ns).List) },
			add: each(func(x *appsv1.Deployment) {
				d.add(workload.KindDeployment, x.ObjectMeta, replicas(x.Spec.Replicas), &x.Spec.Template.Spec)
			})},
		{resource: "statefulsets", page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.AppsV1().StatefulSets(ns).List) },
			add: each(func(x *appsv1.StatefulSet) {
				d.add(workload.KindStatefulSet, x.ObjectMeta, replicas(x.Spec.Replicas), &x.Spec.Template.Spec)
			})},
		{resource: "daemonsets", page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.AppsV1().DaemonSets(ns).List) },
			add: each(func(x *appsv1.DaemonSet) {
				d.add(workload.KindDaemonSet, x.ObjectMeta, int(x.Status.DesiredNumberScheduled), &x.Spec.Template.Spec)
			})},
		{resource: "cronjobs", page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.BatchV1().CronJobs(ns).List) },
			add: each(func(x *batchv1.CronJob) {
				d.add(workload.KindCronJob, x.ObjectMeta, replicas(x.Spec.JobTemplate.Spec.Parallelism), &x.Spec.JobTemplate.Spec.Template.Spec)
			})},
	}
	kinds := []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindCronJob}
	for i, l := range ls {
		if !d.filter.MatchKind(kinds[i]) {
			continue
		}
		l.namespaced, l.selector = true, true
		if err := d.list(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// pods reports bare pods and, with no kind filter, the workloads of
// controllers other than the built-in ones, through their pods.
func (d *discoverer) pods(ctx context.Context) error {
	if !d.filter.MatchKind(workload.KindPod) {
		return nil
	}
	return d.list(ctx, listing{resource: "pods", namespaced: true, selector: true,
		page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.CoreV1().Pods(ns).List) },
		add: each(func(p *corev1.Pod) {
			kind, name := OwnerOf(p, d.owners)
			switch {
			case kind == workload.KindPod:
				d.add(workload.KindPod, p.ObjectMeta, 1, &p.Spec)
			case d.custom && !slices.Contains(workload.Kinds, kind) && d.filter.MatchName(name):
				d.group(workload.Owner{Kind: kind, Name: name}, p)
			}
		})})
}

// hpas lists the autoscaling/v2 HPAs; inventory attaches them.
func (d *discoverer) hpas(ctx context.Context) error {
	return d.list(ctx, listing{resource: "horizontalpodautoscalers", namespaced: true,
		page: func(ns string) pager.ListPageFunc {
			return pageFunc(d.client.AutoscalingV2().HorizontalPodAutoscalers(ns).List)
		},
		add: each(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			ref := h.Spec.ScaleTargetRef
			d.autoscalers = append(d.autoscalers, targetedHPA{namespace: h.Namespace, target: workload.Owner{Kind: ref.Kind, Name: ref.Name}, hpa: hpaOf(h)})
		})})
}

// limitRanges merges each namespace's Container limits, in name order.
func (d *discoverer) limitRanges(ctx context.Context) error {
	return d.list(ctx, listing{resource: "limitranges", namespaced: true,
		page: func(ns string) pager.ListPageFunc { return pageFunc(d.client.CoreV1().LimitRanges(ns).List) },
		add: each(func(lr *corev1.LimitRange) {
			for _, item := range lr.Spec.Limits {
				if item.Type == corev1.LimitTypeContainer {
					d.clamps.LimitRanges[lr.Namespace] = d.clamps.LimitRanges[lr.Namespace].Merge(limitRangeOf(item))
				}
			}
		})})
}

// nodes finds the largest allocatable CPU and memory.
func (d *discoverer) nodes(ctx context.Context) error {
	return d.list(ctx, listing{resource: "nodes",
		page: func(string) pager.ListPageFunc { return pageFunc(d.client.CoreV1().Nodes().List) },
		add: each(func(n *corev1.Node) {
			a := amountOf(n.Status.Allocatable)
			l := &d.clamps.LargestNode
			l.CPU, l.Memory = max(l.CPU, a.CPU), max(l.Memory, a.Memory)
		})})
}

// add records a workload read from its pod template (or bare pod spec).
func (d *discoverer) add(kind string, meta metav1.ObjectMeta, replicas int, spec *corev1.PodSpec) {
	if !d.filter.MatchName(meta.Name) {
		return
	}
	w := &workload.Workload{Kind: kind, Namespace: meta.Namespace, Name: meta.Name, Labels: cloneLabels(meta.Labels),
		Replicas: replicas, Containers: containersOf(spec)}
	d.workloads[w.Key()] = w
}

// podGroup is a workload known only through its pods.
type podGroup struct {
	owner  workload.Owner
	newest *corev1.Pod
	pods   int
}

// group counts p in its owner's group and keeps the newest pod (creation
// time, then name).
func (d *discoverer) group(owner workload.Owner, p *corev1.Pod) {
	key := p.Namespace + "/" + owner.Kind + "/" + owner.Name
	g := d.groups[key]
	if g == nil {
		g = &podGroup{owner: owner}
		d.groups[key] = g
	}
	g.pods++
	if g.newest == nil || newer(p, g.newest) {
		g.newest = p.DeepCopy()
	}
}

func newer(a, b *corev1.Pod) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	return a.Name > b.Name
}

// targetedHPA is an HPA and the workload its scaleTargetRef names.
type targetedHPA struct {
	namespace string
	target    workload.Owner
	hpa       *workload.HPA
}

// inventory assembles the result: workloads sorted by key, each with the
// first HPA (by name) that targets it; a second one is a warning.
func (d *discoverer) inventory() workload.Inventory {
	for _, g := range d.groups {
		p := g.newest
		w := &workload.Workload{Kind: g.owner.Kind, Namespace: p.Namespace, Name: g.owner.Name, Labels: cloneLabels(p.Labels),
			Replicas: g.pods, Containers: containersOf(&p.Spec)}
		d.workloads[w.Key()] = w
	}
	for _, h := range d.autoscalers {
		w := d.workloads[h.namespace+"/"+h.target.Kind+"/"+h.target.Name]
		switch {
		case w == nil:
		case w.HPA != nil:
			d.warnings = append(d.warnings, fmt.Sprintf("HPAs %s and %s both target %s %s/%s; using %s",
				w.HPA.Name, h.hpa.Name, w.Kind, w.Namespace, w.Name, w.HPA.Name))
		default:
			w.HPA = h.hpa
		}
	}
	inv := workload.Inventory{Mode: workload.ModeCluster, Clamps: d.clamps, Warnings: d.warnings}
	for _, w := range d.workloads {
		inv.Workloads = append(inv.Workloads, *w)
	}
	workload.SortWorkloads(inv.Workloads)
	return inv
}

// OwnerOf returns the workload owning pod: its controller resolved through
// owners (a ReplicaSet to its Deployment, a Job to its CronJob), or the pod
// itself (kind Pod) when it has no controller. The Prometheus inventory
// resolves kube_pod_owner series with the same workload.Owners.Resolve.
func OwnerOf(pod *corev1.Pod, owners workload.Owners) (kind, name string) {
	var c workload.Owner
	if ref := metav1.GetControllerOf(pod); ref != nil {
		c = workload.Owner{Kind: ref.Kind, Name: ref.Name}
	}
	o := owners.Resolve(pod.Namespace, pod.Name, c)
	return o.Kind, o.Name
}

// restClient is the client's REST client, nil for clients without one.
func restClient(client kubernetes.Interface) rest.Interface {
	rc := client.Discovery().RESTClient()
	if r, ok := rc.(*rest.RESTClient); rc == nil || ok && r == nil {
		return nil
	}
	return rc
}

// serverURL is the API server's scheme://host.
func serverURL(client kubernetes.Interface) string {
	rc := restClient(client)
	if rc == nil {
		return "(no server)"
	}
	u := rc.Get().URL()
	return u.Scheme + "://" + u.Host
}

// unreachable reports whether err means the server could not be reached
// (a dial error or a timeout), as opposed to an answer from it.
func unreachable(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return false
	}
	var op *net.OpError
	var ne net.Error
	return errors.As(err, &op) || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}
