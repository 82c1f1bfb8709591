package lab

import (
	"context"
	"testing"
	"time"
)

// buildBudget is the test time ForTest wants left before it builds the
// binaries itself (a first build took 15 minutes on a busy 2-core machine).
const buildBudget = 25 * time.Minute

// ForTest starts a cluster for the test t and stops it in t.Cleanup, also
// when the test fails. A failed test's log shows the end of every
// component's log. It skips the test under -short, builds the binaries when
// missing unless opts.NoBuild (run `make lab` first: the first build takes
// minutes; ForTest refuses to start one when the test's deadline leaves less
// than 25 minutes), and fails the test when the cluster does not start.
func ForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("lab: skipped in -short mode (needs a local cluster: `make lab` builds it once, then it starts in seconds)")
	}
	checkBuildTime(t, opts)
	// The test's context ends before cleanups run; the cleanup below stops
	// the cluster after it has had a chance to log.
	c, err := Start(context.WithoutCancel(t.Context()), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range c.procs {
				t.Logf("last lines of %s:\n%s", p.log, tailFile(p.log, logTailLines))
			}
		}
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// checkBuildTime fails the test at once, saying what to do, when the
// binaries are missing and the test would time out while building them.
func checkBuildTime(t testing.TB, opts Options) {
	t.Helper()
	if opts.NoBuild {
		return
	}
	if _, err := Cached(opts.CacheDir); err == nil {
		return
	}
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return
	}
	if deadline, set := dt.Deadline(); set && time.Until(deadline) < buildBudget {
		t.Fatalf("lab: binaries not built and the test deadline (%s left) is too short to build them; run `make lab` first, or go test -timeout 30m",
			time.Until(deadline).Round(time.Second))
	}
}
