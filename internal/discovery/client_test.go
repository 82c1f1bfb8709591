package discovery

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"tailor.dev/tailor/internal/workload"
)

// kubeconfig writes a kubeconfig with contexts a and b (current: a) whose
// servers are https://127.0.0.1:portA and :portB.
func kubeconfig(t *testing.T, portA, portB int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\ncurrent-context: a\nusers:\n- name: u\n  user:\n    token: t0ken\n")
	b.WriteString("clusters:\n")
	for name, port := range map[string]int{"a": portA, "b": portB} {
		fmt.Fprintf(&b, "- name: %s\n  cluster:\n    server: https://127.0.0.1:%d\n    insecure-skip-tls-verify: true\n", name, port)
	}
	b.WriteString("contexts:\n- name: a\n  context: {cluster: a, user: u}\n- name: b\n  context: {cluster: b, user: u}\n")
	path := filepath.Join(t.TempDir(), "kubeconfig")
	must(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func TestClient(t *testing.T) {
	path := kubeconfig(t, 1111, 2222)
	tests := []struct {
		name, kubeconfig, context, env string
		host                           string
	}{
		{"explicit path, current context", path, "", "", "https://127.0.0.1:1111"},
		{"explicit path, context b", path, "b", "", "https://127.0.0.1:2222"},
		{"KUBECONFIG, context b", "", "b", path, "https://127.0.0.1:2222"},
		{"explicit path wins over KUBECONFIG", path, "", "/nonexistent/kubeconfig", "https://127.0.0.1:1111"},
	}
	for _, tc := range tests {
		t.Setenv("KUBECONFIG", tc.env)
		_, cfg, err := Client(tc.kubeconfig, tc.context)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cfg.Host != tc.host || cfg.Timeout != requestTimeout || cfg.BearerToken != "t0ken" {
			t.Errorf("%s: host %s, timeout %s, token %q; want %s, %s, t0ken", tc.name, cfg.Host, cfg.Timeout, cfg.BearerToken, tc.host, requestTimeout)
		}
	}
	t.Setenv("KUBECONFIG", "")
	if _, _, err := Client(path, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("unknown context: error %v, want one naming the context and %s", err, path)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if _, _, err := Client(missing, ""); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing kubeconfig: error %v, want one naming %s", err, missing)
	}
}

// TestUnreachable discovers from a server on a closed port: a quick error
// naming the server's URL and the cause.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	cs, _, err := Client(kubeconfig(t, port, port), "")
	must(t, err)
	began := time.Now()
	_, err = Discover(context.Background(), cs, Filter{})
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "unreachable") ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want one naming %s as unreachable (connection refused)", err, url)
	}
	t.Logf("failed after %s: %v", time.Since(began).Round(time.Millisecond), err)
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("took %s to fail, want under 5s", d)
	}
}

func TestOwnerOf(t *testing.T) {
	owners := workload.Owners{
		ReplicaSets: map[string]workload.Owner{"shop/web-5d8f": {Kind: "Deployment", Name: "web"}},
		Jobs:        map[string]workload.Owner{"shop/report-1": {Kind: "CronJob", Name: "report"}},
	}
	pod := func(name string, refs ...metav1.OwnerReference) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, OwnerReferences: refs}}
	}
	ref := func(kind, name string, controller bool) metav1.OwnerReference {
		return metav1.OwnerReference{Kind: kind, Name: name, Controller: ptr.To(controller)}
	}
	tests := []struct {
		pod        *corev1.Pod
		kind, name string
	}{
		{pod("web-5d8f-x", ref("ReplicaSet", "web-5d8f", true)), "Deployment", "web"},
		{pod("report-1-y", ref("Job", "report-1", true)), "CronJob", "report"},
		{pod("once-z", ref("Job", "once", true)), "Job", "once"},
		{pod("db-0", ref("StatefulSet", "db", true)), "StatefulSet", "db"},
		{pod("debug"), "Pod", "debug"},
		{pod("adopted", ref("ConfigMap", "cm", false)), "Pod", "adopted"}, // an owner that is not the controller
		{pod("mirror", ref("Node", "n1", true)), "Pod", "mirror"},
	}
	for _, tc := range tests {
		if kind, name := OwnerOf(tc.pod, owners); kind != tc.kind || name != tc.name {
			t.Errorf("OwnerOf(%s) = %s/%s, want %s/%s", tc.pod.Name, kind, name, tc.kind, tc.name)
		}
	}
}
