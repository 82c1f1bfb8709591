package lab

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// FrontProxyClientName is the common name of the client certificate the API
// server's aggregator presents to aggregated API servers
// (--proxy-client-cert-file, allowed by --requestheader-allowed-names).
const FrontProxyClientName = "front-proxy-client"

// Files of the front-proxy key material (Options.Aggregator).
const (
	frontCACertFile     = "front-proxy-ca.crt"
	frontClientCertFile = "front-proxy-client.crt"
	frontClientKeyFile  = "front-proxy-client.key"
)

// frontProxy is the aggregation layer's PKI, PEM-encoded: its own CA (as in
// kubeadm) and the client certificate the aggregator proxies with.
type frontProxy struct {
	caCert, clientCert, clientKey []byte
}

func newFrontProxy() (*frontProxy, error) {
	caKey, caTmpl, err := newKey(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "tailor-lab-front-proxy-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	})
	if err != nil {
		return nil, err
	}
	f := &frontProxy{}
	if f.caCert, err = sign(caTmpl, caTmpl, caKey, caKey); err != nil {
		return nil, err
	}
	key, tmpl, err := newKey(&x509.Certificate{
		Subject:     pkix.Name{CommonName: FrontProxyClientName},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	if f.clientCert, err = sign(tmpl, caTmpl, key, caKey); err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	f.clientKey = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	return f, nil
}

func (f *frontProxy) writeTo(dir string) error {
	for name, data := range map[string][]byte{
		frontCACertFile: f.caCert, frontClientCertFile: f.clientCert, frontClientKeyFile: f.clientKey,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// aggregatorArgs are the API server flags of the aggregation layer: who may
// assert identities in X-Remote-* headers, and the certificate the
// aggregator proxies with.
func (c *Cluster) aggregatorArgs() []string {
	if c.front == nil {
		return nil
	}
	return []string{
		"--requestheader-client-ca-file=" + c.path(frontCACertFile),
		"--requestheader-allowed-names=" + FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.path(frontClientCertFile),
		"--proxy-client-key-file=" + c.path(frontClientKeyFile),
	}
}

// FrontProxyCA is the PEM CA that signed the aggregator's client
// certificate (common name FrontProxyClientName); an aggregated API server
// verifies the requests it receives with it. Nil unless Options.Aggregator.
func (c *Cluster) FrontProxyCA() []byte {
	if c.front == nil {
		return nil
	}
	return c.front.caCert
}

// APIService describes an aggregated API served by a process on this
// machine, over TLS on 127.0.0.1:Port.
type APIService struct {
	Group, Version string
	Port           int
	// CABundle is the PEM CA of the server's certificate, which must be valid
	// for APIServiceHost(Group). When empty the aggregator skips verification.
	CABundle []byte
}

// apiServiceNamespace holds the Services of registered APIs.
const apiServiceNamespace = "kube-system"

// APIServiceHost is the name the aggregator expects in the serving
// certificate of the server registered for group:
// <service>.kube-system.svc, the service being "lab-" + group with dots as
// dashes.
func APIServiceHost(group string) string {
	return apiServiceName(group) + "." + apiServiceNamespace + ".svc"
}

func apiServiceName(group string) string { return "lab-" + strings.ReplaceAll(group, ".", "-") }

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// RegisterAPIService makes the API server proxy s.Group/s.Version to the
// server at 127.0.0.1:s.Port, and waits until the aggregator reports the
// APIService Available (its discovery document answered). It needs
// Options.Aggregator.
//
// The route is a Service of type ExternalName "127.0.0.1" in kube-system:
// the aggregator resolves ExternalName services to <externalName>:<port>,
// while Endpoints and EndpointSlices may not hold loopback addresses.
func (c *Cluster) RegisterAPIService(ctx context.Context, s APIService) error {
	if c.front == nil {
		return errors.New("lab: register APIService: the cluster was started without Options.Aggregator")
	}
	if s.Group == "" || s.Version == "" || s.Port <= 0 {
		return fmt.Errorf("lab: register APIService: need a group, a version and a port (got %q, %q, %d)", s.Group, s.Version, s.Port)
	}
	cs, err := c.Client()
	if err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: apiServiceName(s.Group), Namespace: apiServiceNamespace},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"},
	}
	if _, err := cs.CoreV1().Services(apiServiceNamespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("lab: register APIService: create service: %w", err)
	}
	dyn, err := dynamic.NewForConfig(c.RESTConfig())
	if err != nil {
		return err
	}
	obj := apiServiceObject(s)
	if _, err := dyn.Resource(apiServiceGVR).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("lab: register APIService %s: %w", obj.GetName(), err)
	}
	return c.waitAPIServiceAvailable(ctx, dyn, obj.GetName())
}

func apiServiceObject(s APIService) *unstructured.Unstructured {
	spec := map[string]any{
		"group":                s.Group,
		"version":              s.Version,
		"groupPriorityMinimum": int64(100),
		"versionPriority":      int64(100),
		"service": map[string]any{
			"namespace": apiServiceNamespace,
			"name":      apiServiceName(s.Group),
			"port":      int64(s.Port),
		},
	}
	if len(s.CABundle) > 0 {
		spec["caBundle"] = base64.StdEncoding.EncodeToString(s.CABundle)
	} else {
		spec["insecureSkipTLSVerify"] = true
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": s.Version + "." + s.Group},
		"spec":       spec,
	}}
}

// apiServiceTimeout bounds the wait for an APIService to become Available.
const apiServiceTimeout = 30 * time.Second

func (c *Cluster) waitAPIServiceAvailable(ctx context.Context, dyn dynamic.Interface, name string) error {
	ctx, cancel := context.WithTimeout(ctx, apiServiceTimeout)
	defer cancel()
	return c.waitFor(ctx, "APIService "+name+" Available", c.process("kube-apiserver"), func(ctx context.Context) error {
		obj, err := dyn.Resource(apiServiceGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, raw := range conds {
			cond, _ := raw.(map[string]any)
			if cond["type"] != "Available" {
				continue
			}
			if cond["status"] == "True" {
				return nil
			}
			return fmt.Errorf("condition Available=%v: %v: %v", cond["status"], cond["reason"], cond["message"])
		}
		return errors.New("no Available condition yet")
	})
}
