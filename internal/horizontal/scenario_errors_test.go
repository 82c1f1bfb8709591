package horizontal

import (
	"strings"
	"testing"
	"time"
)

// Bad scenarios fail with the file name and the line to blame.
func TestScenarioErrors(t *testing.T) {
	const head = "hpa minReplicas=1 maxReplicas=5 cpu=50%\npods initial=1 request=500m\n"
	tests := []struct {
		name, text, want string
	}{
		{"load gap", head + "load 0s..5m 1\nload 6m..8m 1\n", "bad.test:4: load 6m0s..8m0s: gap from 5m0s to 6m0s"},
		{"load overlap", head + "load 0s..5m 1\nload 4m..8m 1\n", "bad.test:4: load 4m0s..8m0s: overlaps the previous segment"},
		{"negative load", head + "load 0s..5m -0.5\n", "bad.test:3: load 0s..5m0s: value -0.5 is negative"},
		{"late start", head + "load 1m..5m 1\n", "bad.test:3: load 1m0s..5m0s: the first segment must start at 0s"},
		{"not a number", head + "load 0s..5m lots\n", `bad.test:3: value: invalid number "lots"`},
		{"value gap", "hpa maxReplicas=5\nmetric external q averageValue=10\nload 0s..5m 1\nvalue q 0s..1m 3\nvalue q 2m..5m 3\n", "bad.test:5: value q 2m0s..5m0s: gap from 1m0s to 2m0s"},
		{"missing values", "hpa maxReplicas=5\nmetric external q averageValue=10\nload 0s..5m 1\n", `bad.test:2: metric "q" has no value lines`},
		{"short values", "hpa maxReplicas=5\nmetric object q value=10\nload 0s..5m 1\nvalue q 0s..1m 3\n", `bad.test:2: metric "q" has values until 1m0s but the load runs until 5m0s`},
		{"period out of range", head + "behavior scaleUp policy=Pods:4:0s\nload 0s..5m 1\n", "bad.test:3: hpa spec rejected: spec.behavior.scaleUp.policies[0].periodSeconds: must be in 1..1800 (got 0)"},
		{"window out of range", head + "behavior scaleDown stabilization=2h\nload 0s..5m 1\n", "bad.test:3: hpa spec rejected: spec.behavior.scaleDown.stabilizationWindowSeconds: must be in 0..3600 (got 7200)"},
		{"max below min", "hpa minReplicas=4 maxReplicas=2 cpu=50%\nload 0s..5m 1\n", "bad.test:1: hpa spec rejected: spec.maxReplicas: must be greater than or equal to minReplicas"},
		{"min zero", "hpa minReplicas=0 maxReplicas=2 cpu=50%\nload 0s..5m 1\n", "bad.test:1: hpa spec rejected: spec.minReplicas: must be greater than or equal to 1 (got 0)"},
		{"bad utilization", "hpa maxReplicas=2\nmetric resource cpu utilization=0\nload 0s..5m 1\n", "bad.test:2: hpa spec rejected: spec.metrics[0].resource.target.averageUtilization: must be greater than 0 (got 0)"},
		{"select policy", head + "behavior scaleDown select=Sometimes\nload 0s..5m 1\n", `bad.test:3: hpa spec rejected: spec.behavior.scaleDown.selectPolicy: unsupported value "Sometimes"`},
		{"unknown directive", head + "lod 0s..5m 1\n", `bad.test:3: unknown directive "lod"`},
		{"unknown key", "hpa maxReplicas=5 minimum=2\n", `bad.test:1: unknown key "minimum"`},
		{"no max", "hpa minReplicas=1\n", "bad.test:1: hpa: maxReplicas is required"},
		{"twice", head + "hpa maxReplicas=3\n", "bad.test:3: hpa given twice (first on line 1)"},
		{"bad range", head + "load 5m 1\n", `bad.test:3: want a range FROM..TO such as 0s..5m, got "5m"`},
		{"backwards range", head + "load 5m..1m 1\n", "bad.test:3: range 5m..1m ends before it starts"},
		{"expect past end", head + "load 0s..5m 1\nexpect 6m replicas=1\n", "bad.test:4: expect at 6m0s is past the end of the load (5m0s)"},
		{"no load", head, "bad.test: no load directive"},
		{"no hpa", "load 0s..5m 1\n", "bad.test: no hpa directive"},
		{"pods metric without rps", "hpa maxReplicas=5\nmetric pods qps averageValue=10\nload 0s..5m 1\n", `bad.test:2: pods metric "qps" has no input`},
		{"mixed load", head + "load 0s..5m 1\nload 5m..6m rps=3\n", "bad.test:4: load mixes cores and rps"},
		{"bad policy", head + "behavior scaleUp policy=Pods:4\n", `bad.test:3: policy: want Type:Value:Period such as Pods:4:15s, got "Pods:4"`},
		{"negative request", "hpa maxReplicas=5\npods request=-1\n", "bad.test:2: request: must not be negative (got -1)"},
		{"bad quantity", "hpa maxReplicas=5\ncontainer app cpu=lots\n", `bad.test:2: cpu: invalid quantity "lots"`},
		{"share", "hpa maxReplicas=5\ncontainer app share=2\n", "bad.test:2: share: must be in 0..1 (got 2)"},
		{"config", "config tolerance=-0.2\n", "bad.test:1: config: tolerance must be >= 0 (got -0.2)"},
		{"missing pods", head + "missing 0s..1m pods=0\n", `bad.test:3: pods: want a positive count, got "0"`},
		{"scale to zero flag", "hpa maxReplicas=5 scaleToZero=yes\n", `bad.test:1: scaleToZero: want true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario("bad.test", strings.NewReader(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}

// A failed expectation names the file, line and time.
func TestScenarioCheckReportsLine(t *testing.T) {
	text := "hpa maxReplicas=5 cpu=50%\npods initial=1 request=1\nload 0s..1m 0.5\nexpect 30s replicas=3\n"
	s, err := ParseScenario("x.test", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	errs := s.Check(steps)
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "x.test:4: at 30s: replicas = 1, want 3") {
		t.Fatalf("got %v", errs)
	}
	s.Expects = []Expect{{Line: 9, From: 16 * time.Second, To: 20 * time.Second, Replicas: Ptr(int32(1))}}
	if errs := s.Check(steps); len(errs) != 1 || errs[0].Error() != "x.test:9: no sync between 16s and 20s" {
		t.Fatalf("empty range: got %v", errs)
	}
}
