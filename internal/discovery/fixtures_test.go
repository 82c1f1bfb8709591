package discovery

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"tailor.dev/tailor/internal/workload"
)

// The lab scenario: namespace shop holds one workload of every kind, HPAs
// and a LimitRange; namespace other holds a second Deployment named web.
const (
	shop       = "shop"
	other      = "other"
	restricted = "tailor-restricted" // a user allowed to list Deployments in shop, nothing else
	mi         = 1 << 20
)

// res builds requirements from "cpu/memory" requests and limits ("" = unset).
func res(reqCPU, reqMem, limCPU, limMem string) corev1.ResourceRequirements {
	list := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		if len(l) == 0 {
			return nil
		}
		return l
	}
	return corev1.ResourceRequirements{Requests: list(reqCPU, reqMem), Limits: list(limCPU, limMem)}
}

func ctr(name string, r corev1.ResourceRequirements) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.example/" + name + ":1", Resources: r}
}

func template(labels map[string]string, spec corev1.PodSpec) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}
}

func meta(ns, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
}

// webSpec has an init container, a sidecar and two main containers, one
// without limits or a memory request.
func webSpec() corev1.PodSpec {
	proxy := ctr("proxy", res("50m", "32Mi", "200m", "64Mi"))
	proxy.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	return corev1.PodSpec{
		InitContainers: []corev1.Container{ctr("migrate", res("100m", "64Mi", "", "")), proxy},
		Containers:     []corev1.Container{ctr("app", res("500m", "256Mi", "1", "512Mi")), ctr("worker", res("250m", "", "", ""))},
	}
}

func jobSpec(name string, r corev1.ResourceRequirements) corev1.PodSpec {
	return corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{ctr(name, r)}}
}

// scenario creates the lab objects and waits until the controllers have
// done what the expected inventory assumes (DaemonSet status, RC pods).
func scenario(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	for _, ns := range []string{shop, other} {
		must(t, create(ctx, cs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	web := map[string]string{"app": "web", "tier": "frontend"}
	sel := func(app string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
	}
	objs := []runtime.Object{
		&corev1.LimitRange{ObjectMeta: meta(shop, "limits", nil), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			Min:  res("10m", "16Mi", "", "").Requests, Max: res("4", "8Gi", "", "").Requests,
			Default: res("500m", "512Mi", "", "").Requests, DefaultRequest: res("100m", "128Mi", "", "").Requests,
		}}}},
		&appsv1.Deployment{ObjectMeta: meta(shop, "web", web), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Selector: sel("web"), Template: template(web, webSpec())}},
		&appsv1.StatefulSet{ObjectMeta: meta(shop, "db", map[string]string{"app": "db"}), Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](2), ServiceName: "db", Selector: sel("db"),
			Template: template(map[string]string{"app": "db"}, corev1.PodSpec{Containers: []corev1.Container{ctr("postgres", res("1", "2Gi", "2", "2Gi"))}})}},
		&appsv1.DaemonSet{ObjectMeta: meta(shop, "agent", nil), Spec: appsv1.DaemonSetSpec{Selector: sel("agent"),
			Template: template(map[string]string{"app": "agent"}, corev1.PodSpec{Containers: []corev1.Container{ctr("agent", res("50m", "64Mi", "", ""))}})}},
		&batchv1.CronJob{ObjectMeta: meta(shop, "report", map[string]string{"app": "report"}), Spec: batchv1.CronJobSpec{Schedule: "0 0 1 1 *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Parallelism: ptr.To[int32](2), Template: template(nil, jobSpec("run", res("200m", "128Mi", "200m", "128Mi")))}}}},
		&batchv1.Job{ObjectMeta: meta(shop, "once", map[string]string{"app": "once"}), Spec: batchv1.JobSpec{Template: template(nil, jobSpec("task", res("100m", "64Mi", "", "")))}},
		&corev1.Pod{ObjectMeta: meta(shop, "debug", map[string]string{"app": "debug"}), Spec: corev1.PodSpec{Containers: []corev1.Container{ctr("shell", res("100m", "64Mi", "", ""))}}},
		&appsv1.ReplicaSet{ObjectMeta: meta(shop, "legacy", map[string]string{"app": "legacy"}), Spec: appsv1.ReplicaSetSpec{Selector: sel("legacy"),
			Template: template(map[string]string{"app": "legacy"}, corev1.PodSpec{Containers: []corev1.Container{ctr("legacy", res("100m", "64Mi", "", ""))}})}},
		&corev1.ReplicationController{ObjectMeta: meta(shop, "legacy-rc", nil), Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2), Selector: map[string]string{"app": "legacy-rc"},
			Template: ptr.To(template(map[string]string{"app": "legacy-rc"}, corev1.PodSpec{Containers: []corev1.Container{ctr("rc", res("100m", "64Mi", "100m", "64Mi"))}}))}},
		hpa("web", "Deployment", "web", 2, 5,
			autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70)}}},
			autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceMemory, Container: "app",
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("300Mi"))}}}),
		hpa("web-extra", "Deployment", "web", 1, 3,
			autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}}),
		hpa("db", "StatefulSet", "db", 2, 4,
			autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceCPU, Container: "postgres",
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}},
			autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "queries_per_second"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("250m"))}}}),
		&appsv1.Deployment{ObjectMeta: meta(other, "web", map[string]string{"app": "web"}), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: sel("web"),
			Template: template(map[string]string{"app": "web"}, corev1.PodSpec{Containers: []corev1.Container{ctr("app", res("100m", "64Mi", "", ""))}})}},
	}
	for _, o := range objs {
		must(t, create(ctx, cs, o))
	}
	cronJobsJob(ctx, t, cs)
	waitFor(ctx, t, "DaemonSet agent to want 3 pods and 2 ReplicationController pods", func() (bool, error) {
		ds, err := cs.AppsV1().DaemonSets(shop).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pods, err := cs.CoreV1().Pods(shop).List(ctx, metav1.ListOptions{LabelSelector: "app=legacy-rc"})
		return ds.Status.DesiredNumberScheduled == 3 && len(pods.Items) == 2, err
	})
}

// cronJobsJob creates a Job controlled by CronJob report, as the CronJob
// controller would at its schedule: it must appear as the CronJob only.
func cronJobsJob(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	cj, err := cs.BatchV1().CronJobs(shop).Get(ctx, "report", metav1.GetOptions{})
	must(t, err)
	job := &batchv1.Job{ObjectMeta: meta(shop, "report-29000000", nil), Spec: cj.Spec.JobTemplate.Spec}
	job.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true)}}
	must(t, create(ctx, cs, job))
}

func hpa(name, kind, target string, minReplicas, maxReplicas int32, metrics ...autoscalingv2.MetricSpec) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: meta(shop, name, nil), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: target},
		MinReplicas:    &minReplicas, MaxReplicas: maxReplicas, Metrics: metrics}}
}

// allowDeploymentsOnly lets the user restricted list Deployments in shop.
func allowDeploymentsOnly(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	must(t, create(ctx, cs, &rbacv1.Role{ObjectMeta: meta(shop, "deployments-only", nil),
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"list"}}}}))
	must(t, create(ctx, cs, &rbacv1.RoleBinding{ObjectMeta: meta(shop, "deployments-only", nil),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployments-only"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: restricted}}}))
}

// create writes one object with the admin client (the test's, never
// Discover's).
func create(ctx context.Context, cs kubernetes.Interface, o runtime.Object) error {
	opts := metav1.CreateOptions{}
	var err error
	switch x := o.(type) {
	case *corev1.Namespace:
		_, err = cs.CoreV1().Namespaces().Create(ctx, x, opts)
	case *corev1.LimitRange:
		_, err = cs.CoreV1().LimitRanges(x.Namespace).Create(ctx, x, opts)
	case *corev1.Pod:
		_, err = cs.CoreV1().Pods(x.Namespace).Create(ctx, x, opts)
	case *corev1.ReplicationController:
		_, err = cs.CoreV1().ReplicationControllers(x.Namespace).Create(ctx, x, opts)
	case *appsv1.Deployment:
		_, err = cs.AppsV1().Deployments(x.Namespace).Create(ctx, x, opts)
	case *appsv1.StatefulSet:
		_, err = cs.AppsV1().StatefulSets(x.Namespace).Create(ctx, x, opts)
	case *appsv1.DaemonSet:
		_, err = cs.AppsV1().DaemonSets(x.Namespace).Create(ctx, x, opts)
	case *appsv1.ReplicaSet:
		_, err = cs.AppsV1().ReplicaSets(x.Namespace).Create(ctx, x, opts)
	case *batchv1.CronJob:
		_, err = cs.BatchV1().CronJobs(x.Namespace).Create(ctx, x, opts)
	case *batchv1.Job:
		_, err = cs.BatchV1().Jobs(x.Namespace).Create(ctx, x, opts)
	case *autoscalingv2.HorizontalPodAutoscaler:
		_, err = cs.AutoscalingV2().HorizontalPodAutoscalers(x.Namespace).Create(ctx, x, opts)
	case *rbacv1.Role:
		_, err = cs.RbacV1().Roles(x.Namespace).Create(ctx, x, opts)
	case *rbacv1.RoleBinding:
		_, err = cs.RbacV1().RoleBindings(x.Namespace).Create(ctx, x, opts)
	default:
		return fmt.Errorf("create: unexpected %T", o)
	}
	if err != nil {
		return fmt.Errorf("create %T: %w", o, err)
	}
	return nil
}

func waitFor(ctx context.Context, t *testing.T, what string, done func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := done()
		if ok && err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s (last error: %v)", what, err)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// expected is the inventory of namespaces shop and other.
func expected() workload.Inventory {
	r := func(reqCPU, reqMem, limCPU, limMem float64) workload.Resources {
		return workload.Resources{CPURequest: reqCPU, MemRequest: reqMem, CPULimit: limCPU, MemLimit: limMem}
	}
	one := func(name string, rs workload.Resources) []workload.Container {
		return []workload.Container{{Name: name, Role: workload.RoleMain, Current: rs}}
	}
	webHPA := &workload.HPA{Name: "web", MinReplicas: 2, MaxReplicas: 5, Metrics: []workload.HPAMetric{
		{Type: workload.MetricContainerResource, Resource: "memory", Container: "app", TargetType: workload.TargetAverageValue, TargetValue: 300 * mi},
		{Type: workload.MetricResource, Resource: "cpu", TargetType: workload.TargetUtilization, TargetValue: 70},
	}}
	dbHPA := &workload.HPA{Name: "db", MinReplicas: 2, MaxReplicas: 4, Metrics: []workload.HPAMetric{
		{Type: workload.MetricContainerResource, Resource: "cpu", Container: "postgres", TargetType: workload.TargetUtilization, TargetValue: 80},
		{Type: workload.MetricPods, Name: "queries_per_second", TargetType: workload.TargetAverageValue, TargetValue: 0.25},
	}}
	return workload.Inventory{
		Mode: workload.ModeCluster,
		Workloads: []workload.Workload{
			{Kind: "Deployment", Namespace: other, Name: "web", Labels: map[string]string{"app": "web"}, Replicas: 1, Containers: one("app", r(0.1, 64*mi, 0, 0))},
			{Kind: "CronJob", Namespace: shop, Name: "report", Labels: map[string]string{"app": "report"}, Replicas: 2, Containers: one("run", r(0.2, 128*mi, 0.2, 128*mi))},
			{Kind: "DaemonSet", Namespace: shop, Name: "agent", Replicas: 3, Containers: one("agent", r(0.05, 64*mi, 0, 0))},
			{Kind: "Deployment", Namespace: shop, Name: "web", Labels: map[string]string{"app": "web", "tier": "frontend"}, Replicas: 2, HPA: webHPA, Containers: []workload.Container{
				{Name: "migrate", Role: workload.RoleInit, Current: r(0.1, 64*mi, 0, 0)},
				{Name: "proxy", Role: workload.RoleSidecar, Current: r(0.05, 32*mi, 0.2, 64*mi)},
				{Name: "app", Role: workload.RoleMain, Current: r(0.5, 256*mi, 1, 512*mi)},
				{Name: "worker", Role: workload.RoleMain, Current: r(0.25, 0, 0, 0)},
			}},
			{Kind: "Job", Namespace: shop, Name: "once", Labels: map[string]string{"app": "once"}, Replicas: 1, Containers: one("task", r(0.1, 64*mi, 0, 0))},
			// The LimitRange's default limits, applied by admission to the bare pod.
			{Kind: "Pod", Namespace: shop, Name: "debug", Labels: map[string]string{"app": "debug"}, Replicas: 1, Containers: one("shell", r(0.1, 64*mi, 0.5, 512*mi))},
			{Kind: "ReplicaSet", Namespace: shop, Name: "legacy", Labels: map[string]string{"app": "legacy"}, Replicas: 1, Containers: one("legacy", r(0.1, 64*mi, 0, 0))},
			// Known through its pods: ReplicationController is not a kind Discover lists.
			{Kind: "ReplicationController", Namespace: shop, Name: "legacy-rc", Labels: map[string]string{"app": "legacy-rc"}, Replicas: 2, Containers: one("rc", r(0.1, 64*mi, 0.1, 64*mi))},
			{Kind: "StatefulSet", Namespace: shop, Name: "db", Labels: map[string]string{"app": "db"}, Replicas: 2, HPA: dbHPA, Containers: one("postgres", r(1, 2048*mi, 2, 2048*mi))},
		},
		Clamps: workload.Clamps{
			LimitRanges: map[string]workload.LimitRange{shop: {Min: workload.Amount{CPU: 0.01, Memory: 16 * mi}, Max: workload.Amount{CPU: 4, Memory: 8192 * mi},
				Default: workload.Amount{CPU: 0.5, Memory: 512 * mi}, DefaultRequest: workload.Amount{CPU: 0.1, Memory: 128 * mi}}},
			LargestNode: workload.Amount{CPU: 16, Memory: 64 * 1024 * mi},
		},
		Warnings: []string{"HPAs web and web-extra both target Deployment shop/web; using web"},
	}
}
