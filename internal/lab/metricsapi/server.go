package metricsapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// Group and Version of the API served, the ones the HPA controller's
// resource metrics client asks for.
const (
	Group   = "metrics.k8s.io"
	Version = "v1beta1"
)

// Provider supplies the samples the server returns.
type Provider interface {
	// PodMetrics returns the samples of the pods in namespace (every
	// namespace when it is "") whose labels match selector. A pod without a
	// sample is simply absent, as with metrics-server.
	PodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error)
}

// ProviderFunc adapts a function to Provider.
type ProviderFunc func(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error)

// PodMetrics calls f.
func (f ProviderFunc) PodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	return f(ctx, namespace, selector)
}

// Config configures Start.
type Config struct {
	// Addr is the TCP listen address (default "127.0.0.1:0", a free port).
	Addr string
	// ServerNames are the DNS names of the self-signed serving certificate,
	// which also holds the listen IP. The aggregator verifies the name
	// <service>.<namespace>.svc of the APIService's service.
	ServerNames []string
	// ClientCA (PEM), when set, makes the server require a client
	// certificate signed by it: the aggregator's front-proxy certificate
	// (kube-apiserver --proxy-client-cert-file, verified against
	// --requestheader-client-ca-file). Without it anyone reaching the port
	// may read the samples.
	ClientCA []byte
	// ClientNames, when set, are the only client certificate common names
	// accepted (--requestheader-allowed-names).
	ClientNames []string
	// ErrorLog receives connection errors such as rejected client
	// certificates; nil discards them.
	ErrorLog *log.Logger
}

// Server is a running metrics API server. Stop it with Close.
type Server struct {
	provider Provider
	ln       net.Listener
	srv      *http.Server
	caPEM    []byte
	done     chan error
}

// Start listens on cfg.Addr with TLS and serves until Close.
func Start(cfg Config, p Provider) (*Server, error) {
	if p == nil {
		return nil, errors.New("metricsapi: nil provider")
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metricsapi: listen: %w", err)
	}
	tlsCfg, caPEM, err := serverTLS(cfg, ln.Addr().(*net.TCPAddr).IP)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("metricsapi: %w", err)
	}
	s := &Server{provider: p, ln: ln, caPEM: caPEM, done: make(chan error, 1)}
	errLog := cfg.ErrorLog
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	s.srv = &http.Server{Handler: s.handler(), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	go func() { s.done <- s.srv.ServeTLS(ln, "", "") }()
	return s, nil
}

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// URL is https://<listen address>.
func (s *Server) URL() string { return "https://" + s.ln.Addr().String() }

// CABundle is the PEM certificate that signed the serving certificate, for
// the APIService's caBundle.
func (s *Server) CABundle() []byte { return s.caPEM }

// Close stops the server and waits for Serve to return.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("metricsapi: serve: %w", serveErr)
	}
	if err != nil {
		return fmt.Errorf("metricsapi: close: %w", err)
	}
	return nil
}

// serverTLS builds the TLS configuration: a fresh serving certificate and,
// with cfg.ClientCA, verification of the client certificate.
func serverTLS(cfg Config, ip net.IP) (*tls.Config, []byte, error) {
	cert, caPEM, err := servingCert(cfg.ServerNames, ip)
	if err != nil {
		return nil, nil, err
	}
	out := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if len(cfg.ClientCA) == 0 {
		return out, caPEM, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.ClientCA) {
		return nil, nil, errors.New("client CA: no PEM certificate")
	}
	out.ClientCAs, out.ClientAuth = pool, tls.RequireAndVerifyClientCert
	if len(cfg.ClientNames) > 0 {
		names := slices.Clone(cfg.ClientNames)
		out.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !slices.Contains(names, cs.PeerCertificates[0].Subject.CommonName) {
				return errors.New("client certificate common name not allowed")
			}
			return nil
		}
	}
	return out, caPEM, nil
}
