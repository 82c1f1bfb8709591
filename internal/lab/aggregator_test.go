package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	"tailor.dev/tailor/internal/lab/metricsapi"
)

// TestAggregator registers a metrics.k8s.io server running in the test
// process and reads PodMetrics through the API server, as the HPA
// controller does. Expected runtime: about 10 s with cached binaries.
func TestAggregator(t *testing.T) {
	c := ForTest(t, Options{Aggregator: true})
	var mu sync.Mutex
	var asked []string
	at := time.Now().Truncate(time.Second)
	provider := metricsapi.ProviderFunc(func(_ context.Context, ns string, sel labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
		mu.Lock()
		asked = append(asked, ns+"|"+sel.String())
		mu.Unlock()
		return []metricsv1beta1.PodMetrics{{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1"},
			Timestamp:  metav1.NewTime(at),
			Window:     metav1.Duration{Duration: 15 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "app", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}}},
		}}, nil
	})
	srv, err := metricsapi.Start(metricsapi.Config{
		ServerNames: []string{APIServiceHost(metricsapi.Group)},
		ClientCA:    c.FrontProxyCA(),
		ClientNames: []string{FrontProxyClientName},
	}, provider)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	start := time.Now()
	err = c.RegisterAPIService(t.Context(), APIService{
		Group: metricsapi.Group, Version: metricsapi.Version, Port: srv.Port(), CABundle: srv.CABundle(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("APIService Available after %s", time.Since(start).Round(time.Millisecond))

	mc, err := metricsclient.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	list, err := mc.MetricsV1beta1().PodMetricses("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "web-1" || !list.Items[0].Timestamp.Time.Equal(at) {
		t.Fatalf("through the API server: %+v, want web-1 at %s", list.Items, at)
	}
	cpu := list.Items[0].Containers[0].Usage[corev1.ResourceCPU]
	if cpu.MilliValue() != 250 {
		t.Errorf("cpu %s, want 250m", cpu.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) == 0 || asked[len(asked)-1] != "default|app=web" {
		t.Errorf("provider asked %v, want the last call default|app=web", asked)
	}
}

// TestFrontProxyPKI checks the aggregator's client certificate chains to
// the front-proxy CA under the name the API server allows.
func TestFrontProxyPKI(t *testing.T) {
	f, err := newFrontProxy()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(f.clientCert, f.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(f.caCert) {
		t.Fatal("front-proxy CA is not PEM")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate does not verify: %v", err)
	}
	if leaf.Subject.CommonName != FrontProxyClientName {
		t.Errorf("client certificate CN %q, want %q", leaf.Subject.CommonName, FrontProxyClientName)
	}
	block, _ := pem.Decode(f.caCert)
	if ca, _ := x509.ParseCertificate(block.Bytes); ca == nil || !ca.IsCA {
		t.Error("front-proxy CA is not a CA certificate")
	}
}

func TestRegisterAPIServiceNeedsAggregator(t *testing.T) {
	c := &Cluster{}
	err := c.RegisterAPIService(t.Context(), APIService{Group: "metrics.k8s.io", Version: "v1beta1", Port: 443})
	if err == nil || !strings.Contains(err.Error(), "Options.Aggregator") {
		t.Errorf("err %v, want one naming Options.Aggregator", err)
	}
	if c.FrontProxyCA() != nil {
		t.Error("FrontProxyCA without Options.Aggregator is not nil")
	}
	if args := c.aggregatorArgs(); args != nil {
		t.Errorf("aggregator flags without Options.Aggregator: %v", args)
	}
}
