package lab

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNodeLeasesRenewed checks that kwok heartbeats through node leases:
// with status heartbeats alone the node lifecycle controller marked the
// nodes, and every pod on them, NotReady about once a minute. Expected
// runtime: about 15 s.
func TestNodeLeasesRenewed(t *testing.T) {
	c := ForTest(t, Options{Nodes: 1})
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	leases := cs.CoordinationV1().Leases("kube-node-lease")
	var first time.Time
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		l, err := leases.Get(t.Context(), NodeName(0), metav1.GetOptions{})
		if err == nil && l.Spec.RenewTime != nil {
			renewed := l.Spec.RenewTime.Time
			if first.IsZero() {
				first = renewed
			} else if renewed.After(first) {
				if d := *l.Spec.LeaseDurationSeconds; d != 40 {
					t.Errorf("lease duration %d s, want 40", d)
				}
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("lease of %s not renewed within 30 s (first renew time %v)", NodeName(0), first)
}
