package discovery

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"tailor.dev/tailor/internal/lab"
	"tailor.dev/tailor/internal/workload"
)

// TestDiscover runs every cluster case against one lab cluster (3 kwok
// nodes of 16 cores and 64Gi): the exact inventory (read page by page,
// GETs only), the filters, a user allowed to list Deployments only.
func TestDiscover(t *testing.T) {
	c := lab.ForTest(t, lab.Options{Nodes: 3, NodeCPU: resource.MustParse("16"), NodeMemory: resource.MustParse("64Gi")})
	ctx := t.Context()
	admin, err := c.Client()
	must(t, err)
	began := time.Now()
	scenario(ctx, t, admin)
	t.Logf("scenario ready in %s", time.Since(began).Round(time.Millisecond))

	t.Run("Inventory", func(t *testing.T) { testInventory(ctx, t, c.RESTConfig()) })
	t.Run("Filters", func(t *testing.T) { testFilters(ctx, t, admin) })
	t.Run("Restricted", func(t *testing.T) {
		allowDeploymentsOnly(ctx, t, admin)
		cfg := c.RESTConfig()
		cfg.Impersonate = rest.ImpersonationConfig{UserName: restricted}
		testRestricted(ctx, t, kubernetes.NewForConfigOrDie(cfg))
	})
}

// testInventory discovers shop and other two objects per page, through a
// transport that records every request.
func testInventory(ctx context.Context, t *testing.T, cfg *rest.Config) {
	var mu sync.Mutex
	var reqs []*http.Request
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			reqs = append(reqs, r)
			mu.Unlock()
			return rt.RoundTrip(r)
		})
	}
	defer func(n int64) { pageSize = n }(pageSize)
	pageSize = 2
	began := time.Now()
	inv, err := Discover(ctx, kubernetes.NewForConfigOrDie(cfg), Filter{Namespaces: []string{shop, other}})
	must(t, err)
	t.Logf("discovered %d workloads in %s with %d requests", len(inv.Workloads), time.Since(began).Round(time.Millisecond), len(reqs))
	checkInventory(t, inv, expected())

	continued := 0
	for _, r := range reqs {
		q := r.URL.Query()
		if r.Method != http.MethodGet {
			t.Errorf("Discover sent %s %s; it must only read", r.Method, r.URL)
		}
		if r.URL.Path != "/version" && q.Get("limit") != "2" {
			t.Errorf("list %s without limit=2", r.URL)
		}
		if q.Get("continue") != "" {
			continued++
		}
	}
	if continued == 0 {
		t.Error("no request carried a continue token: lists were not paginated")
	}
}

func testFilters(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	both := []string{shop, other}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"namespace", Filter{Namespaces: []string{other}}, []string{"other/Deployment/web"}},
		{"label selector", Filter{Namespaces: both, LabelSelector: "app=web"}, []string{"other/Deployment/web", "shop/Deployment/web"}},
		{"set-based label selector", Filter{Namespaces: both, LabelSelector: "app in (db,legacy),app!=legacy"}, []string{"shop/StatefulSet/db"}},
		{"kinds", Filter{Namespaces: both, Kinds: []string{"cronjobs", "po"}}, []string{"shop/CronJob/report", "shop/Pod/debug"}},
		{"names", Filter{Namespaces: both, Names: []string{"db", "legacy-rc", "web"}},
			[]string{"other/Deployment/web", "shop/Deployment/web", "shop/ReplicationController/legacy-rc", "shop/StatefulSet/db"}},
		{"kind and name", Filter{Kinds: []string{"Deployment"}, Names: []string{"web"}}, []string{"other/Deployment/web", "shop/Deployment/web"}},
	}
	for _, tc := range tests {
		inv, err := Discover(ctx, cs, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := keys(inv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v selected %v, want %v", tc.name, tc.f, got, tc.want)
		}
	}
	inv, err := Discover(ctx, cs, Filter{Namespaces: []string{other}})
	must(t, err)
	if len(inv.Clamps.LimitRanges) != 0 || len(inv.Warnings) != 0 || inv.Clamps.LargestNode.CPU != 16 {
		t.Errorf("namespace other: clamps %+v, warnings %q; want no LimitRange, no warning, 16-core nodes", inv.Clamps, inv.Warnings)
	}
	all, err := Discover(ctx, cs, Filter{})
	must(t, err)
	for _, w := range expected().Workloads {
		if !slices.Contains(keys(all), w.Key()) {
			t.Errorf("all namespaces: %s missing from %v", w.Key(), keys(all))
		}
	}
	if _, err := Discover(ctx, cs, Filter{Kinds: []string{"deploymnt"}}); err == nil || !strings.Contains(err.Error(), "deploymnt") {
		t.Errorf("unknown kind: error %v, want one naming deploymnt", err)
	}
	if _, err := Discover(ctx, cs, Filter{LabelSelector: "app in (("}); err == nil || !strings.Contains(err.Error(), "label selector") {
		t.Errorf("bad selector: error %v, want a label selector error", err)
	}
}

// testRestricted discovers as a user allowed to list Deployments in shop:
// every other list is a warning and the Deployment is still found.
func testRestricted(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	waitFor(ctx, t, "the RoleBinding to take effect", func() (bool, error) {
		_, err := cs.AppsV1().Deployments(shop).List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, err
	})
	inv, err := Discover(ctx, cs, Filter{Namespaces: []string{shop}})
	must(t, err)
	web := expected().Workloads[3]
	web.HPA = nil // HPAs cannot be read
	want := workload.Inventory{Mode: workload.ModeCluster, Workloads: []workload.Workload{web},
		Clamps: workload.Clamps{LimitRanges: map[string]workload.LimitRange{}}}
	for _, r := range []string{"replicasets", "jobs", "statefulsets", "daemonsets", "cronjobs", "pods", "horizontalpodautoscalers", "limitranges"} {
		want.Warnings = append(want.Warnings, "forbidden: list "+r+" in namespace shop")
	}
	want.Warnings = append(want.Warnings, "forbidden: list nodes (cluster-scoped)")
	checkInventory(t, inv, want)

	inv, err = Discover(ctx, cs, Filter{Kinds: []string{"deploy"}})
	must(t, err)
	if len(inv.Workloads) != 0 || !slices.Contains(inv.Warnings, "forbidden: list deployments in all namespaces") {
		t.Errorf("all namespaces: %d workloads, warnings %q; want none and a forbidden list of deployments in all namespaces", len(inv.Workloads), inv.Warnings)
	}
}

// checkInventory compares field by field and prints differing workloads.
func checkInventory(t *testing.T, got, want workload.Inventory) {
	t.Helper()
	if !reflect.DeepEqual(keys(got), keys(want)) {
		t.Errorf("workloads %v, want %v", keys(got), keys(want))
	}
	for i := range min(len(got.Workloads), len(want.Workloads)) {
		if g, w := got.Workloads[i], want.Workloads[i]; !reflect.DeepEqual(g, w) {
			t.Errorf("workload %s:\n got %s\nwant %s", w.Key(), jsonOf(g), jsonOf(w))
		}
	}
	if !reflect.DeepEqual(got.Clamps, want.Clamps) {
		t.Errorf("clamps %s, want %s", jsonOf(got.Clamps), jsonOf(want.Clamps))
	}
	if !reflect.DeepEqual(got.Warnings, want.Warnings) {
		t.Errorf("warnings %q, want %q", got.Warnings, want.Warnings)
	}
	if got.Mode != want.Mode {
		t.Errorf("mode %q, want %q", got.Mode, want.Mode)
	}
}

func keys(inv workload.Inventory) []string {
	var out []string
	for _, w := range inv.Workloads {
		out = append(out, w.Key())
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
