package crosscheck

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRows lines up watched events with the syncs they followed.
func TestRows(t *testing.T) {
	s := parse(t, header+"hpa maxReplicas=10 cpu=50%\npods initial=2 startup=0s window=6s\nload 0s..8s 1\nload 8s..12s 4\n")
	steps, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	r := &Result{Scenario: s, Steps: steps}
	for k := range len(steps) + 1 {
		r.Syncs = append(r.Syncs, Sync{Index: k, At: at(time.Duration(k)*4*time.Second + 10*time.Millisecond), Ready: 2, Load: 1})
	}
	r.Syncs[3].Ready = 4
	// Sync 2 (8s) scales 2 -> 4; status updates only when something changes.
	r.Replicas = []Observed{{At: at(0), Replicas: 2}, {At: at(8050 * time.Millisecond), Replicas: 4}}
	r.Status = []HPAStatus{{At: at(60 * time.Millisecond), Desired: 2, Utilization: 50}, {At: at(8060 * time.Millisecond), Desired: 4, Utilization: 200}}
	r.Pods = []PodSeen{{Name: "new", Added: at(8070 * time.Millisecond), Ready: at(8300 * time.Millisecond)}}
	rows := r.Rows()
	var got []string
	for _, row := range rows {
		got = append(got, fmt.Sprintf("%d/%d/%d/%d", row.RealReplicas, row.RealUtil, row.ModelReplicas, row.ModelUtil))
	}
	// Sync 3: the model follows the legacy window's 8 of sync 2; the
	// recorded controller did not (nothing watched after 8.06s).
	if want := "2/50/2/50 2/50/2/50 4/200/4/200 4/200/8/100"; strings.Join(got, " ") != want {
		t.Errorf("rows real/util/model/util %v, want %s", got, want)
	}
	if a := r.Agreement(); a != (Agreement{Syncs: 4, Replicas: 3, Utilization: 3, Ready: 4}) {
		t.Errorf("agreement %+v", a)
	}
	if !strings.Contains(r.Table(), "<- differs") {
		t.Errorf("table does not mark sync 3:\n%s", r.Table())
	}
	if l := r.ReadyLatency(); l != 290*time.Millisecond {
		t.Errorf("ready latency %s, want 290ms (sync 2 at 8.01s, Ready seen at 8.3s)", l)
	}
}
