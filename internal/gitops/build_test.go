package gitops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"tailor.dev/tailor/internal/lab"
	"tailor.dev/tailor/internal/workload"
)

// kustomizeBuild runs kustomize (the Go API, as `kustomize build dir`)
// and returns the objects and the YAML.
func kustomizeBuild(t *testing.T, dir string) ([]*unstructured.Unstructured, []byte) {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
	}
	y, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return objs, y
}

// overlay copies testdata/base to a temp dir and exports changes next to it
// (<tmp>/tailor, resources: ../base); it returns the export directory.
func overlay(t *testing.T, changes []Change) string {
	t.Helper()
	root := t.TempDir()
	base := filepath.Join(root, "base")
	if err := os.CopyFS(base, os.DirFS(filepath.Join("testdata", "base"))); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "tailor")
	if _, err := WriteKustomize(dir, changes, WriteOptions{KustomizeOptions: KustomizeOptions{Resources: []string{"../base"}}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func objectID(o *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}

// podSpec returns the pod spec map of a workload object.
func podSpec(t *testing.T, o *unstructured.Unstructured) map[string]any {
	t.Helper()
	spec, found, err := unstructured.NestedMap(o.Object, kinds[Kind(o.GetKind())].podSpec...)
	if !found || err != nil {
		t.Fatalf("%s: no pod spec (%v)", objectID(o), err)
	}
	return spec
}

// container returns the container called name in a pod spec.
func container(t *testing.T, spec map[string]any, init bool, name string) map[string]any {
	t.Helper()
	key := "containers"
	if init {
		key = "initContainers"
	}
	list, _ := spec[key].([]any)
	for _, c := range list {
		if m := c.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no %s %q in %v", key, name, spec)
	return nil
}

// expected applies the changes to the base objects by hand: each changed
// field set in the container's resources, nothing else touched.
func expected(t *testing.T, base []*unstructured.Unstructured, changes []Change) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	for _, o := range base {
		out[objectID(o)] = o.DeepCopy()
	}
	for _, c := range changes {
		if !slices.ContainsFunc(c.Containers, func(cc ContainerChange) bool { return len(cc.changes()) > 0 }) {
			continue // no patch (the no-op changes name workloads the base does not have)
		}
		o := out[c.String()]
		if o == nil {
			t.Fatalf("%s is not in the base", c)
		}
		spec := podSpec(t, o)
		for _, cc := range c.Containers {
			ctr := container(t, spec, cc.Init, cc.Name)
			for _, fc := range cc.changes() {
				if err := unstructured.SetNestedField(ctr, fc.field.format(fc.after), "resources", fc.field.section(), fc.field.resource()); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := unstructured.SetNestedMap(o.Object, spec, kinds[c.Kind].podSpec...); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestKustomizeBuild builds the export over the base with kustomize's Go
// API: the output is the base with exactly the recommended values changed
// (checked field by field, and against testdata/build.golden.yaml).
func TestKustomizeBuild(t *testing.T) {
	changes := sampleChanges()
	base, _ := kustomizeBuild(t, filepath.Join("testdata", "base"))
	got, y := kustomizeBuild(t, overlay(t, changes))
	want := expected(t, base, changes)
	if len(got) != len(want) {
		t.Errorf("%d objects, want %d", len(got), len(want))
	}
	for _, o := range got {
		if w := want[objectID(o)]; !reflect.DeepEqual(o.Object, w.Object) {
			t.Errorf("%s:\n got %v\nwant %v", objectID(o), o.Object, w.Object)
		}
	}
	golden := filepath.Join("testdata", "build.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, y, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if data, err := os.ReadFile(golden); err != nil || string(data) != string(y) {
		t.Errorf("kustomize build output differs from %s (%v); run with -update to accept:\n%s", golden, err, y)
	}
}

// TestKustomizeBuildMissingWorkload: a patch for a workload the base does
// not have fails the build (patches carry no target, so they cannot be
// skipped silently).
func TestKustomizeBuildMissingWorkload(t *testing.T) {
	dir := overlay(t, []Change{{Kind: Deployment, Namespace: "shop", Name: "gone", Containers: []ContainerChange{{
		Name: "web", After: workload.Resources{CPURequest: 1},
	}}}})
	_, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("kustomize build with a patch for a missing Deployment: err = %v, want a failure naming it", err)
	}
}

var resourceOf = map[string]schema.GroupVersionResource{
	"Namespace":   {Version: "v1", Resource: "namespaces"},
	"Deployment":  {Group: "apps", Version: "v1", Resource: "deployments"},
	"StatefulSet": {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"DaemonSet":   {Group: "apps", Version: "v1", Resource: "daemonsets"},
	"Job":         {Group: "batch", Version: "v1", Resource: "jobs"},
	"CronJob":     {Group: "batch", Version: "v1", Resource: "cronjobs"},
}

func client(dyn dynamic.Interface, o *unstructured.Unstructured) dynamic.ResourceInterface {
	r := dyn.Resource(resourceOf[o.GetKind()])
	if o.GetNamespace() == "" {
		return r
	}
	return r.Namespace(o.GetNamespace())
}

// dryRunApply server-side applies o with dryRun=All, taking over the fields
// the creator owns, and returns what the server would store.
func dryRunApply(ctx context.Context, dyn dynamic.Interface, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return client(dyn, o).Apply(ctx, o.GetName(), o, metav1.ApplyOptions{
		FieldManager: "tailor-export-test", Force: true, DryRun: []string{metav1.DryRunAll},
	})
}

// TestExportAppliesToCluster creates the base objects in a real API server,
// then server-side applies the kustomize output with dryRun=All: the server
// accepts every patched object and would store exactly the exported
// quantities, while the live objects stay as they were. Patched objects
// that are wrong (a bad quantity, a request above its limit, a container
// the base does not have) are rejected, so the check can fail.
func TestExportAppliesToCluster(t *testing.T) {
	c := lab.ForTest(t, lab.Options{Nodes: 1})
	dyn, err := dynamic.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	base, _ := kustomizeBuild(t, filepath.Join("testdata", "base"))
	for _, o := range base { // namespaces come first in kustomize's output
		if _, err := client(dyn, o).Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", objectID(o), err)
		}
	}
	changes := sampleChanges()
	out, _ := kustomizeBuild(t, overlay(t, changes))
	want := expected(t, base, changes)
	for _, o := range out {
		id := objectID(o)
		if o.GetKind() == "Namespace" {
			continue
		}
		applied := o
		if o.GetKind() == "Job" {
			applied = checkJob(ctx, t, dyn, o)
		}
		res, err := dryRunApply(ctx, dyn, applied)
		if err != nil {
			t.Errorf("dry-run apply %s: %v", objectID(applied), err)
			continue
		}
		checkResources(t, podSpec(t, want[id]), podSpec(t, res), objectID(applied)+" (dry run)")
		live, err := client(dyn, o).Get(ctx, o.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range base {
			if objectID(b) == id {
				checkResources(t, podSpec(t, b), podSpec(t, live), id+" (live, after the dry run)")
			}
		}
	}
	rejected(ctx, t, dyn, out)
}

// checkJob checks that the server refuses the patch of an existing Job (a
// Job's pod template is immutable, even while it is suspended) and returns
// the same Job under a new name, as a GitOps tool that recreates Jobs would
// apply it.
func checkJob(ctx context.Context, t *testing.T, dyn dynamic.Interface, o *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	_, err := dryRunApply(ctx, dyn, o)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "field is immutable") {
		t.Errorf("patching the template of an existing Job: err = %v, want it refused as immutable", err)
	}
	o = o.DeepCopy()
	o.SetName(o.GetName() + "-next")
	return o
}

// checkResources compares the resources of every container of want with
// the container of the same name in got, as the server prints them.
func checkResources(t *testing.T, want, got map[string]any, what string) {
	t.Helper()
	for _, key := range []string{"containers", "initContainers"} {
		list, _ := want[key].([]any)
		for _, c := range list {
			w := c.(map[string]any)
			g := container(t, got, key == "initContainers", w["name"].(string))
			if !reflect.DeepEqual(w["resources"], g["resources"]) {
				t.Errorf("%s %s %s: resources %v, want %v", what, key, w["name"], g["resources"], w["resources"])
			}
		}
	}
}

// rejected checks that the server refuses patched objects that are wrong.
func rejected(ctx context.Context, t *testing.T, dyn dynamic.Interface, out []*unstructured.Unstructured) {
	var web *unstructured.Unstructured
	for _, o := range out {
		if objectID(o) == "Deployment shop/web" {
			web = o
		}
	}
	for _, tc := range []struct {
		name string
		edit func(ctr map[string]any)
		want string
	}{
		{"bad quantity", func(ctr map[string]any) {
			_ = unstructured.SetNestedField(ctr, "250 millicores", "resources", "requests", "cpu")
		}, "quantities must match"},
		{"request above limit", func(ctr map[string]any) {
			_ = unstructured.SetNestedField(ctr, "2Gi", "resources", "requests", "memory")
		}, "must be less than or equal to memory limit"},
		// What kustomize makes of a patch naming a container the base lacks.
		{"unknown container", func(ctr map[string]any) { ctr["name"] = "not-in-base"; delete(ctr, "image") }, "image: Required value"},
	} {
		bad := web.DeepCopy()
		spec := podSpec(t, bad)
		tc.edit(container(t, spec, false, "web"))
		if err := unstructured.SetNestedMap(bad.Object, spec, "spec", "template", "spec"); err != nil {
			t.Fatal(err)
		}
		_, err := dryRunApply(ctx, dyn, bad)
		var status apierrors.APIStatus
		if !errors.As(err, &status) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: dry-run apply err = %v, want the server to reject it saying %q", tc.name, err, tc.want)
		}
	}
}
