package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the cluster's key material, PEM-encoded: a CA that signs the API
// server's serving certificate, and the service-account signing key pair.
type pki struct {
	caCert, caKey         []byte
	serverCert, serverKey []byte
	saKey, saPub          []byte
}

// Files of the key material inside the cluster directory.
const (
	caCertFile     = "ca.crt"
	caKeyFile      = "ca.key"
	serverCertFile = "apiserver.crt"
	serverKeyFile  = "apiserver.key"
	saKeyFile      = "sa.key"
	saPubFile      = "sa.pub"
)

// newPKI generates fresh keys; the serving certificate is valid for
// 127.0.0.1, localhost and the in-cluster service IP and names.
func newPKI(serviceIP net.IP) (pki, error) {
	var p pki
	caKey, caTmpl, err := newKey(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "tailor-lab-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	})
	if err != nil {
		return p, err
	}
	if p.caCert, err = sign(caTmpl, caTmpl, caKey, caKey); err != nil {
		return p, err
	}
	block, _ := pem.Decode(p.caCert)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return p, err
	}
	srvKey, srvTmpl, err := newKey(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), serviceIP},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
	})
	if err != nil {
		return p, err
	}
	if p.serverCert, err = sign(srvTmpl, ca, srvKey, caKey); err != nil {
		return p, err
	}
	return p.withKeys(caKey, srvKey)
}

// withKeys encodes the private keys and generates the service-account pair.
func (p pki) withKeys(caKey, srvKey *ecdsa.PrivateKey) (pki, error) {
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p, err
	}
	for _, k := range []struct {
		dst *[]byte
		key *ecdsa.PrivateKey
	}{{&p.caKey, caKey}, {&p.serverKey, srvKey}, {&p.saKey, saKey}} {
		der, err := x509.MarshalECPrivateKey(k.key)
		if err != nil {
			return p, err
		}
		*k.dst = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return p, err
	}
	p.saPub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	return p, nil
}

// newKey generates a P-256 key and fills the template's serial and validity.
func newKey(tmpl *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(7 * 24 * time.Hour)
	return key, tmpl, nil
}

func sign(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", tmpl.Subject.CommonName, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// writeTo writes the key material into dir (keys readable by the owner only).
func (p pki) writeTo(dir string) error {
	files := map[string][]byte{
		caCertFile: p.caCert, caKeyFile: p.caKey,
		serverCertFile: p.serverCert, serverKeyFile: p.serverKey,
		saKeyFile: p.saKey, saPubFile: p.saPub,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
