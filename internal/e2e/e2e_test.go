package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"tailor.dev/tailor/internal/cli"
	"tailor.dev/tailor/internal/demo"
	"tailor.dev/tailor/internal/lab"
	"tailor.dev/tailor/internal/lab/promserver"
	"tailor.dev/tailor/internal/report"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

const step = 5 * time.Minute

// history is the demo trace (Google cluster-data 2019, two jobs) turned into
// the pods of two Deployments, with every time moved down to the 5-minute
// grid so that each window is one Prometheus query step (see the
// equivalence test of internal/source/prometheus).
type history struct {
	samples []workload.Sample
	last    time.Time
	// current is each workload container's last provisioned values.
	current map[string]workload.Resources
	pods    map[string]map[string]bool
}

func loadHistory(t *testing.T) history {
	t.Helper()
	r, _, err := demo.Open()
	if err != nil {
		t.Fatal(err)
	}
	all, err := source.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	h := history{current: map[string]workload.Resources{}, pods: map[string]map[string]bool{}}
	for _, s := range all {
		s.Ref.Kind = workload.KindDeployment
		s.Time = s.Time.Truncate(step).UTC()
		h.samples = append(h.samples, s)
	}
	source.SortSamples(h.samples)
	kept := h.samples[:0]
	for i, s := range h.samples {
		if i > 0 && s.Ref == kept[len(kept)-1].Ref && s.Time.Equal(kept[len(kept)-1].Time) {
			continue // a partial window sharing its grid point with the one before
		}
		kept = append(kept, s)
		k := s.Ref.WorkloadKey()
		h.current[k] = s.Provisioned
		if h.pods[k] == nil {
			h.pods[k] = map[string]bool{}
		}
		h.pods[k][s.Ref.Pod] = true
		if s.Time.After(h.last) {
			h.last = s.Time
		}
	}
	h.samples = kept
	return h
}

// writeTrace writes the history in tailor's trace format.
func (h history) writeTrace(t *testing.T, dir string) string {
	t.Helper()
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	for _, s := range h.samples {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "history.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// deployments returns one Deployment per workload of the history, with the
// trace's last provisioned values as requests and limits, written to
// dir/base as a kustomize base too.
func (h history) deployments(t *testing.T, dir string) []*appsv1.Deployment {
	t.Helper()
	keys := make([]string, 0, len(h.current))
	for k := range h.current {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*appsv1.Deployment
	var files []string
	for _, k := range keys {
		parts := strings.Split(k, "/")
		ns, name, container := parts[0], parts[1], parts[2]
		cur := h.current[k]
		res := corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(math.Round(cur.CPURequest*1000)), resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(int64(math.Round(cur.MemRequest)), resource.BinarySI)},
			Limits: corev1.ResourceList{corev1.ResourceMemory: *resource.NewQuantity(int64(math.Round(cur.MemLimit)), resource.BinarySI)},
		}
		replicas := int32(len(h.pods[k]))
		labels := map[string]string{"app": name}
		d := &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: container, Image: "registry.example/" + name, Resources: res}}}}},
		}
		out = append(out, d)
		y, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		file := name + ".yaml"
		files = append(files, file)
		writeFile(t, filepath.Join(dir, "base", file), y)
	}
	ns := fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", out[0].Namespace)
	writeFile(t, filepath.Join(dir, "base", "namespace.yaml"), []byte(ns))
	kust := "resources:\n- namespace.yaml\n"
	for _, f := range files {
		kust += "- " + f + "\n"
	}
	writeFile(t, filepath.Join(dir, "base", "kustomization.yaml"), []byte(kust))
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func tailor(args ...string) result {
	var out, errb bytes.Buffer
	code := cli.Main(args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func decode(t *testing.T, r result) report.PlanDoc {
	t.Helper()
	var doc report.PlanDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return doc
}

// create makes the namespace and Deployments in the cluster and waits
// until their pods run on kwok's nodes.
func create(ctx context.Context, t *testing.T, cs kubernetes.Interface, ds []*appsv1.Deployment) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ds[0].Namespace}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if _, err := cs.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func bytesOf(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestLive is the path a user with a cluster takes: the demo history sits
// in a real Prometheus as cAdvisor and kube-state-metrics series of two
// Deployments that exist in the lab cluster; `tailor recommend
// --prometheus-url` must give the recommendations of the trace file path,
// and `tailor export` patches that kustomize builds and the API server
// accepts. Then the failures a user meets: Prometheus down, the cluster
// down, credentials that may list Deployments only, a workload without
// history.
func TestLive(t *testing.T) {
	h := loadHistory(t)
	var om bytes.Buffer
	if err := prometheus.WriteOpenMetrics(&om, h.samples); err != nil {
		t.Fatal(err)
	}
	prom := promserver.ForTest(t, om.Bytes())
	c := lab.ForTest(t, lab.Options{Nodes: 2})
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ds := h.deployments(t, dir)
	create(t.Context(), t, cs, ds)
	end := h.last.Format(time.RFC3339)
	fromTrace := decode(t, tailor("recommend", "--trace", h.writeTrace(t, dir), "-o", "json"))
	live := func(args ...string) []string {
		return append([]string{"recommend", "--prometheus-url", prom.URL, "--end", end, "--progress", "never"}, args...)
	}

	t.Run("recommend", func(t *testing.T) {
		began := time.Now()
		r := tailor(live("--kubeconfig", c.Kubeconfig(), "-o", "json")...)
		t.Logf("recommend against the cluster and Prometheus: %s, exit %d, stderr %q", time.Since(began).Round(time.Millisecond), r.code, r.stderr)
		if r.code != cli.ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		doc := decode(t, r)
		if doc.Mode != workload.ModeCluster || !strings.Contains(doc.Source, "cluster https://127.0.0.1") {
			t.Errorf("mode %q, source %q", doc.Mode, doc.Source)
		}
		compare(t, fromTrace, doc, h)
	})
	t.Run("prometheus-only", func(t *testing.T) {
		r := tailor(live("--prometheus-only", "-o", "json")...)
		if r.code != cli.ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		doc := decode(t, r)
		if doc.Mode != workload.ModePrometheus {
			t.Errorf("mode %q", doc.Mode)
		}
		compare(t, fromTrace, doc, h)
	})
	t.Run("export", func(t *testing.T) {
		r := tailor(live("--kubeconfig", c.Kubeconfig(), "-o", "json")...)
		recs := filepath.Join(dir, "recs.json")
		writeFile(t, recs, []byte(r.stdout))
		out := filepath.Join(dir, "tailor")
		if r := tailor("export", "--from", recs, "--out", out, "--resources", "../base"); r.code != cli.ExitOK {
			t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
		}
		applyDryRun(t, c, out, decode(t, r))
	})
	t.Run("prometheus down", func(t *testing.T) {
		r := tailor("recommend", "--kubeconfig", c.Kubeconfig(), "--prometheus-url", "http://127.0.0.1:1", "--end", end, "--progress", "never")
		t.Logf("stdout:\n%s\nstderr: %s", r.stdout, r.stderr)
		if r.code != cli.ExitIncomplete || !strings.Contains(r.stderr, "unreachable") || !strings.Contains(r.stdout, "no-metrics") ||
			!strings.Contains(r.stdout, "job-382417448240") {
			t.Errorf("exit %d, want %d with the workloads listed\nstdout:\n%s\nstderr: %s", r.code, cli.ExitIncomplete, r.stdout, r.stderr)
		}
	})
	t.Run("cluster down", func(t *testing.T) {
		began := time.Now()
		r := tailor(live("--kubeconfig", deadKubeconfig(t), "-o", "json")...)
		if r.code != cli.ExitIncomplete || !strings.Contains(r.stderr, "kube-state-metrics") {
			t.Fatalf("exit %d, want %d; stderr %s", r.code, cli.ExitIncomplete, r.stderr)
		}
		doc := decode(t, r)
		if doc.Mode != workload.ModePrometheus || len(doc.Warnings) == 0 || !strings.Contains(doc.Warnings[0], "cluster not read") {
			t.Errorf("mode %q warnings %q", doc.Mode, doc.Warnings)
		}
		compare(t, fromTrace, doc, h)
		t.Logf("fell back to kube-state-metrics in %s", time.Since(began).Round(time.Millisecond))
	})
	t.Run("deployments only", func(t *testing.T) {
		r := tailor(live("--kubeconfig", limitedKubeconfig(t, c, cs), "-o", "json")...)
		t.Logf("stderr: %s", r.stderr)
		if r.code != cli.ExitIncomplete || !strings.Contains(r.stderr, "forbidden") {
			t.Fatalf("exit %d, want %d; stderr %s", r.code, cli.ExitIncomplete, r.stderr)
		}
		doc := decode(t, r)
		if doc.Mode != workload.ModeCluster {
			t.Errorf("mode %q", doc.Mode)
		}
		compare(t, fromTrace, doc, h)
	})
	t.Run("no history", func(t *testing.T) {
		idle := ds[0].DeepCopy()
		idle.Name, idle.ResourceVersion = "idle", ""
		if _, err := cs.AppsV1().Deployments(idle.Namespace).Create(t.Context(), idle, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer cs.AppsV1().Deployments(idle.Namespace).Delete(context.WithoutCancel(t.Context()), "idle", metav1.DeleteOptions{})
		r := tailor(live("--kubeconfig", c.Kubeconfig(), "--explain", "idle")...)
		t.Logf("stdout:\n%s", r.stdout)
		if r.code != cli.ExitOK || !strings.Contains(r.stdout, "no-metrics") || !strings.Contains(r.stdout, "Deployment google-2019/idle") || !strings.Contains(r.stdout, "no usage series") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	})
}

// deadKubeconfig points at a port nobody listens on.
func deadKubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["dead"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1", InsecureSkipTLSVerify: true}
	cfg.AuthInfos["dead"] = &clientcmdapi.AuthInfo{Token: "x"}
	cfg.Contexts["dead"] = &clientcmdapi.Context{Cluster: "dead", AuthInfo: "dead"}
	cfg.CurrentContext = "dead"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// limitedKubeconfig is the admin's kubeconfig impersonating a user that
// may only list Deployments.
func limitedKubeconfig(t *testing.T, c *lab.Cluster, cs kubernetes.Interface) string {
	t.Helper()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "deployments-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployments-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "limited"}}}
	if _, err := cs.RbacV1().ClusterRoles().Create(t.Context(), role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(t.Context(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		a.Impersonate = "limited"
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// compare checks that every workload container of the trace path has the
// same recommendation from the live path.
func compare(t *testing.T, want, got report.PlanDoc, h history) {
	t.Helper()
	if len(got.Recommendations) != len(want.Recommendations) {
		t.Fatalf("%d rows from the live path, %d from the trace file", len(got.Recommendations), len(want.Recommendations))
	}
	for i, g := range got.Recommendations {
		w := want.Recommendations[i]
		key := g.Namespace + "/" + g.Workload + "/" + g.Container
		if key != w.Namespace+"/"+w.Workload+"/"+w.Container {
			t.Fatalf("row %d: %s, want %s/%s/%s", i, key, w.Namespace, w.Workload, w.Container)
		}
		t.Logf("%s: live %s cores, %s bytes; trace %s cores, %s bytes", key, f(g.Recommended.CPURequest), f(g.Recommended.MemRequest),
			f(w.Recommended.CPURequest), f(w.Recommended.MemRequest))
		if f(g.Recommended.CPURequest) != f(w.Recommended.CPURequest) || f(g.Recommended.MemRequest) != f(w.Recommended.MemRequest) ||
			f(g.Recommended.MemLimit) != f(w.Recommended.MemLimit) {
			t.Errorf("%s: live %+v, trace file %+v", key, g.Recommended, w.Recommended)
		}
		if g.Replicas != len(h.pods[key]) || g.Kind != workload.KindDeployment || len(g.Risks) != len(w.Risks) {
			t.Errorf("%s: replicas %d kind %s risks %v (trace risks %v)", key, g.Replicas, g.Kind, g.Risks, w.Risks)
		}
		// The cluster holds whole bytes; kube-state-metrics series carry the trace's value.
		if math.Abs(bytesOf(g.Current.MemRequest)-h.current[key].MemRequest) > 1 {
			t.Errorf("%s: current memory %v, want the Deployment's %v", key, bytesOf(g.Current.MemRequest), math.Round(h.current[key].MemRequest))
		}
	}
}

func f(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.6g", *p)
}

// applyDryRun builds the export over the base with kustomize's Go API and
// server-side applies every object with dryRun=All: the server accepts it
// and would store the recommended values.
func applyDryRun(t *testing.T, c *lab.Cluster, dir string, doc report.PlanDoc) {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, res := range m.Resources() {
		if res.GetKind() != "Deployment" {
			continue
		}
		data, err := res.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var d appsv1.Deployment
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		got, err := cs.AppsV1().Deployments(d.Namespace).Patch(t.Context(), d.Name, "application/apply-patch+yaml", data,
			metav1.PatchOptions{FieldManager: "tailor-e2e", Force: ptr(true), DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatalf("server-side apply (dry run) of %s: %v", d.Name, err)
		}
		want := wantFor(doc, d.Name)
		gotCPU := got.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu().MilliValue()
		gotMem := got.Spec.Template.Spec.Containers[0].Resources.Requests.Memory().Value()
		if gotCPU != int64(math.Round(bytesOf(want.Recommended.CPURequest)*1000)) || gotMem != int64(bytesOf(want.Recommended.MemRequest)) {
			t.Errorf("%s: the server would store %dm / %d bytes, want %+v", d.Name, gotCPU, gotMem, want.Recommended)
		}
		applied++
	}
	if applied != len(doc.Recommendations) {
		t.Errorf("applied %d Deployments, want %d", applied, len(doc.Recommendations))
	}
}

func wantFor(doc report.PlanDoc, name string) report.ContainerDoc {
	for _, r := range doc.Recommendations {
		if r.Workload == name {
			return r
		}
	}
	return report.ContainerDoc{}
}

func ptr[T any](v T) *T { return &v }
