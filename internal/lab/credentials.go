package lab

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Network layout. Nothing listens on these ranges: services and pod IPs
// are bookkeeping only (kwok assigns pod IPs from podCIDR).
var serviceIP = net.IPv4(10, 96, 0, 1)

const (
	serviceCIDR = "10.96.0.0/16"
	podCIDR     = "10.244.0.1/16"
)

// ports are the TCP ports on 127.0.0.1 the cluster listens on.
// kube-controller-manager and kube-scheduler serve no port (--secure-port=0).
type ports struct {
	etcdClient, etcdPeer, apiserver int
}

// freePorts asks the kernel for three free ports. Another process could take
// one before the component binds it; Start then fails naming that component.
func freePorts() (ports, error) {
	var got []int
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports{}, fmt.Errorf("free port: %w", err)
		}
		defer l.Close()
		got = append(got, l.Addr().(*net.TCPAddr).Port)
	}
	return ports{etcdClient: got[0], etcdPeer: got[1], apiserver: got[2]}, nil
}

// Users of the static token file; every one is in system:masters.
const (
	adminUser      = "admin"
	controllerUser = "system:kube-controller-manager"
	schedulerUser  = "system:kube-scheduler"
	kwokUser       = "kwok"
	tokenFile      = "tokens.csv"
)

var users = []string{adminUser, controllerUser, schedulerUser, kwokUser}

// writeCredentials generates a token per user and writes the static token
// file and one kubeconfig per user.
func (c *Cluster) writeCredentials() error {
	c.tokens = map[string]string{}
	var csv strings.Builder
	for _, u := range users {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		c.tokens[u] = hex.EncodeToString(b)
		fmt.Fprintf(&csv, "%s,%s,%s,\"system:masters\"\n", c.tokens[u], u, u)
		if err := os.WriteFile(c.kubeconfigPath(u), []byte(c.kubeconfig(u)), 0o600); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(c.dir, tokenFile), []byte(csv.String()), 0o600)
}

func (c *Cluster) kubeconfigPath(user string) string {
	name := strings.TrimPrefix(user, "system:")
	return filepath.Join(c.dir, name+".kubeconfig")
}

// kubeconfig is a kubeconfig for user with the CA inline.
func (c *Cluster) kubeconfig(user string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: tailor-lab
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: tailor-lab
  context:
    cluster: tailor-lab
    user: %s
current-context: tailor-lab
`, c.URL(), base64.StdEncoding.EncodeToString(c.pki.caCert), user, c.tokens[user], user)
}
