package metricsapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// fakeProvider serves fixed samples and records what it was asked.
type fakeProvider struct {
	mu    sync.Mutex
	asked []string // "namespace|selector"
	items []metricsv1beta1.PodMetrics
	err   error
}

func (f *fakeProvider) PodMetrics(_ context.Context, ns string, sel labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ns+"|"+sel.String())
	var out []metricsv1beta1.PodMetrics
	for _, m := range f.items {
		if (ns == "" || m.Namespace == ns) && sel.Matches(labels.Set(m.Labels)) {
			out = append(out, m)
		}
	}
	return out, f.err
}

func sample(ns, name, app string, cpu string, at time.Time) metricsv1beta1.PodMetrics {
	return metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Timestamp:  metav1.NewTime(at),
		Window:     metav1.Duration{Duration: 15 * time.Second},
		Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}},
	}
}

// clientPKI is a CA and a client certificate it signed, in PEM.
type clientPKI struct{ ca, cert, key []byte }

func newClientPKI(t *testing.T, cn string) clientPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := template("test-front-proxy-ca")
	caTmpl.IsCA, caTmpl.BasicConstraintsValid, caTmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := template(cn)
	tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	return clientPKI{
		ca:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}

func startServer(t *testing.T, cfg Config, p Provider) *Server {
	t.Helper()
	cfg.ServerNames = []string{"metrics.kube-system.svc"}
	s, err := Start(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// restConfig is a client configuration like kube-controller-manager's: it
// asks for protobuf (--kube-api-content-type) and gets JSON back.
func restConfig(s *Server, cert clientPKI) *rest.Config {
	return &rest.Config{
		Host:          s.URL(),
		ContentConfig: rest.ContentConfig{ContentType: "application/vnd.kubernetes.protobuf"},
		TLSClientConfig: rest.TLSClientConfig{
			CAData: s.CABundle(), CertData: cert.cert, KeyData: cert.key, ServerName: "metrics.kube-system.svc",
		},
		Timeout: 10 * time.Second,
	}
}

func TestListAndGetWithTheHPAClient(t *testing.T) {
	front := newClientPKI(t, "front-proxy-client")
	at := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	p := &fakeProvider{items: []metricsv1beta1.PodMetrics{
		sample("a", "web-1", "web", "250m", at), sample("a", "web-2", "web", "1500m", at),
		sample("a", "db-1", "db", "2", at), sample("b", "web-3", "web", "10m", at),
	}}
	s := startServer(t, Config{ClientCA: front.ca, ClientNames: []string{"front-proxy-client"}}, p)
	mc, err := metricsclient.NewForConfig(restConfig(s, front))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// The HPA controller's call (rest_metrics_client.go, GetResourceMetric).
	list, err := mc.MetricsV1beta1().PodMetricses("a").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range list.Items {
		cpu := m.Containers[0].Usage[corev1.ResourceCPU]
		got = append(got, m.Namespace+"/"+m.Name+"="+cpu.String()+"@"+m.Timestamp.UTC().Format(time.RFC3339)+"/"+m.Window.Duration.String())
	}
	want := "a/web-1=250m@2025-01-01T12:00:00Z/15s a/web-2=1500m@2025-01-01T12:00:00Z/15s"
	if strings.Join(got, " ") != want {
		t.Errorf("list a app=web: got %v, want %s", got, want)
	}
	if p.asked[0] != "a|app=web" {
		t.Errorf("provider asked %q, want a|app=web", p.asked[0])
	}
	all, err := mc.MetricsV1beta1().PodMetricses("").List(ctx, metav1.ListOptions{})
	if err != nil || len(all.Items) != 4 || all.Items[0].Name != "db-1" {
		t.Errorf("list all namespaces: %v items (first %v), err %v; want 4 sorted by namespace and name", len(all.Items), all.Items, err)
	}
	one, err := mc.MetricsV1beta1().PodMetricses("b").Get(ctx, "web-3", metav1.GetOptions{})
	if err != nil || one.Name != "web-3" {
		t.Errorf("get b/web-3: %+v, %v", one, err)
	}
	if _, err := mc.MetricsV1beta1().PodMetricses("b").Get(ctx, "nope", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get b/nope: err %v, want NotFound", err)
	}
	if _, err := mc.MetricsV1beta1().PodMetricses("a").List(ctx, metav1.ListOptions{LabelSelector: "app in (("}); !apierrors.IsBadRequest(err) {
		t.Errorf("bad selector: err %v, want BadRequest", err)
	}
}

func TestDiscovery(t *testing.T) {
	front := newClientPKI(t, "front-proxy-client")
	s := startServer(t, Config{ClientCA: front.ca}, &fakeProvider{})
	dc, err := discovery.NewDiscoveryClientForConfig(restConfig(s, front))
	if err != nil {
		t.Fatal(err)
	}
	res, err := dc.ServerResourcesForGroupVersion("metrics.k8s.io/v1beta1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.APIResources) != 1 || res.APIResources[0].Name != "pods" || res.APIResources[0].Kind != "PodMetrics" || !res.APIResources[0].Namespaced {
		t.Errorf("resources: %+v, want namespaced pods of kind PodMetrics", res.APIResources)
	}
	groups, err := dc.ServerGroups()
	if err != nil || len(groups.Groups) != 1 || groups.Groups[0].PreferredVersion.GroupVersion != "metrics.k8s.io/v1beta1" {
		t.Errorf("groups: %+v, %v", groups, err)
	}
}

func TestClientCertificateRequired(t *testing.T) {
	front := newClientPKI(t, "front-proxy-client")
	other := newClientPKI(t, "front-proxy-client") // same name, another CA
	wrongName := newClientPKI(t, "someone")
	p := &fakeProvider{}
	s := startServer(t, Config{ClientCA: front.ca, ClientNames: []string{"front-proxy-client"}}, p)
	for name, cert := range map[string]clientPKI{
		"no certificate": {},
		"unknown CA":     other,
	} {
		mc, err := metricsclient.NewForConfig(restConfig(s, cert))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mc.MetricsV1beta1().PodMetricses("a").List(t.Context(), metav1.ListOptions{}); err == nil {
			t.Errorf("%s: list succeeded, want a TLS error", name)
		}
	}
	// A certificate from the right CA with a name not allowed.
	s2 := startServer(t, Config{ClientCA: wrongName.ca, ClientNames: []string{"front-proxy-client"}}, p)
	mc, err := metricsclient.NewForConfig(restConfig(s2, wrongName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.MetricsV1beta1().PodMetricses("a").List(t.Context(), metav1.ListOptions{}); err == nil {
		t.Error("common name not in ClientNames: list succeeded, want an error")
	}
	if len(p.asked) != 0 {
		t.Errorf("provider was asked %v by rejected clients", p.asked)
	}
}

func TestProviderError(t *testing.T) {
	front := newClientPKI(t, "front-proxy-client")
	s := startServer(t, Config{ClientCA: front.ca}, &fakeProvider{err: errors.New("boom")})
	mc, err := metricsclient.NewForConfig(restConfig(s, front))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mc.MetricsV1beta1().PodMetricses("a").List(t.Context(), metav1.ListOptions{})
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err %v, want an internal error quoting the provider", err)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	if _, err := Start(Config{}, nil); err == nil {
		t.Error("nil provider accepted")
	}
	if _, err := Start(Config{ClientCA: []byte("not pem")}, &fakeProvider{}); err == nil || !strings.Contains(err.Error(), "client CA") {
		t.Errorf("bad client CA: err %v", err)
	}
}
